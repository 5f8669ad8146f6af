"""Hardy-Weinberg exact tests: hand-worked cases, exact vs closed form vs Markov chain, kernel twin."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from genmon._ext import markers_ld as _kernels
from genmon.markers import hwe_biallelic, hwe_enumerate, hwe_exact_test, hwe_mcmc
from genmon.markers.hwe import genotype_log_probability, mcmc_picks
from tests.reference import markers as ref


def test_biallelic_hand_worked():
    # n = 3: 1 AA, 0 AB, 2 BB; allele counts 2 and 4; possible het counts 0 and 2:
    # P(0) = 3! 2! 4! / (6! 1! 0! 2!) = 0.2, P(2) = 3! 2! 4! 2^2 / (6! 0! 2! 1!) = 0.8
    p, p_def = hwe_biallelic(1, 0, 2)
    assert p == pytest.approx(0.2)
    assert p_def == pytest.approx(0.2)
    # observed 2 hets: P(2) = 0.8 is the most probable -> p = 1; deficit P(H <= 2) = 1
    assert hwe_biallelic(0, 2, 1) == pytest.approx((1.0, 1.0))


def test_biallelic_matches_wigginton_table():
    # Wigginton et al. 2005 style check: n = 100, nA = 21 (rare), observed hets = 21 -> p = 1 region;
    # the exact distribution computed independently by the Levene formula for every het count
    n, n_rare = 100, 21
    probs = {}
    for h in range(n_rare % 2, n_rare + 1, 2):
        g = np.array([[(n_rare - h) // 2, h], [0, n - h - (n_rare - h) // 2]])
        probs[h] = math.exp(genotype_log_probability(g))
    assert sum(probs.values()) == pytest.approx(1.0)
    for h_obs in (1, 5, 11, 21):
        expected = sum(v for v in probs.values() if v <= probs[h_obs] * (1 + 1e-7))
        n_aa = (n_rare - h_obs) // 2
        p, p_def = hwe_biallelic(n_aa, h_obs, n - h_obs - n_aa)
        assert p == pytest.approx(expected, rel=1e-9)
        assert p_def == pytest.approx(sum(v for k, v in probs.items() if k <= h_obs), rel=1e-9)


def test_enumeration_equals_closed_form_for_two_alleles(rng):
    for _ in range(20):
        counts = rng.integers(0, 15, size=3)
        if counts.sum() < 2:
            continue
        g = np.array([[counts[0], counts[1]], [0, counts[2]]])
        c = g.sum(0) + g.sum(1)
        if (c == 0).any():
            continue
        exact = hwe_enumerate(g)
        assert exact.p_value == pytest.approx(hwe_biallelic(*counts)[0], rel=1e-9)
        assert exact.p_deficit == pytest.approx(hwe_biallelic(*counts)[1], rel=1e-9)


def test_enumeration_probabilities_sum_to_one_three_alleles():
    # Tiny case by hand: n = 2, one copy each of alleles 0 and 1, two of allele 2.
    # Tables: {0/1, 2/2} with P = 2! 1!1!2! 2 / (4! 1! 1!) = 1/3; {0/2, 1/2}: 2! 2! 4 / 4! = 2/3.
    g1 = np.array([[0, 1, 0], [0, 0, 0], [0, 0, 1]])
    assert math.exp(genotype_log_probability(g1)) == pytest.approx(1 / 3)
    r = hwe_enumerate(g1)
    assert r.n_tables == 2
    assert r.p_value == pytest.approx(1 / 3)
    assert r.p_deficit == pytest.approx(1 / 3)  # H = 1 is the smallest possible


def test_enumeration_gives_up_beyond_budget():
    g = np.diag([10, 10, 10, 10])
    assert hwe_enumerate(g, max_tables=10) is None
    t = hwe_exact_test(g, np.random.default_rng(1), max_tables=10, burn_in=100, n_batches=5, batch_size=200)
    assert t.method == "mcmc" and t.steps == 1100


def test_mcmc_agrees_with_enumeration():
    g = np.array([[3, 4, 1], [0, 2, 3], [0, 0, 5]])
    exact = hwe_enumerate(g)
    chain = hwe_mcmc(g, np.random.default_rng(7))
    assert chain.steps == 110_000
    assert abs(chain.p_value - exact.p_value) < 4 * chain.se + 1e-3
    g5 = np.array([[1, 4, 1, 2, 0], [0, 2, 3, 1, 1], [0, 0, 0, 3, 1], [0, 0, 0, 2, 2], [0, 0, 0, 0, 1]])
    exact5 = hwe_enumerate(g5, max_tables=10**6)
    chain5 = hwe_mcmc(g5, np.random.default_rng(3))
    assert abs(chain5.p_value - exact5.p_value) < 4 * chain5.se + 1e-3
    assert abs(chain5.p_deficit - exact5.p_deficit) < 0.02


def test_mcmc_is_seeded():
    g = np.array([[1, 4, 1, 2, 0], [0, 2, 3, 1, 1], [0, 0, 0, 3, 1], [0, 0, 0, 2, 2], [0, 0, 0, 0, 1]])
    a = hwe_mcmc(g, np.random.default_rng(11), burn_in=500, n_batches=4, batch_size=500)
    b = hwe_mcmc(g, np.random.default_rng(11), burn_in=500, n_batches=4, batch_size=500)
    assert a == b


def test_monomorphic_is_nan():
    t = hwe_exact_test(np.array([[5]]))
    assert math.isnan(t.p_value) and t.method == ""


def _geno_strategy():
    return st.integers(2, 5).flatmap(
        lambda k: st.lists(st.integers(0, 4), min_size=k * k, max_size=k * k).map(
            lambda v: np.triu(np.array(v, dtype=np.int64).reshape(k, k))
        )
    )


@settings(max_examples=40, deadline=None)
@given(_geno_strategy(), st.integers(0, 2**31 - 1))
def test_chain_kernel_matches_twin(geno, seed):
    k = len(geno)
    rng = np.random.default_rng(seed)
    burn, batch, n_batches = 50, 40, 3
    picks, u = mcmc_picks(rng, k, burn + batch * n_batches)
    n_le = np.zeros(n_batches, dtype=np.int64)
    n_het = np.zeros(n_batches, dtype=np.int64)
    h_obs = int(geno.sum() - np.trace(geno))
    _kernels._hwe_chain(np.ascontiguousarray(geno.copy()), picks, u, burn, batch, h_obs, n_le, n_het, 1e-7)
    t_le, t_het = ref.hwe_chain(geno, picks, u, burn, batch, n_batches)
    np.testing.assert_array_equal(n_le, t_le)
    np.testing.assert_array_equal(n_het, t_het)


@pytest.mark.slow
def test_p_values_uniform_under_hwe():
    # Loci simulated under HWE: the exact tests' p-values must be (near) uniform.
    rng = np.random.default_rng(2026)
    p_bi, p_multi = [], []
    for _ in range(400):
        f = rng.dirichlet([2, 2])
        g = rng.choice(2, size=(60, 2), p=f)
        counts = np.zeros((2, 2), dtype=np.int64)
        np.add.at(counts, (g.min(1), g.max(1)), 1)
        t = hwe_exact_test(counts)
        if not math.isnan(t.p_value):
            p_bi.append(t.p_value)
    for _ in range(150):
        f = rng.dirichlet(np.full(6, 2.0))
        g = rng.choice(6, size=(40, 2), p=f)
        counts = np.zeros((6, 6), dtype=np.int64)
        np.add.at(counts, (g.min(1), g.max(1)), 1)
        t = hwe_exact_test(counts, rng, burn_in=1000, n_batches=10, batch_size=1000)
        p_multi.append(t.p_value)
    p_bi, p_multi = np.array(p_bi), np.array(p_multi)
    # discrete biallelic test: conservative, never anti-conservative
    assert (p_bi <= 0.05).mean() <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / len(p_bi))
    assert 0.4 < p_bi.mean() < 0.65
    # multi-allelic: close to continuous -> Kolmogorov-Smirnov against U(0, 1)
    assert stats.kstest(p_multi, "uniform").pvalue > 0.001
    assert abs((p_multi <= 0.1).mean() - 0.1) < 0.08


def test_levene_probabilities_match_random_pairing_of_gene_copies():
    # The conditional HWE distribution is that of pairing the 2n gene copies at random into n
    # individuals: enumerate all (2n)! orders of the pool, pair consecutive copies, tally the tables.
    from collections import Counter
    from itertools import permutations

    pool = [0, 0, 1, 1, 1, 2, 2, 3]  # n = 4 individuals, 4 alleles
    tally = Counter()
    for order in permutations(range(len(pool))):
        g = np.zeros((4, 4), dtype=np.int64)
        for a, b in zip(order[0::2], order[1::2], strict=True):
            x, y = sorted((pool[a], pool[b]))
            g[x, y] += 1
        tally[g.tobytes()] += 1
    total = sum(tally.values())
    assert len(tally) > 5
    for key, count in tally.items():
        g = np.frombuffer(key, dtype=np.int64).reshape(4, 4)
        assert math.exp(genotype_log_probability(g)) == pytest.approx(count / total, rel=1e-9)
    # and the enumeration's p-value is the sum over tables no more probable than the observed
    observed = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]])
    p_obs = math.exp(genotype_log_probability(observed))
    brute = sum(c / total for key, c in tally.items()
                if math.exp(genotype_log_probability(np.frombuffer(key, dtype=np.int64).reshape(4, 4))) <= p_obs * (1 + 1e-7))
    assert hwe_enumerate(observed).p_value == pytest.approx(brute, rel=1e-9)
    assert hwe_enumerate(observed).n_tables == len(tally)
