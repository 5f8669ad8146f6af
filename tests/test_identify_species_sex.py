"""``genmon identify --sex-calls / --species-calls``: the species and sex steps feed identification."""

from __future__ import annotations

import numpy as np
import pandas as pd
from click.testing import CliRunner

from genmon import GenotypeTable, write_genotypes
from genmon.cli import cli


def _batch(tmp_path):
    # A1/A2 one leopard, B1/B2 another, T1 a tiger scat genotyped by mistake (its own genotype).
    rng = np.random.default_rng(8)
    base = rng.choice([150, 152, 156, 160, 164], size=(3, 8, 2))
    vals = np.stack([base[0], base[0], base[1], base[1], base[2]])
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(8)],
                                       sample_ids=["A1", "A2", "B1", "B2", "T1"])
    path = tmp_path / "consensus.csv"
    write_genotypes(table, path, "wide")
    species = tmp_path / "species.tsv"
    species.write_text("# {}\nsample\tcall\tgroup\nA1\tPanthera pardus\tleopard\nA2\tuncertain\tleopard\n"
                       "B1\tPanthera pardus\tleopard\nB2\tPanthera pardus\tleopard\nT1\tPanthera tigris\ttiger\n")
    sex = tmp_path / "sex.tsv"
    sex.write_text("# {}\nsample\tsex\nA1\tM\nA2\tunknown\nB1\tF\nB2\tM\nT1\tM\n")
    return path, species, sex


def _individuals(out):
    return pd.read_csv(out / "individuals.tsv", sep="\t", dtype=str, keep_default_na=False)


def test_other_species_left_out_and_sex_per_individual(tmp_path):
    path, species, sex = _batch(tmp_path)
    out = tmp_path / "id"
    res = CliRunner().invoke(cli, ["identify", str(path), "--species-calls", str(species), "--target-species",
                                   "Panthera pardus orientalis", "--sex-calls", str(sex), "--min-loci", "0",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "1 samples of other species left out" in res.stderr
    other = pd.read_csv(out / "other_species.tsv", sep="\t")
    assert other.values.tolist() == [["T1", "Panthera tigris"]]
    assigned = pd.read_csv(out / "assignments.tsv", sep="\t", dtype=str)
    assert "T1" not in set(assigned["sample"])
    ind = _individuals(out)
    by_samples = dict(zip(ind["samples"], ind["sex"], strict=True))
    # A: M and unknown -> M; B: F and M -> conflict (a sample swap or a false merge to check)
    assert by_samples == {"A1,A2": "M", "B1,B2": "conflict"}


def test_target_by_group_and_without_species_everything_stays(tmp_path):
    path, species, _ = _batch(tmp_path)
    out = tmp_path / "g"
    res = CliRunner().invoke(cli, ["identify", str(path), "--species-calls", str(species), "--target-species",
                                   "tiger", "--min-loci", "0", "-o", str(out)])
    assert res.exit_code == 0, res.output
    kept = set(pd.read_csv(out / "assignments.tsv", sep="\t", dtype=str)["sample"])
    assert kept == {"A2", "T1"}  # uncertain calls are kept
    out2 = tmp_path / "none"
    res = CliRunner().invoke(cli, ["identify", str(path), "--min-loci", "0", "-o", str(out2)])
    assert res.exit_code == 0
    assert not (out2 / "other_species.tsv").exists()
    assert set(_individuals(out2)["sex"]) == {""}


def test_species_calls_need_a_target(tmp_path):
    path, species, _ = _batch(tmp_path)
    res = CliRunner().invoke(cli, ["identify", str(path), "--species-calls", str(species), "-o", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "--species-calls and --target-species go together" in res.output


def test_bad_sex_table_is_an_input_error(tmp_path):
    path, _, _ = _batch(tmp_path)
    bad = tmp_path / "bad.tsv"
    bad.write_text("sample\tcall\nA1\tM\n")
    res = CliRunner().invoke(cli, ["identify", str(path), "--sex-calls", str(bad), "-o", str(tmp_path / "x")])
    assert res.exit_code == 3
    assert f"{bad}: found no sample and sex columns, expected a table written by genmon sex" in res.stderr
