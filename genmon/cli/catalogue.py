"""``genmon catalogue``: look at the individual catalogue, and merge or split individuals by hand.

Every command works on a catalogue directory (``--catalogue DIR``) or on a
catalogue in the database (``--db URL``, ``--db-catalogue NAME``).  Merges
and splits are never silent: each needs ``--reason`` and is recorded as a
``merge`` or ``split`` event.  A changed directory is written into a new
directory beside it that then replaces it, so an interrupted command leaves
the old catalogue or the new one, never half of one; in the database the
change and its ``runs`` row are one transaction.

A merge or split the catalogue cannot make (an unknown or merged id, an
individual merged into itself, samples it does not hold) exits 1 with one
line saying why; a catalogue directory that fails to read exits 3.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from ..exceptions import GenmonError
from ..identify.catalogue import (
    merge_individuals,
    read_catalogue,
    split_individual,
    write_catalogue,
)
from ._options import info

_EVENT_COLUMNS = ["time", "batch", "event", "individual", "other", "sample", "details"]


def _where_options(fn: Callable) -> Callable:
    fn = click.option("--db-catalogue", default="main", show_default=True,
                      help="With --db: name of the catalogue in the database.")(fn)
    fn = click.option("--db", default=None,
                      help="Use the catalogue stored in this database (SQLite path or URL) instead of --catalogue.")(fn)
    fn = click.option("--catalogue", "cat_dir", default=None,
                      type=click.Path(exists=True, file_okay=False, path_type=Path),
                      help="Catalogue directory (written by `genmon identify --save-catalogue`).")(fn)
    return fn


def _check_where(cat_dir: Path | None, db: str | None) -> None:
    if (cat_dir is None) == (db is None):
        raise click.UsageError("give either --catalogue DIR or --db")


def _load(cat_dir: Path | None, db: str | None, db_catalogue: str):
    _check_where(cat_dir, db)
    if db is not None:
        from ..db.steps import catalogue_from_database

        return catalogue_from_database(db, db_catalogue)
    return read_catalogue(cat_dir)


def _replace_directory(cat, cat_dir: Path) -> None:
    """Write ``cat`` over ``cat_dir`` so that the directory is always whole.

    The catalogue is written into a new directory beside the old one, which
    is then renamed aside, the new one renamed into its place, and the old
    one removed; a failure before the swap leaves the old catalogue as it
    was.
    """
    cat_dir = cat_dir.resolve()
    new = Path(tempfile.mkdtemp(prefix=f".{cat_dir.name}.new-", dir=cat_dir.parent))
    old = cat_dir.parent / f".{cat_dir.name}.old-{os.getpid()}"
    try:
        os.chmod(new, cat_dir.stat().st_mode & 0o7777)  # mkdtemp makes it private
        write_catalogue(cat, new)
        os.replace(cat_dir, old)
        try:
            os.replace(new, cat_dir)
        except OSError:
            os.replace(old, cat_dir)
            raise
    finally:
        shutil.rmtree(new, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)


def _edit(cat_dir: Path | None, db: str | None, db_catalogue: str, kind: str, params: dict[str, Any],
          edit: Callable[[Any], Any]) -> Any:
    """Apply ``edit(cat)`` to the catalogue and store the result; returns what ``edit`` returned."""
    _check_where(cat_dir, db)
    command = "genmon " + " ".join(sys.argv[1:])
    if db is not None:
        from ..db.steps import edit_catalogue_in_database

        result, prov = edit_catalogue_in_database(db, kind, edit, catalogue=db_catalogue, command=command,
                                                  parameters=params)
        info(f"run {prov['run_id']} ({kind}) stored in the database")
        return result
    cat = read_catalogue(cat_dir)
    result = edit(cat)
    _replace_directory(cat, cat_dir)
    return result


@click.group("catalogue")
def command() -> None:
    """Show the individual catalogue and its history; merge or split individuals by hand.

    Merges and splits need a reason and are recorded in the catalogue's
    events (in the database with a run of their own).  A merge or split the
    catalogue cannot make exits 1; a catalogue directory that fails to read
    exits 3.
    """


@command.command("merge")
@click.argument("keep")
@click.argument("drop")
@click.option("--reason", required=True, help="Why the two are one individual (kept in the event).")
@_where_options
def merge_command(keep: str, drop: str, reason: str, cat_dir: Path | None, db: str | None,
                  db_catalogue: str) -> None:
    """Merge individual DROP into KEEP: DROP's samples move to KEEP, DROP is kept as merged.

    Refused (exit 1) for an individual merged into itself, an unknown id or
    one already merged.
    """
    params = {"keep": keep, "drop": drop, "reason": reason}
    _edit(cat_dir, db, db_catalogue, "catalogue-merge", params,
          lambda cat: merge_individuals(cat, keep, drop, reason))
    info(f"merged {drop} into {keep}")


@command.command("split")
@click.argument("individual")
@click.option("--samples", required=True, metavar="S1,S2",
              help="Comma-separated samples of INDIVIDUAL that move to a new individual.")
@click.option("--reason", required=True, help="Why these samples are another individual (kept in the event).")
@_where_options
def split_command(individual: str, samples: str, reason: str, cat_dir: Path | None, db: str | None,
                  db_catalogue: str) -> None:
    """Move some samples of INDIVIDUAL to a new individual and print its id.

    The new individual starts with INDIVIDUAL's genotype; matching the next
    batch refines it.  Refused (exit 1) for an unknown or merged id, samples
    INDIVIDUAL does not hold, or all of its samples.
    """
    names = [s.strip() for s in samples.split(",") if s.strip()]
    params = {"individual": individual, "samples": names, "reason": reason}
    new_id = _edit(cat_dir, db, db_catalogue, "catalogue-split", params,
                   lambda cat: split_individual(cat, individual, names, reason))
    click.echo(new_id)


@command.command("show")
@click.option("--last", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many of the latest events to list.")
@_where_options
def show_command(last: int, cat_dir: Path | None, db: str | None, db_catalogue: str) -> None:
    """Print a summary: panel, individuals active and merged, samples, latest events."""
    cat = _load(cat_dir, db, db_catalogue)
    status = cat.individuals["status"].astype(str).value_counts()
    events = cat.events.reindex(columns=_EVENT_COLUMNS)
    lines = [
        f"catalogue: {cat.path}",
        f"species: {cat.species or '-'}",
        f"panel: {len(cat.loci)} loci ({', '.join(cat.loci)}), ploidy {cat.ploidy}, "
        f"calibration {cat.calibration or '-'}",
        f"id pattern: {cat.id_pattern} (next number {cat.next_number})",
        f"individuals: {int(status.get('active', 0))} active, {int(status.get('merged', 0))} merged",
        f"samples: {len(cat.samples)}",
        f"batches: {len(cat.batches)}",
        f"events: {len(events)} ({', '.join(f'{k} {v}' for k, v in events['event'].value_counts().items())})"
        if len(events) else "events: 0",
    ]
    click.echo("\n".join(lines))
    if last and len(events):
        click.echo(f"latest {min(last, len(events))} events:")
        click.echo(events.tail(last).to_csv(sep="\t", index=False), nl=False)


@command.command("history")
@click.option("--individual", default=None,
              help="Only the events that name this individual (as the individual or the other one).")
@_where_options
def history_command(individual: str | None, cat_dir: Path | None, db: str | None, db_catalogue: str) -> None:
    """Print the catalogue's events as a table (tab-separated), oldest first."""
    cat = _load(cat_dir, db, db_catalogue)
    events = cat.events.reindex(columns=_EVENT_COLUMNS).fillna("")
    if individual is not None:
        if not (cat.individuals["individual"].astype(str) == individual).any():
            raise GenmonError(f"no individual {individual} in {cat.path}")
        names = events[["individual", "other"]].astype(str)
        events = events[(names["individual"] == individual) | (names["other"] == individual)]
    click.echo(pd.DataFrame(events).to_csv(sep="\t", index=False), nl=False)
