"""Darwin Core Archive export (genmon.db.dwca) on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as _dt
import io
import math
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from geographiclib.geodesic import Geodesic
from sqlalchemy import insert

from genmon.cli import cli
from genmon.db import create_project, init_database
from genmon.db.dwca import (
    _CORE,
    _FILES,
    _ArchiveFile,
    check_columns,
    darwin_core_terms,
    event_date,
    export_dwca,
)
from genmon.db.records import now, record_run
from genmon.db.schema import catalogues, detections, individuals, samples, species_calls
from genmon.exceptions import GenmonError, InputError
from genmon.geo import coarsen

from .demo import DEMO, DEMO_SPECIES, load_demo

DWC_TEXT = "{http://rs.tdwg.org/dwc/text/}"
STAMP = _dt.datetime(2026, 3, 1, 12, 0, tzinfo=_dt.UTC)


def read_archive(path: Path) -> dict[str, pd.DataFrame | bytes]:
    out: dict[str, pd.DataFrame | bytes] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            out[name] = (
                pd.read_csv(io.BytesIO(data), sep="\t", dtype=str, keep_default_na=False, quoting=3)
                if name.endswith(".txt")
                else data
            )
    return out


@pytest.fixture
def demo(db_url):
    engine = init_database(db_url)
    assigned = load_demo(engine)
    yield engine, assigned
    engine.dispose()


def _is_centre(value: float, cell: float) -> bool:
    k = value / cell - 0.5
    return abs(k - round(k)) < 1e-9


# --- the term list ---------------------------------------------------------------------


def test_bundled_terms_are_darwin_core_dcterms_and_ggbn_iris():
    terms = darwin_core_terms()
    assert len(terms) > 300
    assert terms["organismID"].iri == "http://rs.tdwg.org/dwc/terms/organismID"
    assert terms["license"].iri == "http://purl.org/dc/terms/license"
    assert terms["pcrReplicateNumber"].iri == "http://data.ggbn.org/schemas/ggbn/terms/pcrReplicateNumber"
    assert terms["materialSampleType"].term_class == "MaterialSample"
    prefix = {"dwc": "http://rs.tdwg.org/dwc/terms/", "dcterms": "http://purl.org/dc/terms/",
              "ggbn": "http://data.ggbn.org/schemas/ggbn/terms/"}
    for term in terms.values():
        assert term.iri == prefix[term.namespace] + term.name
    # classes and deprecated terms are not columns
    assert "Occurrence" not in terms and "individualID" not in terms


def test_every_archive_column_is_a_term_of_its_vocabulary():
    assert [p for spec in _FILES for p in check_columns(spec)] == []


def test_unknown_or_misplaced_columns_are_reported():
    bad = _ArchiveFile("occurrence.txt", _CORE.row_type, ("occurrenceID", "decimalLatitud", "materialSampleType"),
                       ("dwc", "dcterms"))
    problems = [str(p) for p in check_columns(bad)]
    assert problems == [
        'occurrence.txt: found column "decimalLatitud", expected a term of the bundled list (darwin_core_terms.tsv)',
        'occurrence.txt: found column "materialSampleType" (http://data.ggbn.org/schemas/ggbn/terms/materialSampleType),'
        " expected a dwc, dcterms term",
    ]


# --- eventDate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "collected, tz, expected",
    [
        ("2024-01-12", "Asia/Vladivostok", "2024-01-12"),
        ("2024-01-12 10:40", "Asia/Vladivostok", "2024-01-12T10:40+10:00"),
        ("2024-01-12T10:40:05", "Asia/Shanghai", "2024-01-12T10:40:05+08:00"),
        ("2024-01-12 10:40", "UTC+10", "2024-01-12T10:40+10:00"),
        ("2024-01-12 10:40", "+08:00", "2024-01-12T10:40+08:00"),
        ("2024-01-12 10:40", "UTC", "2024-01-12T10:40Z"),
        ("2024-01-12T10:40+09:00", "Asia/Vladivostok", "2024-01-12T10:40+09:00"),  # its own offset wins
        ("2024-01-12 10:40", None, "2024-01-12T10:40"),
        (None, "Asia/Vladivostok", ""),
        # an IANA zone gives the offset in force on the day (Moscow was UTC+4 in 2011-2014)
        ("2012-07-01 09:00", "Europe/Moscow", "2012-07-01T09:00+04:00"),
    ],
)
def test_event_date_iso8601_with_offset(collected, tz, expected):
    assert event_date(collected, tz) == expected


@pytest.mark.parametrize("collected, tz", [("12.01.2024", "UTC"), ("2024-01-12 10:40", "Mars/Olympus"),
                                           ("2024-01-12 10:40", "UTC+15")])
def test_event_date_refuses_what_it_cannot_read(collected, tz):
    with pytest.raises(ValueError):
        event_date(collected, tz)


# --- the demo project -----------------------------------------------------------------------


def test_demo_export_has_no_coordinate_finer_than_the_grid(demo, tmp_path):
    engine, assigned = demo
    sheet = pd.read_csv(DEMO / "sample_sheet.csv").set_index("sample_id")
    for grid in (0.1, 0.25):
        out = tmp_path / f"demo-{grid}.zip"
        result = export_dwca(engine, out, grid=grid, timestamp=STAMP)
        occ = read_archive(out)["occurrence.txt"]
        assert result.n_occurrences == len(occ) == len(assigned) == 278
        assert result.n_individuals == occ["organismID"].nunique() == 93
        lat = occ["decimalLatitude"].astype(float)
        lon = occ["decimalLongitude"].astype(float)
        assert lat.map(lambda v, g=grid: _is_centre(v, g)).all()
        assert lon.map(lambda v, g=grid: _is_centre(v, g)).all()
        true_lat = sheet.loc[occ["materialSampleID"], "latitude"].to_numpy()
        true_lon = sheet.loc[occ["materialSampleID"], "longitude"].to_numpy()
        assert (abs(lat.to_numpy() - coarsen(true_lat, grid)) < 1e-9).all()
        assert (abs(lon.to_numpy() - coarsen(true_lon, grid)) < 1e-9).all()
        # the true point lies in the cell, and the stated uncertainty covers the whole cell:
        # at least the geodesic (GeographicLib, WGS84) distance to the farthest corner, at most 1 % more
        geod = Geodesic.WGS84
        for la, lo, u in zip(lat, lon, occ["coordinateUncertaintyInMeters"].astype(float), strict=True):
            corner = max(geod.Inverse(la, lo, la + a, lo + b)["s12"] for a in (-grid / 2, grid / 2) for b in (-grid / 2, grid / 2))
            assert corner <= u <= 1.01 * corner + 1
        assert (abs(true_lat - lat.to_numpy()) <= grid / 2 + 1e-9).all()
        assert set(occ["dataGeneralizations"]) == {
            f"coordinates generalised to the centre of a {grid:g}-degree grid cell (not randomised), following "
            "GBIF's best practices for sensitive species; coordinateUncertaintyInMeters includes the distance "
            "from the cell centre to its farthest corner"
        }
        assert (occ["informationWithheld"] != "").all()
        # no exact coordinate, site or projected coordinate anywhere in the archive
        blob = b"".join(v if isinstance(v, bytes) else v.to_csv().encode() for v in read_archive(out).values())
        for sid in occ["materialSampleID"][:50]:
            assert f"{sheet.loc[sid, 'latitude']:.4f}".encode() not in blob
            assert f"{sheet.loc[sid, 'x']:.3f}".encode() not in blob
        assert b"NTLNP," not in blob and b"LLNP\t" not in blob


def test_demo_chain_on_the_database_exports_grid_cells_unless_asked(db_url, tmp_path):
    """The issue's check on the real chain: import, consensus and identify in the database, then export."""

    def genmon(*args):
        res = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    genmon("db", "init", "--db", db_url, "--project", "DEMO")
    genmon("db", "import", DEMO / "replicates.long.csv", "--sample-sheet", DEMO / "sample_sheet.csv", "--db", db_url)
    genmon("consensus", "--db", db_url, "-o", tmp_path / "consensus")
    genmon("identify", "--db", db_url, "-o", tmp_path / "identify", "--species", DEMO_SPECIES,
           "--id-pattern", "PPO-{n:04d}")
    genmon("db", "export-dwca", "--db", db_url, "-o", tmp_path / "public.zip")
    genmon("db", "export-dwca", "--db", db_url, "-o", tmp_path / "partner.zip", "--exact-coordinates")
    assigned = pd.read_csv(tmp_path / "identify" / "assignments.tsv", sep="\t", dtype=str, keep_default_na=False)
    assigned = assigned[assigned["status"].isin(["new", "recapture"])].set_index("sample")["individual"]
    sheet = pd.read_csv(DEMO / "sample_sheet.csv").set_index("sample_id")
    public = read_archive(tmp_path / "public.zip")["occurrence.txt"].set_index("materialSampleID")
    partner = read_archive(tmp_path / "partner.zip")["occurrence.txt"].set_index("materialSampleID")
    assert len(assigned) > 150
    assert public["organismID"].to_dict() == {s: f"urn:genmon:ind:{i}" for s, i in assigned.items()}
    for col in ("decimalLatitude", "decimalLongitude"):
        exported = public[col].astype(float)
        assert exported.map(lambda v: _is_centre(v, 0.1)).all(), col
        true = sheet.loc[exported.index, col.replace("decimal", "").lower()].to_numpy()
        assert (abs(exported.to_numpy() - coarsen(true, 0.1)) < 1e-9).all()
        assert (partner.loc[exported.index, col].astype(float).to_numpy() == true).all()
    assert not public["decimalLatitude"].str.fullmatch(r"-?\d+\.\d{3,}").any()  # nothing finer than 0.01°


