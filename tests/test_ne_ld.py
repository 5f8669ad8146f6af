import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genmon import GenotypeTable
from genmon.exceptions import ModelError
from genmon.model import Locus
from genmon.ne import chi2_limits, estimate_ne_ld, expected_r2, ne_from_r2, parse_pcrit, t_quantile
from genmon.ne.ld import _ld_sums, _local_genotypes, _locus_ok
from tests.reference import ne as ref


def _table(values, names=None, pops=None, chrom=None):
    values = np.asarray(values)
    names = names or [f"L{j}" for j in range(values.shape[1])]
    samples = pd.DataFrame({"sample_id": [f"S{i}" for i in range(values.shape[0])]})
    if pops is not None:
        samples["population"] = pops
    t = GenotypeTable.from_alleles(values, names, samples=samples)
    if chrom is not None:
        t = GenotypeTable(
            t.call_genotype,
            [Locus(lc.name, lc.alleles, chrom=c) for lc, c in zip(t.loci, chrom, strict=True)],
            t.samples,
        )
    return t


def test_hand_worked_pair():
    # Two biallelic loci, S = 4, no missing data, Pcrit 0:
    #   individual  locus A   locus B   cA  cB  cA*cB
    #   1           1/1       1/1       2   2   4
    #   2           1/2       1/2       1   1   1
    #   3           2/2       2/2       0   0   0
    #   4           1/2       2/2       1   0   0
    # p = 4/8 = 0.5, q = 3/8; hA = 1/4, hB = 1/4.
    # D = [S/(S-1)] (sum cA cB/(2S) - 2pq) = (4/3)(5/8 - 3/8) = 1/3
    # varA = p(1-p) + hA - p^2 = 0.25;  varB = q(1-q) + hB - q^2 = 15/64 + 1/4 - 9/64 = 22/64
    # r^2 = (1/9) / (0.25 * 22/64) = 1.2929 -> capped at 1 (Burrows' D with the S/(S-1) factor)
    # Independent alleles 1 x 1 = 1, E(r^2) at S = 4: 0.0018 + 0.907/4 + 4.44/16 = 0.50605
    t = _table([[[1, 1], [1, 1]], [[1, 2], [1, 2]], [[2, 2], [2, 2]], [[1, 2], [2, 2]]])
    out = estimate_ne_ld(t, pcrit=[0], by=None, ci=["parametric"]).iloc[0]
    assert out["n_comparisons"] == 1 and out["s_harmonic"] == 4
    assert out["r2"] == pytest.approx(1.0)
    assert out["r2_expected"] == pytest.approx(0.0018 + 0.907 / 4 + 4.44 / 16)
    # r' = 1 - 0.50655 > 0.308^2/2.08: square root taken as 0, Ne = 0.308 / (2 r')
    assert out["ne"] == pytest.approx(0.308 / (2 * (1 - 0.50605)))


def test_hand_worked_uncapped_pair():
    # S = 6; locus A: 1/1 1/2 1/2 2/2 1/1 2/2 (cA 2 1 1 0 2 0), locus B: 1/1 1/1 2/2 2/2 1/2 1/2 (cB 2 2 0 0 1 1)
    # p = 6/12 = 0.5, q = 6/12 = 0.5, hA = 2/6, hB = 2/6
    # sum cA cB = 4 + 2 + 0 + 0 + 2 + 0 = 8;  D = (6/5)(8/12 - 0.5) = 0.2
    # varA = varB = 0.25 + 1/3 - 0.25 = 1/3;  r^2 = 0.04 / (1/9) = 0.36
    a = [[1, 1], [1, 2], [1, 2], [2, 2], [1, 1], [2, 2]]
    b = [[1, 1], [1, 1], [2, 2], [2, 2], [1, 2], [1, 2]]
    t = _table(np.stack([a, b], axis=1))
    out = estimate_ne_ld(t, pcrit=[0], by=None, ci=[]).iloc[0]
    assert out["r2"] == pytest.approx(0.36)


