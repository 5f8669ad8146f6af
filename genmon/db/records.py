"""Small shared pieces of the database layer: runs, dialect-aware inserts, id lookups."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .._version import __version__
from .schema import runs

__all__ = ["now", "record_run", "insert_ignore", "lookup_ids", "bulk_insert", "json_text", "fetch_frame"]

#: Rows per statement when looking ids up with ``IN (...)``.
_CHUNK = 900


def now() -> str:
    """UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def json_text(obj: Any) -> str:
    """Deterministic JSON for TEXT columns."""
    return json.dumps(obj, sort_keys=True, default=str)


def record_run(conn: Connection, kind: str, provenance: dict[str, Any]) -> int:
    """Insert the ``runs`` row for one genmon run and return its id."""
    res = conn.execute(
        insert(runs).values(
            kind=kind,
            command=provenance.get("command"),
            genmon_version=provenance.get("version", __version__),
            parameters=json_text(provenance.get("parameters", {})),
            inputs=json_text(provenance.get("inputs", [])),
            provenance=json_text(provenance),
            started_at=now(),
        )
    )
    return int(res.inserted_primary_key[0])


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """Insert ``rows``, skipping those whose ``keys`` already exist (both engines).

    Concurrent writers inserting the same key both succeed: the database
    keeps the first row (``ON CONFLICT DO NOTHING``).
    """
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    for start in range(0, len(rows), 10_000):
        conn.execute(stmt, list(rows[start : start + 10_000]))


def lookup_ids(
    conn: Connection, table: Table, column: str, values: Iterable[Any], *where: Any
) -> dict[Any, int]:
    """``value -> id`` for the rows of ``table`` whose ``column`` is in ``values``.

    ``where`` adds conditions (e.g. the catalogue a key is unique within).
    """
    values = list(dict.fromkeys(values))
    col = table.c[column]
    out: dict[Any, int] = {}
    for start in range(0, len(values), _CHUNK):
        chunk = values[start : start + _CHUNK]
        stmt = select(col, table.c.id).where(col.in_(chunk), *where)
        out.update(conn.execute(stmt).tuples().all())
    return out


def fetch_frame(conn: Connection, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, built column by column.

    Much faster than handing result rows to pandas, which probes each row
    object for attributes.
    """

    rows = conn.execute(stmt).all()
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({c: list(v) for c, v in zip(columns, cols, strict=True)})


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert many rows fast: PostgreSQL ``COPY``, executemany elsewhere.

    Runs inside the caller's transaction; returns the number of rows.
    """
    rows = list(rows)
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return len(rows)
    placeholders = ", ".join("?" * len(columns))
    conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows
    )
    return len(rows)
