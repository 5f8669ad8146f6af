"""The monitoring database: samples, PCR replicates, consensus genotypes, individuals.

An SQLite file is the default; PostgreSQL serves labs that share one
database.  Both run the same schema (:mod:`genmon.db.schema`) and the same
Alembic migrations.  See ``genmon db --help`` and the README's *Database*
section.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from .engine import DEFAULT_DB, describe_url, open_engine, resolve_url, write_transaction
from .importer import ImportResult, import_batch
from .migrate import current_revision, head_revision, upgrade
from .records import get_or_create, now
from .schema import metadata, projects

__all__ = [
    "DEFAULT_DB",
    "ImportResult",
    "create_project",
    "current_revision",
    "describe_url",
    "head_revision",
    "import_batch",
    "init_database",
    "metadata",
    "open_engine",
    "resolve_url",
    "write_transaction",
]


def create_project(engine: Engine, code: str, **fields) -> int:
    """The id of project ``code``, created with ``fields`` when new."""
    with write_transaction(engine) as conn:
        return get_or_create(conn, projects, "code", code, created_at=now(), **fields)


def init_database(db=None, project: str | None = None, **project_fields) -> Engine:
    """Create (or upgrade) genmon's tables in ``db`` and optionally a project.

    Safe to run again on an existing database: it only applies migrations
    the database lacks.
    """
    engine = open_engine(db, must_exist=False)
    upgrade(engine)
    if project is not None:
        create_project(engine, project, **project_fields)
    return engine
