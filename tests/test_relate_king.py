"""KING-robust kinship: twin, hand-worked case and plink2's output."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon import GenotypeTable, Locus, read_genotypes
from genmon.relate.king import king_robust
from genmon.relate.moments import MonomorphicLocusWarning
from tests.reference import relate as ref

# random genotypes have monomorphic SNPs and untyped individuals: their warnings are tested below
_RANDOM_DATA = pytest.mark.filterwarnings("ignore::genmon.relate.moments.MonomorphicLocusWarning",
                                          "ignore::genmon.exceptions.InputWarning")


def _snp_table(calls):
    calls = np.asarray(calls, dtype=np.int16)
    loci = tuple(Locus(f"s{j}", ("A", "G"), kind="SNP") for j in range(calls.shape[1]))
    return GenotypeTable(calls, loci, [f"i{k}" for k in range(calls.shape[0])])


def test_hand_worked():
    # x: AG AG AA GG ;  y: AG AA GG GG  -> HetHet 1, IBS0 1 (AA vs GG), Het1 2, Het2 1, m = 1
    # phi = (1 - 2)/2 + 1/2 - 3/4 = -0.75
    t = _snp_table([[[0, 1], [0, 1], [0, 0], [1, 1]], [[0, 1], [0, 0], [1, 1], [1, 1]]])
    with pytest.warns(MonomorphicLocusWarning, match=r"\(s3\) carry no information on KING kinship"):
        row = king_robust(t).iloc[0]
    assert (row["nsnp"], row["hethet"], row["ibs0"]) == (4, 0.25, 0.25)
    assert row["kinship"] == pytest.approx(-0.75)


@_RANDOM_DATA
def test_duplicate_is_one_half():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 2, size=(1, 300, 2))
    assert king_robust(_snp_table(np.concatenate([g, g]))).iloc[0]["kinship"] == pytest.approx(0.5)


@_RANDOM_DATA
@settings(max_examples=100, deadline=None)
@given(arrays(np.int16, st.tuples(st.integers(2, 6), st.integers(1, 150), st.just(2)), elements=st.integers(-1, 1)))
def test_kernel_matches_twin(calls):
    t = _snp_table(calls)
    got = king_robust(t)
    dosage = np.where((calls >= 0).all(axis=2), calls.sum(axis=2), -1)
    for row in got.itertuples(index=False):
        i, j = int(row.id_1[1:]), int(row.id_2[1:])
        nsnp, hethet, ibs0, kin = ref.king_pair(dosage[i], dosage[j])
        assert row.nsnp == nsnp
        if nsnp:
            assert row.hethet == pytest.approx(hethet / nsnp) and row.ibs0 == pytest.approx(ibs0 / nsnp)
        assert (math.isnan(kin) and math.isnan(row.kinship)) or row.kinship == pytest.approx(kin, abs=1e-12)


def test_agrees_with_plink2(test_data):
    """plink2 --make-king-table (test_data/reference/relate/README.md)."""
    t = read_genotypes(test_data / "reference/relate/king_sim.vcf.gz")
    ours = king_robust(t, num_threads=2)
    theirs = pd.read_csv(test_data / "reference/relate/king_sim.kin0", sep="\t")
    ours["key"] = [frozenset(p) for p in zip(ours["id_1"].astype(str), ours["id_2"].astype(str), strict=True)]
    theirs["key"] = [frozenset(p) for p in zip(theirs["#IID1"], theirs["IID2"], strict=True)]
    merged = theirs.merge(ours, on="key")
    assert len(merged) == len(theirs) == 780
    assert (merged["NSNP"] == merged["nsnp"]).all()
    # plink2 prints 6 significant digits
    for theirs_col, ours_col in (("HETHET", "hethet"), ("IBS0", "ibs0"), ("KINSHIP", "kinship")):
        np.testing.assert_allclose(merged[ours_col], merged[theirs_col], rtol=5e-6, atol=5e-7)
    # the simulated parent-offspring pairs (i0-i5 ... i4-i9) are near 1/4
    po = ours[(ours["id_1"].astype(str).str[1:].astype(int) + 5 == ours["id_2"].astype(str).str[1:].astype(int))
              & (ours["id_1"].astype(str).str[1:].astype(int) < 5)]
    assert po["kinship"].between(0.2, 0.3).all()


# --- PLINK method-of-moments IBD ------------------------------------------------------------

from genmon.relate.ibd import plink_ibd  # noqa: E402


def test_ibd_agrees_with_plink19(test_data):
    """plink1.9 --genome full (test_data/reference/relate/README.md)."""
    t = read_genotypes(test_data / "reference/relate/king_sim.vcf.gz")
    ours = plink_ibd(t)
    theirs = pd.read_csv(test_data / "reference/relate/king_sim.genome", sep=r"\s+")
    ours["key"] = [frozenset(p) for p in zip(ours["id_1"].astype(str), ours["id_2"].astype(str), strict=True)]
    theirs["key"] = [frozenset(p) for p in zip(theirs["IID1"], theirs["IID2"], strict=True)]
    merged = theirs.merge(ours, on="key")
    assert len(merged) == 780
    for col in ("IBS0", "IBS1", "IBS2"):
        assert (merged[col] == merged[col.lower()]).all()
    for theirs_col, ours_col in (("Z0", "z0"), ("Z1", "z1"), ("Z2", "z2"), ("PI_HAT", "pi_hat")):
        # PLINK prints 4 decimals
        assert np.abs(merged[ours_col].round(4) - merged[theirs_col]).max() < 1e-9, theirs_col


@_RANDOM_DATA
def test_ibd_unbounded_matches_twin():
    rng = np.random.default_rng(4)
    p = rng.uniform(0.1, 0.9, 300)
    calls = (rng.random((8, 300, 2)) < p[None, :, None]).astype(np.int16)
    calls[rng.random((8, 300)) < 0.05] = -1
    t = _snp_table(calls)
    got = plink_ibd(t, bound=False)
    dosage = np.where((calls >= 0).all(axis=2), calls.sum(axis=2), -1)
    for row in got.itertuples(index=False):
        i, j = int(row.id_1[1:]), int(row.id_2[1:])
        expected = ref.plink_ibd_pair(dosage, i, j)
        np.testing.assert_allclose([row.z0, row.z1, row.z2, row.pi_hat], expected, rtol=1e-10, atol=1e-12)


def test_ibd_bounding_keeps_estimates_in_unit_interval():
    rng = np.random.default_rng(5)
    calls = (rng.random((10, 200, 2)) < 0.4).astype(np.int16)
    got = plink_ibd(_snp_table(calls))
    z = got[["z0", "z1", "z2"]].to_numpy()
    assert (z >= 0).all() and (z <= 1).all()
    np.testing.assert_allclose(z.sum(axis=1), 1.0)


# --- kernels against their twins, symmetry and permutation ------------------------------------

from genmon._ext import king as _kernel  # noqa: E402
from genmon.relate.ibd import _bound  # noqa: E402
from genmon.relate.king import pack_snp_planes, snp_pair_counts  # noqa: E402
from tests.reference import snp_relate as snp_ref  # noqa: E402

snp_calls = arrays(np.int16, st.tuples(st.integers(2, 7), st.integers(1, 1100), st.just(2)),
                   elements=st.integers(-1, 1))


@settings(max_examples=20, deadline=None)
@given(snp_calls, st.integers(1, 2))
def test_packing_matches_twin(calls, threads):
    planes, used = pack_snp_planes(_snp_table(calls), num_threads=threads)
    assert used == list(range(calls.shape[1]))
    assert planes.shape[2] % 8 == 0 and planes.shape[2] * 64 >= calls.shape[1]
    np.testing.assert_array_equal(planes, snp_ref.pack_planes(calls, planes.shape[2]))


@settings(max_examples=40, deadline=None)
@given(snp_calls)
def test_every_cpu_variant_counts_like_the_twin(calls):
    """Portable, POPCNT and AVX-512 variants (those this CPU has), all-pairs and listed-pairs
    kernels: identical counts, equal to the twin's; the SNP count crosses 512-bit words."""
    planes, _ = pack_snp_planes(_snp_table(calls))
    n = calls.shape[0]
    pi, pj = (v.astype(np.int64) for v in np.triu_indices(n, k=1))
    dosage = np.where((calls >= 0).all(axis=2), calls.sum(axis=2), -1)
    expected = np.array([snp_ref.king_counts(dosage[i], dosage[j]) for i, j in zip(pi, pj, strict=True)])
    for level in range(_kernel._cpu_level() + 1):
        for threads in (1, 2):
            tiled = np.zeros((pi.size, 6), np.int64)
            _kernel._king_all_pairs(planes, tiled, block=3, num_threads=threads, level=level)
            listed = np.zeros((pi.size, 6), np.int64)
            _kernel._king_counts(planes, pi, pj, listed, threads, level)
            np.testing.assert_array_equal(tiled, expected)
            np.testing.assert_array_equal(listed, expected)


