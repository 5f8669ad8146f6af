"""The commands' database paths: one function per step, each one transaction.

``genmon consensus --db``, ``genmon identify --db``, ``genmon census
--db`` and ``genmon catalogue … --db`` call these.  A step reads its input from the database, computes with
the same library functions as the file-based commands, and writes its
results together with the ``runs`` row of its provenance in one
transaction.  ``identify`` holds the catalogue for the whole step (the
SQLite writer lock, or ``SELECT … FOR UPDATE`` on PostgreSQL), so that two
runs at once cannot issue the same individual id.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from ..exceptions import GenmonError
from ..labqc.batch import ConsensusRun, consensus_from_table, read_rates_for
from ..provenance import make_provenance
from .catalogue_store import DEFAULT_CATALOGUE, catalogue_names, load_catalogue, save_catalogue
from .engine import describe_url, open_engine, resolve_url, write_transaction
from .records import record_run
from .schema import catalogues
from .workflow import current_batch, load_captures, load_consensus, load_replicates, store_consensus

__all__ = [
    "consensus_from_database",
    "identify_in_database",
    "captures_from_database",
    "edit_catalogue_in_database",
    "catalogue_from_database",
]


def consensus_from_database(
    db: str | None,
    batch_name: str | None,
    command: str,
    *,
    error_rates_file: str | Path | None = None,
    **options: Any,
) -> tuple[ConsensusRun, dict[str, Any]]:
    """Consensus of an imported batch, stored in the database; returns the run and its provenance."""
    engine = open_engine(db)
    with write_transaction(engine) as conn:
        batch = current_batch(conn, batch_name)
        table = load_replicates(conn, batch)
        if error_rates_file is not None:
            options["error_rates"] = read_rates_for(table, error_rates_file)
        source = {"database": describe_url(resolve_url(db)), "batch": batch["name"], "batch_version": batch["version"],
                  "batch_sha256": batch["sha256"]}
        run = consensus_from_table(table, extra_parameters=source, inputs=[], **options)
        inputs = [error_rates_file] if error_rates_file is not None else []
        prov = make_provenance(command, run.parameters, None, inputs)
        prov["database_inputs"] = [{"batch": batch["name"], "version": batch["version"], "sha256": batch["sha256"]}]
        run_id = record_run(conn, "consensus", prov)
        store_consensus(conn, run, batch, run_id)
    prov["run_id"] = run_id
    return run, prov


def identify_in_database(
    db: str | None,
    identify: Any,
    *,
    batch_name: str | None = None,
    catalogue: str = DEFAULT_CATALOGUE,
    command: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Match the latest consensus genotypes against the stored catalogue and save the changes.

    ``identify(table, cat)`` runs the identification (a closure over the
    command's options) and returns its result; ``cat`` is ``None`` for a
    database without catalogue ``catalogue``, which is then created.
    Samples the catalogue already holds are skipped, so running the step
    again changes nothing.  Returns the result (``None`` when every sample
    was skipped) and its provenance.
    """
    engine = open_engine(db)
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(catalogues.c.id).where(catalogues.c.name == catalogue).with_for_update())
        batch = current_batch(conn, batch_name) if batch_name is not None else None
        table = load_consensus(conn, batch)
        cat = load_catalogue(conn, catalogue)
        if cat is not None:  # samples already in the catalogue are not detected twice
            known = np.isin(table.sample_id.astype(str), cat.samples["sample"].astype(str).to_numpy())
            table = table.subset(samples=np.nonzero(~known)[0])
        if table.n_samples == 0:
            return None, {"skipped": int(known.sum())}
        result = identify(table, cat)
        params = dict(result.parameters)
        params.update(database=describe_url(resolve_url(db)), catalogue=catalogue,
                      batch=batch["name"] if batch is not None else "all current batches")
        prov = make_provenance(command, params, None, [])
        run_id = record_run(conn, "identify", prov)
        counts = save_catalogue(conn, result.catalogue, run_id, catalogue)
    prov["run_id"] = run_id
    prov["database_changes"] = counts
    prov["skipped"] = int(known.sum()) if cat is not None else 0
    return result, prov


def captures_from_database(db: str | None, catalogue: str = DEFAULT_CATALOGUE):
    """The catalogue's detections for ``genmon census --db``."""
    engine = open_engine(db)
    with engine.connect() as conn:
        return load_captures(conn, catalogue)


def _stored_catalogue(conn: Any, name: str):
    cat = load_catalogue(conn, name)
    if cat is None:
        have = ", ".join(catalogue_names(conn)) or "none"
        raise GenmonError(f'the database holds no catalogue "{name}" (catalogues: {have})')
    return cat


def edit_catalogue_in_database(
    db: str | None,
    kind: str,
    edit: Callable[[Any], Any],
    *,
    catalogue: str = DEFAULT_CATALOGUE,
    command: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Change the stored catalogue by hand (a merge or a split) in one transaction.

    ``edit(cat)`` changes the loaded catalogue and records its events; the
    ``runs`` row of kind ``kind`` (``catalogue-merge``, ``catalogue-split``)
    and the changed individuals, moved detections and events, which all name
    that run, are written together or not at all.  Returns what ``edit``
    returned and the provenance (with ``run_id``).
    """
    engine = open_engine(db)
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":  # one editor of a catalogue at a time
            conn.execute(select(catalogues.c.id).where(catalogues.c.name == catalogue).with_for_update())
        cat = _stored_catalogue(conn, catalogue)
        result = edit(cat)
        params = dict(parameters or {})
        params.update(database=describe_url(resolve_url(db)), catalogue=catalogue)
        prov = make_provenance(command, params, None, [])
        run_id = record_run(conn, kind, prov)
        counts = save_catalogue(conn, cat, run_id, catalogue)
    prov["run_id"] = run_id
    prov["database_changes"] = counts
    return result, prov


def catalogue_from_database(db: str | None, catalogue: str = DEFAULT_CATALOGUE):
    """The stored catalogue ``catalogue``, read only."""
    engine = open_engine(db)
    with engine.connect() as conn:
        return _stored_catalogue(conn, catalogue)
