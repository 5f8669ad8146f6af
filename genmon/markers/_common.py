"""Shared plumbing of the marker statistics: diploid calls, groups, named warnings."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import GenmonWarning, InputError, ModelError, Problem
from ..model import GenotypeTable

__all__ = [
    "ALL",
    "MarkerWarning",
    "UntypedLocusWarning",
    "MonomorphicLocusWarning",
    "SmallPopulationWarning",
    "RarefactionWarning",
    "PanelPowerWarning",
]

#: Label of the pooled rows (every individual as one sample).
ALL = "(all)"


class MarkerWarning(GenmonWarning):
    """A marker statistic is undefined for a locus or population (the value is NaN)."""


class UntypedLocusWarning(MarkerWarning):
    """A locus has no complete genotype in a sample."""


class MonomorphicLocusWarning(MarkerWarning):
    """A locus shows a single allele in a sample."""


class SmallPopulationWarning(MarkerWarning):
    """A population has too few typed individuals for a statistic (e.g. one individual)."""


class RarefactionWarning(MarkerWarning):
    """The rarefaction size is larger than a sample's number of typed individuals."""


class PanelPowerWarning(MarkerWarning):
    """The marker panel cannot reach a requested probability of identity."""


def warn(category: type[MarkerWarning], message: str) -> None:
    warnings.warn(category(message), stacklevel=3)


@dataclass(frozen=True)
class Diploid:
    """Complete diploid calls of a table, alleles sorted within each call.

    ``a <= b`` are ``(samples, loci)`` int64 allele indices, ``typed`` marks
    complete calls (a call with a missing allele counts as untyped).
    """

    a: np.ndarray
    b: np.ndarray
    typed: np.ndarray
    n_alleles: np.ndarray  # allele-table size per locus

    @property
    def het(self) -> np.ndarray:
        return self.typed & (self.a != self.b)


def diploid_calls(table: GenotypeTable) -> Diploid:
    """Split a diploid table into sorted allele pairs; other ploidies are refused."""
    if table.ploidy != 2:
        raise ModelError(f"marker statistics need diploid genotypes; this table has ploidy {table.ploidy}")
    g = table.call_genotype.astype(np.int64)
    a = np.minimum(g[:, :, 0], g[:, :, 1])
    b = np.maximum(g[:, :, 0], g[:, :, 1])
    typed = a >= 0
    a = np.where(typed, a, -1)
    b = np.where(typed, b, -1)
    n_alleles = np.array([locus.n_alleles for locus in table.loci], dtype=np.int64)
    return Diploid(a, b, typed, n_alleles)


def group_labels(table: GenotypeTable, by: str | None) -> tuple[np.ndarray, list[str]]:
    """Integer group of each sample and the sorted group names (``by`` a sample column).

    Samples without a label make an :class:`~genmon.exceptions.InputError`
    naming each of them.
    """
    if by is None:
        return np.zeros(table.n_samples, dtype=np.int64), [ALL]
    column = "population" if by == "pop" else by
    if column not in table.samples.columns:
        raise InputError(Problem(f"no sample column {column!r}", "a column to group samples by"))
    values = table.samples[column]
    bad = values.isna() | (values.astype("string").str.strip() == "")
    if bad.any():
        problems = [
            Problem(f"no {column} label", f"a {column} for every sample when grouping by {column}", sample=str(s))
            for s in table.samples.loc[bad.fillna(True).to_numpy(bool), "sample_id"]
        ]
        raise InputError(problems)
    labels = values.astype(str).to_numpy()
    names = sorted(set(labels), key=_natural_key)
    index = {name: i for i, name in enumerate(names)}
    return np.array([index[v] for v in labels], dtype=np.int64), names


def _natural_key(name: str):
    import re

    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", name) if t]


def genotype_matrices(d: Diploid, groups: np.ndarray, n_groups: int, locus: int) -> np.ndarray:
    """``(groups, k, k)`` counts of genotype ``{x, y}`` at ``[min, max]`` for one locus."""
    k = max(int(d.n_alleles[locus]), 1)
    typed = d.typed[:, locus]
    code = (groups[typed] * k + d.a[typed, locus]) * k + d.b[typed, locus]
    return np.bincount(code, minlength=n_groups * k * k).reshape(n_groups, k, k)


def allele_counts_from_genotypes(geno: np.ndarray) -> np.ndarray:
    """Gene-copy counts per allele from ``(..., k, k)`` upper-triangular genotype counts."""
    return geno.sum(axis=-1) + geno.sum(axis=-2)


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini & Hochberg (1995) adjusted p-values; NaN stays NaN and is not counted.

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, np.nan, 0.03])).round(4).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if not m:
        return out
    order = np.argsort(p[ok], kind="stable")
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    vals = np.empty(m)
    vals[order] = np.minimum(adjusted, 1.0)
    out[ok] = vals
    return out


def join_reasons(reasons: list[str]) -> str:
    return "; ".join(dict.fromkeys(r for r in reasons if r))
