"""Per-locus diversity and Hardy-Weinberg statistics (``locus_stats.tsv``).

Conventions (they change numbers; every one is recorded in the output):

* Only complete diploid calls count; a call with one allele missing is untyped
  at that locus.  ``n`` is the number of typed individuals, ``2n`` gene copies.
* ``he`` is the gene diversity ``1 - sum p_i^2`` (adegenet ``summary()$Hexp``);
  ``he_unbiased`` is Nei (1978) ``2n / (2n - 1) * he``; ``hs_nei1987`` is Nei
  (1987) ``n / (n - 1) * (he - ho / (2n))`` (hierfstat's within-sample Hs).
* ``f_is`` is Weir & Cockerham's (1984) estimator for one sample, which
  reduces to ``1 - ho / hs_nei1987``.
* ``allelic_richness`` is the expected number of alleles in ``2 g`` gene copies
  drawn without replacement (Hurlbert 1971; El Mousadik & Petit 1996), ``g``
  (``rarefaction_n``) being the smallest number of typed individuals among the
  populations at that locus unless given.
* ``null_allele_brookfield`` is Brookfield's (1996) estimator 1,
  ``(he_unbiased - ho) / (1 + he_unbiased)``.
* ``hwe_p_fdr`` adjusts ``hwe_p`` across loci within each population
  (Benjamini & Hochberg 1995).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from ..model import GenotypeTable
from ._common import (
    ALL,
    MonomorphicLocusWarning,
    RarefactionWarning,
    SmallPopulationWarning,
    UntypedLocusWarning,
    allele_counts_from_genotypes,
    benjamini_hochberg,
    diploid_calls,
    genotype_matrices,
    group_labels,
    join_reasons,
    warn,
)
from .hwe import hwe_exact_test

__all__ = ["LOCUS_STATS_COLUMNS", "locus_stats", "allelic_richness", "diversity_from_genotypes"]

LOCUS_STATS_COLUMNS = [
    "population", "locus", "n_typed", "n_alleles", "n_effective", "allelic_richness", "rarefaction_n",
    "ho", "he", "he_unbiased", "hs_nei1987", "f_is", "hwe_p", "hwe_p_fdr", "hwe_method", "hwe_steps",
    "hwe_se", "het_deficit_p", "null_allele_brookfield", "private_alleles", "reason",
]


def allelic_richness(counts: np.ndarray, g: int) -> float:
    """Expected number of alleles among ``g`` gene copies drawn without replacement.

    ``sum_i [1 - C(N - N_i, g) / C(N, g)]`` with ``N`` gene copies and ``N_i``
    copies of allele ``i``.

    Examples
    --------
    Counts (2, 1, 1), g = 2: P(allele 1 missed) = C(2,2)/C(4,2) = 1/6 and
    P(allele 2 or 3 missed) = C(3,2)/C(4,2) = 1/2 each, so
    A = 5/6 + 1/2 + 1/2 = 1.8333.

    >>> round(allelic_richness(np.array([2, 1, 1]), 2), 4)
    1.8333

    References
    ----------
    Hurlbert SH (1971) Ecology 52:577-586.  El Mousadik A, Petit RJ (1996)
    Theor Appl Genet 92:832-839.
    """
    counts = np.asarray(counts, dtype=np.float64)
    counts = counts[counts > 0]
    total = counts.sum()
    if g > total or g < 1:
        return float("nan")

    def log_comb(a, b):
        return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

    rest = total - counts
    miss = np.where(rest >= g, np.exp(log_comb(np.maximum(rest, g), g) - log_comb(total, g)), 0.0)
    return float((1.0 - miss).sum())


def diversity_from_genotypes(geno: np.ndarray) -> dict[str, float]:
    """Diversity statistics of one locus in one sample from ``(k, k)`` genotype counts.

    Examples
    --------
    Hand-worked: genotypes 0/0, 0/1, 0/1, 1/2 (n = 4).  Allele counts 4, 3, 1
    of 8, p = (.5, .375, .125); sum p^2 = .25 + .140625 + .015625 = .40625,
    he = .59375, he_unbiased = 8/7 * he = .678571, ho = 3/4,
    hs_nei1987 = 4/3 * (.59375 - .75/8) = .666667, f_is = 1 - .75/.666667 = -.125,
    n_effective = 1/.40625 = 2.461538.

    >>> geno = np.zeros((3, 3), int); geno[0, 0] = 1; geno[0, 1] = 2; geno[1, 2] = 1
    >>> {k: round(v, 6) for k, v in diversity_from_genotypes(geno).items()}  # doctest: +NORMALIZE_WHITESPACE
    {'n_typed': 4, 'n_alleles': 3, 'n_effective': 2.461538, 'ho': 0.75, 'he': 0.59375,
     'he_unbiased': 0.678571, 'hs_nei1987': 0.666667, 'f_is': -0.125}
    """
    n = int(geno.sum())
    c = allele_counts_from_genotypes(geno)
    out = {"n_typed": n, "n_alleles": int((c > 0).sum())}
    nan = float("nan")
    if n == 0:
        out.update(n_effective=nan, ho=nan, he=nan, he_unbiased=nan, hs_nei1987=nan, f_is=nan)
        return out
    p = c / (2.0 * n)
    a2 = float((p * p).sum())
    ho = float(n - np.trace(geno)) / n
    he = 1.0 - a2
    he_unb = 2.0 * n / (2.0 * n - 1.0) * he
    hs = n / (n - 1.0) * (he - ho / (2.0 * n)) if n > 1 else nan
    f_is = 1.0 - ho / hs if (n > 1 and hs > 0) else nan
    out.update(n_effective=1.0 / a2, ho=ho, he=he, he_unbiased=he_unb, hs_nei1987=hs, f_is=f_is)
    return out


def locus_stats(
    table: GenotypeTable,
    by: str | None = None,
    *,
    rarefaction_n: int | None = None,
    seed: int | np.random.Generator | None = None,
    max_exact_alleles: int = 4,
    max_tables: int = 50_000,
    burn_in: int = 10_000,
    n_batches: int = 20,
    batch_size: int = 5_000,
) -> pd.DataFrame:
    """Per-locus diversity, F_IS and Hardy-Weinberg tests, pooled and per population.

    Parameters
    ----------
    table
        Diploid genotypes.
    by
        Sample column defining populations (``"pop"`` means ``population``);
        ``None`` gives only the pooled rows.
    rarefaction_n
        Individuals to rarefy allelic richness to; default the smallest
        number typed among the populations at each locus (pooled analysis:
        the locus's own number typed).  Larger than a sample's number typed
        gives NaN with a reason and a :class:`RarefactionWarning`.
    seed
        Seed (or Generator) for the Guo & Thompson Markov chain.
    max_exact_alleles, max_tables, burn_in, n_batches, batch_size
        See :func:`genmon.markers.hwe.hwe_exact_test`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOCUS_STATS_COLUMNS`; pooled rows have population
        ``"(all)"``.  Undefined values are NaN and ``reason`` says why.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[100, 102]], [[100, 100]], [[102, 104]]], ["L1"])
    >>> locus_stats(t)[["n_typed", "n_alleles", "ho", "he"]].round(4).values.tolist()
    [[3.0, 3.0, 0.6667, 0.6111]]

    References
    ----------
    Nei M (1978) Genetics 89:583-590.  Nei M (1987) Molecular Evolutionary
    Genetics.  Weir BS, Cockerham CC (1984) Evolution 38:1358-1370.
    Brookfield JFY (1996) Mol Ecol 5:453-455.  Benjamini Y, Hochberg Y (1995)
    J R Stat Soc B 57:289-300.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    d = diploid_calls(table)
    groups, names = group_labels(table, by)
    n_groups = len(names) if by is not None else 0
    hwe_kw = dict(max_exact_alleles=max_exact_alleles, max_tables=max_tables, burn_in=burn_in,
                  n_batches=n_batches, batch_size=batch_size)
    rows = []
    for j, locus in enumerate(table.loci):
        pooled = genotype_matrices(d, np.zeros(table.n_samples, np.int64), 1, j)[0]
        per_pop = genotype_matrices(d, groups, n_groups, j) if n_groups else np.zeros((0,) + pooled.shape, np.int64)
        pop_counts = allele_counts_from_genotypes(per_pop)
        typed_n = per_pop.sum(axis=(1, 2))
        if rarefaction_n is not None:
            g_ind = int(rarefaction_n)
        elif n_groups and (typed_n > 0).any():
            g_ind = int(typed_n[typed_n > 0].min())
        else:
            g_ind = int(pooled.sum())
        samples = [(ALL, pooled, None)] + [(names[i], per_pop[i], i) for i in range(n_groups)]
        for name, geno, gi in samples:
            rows.append(_one_row(locus, name, geno, gi, pop_counts, g_ind, rng, hwe_kw))
    out = pd.DataFrame(rows, columns=LOCUS_STATS_COLUMNS)
    for name in out["population"].unique():
        sel = (out["population"] == name).to_numpy()
        out.loc[sel, "hwe_p_fdr"] = benjamini_hochberg(out.loc[sel, "hwe_p"].to_numpy(float))
    out["private_alleles"] = out["private_alleles"].astype("Int64")
    for col in ("n_typed", "n_alleles", "hwe_steps"):
        out[col] = out[col].astype("int64")
    out["rarefaction_n"] = out["rarefaction_n"].astype("Int64")
    return out


def _one_row(locus, name, geno, gi, pop_counts, g_ind, rng, hwe_kw) -> dict:
    nan = float("nan")
    stats = diversity_from_genotypes(geno)
    n = stats["n_typed"]
    reasons: list[str] = []
    where = f"locus {locus.name}" + ("" if name == ALL else f", population {name}")
    row = {"population": name, "locus": locus.name, **stats, "allelic_richness": nan,
           "rarefaction_n": g_ind if g_ind > 0 else pd.NA, "hwe_p": nan, "hwe_p_fdr": nan,
           "hwe_method": "", "hwe_steps": 0, "hwe_se": nan, "het_deficit_p": nan,
           "null_allele_brookfield": nan, "private_alleles": pd.NA}
    if locus.kind == "SEX":
        reasons.append("sex-linked marker: Hardy-Weinberg statistics not computed")
    if n == 0:
        reasons.append("no typed individuals")
        warn(UntypedLocusWarning, f"{where}: no complete genotype; statistics are NaN")
    elif n == 1:
        reasons.append("one typed individual")
        warn(SmallPopulationWarning, f"{where}: one typed individual; F_IS and HWE tests are NaN")
    elif stats["n_alleles"] == 1:
        reasons.append("monomorphic")
        warn(MonomorphicLocusWarning, f"{where}: monomorphic; F_IS and HWE tests are NaN")
    counts = allele_counts_from_genotypes(geno)
    if n > 0:
        if g_ind > n:
            reasons.append(f"rarefaction size {g_ind} exceeds the {n} typed individuals")
            warn(RarefactionWarning, f"{where}: rarefaction size {g_ind} exceeds the {n} typed individuals; allelic richness is NaN")
        elif g_ind >= 1:
            row["allelic_richness"] = allelic_richness(counts, 2 * g_ind)
    if n > 1 and stats["n_alleles"] > 1 and locus.kind != "SEX":
        t = hwe_exact_test(geno, rng, **hwe_kw)
        row.update(hwe_p=t.p_value, hwe_method=t.method, hwe_steps=t.steps,
                   hwe_se=t.se if t.method == "mcmc" else nan, het_deficit_p=t.p_deficit)
        row["null_allele_brookfield"] = (stats["he_unbiased"] - stats["ho"]) / (1.0 + stats["he_unbiased"])
    if gi is not None:
        others = pop_counts.sum(axis=0) - pop_counts[gi]
        row["private_alleles"] = int(((pop_counts[gi] > 0) & (others == 0)).sum())
    row["reason"] = join_reasons(reasons)
    return row
