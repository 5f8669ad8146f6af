"""Building small catalogues straight into a database, for the exchange tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert, select

from genmon.db import open_engine, write_transaction
from genmon.db.catalogue_store import save_catalogue
from genmon.db.records import record_run
from genmon.db.schema import SCHEMA_TABLES, individual_xrefs, individuals
from genmon.identify.catalogue import Catalogue
from genmon.provenance import make_provenance


def genotype_text(pair: Sequence[int | None]) -> str:
    return "/".join("-" if a is None else str(a) for a in pair)


def put_catalogue(
    url: str,
    loci: list[str],
    inds: list[dict[str, Any]],
    *,
    name: str = "main",
    id_pattern: str = "IND-{n:04d}",
    calibration: str | None = None,
    detections: list[dict[str, Any]] | None = None,
) -> None:
    """Store a catalogue: ``inds`` are dicts with ``id``, ``genotype`` (one pair per locus) and
    optional ``sex``, ``status``, ``merged_into``, ``n_samples``, ``first_seen``, ``last_seen``,
    ``species`` and ``xrefs`` ([(scheme, value), ...])."""
    rows = []
    for ind in inds:
        row = {
            "individual": ind["id"],
            "status": ind.get("status", "active"),
            "merged_into": ind.get("merged_into", ""),
            "n_samples": ind.get("n_samples", 1),
            "first_seen": ind.get("first_seen", ""),
            "last_seen": ind.get("last_seen", ""),
            "sex": ind.get("sex", ""),
            "species": ind.get("species", ""),
        }
        row.update({locus: genotype_text(pair) for locus, pair in zip(loci, ind["genotype"], strict=True)})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["individual", "status", "merged_into", "n_samples", "first_seen",
                                        "last_seen", "sex", "species", *loci])
    samples = pd.DataFrame(detections or [], columns=["sample", "individual", "batch", "date", "status", *loci])
    cat = Catalogue(loci=loci, kinds=["STR"] * len(loci), calibration=calibration, id_pattern=id_pattern,
                    next_number=len(inds) + 1, individuals=frame, samples=samples)
    engine = open_engine(url)
    with write_transaction(engine) as conn:
        run_id = record_run(conn, "test", make_provenance("test fixture"))
        save_catalogue(conn, cat, run_id, name)
        pk = dict(conn.execute(select(individuals.c.individual_id, individuals.c.id)).all())
        xrefs = [{"individual_pk": pk[ind["id"]], "scheme": s, "value": v}
                 for ind in inds for s, v in ind.get("xrefs", [])]
        if xrefs:
            conn.execute(insert(individual_xrefs), xrefs)
    engine.dispose()


def wipe(url: str) -> None:
    """Delete every row (children first), leaving an empty, initialised database."""
    engine = open_engine(url)
    with write_transaction(engine) as conn:
        for table in reversed(SCHEMA_TABLES):
            conn.execute(table.delete())
    engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import func

    engine = open_engine(url)
    with engine.connect() as conn:
        out = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in SCHEMA_TABLES}
    engine.dispose()
    return out
