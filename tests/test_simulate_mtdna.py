"""Simulated mtDNA species-identification reads (genmon.simulate.mtdna) and the demo's reads."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from genmon.cli import cli
from genmon.labqc.species import build_reference, identify_species, read_queries
from genmon.simulate import simulate_batch
from genmon.simulate.mtdna import simulate_mtdna_reads, write_fastq

ROOT = Path(__file__).resolve().parent.parent
PANEL_FILES = [ROOT / "test_data/felid-cytb/felidae_cytb.gb",
               ROOT / "test_data/felid-cytb/amur_leopard_cytb_AB817078_AB817079.gb"]
SMALL = dict(n_individuals=40, generations=3, burn_in=3, n_str=4, alleles_max=4)
_REVCOMP = str.maketrans("ACGT", "TGCA")


@pytest.fixture(scope="module")
def panel():
    return build_reference(PANEL_FILES)


@pytest.fixture(scope="module")
def result(panel):
    return simulate_batch(seed=11, mtdna_panel=panel, mtdna={"haplotypes": ["AB817078.1", "AB817079.1"]}, **SMALL)


def test_reads_are_the_haplotype_window_with_the_recorded_errors(result, panel):
    seqs = dict(zip(panel.accession, panel.sequence, strict=True))
    truth = result.mtdna.truth.set_index("sample_id")
    reads = result.mtdna.reads.set_index("sample_id")
    assert list(reads.index) == list(truth.index)
    checked = 0
    for sid, t in truth[(truth["outcome"] == "read") & (truth["species"] != "absent")].iterrows():
        read = reads.loc[sid, "sequence"]
        if t["strand"] == "-":
            read = read.translate(_REVCOMP)[::-1]
        window = seqs[t["haplotype"]][t["start"] : t["start"] + t["length"]]
        assert len(read) == len(window) == t["length"]
        assert sum(a != b for a, b in zip(read, window, strict=True)) == t["errors"], sid
        checked += 1
    assert checked > 100


def test_base_errors_follow_the_phred_qualities(result):
    # Over all good reads, the number of errors is the sum of independent Bernoulli(10^(-Q/10)).
    truth = result.mtdna.truth.set_index("sample_id")
    good = truth.index[(truth["outcome"] == "read") & (truth["species"] != "absent")]
    q = np.concatenate([np.asarray(result.mtdna.reads.set_index("sample_id").loc[s, "quality"]) for s in good])
    p = 10.0 ** (-q / 10.0)
    observed = int(truth.loc[good, "errors"].sum())
    mean, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    assert abs(observed - mean) < 4 * sd, (observed, mean, sd)


def test_haplotypes_follow_the_mother_line(result):
    ped = result.pedigree.set_index("id")
    truth = result.mtdna.truth
    target = truth[truth["individual_id"] != ""]
    hap = dict(zip(target["individual_id"], target["haplotype"], strict=False))
    assert set(hap.values()) <= {"AB817078.1", "AB817079.1"}
    # maternal siblings (same mother) carry the same haplotype
    mothers = ped.loc[list(hap), "mother"]
    for _, group in mothers.groupby(mothers):
        assert len({hap[i] for i in group.index}) == 1
    assert len(set(hap.values())) == 2  # both founder haplotypes survive in this seed


def test_non_target_samples_are_added_and_numbered_after_the_sheet(result):
    truth = result.mtdna.truth
    extra = truth[truth["individual_id"] == ""]
    assert extra["species"].value_counts().to_dict() == {"Prionailurus bengalensis": 10, "Panthera tigris": 8,
                                                         "absent": 4, "Felis catus": 3, "Lynx lynx": 2}
    assert not set(extra["sample_id"]) & set(result.samples["sample_id"])
    assert extra["sample_id"].str.match(r"^(RU-LLNP|CN-NTLNP)-\d{4}-\d{4}$").all()
    for prefix, ids in extra.groupby(extra["sample_id"].str[:-5])["sample_id"]:
        sheet = result.samples["sample_id"][result.samples["sample_id"].str.startswith(prefix + "-")]
        assert ids.str[-4:].astype(int).min() == sheet.str[-4:].astype(int).max() + 1
    assert len(truth) == len(result.samples) + 27


def test_duds_always_fail(result):
    truth = result.mtdna.truth.set_index("sample_id")
    duds = result.truth_samples.loc[result.truth_samples["dud"], "sample_id"]
    assert (truth.loc[duds, "outcome"] == "failed").all()


def test_failure_rate_matches_configuration(panel):
    # 2,000 screened samples of one class: failures ~ Binomial(n, 0.3)
    sheet = pd.DataFrame({"sample_id": [f"RU-LLNP-2024-{k:04d}" for k in range(1, 2001)], "sample_type": "scat",
                          "date": "2024-02-01", "site": "LLNP", "country": "RU"})
    truth = pd.DataFrame({"sample_id": sheet["sample_id"], "individual_id": "A", "quality": "medium",
                          "dud": False})
    r = simulate_mtdna_reads(sheet, truth, pd.DataFrame({"id": ["A"], "mother": [None]}), panel,
                             np.random.default_rng(5), non_target={}, fail={"medium": 0.3})
    failed = int((r.truth["outcome"] == "failed").sum())
    assert stats.binomtest(failed, 2000, 0.3).pvalue > 1e-3


def test_same_seed_same_reads_and_other_files_untouched(panel, result):
    again = simulate_batch(seed=11, mtdna_panel=panel, mtdna={"haplotypes": ["AB817078.1", "AB817079.1"]}, **SMALL)
    pd.testing.assert_frame_equal(again.mtdna.truth, result.mtdna.truth)
    assert again.mtdna.reads["sequence"].tolist() == result.mtdna.reads["sequence"].tolist()
    plain = simulate_batch(seed=11, **SMALL)
    assert plain.mtdna is None
    np.testing.assert_array_equal(plain.replicates.call_genotype, result.replicates.call_genotype)
    pd.testing.assert_frame_equal(plain.samples, result.samples)


def test_species_calls_on_the_reads(result, panel, tmp_path):
    # Through the FASTQ reader (quality trimming) and the caller: a good read of a panel
    # species is never called as another species and nearly always as its own (uncertain
    # ones: village cats inside the wildcat clade, leopard cats next to the Iriomote cat);
    # failed reactions and carnivores outside the panel are uncertain.
    write_fastq(result.mtdna.reads, tmp_path / "reads.fastq")
    calls = identify_species(read_queries(tmp_path / "reads.fastq"), panel).set_index("sample")
    truth = result.mtdna.truth.set_index("sample_id")
    good = truth[(truth["outcome"] == "read") & (truth["species"] != "absent")]
    got = calls.loc[good.index, "call"]
    assert got.isin(["uncertain"]).sum() + (got == good["species"]).sum() == len(good)
    assert (got == good["species"]).mean() > 0.95
    bad = truth[(truth["outcome"] == "failed") | (truth["species"] == "absent")]
    assert (calls.loc[bad.index, "call"] == "uncertain").all()


def test_demo_reads_regenerate_byte_for_byte(tmp_path):
    # the command recorded in test_data/demo/README.md
    readme = (ROOT / "test_data/demo/README.md").read_text()
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    command = block.split("\ncp ", 1)[0].replace("\\\n", " ").replace("/tmp/demo-mtdna", str(tmp_path))
    args = shlex.split(command)
    assert args[0] == "genmon"
    res = CliRunner().invoke(cli, args[1:])
    assert res.exit_code == 0, res.output
    for name in ("mtdna_reads.fastq", "truth_species.tsv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "test_data/demo" / name).read_bytes(), name
    # and the other demo files are the same as before, but for the line naming the command
    for name in ("replicates.long.csv", "truth_genotypes.csv"):
        new = (tmp_path / name).read_text().splitlines()
        old = (ROOT / "test_data/demo" / name).read_text().splitlines()
        assert new[1:] == old[1:] and new[0].startswith("# generated by: genmon simulate")
    for name in ("sample_sheet.csv", "truth_samples.tsv", "truth_errors.csv", "pedigree.tsv"):
        assert (tmp_path / name).read_bytes() == (ROOT / "test_data/demo" / name).read_bytes(), name
    # the FASTQ reads back through the species reader
    assert len(read_queries(tmp_path / "mtdna_reads.fastq")) == 316


def test_cli_mtdna_options_need_a_panel(tmp_path):
    res = CliRunner().invoke(cli, ["simulate", "-o", str(tmp_path), "--seed", "1", "--mtdna-target", "Panthera tigris"])
    assert res.exit_code == 2
    assert "need --mtdna-panel" in res.output
    res = CliRunner().invoke(cli, ["simulate", "-o", str(tmp_path), "--seed", "1", "--n-individuals", "10",
                                   "--mtdna-panel", str(PANEL_FILES[1]), "--mtdna-target", "Panthera tigris"])
    assert res.exit_code == 2
    assert "no reference sequence of the target species Panthera tigris in the panel" in res.output
