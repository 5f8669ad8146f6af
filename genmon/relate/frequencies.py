"""Allele frequencies from a file, for when the sample is not the reference population.

Cervus and COANCESTRY can take population allele frequencies instead of the
sample's (a few offspring typed against a large adult population, or a
reference panel).  The file is a table with columns ``locus``, ``allele`` and
``frequency`` (comma, semicolon or tab separated; ``#`` comments).  Alleles are
matched by their text (a size such as ``165``, or a base).  Every allele
present in the genotypes must have a positive frequency; a missing or zero one
is an error naming the locus, the allele and the individuals carrying it,
because it would make every likelihood with that allele zero.  The
frequencies of a locus (with alleles absent from the genotypes) must sum to 1
within 0.01, the rounding of printed tables.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..exceptions import InputError, InputWarning, Problem
from ..model import GenotypeTable

__all__ = ["read_allele_frequencies"]

_COLUMNS = ("locus", "allele", "frequency")
_SUM_TOLERANCE = 0.01


def read_allele_frequencies(path: str | Path, table: GenotypeTable) -> list[np.ndarray]:
    """Frequencies per locus of ``table``, indexed by its allele indices (NaN for ``SEX`` loci not in the file).

    Examples
    --------
    >>> import tempfile
    >>> from genmon import Locus
    >>> t = GenotypeTable(np.array([[[0, 1]], [[1, 1]]], dtype=np.int16), (Locus("F53", (176, 180)),),
    ...                   ["a", "b"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(f"{tmp}/f.tsv").write_text("locus\\tallele\\tfrequency\\nF53\\t176\\t0.3\\nF53\\t180\\t0.5\\nF53\\t184\\t0.2\\n")
    ...     read_allele_frequencies(f"{tmp}/f.tsv", t)[0].tolist()
    [0.3, 0.5]
    """
    from ..io._text import read_rows

    path = str(path)
    rows, _ = read_rows(path, comment="#")
    header = [f.strip().lower() for f in rows[0].fields] if rows else []
    if not rows or any(c not in header for c in _COLUMNS):
        raise InputError(Problem(found="header " + ",".join(rows[0].fields) if rows else "an empty file",
                                 expected="columns locus, allele and frequency", file=path,
                                 line=rows[0].line if rows else None))
    col = {c: header.index(c) for c in _COLUMNS}
    names = {locus.name: j for j, locus in enumerate(table.loci)}
    given: dict[str, dict[str, float]] = {}
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    unknown: list[str] = []
    for row in rows[1:]:
        if len(row.fields) <= max(col.values()):
            problems.append(Problem(found=f"{len(row.fields)} fields", expected="locus, allele and frequency",
                                    file=path, line=row.line))
            continue
        locus, allele, text = (row.fields[col[c]].strip() for c in _COLUMNS)
        try:
            value = float(text)
        except ValueError:
            value = np.nan
        if not 0 <= value <= 1:
            problems.append(Problem(found=f'frequency "{text}"', expected="a number in [0, 1]", file=path,
                                    line=row.line, locus=locus))
            continue
        if locus not in names:
            if locus not in unknown:
                unknown.append(locus)
            continue
        if allele in given.setdefault(locus, {}):
            problems.append(Problem(found=f'allele {allele} a second time', expected="one row per allele",
                                    file=path, line=row.line, locus=locus))
        given[locus][allele] = value
        first_line.setdefault(locus, row.line)
    if unknown:
        warnings.warn(InputWarning(Problem(found=f"loci not in the genotypes: {', '.join(unknown)}",
                                           expected="the genotypes' loci; these rows are ignored", file=path)),
                      stacklevel=2)
    out = []
    g = table.call_genotype
    ids = [str(s) for s in table.sample_id]
    for j, locus in enumerate(table.loci):
        freq = np.full(max(locus.n_alleles, 1), np.nan)
        if locus.name not in given:
            if locus.kind != "SEX":
                problems.append(Problem(found="no frequencies", expected="the frequencies of every locus",
                                        file=path, locus=locus.name))
            out.append(freq)
            continue
        values = given[locus.name]
        total = sum(values.values())
        if abs(total - 1) > _SUM_TOLERANCE:
            problems.append(Problem(found=f"frequencies summing to {total:.4f}", expected="a sum of 1",
                                    file=path, line=first_line[locus.name], locus=locus.name))
        seen = np.unique(g[:, j, :][g[:, j, :] >= 0])
        for k, allele in enumerate(locus.alleles):
            freq[k] = values.get(str(allele), 0.0)
        for k in seen:
            if freq[k] <= 0:
                carriers = [ids[i] for i in np.nonzero((g[:, j, :] == k).any(axis=1))[0]]
                shown = ", ".join(carriers[:5]) + (f" and {len(carriers) - 5} more" if len(carriers) > 5 else "")
                state = "frequency 0" if str(locus.alleles[k]) in values else "no frequency"
                problems.append(Problem(found=f"{state} for allele {locus.alleles[k]}, carried by {shown}",
                                        expected="a positive frequency for every allele in the genotypes",
                                        file=path, locus=locus.name, sample=carriers[0]))
        out.append(freq)
    if problems:
        raise InputError(problems)
    return out
