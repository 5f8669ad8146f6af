"""Pairwise LD: genotypic permutation test and SNP r2, kernel vs numpy twin."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon import GenotypeTable
from genmon.markers import genotypic_ld, linkage_disequilibrium, snp_r2
from genmon.markers.ld import genotype_codes, within_group_permutations
from tests.reference import markers as ref


def _codes_strategy():
    return st.tuples(st.integers(2, 25), st.integers(2, 4)).flatmap(
        lambda shape: st.tuples(
            arrays(np.int32, shape, elements=st.integers(-1, 3)),
            st.integers(0, 2**31 - 1),
        )
    )


@settings(max_examples=60, deadline=None)
@given(_codes_strategy())
def test_genotypic_kernel_matches_twin(case):
    codes, seed = case
    n_codes = np.full(codes.shape[1], 4, dtype=np.int32)
    ia, ib = np.triu_indices(codes.shape[1], 1)
    pairs = np.stack([ia, ib], 1)
    rng = np.random.default_rng(seed)
    perms = np.array([rng.permutation(codes.shape[0]) for _ in range(15)], dtype=np.int32)
    stat, n_ge, n_used = genotypic_ld(codes, n_codes, pairs, perms)
    t_stat, t_ge, t_used = ref.genotypic_ld(codes, n_codes, pairs, perms)
    np.testing.assert_allclose(stat, t_stat, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(n_ge, t_ge)
    np.testing.assert_array_equal(n_used, t_used)
    # the same with two threads
    stat2, n_ge2, _ = genotypic_ld(codes, n_codes, pairs, perms, num_threads=2)
    np.testing.assert_array_equal(n_ge, n_ge2)
    np.testing.assert_array_equal(stat, stat2)


@settings(max_examples=40, deadline=None)
@given(_codes_strategy(), st.randoms())
def test_genotypic_statistic_symmetric_and_sample_order_free(case, random):
    codes, _ = case
    n_codes = np.full(codes.shape[1], 4, dtype=np.int32)
    empty = np.zeros((0, codes.shape[0]), dtype=np.int32)
    forward, _, used = genotypic_ld(codes, n_codes, np.array([[0, 1]]), empty)
    backward, _, used_b = genotypic_ld(codes, n_codes, np.array([[1, 0]]), empty)
    np.testing.assert_allclose(forward, backward, rtol=1e-12)  # transposed table
    assert used[0] == used_b[0]
    order = list(range(codes.shape[0]))
    random.shuffle(order)
    shuffled, _, _ = genotypic_ld(codes[order], n_codes, np.array([[0, 1]]), empty)
    np.testing.assert_allclose(forward, shuffled, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(1, 30), st.integers(2, 5)), elements=st.integers(-1, 2)))
def test_r2_kernel_matches_twin(dosage):
    ia, ib = np.triu_indices(dosage.shape[1], 1)
    pairs = np.stack([ia, ib], 1)
    r2, n_used = snp_r2(dosage, pairs)
    t_r2, t_used = ref.r2_pairs(dosage, pairs)
    np.testing.assert_allclose(r2, t_r2, rtol=1e-9, atol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(n_used, t_used)
    r2_sw, _ = snp_r2(dosage, pairs[:, ::-1])
    np.testing.assert_allclose(r2, r2_sw, equal_nan=True)
    r2_t, _ = snp_r2(dosage, pairs, num_threads=2)
    np.testing.assert_array_equal(np.nan_to_num(r2, nan=-1), np.nan_to_num(r2_t, nan=-1))


def test_r2_hand_worked():
    # dosages x = (0, 1, 2, 1), y = (0, 1, 1, 2): mean 1 each; cov = (1*1 + 0 + 1*0 + 0*1)/4 = 0.25;
    # var x = 0.5, var y = 0.5 -> r = 0.5, r2 = 0.25
    x = np.array([[0, 0], [1, 1], [2, 1], [1, 2]], dtype=np.int8)
    assert snp_r2(x, np.array([[0, 1]]))[0][0] == pytest.approx(0.25)


def test_wrapper_refuses_bad_inputs():
    codes = np.zeros((3, 2), dtype=np.int32)
    with pytest.raises(ValueError, match="permutation"):
        genotypic_ld(codes, np.array([1, 1]), np.array([[0, 1]]), np.zeros((1, 3), dtype=np.int32))
    with pytest.raises(ValueError, match="codes"):
        genotypic_ld(codes + 5, np.array([1, 1]), np.array([[0, 1]]), np.zeros((0, 3), dtype=np.int32))
    with pytest.raises(ValueError, match="dosages"):
        snp_r2(np.full((2, 2), 3, dtype=np.int8), np.array([[0, 1]]))


def test_within_group_permutations_stay_in_blocks():
    groups = np.array([0, 0, 0, 1, 1, 2])
    perms = within_group_permutations(groups, 50, np.random.default_rng(1))
    assert (groups[perms] == groups[None, :]).all()
    assert (np.sort(perms, axis=1) == np.arange(6)).all()
    assert len({tuple(p[:3]) for p in perms}) > 1


def _linked_table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.choice([100, 102, 104], size=(n, 2))
    b = a + 50  # locus B copies locus A: complete association
    c = rng.choice([200, 202], size=(n, 2))  # independent
    vals = np.stack([a, b, c], axis=1)
    return GenotypeTable.from_alleles(vals, ["A", "B", "C"],
                                      samples=pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)],
                                                            "population": ["p1"] * (n // 2) + ["p2"] * (n - n // 2)}))


def test_linked_pair_detected_independent_not():
    t = _linked_table()
    r = linkage_disequilibrium(t, n_perm=999, seed=3).set_index(["locus_a", "locus_b"])
    assert r.loc[("A", "B"), "p_value"] == pytest.approx(1 / 1000)
    assert r.loc[("A", "C"), "p_value"] > 0.01
    assert r.loc[("A", "B"), "n_perm"] == 999
    by = linkage_disequilibrium(t, "pop", n_perm=199, seed=3).set_index(["locus_a", "locus_b"])
    assert by.loc[("A", "B"), "p_value"] == pytest.approx(1 / 200)
    # seeded: same seed, same p-values
    again = linkage_disequilibrium(t, n_perm=999, seed=3).set_index(["locus_a", "locus_b"])
    pd.testing.assert_series_equal(r["p_value"], again["p_value"])


def test_g_statistic_hand_worked():
    # Locus A genotypes (codes) 0,0,1,1 and locus B 0,0,1,1: table [[2,0],[0,2]];
    # G = 2 * sum O ln(O/E) with E = 1 everywhere = 2 * 4 * ln 2 = 8 ln 2, df = 1
    t = GenotypeTable.from_alleles([[[1, 1], [5, 5]], [[1, 1], [5, 5]], [[2, 2], [6, 6]], [[2, 2], [6, 6]]],
                                   ["A", "B"])
    r = linkage_disequilibrium(t, n_perm=0)
    assert r.loc[0, "g_stat"] == pytest.approx(8 * np.log(2))
    assert r.loc[0, "df"] == 1
    assert np.isnan(r.loc[0, "p_value"])
    assert r.loc[0, "r2"] == pytest.approx(1.0)


def test_untyped_and_monomorphic_pairs_have_reasons():
    t = GenotypeTable.from_alleles([[[1, 1], [5, 5], [-1, -1]], [[1, 2], [5, 5], [-1, -1]]], ["A", "B", "C"])
    r = linkage_disequilibrium(t, n_perm=10, seed=1).set_index(["locus_a", "locus_b"])
    assert "monomorphic" in r.loc[("A", "B"), "reason"]
    assert np.isnan(r.loc[("A", "B"), "p_value"])
    assert r.loc[("A", "C"), "reason"] == "no individual typed at both loci"


def test_genotype_codes():
    t = GenotypeTable.from_alleles([[[1, 2]], [[2, 1]], [[2, 2]], [[1, -1]]], ["A"])
    codes, n_codes = genotype_codes(t)
    assert codes[:, 0].tolist() == [0, 0, 1, -1] and n_codes.tolist() == [2]


@settings(max_examples=40, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(1, 40), st.integers(1, 12)), elements=st.integers(-1, 2)),
       st.integers(1, 5))
def test_r2_matrix_matches_pair_kernel(dosage, block):
    from genmon.markers import snp_r2_matrix

    m = dosage.shape[1]
    ia, ib = np.triu_indices(m, 1)
    pairs = np.stack([ia, ib], 1)
    full = snp_r2_matrix(dosage, block=block)
    r2, _ = snp_r2(dosage, pairs)
    np.testing.assert_allclose(full[ia, ib], r2, rtol=1e-12, atol=1e-15, equal_nan=True)
    np.testing.assert_array_equal(np.isnan(full), np.isnan(full.T))
    np.testing.assert_allclose(full, full.T, equal_nan=True)


def test_large_panels_get_r2_only():
    rng = np.random.default_rng(5)
    vals = rng.choice(["A", "G"], size=(30, 4, 2))
    t = GenotypeTable.from_alleles(vals, ["s1", "s2", "s3", "s4"], kinds="SNP",
                                   locus_info={f"s{j}": {"alleles": ("A", "G")} for j in range(1, 5)})
    r = linkage_disequilibrium(t, n_perm=50, seed=1, max_genotypic_loci=3)
    assert (r["reason"] == "genotypic test skipped: 4 loci (more than max_genotypic_loci=3)").all()
    assert r["p_value"].isna().all() and (r["n_perm"] == 0).all() and (r["n_typed"] == 30).all()
    full = linkage_disequilibrium(t, n_perm=50, seed=1)
    np.testing.assert_allclose(r["r2"], full["r2"])
    assert full["p_value"].notna().all()
