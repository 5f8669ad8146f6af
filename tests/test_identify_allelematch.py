"""allelematch compatibility: the same unique genotypes as allelematch 3.0.0.

Expected values come from R (see test_data/reference/identify/README.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genmon.identify._dendro import cutree_hybrid, hclust_complete
from genmon.identify.allelematch import (
    am_columns,
    am_dissimilarity,
    am_unique,
    am_unique_profile,
    guess_optimum,
)
from genmon.io import read_genotypes
from tests.reference import identify as ref

REF = "reference/identify"


def _example(test_data, k):
    return read_genotypes(test_data / "allelematch" / f"amExample{k}.csv", "allelematch")


@pytest.fixture(scope="module")
def profiles(request):
    from tests.conftest import TEST_DATA

    return pd.read_csv(TEST_DATA / REF / "am_profiles.tsv", sep="\t")


@pytest.fixture(scope="module")
def matches():
    from tests.conftest import TEST_DATA

    return pd.read_csv(
        TEST_DATA / REF / "am_unique_matches.tsv",
        sep="\t",
        dtype={"uniqueIndex": str, "sampleIndex": str},
    )


def test_dissimilarity_matches_am_matrix_formula(test_data):
    t = _example(test_data, 3)
    cols = am_columns(t)
    d = am_dissimilarity(cols.codes[:40])
    np.testing.assert_array_equal(d, ref.am_dissimilarity(cols.codes[:40, :, None]))


def test_example5_sex_column(test_data):
    t = _example(test_data, 5)
    cols = am_columns(t, include_sex=True)
    # allelematch's multilocusMap c(1, rep(2:11, each = 2)): 21 columns, sex first.
    assert cols.n_columns == 21 and cols.names[0] == "sex"
    assert (cols.codes[:, 0] >= 0).sum() == 91  # 52 F + 39 M


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_profile_equals_allelematch(test_data, profiles, k):
    t = _example(test_data, k)
    profile, _ = am_unique_profile(am_columns(t, include_sex=k == 5))
    r = profiles[profiles["example"] == k].reset_index(drop=True)
    assert profile["allele_mismatch"].tolist() == r["alleleMismatch"].astype(float).tolist()
    assert profile["unique"].tolist() == r["unique"].tolist()
    assert profile["unclassified"].tolist() == r["unclassified"].tolist()
    assert profile["multiple_match"].tolist() == r["multipleMatch"].tolist()
    assert profile["guess_optimum"].tolist() == r["guessOptimum"].tolist()
    assert profile["morphology"].iloc[0] == r["guessMorphology"].iloc[0]


@pytest.mark.parametrize("k, m", [(1, 2), (2, 3), (3, 6), (4, 6), (5, 3), (5, 7)])
def test_unique_matches_equal_allelematch(test_data, matches, k, m):
    t = _example(test_data, k)
    r = am_unique(am_columns(t, include_sex=k == 5), m)
    ids = t.sample_id
    mine = set(zip(ids[r.matches["unique_row"]], ids[r.matches["sample_row"]], strict=True))
    theirs = matches[(matches["example"] == k) & (matches["alleleMismatch"] == m)]
    assert mine == set(zip(theirs["uniqueIndex"], theirs["sampleIndex"], strict=True))


def test_psib_of_example1_uniques(test_data):
    # METHODS §5.4: allelematch's Psib of the 12 unique genotypes of example 1.
    expected = [
        9.841e-05,
        7.670e-05,
        4.755e-05,
        1.475e-04,
        4.201e-05,
        1.276e-04,
        1.009e-04,
        3.920e-05,
        8.911e-05,
        7.177e-05,
        6.796e-05,
        2.005e-04,
    ]
    r = am_unique(am_columns(_example(test_data, 1)), 2)
    np.testing.assert_allclose(r.psib, expected, rtol=6e-4)


@pytest.mark.parametrize(
    "mm, unique, best, morph",
    [
        ([0, 2, 0, 0, 0, 0, 0, 0, 1], [13, 13, 12, 12, 12, 12, 12, 12, 12], 2, "ZeroSecondMinimum"),
        (
            [0, 97, 103, 77, 31, 25, 4, 12, 75],
            [291, 281, 212, 159, 120, 109, 100, 93, 93],
            6,
            "NonZeroSecondMinimum",
        ),
        (
            [0, 42, 92, 99, 110, 122, 153, 196, 234],
            [307, 307, 283, 228, 180, 137, 99, 66, 39],
            1,
            "NoSecondMinimum",
        ),
        ([0, 0, 0], [5, 4, 4], 1, "ZeroFlat"),
    ],
)
def test_guess_optimum(mm, unique, best, morph):
    # Profiles of METHODS §5.4 (examples 1, 3, 4) and a flat one.
    assert guess_optimum(mm, unique) == (best, morph)


def test_hclust_and_cut_equal_r_on_tied_matrices(test_data):
    df = pd.read_csv(test_data / REF / "dendro_cases.tsv", sep="\t")
    assert len(df) == 30
    for r in df.itertuples():
        n = r.n
        d = np.zeros((n, n))
        pairs = [(i, j) for j in range(n) for i in range(j)]  # R's upper.tri order
        for (i, j), v in zip(pairs, map(int, r.dist.split(",")), strict=True):
            d[i, j] = d[j, i] = v
        d = 1 - ((20 - d) / 20)
        merge, height = hclust_complete(d)
        assert merge.ravel().tolist() == list(map(int, r.merge.split(","))), r.case
        assert np.round(height * 20).astype(int).tolist() == list(map(int, r.height.split(","))), (
            r.case
        )
        labels = cutree_hybrid(merge, height, d, 1 - (1 - r.h / 20))
        assert labels.tolist() == list(map(int, r.labels.split(","))), r.case


def test_hclust_hand_worked():
    # d(1,2)=1 is the smallest: merge (-1,-2) at 1; complete link to 3 is
    # max(d(1,3), d(2,3)) = max(4, 2) = 4.
    d = np.array([[0, 1, 4], [1, 0, 2], [4, 2, 0]], dtype=float)
    merge, height = hclust_complete(d)
    assert merge.tolist() == [[-1, -2], [-3, 1]] and height.tolist() == [1.0, 4.0]


def test_allelematch_drops_a_cluster_when_all_samples_cluster():
    # allelematch 3.0.0 (run_quirk.R: 4 genotypes sampled twice each) reports
    # 3 unique genotypes and 2 unclassified samples: amCluster visits labels
    # 1..n_labels, and with no unassigned sample the last cluster is skipped.
    from genmon.identify.allelematch import AmColumns

    g = np.random.default_rng(1).integers(100, 131, size=(4, 20))
    codes = np.repeat(g, 2, axis=0).astype(np.int16)
    names = [f"c{i}" for i in range(20)]
    cols = AmColumns(codes, names, names, np.array([str(i) for i in range(1, 9)]))
    quirk = am_unique(cols, 1, compat=True)
    assert (quirk.n_unique, len(quirk.unclassified)) == (3, 2)
    fixed = am_unique(cols, 1, compat=False)
    assert (fixed.n_unique, len(fixed.unclassified)) == (4, 0)
