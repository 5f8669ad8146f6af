"""Whole identification runs at scale: a batch matched against a catalogue (plain script).

    python benchmarks/bench_identify_scale.py [--batch 1000000] [--catalogue 100000]
        [--method mismatch] [--allele-mismatch 2] [--threads N] [--profile]

Simulates ``--catalogue`` individuals (15 loci, 12 alleles; the generator of
``bench_identify.py``), builds their catalogue with one
:func:`~genmon.identify.core.identify_individuals` run on one sample per
individual (so the catalogue keeps sample genotypes, as a real one does),
then times the second run: ``--batch`` new samples (5 % dropout, 5 % missing
loci), half of them recaptures of catalogue individuals and half from new
individuals, through the block index (``max_dense`` below the batch size).
Reports wall time and peak resident memory (``ru_maxrss``) of each run and,
with ``--profile``, the top functions of a cProfile of the second run.

Writes benchmarks/results/identify_scale_<batch>x<catalogue>_<method>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

import numpy as np
import pandas as pd
from _common import peak_rss_mb, write_results
from bench_identify import simulate

from genmon.identify.core import identify_individuals
from genmon.model import GenotypeTable


def _table(codes: np.ndarray, prefix: str) -> GenotypeTable:
    """Allele codes ``(n, loci, 2)`` as a table of bp sizes (100 + 2 code)."""
    values = np.where(codes < 0, -1, 100 + 2 * codes.astype(np.int64))
    n = len(codes)
    samples = pd.DataFrame(
        {
            "sample_id": np.char.add(prefix, np.arange(n).astype(str)).astype(object),
            "date": "2024-01-01",
        }
    )
    return GenotypeTable.from_alleles(
        values, [f"L{j:02d}" for j in range(codes.shape[1])], samples=samples
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--batch", type=int, default=1_000_000)
    ap.add_argument("--catalogue", type=int, default=100_000)
    ap.add_argument("--method", default="mismatch", choices=("mismatch", "likelihood"))
    ap.add_argument("--allele-mismatch", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()

    # Catalogue individuals and the batch's new individuals from one population.
    n_new = max(args.batch // 10, 1)
    inds, _ = simulate(args.catalogue + n_new, 1, seed=3)
    rng = np.random.default_rng(4)
    from_cat = rng.random(args.batch) < 0.5
    who = np.where(
        from_cat,
        rng.integers(0, args.catalogue, args.batch),
        args.catalogue + rng.integers(0, n_new, args.batch),
    )
    batch = inds[who].copy()
    het = batch[:, :, 0] != batch[:, :, 1]
    drop = het & (rng.random(het.shape) < 0.05)
    keep = rng.integers(0, 2, drop.shape)
    kept_allele = np.where(keep == 0, batch[:, :, 0], batch[:, :, 1])
    batch[drop] = np.stack([kept_allele, kept_allele], axis=2)[drop]
    batch[rng.random(het.shape) < 0.05] = -1
    first = _table(inds[: args.catalogue], "C")
    second = _table(batch, "S")
    del inds, batch
    settings = dict(
        method=args.method,
        allele_mismatch=args.allele_mismatch,
        max_dense=0,
        max_profile=0,
        num_threads=args.threads,
    )
    results: dict = {
        "command": "python benchmarks/bench_identify_scale.py "
        f"--batch {args.batch} --catalogue {args.catalogue} --method {args.method} "
        f"--allele-mismatch {args.allele_mismatch:g} --threads {args.threads}",
        "load_average_before": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    t0 = time.perf_counter()
    r1 = identify_individuals(first, **settings)
    results["catalogue_build_seconds"] = round(time.perf_counter() - t0, 2)
    results["catalogue_individuals"] = int(r1.summary["n_individuals"])
    results["peak_rss_after_catalogue_mb"] = round(peak_rss_mb(), 1)
    cat = r1.catalogue
    del r1, first
    print(
        f"catalogue: {results['catalogue_build_seconds']} s, {results['catalogue_individuals']} individuals"
    )

    prof = cProfile.Profile() if args.profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    r2 = identify_individuals(second, catalogue=cat, batch="second", **settings)
    if prof:
        prof.disable()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    status = r2.assignments["status"].value_counts().to_dict()
    truth_recapture = int(from_cat.sum())
    results["match"] = {
        "seconds": round(dt, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "status_counts": {str(k): int(v) for k, v in status.items()},
        "samples_from_catalogue_individuals": truth_recapture,
        "individuals": int(r2.summary["n_individuals"]),
        "near_misses": len(r2.near_misses),
    }
    results["load_average_after"] = os.getloadavg()
    print(
        f"match {args.batch} vs {args.catalogue}: {dt:.1f} s ({cpu:.1f} s CPU), peak {peak_rss_mb():.0f} MB"
    )
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(35)
        print(s.getvalue())
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
        print(s.getvalue())
    write_results(f"identify_scale_{args.batch}x{args.catalogue}_{args.method}", results)


if __name__ == "__main__":
    main()
