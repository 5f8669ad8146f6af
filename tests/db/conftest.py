"""Database fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``GENMON_TEST_PG_URL`` (``.ci/run`` starts the Debian
server and exports it; locally ``bash .ci/postgres.sh`` prints one).  Without
it the PostgreSQL cases are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from genmon.db import init_database, resolve_url

ENGINES = ["sqlite", "postgresql"]


def _pg_admin_url() -> str | None:
    url = os.environ.get("GENMON_TEST_PG_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("GENMON_TEST_PG_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("no PostgreSQL server (set GENMON_TEST_PG_URL, see .ci/postgres.sh)")
    return url


@pytest.fixture
def db_url(request, tmp_path):
    """URL of a fresh, empty database on the engine of the test's parameter."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield str(tmp_path / "genmon.sqlite")
        return
    admin_url = _pg_admin_url()
    name = f"genmon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(resolve_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def engine(db_url):
    """A freshly initialised genmon database with one project, ``P``."""
    eng = init_database(db_url, project="P")
    yield eng
    eng.dispose()


def pytest_generate_tests(metafunc):
    # Tests that use the database fixtures run once per engine.
    if "db_url" in metafunc.fixturenames:
        metafunc.parametrize("db_url", ENGINES, indirect=True)
