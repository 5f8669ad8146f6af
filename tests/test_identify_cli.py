"""``genmon identify``: options, outputs, errors."""

from __future__ import annotations

import json
from unittest import mock

import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.cli import cli
from genmon.identify.output import OUTPUT_FILES


def _run(args):
    return CliRunner().invoke(cli, ["identify", *map(str, args)])


def test_calls_the_library_with_the_options(test_data, tmp_path):
    src = test_data / "allelematch" / "amExample1.csv"
    with (
        mock.patch("genmon.cli.identify.identify_individuals") as fn,
        mock.patch("genmon.cli.identify.write_identify") as write,
    ):
        fn.return_value.summary = {
            "n_samples": 20,
            "n_individuals": 12,
            "n_new": 12,
            "n_recaptured": 0,
            "n_ambiguous": 0,
            "n_unassigned": 0,
        }
        fn.return_value.parameters = {}
        res = _run(
            [
                src,
                "--format",
                "allelematch",
                "--method",
                "likelihood",
                "--allele-mismatch",
                "2",
                "--min-loci",
                "0",
                "--match-sex",
                "--id-pattern",
                "PTA-RU-{n:04d}",
                "--threads",
                "2",
                "-o",
                tmp_path / "out",
            ]
        )
    assert res.exit_code == 0, res.output
    kwargs = fn.call_args.kwargs
    assert kwargs["method"] == "likelihood" and kwargs["allele_mismatch"] == 2.0
    assert kwargs["min_loci"] == 0 and kwargs["include_sex"] is True
    assert kwargs["id_pattern"] == "PTA-RU-{n:04d}" and kwargs["num_threads"] == 2
    assert kwargs["error_rates"].ado.tolist() == [0.05] * 10
    assert kwargs["batch"] == "amExample1.csv" and kwargs["catalogue"] is None
    assert write.called


def test_end_to_end_example2(test_data, tmp_path):
    out = tmp_path / "out"
    res = _run(
        [
            test_data / "allelematch" / "amExample2.csv",
            "--format",
            "allelematch",
            "--method",
            "mismatch",
            "--min-loci",
            "0",
            "-o",
            out,
            "--save-catalogue",
            tmp_path / "cat",
            "--species",
            "Rangifer tarandus caribou",
        ]
    )
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    meta = json.loads((tmp_path / "cat" / "catalogue.json").read_text())
    assert meta["species"] == "Rangifer tarandus caribou" and meta["next_number"] == 101
    for name in OUTPUT_FILES + ("profile.png",):
        assert (out / name).exists(), name
    prof = pd.read_csv(out / "profile.tsv", sep="\t")
    # allelematch 3.0.0, METHODS §5.4 / am_profiles.tsv: 100 unique at alleleMismatch 3 (chosen).
    assert prof["unique"].tolist() == [140, 136, 122, 100, 99, 99, 98, 98, 89]
    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["allele_mismatch"] == 3.0
    assert run["summary"]["n_individuals"] == 100
    a = pd.read_csv(out / "assignments.tsv", sep="\t")
    assert len(a) == 148 and set(a["status"]) == {"new"}
    caps = pd.read_csv(out / "captures.tsv", sep="\t")
    assert len(caps) == 148 and caps["individual"].nunique() == 100
    # second batch against the catalogue: every sample is a recapture
    res = _run(
        [
            test_data / "allelematch" / "amExample2.csv",
            "--format",
            "allelematch",
            "--method",
            "mismatch",
            "--min-loci",
            "0",
            "--allele-mismatch",
            "3",
            "--catalogue",
            tmp_path / "cat",
            "-o",
            tmp_path / "out2",
        ]
    )
    assert res.exit_code == 0, res.output
    a2 = pd.read_csv(tmp_path / "out2" / "assignments.tsv", sep="\t")
    assert (a2["status"] == "recapture").mean() > 0.95


