"""``genmon db export-dwca``, ``genmon db backup`` and ``genmon db restore``.

Click commands for the ``genmon db`` group; :func:`add_commands` attaches
them to it.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli._options import check_output, force_option
from ..geo import DEFAULT_DEGREE_CELL
from .dwca import DEFAULT_CATALOGUE

__all__ = ["export_dwca_command", "backup_command", "restore_command", "add_commands"]

db_option = click.option(
    "--db",
    metavar="PATH|URL",
    default=None,
    help="SQLite file or database URL (default: $GENMON_DB, else genmon.sqlite here).",
)


@click.command("export-dwca")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Darwin Core Archive (.zip) to write.")
@click.option("--grid", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_DEGREE_CELL,
              show_default=True, help="Grid cell (degrees) the coordinates are generalised to.")
@click.option("--exact-coordinates", is_flag=True,
              help="Write the coordinates as recorded (only for partners allowed to see them).")
@click.option("--catalogue", default=DEFAULT_CATALOGUE, show_default=True, help="Catalogue of individuals to export.")
@click.option("--title", default=None, help="Dataset title for eml.xml (default: from the projects).")
@click.option("--creator", default=None, help="Creator organisation for eml.xml (default: the projects' agencies).")
@db_option
@force_option
@click.pass_context
def export_dwca_command(ctx, output, grid, exact_coordinates, catalogue, title, creator, db, force) -> None:
    """Darwin Core Archive of the samples assigned to individuals, for GBIF and national nodes.

    One Occurrence per sample (organismID links an individual's samples),
    with ResourceRelationship and GGBN Material Sample / Amplification
    extensions.  Coordinates are snapped to the centre of a --grid cell
    unless --exact-coordinates is given.
    """
    from .dwca import export_dwca
    from .engine import open_engine

    if exact_coordinates and ctx.get_parameter_source("grid") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--grid and --exact-coordinates exclude each other")
    check_output(output, force)
    result = export_dwca(open_engine(db), output, grid=grid, exact_coordinates=exact_coordinates,
                         catalogue=catalogue, title=title, creator=creator)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(result.message())


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Backup archive (.zip) to write.")
@db_option
@force_option
def backup_command(output, db, force) -> None:
    """Checksummed, engine-independent copy of every row (restore with `genmon db restore`)."""
    from .backup import backup_database
    from .engine import open_engine

    check_output(output, force)
    click.echo(backup_database(open_engine(db), output).message("backed up"))


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def restore_command(archive, db) -> None:
    """Restore a backup into an empty database (created and initialised when new).

    Checksums are verified first and every row is written in one
    transaction; a database that holds any row is refused.
    """
    from .backup import restore_backup
    from .engine import open_engine

    click.echo(restore_backup(open_engine(db, must_exist=False), archive).message("restored"))


def add_commands(group: click.Group) -> None:
    """Attach the three commands to the ``genmon db`` group."""
    for command in (export_dwca_command, backup_command, restore_command):
        group.add_command(command)
