"""Probability of identity: hand-worked values, exact unbiasedness, nancycats reference values."""

import itertools
import math
import warnings

import numpy as np
import pytest

from genmon import GenotypeTable, read_genotypes
from genmon.markers import PanelPowerWarning, pi_from_frequencies, probability_of_identity


def test_hand_worked_two_equal_alleles():
    # p = (.5, .5): a2 = .5, a3 = .25, a4 = .125; PI = 2 a2^2 - a4 = .375
    # PIsibs = .25 + .25 + .125 - .03125 = .59375
    # unbiased, m = 10: [1000 * .375 - 200 * 1.25 + 10 * 6.5 - 6] / (9 * 8 * 7) = 184 / 504
    pi, unb, sibs = pi_from_frequencies(np.array([0.5, 0.5]), m=10)
    assert pi == pytest.approx(0.375)
    assert sibs == pytest.approx(0.59375)
    assert unb == pytest.approx(184 / 504)


def test_pi_is_sum_over_genotypes():
    # PI = sum over genotypes of (genotype frequency)^2 under HWE
    p = np.array([0.5, 0.3, 0.2])
    total = sum(p[i] ** 4 for i in range(3)) + sum((2 * p[i] * p[j]) ** 2 for i, j in itertools.combinations(range(3), 2))
    assert pi_from_frequencies(p)[0] == pytest.approx(total)


def test_unbiased_pi_is_exactly_unbiased_with_m_gene_copies():
    # E[PI_unb(p_hat)] over multinomial samples of m gene copies equals PI(p): checked by exact enumeration
    p = np.array([0.6, 0.3, 0.1])
    m = 6
    true_pi = pi_from_frequencies(p)[0]
    expect = 0.0
    for counts in itertools.product(range(m + 1), repeat=3):
        if sum(counts) != m:
            continue
        prob = math.factorial(m) / np.prod([math.factorial(c) for c in counts]) * np.prod(p ** np.array(counts))
        expect += prob * pi_from_frequencies(np.array(counts) / m, m=m)[1]
    assert expect == pytest.approx(true_pi, rel=1e-12)


def test_nancycats_values_and_loci_needed(test_data):
    t = read_genotypes(test_data / "nancycats/nancycats.dat")
    r = probability_of_identity(t)
    tab = r.table.set_index("locus")
    # METHODS 5.3: PI fca8 0.03103, fca37 0.17354; PIsibs fca8 0.32490, fca37 0.49025;
    # products over the 9 loci 4.13e-11 (PI) and 1.68e-4 (PIsibs)
    assert tab.loc["fca8", "pi"] == pytest.approx(0.03103, abs=5e-6)
    assert tab.loc["fca37", "pi"] == pytest.approx(0.17354, abs=5e-6)
    assert tab.loc["fca8", "pi_sibs"] == pytest.approx(0.32490, abs=5e-6)
    assert tab.loc["fca37", "pi_sibs"] == pytest.approx(0.49025, abs=5e-6)
    assert r.table["cum_pi"].iloc[-1] == pytest.approx(4.13e-11, rel=2e-3)
    assert r.table["cum_pi_sibs"].iloc[-1] == pytest.approx(1.68e-4, rel=5e-3)
    # ranked from most to least informative
    assert r.table["pi_sibs"].is_monotonic_increasing
    assert r.table["rank"].tolist() == list(range(1, 10))
    assert r.loci_needed == {0.01: 5, 0.001: 7}
    # cumulative product check
    np.testing.assert_allclose(r.table["cum_pi_sibs"], np.cumprod(r.table["pi_sibs"]))


def test_panel_that_cannot_reach_threshold_warns():
    t = GenotypeTable.from_alleles([[[1, 2], [5, 6]], [[1, 1], [5, 5]], [[2, 2], [6, 6]]], ["A", "B"])
    with pytest.warns(PanelPowerWarning, match=r"the panel's 2 loci reach PIsibs 0\.\d+, not below 0\.01"):
        r = probability_of_identity(t, thresholds=(0.01,))
    assert r.loci_needed == {0.01: None}


def test_untyped_locus_left_out_of_products():
    t = GenotypeTable.from_alleles([[[1, 2], [-1, -1]], [[1, 1], [-1, -1]], [[2, 2], [-1, -1]]], ["A", "B"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PanelPowerWarning)
        r = probability_of_identity(t)
    tab = r.table.set_index("locus")
    assert tab.loc["B", "reason"] == "no typed individuals"
    assert np.isnan(tab.loc["B", "pi"]) and np.isnan(tab.loc["B", "cum_pi"])
    assert tab.loc["A", "rank"] == 1
