"""``genmon db``: the monitoring database (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from ..exceptions import GenmonWarning
from ..geo import DEFAULT_DEGREE_CELL
from ..provenance import make_provenance
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
)

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


# --------------------------------------------------------------------------- catalogue exchange
@command.command("export-catalogue")
@db_option
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The package to write (a .zip).")
@click.option("--catalogue", default="main", show_default=True, help="Catalogue to export.")
@click.option("--lab", default=None, help="Code of the exporting lab (default: the database's only lab).")
@click.option("--country", default=None, help="ISO 3166 country code of the exporting lab (default: the lab's).")
@click.option("--calibration", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="This lab's translation table (genmon calibrate) to include; default: the lab's latest stored one.")
@click.option("--include-locations", is_flag=True,
              help="Add the detections' coordinates, snapped to --grid-cell (sensitive: tiger and leopard locations).")
@click.option("--exact-coordinates", is_flag=True, help="With --include-locations: exact coordinates, not snapped.")
@click.option("--grid-cell", type=float, default=0.1, show_default=True, help="Grid cell for coordinates (degrees).")
def export_catalogue_command(db, output, catalogue, lab, country, calibration, include_locations, exact_coordinates,
                             grid_cell) -> None:
    """Write a catalogue as a checksummed exchange package for another lab."""
    from ..db import open_engine
    from ..db.exchange import export_catalogue

    params = {"catalogue": catalogue, "lab": lab, "country": country, "include_locations": include_locations,
              "exact_coordinates": exact_coordinates, "grid_cell": grid_cell}
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None, [calibration] if calibration else [],
                           timestamp=_source_date())
    engine = open_engine(db)
    with engine.connect() as conn:
        manifest = export_catalogue(conn, output, catalogue=catalogue, lab=lab, country=country,
                                    calibration=calibration, include_locations=include_locations,
                                    exact_coordinates=exact_coordinates, grid_cell=grid_cell, provenance=prov)
    n = manifest["files"]["individuals.tsv"]["rows"]
    where = ("exact coordinates" if exact_coordinates else f"coordinates on a {grid_cell:g} degree grid") \
        if include_locations else "no coordinates"
    info(f"wrote {output}: {n} individuals of catalogue {catalogue}, {where}; "
               f"SHA-256 {manifest['package_sha256']}")


def _source_date():
    # SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the export time, so
    # that the same catalogue gives a byte-identical package.
    import datetime as _dt
    import os

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
    except ValueError:
        raise click.BadParameter(f'SOURCE_DATE_EPOCH "{epoch}" is not a whole number of seconds') from None


@command.command("import-catalogue")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for merge_report.tsv, summary.txt, report.json and a copy of the package.")
@click.option("--catalogue", default="main", show_default=True, help="The local catalogue to merge into.")
@click.option("--lab", default=None, help="Code of the local lab, whose stored calibration is used "
              "(default: the database's only lab).")
@click.option("--calibration", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Translation table from the package lab's sizes into the local lab's (lab_a = the local lab).")
@click.option("--id-pattern", default=None,
              help="Pattern of local ids for new individuals when the local catalogue does not exist yet.")
@click.option("--method", type=click.Choice(["likelihood", "mismatch"]), default="likelihood", show_default=True,
              help="Identification method used to match foreign individuals against the local ones.")
@click.option("--allele-mismatch", default="auto", show_default=True,
              help='Allele mismatches tolerated (mismatch method), or "auto".')
@click.option("--min-loci", type=click.IntRange(min=0), default=None,
              help="Individuals typed at fewer loci cannot be matched (default: half the loci).")
@click.option("--min-posterior", type=click.FloatRange(0, 1), default=0.95, show_default=True,
              help="Likelihood method: a lower posterior is a conflict.")
@force_option
def import_catalogue_command(package, db, out_dir, catalogue, lab, calibration, id_pattern, method, allele_mismatch,
                             min_loci, min_posterior, force) -> None:
    """Check a partner lab's package and write a merge report; changes nothing in the database.

    Review PACKAGE's merge report, then apply it with `genmon db apply-merge`.
    """
    from ..db import open_engine
    from ..db.merge import plan_merge, write_merge_report
    from ..labqc.calibration import read_translation
    from .identify import _allele_mismatch

    check_output(out_dir, force)
    mismatch = _allele_mismatch(None, None, allele_mismatch)
    params = {"catalogue": catalogue, "lab": lab, "method": method, "allele_mismatch": mismatch,
              "min_loci": min_loci, "min_posterior": min_posterior, "id_pattern": id_pattern}
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None,
                           [package] + ([calibration] if calibration else []))
    engine = open_engine(db)
    with engine.connect() as conn:
        plan = plan_merge(conn, package, catalogue=catalogue, lab=lab,
                          calibration=read_translation(calibration) if calibration else None, id_pattern=id_pattern,
                          method=method, allele_mismatch=mismatch, min_loci=min_loci, min_posterior=min_posterior)
    write_merge_report(plan, out_dir, prov)
    s = plan.summary
    info(f"wrote {out_dir}/merge_report.tsv: {s['same-individual']} same individual, {s['new']} new, "
               f"{s['alias']} alias, {s['conflict']} conflict; calibration: {plan.context['calibration']}; "
               "nothing changed in the database")
    for warning in s["warnings"]:
        warnings.warn(GenmonWarning(f"{warning}"), stacklevel=1)


@command.command("apply-merge")
@click.argument("report", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_option
@click.option("--accept", required=True,
              help='"all" (every row but the conflicts) or comma-separated foreign ids from merge_report.tsv.')
def apply_merge_command(report, db, accept) -> None:
    """Apply a reviewed merge report in one transaction (adds new individuals, cross-references)."""
    from ..db import open_engine
    from ..db.merge import apply_merge

    chosen = "all" if accept.strip().lower() == "all" else [x.strip() for x in accept.split(",") if x.strip()]
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), {"accept": chosen, "report": str(report)}, None,
                           [report / "merge_report.tsv"] if (report / "merge_report.tsv").exists() else [])
    result = apply_merge(open_engine(db), report, chosen, prov)
    info(result.message())


@command.command("export-dwca")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Darwin Core Archive (.zip) to write.")
@click.option("--grid", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_DEGREE_CELL,
              show_default=True, help="Grid cell (degrees) the coordinates are generalised to.")
@click.option("--exact-coordinates", is_flag=True,
              help="Write the coordinates as recorded (only for partners allowed to see them).")
@click.option("--catalogue", default="main", show_default=True, help="Catalogue of individuals to export.")
@click.option("--title", default=None, help="Dataset title for eml.xml (default: from the projects).")
@click.option("--creator", default=None, help="Creator organisation for eml.xml (default: the projects' agencies).")
@click.option("--license", "license_", type=click.Choice(["CC0-1.0", "CC-BY-4.0", "CC-BY-NC-4.0"]), default=None,
              help="Licence written to eml.xml (GBIF publishes only under one of these).")
@db_option
@force_option
@click.pass_context
def export_dwca_command(ctx, output, grid, exact_coordinates, catalogue, title, creator, license_, db,
                        force) -> None:
    """Darwin Core Archive of the samples assigned to individuals, for GBIF and national nodes.

    One Occurrence per sample (organismID links an individual's samples),
    with ResourceRelationship and GGBN Material Sample / Amplification
    extensions.  Coordinates are snapped to the centre of a --grid cell
    unless --exact-coordinates is given.
    """
    from ..db import open_engine
    from ..db.dwca import export_dwca

    if exact_coordinates and ctx.get_parameter_source("grid") == click.core.ParameterSource.COMMANDLINE:
        raise click.UsageError("--grid and --exact-coordinates exclude each other")
    check_output(output, force)
    result = export_dwca(open_engine(db), output, grid=grid, exact_coordinates=exact_coordinates,
                         catalogue=catalogue, title=title, creator=creator, license=license_)
    for warning in result.warnings:
        warnings.warn(GenmonWarning(f"{warning}"), stacklevel=1)
    info(result.message())


@command.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Backup archive (.zip) to write.")
@db_option
@force_option
def backup_command(output, db, force) -> None:
    """Checksummed, engine-independent copy of every row (restore with `genmon db restore`)."""
    from ..db import open_engine
    from ..db.backup import backup_database

    check_output(output, force)
    info(backup_database(open_engine(db), output).message("backed up"))


@command.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def restore_command(archive, db) -> None:
    """Restore a backup into an empty database (created and initialised when new).

    Checksums are verified first and every row is written in one
    transaction; a database that holds any row is refused.
    """
    from ..db import open_engine
    from ..db.backup import restore_backup

    info(restore_backup(open_engine(db, must_exist=False), archive).message("restored"))
