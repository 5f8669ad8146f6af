"""``genmon catalogue merge/split/show/history --db``: one transaction with its run, on both engines."""

from __future__ import annotations

import io
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from genmon.cli import cli
from genmon.db.catalogue_store import load_catalogue
from genmon.db.schema import catalogue_events, detections, individual_genotypes, individuals, runs

DATA = Path(__file__).resolve().parents[2] / "test_data"
BATCH = DATA / "db" / "batch_a.long.csv"
SHEET = DATA / "db" / "sample_sheet.csv"


def invoke(*args, code: int = 0):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def identified(engine, db_url, tmp_path):
    invoke("db", "import", BATCH, "--db", db_url, "--sample-sheet", SHEET)
    invoke("consensus", "--db", db_url, "--rule", "ml", "-o", tmp_path / "c")
    invoke("identify", "--db", db_url, "-o", tmp_path / "i")
    with engine.connect() as conn:
        cat = load_catalogue(conn)
    sizes = cat.samples["individual"].value_counts()
    assert (sizes >= 2).any() and (sizes == 1).any()  # the batch holds recaptures
    return cat


def _counts(conn):
    return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (runs, individuals, individual_genotypes, detections, catalogue_events)}


def test_merge_is_one_run(engine, db_url, identified):
    keep, drop = sorted(identified.active()["individual"])[:2]
    moved = sorted(identified.samples.loc[identified.samples["individual"] == drop, "sample"])
    res = invoke("catalogue", "merge", keep, drop, "--reason", "same tiger on re-typing", "--db", db_url)
    assert "(catalogue-merge) stored in the database" in res.stderr
    with engine.connect() as conn:
        run_id, kind = conn.execute(select(runs.c.id, runs.c.kind).order_by(runs.c.id.desc())).first()
        cat = load_catalogue(conn)
        ev = conn.execute(select(catalogue_events).order_by(catalogue_events.c.id.desc())).mappings().first()
        det = conn.execute(select(detections.c.sample_id, detections.c.run_id)
                           .where(detections.c.sample_id.in_(moved))).all()
        upd = conn.execute(select(individuals.c.individual_id, individuals.c.updated_run_id)
                           .where(individuals.c.individual_id.in_([keep, drop]))).all()
    assert kind == "catalogue-merge"
    assert (ev["event"], ev["individual"], ev["other"], ev["details"], ev["run_id"]) == (
        "merge", keep, drop, "same tiger on re-typing", run_id)
    ind = cat.individuals.set_index("individual")
    assert ind.loc[drop, ["status", "merged_into"]].tolist() == ["merged", keep]
    assert sorted(cat.samples.loc[cat.samples["individual"] == keep, "sample"]) == sorted(
        set(moved) | set(identified.samples.loc[identified.samples["individual"] == keep, "sample"]))
    assert sorted(det) == [(s, run_id) for s in moved]
    assert dict(upd) == {keep: run_id, drop: run_id}


def test_split_saves_the_new_individual_and_its_detections(engine, db_url, identified):
    sizes = identified.samples["individual"].value_counts()
    ind = sizes.index[sizes >= 2][0]
    own = sorted(identified.samples.loc[identified.samples["individual"] == ind, "sample"])
    moved = own[-1:]
    with engine.connect() as conn:
        before = _counts(conn)
    res = invoke("catalogue", "split", ind, "--samples", ",".join(moved), "--reason", "two animals", "--db", db_url)
    new = res.stdout.strip()
    with engine.connect() as conn:
        after = _counts(conn)
        run_id = conn.execute(select(func.max(runs.c.id))).scalar_one()
        kind = conn.execute(select(runs.c.kind).where(runs.c.id == run_id)).scalar_one()
        row = conn.execute(select(individuals).where(individuals.c.individual_id == new)).mappings().one()
        det = conn.execute(select(detections.c.sample_id, detections.c.individual_id, detections.c.run_id)
                           .where(detections.c.sample_id.in_(own))).all()
        ev = conn.execute(select(catalogue_events).order_by(catalogue_events.c.id.desc())).mappings().first()
        cat = load_catalogue(conn)
    assert kind == "catalogue-split"
    assert after == {**before, "runs": before["runs"] + 1, "individuals": before["individuals"] + 1,
                     "individual_genotypes": before["individual_genotypes"] + len(cat.loci),
                     "catalogue_events": before["catalogue_events"] + 1}  # detections move, none added
    assert (row["status"], row["n_samples"], row["created_run_id"]) == ("active", len(moved), run_id)
    owner = {s: (i, r) for s, i, r in det}
    assert [owner[s] for s in moved] == [(new, run_id)] * len(moved)
    assert all(owner[s][0] == ind and owner[s][1] != run_id for s in own if s not in moved)
    assert (ev["event"], ev["individual"], ev["other"], ev["run_id"]) == ("split", ind, new, run_id)
    rows = cat.individuals.set_index("individual")
    assert rows.loc[new, cat.loci].tolist() == rows.loc[ind, cat.loci].tolist()  # the genotype was saved
    assert rows.loc[ind, "n_samples"] == len(own) - len(moved)
    assert cat.next_number == identified.next_number + 1


@pytest.mark.parametrize("args, message", [
    (["merge", "A", "A", "--reason", "x"], "error: cannot merge A into itself"),
    (["merge", "{keep}", "NOPE-1", "--reason", "x"], "error: no individual NOPE-1 in catalogue main"),
    (["split", "{keep}", "--samples", "NOPE", "--reason", "x"], "error: samples not assigned to {keep}: NOPE"),
    (["show", "--db-catalogue", "other"], 'error: the database holds no catalogue "other" (catalogues: main)'),
])
def test_refused_edits_change_nothing(engine, db_url, identified, args, message):
    keep = sorted(identified.active()["individual"])[0]
    with engine.connect() as conn:
        before = _counts(conn)
    res = invoke("catalogue", *[a.format(keep=keep) for a in args], "--db", db_url, code=1)
    assert res.stderr.strip() == message.format(keep=keep)
    with engine.connect() as conn:
        assert _counts(conn) == before


def test_failure_while_saving_rolls_everything_back(engine, db_url, identified):
    keep, drop = sorted(identified.active()["individual"])[:2]
    with engine.connect() as conn:
        before = _counts(conn)

    def broken(conn, cat, run_id, name):
        conn.execute(individuals.update().values(status="merged"))
        raise RuntimeError("connection lost")

    with mock.patch("genmon.db.steps.save_catalogue", broken):
        res = CliRunner().invoke(cli, ["catalogue", "merge", keep, drop, "--reason", "x", "--db", db_url])
    assert isinstance(res.exception, RuntimeError)
    with engine.connect() as conn:
        assert _counts(conn) == before
        assert set(conn.execute(select(individuals.c.status)).scalars()) == {"active"}


def test_show_and_history_from_the_database(engine, db_url, identified):
    keep, drop = sorted(identified.active()["individual"])[:2]
    invoke("catalogue", "merge", keep, drop, "--reason", "same", "--db", db_url)
    out = invoke("catalogue", "show", "--db", db_url).stdout.splitlines()
    n = len(identified.active())
    assert out[0] == "catalogue: catalogue main"
    assert f"individuals: {n - 1} active, 1 merged" in out
    assert f"samples: {len(identified.samples)}" in out
    hist = invoke("catalogue", "history", "--db", db_url, "--individual", drop).stdout
    events = pd.read_csv(io.StringIO(hist), sep="\t", dtype=str, keep_default_na=False)
    assert events["event"].tolist()[-1] == "merge" and events["other"].tolist()[-1] == drop
