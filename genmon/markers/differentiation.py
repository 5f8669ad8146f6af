"""Differentiation between populations (``differentiation.tsv``).

* F_ST, F_IT, F_IS: Weir & Cockerham (1984) ``a, b, c`` variance
  components, summed over alleles; multi-locus values are ratios of sums over
  loci (``F_ST = sum a / sum (a + b + c)``).  Populations with no typed
  individual at a locus are left out at that locus.
* Jost's (2008) D and Meirmans & Hedrick's (2011) G''_ST from Nei & Chesser
  (1983) unbiased ``Hs`` and ``Ht`` (``ñ`` the harmonic mean sample size,
  ``k`` populations)::

      Hs = ñ/(ñ-1) [1 - mean_i sum_u p_iu^2 - Ho/(2ñ)]
      Ht = 1 - sum_u pbar_u^2 + Hs/(kñ) - Ho/(2kñ)
      D = k/(k-1) (Ht - Hs)/(1 - Hs)
      G''_ST = k (Ht - Hs) / ((k Ht - Hs)(1 - Hs))

  ``k`` counts the populations typed at the locus.  Multi-locus D is
  ``mean_l[k_l/(k_l-1) (Ht_l - Hs_l)] / (1 - mean_l Hs_l)`` and G''_ST uses
  the means of Hs and Ht over loci, as hierfstat ``basic.stats`` does (its
  ``Dest`` from ``Dstp`` and ``Hs``).
* 95% CIs: percentiles of ``n_boot`` bootstrap resamples of loci.
  p-values: ``(1 + #{perm >= obs}) / (1 + n_perm)`` with individuals
  (whole multi-locus genotypes) permuted among the populations compared.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ._common import SmallPopulationWarning, diploid_calls, group_labels, warn

__all__ = ["DIFFERENTIATION_COLUMNS", "differentiation", "wc84_components", "nei_chesser", "jost_d", "g2st"]

DIFFERENTIATION_COLUMNS = [
    "scope", "pop_a", "pop_b", "locus", "n_pops", "n_typed", "fst", "fit", "fis", "jost_d", "g2st",
    "hs", "ht", "fst_ci_low", "fst_ci_high", "jost_d_ci_low", "jost_d_ci_high", "g2st_ci_low",
    "g2st_ci_high", "fst_p", "jost_d_p", "g2st_p", "n_boot", "n_perm", "reason",
]


def wc84_components(counts: np.ndarray, hets: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weir & Cockerham (1984) ``a, b, c`` summed over alleles.

    Parameters
    ----------
    counts
        ``(..., r, k)`` gene-copy counts of each allele in each population.
    hets
        ``(..., r, k)`` heterozygous individuals carrying each allele.
    n
        ``(..., r)`` typed individuals; populations with 0 are left out.

    Examples
    --------
    Hand-worked: two populations of two individuals, pop 1 = {1/1, 1/1},
    pop 2 = {2/2, 2/2}: p = (1, 0), pbar = 0.5, nbar = nc = 2, s^2 = 0.5,
    hbar = 0.  Per allele a = 0.5 - (0.25 - 0.25) = 0.5, b = 2 (0.25 - 0.25) = 0,
    c = 0, so over two alleles a = 1, b = c = 0 and F_ST = 1.

    >>> c = np.array([[4, 0], [0, 4]]); h = np.zeros((2, 2)); n = np.array([2, 2])
    >>> [float(x) for x in wc84_components(c, h, n)]
    [1.0, 0.0, 0.0]

    References
    ----------
    Weir BS, Cockerham CC (1984) Estimating F-statistics for the analysis of
    population structure. Evolution 38:1358-1370.
    """
    counts = np.asarray(counts, dtype=np.float64)
    hets = np.asarray(hets, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    valid = n > 0
    r = valid.sum(-1)
    n_tot = n.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        nbar = n_tot / r
        nc = (n_tot - (n * n).sum(-1) / n_tot) / (r - 1)
        p = np.where(valid[..., None], counts / (2 * n[..., None]), 0.0)
        pbar = counts.sum(-2) / (2 * n_tot[..., None])
        s2 = (n[..., None] * (p - pbar[..., None, :]) ** 2).sum(-2) / ((r - 1) * nbar)[..., None]
        hbar = hets.sum(-2) / n_tot[..., None]
        nb = nbar[..., None]
        rr = r[..., None]
        pq = pbar * (1 - pbar)
        a = nb / nc[..., None] * (s2 - (pq - (rr - 1) / rr * s2 - hbar / 4) / (nb - 1))
        b = nb / (nb - 1) * (pq - (rr - 1) / rr * s2 - (2 * nb - 1) / (4 * nb) * hbar)
        c = hbar / 2
    return a.sum(-1), b.sum(-1), c.sum(-1)


def nei_chesser(counts: np.ndarray, n: np.ndarray, n_het: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nei & Chesser (1983) unbiased ``(Hs, Ht)`` of a locus.

    ``counts`` ``(..., r, k)`` allele copies, ``n`` ``(..., r)`` typed
    individuals, ``n_het`` ``(..., r)`` heterozygous individuals.

    Examples
    --------
    Worked by hand: pop 1 = {1/1, 1/2}, pop 2 = {2/2, 2/2}; n = 2 each,
    ñ = 2, k = 2.  p_1 = (.75, .25), p_2 = (0, 1): mean within 1 - sum p^2 =
    (.375 + 0)/2 = .1875; Ho = (.5 + 0)/2 = .25.  Hs = 2 (.1875 - .0625) = .25;
    pbar = (.375, .625), 1 - sum pbar^2 = .46875; Ht = .46875 + .25/4 -
    .25/8 = .5.

    >>> [float(x) for x in nei_chesser(np.array([[3, 1], [0, 4]]), np.array([2, 2]), np.array([1, 0]))]
    [0.25, 0.5]

    References
    ----------
    Nei M, Chesser RK (1983) Estimation of fixation indices and gene
    diversities. Ann Hum Genet 47:253-259.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    valid = n > 0
    k = valid.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ntil = k / np.where(valid, 1.0 / np.where(valid, n, 1.0), 0.0).sum(-1)
        p = np.where(valid[..., None], counts / (2 * n[..., None]), 0.0)
        hs_raw = np.where(valid, 1.0 - (p * p).sum(-1), 0.0).sum(-1) / k
        ho = np.where(valid, np.asarray(n_het, dtype=np.float64) / np.where(valid, n, 1.0), 0.0).sum(-1) / k
        hs = ntil / (ntil - 1) * (hs_raw - ho / (2 * ntil))
        pbar = p.sum(-2) / k[..., None]
        ht = 1.0 - (pbar * pbar).sum(-1) + hs / (k * ntil) - ho / (2 * k * ntil)
    return hs, ht


def jost_d(hs, ht, k):
    """Jost's (2008) D from Hs, Ht and the number of populations ``k`` (Mol Ecol 17:4015-4026)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return k / (k - 1.0) * (ht - hs) / (1.0 - hs)


def g2st(hs, ht, k):
    """Meirmans & Hedrick's (2011) G''_ST (Mol Ecol Resour 11:5-18)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return k * (ht - hs) / ((k * ht - hs) * (1.0 - hs))


@dataclass
class _LocusData:
    typed: np.ndarray  # sample indices typed at the locus
    dose: np.ndarray  # (n_typed, k) allele copies
    hetc: np.ndarray  # (n_typed, k) heterozygote carrying allele
    het: np.ndarray  # (n_typed,) heterozygous


def _locus_data(table: GenotypeTable) -> list[_LocusData]:
    d = diploid_calls(table)
    out = []
    for j in range(table.n_loci):
        k = max(int(d.n_alleles[j]), 1)
        typed = np.nonzero(d.typed[:, j])[0]
        a, b = d.a[typed, j], d.b[typed, j]
        dose = np.zeros((len(typed), k))
        np.add.at(dose, (np.arange(len(typed)), a), 1)
        np.add.at(dose, (np.arange(len(typed)), b), 1)
        het = a != b
        hetc = (dose == 1).astype(np.float64)
        out.append(_LocusData(typed, dose, hetc, het.astype(np.float64)))
    return out


def _per_locus(data: list[_LocusData], labels: np.ndarray, n_groups: int):
    """``(..., loci)`` arrays a, b, c, hs, ht for label arrays ``(..., samples)`` (-1 = left out)."""
    shape = labels.shape[:-1]
    res = {key: np.full(shape + (len(data),), np.nan) for key in ("a", "b", "c", "hs", "ht", "n", "k")}
    for j, ld in enumerate(data):
        lab = labels[..., ld.typed]
        onehot = (lab[..., None, :] == np.arange(n_groups)[:, None]).astype(np.float64)  # (..., r, n)
        counts = onehot @ ld.dose
        hets = onehot @ ld.hetc
        n = onehot.sum(-1)
        nh = onehot @ ld.het
        a, b, c = wc84_components(counts, hets, n)
        hs, ht = nei_chesser(counts, n, nh)
        res["a"][..., j], res["b"][..., j], res["c"][..., j] = a, b, c
        res["hs"][..., j], res["ht"][..., j] = hs, ht
        res["n"][..., j] = n.sum(-1)
        res["k"][..., j] = (n > 0).sum(-1)
    return res


def _multilocus(res, k, axis=-1):
    """Multi-locus values over the loci axis of ``res``.

    Jost's D follows hierfstat ``basic.stats``: the mean over loci of
    ``k_l/(k_l-1) (Ht_l - Hs_l)`` (``k_l`` populations typed at locus ``l``)
    divided by ``1 - mean Hs``; G''_ST uses the means of Hs and Ht with ``k``
    the number of populations compared.
    """
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of loci that are all undefined
        a, b, c = (np.nansum(res[x], axis=axis) for x in "abc")
        hs = np.nanmean(res["hs"], axis=axis)
        ht = np.nanmean(res["ht"], axis=axis)
        kl = res["k"]
        dstp = np.nanmean(np.where(kl > 1, kl / (kl - 1.0), np.nan) * (res["ht"] - res["hs"]), axis=axis)
        return {"fst": a / (a + b + c), "fit": 1 - c / (a + b + c), "fis": 1 - c / (b + c),
                "jost_d": dstp / (1.0 - hs), "g2st": g2st(hs, ht, k), "hs": hs, "ht": ht}


def _compare(data, labels, n_groups, rng, n_boot, n_perm):
    """Multi-locus values, bootstrap CIs over loci and permutation p-values for one comparison."""
    res = _per_locus(data, labels, n_groups)
    obs = _multilocus(res, n_groups)
    out = dict(obs)
    n_loci = len(data)
    if n_boot > 0 and n_loci > 0:
        idx = rng.integers(0, n_loci, size=(n_boot, n_loci))
        boot = _multilocus({key: val[idx] for key, val in res.items()}, n_groups)
        for key in ("fst", "jost_d", "g2st"):
            vals = boot[key][np.isfinite(boot[key])]
            lo, hi = (np.percentile(vals, [2.5, 97.5]) if vals.size else (np.nan, np.nan))
            out[key + "_ci_low"], out[key + "_ci_high"] = float(lo), float(hi)
    if n_perm > 0:
        inside = np.nonzero(labels >= 0)[0]
        ge = {key: 0 for key in ("fst", "jost_d", "g2st")}
        chunk = max(1, 2_000_000 // max(len(labels) * n_groups, 1))
        for start in range(0, n_perm, chunk):
            m = min(chunk, n_perm - start)
            perm_labels = np.broadcast_to(labels, (m, len(labels))).copy()
            shuffled = rng.permuted(np.broadcast_to(labels[inside], (m, len(inside))), axis=1)
            perm_labels[:, inside] = shuffled
            pm = _multilocus(_per_locus(data, perm_labels, n_groups), n_groups)
            for key in ge:
                tol = 1e-12 * max(1.0, abs(float(obs[key]))) if np.isfinite(obs[key]) else 0.0
                ge[key] += int((pm[key] >= obs[key] - tol).sum())
        for key in ge:
            out[key + "_p"] = (1.0 + ge[key]) / (1.0 + n_perm) if np.isfinite(obs[key]) else np.nan
    out["n_typed"] = int((labels >= 0).sum())
    return res, out


def differentiation(
    table: GenotypeTable,
    by: str = "pop",
    *,
    n_boot: int = 1000,
    n_perm: int = 999,
    pairwise: bool = True,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """F_ST (Weir & Cockerham 1984), Jost's D and G''_ST, overall, per locus and pairwise.

    Parameters
    ----------
    table
        Diploid genotypes with a population column.
    by
        Sample column of populations (``"pop"`` = ``population``).
    n_boot, n_perm
        Bootstrap resamples of loci and permutations of individuals (0 skips).
    pairwise
        Also compare every pair of populations.
    seed
        Seed or Generator.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DIFFERENTIATION_COLUMNS`; ``scope`` is ``overall``,
        ``locus`` or ``pairwise``.  Populations with one typed individual are
        kept but flagged by a :class:`SmallPopulationWarning` (Weir &
        Cockerham's estimator needs ``nbar > 1`` overall, not per population).

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[1, 1]], [[1, 1]], [[2, 2]], [[2, 2]]], ["A"],
    ...     samples=pd.DataFrame({"sample_id": list("abcd"), "population": ["x", "x", "y", "y"]}))
    >>> r = differentiation(t, n_boot=0, n_perm=0)
    >>> r.loc[r.scope == "overall", ["fst", "jost_d", "g2st"]].values.tolist()
    [[1.0, 1.0, 1.0]]

    References
    ----------
    Weir BS, Cockerham CC (1984) Evolution 38:1358-1370.  Jost L (2008) Mol
    Ecol 17:4015-4026.  Meirmans PG, Hedrick PW (2011) Mol Ecol Resour
    11:5-18.  Nei M, Chesser RK (1983) Ann Hum Genet 47:253-259.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    groups, names = group_labels(table, by)
    k = len(names)
    rows = []
    if k < 2:
        row = {c: np.nan for c in DIFFERENTIATION_COLUMNS}
        row.update(scope="overall", pop_a="", pop_b="", locus="", n_pops=k, n_typed=table.n_samples,
                   n_boot=n_boot, n_perm=n_perm, reason="fewer than two populations")
        return pd.DataFrame([row], columns=DIFFERENTIATION_COLUMNS)
    sizes = np.bincount(groups, minlength=k)
    for i in np.nonzero(sizes == 1)[0]:
        warn(SmallPopulationWarning, f"population {names[i]}: one individual")
    data = _locus_data(table)
    res, overall = _compare(data, groups, k, rng, n_boot, n_perm)
    rows.append(_row("overall", "", "", "", k, overall, n_boot, n_perm))
    for j, locus in enumerate(table.loci):
        single = {key: val[j] for key, val in res.items()}
        k_locus = int(single["k"]) if np.isfinite(single["k"]) else k
        vals = _multilocus({key: np.array([v]) for key, v in single.items()}, k_locus)
        vals = {key: float(v) for key, v in vals.items()}
        vals["n_typed"] = int(single["n"])
        reason = "" if np.isfinite(vals["fst"]) else "undefined (monomorphic or too few typed individuals)"
        rows.append(_row("locus", "", "", locus.name, k_locus, vals, 0, 0, reason))
    if pairwise:
        for x in range(k):
            for y in range(x + 1, k):
                lab = np.where(groups == x, 0, np.where(groups == y, 1, -1))
                _, vals = _compare(data, lab, 2, rng, n_boot, n_perm)
                reason = "" if np.isfinite(vals["fst"]) else "undefined (monomorphic or too few typed individuals)"
                rows.append(_row("pairwise", names[x], names[y], "", 2, vals, n_boot, n_perm, reason))
    return pd.DataFrame(rows, columns=DIFFERENTIATION_COLUMNS)


def _row(scope, pa, pb, locus, k, vals, n_boot, n_perm, reason=""):
    row = {c: np.nan for c in DIFFERENTIATION_COLUMNS}
    row.update({key: (float(v) if not isinstance(v, int) else v) for key, v in vals.items() if key in row})
    row.update(scope=scope, pop_a=pa, pop_b=pb, locus=locus, n_pops=k, n_boot=n_boot, n_perm=n_perm, reason=reason)
    if scope == "locus":
        row["n_boot"] = 0
        row["n_perm"] = 0
    return row