def test_exact_coordinates_only_with_the_flag(demo, tmp_path):
    engine, _ = demo
    sheet = pd.read_csv(DEMO / "sample_sheet.csv").set_index("sample_id")
    export_dwca(engine, tmp_path / "exact.zip", exact_coordinates=True, timestamp=STAMP)
    occ = read_archive(tmp_path / "exact.zip")["occurrence.txt"]
    lat = occ["decimalLatitude"].astype(float).to_numpy()
    assert (lat == sheet.loc[occ["materialSampleID"], "latitude"].to_numpy()).all()
    assert (occ["decimalLongitude"].astype(float).to_numpy() == sheet.loc[occ["materialSampleID"], "longitude"].to_numpy()).all()
    assert not lat.tolist() == coarsen(lat, 0.1).tolist()
    assert set(occ["dataGeneralizations"]) == {""} and set(occ["informationWithheld"]) == {""}
    assert set(occ["coordinateUncertaintyInMeters"]) == {""}  # the demo sheet records none
    # and the default is generalised
    export_dwca(engine, tmp_path / "default.zip", timestamp=STAMP)
    default = read_archive(tmp_path / "default.zip")["occurrence.txt"]
    assert default["decimalLatitude"].astype(float).map(lambda v: _is_centre(v, 0.1)).all()


