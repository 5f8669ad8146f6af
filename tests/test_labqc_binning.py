"""Allele binning: ladder fit, bins, calls, bin-set files, the genmon bin command."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.cli import cli
from genmon.exceptions import InputError, ModelError
from genmon.io import read_genotypes
from genmon.labqc.binning import (
    IN_BIN,
    OFF_BIN,
    OFF_LADDER,
    Bin,
    LocusBins,
    OffBinWarning,
    OffLadderSizeWarning,
    SizeData,
    apply_bins,
    build_bins,
    fit_ladder_offset,
    read_binset,
    read_sizes,
    write_binset,
)


def _sizes(rows, loci, ploidy=2):
    """SizeData from {(sample, locus): [sizes]}."""
    samples = list(dict.fromkeys(s for s, _ in rows))
    arr = np.full((len(samples), len(loci), ploidy), np.nan)
    for (s, locus), peaks in rows.items():
        arr[samples.index(s), loci.index(locus), : len(peaks)] = peaks
    return SizeData(arr, list(loci), pd.DataFrame({"sample_id": samples, "replicate_id": [None] * len(samples)}))


# ---------------------------------------------------------------- ladder fit
def test_fit_ladder_offset_exact_ladder():
    sizes = 1.3 + 4 * np.array([30, 31, 31, 35, 40])
    offset, rms = fit_ladder_offset(sizes, 4)
    assert offset == pytest.approx(1.3)
    assert rms == pytest.approx(0.0, abs=1e-9)


def test_fit_ladder_offset_wraps_around_the_unit():
    # Residues 1.9, 0.1 and 0.0 of a 2-bp ladder straddle 0: unwrapped 1.9, 2.1, 2.0
    # have mean 2.0, i.e. offset 0.0 with squared distances 0.01 + 0.01 + 0 (rms 0.0816).
    # A naive mean of the residues (0.667) would put every rung between the sizes.
    offset, rms = fit_ladder_offset(np.array([101.9, 104.1, 106.0]), 2)
    assert min(offset, 2 - offset) == pytest.approx(0.0, abs=1e-9)
    assert rms == pytest.approx(np.sqrt(0.02 / 3))


def test_fit_ladder_offset_brute_force(rng):
    # The closed-form optimum equals a fine grid search over offsets.
    for unit in (2, 3, 4):
        sizes = rng.uniform(100, 300, size=25)
        offset, rms = fit_ladder_offset(sizes, unit)
        grid = np.linspace(0, unit, 20001)
        d = np.mod(sizes[None, :] - grid[:, None] + unit / 2, unit) - unit / 2
        sse = np.square(d).sum(axis=1)
        assert rms ** 2 * sizes.size == pytest.approx(sse.min(), rel=1e-4, abs=1e-9)


# ---------------------------------------------------------------- hand-worked bins
def test_build_bins_hand_worked():
    # Sizes 100.9, 103.1, 107.2 on a 2-bp ladder: offset 1.0667 (see fit_ladder_offset),
    # rungs 101.067, 103.067, 107.067; the margin (one unit = 2 bp) adds 99.067 and 109.067
    # and the bins in between fill the ladder: six bins 99.067 + 2k, half-width 0.4 * 2 = 0.8.
    data = _sizes({("a", "L1"): [100.9, 103.1], ("b", "L1"): [107.2]}, ["L1"])
    bins = build_bins(data, 2, panel="p").loci["L1"]
    assert [b.label for b in bins.bins] == [99, 101, 103, 105, 107, 109]
    assert bins.bins[0] == Bin(99.067, 98.267, 99.867, 99)
    assert bins.offset == pytest.approx(1.067)
    labels, status = bins.classify(np.array([102.0, 95.0, 110.0, 109.8, 98.3, np.nan]))
    # 102.0 lies between 101.867 and 102.267: off-bin; 95 and 110 beyond 98.267..109.867: off-ladder.
    assert labels.tolist() == [-1, -1, -1, 109, 99, -1]
    assert status.tolist() == [OFF_BIN, OFF_LADDER, OFF_LADDER, IN_BIN, IN_BIN, -1]


def test_apply_bins_calls_homozygotes_partials_and_warns():
    data = _sizes({("a", "L1"): [100.9, 103.1], ("b", "L1"): [107.2], ("c", "L1"): [101.1, 102.0],
                   ("d", "L1"): [130.0]}, ["L1"])
    binset = build_bins(_sizes({("a", "L1"): [100.9, 103.1], ("b", "L1"): [107.2]}, ["L1"]), 2, panel="p")
    with pytest.warns((OffBinWarning, OffLadderSizeWarning)) as record:
        res = apply_bins(data, binset)
    assert [w.category for w in record] == [OffBinWarning, OffLadderSizeWarning]
    assert str(record[0].message) == (
        "found 1 peak(s) between two bins (L1 1), expected peaks in a bin; read as missing alleles, "
        "sizes kept in call_size")
    assert str(record[1].message) == (
        "found 1 peak(s) outside every bin (L1 1), expected peaks in a bin; read as missing alleles, "
        "sizes kept in call_size")
    assert res.table.allele_values()[:, 0].tolist() == [[101, 103], [107, 107], [101, -1], [-1, -1]]
    assert res.table.call_data["call_bin_status"][:, 0].tolist() == [[0, 0], [0, -1], [0, 1], [2, -1]]
    assert res.peaks["status"].tolist() == ["in_bin", "in_bin", "in_bin", "in_bin", "off_bin", "off_ladder"]
    assert res.peaks["allele"].tolist()[:4] == [101, 103, 107, 101]
    assert res.peaks["allele"].isna().tolist()[4:] == [True, True]
    assert res.table.loci[0].repeat_unit == 2


def test_half_width_must_keep_bins_apart():
    data = _sizes({("a", "L1"): [100.9]}, ["L1"])
    with pytest.raises(ModelError, match=r"locus L1: bin half-width 1 bp must be above 0 and below half"):
        build_bins(data, 2, panel="p", half_width=1.0)
    with pytest.raises(ModelError, match="no repeat unit for locus L2"):
        build_bins(_sizes({("a", "L1"): [100.9], ("a", "L2"): [150.0]}, ["L1", "L2"]), {"L1": 2}, panel="p")


def test_locus_bins_refuse_overlap():
    with pytest.raises(ModelError, match=r"locus L1: bins 100 \(99-101\) and 101 \(100.5-101.5\) overlap"):
        LocusBins("L1", 1, (Bin(100, 99, 101, 100), Bin(101, 100.5, 101.5, 101)))


# ---------------------------------------------------------------- simulated sizes
def test_simulated_sizes_recover_true_labels(rng):
    # Three loci (di-, tri-, tetranucleotide) with ladder offsets away from .5 (so the
    # rounded centre is the same whether the offset is estimated a little high or low),
    # 400 diploid samples, sizing noise N(0, 0.15 bp), and 2% of peaks placed half a repeat
    # from a rung (between bins).
    units, offsets = {"D2": 2, "T3": 3, "Q4": 4}, {"D2": 0.3, "T3": 1.8, "Q4": 2.2}
    n = 400
    loci = list(units)
    sizes = np.full((n, 3, 2), np.nan)
    truth = np.full((n, 3, 2), -1)
    between = np.zeros((n, 3, 2), bool)
    for j, name in enumerate(loci):
        u, off = units[name], offsets[name]
        k = rng.integers(40, 52, size=(n, 2))
        centre = off + k * u
        truth[:, j] = np.floor(centre + 0.5)
        sizes[:, j] = centre + rng.normal(0, 0.15, size=(n, 2))
        mask = rng.random((n, 2)) < 0.02
        sizes[:, j][mask] = centre[mask] + u / 2
        between[:, j] = mask
    data = SizeData(sizes, loci, pd.DataFrame({"sample_id": [f"S{i}" for i in range(n)], "replicate_id": None}))
    binset = build_bins(data, units, panel="sim")
    for name in loci:
        assert binset.loci[name].offset == pytest.approx(offsets[name], abs=0.05)
    with pytest.warns(OffBinWarning):
        res = apply_bins(data, binset)
    status = res.table.call_data["call_bin_status"]
    got = res.table.allele_values()
    # Per-peak labels: genotype slots hold the in-bin peaks in slot order; compare peak by peak.
    labels = np.stack([binset.loci[nm].classify(sizes[:, j])[0] for j, nm in enumerate(loci)], axis=1)
    ok = ~between
    recovered = (labels[ok] == truth[ok]).mean()
    assert recovered >= 0.99, recovered  # measured 1.0 at seed 20261124
    assert (status[between] == OFF_BIN).mean() >= 0.95
    both = (~between).all(axis=2)
    assert (np.sort(got, axis=2)[both] == np.sort(truth, axis=2)[both]).mean() >= 0.99


# ---------------------------------------------------------------- real GeneMapper export
def test_genemapper_sizes_bin_like_genemapper(test_data):
    data = read_sizes(test_data / "genemapper" / "test.genemapper")
    assert data.sizes.shape == (6, 32, 2)
    binset = build_bins(data, 1, panel="gmconvert-test")
    labels = np.stack([binset.loci[nm].classify(data.sizes[:, j])[0] for j, nm in enumerate(data.locus_names)],
                      axis=1)
    ref = data.reference_labels
    has = (ref >= 0) & np.isfinite(data.sizes)
    # 82 peaks carry a GeneMapper label.  Measured: 68 of 82 (0.829) get the same label;
    # GeneMapper's bins are the lab's own (rounded size is GeneMapper's label for only 72
    # of 82), so labels may differ by 1 bp while the grouping agrees.
    assert has.sum() == 82
    assert int((labels[has] == ref[has]).sum()) == 68
    assert int((np.floor(data.sizes[has] + 0.5) == ref[has]).sum()) == 72
    # Consistency: two peaks of a locus share a GeneMapper label iff they share our bin.
    for j in range(len(data.locus_names)):
        r, g = ref[:, j][has[:, j]], labels[:, j][has[:, j]]
        assert (g >= 0).all()
        assert ((r[:, None] == r[None, :]) == (g[:, None] == g[None, :])).all()


# ---------------------------------------------------------------- bin-set files
def test_binset_round_trip(tmp_path, test_data):
    data = read_sizes(test_data / "genemapper" / "test.genemapper")
    binset = build_bins(data, 1, panel="gm", version="3")
    path = tmp_path / "bins.tsv"
    write_binset(binset, path)
    back = read_binset(path)
    assert (back.panel, back.version) == ("gm", "3")
    assert back.loci == binset.loci
    assert apply_bins(data, back).table.same_genotypes(apply_bins(data, binset).table)


def test_sizing_table(tmp_path):
    path = tmp_path / "sizes.tsv"
    path.write_text("sample\tlocus\tsize\treplicate\nA\tL1\t100.9\t1\nA\tL1\t103,1\t1\nA\tL1\t\t2\n"
                    "B\tL1\t107.2\t1\n", encoding="utf-8")
    data = read_sizes(path)
    assert data.samples["replicate_id"].tolist() == ["A.1", "A.2", "B.1"]
    assert np.allclose(data.sizes[:, 0], [[100.9, 103.1], [np.nan, np.nan], [107.2, np.nan]], equal_nan=True)


def test_sizing_table_three_peaks(tmp_path):
    path = tmp_path / "sizes.tsv"
    path.write_text("sample\tlocus\tsize\nA\tL1\t100.9\nA\tL1\t103.1\nA\tL1\t105.0\nB\tL1\tx\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_sizes(path)
    assert [str(p) for p in exc.value.problems] == [
        f"{path}, line 4, sample A, locus L1: found more than 2 peaks, expected at most 2 peaks per sample, "
        "replicate and locus",
        f'{path}, line 5, sample B, locus L1: found size "x", expected a positive number of bp',
    ]


def test_malformed_overlapping_bins(test_data):
    path = test_data / "malformed" / "labqc_bins_overlap.tsv"
    with pytest.raises(InputError) as exc:
        read_binset(path)
    assert str(exc.value) == (
        f"{path}, line 9, locus FCA441: found bins 130 (128.2-131.4, line 8) and 133 (131-135, line 9) "
        "overlapping, expected bins that do not overlap")


def test_malformed_other_panel(test_data):
    binset = read_binset(test_data / "malformed" / "labqc_bins_other_panel.tsv")
    data = _sizes({("a", "FCA441"): [125.9], ("a", "FCA391"): [210.2], ("a", "F53"): [140.0]},
                  ["FCA441", "FCA391", "F53"])
    data.file = "batch.tsv"
    with pytest.raises(InputError) as exc:
        apply_bins(data, binset)
    assert str(exc.value) == (
        f"{test_data / 'malformed' / 'labqc_bins_other_panel.tsv'}: found 1 of 3 loci of batch.tsv not in bin set "
        "of panel tigrisPlex-test version 1 (FCA391; 2 shared), expected the bin set of the panel this batch "
        "was typed with")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OffLadderSizeWarning)
        res = apply_bins(data, binset, allow_missing_loci=True)
    assert res.table.allele_values()[0].tolist() == [[126, 126], [-1, -1], [140, 140]]


# ---------------------------------------------------------------- command line
def test_cli_bin_build_and_apply(tmp_path, test_data):
    gm = test_data / "genemapper" / "test.genemapper"
    runner = CliRunner()
    bins, calls, peaks = tmp_path / "bins.tsv", tmp_path / "calls.csv", tmp_path / "peaks.tsv"
    r = runner.invoke(cli, ["bin", "build", str(gm), "--panel", "gm", "--repeat-unit", "1",
                            "--repeat-unit", "Smex7=1", "-o", str(bins), "-g", str(calls), "--peaks", str(peaks)])
    assert r.exit_code == 0, r.output
    first = bins.read_text().splitlines()[:3]
    assert first == ["# genmon bin set", "# panel\tgm", "# version\t1"]
    again = tmp_path / "again.csv"
    r = runner.invoke(cli, ["bin", "apply", str(gm), str(bins), "-o", str(again)])
    assert r.exit_code == 0, r.output
    assert read_genotypes(again).same_genotypes(read_genotypes(calls))
    peak_rows = pd.read_csv(peaks, sep="\t", comment="#")
    assert list(peak_rows.columns) == ["sample_id", "replicate_id", "locus", "size", "allele", "bin_centre", "status"]
    assert len(peak_rows) == int(np.isfinite(read_sizes(gm).sizes).sum())


@pytest.mark.parametrize(("name", "message"), [
    ("labqc_bins_overlap.tsv", "line 9, locus FCA441: found bins 130 (128.2-131.4, line 8) and 133 (131-135, "
                               "line 9) overlapping, expected bins that do not overlap"),
    ("labqc_bins_other_panel.tsv", "found 32 of 32 loci of {gm} not in bin set of panel tigrisPlex-test "
                                   "version 1 (SS-B1M2-P3B6, SS-B1M2-P3C6, SS-B1M2-P3F1, SS-B3M4-P4E2, "
                                   "SS-B3M4-P4F1, ...; 0 shared), expected the bin set of the panel this batch "
                                   "was typed with"),
])
def test_cli_malformed_bin_sets_exit_3(tmp_path, test_data, name, message):
    gm = test_data / "genemapper" / "test.genemapper"
    path = test_data / "malformed" / name
    out = tmp_path / "calls.csv"
    r = CliRunner().invoke(cli, ["bin", "apply", str(gm), str(path), "-o", str(out)])
    assert r.exit_code == 3
    assert r.output.strip().splitlines() == [f"error: {path}, " + message.format(gm=gm)
                                             if message.startswith("line") else
                                             f"error: {path}: " + message.format(gm=gm)]
    assert not out.exists()


def test_cli_bin_build_sizing_table_units_per_locus(tmp_path):
    sizes = tmp_path / "sizes.csv"
    sizes.write_text("sample,locus,size\nA,FCA441,125.9\nA,FCA441,129.7\nB,FCA441,133.8\nA,F53,140.1\n"
                     "B,F53,142.0\nB,F53,143.1\n", encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "new" / "bins.tsv"
    calls = tmp_path / "new" / "calls.csv"
    r = runner.invoke(cli, ["bin", "build", str(sizes), "--panel", "tp", "--repeat-unit", "FCA441=4",
                            "-o", str(out), "-g", str(calls)])
    assert r.exit_code == 1
    assert r.output.strip() == "error: no repeat unit for locus F53 (give one per locus or a default)"
    assert not out.exists() and not calls.exists()
    r = runner.invoke(cli, ["bin", "build", str(sizes), "--panel", "tp", "--repeat-unit", "FCA441=4",
                            "--repeat-unit", "F53=2", "-o", str(out), "-g", str(calls)])
    assert r.exit_code == 0, r.output
    binset = read_binset(out)
    # FCA441: 125.9, 129.7, 133.8 on a 4-bp ladder -> residues 1.9, 1.7, 1.8, offset 1.8;
    # bins 125.8, 129.8, 133.8 plus one rung of margin each side (121.8, 137.8).
    assert [b.centre for b in binset.loci["FCA441"].bins] == [121.8, 125.8, 129.8, 133.8, 137.8]
    # F53: 140.1, 142.0, 143.1 on a 2-bp ladder -> sorted residues 0.0, 0.1, 1.1.  Cuts:
    # as they are, mean 0.4, SSE 0.16 + 0.09 + 0.49 = 0.74; 0.1, 1.1, 2.0, mean 1.0667, SSE 1.8067;
    # 1.1, 2.0, 2.1, mean 1.7333, SSE 0.4011 + 0.0711 + 0.1344 = 0.6067 (best): offset 1.733,
    # bins 139.733 (label 140), 141.733 (142), 143.733 (144; 143.1 is 0.633 <= 0.8 from it),
    # plus 137.733 (138) and 145.733 (146) from the margin.
    f53 = binset.loci["F53"]
    assert f53.offset == pytest.approx(1.733, abs=1e-3)
    assert [b.label for b in f53.bins] == [138, 140, 142, 144, 146]
    got = read_genotypes(calls)
    assert got.allele_values()[:, got.locus_id.index("F53")].tolist() == [[140, 140], [142, 144]]


# ---------------------------------------------------------------- size histograms
def test_size_histograms_hand_worked(tmp_path):
    from genmon.labqc.binplots import locus_title, plot_size_histograms

    # the bins of test_build_bins_hand_worked (99.067 + 2k, half-width 0.8) drawn over a later batch
    # that also has 102.0, between bins 101 (to 101.867) and 103 (from 102.267)
    rows = {("a", "L1"): [100.9, 103.1], ("b", "L1"): [107.2], ("c", "L2"): [150.2]}
    binset = build_bins(_sizes(rows, ["L1", "L2"]), 2, panel="p")
    data = _sizes({**rows, ("b", "L1"): [107.2, 102.0]}, ["L1", "L2"])
    assert locus_title("L1", binset.loci["L1"], data.sizes[:, 0]) == "L1 (2 bp): 6 bins, 4 peaks, 1 outside a bin"
    for fmt in ("svg", "png"):
        a = plot_size_histograms(data, binset, tmp_path / f"a.{fmt}")
        b = plot_size_histograms(data, binset, tmp_path / f"b.{fmt}")
        assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "a.svg").read_text()
    assert "L1 (2 bp): 6 bins, 4 peaks, 1 outside a bin" in svg and "bin set p version 1" in svg
    # every bin is labelled with its allele above its band
    assert all(f"<!-- {label} -->" in svg for label in (99, 101, 103, 105, 107, 109))


def test_cli_bin_build_plot(tmp_path, test_data):
    gm = test_data / "genemapper" / "test.genemapper"
    runner = CliRunner()
    bins, calls, plot = tmp_path / "bins.tsv", tmp_path / "calls.csv", tmp_path / "bins.svg"
    args = ["bin", "build", str(gm), "--panel", "gm", "--repeat-unit", "1", "-o", str(bins), "-g", str(calls)]
    r = runner.invoke(cli, [*args, "--plot", str(tmp_path / "bins.pdf")])
    assert r.exit_code == 2 and "give a .svg or .png file" in r.output
    assert not bins.exists() and not calls.exists()
    r = runner.invoke(cli, [*args, "--plot", str(plot)])
    assert r.exit_code == 0, r.output
    svg = plot.read_text()
    for name in read_sizes(gm).locus_names:
        assert f"<!-- {name} (1 bp): " in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bins.svg", "bins.tsv", "calls.csv"]
