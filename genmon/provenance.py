"""Provenance: what produced an output, so that anyone can reproduce it.

Every output genmon writes carries :func:`make_provenance`'s record: genmon
version, how the kernels were built, Python and library versions, the command
and parameters, the seed, and the SHA-256 of every input file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import platform
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from ._ext import _buildinfo
from ._version import __version__

__all__ = ["SCHEMA_VERSION", "build_info", "sha256_file", "make_provenance", "version_string"]

SCHEMA_VERSION = 1


def build_info() -> dict[str, Any]:
    """How the compiled kernels were built."""
    return {
        "openmp": _buildinfo.openmp_enabled(),
        "max_threads": _buildinfo.max_threads(),
        "debug_build": _buildinfo.debug_build(),
    }


def version_string() -> str:
    """One line for ``genmon --version``."""
    info = build_info()
    omp = f"OpenMP on, {info['max_threads']} threads" if info["openmp"] else "OpenMP off"
    debug = ", debug build" if info["debug_build"] else ""
    return f"genmon {__version__} (kernels: {omp}{debug}; Python {platform.python_version()})"


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _command_line() -> str:
    """The command line with the program's directory dropped (``genmon …``, not ``/usr/bin/genmon …``)."""
    argv = list(sys.argv) or [""]
    argv[0] = Path(argv[0]).name
    return " ".join(argv)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("numpy", "pandas", "scipy", "scikit-allel", "pysam", "biopython", "click"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def make_provenance(
    command: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    seed: int | None = None,
    inputs: Iterable[str | Path] = (),
    timestamp: _dt.datetime | None = None,
) -> dict[str, Any]:
    """Build a provenance record (a JSON-serialisable dict).

    Parameters
    ----------
    command
        The command line or function that produced the output.
    parameters
        Every parameter that changes the result.
    seed
        The random seed actually used (``None`` for deterministic work).
    inputs
        Input files; each is recorded with its SHA-256.
    timestamp
        UTC time of the run (now by default); the only field that changes
        between identical runs.
    """
    ts = (timestamp or _dt.datetime.now(_dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    inputs = list(inputs)
    for p in inputs:
        logging.getLogger(__name__).debug("input %s: sha256 %s", p, sha256_file(p))
    return {
        "schema": SCHEMA_VERSION,
        "software": "genmon",
        "version": __version__,
        "build": build_info(),
        "environment": _versions(),
        "platform": f"{platform.system()} {platform.machine()}",
        "command": command if command is not None else _command_line(),
        "parameters": dict(parameters or {}),
        "seed": seed,
        "inputs": [{"path": str(p), "sha256": sha256_file(p)} for p in inputs],
        "timestamp": ts,
    }
