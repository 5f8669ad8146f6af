"""Likelihood matching of samples with genotyping errors, and identity probabilities.

For two samples with observed diploid calls ``x`` and ``y`` at a locus, with
allele frequencies ``p`` and Hardy-Weinberg genotype probabilities ``P(G)``:

* same individual: ``P(x, y | same) = sum_G P(G) E(x | G) E(y | G)``;
* unrelated: ``P(x) P(y)`` with ``P(x) = sum_G P(G) E(x | G)``;
* full siblings: ``sum_{G1, G2} P(G1, G2 | FS) E(x | G1) E(y | G2)`` with IBD
  probabilities (1/4, 1/2, 1/4).

The error model ``E(obs | G)`` has a per-locus allelic dropout rate ``e1``
(a heterozygote ``ab`` reads ``aa`` or ``bb`` with probability ``e1 / 2``
each) and a false-allele rate ``e2`` (with probability ``e2`` the call is
replaced by a random genotype drawn from ``P``):
``E(o | G) = (1 - e2) D(o | G) + e2 P(o)``.  A call with one allele missing
is the event "the observed genotype contains that allele"; a fully missing
call carries no information (factor 1).  Loci multiply (independence).

Worked example: one locus, alleles ``p = (0.5, 0.5)``, no errors; ``x = y =
ab``: ``P(same) = P(ab) = 0.5``, ``P(x)P(y) = 0.25``, LR(same:unrelated) = 2;
full sibs: ``P(ab, ab | FS) = 1/4 * 0.5 * 0.5 + 1/2 * 0.25 + 1/4 * 0.5 = 0.3125``
(IBD1 term: the shared allele is a, the others b and b, ``0.5^3``, or the
shared allele is b, ``0.5^3``: 0.25), LR(same:FS) = 0.5 / 0.3125 = 1.6.

References
----------
Waits LP, Luikart G, Taberlet P (2001) Estimating the probability of identity
among genotypes in natural populations: cautions and guidelines. Mol Ecol
10:249-256.

Wang J (2004) Sibship reconstruction from genetic data with typing errors.
Genetics 166:1963-1979 (dropout and false-allele error model).

Woods JG et al. (1999) Genetic tagging of free-ranging black and brown bears.
Wildl Soc Bull 27:616-627.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import GenotypeTable

__all__ = [
    "ErrorRates",
    "LocusModel",
    "build_models",
    "pair_log_lr",
    "pi_per_locus",
    "pisibs_per_locus",
    "genotype_pi",
    "genotype_pisibs",
]


@dataclass(frozen=True)
class ErrorRates:
    """Per-locus allelic dropout (``ado``) and false-allele (``fa``) rates."""

    ado: np.ndarray
    fa: np.ndarray

    @classmethod
    def uniform(cls, n_loci: int, ado: float = 0.05, fa: float = 0.01) -> ErrorRates:
        for name, v in (("ado", ado), ("fa", fa)):
            if not 0 <= v < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {v}")
        return cls(np.full(n_loci, float(ado)), np.full(n_loci, float(fa)))


def _genotypes(n_alleles: int) -> np.ndarray:
    a, b = np.triu_indices(n_alleles)
    return np.stack([a, b], axis=1)


def _hwe(p: np.ndarray, gts: np.ndarray) -> np.ndarray:
    a, b = gts[:, 0], gts[:, 1]
    return np.where(a == b, p[a] ** 2, 2 * p[a] * p[b])


def _sib_joint(p: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """``P(G1, G2 | full sibs)`` over genotype pairs: IBD 0/1/2 with 1/4, 1/2, 1/4.

    IBD1: decompose each genotype into (shared allele x, other allele); every
    ordered decomposition sharing ``x`` adds ``p_x p_u p_v``.
    """
    pg = _hwe(p, gts)
    n_a = len(p)
    # dec[x, g] = sum of p_u over decompositions of genotype g into (x, u).
    dec = np.zeros((n_a, len(gts)))
    for g, (a, b) in enumerate(gts):
        if a == b:
            dec[a, g] += p[a]
        else:
            dec[a, g] += p[b]
            dec[b, g] += p[a]
    ibd1 = (dec * p[:, None]).T @ dec
    return 0.25 * np.outer(pg, pg) + 0.5 * ibd1 + 0.25 * np.diag(pg)


@dataclass
class LocusModel:
    """Pre-computed pair terms for the observation codes of one locus.

    Observation codes: ``0 .. n_gt-1`` complete genotypes (triangular order),
    ``n_gt + a`` a call with only allele ``a`` typed.
    """

    n_alleles: int
    same: np.ndarray  # log P(x, y | same)
    sibs: np.ndarray  # log P(x, y | FS)
    single: np.ndarray  # log P(x)


def _locus_model(p: np.ndarray, ado: float, fa: float) -> LocusModel:
    n_a = len(p)
    gts = _genotypes(n_a)
    pg = _hwe(p, gts)
    n_gt = len(gts)
    index = {(int(a), int(b)): k for k, (a, b) in enumerate(gts)}
    dropout = np.zeros((n_gt, n_gt))  # D[obs, true]
    for t, (a, b) in enumerate(gts):
        if a == b:
            dropout[t, t] = 1.0
        else:
            dropout[t, t] = 1 - ado
            dropout[index[(a, a)], t] += ado / 2
            dropout[index[(b, b)], t] += ado / 2
    e = (1 - fa) * dropout + fa * pg[:, None]
    # Partial calls: observed genotype contains allele a.
    contains = np.zeros((n_a, n_gt))
    for o, (a, b) in enumerate(gts):
        contains[a, o] = 1
        contains[b, o] = 1
    e_all = np.vstack([e, contains @ e])
    same = (e_all * pg) @ e_all.T
    sibs = e_all @ _sib_joint(p, gts) @ e_all.T
    single = e_all @ pg
    with np.errstate(divide="ignore"):
        return LocusModel(n_a, np.log(same), np.log(sibs), np.log(single))


def build_models(
    freqs: list[np.ndarray], rates: ErrorRates, floor: float = 1e-4
) -> list[LocusModel]:
    """One :class:`LocusModel` per locus from allele frequencies and error rates.

    Frequencies below ``floor`` (including alleles unseen in the reference
    sample) are raised to it and renormalised, so no genotype is impossible.
    """
    models = []
    for j, p in enumerate(freqs):
        p = np.asarray(p, dtype=float)
        if p.size == 0 or not np.isfinite(p).all():
            p = np.ones(max(p.size, 1)) / max(p.size, 1)
        p = np.maximum(p, floor)
        p = p / p.sum()
        models.append(_locus_model(p, float(rates.ado[j]), float(rates.fa[j])))
    return models


def observation_codes(calls: np.ndarray, n_alleles: list[int]) -> np.ndarray:
    """Observation code per (sample, locus) for diploid calls; ``-1`` when fully missing."""
    n, n_loci, ploidy = calls.shape
    if ploidy != 2:
        raise ValueError("likelihood matching needs diploid calls")
    out = np.full((n, n_loci), -1, dtype=np.int64)
    for j in range(n_loci):
        na = n_alleles[j]
        a = calls[:, j, 0].astype(np.int64)
        b = calls[:, j, 1].astype(np.int64)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        full = lo >= 0
        # triangular index of (lo, hi), lo <= hi: lo*na - lo*(lo-1)/2 + (hi - lo)
        tri = lo * na - (lo * (lo - 1)) // 2 + (hi - lo)
        n_gt = na * (na + 1) // 2
        out[full, j] = tri[full]
        half = (hi >= 0) & (lo < 0)
        out[half, j] = n_gt + hi[half]
    return out


def pair_log_lr(
    codes_a: np.ndarray, codes_b: np.ndarray, i: np.ndarray, j: np.ndarray, models: list[LocusModel]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Natural-log likelihood ratios of listed pairs.

    Returns ``(log LR same:unrelated, log LR same:full sibs, loci used)``.

    Examples
    --------
    The worked example of the module docs (one locus, p = 0.5, 0.5, no errors):

    >>> m = build_models([np.array([0.5, 0.5])], ErrorRates.uniform(1, 0, 0))
    >>> codes = np.array([[1]])  # genotype ab
    >>> un, fs, n = pair_log_lr(codes, codes, np.array([0]), np.array([0]), m)
    >>> round(float(np.exp(un[0])), 6), round(float(np.exp(fs[0])), 6), n.tolist()
    (2.0, 1.6, [1])
    """
    un = np.zeros(len(i))
    fs = np.zeros(len(i))
    used = np.zeros(len(i), dtype=np.int64)
    for locus, m in enumerate(models):
        x = codes_a[i, locus]
        y = codes_b[j, locus]
        ok = (x >= 0) & (y >= 0)
        xo, yo = x[ok], y[ok]
        s = m.same[xo, yo]
        un[ok] += s - m.single[xo] - m.single[yo]
        fs[ok] += s - m.sibs[xo, yo]
        used += ok
    return un, fs, used


