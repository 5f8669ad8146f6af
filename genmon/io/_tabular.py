"""Table helpers shared by the tabular formats (wide, long, GenAlEx, allelematch, related).

* :func:`load_grid` reads a delimited file into a :class:`Grid` of stripped
  text cells with line numbers (blank and comment lines dropped), using the
  C ``csv`` module so large files read fast;
* :func:`parse_allele_cells` turns allele tokens into sizes with numpy and
  pandas, handing only the bad tokens to :func:`genmon.io._alleles.parse_allele`
  for their messages;
* :func:`check_ploidy`, :func:`check_row_widths`, :func:`check_sample_ids`
  log the usual problems with file, line, sample and locus;
* :func:`sample_frame` builds sample metadata; :func:`metadata_columns`,
  :func:`allele_text` and :func:`write_text_rows` serve the writers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..model import _FLOAT_FIELDS, SAMPLE_FIELDS, GenotypeTable
from ._alleles import parse_allele
from ._text import read_text, sniff_delimiter

# ---------------------------------------------------------------------------------------------
# Column names shared by the tabular formats.

#: Header names (lower case) taken as the sample column, in order of preference.
SAMPLE_ALIASES = ("sample", "sample_id", "sampleid", "id", "individual")
#: Header names (lower case) taken as the replicate column.
REPLICATE_ALIASES = ("replicate", "replicate_id", "replicateid", "rep")
#: Header name (lower case) -> sample field, for metadata columns.
FIELD_ALIASES: dict[str, str] = {
    **{name: name for name in SAMPLE_FIELDS if name not in ("sample_id", "replicate_id")},
    "pop": "population",
    "lat": "latitude",
    "lon": "longitude",
    "long": "longitude",
    "individual": "individual_id",
    "individualid": "individual_id",
    "knownindividual": "individual_id",
    "sampletype": "sample_type",
}
#: Header names the writers use for sample fields (``population`` is written ``pop``).
WRITE_NAMES: dict[str, str] = {
    **{name: name for name in SAMPLE_FIELDS},
    "sample_id": "sample",
    "replicate_id": "replicate",
    "population": "pop",
}
META_FIELDS = [f for f in SAMPLE_FIELDS if f not in ("sample_id", "replicate_id")]
ALLELE_COLUMN = re.compile(r"^(.*\S)_(\d+)$")


# ---------------------------------------------------------------------------------------------
# Reading a file into a grid of stripped text cells.


@dataclass
class Grid:
    """The non-blank, non-comment rows of a table file.

    ``cells`` is ``(rows, width)`` stripped text (short rows padded with
    ``""``), ``widths`` the number of fields each row really had and
    ``lines`` each row's 1-based line (or sheet row) number.
    """

    file: str
    cells: np.ndarray
    widths: np.ndarray
    lines: np.ndarray
    delimiter: str | None

    @property
    def n_rows(self) -> int:
        return self.cells.shape[0]

    def extent(self) -> np.ndarray:
        """Per row, the number of fields up to the last non-empty one."""
        return row_extent(self.cells)

    def column(self, j: int) -> np.ndarray:
        if j < self.cells.shape[1]:
            return self.cells[:, j]
        return np.full(self.n_rows, "", dtype=self.cells.dtype)

    def take(self, rows: np.ndarray | slice) -> Grid:
        return Grid(
            self.file, self.cells[rows], self.widths[rows], self.lines[rows], self.delimiter
        )


def row_extent(cells: np.ndarray) -> np.ndarray:
    """Per row of a text grid, the index of its last non-empty cell plus one."""
    if cells.shape[1] == 0:
        return np.zeros(cells.shape[0], dtype=np.int64)
    rev = (cells != "")[:, ::-1]
    return np.where(rev.any(axis=1), cells.shape[1] - rev.argmax(axis=1), 0)


def grid_from_rows(
    rows: list[list[str]], lines: np.ndarray, file: str, delimiter: str | None
) -> Grid:
    """Make a :class:`Grid` from split rows, dropping rows whose cells are all empty."""
    n = len(rows)
    widths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
    width = int(widths.max()) if n else 0
    if n and not (widths == width).all():
        rows = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows]
    if n == 0 or width == 0:
        cells = np.empty((0, 0), dtype=object)
        return Grid(file, cells, widths[:0], np.asarray(lines, dtype=np.int64)[:0], delimiter)
    cells = np.empty((n, width), dtype=object)
    cells[:] = rows
    cells = _strip_cells(cells)
    keep = (cells != "").any(axis=1)
    return Grid(file, cells[keep], widths[keep], np.asarray(lines, dtype=np.int64)[keep], delimiter)


def _strip_cells(cells: np.ndarray) -> np.ndarray:
    """Strip white space from every cell; each distinct cell text is stripped once."""
    codes, uniques = pd.factorize(cells.reshape(-1))
    stripped = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return stripped[codes].reshape(cells.shape)


def load_grid(path: str | Path, delimiter: str | None = "", comment: str | None = "#") -> Grid:
    """Read a delimited text file into a :class:`Grid`.

    ``delimiter=""`` sniffs ``\\t``, ``;`` or ``,`` (see
    :func:`genmon.io._text.sniff_delimiter`); ``None`` splits on runs of white
    space.  Lines starting with ``comment`` are skipped.  Splitting is done
    by the C ``csv`` module, so a 300,000-line file takes a fraction of a
    second.
    """
    text = read_text(path)
    lines = text.splitlines(keepends=True)
    line_no = np.arange(1, len(lines) + 1)
    if comment and comment in text:
        keep = np.array([not ln.lstrip().startswith(comment) for ln in lines], dtype=bool)
        lines = [ln for ln, k in zip(lines, keep, strict=True) if k]
        line_no = line_no[keep]
    if delimiter == "":
        delimiter = sniff_delimiter(lines)
    if delimiter is None:
        rows = list(map(str.split, lines))
    else:
        rows = list(csv.reader(lines, delimiter=delimiter, quotechar='"'))
        if len(rows) != len(lines):
            # A quoted field spans lines: number each row by the line it starts on.
            reader = csv.reader(lines, delimiter=delimiter, quotechar='"')
            rows, starts, consumed = [], [], 0
            for row in reader:
                rows.append(row)
                starts.append(line_no[consumed])
                consumed = reader.line_num
            line_no = np.asarray(starts, dtype=np.int64)
    return grid_from_rows(rows, line_no, str(path), delimiter)


def check_row_widths(
    grid: Grid,
    n_columns: int,
    log: ProblemLog,
    *,
    sample_column: int | None = 0,
    what: str = "as many as the header",
    min_fields: int | None = None,
) -> None:
    """Log rows with values beyond ``n_columns`` or with fewer than ``min_fields`` fields.

    Trailing empty fields (Excel pads every row to the widest one) are not
    counted as values, but a row must still have ``min_fields`` (default
    ``n_columns``) fields: a shorter row is a truncated row.
    """
    extent = grid.extent()
    short = grid.widths < (n_columns if min_fields is None else min_fields)
    bad = np.nonzero((extent > n_columns) | short)[0]
    for i in bad:
        sample = (
            grid.cells[i, sample_column]
            if sample_column is not None and grid.cells[i, sample_column]
            else None
        )
        if extent[i] > n_columns:
            found, expected = int(extent[i]), f"at most {n_columns}"
        else:
            found, expected = (
                int(grid.widths[i]),
                f"{n_columns if min_fields is None else min_fields}",
            )
        log.error(
            f"{found} fields", f"{expected} fields ({what})", line=int(grid.lines[i]), sample=sample
        )


# ---------------------------------------------------------------------------------------------
# Alleles.


def parse_allele_cells(
    tokens: np.ndarray,
    missing: frozenset[str],
    log: ProblemLog,
    where: Callable[[int], tuple[int | None, str | None, str | None]],
) -> np.ndarray:
    """Allele sizes (int64, ``-1`` missing) from stripped allele tokens, vectorised.

    Tokens that are not whole non-negative numbers or missing codes are handed
    to :func:`genmon.io._alleles.parse_allele`, which logs them with the
    ``(line, sample, locus)`` that ``where(flat_index)`` gives; they then read
    as missing.

    Examples
    --------
    >>> log = ProblemLog("f.csv")
    >>> cells = np.array([["165", "0"], ["1O4", "169.0"]])
    >>> parse_allele_cells(cells, frozenset({"", "0"}), log, lambda i: (i // 2 + 2, "S", "F53")).tolist()
    [[165, -1], [-1, 169]]
    >>> print(log.problems[0])
    f.csv, line 3, sample S, locus F53: found allele "1O4", expected a whole number or a missing code
    """
    flat = np.asarray(tokens, dtype=object).reshape(-1)
    if flat.size == 0:
        return np.full(np.shape(tokens), -1, dtype=np.int64)
    # Parse each distinct token once (a batch has a few hundred), then map back.
    codes, uniques = pd.factorize(flat)
    parsed = np.full(len(uniques), -1, dtype=np.int64)
    bad = np.zeros(len(uniques), dtype=bool)
    scratch = ProblemLog()
    for k, token in enumerate(uniques):
        token = str(token).strip()
        if token in missing:
            continue
        value = parse_allele(token, missing, scratch)
        if value is None:
            bad[k] = True
        else:
            parsed[k] = value
    out = parsed[codes]
    if bad.any():
        for i in np.nonzero(bad[codes])[0]:
            line, sample, locus = where(int(i))
            parse_allele(str(flat[i]), missing, log, line=line, sample=sample, locus=locus)
    return out.reshape(np.shape(tokens))
    series = pd.Series(flat, dtype=object)
    present = ~series.isin(missing).to_numpy()
    idx = np.nonzero(present)[0]
    if idx.size:
        num = pd.to_numeric(series.iloc[idx], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        with np.errstate(invalid="ignore"):
            good = np.isfinite(num) & (num >= 0) & (num == np.floor(num)) & (num < 2**31)
        out[idx[good]] = num[good].astype(np.int64)
        for k in idx[~good]:
            line, sample, locus = where(int(k))
            value = parse_allele(str(flat[k]), missing, log, line=line, sample=sample, locus=locus)
            if value is not None:
                out[k] = value
    return out.reshape(np.shape(tokens))


def check_ploidy(
    values: np.ndarray,
    ploidy: int,
    log: ProblemLog,
    where: Callable[[int, int], tuple[int | None, str | None, str | None]],
) -> np.ndarray:
    """Cut ``(rows, loci, k)`` allele values to ``ploidy`` columns.

    Calls with more than ``ploidy`` alleles are logged (``where(row, locus)``
    gives the context) and read as missing; calls whose alleles sit in spare
    columns but number at most ``ploidy`` are moved left.
    """
    if values.shape[2] <= ploidy:
        return values
    extra = (values[:, :, ploidy:] >= 0).any(axis=2)
    if extra.any():
        rows, cols = np.nonzero(extra)
        for i, j in zip(rows, cols, strict=True):
            call = values[i, j]
            present = call[call >= 0]
            if present.size > ploidy:
                line, sample, locus = where(int(i), int(j))
                found = ", ".join(str(int(a)) for a in present)
                log.error(
                    f"{present.size} alleles ({found})",
                    f"at most {ploidy} (ploidy {ploidy})",
                    line=line,
                    sample=sample,
                    locus=locus,
                )
                values[i, j] = -1
            else:
                values[i, j] = -1
                values[i, j, : present.size] = present
    return np.ascontiguousarray(values[:, :, :ploidy])


# ---------------------------------------------------------------------------------------------
# Sample metadata.


def sample_frame(
    sample_ids: np.ndarray,
    lines: np.ndarray,
    log: ProblemLog,
    *,
    replicate_ids: np.ndarray | None = None,
    fields: dict[str, tuple[str, np.ndarray]] | None = None,
    extras: dict[str, np.ndarray] | None = None,
    missing: frozenset[str] = frozenset({""}),
    decimal_comma: bool = False,
) -> pd.DataFrame:
    """Sample metadata from text columns; empty cells (and ``missing`` codes for sex) are NA.

    ``fields`` maps a sample field to ``(header name, values)``.  Coordinates
    that are not numbers are logged with the row's line and sample.
    """
    data: dict[str, Any] = {"sample_id": pd.array(sample_ids, dtype="string")}
    if replicate_ids is not None:
        rep = pd.array(replicate_ids, dtype="string")
        rep[rep == ""] = pd.NA
        data["replicate_id"] = rep
    for field_name, (header, values) in (fields or {}).items():
        if field_name in _FLOAT_FIELDS:
            text = pd.Series(values, dtype=object)
            given = (text != "").to_numpy()
            clean = text.str.replace(",", ".", regex=False) if decimal_comma else text
            num = pd.to_numeric(clean.where(given, None), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            bad = given & ~np.isfinite(num)
            for i in np.nonzero(bad)[0]:
                log.error(
                    f'{header} "{values[i]}"',
                    "a number",
                    line=int(lines[i]),
                    sample=str(sample_ids[i]),
                )
            data[field_name] = np.where(bad, np.nan, num)
        else:
            col = pd.array(values, dtype="string")
            blank = np.asarray(values == "", dtype=bool)
            if field_name == "sex":
                blank |= pd.Series(values, dtype=object).isin(missing).to_numpy()
            col[blank] = pd.NA
            data[field_name] = col
    for name, values in (extras or {}).items():
        col = pd.array(values, dtype="string")
        col[np.asarray(values == "", dtype=bool)] = pd.NA
        data[name] = col
    return pd.DataFrame(data)


def check_sample_ids(
    sample_ids: np.ndarray,
    lines: np.ndarray,
    log: ProblemLog,
    *,
    replicate_ids: np.ndarray | None = None,
    column: str = "sample",
) -> None:
    """Log empty sample ids and repeated ``sample`` (or ``sample, replicate``) keys."""
    for i in np.nonzero(sample_ids == "")[0]:
        log.error("an empty sample id", f"an id in column {column}", line=int(lines[i]))
    keys = pd.Series(sample_ids, dtype=object)
    if replicate_ids is not None:
        keys = keys + "\x1f" + pd.Series(replicate_ids, dtype=object)
    dup = keys.duplicated(keep=False).to_numpy() & (sample_ids != "")
    if not dup.any():
        return
    first: dict[str, int] = {}
    for i in np.nonzero(dup)[0]:
        key = keys.iat[i]
        if key not in first:
            first[key] = int(lines[i])
            continue
        rep = replicate_ids[i] if replicate_ids is not None else ""
        if replicate_ids is None:
            found = f"a second row for this sample (first on line {first[key]})"
            expected = "one row per sample (or a replicate column for PCR replicates)"
        elif rep:
            found = f"a second row for replicate {rep} (first on line {first[key]})"
            expected = "one row per sample and replicate"
        else:
            found = f"a second row for this sample with no replicate (first on line {first[key]})"
            expected = "one row per sample and replicate"
        log.error(found, expected, line=int(lines[i]), sample=str(sample_ids[i]))


def empty_file(file: str, expected: str) -> InputError:
    return InputError(Problem("an empty file", expected, file))


# ---------------------------------------------------------------------------------------------
# Writing.


def format_value(value: Any) -> str:
    """Text of a metadata value: NA -> ``""``, whole floats without ``.0``, else shortest repr.

    >>> format_value(523450.0), format_value(43.25), format_value(pd.NA), format_value("LLNP")
    ('523450', '43.25', '', 'LLNP')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float | np.floating):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def metadata_columns(
    table: GenotypeTable, skip: Sequence[str] = (), names: dict[str, str] | None = None
) -> list[tuple[str, np.ndarray]]:
    """``(header, text values)`` of the sample fields with any value, then every extra column."""
    names = {**WRITE_NAMES, **(names or {})}
    out = []
    meta = table.samples
    for name in META_FIELDS:
        if name in skip or not meta[name].notna().any():
            continue
        out.append((names[name], np.array([format_value(v) for v in meta[name]], dtype=object)))
    for name in meta.columns:
        if name in SAMPLE_FIELDS or name in skip:
            continue
        out.append((str(name), np.array([format_value(v) for v in meta[name]], dtype=object)))
    return out


def allele_text(table: GenotypeTable, missing: str, fmt: str, file: str) -> np.ndarray:
    """``(samples, loci, ploidy)`` allele sizes as text, ``missing`` where missing."""
    snp = [locus.name for locus in table.loci if locus.kind == "SNP"]
    if snp:
        raise InputError(
            Problem(
                f"SNP loci ({', '.join(snp[:5])})",
                f"numeric (STR or SEX) loci for the {fmt} format",
                file,
            )
        )
    values = table.allele_values()
    text = values.astype(str).astype(object)
    text[values < 0] = missing
    return text


def refuse_replicates(table: GenotypeTable, fmt: str, file: str) -> None:
    """Formats without a replicate column need one row per sample."""
    if table.has_replicates:
        raise InputError(
            Problem(
                "PCR replicate rows",
                f"one row per sample for the {fmt} format (make consensus genotypes first, or write wide or long)",
                file,
            )
        )
    dup = table.samples["sample_id"].duplicated()
    if dup.any():
        raise InputError(
            Problem(
                f"sample id {table.samples['sample_id'][dup].iloc[0]} on several rows",
                "unique sample ids",
                file,
            )
        )


def write_text_rows(
    path: str | Path,
    rows: Sequence[Sequence[str]],
    delimiter: str = ",",
    header_comment: str | None = None,
) -> None:
    """Write rows as UTF-8 (no BOM) with LF line ends, quoting only where needed."""
    buf = io.StringIO()
    if header_comment:
        for line in header_comment.splitlines():
            buf.write(f"# {line}\n")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    Path(path).write_text(buf.getvalue(), encoding="utf-8", newline="")
