"""Triadic ML (TrioML) relatedness: hand-worked, twin, properties, COANCESTRY's output."""

import functools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon.exceptions import ModelError
from genmon.relate.moments import MonomorphicLocusWarning, all_pairs, prepare_loci
from genmon.relate.triadic import estimate_trioml, simulate_references, triadic_states
from tests.reference import relate_trio as ref
from tests.test_relate import _related_example, _table


def test_states_match_the_brute_force_enumeration():
    for inbreeding, count in ((False, 16), (True, 66)):
        labels, n_classes, r_weight = triadic_states(inbreeding)
        assert len(labels) == count
        got = {ref._orbit(tuple(lab)): w for lab, w in zip(labels, r_weight, strict=True)}
        want = {ref._orbit(lab): ref.kinship_r(lab) for lab in ref.states(inbreeding)}
        assert got == want
        assert tuple(labels[-1]) == (0, 1, 2, 3, 4, 5) and (n_classes == labels.max(axis=1) + 1).all()


def test_hand_worked_r_weights():
    labels, _, r_weight = triadic_states(True)
    weight = {tuple(lab): w for lab, w in zip(labels, r_weight, strict=True)}
    assert weight[(0, 1, 0, 1, 2, 3)] == 1.0   # X and Y share both genes: identical twins
    assert weight[(0, 1, 0, 2, 3, 4)] == 0.5   # one gene shared: parent and offspring
    assert weight[(0, 0, 0, 0, 1, 2)] == 2.0   # X and Y inbred and identical
    assert weight[(0, 1, 2, 3, 0, 2)] == 0.0   # Z related to both, X and Y not to each other


def test_opposite_homozygotes_are_unrelated_whatever_the_reference():
    # A/A and B/B share no allele: every state with a gene of X identical to one of Y has probability 0.
    t = _table([[[1, 1], [5, 6]], [[2, 2], [5, 6]], [[1, 2], [5, 5]], [[1, 2], [6, 6]]])
    est = estimate_trioml(t, pairs=([0], [1]), convention="published", n_reference=20, seed=3).iloc[0]
    assert est["trioml"] == pytest.approx(0.0, abs=1e-12)


def test_twin_likelihood_on_real_data(test_data):
    t = _related_example(test_data).subset(samples=range(5))
    panel = prepare_loci(t, "coancestry")
    freqs = [panel.freq[k][:t.loci[k].n_alleles] for k in range(t.n_loci)]
    refs = simulate_references(panel, 1, seed=11)
    i, j = all_pairs(t.n_samples)
    got = estimate_trioml(t, reference_individuals=refs)
    for row, a, b in zip(got.itertuples(), i, j, strict=True):
        lnlr, r, n = ref.triad(panel.calls, freqs, a, b, refs[0], inbreeding=False)
        assert row.n_loci == n
        assert row.trioml_lnlr >= lnlr - 1e-7 and row.trioml_lnlr == pytest.approx(lnlr, abs=1e-5)


genotypes = st.integers(3, 5).flatmap(
    lambda n: arrays(np.int64, st.tuples(st.just(n), st.integers(1, 2), st.just(2)), elements=st.integers(-1, 2)))


@settings(max_examples=15, deadline=None)
@given(genotypes, st.booleans(), st.sampled_from([0.0, 0.05]), st.integers(0, 2**16))
def test_kernel_reaches_the_twin_maximum(vals, inbreeding, error, seed):
    # The maximiser need not be unique on one or two loci: compare maximal likelihoods.
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        panel = prepare_loci(t, "published")
        refs = simulate_references(panel, 1, seed)
        got = estimate_trioml(t, inbreeding=inbreeding, error_rates=error, convention="published", reference_individuals=refs)
    freqs = [panel.freq[k][:t.loci[k].n_alleles] for k in range(t.n_loci)]
    for row, (a, b) in zip(got.itertuples(), zip(*all_pairs(t.n_samples), strict=True), strict=True):
        lnlr, r, n = ref.triad(panel.calls, freqs, a, b, refs[0], inbreeding, np.full(t.n_loci, error))
        assert row.n_loci == n
        if n == 0:
            assert math.isnan(row.trioml) and row.reason == "no locus typed in both individuals"
            continue
        assert row.trioml_lnlr >= lnlr - 1e-7 and row.trioml_lnlr == pytest.approx(lnlr, abs=1e-5)
        assert 0 <= row.trioml <= 2 if inbreeding else 0 <= row.trioml <= 1 + 1e-12


@settings(max_examples=20, deadline=None)
@given(genotypes, st.booleans())
def test_symmetric_thread_invariant_and_the_smallest_over_references(vals, inbreeding):
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        refs = simulate_references(prepare_loci(t), 5, seed=1)
        i, j = all_pairs(t.n_samples)
        forward = estimate_trioml(t, inbreeding, pairs=(i, j), reference_individuals=refs)
        backward = estimate_trioml(t, inbreeding, pairs=(j, i), reference_individuals=refs)
        threads = estimate_trioml(t, inbreeding, pairs=(i, j), reference_individuals=refs, num_threads=2)
        single = [estimate_trioml(t, inbreeding, pairs=(i, j), reference_individuals=refs[z:z + 1])["trioml"].to_numpy()
                  for z in range(5)]
    np.testing.assert_allclose(forward["trioml"], backward["trioml"], rtol=0, atol=1e-6, equal_nan=True)
    np.testing.assert_array_equal(forward["trioml"].to_numpy(), threads["trioml"].to_numpy())
    # the estimate is that of the reference it names, and no earlier reference gave a smaller one
    single = np.array(single)
    for p, row in enumerate(forward.itertuples()):
        if row.n_loci == 0:
            continue
        z = row.trioml_reference
        assert single[z, p] == row.trioml
        assert (single[:z, p] >= 1e-4).all() and (single[:z, p] >= row.trioml).all()
        if row.trioml >= 1e-4:
            assert z == np.argmin(single[:, p])