def test_demo_archive_structure_meta_xml_and_extensions(demo, tmp_path):
    engine, assigned = demo
    export_dwca(engine, tmp_path / "a.zip", timestamp=STAMP)
    files = read_archive(tmp_path / "a.zip")
    assert sorted(files) == sorted(["meta.xml", "eml.xml"] + [s.location for s in _FILES])
    terms = darwin_core_terms()
    meta = ET.fromstring(files["meta.xml"])
    assert meta.tag == DWC_TEXT + "archive" and meta.get("metadata") == "eml.xml"
    parts = [meta.find(DWC_TEXT + "core")] + meta.findall(DWC_TEXT + "extension")
    assert [p.find(f"{DWC_TEXT}files/{DWC_TEXT}location").text for p in parts] == [s.location for s in _FILES]
    for part in parts:
        location = part.find(f"{DWC_TEXT}files/{DWC_TEXT}location").text
        header = list(files[location].columns)
        mapped = {int(f.get("index")): f.get("term") for f in part.findall(DWC_TEXT + "field")}
        id_el = part.find(DWC_TEXT + ("id" if part.tag.endswith("core") else "coreid"))
        assert id_el.get("index") == "0"
        assert part.get("ignoreHeaderLines") == "1" and part.get("fieldsTerminatedBy") == "\\t"
        for k, col in enumerate(header):  # every column is listed, with its term's IRI
            if col == "coreid" and k == 0:
                assert k not in mapped
            else:
                assert mapped[k] == terms[col].iri
        assert len(mapped) == len(header) - (header[0] == "coreid")
    occ, rel = files["occurrence.txt"], files["resourcerelationship.txt"]
    assert occ["occurrenceID"].tolist() == sorted(f"urn:genmon:{s}" for s in assigned)
    assert dict(zip(occ["materialSampleID"], occ["organismID"], strict=True)) == {
        s: f"urn:genmon:ind:{i}" for s, i in assigned.items()
    }
    assert set(occ["basisOfRecord"]) == {"MaterialSample"} and set(occ["occurrenceStatus"]) == {"present"}
    assert set(occ["scientificName"]) == {"Panthera pardus orientalis"} and set(occ["taxonRank"]) == {"subspecies"}
    assert set(occ["geodeticDatum"]) == {"EPSG:4326"} and set(occ["sex"]) <= {"male", "female"}
    assert occ["eventDate"].str.fullmatch(r"2024-\d{2}-\d{2}").all()  # the demo sheet has dates only
    assert rel["resourceID"].tolist() == occ["occurrenceID"].tolist()
    assert rel["relatedResourceID"].tolist() == occ["organismID"].tolist()
    assert set(rel["relationshipOfResource"]) == {"sample of individual"}
    material = files["ggbn_materialsample.txt"]
    kinds = dict(zip(material["coreid"], material["materialSampleType"], strict=True))
    sheet = pd.read_csv(DEMO / "sample_sheet.csv").set_index("sample_id")
    assert kinds == {
        f"urn:genmon:{s}": {"scat": "environmental sample", "hair": "tissue"}[sheet.loc[s, "sample_type"]]
        for s in assigned
    }
    amp = files["ggbn_amplification.txt"]
    assert len(amp) == 278 * 15 and set(amp["pcrReplicateNumber"]) == {"3"}  # 3 replicates x 15 loci
    eml = ET.fromstring(files["eml.xml"])
    assert eml.tag == "{eml://ecoinformatics.org/eml-2.1.1}eml"
    assert eml.find("dataset/title").text == "Non-invasive genetic detections of Panthera pardus orientalis (Demo season)"
    assert eml.find("dataset/creator/organizationName").text == "genmon test lab"
    assert eml.find("dataset/contact/organizationName").text == "genmon test lab"
    steps = [p.text for p in eml.findall("dataset/methods/methodStep/description/para")]
    assert "schema revision 0001" in steps[0] and "0.1-degree grid cell" in steps[1]
    assert eml.find("additionalMetadata/metadata/gbif/dateStamp").text == "2026-03-01T12:00:00Z"
    assert eml.find("dataset/intellectualRights") is None  # no licence unless one is chosen
    export_dwca(engine, tmp_path / "cc.zip", license="CC-BY-4.0", timestamp=STAMP)
    rights = ET.fromstring(read_archive(tmp_path / "cc.zip")["eml.xml"]).find("dataset/intellectualRights/para")
    assert "".join(rights.itertext()) == (
        "This work is licensed under a Creative Commons Attribution (CC-BY) 4.0 License."
    )
    assert rights.find("ulink").get("url") == "http://creativecommons.org/licenses/by/4.0/legalcode"
    with pytest.raises(GenmonError, match='licence "CC-BY-SA" is not one of CC0-1.0, CC-BY-4.0, CC-BY-NC-4.0'):
        export_dwca(engine, tmp_path / "x.zip", license="CC-BY-SA")


