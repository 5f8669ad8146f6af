"""Bootstrap intervals over loci: seeded, equal to re-estimating on resampled panels."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import write_genotypes
from genmon.cli import cli
from genmon.exceptions import ModelError
from genmon.relate.bootstrap import bootstrap_intervals, locus_resamples, percentile_limits
from genmon.relate.likelihood import estimate_dyadml
from genmon.relate.moments import ESTIMATORS
from tests.reference import relate as ref
from tests.test_relate import _related_example, _table


def _small(test_data):
    return _related_example(test_data).subset(samples=range(15))


def test_seeded_and_reproducible(test_data):
    t = _small(test_data)
    a = bootstrap_intervals(t, ["qg", "dyadml"], 30, seed=4)
    b = bootstrap_intervals(t, ["qg", "dyadml"], 30, seed=4)
    c = bootstrap_intervals(t, ["qg", "dyadml"], 30, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["qg_ci_low"], c["qg_ci_low"])
    assert (a["qg_ci_low"] <= a["qg_ci_high"]).all() and (a["dyadml_ci_low"] <= a["dyadml_ci_high"]).all()


def test_moment_intervals_match_twin_on_resampled_loci(test_data):
    # Re-estimating each replicate from a table whose loci are the drawn ones (repeats kept)
    # gives the same per-locus frequencies, hence the same replicates.
    t = _small(test_data)
    draws = locus_resamples(t.n_loci, 20, seed=11)
    reps = np.stack([ref.all_pair_estimates(t.call_genotype[:, loci])[:, :5] for loci in draws])
    # every pair of these 15 individuals shares a typed locus in every draw: no redraws
    assert np.isfinite(reps).all()
    for interval in ("coancestry", "quantile"):
        got = bootstrap_intervals(t, list(ESTIMATORS), 20, seed=11, interval=interval)
        for k, name in enumerate(ESTIMATORS):
            expected = percentile_limits(reps[:, :, k], interval=interval)
            np.testing.assert_allclose(got[f"{name}_ci_low"], expected[0], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(got[f"{name}_ci_high"], expected[1], rtol=1e-9, atol=1e-12)


def test_dyadml_intervals_match_estimates_on_resampled_tables(test_data):
    t = _small(test_data)
    draws = locus_resamples(t.n_loci, 10, seed=2)
    got = bootstrap_intervals(t, ["dyadml"], 10, seed=2, error_rates=0.01)
    vals = t.call_genotype.astype(np.int64)
    reps = []
    for loci in draws:
        resampled = _table(vals[:, loci])
        reps.append(estimate_dyadml(resampled, error_rates=0.01)["dyadml"].to_numpy())
    low, high = percentile_limits(np.stack(reps))
    np.testing.assert_allclose(got["dyadml_ci_low"], low, atol=1e-7)
    np.testing.assert_allclose(got["dyadml_ci_high"], high, atol=1e-7)


def test_bad_bootstrap_arguments(test_data):
    t = _small(test_data)
    with pytest.raises(ModelError, match="at least 1"):
        locus_resamples(t.n_loci, 0, seed=1)
    with pytest.raises(ModelError, match="no bootstrap for king"):
        bootstrap_intervals(t, ["king"], 2, seed=1)
    with pytest.raises(ModelError, match="unknown bootstrap interval 'bca'"):
        bootstrap_intervals(t, ["qg"], 2, seed=1, interval="bca")


def test_cli_dyadml_and_bootstrap_columns(test_data, tmp_path):
    t = _related_example(test_data).subset(samples=range(12))
    src = tmp_path / "g.csv"
    write_genotypes(t, src, "wide")
    runner = CliRunner()
    args = ["relate", str(src), "-o", str(tmp_path / "rel"), "--estimator", "qg,dyadml", "--bootstrap", "25",
            "--seed", "9", "--no-classes"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    pairs = pd.read_csv(tmp_path / "rel/pairs.tsv", sep="\t", keep_default_na=False)
    assert list(pairs.columns) == ["id_1", "id_2", "n_loci", "qg", "dyadml", "qg_ci_low", "qg_ci_high",
                                   "dyadml_ci_low", "dyadml_ci_high", "reason"]
    expected = estimate_dyadml(t)["dyadml"].to_numpy()
    np.testing.assert_allclose(pairs["dyadml"].astype(float), expected, atol=1e-6)
    again = runner.invoke(cli, [*args[:3], str(tmp_path / "rel2"), *args[4:]])
    assert again.exit_code == 0
    assert (tmp_path / "rel/pairs.tsv").read_text() == (tmp_path / "rel2/pairs.tsv").read_text()
    bad = runner.invoke(cli, ["relate", str(src), "-o", str(tmp_path / "x"), "--estimator", "trioml"])
    assert bad.exit_code != 0 and "unknown estimators trioml" in bad.output