def test_reproducible_with_a_seed(test_data):
    t = _related_example(test_data).subset(samples=range(15))
    a = estimate_trioml(t, seed=5, n_reference=20)
    b = estimate_trioml(t, seed=5, n_reference=20)
    np.testing.assert_array_equal(a["trioml"], b["trioml"])


def test_bad_reference_count():
    t = _table([[[1, 2]], [[1, 1]], [[2, 2]]])
    with pytest.raises(ModelError, match="at least one reference"):
        estimate_trioml(t, n_reference=0, seed=1)


def _coancestry(test_data):
    return pd.read_csv(test_data / "reference/relate/coancestry_trioml_every10th.tsv.gz", sep="\t")


def _agreement(ours, theirs):
    d = np.asarray(ours) - np.asarray(theirs)
    return {"mean": d.mean(), "q99": np.quantile(np.abs(d), 0.99), "same": np.mean(np.abs(d) < 5e-4),
            "corr": np.corrcoef(ours, theirs)[0, 1]}


@functools.cache
def _against_coancestry(test_data, inbreeding, column, step):
    t = _related_example(test_data)
    theirs = _coancestry(test_data).iloc[::step]
    index = {s: k for k, s in enumerate(t.sample_id)}
    pairs = theirs["ind1.id"].map(index).to_numpy(), theirs["ind2.id"].map(index).to_numpy()
    got = estimate_trioml(t, inbreeding=inbreeding, seed=12345, pairs=pairs, num_threads=2)
    return _agreement(got["trioml"], theirs[column]), _agreement(theirs[f"{column}_seed54321"], theirs[column])


def test_outbred_agrees_with_coancestry_as_closely_as_coancestry_with_itself(test_data):
    """related 1.0 trioml, ``allow.inbreeding = TRUE`` (test_data/reference/relate/README.md).  Each
    program draws its own references, so pairs agree only where the likelihood pins r down; genmon
    (seed 12345) must differ from COANCESTRY about as much as COANCESTRY run with two rng seeds
    differs from itself.  Measured: mean difference -0.0006 (itself -0.0003), correlation 0.9966
    (0.9976), share within 5e-4 0.718 (0.748), 99th percentile of |difference| 0.039 (0.036)."""
    ours, itself = _against_coancestry(test_data, False, "outbred", 1)
    assert abs(ours["mean"]) < 0.002 and abs(itself["mean"]) < 0.002
    assert ours["corr"] > itself["corr"] - 0.002
    assert ours["same"] > itself["same"] - 0.05
    assert ours["q99"] < 1.25 * itself["q99"]


def test_inbred_agrees_with_coancestry_on_average(test_data):
    """related 1.0's default (66 coefficients).  Measured on every 50th pair: mean difference
    +0.0023 (COANCESTRY with itself -0.0001), correlation 0.9981 (0.9986)."""
    ours, itself = _against_coancestry(test_data, True, "inbred", 5)
    assert abs(ours["mean"]) < 0.003 and abs(itself["mean"]) < 0.003
    assert ours["corr"] > itself["corr"] - 0.002


@pytest.mark.xfail(strict=True, reason="with 66 coefficients genmon's pair-by-pair differences from COANCESTRY "
                                       "exceed COANCESTRY's own seed-to-seed spread (q99 0.058 vs 0.041); "
                                       "cause not found, see test_data/reference/relate/README.md")
def test_inbred_agrees_with_coancestry_as_closely_as_coancestry_with_itself(test_data):
    ours, itself = _against_coancestry(test_data, True, "inbred", 5)
    assert ours["q99"] < 1.25 * itself["q99"]

def test_bootstrap_keeps_each_pairs_reference(test_data):
    from genmon.relate.bootstrap import bootstrap_intervals
    from genmon.relate.likelihood import _error_vector
    from genmon.relate.triadic import trioml_with_chosen

    # two loci: every replicate counts the loci (2, 0), (1, 1) or (0, 2), with probabilities 1/4, 1/2,
    # 1/4, so with 1,000 replicates COANCESTRY's ranks 25 and 975 are the smallest and largest of the
    # three estimates against the pair's chosen reference
    t = _related_example(test_data).subset(samples=range(30), loci=[0, 1])
    panel = prepare_loci(t)
    refs = simulate_references(panel, 20, seed=2)
    i, j = all_pairs(t.n_samples)
    point = estimate_trioml(t, pairs=(i, j), reference_individuals=refs)
    chosen = point["trioml_reference"].to_numpy()
    error = _error_vector(None, 2)
    again = trioml_with_chosen(panel, i, j, False, error, refs, chosen, np.ones(2))
    np.testing.assert_array_equal(again, point["trioml"].to_numpy())
    each = np.array([trioml_with_chosen(panel, i, j, False, error, refs, chosen, np.array(c, dtype=float))
                     for c in ((2, 0), (1, 1), (0, 2))])
    ci = bootstrap_intervals(t, ["trioml"], 1000, 5, pairs=(i, j), trioml_references=refs, trioml_chosen=chosen)
    ok = point["n_loci"].to_numpy() == 2
    np.testing.assert_allclose(ci["trioml_ci_low"][ok], np.nanmin(each, axis=0)[ok])
    np.testing.assert_allclose(ci["trioml_ci_high"][ok], np.nanmax(each, axis=0)[ok])
    with pytest.raises(ModelError, match="trioml bootstrap needs"):
        bootstrap_intervals(t, ["trioml"], 10, 5, pairs=(i, j))
