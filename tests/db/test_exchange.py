"""Catalogue exchange between labs: export-catalogue, import-catalogue, apply-merge (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, insert, select, text

from genmon.cli import cli
from genmon.db import init_database, open_engine, resolve_url, write_transaction
from genmon.db.catalogue_store import load_catalogue
from genmon.db.exchange import export_catalogue, read_package, store_calibration
from genmon.db.merge import apply_merge, plan_merge, write_merge_report
from genmon.db.schema import (
    catalogue_events,
    individual_genotypes,
    individual_xrefs,
    individuals,
    projects,
    samples,
)
from genmon.exceptions import GenmonError, InputError
from genmon.labqc.calibration import Translation, read_translation, write_translation
from tests.db.exchange_helpers import put_catalogue, row_counts, wipe

FIXED_PROV = {"command": "test", "timestamp": "2026-01-01T00:00:00Z"}
SCHEME = "CN/NEFU"


@pytest.fixture
def other_db_url(db_url, tmp_path):
    """A second fresh database on the same engine as ``db_url`` (the partner lab's)."""
    if "://" not in db_url:
        yield str(tmp_path / "partner.sqlite")
        return
    name = f"genmon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(resolve_url(db_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{db_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def export(url, path, **kw):
    engine = open_engine(url)
    with engine.connect() as conn:
        manifest = export_catalogue(conn, path, provenance=FIXED_PROV, **{"lab": "NEFU", "country": "CN", **kw})
    engine.dispose()
    return manifest


def plan(url, package, **kw):
    engine = open_engine(url)
    with engine.connect() as conn:
        out = plan_merge(conn, package, **kw)
    engine.dispose()
    return out


def import_and_apply(url, package, out_dir, accept="all", **kw):
    p = plan(url, package, **kw)
    write_merge_report(p, out_dir, FIXED_PROV)
    engine = open_engine(url)
    result = apply_merge(engine, out_dir, accept, {"command": "test"})
    engine.dispose()
    return p, result


def local_state(url, name="main"):
    """Per foreign id (xref scheme CN/NEFU): the local individual's fields, genotype and other xrefs."""
    engine = open_engine(url)
    with engine.connect() as conn:
        ind = {r["id"]: dict(r) for r in conn.execute(select(individuals)).mappings()}
        geno = {}
        for pk, locus, a1, a2 in conn.execute(select(individual_genotypes.c.individual_pk, individual_genotypes.c.locus,
                                                     individual_genotypes.c.allele_1, individual_genotypes.c.allele_2)):
            geno.setdefault(pk, {})[locus] = (a1, a2)
        xrefs = conn.execute(select(individual_xrefs.c.individual_pk, individual_xrefs.c.scheme,
                                    individual_xrefs.c.value)).all()
    engine.dispose()
    local_id = {pk: r["individual_id"] for pk, r in ind.items()}
    out = {}
    for pk, scheme, value in xrefs:
        if scheme == SCHEME:
            r = ind[pk]
            out[value] = {"local_id": r["individual_id"], "status": r["status"], "merged_into": r["merged_into"],
                          "n_samples": r["n_samples"], "first_seen": r["first_seen"] or "", "last_seen": r["last_seen"] or "",
                          "sex": r["sex"] or "", "species": r["species"] or "", "genotype": geno.get(pk, {}),
                          "xrefs": sorted((s, v) for p, s, v in xrefs if p == pk and s != SCHEME)}
    return out, local_id


# --------------------------------------------------------------------------- the round trip
LOCI3 = ["L1", "L2", "L3"]
allele = st.one_of(st.none(), st.integers(100, 400))
date = st.one_of(st.just(""), st.dates().map(lambda d: d.isoformat()))
individual = st.fixed_dictionaries({
    "genotype": st.lists(st.tuples(allele, allele), min_size=3, max_size=3),
    "sex": st.sampled_from(["", "F", "M", "conflict"]),
    "n_samples": st.integers(0, 30),
    "first_seen": date,
    "last_seen": date,
    "species": st.sampled_from(["", "Panthera pardus orientalis"]),
    "camera": st.booleans(),
    "merge_into": st.one_of(st.none(), st.integers(0, 20)),
})


def _drawn(genotype, sex="", merge_into=None, camera=False):
    return {"genotype": genotype, "sex": sex, "n_samples": 2, "first_seen": "2024-01-12", "last_seen": "2024-03-02",
            "species": "Panthera pardus orientalis", "camera": camera, "merge_into": merge_into}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(individual, min_size=1, max_size=8))