def test_python_dwca_reader_reads_the_archive(demo, tmp_path):
    """An established reader (python-dwca-reader 0.17, GBIF Belgium) reads core, extensions and EML."""
    from dwca.read import DwCAReader

    engine, assigned = demo
    export_dwca(engine, tmp_path / "a.zip", timestamp=STAMP)
    dwc, ggbn = "http://rs.tdwg.org/dwc/terms/", "http://data.ggbn.org/schemas/ggbn/terms/"
    with DwCAReader(str(tmp_path / "a.zip")) as archive:
        assert archive.descriptor.core.type == dwc + "Occurrence"
        assert [e.type for e in archive.descriptor.extensions] == [
            dwc + "ResourceRelationship", ggbn + "MaterialSample", ggbn + "Amplification"
        ]
        rows = list(archive)
        assert len(rows) == len(assigned)
        for row in rows[:20]:
            sample = row.data[dwc + "materialSampleID"]
            assert row.id == f"urn:genmon:{sample}"
            assert row.data[dwc + "organismID"] == f"urn:genmon:ind:{assigned[sample]}"
            by_type = {}
            for ext in row.extensions:
                by_type.setdefault(ext.rowtype, []).append(ext.data)
            assert by_type[dwc + "ResourceRelationship"] == [{
                dwc + "resourceID": row.id, dwc + "relatedResourceID": row.data[dwc + "organismID"],
                dwc + "relationshipOfResource": "sample of individual",
                dwc + "relationshipAccordingTo": row.data[dwc + "identifiedBy"],
                dwc + "relationshipEstablishedDate": row.data[dwc + "dateIdentified"],
            }]
            assert len(by_type[ggbn + "MaterialSample"]) == 1
            assert sorted(e[ggbn + "marker"] for e in by_type[ggbn + "Amplification"]) == sorted(
                read_archive(tmp_path / "a.zip")["ggbn_amplification.txt"]["marker"].unique()
            )
        assert archive.metadata.find("dataset/title").text.startswith("Non-invasive genetic detections")


