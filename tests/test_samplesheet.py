"""Field sample sheets: reading, validation, joining to genotype tables, CLI."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import InputError
from genmon.cli import cli
from genmon.io.samplesheet import (
    SampleSheetConflictWarning,
    SampleSheetWarning,
    attach_sample_sheet,
    read_sample_sheet,
)
from genmon.model import GenotypeTable

from .test_io_genemapper import OFF_LADDER_MESSAGE as OFF_LADDER

GOOD = (
    "Sample ID,Sample type,Date,Latitude,Longitude,Collector,Reserve,Country,Sex,Individual,Freshness\n"
    "RU-LLNP-2024-0153,Scat,2024-01-14,43.1032,131.5561,Ivanov,Land of the Leopard,RU,M,AT-07,fresh\n"
    "RU-LLNP-2024-0154,hair,15.01.2024,43.0871,131.4920,Petrova,Land of the Leopard,RU,female,,old\n"
    "RU-LLNP-2024-0155,faeces,2024-01-16T09:30,,,Ivanov,,RU,U,,\n"
)


def test_read_csv(tmp_path):
    p = tmp_path / "sheet.csv"
    p.write_text(GOOD)
    s = read_sample_sheet(p)
    assert s["sample_id"].tolist() == [
        "RU-LLNP-2024-0153",
        "RU-LLNP-2024-0154",
        "RU-LLNP-2024-0155",
    ]
    assert s["sample_type"].tolist() == ["scat", "hair", "scat"]  # case folded, "faeces" -> scat
    assert s["date"].tolist() == ["2024-01-14", "2024-01-15", "2024-01-16T09:30"]
    assert s["latitude"].tolist()[:2] == [43.1032, 43.0871] and np.isnan(s["latitude"].iloc[2])
    assert s["site"].tolist()[:2] == ["Land of the Leopard"] * 2 and pd.isna(s["site"].iloc[2])
    assert s["sex"].tolist()[:2] == ["M", "F"] and pd.isna(s["sex"].iloc[2])
    assert s["individual_id"].iloc[0] == "AT-07"
    assert s["Freshness"].tolist()[:2] == ["fresh", "old"]  # unknown columns kept as they are


def test_read_semicolon_decimal_comma_and_utf16(tmp_path):
    text = "Образец;Sample;Lat;Lon;Date\nx;RU-1;43,5;131,25;01.02.2024\n"
    p = tmp_path / "ru.csv"
    p.write_bytes(text.encode("utf-16"))
    s = read_sample_sheet(p)
    assert s["sample_id"].tolist() == ["RU-1"]
    assert s[["latitude", "longitude"]].iloc[0].tolist() == [43.5, 131.25]
    assert s["Образец"].tolist() == ["x"]
    assert s["date"].tolist() == ["2024-02-01"]


def test_read_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws.append(["not a sample sheet"])
    ws = wb.create_sheet("samples")
    ws.append(["sample_id", "type", "collection date", "lat", "lon", "occasion"])
    ws.append(["RU-1", "scat", dt.datetime(2024, 3, 15), 43.1, 131.9, 1])
    ws.append(["RU-2", "hair", dt.datetime(2024, 3, 16, 8, 45), 43.2, 131.8, 2])
    ws.append(["RU-3", "scat", "31.02.2024", 43.2, 131.8, 2])
    p = tmp_path / "sheet.xlsx"
    wb.save(p)
    with pytest.raises(InputError) as err:
        read_sample_sheet(p, sheet="samples")
    assert str(err.value) == (
        'sheet.xlsx, line 4, sample RU-3: found date "31.02.2024", expected an ISO 8601 date (YYYY-MM-DD) or DD.MM.YYYY'
    )
    ws.delete_rows(4)
    wb.save(p)
    s = read_sample_sheet(p, sheet=1)
    assert s["date"].tolist() == ["2024-03-15", "2024-03-16T08:45"]
    assert s["occasion"].tolist() == ["1", "2"]
    assert s["latitude"].tolist() == [43.1, 43.2]
    with pytest.raises(
        InputError, match=r'^sheet.xlsx: found no sheet "field", expected one of: notes, samples$'
    ):
        read_sample_sheet(p, sheet="field")


def test_not_an_xlsx(tmp_path):
    p = tmp_path / "broken.xlsx"
    p.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"^broken.xlsx: found a file Excel cannot open"):
        read_sample_sheet(p)


MALFORMED = {
    "samplesheet_bad_date.csv": (
        'samplesheet_bad_date.csv, line 3, sample RU-LLNP-2024-0154: found date "2024-02-30", '
        "expected an ISO 8601 date (YYYY-MM-DD) or DD.MM.YYYY"
    ),
    "samplesheet_duplicate_id.csv": (
        'samplesheet_duplicate_id.csv, line 4, sample RU-LLNP-2024-0153: found sample id "RU-LLNP-2024-0153" '
        "again, expected each id once (first on line 2)"
    ),
    "samplesheet_bad_latitude.csv": (
        "samplesheet_bad_latitude.csv, line 2, sample RU-LLNP-2024-0153: found latitude 143.1032, "
        "expected decimal degrees between -90 and 90"
    ),
    "samplesheet_unknown_type.csv": (
        'samplesheet_unknown_type.csv, line 4, sample RU-LLNP-2024-0155: found sample type "urine", '
        "expected one of: scat, hair, tissue, blood, saliva, other"
    ),
    "samplesheet_no_id_column.csv": (
        "samplesheet_no_id_column.csv, line 1: found a header without a sample id column, "
        'expected a column named "sample_id" (or Sample, Sample ID, Sample Name)'
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_message(test_data, name):
    with pytest.raises(InputError) as err:
        read_sample_sheet(test_data / "malformed" / name)
    assert str(err.value) == MALFORMED[name]


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_cli_exit_3(test_data, name):
    args = ["validate", str(test_data / "genemapper" / "test.genemapper"), "--sample-sheet"]
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the CLI prints genmon's warnings on stderr
        result = CliRunner().invoke(cli, [*args, str(test_data / "malformed" / name)])
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    assert result.stderr == f"warning: {OFF_LADDER}\nerror: {MALFORMED[name]}\n"


def test_all_problems_listed(tmp_path):
    p = tmp_path / "s.tsv"
    p.write_text(
        "sample\tsample_type\tdate\tlat\tlon\tsex\n"
        "A\tscat\t03/04/2024\t91\t131\tM\n"
        "\thair\t2024-01-01\t43\t200\tX\n"
        "A\tsnow\t2024-13-01\tnorth\t131\tF\n"
    )
    with pytest.raises(InputError) as err:
        read_sample_sheet(p)
    assert str(err.value).splitlines() == [
        's.tsv, line 2, sample A: found date "03/04/2024", expected an ISO 8601 date (YYYY-MM-DD) or DD.MM.YYYY',
        "s.tsv, line 2, sample A: found latitude 91, expected decimal degrees between -90 and 90",
        "s.tsv, line 3: found an empty sample id, expected an id on every row",
        "s.tsv, line 3: found longitude 200, expected decimal degrees between -180 and 180",
        's.tsv, line 3: found sex "X", expected F, M, or U/unknown/empty for unknown',
        's.tsv, line 4, sample A: found sample id "A" again, expected each id once (first on line 2)',
        's.tsv, line 4, sample A: found sample type "snow", expected one of: scat, hair, tissue, blood, saliva, other',
        's.tsv, line 4, sample A: found date "2024-13-01", expected an ISO 8601 date (YYYY-MM-DD) or DD.MM.YYYY',
        's.tsv, line 4, sample A: found latitude "north", expected a number',
    ]


def test_two_columns_for_one_field(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("sample,site,reserve\nA,x,y\n")
    with pytest.raises(InputError) as err:
        read_sample_sheet(p)
    assert (
        str(err.value)
        == 's.csv, line 1: found columns "site" and "reserve" both for site, expected one column per field'
    )


def test_empty_sheets(tmp_path):
    (tmp_path / "e.csv").write_text("\n\n")
    with pytest.raises(InputError, match=r"^e.csv: found an empty sample sheet"):
        read_sample_sheet(tmp_path / "e.csv")
    (tmp_path / "h.csv").write_text("sample_id,site\n")
    with pytest.raises(InputError, match=r"^h.csv: found a header but no samples"):
        read_sample_sheet(tmp_path / "h.csv")
    with pytest.raises(InputError, match=r"no such file"):
        read_sample_sheet(tmp_path / "absent.csv")


# ------------------------------------------------------------------ joining
def _table():
    # Two PCR replicates of 0153, one of 0154, one of an unlisted sample 0999.
    samples = pd.DataFrame(
        {
            "sample_id": [
                "RU-LLNP-2024-0153",
                "RU-LLNP-2024-0153",
                "RU-LLNP-2024-0154",
                "RU-LLNP-2024-0999",
            ],
            "replicate_id": ["1", "2", "1", "1"],
            "population": ["LLNP", "LLNP", pd.NA, "SW"],
            "site": ["old site", pd.NA, pd.NA, "Kedrovaya Pad"],
        }
    )
    return GenotypeTable.from_alleles(
        [[[165, 169]], [[165, 165]], [[169, 173]], [[-1, -1]]], ["FCA441"], samples=samples
    )


def test_attach(tmp_path):
    p = tmp_path / "sheet.csv"
    p.write_text(GOOD)
    with pytest.warns(SampleSheetWarning) as record:
        with pytest.warns(SampleSheetConflictWarning) as conflicts:
            out = attach_sample_sheet(_table(), read_sample_sheet(p))
    assert [str(w.message) for w in record if w.category is SampleSheetWarning] == [
        "sheet.csv: found 1 samples not in the sample sheet: RU-LLNP-2024-0999, expected a sheet row for "
        "every sample; their metadata is left as it was"
    ]
    assert [str(w.message) for w in conflicts if w.category is SampleSheetConflictWarning] == [
        "sheet.csv: found 1 values the sheet changes: RU-LLNP-2024-0153 site old site -> Land of the Leopard, "
        "expected the sheet's values (used)"
    ]
    s = out.samples
    assert s["site"].tolist() == [
        "Land of the Leopard",
        "Land of the Leopard",
        "Land of the Leopard",
        "Kedrovaya Pad",
    ]
    assert s["population"].tolist()[:2] == ["LLNP", "LLNP"] and pd.isna(s["population"].iloc[2])
    assert s["sample_type"].tolist()[:3] == ["scat", "scat", "hair"] and pd.isna(
        s["sample_type"].iloc[3]
    )
    assert s["latitude"].tolist()[:3] == [43.1032, 43.1032, 43.0871] and np.isnan(
        s["latitude"].iloc[3]
    )
    assert s["date"].tolist()[:3] == ["2024-01-14", "2024-01-14", "2024-01-15"]
    assert s["individual_id"].tolist()[0] == "AT-07"
    assert s["Freshness"].tolist()[:3] == ["fresh", "fresh", "old"]
    assert s["replicate_id"].tolist() == ["1", "2", "1", "1"]
    assert out.same_genotypes(_table())
    assert str(s["site"].dtype) == "string" and s["latitude"].dtype == np.float64


def test_attach_complete_sheet_is_silent(tmp_path):
    t = GenotypeTable.from_alleles([[[165, 169]], [[165, 165]]], ["FCA441"], sample_ids=["A", "B"])
    sheet = pd.DataFrame(
        {"sample_id": ["B", "A", "C"], "site": ["s2", "s1", "s3"], "replicate_id": ["x", "y", "z"]}
    )
    out = attach_sample_sheet(t, sheet)  # warnings are errors in this test suite
    assert out.samples["site"].tolist() == ["s1", "s2"]
    assert out.samples["replicate_id"].isna().all()  # a sheet never renames PCR replicates
    p = tmp_path / "sheet.tsv"
    p.write_text("sample\tpopulation\nA\tNorth\nB\tSouth\n")
    assert attach_sample_sheet(t, p).samples["population"].tolist() == ["North", "South"]


def test_cli_convert_with_sample_sheet(tmp_path):
    gm = tmp_path / "batch.genemapper"
    gm.write_text(
        "Sample File\tSample Name\tRun Name\tMarker\tAllele 1\tAllele 2\n"
        "R1_A01.fsa\tRU-LLNP-2024-0153\tR1\tFCA441\t165\t169\n"
        "R1_A02.fsa\tRU-LLNP-2024-0154\tR1\tFCA441\t169\t\n"
    )
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(GOOD)
    out = tmp_path / "out.genemapper"
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(gm), "--sample-sheet", str(sheet)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    result = runner.invoke(cli, ["convert", str(gm), "-o", str(out), "--sample-sheet", str(sheet)])
    assert result.exit_code == 0, result.output
    assert out.exists()
