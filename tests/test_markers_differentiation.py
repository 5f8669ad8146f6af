"""Differentiation: WC84 vs scikit-allel, Jost's D and G''_ST by hand, CIs and permutation p-values."""

import warnings

import allel
import numpy as np
import pandas as pd
import pytest

from genmon import GenotypeTable, read_genotypes
from genmon.markers import (
    SmallPopulationWarning,
    differentiation,
    g2st,
    jost_d,
    nei_chesser,
    wc84_components,
)


@pytest.fixture(scope="module")
def nancycats():
    from tests.conftest import TEST_DATA

    return read_genotypes(TEST_DATA / "nancycats/nancycats.dat")


def _allel_components(table, locus):
    pops = table.samples["population"].astype(str).to_numpy()
    g = table.to_allel()[locus : locus + 1]
    typed = (table.call_genotype[:, locus] >= 0).all(1)
    # scikit-allel needs each population typed at the locus: leave out empty ones, as genmon does
    subs = [list(np.nonzero((pops == p) & typed)[0]) for p in sorted(set(pops), key=int)]
    subs = [s for s in subs if s]
    with np.errstate(all="ignore"):
        a, b, c = allel.weir_cockerham_fst(g, subs, max_allele=table.loci[locus].n_alleles - 1)
    return np.nansum(a), np.nansum(b), np.nansum(c)


def test_wc84_matches_scikit_allel_on_nancycats(nancycats):
    out = differentiation(nancycats, n_boot=0, n_perm=0, pairwise=False)
    per_locus = out[out.scope == "locus"].set_index("locus")
    sums = np.zeros(3)
    for j, locus in enumerate(nancycats.loci):
        a, b, c = _allel_components(nancycats, j)
        sums += (a, b, c)
        assert per_locus.loc[locus.name, "fst"] == pytest.approx(a / (a + b + c), abs=1e-10)
        assert per_locus.loc[locus.name, "fis"] == pytest.approx(1 - c / (b + c), abs=1e-10)
        assert per_locus.loc[locus.name, "fit"] == pytest.approx(1 - c / (a + b + c), abs=1e-10)
    overall = out[out.scope == "overall"].iloc[0]
    assert overall["fst"] == pytest.approx(sums[0] / sums.sum(), abs=1e-10)
    assert overall["fis"] == pytest.approx(1 - sums[2] / (sums[1] + sums[2]), abs=1e-10)


def test_nei_chesser_and_jost_d_match_hierfstat(nancycats, test_data):
    ref = pd.read_csv(test_data / "reference/markers/hierfstat_basic_stats_nancycats.tsv", sep="\t",
                      comment="#").set_index("locus")
    out = differentiation(nancycats, n_boot=0, n_perm=0, pairwise=False)
    out["locus"] = out["locus"].where(out["scope"] != "overall", "overall")
    out = out.set_index("locus")
    for locus, row in ref.iterrows():
        mine = out.loc[locus]
        assert round(mine["hs"], 4) == pytest.approx(row["Hs"], abs=1e-12), locus
        assert round(mine["ht"], 4) == pytest.approx(row["Ht"], abs=1e-12), locus
        assert round(mine["ht"] - mine["hs"], 4) == pytest.approx(row["Dst"], abs=1e-12), locus
        assert round(mine["jost_d"], 4) == pytest.approx(row["Dest"], abs=1e-12), locus
    assert out.loc["fca45", "n_pops"] == 16


def test_wc84_hand_worked_fixed_difference():
    # pop 1 = {1/1, 1/1}, pop 2 = {2/2, 2/2}: nbar = nc = 2, s2 = .5 and pq = .25 per allele,
    # hbar = 0 -> a = .5, b = 0, c = 0 per allele -> F_ST = 1
    a, b, c = wc84_components(np.array([[4, 0], [0, 4]]), np.zeros((2, 2)), np.array([2, 2]))
    assert (a, b, c) == pytest.approx((1.0, 0.0, 0.0))


