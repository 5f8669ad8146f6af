"""Tab-separated tables of millions of rows, byte for byte as pandas writes them.

``frame.to_csv(path, sep="\\t", index=False, float_format="%.6f", na_rep="nan",
lineterminator="\\n")`` formats each value in Python: about 8 µs a row for a
six-column pair table, 16 s for the two million pairs of 2,000 individuals.
:func:`write_tsv` formats the rows in C instead (``genmon._ext.tsv_format``) and
falls back to pandas for anything it does not handle identically: values that
would need quoting, float formats other than ``%.<d>f``, and columns that are
neither numbers, booleans, strings nor categoricals of strings.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._ext import tsv_format as _kernel

__all__ = ["write_tsv"]

_FIXED = re.compile(r"^%\.(\d{1,2})f$")
_NEEDS_QUOTES = re.compile(r'[\t"\n\r]')
_CHUNK_BYTES = 8 << 20


def _labels(values: list[str], na_rep: str) -> tuple[np.ndarray, np.ndarray] | None:
    encoded = [v.encode() for v in values]
    if any(_NEEDS_QUOTES.search(v) for v in values):
        return None
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def _column(col: pd.Series, na_rep: str):
    """``(kind, data, labels, offsets, widest)`` for the C formatter, or None for pandas."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not all(isinstance(c, str) for c in dtype.categories):
            return None
        codes = np.ascontiguousarray(col.cat.codes.to_numpy(), dtype=np.int64)
        labels = list(dtype.categories)
    elif dtype.kind == "b" and isinstance(dtype, np.dtype):
        codes = col.to_numpy().astype(np.int64)
        labels = ["False", "True"]
    elif dtype.kind in "iu" and isinstance(dtype, np.dtype):
        if dtype.kind == "u" and dtype.itemsize == 8 and len(col) and col.max() > np.iinfo(np.int64).max:
            return None
        return 0, np.ascontiguousarray(col.to_numpy(), dtype=np.int64), None, None, 20
    elif dtype.kind == "f" and isinstance(dtype, np.dtype):
        return 1, np.ascontiguousarray(col.to_numpy(), dtype=np.float64), None, None, None
    elif (isinstance(dtype, np.dtype) and dtype.kind == "O") or isinstance(dtype, pd.StringDtype):
        values = col.to_numpy(dtype=object)
        missing = pd.isna(values)
        if not all(isinstance(v, str) for v in values[~missing]):
            return None
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        codes = np.ascontiguousarray(codes, dtype=np.int64)
        labels = list(uniques)
    else:
        return None
    packed = _labels(labels, na_rep)
    if packed is None:
        return None
    text, offsets = packed
    widest = max([len(na_rep.encode()), *np.diff(offsets).tolist()])
    return 2, codes, text, offsets, widest


def write_tsv(frame: pd.DataFrame, path: str | Path, float_format: str = "%.6f", na_rep: str = "nan") -> None:
    """Write ``frame`` (no index) as pandas' ``to_csv`` with a tab separator and ``\\n`` lines would.

    Examples
    --------
    >>> import tempfile
    >>> df = pd.DataFrame({"id": ["a", "b"], "n": [3, 4], "r": [0.0078125, float("nan")]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     write_tsv(df, f"{tmp}/t.tsv")
    ...     print(open(f"{tmp}/t.tsv").read().replace(chr(9), " | "), end="")
    id | n | r
    a | 3 | 0.007812
    b | 4 | nan
    """
    fixed = _FIXED.match(float_format or "")
    columns = [_column(frame.iloc[:, k], na_rep) for k in range(frame.shape[1])] if fixed else None
    header = [str(c) for c in frame.columns]
    if (columns is None or any(c is None for c in columns) or frame.shape[1] < 2
            or any(_NEEDS_QUOTES.search(h) for h in header) or int(fixed.group(1)) > 18):
        frame.to_csv(path, sep="\t", index=False, float_format=float_format, na_rep=na_rep, lineterminator="\n")
        return
    digits = int(fixed.group(1))
    kinds = [c[0] for c in columns]
    data = [c[1] for c in columns]
    labels = [c[2] for c in columns]
    offsets = [c[3] for c in columns]
    # widest text of a row: signed 64-bit ints, fixed-point floats (1e308 has 309 digits before
    # the point; the kernel lets snprintf write at most 360 bytes), labels, tabs and the newline
    row_width = sum(c[4] if c[4] is not None else 360 for c in columns) + len(columns)
    rows_per_chunk = max(1, _CHUNK_BYTES // row_width)
    buffer = bytearray(row_width * min(rows_per_chunk, max(1, len(frame))))
    with open(path, "wb") as fh:
        fh.write(("\t".join(header) + "\n").encode())
        for start in range(0, len(frame), rows_per_chunk):
            stop = min(start + rows_per_chunk, len(frame))
            used = _kernel._format_rows(kinds, data, labels, offsets, digits, na_rep.encode(), start, stop, buffer)
            fh.write(memoryview(buffer)[:used])
