"""Opening the monitoring database: an SQLite file by default, PostgreSQL by URL.

``--db`` (or the ``GENMON_DB`` environment variable) is either a path to an
SQLite file (``genmon.sqlite`` in the current folder when nothing is given)
or an SQLAlchemy URL such as ``postgresql://user@host/genmon``; plain
``postgresql://`` URLs use the psycopg 3 driver.

SQLite is opened in WAL mode with foreign keys on and a busy timeout, so
that two technicians importing at once queue behind each other instead of
failing; write transactions start with ``BEGIN IMMEDIATE`` so the writer lock
is taken before anything is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..exceptions import GenmonError

__all__ = ["DEFAULT_DB", "resolve_url", "open_engine", "write_transaction", "describe_url"]

#: SQLite file used when neither ``--db`` nor ``GENMON_DB`` is given.
DEFAULT_DB = "genmon.sqlite"
#: Seconds an SQLite writer waits for another writer to finish.
SQLITE_BUSY_TIMEOUT_S = 300


def resolve_url(db: str | os.PathLike | None = None) -> str:
    """The SQLAlchemy URL for ``db``, ``$GENMON_DB`` or the default SQLite file.

    Examples
    --------
    >>> resolve_url("lab/genmon.sqlite")
    'sqlite:///lab/genmon.sqlite'
    >>> resolve_url("postgresql://genmon@db.example/monitoring")
    'postgresql+psycopg://genmon@db.example/monitoring'
    """
    text = str(db) if db is not None else os.environ.get("GENMON_DB") or DEFAULT_DB
    if "://" not in text:
        return f"sqlite:///{text}"
    for plain in ("postgresql://", "postgres://"):
        if text.startswith(plain):
            return "postgresql+psycopg://" + text[len(plain) :]
    return text


def describe_url(url: str) -> str:
    """The URL without its password, for messages and provenance."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Autocommit at the driver level: SQLAlchemy then issues BEGIN itself,
    # which lets write_transaction use BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def open_engine(db: str | os.PathLike | None = None, must_exist: bool = True) -> Engine:
    """An engine for the database ``db`` (see :func:`resolve_url`).

    With ``must_exist``, a database without genmon's tables is refused with a
    message that says to run ``genmon db init``.
    """
    url = resolve_url(db)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise GenmonError(f'"{db}" is neither a file path nor a database URL') from None
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if must_exist and (not path or not Path(path).exists()):
            raise GenmonError(f"no genmon database at {path}; create it with `genmon db init`")
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    else:
        engine = create_engine(url, pool_pre_ping=True)
    if must_exist:
        try:
            with engine.connect() as conn:
                present = inspect(conn).has_table("runs")
        except OperationalError as exc:
            raise GenmonError(f"cannot open the database {describe_url(url)}: {exc.orig}") from None
        if not present:
            raise GenmonError(
                f"{describe_url(url)} holds no genmon tables; create them with `genmon db init`"
            )
        _check_revision(engine, url)
    return engine


def _check_revision(engine: Engine, url: str) -> None:
    from .migrate import current_revision, head_revision, known_revisions

    have, want = current_revision(engine), head_revision()
    if have == want:
        return
    if have in known_revisions():
        raise GenmonError(
            f"{describe_url(url)} has schema revision {have}; this genmon needs {want}. "
            "Back it up (`genmon db backup`), then upgrade it with `genmon db init`."
        )
    raise GenmonError(
        f"{describe_url(url)} has schema revision {have}, unknown to this genmon (newest {want}); "
        "use the genmon version that wrote it, or a newer one"
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back on any error.

    On SQLite the writer lock is taken at the start (``BEGIN IMMEDIATE``), so
    a second writer waits up to :data:`SQLITE_BUSY_TIMEOUT_S` seconds for the
    first instead of failing halfway.
    """
    with engine.connect() as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info["write"] = False
