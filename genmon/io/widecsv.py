"""The canonical wide CSV: one row per sample (or PCR replicate), two columns per locus.

Layout (``,``, ``;`` or tab delimited; UTF-8, UTF-8 with BOM, UTF-16 or
Windows-1251 are read, see :mod:`genmon.io._text`)::

    sample,replicate,pop,date,x,y,FCA441_1,FCA441_2,F53_1,F53_2
    RU-0001,,LLNP,2024-01-12,523450,4775320,165,169,176,200
    RU-0002,,LLNP,2024-01-15,523900,4775010,169,169,,

* ``sample`` names the field sample; ``sample_id``, ``id`` and ``individual``
  are accepted for it (the first of ``sample``, ``sample_id``, ``sampleid``,
  ``id``, ``individual`` present is the sample column).
* ``replicate`` (optional; ``replicate_id``, ``rep``): when present, rows are
  PCR replicates and ``(sample, replicate)`` must be unique; otherwise
  ``sample`` must be unique.
* Metadata columns named after :data:`genmon.model.SAMPLE_FIELDS`
  (``pop``/``population``, ``individual_id``, ``sample_type``, ``date``,
  ``latitude``/``lat``, ``longitude``/``lon``, ``x``, ``y``, ``collector``,
  ``site``, ``country``, ``occasion``, ``sex``).  Coordinates are numbers; in
  ``;``-delimited files a decimal comma is accepted.  Any other column that is
  not an allele column is kept as extra metadata under its own name.
* Allele columns ``<locus>_1``, ``<locus>_2``, … in adjacent columns; the
  ploidy is the number of suffixes (the most common number over loci, or the
  ``ploidy`` option).  A locus with more columns than the ploidy may only have
  missing values in the extra columns: a third allele in a diploid is an error.
* Lines starting with ``#`` before or between rows are comments.

Missing alleles are read from any of the ``missing`` codes (default
:data:`genmon.io._alleles.DEFAULT_MISSING`, which includes the empty field,
``0``, ``-9`` and ``-99``); a missing code is never read as an allele.  The
writer writes a missing allele as an empty field (``missing=""``; pass e.g.
``missing="0"`` for programs that need a number), UTF-8 without BOM, LF line
ends, ``,`` delimiter, rows in table order, columns in a fixed order
(``sample``, ``replicate`` when the table has replicates, the sample fields
that have any value in :data:`~genmon.model.SAMPLE_FIELDS` order with
``population`` written as ``pop``, extra metadata columns, then loci).

The table helpers it shares with the other tabular formats live in
:mod:`genmon.io._tabular`.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes
from ._tabular import (
    ALLELE_COLUMN,
    FIELD_ALIASES,
    REPLICATE_ALIASES,
    SAMPLE_ALIASES,
    allele_text,
    check_ploidy,
    check_row_widths,
    check_sample_ids,
    empty_file,
    format_value,
    load_grid,
    metadata_columns,
    parse_allele_cells,
    sample_frame,
    write_text_rows,
)
from ._text import sniff_delimiter

__all__ = ["read_wide", "write_wide"]

# ---------------------------------------------------------------------------------------------
# The wide format itself.


@dataclass
class _Layout:
    sample: int
    replicate: int | None
    fields: dict[str, int]
    extras: dict[str, int]
    loci: list[tuple[str, list[int]]]
    ploidy: int


def _wide_layout(
    names: list[str], log: ProblemLog, line: int, ploidy: int | None
) -> _Layout | None:
    lower = [n.lower() for n in names]
    sample = next((lower.index(a) for a in SAMPLE_ALIASES if a in lower), None)
    if sample is None:
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        log.error(
            f"header {shown}", "a sample column (sample, sample_id, id or individual)", line=line
        )
        return None
    replicate = None
    fields: dict[str, int] = {}
    extras: dict[str, int] = {}
    stems: dict[str, list[tuple[int, int]]] = {}
    for j, (name, low) in enumerate(zip(names, lower, strict=True)):
        if j == sample or name == "":
            continue
        if low in REPLICATE_ALIASES and replicate is None:
            replicate = j
        elif low in FIELD_ALIASES:
            field_name = FIELD_ALIASES[low]
            if field_name in fields:
                log.error(
                    f'column "{name}" for the same field as column "{names[fields[field_name]]}" ({field_name})',
                    "each sample field once",
                    line=line,
                )
            else:
                fields[field_name] = j
        elif (m := ALLELE_COLUMN.match(name)) is not None:
            stems.setdefault(m.group(1), []).append((j, int(m.group(2))))
        elif name in extras:
            log.error(f'column "{name}" twice', "unique column names", line=line)
        else:
            extras[name] = j
    loci: list[tuple[str, list[int]]] = []
    for stem, cols in stems.items():
        if not any(k == 1 for _, k in cols):
            for j, _ in cols:  # e.g. "run_2024": not an allele column
                extras[names[j]] = j
            continue
        ks = [k for _, k in cols]
        js = [j for j, _ in cols]
        if ks != list(range(1, len(ks) + 1)) or js != list(range(js[0], js[0] + len(js))):
            log.error(
                f"columns {', '.join(names[j] for j in js)} for locus {stem}",
                f"{', '.join(f'{stem}_{k}' for k in range(1, len(ks) + 1))} in adjacent columns",
                line=line,
                locus=stem,
            )
            continue
        loci.append((stem, js))
    if not loci:
        if not log:
            log.error(
                "no allele columns", "two columns per locus named <locus>_1, <locus>_2", line=line
            )
        return None
    counts = Counter(len(js) for _, js in loci)
    if ploidy is None:
        ploidy = min(counts, key=lambda k: (-counts[k], -k))  # ties: the larger (a lost column)
    for stem, js in loci:
        if len(js) < ploidy:
            log.error(
                f"{len(js)} allele column{'s' if len(js) > 1 else ''} for locus {stem} ({', '.join(names[j] for j in js)})",
                f"{ploidy} ({', '.join(f'{stem}_{k}' for k in range(1, ploidy + 1))})",
                line=line,
                locus=stem,
            )
    return _Layout(sample, replicate, fields, extras, loci, ploidy)


def read_wide(
    path: str | Path,
    *,
    missing: str | Sequence[str] | None = None,
    delimiter: str | None = "",
    ploidy: int | None = None,
) -> GenotypeTable:
    """Read the canonical wide CSV (see the module docstring).

    Parameters
    ----------
    path
        The file.
    missing
        Tokens read as a missing allele (``"0,-9"`` or a list); the default set
        is :data:`genmon.io._alleles.DEFAULT_MISSING`.  The empty field is
        always missing.
    delimiter
        ``""`` sniffs tab, ``;`` or ``,``.
    ploidy
        Alleles per call; by default the number of ``_1``, ``_2``, …
        columns most loci have.

    Raises
    ------
    InputError
        Listing every problem of the file: header problems, rows with too many
        or too few fields, empty or repeated sample ids, alleles that are not
        whole numbers, more alleles than the ploidy, coordinates that are not
        numbers.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "t.csv")
    >>> _ = Path(f).write_text("sample,pop,F53_1,F53_2\\nA,LLNP,176,200\\nB,LLNP,0,0\\n")
    >>> t = read_wide(f)
    >>> t.allele_values().tolist(), list(t.samples["population"])
    ([[[176, 200]], [[-1, -1]]], ['LLNP', 'LLNP'])
    """
    path = Path(path)
    file = str(path)
    codes = missing_codes(missing)
    grid = load_grid(path, delimiter)
    if grid.n_rows == 0:
        raise empty_file(
            file, "a header row (sample, <locus>_1, <locus>_2, ...) and one row per sample"
        )
    log = ProblemLog(file)
    header_line = int(grid.lines[0])
    n_cols = int(grid.extent()[0])
    names = [str(x) for x in grid.cells[0, :n_cols]]
    layout = _wide_layout(names, log, header_line, ploidy)
    log.raise_if_any()  # header problems: the rows cannot be read without a layout
    assert layout is not None  # _wide_layout logs a problem whenever it gives none
    body = grid.take(slice(1, None))
    if body.n_rows == 0:
        raise InputError(
            Problem("a header but no data rows", "one row per sample", file, header_line)
        )
    check_row_widths(body, n_cols, log, sample_column=layout.sample)
    for j, name in enumerate(names):
        if name == "":
            filled = np.nonzero(body.column(j) != "")[0]
            if filled.size:
                i = filled[0]
                log.error(
                    f'value "{body.cells[i, j]}" in column {j + 1}, which has no name',
                    "a name for every column in the header row",
                    line=int(body.lines[i]),
                )
    sample_ids = body.column(layout.sample)
    replicate_ids = body.column(layout.replicate) if layout.replicate is not None else None
    check_sample_ids(
        sample_ids, body.lines, log, replicate_ids=replicate_ids, column=names[layout.sample]
    )
    locus_names = [stem for stem, _ in layout.loci]
    width = max(len(js) for _, js in layout.loci)
    tokens = np.full((body.n_rows, len(layout.loci), width), "", dtype=object)
    for li, (_, js) in enumerate(layout.loci):
        for k, j in enumerate(js):
            tokens[:, li, k] = body.column(j)
    n_loc = len(layout.loci)

    def where(flat: int) -> tuple[int, str, str]:
        i, rest = divmod(flat, n_loc * width)
        return int(body.lines[i]), str(sample_ids[i]), locus_names[rest // width]

    values = parse_allele_cells(tokens, codes, log, where)
    values = check_ploidy(
        values,
        layout.ploidy,
        log,
        lambda i, j: (int(body.lines[i]), str(sample_ids[i]), locus_names[j]),
    )
    samples = sample_frame(
        sample_ids,
        body.lines,
        log,
        replicate_ids=replicate_ids,
        fields={f: (names[j], body.column(j)) for f, j in layout.fields.items()},
        extras={name: body.column(j) for name, j in layout.extras.items()},
        missing=codes,
        decimal_comma=grid.delimiter == ";",
    )
    log.raise_if_any()
    return GenotypeTable.from_alleles(
        values, locus_names, samples=samples, missing=-1, attrs={"source": file, "format": "wide"}
    )


def write_wide(
    table: GenotypeTable,
    path: str | Path,
    *,
    missing: str = "",
    delimiter: str = ",",
    header_comment: str | None = None,
) -> None:
    """Write the canonical wide CSV (see the module docstring).

    Parameters
    ----------
    table
        Genotypes with numeric (STR/SEX) loci.
    path
        The file to write (UTF-8 without BOM, LF line ends).
    missing
        Text for a missing allele; empty by default.
    delimiter
        Field delimiter.
    header_comment
        Text written first as ``# `` comment lines (e.g. provenance); the
        reader skips them.
    """
    file = str(path)
    alleles = allele_text(table, missing, "wide", file)
    meta = metadata_columns(table, skip=("replicate_id",))
    locus_names = table.locus_id
    bad = [
        name
        for name, _ in meta
        if name.lower() in SAMPLE_ALIASES
        or name.lower() in REPLICATE_ALIASES
        or (
            ALLELE_COLUMN.match(name) is not None
            and ALLELE_COLUMN.match(name).group(1) in locus_names
        )
    ]
    if bad:
        raise InputError(
            Problem(
                f'metadata column "{bad[0]}"',
                "metadata names that are not sample, replicate or allele column names",
                file,
            )
        )
    header = ["sample"]
    columns = [np.array([format_value(v) for v in table.samples["sample_id"]], dtype=object)]
    if table.has_replicates:
        header.append("replicate")
        columns.append(
            np.array([format_value(v) for v in table.samples["replicate_id"]], dtype=object)
        )
    for name, values in meta:
        header.append(name)
        columns.append(values)
    n = table.n_samples
    body = np.empty((n, len(columns) + table.n_loci * table.ploidy), dtype=object)
    for j, col in enumerate(columns):
        body[:, j] = col
    body[:, len(columns) :] = alleles.reshape(n, -1)
    header += [f"{name}_{k}" for name in locus_names for k in range(1, table.ploidy + 1)]
    write_text_rows(path, [header, *body.tolist()], delimiter, header_comment)


def _sniff(path: Path, head: str) -> float:
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return 0.0
    delim = sniff_delimiter(lines[:20])
    names = [
        f.strip().lower()
        for f in (next(csv.reader([lines[0]], delimiter=delim)) if delim else lines[0].split())
    ]
    if not any(a in names for a in SAMPLE_ALIASES):
        return 0.0
    if "locus" in names:
        return 0.0
    suffixes = {m.group(2) for n in names if (m := ALLELE_COLUMN.match(n))}
    if {"1", "2"} <= suffixes:
        return 0.9
    return 0.1 if "1" in suffixes else 0.0


register_format(
    FormatSpec(
        "wide",
        "genmon wide CSV: sample, [replicate], metadata, <locus>_1, <locus>_2 ... (one row per sample or replicate)",
        read_wide,
        write_wide,
        (".csv", ".wide.csv"),
        _sniff,
        {
            "missing": "reader: tokens read as missing; writer: text for a missing allele (default empty)",
            "delimiter": "reader: sniffed when omitted; writer: ',' by default",
            "ploidy": "alleles per call (default: from the <locus>_<k> suffixes)",
        },
    )
)
