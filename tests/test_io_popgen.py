"""Genepop, NeEstimator, STRUCTURE, FSTAT and COLONY files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import genmon
from genmon import GenotypeTable, InputError
from genmon.cli import cli
from genmon.io import FORMATS, detect_format, read_genotypes, write_genotypes
from genmon.io.colony import write_colony
from genmon.io.fstat import read_fstat, write_fstat
from genmon.io.genepop import (
    NameChangedWarning,
    read_genepop,
    read_genetix_allele_map,
    write_genepop,
    write_neestimator,
)
from genmon.io.structure import read_structure, sidecar_path, write_structure

from .conftest import TEST_DATA

# Per-locus facts about nancycats from adegenet 2.1 `summary(nancycats)` on the same data:
# number of alleles and number of typed cats.
NANCY_LOCI = ["fca8", "fca23", "fca43", "fca45", "fca77", "fca78", "fca90", "fca96", "fca37"]
NANCY_N_ALLELES = [16, 11, 10, 9, 12, 8, 12, 12, 18]
NANCY_TYPED = [217, 237, 237, 216, 237, 237, 237, 228, 237]
NANCY_POP_SIZES = [10, 22, 12, 23, 15, 11, 14, 10, 9, 11, 20, 14, 13, 17, 11, 12, 13]


@pytest.fixture(scope="module")
def nancy_map():
    return read_genetix_allele_map(TEST_DATA / "nancycats" / "nancycats.gtx")


@pytest.fixture(scope="module")
def nancy(nancy_map):
    return read_genotypes(TEST_DATA / "nancycats" / "nancycats.gen", allele_map=nancy_map)


def _sorted_values(t: GenotypeTable) -> np.ndarray:
    return np.sort(t.allele_values(), axis=2)


def _synthetic(
    rng: np.random.Generator, n: int = 12, n_loci: int = 4, pops=("LLNP", "NETLNP", "Primorye")
):
    sizes = np.arange(101, 301, 2)
    values = rng.choice(sizes, size=(n, n_loci, 2))
    values[rng.random((n, n_loci, 2)) < 0.1] = -1  # missing alleles, some calls partially missing
    values[0, 0] = [165, -1]  # a partially missing call, as Genepop's 165000
    values[1, 1] = [-1, -1]
    samples = pd.DataFrame(
        {
            "sample_id": [f"RU-{i:04d}" for i in range(n)],
            "population": [pops[i * len(pops) // n] for i in range(n)],
        }
    )
    return GenotypeTable.from_alleles(values, [f"FCA{j}" for j in range(n_loci)], samples=samples)


# ---------------------------------------------------------------------------------------- nancycats
def test_gtx_map(nancy_map):
    assert list(nancy_map) == NANCY_LOCI
    assert [len(m) for m in nancy_map.values()] == NANCY_N_ALLELES
    # fca96 lists "091" first; fca8's sizes run 117..149 (SOURCE.md).
    assert nancy_map["fca96"][1] == 91
    assert nancy_map["fca8"][1] == 117 and nancy_map["fca8"][16] == 149


def test_nancycats_genepop(nancy):
    assert nancy.n_samples == 237 and nancy.locus_id == NANCY_LOCI and nancy.ploidy == 2
    pops = nancy.samples["population"]
    assert list(dict.fromkeys(pops)) == [str(k) for k in range(1, 18)]
    assert pops.value_counts().reindex([str(k) for k in range(1, 18)]).tolist() == NANCY_POP_SIZES
    assert [locus.n_alleles for locus in nancy.loci] == NANCY_N_ALLELES
    typed = (nancy.call_genotype >= 0).all(axis=2).sum(axis=0)
    assert typed.tolist() == NANCY_TYPED
    # First cat (N215 in the .gtx/.str): "0000 0409 0404 0103 ..." -> fca8 missing, fca23 136/146,
    # fca43 139/139, fca45 116/120 (4th, 9th, 4th, 1st and 3rd sizes of the .gtx lists).
    assert nancy.allele_values()[0, :4].tolist() == [[-1, -1], [136, 146], [139, 139], [116, 120]]


def test_nancycats_three_formats_agree(test_data, nancy, nancy_map):
    st_ = read_genotypes(test_data / "nancycats" / "nancycats.str", locus_names=NANCY_LOCI)
    dat = read_genotypes(test_data / "nancycats" / "nancycats.dat", allele_map=nancy_map)
    assert FORMATS["structure"].reader is not None
    assert st_.attrs["source_format"] == "structure" and dat.attrs["source_format"] == "fstat"
    # The .str file lists 7 cats of colony 12 after colony 16; Genepop and FSTAT keep colony 12
    # together.  A stable sort by colony gives the Genepop order.
    order = np.argsort(st_.samples["population"].astype(int).to_numpy(), kind="stable")
    st_ = st_.subset(order)
    for other in (st_, dat):
        assert other.n_samples == 237 and other.locus_id == NANCY_LOCI
        np.testing.assert_array_equal(_sorted_values(other), _sorted_values(nancy))
        assert list(other.samples["population"]) == list(nancy.samples["population"])
    assert st_.samples["popflag"].eq(1).all()
    assert st_.sample_id[0] == "N215"


@pytest.mark.parametrize("fmt,ext", [("genepop", ".gen"), ("structure", ".str"), ("fstat", ".dat")])
def test_nancycats_round_trip(tmp_path, nancy, fmt, ext):
    out = tmp_path / f"cats{ext}"
    write_genotypes(nancy, out, fmt)
    back = read_genotypes(out)  # format detected from extension and contents
    assert back.attrs["source_format"] == fmt
    np.testing.assert_array_equal(back.allele_values(), nancy.allele_values())
    assert list(back.samples["population"]) == list(nancy.samples["population"])
    if fmt != "fstat":
        assert list(back.sample_id) == list(nancy.sample_id)
    assert not sidecar_path(out).exists()  # colony numbers are kept as they are


def test_neestimator_snp_file(test_data):
    t = read_genotypes(test_data / "neestimator-snps" / "test_genepop.txt")
    assert (t.n_samples, t.n_loci, t.ploidy) == (20, 912, 2)
    assert t.attrs["title"] == "" and t.attrs["genepop_digits"] == 3
    assert t.locus_id[:2] == ["rs268253145", "rs268253146"]
    assert set(t.samples["population"]) == {"867094"}  # named after its first individual
    codes = {a for locus in t.loci for a in locus.alleles}
    assert codes <= {100, 110, 120, 130}
    assert all(1 <= locus.n_alleles <= 2 for locus in t.loci)
    assert t.allele_values()[0, :3].tolist() == [[120, 120], [120, 100], [120, 100]]
    snp = read_genepop(test_data / "neestimator-snps" / "test_genepop.txt", kind="SNP")
    assert snp.loci[0].kind == "SNP" and set(snp.loci[0].alleles) <= {"100", "120"}


# ---------------------------------------------------------------------------------------- Genepop
def test_genepop_layouts_and_partial_missing(tmp_path):
    one_per_line = "demo\nFCA441\nF53\nPOP\nRU-1 , 165000 176200\nRU-2 , 000169 000000\npop\nCN-1,165165 188200\n"
    comma = one_per_line.replace("FCA441\nF53", "FCA441, F53")
    tables = []
    for k, text in enumerate((one_per_line, comma)):
        p = tmp_path / f"g{k}.gen"
        p.write_text(text)
        tables.append(read_genepop(p))
    a, b = tables
    assert a.locus_id == b.locus_id == ["FCA441", "F53"]
    assert a.allele_values().tolist() == [
        [[165, -1], [176, 200]],
        [[-1, 169], [-1, -1]],
        [[165, 165], [188, 200]],
    ]
    assert list(a.samples["population"]) == ["RU-1", "RU-1", "CN-1"]
    named = read_genepop(tmp_path / "g0.gen", pop_names=["LLNP", "NETLNP"])
    assert list(named.samples["population"]) == ["LLNP", "LLNP", "NETLNP"]
    with pytest.raises(InputError) as exc:
        read_genepop(tmp_path / "g0.gen", pop_names=["LLNP"])
    assert (
        str(exc.value)
        == f"{tmp_path / 'g0.gen'}: found 1 names in pop_names, expected 2, one per Pop line"
    )


def test_genepop_two_digit_and_haploid(tmp_path):
    p = tmp_path / "h.gen"
    p.write_text("haploid\nmt1, mt2\nPop\nA , 01 03\nB , 02 00\n")
    t = read_genepop(p)
    assert t.ploidy == 1 and t.allele_values().tolist() == [[[1], [3]], [[2], [-1]]]
    p2 = tmp_path / "d.gen"
    p2.write_text("two digits\nL1\nPop\nA , 0912\nB , 0000\n")
    assert read_genepop(p2).allele_values().tolist() == [[[9, 12]], [[-1, -1]]]


def test_genepop_allele_map_unknown_code(tmp_path):
    p = tmp_path / "m.gen"
    p.write_text("t\nfca8\nPop\n1 , 0119\n")
    with pytest.raises(InputError) as exc:
        read_genepop(p, allele_map={"fca8": {1: 117, 2: 119}})
    assert (
        str(exc.value)
        == f"{p}, line 4, sample 1, locus fca8: found allele code 19 with no entry in allele_map, expected one of 1-2"
    )
    snp = read_genepop(p, allele_map={"fca8": {1: "A", 19: "G"}})
    assert snp.loci[0].kind == "SNP" and snp.loci[0].alleles == ("A", "G")


def test_genepop_writer_refuses_four_digit_alleles(tmp_path):
    t = GenotypeTable.from_alleles([[[165, 1040], [176, 200]]], ["FCA441", "F53"], sample_ids=["a"])
    out = tmp_path / "big.gen"
    with pytest.raises(InputError) as exc:
        write_genepop(t, out)
    assert str(exc.value) == (
        f"{out}, locus FCA441: found allele 1040, expected codes of at most 3 digits (Genepop limit 999); "
        "recode this locus (e.g. subtract a constant from its sizes, or use allele indices)"
    )
    assert not out.exists()
    with pytest.raises(
        InputError,
        match=r"locus F53: found allele 200, expected codes of at most 2 digits \(Genepop limit 99\);",
    ):
        write_genepop(t.subset(loci=["F53"]), out, digits=2)


def test_genepop_writer_groups_populations(tmp_path):
    t = GenotypeTable.from_alleles(
        [[[165, 169]], [[169, 169]], [[165, -1]]],
        ["FCA441"],
        samples=pd.DataFrame({"sample_id": ["a", "b", "c"], "population": ["P1", "P2", "P1"]}),
        attrs={"title": "Amur test"},
    )
    out = tmp_path / "o.gen"
    write_genepop(t, out)
    assert out.read_text().splitlines() == [
        f"Amur test [genmon {genmon.__version__}]",
        "FCA441",
        "Pop",
        "a ,  165169",
        "c ,  165000",
        "Pop",
        "b ,  169169",
    ]
    back = read_genepop(out)
    assert list(back.sample_id) == ["a", "c", "b"]
    assert back.attrs["title"].startswith("Amur test [genmon ")
    write_genepop(back, tmp_path / "again.gen")  # the provenance tag is not repeated
    assert (tmp_path / "again.gen").read_text().splitlines()[0] == back.attrs["title"]


def test_snp_tables_are_coded_as_nucleotides(tmp_path):
    t = GenotypeTable.from_alleles(
        [[["A", "G"], ["C", "CT"]], [["G", "G"], [None, "C"]]],
        ["rs1", "indel1"],
        kinds="SNP",
        sample_ids=["a", "b"],
        missing=None,
        locus_info={"indel1": {"alleles": ("C", "CT")}},
    )
    out = tmp_path / "snp.gen"
    write_genepop(t, out)
    # A=001, G=003; the indel is coded by index + 1: C=001, CT=002.
    assert out.read_text().splitlines()[-2:] == ["a ,  001003 001002", "b ,  003003 000001"]


def test_neestimator_writer(tmp_path, rng):
    t = _synthetic(rng)
    t = t.with_samples(t.samples.assign(sample_id=[f"RU {i}/24" for i in range(t.n_samples)]))
    assert FORMATS["neestimator"].reader is None
    out = tmp_path / "ne.gen"
    with pytest.warns(
        NameChangedWarning,
        match='12 names with characters NeEstimator may misread \\(e.g. "RU 0/24" written as "RU_0_24"\\)',
    ):
        write_genotypes(t, out, "neestimator")
    lines = out.read_text().splitlines()
    # one locus per line, in decreasing order of the number of alleles seen
    seen = {
        locus.name: len(set(t.allele_values()[:, j].ravel()) - {-1})
        for j, locus in enumerate(t.loci)
    }
    assert sorted(lines[1:5]) == ["FCA0", "FCA1", "FCA2", "FCA3"]
    assert [seen[x] for x in lines[1:5]] == sorted(seen.values(), reverse=True)
    assert lines[6].startswith("RU_0_24 ,  ")
    assert all(len(tok) == 6 for ln in lines if "," in ln for tok in ln.split(",")[1].split())
    back = read_genepop(out)
    np.testing.assert_array_equal(
        back.allele_values(), t.subset(loci=back.locus_id).allele_values()
    )
    # with sort_loci=False the table's order is kept
    with pytest.warns(NameChangedWarning):
        write_neestimator(t, out, sort_loci=False)
    assert out.read_text().splitlines()[1:5] == ["FCA0", "FCA1", "FCA2", "FCA3"]
    assert out.read_text().splitlines()[6].startswith("RU_0_24 ,  165000 ")


@pytest.mark.parametrize(
    "name,message",
    [
        (
            "genepop_mixed_digits.gen",
            'line 5, sample RU-0002, locus F53: found genotype "1717" of 4 digits, '
            "expected 6 digits like the first genotype of the file (line 4)",
        ),
        (
            "genepop_no_pop.gen",
            'line 5: found individual "RU-0001" before any "Pop" line, '
            'expected a line "Pop" before the first individual of each population',
        ),
        (
            "genepop_wrong_token_count.gen",
            "line 5, sample RU-0002: found 2 genotypes, expected 3, one per locus",
        ),
        (
            "structure_odd_rows.str",
            "line 4, sample RU-0002: found 1 row for this individual, expected 2 rows per individual "
            "(ONEROWPERIND=0; pass onerowperind=True for one row per individual)",
        ),
        (
            "fstat_bad_header.dat",
            'line 1: found first line "2 3 215", expected 4 whole numbers: npop nloci maxallele digits',
        ),
    ],
)
def test_malformed_files(test_data, tmp_path, name, message):
    path = test_data / "malformed" / name
    with pytest.raises(InputError) as exc:
        read_genotypes(path)
    assert str(exc.value) == f"{path}, {message}"
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == f"error: {path}, {message}\n"
    out = tmp_path / "out.gen"
    result = runner.invoke(cli, ["convert", str(path), "-o", str(out), "--to", "genepop"])
    assert result.exit_code == 3 and not out.exists()


def test_cli_convert_nancycats(test_data, tmp_path):
    out = tmp_path / "cats.gen"
    result = CliRunner().invoke(
        cli, ["convert", str(test_data / "nancycats" / "nancycats.str"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    back = read_genepop(out)
    assert back.n_samples == 237 and back.n_loci == 9
    assert detect_format(out) == "genepop"


# ---------------------------------------------------------------------------------------- STRUCTURE
def test_structure_one_row_and_options(tmp_path):
    # one row per individual, no marker row, label + popdata + popflag + one extra column
    p = tmp_path / "one.str"
    p.write_text("a 1 1 7 165 169 -9 -9\nb 2 0 3 169 169 176 200\n")
    t = read_structure(p, extra_cols=1)
    assert t.attrs["structure_onerowperind"] is True
    assert t.locus_id == ["L1", "L2"]
    assert t.allele_values().tolist() == [[[165, 169], [-1, -1]], [[169, 169], [176, 200]]]
    assert list(t.samples["population"]) == ["1", "2"] and list(t.samples["popflag"]) == [1, 0]
    assert list(t.samples["extra_1"]) == ["7", "3"]
    # the same file read without popflag detection: 0/1 column taken as popflag, then 7 columns fail
    with pytest.raises(InputError) as exc:
        read_structure(p)
    assert (
        str(exc.value)
        == f"{p}, line 1: found 8 columns, expected 3 leading columns then 2 column(s) per locus"
    )
    no_pop = tmp_path / "nopop.str"
    no_pop.write_text("A B\na 165 176\na 169 -9\n")
    t = read_structure(no_pop, popdata=False)
    assert t.samples["population"].isna().all() and t.allele_values()[0].tolist() == [
        [165, 169],
        [176, -1],
    ]


def test_structure_marker_row_decides_layout(tmp_path):
    # One row per individual with repeated labels (PCR replicates): runs of equal labels would
    # suggest two rows per individual, but only one row per individual fits the marker row.
    p = tmp_path / "rep.str"
    p.write_text("L1 L2\na 1 165 169 176 180\na 1 165 165 176 180\nb 2 -9 -9 170 170\n")
    t = read_structure(p)
    assert t.attrs["structure_onerowperind"] is True and list(t.sample_id) == ["a", "a", "b"]
    assert t.allele_values().tolist() == [
        [[165, 169], [176, 180]],
        [[165, 165], [176, 180]],
        [[-1, -1], [170, 170]],
    ]


def test_structure_writer_numbers_populations(tmp_path, rng):
    t = _synthetic(rng)
    out = tmp_path / "s.str"
    write_structure(t, out)
    lines = out.read_text().splitlines()
    assert lines[0] == "FCA0\tFCA1\tFCA2\tFCA3"
    assert lines[1].startswith("RU-0000\t1\t165\t") and lines[2].startswith("RU-0000\t1\t-9\t")
    assert sidecar_path(out).read_text().splitlines()[1:] == [
        "popdata\tpopulation",
        "1\tLLNP",
        "2\tNETLNP",
        "3\tPrimorye",
    ]
    back = read_structure(out)
    assert back.attrs["population_map"] == str(sidecar_path(out))
    assert list(back.samples["population"]) == list(t.samples["population"])
    np.testing.assert_array_equal(back.allele_values(), t.allele_values())
    write_structure(t, tmp_path / "one.str", onerowperind=True, markernames=False)
    one = read_structure(tmp_path / "one.str", pop_map={1: "LLNP", 2: "NETLNP", 3: "Primorye"})
    assert one.attrs["structure_onerowperind"] is True
    np.testing.assert_array_equal(one.allele_values(), t.allele_values())
    assert list(one.samples["population"]) == list(t.samples["population"])


def test_structure_writer_refuses_spaces(tmp_path):
    t = GenotypeTable.from_alleles([[[165, 169]]], ["FCA441"], sample_ids=["RU 1"])
    with pytest.raises(InputError) as exc:
        write_structure(t, tmp_path / "x.str")
    assert str(exc.value).endswith(
        'sample RU 1: found sample label "RU 1", expected labels without spaces (STRUCTURE splits on white space)'
    )


# ---------------------------------------------------------------------------------------- FSTAT
def test_fstat_problems_are_all_reported(tmp_path):
    p = tmp_path / "bad.dat"
    p.write_text("2 2 20 2\nA\nB\n1 0912 0404\n3 0912 0404\n1 09123 21\n")
    with pytest.raises(InputError) as exc:
        read_fstat(p)
    assert str(exc.value).splitlines() == [
        f'{p}, line 5, sample S2: found population "3", expected a number from 1 to 2 (npop in line 1)',
        f'{p}, line 6, sample S3, locus A: found genotype "09123", expected a number of up to 4 digits (2 per allele)',
        f"{p}, line 6, sample S3, locus B: found allele 21, expected at most 20 (maxallele in line 1)",
    ]


def test_fstat_round_trip_with_names(tmp_path, rng):
    t = _synthetic(rng)
    out = tmp_path / "f.dat"
    write_fstat(t, out)
    first = out.read_text().splitlines()[0].split()
    assert first[0] == "3" and first[1] == "4" and first[3] == "3"
    back = read_fstat(out)
    np.testing.assert_array_equal(back.allele_values(), t.allele_values())
    assert list(back.samples["population"]) == list(t.samples["population"])
    assert list(back.sample_id) == [f"S{i + 1}" for i in range(t.n_samples)]
    numbers = read_fstat(out, pop_names=["x", "y", "z"])
    assert list(dict.fromkeys(numbers.samples["population"])) == ["x", "y", "z"]


# ---------------------------------------------------------------------------------------- round trips
_SIZES = st.integers(min_value=1, max_value=999)


@st.composite
def _tables(draw):
    n = draw(st.integers(1, 6))
    n_loci = draw(st.integers(1, 4))
    values = draw(
        st.lists(
            st.lists(
                st.lists(st.one_of(st.just(-1), _SIZES), min_size=2, max_size=2),
                min_size=n_loci,
                max_size=n_loci,
            ),
            min_size=n,
            max_size=n,
        )
    )
    pops = draw(st.lists(st.sampled_from(["LLNP", "NETLNP", "7"]), min_size=n, max_size=n))
    pops = sorted(pops, key=["LLNP", "NETLNP", "7"].index)  # contiguous populations
    samples = pd.DataFrame({"sample_id": [f"S-{i}" for i in range(n)], "population": pops})
    return GenotypeTable.from_alleles(
        np.array(values), [f"L{j}" for j in range(n_loci)], samples=samples
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=_tables())
def test_round_trips_property(tmp_path, table):
    for fmt, ext in (("genepop", ".gen"), ("structure", ".str"), ("fstat", ".dat")):
        out = tmp_path / f"t{ext}"
        write_genotypes(table, out, fmt)
        back = read_genotypes(out, fmt)
        np.testing.assert_array_equal(back.allele_values(), table.allele_values())
        if fmt == "genepop":
            # populations are named after their first individual
            firsts = table.samples.groupby("population", sort=False)["sample_id"].transform("first")
            assert list(back.samples["population"]) == list(firsts)
        else:
            assert list(back.samples["population"]) == list(table.samples["population"])
        if fmt != "fstat":
            assert list(back.sample_id) == list(table.sample_id)


# ---------------------------------------------------------------------------------------- COLONY
def _amurtest() -> GenotypeTable:
    values = [
        [[165, 169], [176, 200], [203, 215]],
        [[169, 169], [-1, -1], [199, 203]],
        [[165, 165], [188, 200], [203, 203]],
        [[165, 169], [176, 188], [199, 215]],
    ]
    return GenotypeTable.from_alleles(
        values, ["FCA441", "F53", "F124"], sample_ids=["RU-0001", "RU-0002", "CN-0010", "CN-0011"]
    )


def test_colony_matches_hand_written_file(test_data, tmp_path):
    rates = pd.DataFrame(
        {"locus": ["F124", "FCA441", "F53"], "ado": [0.0, 0.05, 0.10], "fa": [0.005, 0.01, 0.02]}
    )
    out = tmp_path / "amurtest.dat"
    write_colony(_amurtest(), out, error_rates=rates, seed=1234)
    expected = (test_data / "reference" / "colony" / "amurtest_expected.dat").read_text()
    assert out.read_text() == expected.replace("genmon VERSION", f"genmon {genmon.__version__}")
    again = tmp_path / "dict.dat"
    write_colony(
        _amurtest(),
        again,
        error_rates={"FCA441": (0.05, 0.01), "F53": (0.1, 0.02), "F124": (0, 0.005)},
        seed=1234,
        dataset_name="amurtest",
    )
    assert again.read_text() == out.read_text()


def test_colony_defaults_and_errors(tmp_path):
    out = tmp_path / "c.dat"
    write_genotypes(_amurtest(), out, "colony")
    lines = out.read_text().splitlines()
    assert "error rates: genmon defaults 0.05/0.01" in lines[0]
    assert lines[24].startswith("0.0500 0.0500 0.0500 ") and lines[25].startswith(
        "0.0100 0.0100 0.0100 "
    )
    seed = int(lines[4].split()[0])
    assert 0 < seed < 2**31
    with pytest.raises(InputError) as exc:
        write_colony(_amurtest(), out, error_rates={"FCA441": (0.05, 0.01), "F53": (1.2, 0.0)})
    assert str(exc.value).splitlines() == [
        f"{out}: found no error rates for loci F124, expected a (dropout, error) pair for every locus",
        f"{out}, locus F53: found dropout rate 1.2, expected a number in [0, 1)",
    ]
    dup = _amurtest().subset([0, 0])
    with pytest.raises(
        InputError, match="found repeated sample names RU-0001, expected one row per individual"
    ):
        write_colony(dup, out, seed=1)
