"""GenAlEx genotype sheets: CSV/TSV exports and Excel ``.xlsx`` workbooks.

Layout (Peakall & Smouse 2006, 2012; three header rows, then one row per
sample with ``ploidy`` columns per locus)::

    3,4,2,2,2
    Amur test,,,RU-LLNP,CN-NETLNP
    Sample,Pop,FCA441,,F53,,F124,
    RU-0001,RU-LLNP,165,169,176,200,203,215
    RU-0002,RU-LLNP,169,169,0,0,199,203
    CN-0010,CN-NETLNP,165,165,188,200,203,203
    CN-0011,CN-NETLNP,165,169,176,188,199,215

* Row 1: number of loci, samples and populations, then each population's size.
* Row 2: a title in column 1, then the population names from column 4.
* Row 3: the sample and population column titles, then each locus name over
  its first allele column.
* Missing alleles are ``0`` (``-1`` and the other
  :data:`~genmon.io._alleles.DEFAULT_MISSING` codes are accepted unless
  ``missing`` says otherwise).
* Named columns after the loci (GenAlEx puts coordinates after one blank
  column) are read as sample metadata: ``lat``/``latitude``, ``lon``/
  ``longitude``, ``x``, ``y`` and the other :data:`~genmon.model.SAMPLE_FIELDS`
  names map to those fields, others are kept under their own names.
* Excel exports pad every row with empty columns; these are ignored.

The counts of rows 1-2 are checked against the data: a file whose header
disagrees with its rows was edited by hand or truncated.  ``.xlsx`` files are
read with openpyxl (``sheet`` picks a sheet by name or 0-based index; the
first by default); problems then name ``file, sheet S, line N`` with N the
sheet's row number.

The writer writes CSV (``,``), TSV (tab, for ``.txt``/``.tsv``) or ``.xlsx``;
populations are grouped contiguously (GenAlEx requires it; rows keep their
order within a population), missing alleles are ``0``, and sample metadata
other than the population follow the loci after one blank column.

References
----------
Peakall R., Smouse P.E. (2006) GENALEX 6: genetic analysis in Excel.
Molecular Ecology Notes 6:288-295.

Peakall R., Smouse P.E. (2012) GenAlEx 6.5: genetic analysis in Excel.
Bioinformatics 28:2537-2539.
"""

from __future__ import annotations

import datetime as _dt
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes
from ._tabular import (
    FIELD_ALIASES,
    Grid,
    allele_text,
    check_ploidy,
    check_row_widths,
    check_sample_ids,
    empty_file,
    format_value,
    grid_from_rows,
    load_grid,
    metadata_columns,
    parse_allele_cells,
    refuse_replicates,
    sample_frame,
    write_text_rows,
)

__all__ = ["read_genalex", "write_genalex"]

_EXCEL = (".xlsx", ".xlsm")
_ROW1 = "a whole number (GenAlEx row 1: loci, samples, populations, population sizes)"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


def _excel_grid(path: Path, sheet: str | int | None) -> Grid:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    file = str(path)
    with warnings.catch_warnings():
        # openpyxl warns about workbook extensions it does not read (data validation, ...).
        warnings.simplefilter("ignore", UserWarning)
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(
                Problem(
                    f"a file that openpyxl cannot open ({exc})", "an Excel .xlsx workbook", file
                )
            ) from None
        try:
            names = wb.sheetnames
            if sheet is None:
                sheet = names[0]
            elif isinstance(sheet, int) and not isinstance(sheet, bool):
                if not 0 <= sheet < len(names):
                    raise InputError(
                        Problem(
                            f"sheet index {sheet}",
                            f"0 to {len(names) - 1} (sheets: {', '.join(names)})",
                            file,
                        )
                    )
                sheet = names[sheet]
            elif sheet not in names:
                raise InputError(
                    Problem(f'no sheet "{sheet}"', "one of the sheets: " + ", ".join(names), file)
                )
            rows = [
                [_cell_text(v).strip() for v in row]
                for row in wb[sheet].iter_rows(values_only=True)
            ]
        finally:
            wb.close()
    return grid_from_rows(rows, np.arange(1, len(rows) + 1), f"{file}, sheet {sheet}", None)