# always: alleles out of order, half-missing and missing calls, a merged individual, a camera-trap id
@example([_drawn([(170, 150), (None, 200), (None, None)], "F", camera=True),
          _drawn([(150, 150), (204, None), (120, 124)], "M", merge_into=0),
          _drawn([(None, None), (None, None), (None, None)])])
def test_round_trip_into_empty_database(db_url, other_db_url, tmp_path_factory, drawn):
    """export-catalogue -> import-catalogue -> apply-merge into an empty database keeps every individual
    (status, merges, counts, dates, sex, species, cross-ids) and every genotype exactly."""
    for url in (db_url, other_db_url):
        init_database(url).dispose()
        wipe(url)
    tmp = tmp_path_factory.mktemp("rt")
    inds = []
    for k, d in enumerate(drawn):
        ind = {"id": f"PPO-CN-{k + 1:04d}", **{f: d[f] for f in ("genotype", "sex", "n_samples", "first_seen",
                                                                  "last_seen", "species")}}
        if d["camera"]:
            ind["xrefs"] = [("camera-trap", f"CT-{k}")]
        target = None if d["merge_into"] is None else d["merge_into"] % len(drawn)
        if target is not None and target != k and drawn[target]["merge_into"] is None:
            ind.update(status="merged", merged_into=f"PPO-CN-{target + 1:04d}")
        inds.append(ind)
    put_catalogue(other_db_url, LOCI3, inds, id_pattern="PPO-CN-{n:04d}")
    export(other_db_url, tmp / "cn.zip")
    p, result = import_and_apply(db_url, tmp / "cn.zip", tmp / "report", id_pattern="PPO-RU-{n:04d}")
    assert set(p.rows["relation"]) <= {"new", "alias"}
    state, local_id = local_state(db_url)
    assert sorted(state) == sorted(i["id"] for i in inds)
    assert len(local_id) == len(inds)  # nothing else in the local catalogue
    by_foreign = {i["id"]: i for i in inds}
    for fid, got in state.items():
        want = by_foreign[fid]
        assert got["genotype"] == dict(zip(LOCI3, [tuple(g) for g in want["genotype"]], strict=True))
        for f in ("sex", "n_samples", "first_seen", "last_seen", "species"):
            assert got[f] == want[f], (fid, f)
        assert got["status"] == want.get("status", "active")
        target = want.get("merged_into")
        assert got["merged_into"] == (state[target]["local_id"] if target else None)
        assert got["xrefs"] == sorted(want.get("xrefs", []))
        assert got["local_id"].startswith("PPO-RU-")


# --------------------------------------------------------------------------- two labs, 2 bp apart
LOCI = ["FCA441", "F53", "FCA391", "F85", "FCA126", "FCA279"]


def _random_individuals(rng, n, prefix, start=1):
    out = []
    for k in range(n):
        geno = [tuple(sorted(int(x) for x in 100 + 4 * rng.integers(0, 12, size=2))) for _ in LOCI]
        out.append({"id": f"{prefix}-{start + k:04d}", "genotype": geno, "sex": "FM"[k % 2]})
    return out


@pytest.fixture
def two_labs(db_url, other_db_url, tmp_path):
    """RU (local, db_url) holds 12 leopards; CN (other_db_url) holds 10 of them under its own ids and
    2 more, typed 2 bp longer at F53."""
    rng = np.random.default_rng(7)
    ru = _random_individuals(rng, 12, "PPO-RU")
    extra = _random_individuals(rng, 2, "X")
    cn = []
    for k, ind in enumerate(ru[:10] + extra):
        geno = [(a + 2, b + 2) if locus == "F53" else (a, b) for locus, (a, b) in zip(LOCI, ind["genotype"], strict=True)]
        cn.append({"id": f"PPO-CN-{k + 1:04d}", "genotype": geno, "sex": ind["sex"]})
    for url in (db_url, other_db_url):
        init_database(url, project="P").dispose()
    put_catalogue(db_url, LOCI, ru, id_pattern="PPO-RU-{n:04d}")
    put_catalogue(other_db_url, LOCI, cn, id_pattern="PPO-CN-{n:04d}")
    table = pd.DataFrame({"locus": LOCI, "offset_bp": [2.0 if x == "F53" else 0.0 for x in LOCI],
                          "n_alleles_compared": 40, "fits": True, "note": ""})
    cal = tmp_path / "cn_to_ru.tsv"
    write_translation(Translation("RU-VLAD", "NEFU", table, created="2026-01-01T00:00:00Z"), cal)
    export(other_db_url, tmp_path / "cn.zip")
    return {"local": db_url, "partner": other_db_url, "package": tmp_path / "cn.zip", "calibration": cal, "ru": ru}


