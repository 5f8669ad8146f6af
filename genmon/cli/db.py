"""``genmon db``: the monitoring database (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..provenance import make_provenance
from ._options import format_choice, info, missing_option, reader_options

db_option = click.option(
    "--db",
    "db",
    envvar="GENMON_DB",
    default=None,
    help="Database: an SQLite file path or a URL such as postgresql://user@host/genmon "
    "(default: $GENMON_DB, else genmon.sqlite in the current folder).",
)


@click.group("db")
def command() -> None:
    """Create, fill and query the monitoring database.

    Every batch import is validated first (all problems listed, nothing
    written) and then written in one transaction; re-importing the same file
    does nothing, and a corrected file becomes the batch's next version.
    """


@command.command("init")
@db_option
@click.option("--project", default=None, help="Code of a project to create, e.g. RU-LLNP-2024.")
@click.option("--name", default=None, help="Project name.")
@click.option("--country", default=None, help="ISO 3166 country code of the project (RU, CN).")
def init_command(db: str | None, project: str | None, name: str | None, country: str | None) -> None:
    """Create the database (or bring an existing one to the current schema)."""
    from ..db import describe_url, head_revision, init_database, resolve_url

    init_database(db, project=project, name=name, country=country)
    extra = f", project {project}" if project else ""
    info(f"{describe_url(resolve_url(db))}: schema revision {head_revision()}{extra}")


@command.command("import")
@click.argument("batch", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--sample-sheet", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Field sample sheet (CSV/TSV/xlsx) for the batch's samples.")
@click.option("--project", default=None, help="Project code (may be omitted when the database holds one).")
@click.option("--lab", default=None, help="Code of the lab that typed the batch (created when new).")
@click.option("--name", default=None, help="Batch name (default: the file name).")
@click.option("--calibration", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Translation table from `genmon calibrate` (lab B typed this batch): sizes are stored on lab "
                   "A's scale and the table is kept with the batch.")
@click.option("--from", "from_format", type=format_choice("reader"), default=None,
              help="Format of BATCH (guessed when omitted).")
@missing_option
def import_command(batch: Path, db: str | None, sample_sheet: Path | None, project: str | None, lab: str | None,
                   name: str | None, calibration: Path | None, from_format: str | None, missing: str | None) -> None:
    """Import BATCH (one row per PCR replicate) with its sample sheet."""
    from ..db import import_batch, open_engine

    engine = open_engine(db)
    inputs = [batch] + [f for f in (sample_sheet, calibration) if f is not None]
    params = {"project": project, "lab": lab, "name": name, "from_format": from_format}
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None, inputs)
    result = import_batch(engine, batch, sample_sheet=sample_sheet, project=project, lab=lab, name=name,
                          from_format=from_format, reader_options=reader_options(missing), calibration=calibration,
                          provenance=prov)
    info(result.message())


@command.command("status")
@db_option
def status_command(db: str | None) -> None:
    """Print the schema revision and how many rows each table holds."""
    from sqlalchemy import func, select

    from ..db import current_revision, describe_url, open_engine, resolve_url
    from ..db.schema import SCHEMA_TABLES

    engine = open_engine(db)
    click.echo(f"database\t{describe_url(resolve_url(db))}")
    click.echo(f"revision\t{current_revision(engine)}")
    with engine.connect() as conn:
        for table in SCHEMA_TABLES:
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            click.echo(f"{table.name}\t{n}")


@command.command("import-calls")
@click.argument("calls", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def import_calls_command(calls: tuple[Path, ...], db: str | None) -> None:
    """Store species calls (`genmon species call`) or sex calls (`genmon sex`) of imported samples."""
    from ..db import open_engine
    from ..db.calls import import_calls

    engine = open_engine(db)
    for path in calls:
        kind, n = import_calls(engine, path, "genmon " + " ".join(sys.argv[1:]))
        info(f"{path}: {n} {kind} calls stored" if n else f"{path}: already stored, nothing written")


@command.command("add-bin-set")
@click.argument("bin_set", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def add_bin_set_command(bin_set: Path, db: str | None) -> None:
    """Keep a bin set written by `genmon bin build` in the database (once per content)."""
    from ..db import open_engine
    from ..db.calls import store_bin_set

    panel, version, new = store_bin_set(open_engine(db), bin_set)
    info(f"bin set {panel} version {version}: {'stored' if new else 'already stored'}")