@_RANDOM_DATA
@settings(max_examples=30, deadline=None)
@given(snp_calls, st.randoms())
def test_king_and_ibd_symmetric_and_permutation_invariant(calls, random):
    """Swapping a pair's members or reordering the individuals changes no value of any pair."""
    t = _snp_table(calls)
    n = calls.shape[0]
    order = list(range(n))
    random.shuffle(order)
    shuffled = _snp_table(calls[order])
    key = ["id_1", "id_2"]
    for fn in (king_robust, lambda tab, pairs=None: plink_ibd(tab, pairs, bound=False)):
        base = fn(t)
        pi, pj = (v.astype(np.int64) for v in np.triu_indices(n, k=1))
        swapped = fn(t, (pj, pi))
        values = [c for c in base.columns if c not in key]
        np.testing.assert_array_equal(swapped[values].to_numpy(), base[values].to_numpy())
        # individual k of the shuffled table is individual order[k] of the original
        perm = fn(shuffled)
        ids = np.array([f"i{order[int(v[1:])]}" for v in perm["id_1"].astype(str)]), \
            np.array([f"i{order[int(v[1:])]}" for v in perm["id_2"].astype(str)])
        pair_ids = zip(base["id_1"].astype(str), base["id_2"].astype(str), strict=True)
        lookup = {frozenset(p): r for p, r in zip(pair_ids, base[values].to_numpy(), strict=True)}
        got = np.array([lookup[frozenset(p)] for p in zip(*ids, strict=True)])
        np.testing.assert_array_equal(perm[values].to_numpy(), got)


