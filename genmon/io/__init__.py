"""Readers and writers of the genotype formats labs exchange.

One module per format; each registers itself with :func:`register_format`.
:func:`read_genotypes` and :func:`write_genotypes` dispatch by the ``format``
argument, or guess it from the file name and contents.

Every reader validates the whole file and raises one
:class:`~genmon.exceptions.InputError` listing all its problems.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import InputError, Problem
from ..model import GenotypeTable

logger = logging.getLogger(__name__)

__all__ = [
    "FormatSpec",
    "FORMATS",
    "register_format",
    "detect_format",
    "read_genotypes",
    "write_genotypes",
]


@dataclass(frozen=True)
class FormatSpec:
    """A registered file format.

    ``sniff(path, head)`` gets the first few KiB of decoded text and returns a
    confidence in [0, 1] that the file is in this format.
    """

    name: str
    description: str
    reader: Callable[..., GenotypeTable] | None = None
    writer: Callable[..., None] | None = None
    extensions: tuple[str, ...] = ()
    sniff: Callable[[Path, str], float] | None = None
    options: dict[str, str] = field(default_factory=dict)


FORMATS: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec) -> FormatSpec:
    """Add a format to :data:`FORMATS` (called by each format module)."""
    FORMATS[spec.name] = spec
    return spec


def _load_format_modules() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def _head(path: Path) -> str:
    from ._text import decode_bytes

    try:
        with open(path, "rb") as fh:
            data = fh.read(16384)
    except OSError:
        return ""
    try:
        return decode_bytes(data)
    except InputError:
        return ""


def detect_format(path: str | Path, kind: str = "reader") -> str:
    """Guess a file's format from its extension and first lines.

    Raises :class:`InputError` when no registered format fits.
    """
    path = Path(path)
    head = _head(path) if kind == "reader" else ""
    suffixes = "".join(path.suffixes).lower()
    best, best_score = None, 0.0
    for spec in FORMATS.values():
        if (spec.reader if kind == "reader" else spec.writer) is None:
            continue
        score = 0.0
        matched = [ext for ext in spec.extensions if suffixes.endswith(ext)]
        if matched:
            # A longer (more specific) extension wins: ".long.csv" over ".csv".
            score += 0.5 + 0.01 * max(len(ext) for ext in matched)
        if kind == "reader" and spec.sniff is not None:
            score += spec.sniff(path, head)
        if score > best_score:
            best, best_score = spec.name, score
    if best is None:
        names = ", ".join(sorted(n for n, s in FORMATS.items() if (s.reader if kind == "reader" else s.writer)))
        raise InputError(
            Problem("a file whose format could not be recognised", f"one of: {names} (use --from/--to)", str(path))
        )
    return best


def read_genotypes(path: str | Path, format: str | None = None, **options: Any) -> GenotypeTable:
    """Read a genotype file into a :class:`~genmon.model.GenotypeTable`.

    Parameters
    ----------
    path
        The file.
    format
        A name from :data:`FORMATS`; guessed when ``None``.
    **options
        Passed to the format's reader (e.g. ``missing``, ``delimiter``).
    """
    path = Path(path)
    if not path.exists():
        raise InputError(Problem("no such file", "an existing file", str(path)))
    name = format or detect_format(path)
    spec = FORMATS.get(name)
    if spec is None or spec.reader is None:
        raise InputError(Problem(f'format "{name}"', "a readable format: " + ", ".join(sorted(n for n, s in FORMATS.items() if s.reader)), str(path)))
    table = spec.reader(path, **options)
    logger.info("read %s (%s): %d rows x %d loci", path, name, table.n_samples, table.n_loci)
    return table


def write_genotypes(table: GenotypeTable, path: str | Path, format: str | None = None, **options: Any) -> None:
    """Write a table in a registered format (guessed from the extension when ``None``)."""
    path = Path(path)
    name = format or detect_format(path, kind="writer")
    spec = FORMATS.get(name)
    if spec is None or spec.writer is None:
        raise InputError(Problem(f'format "{name}"', "a writable format: " + ", ".join(sorted(n for n, s in FORMATS.items() if s.writer)), str(path)))
    spec.writer(table, path, **options)


_load_format_modules()
