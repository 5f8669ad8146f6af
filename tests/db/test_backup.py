"""Backup and restore of the monitoring database (genmon.db.backup), and a read-only partner role."""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from genmon.cli import cli
from genmon.db import create_project, init_database, open_engine, resolve_url
from genmon.db.backup import MANIFEST, backup_database, restore_backup
from genmon.db.records import now
from genmon.db.schema import SCHEMA_TABLES, batches, projects, runs
from genmon.exceptions import GenmonError

from .demo import load_demo


def table_rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in id order."""
    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(*t.columns).order_by(t.c.id))] for t in SCHEMA_TABLES
        }


def _supersede(engine) -> None:
    """A corrected re-import: batch 1 superseded by a later batch 2 (a self-reference)."""
    with engine.begin() as conn:
        b = conn.execute(select(batches)).mappings().one()
        new = {k: v for k, v in b.items() if k != "id"} | {"version": 2, "sha256": "0" * 64}
        pk = conn.execute(insert(batches).values(**new)).inserted_primary_key[0]
        conn.execute(batches.update().where(batches.c.id == b["id"]).values(superseded_by=pk))


@pytest.fixture(scope="module")
def demo_backup(tmp_path_factory):
    """A backup of the demo season (one SQLite database for the whole module's tests)."""
    tmp = tmp_path_factory.mktemp("demo-backup")
    engine = init_database(str(tmp / "source.sqlite"))
    load_demo(engine)
    _supersede(engine)
    rows = table_rows(engine)
    backup_database(engine, tmp / "demo.zip")
    engine.dispose()
    return tmp / "demo.zip", rows


def test_backup_layout_and_manifest(demo_backup):
    path, rows = demo_backup
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        assert manifest["format"] == 1 and manifest["schema_revision"] == "0001"
        assert manifest["source_engine"] == "sqlite" and manifest["genmon_version"]
        assert [t["table"] for t in manifest["tables"]] == [t.name for t in SCHEMA_TABLES]
        for entry in manifest["tables"]:
            lines = zf.read(entry["file"]).decode().splitlines()
            assert json.loads(lines[0]) == entry["columns"]
            assert len(lines) - 1 == entry["rows"] == len(rows[entry["table"]])
            assert [tuple(json.loads(x)) for x in lines[1:]] == rows[entry["table"]]
    assert manifest["tables"][[t.name for t in SCHEMA_TABLES].index("allele_calls")]["rows"] == 289 * 3 * 15


def test_restore_round_trips_every_row(demo_backup, db_url, tmp_path):
    """SQLite -> this engine -> SQLite: every row comes back, and both backups hold the same bytes."""
    path, rows = demo_backup
    engine = open_engine(db_url, must_exist=False)
    result = restore_backup(engine, path)  # a database without tables is initialised first
    assert table_rows(engine) == rows
    assert result.rows == {t: len(r) for t, r in rows.items()}
    backup_database(engine, tmp_path / "again.zip")
    # new rows get fresh ids after the restored ones (PostgreSQL sequences were moved on)
    assert create_project(engine, "AFTER") == max(r[0] for r in rows["projects"]) + 1
    engine.dispose()
    back = open_engine(str(tmp_path / "back.sqlite"), must_exist=False)
    restore_backup(back, tmp_path / "again.zip")
    assert table_rows(back) == rows
    back.dispose()
    with zipfile.ZipFile(path) as a, zipfile.ZipFile(tmp_path / "again.zip") as b:
        ma, mb = json.loads(a.read(MANIFEST)), json.loads(b.read(MANIFEST))
    assert mb["source_engine"] == engine.dialect.name
    assert [t["sha256"] for t in ma["tables"]] == [t["sha256"] for t in mb["tables"]]


def test_restore_refuses_a_database_with_data(demo_backup, db_url):
    path, _ = demo_backup
    engine = init_database(db_url, project="LOCAL")
    before = table_rows(engine)
    with pytest.raises(GenmonError) as err:
        restore_backup(engine, path)
    where = make_url(resolve_url(db_url)).render_as_string(hide_password=True)
    assert str(err.value) == (
        f"{where} is not empty (rows in projects (1)); restore writes only into an empty, freshly initialised "
        "database and never replaces data. Nothing was changed."
    )
    assert table_rows(engine) == before
    engine.dispose()


def _rewrite(src: Path, dst: Path, change) -> None:
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w") as b:
        for name in a.namelist():
            b.writestr(name, change(name, a.read(name)))


def test_damaged_backup_is_refused_before_anything_is_written(demo_backup, db_url, tmp_path):
    path, _ = demo_backup
    bad = tmp_path / "bad.zip"
    _rewrite(path, bad, lambda n, d: d.replace(b'"FCA126"', b'"FCA127"', 1) if n.endswith("allele_calls.jsonl") else d)
    engine = open_engine(db_url, must_exist=False)
    with pytest.raises(GenmonError, match=r"bad.zip is damaged, nothing was restored: tables/allele_calls.jsonl has "
                                          r"SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$"):
        restore_backup(engine, bad)
    with engine.connect() as conn:  # checked before the database was even initialised
        assert not inspect(conn).has_table("runs")
    engine.dispose()


def test_backup_of_another_schema_revision_is_refused(demo_backup, tmp_path):
    path, _ = demo_backup
    other = tmp_path / "other.zip"

    def bump(name, data):
        if name != MANIFEST:
            return data
        m = json.loads(data)
        m["schema_revision"] = "0099"
        return json.dumps(m).encode()

    _rewrite(path, other, bump)
    engine = open_engine(str(tmp_path / "new.sqlite"), must_exist=False)
    with pytest.raises(GenmonError, match="was made at schema revision 0099; this genmon restores revision 0001"):
        restore_backup(engine, other)
    engine.dispose()


def test_a_failed_restore_leaves_the_database_empty(demo_backup, db_url, monkeypatch):
    path, _ = demo_backup
    import genmon.db.backup as backup

    real = backup._insert_table
    done = []

    def fail_midway(conn, table, entry, zf):
        if table.name == "pcr_replicates":
            raise RuntimeError("killed midway")
        real(conn, table, entry, zf)
        done.append(table.name)

    monkeypatch.setattr(backup, "_insert_table", fail_midway)
    engine = init_database(db_url)
    with pytest.raises(RuntimeError, match="killed midway"):
        restore_backup(engine, path)
    assert "samples" in done  # tables were written inside the transaction, then rolled back
    assert all(not r for r in table_rows(engine).values())
    engine.dispose()


def test_not_a_backup(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    engine = open_engine(str(tmp_path / "new.sqlite"), must_exist=False)
    with pytest.raises(GenmonError, match="cannot read the backup .*x.zip"):
        restore_backup(engine, tmp_path / "x.zip")
    with zipfile.ZipFile(tmp_path / "y.zip", "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(GenmonError, match=r"y.zip is not a genmon backup \(no manifest.json\)"):
        restore_backup(engine, tmp_path / "y.zip")
    engine.dispose()


def test_cli_backup_and_restore(db_url, tmp_path):
    init_database(db_url, project="RU-LLNP", name="Land of the Leopard").dispose()
    runner = CliRunner()
    res = runner.invoke(cli, ["db", "backup", "-o", str(tmp_path / "b.zip"), "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "backed up 1 rows in 1 tables (schema revision 0001) to" in res.output
    res = runner.invoke(cli, ["db", "backup", "-o", str(tmp_path / "b.zip"), "--db", db_url])
    assert res.exit_code == 2 and "use --force" in res.output
    target = str(tmp_path / "restored.sqlite")
    res = runner.invoke(cli, ["db", "restore", str(tmp_path / "b.zip"), "--db", target])
    assert res.exit_code == 0 and "restored 1 rows in 1 tables" in res.output
    res = runner.invoke(cli, ["db", "restore", str(tmp_path / "b.zip"), "--db", target])
    assert res.exit_code == 1 and "is not empty (rows in projects (1))" in res.output
    with open_engine(target).connect() as conn:
        assert conn.execute(select(projects.c.code, projects.c.name)).all() == [("RU-LLNP", "Land of the Leopard")]


# --- a read-only role for partners (the README's SQL, run on the PostgreSQL server) -------------

#: The statements the README gives, with the database and role names filled in.
READ_ONLY_ROLE_SQL = """
CREATE ROLE {role} LOGIN PASSWORD 'change-me';
GRANT CONNECT ON DATABASE {database} TO {role};
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role};
"""
#: ... and the README's statements that take the access away again.
DROP_ROLE_SQL = """
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM {role};
REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {role};
REVOKE USAGE ON SCHEMA public FROM {role};
REVOKE CONNECT ON DATABASE {database} FROM {role};
DROP ROLE {role};
"""


def test_read_only_partner_role(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("database roles are PostgreSQL's; an SQLite file is protected by file permissions")
    role = f"genmon_partner_{uuid.uuid4().hex[:8]}"  # made here, not user input
    owner = init_database(db_url, project="RU-LLNP")
    database = make_url(resolve_url(db_url)).database
    try:
        with owner.begin() as conn:
            for stmt in READ_ONLY_ROLE_SQL.format(role=role, database=f'"{database}"').strip().splitlines():
                conn.execute(text(stmt))
            # a table created later (a new migration) is readable through the default privileges
            conn.execute(text("CREATE TABLE later_table (id integer)"))
        partner = create_engine(
            make_url(resolve_url(db_url)).set(username=role, password="change-me").render_as_string(hide_password=False)
        )
        with partner.connect() as conn:
            assert conn.execute(select(projects.c.code)).scalars().all() == ["RU-LLNP"]
            assert conn.execute(select(func.count()).select_from(runs)).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM later_table")).scalar() == 0
        for stmt in (
            insert(projects).values(code="CN-NETLNP", created_at=now()),
            projects.update().values(name="renamed"),
            projects.delete(),
            text("CREATE TABLE partner_table (id integer)"),
        ):
            with partner.connect() as conn, pytest.raises(ProgrammingError, match="permission denied"):
                conn.execute(stmt)
        with owner.connect() as conn:
            assert conn.execute(select(projects.c.code, projects.c.name)).all() == [("RU-LLNP", None)]
        partner.dispose()
    finally:
        with owner.begin() as conn:
            for stmt in DROP_ROLE_SQL.format(role=role, database=f'"{database}"').strip().splitlines():
                conn.execute(text(stmt))
            assert conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar() == 0
        owner.dispose()