def _whole(token: str, what: str, log: ProblemLog, line: int) -> int | None:
    try:
        value = float(token)
    except ValueError:
        value = None
    if value is None or not value.is_integer() or value < 0:
        log.error(f'"{token}" as {what}', _ROW1, line=line)
        return None
    return int(value)


def read_genalex(
    path: str | Path,
    *,
    missing: str | Sequence[str] | None = None,
    delimiter: str | None = "",
    sheet: str | int | None = None,
    ploidy: int = 2,
) -> GenotypeTable:
    """Read a GenAlEx sheet (CSV/TSV text or ``.xlsx``; see the module docstring).

    Parameters
    ----------
    path
        The file.
    missing
        Tokens read as a missing allele; default
        :data:`genmon.io._alleles.DEFAULT_MISSING` (includes ``0``).
    delimiter
        Text files: ``""`` sniffs tab, ``;`` or ``,``.
    sheet
        ``.xlsx`` only: sheet name or 0-based index (default the first sheet).
    ploidy
        Allele columns per locus (2 for codominant data, 1 for haploid).

    Raises
    ------
    InputError
        Listing every problem: header counts that are not numbers or disagree
        with the data, missing locus names, rows of the wrong width, empty or
        repeated sample ids, empty populations, bad alleles.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "g.csv")
    >>> _ = Path(f).write_text("1,2,1,2\\nTest,,,LLNP\\nSample,Pop,F53,\\nA,LLNP,176,200\\nB,LLNP,0,0\\n")
    >>> t = read_genalex(f)
    >>> t.allele_values().tolist(), list(t.samples["population"])
    ([[[176, 200]], [[-1, -1]]], ['LLNP', 'LLNP'])
    """
    path = Path(path)
    if path.suffix.lower() in _EXCEL:
        grid = _excel_grid(path, sheet)
    else:
        if sheet is not None:
            raise InputError(
                Problem(
                    f"sheet={sheet!r} for a text file", "sheet only for .xlsx workbooks", str(path)
                )
            )
        grid = load_grid(path, delimiter, comment=None)
    file = grid.file
    if grid.n_rows == 0:
        raise empty_file(file, "3 GenAlEx header rows and one row per sample")
    if grid.n_rows < 3:
        raise InputError(
            Problem(
                f"{grid.n_rows} non-empty row{'s' if grid.n_rows > 1 else ''}",
                "3 GenAlEx header rows (counts; title and populations; column names) and one row per sample",
                file,
            )
        )
    log = ProblemLog(file)
    width = grid.cells.shape[1]
    cell = lambda i, j: str(grid.cells[i, j]) if j < width else ""  # noqa: E731
    l1, l2, l3 = (int(x) for x in grid.lines[:3])
    n_loci = _whole(cell(0, 0), "the number of loci", log, l1)
    n_samples = _whole(cell(0, 1), "the number of samples", log, l1)
    n_pops = _whole(cell(0, 2), "the number of populations", log, l1)
    if n_loci is None:
        log.raise_if_any()
    assert n_loci is not None
    if n_loci == 0:
        log.error('"0" as the number of loci', "at least one locus", line=l1)
        log.raise_if_any()
    sizes: dict[str, int] = {}
    if n_pops is not None:
        for p in range(n_pops):
            size = _whole(cell(0, 3 + p), f"the size of population {p + 1}", log, l1)
            name = cell(1, 3 + p)
            if not name:
                log.error(
                    f"no name for population {p + 1} (column {4 + p})",
                    "population names in row 2 from column 4",
                    line=l2,
                )
            elif name in sizes:
                log.error(
                    f'population "{name}" twice', "each population named once in row 2", line=l2
                )
            elif size is not None:
                sizes[name] = size
    # Row 3: locus names every `ploidy` columns from column 3.
    end = 2 + ploidy * n_loci
    locus_names = []
    for i in range(n_loci):
        c = 2 + ploidy * i
        name = cell(2, c)
        if not name:
            log.error(
                f"no name for locus {i + 1} (column {c + 1})",
                f"{n_loci} locus names in row 3, one every {ploidy} columns from column 3, as row 1 gives {n_loci} loci",
                line=l3,
            )
        locus_names.append(name)
    dup = sorted({n for n in locus_names if n and locus_names.count(n) > 1})
    for name in dup:
        log.error(f'locus "{name}" twice', "unique locus names in row 3", line=l3, locus=name)
    if cell(2, end):
        log.error(
            f'column "{cell(2, end)}" right after the {n_loci} loci of row 1 (column {end + 1})',
            "a blank column between the loci and any extra columns (or more loci in row 1)",
            line=l3,
        )
    n_header = int(row_extent_of(grid, 2))
    body = grid.take(slice(3, None))
    extras: dict[str, int] = {}
    fields: dict[str, int] = {}
    for j in range(end + 1, max(n_header, end + 1)):
        name = cell(2, j)
        if not name:
            filled = np.nonzero(body.column(j) != "")[0]
            if filled.size:
                i = filled[0]
                log.error(
                    f'value "{body.cells[i, j]}" in column {j + 1}, which has no name in row 3',
                    "a name in row 3 for every extra column",
                    line=int(body.lines[i]),
                )
            continue
        target = FIELD_ALIASES.get(name.lower())
        if target is not None and target != "population" and target not in fields:
            fields[target] = j
        elif name in extras:
            log.error(f'column "{name}" twice', "unique column names in row 3", line=l3)
        else:
            extras[name] = j
    log.raise_if_any()
    if body.n_rows == 0:
        raise InputError(Problem("header rows but no data rows", "one row per sample", file, l3))
    check_row_widths(
        body,
        max(n_header, end),
        log,
        sample_column=0,
        min_fields=end,
        what=f"sample, population and {ploidy} columns for each of {n_loci} loci",
    )
    lines = body.lines
    sample_ids = body.column(0)
    check_sample_ids(sample_ids, lines, log, column=cell(2, 0) or "1")
    pops = body.column(1)
    for i in np.nonzero(pops == "")[0]:
        log.error(
            "an empty population",
            "a population name in column 2",
            line=int(lines[i]),
            sample=str(sample_ids[i]) or None,
        )
    if n_samples is not None and n_samples != body.n_rows:
        log.error(
            f"{body.n_rows} data rows", f"{n_samples}, the number of samples in row 1", line=l1
        )
    if n_pops is not None and len(sizes) == n_pops:
        counts = pd.Series(pops[pops != ""]).value_counts()
        for name, size in sizes.items():
            got = int(counts.get(name, 0))
            if got != size:
                log.error(
                    f"{got} rows of population {name}", f"{size} as rows 1 and 2 say", line=l1
                )
        seen: set[str] = set()
        for i in np.nonzero(pops != "")[0]:
            p = str(pops[i])
            if p not in sizes and p not in seen:
                seen.add(p)
                log.error(
                    f'population "{p}"',
                    "one of the populations named in row 2: " + ", ".join(sizes),
                    line=int(lines[i]),
                    sample=str(sample_ids[i]),
                )
    tokens = np.empty((body.n_rows, n_loci, ploidy), dtype=object)
    for i in range(n_loci):
        for k in range(ploidy):
            tokens[:, i, k] = body.column(2 + ploidy * i + k)

    def where(flat: int) -> tuple[int, str, str]:
        i, rest = divmod(flat, n_loci * ploidy)
        return int(lines[i]), str(sample_ids[i]), locus_names[rest // ploidy]

    codes = missing_codes(missing)
    values = parse_allele_cells(tokens, codes, log, where)
    values = check_ploidy(
        values, ploidy, log, lambda i, j: (int(lines[i]), str(sample_ids[i]), locus_names[j])
    )
    all_fields = {"population": (cell(2, 1) or "population", pops)}
    all_fields.update({f: (cell(2, j), body.column(j)) for f, j in fields.items()})
    samples = sample_frame(
        sample_ids,
        lines,
        log,
        fields=all_fields,
        extras={name: body.column(j) for name, j in extras.items()},
        missing=codes,
        decimal_comma=grid.delimiter == ";",
    )
    log.raise_if_any()
    title = cell(1, 0)
    attrs = {"source": file, "format": "genalex"}
    if title:
        attrs["title"] = title
    return GenotypeTable.from_alleles(values, locus_names, samples=samples, missing=-1, attrs=attrs)


def row_extent_of(grid: Grid, i: int) -> int:
    row = grid.cells[i]
    nonempty = np.nonzero(row != "")[0]
    return int(nonempty[-1]) + 1 if nonempty.size else 0


def write_genalex(
    table: GenotypeTable,
    path: str | Path,
    *,
    missing: str = "0",
    delimiter: str | None = None,
    title: str | None = None,
    sheet: str = "genotypes",
    population_missing: str = "unknown",
) -> None:
    """Write a GenAlEx sheet (see the module docstring).

    Parameters
    ----------
    table
        Genotypes (numeric loci, one row per sample).
    path
        ``.xlsx`` writes a workbook; any other name writes text.
    missing
        Text for a missing allele (``0``, GenAlEx's code).
    delimiter
        Text files: tab for ``.txt``/``.tsv``, else ``,`` unless given.
    title
        Row 2, column 1 (default ``table.attrs["title"]`` or ``genmon export``).
    sheet
        Sheet name of an ``.xlsx`` workbook.
    population_missing
        Population written for samples without one (GenAlEx needs one).
    """
    path = Path(path)
    file = str(path)
    refuse_replicates(table, "genalex", file)
    alleles = allele_text(table, missing, "genalex", file)
    n, n_loci, ploidy = alleles.shape
    pops = (
        table.samples["population"]
        .astype("string")
        .fillna(population_missing)
        .to_numpy(dtype=object)
    )
    codes, names = pd.factorize(pd.Series(pops, dtype=object), sort=False)
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=len(names))
    meta = metadata_columns(table, skip=("population", "replicate_id"))
    row1 = [str(n_loci), str(n), str(len(names)), *(str(int(s)) for s in sizes)]
    row2 = [
        title or str(table.attrs.get("title") or "genmon export"),
        "",
        "",
        *(str(x) for x in names),
    ]
    row3 = ["Sample", "Pop"]
    for name in table.locus_id:
        row3 += [name] + [""] * (ploidy - 1)
    if meta:
        row3 += [""] + [name for name, _ in meta]
    ids = [format_value(v) for v in table.samples["sample_id"]]
    rows = [row1, row2, row3]
    flat = alleles.reshape(n, n_loci * ploidy)
    for i in order:
        row = [ids[i], str(pops[i]), *flat[i]]
        if meta:
            row += [""] + [values[i] for _, values in meta]
        rows.append(row)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    if path.suffix.lower() in _EXCEL:
        _write_excel(path, rows, sheet)
        return
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in (".txt", ".tsv", ".tab") else ","
    write_text_rows(path, rows, delimiter)


