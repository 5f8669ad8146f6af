"""Hardy-Weinberg exact tests conditional on allele counts.

Under Hardy-Weinberg proportions and given the allele counts ``c_i`` of
``n`` diploid individuals, a table of genotype counts ``n_xy`` has probability
(Levene 1949; Guo & Thompson 1992)::

    P = n! * prod_i c_i! * 2**H / ((2n)! * prod_{x<=y} n_xy!)

where ``H`` is the number of heterozygotes.  The exact test's p-value is the
total probability of the tables no more probable than the observed one; the
one-sided heterozygote-deficit p-value is ``P(H <= H_obs)``.

Three ways to get them, chosen per locus by :func:`hwe_exact_test`:

* two alleles: the closed form over heterozygote counts (Wigginton, Cutler &
  Abecasis 2005);
* up to ``max_exact_alleles`` (4) alleles in up to ``max_exact_n`` (500)
  individuals: complete enumeration of the tables, abandoned for the chain
  when more than ``max_tables`` (50,000) tables exist;
* otherwise the Guo & Thompson (1992) Markov chain (compiled kernel), seeded,
  with burn-in and batches; the standard error comes from the batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .._ext import markers_ld as _kernels

__all__ = ["HWETest", "hwe_exact_test", "hwe_biallelic", "hwe_enumerate", "hwe_mcmc", "genotype_log_probability"]

_LN2 = math.log(2.0)
#: Relative tolerance when comparing table probabilities (ties count as "as extreme").
PROB_TOL = 1e-7


@dataclass(frozen=True)
class HWETest:
    """Result of one Hardy-Weinberg exact test."""

    p_value: float
    p_deficit: float
    method: str  # "exact-biallelic", "exact-enumeration", "mcmc" or "" when undefined
    steps: int = 0  # Markov chain steps (burn-in included); 0 for exact methods
    se: float = 0.0  # standard error of the Markov chain p-value over batches
    n_tables: int = 0  # tables enumerated (exact enumeration)

    __test__ = False  # not a pytest class


def _upper(geno: np.ndarray) -> np.ndarray:
    g = np.asarray(geno, dtype=np.int64)
    if g.ndim != 2 or g.shape[0] != g.shape[1]:
        raise ValueError(f"genotype counts must be a square (k, k) matrix, got shape {g.shape}")
    if (g < 0).any():
        raise ValueError("genotype counts must be non-negative")
    return np.triu(g) + np.tril(g, -1).T


def genotype_log_probability(geno: np.ndarray) -> float:
    """Log of the Levene/Guo-Thompson probability of a genotype table.

    Examples
    --------
    Two alleles, n = 2 individuals, one of each homozygote: the only other
    table is two heterozygotes; P(AA, BB) = 2! 2! 2! / (4! 1! 1!) = 1/3.

    >>> round(float(np.exp(genotype_log_probability(np.array([[1, 0], [0, 1]])))), 6)
    0.333333
    """
    g = _upper(geno)
    n = g.sum()
    c = g.sum(0) + g.sum(1)
    h = n - np.trace(g)
    return float(
        gammaln(n + 1) + gammaln(c + 1).sum() - gammaln(2 * n + 1) + h * _LN2 - gammaln(np.triu(g) + 1)[np.triu_indices(len(g))].sum()
    )


def hwe_biallelic(n_aa: int, n_ab: int, n_bb: int) -> tuple[float, float]:
    """Exact HWE test for two alleles (Wigginton, Cutler & Abecasis 2005).

    Returns ``(p_value, p_deficit)``: the two-sided exact p-value (sum of the
    probabilities of heterozygote counts no more probable than the observed)
    and ``P(heterozygotes <= observed)``.

    Examples
    --------
    Worked by hand: n = 3 with 1 AA, 0 AB, 2 BB has allele counts 2 and 4;
    heterozygote counts 0 or 2 are possible with P(0) = 3! 2! 4! 1 / (6! 1! 0! 2!)
    = 0.2 and P(2) = 3! 2! 4! 4 / (6! 0! 2! 1!) = 0.8.

    >>> [round(x, 6) for x in hwe_biallelic(1, 0, 2)]
    [0.2, 0.2]

    References
    ----------
    Wigginton JE, Cutler DJ, Abecasis GR (2005) A note on exact tests of
    Hardy-Weinberg equilibrium. Am J Hum Genet 76:887-893.
    """
    n = n_aa + n_ab + n_bb
    na = 2 * n_aa + n_ab
    nb = 2 * n_bb + n_ab
    if n == 0 or na == 0 or nb == 0:
        return float("nan"), float("nan")
    rare = min(na, nb)
    h = np.arange(rare % 2, rare + 1, 2, dtype=np.float64)
    hom_a = (na - h) / 2
    hom_b = (nb - h) / 2
    logp = (
        gammaln(n + 1) - gammaln(hom_a + 1) - gammaln(h + 1) - gammaln(hom_b + 1) + h * _LN2
        + gammaln(na + 1) + gammaln(nb + 1) - gammaln(2 * n + 1)
    )
    prob = np.exp(logp - logp.max())
    prob /= prob.sum()
    obs = int(np.nonzero(h == n_ab)[0][0])
    p = prob[prob <= prob[obs] * (1 + PROB_TOL)].sum()
    p_def = prob[: obs + 1].sum()
    return float(min(p, 1.0)), float(min(p_def, 1.0))


class _TooMany(Exception):
    pass


def hwe_enumerate(geno: np.ndarray, max_tables: int = 50_000) -> HWETest | None:
    """Exact HWE test by enumerating every genotype table with the observed allele counts.

    Returns ``None`` when more than ``max_tables`` tables exist (use the chain).

    References
    ----------
    Louis EJ, Dempster ER (1987) An exact test for Hardy-Weinberg and multiple
    alleles. Biometrics 43:805-811.
    """
    g = _upper(geno)
    c = g.sum(0) + g.sum(1)
    keep = c > 0
    g = g[np.ix_(keep, keep)]
    c = c[keep]
    k = len(c)
    n = int(g.sum())
    if k < 2:
        return None
    lf = [math.lgamma(x + 1) for x in range(int(c.max()) + 2)]
    h_obs = int(n - np.trace(g))
    logw_obs = h_obs * _LN2 - sum(lf[int(x)] for x in g[np.triu_indices(k)])
    out_w: list[float] = []
    out_h: list[int] = []
    rem = [int(x) for x in c]
    budget = [max_tables * 20]  # nodes visited, so that dead ends are bounded too

    def place(i: int, logw: float, h: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or len(out_w) > max_tables:
            raise _TooMany
        if i == k - 1:
            r = rem[i]
            if r % 2 == 0:
                out_w.append(logw - lf[r // 2])
                out_h.append(h)
            return
        hets(i, i + 1, rem[i], logw, h)

    def hets(i: int, j: int, left: int, logw: float, h: int) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _TooMany
        if j == k:
            if left % 2 == 0:
                saved = rem[i]
                rem[i] = 0
                place(i + 1, logw - lf[left // 2], h)
                rem[i] = saved
            return
        for x in range(min(left, rem[j]) + 1):
            rem[j] -= x
            hets(i, j + 1, left - x, logw + x * _LN2 - lf[x], h + x)
            rem[j] += x

    try:
        place(0, 0.0, 0)
    except _TooMany:
        return None
    w = np.array(out_w)
    hh = np.array(out_h)
    prob = np.exp(w - w.max())
    prob /= prob.sum()
    p_obs = math.exp(logw_obs - w.max()) / np.exp(w - w.max()).sum()
    p = prob[prob <= p_obs * (1 + PROB_TOL)].sum()
    p_def = prob[hh <= h_obs].sum()
    return HWETest(float(min(p, 1.0)), float(min(p_def, 1.0)), "exact-enumeration", n_tables=len(w))


def mcmc_picks(rng: np.random.Generator, k: int, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Random ordered distinct allele pairs ``(i, j, k, l)`` and uniforms for the chain."""
    i = rng.integers(0, k, size=n_steps)
    j = rng.integers(0, k - 1, size=n_steps)
    j += j >= i
    kk = rng.integers(0, k, size=n_steps)
    ll = rng.integers(0, k - 1, size=n_steps)
    ll += ll >= kk
    picks = np.ascontiguousarray(np.stack([i, j, kk, ll], axis=1), dtype=np.int32)
    return picks, rng.random(n_steps)


