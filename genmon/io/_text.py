"""Decoding and splitting of the text files lab PCs produce.

Handles a UTF-8 byte-order mark, UTF-16 (with or without BOM, as Excel's
"Unicode text" writes), Windows-1251 from older Russian-locale PCs, CRLF line
ends, ``;`` delimiters with decimal commas, quoted fields and trailing empty
columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import InputError, InputWarning, Problem

__all__ = ["Row", "read_text", "sniff_delimiter", "split_rows", "read_rows", "read_headed_tsv", "parse_float"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, file: str | None = None) -> str:
    """Decode a lab file's bytes to text, guessing the encoding as described above."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    Problem(f"bytes that are not valid {encoding} ({exc.reason})", "a text file", file)
                ) from None
    head = data[:4096]
    if len(head) >= 4 and head.count(b"\x00") >= len(head) // 4:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    if b"\x00" in head:
        raise InputError(Problem("binary data (NUL bytes)", "a text file", file))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise InputError(
                Problem("bytes that are neither UTF-8 nor Windows-1251 text", "a text file", file)
            ) from None
        warnings.warn(
            InputWarning(Problem("text that is not UTF-8", "UTF-8; read as Windows-1251", file)),
            stacklevel=3,
        )
        return text


def read_text(path: str | Path) -> str:
    """Read and decode a text file; missing or unreadable files are input errors."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("no such file", "an existing file", str(path))) from None
    except IsADirectoryError:
        raise InputError(Problem("a directory", "a file", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"an unreadable file ({exc.strerror})", "a readable file", str(path))) from None
    return decode_bytes(data, str(path))


def sniff_delimiter(lines: list[str]) -> str | None:
    """Pick the delimiter of a table: tab, ``;``, ``,`` or ``None`` for runs of spaces.

    The delimiter is the candidate present on most non-empty lines, ties
    broken in the order tab, ``;``, ``,`` (a ``;`` file may hold decimal commas).
    """
    sample = [ln for ln in lines[:200] if ln.strip()]
    if not sample:
        return ","
    best, best_score = None, 0
    for cand in ("\t", ";", ","):
        score = sum(1 for ln in sample if cand in ln)
        if score > best_score:
            best, best_score = cand, score
    return best


@dataclass(frozen=True)
class Row:
    """A non-blank line of a table: its 1-based line number and its fields."""

    line: int
    fields: list[str]


def split_rows(
    text: str,
    delimiter: str | None = "",
    comment: str | None = None,
    keep_blank: bool = False,
) -> tuple[list[Row], str | None]:
    """Split text into rows of stripped fields.

    ``delimiter=""`` sniffs it; ``None`` splits on runs of white space.
    Trailing empty fields are dropped; blank lines (and comment lines) are
    skipped unless ``keep_blank``.
    """
    lines = text.splitlines()
    if delimiter == "":
        delimiter = sniff_delimiter(lines)
    rows: list[Row] = []
    if delimiter is None:
        parsed = (ln.split() for ln in lines)
    else:
        parsed = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar='"')
    for lineno, fields in enumerate(parsed, start=1):
        fields = [f.strip() for f in fields]
        while fields and fields[-1] == "":
            fields.pop()
        if not fields and not keep_blank:
            continue
        if comment is not None and fields and fields[0].startswith(comment):
            continue
        rows.append(Row(lineno, fields))
    return rows, delimiter


def read_rows(
    path: str | Path, delimiter: str | None = "", comment: str | None = None
) -> tuple[list[Row], str | None]:
    """:func:`read_text` then :func:`split_rows`."""
    return split_rows(read_text(path), delimiter, comment)


def read_headed_tsv(path: str | Path, columns: tuple[str, ...], log) -> tuple[dict[str, str], list[Row], bool]:
    """A genmon TSV with ``# key<TAB>value`` metadata lines and a fixed column header.

    Returns the metadata, the data rows after the header (stripped fields) and
    whether the header was found.  A wrong header is logged on ``log`` (a
    :class:`~genmon.exceptions.ProblemLog`) and raised at once, since nothing
    after it can be read.
    """
    meta: dict[str, str] = {}
    rows: list[Row] = []
    header_seen = False
    for lineno, raw in enumerate(read_text(path).splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.startswith("#"):
            parts = raw[1:].strip().split("\t", 1)
            if len(parts) == 2:
                meta[parts[0].strip()] = parts[1].strip()
            continue
        fields = [f.strip() for f in raw.split("\t")]
        if not header_seen:
            if tuple(f.lower() for f in fields[: len(columns)]) != columns:
                log.error(f'header "{raw.strip()}"', "the columns " + ", ".join(columns), line=lineno)
                log.raise_if_any()
            header_seen = True
            continue
        rows.append(Row(lineno, fields))
    return meta, rows, header_seen


def parse_float(token: str, decimal_comma: bool = False) -> float | None:
    """A number as written on a lab PC (``165,37`` with ``decimal_comma``), else ``None``."""
    t = token.strip()
    if decimal_comma:
        t = t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
