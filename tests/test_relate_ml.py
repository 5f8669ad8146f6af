"""Dyadic ML relatedness: hand-worked, twin, properties, COANCESTRY's output."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon.exceptions import ModelError
from genmon.relate.likelihood import ALL_STATES, OUTBRED_STATES, estimate_dyadml
from genmon.relate.moments import MonomorphicLocusWarning, all_pairs, prepare_loci
from tests.reference import relate_ml as ref
from tests.test_relate import _related_example, _table


def _freqs(table, convention="coancestry"):
    panel = prepare_loci(table, convention)
    return panel, [panel.freq[k][:table.loci[k].n_alleles] for k in range(table.n_loci)]


def test_hand_worked_heterozygous_pair():
    # p = (1/2, 1/2), x = y = A/B.  Unrelated: (2 p_A p_B)^2 = 1/4; two genes IBD: 1/2; one: 1/4.
    # With error E each gene shows A or B at 1/2 whatever it carries, so state 9 stays 1/4 and
    # state 8 stays 1/4 (worked out over the four orderings), while state 7 becomes
    # (u^2 + v^2)^2 / 2 + 2 u^2 v^2 with u = 1 - E/2, v = E/2: 0.414025 at E = 0.1.
    t = _table([[[1, 2]], [[1, 2]], [[1, 1]], [[2, 2]]])
    for error, p7 in ((0.0, 0.5), (0.1, 0.414025)):
        est = estimate_dyadml(t, error_rates=error, pairs=([0], [1])).iloc[0]
        assert est["dyadml"] == pytest.approx(1.0) and est["delta7"] == pytest.approx(1.0)
        assert est["dyadml_lnlr"] == pytest.approx(math.log(p7 / 0.25), abs=1e-12)


def test_opposite_homozygotes_are_unrelated_without_error():
    # A/A and B/B share no allele: states 7 and 8 have probability 0, so Delta9 = 1 and r = 0.
    t = _table([[[1, 1], [5, 6]], [[2, 2], [5, 6]], [[1, 2], [5, 5]], [[1, 2], [6, 6]]])
    est = estimate_dyadml(t, pairs=([0], [1]), convention="published").iloc[0]
    assert est["delta9"] == pytest.approx(1.0, abs=1e-12) and est["dyadml"] == pytest.approx(0.0, abs=1e-12)


def test_twin_probabilities_match_closed_forms():
    # Without error: AA/AA under states 1, 2, 7, 8, 9 is p, p^2, p^2, p^3, p^4.
    p = np.array([0.3, 0.7])
    probs = ref.jacquard_probabilities([0, 0], [0, 0], p)
    np.testing.assert_allclose(probs[[0, 1, 6, 7, 8]], [0.3, 0.09, 0.09, 0.027, 0.0081])
    # AB/AB unrelated: (2 pA pB)^2; state 7: 2 pA pB
    probs = ref.jacquard_probabilities([0, 1], [1, 0], p)
    np.testing.assert_allclose(probs[[6, 8]], [0.42, 0.42**2])


def test_kernel_matches_twin_on_real_data(test_data):
    t = _related_example(test_data).subset(samples=range(10))
    panel, freqs = _freqs(t)
    got = estimate_dyadml(t)
    for row, (i, j) in zip(got.itertuples(), zip(*all_pairs(t.n_samples), strict=True), strict=True):
        r, lnlr, delta, n = ref.dyadml_pair(panel.calls, freqs, i, j, OUTBRED_STATES)
        assert row.n_loci == n
        assert row.dyadml_lnlr == pytest.approx(lnlr, abs=1e-7)
        assert row.dyadml == pytest.approx(r, abs=1e-4), (i, j)


genotypes = st.integers(3, 6).flatmap(
    lambda n: arrays(np.int64, st.tuples(st.just(n), st.integers(1, 3), st.just(2)), elements=st.integers(-1, 3)))


@settings(max_examples=25, deadline=None)
@given(genotypes, st.booleans(), st.sampled_from([0.0, 0.05]))
def test_kernel_reaches_the_twin_maximum(vals, inbreeding, error):
    # The maximiser may not be unique (one or two loci): compare maximal likelihoods, not r.
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        panel, freqs = _freqs(t, "published")
        got = estimate_dyadml(t, inbreeding=inbreeding, error_rates=error, convention="published")
    states = ALL_STATES if inbreeding else OUTBRED_STATES
    errors = np.full(t.n_loci, error)
    for row, (i, j) in zip(got.itertuples(), zip(*all_pairs(t.n_samples), strict=True), strict=True):
        r, lnlr, delta, n = ref.dyadml_pair(panel.calls, freqs, i, j, states, errors)
        assert row.n_loci == n
        if n == 0:
            assert math.isnan(row.dyadml) and row.reason == "no locus typed in both individuals"
            continue
        deltas = np.array([getattr(row, f"delta{s + 1}") for s in range(9)])
        assert deltas.sum() == pytest.approx(1.0) and (deltas >= 0).all()
        assert deltas[np.setdiff1d(np.arange(9), states)].max(initial=0) == 0
        # never worse than SLSQP, and SLSQP's optimum is (to its tolerance) no better
        assert row.dyadml_lnlr >= lnlr - 1e-7
        assert row.dyadml_lnlr == pytest.approx(lnlr, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(genotypes, st.booleans())
def test_symmetric_and_thread_invariant(vals, inbreeding):
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        i, j = all_pairs(t.n_samples)
        forward = estimate_dyadml(t, inbreeding, pairs=(i, j))
        backward = estimate_dyadml(t, inbreeding, pairs=(j, i))
        threads = estimate_dyadml(t, inbreeding, pairs=(i, j), num_threads=2)
    # swapping the individuals swaps states 3<->5 and 4<->6 but leaves the likelihood and r unchanged
    for col in ("dyadml_lnlr", "n_loci"):
        np.testing.assert_allclose(forward[col], backward[col], rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_array_equal(forward["dyadml"].to_numpy(), threads["dyadml"].to_numpy())


def test_allele_relabelling_does_not_change_estimates(test_data):
    t = _related_example(test_data).subset(samples=range(25))
    vals = t.call_genotype.astype(np.int64)
    relabelled = np.where(vals >= 0, 500 - vals, -1)  # a different order of the allele tables
    a = estimate_dyadml(t)
    b = estimate_dyadml(_table(relabelled))
    np.testing.assert_allclose(a["dyadml"], b["dyadml"], atol=1e-9)


def test_bad_error_rates():
    t = _table([[[1, 2]], [[1, 1]], [[2, 2]]])
    with pytest.raises(ModelError, match="error rates must be in"):
        estimate_dyadml(t, error_rates=1.5)


def _coancestry(test_data):
    return pd.read_csv(test_data / "reference/relate/coancestry_dyadml_every10th.tsv.gz", sep="\t")


def _their_pairs(t, theirs):
    index = {s: k for k, s in enumerate(t.sample_id)}
    return theirs["ind1.id"].map(index).to_numpy(), theirs["ind2.id"].map(index).to_numpy()


@pytest.mark.parametrize("error", [0.0, 0.02])
def test_outbred_agrees_with_coancestry_to_three_decimals(test_data, error):
    """related 1.0 ``allow.inbreeding = TRUE`` (which, inverted, estimates only Delta7-9):
    test_data/reference/relate/README.md."""
    t = _related_example(test_data)
    theirs = _coancestry(test_data)
    got = estimate_dyadml(t, error_rates=error, pairs=_their_pairs(t, theirs))
    m = theirs.merge(got, left_on=["ind1.id", "ind2.id"], right_on=["id_1", "id_2"], how="left")
    assert len(m) == 7547 and m["id_1"].notna().all()
    col = "outbred" if error == 0 else "outbred_err02"
    diff = np.abs(m["dyadml"] - m[col])
    # COANCESTRY stops at a relative log-likelihood change of 1e-6 and prints 4 decimals: its
    # estimates sit within ~1e-4 of the maximum; 3-decimal agreement everywhere.
    assert np.median(diff) < 2e-5
    assert diff.max() < 5e-4, diff.max()


def test_coancestry_outbred_estimates_are_never_more_likely(test_data):
    # Where COANCESTRY and genmon differ most, genmon's coefficients are the more likely ones.
    t = _related_example(test_data)
    panel, freqs = _freqs(t)
    theirs = _coancestry(test_data)
    got = estimate_dyadml(t, pairs=_their_pairs(t, theirs))
    m = theirs.merge(got, left_on=["ind1.id", "ind2.id"], right_on=["id_1", "id_2"])
    m["diff"] = np.abs(m["dyadml"] - m["outbred"])
    index = {s: k for k, s in enumerate(t.sample_id)}
    for row in m.nlargest(5, "diff").itertuples():
        coef = ref.pair_coefficients(panel.calls, freqs, index[row.id_1], index[row.id_2])
        ours = np.array([getattr(row, f"delta{s + 1}") for s in range(9)])
        their = np.zeros(9)
        their[6:9] = row.outbred_delta7, row.outbred_delta8, 1 - row.outbred_delta7 - row.outbred_delta8
        assert ref.log_likelihood(coef, ours) >= ref.log_likelihood(coef, their)


@pytest.mark.parametrize("error", [0.0, 0.02])
def test_inbreeding_agrees_with_coancestry(test_data, error):
    """related 1.0's default (``allow.inbreeding = FALSE``, i.e. all nine coefficients)."""
    t = _related_example(test_data)
    theirs = _coancestry(test_data)
    got = estimate_dyadml(t, inbreeding=True, error_rates=error, pairs=_their_pairs(t, theirs))
    m = theirs.merge(got, left_on=["ind1.id", "ind2.id"], right_on=["id_1", "id_2"])
    diff = np.abs(m["dyadml"] - m["inbred" if error == 0 else "inbred_err02"])
    # Nine coefficients from ten loci leave flat likelihood ridges along which COANCESTRY's early
    # stop lands up to 0.02 from the maximum (profile likelihoods in the README): 3 decimals
    # for 99% of the pairs, the median difference at the 4th decimal's rounding.
    assert np.median(diff) < 2e-5
    assert np.quantile(diff, 0.99) < 5e-4


