"""Tabular readers and writers: wide, long, GenAlEx, allelematch, related.

Round trips (write -> read gives the same genotypes, sample ids and the
metadata each format carries), the real files of test_data/ checked against
the facts in their SOURCE.md, conversions between the formats, and
encodings (UTF-8 BOM, UTF-16, ``;`` with CRLF and decimal commas).
"""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genmon.cli import cli
from genmon.exceptions import InputError
from genmon.io import detect_format, read_genotypes, write_genotypes
from genmon.io.genalex import read_genalex
from genmon.io.related import read_related
from genmon.model import GenotypeTable

FORMATS = ("wide", "long", "genalex", "allelematch", "related")
#: Sample fields each format carries (besides sample_id).
CARRIED = {
    "wide": "all",
    "long": [
        "replicate_id",
        "population",
        "x",
        "y",
        "date",
        "sex",
        "individual_id",
        "latitude",
        "longitude",
    ],
    "genalex": ["individual_id", "date", "x", "y", "sex", "notes"],  # population: see below
    "allelematch": "all",
    "related": [],
}


def make_table(replicates: bool = False) -> GenotypeTable:
    """4 samples x 3 loci with metadata of every kind and missing alleles."""
    values = [
        [[165, 169], [176, 200], [203, 215]],
        [[169, 169], [-1, -1], [199, 203]],
        [[165, 165], [188, 200], [203, 203]],
        [[165, 169], [176, 188], [-1, -1]],
    ]
    samples = pd.DataFrame(
        {
            "sample_id": ["RU-0001", "RU-0002", "CN-0010", "CN-0011"],
            "population": ["RU-LLNP", "RU-LLNP", "CN-NETLNP", None],
            "x": [523450.5, 523900.0, None, 530001.25],
            "y": [4775320.0, 4775010.0, None, 4770000.75],
            "date": ["2024-01-12", "2024-01-15", None, "2024-02-01"],
            "sex": ["M", None, "F", "F"],
            "individual_id": ["PTA-01", "PTA-02", None, "PTA-03"],
            "notes": ["on trail, fresh", None, 'said "old"', "ok"],
        }
    )
    if replicates:
        samples["sample_id"] = ["RU-0001", "RU-0001", "CN-0010", "CN-0010"]
        samples["replicate_id"] = ["P1", "P2", "P1", None]
    return GenotypeTable.from_alleles(values, ["FCA441", "F53", "F124"], samples=samples)


def assert_same_table(a: GenotypeTable, b: GenotypeTable, fields="all", ordered=True) -> None:
    """Same genotypes, sample ids and the listed metadata columns."""
    assert a.describe_difference(b) is None
    assert a.same_genotypes(b, ordered=ordered)
    assert list(a.sample_id) == list(b.sample_id)
    if fields == "all":
        fields = [c for c in a.samples.columns if c != "sample_id" and a.samples[c].notna().any()]
    for name in fields:
        left, right = a.samples[name], b.samples[name]
        if left.dtype.kind == "f":
            np.testing.assert_array_equal(left.to_numpy(), right.to_numpy(), err_msg=name)
        else:
            assert (
                left.astype("string").fillna("<NA>").tolist()
                == right.astype("string").fillna("<NA>").tolist()
            ), name
    extra = [c for c in b.samples.columns if c not in a.samples.columns]
    assert not extra


# -------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_format(fmt, tmp_path):
    table = make_table()
    path = tmp_path / f"t.{fmt}.csv"
    write_genotypes(table, path, fmt)
    back = read_genotypes(
        path, fmt, **({"locus_names": table.locus_id} if fmt == "related" else {})
    )
    assert_same_table(table, back, CARRIED[fmt])


@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_round_trip_replicates(fmt, tmp_path):
    table = make_table(replicates=True)
    path = tmp_path / "t.csv"
    write_genotypes(table, path, fmt)
    back = read_genotypes(path, fmt)
    assert back.has_replicates
    assert_same_table(table, back, CARRIED[fmt])


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".xlsx"])
def test_round_trip_genalex_text_and_excel(suffix, tmp_path):
    table = make_table()
    path = tmp_path / f"t{suffix}"
    write_genotypes(table, path, "genalex")
    back = read_genalex(path)
    # GenAlEx needs a population for every sample: the missing one is written "unknown".
    assert back.samples["population"].tolist() == ["RU-LLNP", "RU-LLNP", "CN-NETLNP", "unknown"]
    assert_same_table(
        table,
        back,
        [
            c
            for c in table.samples.columns
            if c not in ("sample_id", "population", "replicate_id")
            and table.samples[c].notna().any()
        ],
    )


