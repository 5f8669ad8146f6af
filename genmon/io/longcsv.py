"""The long lab CSV: one row per sample x PCR replicate x locus.

Layout (``,``, ``;`` or tab delimited; encodings as in :mod:`genmon.io._text`)::

    sample,replicate,locus,allele_1,allele_2
    RU-0001,P1,FCA441,165,169
    RU-0001,P2,FCA441,165,
    RU-0001,P1,F53,176,200

* ``sample`` (also ``sample_id``, ``id``), ``locus`` (also ``marker``) and
  ``allele_1``, ``allele_2``, … (also ``allele1``, ``allele 1``) are required;
  ``replicate`` is optional and may be empty.
* Sample fields (:data:`genmon.model.SAMPLE_FIELDS` names, ``pop`` for
  ``population``) may be given as columns; their non-empty values must agree
  over all rows of one sample (replicate).  Any other column is an error:
  the long format is the lab's exchange format and a typo in a column name
  must not pass silently.  Extra (non-standard) metadata columns of a table
  are therefore not written by :func:`write_long`; use the wide format to
  keep them.
* Rows of the genotype table are the ``(sample, replicate)`` pairs in order
  of first appearance; loci are in order of first appearance.  A sample
  without a row for a locus is missing there.  The same ``(sample,
  replicate, locus)`` twice is an error naming both lines.
* The ploidy is 2 unless the ``ploidy`` option says otherwise (or the file
  has a single allele column).  Spare allele columns (``allele_3``, … as
  some exports carry) must be empty: three alleles in a diploid are an
  error.

Missing alleles: any of the ``missing`` codes (default
:data:`genmon.io._alleles.DEFAULT_MISSING`); the writer writes an empty
field unless told ``missing="0"`` etc.  Output is UTF-8 without BOM, LF line
ends, rows in table order x locus order.

The reader is vectorised (numpy/pandas over whole columns); Python loops run
only over rows that have problems.  ``benchmarks/bench_io.py`` times it on
20,000 samples x 15 loci (300,000 rows).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes
from ._tabular import (
    FIELD_ALIASES,
    allele_text,
    check_ploidy,
    check_row_widths,
    empty_file,
    format_value,
    load_grid,
    metadata_columns,
    parse_allele_cells,
    sample_frame,
    write_text_rows,
)
from ._text import sniff_delimiter

__all__ = ["read_long", "write_long"]

_SAMPLE = ("sample", "sample_id", "sampleid", "id")
_REPLICATE = ("replicate", "replicate_id", "replicateid", "rep")
_LOCUS = ("locus", "marker", "locus_id")
_ALLELE = re.compile(r"^allele[ _]?(\d+)$")


def read_long(
    path: str | Path,
    *,
    missing: str | Sequence[str] | None = None,
    delimiter: str | None = "",
    ploidy: int | None = None,
) -> GenotypeTable:
    """Read a long lab CSV (see the module docstring).

    Parameters
    ----------
    path
        The file.
    missing
        Tokens read as a missing allele (``"0,-9"`` or a list); default
        :data:`genmon.io._alleles.DEFAULT_MISSING`.
    delimiter
        ``""`` sniffs tab, ``;`` or ``,``.
    ploidy
        Alleles per call (default 2, or 1 for a file with one allele column).

    Raises
    ------
    InputError
        Listing every problem: missing or unknown columns, rows with too many or
        too few fields, empty sample ids or locus names, repeated (sample,
        replicate, locus) rows, bad alleles, more alleles than the ploidy,
        metadata that differ between rows of one sample.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "t.csv")
    >>> _ = Path(f).write_text("sample,replicate,locus,allele_1,allele_2\\n"
    ...     "A,P1,F53,176,200\\nA,P2,F53,176,\\nA,P1,F124,203,215\\n")
    >>> t = read_long(f)
    >>> t.locus_id, list(t.samples["replicate_id"]), t.allele_values().tolist()
    (['F53', 'F124'], ['P1', 'P2'], [[[176, 200], [203, 215]], [[176, -1], [-1, -1]]])
    """
    path = Path(path)
    file = str(path)
    codes = missing_codes(missing)
    grid = load_grid(path, delimiter)
    if grid.n_rows == 0:
        raise empty_file(
            file, "a header row (sample, replicate, locus, allele_1, allele_2) and one row per call"
        )
    log = ProblemLog(file)
    header_line = int(grid.lines[0])
    n_cols = int(grid.extent()[0])
    names = [str(x) for x in grid.cells[0, :n_cols]]
    lower = [n.lower() for n in names]
    sample = replicate = locus = None
    alleles: dict[int, int] = {}
    fields: dict[str, int] = {}
    for j, low in enumerate(lower):
        if low in _SAMPLE and sample is None:
            sample = j
        elif low in _REPLICATE and replicate is None:
            replicate = j
        elif low in _LOCUS and locus is None:
            locus = j
        elif (m := _ALLELE.match(low)) is not None and int(m.group(1)) not in alleles:
            alleles[int(m.group(1))] = j
        elif low in FIELD_ALIASES and FIELD_ALIASES[low] not in fields:
            fields[FIELD_ALIASES[low]] = j
        else:
            what = (
                f"column {j + 1} without a name" if not names[j] else f'unknown column "{names[j]}"'
            )
            log.error(
                what,
                "sample, replicate, locus, allele_1, allele_2, ... or a sample field (pop, date, x, y, ...), each once",
                line=header_line,
            )
    for role, j in (("sample", sample), ("locus", locus)):
        if j is None:
            log.error(f"no {role} column", f"a column named {role}", line=header_line)
    if not alleles:
        log.error("no allele columns", "columns allele_1, allele_2, ...", line=header_line)
    elif sorted(alleles) != list(range(1, len(alleles) + 1)):
        log.error(
            f"allele columns {', '.join(names[alleles[k]] for k in sorted(alleles))}",
            f"allele_1 to allele_{len(alleles)} with no gaps",
            line=header_line,
        )
    log.raise_if_any()
    assert sample is not None and locus is not None
    k_cols = len(alleles)
    if ploidy is None:
        ploidy = 2 if k_cols >= 2 else k_cols
    if k_cols < ploidy:
        raise InputError(
            Problem(
                f"{k_cols} allele column{'s' if k_cols > 1 else ''}",
                f"{ploidy} (allele_1 to allele_{ploidy}) for ploidy {ploidy}",
                file,
                header_line,
            )
        )
    body = grid.take(slice(1, None))
    if body.n_rows == 0:
        raise InputError(
            Problem(
                "a header but no data rows",
                "one row per sample, replicate and locus",
                file,
                header_line,
            )
        )
    check_row_widths(body, n_cols, log, sample_column=sample)
    lines = body.lines
    sample_ids = body.column(sample)
    replicate_ids = (
        body.column(replicate) if replicate is not None else np.full(body.n_rows, "", dtype=object)
    )
    locus_ids = body.column(locus)
    for i in np.nonzero(sample_ids == "")[0]:
        log.error("an empty sample id", f"an id in column {names[sample]}", line=int(lines[i]))
    for i in np.nonzero(locus_ids == "")[0]:
        log.error(
            "an empty locus name",
            f"a locus in column {names[locus]}",
            line=int(lines[i]),
            sample=str(sample_ids[i]) or None,
        )
    # Rows of the table: (sample, replicate) in order of first appearance.
    row_key = pd.Series(sample_ids, dtype=object) + "\x1f" + pd.Series(replicate_ids, dtype=object)
    row_of, row_keys = pd.factorize(row_key, sort=False)
    locus_of, locus_names = pd.factorize(pd.Series(locus_ids, dtype=object), sort=False)
    n_rows, n_loci = len(row_keys), len(locus_names)
    # Repeated (sample, replicate, locus).
    cell = row_of.astype(np.int64) * max(n_loci, 1) + locus_of
    dup = pd.Series(cell).duplicated(keep=False).to_numpy() & (locus_ids != "") & (sample_ids != "")
    if dup.any():
        first: dict[int, int] = {}
        for i in np.nonzero(dup)[0]:
            c = int(cell[i])
            if c not in first:
                first[c] = int(lines[i])
                continue
            rep = replicate_ids[i]
            found = (
                f"a second row for replicate {rep} (first on line {first[c]})"
                if rep
                else f"a second row (first on line {first[c]})"
            )
            log.error(
                found,
                "one row per sample, replicate and locus",
                line=int(lines[i]),
                sample=str(sample_ids[i]),
                locus=str(locus_ids[i]),
            )
    # Alleles.
    tokens = np.empty((body.n_rows, k_cols), dtype=object)
    for k in range(k_cols):
        tokens[:, k] = body.column(alleles[k + 1])

    def where(flat: int) -> tuple[int, str, str]:
        i = flat // k_cols
        return int(lines[i]), str(sample_ids[i]), str(locus_ids[i])

    values = parse_allele_cells(tokens, codes, log, where)
    values = check_ploidy(
        values[:, None, :],
        ploidy,
        log,
        lambda i, _j: (int(lines[i]), str(sample_ids[i]), str(locus_ids[i])),
    )[:, 0, :]
    # Metadata: one value per table row.
    first_line = pd.Series(lines).groupby(row_of).first().to_numpy()
    field_values: dict[str, tuple[str, np.ndarray]] = {}
    for field_name, j in fields.items():
        col = pd.Series(body.column(j), dtype=object)
        given = col.where(col != "")
        grouped = given.groupby(row_of)
        value = grouped.first()
        conflict = grouped.nunique() > 1
        if conflict.any():
            expected_val = value.to_numpy()[row_of]
            bad = (
                given.notna().to_numpy()
                & (given.to_numpy() != expected_val)
                & conflict.to_numpy()[row_of]
            )
            for i in np.nonzero(bad)[0]:
                log.error(
                    f'{names[j]} "{col.iat[i]}"',
                    f'"{expected_val[i]}" as on an earlier row of this sample (one value per sample row)',
                    line=int(lines[i]),
                    sample=str(sample_ids[i]),
                )
        field_values[field_name] = (names[j], value.fillna("").to_numpy(dtype=object).astype(str))
    log.raise_if_any()
    genotypes = np.full((n_rows, n_loci, ploidy), -1, dtype=np.int64)
    genotypes[row_of, locus_of] = values
    keys = pd.Series(row_keys, dtype=object).str.split("\x1f", n=1, expand=True)
    table_samples = keys[0].to_numpy(dtype=object).astype(str)
    table_reps = keys[1].to_numpy(dtype=object).astype(str) if replicate is not None else None
    samples = sample_frame(
        table_samples,
        first_line,
        log,
        replicate_ids=table_reps,
        fields=field_values,
        missing=codes,
        decimal_comma=grid.delimiter == ";",
    )
    log.raise_if_any()
    return GenotypeTable.from_alleles(
        genotypes,
        [str(x) for x in locus_names],
        samples=samples,
        missing=-1,
        attrs={"source": file, "format": "long"},
    )


def write_long(
    table: GenotypeTable,
    path: str | Path,
    *,
    missing: str = "",
    delimiter: str = ",",
    header_comment: str | None = None,
) -> None:
    """Write the long lab CSV: one row per table row x locus (see the module docstring).

    Sample fields with any value are written as columns (repeated on each row
    of the sample); extra metadata columns are not written.
    """
    file = str(path)
    alleles = allele_text(table, missing, "long", file)
    n, n_loci, ploidy = alleles.shape
    meta = [
        (name, values)
        for name, values in metadata_columns(table, skip=("replicate_id",))
        if name in _META_NAMES
    ]
    columns: list[tuple[str, np.ndarray]] = [
        ("sample", np.array([format_value(v) for v in table.samples["sample_id"]], dtype=object))
    ]
    if table.has_replicates:
        columns.append(
            (
                "replicate",
                np.array([format_value(v) for v in table.samples["replicate_id"]], dtype=object),
            )
        )
    columns += meta
    body = np.empty((n * n_loci, len(columns) + 1 + ploidy), dtype=object)
    for j, (_, values) in enumerate(columns):
        body[:, j] = np.repeat(values, n_loci)
    body[:, len(columns)] = np.tile(np.array(table.locus_id, dtype=object), n)
    body[:, len(columns) + 1 :] = alleles.reshape(n * n_loci, ploidy)
    header = (
        [name for name, _ in columns] + ["locus"] + [f"allele_{k}" for k in range(1, ploidy + 1)]
    )
    write_text_rows(path, [header, *body.tolist()], delimiter, header_comment)


_META_NAMES = {name for name in FIELD_ALIASES} | {"pop"}


def _sniff(path: Path, head: str) -> float:
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        return 0.0
    delim = sniff_delimiter(lines[:20])
    names = [
        f.strip().lower()
        for f in (next(csv.reader([lines[0]], delimiter=delim)) if delim else lines[0].split())
    ]
    if (
        any(n in names for n in _SAMPLE)
        and any(n in names for n in _LOCUS)
        and any(_ALLELE.match(n) for n in names)
    ):
        return 0.95
    return 0.0


register_format(
    FormatSpec(
        "long",
        "genmon long lab CSV: sample, [replicate], locus, allele_1, allele_2 (one row per sample x replicate x locus)",
        read_long,
        write_long,
        (".long.csv",),
        _sniff,
        {
            "missing": "reader: tokens read as missing; writer: text for a missing allele (default empty)",
            "delimiter": "reader: sniffed when omitted; writer: ',' by default",
            "ploidy": "alleles per call (default 2)",
        },
    )
)
