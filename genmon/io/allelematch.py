"""allelematch input CSV: one row per sample, metadata, then ``LOCa``/``LOCb`` column pairs.

Layout (the input of ``amDataset()`` in the R package allelematch; Galpern et
al. 2012)::

    sampleId,samplingData,sex,FCA441a,FCA441b,F53a,F53b
    RU-0001,LLNP-2024-01-12,M,165,169,176,200
    RU-0002,LLNP-2024-01-15,-99,169,169,-99,-99

* The sample column is ``sampleId`` (``sample``, ``sample_id`` and ``id`` are
  accepted; otherwise the first column).
* Loci are pairs of adjacent columns ``<locus>a``, ``<locus>b``; the first
  such pair starts the locus block, and every column after it must belong to
  a pair, except single columns named after a sample field (a haploid
  ``sex`` column, F/M/-99, is read as the ``sex`` field).
* Every other column is metadata: ``knownIndividual`` (the simulated truth
  of amExample1-4) becomes ``individual_id``, :data:`~genmon.model.SAMPLE_FIELDS`
  names (``pop`` for ``population``) their fields, anything else (e.g.
  ``samplingData``) is kept under its own name.
* Missing alleles are ``-99`` (the other
  :data:`~genmon.io._alleles.DEFAULT_MISSING` codes are accepted unless
  ``missing`` says otherwise); in the ``sex`` column a missing code is read as
  an unknown sex.

The writer writes ``sampleId``, ``knownIndividual`` when individuals are
known, the other sample fields with values, extra columns, ``sex`` last,
then the locus pairs, with ``-99`` for missing alleles and missing sex.

References
----------
Galpern P., Manseau M., Hettinga P., Smith K., Wilson P. (2012) allelematch:
an R package for identifying unique multilocus genotypes where genotyping
error and missing data may be present. Molecular Ecology Resources
12:771-778.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes
from ._tabular import (
    FIELD_ALIASES,
    allele_text,
    check_ploidy,
    check_row_widths,
    check_sample_ids,
    empty_file,
    format_value,
    load_grid,
    metadata_columns,
    parse_allele_cells,
    refuse_replicates,
    sample_frame,
    write_text_rows,
)
from ._text import sniff_delimiter

__all__ = ["read_allelematch", "write_allelematch"]

_SAMPLE = ("sampleid", "sample", "sample_id", "id")


def _is_pair(names: list[str], j: int) -> bool:
    a = names[j]
    return (
        j + 1 < len(names)
        and len(a) > 1
        and a[-1] in "aA"
        and names[j + 1] == a[:-1] + ("b" if a[-1] == "a" else "B")
    )


def read_allelematch(
    path: str | Path,
    *,
    missing: str | Sequence[str] | None = None,
    delimiter: str | None = "",
) -> GenotypeTable:
    """Read an allelematch input CSV (see the module docstring).

    Parameters
    ----------
    path
        The file.
    missing
        Tokens read as a missing allele; default
        :data:`genmon.io._alleles.DEFAULT_MISSING` (includes ``-99``).
    delimiter
        ``""`` sniffs tab, ``;`` or ``,``.

    Raises
    ------
    InputError
        Listing every problem: no locus pairs, a column without its partner,
        rows of the wrong width, empty or repeated sample ids, bad alleles.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "am.csv")
    >>> _ = Path(f).write_text("sampleId,knownIndividual,sex,LOC1a,LOC1b\\n1,AAA,F,103,108\\n2,AAB,-99,-99,-99\\n")
    >>> t = read_allelematch(f)
    >>> t.allele_values().tolist(), list(t.samples["individual_id"]), list(t.samples["sex"])
    ([[[103, 108]], [[-1, -1]]], ['AAA', 'AAB'], ['F', <NA>])
    """
    path = Path(path)
    file = str(path)
    codes = missing_codes(missing)
    grid = load_grid(path, delimiter, comment=None)
    if grid.n_rows == 0:
        raise empty_file(
            file, "a header row (sampleId, metadata, LOC1a, LOC1b, ...) and one row per sample"
        )
    log = ProblemLog(file)
    header_line = int(grid.lines[0])
    n_cols = int(grid.extent()[0])
    names = [str(x) for x in grid.cells[0, :n_cols]]
    lower = [n.lower() for n in names]
    sample = next((lower.index(a) for a in _SAMPLE if a in lower), 0)
    loci: list[tuple[str, int]] = []
    fields: dict[str, int] = {}
    extras: dict[str, int] = {}
    in_loci = False
    j = 0
    while j < n_cols:
        name = names[j]
        if j == sample:
            j += 1
            continue
        if j != sample and j + 1 != sample and _is_pair(names, j):
            in_loci = True
            loci.append((name[:-1], j))
            j += 2
            continue
        target = FIELD_ALIASES.get(lower[j])
        if in_loci and target is None:
            partner = name[:-1] + "b" if name.endswith("a") else None
            log.error(
                f'column "{name}" (column {j + 1}) after the first locus'
                + (f' without its partner "{partner}"' if partner else ""),
                "two adjacent columns per locus (<locus>a, <locus>b) after the metadata columns",
                line=header_line,
            )
        elif not name:
            log.error(f"column {j + 1} without a name", "a name for every column", line=header_line)
        elif target is not None and target not in fields:
            fields[target] = j
        elif name in extras or target is not None:
            log.error(f'column "{name}" twice', "unique column names", line=header_line)
        else:
            extras[name] = j
        j += 1
    if not loci and not log:
        log.error(
            "no locus column pairs",
            "two adjacent columns per locus named <locus>a, <locus>b",
            line=header_line,
        )
    locus_names = [n for n, _ in loci]
    for dup in sorted({n for n in locus_names if locus_names.count(n) > 1}):
        log.error(f'locus "{dup}" twice', "unique locus names", line=header_line, locus=dup)
    log.raise_if_any()
    body = grid.take(slice(1, None))
    if body.n_rows == 0:
        raise InputError(
            Problem("a header but no data rows", "one row per sample", file, header_line)
        )
    check_row_widths(body, n_cols, log, sample_column=sample)
    lines = body.lines
    sample_ids = body.column(sample)
    check_sample_ids(sample_ids, lines, log, column=names[sample])
    tokens = np.empty((body.n_rows, len(loci), 2), dtype=object)
    for i, (_, j) in enumerate(loci):
        tokens[:, i, 0] = body.column(j)
        tokens[:, i, 1] = body.column(j + 1)
    n_loci = len(loci)

    def where(flat: int) -> tuple[int, str, str]:
        i, rest = divmod(flat, n_loci * 2)
        return int(lines[i]), str(sample_ids[i]), locus_names[rest // 2]

    values = parse_allele_cells(tokens, codes, log, where)
    values = check_ploidy(
        values, 2, log, lambda i, j: (int(lines[i]), str(sample_ids[i]), locus_names[j])
    )
    samples = sample_frame(
        sample_ids,
        lines,
        log,
        fields={f: (names[j], body.column(j)) for f, j in fields.items()},
        extras={name: body.column(j) for name, j in extras.items()},
        missing=codes,
        decimal_comma=grid.delimiter == ";",
    )
    log.raise_if_any()
    return GenotypeTable.from_alleles(
        values,
        locus_names,
        samples=samples,
        missing=-1,
        attrs={"source": file, "format": "allelematch"},
    )


def write_allelematch(
    table: GenotypeTable,
    path: str | Path,
    *,
    missing: str = "-99",
    delimiter: str = ",",
) -> None:
    """Write an allelematch input CSV (see the module docstring).

    Parameters
    ----------
    table
        Diploid genotypes with numeric loci, one row per sample.
    path
        The file to write (UTF-8 without BOM, LF line ends).
    missing
        Text for a missing allele and a missing sex (``-99``, allelematch's default
        ``missingCode``).
    delimiter
        Field delimiter.
    """
    file = str(path)
    refuse_replicates(table, "allelematch", file)
    if table.ploidy != 2:
        raise InputError(
            Problem(f"ploidy {table.ploidy}", "diploid genotypes for the allelematch format", file)
        )
    alleles = allele_text(table, missing, "allelematch", file)
    n = table.n_samples
    meta = metadata_columns(
        table, skip=("replicate_id", "sex"), names={"individual_id": "knownIndividual"}
    )
    columns = [
        ("sampleId", np.array([format_value(v) for v in table.samples["sample_id"]], dtype=object))
    ]
    columns += meta
    if table.samples["sex"].notna().any():
        sex = np.array([format_value(v) or missing for v in table.samples["sex"]], dtype=object)
        columns.append(("sex", sex))
    header = [name for name, _ in columns]
    for name in table.locus_id:
        header += [f"{name}a", f"{name}b"]
    body = np.empty((n, len(columns) + 2 * table.n_loci), dtype=object)
    for j, (_, values) in enumerate(columns):
        body[:, j] = values
    body[:, len(columns) :] = alleles.reshape(n, -1)
    write_text_rows(path, [header, *body.tolist()], delimiter)


def _sniff(path: Path, head: str) -> float:
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if not lines:
        return 0.0
    delim = sniff_delimiter(lines[:20])
    names = [
        f.strip()
        for f in (next(csv.reader([lines[0]], delimiter=delim)) if delim else lines[0].split())
    ]
    pairs = sum(1 for j in range(len(names)) if _is_pair(names, j))
    if pairs and names and names[0].lower() == "sampleid":
        return 0.95
    return 0.0


register_format(
    FormatSpec(
        "allelematch",
        "allelematch input CSV: sampleId, metadata, <locus>a, <locus>b pairs; -99 missing",
        read_allelematch,
        write_allelematch,
        (".allelematch.csv",),
        _sniff,
        {
            "missing": "reader: tokens read as missing; writer: text for a missing allele (default -99)",
            "delimiter": "reader: sniffed when omitted; writer: ',' by default",
        },
    )
)
