"""Engine-independent, checksummed backups of the monitoring database, and their restore.

A backup is a zip holding one JSON-lines file per table, in
:data:`genmon.db.schema.SCHEMA_TABLES` order (parents before children), and
``manifest.json``: the format, genmon's version, the schema (Alembic)
revision, the source engine, and for every table its file, columns, row count
and SHA-256.  Each table file starts with a JSON array of the column names;
every further line is one row as a JSON array, rows in primary-key order.
Values are what the database returned (integers, floats written so that
they read back to the same double, text, ``null``), so a backup made on
SQLite restores on PostgreSQL and back.  The rows are read in one
transaction, so a backup is a consistent snapshot even while others write.

:func:`restore_backup` writes only into an empty database (nothing is ever
overwritten or deleted): it checks every file's checksum and row count and
the schema revision before it writes, then inserts every row with its
original id in one transaction, sets self-references (a batch superseded by a
later one) after their targets exist, compares the row counts, and moves
PostgreSQL's id sequences past the restored ids so that new rows get new ids.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import math
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table, bindparam, func, inspect, select, update
from sqlalchemy.engine import Connection, Engine

from .._version import __version__
from ..exceptions import GenmonError
from .archive import atomic_zip, open_member, sha256_member, write_member
from .engine import describe_url, write_transaction
from .migrate import current_revision, head_revision, upgrade
from .records import bulk_insert
from .schema import SCHEMA_TABLES

__all__ = ["BACKUP_FORMAT", "BackupResult", "backup_database", "restore_backup", "read_manifest"]

#: Version of the backup layout; restore refuses formats it does not know.
BACKUP_FORMAT = 1
MANIFEST = "manifest.json"
#: Rows per insert statement when restoring.
_BATCH = 20_000


@dataclass
class BackupResult:
    """What a backup or restore did."""

    path: Path
    revision: str | None
    rows: dict[str, int]

    def message(self, verb: str) -> str:
        return (
            f"{verb} {sum(self.rows.values())} rows in {sum(1 for n in self.rows.values() if n)} tables "
            f"(schema revision {self.revision}) {'to' if verb == 'backed up' else 'from'} {self.path}"
        )


def _value(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        raise GenmonError(f"cannot back up the non-finite number {v!r}")
    return v


def _dump(row) -> bytes:
    return (json.dumps([_value(v) for v in row], ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one committed state."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def backup_database(engine: Engine, output: str | os.PathLike) -> BackupResult:
    """Write every row of the database to the backup ``output`` (replaced atomically)."""
    output = Path(output)
    revision = current_revision(engine)
    tables = []
    with _snapshot(engine) as conn, conn.begin(), atomic_zip(output) as zf:
        for table in SCHEMA_TABLES:
            name = f"tables/{table.name}.jsonl"
            columns = [c.name for c in table.columns]
            digest = hashlib.sha256()
            n = 0
            with open_member(zf, name) as fh:
                header = _dump(columns)
                fh.write(header)
                digest.update(header)
                result = conn.execution_options(yield_per=5000).execute(
                    select(*table.columns).order_by(*table.primary_key.columns)
                )
                for row in result:
                    line = _dump(row)
                    fh.write(line)
                    digest.update(line)
                    n += 1
            tables.append({"table": table.name, "file": name, "columns": columns, "rows": n, "sha256": digest.hexdigest()})
        manifest = {
            "format": BACKUP_FORMAT,
            "software": "genmon",
            "genmon_version": __version__,
            "schema_revision": revision,
            "source_engine": engine.dialect.name,
            "created_at": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tables": tables,
        }
        write_member(zf, MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return BackupResult(output, revision, {t["table"]: t["rows"] for t in tables})


def read_manifest(zf: zipfile.ZipFile, source: str) -> dict[str, Any]:
    """The manifest of an open backup, checked against this genmon's schema."""
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise GenmonError(f"{source} is not a genmon backup (no {MANIFEST})") from None
    except json.JSONDecodeError as exc:
        raise GenmonError(f"{source}: {MANIFEST} is not valid JSON ({exc})") from None
    if manifest.get("software") != "genmon" or manifest.get("format") != BACKUP_FORMAT:
        raise GenmonError(
            f"{source}: backup format {manifest.get('format')!r}; this genmon reads format {BACKUP_FORMAT}"
        )
    listed = [t["table"] for t in manifest["tables"]]
    expected = [t.name for t in SCHEMA_TABLES]
    if sorted(listed) != sorted(expected):
        raise GenmonError(
            f"{source}: the backup holds tables {', '.join(listed)}; this schema has {', '.join(expected)}"
        )
    by_name = {t.name: t for t in SCHEMA_TABLES}
    for entry in manifest["tables"]:
        columns = [c.name for c in by_name[entry["table"]].columns]
        if entry["columns"] != columns:
            raise GenmonError(f"{source}: table {entry['table']} has columns {entry['columns']}, expected {columns}")
    return manifest