@pytest.mark.parametrize("method", ["mismatch", "likelihood"])
def test_matches_found_only_with_the_calibration(two_labs, method):
    kw = {"method": method, "allele_mismatch": 1.0}
    without = plan(two_labs["local"], two_labs["package"], **kw)
    if method == "mismatch":
        assert (without.rows["relation"] == "same-individual").sum() == 0
    else:
        # The likelihood model takes one wrong locus for genotyping error: the pairs match, each with
        # both F53 alleles wrong, and the report warns of an offset at F53.
        same = without.rows[without.rows["relation"] == "same-individual"]
        assert len(same) == 10 and (same["mismatches"] == 2).all()
        assert without.summary["warnings"] == [
            "locus F53: 10 of 10 matched pairs disagree; a size offset between the labs? (give --calibration)"]
    with_cal = plan(two_labs["local"], two_labs["package"], calibration=read_translation(two_labs["calibration"]),
                    **kw).rows.set_index("foreign_id")
    same = with_cal[with_cal["relation"] == "same-individual"]
    assert dict(zip(same.index, same["local_id"], strict=True)) == {
        f"PPO-CN-{k + 1:04d}": f"PPO-RU-{k + 1:04d}" for k in range(10)}
    assert (same["mismatches"] == 0).all() and (same["n_loci_compared"] == len(LOCI)).all()
    assert list(with_cal.loc[["PPO-CN-0011", "PPO-CN-0012"], "relation"]) == ["new", "new"]
    assert plan(two_labs["local"], two_labs["package"], calibration=read_translation(two_labs["calibration"]),
                **kw).summary["warnings"] == []


def test_stored_calibrations_are_composed(two_labs, tmp_path):
    """The package carries CN -> reference (+2 bp at F53), the local lab stores RU -> reference (0):
    import-catalogue composes them without --calibration."""
    def offsets(f53):
        return pd.DataFrame({"locus": LOCI, "offset_bp": [f53 if x == "F53" else 0.0 for x in LOCI],
                             "n_alleles_compared": 40, "fits": True, "note": ""})

    for url, lab, f53 in ((two_labs["partner"], "NEFU", 2.0), (two_labs["local"], "RU-VLAD", 0.0)):
        tr = Translation("REF-2024", lab, offsets(f53), created="2026-01-01T00:00:00Z")
        path = tmp_path / f"{lab}.tsv"
        write_translation(tr, path)
        engine = open_engine(url)
        with write_transaction(engine) as conn:
            store_calibration(conn, lab, tr, path.read_text())
        engine.dispose()
    export(two_labs["partner"], tmp_path / "cn2.zip")
    assert read_package(tmp_path / "cn2.zip").calibration.offsets()["F53"] == 2.0
    p = plan(two_labs["local"], tmp_path / "cn2.zip", method="mismatch", allele_mismatch=1.0)
    assert (p.rows["relation"] == "same-individual").sum() == 10
    assert "composed" in p.context["calibration"]


def test_stored_calibration_of_the_partner_lab_is_used(two_labs, tmp_path):
    """The local database imported a NEFU batch with NEFU -> RU-VLAD before: that stored table applies."""
    engine = open_engine(two_labs["local"])
    with write_transaction(engine) as conn:
        store_calibration(conn, "NEFU", read_translation(two_labs["calibration"]), two_labs["calibration"].read_text())
    engine.dispose()
    p = plan(two_labs["local"], two_labs["package"], method="mismatch", allele_mismatch=1.0)
    assert (p.rows["relation"] == "same-individual").sum() == 10
    assert p.context["calibration"].startswith("the stored calibration of NEFU (calibration NEFU -> RU-VLAD version 1")