def test_genalex_writer_groups_populations(tmp_path):
    # RU, CN, RU -> rows grouped RU, RU, CN (GenAlEx needs contiguous populations).
    table = GenotypeTable.from_alleles(
        [[[1, 2]], [[3, 3]], [[2, 3]]],
        ["A"],
        samples=pd.DataFrame({"sample_id": ["a", "b", "c"], "population": ["RU", "CN", "RU"]}),
    )
    path = tmp_path / "g.csv"
    write_genotypes(table, path, "genalex")
    # Rows padded to the widest one, like an Excel export.
    assert path.read_text().splitlines() == [
        "1,3,2,2,1",
        "genmon export,,,RU,CN",
        "Sample,Pop,A,,",
        "a,RU,1,2,",
        "c,RU,2,3,",
        "b,CN,3,3,",
    ]
    assert list(read_genalex(path).sample_id) == ["a", "c", "b"]


def test_wide_writer_layout(tmp_path):
    path = tmp_path / "w.csv"
    write_genotypes(make_table(), path, "wide")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert raw.decode().splitlines()[:3] == [
        "sample,individual_id,date,x,y,pop,sex,notes,FCA441_1,FCA441_2,F53_1,F53_2,F124_1,F124_2",
        'RU-0001,PTA-01,2024-01-12,523450.5,4775320,RU-LLNP,M,"on trail, fresh",165,169,176,200,203,215',
        "RU-0002,PTA-02,2024-01-15,523900,4775010,RU-LLNP,,,169,169,,,199,203",
    ]


def test_wide_writer_missing_code_and_comment(tmp_path):
    path = tmp_path / "w.csv"
    write_genotypes(make_table(), path, "wide", missing="0", header_comment="genmon test\nseed 1")
    text = path.read_text()
    assert text.startswith("# genmon test\n# seed 1\nsample,")
    assert "RU-0002,PTA-02,2024-01-15,523900,4775010,RU-LLNP,,,169,169,0,0,199,203" in text
    assert_same_table(make_table(), read_genotypes(path))


