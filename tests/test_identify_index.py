"""The exact-block index finds every pair the brute force finds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon.identify.index import (
    block_columns,
    block_plan,
    candidate_pairs,
    pairs_within_indexed,
)
from genmon.identify.mismatch import pairs_within


@st.composite
def clustered_calls(draw):
    # Few distinct genotypes with noise, so that many pairs are close.
    loci = draw(st.integers(1, 8))
    ploidy = draw(st.integers(1, 2))
    base = draw(
        arrays(np.int16, (draw(st.integers(1, 4)), loci, ploidy), elements=st.integers(0, 3))
    )
    n = draw(st.integers(0, 25))
    pick = draw(arrays(np.int64, n, elements=st.integers(0, len(base) - 1)))
    noise = draw(arrays(np.int16, (n, loci, ploidy), elements=st.sampled_from([0, 0, 0, 0, 1, -9])))
    calls = base[pick] + np.where(noise == 1, 1, 0).astype(np.int16)
    calls[noise == -9] = -1
    return calls


@settings(max_examples=80, deadline=None)
@given(
    calls=clustered_calls(),
    limit=st.sampled_from([0, 0.5, 1, 1.5, 2, 3]),
    convention=st.sampled_from(["allelematch", "unordered"]),
)
def test_index_equals_brute_force(calls, limit, convention):
    brute = pairs_within(calls, max_mismatch=limit, convention=convention)
    fast = pairs_within_indexed(calls, max_mismatch=limit, convention=convention)
    assert fast.i.tolist() == brute.i.tolist()
    assert fast.j.tolist() == brute.j.tolist()
    assert fast.units.tolist() == brute.units.tolist()


@settings(max_examples=120, deadline=None)
@given(
    calls=clustered_calls(),
    limit=st.sampled_from([1, 1.5, 2, 3]),
    masked=st.sampled_from([1, 2, 3]),
    convention=st.sampled_from(["allelematch", "unordered"]),
    two_sets=st.booleans(),
)
def test_masked_block_keys_equal_brute_force(calls, limit, masked, convention, two_sets):
    # Blocks with up to `masked` columns masked per key (block_plan's d > 0).
    other = calls[::-1].copy() if two_sets else None
    brute = pairs_within(calls, other, max_mismatch=limit, convention=convention)
    fast = pairs_within_indexed(
        calls, other, max_mismatch=limit, convention=convention, masked=masked
    )
    assert sorted(zip(fast.i.tolist(), fast.j.tolist(), strict=True)) == sorted(
        zip(brute.i.tolist(), brute.j.tolist(), strict=True)
    )


def test_block_plan_masks_columns_when_exact_blocks_are_unselective():
    # 4 mismatches over 15 diploid loci: 9 exact blocks of 3-4 columns, or fewer,
    # longer blocks with columns masked when the columns are often identical.
    assert block_plan(30, 4)[1] == 0 and len(block_plan(30, 4)[0]) == 9
    blocks, d = block_plan(30, 4, np.full(30, 0.3), 10**6, 5e11)
    assert d > 0 and all(len(b) > d for b in blocks)
    assert len(blocks) == 8 // (d + 1) + 1
    assert block_plan(3, 2) == ([], 0)  # 4 differences over 3 columns: nothing to index


@settings(max_examples=40, deadline=None)
@given(a=clustered_calls(), limit=st.sampled_from([0, 1, 2]), seed=st.integers(0, 50))
def test_index_equals_brute_force_two_sets(a, limit, seed):
    rng = np.random.default_rng(seed)
    b = a[rng.permutation(len(a))][: max(len(a) // 2, 0)].copy()
    if b.size:
        b[0, 0, 0] = -1
    brute = pairs_within(a, b, max_mismatch=limit)
    fast = pairs_within_indexed(a, b, max_mismatch=limit)
    assert sorted(zip(fast.i.tolist(), fast.j.tolist(), strict=True)) == sorted(
        zip(brute.i.tolist(), brute.j.tolist(), strict=True)
    )


def test_pigeonhole_blocks():
    # 1 mismatch allows 2 non-identical columns, so 3 blocks; one is clean.
    assert [len(b) for b in block_columns(20, 1)] == [7, 7, 6]
    assert block_columns(2, 1) == []


def test_candidates_exclude_far_pairs(rng):
    calls = rng.integers(0, 30, size=(200, 15, 2)).astype(np.int16)
    cand = candidate_pairs(calls, None, 1)
    assert cand is not None and len(cand[0]) < 200  # random genotypes rarely share a block


def test_complete_case_refused():
    with pytest.raises(ValueError, match="complete-case"):
        candidate_pairs(np.zeros((2, 3, 2), np.int16), None, 1, convention="complete")
