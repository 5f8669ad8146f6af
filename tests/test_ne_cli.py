import json
from unittest import mock

import pandas as pd
from click.testing import CliRunner

from genmon.cli import cli


def test_end_to_end_nancycats(test_data, tmp_path):
    out = tmp_path / "ne"
    res = CliRunner().invoke(
        cli,
        [
            "ne",
            str(test_data / "nancycats" / "nancycats.gen"),
            "-o",
            str(out),
            "--pcrit",
            "0.02,nosingletons",
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "ne.png",
        "ne.tsv",
        "ne_summary.txt",
        "run.json",
    ]
    table = pd.read_csv(
        out / "ne.tsv", sep="\t", keep_default_na=False, dtype={"pcrit": str, "pop": str}
    )
    # 17 colonies x (LD at 2 Pcrit + hetx at 0.02)
    assert len(table) == 17 * 3
    ld = table[(table["method"] == "ld") & (table["pcrit"] == "0.02")].set_index("pop")
    # NeEstimator v2 (METHODS 5.2): colony 4 Ne 27.8 (18.7-47.0), colony 1 infinite
    assert f"{float(ld.loc['4', 'ne']):.1f}" == "27.8"
    assert (
        f"{float(ld.loc['4', 'ci_param_low']):.1f}",
        f"{float(ld.loc['4', 'ci_param_high']):.1f}",
    ) == ("18.7", "47.0")
    assert ld.loc["1", "ne"] == float("inf")
    line = next(
        x
        for x in (out / "ne.tsv").read_text().splitlines()
        if x.startswith("1\tld\trandom\t0.02\t")
    )
    header = (out / "ne.tsv").read_text().splitlines()[0].split("\t")
    assert line.split("\t")[header.index("ne")] == "inf"  # infinite written as 'inf'

    run = json.loads((out / "run.json").read_text())
    assert run["parameters"]["pcrit"] == "0.02,nosingletons"
    assert run["inputs"][0]["path"].endswith("nancycats.gen")
    assert "LINKAGE DISEQUILIBRIUM METHOD" in (out / "ne_summary.txt").read_text()


def test_cli_calls_library_once(test_data, tmp_path):
    fake = pd.DataFrame({"pop": ["a"]})
    with (
        mock.patch("genmon.cli.ne.estimate_ne", return_value=fake) as est,
        mock.patch("genmon.cli.ne.write_ne") as write,
    ):
        res = CliRunner().invoke(
            cli,
            [
                "ne",
                str(test_data / "nancycats" / "nancycats.gen"),
                "-o",
                str(tmp_path / "o"),
                "--method",
                "ld",
                "--pcrit",
                "0.05",
                "--mating",
                "monogamy",
                "--ci",
                "parametric",
                "--by",
                "none",
                "--threads",
                "2",
            ],
        )
    assert res.exit_code == 0, res.output
    args, kwargs = est.call_args
    assert args[1:] == (["ld"], "0.05")
    assert kwargs == dict(
        by=None,
        mating=["monogamy"],
        ci=["parametric"],
        quantiles="neestimator",
        pairs="all",
        num_threads=2,
        generations=None,
        census=None,
    )
    assert write.call_args[0][0] is fake


def test_bad_options(test_data, tmp_path):
    src = str(test_data / "nancycats" / "nancycats.gen")
    res = CliRunner().invoke(cli, ["ne", src, "-o", str(tmp_path), "--pcrit", "0.7"])
    assert res.exit_code == 2 and "Pcrit '0.7' is not a number in [0, 0.5)" in res.output
    res = CliRunner().invoke(cli, ["ne", src, "-o", str(tmp_path), "--method", "ld,temporalx"])
    assert res.exit_code == 2 and "unknown method(s) temporalx" in res.output
    (tmp_path / "ne.tsv").write_text("x")
    res = CliRunner().invoke(cli, ["ne", src, "-o", str(tmp_path)])
    assert res.exit_code == 2 and "exists; use --force" in res.output


def test_haploid_input_is_refused(test_data, tmp_path):
    src = test_data / "malformed" / "ne_haploid.gen"
    res = CliRunner().invoke(cli, ["ne", str(src), "-o", str(tmp_path / "o")])
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr == (
        f"error: {src}: found genotypes of ploidy 1, expected diploid genotypes (Ne methods need them)\n"
    )


def test_temporal_end_to_end(test_data, tmp_path):
    src = test_data / "reference" / "ne" / "temporal_ne.gen"
    out = tmp_path / "t"
    res = CliRunner().invoke(
        cli,
        [
            "ne",
            str(src),
            "-o",
            str(out),
            "--method",
            "temporal",
            "--generations",
            "G0_01=0,G5_01=5",
            "--pcrit",
            "0.05",
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ne.tsv", sep="\t", keep_default_na=False, dtype={"pcrit": str})
    row = table.set_index("method").loc["temporal-pollak"]
    # NeEstimator v2, plan II, Pcrit 0.05: Ne 63.3 (33.6-133.1), jackknife on loci 35.2-124.7
    assert f"{float(row['ne']):.1f}" == "63.3"
    assert (f"{float(row['ci_jack_low']):.1f}", f"{float(row['ci_jack_high']):.1f}") == (
        "35.2",
        "124.7",
    )
    res = CliRunner().invoke(
        cli, ["ne", str(src), "-o", str(tmp_path / "u"), "--method", "temporal"]
    )
    assert res.exit_code == 2 and "the temporal method needs --generations" in res.output


def test_coancestry_end_to_end(test_data, tmp_path):
    out = tmp_path / "c"
    res = CliRunner().invoke(
        cli,
        [
            "ne",
            str(test_data / "nancycats" / "nancycats.gen"),
            "-o",
            str(out),
            "--method",
            "coancestry",
        ],
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ne.tsv", sep="\t", keep_default_na=False, dtype={"pop": str})
    row = table.set_index("pop").loc["4"]
    # NeEstimator v2: colony 4 f1 0.07816, Nb 6.4 (2.8-11.5)
    assert (f"{float(row['f']):.5f}", f"{float(row['ne']):.1f}") == ("0.07816", "6.4")
    assert "MOLECULAR COANCESTRY METHOD" in (out / "ne_summary.txt").read_text()


def test_jackknife_over_locus_pairs_from_the_cli(test_data, tmp_path):
    out = tmp_path / "jl"
    src = str(test_data / "nancycats" / "nancycats.gen")
    res = CliRunner().invoke(
        cli,
        ["ne", src, "-o", str(out), "--method", "ld", "--pcrit", "0.05", "--ci", "parametric,jackknife-loci"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ne.tsv", sep="\t", keep_default_na=False, dtype={"pop": str})
    row = table.set_index("pop").loc["10"]
    # NeEstimator engine with its v2.0 jackknife over locus pairs re-enabled (README): 8.4-212.9
    assert (f"{float(row['ci_jackloci_low']):.1f}", f"{float(row['ci_jackloci_high']):.1f}") == (
        "8.4",
        "212.9",
    )
    assert row["ci_jack_low"] == "nan"  # the jackknife over individuals was not asked for
    summary = (out / "ne_summary.txt").read_text()
    assert "* JackKnife on Loci (pairs)" in summary
    assert json.loads((out / "run.json").read_text())["parameters"]["ci"] == [
        "parametric",
        "jackknife-loci",
    ]
    res = CliRunner().invoke(cli, ["ne", src, "-o", str(tmp_path / "x"), "--ci", "bootstrap"])
    assert res.exit_code == 2
    assert "choose among parametric, jackknife, jackknife-loci, or none" in res.output


def test_pairs_between_chromosomes_from_a_vcf(test_data, tmp_path):
    # The SNP file placed on the chromosome map of the NeEstimator reference run
    # (test_data/reference/ne/README.md), written as VCF: chromosomes come from the file.
    from genmon.io import read_genotypes, write_genotypes
    from genmon.model import GenotypeTable, Locus
    from tests.test_ne_reference import REF, _compare, parse_neestimator

    table = read_genotypes(test_data / "neestimator-snps" / "test_genepop.txt", format="genepop")
    chrom = dict(
        reversed(x.split()) for x in (REF / "snps_chromosomes.txt").read_text().splitlines()
    )
    loci = [
        Locus(
            lc.name,
            ("A", "G")[: len(lc.alleles)],
            kind="SNP",
            chrom=chrom[lc.name],
            position=1000 + j,
        )
        for j, lc in enumerate(table.loci)
    ]
    vcf = tmp_path / "snps.vcf"
    write_genotypes(GenotypeTable(table.call_genotype, loci, table.samples), vcf, format="vcf")
    out = tmp_path / "ne"
    pcrit = "0.05,0.02,0.01,nosingletons,0"
    args = [
        "ne",
        str(vcf),
        "-o",
        str(out),
        "--method",
        "ld",
        "--pcrit",
        pcrit,
        "--pairs",
        "between_chromosomes",
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    ours = pd.read_csv(out / "ne.tsv", sep="\t", dtype={"pcrit": str, "pop": str})
    ref = parse_neestimator(REF / "neestimator_snps_between_chromosomes_random.txt")
    assert _compare(ours, ref, "ld") == []