def _verify(zf: zipfile.ZipFile, manifest: dict[str, Any], source: str) -> None:
    """Every table file's checksum and row count, before anything is written."""
    bad = []
    for entry in manifest["tables"]:
        try:
            digest = sha256_member(zf, entry["file"])
        except KeyError:
            bad.append(f"{entry['file']} is missing")
            continue
        except zipfile.BadZipFile as exc:
            bad.append(f"{entry['file']} cannot be read ({exc})")
            continue
        if digest != entry["sha256"]:
            bad.append(f"{entry['file']} has SHA-256 {digest}, the manifest says {entry['sha256']}")
            continue
        with zf.open(entry["file"]) as fh:
            n = sum(1 for _ in fh) - 1
        if n != entry["rows"]:
            bad.append(f"{entry['file']} holds {n} rows, the manifest says {entry['rows']}")
    if bad:
        raise GenmonError(f"{source} is damaged, nothing was restored: " + "; ".join(bad))


def _rows(zf: zipfile.ZipFile, entry: dict[str, Any]) -> Iterator[list[Any]]:
    with zf.open(entry["file"]) as raw:
        lines = io.TextIOWrapper(raw, encoding="utf-8")
        next(lines)  # the column names, checked with the manifest
        for line in lines:
            yield json.loads(line)


def _counts(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in SCHEMA_TABLES}


def _self_references(table: Table) -> list[str]:
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _insert_table(conn: Connection, table: Table, entry: dict[str, Any], zf: zipfile.ZipFile) -> None:
    columns = entry["columns"]
    deferred = [columns.index(c) for c in _self_references(table)]
    pk = columns.index("id")
    later: list[dict[str, Any]] = []
    chunk: list[tuple] = []
    for row in _rows(zf, entry):
        for k in deferred:  # point at rows of the same table only once they all exist
            if row[k] is not None:
                later.append({"pk": row[pk], "col": columns[k], "value": row[k]})
                row[k] = None
        chunk.append(tuple(row))
        if len(chunk) >= _BATCH:
            bulk_insert(conn, table, columns, chunk)
            chunk = []
    bulk_insert(conn, table, columns, chunk)
    for col in sorted({x["col"] for x in later}):
        conn.execute(
            update(table).where(table.c.id == bindparam("pk")).values({col: bindparam("value")}),
            [{"pk": x["pk"], "value": x["value"]} for x in later if x["col"] == col],
        )


def _reset_sequences(conn: Connection) -> None:
    """Move each PostgreSQL id sequence past the largest restored id."""
    for table in SCHEMA_TABLES:
        top = conn.execute(select(func.max(table.c.id))).scalar()
        seq = func.pg_get_serial_sequence(table.name, "id")
        if top is None:
            conn.execute(select(func.setval(seq, 1, False)))
        else:
            conn.execute(select(func.setval(seq, int(top), True)))


def restore_backup(engine: Engine, archive: str | os.PathLike) -> BackupResult:
    """Restore the backup ``archive`` into the empty database ``engine``.

    A database without genmon's tables is initialised first; one that holds
    any row is refused, and nothing is changed.

    Raises
    ------
    GenmonError
        The archive is damaged or from another schema revision, or the
        database is not empty.
    """
    archive = Path(archive)
    where = describe_url(str(engine.url))
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise GenmonError(f"cannot read the backup {archive}: {exc}") from None
    with zf:
        manifest = read_manifest(zf, str(archive))
        revision = manifest["schema_revision"]
        if revision != head_revision():
            raise GenmonError(
                f"{archive} was made at schema revision {revision}; this genmon restores revision "
                f"{head_revision()} (restore it with the genmon version that made it, {manifest['genmon_version']})"
            )
        _verify(zf, manifest, str(archive))
        with engine.connect() as conn:
            initialised = inspect(conn).has_table("runs")
        if not initialised:
            upgrade(engine)
        elif current_revision(engine) != revision:
            raise GenmonError(
                f"{where} is at schema revision {current_revision(engine)}, the backup at {revision}; "
                "run `genmon db init` on it first"
            )
        with write_transaction(engine) as conn:
            held = {t: n for t, n in _counts(conn).items() if n}
            if held:
                what = ", ".join(f"{t} ({n})" for t, n in held.items())
                raise GenmonError(
                    f"{where} is not empty (rows in {what}); restore writes only into an empty, freshly "
                    "initialised database and never replaces data. Nothing was changed."
                )
            entries = {e["table"]: e for e in manifest["tables"]}
            for table in SCHEMA_TABLES:  # parents before children
                _insert_table(conn, table, entries[table.name], zf)
            counts = _counts(conn)
            wrong = [f"{e['table']}: {counts[e['table']]} of {e['rows']}" for e in manifest["tables"]
                     if counts[e["table"]] != e["rows"]]
            if wrong:
                raise GenmonError("restored row counts differ from the backup, nothing was restored: " + "; ".join(wrong))
            if engine.dialect.name == "postgresql":
                _reset_sequences(conn)
    return BackupResult(archive, revision, counts)