def test_ne_formulas():
    # Waples 2006 / Waples & Do 2008 forms, worked: S >= 30, r' = 0.01:
    # (1/3 + sqrt(1/9 - 0.0276)) / 0.02 = (0.333333 + 0.288483) / 0.02 = 31.0908
    assert ne_from_r2(0.01, 50) == pytest.approx((1 / 3 + math.sqrt(1 / 9 - 0.0276)) / 0.02)
    assert ne_from_r2(0.01, 50, "monogamy") == pytest.approx(
        (2 / 3 + math.sqrt(4 / 9 - 0.072)) / 0.02
    )
    assert ne_from_r2(0.01, 20) == pytest.approx((0.308 + math.sqrt(0.308**2 - 0.0208)) / 0.02)
    assert ne_from_r2(0.01, 20, "monogamy") == pytest.approx(
        (0.618 + math.sqrt(0.618**2 - 0.0524)) / 0.02
    )
    assert ne_from_r2(0.0, 20) >= 1e11
    assert ne_from_r2(-0.001, 20) < 0
    assert expected_r2(30) == pytest.approx(1 / 30 + 3.19 / 900)
    assert expected_r2(29) == pytest.approx(0.0018 + 0.907 / 29 + 4.44 / 29**2)


def test_quantile_rules():
    # NeEstimator's table rule vs exact values
    assert chi2_limits(1, 1.0)[1] == pytest.approx(1 / 0.001)
    assert chi2_limits(15, 1.0)[1] == pytest.approx(15 / 6.27)
    assert chi2_limits(35, 1.0)[1] == pytest.approx(35 / 20.61)  # midway between df 30 and 40
    assert chi2_limits(35, 1.0, "exact")[1] == pytest.approx(35 / 20.569377, rel=1e-6)
    # Wilson-Hilferty above df 100: a = 2/(9 * 404526) = 5.4934e-7, 1.96 sqrt(a) = 0.0014527,
    # (1 - a -+ 0.0014527)^3 = 0.995646 / 1.004365 -> 0.065636 / that = 0.065923 / 0.065351
    low, high = chi2_limits(404526, 0.065636)
    assert (round(low, 6), round(high, 6)) == (0.065351, 0.065923)
    assert t_quantile(20) == 2.086 and t_quantile(101) == 1.96


def test_parse_pcrit_errors():
    with pytest.raises(ModelError, match="Pcrit 'x'"):
        parse_pcrit("x")
    with pytest.raises(ModelError, match="Pcrit 0.6"):
        parse_pcrit([0.6])


def test_named_nan_results():
    rng = np.random.default_rng(3)
    vals = rng.integers(1, 4, size=(7, 3, 2))
    t = _table(vals, pops=["A", "A", "B", "B", "B", "B", "B"])
    out = estimate_ne_ld(t, pcrit=[0.05])
    a = out[out["pop"] == "A"].iloc[0]
    assert np.isnan(a["ne"]) and a["reason"] == "fewer than 3 individuals"
    # every locus monomorphic: no locus passes Pcrit
    mono = _table(np.ones((5, 3, 2), dtype=int))
    row = estimate_ne_ld(mono, pcrit=[0.05], by=None).iloc[0]
    assert np.isnan(row["ne"]) and row["reason"] == "fewer than 2 loci pass Pcrit"
    # two loci never typed in the same individuals: no pair
    v = np.array(
        [
            [[1, 2], [-1, -1]],
            [[1, 1], [-1, -1]],
            [[2, 2], [-1, -1]],
            [[-1, -1], [1, 2]],
            [[-1, -1], [2, 2]],
            [[-1, -1], [1, 1]],
        ]
    )
    row = estimate_ne_ld(_table(v), pcrit=[0], by=None).iloc[0]
    assert np.isnan(row["ne"]) and row["reason"] == "no pair of loci passes Pcrit"


def test_pairs_between_chromosomes():
    rng = np.random.default_rng(5)
    vals = rng.integers(1, 3, size=(30, 4, 2))
    t = _table(vals, chrom=["1", "1", "2", "2"])
    between = estimate_ne_ld(t, pcrit=[0], by=None, ci=[], pairs="between_chromosomes").iloc[0]
    within = estimate_ne_ld(t, pcrit=[0], by=None, ci=[], pairs="within_chromosomes").iloc[0]
    every = estimate_ne_ld(t, pcrit=[0], by=None, ci=[]).iloc[0]
    assert (between["n_pairs"], within["n_pairs"], every["n_pairs"]) == (4, 2, 6)
    with pytest.raises(ModelError, match="needs chromosomes"):
        estimate_ne_ld(_table(vals), pcrit=[0], by=None, pairs="between_chromosomes")


