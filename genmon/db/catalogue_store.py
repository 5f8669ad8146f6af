"""The individual catalogue in the database.

:func:`load_catalogue` turns the ``catalogues``, ``individuals``,
``individual_genotypes``, ``detections`` and ``catalogue_events`` rows of one
catalogue into the :class:`genmon.identify.catalogue.Catalogue` that the
identification engine works on, and :func:`save_catalogue` writes back what a
run changed: new individuals and detections are inserted, changed
individuals (new best genotype, more samples, a merge) are updated, events
are appended, and every written row names the run.  Nothing is deleted.

The loaded frames carry hidden ``_pk`` columns (database ids) so that saving
can tell stored rows from new ones.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from ..exceptions import GenmonError
from ..identify.catalogue import Catalogue, format_genotypes
from .records import alleles_array, fetch_frame, json_text, lookup_ids, now
from .schema import catalogue_events, catalogues, detections, individual_genotypes, individuals

__all__ = ["DEFAULT_CATALOGUE", "load_catalogue", "save_catalogue", "catalogue_names"]

#: Name of the catalogue used when none is given.
DEFAULT_CATALOGUE = "main"
_IND_FIELDS = ("status", "merged_into", "n_samples", "first_seen", "last_seen", "sex", "species")
_EVENT_FIELDS = ("time", "batch", "event", "individual", "other", "sample", "details")


def catalogue_names(conn: Connection) -> list[str]:
    return sorted(conn.execute(select(catalogues.c.name)).scalars())


def _text_or_empty(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _parse_pair(text: Any) -> tuple[int | None, int | None]:
    parts = _text_or_empty(text).split("/")
    if len(parts) != 2:
        return None, None
    vals = [None if p in ("-", "", "nan") else int(p) for p in parts]
    return vals[0], vals[1]


def load_catalogue(conn: Connection, name: str = DEFAULT_CATALOGUE) -> Catalogue | None:
    """The stored catalogue ``name``, or ``None`` when the database has none of that name."""
    meta = conn.execute(select(catalogues).where(catalogues.c.name == name)).mappings().first()
    if meta is None:
        return None
    loci = json.loads(meta["loci"])
    ind_rows = conn.execute(
        select(individuals).where(individuals.c.catalogue_id == meta["id"]).order_by(individuals.c.id)
    ).mappings().all()
    ind = pd.DataFrame(
        {
            "individual": [r["individual_id"] for r in ind_rows],
            **{f: [_text_or_empty(r[f]) for r in ind_rows] for f in _IND_FIELDS if f != "n_samples"},
            "n_samples": [int(r["n_samples"]) for r in ind_rows],
            "_pk": [int(r["id"]) for r in ind_rows],
        }
    )
    geno = fetch_frame(
        conn,
        select(
            individual_genotypes.c.individual_pk,
            individual_genotypes.c.locus,
            individual_genotypes.c.allele_1,
            individual_genotypes.c.allele_2,
        )
        .join(individuals, individuals.c.id == individual_genotypes.c.individual_pk)
        .where(individuals.c.catalogue_id == meta["id"]),
        ["pk", "locus", "a1", "a2"],
    )
    values = alleles_array(geno, "pk", ind["_pk"].tolist(), loci)
    for j, locus in enumerate(loci):
        ind[locus] = format_genotypes(values[:, j])
    det_rows = conn.execute(
        select(detections).where(detections.c.catalogue_id == meta["id"]).order_by(detections.c.id)
    ).mappings().all()
    smp = pd.DataFrame(
        {
            "sample": [r["sample_id"] for r in det_rows],
            "individual": [r["individual_id"] for r in det_rows],
            "batch": [_text_or_empty(r["batch"]) for r in det_rows],
            "date": [_text_or_empty(r["date"]) for r in det_rows],
            "status": [r["status"] for r in det_rows],
            "_pk": [int(r["id"]) for r in det_rows],
        }
    )
    genos = [json.loads(r["genotype"]) for r in det_rows]
    for locus in loci:
        smp[locus] = [g.get(locus, "-/-") for g in genos]
    ev_rows = conn.execute(
        select(catalogue_events).where(catalogue_events.c.catalogue_id == meta["id"]).order_by(catalogue_events.c.id)
    ).mappings().all()
    events = pd.DataFrame({f: [_text_or_empty(r[f]) for r in ev_rows] for f in _EVENT_FIELDS}, dtype=object)
    cat = Catalogue(
        loci=loci,
        kinds=json.loads(meta["kinds"]),
        ploidy=int(meta["ploidy"]),
        calibration=meta["calibration"],
        species=meta["species"],
        id_pattern=meta["id_pattern"],
        next_number=int(meta["next_number"]),
        individuals=ind,
        samples=smp,
        events=events,
        batches=json.loads(meta["history"]),
        created=meta["created_at"],
        path=f"catalogue {name}",
    )
    cat._stored = {"id": int(meta["id"]), "n_events": len(events), "individuals": _ind_state(ind, loci)}
    cat._stored["detections"] = dict(zip(smp["_pk"], smp["individual"], strict=True))
    return cat


def _ind_state(ind: pd.DataFrame, loci: list[str]) -> dict[str, tuple]:
    cols = [c for c in ("individual", *_IND_FIELDS, *loci) if c in ind.columns]
    return {row[0]: tuple(_text_or_empty(v) for v in row[1:]) for row in ind[cols].itertuples(index=False)}


def save_catalogue(conn: Connection, cat: Catalogue, run_id: int, name: str = DEFAULT_CATALOGUE) -> dict[str, int]:
    """Write what changed in ``cat`` since it was loaded (or all of a new catalogue).

    Must run inside the caller's write transaction.  Returns counts of
    inserted and updated rows.
    """
    if cat.ploidy != 2:
        raise GenmonError(f"the database stores diploid catalogues; this one has ploidy {cat.ploidy}")
    stored = getattr(cat, "_stored", None)
    fields = {
        "species": cat.species,
        "id_pattern": cat.id_pattern,
        "next_number": int(cat.next_number),
        "loci": json_text(cat.loci),
        "kinds": json_text(cat.kinds),
        "ploidy": cat.ploidy,
        "calibration": cat.calibration,
        "history": json_text(cat.batches),
        "updated_run_id": run_id,
    }
    if stored is None:
        if conn.execute(select(catalogues.c.id).where(catalogues.c.name == name)).first() is not None:
            raise GenmonError(f'the database already holds a catalogue "{name}"; load it instead of creating one')
        cat_id = int(
            conn.execute(insert(catalogues).values(name=name, created_at=cat.created or now(), **fields)).inserted_primary_key[0]
        )
        stored = {"id": cat_id, "n_events": 0, "individuals": {}, "detections": {}}
    else:
        cat_id = stored["id"]
        conn.execute(update(catalogues).where(catalogues.c.id == cat_id).values(**fields))
    counts = _save_individuals(conn, cat, cat_id, run_id, stored["individuals"])
    counts.update(_save_detections(conn, cat, cat_id, run_id, stored["detections"]))
    events = cat.events.iloc[stored["n_events"] :]
    if len(events):
        conn.execute(
            insert(catalogue_events),
            [
                {"catalogue_id": cat_id, "run_id": run_id, **{f: _text_or_empty(r[f]) for f in _EVENT_FIELDS}}
                for r in events.to_dict("records")
            ],
        )
    counts["events"] = len(events)
    return counts


def _save_individuals(conn: Connection, cat: Catalogue, cat_id: int, run_id: int, before: dict[str, tuple]) -> dict[str, int]:
    ind = cat.individuals
    now_state = _ind_state(ind, cat.loci)
    new_ids = [i for i in now_state if i not in before]
    changed = [i for i in now_state if i in before and now_state[i] != before[i]]
    records = {r["individual"]: r for r in ind.to_dict("records")}

    def values(ident: str) -> dict[str, Any]:
        r = records[ident]
        out = {f: (_text_or_empty(r.get(f)) or None) for f in _IND_FIELDS if f != "n_samples"}
        out["n_samples"] = int(r.get("n_samples") or 0)
        out["status"] = out["status"] or "active"
        return out

    if new_ids:
        conn.execute(
            insert(individuals),
            [
                {"catalogue_id": cat_id, "individual_id": i, "created_run_id": run_id, "updated_run_id": run_id, **values(i)}
                for i in new_ids
            ],
        )
        pks = lookup_ids(conn, individuals, "individual_id", new_ids, individuals.c.catalogue_id == cat_id)
        rows = []
        for i in new_ids:
            for locus in cat.loci:
                a1, a2 = _parse_pair(records[i].get(locus))
                rows.append({"individual_pk": pks[i], "locus": locus, "allele_1": a1, "allele_2": a2})
        conn.execute(insert(individual_genotypes), rows)
    if changed:
        pk_of = {r["individual"]: int(r["_pk"]) for r in records.values() if pd.notna(r.get("_pk"))}
        conn.execute(
            update(individuals).where(individuals.c.id == bindparam("pk")),
            [{"pk": pk_of[i], "updated_run_id": run_id, **values(i)} for i in changed],
        )
        gt = individual_genotypes
        conn.execute(
            update(gt)
            .where(gt.c.individual_pk == bindparam("pk"), gt.c.locus == bindparam("loc"))
            .values(allele_1=bindparam("a1"), allele_2=bindparam("a2")),
            [
                {"pk": pk_of[i], "loc": locus, "a1": pair[0], "a2": pair[1]}
                for i in changed
                for locus in cat.loci
                for pair in [_parse_pair(records[i].get(locus))]
            ],
        )
    return {"individuals_new": len(new_ids), "individuals_updated": len(changed)}


def _save_detections(conn: Connection, cat: Catalogue, cat_id: int, run_id: int, before: dict[int, str]) -> dict[str, int]:
    smp = cat.samples
    has_pk = smp["_pk"].notna() if "_pk" in smp.columns else pd.Series(False, index=smp.index)
    new = smp[~has_pk.to_numpy()]
    if len(new):
        loci = [x for x in cat.loci if x in new.columns]
        conn.execute(
            insert(detections),
            [
                {
                    "catalogue_id": cat_id,
                    "run_id": run_id,
                    "sample_id": str(r["sample"]),
                    "individual_id": str(r["individual"]),
                    "batch": _text_or_empty(r.get("batch")) or None,
                    "date": _text_or_empty(r.get("date")) or None,
                    "status": _text_or_empty(r.get("status")) or "new",
                    "genotype": json_text({locus: _text_or_empty(r.get(locus)) for locus in loci}),
                }
                for r in new.to_dict("records")
            ],
        )
    old = smp[has_pk.to_numpy()]
    if not len(old):
        return {"detections_new": len(new), "detections_moved": 0}
    moved = [
        {"pk": int(pk), "ind": str(i)}
        for pk, i in zip(old["_pk"], old["individual"], strict=True)
        if before.get(int(pk)) != str(i)
    ]
    if moved:  # a merge or split re-assigned stored detections
        conn.execute(
            update(detections).where(detections.c.id == bindparam("pk")).values(individual_id=bindparam("ind"), run_id=run_id),
            moved,
        )
    return {"detections_new": len(new), "detections_moved": len(moved)}