def test_export_is_deterministic_apart_from_the_eml_time_stamp(demo, tmp_path):
    engine, _ = demo
    export_dwca(engine, tmp_path / "a.zip", timestamp=STAMP)
    export_dwca(engine, tmp_path / "b.zip", timestamp=STAMP)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    export_dwca(engine, tmp_path / "c.zip", timestamp=STAMP + _dt.timedelta(days=1))
    a, c = zipfile.ZipFile(tmp_path / "a.zip"), zipfile.ZipFile(tmp_path / "c.zip")
    differ = [n for n in a.namelist() if a.read(n) != c.read(n)]
    assert differ == ["eml.xml"]


# --- a tiny case worked by hand ---------------------------------------------------------------


def _tiny(engine, collected="2024-01-12 10:40"):
    """One scat of PPO-0007 collected in Vladivostok time; PPO-0003 was merged into it."""
    pid = create_project(engine, "RU-LLNP", name="Land of the Leopard 2024", agency="Land of the Leopard NP")
    with engine.begin() as conn:
        run = record_run(conn, "identify", {"version": "0.1", "parameters": {"method": "mismatch"}})
        spk = conn.execute(insert(samples).values(
            sample_id="RU-LLNP-2024-000153", project_id=pid, sample_type="scat", collected=collected,
            timezone="Asia/Vladivostok", latitude=43.1234, longitude=131.5678, coordinate_uncertainty_m=30.0,
            collector="A. Ivanova", site="Kedrovaya Pad den", country="RU", x=523450.0, y=4775310.0,
        )).inserted_primary_key[0]
        conn.execute(insert(samples).values(
            sample_id="RU-LLNP-2024-000154", project_id=pid, sample_type="hair", collected="2024-01-13",
            latitude=None, longitude=None, country="RU",
        ))
        conn.execute(insert(species_calls).values(run_id=run, sample_pk=spk, species="Panthera pardus orientalis",
                                                  identity=0.997, reference="NC_010642", status="confirmed"))
        cat = conn.execute(insert(catalogues).values(
            name="main", species="Panthera pardus orientalis", id_pattern="PPO-{n:04d}", next_number=8,
            loci="[]", kinds="[]", ploidy=2, history="[]", created_at=now(),
        )).inserted_primary_key[0]
        conn.execute(insert(individuals), [
            {"catalogue_id": cat, "individual_id": "PPO-0007", "status": "active", "merged_into": None, "n_samples": 2,
             "sex": "M"},
            {"catalogue_id": cat, "individual_id": "PPO-0003", "status": "merged", "merged_into": "PPO-0007",
             "n_samples": 0, "sex": "M"},
        ])
        conn.execute(insert(detections), [
            {"catalogue_id": cat, "run_id": run, "sample_id": "RU-LLNP-2024-000153", "individual_id": "PPO-0007",
             "status": "new", "genotype": "{}"},
            {"catalogue_id": cat, "run_id": run, "sample_id": "RU-LLNP-2024-000154", "individual_id": "PPO-0003",
             "status": "recapture", "genotype": "{}"},
        ])


