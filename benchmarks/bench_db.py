"""Benchmarks for the monitoring database (plain script, not a test).

    python benchmarks/bench_db.py [--samples 20000] [--replicates 4] [--catalogue 10000] [--db URL]

On simulated microsatellite data (15 loci, 12 alleles each, 5 % dropout,
1 % false alleles, 3 % failed PCRs):

1. ``genmon db import`` of a ``--samples`` x ``--replicates`` x 15-locus long
   CSV into a fresh SQLite file (target for 20,000 x 4 x 15: < 60 s);
2. the ML consensus of the stored batch, written back (``consensus --db``);
3. identification of the batch's consensus genotypes against a
   ``--catalogue``-individual catalogue stored in the database, with the
   changes saved (``identify --db``; target for 10,000 individuals: < 30 s).

Half the samples come from catalogue individuals, half from new ones.
Writes benchmarks/results/db.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import peak_rss_mb, write_results

from genmon.db import import_batch, init_database
from genmon.db.catalogue_store import save_catalogue
from genmon.db.records import record_run
from genmon.db.steps import consensus_from_database, identify_in_database
from genmon.identify.catalogue import Catalogue, format_genotype
from genmon.identify.core import identify_individuals

LOCI = [f"L{j:02d}" for j in range(15)]


def simulate(n_samples: int, n_reps: int, n_catalogue: int, seed: int):
    rng = np.random.default_rng(seed)
    n_ind = n_catalogue + n_samples // 4
    sizes = 100 + 4 * np.arange(12)
    p = rng.dirichlet(np.full(12, 2.0), size=len(LOCI))
    inds = np.stack([rng.choice(12, size=(n_ind, 2), p=p[j]) for j in range(len(LOCI))], axis=1)
    inds = np.sort(inds, axis=2)
    who = np.where(rng.random(n_samples) < 0.5, rng.integers(0, n_catalogue, n_samples),
                   rng.integers(n_catalogue, n_ind, n_samples))
    true = inds[who]  # (samples, loci, 2) allele indices
    reps = np.repeat(true, n_reps, axis=0).copy()
    het = reps[:, :, 0] != reps[:, :, 1]
    drop = het & (rng.random(het.shape) < 0.05)
    side = rng.integers(0, 2, drop.shape)
    kept = np.where(side == 0, reps[:, :, 0], reps[:, :, 1])
    reps[drop] = np.stack([kept, kept], axis=2)[drop]
    fa = rng.random(het.shape) < 0.01
    reps[fa, 1] = rng.integers(0, 12, fa.sum())
    reps = np.sort(reps, axis=2)
    values = sizes[reps].astype(object)
    values[rng.random(het.shape) < 0.03] = ""
    ids = np.array([f"RU-BENCH-{i:06d}" for i in range(n_samples)])
    frame = pd.DataFrame({
        "sample": np.repeat(np.repeat(ids, n_reps), len(LOCI)),
        "replicate": np.repeat(np.tile([f"P{r + 1}" for r in range(n_reps)], n_samples), len(LOCI)),
        "locus": np.tile(LOCI, n_samples * n_reps),
        "allele_1": values[:, :, 0].ravel() if values.ndim == 3 else values.ravel(),
        "allele_2": values[:, :, 1].ravel() if values.ndim == 3 else values.ravel(),
    })
    return frame, sizes[inds[:n_catalogue]]


def catalogue_of(genotypes: np.ndarray) -> Catalogue:
    n = len(genotypes)
    ind = pd.DataFrame({
        "individual": [f"PTA-RU-{i + 1:05d}" for i in range(n)],
        "status": "active", "merged_into": "", "n_samples": 1, "first_seen": "2023-01-01",
        "last_seen": "2023-03-01", "sex": "", "species": "Panthera tigris altaica",
    })
    for j, locus in enumerate(LOCI):
        ind[locus] = [format_genotype(g) for g in genotypes[:, j]]
    return Catalogue(loci=LOCI, kinds=["STR"] * len(LOCI), id_pattern="PTA-RU-{n:05d}", next_number=n + 1,
                     individuals=ind, species="Panthera tigris altaica")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--catalogue", type=int, default=10000)
    ap.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        frame, cat_genotypes = simulate(args.samples, args.replicates, args.catalogue, args.seed)
        batch = Path(tmp) / "batch.long.csv"
        frame.to_csv(batch, index=False)
        db = args.db or str(Path(tmp) / "genmon.sqlite")
        engine = init_database(db, project="BENCH")
        t0 = time.perf_counter()
        res = import_batch(engine, batch, lab="RU-LAB")
        results["import_s"] = round(time.perf_counter() - t0, 2)
        results["import"] = {"samples": res.n_samples, "replicates": res.n_replicates, "calls": res.n_calls}
        t0 = time.perf_counter()
        consensus_from_database(db, None, "bench", rule="ml")
        results["consensus_ml_s"] = round(time.perf_counter() - t0, 2)
        with engine.begin() as conn:
            save_catalogue(conn, catalogue_of(cat_genotypes), record_run(conn, "bench", {"command": "bench"}))

        def run(table, cat):
            return identify_individuals(table, catalogue=cat, method="likelihood", batch="bench")

        t0 = time.perf_counter()
        result, prov = identify_in_database(db, run)
        results["identify_against_catalogue_s"] = round(time.perf_counter() - t0, 2)
        results["identify"] = {k: int(v) for k, v in result.summary.items() if isinstance(v, int | np.integer)}
        results["identify"]["database_changes"] = prov["database_changes"]
        results["peak_rss_mb"] = round(peak_rss_mb(), 1)
        results["engine"] = engine.dialect.name
        results["parameters"] = vars(args)
    write_results("db", results)


if __name__ == "__main__":
    main()