def hwe_mcmc(
    geno: np.ndarray,
    rng: np.random.Generator,
    burn_in: int = 10_000,
    n_batches: int = 20,
    batch_size: int = 5_000,
) -> HWETest:
    """HWE exact test p-value by the Guo & Thompson (1992) Markov chain.

    Parameters
    ----------
    geno
        ``(k, k)`` genotype counts (either triangle).
    rng
        Random generator (seeded by the caller).
    burn_in, n_batches, batch_size
        Dememorisation steps, then batches of steps; Genepop's defaults.

    References
    ----------
    Guo SW, Thompson EA (1992) Performing the exact test of Hardy-Weinberg
    proportion for multiple alleles. Biometrics 48:361-372.
    """
    g = _upper(geno)
    c = g.sum(0) + g.sum(1)
    keep = c > 0
    g = np.ascontiguousarray(g[np.ix_(keep, keep)], dtype=np.int64)
    k = len(g)
    if k < 2:
        return HWETest(float("nan"), float("nan"), "")
    n_steps = burn_in + n_batches * batch_size
    picks, u = mcmc_picks(rng, k, n_steps)
    n_le = np.zeros(n_batches, dtype=np.int64)
    n_het = np.zeros(n_batches, dtype=np.int64)
    h_obs = int(g.sum() - np.trace(g))
    _kernels._hwe_chain(g, picks, u, burn_in, batch_size, h_obs, n_le, n_het, PROB_TOL)
    batch_p = n_le / batch_size
    p = float(n_le.sum() / (n_batches * batch_size))
    se = float(batch_p.std(ddof=1) / math.sqrt(n_batches)) if n_batches > 1 else float("nan")
    p_def = float(n_het.sum() / (n_batches * batch_size))
    return HWETest(p, p_def, "mcmc", steps=n_steps, se=se)