def pi_per_locus(p: np.ndarray) -> float:
    """Probability of identity of two unrelated individuals at one locus: ``2 a2^2 - a4``.

    Examples
    --------
    >>> round(pi_per_locus(np.array([0.5, 0.5])), 6)
    0.375
    """
    p = np.asarray(p, dtype=float)
    a2, a4 = float(np.sum(p**2)), float(np.sum(p**4))
    return 2 * a2**2 - a4


def pisibs_per_locus(p: np.ndarray) -> float:
    """Probability of identity of full siblings: ``0.25 + 0.5 a2 + 0.5 a2^2 - 0.25 a4``.

    Examples
    --------
    >>> round(pisibs_per_locus(np.array([0.5, 0.5])), 6)
    0.59375
    """
    p = np.asarray(p, dtype=float)
    a2, a4 = float(np.sum(p**2)), float(np.sum(p**4))
    return 0.25 + 0.5 * a2 + 0.5 * a2**2 - 0.25 * a4


def genotype_pi(calls: np.ndarray, freqs: list[np.ndarray]) -> np.ndarray:
    """Probability that an unrelated individual has each genotype (HWE product over
    the completely typed loci).

    Examples
    --------
    >>> genotype_pi(np.array([[[0, 1]], [[1, 1]]]), [np.array([0.2, 0.8])]).round(4).tolist()
    [0.32, 0.64]
    """
    out = np.ones(calls.shape[0])
    for j, p in enumerate(freqs):
        a, b = calls[:, j, 0], calls[:, j, 1]
        ok = (a >= 0) & (b >= 0)
        pa, pb = p[a[ok]], p[b[ok]]
        out[ok] *= np.where(a[ok] == b[ok], pa * pa, 2 * pa * pb)
    return out


