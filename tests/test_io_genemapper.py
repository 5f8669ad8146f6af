"""GeneMapper / GeneMarker Genotypes Table reader and writer.

Expected values for the real export (test_data/genemapper/test.genemapper,
brantfaircloth/gmconvert) were read off the file by hand; line numbers are
the file's own.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import InputError, ModelError
from genmon.cli import cli
from genmon.io import FORMATS, detect_format, read_genotypes, write_genotypes
from genmon.io.genemapper import (
    OffLadderWarning,
    ReplicateNameWarning,
    ReplicateOrderWarning,
    read_genemapper,
    write_genemapper,
)
from genmon.model import GenotypeTable

OFF_LADDER_MESSAGE = (
    'test.genemapper: found 34 off-ladder peaks ("?" or "OL") on 20 rows (the first on line 2, '
    "sample sample1, locus SS-R1M2-P4B3), expected alleles in a bin; read as missing alleles, "
    "their sizes kept in call_size"
)


@pytest.fixture
def real(test_data):
    with pytest.warns(OffLadderWarning) as record:
        table = read_genemapper(test_data / "genemapper" / "test.genemapper")
    assert len(record) == 1
    return table


def _row(table, sample, replicate):
    s = table.samples
    hit = np.nonzero(((s["sample_id"] == sample) & (s["replicate_id"] == replicate)).to_numpy())[0]
    assert len(hit) == 1
    return int(hit[0])


def _call(table, sample, replicate, marker):
    i, j = _row(table, sample, replicate), table.locus_id.index(marker)
    return (
        table.allele_values()[i, j].tolist(),
        table.call_data["call_size"][i, j].tolist(),
        table.call_data["call_height"][i, j].tolist(),
    )


QN, QR, QU = "GowaP-A90314QN", "GowaP-A90314QR", "GowaP-A90314QU"
REDO_MARKERS = [
    "SS-R1M2-P3H7",
    "SS-R1M2-P3H11",
    "Sialia20",
    "Sialia34",
    "Smex5",
    "Smex6",
    "Smex7",
    "Smex13",
]


# ------------------------------------------------------------------ the real export
def test_real_file_shape(real):
    assert real.n_samples == 6 and real.n_loci == 32 and real.ploidy == 2
    assert sorted(set(real.sample_id)) == ["sample1", "sample2"]
    # 16 markers in Panel1 (run ...QN), 16 in Panel2 (run ...QR), 8 redone in run ...QU.
    assert real.samples["replicate_id"].tolist() == [QN, QR, QU] * 2
    assert real.has_replicates


def test_real_file_redo_panels_are_replicate_rows(real):
    redo = _row(real, "sample1", QU)
    assert real.samples.loc[redo, "panel"] == (
        "Panel2Column1-redo;Panel2Column2-redo;Panel2Column3-redo;Panel2Column4-redo"
    )
    assert real.samples.loc[redo, "run_name"] == QU
    assert real.samples.loc[redo, "sample_file"].split(";") == [
        f"{QU}_sample1_G02.fsa", f"{QU}_sample1_G05.fsa", f"{QU}_sample1_G08.fsa", f"{QU}_sample1_G11.fsa",
    ]  # fmt: skip
    present = np.asarray(real.call_data["call_source"][redo] >= 0)
    assert sorted(np.asarray(real.locus_id)[present].tolist()) == sorted(REDO_MARKERS)
    # Each redone marker also has its first run in ...QR: never merged.
    first = _row(real, "sample1", QR)
    for m in REDO_MARKERS:
        assert real.call_data["call_source"][first, real.locus_id.index(m)] >= 0


def test_real_file_hand_checked_calls(real):
    # line 20: Smex13 169/181, sizes 169.45/181.49, heights 32469/32475 (redo run)
    assert _call(real, "sample1", QU, "Smex13") == (
        [169, 181],
        [169.45, 181.49],
        [32469.0, 32475.0],
    )
    # line 6: the same marker in the first run, both peaks "?" (off-ladder): sizes kept
    assert _call(real, "sample1", QR, "Smex13") == ([-1, -1], [145.19, 169.61], [2175.0, 25694.0])
    # line 12: Smex-8 only Allele 1 = 166: homozygote, size/height in the first position only
    alleles, sizes, heights = _call(real, "sample1", QN, "Smex-8")
    assert (
        alleles == [166, 166]
        and sizes[0] == 166.45
        and np.isnan(sizes[1])
        and heights[0] == 32354.0
    )
    # line 15: 372 and an off-ladder "?" at 376.56
    assert _call(real, "sample1", QN, "SS-R1M2-P3G9")[:2] == ([372, -1], [371.6, 376.56])
    # line 8: no call at all
    alleles, sizes, _ = _call(real, "sample1", QN, "SS-R1M2-P3G5")
    assert alleles == [-1, -1] and np.isnan(sizes).all()
    # lines 76 and 79: sample2 SS-R1M2-P3H7 154/157 in the redo, 191 in the first run
    assert _call(real, "sample2", QU, "SS-R1M2-P3H7")[0] == [154, 157]
    assert _call(real, "sample2", QR, "SS-R1M2-P3H7")[0] == [191, 191]
    # line 81: last row, truncated after GQ and without a newline
    i, j = _row(real, "sample2", QR), real.locus_id.index("SS-R1M2-P4B8")
    assert real.allele_values()[i, j].tolist() == [283, 283]
    assert real.call_data["call_GQ"][i, j] == 0.8766


def test_real_file_pqv_passed_through(real):
    i, j = _row(real, "sample1", QN), real.locus_id.index("SS-R1M2-P4B3")  # line 2
    cd = real.call_data
    assert cd["call_GQ"][i, j] == 0.0
    assert cd["call_pqv_ADO"][i, j] == 1.0  # "true": GeneMapper's allele display overflow
    assert cd["call_pqv_AE"][i, j] == 0.0
    assert cd["call_pqv_OS"][i, j] == 1.0 and cd["call_pqv_DP"][i, j] == -2.0
    assert np.isnan(cd["call_GQ"][i, real.locus_id.index("Smex13")])  # no row for it in this run
    assert "call_pqv_DAC" not in cd  # free text, not read


def test_off_ladder_warning_message(test_data):
    with pytest.warns(OffLadderWarning) as record:
        read_genemapper(test_data / "genemapper" / "test.genemapper")
    assert str(record[0].message) == OFF_LADDER_MESSAGE


def test_off_ladder_counts_match_sizes(real):
    off = (real.call_genotype < 0) & np.isfinite(real.call_data["call_size"])
    assert int(off.sum()) == 34


def test_partial_convention(test_data):
    with pytest.warns(OffLadderWarning):
        t = read_genemapper(test_data / "genemapper" / "test.genemapper", single_allele="partial")
    assert _call(t, "sample1", QN, "Smex-8")[0] == [166, -1]
    assert _call(t, "sample1", QN, "Smex-12")[0] == [226, 239]


def test_replicate_by_file(test_data):
    with pytest.warns(OffLadderWarning):
        t = read_genemapper(test_data / "genemapper" / "test.genemapper", replicate_by="file")
    assert t.n_samples == 24  # 3 runs x 4 wells per sample
    assert set(t.samples["replicate_id"]) == {
        f"{r}_{s}_{w}.fsa"
        for r in (QN, QR, QU)
        for s in ("sample1", "sample2")
        for w in ("G02", "G05", "G08", "G11")
    } & {f for f in t.samples["sample_file"]}
    assert (t.samples["replicate_id"] == t.samples["sample_file"]).all()


def test_detect_format(test_data):
    assert detect_format(test_data / "genemapper" / "test.genemapper") == "genemapper"
    assert "genemapper" in FORMATS and FORMATS["genemapper"].writer is not None


# ------------------------------------------------------------------ small hand-made exports
HEADER = "Sample File\tSample Name\tRun Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tSize 1\tSize 2\tHeight 1\tHeight 2"


def _write(tmp_path, lines, name="x.txt"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_replicate_pattern(tmp_path):
    p = _write(
        tmp_path,
        [
            HEADER,
            "R1_a.fsa\tT0153a\tR1\tP1\tFCA441\tB\t165\t169\t165.3\t169.4\t900\t800",
            "R1_b.fsa\tT0153b\tR1\tP1\tFCA441\tB\t165\t\t165.2\t\t700\t",
            "R2_b.fsa\tT0153b\tR2\tP1-redo\tFCA441\tB\t169\t\t169.5\t\t650\t",
            "R1_c.fsa\tT0154_r1\tR1\tP1\tFCA441\tB\t171\t\t171.1\t\t990\t",
        ],
    )
    with pytest.warns(ReplicateNameWarning) as record:
        t = read_genemapper(p, replicate_pattern=r"(?P<sample>T\d+)(?P<rep>[a-z])")
    assert str(record[0].message) == (
        "x.txt, line 5: found 1 sample names that do not match replicate_pattern (T0154_r1), "
        "expected names with the groups sample and rep; read whole as sample ids"
    )
    # T0153b was run twice (R1, R2): "b" is split by run, never merged.
    assert list(zip(t.sample_id, t.samples["replicate_id"], strict=True)) == [
        ("T0153", "a"), ("T0153", "b|R1"), ("T0153", "b|R2"), ("T0154_r1", "R1"),
    ]  # fmt: skip
    assert t.allele_values()[:, 0].tolist() == [[165, 169], [165, 165], [169, 169], [171, 171]]
    assert t.samples["sample_name"].tolist() == ["T0153a", "T0153b", "T0153b", "T0154_r1"]


def test_same_run_two_files_split_by_file(tmp_path):
    p = _write(
        tmp_path,
        [
            HEADER,
            "R1_T1_A01.fsa\tT1\tR1\tP1\tFCA441\tB\t165\t169\t\t\t\t",
            "R1_T1_A01.fsa\tT1\tR1\tP1\tF53\tG\t176\t180\t\t\t\t",
            "R1_T1_B01.fsa\tT1\tR1\tP1\tFCA441\tB\t165\t\t\t\t\t",
            "R1_T2_A02.fsa\tT2\tR1\tP1\tFCA441\tB\t171\t173\t\t\t\t",
        ],
    )
    t = read_genemapper(p)
    assert t.samples["replicate_id"].tolist() == ["R1_T1_A01.fsa", "R1_T1_B01.fsa", "R1"]


def test_rows_told_apart_only_by_order(tmp_path):
    p = _write(
        tmp_path,
        [
            "Sample Name\tMarker\tAllele 1\tAllele 2",
            "T1\tF53\t176\t180",
            "T1\tF53\t176\t",
            "T2\tF53\t180\t",
        ],
    )
    with pytest.warns(ReplicateOrderWarning) as record:
        t = read_genemapper(p)
    assert str(record[0].message) == (
        "x.txt, line 3, sample T1: found marker F53 more than once for this sample with nothing "
        "(replicate name, Run Name, Sample File) to tell the rows apart, expected one row per "
        "replicate x marker; rows numbered as replicates 1, 2, ... in file order"
    )
    assert list(zip(t.sample_id, t.samples["replicate_id"], strict=True)) == [
        ("T1", "1"),
        ("T1", "2"),
        ("T2", "1"),
    ]
    assert t.allele_values()[:, 0].tolist() == [[176, 180], [176, 176], [180, 180]]


def test_genemarker_and_r_aliases(tmp_path):
    # GeneMarker-like report (no Sample File / Run) and R's "Sample.Name"/"Allele.1" spelling.
    p = _write(
        tmp_path,
        ["Sample.Name,Marker,Allele.1,Allele.2,Size.1,Size.2", "T1,FCA441,165,169,165.3,169.4"],
        "gm.csv",
    )
    t = read_genemapper(p)
    assert t.allele_values().tolist() == [[[165, 169]]]
    assert t.call_data["call_size"].tolist() == [[[165.3, 169.4]]]
    p = _write(tmp_path, ["Sample;Locus;Allele 1;Allele 2;Size 1", "T1;F53;176;;176,02"], "gm2.csv")
    t = read_genemapper(p)
    assert t.locus_id == ["F53"] and t.call_data["call_size"][0, 0, 0] == 176.02


def test_id_x_twenty_triplets_and_ol(tmp_path):
    cols = ["Sample Name", "Marker", "Dye"]
    cols += [f"Allele {k}" for k in range(1, 21)] + [f"Size {k}" for k in range(1, 21)]
    cols += [f"Height {k}" for k in range(1, 21)] + ["GQ"]
    row = ["T1", "FCA441", "B", "165", "OL"] + [""] * 18 + ["165.2", "171.8"] + ["NA"] * 18
    row += ["900", "400"] + ["NA"] * 18 + ["0.7"]
    p = _write(tmp_path, ["\t".join(cols), "\t".join(row)])
    with pytest.warns(OffLadderWarning, match=r'1 off-ladder peaks \("\?" or "OL"\) on 1 rows'):
        t = read_genemapper(p)
    assert t.allele_values().tolist() == [[[165, -1]]]
    assert t.call_data["call_size"].tolist() == [[[165.2, 171.8]]]
    assert t.call_data["call_GQ"].tolist() == [[0.7]]


def test_truncated_row_and_trailing_tabs(tmp_path):
    p = _write(
        tmp_path,
        [HEADER + "\t", "f.fsa\tT1\tR1\tP1\tF53\tG\t176\t180\t\t\t\t\t\t", "f.fsa\tT1\tR1"],
    )
    with pytest.raises(InputError) as err:
        read_genemapper(p)
    assert (
        str(err.value)
        == "x.txt, line 3, sample T1: found an empty Marker, expected the marker of every row"
    )


def test_empty_and_header_only(tmp_path):
    with pytest.raises(InputError, match=r"^e.txt: found an empty file"):
        read_genemapper(_write(tmp_path, [""], "e.txt"))
    with pytest.raises(InputError, match=r"^h.txt: found a header but no data rows"):
        read_genemapper(_write(tmp_path, [HEADER], "h.txt"))


def test_bad_options(tmp_path):
    p = _write(tmp_path, [HEADER])
    with pytest.raises(ModelError, match="single_allele"):
        read_genemapper(p, single_allele="both")
    with pytest.raises(ModelError, match="named groups"):
        read_genemapper(p, replicate_pattern=r"(?P<sample>T\d+)")


# ------------------------------------------------------------------ writer
def _same(a: GenotypeTable, b: GenotypeTable) -> None:
    assert a.describe_difference(b) is None
    assert np.array_equal(a.call_genotype, b.call_genotype)
    assert a.loci == b.loci
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert set(a.call_data) == set(b.call_data)
    for k, v in a.call_data.items():
        np.testing.assert_array_equal(v, b.call_data[k], err_msg=k)
    drop = {"source_file"}
    assert {k: v for k, v in a.attrs.items() if k not in drop} == {
        k: v for k, v in b.attrs.items() if k not in drop
    }


@pytest.mark.parametrize("convention", ["homozygote", "partial"])
def test_round_trip_real_file(test_data, tmp_path, convention):
    with pytest.warns(OffLadderWarning):
        t = read_genemapper(test_data / "genemapper" / "test.genemapper", single_allele=convention)
        write_genotypes(t, tmp_path / "out.genemapper")
        back = read_genotypes(tmp_path / "out.genemapper", single_allele=convention)
    _same(t, back)
    text = (tmp_path / "out.genemapper").read_text()
    assert text.splitlines()[0].startswith(
        "Sample File\tSample Name\tRun Name\tPanel\tMarker\tDye\tAllele 1\tAllele 2\tSize 1\tSize 2\tHeight 1\tHeight 2\tGQ"
    )
    assert len(text.splitlines()) == 81  # one row per original row


@pytest.mark.parametrize("convention", ["homozygote", "partial"])
def test_round_trip_simulated_table(tmp_path, convention):
    # Homozygotes, partial calls (allele dropout) and missing calls, no sizes:
    # (loci and rows in the reader's natural order; others come back sorted)
    values = [
        [[176, 180], [165, 165]],
        [[-1, -1], [165, -1]],
        [[180, 180], [-1, 169]],
    ]
    t = GenotypeTable.from_alleles(
        values, ["F53", "FCA441"],
        samples=pd.DataFrame({"sample_id": ["T1", "T1", "T2"], "replicate_id": ["1", "2", "1"]}),
    )  # fmt: skip
    t.attrs["single_allele"] = convention
    write_genemapper(t, tmp_path / "sim.txt")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        back = read_genemapper(tmp_path / "sim.txt", single_allele=convention)
    # Under "homozygote" the two partial calls come back through an off-ladder "?".
    assert [type(w.message) for w in record] == (
        [OffLadderWarning] if convention == "homozygote" else []
    )
    # Same genotypes; the reader packs called alleles to the front ([-1, 169] -> [169, -1]).
    assert back.same_genotypes(t)
    assert back.allele_values()[2, 1].tolist() == (
        [-1, 169] if convention == "homozygote" else [169, -1]
    )
    assert back.samples["replicate_id"].tolist() == ["1", "2", "1"]
    assert back.samples["sample_file"].tolist() == ["T1_1.fsa", "T1_2.fsa", "T2_1.fsa"]
    lines = (tmp_path / "sim.txt").read_text().splitlines()
    # T1 replicate 1, FCA441: a homozygote written with Allele 1 only, as GeneMapper does
    # (under "partial" both alleles are written, else it would read back as 165/-).
    assert lines[2].split("\t")[:8] == (
        [
            "T1_1.fsa",
            "T1",
            "1",
            "",
            "FCA441",
            "",
            "165",
            "" if convention == "homozygote" else "165",
        ]
    )
    # T1 replicate 2, FCA441: a partial call; under "homozygote" its empty slot is written "?".
    assert lines[4].split("\t")[6:8] == (
        ["165", "?"] if convention == "homozygote" else ["165", ""]
    )


def test_writer_refuses_snp_tables(tmp_path):
    t = GenotypeTable.from_alleles([[["A", "G"]]], ["rs1"], kinds="SNP", sample_ids=["T1"])
    with pytest.raises(ModelError, match="SNP loci"):
        write_genemapper(t, tmp_path / "x.txt")


# ------------------------------------------------------------------ malformed files through the CLI
MALFORMED = {
    "genemapper_missing_columns.txt": (
        'genemapper_missing_columns.txt, line 1: found a header without "Marker", "Allele 1", expected a '
        "GeneMapper Genotypes Table header with Sample Name, Marker and Allele 1..n columns"
    ),
    "genemapper_non_numeric_size.txt": (
        'genemapper_non_numeric_size.txt, line 3, sample RU-LLNP-2024-0153, locus F53: found Size 1 "17O.02", '
        "expected a number"
    ),
    "genemapper_three_alleles_diploid.txt": (
        "genemapper_three_alleles_diploid.txt, line 4, sample RU-LLNP-2024-0154, locus FCA441: found 3 alleles "
        "(165, 169, 173), expected at most 2 per row for ploidy 2"
    ),
    "genemapper_bad_allele.txt": (
        'genemapper_bad_allele.txt, line 4, sample RU-LLNP-2024-0154, locus FCA441: found allele "1O4", '
        "expected a whole number or a missing code"
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_message(test_data, name):
    with pytest.raises(InputError) as err:
        read_genemapper(test_data / "malformed" / name)
    assert str(err.value) == MALFORMED[name]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_cli_exit_3(test_data, name):
    result = CliRunner().invoke(
        cli, ["validate", "--from", "genemapper", str(test_data / "malformed" / name)]
    )
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr == f"error: {MALFORMED[name]}\n"


def test_three_alleles_read_with_ploidy_3(test_data):
    with pytest.warns(OffLadderWarning):
        t = read_genemapper(
            test_data / "malformed" / "genemapper_three_alleles_diploid.txt", ploidy=3
        )
    assert t.allele_values()[1, t.locus_id.index("FCA441")].tolist() == [165, 169, 173]


def test_cli_validate_and_convert(test_data, tmp_path):
    runner = CliRunner()
    src = str(test_data / "genemapper" / "test.genemapper")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        result = runner.invoke(cli, ["validate", src])
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{src}: valid, 6 replicate rows x 32 loci, ploidy 2\n"
        assert result.stderr == f"warning: {OFF_LADDER_MESSAGE}\n"
        out = tmp_path / "copy.genemapper"
        result = runner.invoke(cli, ["convert", src, "-o", str(out)])
        assert result.exit_code == 0, result.output
    with pytest.warns(OffLadderWarning):
        _same(read_genemapper(src), read_genemapper(out))
