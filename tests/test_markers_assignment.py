"""Population assignment: likelihoods by hand, leave-one-out, exclusion and migrant calibration."""

import numpy as np
import pandas as pd
import pytest

from genmon import GenotypeTable
from genmon.markers import SmallPopulationWarning, assign_individuals, genotype_log10_likelihoods


def test_rannala_mountain_hand_worked():
    # k = 2, counts (3, 1), N = 4, prior 1/2 per allele:
    # 0/0: (3.5)(4.5)/(5*6) = .525; 0/1: 2(3.5)(1.5)/30 = .35; 1/1: (1.5)(2.5)/30 = .125
    c = np.array([3.0, 1.0])
    probs = [10 ** float(genotype_log10_likelihoods(c, np.array(a), np.array(b))) for a, b in [(0, 0), (0, 1), (1, 1)]]
    assert probs == pytest.approx([0.525, 0.35, 0.125])


def test_paetkau_hand_worked():
    # frequencies (.75, .25): 0/0 .5625, 0/1 .375
    c = np.array([0.75, 0.25])
    assert 10 ** float(genotype_log10_likelihoods(c, np.array(0), np.array(0), "paetkau")) == pytest.approx(0.5625)
    assert 10 ** float(genotype_log10_likelihoods(c, np.array(0), np.array(1), "paetkau")) == pytest.approx(0.375)


def test_leave_one_out_by_hand():
    # One locus; pop X = {1/1, 1/2}, pop Y = {2/2, 2/2}; individual a = 1/1 in X.
    # Leave-one-out X counts: (1, 1), N = 2 -> P(1/1) = (1.5)(2.5)/(3*4) = .3125
    # Y counts (0, 4), N = 4 -> P(1/1) = (.5)(1.5)/(5*6) = .025
    t = GenotypeTable.from_alleles([[[1, 1]], [[1, 2]], [[2, 2]], [[2, 2]]], ["L"],
                                   samples=pd.DataFrame({"sample_id": list("abcd"), "population": list("XXYY")}))
    r = assign_individuals(t, n_sim=200, seed=1).set_index("sample_id")
    assert 10 ** r.loc["a", "log10_l_X"] == pytest.approx(0.3125)
    assert 10 ** r.loc["a", "log10_l_Y"] == pytest.approx(0.025)
    assert r.loc["a", "assigned"] == "X"
    assert r.loc["a", "score_X"] == pytest.approx(100 * 0.3125 / 0.3375)
    assert r.loc["a", "l_home_over_max"] == 0.0


def _simulated(diff, seed, n=30, loci=10, pops=3):
    rng = np.random.default_rng(seed)
    base = [rng.dirichlet(np.ones(6)) for _ in range(loci)]
    vals, lab = [], []
    for p in range(pops):
        freqs = [rng.dirichlet(b * diff) for b in base]
        for _ in range(n):
            vals.append([[100 + rng.choice(6, p=f), 100 + rng.choice(6, p=f)] for f in freqs])
            lab.append(f"P{p}")
    return GenotypeTable.from_alleles(np.array(vals), [f"L{j}" for j in range(loci)],
                                      samples=pd.DataFrame({"sample_id": [f"s{i}" for i in range(len(lab))],
                                                            "population": lab}))


def test_strong_structure_assigns_correctly():
    t = _simulated(diff=2.0, seed=1)
    r = assign_individuals(t, n_sim=500, seed=2)
    assert (r["assigned"] == r["population"]).mean() > 0.95
    assert {"log10_l_P0", "score_P2", "p_P1", "migrant_p", "migrant_flag"} <= set(r.columns)
    np.testing.assert_allclose(r[["score_P0", "score_P1", "score_P2"]].sum(axis=1), 100)


def test_migrant_and_exclusion_p_calibrated_without_migrants():
    # no migrants: the share of residents with p < 0.05 should be near 0.05
    rates, excl = [], []
    for seed in range(3):
        t = _simulated(diff=20.0, seed=10 + seed)
        r = assign_individuals(t, n_sim=1000, seed=seed)
        rates.append((r["migrant_p"] < 0.05).mean())
        home = r.apply(lambda row: row[f"p_{row['population']}"], axis=1)
        excl.append((home < 0.05).mean())
    assert np.mean(rates) < 0.10
    assert np.mean(excl) < 0.10


def test_transplanted_individual_is_flagged():
    t = _simulated(diff=1.0, seed=4, n=30)
    # relabel an individual of P0 as a member of P2: a first-generation migrant into P2
    t.samples.loc[0, "population"] = "P2"
    r = assign_individuals(t, n_sim=2000, seed=5).set_index("sample_id")
    assert r.loc["s0", "assigned"] == "P0"
    assert r.loc["s0", "migrant_flag"]
    assert r.loc["s0", "p_P2"] < 0.01


def test_population_of_one_warns_and_seed_reproducible():
    t = _simulated(diff=2.0, seed=6, n=5, loci=3, pops=2)
    t.samples.loc[0, "population"] = "solo"
    with pytest.warns(SmallPopulationWarning, match="population solo: one individual"):
        a = assign_individuals(t, n_sim=100, seed=9)
    with pytest.warns(SmallPopulationWarning):
        b = assign_individuals(t, n_sim=100, seed=9)
    pd.testing.assert_frame_equal(a, b)


def test_bad_method():
    t = _simulated(diff=2.0, seed=6, n=3, loci=1, pops=2)
    with pytest.raises(ValueError, match="method"):
        assign_individuals(t, method="bayes")