def test_refuses_to_overwrite(test_data, tmp_path):
    (tmp_path / "assignments.tsv").write_text("x")
    res = _run([test_data / "allelematch" / "amExample1.csv", "-o", tmp_path])
    assert res.exit_code == 2 and "use --force" in res.output


def test_bad_allele_mismatch(test_data, tmp_path):
    res = _run(
        [test_data / "allelematch" / "amExample1.csv", "--allele-mismatch", "many", "-o", tmp_path]
    )
    assert res.exit_code == 2 and '"many" is neither a number nor "auto"' in res.output


def test_malformed_error_rates(test_data, tmp_path):
    res = _run(
        [
            test_data / "allelematch" / "amExample1.csv",
            "--format",
            "allelematch",
            "--method",
            "likelihood",
            "--error-rates",
            test_data / "malformed" / "identify_error_rates_bad.tsv",
            "-o",
            tmp_path / "o",
        ]
    )
    assert res.exit_code == 3
    assert res.stdout == ""
    f = test_data / "malformed" / "identify_error_rates_bad.tsv"
    assert res.stderr.splitlines() == [
        f'error: {f}, line 3, locus LOC2: found "five", "0.01", expected two rates in [0, 1)',
        f"error: {f}, line 4, locus LOC3: found ado 1.2, fa 0.01, expected rates in [0, 1)",
        f"error: {f}: found no rates for LOC2, LOC3, LOC4, LOC5, LOC6, LOC7, LOC8, LOC9, LOC10, expected one row "
        "per locus of the genotypes",
    ]


def test_catalogue_with_other_panel_exit_3(test_data, tmp_path):
    res = _run(
        [
            test_data / "allelematch" / "amExample1.csv",
            "--format",
            "allelematch",
            "-o",
            tmp_path / "a",
            "--save-catalogue",
            tmp_path / "cat",
        ]
    )
    assert res.exit_code == 0, res.output
    res = _run(
        [
            test_data / "allelematch" / "amExample5.csv",
            "--format",
            "allelematch",
            "-o",
            tmp_path / "b",
            "--catalogue",
            tmp_path / "cat",
        ]
    )
    assert res.exit_code == 3  # input failed validation: the batch does not fit the catalogue
    src, cat = test_data / "allelematch" / "amExample5.csv", tmp_path / "cat"
    assert res.stderr.startswith(
        f"error: {src}: found allele sizes that do not fit the catalogue's at 10 of 10 loci: "
    )
    assert res.stderr.rstrip().endswith(
        f"expected the allele sizes of {cat}. They look like another allele calibration or another panel under "
        "the same locus names; convert the sizes before matching"
    )


@pytest.mark.parametrize("k", [1])
def test_min_loci_reason_in_output(test_data, tmp_path, k):
    res = _run(
        [
            test_data / "allelematch" / "amExample4.csv",
            "--format",
            "allelematch",
            "--allele-mismatch",
            "6",
            "-o",
            tmp_path / "o",
        ]
    )
    assert res.exit_code == 0, res.output
    a = pd.read_csv(tmp_path / "o" / "assignments.tsv", sep="\t", dtype=str)
    un = a[a["reason"].fillna("").str.startswith("typed at")]
    assert len(un) == 5  # 1 sample typed at 3 loci and 4 at 4 loci, fewer than 5
    assert set(un["status"]) == {"unassigned"}


def test_malformed_catalogue(test_data, tmp_path):
    cat = test_data / "malformed" / "identify_catalogue_bad_genotype"
    res = _run(
        [
            test_data / "allelematch" / "amExample3.csv",
            "--format",
            "allelematch",
            "-o",
            tmp_path / "o",
            "--catalogue",
            cat,
        ]
    )
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr == (
        f'error: {cat / "individuals.tsv"}, line 3, sample IND-0002, locus LOC2: found allele "2O6", '
        "expected a whole number or -\n"
    )
