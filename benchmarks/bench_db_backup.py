"""Benchmark of backup, restore and Darwin Core export (plain script, not a test).

    python benchmarks/bench_db_backup.py [--samples 20000] [--replicates 4] [--pg URL]

Imports the same simulated batch as ``bench_db.py`` (``--samples`` x
``--replicates`` x 15 loci) into a fresh SQLite file, stores a catalogue that
assigns every sample to an individual, then times ``genmon db backup``,
``genmon db restore`` into a fresh SQLite file (and, with ``--pg``, into a
fresh database on that PostgreSQL server, whose role may CREATE DATABASE)
and ``genmon db export-dwca``.  No target is set by an issue; the numbers
say what a lab should expect.  Writes benchmarks/results/db_backup.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
from _common import peak_rss_mb, write_results
from bench_db import LOCI, simulate
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from genmon.db import import_batch, init_database, open_engine, resolve_url
from genmon.db.backup import backup_database, restore_backup
from genmon.db.catalogue_store import save_catalogue
from genmon.db.dwca import export_dwca
from genmon.db.records import record_run
from genmon.identify.catalogue import Catalogue


def _catalogue(sample_ids: list[str]) -> Catalogue:
    """One individual per four samples, every sample assigned (genotypes left missing)."""
    n = (len(sample_ids) + 3) // 4
    ind = pd.DataFrame({"individual": [f"PTA-RU-{i + 1:05d}" for i in range(n)], "status": "active",
                        "merged_into": "", "n_samples": 4, "first_seen": "", "last_seen": "", "sex": "",
                        "species": ""})
    smp = pd.DataFrame({"sample": sample_ids, "individual": [f"PTA-RU-{k // 4 + 1:05d}" for k in range(len(sample_ids))],
                        "batch": "bench", "date": "", "status": "new"})
    return Catalogue(loci=LOCI, kinds=["STR"] * len(LOCI), id_pattern="PTA-RU-{n:05d}", next_number=n + 1,
                     individuals=ind, samples=smp, species="Panthera tigris altaica")


def _timed(results: dict, key: str, fn):
    t0 = time.perf_counter()
    out = fn()
    results[key] = round(time.perf_counter() - t0, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--pg", default=None, help="PostgreSQL URL of a role that may CREATE DATABASE")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frame, _ = simulate(args.samples, args.replicates, 1, args.seed)
        frame.to_csv(tmp / "batch.long.csv", index=False)
        sheet = pd.DataFrame({"sample_id": frame["sample"].unique()})
        sheet["latitude"] = 43.0 + (sheet.index % 100) * 0.01
        sheet["longitude"] = 131.0 + (sheet.index // 100 % 100) * 0.01
        sheet["date"] = "2024-01-12"
        engine = init_database(str(tmp / "source.sqlite"), project="BENCH")
        import_batch(engine, tmp / "batch.long.csv", sample_sheet=sheet)
        with engine.begin() as conn:
            save_catalogue(conn, _catalogue(sheet["sample_id"].tolist()), record_run(conn, "identify", {}))
        rows = _timed(results, "backup_sqlite_s", lambda: backup_database(engine, tmp / "b.zip")).rows
        results["rows"] = sum(rows.values())
        results["backup_mb"] = round((tmp / "b.zip").stat().st_size / 2**20, 1)
        target = open_engine(str(tmp / "restored.sqlite"), must_exist=False)
        _timed(results, "restore_sqlite_s", lambda: restore_backup(target, tmp / "b.zip"))
        dwca = _timed(results, "export_dwca_s", lambda: export_dwca(engine, tmp / "dwca.zip"))
        results["export_dwca_occurrences"] = dwca.n_occurrences
        if args.pg:
            admin = create_engine(resolve_url(args.pg), isolation_level="AUTOCOMMIT")
            name = f"genmon_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                pg = open_engine(make_url(resolve_url(args.pg)).set(database=name).render_as_string(False),
                                 must_exist=False)
                _timed(results, "restore_postgresql_s", lambda: restore_backup(pg, tmp / "b.zip"))
                _timed(results, "backup_postgresql_s", lambda: backup_database(pg, tmp / "pg.zip"))
                pg.dispose()
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        results["peak_rss_mb"] = round(peak_rss_mb(), 1)
        results["parameters"] = vars(args) | {"pg": bool(args.pg)}
    write_results("db_backup", results)


if __name__ == "__main__":
    main()
