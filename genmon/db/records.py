"""Small shared pieces of the database layer: runs, dialect-aware inserts, id lookups."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .._version import __version__
from .schema import runs

__all__ = [
    "now",
    "record_run",
    "insert_ignore",
    "get_or_create",
    "lookup_ids",
    "select_in_chunks",
    "bulk_insert",
    "json_text",
    "fetch_frame",
    "alleles_array",
]

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


def get_or_create(conn: Connection, table: Table, key: str, value: Any, **fields: Any) -> int:
    """The id of the row whose unique ``key`` is ``value``, inserted with ``fields`` when new."""
    insert_ignore(conn, table, [{key: value, **fields}], [key])
    return int(conn.execute(select(table.c.id).where(table.c[key] == value)).scalar_one())


def select_in_chunks(conn: Connection, stmt_for: Any, values: Iterable[Any], mappings: bool = False) -> list:
    """Rows of ``stmt_for(chunk)`` over ``values`` split into chunks small enough for ``IN (...)``."""
    values = list(values)
    out: list = []
    for start in range(0, len(values), _CHUNK):
        result = conn.execute(stmt_for(values[start : start + _CHUNK]))
        out += result.mappings().all() if mappings else result.all()
    return out


def lookup_ids(
    conn: Connection, table: Table, column: str, values: Iterable[Any], *where: Any
) -> dict[Any, int]:
    """``value -> id`` for the rows of ``table`` whose ``column`` is in ``values``.

    ``where`` adds conditions (e.g. the catalogue a key is unique within).
    """
    col = table.c[column]
    rows = select_in_chunks(
        conn, lambda chunk: select(col, table.c.id).where(col.in_(chunk), *where), dict.fromkeys(values)
    )
    return {value: pk for value, pk in rows}


def fetch_frame(conn: Connection, stmt: Any, columns: Sequence[str]) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame, built column by column.

    Much faster than handing result rows to pandas, which probes each row
    object for attributes.
    """

    rows = conn.execute(stmt).all()
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({c: list(v) for c, v in zip(columns, cols, strict=True)})


def alleles_array(frame: pd.DataFrame, key: str, rows: Sequence[Any], loci: Sequence[str], ploidy: int = 2):
    """``(len(rows), len(loci), ploidy)`` allele values from stored long rows (``-1`` missing).

    ``frame`` has the columns ``key`` (which of ``rows``), ``locus``, ``a1`` and
    ``a2`` (NULL for a missing allele); cells without a row stay missing.
    """
    values = np.full((len(rows), len(loci), ploidy), -1, dtype=np.int64)
    if len(frame):
        i = frame[key].map({r: k for k, r in enumerate(rows)}).to_numpy()
        j = frame["locus"].map({x: k for k, x in enumerate(loci)}).to_numpy()
        for k, col in enumerate(("a1", "a2")[:ploidy]):
            values[i, j, k] = pd.to_numeric(frame[col]).fillna(-1).to_numpy(dtype=np.int64)
    return values


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