def test_reversed_calibration_is_refused(two_labs, tmp_path):
    table = pd.DataFrame({"locus": LOCI, "offset_bp": 0.0, "n_alleles_compared": 40, "fits": True, "note": ""})
    with pytest.raises(GenmonError, match="translates RU-VLAD's sizes into NEFU's"):
        plan(two_labs["local"], two_labs["package"], calibration=Translation("NEFU", "RU-VLAD", table, source="t.tsv"))


def test_apply_twice_is_a_no_op(two_labs, tmp_path):
    cal = read_translation(two_labs["calibration"])
    url = two_labs["local"]
    p, first = import_and_apply(url, two_labs["package"], tmp_path / "rep", calibration=cal, method="mismatch",
                                allele_mismatch=1.0)
    assert first.run_id is not None
    assert sorted(first.actions["action"].value_counts().items()) == [("added", 2), ("cross-referenced", 10)]
    after_first = row_counts(url)
    engine = open_engine(url)
    second = apply_merge(engine, tmp_path / "rep", "all", {"command": "test"})
    assert second.run_id is None
    assert row_counts(url) == after_first
    # Every action is a catalogue event of the apply run; the new ones got local ids.
    with engine.connect() as conn:
        ev = conn.execute(select(catalogue_events.c.event, catalogue_events.c.individual, catalogue_events.c.other)
                          .where(catalogue_events.c.run_id == first.run_id)).all()
    engine.dispose()
    assert sorted(e for e, _, _ in ev) == ["cross_reference"] * 10 + ["import_new"] * 2
    assert sorted((i, o) for e, i, o in ev if e == "import_new") == [("PPO-RU-0013", "PPO-CN-0011"),
                                                                     ("PPO-RU-0014", "PPO-CN-0012")]
    state, _ = local_state(url)
    assert state["PPO-CN-0003"]["local_id"] == "PPO-RU-0003"
    # the new individuals' genotypes are stored in local sizes (F53 2 bp shorter)
    cn12 = read_package(two_labs["package"]).tables["genotypes.tsv"]
    f53 = next(r for r in cn12 if r["individual"] == "PPO-CN-0012" and r["locus"] == "F53")
    assert state["PPO-CN-0012"]["genotype"]["F53"] == (int(f53["allele_1"]) - 2, int(f53["allele_2"]) - 2)
    # importing the same package again finds everything already linked
    again = plan(url, two_labs["package"], calibration=cal, method="mismatch", allele_mismatch=1.0).rows
    assert set(again["relation"]) == {"same-individual"}
    assert again["notes"].str.contains("already linked").all()


def test_import_changes_nothing_and_conflicts_stay(two_labs, tmp_path):
    """Sex differing, or two foreign individuals on one local one: conflicts, never applied."""
    url = two_labs["local"]
    ru = two_labs["ru"]
    cn = [
        {"id": "PPO-CN-0001", "genotype": [(a + 2, b + 2) if x == "F53" else (a, b)
                                           for x, (a, b) in zip(LOCI, ru[0]["genotype"], strict=True)],
         "sex": "M" if ru[0]["sex"] == "F" else "F"},
        *({"id": f"PPO-CN-000{k}", "genotype": [(a + 2, b + 2) if x == "F53" else (a, b)
                                                for x, (a, b) in zip(LOCI, ru[1]["genotype"], strict=True)]}
          for k in (2, 3)),
    ]
    wipe(two_labs["partner"])
    put_catalogue(two_labs["partner"], LOCI, cn, id_pattern="PPO-CN-{n:04d}")
    export(two_labs["partner"], tmp_path / "c.zip")
    before = row_counts(url)
    p = plan(url, tmp_path / "c.zip", calibration=read_translation(two_labs["calibration"]), method="mismatch",
             allele_mismatch=1.0)
    write_merge_report(p, tmp_path / "rep", FIXED_PROV)
    assert row_counts(url) == before
    rows = p.rows.set_index("foreign_id")
    assert set(rows["relation"]) == {"conflict"}
    assert "sex differs: foreign" in rows.loc["PPO-CN-0001", "notes"]
    assert "foreign PPO-CN-0002, PPO-CN-0003 all match PPO-RU-0002" in rows.loc["PPO-CN-0002", "notes"]
    engine = open_engine(url)
    assert apply_merge(engine, tmp_path / "rep", "all", {}).run_id is None
    with pytest.raises(GenmonError, match="PPO-CN-0001 are conflicts"):
        apply_merge(engine, tmp_path / "rep", ["PPO-CN-0001"], {})
    engine.dispose()
    assert row_counts(url) == before