def test_jost_d_and_g2st_hand_worked():
    # pop 1 = {1/1, 1/2}, pop 2 = {2/2, 2/2}: Hs = .25, Ht = .5 (see nei_chesser's docstring)
    hs, ht = nei_chesser(np.array([[3, 1], [0, 4]]), np.array([2, 2]), np.array([1, 0]))
    assert (hs, ht) == pytest.approx((0.25, 0.5))
    # D = k/(k-1) (Ht - Hs)/(1 - Hs) = 2 * .25/.75 = 2/3
    assert jost_d(hs, ht, 2) == pytest.approx(2 / 3)
    # G''st = k (Ht - Hs)/((k Ht - Hs)(1 - Hs)) = .5 / (.75 * .75) = 8/9
    assert g2st(hs, ht, 2) == pytest.approx(8 / 9)
    t = GenotypeTable.from_alleles([[[1, 1]], [[1, 2]], [[2, 2]], [[2, 2]]], ["A"],
                                   samples=pd.DataFrame({"sample_id": list("abcd"), "population": list("xxyy")}))
    row = differentiation(t, n_boot=0, n_perm=0).set_index("scope").loc["overall"]
    assert row["jost_d"] == pytest.approx(2 / 3) and row["g2st"] == pytest.approx(8 / 9)


def _random_table(n_pops=3, n=25, loci=8, diff=0.0, seed=0):
    rng = np.random.default_rng(seed)
    vals, pops = [], []
    base = [rng.dirichlet(np.ones(5)) for _ in range(loci)]
    for p in range(n_pops):
        freqs = [rng.dirichlet(b * 10) if diff else b for b in base]
        for _ in range(n):
            vals.append([[100 + rng.choice(5, p=f), 100 + rng.choice(5, p=f)] for f in freqs])
            pops.append(f"P{p}")
    return GenotypeTable.from_alleles(np.array(vals), [f"L{j}" for j in range(loci)],
                                      samples=pd.DataFrame({"sample_id": [f"s{i}" for i in range(len(pops))],
                                                            "population": pops}))


def test_ci_and_permutations():
    diverged = differentiation(_random_table(diff=1.0, seed=1), n_boot=300, n_perm=199, seed=2)
    ov = diverged[diverged.scope == "overall"].iloc[0]
    assert ov["fst_ci_low"] <= ov["fst"] <= ov["fst_ci_high"]
    assert ov["jost_d_ci_low"] <= ov["jost_d"] <= ov["jost_d_ci_high"]
    assert ov["fst_p"] == pytest.approx(1 / 200) and ov["g2st_p"] == pytest.approx(1 / 200)
    pw = diverged[diverged.scope == "pairwise"]
    assert list(zip(pw.pop_a, pw.pop_b, strict=True)) == [("P0", "P1"), ("P0", "P2"), ("P1", "P2")]
    assert (pw["n_typed"] == 50).all()
    panmictic = differentiation(_random_table(diff=0.0, seed=3), n_boot=0, n_perm=199, seed=4, pairwise=False)
    assert panmictic[panmictic.scope == "overall"].iloc[0]["fst_p"] > 0.01
    # seeded
    again = differentiation(_random_table(diff=1.0, seed=1), n_boot=300, n_perm=199, seed=2)
    pd.testing.assert_frame_equal(diverged, again)


def test_permutation_p_roughly_uniform_under_panmixia():
    ps = []
    for s in range(20):
        r = differentiation(_random_table(n_pops=2, n=15, loci=4, seed=100 + s), n_boot=0, n_perm=99,
                            pairwise=False, seed=s)
        ps.append(r[r.scope == "overall"].iloc[0]["fst_p"])
    ps = np.array(ps)
    assert (ps < 0.05).sum() <= 4 and ps.mean() > 0.25


def test_single_population_and_population_of_one():
    t = _random_table(n_pops=1, n=5, loci=2)
    r = differentiation(t, n_boot=0, n_perm=0)
    assert r.iloc[0]["reason"] == "fewer than two populations" and np.isnan(r.iloc[0]["fst"])
    t2 = _random_table(n_pops=2, n=5, loci=2)
    t2.samples.loc[0, "population"] = "lonely"
    with pytest.warns(SmallPopulationWarning, match="population lonely: one individual"):
        r2 = differentiation(t2, n_boot=0, n_perm=0, pairwise=False)
    assert np.isfinite(r2.iloc[0]["fst"])


def test_monomorphic_locus_has_reason():
    t = GenotypeTable.from_alleles([[[1, 1], [1, 2]], [[1, 1], [2, 2]], [[1, 1], [1, 1]], [[1, 1], [2, 2]]],
                                   ["mono", "poly"],
                                   samples=pd.DataFrame({"sample_id": list("abcd"), "population": list("xxyy")}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = differentiation(t, n_boot=0, n_perm=0).set_index(["scope", "locus"])
    assert np.isnan(r.loc[("locus", "mono"), "fst"])
    assert r.loc[("locus", "mono"), "reason"].startswith("undefined")
