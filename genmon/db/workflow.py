"""Moving a batch through the database: replicates -> consensus -> catalogue -> census.

Each step reads what the previous one stored and writes its own rows with
the ``run_id`` of the run that made them, so that ``genmon consensus --db``,
``genmon identify --db`` and ``genmon census --db`` chain without files
carried by hand:

* :func:`load_replicates` gives the PCR replicates of the current version of
  a batch as the table ``genmon consensus`` works on;
* :func:`store_consensus` writes consensus genotypes (with the rule and its
  version), per-sample quality and per-locus error rates;
* :func:`load_consensus` gives the latest consensus of one or all batches,
  one genotype per field sample, with the sample metadata;
* :func:`load_captures` gives the detections of a catalogue with the
  samples' occasion, date, site and coordinates, for the census.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from .._version import __version__
from ..census.captures import Detections
from ..exceptions import GenmonError
from ..model import GenotypeTable
from .catalogue_store import DEFAULT_CATALOGUE
from .importer import SAMPLE_COLUMNS
from .records import alleles_array, bulk_insert, fetch_frame, select_in_chunks
from .schema import (
    allele_calls,
    batches,
    catalogues,
    consensus_genotypes,
    detections,
    error_rates,
    extractions,
    panels,
    pcr_replicates,
    projects,
    sample_quality,
    samples,
)

__all__ = [
    "current_batch",
    "load_replicates",
    "store_consensus",
    "load_consensus",
    "load_captures",
]

_STATUS_CODES = ("failed", "provisional", "confirmed")


def current_batch(conn: Connection, name: str | None = None, project: str | None = None) -> Any:
    """The current (latest, not superseded) version of batch ``name``.

    Without a name, the database must hold exactly one current batch.
    """
    stmt = select(batches).where(batches.c.superseded_by.is_(None))
    if project is not None:
        stmt = stmt.join(projects, projects.c.id == batches.c.project_id).where(projects.c.code == project)
    if name is not None:
        stmt = stmt.where(batches.c.name == name)
    rows = conn.execute(stmt.order_by(batches.c.id)).mappings().all()
    if not rows:
        what = f'batch "{name}"' if name else "batches"
        raise GenmonError(f"the database holds no {what}; import one with `genmon db import`")
    if len(rows) > 1:
        names = ", ".join(sorted({r["name"] for r in rows}))
        raise GenmonError(f"the database holds several batches ({names}); name one with --batch")
    return rows[0]


def _panel(conn: Connection, panel_id: int) -> tuple[list[str], list[str], int]:
    row = conn.execute(select(panels.c.loci, panels.c.ploidy).where(panels.c.id == panel_id)).one()
    loci = json.loads(row.loci)
    return [x["name"] for x in loci], [x["kind"] for x in loci], int(row.ploidy)


def _sample_metadata(conn: Connection, sample_pks: list[int]) -> pd.DataFrame:
    """SAMPLE_FIELDS columns for ``sample_pks`` (in that order)."""
    cols = [samples.c.id, samples.c.sample_id] + [samples.c[c] for c in SAMPLE_COLUMNS.values()]
    rows = select_in_chunks(
        conn, lambda chunk: select(*cols).where(samples.c.id.in_(chunk)), dict.fromkeys(sample_pks), mappings=True
    )
    found = {r["id"]: r for r in rows}
    out = {"sample_id": [found[pk]["sample_id"] for pk in sample_pks]}
    for sheet_name, col in SAMPLE_COLUMNS.items():
        if sheet_name in ("timezone", "coordinate_uncertainty_m", "permit", "chain_of_custody"):
            continue
        out[sheet_name] = [found[pk][col] for pk in sample_pks]
    frame = pd.DataFrame(out)
    for c in ("latitude", "longitude", "x", "y"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return frame


def load_replicates(conn: Connection, batch: Any) -> GenotypeTable:
    """The PCR replicates of ``batch`` (a row of :func:`current_batch`) as a table."""
    loci, kinds, ploidy = _panel(conn, batch["panel_id"])
    reps = conn.execute(
        select(pcr_replicates.c.id, pcr_replicates.c.replicate, extractions.c.sample_pk)
        .join(extractions, extractions.c.id == pcr_replicates.c.extraction_pk)
        .where(pcr_replicates.c.batch_id == batch["id"])
        .order_by(pcr_replicates.c.line)
    ).all()
    frame = fetch_frame(
        conn,
        select(allele_calls.c.replicate_pk, allele_calls.c.locus, allele_calls.c.allele_1, allele_calls.c.allele_2)
        .join(pcr_replicates, pcr_replicates.c.id == allele_calls.c.replicate_pk)
        .where(pcr_replicates.c.batch_id == batch["id"]),
        ["rep", "locus", "a1", "a2"],
    )
    values = alleles_array(frame, "rep", [int(r[0]) for r in reps], loci, ploidy)
    meta = _sample_metadata(conn, [int(r[2]) for r in reps])
    meta.insert(1, "replicate_id", pd.array([r[1] for r in reps], dtype="string"))
    return GenotypeTable.from_alleles(
        values, loci, samples=meta, kinds=kinds, attrs={"source": f"database batch {batch['name']} v{batch['version']}"}
    )


def store_consensus(conn: Connection, run: Any, batch: Any, run_id: int) -> dict[str, int]:
    """Write a :class:`~genmon.labqc.batch.ConsensusRun` of ``batch`` under ``run_id``."""
    r = run.result
    long = r.to_long()
    sample_pk = dict(
        conn.execute(select(samples.c.sample_id, samples.c.id).where(samples.c.sample_id.in_(list(r.sample_id)))).tuples().all()
    )
    missing = [s for s in r.sample_id if s not in sample_pk]
    if missing:
        raise GenmonError(f"samples not in the database: {', '.join(missing[:10])}")
    rule = str(run.parameters.get("rule", r.rule))

    def ints(col: pd.Series) -> list:
        values = pd.to_numeric(col, errors="coerce")
        return [None if v != v else int(v) for v in values.to_numpy(dtype=float)]

    quality = long["quality"].to_numpy(dtype=float)
    n = len(long)
    rows = zip(
        [run_id] * n,
        [batch["id"]] * n,
        long["sample"].map(sample_pk).tolist(),
        long["locus"].tolist(),
        ints(long["allele_1"]),
        ints(long["allele_2"]),
        long["status"].tolist(),
        long["n_replicates"].astype(int).tolist(),
        [None if q != q else float(q) for q in quality],
        [rule] * n,
        [__version__] * n,
        strict=True,
    )
    bulk_insert(
        conn,
        consensus_genotypes,
        ("run_id", "batch_id", "sample_pk", "locus", "allele_1", "allele_2", "status", "n_replicates", "quality",
         "rule", "rule_version"),
        rows,
    )
    sf = r.samples_frame()
    conn.execute(
        insert(sample_quality),
        [
            {
                "run_id": run_id,
                "sample_pk": sample_pk[s.sample],
                "quality_index": None if pd.isna(s.quality_index) else float(s.quality_index),
                "loci_typed": int(s.loci_typed),
                "status": s.status,
                "reason": None if pd.isna(s.reason) or s.reason == "" else str(s.reason),
            }
            for s in sf.itertuples(index=False)
        ],
    )
    rates = run.error_rates
    rate_cols = ["n_replicates", "ado_rate", "fa_rate", "ado_ci_low", "ado_ci_high", "fa_ci_low", "fa_ci_high"]
    conn.execute(
        insert(error_rates),
        [
            {
                "run_id": run_id,
                "batch_id": batch["id"],
                "locus": str(x["locus"]),
                "method": str(x["method"]),
                **{c: (None if pd.isna(x[c]) else float(x[c])) for c in rate_cols},
            }
            for x in rates.to_dict("records")
        ],
    )
    return {"consensus_genotypes": n, "samples": len(sf), "error_rates": len(rates)}


def load_consensus(
    conn: Connection, batch: Any | None = None, include_provisional: bool = False
) -> GenotypeTable:
    """One genotype per field sample from the latest consensus run of ``batch`` (or of every current batch).

    Rejected samples are left out; calls below the status asked for are
    missing.
    """
    cb = consensus_genotypes
    latest = select(cb.c.batch_id, func.max(cb.c.run_id).label("run_id")).group_by(cb.c.batch_id)
    if batch is not None:
        latest = latest.where(cb.c.batch_id == batch["id"])
    current = select(batches.c.id).where(batches.c.superseded_by.is_(None))
    latest = latest.where(cb.c.batch_id.in_(current)).subquery()
    frame = fetch_frame(
        conn,
        select(cb.c.sample_pk, cb.c.locus, cb.c.allele_1, cb.c.allele_2, cb.c.status, batches.c.panel_id, cb.c.run_id)
        .join(latest, (latest.c.batch_id == cb.c.batch_id) & (latest.c.run_id == cb.c.run_id))
        .join(batches, batches.c.id == cb.c.batch_id)
        .join(
            sample_quality,
            (sample_quality.c.run_id == cb.c.run_id) & (sample_quality.c.sample_pk == cb.c.sample_pk),
        )
        .where(sample_quality.c.status != "rejected"),
        ["sample_pk", "locus", "a1", "a2", "status", "panel_id", "run_id"],
    )
    if not len(frame):
        raise GenmonError("the database holds no consensus genotypes; run `genmon consensus --db` first")
    panel_ids = frame["panel_id"].unique()
    if len(panel_ids) > 1:
        raise GenmonError("the current batches were typed with different panels; name one batch with --batch")
    loci, kinds, ploidy = _panel(conn, int(panel_ids[0]))
    # a sample typed in two batches keeps its latest consensus
    latest_run = frame.groupby("sample_pk")["run_id"].transform("max")
    frame = frame[frame["run_id"] == latest_run]
    pks = sorted(frame["sample_pk"].unique().tolist())
    keep = frame["status"].isin(["confirmed", "provisional"] if include_provisional else ["confirmed"])
    values = alleles_array(frame[keep.to_numpy()], "sample_pk", pks, loci, ploidy)
    meta = _sample_metadata(conn, pks)
    order = np.argsort(meta["sample_id"].to_numpy(), kind="stable")
    return GenotypeTable.from_alleles(
        values[order], loci, samples=meta.iloc[order].reset_index(drop=True), kinds=kinds,
        attrs={"source": "database consensus"},
    )


def load_captures(conn: Connection, catalogue: str = DEFAULT_CATALOGUE) -> Detections:
    """Detections of the active individuals of ``catalogue``, for ``genmon census``."""
    cat_id = conn.execute(select(catalogues.c.id).where(catalogues.c.name == catalogue)).scalar()
    if cat_id is None:
        raise GenmonError(f'the database holds no catalogue "{catalogue}"; run `genmon identify --db` first')
    table = fetch_frame(
        conn,
        select(
            detections.c.individual_id,
            detections.c.sample_id,
            samples.c.occasion,
            samples.c.collected,
            samples.c.site,
            samples.c.x,
            samples.c.y,
        )
        .join(samples, samples.c.sample_id == detections.c.sample_id, isouter=True)
        .where(detections.c.catalogue_id == cat_id)
        .order_by(detections.c.individual_id, detections.c.sample_id),
        ["individual", "sample", "occasion", "date", "site", "x", "y"],
    )
    if not len(table):
        raise GenmonError(f'catalogue "{catalogue}" has no detections')
    table["detector"] = None
    for c in ("individual", "sample", "occasion", "date", "site"):
        table[c] = table[c].astype(object).where(table[c].notna(), None)
    counts = table.groupby("individual", sort=True).size().to_numpy(dtype=np.int64)
    return Detections(table, counts, f"database catalogue {catalogue}")
