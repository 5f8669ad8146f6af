"""``genmon catalogue`` on a catalogue directory: merge, split, show, history."""

from __future__ import annotations

import io
import shutil
from unittest import mock

import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.cli import cli
from genmon.identify.catalogue import read_catalogue

from .conftest import TEST_DATA


def _run(*args):
    return CliRunner().invoke(cli, ["catalogue", *map(str, args)])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A catalogue of the demo batch in which three individuals have two samples each."""
    root = tmp_path_factory.mktemp("catcli")
    geno = pd.read_csv(TEST_DATA / "demo" / "truth_genotypes.csv", comment="#", dtype=str)
    again = geno.iloc[:3].copy()
    again["sample"] = again["sample"] + "-r"  # a second sample of the same animal
    pd.concat([geno, again]).to_csv(root / "g.csv", index=False)
    res = CliRunner().invoke(cli, ["identify", str(root / "g.csv"), "-o", str(root / "o"),
                                   "--save-catalogue", str(root / "cat")])
    assert res.exit_code == 0, res.output
    return root / "cat"


@pytest.fixture
def cat_dir(built, tmp_path):
    shutil.copytree(built, tmp_path / "cat")
    return tmp_path / "cat"


def _individual_of(cat_dir, sample):
    smp = read_catalogue(cat_dir).samples
    return smp.loc[smp["sample"] == sample, "individual"].iloc[0]


def test_merge_is_written_and_recorded(cat_dir):
    keep, drop = _individual_of(cat_dir, "G05-0001"), _individual_of(cat_dir, "G05-0002")
    before = read_catalogue(cat_dir).individuals.set_index("individual")
    res = _run("merge", keep, drop, "--reason", "re-genotyped: one leopard", "--catalogue", cat_dir)
    assert res.exit_code == 0, res.output
    cat = read_catalogue(cat_dir)
    ind = cat.individuals.set_index("individual")
    assert ind.loc[drop, ["status", "merged_into"]].tolist() == ["merged", keep]
    assert ind.loc[keep, "n_samples"] == before.loc[keep, "n_samples"] + before.loc[drop, "n_samples"] == 4
    assert sorted(cat.samples.loc[cat.samples["individual"] == keep, "sample"]) == [
        "G05-0001", "G05-0001-r", "G05-0002", "G05-0002-r"]
    assert cat.events.iloc[-1][["event", "individual", "other", "details"]].tolist() == [
        "merge", keep, drop, "re-genotyped: one leopard"]
    assert len(cat.events) == len(read_catalogue(cat_dir).events)
    assert not [p for p in cat_dir.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def test_split_prints_the_new_individual(cat_dir):
    ind = _individual_of(cat_dir, "G05-0003")
    n_before = len(read_catalogue(cat_dir).individuals)
    res = _run("split", ind, "--samples", "G05-0003-r", "--reason", "different sex call", "--catalogue", cat_dir)
    assert res.exit_code == 0, res.output
    new = res.stdout.strip()
    cat = read_catalogue(cat_dir)
    assert len(cat.individuals) == n_before + 1
    rows = cat.individuals.set_index("individual")
    assert rows.loc[new, "status"] == "active" and rows.loc[new, "n_samples"] == 1
    assert rows.loc[ind, "n_samples"] == 1
    assert rows.loc[new, cat.loci].tolist() == rows.loc[ind, cat.loci].tolist()
    assert cat.samples.set_index("sample").loc[["G05-0003", "G05-0003-r"], "individual"].tolist() == [ind, new]
    assert cat.events.iloc[-1][["event", "individual", "other", "details"]].tolist() == [
        "split", ind, new, "different sex call; samples G05-0003-r"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["merge", "IND-0001", "IND-0001", "--reason", "x"], "error: cannot merge IND-0001 into itself"),
        (["merge", "IND-0001", "IND-9999", "--reason", "x"], "error: no individual IND-9999 in "),
        (["merge", "IND-0001", "IND-0002", "--reason", " "], "error: a reason is required"),
        (["split", "IND-0001", "--samples", "G05-0002", "--reason", "x"],
         "error: samples not assigned to IND-0001: G05-0002"),
        (["split", "IND-0001", "--samples", "G05-0001,G05-0001-r", "--reason", "x"],
         "error: IND-0001 has no samples besides G05-0001, G05-0001-r; a split leaves at least one sample "
         "with each individual"),
    ],
)
def test_refused_changes_exit_1_and_leave_the_catalogue(cat_dir, args, message):
    assert _individual_of(cat_dir, "G05-0001") == "IND-0001"
    before = {p.name: p.read_bytes() for p in cat_dir.iterdir()}
    res = _run(*args, "--catalogue", cat_dir)
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith(message)
    assert {p.name: p.read_bytes() for p in cat_dir.iterdir()} == before


def test_merged_individual_cannot_be_merged_again(cat_dir):
    assert _run("merge", "IND-0001", "IND-0002", "--reason", "same", "--catalogue", cat_dir).exit_code == 0
    res = _run("merge", "IND-0003", "IND-0002", "--reason", "same", "--catalogue", cat_dir)
    assert res.exit_code == 1
    assert res.stderr.strip() == (
        "error: the individual to merge, IND-0002 was merged into IND-0001 and cannot be changed; use IND-0001")
    res = _run("split", "IND-0002", "--samples", "G05-0002", "--reason", "x", "--catalogue", cat_dir)
    assert res.stderr.strip() == "error: IND-0002 was merged into IND-0001 and cannot be changed; use IND-0001"


def test_reason_is_required(cat_dir):
    res = _run("merge", "IND-0001", "IND-0002", "--catalogue", cat_dir)
    assert res.exit_code == 2 and "Missing option '--reason'" in res.output


def test_catalogue_or_database_not_both_nor_neither(cat_dir):
    for extra in ([], ["--catalogue", cat_dir, "--db", "x.sqlite"]):
        res = _run("show", *extra)
        assert res.exit_code == 2 and "give either --catalogue DIR or --db" in res.output


def test_unreadable_catalogue_exits_3(tmp_path):
    res = _run("show", "--catalogue", tmp_path)
    assert res.exit_code == 3 and "no catalogue.json" in res.stderr


def test_interrupted_write_leaves_the_old_catalogue(cat_dir):
    before = {p.name: p.read_bytes() for p in cat_dir.iterdir()}

    def half_written(cat, path):
        (path / "catalogue.json").write_text("{")
        raise OSError("disk full")

    with mock.patch("genmon.cli.catalogue.write_catalogue", half_written):
        res = _run("merge", "IND-0001", "IND-0002", "--reason", "x", "--catalogue", cat_dir)
    assert res.exit_code != 0
    assert {p.name: p.read_bytes() for p in cat_dir.iterdir()} == before
    assert not [p for p in cat_dir.parent.iterdir() if p.name.startswith(".")]


def test_show_and_history(cat_dir):
    _run("merge", "IND-0001", "IND-0002", "--reason", "same leopard", "--catalogue", cat_dir)
    res = _run("show", "--catalogue", cat_dir, "--last", "2")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert "individuals: 96 active, 1 merged" in lines
    assert "samples: 72" in lines
    assert "events: 98 (new 97, merge 1)" in lines
    assert lines[-4:-2] == ["latest 2 events:", "time\tbatch\tevent\tindividual\tother\tsample\tdetails"]
    assert lines[-1].split("\t")[2:5] == ["merge", "IND-0001", "IND-0002"]
    res = _run("history", "--catalogue", cat_dir, "--individual", "IND-0002")
    events = pd.read_csv(io.StringIO(res.stdout), sep="\t", dtype=str, keep_default_na=False)
    assert events["event"].tolist() == ["new", "merge"]
    assert events["details"].tolist()[-1] == "same leopard"
    res = _run("history", "--catalogue", cat_dir)
    assert len(pd.read_csv(io.StringIO(res.stdout), sep="\t")) == 98
    res = _run("history", "--catalogue", cat_dir, "--individual", "IND-9999")
    assert res.exit_code == 1 and "no individual IND-9999" in res.stderr
