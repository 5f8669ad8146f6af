"""Cross-lab calibration: offsets, misfit flags, translation tables, apply, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.cli import cli
from genmon.exceptions import InputError, ModelError
from genmon.io import read_genotypes, write_genotypes
from genmon.labqc.calibration import (
    Translation,
    apply_calibration,
    estimate_calibration,
    read_translation,
    shift_sizes,
    write_translation,
)
from genmon.model import GenotypeTable


def _table(values, loci, ids):
    return GenotypeTable.from_alleles(np.asarray(values), loci, sample_ids=ids)


def test_hand_worked_offset_with_outlier_and_dropout():
    # Locus L1, lab B minus lab A per sorted allele pair:
    #   R1 (150,158) vs (152,160): 2, 2     R2 (154,154) vs (156,156): 2, 2
    #   R3 (150,162) vs (152,165): 2, 3     R4 (150,158) vs (160,160): different zygosity, skipped
    # differences 2,2,2,2,2,3: median 2; |3 - 2| = 1 is within tolerance 1 -> fits.
    # With tolerance 0.5 the 3 is a misfit: 1 of 6 = 0.167 > max_misfit 0.1 -> no single offset fits.
    a = _table([[[150, 158]], [[154, 154]], [[150, 162]], [[150, 158]]], ["L1"], ["R1", "R2", "R3", "R4"])
    b = _table([[[160, 152]], [[156, 156]], [[152, 165]], [[160, 160]]], ["L1"], ["R1", "R2", "R3", "R4"])
    row = estimate_calibration(a, b).table.iloc[0]
    assert (row.offset_bp, row.n_alleles_compared, row.fits) == (2.0, 6, True)
    assert row.note == "1 sample(s) with different zygosity skipped"
    row = estimate_calibration(a, b, tolerance=0.5).table.iloc[0]
    assert not row.fits
    assert row.note == ("no single offset fits: 1 of 6 differences more than 0.5 bp from the median "
                        "(differences 2 to 3 bp); 1 sample(s) with different zygosity skipped")


def test_too_few_alleles_and_discordant_replicates():
    a = GenotypeTable.from_alleles(np.array([[[150, 158]], [[150, 160]]]), ["L1"],
                                   samples=pd.DataFrame({"sample_id": ["R1", "R1"], "replicate_id": ["a", "b"]}))
    b = _table([[[152, 160]]], ["L1"], ["R1"])
    row = estimate_calibration(a, b).table.iloc[0]
    assert np.isnan(row.offset_bp) and not row.fits and row.n_alleles_compared == 0
    assert row.note == "only 0 alleles compared (need 4); 1 sample(s) with discordant replicates skipped"


def _two_labs(rng, n=40):
    """Reference samples typed in lab A and lab B.

    Lab B reads L1 and L3 2 bp longer, L2 identically, L4 1 bp shorter; at L5 the shift
    grows with size (0 bp below 170 bp, +4 bp from 170 bp): no single offset fits.
    """
    loci = ["L1", "L2", "L3", "L4", "L5"]
    a = rng.integers(37, 47, size=(n, 5, 2)) * 4 + 2  # 150..186 bp, tetranucleotide
    shift = np.array([2, 0, 2, -1, 0])[None, :, None] + np.zeros_like(a)
    shift[:, 4][a[:, 4] >= 170] = 4
    b = a + shift
    ids = [f"REF{i:02d}" for i in range(n)]
    return _table(a, loci, ids), _table(b, loci, ids)


def test_recovers_known_offsets_and_flags_nonconstant_shift(rng):
    lab_a, lab_b = _two_labs(rng)
    t = estimate_calibration(lab_a, lab_b, name_a="RU", name_b="CN").table
    assert t["locus"].tolist() == ["L1", "L2", "L3", "L4", "L5"]
    assert t["offset_bp"].tolist()[:4] == [2.0, 0.0, 2.0, -1.0]
    assert t["fits"].tolist() == [True, True, True, True, False]
    assert (t["n_alleles_compared"] == 80).all()
    assert t["note"].iloc[4].startswith("no single offset fits:")
    assert "(differences 0 to 4 bp)" in t["note"].iloc[4]


def test_apply_brings_lab_b_onto_lab_a(rng, tmp_path):
    lab_a, lab_b = _two_labs(rng)
    tr = estimate_calibration(lab_a, lab_b, name_a="RU", name_b="CN")
    path = tmp_path / "translation.tsv"
    write_translation(tr, path)
    back = read_translation(path)
    assert (back.lab_a, back.lab_b) == ("RU", "CN")
    pd.testing.assert_frame_equal(back.table, tr.table)
    fitting = ["L1", "L2", "L3", "L4"]
    out = apply_calibration(lab_b.subset(loci=fitting), path)
    assert out.same_genotypes(lab_a.subset(loci=fitting))
    assert out.attrs["calibration"]["offsets"] == {"L1": 2.0, "L2": 0.0, "L3": 2.0, "L4": -1.0}
    with pytest.raises(InputError) as exc:
        apply_calibration(lab_b, path)
    assert str(exc.value) == (f"{path}, locus L5: found a locus where no single offset fits, "
                              "expected a locus with fits = yes")
    extra = _table([[[150, 154]]], ["L9"], ["X"])
    with pytest.raises(InputError, match="locus L9: found locus L9 not in the translation table"):
        apply_calibration(extra, path)
    assert apply_calibration(extra, path, allow_missing_loci=True).same_genotypes(extra)


def test_apply_shifts_raw_sizes_and_refuses_half_bp():
    t = _table([[[152, 160]]], ["L1"], ["R1"])
    t.call_data["call_size"] = np.array([[[152.3, 160.1]]])
    tr = Translation("A", "B", pd.DataFrame({"locus": ["L1"], "offset_bp": [2.0], "n_alleles_compared": [8],
                                             "fits": [True], "note": [""]}))
    out = apply_calibration(t, tr)
    assert out.call_data["call_size"][0, 0].tolist() == pytest.approx([150.3, 158.1])
    tr.table.loc[0, "offset_bp"] = 1.5
    with pytest.raises(InputError, match="locus L1: found offset 1.5 bp, expected a whole number of bp"):
        apply_calibration(t, tr)


def test_malformed_translation(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("# lab_a\tRU\nlocus\toffset_bp\tn_alleles_compared\tfits\tnote\nL1\ttwo\t8\tyes\t\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_translation(path)
    assert [str(p) for p in exc.value.problems] == [
        f'{path}, line 3, locus L1: found row "two\t8\tyes", expected a numeric offset_bp (or NA), a count '
        "and fits yes/no",
        f'{path}: found no "# lab_b" header line, expected a translation table naming both labs',
    ]


def test_cli_calibrate_and_convert(rng, tmp_path):
    lab_a, lab_b = _two_labs(rng)
    fa, fb = tmp_path / "ru.csv", tmp_path / "cn.csv"
    write_genotypes(lab_a, fa)
    write_genotypes(lab_b.subset(loci=["L1", "L2", "L3", "L4"]), fb)
    runner = CliRunner()
    tr = tmp_path / "translation.tsv"
    r = runner.invoke(cli, ["calibrate", str(fa), str(fb), "-o", str(tr), "--name-b", "Harbin"])
    assert r.exit_code == 0, r.output
    lines = tr.read_text().splitlines()
    assert lines[1:4] == ["# lab_a\tru", "# lab_b\tHarbin", "# direction\tsize in lab_a = size in lab_b - offset_bp"]
    assert lines[7:] == ["locus\toffset_bp\tn_alleles_compared\tfits\tnote",
                         "L1\t2\t80\tyes\t", "L2\t0\t80\tyes\t", "L3\t2\t80\tyes\t", "L4\t-1\t80\tyes\t"]
    out = tmp_path / "cn_on_ru.csv"
    r = runner.invoke(cli, ["convert", str(fb), "-o", str(out), "--calibration", str(tr)])
    assert r.exit_code == 0, r.output
    assert read_genotypes(out).same_genotypes(lab_a.subset(loci=["L1", "L2", "L3", "L4"]))


def test_cli_convert_refuses_unfit_locus_exit_3(rng, tmp_path):
    lab_a, lab_b = _two_labs(rng)
    fa, fb = tmp_path / "ru.csv", tmp_path / "cn.csv"
    write_genotypes(lab_a, fa)
    write_genotypes(lab_b, fb)
    tr = tmp_path / "translation.tsv"
    runner = CliRunner()
    assert runner.invoke(cli, ["calibrate", str(fa), str(fb), "-o", str(tr)]).exit_code == 0
    out = tmp_path / "out.csv"
    r = runner.invoke(cli, ["convert", str(fb), "-o", str(out), "--calibration", str(tr)])
    assert r.exit_code == 3
    assert r.output.strip() == (f"error: {tr}, locus L5: found a locus where no single offset fits, "
                                "expected a locus with fits = yes")
    assert not out.exists()


def _two_labs_sizes(rng, n=30):
    """Raw sizes of reference samples: lab B sizes L1 1.37 bp longer and L2 0.6 bp shorter.

    True fragments lie on a 4-bp ladder (offset 0.3); each lab adds N(0, 0.1 bp) sizing
    noise; a quarter of the samples are homozygotes (one peak).
    """
    from genmon.labqc.binning import SizeData

    loci = ["L1", "L2"]
    true = 0.3 + 4 * rng.integers(37, 47, size=(n, 2, 2)).astype(float)
    hom = rng.random(n) < 0.25
    true[hom, :, 1] = true[hom, :, 0]
    shift = np.array([1.37, -0.6])[None, :, None]
    samples = pd.DataFrame({"sample_id": [f"REF{i:02d}" for i in range(n)], "replicate_id": None})
    out = []
    for extra in (0.0, shift):
        sizes = true + extra + rng.normal(0, 0.1, size=true.shape)
        sizes[hom, :, 1] = np.nan  # a homozygote is one peak
        out.append(SizeData(sizes, loci, samples.copy()))
    return out


def _uncalibrated(data, bins):
    """Lab B's sizes binned with lab A's bins: some 1.37-bp-longer peaks fall between bins."""
    import warnings

    from genmon.labqc.binning import OffBinWarning, apply_bins

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OffBinWarning)
        return apply_bins(data, bins).table


def test_raw_size_calibration_recovers_fractional_offsets(rng):
    from genmon.labqc.binning import apply_bins, build_bins

    data_a, data_b = _two_labs_sizes(rng)
    bins = build_bins(data_a, 4, panel="p")
    lab_a, lab_b = apply_bins(data_a, bins).table, _uncalibrated(data_b, bins)
    tr = estimate_calibration(lab_a, lab_b, use_sizes=True, tolerance=0.5)
    t = tr.table
    assert t["fits"].tolist() == [True, True]
    # The median of 60-ish differences, each with sd 0.1 * sqrt(2): within 0.05 bp.
    assert t["offset_bp"].tolist() == pytest.approx([1.37, -0.6], abs=0.05)
    # Whole-bp labels cannot carry 1.37 bp: apply_calibration refuses, shift_sizes does it.
    with pytest.raises(InputError, match="locus L1: found offset 1.3"):
        apply_calibration(lab_b, tr)
    data_b.sizes = shift_sizes(data_b.sizes, data_b.locus_names, tr)
    assert apply_bins(data_b, bins).table.same_genotypes(lab_a)


def test_raw_sizes_need_call_size():
    a = _table([[[150, 158]]], ["L1"], ["R1"])
    with pytest.raises(ModelError, match="use_sizes needs raw sizes"):
        estimate_calibration(a, a, use_sizes=True)


def test_cli_calibrate_use_sizes_then_bin(rng, tmp_path):
    from genmon.labqc.binning import apply_bins, build_bins

    data_a, data_b = _two_labs_sizes(rng)
    bins = build_bins(data_a, 4, panel="p")
    fa, fb = tmp_path / "ru.genemapper", tmp_path / "cn.genemapper"
    write_genotypes(apply_bins(data_a, bins).table, fa)
    write_genotypes(_uncalibrated(data_b, bins), fb)
    runner = CliRunner()
    tr = tmp_path / "tr.tsv"
    r = runner.invoke(cli, ["calibrate", str(fa), str(fb), "--use-sizes", "--tolerance", "0.5", "-o", str(tr)])
    assert r.exit_code == 0, r.output
    offsets = read_translation(tr).offsets()
    assert offsets["L1"] == pytest.approx(1.37, abs=0.05) and offsets["L2"] == pytest.approx(-0.6, abs=0.05)
    out_a, out_b = tmp_path / "a.csv", tmp_path / "b.csv"
    binset = tmp_path / "bins.tsv"
    r = runner.invoke(cli, ["bin", "build", str(fa), "--panel", "p", "--repeat-unit", "4", "-o", str(binset),
                            "-g", str(out_a)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["bin", "apply", str(fb), str(binset), "--calibration", str(tr), "-o", str(out_b)])
    assert r.exit_code == 0, r.output
    assert read_genotypes(out_b).same_genotypes(read_genotypes(out_a))
