"""Moment relatedness estimators: hand-worked, twin, properties, COANCESTRY's output."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from genmon import GenotypeTable
from genmon.exceptions import ModelError
from genmon.relate.moments import (
    ESTIMATORS,
    MonomorphicLocusWarning,
    all_pairs,
    estimate_relatedness,
)
from tests.reference import relate as ref


def _table(values, missing=-1):
    values = np.asarray(values)
    return GenotypeTable.from_alleles(values, [f"L{i}" for i in range(values.shape[1])],
                                      sample_ids=[f"s{i}" for i in range(values.shape[0])], missing=missing)


def _related_example(test_data):
    raw = pd.read_csv(test_data / "related/GenotypeData.txt", sep=r"\s+", header=None)
    vals = raw.iloc[:, 1:].to_numpy().reshape(len(raw), -1, 2)
    return _table(vals, missing=0).with_samples(pd.DataFrame({"sample_id": raw[0].astype(str)}))


def test_hand_worked_queller_goodnight():
    # One locus, alleles 1 and 2, sample: x = 1/1, y = 1/2, z = 2/2 -> p1 = p2 = 1/2.
    # Pair (x, y): M = 2.  x as reference: (2 - 2(1/2 + 1/2)) / (2*2 - 2) = 0 / 2
    # y as reference: (2 - 2(1/2 + 1/2)) / (2*1 - 2) = 0 / 0; pooled: (0 + 0) / (2 + 0) = 0.
    # Pair (x, z): M = 0 -> pooled (-2 - 2) / (2 + 2) = -1.
    t = _table([[[1, 1]], [[1, 2]], [[2, 2]]])
    r = estimate_relatedness(t, ["qg"])
    assert r["qg"].tolist() == [0.0, -1.0, 0.0]


def test_identical_genotypes_at_many_loci_are_near_one():
    rng = np.random.default_rng(1)
    vals = rng.integers(100, 110, size=(30, 20, 2))
    vals[1] = vals[0]
    r = estimate_relatedness(_table(vals), pairs=(np.array([0]), np.array([1])))
    # identical multi-locus genotypes: every estimator is close to 1 (LR and Ritland are noisier)
    for name in ("qg", "lynchli", "wang"):
        assert r.loc[0, name] == pytest.approx(1.0, abs=0.15), name


@pytest.mark.parametrize("convention", ["coancestry", "published"])
def test_kernel_matches_reference_twin_on_real_data(test_data, convention):
    t = _related_example(test_data).subset(samples=range(40))
    got = estimate_relatedness(t, convention=convention)
    expected = ref.all_pair_estimates(t.call_genotype, convention)
    np.testing.assert_allclose(got[list(ESTIMATORS)].to_numpy(), expected[:, :5], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(got["n_loci"], expected[:, 5])


genotypes = st.integers(2, 9).flatmap(
    lambda n: arrays(np.int64, st.tuples(st.just(n), st.integers(1, 5), st.just(2)),
                     elements=st.integers(-1, 4)))


@settings(max_examples=60, deadline=None)
@given(genotypes, st.sampled_from(["coancestry", "published"]))
def test_kernel_matches_twin_with_missing_data(vals, convention):
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        got = estimate_relatedness(t, convention=convention)
        expected = ref.all_pair_estimates(t.call_genotype, convention)
    np.testing.assert_allclose(got[list(ESTIMATORS)].to_numpy(), expected[:, :5], rtol=1e-9, atol=1e-9,
                               equal_nan=True)
    np.testing.assert_array_equal(got["n_loci"], expected[:, 5])


@settings(max_examples=40, deadline=None)
@given(genotypes, st.randoms())
def test_symmetric_and_thread_invariant(vals, random):
    vals = np.where(vals < 0, -1, vals + 100)
    t = _table(vals)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonomorphicLocusWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        i, j = all_pairs(t.n_samples)
        forward = estimate_relatedness(t, pairs=(i, j))
        backward = estimate_relatedness(t, pairs=(j, i))
        threads = estimate_relatedness(t, pairs=(i, j), num_threads=2)
    cols = list(ESTIMATORS)
    np.testing.assert_allclose(forward[cols], backward[cols], rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(forward[cols].to_numpy(), threads[cols].to_numpy())


def test_agrees_with_coancestry_output(test_data):
    """related 1.0 / COANCESTRY output (test_data/reference/relate/README.md)."""
    t = _related_example(test_data)
    got = estimate_relatedness(t)
    expected = pd.read_csv(test_data / "reference/relate/coancestry_moments_every10th.tsv.gz", sep="\t")
    expected = expected.rename(columns=lambda c: c if c.endswith(".id") else "ref_" + c)
    merged = expected.merge(got, left_on=["ind1.id", "ind2.id"], right_on=["id_1", "id_2"], how="left")
    assert len(merged) == 7547 and merged["id_1"].notna().all()
    for ours, theirs in [("qg", "quellergt"), ("lr", "lynchrd"), ("lynchli", "lynchli"), ("ritland", "ritland"),
                         ("wang", "wang")]:
        # COANCESTRY prints 4 decimals of single-precision values: agreement to +-1 in the last digit.
        diff = np.abs(merged[ours] - merged["ref_" + theirs])
        assert diff.max() <= 1e-4 + 1e-7, (ours, diff.max())


def test_pair_without_shared_locus_is_nan_with_reason():
    t = _table([[[100, 101], [-1, -1]], [[-1, -1], [200, 201]], [[100, 100], [200, 200]]])
    r = estimate_relatedness(t)
    first = r.iloc[0]
    assert first["n_loci"] == 0 and np.isnan(first["qg"]) and first["reason"] == "no locus typed in both individuals"


def test_monomorphic_locus_warns():
    t = _table([[[100, 101], [5, 5]], [[101, 101], [5, 5]], [[100, 100], [5, 5]]])
    with pytest.warns(MonomorphicLocusWarning, match="locus L1: 1 allele"):
        r = estimate_relatedness(t)
    assert (r["n_loci"] == 1).all()


def test_bad_arguments():
    t = _table([[[100, 101]], [[101, 101]]])
    with pytest.raises(ModelError, match="unknown estimators"):
        estimate_relatedness(t, ["kinship"])
    with pytest.raises(ModelError, match="unknown convention"):
        estimate_relatedness(t, convention="plink")


# --- kinship classes, simulation and power -------------------------------------------------

from click.testing import CliRunner  # noqa: E402

from genmon.cli import cli  # noqa: E402
from genmon.relate import pair_log_likelihoods, relatedness_power, simulate_pairs  # noqa: E402
from genmon.relate.classes import RELATIONSHIPS, classify_pairs  # noqa: E402


def test_class_likelihoods_hand_worked():
    # p = (1/2, 1/2); x = 0/1, y = 0/1.  U: (1/2)(1/2) = 1/4.  Two alleles IBD: P(x) = 1/2.
    # One allele IBD: x passes 0 (then y needs 1: p=1/2) or 1 (y needs 0: 1/2) -> 1/2 * 1/2 = 1/4.
    # PO = 1/4; FS = 1/4*1/4 + 1/2*1/4 + 1/4*1/2 = 5/16; HS = 1/2*1/4 + 1/2*1/4 = 1/4.
    x = np.array([[[0, 1]]])
    ll = pair_log_likelihoods(x, x, [np.array([0.5, 0.5])])
    np.testing.assert_allclose(np.exp(ll[0]), [0.25, 5 / 16, 0.25, 0.25])


def test_genotyping_error_pulls_towards_unrelated():
    x, y = np.array([[[0, 0]]]), np.array([[[1, 1]]])  # incompatible with PO
    f = [np.array([0.5, 0.5])]
    assert np.isneginf(pair_log_likelihoods(x, y, f)[0, 0])
    assert np.isfinite(pair_log_likelihoods(x, y, f, error_rates=np.array([0.01]))[0, 0])


def test_simulated_pairs_have_expected_sharing():
    f = [np.array([0.25, 0.25, 0.25, 0.25])] * 200
    x, y = simulate_pairs(f, "PO", 50, seed=1)
    shares = ((x[:, :, :, None] == y[:, :, None, :]).any(axis=(2, 3))).mean()
    assert shares == 1.0  # a parent and child always share an allele
    x, y = simulate_pairs(f, "FS", 50, seed=1)
    assert 0.2 < (np.sort(x, axis=2) == np.sort(y, axis=2)).all(axis=2).mean() < 0.45


def test_power_means_recover_expected_relatedness(test_data):
    t = _related_example(test_data)
    report = relatedness_power(t, n_pairs=1500, seed=7)
    summary = report.summary.set_index(["estimator", "true_class"])
    for est in ("qg", "lr", "lynchli", "wang"):
        for rel, expected in (("PO", 0.5), ("FS", 0.5), ("HS", 0.25), ("U", 0.0)):
            assert abs(summary.loc[(est, rel), "mean"] - expected) < 0.02, (est, rel)
    conf = report.classifier_confusion.set_index("true_class")
    assert conf.loc["PO", "PO"] > 0.9 and conf.loc["U", "U"] > 0.8
    assert np.allclose(conf[list(RELATIONSHIPS)].sum(axis=1), 1.0)


def test_classify_support_is_log_ratio():
    ll = np.array([[-1.0, -3.0, -2.0, -5.0]])
    cls, support = classify_pairs(ll)
    assert cls.tolist() == ["PO"] and support.tolist() == [1.0]


def test_cli_relate_and_power(test_data, tmp_path):
    t = _related_example(test_data).subset(samples=range(30))
    from genmon import write_genotypes

    src = tmp_path / "g.csv"
    write_genotypes(t, src, "wide")
    runner = CliRunner()
    result = runner.invoke(cli, ["relate", str(src), "-o", str(tmp_path / "rel"), "--matrix"])
    assert result.exit_code == 0, result.stderr
    pairs = pd.read_csv(tmp_path / "rel/pairs.tsv", sep="\t", keep_default_na=False)
    assert len(pairs) == 30 * 29 // 2
    assert list(pairs.columns) == ["id_1", "id_2", "n_loci", *ESTIMATORS, "class", "class_lr", "reason"]
    assert (tmp_path / "rel/matrix_wang.tsv").exists() and (tmp_path / "rel/kinship_network.svg").exists()
    result = runner.invoke(cli, ["relate", "power", str(src), "-o", str(tmp_path / "pw"), "--pairs", "50",
                                 "--seed", "3"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "pw/power_classifier_confusion.tsv").exists()
