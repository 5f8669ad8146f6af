"""Linkage-disequilibrium estimate of Ne (Hill 1981; Waples 2006; Waples & Do 2008).

Conventions are those of NeEstimator v2 (``Ne2x.c``), which is what monitoring
reports quote; each one changes the numbers:

* A locus takes part at a given Pcrit if, over the individuals typed at it, its
  most common allele has frequency in ``[Pcrit, 1 - Pcrit]`` and below 1.
* For each pair of loci, allele frequencies (and homozygote frequencies) are
  taken on the S individuals typed at *both* loci, and Pcrit is applied again
  on them; ``"nosingletons"`` drops only alleles seen once (Pcrit = 1/(2S-2.5)
  for S > 2).
* Burrows' composite D and r^2 = D^2 / (var_A var_B), averaged over the kept
  allele pairs of the two loci; the pair is weighted by the product of the
  numbers of independent alleles (kept alleles, less one when none was dropped),
  whose sum is the number of *independent comparisons* n'.
* With missing data anywhere in the population the weights are multiplied by
  S^2, an initial Ne0 is computed, and the weights become
  S^2 / (3 Ne0 + S)^2 (Peel et al. 2013); ``r2`` and ``r2_expected`` are the
  weighted means after this step.  The harmonic mean S (``s_harmonic``) is
  weighted by independent comparisons and chooses between the S < 30 and
  S >= 30 forms of E(r^2) and of Ne (Waples 2006; Waples & Do 2008).
* Parametric 95 % CI: n' r^2 / chi2 with n' degrees of freedom, less E(r^2),
  mapped through the Ne formula.  Jackknife CI (Jones, Ovenden & Wang 2016):
  the weighted r^2 with each individual left out, variance x 0.84^2, degrees of
  freedom 2 mean^2 / var, then as the parametric CI.
* Jackknife CI over loci (``ci="jackknife-loci"``): the jackknife of LDNe
  (Waples & Do 2008) as NeEstimator v2.0 computes it (v2.1 keeps that code
  blocked out and its help still describes it); the unit is the *pair* of loci.  R_(k), the weighted mean r^2 with pair k left out, differs
  from the weighted mean rbar by w_k / (W - w_k) (rbar - r_k), with the final
  (missing-data reweighted) weights w_k and the same Ne0 for every k, as
  NeEstimator's help describes; var = (N - 1)/N sum_k (R_(k) - rbar)^2 over
  the N pairs, with no empirical correction; df = round(2 rbar^2 / var); then
  chi-square limits of rbar with df, less E(r^2), as above.  Pairs sharing a
  locus are not independent, so with many loci this CI is too narrow (Jones et
  al. 2016).  NeEstimator v2.1 prints no such CI; genmon agrees with its
  engine built with the v2.0 code re-enabled (``test_data/reference/ne/README.md``).
* Negative or infinite estimates and limits are reported as ``inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd

from .._ext import ld_ne as _ld
from ..exceptions import GenmonError, ModelError
from ..model import GenotypeTable
from ..tally import count_alleles
from ._common import (
    NE_INFINITE,
    check_quantiles,
    chi2_limits,
    diploid_calls,
    empty_row,
    finite_or_inf,
    frame,
    populations,
)

__all__ = [
    "CI_KINDS",
    "DEFAULT_PCRIT",
    "estimate_ne_ld",
    "expected_r2",
    "ne_from_r2",
    "pair_jackknife_df",
    "parse_pcrit",
]

#: NeEstimator's usual Pcrit list; "nosingletons" drops only alleles seen once.
DEFAULT_PCRIT: tuple = (0.05, 0.02, 0.01, "nosingletons")
MATINGS = ("random", "monogamy")
PAIRS = ("all", "between_chromosomes", "within_chromosomes")
#: Confidence intervals of the LD estimate: chi-square with n' (parametric),
#: jackknife over individuals (Jones et al. 2016) and over locus pairs (Waples & Do 2008).
CI_KINDS = ("parametric", "jackknife", "jackknife-loci")
MIN_INDIVIDUALS = 3
_JACK_CORRECTION = 0.84  # Jones et al. 2016 empirical factor on the jackknife SD


def parse_pcrit(values: Sequence | str | float) -> list[tuple[str, float, bool]]:
    """``(label, value, singletons_only)`` for each Pcrit.

    Accepts numbers in ``[0, 0.5)`` and ``"nosingletons"`` (also ``"nos"``,
    ``"singletons"``); a string is split on commas.

    >>> parse_pcrit("0.05,0.02,nosingletons,0")
    [('0.05', 0.05, False), ('0.02', 0.02, False), ('nosingletons', 0.0, True), ('0', 0.0, False)]
    """
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",") if v.strip()]
    elif isinstance(values, int | float):
        values = [values]
    out = []
    for v in values:
        if isinstance(v, str) and v.lower() in (
            "nosingletons",
            "nos",
            "singletons",
            "no-singletons",
        ):
            out.append(("nosingletons", 0.0, True))
            continue
        try:
            x = float(v)
        except (TypeError, ValueError):
            raise ModelError(f"Pcrit {v!r} is not a number in [0, 0.5) or 'nosingletons'") from None
        if not 0.0 <= x < 0.5:
            raise ModelError(f"Pcrit {v!r} is not a number in [0, 0.5) or 'nosingletons'")
        out.append((f"{x:g}", x, False))
    if not out:
        raise ModelError("no Pcrit value given")
    return out


def expected_r2(s: np.ndarray | float) -> np.ndarray | float:
    """E(r^2) due to sampling S individuals (Waples 2006 eq. 8; Waples & Do 2008).

    S >= 30: 1/S + 3.19/S^2; S < 30: 0.0018 + 0.907/S + 4.44/S^2.

    >>> round(expected_r2(10), 6)   # 0.0018 + 0.0907 + 0.0444
    0.1369
    """
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s >= 30, 1.0 / s + 3.19 / s**2, 0.0018 + 0.907 / s + 4.44 / s**2)
    out = np.where(s > 0, out, 0.0)
    return float(out) if out.ndim == 0 else out


def ne_from_r2(r2_drift: float, s_harmonic: float, mating: str = "random") -> float:
    """Ne from r^2 less its sampling expectation (Waples 2006; Waples & Do 2008).

    Random mating, S >= 30: Ne = [1/3 + sqrt(1/9 - 2.76 r')] / (2 r');
    S < 30: Ne = [0.308 + sqrt(0.308^2 - 2.08 r')] / (2 r').  Monogamy:
    [2/3 + sqrt(4/9 - 7.2 r')] / (2 r') and [0.618 + sqrt(0.618^2 - 5.24 r')] / (2 r').
    A negative square-root argument is taken as 0; r' = 0 gives ``inf``;
    r' < 0 gives a negative value (reported as infinite).

    >>> round(ne_from_r2(0.065477 - 0.058386, 20.0), 1)   # NeEstimator test file, Pcrit 0.02
    41.7
    """
    if r2_drift == 0:
        return NE_INFINITE
    if s_harmonic >= 30:
        a, b, c = (
            (1.0 / 3.0, 1.0 / 9.0, 2.76) if mating == "random" else (2.0 / 3.0, 4.0 / 9.0, 7.2)
        )
    else:
        a, b, c = (0.308, 0.094864, 2.08) if mating == "random" else (0.618, 0.381924, 5.24)
    x = max(b - c * r2_drift, 0.0)
    ne = (a + math.sqrt(x)) / (2.0 * r2_drift)
    return min(ne, NE_INFINITE)


def _locus_ok(counts: np.ndarray, pcrit: float, singletons: bool) -> np.ndarray:
    """NeEstimator's locus eligibility (single precision, as there)."""
    counts = counts.astype(np.float32)
    typed = counts.sum(axis=1) / np.float32(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        freq = counts / (np.float32(2) * typed)[:, None]
    freq = np.where(counts > 0, freq, np.float32(0)).astype(np.float32)
    fmax = freq.max(axis=1, initial=np.float32(0))
    if singletons:
        with np.errstate(divide="ignore"):
            cut = np.where(typed > 0, (1.0 / (2.0 * typed.astype(np.float64) - 1.0)), 1.0).astype(
                np.float32
            )
    else:
        cut = np.full(len(counts), pcrit, dtype=np.float32)
    upper = (np.float32(1) - cut).astype(np.float32)
    return (typed > 0) & (fmax > 0) & (fmax >= cut) & (fmax <= upper) & (fmax < 1)


def _block_rows(n_individuals: int, n_loci: int, jack: bool) -> int:
    per_row = 24 * (n_individuals + 1) + (20 * n_individuals if jack else 0)
    return int(max(16, min(n_loci, (48 << 20) // per_row)))


def _bit_sets(geno: np.ndarray) -> np.ndarray:
    """``(loci, 3, words)`` uint64 bit sets over individuals: typed, >= 1 and 2 copies of allele 0."""
    n, n_loci, _ = geno.shape
    c0 = (geno == 0).sum(axis=2)
    planes = np.stack([geno[:, :, 0] >= 0, c0 >= 1, c0 == 2], axis=1)  # (n, 3, loci)
    words = -(-n // 64)
    padded = np.zeros((words * 64, 3, n_loci), dtype=bool)
    padded[:n] = planes
    packed = np.packbits(padded, axis=0, bitorder="little")  # (words * 8, 3, loci) bytes
    out = np.ascontiguousarray(packed.transpose(2, 1, 0)).view("<u8")  # (loci, 3, words)
    return np.ascontiguousarray(out.astype(np.uint64))


def _kernel_inputs(geno: np.ndarray, n_alleles: np.ndarray, use_bits: bool = True):
    """Locus-major genotypes and (for two-allele loci) bit sets, as the kernel takes them."""
    n_loci = geno.shape[1]
    if use_bits and (n_alleles == 2).sum() > 1:
        bits = _bit_sets(geno)
    else:
        bits = np.zeros((n_loci, 3, 0), dtype=np.uint64)
    return np.ascontiguousarray(geno.transpose(1, 0, 2)), bits


def _ld_sums(
    geno,
    n_alleles,
    ok,
    chrom,
    pair_mode,
    pcrit,
    singletons,
    jack,
    weigh,
    eps,
    num_threads,
    use_bits=True,
    prepared=None,
    pair_jack=None,
):
    """Kernel sums over all pairs, block by block of first loci (memory bounded).

    ``geno`` is ``(individuals, loci, 2)``; ``prepared`` may hold the
    ``(locus-major genotypes, bit sets)`` of :func:`_kernel_inputs` to reuse.
    ``pair_jack = (factor by S, total weight, weighted mean r^2)`` adds the
    jackknife over locus pairs: the result then ends with ``(sum over pairs of
    (R_(k) - rbar)^2, pairs carrying all the weight)`` (see the kernel).
    """
    n, n_loci, _ = geno.shape
    geno, bits = prepared if prepared is not None else _kernel_inputs(geno, n_alleles, use_bits)
    if pair_jack is None:
        jl_fac, jl_total, jl_mean = np.zeros(0), 0.0, 0.0
    else:
        jl_fac, jl_total, jl_mean = pair_jack
        jl_fac = np.ascontiguousarray(jl_fac, dtype=np.float64)
    jl_sum = np.zeros(2)
    w_s = np.zeros(n + 1)
    r_s = np.zeros(n + 1)
    p_s = np.zeros(n + 1, dtype=np.int64)
    base = np.zeros(2)
    jk_num = np.zeros(n)
    jk_den = np.zeros(n)
    jk_rej = np.zeros(n, dtype=np.int64)
    step = _block_rows(n, n_loci, jack)
    for start in range(0, n_loci, step):
        stop = min(n_loci, start + step)
        rows = stop - start
        sum_w = np.zeros((rows, n + 1))
        sum_wr2 = np.zeros((rows, n + 1))
        n_pairs = np.zeros((rows, n + 1), dtype=np.int64)
        jrows = rows if jack else 1
        b = np.zeros((jrows, 2))
        num = np.zeros((jrows, n if jack else 1))
        den = np.zeros((jrows, n if jack else 1))
        rej = np.zeros((jrows, n if jack else 1), dtype=np.int32)
        jl_out = np.zeros((rows if pair_jack is not None else 1, 2))
        failed = _ld._ld_block(
            geno,
            bits,
            n_alleles,
            ok,
            chrom,
            pair_mode,
            np.float32(pcrit),
            int(singletons),
            start,
            stop,
            int(jack),
            int(weigh),
            eps,
            sum_w,
            sum_wr2,
            n_pairs,
            b,
            num,
            den,
            rej,
            jl_fac,
            float(jl_total),
            float(jl_mean),
            jl_out,
            num_threads,
        )
        if failed:
            raise GenmonError("LD Ne: could not allocate kernel scratch memory")
        # fixed-order reductions: identical for any thread count
        w_s += sum_w.sum(axis=0)
        r_s += sum_wr2.sum(axis=0)
        p_s += n_pairs.sum(axis=0)
        if jack:
            base += b.sum(axis=0)
            jk_num += num.sum(axis=0)
            jk_den += den.sum(axis=0)
            jk_rej += rej.sum(axis=0)
        jl_sum += jl_out.sum(axis=0)
    if pair_jack is not None:
        return w_s, r_s, p_s, base, jk_num, jk_den, jk_rej, jl_sum
    return w_s, r_s, p_s, base, jk_num, jk_den, jk_rej


def _pair_pass(cache: dict, data: tuple, settings: tuple, factor, total: float, mean: float):
    """The kernel's pass for the jackknife over locus pairs: (sum of squares, pairs with all the weight).

    The matings share one pass when their weights and mean agree (no missing data).
    """
    label, geno, n_alleles, ok, chrom, pair_mode = data
    value, singletons, weigh, eps, num_threads, prepared = settings
    key = (label, factor.tobytes(), total, mean)
    if key not in cache:
        out = _ld_sums(
            geno, n_alleles, ok, chrom, pair_mode, value, singletons, False, weigh, eps,
            num_threads, prepared=prepared, pair_jack=(factor, total, mean),
        )  # fmt: skip
        cache[key] = float(out[-1][0]), int(out[-1][1])
    return cache[key]


def _df_from_variance(mean: float, var: float) -> int:
    """Effective degrees of freedom 2 / phi, phi = var / mean^2, rounded (NeEstimator's ``JackKnifeInd``)."""
    if mean == 0:
        return 1
    phi = var / (mean * mean)
    if phi <= 1e-9:
        return 2_000_000_000
    return max(1, int(math.floor(2.0 / phi + 0.5)))


def _jackknife_df(values: np.ndarray) -> int:
    """NeEstimator's jackknife degrees of freedom, 2 mean^2 / (var x 0.84^2), rounded."""
    k = len(values)
    total = float(values.sum())
    mean = total / k
    var = (k - 1) / k * (float((values**2).sum()) - total * total / k) * _JACK_CORRECTION**2
    return _df_from_variance(mean, var)


def pair_jackknife_df(sum_sq: float, n_pairs: int, r2: float) -> int:
    """Degrees of freedom of the jackknife over locus pairs (Waples & Do 2008).

    ``sum_sq`` is the sum over the ``n_pairs`` pairs of (R_(k) - rbar)^2, where
    R_(k) is the weighted mean r^2 with pair k left out and rbar = ``r2`` the
    weighted mean of all pairs (also the (W - w_k)-weighted mean of the
    R_(k)); the jackknife variance is (N - 1)/N times it, with no empirical
    correction, and df = round(2 rbar^2 / var).

    >>> pair_jackknife_df(0.068267, 3, 1.72 / 3)   # 3 pairs, r^2 0.36, 1, 0.36
    14
    """
    var = (n_pairs - 1) / n_pairs * sum_sq
    return _df_from_variance(r2, var)


def _ne_limits(df: int, r2: float, r2_exp: float, s_harm: float, mating: str, quantiles: str):
    lo_r2, hi_r2 = chi2_limits(df, r2, quantiles)
    low = ne_from_r2(hi_r2 - r2_exp, s_harm, mating)
    high = ne_from_r2(lo_r2 - r2_exp, s_harm, mating)
    if high > NE_INFINITE or high <= 0:
        high = NE_INFINITE
    return finite_or_inf(low), finite_or_inf(high)


def _summarise(
    pop, label, n_ind, n_loci_ok, sums, weigh, mating, ci, quantiles, pair_pass=None
) -> dict:
    """One result row; ``pair_pass(factor by S, W, rbar)`` runs the kernel's pair-jackknife pass."""
    w_s, r_s, p_s, base, jk_num, jk_den, jk_rej = sums
    n_pairs = int(p_s.sum())
    row = empty_row(pop, "ld", label, n_ind, "", mating)
    row["n_loci"] = int(n_loci_ok)
    row["n_pairs"] = n_pairs
    if n_pairs == 0:
        row["reason"] = (
            "no pair of loci passes Pcrit" if n_loci_ok >= 2 else "fewer than 2 loci pass Pcrit"
        )
        return row
    s = np.arange(len(w_s), dtype=np.float64)
    n_comp = float(w_s.sum())
    if n_comp <= 0:
        row["reason"] = "no independent comparisons (every pair keeps one allele at a locus)"
        return row
    inv = np.divide(w_s, s, out=np.zeros_like(w_s), where=s > 0)
    s_harm = n_comp / inv.sum()
    e_s = expected_r2(s)
    weight = w_s * s * s if weigh else w_s
    r2 = float((r_s * s * s if weigh else r_s).sum() / weight.sum())
    r2_exp = float((weight * e_s).sum() / weight.sum())
    ne = ne_from_r2(r2 - r2_exp, s_harm, mating)
    factor = s * s if weigh else np.ones_like(s)  # final weight of a pair / independent alleles
    if weigh and 0 < 3 * ne < NE_INFINITE:
        # Peel et al. 2013: reweigh by S^2 / (3 Ne0 + S)^2
        factor = s * s / (3 * ne + s) ** 2
        r2 = float((r_s * factor).sum() / (w_s * factor).sum())
        r2_exp = float((w_s * factor * e_s).sum() / (w_s * factor).sum())
        ne = ne_from_r2(r2 - r2_exp, s_harm, mating)
    row.update(
        s_harmonic=s_harm,
        n_comparisons=n_comp,
        r2=r2,
        r2_expected=r2_exp,
        ne=finite_or_inf(ne),
    )
    if "parametric" in ci:
        row["ci_param_low"], row["ci_param_high"] = _ne_limits(
            int(n_comp), r2, r2_exp, s_harm, mating, quantiles
        )
    if "jackknife" in ci:
        if n_ind < MIN_INDIVIDUALS:
            row["reason"] = "jackknife needs at least 3 individuals"
        else:
            num = base[0] + jk_num
            den = base[1] + jk_den
            counted = (n_pairs - jk_rej) > 0
            vals = np.where(den != 0, num / np.where(den != 0, den, 1.0), 0.0)[counted]
            if len(vals) == 0:
                row["reason"] = "no pair of loci is left when any one individual is removed"
            else:
                df = _jackknife_df(vals)
                row["jack_df"] = df
                row["ci_jack_low"], row["ci_jack_high"] = _ne_limits(
                    df, r2, r2_exp, s_harm, mating, quantiles
                )
    if "jackknife-loci" in ci:
        if n_pairs < 2:
            row["reason"] = "jackknife over locus pairs needs at least 2 pairs"
        else:
            # same Ne0 and final weights for every left-out pair (NeEstimator's help)
            sum_sq, all_weight = pair_pass(factor, float((w_s * factor).sum()), r2)
            if all_weight:
                row["reason"] = "jackknife over locus pairs: one pair carries all the weight"
            else:
                df = pair_jackknife_df(sum_sq, n_pairs, r2)
                row["jackloci_df"] = df
                row["ci_jackloci_low"], row["ci_jackloci_high"] = _ne_limits(
                    df, r2, r2_exp, s_harm, mating, quantiles
                )
    return row


def _local_genotypes(calls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recode calls to alleles present in the population; returns (geno, n_alleles, counts)."""
    counts = count_alleles(calls)  # (loci, width)
    present = counts > 0
    local = np.cumsum(present, axis=1) - 1
    n_alleles = present.sum(axis=1).astype(np.int32)
    geno = np.full(calls.shape, -1, dtype=np.int16)
    typed = calls >= 0
    loc_idx = np.broadcast_to(np.arange(calls.shape[1])[None, :, None], calls.shape)
    geno[typed] = local[loc_idx[typed], calls[typed]]
    compact = np.zeros((calls.shape[1], max(1, int(n_alleles.max(initial=1)))), dtype=np.int64)
    for j in range(calls.shape[1]):
        compact[j, : n_alleles[j]] = counts[j, present[j]]
    return np.ascontiguousarray(geno), n_alleles, compact


def estimate_ne_ld(
    table: GenotypeTable,
    pcrit: Sequence | str | float = DEFAULT_PCRIT,
    *,
    by: str | None = "population",
    mating: str | Sequence[str] = "random",
    ci: Sequence[str] = ("parametric", "jackknife"),
    quantiles: str = "neestimator",
    pairs: str = "all",
    num_threads: int = 1,
) -> pd.DataFrame:
    """Estimate Ne from linkage disequilibrium, per population and Pcrit.

    Parameters
    ----------
    table
        Diploid genotypes (microsatellites and/or SNPs), missing data allowed.
    pcrit
        Lowest allele frequencies kept: numbers in ``[0, 0.5)`` and/or
        ``"nosingletons"`` (drop only alleles seen once); ``0`` keeps every
        allele (NeEstimator's ``0+``).
    by
        Sample column that names populations (``None``: one population).
    mating
        ``"random"`` and/or ``"monogamy"`` (one row each).
    ci
        Confidence intervals, any of :data:`CI_KINDS`: ``"parametric"``
        (chi-square with the independent comparisons; ``ci_param_*``),
        ``"jackknife"`` (over individuals, Jones et al. 2016; ``ci_jack_*``,
        ``jack_df``) and ``"jackknife-loci"`` (over pairs of loci, Waples & Do
        2008; ``ci_jackloci_*``, ``jackloci_df``; a second pass of the kernel).
    quantiles
        ``"neestimator"`` (NeEstimator's tabled chi-square values, so that
        results match it digit for digit) or ``"exact"``.
    pairs
        ``"all"``, or with known chromosomes (``Locus.chrom``)
        ``"between_chromosomes"`` (only pairs on different chromosomes, i.e.
        unlinked) or ``"within_chromosomes"``.
    num_threads
        Threads for the kernel; results do not depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per population x mating x Pcrit with the columns of
        :data:`genmon.ne.COLUMNS`; infinite estimates and limits are ``inf``;
        a row that cannot be estimated has ``nan`` and a ``reason``.

    References
    ----------
    Hill W.G. (1981) Estimation of effective population size from data on
    linkage disequilibrium. Genetical Research 38:209-216.
    Waples R.S. (2006) A bias correction for estimates of effective population
    size based on linkage disequilibrium at unlinked gene loci. Conservation
    Genetics 7:167-184.
    Waples R.S. & Do C. (2008) LDNE: a program for estimating effective
    population size from data on linkage disequilibrium. Molecular Ecology
    Resources 8:753-756.
    Peel D., Waples R.S., Macbeth G.M., Do C. & Ovenden J.R. (2013) Accounting
    for missing data in the estimation of contemporary genetic effective
    population size (Ne). Molecular Ecology Resources 13:243-253.
    Jones A.T., Ovenden J.R. & Wang Y.-G. (2016) Improved confidence intervals
    for the linkage disequilibrium method for estimating effective population
    size. Heredity 117:217-223.
    Do C. et al. (2014) NeEstimator v2. Molecular Ecology Resources 14:209-214.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = GenotypeTable.from_alleles(rng.integers(100, 104, size=(30, 6, 2)), [f"L{i}" for i in range(6)])
    >>> out = estimate_ne_ld(t, pcrit=[0.05], by=None, ci=["parametric"])
    >>> out[["pop", "method", "pcrit", "s_harmonic", "n_comparisons"]].values.tolist()
    [['all', 'ld', '0.05', 30.0, 135.0]]
    """
    levels = parse_pcrit(pcrit)
    matings = [mating] if isinstance(mating, str) else list(mating)
    for m in matings:
        if m not in MATINGS:
            raise ModelError(f"mating must be one of {MATINGS}, got {m!r}")
    ci = [ci] if isinstance(ci, str) else list(ci)
    for c in ci:
        if c not in CI_KINDS:
            raise ModelError(f"ci must be among {CI_KINDS}, got {c!r}")
    check_quantiles(quantiles)
    if pairs not in PAIRS:
        raise ModelError(f"pairs must be one of {PAIRS}, got {pairs!r}")
    pair_mode = PAIRS.index(pairs)
    chrom = np.zeros(table.n_loci, dtype=np.int32)
    if pair_mode:
        names = [locus.chrom for locus in table.loci]
        unknown = [locus.name for locus in table.loci if locus.chrom is None]
        if unknown:
            raise ModelError(
                f"pairs={pairs!r} needs chromosomes for every locus; none for {', '.join(unknown[:5])}"
                + (" ..." if len(unknown) > 5 else "")
            )
        codes = {c: i for i, c in enumerate(dict.fromkeys(names))}
        chrom = np.array([codes[c] for c in names], dtype=np.int32)
    jack = "jackknife" in ci

    rows = []
    for pop, idx in populations(table, by):
        n_ind = len(idx)
        if n_ind < MIN_INDIVIDUALS:
            for m in matings:
                for label, _, _ in levels:
                    rows.append(empty_row(pop, "ld", label, n_ind, "fewer than 3 individuals", m))
            continue
        calls = diploid_calls(table, idx)
        weigh = bool((calls < 0).any())
        geno, n_alleles, counts = _local_genotypes(calls)
        eps = float(np.float32(1.0) / np.float32(8.0 * n_ind * n_ind))
        prepared = _kernel_inputs(geno, n_alleles)
        per_level = []
        ok_by, passes = {}, {}
        for label, value, singletons in levels:
            ok = _locus_ok(counts, value, singletons) & (n_alleles > 0)
            ok_by[label] = ok.astype(np.uint8)
            sums = _ld_sums(
                geno,
                n_alleles,
                ok_by[label],
                chrom,
                pair_mode,
                value,
                singletons,
                jack,
                weigh,
                eps,
                num_threads,
                prepared=prepared,
            )
            per_level.append((label, int(ok.sum()), sums))
        for m in matings:
            for (label, n_ok, sums), (_, value, singletons) in zip(per_level, levels, strict=True):
                pair_pass = partial(
                    _pair_pass, passes, (label, geno, n_alleles, ok_by[label], chrom, pair_mode),
                    (value, singletons, weigh, eps, num_threads, prepared),
                )  # fmt: skip
                rows.append(
                    _summarise(pop, label, n_ind, n_ok, sums, weigh, m, ci, quantiles, pair_pass)
                )
    return frame(rows)
