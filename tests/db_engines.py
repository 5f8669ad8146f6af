"""Fresh monitoring databases for the database tests, on SQLite and on PostgreSQL.

``GENMON_TEST_PG_URL`` names a PostgreSQL server and a role that may
``CREATE DATABASE`` (``bash .ci/postgres.sh`` starts one and prints the URL);
each test gets its own database there, dropped afterwards.  Without it the
PostgreSQL cases are skipped with that reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from genmon.db import init_database, resolve_url

PG_ENV = "GENMON_TEST_PG_URL"
ENGINES = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` (no tables yet)."""
    if kind == "sqlite":
        yield str(tmp_path / f"genmon-{uuid.uuid4().hex[:8]}.sqlite")
        return
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"{PG_ENV} is not set (bash .ci/postgres.sh prints it)")
    admin = create_engine(resolve_url(admin_url), isolation_level="AUTOCOMMIT")
    name = f"genmon_test_{uuid.uuid4().hex[:12]}"  # made here, not user input
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(resolve_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh, initialised (empty) genmon database on each engine."""
    with fresh_database(request.param, tmp_path) as url:
        engine = init_database(url)
        engine.dispose()
        yield url


DEMO = Path(__file__).resolve().parent.parent / "test_data" / "demo"
DEMO_SPECIES = "Panthera pardus orientalis"


def load_demo(engine, catalogue: str = "main") -> dict[str, str]:
    """Import the demo season and put its true individuals in as catalogue ``catalogue``.

    Returns ``sample -> individual id`` of the samples assigned (the demo's
    non-dud samples).  The individuals and detections are written with the
    schema's tables, as the identification step stores them.
    """
    import pandas as pd
    from sqlalchemy import insert

    from genmon.db import create_project, import_batch
    from genmon.db.records import json_text, now, record_run
    from genmon.db.schema import catalogues, detections, individuals

    create_project(engine, "DEMO", name="Demo season", agency="genmon test lab", country="RU")
    import_batch(engine, DEMO / "replicates.long.csv", sample_sheet=DEMO / "sample_sheet.csv", project="DEMO")
    truth = pd.read_csv(DEMO / "truth_samples.tsv", sep="\t")
    truth = truth[~truth["dud"].astype(bool)]
    true_ids = sorted(truth["individual_id"].unique())
    ident = {t: f"PPO-{k + 1:04d}" for k, t in enumerate(true_ids)}
    sex = truth.drop_duplicates("individual_id").set_index("individual_id")["sex"]
    assigned = {s: ident[t] for s, t in zip(truth["sample_id"], truth["individual_id"], strict=True)}
    with engine.begin() as conn:
        run_id = record_run(conn, "identify", {"parameters": {"method": "likelihood"}})
        cat_id = conn.execute(
            insert(catalogues).values(
                name=catalogue, species=DEMO_SPECIES, id_pattern="PPO-{n:04d}", next_number=len(true_ids) + 1,
                loci=json_text([]), kinds=json_text([]), ploidy=2, created_at=now(), updated_run_id=run_id,
            )
        ).inserted_primary_key[0]
        conn.execute(insert(individuals), [
            {"catalogue_id": cat_id, "individual_id": ident[t], "status": "active", "n_samples": 1,
             "sex": sex[t], "created_run_id": run_id, "updated_run_id": run_id}
            for t in true_ids
        ])
        conn.execute(insert(detections), [
            {"catalogue_id": cat_id, "run_id": run_id, "sample_id": s, "individual_id": i,
             "status": "new", "genotype": "{}"}
            for s, i in sorted(assigned.items())
        ])
    return assigned