def test_report_edited_or_catalogue_changed_is_refused(two_labs, tmp_path):
    url = two_labs["local"]
    p = plan(url, two_labs["package"], method="mismatch", allele_mismatch=1.0)
    write_merge_report(p, tmp_path / "rep", FIXED_PROV)
    tsv = tmp_path / "rep" / "merge_report.tsv"
    original = tsv.read_text()
    tsv.write_text(original.replace("\tnew\t", "\tsame-individual\t", 1))
    engine = open_engine(url)
    with pytest.raises(InputError) as err:
        apply_merge(engine, tmp_path / "rep", "all", {})
    assert str(err.value) == (f"{tsv}: found a file changed since import-catalogue wrote it, expected the report as "
                              "written; choose what to apply with --accept instead of editing it, or run "
                              "import-catalogue again")
    tsv.write_text(original)
    put_catalogue(url, LOCI, _random_individuals(np.random.default_rng(1), 1, "PPO-RU", 50), name="main2")
    # another catalogue changing does not matter; this one changing does
    from genmon.db.catalogue_store import save_catalogue
    from genmon.db.records import record_run

    with write_transaction(engine) as conn:
        cat = load_catalogue(conn, "main")
        cat.individuals.loc[0, "sex"] = "M" if cat.individuals.loc[0, "sex"] == "F" else "F"
        save_catalogue(conn, cat, record_run(conn, "test", {"command": "edit"}), "main")
    with pytest.raises(GenmonError, match='the local catalogue "main" changed since the merge report was written'):
        apply_merge(engine, tmp_path / "rep", "all", {})
    engine.dispose()


# --------------------------------------------------------------------------- package checks
def _rezip(src: Path, dst: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change.get(info.filename, zin.read(info)))


def test_tampered_package_is_refused(two_labs, tmp_path):
    pkg = two_labs["package"]
    with zipfile.ZipFile(pkg) as zf:
        geno = zf.read("genotypes.tsv")
        listed = json.loads(zf.read("manifest.json"))["files"]["genotypes.tsv"]["sha256"]
    # one allele changed, the zip rebuilt: only the manifest's SHA-256 can tell
    k = geno.index(b"\t1")  # the first allele's first digit
    changed = geno[: k + 1] + (b"2" if geno[k + 1 : k + 2] != b"2" else b"3") + geno[k + 2 :]
    tampered = tmp_path / "tampered.zip"
    _rezip(pkg, tampered, {"genotypes.tsv": changed})
    with pytest.raises(InputError) as err:
        read_package(tampered)
    assert str(err.value) == (f"{tampered}:genotypes.tsv: found SHA-256 {hashlib.sha256(changed).hexdigest()}, "
                              f"expected {listed} as listed in manifest.json (the file was changed after export)")
    res = CliRunner().invoke(cli, ["db", "import-catalogue", str(tampered), "--db", two_labs["local"],
                                   "-o", str(tmp_path / "rep")])
    assert res.exit_code == 3
    assert f"error: {err.value}" in res.output
    assert not (tmp_path / "rep").exists()
    # one byte of the zip itself flipped: the zip's checksum (or inflate) fails, named the same way
    raw = bytearray(pkg.read_bytes())
    with zipfile.ZipFile(pkg) as zf:
        info = zf.getinfo("genotypes.tsv")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size // 2] ^= 0x01
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(InputError) as err:
        read_package(flipped)
    assert str(err.value) == (f"{flipped}:genotypes.tsv: found a damaged file (its zip checksum or compression does "
                              "not match), expected the bytes the exporting lab wrote; ask for the package again")


