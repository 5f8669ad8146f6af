"""The latest results stored in the database, written as a run directory for ``genmon report``.

``genmon report --db`` renders what the database holds without files carried
by hand: :func:`write_run_dir` writes ``consensus/`` (per-sample quality and
per-locus error rates of the latest consensus run of every current batch)
and ``identify/`` (the catalogue's individuals and detections) with each
run's stored provenance as ``run.json``, in the layout the file-based
commands write.  Rows are sorted so the same database gives the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from .catalogue_store import DEFAULT_CATALOGUE, load_catalogue
from .schema import batches, consensus_genotypes, error_rates, runs, sample_quality, samples

__all__ = ["write_run_dir"]


def _tsv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, sep="\t", index=False, na_rep="NA", float_format="%.6g", lineterminator="\n")


def _run_json(conn, run_ids: list[int], path: Path) -> None:
    rows = conn.execute(select(runs.c.provenance).where(runs.c.id.in_(run_ids)).order_by(runs.c.id)).scalars().all()
    if rows:
        path.write_text(json.dumps(json.loads(rows[-1]), indent=2, sort_keys=True) + "\n")


def write_run_dir(engine: Engine, out_dir: str | Path, catalogue: str = DEFAULT_CATALOGUE) -> list[str]:
    """Write the database's latest step results under ``out_dir``; returns the steps written."""
    out_dir = Path(out_dir)
    written = []
    with engine.connect() as conn:
        current = select(batches.c.id).where(batches.c.superseded_by.is_(None))
        latest = (
            select(func.max(consensus_genotypes.c.run_id))
            .where(consensus_genotypes.c.batch_id.in_(current))
            .group_by(consensus_genotypes.c.batch_id)
        )
        run_ids = sorted(conn.execute(latest).scalars())
        if run_ids:
            d = out_dir / "consensus"
            d.mkdir(parents=True, exist_ok=True)
            q = conn.execute(
                select(samples.c.sample_id, sample_quality.c.quality_index, sample_quality.c.loci_typed,
                       sample_quality.c.status, sample_quality.c.reason)
                .join(samples, samples.c.id == sample_quality.c.sample_pk)
                .where(sample_quality.c.run_id.in_(run_ids))
                .order_by(samples.c.sample_id)
            ).all()
            _tsv(pd.DataFrame(q, columns=["sample", "quality_index", "loci_typed", "status", "reason"]),
                 d / "samples.tsv")
            cols = ["locus", "n_replicates", "ado_rate", "fa_rate", "ado_ci_low", "ado_ci_high", "fa_ci_low",
                    "fa_ci_high", "method"]
            r = conn.execute(
                select(*[error_rates.c[c] for c in cols]).where(error_rates.c.run_id.in_(run_ids))
                .order_by(error_rates.c.run_id, error_rates.c.id)
            ).all()
            _tsv(pd.DataFrame(r, columns=cols), d / "error_rates.tsv")
            _run_json(conn, run_ids, d / "run.json")
            written.append("consensus")
        cat = load_catalogue(conn, catalogue)
        if cat is not None and len(cat.individuals):
            d = out_dir / "identify"
            d.mkdir(parents=True, exist_ok=True)
            ind = cat.individuals.drop(columns=["_pk"]).sort_values("individual", kind="stable")
            _tsv(ind, d / "individuals.tsv")
            det = cat.samples[["sample", "individual", "status", "batch", "date"]].sort_values(
                ["sample", "individual"], kind="stable")
            _tsv(det, d / "assignments.tsv")
            _run_json(conn, sorted({int(x) for x in conn.execute(select(runs.c.id).where(runs.c.kind == "identify"))
                                    .scalars()}), d / "run.json")
            written.append("identify")
    return written
