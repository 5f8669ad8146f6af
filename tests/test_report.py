"""genmon report: sections as the data allow, embedded figures, determinism."""

import re

import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, write_genotypes
from genmon.cli import cli
from genmon.reports import TIMESTAMP_PREFIX, render_report


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small run: relate on 25 individuals and census on the wombat class table."""
    import numpy as np

    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(3)
    vals = rng.choice([150, 152, 156, 160], size=(25, 6, 2))
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(6)], sample_ids=[f"PPO-{i:03d}" for i in range(25)])
    write_genotypes(table, root / "individuals.csv", "wide")
    runner = CliRunner()
    for args in (["relate", str(root / "individuals.csv"), "-o", str(root / "relate")],
                 ["census", "test_data/capwire/wombat.csv", "-o", str(root / "census"), "--seed", "1",
                  "--bootstraps", "50", "--orders", "50"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.stderr
    return root


def _strip_timestamp(html: str) -> str:
    return "\n".join(line for line in html.splitlines() if TIMESTAMP_PREFIX not in line)


def test_sections_figures_and_no_external_resources(run_dir):
    html = render_report(run_dir)
    assert '<h2 id="relate">' in html and '<h2 id="census">' in html
    assert '<h2 id="markers">' not in html  # no markers step in this run
    # every figure the steps wrote is embedded inline
    expected = len(list((run_dir / "relate").glob("*.svg"))) + len(list((run_dir / "census").glob("*.svg")))
    assert html.count("<svg") == expected
    # nothing is loaded from elsewhere: no src/href pointing outside the document
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_deterministic_apart_from_timestamp(run_dir, tmp_path):
    runner = CliRunner()
    for name in ("a.html", "b.html"):
        result = runner.invoke(cli, ["report", str(run_dir), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.stderr
    a = (tmp_path / "a.html").read_text()
    b = (tmp_path / "b.html").read_text()
    assert sum(TIMESTAMP_PREFIX in line for line in a.splitlines()) == 1
    # the report's own command line names its output file; everything else is identical
    assert _strip_timestamp(a).replace("a.html", "X") == _strip_timestamp(b).replace("b.html", "X")
    assert (tmp_path / "a.summary.tsv").read_text() == (tmp_path / "b.summary.tsv").read_text()


def test_empty_run_directory_is_an_input_error(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 3
    assert "no genmon step outputs" in result.stderr


def _write_tsv(path, header: str, rows: list[str], provenance: dict | None = None):
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    first = "# " + json.dumps(provenance) + "\n" if provenance else ""
    path.write_text(first + header + "\n" + "".join(r + "\n" for r in rows))


@pytest.fixture(scope="module")
def species_sex_run(tmp_path_factory):
    """Hand-written species and sex tables: 4 screened samples, 3 sexed."""
    root = tmp_path_factory.mktemp("spsex")
    cols = ("sample\tsource\tcall\tspecies\tgroup\tidentity\talignment_length\tbest_accession\tnext_species\t"
            "next_identity\tmargin\tstrand")
    _write_tsv(root / "species/species.tsv", cols, [
        "S1\tr.fastq\tPanthera pardus\tPanthera pardus\tleopard\t0.995000\t400\tAB817078.1\tPanthera tigris\t0.920000\t0.075000\t+",
        "S2\tr.fastq\tuncertain\tPanthera pardus\tleopard\t0.975000\t300\tAB817079.1\tPanthera tigris\t0.900000\t0.075000\t-",
        "S3\tr.fastq\tuncertain\tNA\tNA\tNA\t0\tNA\tNA\tNA\tNA\tNA",
        "X1\tr.fastq\tPanthera tigris\tPanthera tigris\ttiger\t0.999000\t500\tAF053020.1\tPanthera pardus\t0.910000\t0.089000\t+",
    ], {"command": "genmon species call /data/r.fastq --reference /data/panel.fasta", "version": "test",
        "parameters": {"min_identity": 0.98, "min_margin": 0.01, "min_length": 100}, "seed": None, "inputs": []})
    _write_tsv(root / "sex/sex.tsv", "sample\tsex\tmale_replicates\tfemale_replicates\tmarkers_used\treason", [
        "S1\tM\t3\t0\tSRY\t", "S2\tF\t0\t3\tSRY\t", "S3\tunknown\t1\t1\tSRY\tmale evidence in 1 replicate(s), 2 needed",
    ])
    return root


def test_species_and_sex_section_by_hand(species_sex_run, tmp_path):
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", str(species_sex_run), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    html = out.read_text()
    assert '<h2 id="species-sex">Species and sex calls</h2>' in html
    assert "4 samples screened by cytochrome b; calls: Panthera pardus: 1, Panthera tigris: 1, uncertain: 2." in html
    assert "Confident calls by group: leopard: 1, tiger: 1." in html
    assert "3 genotyped samples sexed; calls: F: 1, M: 1, unknown: 1." in html
    tables = tmp_path / "r_tables"
    # the uncertain calls with the threshold each missed (0.98 from the species step's provenance)
    doubt = (tables / "species-sex_03_uncertain_species_calls.tsv").read_text().splitlines()
    assert doubt[0].split("\t")[:2] == ["sample", "reason"]
    assert [line.split("\t")[:2] for line in doubt[1:]] == [
        ["S2", "identity below 0.98"], ["S3", "no alignment of 100 bp or more (failed or short read)"]]
    # species x sex: X1 was screened but not genotyped
    cross = (tables / "species-sex_02_samples_per_species_call_and_sex.tsv").read_text().splitlines()
    assert cross == ["species call\t(not genotyped)\tF\tM\tunknown", "Panthera pardus\t0\t0\t1\t0",
                     "Panthera tigris\t1\t0\t0\t0", "uncertain\t0\t1\t0\t1"]
    calls = (tables / "species-sex_05_calls_per_sample.tsv").read_text().splitlines()
    assert [c.split("\t")[:3] for c in calls] == [["sample", "call", "group"], ["S1", "Panthera pardus", "leopard"],
                                                  ["S2", "uncertain", "leopard"], ["S3", "uncertain", "NA"],
                                                  ["X1", "Panthera tigris", "tiger"]]
    assert (tmp_path / "r.summary.tsv").read_text().splitlines()[1:3] == [
        "species calls (cytochrome b)\tPanthera pardus: 1, Panthera tigris: 1, uncertain: 2",
        "sex calls\tF: 1, M: 1, unknown: 1"]
    # provenance of the one-table steps comes from their '# {...}' line, paths without folders
    assert "genmon species call r.fastq --reference panel.fasta" in html


def test_species_sex_report_deterministic_and_tables_replaced(species_sex_run, tmp_path):
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(cli, ["report", str(species_sex_run), "-o", str(tmp_path / f"{name}.html")])
        assert result.exit_code == 0, result.stderr
    a, b = ((tmp_path / f"{n}.html").read_text() for n in "ab")
    assert _strip_timestamp(a).replace("a.html", "X") == _strip_timestamp(b).replace("b.html", "X")
    files = sorted(p.name for p in (tmp_path / "a_tables").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b_tables").iterdir()) and len(files) == 5
    for name in files:
        assert (tmp_path / "a_tables" / name).read_bytes() == (tmp_path / "b_tables" / name).read_bytes()
    # a stale table from an earlier report does not survive a rewrite
    (tmp_path / "a_tables" / "old_table.tsv").write_text("x\n")
    runner.invoke(cli, ["report", str(species_sex_run), "-o", str(tmp_path / "a.html"), "--force"])
    assert not (tmp_path / "a_tables" / "old_table.tsv").exists()