def _write_excel(path: Path, rows: list[list[str]], sheet: str) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        out: list[Any] = []
        for value in row:
            if value == "":
                out.append(None)
            elif value.isdigit() and (value == "0" or not value.startswith("0")):
                out.append(int(value))
            else:
                out.append(value)
        ws.append(out)
    wb.save(path)


def _sniff(path: Path, head: str) -> float:
    if path.suffix.lower() in _EXCEL:
        return 0.4
    lines = [ln for ln in head.splitlines() if ln.strip()][:3]
    if len(lines) < 3:
        return 0.0
    delim = "\t" if "\t" in lines[0] else (";" if ";" in lines[0] else ",")
    first = [f.strip() for f in lines[0].split(delim)]
    third = [f.strip() for f in lines[2].split(delim)]
    if len(first) >= 3 and all(f.isdigit() for f in first[:3]) and len(third) >= 3 and third[2]:
        return 0.9
    second = [f.strip() for f in lines[1].split(delim)]
    if len(second) >= 3 and all(f.isdigit() for f in second[:3]):
        return 0.7  # a stray row above the GenAlEx counts row
    return 0.0


register_format(
    FormatSpec(
        "genalex",
        "GenAlEx sheet (CSV/TSV or .xlsx): 3 header rows, then sample, population and 2 columns per locus; 0 missing",
        read_genalex,
        write_genalex,
        (".genalex.csv", ".genalex.txt", ".xlsx"),
        _sniff,
        {
            "sheet": ".xlsx: sheet name or 0-based index (default the first)",
            "missing": "reader: tokens read as missing; writer: text for a missing allele (default 0)",
            "ploidy": "allele columns per locus (default 2)",
        },
    )
)