def hwe_exact_test(
    geno: np.ndarray,
    rng: np.random.Generator | None = None,
    *,
    max_exact_alleles: int = 4,
    max_tables: int = 50_000,
    max_exact_n: int = 500,
    burn_in: int = 10_000,
    n_batches: int = 20,
    batch_size: int = 5_000,
) -> HWETest:
    """Hardy-Weinberg exact test of one locus in one sample.

    Parameters
    ----------
    geno
        ``(k, k)`` genotype counts: ``geno[x, y]`` individuals with genotype
        ``x/y`` (either triangle, or split between both).
    rng
        Random generator for the Markov chain (``default_rng(0)`` when None).
    max_exact_alleles, max_tables, max_exact_n
        Enumerate when at most ``max_exact_alleles`` alleles are seen in at
        most ``max_exact_n`` individuals and the tables are at most
        ``max_tables``; otherwise run the chain.

    Returns
    -------
    HWETest
        NaN p-values (method ``""``) when fewer than two alleles are seen.

    Examples
    --------
    >>> t = hwe_exact_test(np.array([[1, 0], [0, 2]]))
    >>> t.method, round(t.p_value, 6)
    ('exact-biallelic', 0.2)

    References
    ----------
    Guo SW, Thompson EA (1992) Biometrics 48:361-372.
    Wigginton JE, Cutler DJ, Abecasis GR (2005) Am J Hum Genet 76:887-893.
    """
    g = _upper(geno)
    c = g.sum(0) + g.sum(1)
    keep = c > 0
    g = g[np.ix_(keep, keep)]
    k = len(g)
    if k < 2:
        return HWETest(float("nan"), float("nan"), "")
    if k == 2:
        p, p_def = hwe_biallelic(int(g[0, 0]), int(g[0, 1]), int(g[1, 1]))
        return HWETest(p, p_def, "exact-biallelic")
    if k <= max_exact_alleles and g.sum() <= max_exact_n:
        result = hwe_enumerate(g, max_tables=max_tables)
        if result is not None:
            return result
    return hwe_mcmc(g, rng if rng is not None else np.random.default_rng(0), burn_in, n_batches, batch_size)
