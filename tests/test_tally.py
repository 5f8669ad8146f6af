import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon import GenotypeTable, count_alleles, genotype_tallies
from genmon.tally import allele_frequencies
from tests.reference import tally as ref


def test_hand_worked_counts():
    # locus 0: genotypes 0/1, 1/1, 2/-, -/- -> allele 0 once, 1 three times, 2 once
    # locus 1: 0/0, 0/0, 0/1, 1/1       -> allele 0 five times, 1 three times
    calls = np.array(
        [[[0, 1], [0, 0]], [[1, 1], [0, 0]], [[2, -1], [0, 1]], [[-1, -1], [1, 1]]], dtype=np.int16
    )
    assert count_alleles(calls).tolist() == [[1, 3, 1], [5, 3, 0]]
    tallies = genotype_tallies(calls)
    # complete, partial, missing, het
    assert tallies.to_numpy().tolist() == [[2, 1, 1, 1], [4, 0, 0, 1]]


def test_table_frequencies_use_allele_tables():
    t = GenotypeTable.from_alleles([[[165, 169]], [[169, 169]], [[-1, -1]]], ["FCA441"])
    (freq,) = allele_frequencies(t)
    np.testing.assert_allclose(freq, [0.25, 0.75])
    assert list(genotype_tallies(t).index) == ["FCA441"]


def test_untyped_locus_frequencies_are_nan():
    t = GenotypeTable.from_alleles([[[165, 169], [-1, -1]]], ["A", "B"])
    # locus B has an empty allele table: nothing to estimate
    assert allele_frequencies(t)[1].size == 0
    t2 = GenotypeTable.from_alleles([[[165, 169]], [[-1, -1]]], ["A"]).subset(samples=[1])
    assert np.isnan(allele_frequencies(t2)[0]).all()


def test_width_too_small_is_refused():
    calls = np.array([[[0, 3]]], dtype=np.int16)
    with pytest.raises(ValueError, match="smaller than"):
        count_alleles(calls, n_alleles=2)


calls_strategy = st.integers(1, 3).flatmap(
    lambda ploidy: arrays(
        np.int16,
        st.tuples(st.integers(0, 30), st.integers(0, 6), st.just(ploidy)),
        elements=st.integers(-1, 7),
    )
)


@settings(max_examples=200, deadline=None)
@given(calls_strategy)
def test_kernels_match_reference(calls):
    width = 8
    np.testing.assert_array_equal(count_alleles(calls, n_alleles=width), ref.count_alleles(calls, width))
    np.testing.assert_array_equal(genotype_tallies(calls).to_numpy(), ref.genotype_tallies(calls))


@settings(max_examples=50, deadline=None)
@given(calls_strategy)
def test_thread_count_does_not_change_results(calls):
    one = count_alleles(calls, n_alleles=8, num_threads=1)
    two = count_alleles(calls, n_alleles=8, num_threads=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(
        genotype_tallies(calls, num_threads=1).to_numpy(), genotype_tallies(calls, num_threads=2).to_numpy()
    )


@settings(max_examples=50, deadline=None)
@given(calls_strategy, st.randoms())
def test_permuting_samples_does_not_change_counts(calls, random):
    order = list(range(calls.shape[0]))
    random.shuffle(order)
    np.testing.assert_array_equal(count_alleles(calls, n_alleles=8), count_alleles(calls[order], n_alleles=8))
