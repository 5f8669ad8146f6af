"""STRUCTURE input files (Pritchard, Stephens & Donnelly 2000).

Layout: white-space separated integers; an optional first row
of marker names only; then either one row per allele copy (two rows per
diploid individual, the default) or one row per individual
(``ONEROWPERIND=1``).  Each row starts with the leading columns chosen in
STRUCTURE's mainparams: label, popdata, popflag, then extra columns (locdata,
phenotype, ...).  Missing is ``-9``.

What the reader detects, and how to override it:

* the marker-name row: present when the first row has fewer fields than the
  second (``markernames=``);
* one or several rows per individual: from runs of equal labels
  (``onerowperind=``);
* the popflag column: with a marker row, from the column count; without one,
  present when the column after popdata holds only 0/1 and agrees within each
  individual's rows (``popflag=``; pass it explicitly for SNP data coded 0/1).

Populations: STRUCTURE's popdata are integers.  The writer keeps labels that
already are positive integers; other labels are numbered 1, 2, ... in order of
first appearance and the mapping is written to a sidecar file
``<output>.pops.tsv`` (``popdata<TAB>population``, with a ``#`` provenance
line).  The reader uses that sidecar when it exists next to the file (or a
mapping passed as ``pop_map=``), so populations survive a round trip.

References
----------
Pritchard J.K., Stephens M. & Donnelly P. (2000) Inference of population
structure using multilocus genotype data. Genetics 155:945-959.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes, parse_allele
from ._text import read_text, split_rows
from .genepop import allele_codes, population_groups

__all__ = [
    "read_structure",
    "write_structure",
    "population_numbers",
    "read_pop_sidecar",
    "write_pop_sidecar",
    "sidecar_path",
]


# ---------------------------------------------------------------------- population sidecars
def sidecar_path(path: str | Path) -> Path:
    """``<file>.pops.tsv`` next to ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".pops.tsv")


def population_numbers(table: GenotypeTable) -> tuple[np.ndarray, dict[int, str] | None]:
    """Integer population numbers for formats that need them (STRUCTURE, FSTAT).

    Labels that are all positive integers are kept; otherwise populations are
    numbered 1, 2, ... in order of first appearance and the mapping
    ``{number: label}`` is returned (``None`` when labels were kept).  Missing
    populations get their own number (labelled ``""`` in the mapping); a table
    without any population is one population, 1.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[1, 1]]] * 3, ["L"], samples=pd.DataFrame(
    ...     {"sample_id": ["a", "b", "c"], "population": ["LLNP", "NETLNP", "LLNP"]}))
    >>> nums, mapping = population_numbers(t)
    >>> nums.tolist(), mapping
    ([1, 2, 1], {1: 'LLNP', 2: 'NETLNP'})
    """
    pops = table.samples["population"]
    if pops.isna().all():
        return np.ones(table.n_samples, dtype=np.int64), None
    if pops.notna().all():
        labels = [str(p) for p in pops]
        if all(p.isdigit() and int(p) > 0 and str(int(p)) == p for p in labels):
            return np.array([int(p) for p in labels], dtype=np.int64), None
    nums = np.empty(table.n_samples, dtype=np.int64)
    mapping: dict[int, str] = {}
    for k, (name, rows) in enumerate(population_groups(table), start=1):
        nums[rows] = k
        mapping[k] = "" if name is None else name
    return nums, mapping