def test_package_listing_and_format_checked(two_labs, tmp_path):
    pkg = two_labs["package"]
    extra = tmp_path / "extra.zip"
    _rezip(pkg, extra, {})
    with zipfile.ZipFile(extra, "a") as zf:
        zf.writestr("notes.txt", b"hello")
    with pytest.raises(InputError, match=r"extra.zip:notes.txt: found a file the manifest does not list"):
        read_package(extra)
    with zipfile.ZipFile(pkg) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["format_version"] = 2
    newer = tmp_path / "newer.zip"
    _rezip(pkg, newer, {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(InputError) as err:
        read_package(newer)
    assert str(err.value) == (f"{newer}:manifest.json: found format version 2, expected version 1 (this genmon, "
                              "0.1.0, reads no other)")


def test_package_from_another_panel_is_refused(two_labs, tmp_path):
    other = [{"id": "PPO-CN-0001", "genotype": [(100, 104)] * 3}]
    wipe(two_labs["partner"])
    put_catalogue(two_labs["partner"], ["FCA441", "F53", "FCA742"], other)
    export(two_labs["partner"], tmp_path / "other.zip")
    with pytest.raises(InputError) as err:
        plan(two_labs["local"], tmp_path / "other.zip")
    assert str(err.value) == (
        f"{tmp_path / 'other.zip'}:manifest.json: found the panel FCA441, F53, FCA742 (lacking FCA391, F85, FCA126, "
        "FCA279; with loci the local panel lacks: FCA742), expected the panel of the local catalogue \"main\" "
        "(FCA441, F53, FCA391, F85, FCA126, FCA279); catalogues can only be merged on the same panel")


def test_export_is_deterministic(two_labs, tmp_path):
    a = export(two_labs["partner"], tmp_path / "a.zip")
    b = export(two_labs["partner"], tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert a["package_sha256"] == b["package_sha256"]
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert zf.namelist() == ["manifest.json", "detections.tsv", "events.tsv", "genotypes.tsv", "individuals.tsv"]
        ids = [line.split("\t")[0] for line in zf.read("individuals.tsv").decode().splitlines()[1:]]
    assert ids == sorted(ids)


# --------------------------------------------------------------------------- coordinates
def test_coordinates_only_when_asked_and_coarsened(db_url, tmp_path):
    engine = init_database(db_url, project="P")
    with write_transaction(engine) as conn:
        pid = conn.execute(select(projects.c.id)).scalar_one()
        conn.execute(insert(samples), [{"sample_id": "S1", "project_id": pid, "latitude": 43.1234, "longitude": 131.5678,
                                        "coordinate_uncertainty_m": 30.0}])
    engine.dispose()
    put_catalogue(db_url, ["L1"], [{"id": "PPO-CN-0001", "genotype": [(100, 104)]}],
                  detections=[{"sample": "S1", "individual": "PPO-CN-0001", "batch": "b1", "date": "2024-01-12",
                               "status": "new", "L1": "100/104"}])

    def detections(**kw):
        export(db_url, tmp_path / "d.zip", **kw)
        with zipfile.ZipFile(tmp_path / "d.zip") as zf:
            return pd.read_csv(io.BytesIO(zf.read("detections.tsv")), sep="\t", dtype=str, keep_default_na=False)

    plain = detections()
    assert list(plain.columns) == ["sample", "individual", "date", "batch", "status"]
    coarse = detections(include_locations=True).iloc[0]
    assert (coarse["latitude"], coarse["longitude"]) == ("43.15", "131.55")
    # the 0.1 degree cell's half diagonal at its equator-side edge (43.1 N), whatever the exact point:
    # hypot(0.05 * 111320, 0.05 * 111320 * cos 43.1 deg) = hypot(5566, 4064.1) = 6891.8, rounded up
    assert coarse["coordinate_uncertainty_m"] == "6892"
    exact = detections(include_locations=True, exact_coordinates=True).iloc[0]
    assert (exact["latitude"], exact["longitude"], exact["coordinate_uncertainty_m"]) == ("43.1234", "131.5678", "30")
    with pytest.raises(GenmonError, match="needs --include-locations"):
        detections(exact_coordinates=True)


# --------------------------------------------------------------------------- command line
def test_cli_round_trip(two_labs, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli.zip"
    res = runner.invoke(cli, ["db", "export-catalogue", "--db", two_labs["partner"], "-o", str(out), "--lab", "NEFU",
                              "--country", "CN"], env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert res.exit_code == 0, res.output
    assert f"SHA-256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in res.output
    rep = tmp_path / "rep"
    res = runner.invoke(cli, ["db", "import-catalogue", str(out), "--db", two_labs["local"], "-o", str(rep),
                              "--calibration", str(two_labs["calibration"]), "--method", "mismatch",
                              "--allele-mismatch", "1"])
    assert res.exit_code == 0, res.output
    assert "10 same individual, 2 new, 0 alias, 0 conflict" in res.output
    assert sorted(p.name for p in rep.iterdir()) == ["calibration_applied.tsv", "merge_report.tsv", "package.zip",
                                                     "report.json", "summary.txt"]
    res = runner.invoke(cli, ["db", "apply-merge", str(rep), "--db", two_labs["local"], "--accept", "PPO-CN-0011"])
    assert res.exit_code == 0, res.output
    assert "1 added, 0 cross-referenced" in res.output
    res = runner.invoke(cli, ["db", "apply-merge", str(rep), "--db", two_labs["local"], "--accept", "all"])
    assert "1 added, 10 cross-referenced" in res.output
    res = runner.invoke(cli, ["db", "apply-merge", str(rep), "--db", two_labs["local"], "--accept", "all"])
    assert res.exit_code == 0 and "nothing to apply" in res.output


# --------------------------------------------------------------------------- malformed packages (test_data/malformed)
MALFORMED = Path(__file__).resolve().parent.parent.parent / "test_data" / "malformed"


def _member(path, name):
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


@pytest.mark.parametrize("name, message", [
    ("exchange_damaged.zip", "{p}:genotypes.tsv: found a damaged file (its zip checksum or compression does not match), "
                             "expected the bytes the exporting lab wrote; ask for the package again"),
    ("exchange_tampered.zip", "{p}:genotypes.tsv: found SHA-256 {found}, expected {listed} as listed in manifest.json "
                              "(the file was changed after export)"),
    ("exchange_unlisted.zip", "{p}:notes.txt: found a file the manifest does not list, expected only the files the "
                              "exporting lab wrote"),
    ("exchange_bad_allele.zip", '{p}:genotypes.tsv, line 2, sample PPO-CN-0001, locus FCA441: found allele_2 "15x", '
                                "expected a whole number or empty"),
])
def test_malformed_packages(name, message, tmp_path):
    path = MALFORMED / name
    fields = {"p": path}
    if name == "exchange_tampered.zip":
        fields["found"] = hashlib.sha256(_member(path, "genotypes.tsv")).hexdigest()
        fields["listed"] = json.loads(_member(path, "manifest.json"))["files"]["genotypes.tsv"]["sha256"]
    with pytest.raises(InputError) as err:
        read_package(path)
    assert str(err.value) == message.format(**fields)
    db = tmp_path / "empty.sqlite"
    init_database(str(db)).dispose()
    res = CliRunner().invoke(cli, ["db", "import-catalogue", str(path), "--db", str(db), "-o", str(tmp_path / "r"),
                                   "--id-pattern", "PPO-RU-{n:04d}"])
    assert res.exit_code == 3
    assert res.output.strip().splitlines()[-1] == f"error: {message.format(**fields)}"


def test_alias_of_a_conflict_is_skipped_without_a_run(two_labs, tmp_path):
    """A foreign individual merged into one that is a conflict stays out, and applying records no run."""
    url = two_labs["local"]
    ru = two_labs["ru"]
    shifted = [(a + 2, b + 2) if x == "F53" else (a, b) for x, (a, b) in zip(LOCI, ru[0]["genotype"], strict=True)]
    cn = [{"id": "PPO-CN-0001", "genotype": shifted, "sex": "M" if ru[0]["sex"] == "F" else "F"},
          {"id": "PPO-CN-0002", "genotype": shifted, "status": "merged", "merged_into": "PPO-CN-0001"}]
    wipe(two_labs["partner"])
    put_catalogue(two_labs["partner"], LOCI, cn, id_pattern="PPO-CN-{n:04d}")
    export(two_labs["partner"], tmp_path / "c.zip")
    before = row_counts(url)
    p, result = import_and_apply(url, tmp_path / "c.zip", tmp_path / "rep", calibration=read_translation(
        two_labs["calibration"]), method="mismatch", allele_mismatch=1.0)
    assert list(p.rows["relation"]) == ["conflict", "alias"]
    assert result.run_id is None
    assert result.actions[["foreign_id", "action"]].values.tolist() == [["PPO-CN-0002", "skipped"]]
    assert row_counts(url) == before
