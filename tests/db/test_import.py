"""Batch import: validation first, one transaction, idempotence, versions, concurrency, killed imports.

Every test runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from genmon.db import import_batch, open_engine
from genmon.db.importer import PAUSE_ENV
from genmon.db.schema import SCHEMA_TABLES, allele_calls, batches, pcr_replicates, samples
from genmon.exceptions import InputError
from genmon.io import read_genotypes

DATA = Path(__file__).resolve().parents[2] / "test_data"
BATCH_A = DATA / "db" / "batch_a.long.csv"
BATCH_B = DATA / "db" / "batch_b.long.csv"
BATCH_A2 = DATA / "db" / "batch_a_corrected.long.csv"
SHEET = DATA / "db" / "sample_sheet.csv"


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in SCHEMA_TABLES}


def test_import_writes_every_replicate_and_call(engine):
    res = import_batch(engine, BATCH_A, sample_sheet=SHEET, lab="CN-NEFU")
    table = read_genotypes(BATCH_A)
    assert res.status == "imported" and res.version == 1
    assert (res.n_samples, res.n_replicates, res.n_calls) == (12, 36, 36 * 15)
    c = counts(engine)
    assert (c["samples"], c["extractions"], c["pcr_replicates"], c["allele_calls"]) == (12, 12, 36, 540)
    assert c["runs"] == 1 and c["labs"] == 1 and c["panels"] == 1
    with engine.connect() as conn:
        # a missing allele is NULL, never a number
        n_null = conn.execute(select(func.count()).where(allele_calls.c.allele_1.is_(None))).scalar_one()
        s1 = conn.execute(select(samples).where(samples.c.sample_id == "CN-NTLNP-2024-0001")).mappings().one()
    assert n_null == int((table.call_genotype[:, :, 0] < 0).sum())
    assert (s1["sample_type"], s1["collected"], s1["site"], s1["country"]) == ("hair", "2024-01-12", "NTLNP", "CN")
    assert s1["latitude"] == pytest.approx(43.285702998275276)


def test_reimport_same_file_is_a_no_op(engine):
    import_batch(engine, BATCH_A, sample_sheet=SHEET)
    before = counts(engine)
    res = import_batch(engine, BATCH_A, sample_sheet=SHEET)
    assert res.status == "unchanged" and "nothing imported" in res.message()
    assert counts(engine) == before


def test_corrected_reimport_is_a_new_version_and_keeps_the_old(engine):
    first = import_batch(engine, BATCH_A, name="run-17")
    second = import_batch(engine, BATCH_A2, name="run-17")
    assert second.status == "new-version" and second.version == 2
    with engine.connect() as conn:
        rows = conn.execute(select(batches.c.id, batches.c.version, batches.c.superseded_by).order_by(batches.c.version)).all()
        n_reps = conn.execute(select(func.count()).select_from(pcr_replicates)).scalar_one()
    assert [(r.version, r.superseded_by) for r in rows] == [(1, second.batch_pk), (2, None)]
    assert rows[0].id == first.batch_pk
    assert n_reps == 72  # the old version's replicates are kept
    assert counts(engine)["samples"] == 12


def test_batches_sharing_samples_store_each_sample_once(engine):
    import_batch(engine, BATCH_A, sample_sheet=SHEET)
    res = import_batch(engine, BATCH_B, sample_sheet=SHEET)
    assert (res.n_samples, res.n_new_samples) == (12, 8)
    assert counts(engine)["samples"] == 20


def test_invalid_batch_reports_every_problem_and_writes_nothing(engine):
    before = counts(engine)
    bad = DATA / "malformed" / "db_batch_missing_replicate.long.csv"
    with pytest.raises(InputError) as err:
        import_batch(engine, bad)
    assert [str(p) for p in err.value.problems] == [
        f"{bad}, sample CN-NTLNP-2024-0002: found a row without a replicate id, expected one row per PCR replicate",
        f"{bad}, sample CN-NTLNP-2024-0004: found a row without a replicate id, expected one row per PCR replicate",
    ]
    assert counts(engine) == before


def test_sheet_contradicting_stored_samples_is_refused(engine):
    import_batch(engine, BATCH_A, sample_sheet=SHEET)
    before = counts(engine)
    sheet = DATA / "malformed" / "db_sample_sheet_conflict.csv"
    with pytest.raises(InputError) as err:
        import_batch(engine, BATCH_A2, sample_sheet=sheet)
    assert counts(engine) == before
    messages = [str(p) for p in err.value.problems]
    assert messages == [
        f'{sheet}, sample CN-NTLNP-2024-0001: found collected "2024-02-12" but the database holds "2024-01-12", '
        "expected the stored value (correct a sample record with a new sample sheet only for fields still empty)",
        f'{sheet}, sample CN-NTLNP-2024-0003: found site "KPNR" but the database holds "NTLNP", '
        "expected the stored value (correct a sample record with a new sample sheet only for fields still empty)",
    ]


def _import_process(db_url: str, batch: Path, env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "genmon", "-q", "db", "import", str(batch), "--db", db_url, "--sample-sheet", str(SHEET)]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_two_concurrent_imports_both_succeed(engine, db_url):
    procs = [_import_process(db_url, BATCH_A), _import_process(db_url, BATCH_B), _import_process(db_url, BATCH_A)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1].decode() for o in outs]
    c = counts(engine)
    # A and B once each (the second A is a no-op), shared samples once
    assert (c["batches"], c["samples"], c["pcr_replicates"], c["allele_calls"]) == (2, 20, 72, 72 * 15)


def test_killed_import_leaves_the_database_unchanged(engine, db_url, tmp_path):
    import_batch(engine, BATCH_A, sample_sheet=SHEET)
    before = counts(engine)
    flag = tmp_path / "paused"
    proc = _import_process(db_url, BATCH_B, {PAUSE_ENV: str(flag), "GENMON_DB_PAUSE_SECONDS": "120"})
    deadline = time.monotonic() + 120
    while not flag.exists():  # every row of batch B is written, not committed
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    engine.dispose()
    fresh = open_engine(db_url)
    assert counts(fresh) == before
    if fresh.dialect.name == "sqlite":
        with fresh.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # and the same batch imports cleanly afterwards
    assert import_batch(fresh, BATCH_B, sample_sheet=SHEET).status == "imported"
    fresh.dispose()


def test_calibrated_import_stores_sizes_on_the_shared_scale(engine):
    from genmon.db.schema import calibrations

    import_batch(engine, BATCH_A, lab="CN-NEFU")
    res = import_batch(engine, DATA / "db" / "batch_a_lab_b.long.csv", name="ru-run-3",
                       calibration=DATA / "db" / "translation_ru_to_cn.tsv")
    with engine.connect() as conn:
        cal = conn.execute(select(calibrations)).mappings().one()
        b = conn.execute(select(batches.c.id, batches.c.calibration_id, batches.c.lab_id)).all()
        calls = {}
        for batch_id, *_ in b:
            rows = conn.execute(
                select(pcr_replicates.c.line, allele_calls.c.locus, allele_calls.c.allele_1, allele_calls.c.allele_2)
                .join(pcr_replicates, pcr_replicates.c.id == allele_calls.c.replicate_pk)
                .where(pcr_replicates.c.batch_id == batch_id)
                .order_by(pcr_replicates.c.line, allele_calls.c.locus)
            ).all()
            calls[batch_id] = [tuple(r) for r in rows]
    assert (cal["name"], cal["version"]) == ("RU-IBSS -> CN-NEFU", 1)
    assert b[1].calibration_id == cal["id"] and b[0].calibration_id is None
    assert b[1].lab_id != b[0].lab_id  # the typing lab (RU-IBSS) comes from the table
    assert calls[b[0].id] == calls[b[1].id]  # lab B's FCA126 sizes translated by -2 bp
    assert res.n_calls == 540