def genotype_pisibs(calls: np.ndarray, freqs: list[np.ndarray]) -> np.ndarray:
    """Probability that a full sibling has each genotype (Woods et al. 1999):
    ``(1 + 2p + p^2)/4`` for ``aa``, ``(1 + pa + pb + 2 pa pb)/4`` for ``ab``.

    Examples
    --------
    >>> genotype_pisibs(np.array([[[0, 1]]]), [np.array([0.2, 0.8])]).round(4).tolist()
    [0.58]
    """
    out = np.ones(calls.shape[0])
    for j, p in enumerate(freqs):
        a, b = calls[:, j, 0], calls[:, j, 1]
        ok = (a >= 0) & (b >= 0)
        pa, pb = p[a[ok]], p[b[ok]]
        out[ok] *= np.where(
            a[ok] == b[ok], (1 + 2 * pa + pa * pa) / 4, (1 + pa + pb + 2 * pa * pb) / 4
        )
    return out


def table_frequencies(table: GenotypeTable) -> list[np.ndarray]:
    """Allele frequencies per locus from all typed alleles of a table."""
    out = []
    for j, locus in enumerate(table.loci):
        g = table.call_genotype[:, j].ravel()
        g = g[g >= 0]
        c = np.bincount(g, minlength=locus.n_alleles).astype(float)
        out.append(c / c.sum() if c.sum() else np.full(locus.n_alleles, np.nan))
    return out