def write_pop_sidecar(path: str | Path, mapping: Mapping[int, str], program: str) -> Path:
    """Write ``{number: label}`` to :func:`sidecar_path` of ``path``; returns its path."""
    side = sidecar_path(path)
    with open(side, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(
            f"# population numbers of {Path(path).name} ({program}); written by genmon {__version__}\n"
        )
        fh.write("popdata\tpopulation\n")
        for k, name in mapping.items():
            fh.write(f"{k}\t{name}\n")
    return side


def read_pop_sidecar(path: str | Path) -> dict[int, str]:
    """Read a population sidecar written by :func:`write_pop_sidecar`."""
    path = Path(path)
    rows, _ = split_rows(read_text(path), "\t", comment="#")
    out: dict[int, str] = {}
    for row in rows[1:]:
        if len(row.fields) < 1 or not row.fields[0].isdigit():
            raise InputError(
                Problem(
                    f'"{chr(9).join(row.fields)}"', "popdata<TAB>population", str(path), row.line
                )
            )
        out[int(row.fields[0])] = row.fields[1] if len(row.fields) > 1 else ""
    return out


def _pop_labels(numbers: list[str], pop_map: Mapping[Any, str] | None) -> list[Any]:
    if pop_map is None:
        return list(numbers)
    m = {str(k): v for k, v in pop_map.items()}
    return [(m.get(n) or pd.NA) if n in m else n for n in numbers]


# ---------------------------------------------------------------------- reader
def read_structure(
    path: str | Path,
    *,
    onerowperind: bool | None = None,
    markernames: bool | None = None,
    label: bool = True,
    popdata: bool = True,
    popflag: bool | None = None,
    extra_cols: int = 0,
    ploidy: int = 2,
    missing: Any = "-9",
    pop_map: Mapping[Any, str] | str | Path | None = None,
    locus_names: Sequence[str] | None = None,
) -> GenotypeTable:
    """Read a STRUCTURE input file.

    Parameters
    ----------
    path
        The file.
    onerowperind
        ``True`` for one row per individual, ``False`` for ``ploidy`` rows;
        ``None`` detects it from runs of equal labels.
    markernames
        Whether the first row holds marker names; ``None`` detects it.
    label, popdata, popflag, extra_cols
        The leading columns, as in STRUCTURE's mainparams (LABEL, POPDATA,
        POPFLAG, then ``extra_cols`` columns such as LOCDATA or PHENOTYPE).
        ``popflag=None`` detects it (see the module notes).
    ploidy
        Allele copies per individual (PLOIDY).
    missing
        Missing codes (MISSING; default ``-9``).
    pop_map
        ``{popdata: name}`` or a sidecar file; by default ``<file>.pops.tsv``
        when it exists.
    locus_names
        Locus names for a file without a marker row (default ``L1``, ...).

    Returns
    -------
    GenotypeTable
        Labels in ``sample_id`` (``S1``, ... without a label column), popdata
        in ``population``, popflag in an extra ``popflag`` column, extra
        columns as ``extra_1``, ...; loci ``L1``, ... without a marker row.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "FCA441 F53\\nRU-1 1 165 176\\nRU-1 1 169 -9\\nCN-1 2 165 188\\nCN-1 2 165 200\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.str")
    ...     _ = open(p, "w").write(text)
    ...     t = read_structure(p)
    >>> t.locus_id, t.allele_values().tolist()
    (['FCA441', 'F53'], [[[165, 169], [176, -1]], [[165, 165], [188, 200]]])

    References
    ----------
    Pritchard J.K., Stephens M. & Donnelly P. (2000) Genetics 155:945-959.
    """
    path = Path(path)
    file = str(path)
    if ploidy < 1 or extra_cols < 0:
        raise InputError(
            Problem(
                f"ploidy={ploidy}, extra_cols={extra_cols}", "ploidy >= 1 and extra_cols >= 0", file
            )
        )
    missing_set = missing_codes(missing)
    rows, _ = split_rows(read_text(path), None)
    log = ProblemLog(file)
    if not rows:
        raise InputError(Problem("an empty file", "a STRUCTURE file", file))
    if markernames is None:
        markernames = len(rows) >= 2 and len(rows[0].fields) < len(rows[1].fields)
    markers = rows[0].fields if markernames else None
    data = rows[1:] if markernames else rows
    if not data:
        raise InputError(Problem("no genotype rows", "rows of label, popdata, alleles", file))
    ncols = len(data[0].fields)
    good = []
    for row in data:
        if len(row.fields) != ncols:
            log.error(
                f"{len(row.fields)} fields",
                f"{ncols} like line {data[0].line}",
                line=row.line,
                sample=row.fields[0] if label and row.fields else None,
            )
        else:
            good.append(row)
    log.raise_if_any()
    data = good

    # Group rows into individuals.
    if onerowperind is None and markers is not None and ploidy > 1:
        # The column count decides when only one layout fits the marker row.
        base = int(label) + int(popdata) + extra_cols
        flags = (0, 1) if popflag is None else (int(popflag),)
        fits = [
            one
            for one in (False, True)
            if ncols - len(markers) * (ploidy if one else 1) - base in flags
        ]
        if len(fits) == 1:
            onerowperind = fits[0]
    if onerowperind is None:
        if ploidy == 1:
            onerowperind = True
        elif not label:
            onerowperind = False
        else:
            runs = _runs([r.fields[0] for r in data])
            multiple = sum(1 for _, n in runs if n % ploidy == 0)
            single = sum(1 for _, n in runs if n == 1)
            onerowperind = single > multiple
    per = 1 if onerowperind else ploidy
    groups: list[list[Any]] = []
    if per == 1:
        groups = [[r] for r in data]
    elif label:
        start = 0
        for name, n in _runs([r.fields[0] for r in data]):
            block = data[start : start + n]
            start += n
            if n % per:
                log.error(
                    f"{n} row{'s' if n > 1 else ''} for this individual",
                    f"{per} rows per individual (ONEROWPERIND=0; pass onerowperind=True for one row per individual)",
                    line=block[0].line,
                    sample=name,
                )
                continue
            groups += [block[k : k + per] for k in range(0, n, per)]
    else:
        if len(data) % per:
            log.error(
                f"{len(data)} genotype rows",
                f"a multiple of {per} ({per} rows per individual)",
                line=data[-1].line,
            )
        groups = [data[k : k + per] for k in range(0, len(data) - len(data) % per, per)]
    log.raise_if_any()

    # Leading columns.
    base = int(label) + int(popdata)
    width = ploidy if onerowperind else 1
    if popflag is None:
        if markers is not None:
            lead = ncols - len(markers) * width
            popflag = lead - base - extra_cols == 1
        else:
            col = base
            values = (
                [g[k].fields[col] for g in groups for k in range(len(g))] if col < ncols else []
            )
            popflag = (
                bool(values)
                and set(values) <= {"0", "1"}
                and all(len({r.fields[col] for r in g}) == 1 for g in groups)
            )
    lead = base + int(popflag) + extra_cols
    if markers is not None:
        expected = lead + len(markers) * width
        if ncols != expected:
            raise InputError(
                Problem(
                    f"{ncols} columns for {len(markers)} marker names",
                    f"{expected} ({lead} leading columns + {width} per marker)",
                    file,
                    data[0].line,
                )
            )
    if ncols <= lead or (ncols - lead) % width:
        raise InputError(
            Problem(
                f"{ncols} columns",
                f"{lead} leading columns then {width} column(s) per locus",
                file,
                data[0].line,
            )
        )
    n_loci = (ncols - lead) // width
    if markers is not None:
        locus_names = list(markers)
    elif locus_names is not None:
        locus_names = [str(x) for x in locus_names]
        if len(locus_names) != n_loci:
            raise InputError(
                Problem(
                    f"{len(locus_names)} locus_names", f"{n_loci}, one per locus of the file", file
                )
            )
    else:
        locus_names = [f"L{j + 1}" for j in range(n_loci)]

    n = len(groups)
    values = np.full((n, n_loci, ploidy), -1, dtype=np.int64)
    ids, pops, flags, extras, lines = [], [], [], [], []
    for i, g in enumerate(groups):
        first = g[0]
        name = first.fields[0] if label else f"S{i + 1}"
        ids.append(name)
        lines.append(first.line)
        for r in g[1:]:
            if r.fields[:lead] != first.fields[:lead]:
                log.error(
                    f"leading columns {' '.join(r.fields[:lead])}",
                    f"{' '.join(first.fields[:lead])} as on line {first.line}",
                    line=r.line,
                    sample=name,
                )
        col = int(label)
        if popdata:
            tok = first.fields[col]
            if not tok.lstrip("-").isdigit():
                log.error(f'popdata "{tok}"', "a whole number", line=first.line, sample=name)
            pops.append(tok)
            col += 1
        if popflag:
            tok = first.fields[col]
            if tok not in ("0", "1"):
                log.error(f'popflag "{tok}"', "0 or 1", line=first.line, sample=name)
            flags.append(tok)
            col += 1
        extras.append(first.fields[col : col + extra_cols])
        for k, r in enumerate(g):
            for j in range(n_loci):
                for c in range(width):
                    tok = r.fields[lead + j * width + c]
                    v = parse_allele(
                        tok, missing_set, log, line=r.line, sample=name, locus=locus_names[j]
                    )
                    if v is not None:
                        values[i, j, k * width + c] = v
    log.raise_if_any()

    samples = pd.DataFrame({"sample_id": ids})
    attrs: dict[str, Any] = {
        "source_file": file,
        "source_format": "structure",
        "structure_onerowperind": bool(onerowperind),
    }
    if popdata:
        if pop_map is None and sidecar_path(path).exists():
            pop_map = sidecar_path(path)
        if isinstance(pop_map, str | Path):
            attrs["population_map"] = str(pop_map)
            pop_map = read_pop_sidecar(pop_map)
        samples["population"] = _pop_labels(pops, pop_map)
    if popflag:
        samples["popflag"] = [int(f) for f in flags]
    for k in range(extra_cols):
        samples[f"extra_{k + 1}"] = [e[k] for e in extras]
    return GenotypeTable.from_alleles(values, locus_names, samples=samples, missing=-1, attrs=attrs)


def _runs(labels: list[str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for lab in labels:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1] + 1)
        else:
            out.append((lab, 1))
    return out


# ---------------------------------------------------------------------- writer
def write_structure(
    table: GenotypeTable,
    path: str | Path,
    *,
    markernames: bool = True,
    onerowperind: bool = False,
    popflag: bool | None = None,
) -> None:
    """Write a STRUCTURE input file.

    Layout: a marker-name row (``markernames``), then ``ploidy`` rows per
    individual (or one row, ``onerowperind``), each ``label popdata
    [popflag] alleles``, missing ``-9``, tab-separated.  popdata is written
    when any population is known (see the module notes for the numbering and
    the ``.pops.tsv`` sidecar); popflag when ``samples["popflag"]`` exists (or
    ``popflag=True``, then 0 where unknown).  SNP alleles are coded as in
    :func:`genmon.io.genepop.allele_codes`.  Set MARKERNAMES, ONEROWPERIND,
    POPDATA, POPFLAG and MISSING=-9 in mainparams accordingly.

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[165, 169], [176, -1]]], ["FCA441", "F53"],
    ...                                sample_ids=["RU-0001"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "o.str")
    ...     write_structure(t, p)
    ...     print(open(p).read().replace("\\t", " "), end="")
    FCA441 F53
    RU-0001 165 176
    RU-0001 169 -9
    """
    path = Path(path)
    file = str(path)
    codes = allele_codes(table, file, np.iinfo(np.int32).max, "STRUCTURE")
    log = ProblemLog(file)
    for name in table.sample_id:
        if not str(name) or any(ch.isspace() for ch in str(name)):
            log.error(
                f'sample label "{name}"',
                "labels without spaces (STRUCTURE splits on white space)",
                sample=str(name),
            )
    for name in table.locus_id:
        if any(ch.isspace() for ch in name):
            log.error(f'marker name "{name}"', "names without spaces", locus=name)
    log.raise_if_any()
    has_pop = table.samples["population"].notna().any()
    nums, mapping = population_numbers(table)
    if popflag is None:
        popflag = "popflag" in table.samples.columns
    flags = None
    if popflag:
        col = (
            table.samples["popflag"]
            if "popflag" in table.samples.columns
            else pd.Series([0] * table.n_samples)
        )
        flags = [0 if pd.isna(f) else int(f) for f in col]
    lines = []
    if markernames:
        lines.append("\t".join(table.locus_id))
    rows_per = 1 if onerowperind or table.ploidy == 1 else table.ploidy
    for i, name in enumerate(table.sample_id):
        lead = [str(name)]
        if has_pop:
            lead.append(str(int(nums[i])))
        if flags is not None:
            lead.append(str(flags[i]))
        c = np.where(codes[i] > 0, codes[i], -9)
        if rows_per == 1:
            lines.append("\t".join(lead + [str(int(v)) for v in c.reshape(-1)]))
        else:
            for k in range(rows_per):
                lines.append("\t".join(lead + [str(int(v)) for v in c[:, k]]))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    side = sidecar_path(path)
    if has_pop and mapping is not None:
        write_pop_sidecar(path, mapping, "STRUCTURE popdata")
    elif side.exists():
        side.unlink()


def _sniff(path: Path, head: str) -> float:
    # Integer tables are common (related, Cervus exports): claim one only with STRUCTURE's
    # missing code -9 or a marker-name row above the genotype rows.
    lines = [ln.split() for ln in head.splitlines()[:30] if ln.strip()]
    if len(lines) < 3:
        return 0.0
    marker_row = len(lines[0]) < len(lines[1])
    body = lines[1:-1] if marker_row else lines[:-1]  # the last line may be cut by the head
    if len({len(x) for x in body}) != 1:
        return 0.0
    tokens = [t for row in body for t in row[1:]]
    if not tokens or not all(t.lstrip("-").isdigit() for t in tokens):
        return 0.0
    if "-9" in tokens:
        return 0.4
    return 0.3 if marker_row and not all(t.lstrip("-").isdigit() for t in lines[0]) else 0.0


register_format(
    FormatSpec(
        "structure",
        "STRUCTURE: optional marker row, label/popdata/popflag columns, 2 rows or 1 row per individual, -9 missing",
        read_structure,
        write_structure,
        (".str", ".stru", ".structure"),
        _sniff,
        {
            "onerowperind": "one row per individual (detected when omitted)",
            "popdata / popflag / extra_cols": "leading columns after the label",
            "markernames": "first row holds marker names (detected when omitted)",
        },
    )
)
