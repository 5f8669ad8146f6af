"""The pairwise mismatch kernel against its numpy twin and its properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon.identify.mismatch import CONVENTIONS, count_mismatches, mismatch_pairs, pairs_within
from genmon.model import GenotypeTable
from tests.reference import identify as ref


def _kw(name):
    c = CONVENTIONS[name]
    return dict(
        positional=c.positional,
        complete_case=c.complete_case,
        w_diff=c.w_diff,
        w_one=c.w_one,
        w_both=c.w_both,
    )


def _condensed(square):
    n = len(square)
    return np.array([square[i, j] for i in range(n) for j in range(i + 1, n)], dtype=np.int64)


@st.composite
def call_arrays(draw, max_samples=12):
    n = draw(st.integers(0, max_samples))
    loci = draw(st.integers(1, 6))
    ploidy = draw(st.integers(1, 3))
    n_alleles = draw(st.integers(1, 4))
    return draw(arrays(np.int16, (n, loci, ploidy), elements=st.integers(-1, n_alleles - 1)))


def test_hand_worked_allelematch():
    # a = (103,108)(201,-); b = (103,110)(201,205) as indices.
    # Locus 1: slot 2 differs (1 mismatch); locus 2: slot 2 missing in a (0.5).
    calls = np.array([[[0, 1], [0, -1]], [[0, 2], [0, 1]]], dtype=np.int16)
    r = count_mismatches(calls)
    assert r.units.tolist() == [3]
    assert r.mismatches.tolist() == [1.5]
    assert r.n_compared.tolist() == [2]
    # Complete case: locus 2 is not compared, locus 1 has one unshared allele.
    r = count_mismatches(calls, convention="complete")
    assert r.mismatches.tolist() == [1.0] and r.n_compared.tolist() == [1]


def test_both_missing_counts_nothing_and_positional_vs_unordered():
    # Both samples miss all of locus 1: allelematch scores 0 there (its
    # similarity adds 0.5 for each sample's missing column); swapped alleles at
    # locus 2 are 2 mismatches in position but 0 as multisets.
    calls = np.array([[[-1, -1], [0, 1]], [[-1, -1], [1, 0]]], dtype=np.int16)
    assert count_mismatches(calls).mismatches.tolist() == [2.0]
    assert count_mismatches(calls, convention="unordered").mismatches.tolist() == [0.0]
    assert count_mismatches(calls).n_compared.tolist() == [1]


def test_matches_am_matrix_formula():
    rng = np.random.default_rng(5)
    calls = rng.integers(-1, 4, size=(15, 5, 2)).astype(np.int16)
    r = count_mismatches(calls)
    d = ref.am_dissimilarity(calls)
    n_cols = 10
    got = 1 - (n_cols - r.mismatches) / n_cols
    np.testing.assert_allclose(
        got, [d[i, j] for i in range(15) for j in range(i + 1, 15)], atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(calls=call_arrays(), name=st.sampled_from(sorted(CONVENTIONS)))
def test_condensed_matches_twin(calls, name):
    r = count_mismatches(calls, convention=name)
    units, comp = ref.pairwise_units(calls, **_kw(name))
    assert r.units.astype(np.int64).tolist() == _condensed(units).tolist()
    assert r.n_compared.astype(np.int64).tolist() == _condensed(comp).tolist()


@settings(max_examples=40, deadline=None)
@given(
    a=call_arrays(),
    b_n=st.integers(0, 7),
    name=st.sampled_from(sorted(CONVENTIONS)),
    seed=st.integers(0, 99),
)
def test_cross_matches_twin(a, b_n, name, seed):
    rng = np.random.default_rng(seed)
    b = rng.integers(-1, 3, size=(b_n,) + a.shape[1:]).astype(np.int16)
    r = count_mismatches(a, b, convention=name)
    units, comp = ref.pairwise_units(a, b, **_kw(name))
    assert r.units.tolist() == units.tolist()
    assert r.n_compared.tolist() == comp.tolist()


@settings(max_examples=40, deadline=None)
@given(calls=call_arrays(), name=st.sampled_from(sorted(CONVENTIONS)))
def test_properties(calls, name):
    n = len(calls)
    r = count_mismatches(calls, calls, convention=name)
    # Symmetric, zero diagonal when a sample is compared with itself (a missing
    # allele against itself is "both missing", which scores 0).
    assert (r.units == r.units.T).all()
    assert (np.diag(r.units) == 0).all()
    # Never more mismatches than alleles at the loci compared (complete case),
    # never more than the alleles of all loci (allelematch counts half a
    # mismatch at loci typed in one sample only).
    ploidy = calls.shape[2]
    if name == "complete":
        assert (r.mismatches <= r.n_compared * ploidy).all()
    assert (r.mismatches <= calls.shape[1] * ploidy).all()
    # Permuting samples permutes results.
    perm = np.random.default_rng(n).permutation(n)
    rp = count_mismatches(calls[perm], calls[perm], convention=name)
    assert (rp.units == r.units[np.ix_(perm, perm)]).all()


@settings(max_examples=30, deadline=None)
@given(
    calls=call_arrays(max_samples=20),
    limit=st.sampled_from([0, 0.5, 1, 2.5]),
    name=st.sampled_from(sorted(CONVENTIONS)),
)
def test_early_exit_and_pairs_within(calls, limit, name):
    full = count_mismatches(calls, convention=name)
    capped = count_mismatches(calls, convention=name, max_mismatch=limit)
    within = full.mismatches <= limit
    # Exact where within the limit, above the limit elsewhere.
    assert (capped.units[within] == full.units[within]).all()
    assert (capped.mismatches[~within] > limit).all()
    p = pairs_within(calls, max_mismatch=limit, convention=name)
    n = len(calls)
    expect = [(i, j) for i in range(n) for j in range(i + 1, n)]
    expect = [pair for pair, ok in zip(expect, within, strict=True) if ok]
    assert list(zip(p.i.tolist(), p.j.tolist(), strict=True)) == expect
    assert p.units.tolist() == full.units[within].tolist()


def test_thread_count_invariance(rng):
    calls = rng.integers(-1, 6, size=(300, 12, 2)).astype(np.int16)
    one = count_mismatches(calls, num_threads=1)
    four = count_mismatches(calls, num_threads=4)
    assert (one.units == four.units).all() and (one.n_compared == four.n_compared).all()
    c1 = count_mismatches(calls[:50], calls, num_threads=1, max_mismatch=3)
    c4 = count_mismatches(calls[:50], calls, num_threads=4, max_mismatch=3)
    assert (c1.units == c4.units).all()
    w1 = pairs_within(calls, max_mismatch=4, num_threads=1)
    w4 = pairs_within(calls, max_mismatch=4, num_threads=4)
    assert (w1.i == w4.i).all() and (w1.j == w4.j).all() and (w1.units == w4.units).all()
    i = rng.integers(0, 300, 1000)
    j = rng.integers(0, 300, 1000)
    assert (
        mismatch_pairs(calls, None, i, j, num_threads=1).units
        == mismatch_pairs(calls, None, i, j, num_threads=3).units
    ).all()


def test_tables_with_different_allele_tables_are_recoded():
    a = GenotypeTable.from_alleles([[[100, 104]]], ["L1"], sample_ids=["a"])
    b = GenotypeTable.from_alleles([[[98, 104]], [[100, 104]]], ["L1"], sample_ids=["b1", "b2"])
    # Index 0 means 100 in a but 98 in b: recoding is needed.
    assert count_mismatches(a, b).mismatches.tolist() == [[1.0, 0.0]]


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.zeros((2, 3)), "must be (samples, loci, ploidy)"),
        (np.zeros((2, 3, 2), dtype=float), "integer allele indices"),
        (np.full((2, 3, 2), -2), "allele indices must lie in [-1, 32767]"),
    ],
)
def test_bad_inputs(bad, message):
    with pytest.raises(ValueError) as exc:
        count_mismatches(bad)
    assert message in str(exc.value)


def test_bad_convention_and_limit():
    calls = np.zeros((2, 1, 2), dtype=np.int16)
    with pytest.raises(ValueError, match="unknown mismatch convention 'x'"):
        count_mismatches(calls, convention="x")
    with pytest.raises(ValueError, match="max_mismatch must be a finite number >= 0"):
        count_mismatches(calls, max_mismatch=-1)
