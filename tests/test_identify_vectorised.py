"""The vectorised per-individual steps of identification equal their obvious twins."""

from __future__ import annotations

import numpy as np
from genmon._ext.mismatch import _greedy_leaders
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon.identify.catalogue import format_genotype, format_genotypes
from genmon.identify.core import consensus_genotypes
from genmon.identify.index import group_ids
from tests.reference import identify as ref

alleles = st.sampled_from([-1, -1, 165, 169, 171, 300])


@settings(max_examples=150, deadline=None)
@given(
    values=arrays(
        np.int64,
        st.tuples(st.integers(1, 12), st.integers(1, 3), st.integers(1, 3)),
        elements=alleles,
    ),
    data=st.data(),
)
def test_consensus_equals_per_individual_twin(values, data):
    n_groups = data.draw(st.integers(1, 4))
    group = np.array(
        data.draw(
            st.lists(st.integers(0, n_groups - 1), min_size=len(values), max_size=len(values))
        )
    )
    got = consensus_genotypes(values, group, n_groups)
    for g in range(n_groups):
        rows = np.nonzero(group == g)[0]
        want = ref.consensus(values[rows]) if len(rows) else np.full(values.shape[1:], -1)
        assert got[g].tolist() == want.tolist()


def test_consensus_hand_worked():
    # Two samples agree on 165/169 (one stored as 169/165); a third has a dropout.
    # Locus 2: one complete call beats two partial ones; locus 3 only partial calls,
    # 171 twice against 300 once.
    v = np.array(
        [
            [[169, 165], [176, -1], [171, -1]],
            [[165, 169], [-1, 200], [-1, 171]],
            [[165, 165], [176, 200], [300, -1]],
        ]
    )
    got = consensus_genotypes(v, np.zeros(3, int), 1)[0]
    assert got.tolist() == [[165, 169], [176, 200], [171, -1]]


@settings(max_examples=100, deadline=None)
@given(
    keys=arrays(
        np.int16, st.tuples(st.integers(0, 40), st.integers(0, 6)), elements=st.integers(-1, 32767)
    )
)
def test_group_ids_partition_equals_rows(keys):
    ids = group_ids(keys)
    rows = [tuple(r) for r in keys.tolist()]
    for a in range(len(rows)):
        for b in range(len(rows)):
            assert (ids[a] == ids[b]) == (rows[a] == rows[b])


def test_group_ids_repacks_before_overflow():
    # 6 columns with values up to 32767: 32769**6 does not fit in int64.
    rng = np.random.default_rng(1)
    keys = rng.integers(-1, 32768, (500, 6)).astype(np.int16)
    keys[250:] = keys[:250]
    ids = group_ids(keys)
    assert (ids[250:] == ids[:250]).all()
    assert len(np.unique(ids)) == len({tuple(r) for r in keys.tolist()})


@settings(max_examples=100, deadline=None)
@given(values=arrays(np.int64, st.tuples(st.integers(0, 20), st.integers(1, 3)), elements=alleles))
def test_format_genotypes_equals_one_by_one(values):
    assert format_genotypes(values).tolist() == [format_genotype(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_greedy_leaders_equals_twin(data):
    n = data.draw(st.integers(1, 30))
    pairs = data.draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60)
    )
    pairs = [(a, b) for a, b in pairs if a != b]
    order = np.array(data.draw(st.permutations(range(n))), dtype=np.int64)
    i = np.array([a for a, b in pairs] + [b for a, b in pairs], dtype=np.int64)
    j = np.array([b for a, b in pairs] + [a for a, b in pairs], dtype=np.int64)
    srt = np.argsort(i, kind="stable")
    starts = np.searchsorted(i[srt], np.arange(n + 1)).astype(np.int64)
    is_leader = np.zeros(n, np.uint8)
    _greedy_leaders(order, starts, np.ascontiguousarray(j[srt]), is_leader)
    assert np.nonzero(is_leader)[0].tolist() == ref.greedy_leaders(n, pairs, order.tolist())