def test_simulated_pairs_in_the_power_report(test_data):
    # Related's example panel, 1,500 simulated pairs per class (seed 7): dyadml's means are
    # PO 0.518, FS 0.499, HS 0.262, U 0.040.  An estimate bounded by 0 cannot average 0 over
    # unrelated pairs (Milligan 2003), but it varies less than the unbounded moment estimators.
    from genmon.relate import relatedness_power

    report = relatedness_power(_related_example(test_data), n_pairs=1500, seed=7)
    summary = report.summary.set_index(["estimator", "true_class"])
    for rel, expected in (("PO", 0.5), ("FS", 0.5), ("HS", 0.25)):
        assert abs(summary.loc[("dyadml", rel), "mean"] - expected) < 0.02, rel
    assert 0 < summary.loc[("dyadml", "U"), "mean"] < 0.1
    assert summary.loc[("dyadml", "U"), "sd"] < summary.loc[("wang", "U"), "sd"]
    # trioml (100 references) takes the smallest estimate over references, which lowers the
    # unrelated pairs' bias (Wang 2007: IBS less often read as IBD) at the cost of underestimating
    # related pairs: measured means PO 0.480, FS 0.457, HS 0.218, U 0.031, below dyadml's in every class.
    for rel in ("PO", "FS", "HS", "U"):
        assert summary.loc[("trioml", rel), "mean"] < summary.loc[("dyadml", rel), "mean"], rel
    for rel, expected in (("PO", 0.5), ("FS", 0.5), ("HS", 0.25)):
        assert -0.06 < summary.loc[("trioml", rel), "mean"] - expected < 0, rel
    u = summary.loc[("trioml", "U")]
    assert 0 < u["mean"] < summary.loc[("dyadml", "U"), "mean"]
    assert np.hypot(u["mean"], u["sd"]) < np.hypot(*summary.loc[("dyadml", "U"), ["mean", "sd"]])