def test_tiny_case_by_hand(db_url, tmp_path):
    engine = init_database(db_url)
    _tiny(engine)
    result = export_dwca(engine, tmp_path / "t.zip", timestamp=STAMP)
    files = read_archive(tmp_path / "t.zip")
    occ = files["occurrence.txt"].set_index("materialSampleID")
    row = occ.loc["RU-LLNP-2024-000153"]
    # 43.1234 lies in [43.1, 43.2): centre 43.15; 131.5678 in [131.5, 131.6): centre 131.55.
    # Farthest corner (43.10, 131.50 or 131.60) from the centre on a sphere of radius a^2/b =
    # 6 399 593.6 m: haversine 6913.6 m -> 6914 m, plus the recorded 30 m -> 6944 m.
    # GeographicLib's WGS84 geodesic to that corner is 6885.5 m: 0.4 % less than stated.
    expected = {
        "occurrenceID": "urn:genmon:RU-LLNP-2024-000153",
        "basisOfRecord": "MaterialSample",
        "organismID": "urn:genmon:ind:PPO-0007",
        "eventDate": "2024-01-12T10:40+10:00",
        "decimalLatitude": "43.15",
        "decimalLongitude": "131.55",
        "geodeticDatum": "EPSG:4326",
        "coordinateUncertaintyInMeters": "6944",
        "countryCode": "RU",
        "scientificName": "Panthera pardus orientalis",
        "taxonRank": "subspecies",
        "sex": "male",
        "preparations": "scat",
        "recordedBy": "A. Ivanova",
        "identifiedBy": "genmon 0.1 identify (mismatch)",
        "dateIdentified": now()[:10],
        "identificationRemarks": "individual assigned from its multilocus genotype (new); "
                                 "species call Panthera pardus orientalis 99.7% to NC_010642",
        "occurrenceStatus": "present",
    }
    assert {k: row[k] for k in expected} == expected
    g = Geodesic.WGS84.Inverse(43.15, 131.55, 43.10, 131.50)["s12"]
    assert math.isclose(g, 6885.5, abs_tol=0.1)
    # the merged individual's sample is exported under the individual it was merged into
    other = occ.loc["RU-LLNP-2024-000154"]
    assert other["organismID"] == "urn:genmon:ind:PPO-0007"
    assert other["eventDate"] == "2024-01-13" and other["decimalLatitude"] == "" and other["geodeticDatum"] == ""
    assert other["dataGeneralizations"] == ""
    assert result.n_individuals == 1 and result.n_without_coordinates == 1
    blob = b"".join(v if isinstance(v, bytes) else v.to_csv().encode() for v in files.values())
    assert b"Kedrovaya" not in blob and b"523450" not in blob and b"43.1234" not in blob
    engine.dispose()


def test_unreadable_dates_are_reported_and_nothing_is_written(db_url, tmp_path):
    engine = init_database(db_url)
    _tiny(engine, collected="12.01.2024 10:40")
    out = tmp_path / "t.zip"
    out.write_bytes(b"previous export")
    with pytest.raises(InputError) as err:
        export_dwca(engine, out)
    assert str(err.value.problems[0]) == (
        'samples, sample RU-LLNP-2024-000153: found collection date "12.01.2024 10:40" with time zone '
        '"Asia/Vladivostok", expected an ISO 8601 date or date-time and an IANA time zone or UTC offset'
    )
    assert out.read_bytes() == b"previous export"
    engine.dispose()


def test_a_failed_write_leaves_the_previous_archive(db_url, tmp_path, monkeypatch):
    engine = init_database(db_url)
    _tiny(engine)
    out = tmp_path / "t.zip"
    out.write_bytes(b"previous export")
    calls = []

    def failing(zf, name, data):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        zf.writestr(name, data)

    monkeypatch.setattr("genmon.db.dwca.write_member", failing)
    with pytest.raises(OSError, match="disk full"):
        export_dwca(engine, out)
    assert out.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".t.zip")] == []
    engine.dispose()


# --- the command line ---------------------------------------------------------------------------


def test_cli_export_dwca(db_url, tmp_path):
    engine = init_database(db_url)
    _tiny(engine)
    engine.dispose()
    runner = CliRunner()
    out = tmp_path / "x.zip"
    res = runner.invoke(cli, ["db", "export-dwca", "-o", str(out), "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "2 occurrences of 1 individuals (coordinates generalised to 0.1°)" in res.output
    res = runner.invoke(cli, ["db", "export-dwca", "-o", str(out), "--db", db_url])
    assert res.exit_code == 2 and "use --force" in res.output
    res = runner.invoke(cli, ["db", "export-dwca", "-o", str(out), "--db", db_url, "--force", "--exact-coordinates",
                                      "--grid", "0.5"])
    assert res.exit_code == 2 and "--grid and --exact-coordinates exclude each other" in res.output
    res = runner.invoke(cli, ["db", "export-dwca", "-o", str(out), "--db", db_url, "--force", "--exact-coordinates"])
    assert res.exit_code == 0 and "exact coordinates" in res.output
    assert read_archive(out)["occurrence.txt"]["decimalLatitude"].iloc[0] == "43.1234"
    res = runner.invoke(cli, ["db", "export-dwca", "-o", str(out), "--db", db_url, "--force", "--catalogue", "cn"])
    assert res.exit_code == 1 and 'error: no catalogue "cn" in the database (catalogues: main)' in res.output