def _kernel_totals(geno, n_alleles, ok, cutoff, singleton, jack, weigh, eps, threads=1):
    chrom = np.zeros(geno.shape[1], dtype=np.int32)
    w_s, r_s, p_s, base, num, den, rej = _ld_sums(
        geno, n_alleles, ok.astype(np.uint8), chrom, 0, cutoff, singleton, jack, weigh, eps, threads
    )
    return w_s, r_s, p_s, base[0] + num, base[1] + den, rej


def _random_calls(shape):
    """(rng, population-local genotypes, allele counts per locus, counts) from a hypothesis shape."""
    n, n_loci, n_al, seed, missing = shape
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, n_al + 1, size=(n, n_loci, 2)).astype(np.int16)
    calls[rng.random((n, n_loci)) < missing] = -1
    return rng, *_local_genotypes(calls)


genotypes = st.tuples(
    st.integers(3, 12),
    st.integers(2, 5),
    st.integers(1, 4),
    st.integers(0, 2**31 - 1),
    st.floats(0, 0.4),
)


@settings(max_examples=60, deadline=None)
@given(
    genotypes,
    st.sampled_from(
        [("0", 0.0, False), ("0.05", 0.05, False), ("0.2", 0.2, False), ("nos", 0.0, True)]
    ),
    st.booleans(),
)
def test_kernel_matches_twin(shape, level, weigh):
    rng, geno, n_alleles, counts = _random_calls(shape)
    n, n_loci = geno.shape[:2]
    _, cutoff, singleton = level
    ok = _locus_ok(counts, cutoff, singleton) & (n_alleles > 0)
    eps = float(np.float32(1.0) / np.float32(8.0 * n * n))
    got = _kernel_totals(geno, n_alleles, ok, cutoff, singleton, True, weigh, eps)
    want = ref.ld_pairs(geno, n_alleles, ok, cutoff, singleton, True, weigh, eps)
    np.testing.assert_array_equal(got[0], want[0])  # weights: integers
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(got[2], want[2])
    np.testing.assert_allclose(got[3], want[3], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[4], want[4], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(got[5], want[5])


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_thread_count_does_not_change_results(seed):
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, 3, size=(25, 40, 2)).astype(np.int16)
    calls[rng.random((25, 40)) < 0.1] = -1
    geno, n_alleles, counts = _local_genotypes(calls)
    ok = _locus_ok(counts, 0.05, False)
    one = _kernel_totals(geno, n_alleles, ok, 0.05, False, True, True, 1e-4, threads=1)
    two = _kernel_totals(geno, n_alleles, ok, 0.05, False, True, True, 1e-4, threads=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


def test_permuting_loci_and_individuals_keeps_estimates():
    rng = np.random.default_rng(11)
    vals = rng.integers(1, 5, size=(40, 8, 2))
    vals[rng.random((40, 8)) < 0.1] = -1
    t = _table(vals)
    base = estimate_ne_ld(t, by=None)
    perm = _table(vals[rng.permutation(40)][:, rng.permutation(8)])
    other = estimate_ne_ld(perm, by=None)
    cols = ["s_harmonic", "n_comparisons", "r2", "r2_expected", "ne", "ci_param_low", "ci_jack_low"]
    np.testing.assert_allclose(base[cols].to_numpy(float), other[cols].to_numpy(float), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(3, 150), st.integers(2, 6), st.integers(0, 2**31 - 1), st.floats(0, 0.4)),
    st.sampled_from([(0.0, False), (0.05, False), (0.2, False), (0.0, True)]),
    st.booleans(),
)
def test_bit_set_path_matches_general_path(shape, level, weigh):
    # Pairs of two-allele loci are counted from bit sets (popcounts) and their
    # leave-one-out terms tabled by copy numbers; the general path must give the
    # same sums (up to float rounding of one vs four equal allele-pair r^2 values).
    n, n_loci, seed, missing = shape
    rng = np.random.default_rng(seed)
    calls = rng.integers(0, 2, size=(n, n_loci, 2)).astype(np.int16)
    calls[rng.random((n, n_loci)) < missing] = -1
    geno, n_alleles, counts = _local_genotypes(calls)
    cutoff, singleton = level
    ok = (_locus_ok(counts, cutoff, singleton) & (n_alleles > 0)).astype(np.uint8)
    chrom = np.zeros(n_loci, dtype=np.int32)
    eps = float(np.float32(1.0) / np.float32(8.0 * n * n))
    for jack in (False, True):
        fast = _ld_sums(
            geno, n_alleles, ok, chrom, 0, cutoff, singleton, jack, weigh, eps, 1, use_bits=True
        )
        slow = _ld_sums(
            geno, n_alleles, ok, chrom, 0, cutoff, singleton, jack, weigh, eps, 1, use_bits=False
        )
        np.testing.assert_array_equal(fast[0], slow[0])
        np.testing.assert_allclose(fast[1], slow[1], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(fast[2], slow[2])
        for a, b in zip(fast[3:], slow[3:], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)


def test_hand_worked_jackknife_over_locus_pairs():
    # Loci A, B as in test_hand_worked_uncapped_pair (r^2 0.36) and C = A, S = 6, Pcrit 0:
    # r^2(A,B) = 0.36; r^2(A,C): D = (6/5)(sum cA^2/12 - 2 p^2) = (6/5)(10/12 - 0.5) = 0.4,
    # 0.16 / (1/9) = 1.44 -> capped at 1; r^2(B,C) = r^2(A,B) = 0.36.  Weights 1, W = 3.
    # rbar = 1.72/3 = 0.573333; pair left out -> mean of the other two: AB 0.68, AC 0.36, BC 0.68;
    # deviations 0.106667, -0.213333, 0.106667; sum of squares 0.0682667;
    # var = (2/3) 0.0682667 = 0.0455111; phi = var / rbar^2 = 0.138452; df = round(14.445) = 14.
    # chi2(14) 2.5 % / 97.5 % (NeEstimator table) 5.63 / 26.12: r^2 limits 14 rbar / 26.12 =
    # 0.3072997 and 14 rbar / 5.63 = 1.425696; E(r^2) at S = 6: 0.0018 + 0.907/6 + 4.44/36 = 0.2763.
    # low: r' = 1.149396, square root of 0.094864 - 2.08 r' < 0 -> 0, Ne = 0.308 / (2 r') = 0.133983;
    # high: r' = 0.0309997, sqrt(0.094864 - 0.0644793) = 0.174312, Ne = 0.482312 / 0.0619993 = 7.7793.
    a = [[1, 1], [1, 2], [1, 2], [2, 2], [1, 1], [2, 2]]
    b = [[1, 1], [1, 1], [2, 2], [2, 2], [1, 2], [1, 2]]
    t = _table(np.stack([a, b, a], axis=1))
    out = estimate_ne_ld(t, pcrit=[0], by=None, ci=["jackknife-loci"]).iloc[0]
    assert out["r2"] == pytest.approx(1.72 / 3)
    assert out["jackloci_df"] == 14
    assert out["ci_jackloci_low"] == pytest.approx(0.133983, abs=2e-6)
    assert out["ci_jackloci_high"] == pytest.approx(7.7793, abs=1e-4)
    assert np.isnan(out["ci_jack_low"]) and np.isnan(out["ci_param_low"])  # only what was asked


def test_jackknife_over_locus_pairs_needs_two_pairs():
    a = [[1, 1], [1, 2], [1, 2], [2, 2], [1, 1], [2, 2]]
    b = [[1, 1], [1, 1], [2, 2], [2, 2], [1, 2], [1, 2]]
    out = estimate_ne_ld(
        _table(np.stack([a, b], axis=1)), pcrit=[0], by=None, ci=["jackknife-loci"]
    )
    row = out.iloc[0]
    assert np.isnan(row["ci_jackloci_low"]) and np.isfinite(row["ne"])
    assert row["reason"] == "jackknife over locus pairs needs at least 2 pairs"
    with pytest.raises(ModelError, match="ci must be among"):
        estimate_ne_ld(_table(np.stack([a, b], axis=1)), by=None, ci=["jackknife-samples"])


def _final_factor(rng, n, weigh):
    s = np.arange(n + 1, dtype=float)
    if not weigh:
        return np.ones(n + 1)
    return s * s / (3 * rng.uniform(5, 500) + s) ** 2


@settings(max_examples=60, deadline=None)
@given(
    genotypes,
    st.sampled_from([(0.0, False), (0.05, False), (0.2, False), (0.0, True)]),
    st.booleans(),
)
def test_pair_jackknife_matches_twin(shape, level, weigh):
    # The kernel's closed form w_k/(W - w_k) (rbar - r_k) against means recomputed
    # without each pair, with final weights from an arbitrary S-factor.
    rng, geno, n_alleles, counts = _random_calls(shape)
    n, n_loci = geno.shape[:2]
    cutoff, singleton = level
    ok = (_locus_ok(counts, cutoff, singleton) & (n_alleles > 0)).astype(np.uint8)
    eps = float(np.float32(1.0) / np.float32(8.0 * n * n))
    factor = _final_factor(rng, n, weigh)
    want = ref.pair_jackknife(geno, n_alleles, ok, cutoff, singleton, eps, factor)
    if want is None:  # no pair with weight: the estimator stops before this pass
        return
    sum_sq, total, rbar, n_pairs, undefined = want
    chrom = np.zeros(n_loci, dtype=np.int32)
    for use_bits in (True, False):
        got = _ld_sums(
            geno, n_alleles, ok, chrom, 0, cutoff, singleton, False, weigh, eps, 1,
            use_bits=use_bits, pair_jack=(factor, total, rbar),
        )  # fmt: skip
        assert got[2].sum() == n_pairs and got[-1][1] == undefined
        np.testing.assert_allclose(got[-1][0], sum_sq, rtol=1e-9, atol=1e-15)


def test_pair_jackknife_does_not_depend_on_threads():
    rng = np.random.default_rng(8)
    calls = rng.integers(0, 4, size=(30, 60, 2)).astype(np.int16)
    calls[rng.random((30, 60)) < 0.1] = -1
    t = GenotypeTable.from_alleles(
        np.where(calls < 0, -1, calls + 100), [f"L{j}" for j in range(60)]
    )
    one = estimate_ne_ld(t, by=None, ci=["jackknife-loci"], num_threads=1)
    two = estimate_ne_ld(t, by=None, ci=["jackknife-loci"], num_threads=2)
    cols = ["ci_jackloci_low", "ci_jackloci_high", "jackloci_df"]
    np.testing.assert_array_equal(one[cols].to_numpy(float), two[cols].to_numpy(float))
    assert one["jackloci_df"].notna().all()


def test_loci_typed_in_too_few_individuals():
    # Loci typed in one or two individuals of ten: every method returns its rows
    # (NeEstimator keeps such loci: a pair typed in one individual has r^2 = 0, no
    # S/(S-1) factor); where nothing can be estimated the row is nan with a reason.
    from genmon.ne import estimate_ne

    rng = np.random.default_rng(1)
    v = rng.integers(1, 4, size=(10, 4, 2))
    v[0, 0] = [1, 2]
    v[1:, 0] = -1  # L0: one individual
    v[2:, 1] = -1  # L1: two individuals
    cis = ["parametric", "jackknife", "jackknife-loci"]
    out = estimate_ne(_table(v), ["ld", "hetx", "coancestry"], [0.05], by=None, ci=cis)
    assert list(out["method"]) == ["ld", "hetx", "coancestry"]
    ld = out.iloc[0]
    assert ld["n_loci"] == 4 and np.isfinite(ld["ne"]) and ld["s_harmonic"] < 10
    only_one = v.copy()
    only_one[1:] = -1  # every locus typed in the first individual only
    out = estimate_ne(_table(only_one), ["ld", "hetx", "coancestry"], [0.05], by=None, ci=cis)
    rows = out.set_index("method")
    assert (
        np.isnan(rows.loc["ld", "ne"])
        and rows.loc["ld", "reason"] == "fewer than 2 loci pass Pcrit"
    )
    assert rows.loc["coancestry", "reason"] == "fewer than 2 polymorphic loci"
    assert rows.loc["hetx", "s_harmonic"] == 1.0  # one heterozygote: D = 0, Nb infinite
    assert rows.loc["hetx", "ne"] == float("inf")
