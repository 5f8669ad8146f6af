"""``genmon markers``: end to end on nancycats, mocked library call, errors and exit codes."""

import json
from unittest import mock

import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.cli import cli

FAST = ["--ld-permutations", "50", "--permutations", "19", "--bootstraps", "20", "--simulations", "200",
        "--hwe-steps", "500", "4", "500"]


@pytest.mark.filterwarnings("always::genmon.markers.MarkerWarning")
def test_end_to_end_nancycats(test_data, tmp_path):
    out = tmp_path / "out"
    args = ["markers", str(test_data / "nancycats/nancycats.dat"), "--by", "pop", "-o", str(out), "--seed", "7",
            *FAST, "--no-pairwise"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "loci for PIsibs < 0.01: 5, < 0.001: 7" in result.stderr
    for name in ("locus_stats.tsv", "identity.tsv", "ld.tsv", "differentiation.tsv", "assignment.tsv",
                 "identity_curve.png", "identity_curve.svg", "allele_frequencies.png", "allele_frequencies.svg",
                 "run.json"):
        assert (out / name).exists(), name
    stats = pd.read_csv(out / "locus_stats.tsv", sep="\t", keep_default_na=False, na_values=["NA"])
    pooled = stats[stats.population == "(all)"].set_index("locus")
    assert pooled.loc["fca8", "ho"] == pytest.approx(0.668203, abs=1e-6)
    assert pooled.loc["fca8", "he"] == pytest.approx(0.865722, abs=1e-6)
    assert len(stats) == 9 * 18
    # the population untyped at fca45 carries its reason
    assert stats.set_index(["population", "locus"]).loc[("17", "fca45"), "reason"] == "no typed individuals"
    assert "warning: locus fca45, population 17: no complete genotype; statistics are NaN" in result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 7 and run["parameters"]["by"] == "pop"
    assert run["parameters"]["hwe_batch_size"] == 500
    assert stats.loc[stats.hwe_method == "mcmc", "hwe_steps"].eq(2500).all()
    assert run["inputs"][0]["sha256"]
    assert run["results"]["pi_sibs_loci_needed"] == {"0.01": 5, "0.001": 7}
    # the recorded parameters reproduce the tables byte for byte
    again = CliRunner().invoke(cli, args[:5] + [str(tmp_path / "again")] + args[6:] + ["--plots", "none"])
    assert again.exit_code == 0
    assert not (tmp_path / "again" / "identity_curve.svg").exists()
    for name in ("locus_stats.tsv", "identity.tsv", "ld.tsv", "differentiation.tsv", "assignment.tsv"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_refuses_to_overwrite(test_data, tmp_path):
    (tmp_path / "locus_stats.tsv").write_text("x")
    result = CliRunner().invoke(cli, ["markers", str(test_data / "nancycats/nancycats.dat"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "exists; use --force to overwrite it" in result.stderr


def test_missing_population_exit_3(test_data, tmp_path):
    result = CliRunner().invoke(cli, ["markers", str(test_data / "malformed/markers_missing_population.csv"),
                                      "--by", "pop", "-o", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: sample RU-0003: found no population label, expected a population for every sample "
        "when grouping by population\n")
    assert not (tmp_path / "out" / "locus_stats.tsv").exists()


def test_library_called_once_with_options(test_data, tmp_path):
    with mock.patch("genmon.cli.markers.analyse_markers") as analyse, \
            mock.patch("genmon.cli.markers.write_markers") as write:
        analyse.return_value.parameters = {"seed": 3}
        analyse.return_value.identity.loci_needed = {0.01: 2, 0.001: None}
        result = CliRunner().invoke(cli, ["markers", str(test_data / "nancycats/nancycats.dat"), "-o",
                                          str(tmp_path / "o"), "--seed", "3", "--rarefaction-n", "5",
                                          "--assignment-method", "paetkau", "--threads", "2"])
    assert result.exit_code == 0, result.stderr
    (table, by), kwargs = analyse.call_args
    assert by is None and table.n_loci == 9
    assert kwargs == {"seed": 3, "rarefaction_n": 5, "ld_permutations": 1000, "n_boot": 1000, "n_perm": 999,
                      "pairwise": True, "assignment_method": "paetkau", "n_sim": 10000, "hwe_burn_in": 10000,
                      "hwe_batches": 20, "hwe_batch_size": 5000, "num_threads": 2}
    assert write.call_count == 1
    assert "< 0.001: not reached" in result.stderr


@pytest.mark.filterwarnings("ignore::genmon.markers.MarkerWarning")
def test_recorded_parameters_reproduce_the_analysis(test_data):
    from genmon import read_genotypes
    from genmon.markers import analyse_markers

    table = read_genotypes(test_data / "nancycats/nancycats.dat")
    fast = dict(ld_permutations=30, n_boot=10, n_perm=9, pairwise=False, n_sim=100,
                hwe_burn_in=200, hwe_batches=2, hwe_batch_size=200)
    first = analyse_markers(table, "pop", seed=None, **fast)
    drawn = first.parameters["seed"]
    assert isinstance(drawn, int)
    params = {k: v for k, v in first.parameters.items() if k not in ("by", "conventions")}
    again = analyse_markers(table, first.parameters["by"], **params)
    for name in ("locus_stats", "ld", "differentiation", "assignment"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name))
