"""Bad input to the tabular readers: exact messages, every problem at once, exit code 3.

The files in test_data/malformed/ with prefixes wide_, long_, genalex_,
allelematch_ and related_ are written by
test_data/malformed/wide_long_genalex_allelematch_related_generate.py.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from genmon.cli import cli
from genmon.exceptions import InputError
from genmon.io import read_genotypes

MALFORMED = {
    "wide_non_numeric_allele.csv": [
        'line 3, sample RU-0002, locus FCA441: found allele "1O9", expected a whole number or a missing code',
        'line 4, sample RU-0003, locus F53: found allele "17b", expected a whole number or a missing code',
    ],
    "wide_three_alleles.csv": [
        "line 3, sample RU-0002, locus F53: found 3 alleles (176, 200, 204), expected at most 2 (ploidy 2)",
    ],
    "wide_duplicate_sample.csv": [
        "line 5, sample RU-0002: found a second row for this sample (first on line 3), "
        "expected one row per sample (or a replicate column for PCR replicates)",
    ],
    "wide_ragged_row.csv": [
        "line 2, sample RU-0001: found 7 fields, expected at most 6 fields (as many as the header)",
        "line 3, sample RU-0002: found 5 fields, expected 6 fields (as many as the header)",
    ],
    "wide_no_sample_column.csv": [
        "line 1: found header name, pop, FCA441_1, FCA441_2, expected a sample column (sample, sample_id, id or individual)",
    ],
    "wide_empty.csv": [
        "found an empty file, expected a header row (sample, <locus>_1, <locus>_2, ...) and one row per sample",
    ],
    "long_duplicate_row.csv": [
        "line 5, sample RU-0001, locus FCA441: found a second row for replicate P1 (first on line 2), "
        "expected one row per sample, replicate and locus",
    ],
    "long_unknown_column.csv": [
        'line 1: found unknown column "alele_2", expected sample, replicate, locus, allele_1, allele_2, ... '
        "or a sample field (pop, date, x, y, ...), each once",
    ],
    "long_three_alleles.csv": [
        "line 3, sample RU-0001, locus F53: found 3 alleles (176, 200, 204), expected at most 2 (ploidy 2)",
    ],
    "long_inconsistent_metadata.csv": [
        'line 5, sample RU-0002: found pop "NETLNP", expected "LLNP" as on an earlier row of this sample '
        "(one value per sample row)",
    ],
    "genalex_bad_header.csv": [
        f'line 1: found "{word}" as the number of {what}, expected a whole number '
        "(GenAlEx row 1: loci, samples, populations, population sizes)"
        for word, what in (("Loci", "loci"), ("Samples", "samples"), ("Pops", "populations"))
    ],
    "genalex_wrong_counts.csv": [
        "line 1: found 4 data rows, expected 5, the number of samples in row 1",
        "line 1: found 2 rows of population RU-LLNP, expected 3 as rows 1 and 2 say",
    ],
    "allelematch_odd_columns.csv": [
        'line 1: found column "LOC2a" (column 5) after the first locus without its partner "LOC2b", '
        "expected two adjacent columns per locus (<locus>a, <locus>b) after the metadata columns",
    ],
    "allelematch_non_numeric_allele.csv": [
        'line 3, sample 2, locus LOC1: found allele "x", expected a whole number or a missing code',
    ],
    "related_ragged_row.txt": [
        "line 2, sample RU-0002: found 4 fields, expected 5 as on line 1 (an id and 2 allele columns per locus)",
    ],
    "related_negative_allele.txt": [
        'line 2, sample RU-0002, locus L1: found allele "-5", expected a non-negative size or a missing code',
    ],
}


def _expected(path, messages):
    return [f"{path}, {m}" if m.startswith("line") else f"{path}: {m}" for m in messages]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_reader_lists_every_problem(test_data, name):
    path = test_data / "malformed" / name
    fmt = name.split("_", 1)[0]
    with pytest.raises(InputError) as err:
        read_genotypes(path, fmt)
    assert [str(p) for p in err.value.problems] == _expected(path, MALFORMED[name])


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_cli_validate_exit_3(test_data, name):
    path = test_data / "malformed" / name
    res = CliRunner().invoke(cli, ["validate", str(path)])
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr.splitlines() == [f"error: {m}" for m in _expected(path, MALFORMED[name])]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_cli_convert_exit_3_writes_nothing(test_data, tmp_path, name):
    path = test_data / "malformed" / name
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(cli, ["convert", str(path), "-o", str(out)])
    assert res.exit_code == 3
    assert res.stdout == ""
    assert res.stderr.splitlines() == [f"error: {m}" for m in _expected(path, MALFORMED[name])]
    assert not out.exists()


# ------------------------------------------------------------------ more defects, written on the fly


CASES = [
    (
        "wide",
        "sample,pop,population,A_1,A_2\ns1,a,a,1,2\n",
        ['line 1: found column "population" for the same field as column "pop" (population), expected each sample field once'],
    ),
    (
        "wide",
        "sample,A_1,B_1,A_2,B_2\ns1,1,2,3,4\n",
        [
            "line 1, locus A: found columns A_1, A_2 for locus A, expected A_1, A_2 in adjacent columns",
            "line 1, locus B: found columns B_1, B_2 for locus B, expected B_1, B_2 in adjacent columns",
        ],
    ),
    ("wide", "sample,pop\ns1,a\n", ["line 1: found no allele columns, expected two columns per locus named <locus>_1, <locus>_2"]),
    ("wide", "sample,A_1,A_2\n", ["line 1: found a header but no data rows, expected one row per sample"]),
    (
        "wide",
        "sample,A_1,A_2,B_1\ns1,1,2,3\n",
        ["line 1, locus B: found 1 allele column for locus B (B_1), expected 2 (B_1, B_2)"],
    ),
    (
        "wide",
        "sample,x,y,A_1,A_2\ns1,12.5,north,1,2\ns2,1e3,,3,4\n,1,1,1,1\n",
        ["line 4: found an empty sample id, expected an id in column sample", 'line 2, sample s1: found y "north", expected a number'],
    ),
    (
        "wide",
        "sample,replicate,A_1,A_2\ns1,P1,1,2\ns1,P2,1,2\ns1,P1,1,1\n",
        ["line 4, sample s1: found a second row for replicate P1 (first on line 2), expected one row per sample and replicate"],
    ),
    (
        "wide",
        "sample,,A_1,A_2\ns1,oops,1,2\n",
        ['line 2: found value "oops" in column 2, which has no name, expected a name for every column in the header row'],
    ),
    (
        "long",
        "id,allele_1,allele_2\ns1,1,2\n",
        ["line 1: found no locus column, expected a column named locus"],
    ),
    (
        "long",
        "sample,locus,allele_1,allele_3\ns1,A,1,2\n",
        ["line 1: found allele columns allele_1, allele_3, expected allele_1 to allele_2 with no gaps"],
    ),
    (
        "long",
        "sample,locus,allele_1,allele_2\ns1,,1,2\n,A,1,2\ns2,A,1,2,3\n",
        [
            "line 4, sample s2: found 5 fields, expected at most 4 fields (as many as the header)",
            "line 3: found an empty sample id, expected an id in column sample",
            "line 2, sample s1: found an empty locus name, expected a locus in column locus",
        ],
    ),
    (
        "genalex",
        "2,1,1,1\nt,,,P\nSample,Pop,A,,,\ns1,P,1,2,3,4\n",
        ["line 3: found no name for locus 2 (column 5), expected 2 locus names in row 3, one every 2 columns "
         "from column 3, as row 1 gives 2 loci"],
    ),  # fmt: skip
    (
        "genalex",
        "1,1,1,1\nt,,,P\nSample,Pop,A,,B,\ns1,P,1,2,3,4\n",
        ['line 3: found column "B" right after the 1 loci of row 1 (column 5), '
         "expected a blank column between the loci and any extra columns (or more loci in row 1)"],
    ),  # fmt: skip
    (
        "genalex",
        "1,2,1,2\nt,,,P\nSample,Pop,A,,,Lat,Lon\ns1,P,1,2,,43.1,131.9\ns2,,1,2,,x,131.9\n",
        [
            "line 5, sample s2: found an empty population, expected a population name in column 2",
            "line 1: found 1 rows of population P, expected 2 as rows 1 and 2 say",
            'line 5, sample s2: found Lat "x", expected a number',
        ],
    ),
    ("genalex", "1,1,1,1\nt,,,P\n", ["found 2 non-empty rows, expected 3 GenAlEx header rows (counts; title and populations; column names) and one row per sample"]),
    ("allelematch", "sampleId,site\n1,a\n", ["line 1: found no locus column pairs, expected two adjacent columns per locus named <locus>a, <locus>b"]),
    ("related", "s1 1 2 3\n", ["line 1, sample s1: found 4 fields, expected an id and 2 allele columns per locus (1 + 2 x loci fields)"]),
    ("related", "s1 1 2\ns1 1 1\n", ["line 2, sample s1: found a second row for this sample (first on line 1), expected one row per sample (or a replicate column for PCR replicates)"]),
    ("long", "\n \n", ["found an empty file, expected a header row (sample, replicate, locus, allele_1, allele_2) and one row per call"]),
    ("genalex", "", ["found an empty file, expected 3 GenAlEx header rows and one row per sample"]),
    ("allelematch", ",,,\n", ["found an empty file, expected a header row (sampleId, metadata, LOC1a, LOC1b, ...) and one row per sample"]),
    ("related", "", ["found an empty file, expected one row per individual: id, then 2 allele columns per locus"]),
]  # fmt: skip


@pytest.mark.parametrize("fmt, text, messages", CASES)
def test_more_defects(tmp_path, fmt, text, messages):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_genotypes(path, fmt)
    assert [str(p) for p in err.value.problems] == _expected(path, messages)


def test_sheet_option_only_for_excel(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("1,1,1,1\nt,,,P\nSample,Pop,A,\ns1,P,1,2\n")
    with pytest.raises(InputError) as err:
        read_genotypes(path, "genalex", sheet="x")
    assert (
        str(err.value)
        == f"{path}: found sheet='x' for a text file, expected sheet only for .xlsx workbooks"
    )


def test_not_an_excel_file(tmp_path):
    path = tmp_path / "g.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(
        InputError,
        match=r"found a file that openpyxl cannot open .*, expected an Excel .xlsx workbook",
    ):
        read_genotypes(path, "genalex")


# ------------------------------------------------------------------ fuzz: errors, never tracebacks

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from genmon.model import GenotypeTable  # noqa: E402

_TOKENS = st.sampled_from(
    ["sample", "replicate", "locus", "allele_1", "allele_2", "pop", "x", "A_1", "A_2", "B_1", "LOCa", "LOCb",
     "sampleId", "sex", "1", "2", "0", "-99", "165", "1O9", "", " ", "NA", "2.5", "-3", "s1", "s2", "P1", "F", '"']
)  # fmt: skip
_ROWS = st.lists(st.lists(_TOKENS, min_size=0, max_size=7), min_size=0, max_size=6)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_ROWS, fmt=st.sampled_from(["wide", "long", "genalex", "allelematch", "related"]),
       sep=st.sampled_from([",", ";", "\t", " "]))  # fmt: skip
def test_any_text_gives_a_table_or_an_input_error(tmp_path, rows, fmt, sep):
    path = tmp_path / "fuzz.txt"
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    try:
        table = read_genotypes(path, fmt)
    except InputError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
    else:
        assert isinstance(table, GenotypeTable) and table.n_samples > 0