def test_counts_wrong_shapes_are_errors():
    planes, _ = pack_snp_planes(_snp_table(np.zeros((3, 5, 2))))
    with pytest.raises(IndexError):
        _kernel._king_counts(planes, np.array([0]), np.array([3]), np.zeros((1, 6), np.int64))
    with pytest.raises(ValueError):
        _kernel._king_all_pairs(planes, np.zeros((2, 6), np.int64))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(3)),
              elements=st.floats(-0.5, 1.5, allow_nan=False)))
def test_bounding_matches_twin(z):
    got = np.column_stack(_bound(z[:, 0].copy(), z[:, 1].copy(), z[:, 2].copy()))
    with np.errstate(all="ignore"):
        expected = np.array([snp_ref.plink_bound_pair(*row) for row in z])
    np.testing.assert_array_equal(got, expected)


def test_snp_pair_counts_homhom_by_hand():
    # x: AG AG AA GG GG ; y: AG AA GG GG ./. -> N 4, HETHET 1, IBS0 1, HET 2 and 1, HOMHOM 1 (GG GG)
    t = _snp_table([[[0, 1], [0, 1], [0, 0], [1, 1], [1, 1]], [[0, 1], [0, 0], [1, 1], [1, 1], [-1, -1]]])
    _, _, counts = snp_pair_counts(t)
    assert counts.tolist() == [[4, 1, 1, 2, 1, 1]]


def test_untyped_individual_and_monomorphic_snp_are_named():
    # c has no typed SNP; s1 is AA in everyone typed
    t = _snp_table([[[0, 0], [0, 1]], [[0, 0], [1, 1]], [[-1, -1], [-1, 0]]])
    t = GenotypeTable(t.call_genotype, t.loci, ["a", "b", "c"])
    for fn, what in ((king_robust, "KING kinship"), (plink_ibd, "PLINK IBD")):
        with pytest.warns(Warning) as seen:
            got = fn(t)
        messages = [str(w.message) for w in seen]
        assert (f"found 1 individual(s) with no typed locus: c, expected at least one typed locus per individual; "
                f"their pairs are NaN in {what}") in messages
        assert any(m.startswith("1 locus/loci with fewer than two alleles in the sample (s0) ") for m in messages)
        assert (got["nsnp"].to_numpy() == [2, 0, 0]).all()
        assert np.isnan(got.iloc[1:, -1].to_numpy()).all()