def test_missing_codes_are_configurable_and_never_alleles(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("sample,A_1,A_2\ns1,999,999\ns2,150,-9\n")
    # -9 is missing by default; 999 only when told.
    t = read_genotypes(path, "wide", missing="999,-9")
    assert t.allele_values().tolist() == [[[-1, -1]], [[150, -1]]]
    assert t.loci[0].alleles == (150,)
    with pytest.raises(InputError) as err:
        read_genotypes(path, "wide", missing="999")
    assert [str(p) for p in err.value.problems] == [
        f'{path}, line 3, sample s2, locus A: found allele "-9", expected a non-negative size or a missing code'
    ]


@pytest.mark.parametrize("fmt", ["genalex", "allelematch", "related"])
def test_writers_refuse_replicates(fmt, tmp_path):
    with pytest.raises(InputError, match="found PCR replicate rows, expected one row per sample"):
        write_genotypes(make_table(replicates=True), tmp_path / "x.csv", fmt)


def test_writers_refuse_snp_loci(tmp_path):
    snp = GenotypeTable.from_alleles([[["A", "G"]]], ["rs1"], sample_ids=["s"], kinds="SNP")
    with pytest.raises(
        InputError,
        match=r"found SNP loci \(rs1\), expected numeric \(STR or SEX\) loci for the wide format",
    ):
        write_genotypes(snp, tmp_path / "x.csv", "wide")


def test_related_writer_refuses_spaces_in_ids(tmp_path):
    t = GenotypeTable.from_alleles([[[1, 2]]], ["A"], sample_ids=["RU 0001"])
    with pytest.raises(
        InputError, match='found sample id "RU 0001", expected ids without white space'
    ):
        write_genotypes(t, tmp_path / "x.txt", "related")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    n=st.integers(1, 6),
    n_loci=st.integers(1, 4),
    fmt=st.sampled_from(FORMATS),
)
def test_round_trip_random_tables(tmp_path, data, n, n_loci, fmt):
    values = np.array(
        data.draw(
            st.lists(
                st.lists(
                    st.lists(st.sampled_from([-1, 100, 101, 150, 399]), min_size=2, max_size=2),
                    min_size=n_loci,
                    max_size=n_loci,
                ),
                min_size=n,
                max_size=n,
            )
        )
    )
    ids = data.draw(
        st.lists(
            st.from_regex(r"[A-Z]{2}-[0-9]{1,4}", fullmatch=True),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    pops = data.draw(
        st.lists(st.sampled_from(["LLNP", "NETLNP", "Land of the Leopard"]), min_size=n, max_size=n)
    )
    table = GenotypeTable.from_alleles(
        values,
        [f"L{j + 1}" for j in range(n_loci)],
        samples=pd.DataFrame({"sample_id": ids, "population": pops}),
    )
    path = tmp_path / f"r.{fmt}"
    write_genotypes(table, path, fmt)
    back = read_genotypes(path, fmt)
    fields = [] if fmt == "related" else ["population"]
    if fmt == "genalex":
        order = np.argsort(pd.factorize(pd.Series(pops))[0], kind="stable")
        table = table.subset(order)
    assert_same_table(table, back, fields)


# -------------------------------------------------------------------------------- real files


def test_jaguar_wide(test_data):
    t = read_genotypes(test_data / "jaguar" / "jaguar_msats.csv")
    assert t.attrs["format"] == "wide"
    assert (t.n_samples, t.n_loci, t.ploidy) == (59, 13, 2)
    assert t.samples["population"].value_counts().to_dict() == {
        "Porto Primavera": 23,
        "Green Corridor": 18,
        "Ivinhema": 10,
        "Morro do Diabo": 8,
    }
    # Allele ranges in bp and number of alleles per locus, as listed in SOURCE.md.
    expected = {
        "FCA742": (142, 188, 15), "FCA723": (220, 256, 6), "FCA740": (300, 316, 5),
        "FCA441": (157, 177, 5), "FCA391": (215, 243, 8), "F98": (189, 198, 4),
        "F53": (160, 204, 10), "F124": (199, 227, 8), "F146": (170, 182, 5),
        "F85": (143, 215, 13), "F42": (247, 279, 9), "FCA453": (192, 216, 5),
        "FCA741": (175, 183, 3),
    }  # fmt: skip
    assert {
        loc.name: (min(loc.alleles), max(loc.alleles), loc.n_alleles) for loc in t.loci
    } == expected
    # 43 "0" tokens in the allele columns (counted in the file with pandas): all missing.
    assert int((t.allele_values() < 0).sum()) == 43
    assert t.allele_values()[0, :2].tolist() == [[160, 160], [236, 240]]


def test_genalex_text_files(test_data):
    adult = read_genotypes(test_data / "genalex" / "Qagr_adult_genotypes.txt")
    assert adult.attrs["format"] == "genalex"
    assert (adult.n_samples, adult.n_loci) == (262, 10)
    assert adult.locus_id == [
        "0c11",
        "0c19",
        "Oe09",
        "0i01",
        "0m05",
        "0m07",
        "1c06",
        "1c08",
        "1f02",
        "1g13",
    ]
    assert set(adult.samples["population"]) == {"Sedgwick"}
    assert adult.attrs["title"] == "Q.agrifolia adults at Sedgwick"
    assert adult.allele_values()[0, :2].tolist() == [[215, 215], [226, 244]]
    peri = read_genotypes(test_data / "genalex" / "Qagr_pericarp_genotypes.txt")
    assert (peri.n_samples, peri.n_loci) == (568, 10)
    sizes = peri.samples["population"].value_counts(sort=False)
    assert len(sizes) == 17 and sizes["L0010"] == 12 and sizes["L0991"] == 44


@pytest.mark.parametrize(
    "sheet, txt",
    [
        (None, "Qagr_pericarp_genotypes.txt"),
        (0, "Qagr_pericarp_genotypes.txt"),
        ("Qagr_pericarp_genotypes", "Qagr_pericarp_genotypes.txt"),
        ("Qagr_adult_genotypes", "Qagr_adult_genotypes.txt"),
        (1, "Qagr_adult_genotypes.txt"),
    ],
)
def test_genalex_excel_sheets_match_text(test_data, sheet, txt):
    xlsx = read_genotypes(test_data / "genalex" / "Qagr_genotypes.xlsx", sheet=sheet)
    text = read_genotypes(test_data / "genalex" / txt)
    assert_same_table(text, xlsx, ["population"])


def test_genalex_excel_bad_sheet(test_data):
    path = test_data / "genalex" / "Qagr_genotypes.xlsx"
    with pytest.raises(InputError) as err:
        read_genotypes(path, sheet="adults")
    assert str(err.value) == (
        f'{path}: found no sheet "adults", expected one of the sheets: Qagr_pericarp_genotypes, Qagr_adult_genotypes'
    )


@pytest.mark.parametrize(
    "n, rows, individuals",
    [(1, 20, 12), (2, 148, 99), (3, 319, 100), (4, 307, 100), (5, 335, 0)],
)
def test_allelematch_examples(test_data, tmp_path, n, rows, individuals):
    path = test_data / "allelematch" / f"amExample{n}.csv"
    t = read_genotypes(path)
    assert t.attrs["format"] == "allelematch"
    assert (t.n_samples, t.n_loci, t.ploidy) == (rows, 10, 2)
    assert t.locus_id == [f"LOC{i}" for i in range(1, 11)]
    assert t.samples["individual_id"].nunique() == individuals
    if n == 5:
        assert t.samples["sex"].value_counts(dropna=False).to_dict() == {
            pd.NA: 244,
            "F": 52,
            "M": 39,
        }
        assert t.samples["samplingData"].iloc[0] == "SiouxLookout-Jan-2004"
        assert t.samples["sample_id"].iloc[0] == "1001.ON.CA"
    # Writing it back gives the very same bytes.
    out = tmp_path / "am.csv"
    write_genotypes(t, out, "allelematch")
    assert filecmp.cmp(out, path, shallow=False)


@pytest.mark.parametrize("name, rows", [("GenotypeData.txt", 389), ("simrel.txt", 30)])
def test_related_examples(test_data, tmp_path, name, rows):
    path = test_data / "related" / name
    t = read_genotypes(path)
    assert t.attrs["format"] == "related"
    assert (t.n_samples, t.n_loci) == (rows, 10)
    assert t.locus_id == [f"L{i}" for i in range(1, 11)]
    out = tmp_path / "r.txt"
    write_genotypes(t, out, "related")
    assert filecmp.cmp(out, path, shallow=False)


def test_related_locus_names(test_data):
    path = test_data / "related" / "simrel.txt"
    names = [f"M{i}" for i in range(10)]
    assert read_related(path, locus_names=names).locus_id == names
    assert read_related(path, locus_names=",".join(names)).locus_id == names
    with pytest.raises(InputError) as err:
        read_related(path, locus_names="A,B")
    assert (
        str(err.value)
        == f"{path}: found 2 locus names (A, B), expected 10, the loci in the file (21 fields on line 1)"
    )
    assert read_related(path).allele_values()[0, 9].tolist() == [-1, -1]  # FS0000001 ... 0 0


REAL = [
    ("jaguar/jaguar_msats.csv", {}, ["population"]),
    ("genalex/Qagr_adult_genotypes.txt", {}, ["population"]),
    ("genalex/Qagr_pericarp_genotypes.txt", {}, ["population"]),
    ("allelematch/amExample5.csv", {}, ["sex"]),
    ("allelematch/amExample2.csv", {}, ["individual_id"]),
    ("related/GenotypeData.txt", {}, []),
]


@pytest.mark.parametrize("rel, options, fields", REAL)
@pytest.mark.parametrize("fmt", FORMATS)
def test_real_files_convert_between_formats(test_data, tmp_path, rel, options, fields, fmt):
    table = read_genotypes(test_data / rel, **options)
    out = tmp_path / f"out.{fmt}"
    write_genotypes(table, out, fmt)
    back = read_genotypes(out, fmt, **({"locus_names": table.locus_id} if fmt == "related" else {}))
    if fmt == "related":
        fields = []
    if fmt == "long":
        fields = [f for f in fields if f != "samplingData"]
    if fmt == "genalex" and "population" not in fields:
        fields = [f for f in fields if f != "population"]
    assert_same_table(table, back, fields)


# -------------------------------------------------------------------------------- encodings


def _variants(text: str) -> dict[str, bytes]:
    semicolon = (
        text.replace(",", ";").replace("523450.5", "523450,5").replace("530001.25", "530001,25")
    )
    semicolon = semicolon.replace("4770000.75", "4770000,75")
    return {
        "utf8": text.encode("utf-8"),
        "utf8-bom": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16": text.encode("utf-16"),
        "utf16-le-nobom": text.encode("utf-16-le"),
        "semicolon-crlf-decimal-comma": semicolon.replace("\n", "\r\n").encode("utf-8"),
        "tab-crlf": text.replace(",", "\t").replace("\n", "\r\n").encode("utf-8"),
        "utf16-semicolon-crlf": semicolon.replace("\n", "\r\n").encode("utf-16"),
    }


@pytest.mark.parametrize("fmt", ["wide", "long", "genalex", "allelematch"])
def test_encodings_give_the_same_table(fmt, tmp_path):
    table = make_table()
    table = table.with_samples(table.samples.drop(columns=["notes"]))  # no delimiters inside fields
    src = tmp_path / "src.csv"
    write_genotypes(table, src, fmt)
    reference = read_genotypes(src, fmt)
    for name, data in _variants(src.read_text()).items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        back = read_genotypes(path, fmt)
        assert_same_table(reference, back, "all"), name
        assert detect_format(path) == fmt, name


def test_related_tabs_and_crlf(tmp_path, test_data):
    ref = read_genotypes(test_data / "related" / "simrel.txt")
    path = tmp_path / "g.txt"
    path.write_bytes(
        (test_data / "related" / "simrel.txt")
        .read_text()
        .replace(" ", "\t")
        .replace("\n", "\r\n")
        .encode("utf-16")
    )
    assert_same_table(ref, read_related(path), [])


# -------------------------------------------------------------------------------- detection and CLI


@pytest.mark.parametrize(
    "rel, fmt",
    [
        ("jaguar/jaguar_msats.csv", "wide"),
        ("genalex/Qagr_adult_genotypes.txt", "genalex"),
        ("genalex/Qagr_genotypes.xlsx", "genalex"),
        ("allelematch/amExample1.csv", "allelematch"),
        ("related/GenotypeData.txt", "related"),
    ],
)
def test_detect_real_files(test_data, rel, fmt):
    assert detect_format(test_data / rel) == fmt


@pytest.mark.parametrize("name, fmt", [("out.csv", "wide"), ("out.long.csv", "long"), ("out.genalex.csv", "genalex"),
                                       ("out.xlsx", "genalex"), ("out.allelematch.csv", "allelematch"),
                                       ("out.related.txt", "related")])  # fmt: skip
def test_writer_guessed_from_extension(name, fmt):
    assert detect_format(name, kind="writer") == fmt


def test_cli_convert_jaguar_to_long_and_validate(test_data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "jaguar.long.csv"
    res = runner.invoke(
        cli, ["convert", str(test_data / "jaguar" / "jaguar_msats.csv"), "-o", str(out)]
    )
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ""
    res = runner.invoke(cli, ["validate", str(out)])
    assert res.exit_code == 0
    assert res.stdout == f"{out}: valid, 59 samples x 13 loci, ploidy 2\n"
    assert_same_table(
        read_genotypes(test_data / "jaguar" / "jaguar_msats.csv"),
        read_genotypes(out),
        ["population"],
    )


def test_windows_1251_file_reads_with_a_warning(tmp_path):
    from genmon.exceptions import InputWarning

    path = tmp_path / "w.csv"
    path.write_bytes(
        "sample;pop;x;F53_1;F53_2\r\nRU-0001;Лазовский;523450,5;176;200\r\n".encode("cp1251")
    )
    with pytest.warns(
        InputWarning, match="found text that is not UTF-8, expected UTF-8; read as Windows-1251"
    ):
        t = read_genotypes(path)
    assert t.samples["population"].tolist() == ["Лазовский"]
    assert t.samples["x"].tolist() == [523450.5]


def test_wide_sample_and_individual_columns(tmp_path):
    # With a sample column present, "individual" is the individual, not the sample.
    path = tmp_path / "w.csv"
    path.write_text(
        "individual,sample,replicate,run_2024,F53_1,F53_2\nPTA-01,RU-0001,P1,a,176,200\nPTA-01,RU-0001,P2,b,176,\n"
    )
    t = read_genotypes(path)
    assert t.samples["sample_id"].tolist() == ["RU-0001", "RU-0001"]
    assert t.samples["individual_id"].tolist() == ["PTA-01", "PTA-01"]
    assert t.samples["replicate_id"].tolist() == ["P1", "P2"]
    assert t.samples["run_2024"].tolist() == ["a", "b"]  # not an allele column: no <stem>_1
    assert t.allele_values().tolist() == [[[176, 200]], [[176, -1]]]


def test_quoted_field_over_two_lines_keeps_line_numbers(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text('sample,notes,F53_1,F53_2\ns1,"two\nlines",176,200\ns2,ok,17x,200\n')
    with pytest.raises(InputError) as err:
        read_genotypes(path)
    assert (
        str(err.value)
        == f'{path}, line 4, sample s2, locus F53: found allele "17x", expected a whole number or a missing code'
    )
    path.write_text('sample,notes,F53_1,F53_2\ns1,"two\nlines",176,200\n')
    assert read_genotypes(path).samples["notes"].tolist() == ["two\nlines"]
