"""Benchmarks for individual identification (plain script, not a test).

    python benchmarks/bench_identify.py [--samples 20000] [--batch 1000000] [--catalogue 100000] [--threads N]

Measures, on simulated microsatellite genotypes (15 loci, 12 alleles, 5 %
missing loci, 5 % dropout):

1. all-against-all mismatch counts (allelematch convention, condensed
   output) for ``--samples`` samples: wall time and peak memory (target for
   20,000 x 15 loci: < 10 s, < 2 GB);
2. the same pairs within 1 mismatch by brute force with early exit, and by
   the exact-block index;
3. ``--batch`` samples against a ``--catalogue`` of individuals with the
   index (target for 1,000,000 x 100,000: < 5 min, < 8 GB);
4. the whole allelematch-compatible ``identify_individuals`` on allelematch's
   example 5 (335 samples), for comparison with allelematch's own time.

Writes benchmarks/results/identify.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np

from genmon.identify.index import pairs_within_indexed
from genmon.identify.mismatch import count_mismatches, pairs_within
from genmon.provenance import build_info


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def simulate(
    n_individuals: int,
    n_samples: int,
    seed: int,
    n_loci: int = 15,
    n_alleles: int = 12,
    missing: float = 0.05,
    ado: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Individuals' genotypes and samples drawn from them with dropout and missing loci."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n_alleles, 1.5), size=n_loci)
    cum = p.cumsum(axis=1)
    u = rng.random((n_individuals, n_loci, 2))
    inds = np.stack(
        [(u[:, j, :, None] > cum[j][None, None, :]).sum(axis=2) for j in range(n_loci)], axis=1
    )
    inds = np.sort(np.minimum(inds, n_alleles - 1), axis=2).astype(np.int16)
    who = rng.integers(0, n_individuals, n_samples)
    s = inds[who].copy()
    het = s[:, :, 0] != s[:, :, 1]
    drop = het & (rng.random(het.shape) < ado)
    keep = rng.integers(0, 2, drop.shape)
    kept_allele = np.where(keep == 0, s[:, :, 0], s[:, :, 1])
    s[drop] = np.stack([kept_allele, kept_allele], axis=2)[drop]
    s[rng.random(het.shape) < missing] = -1
    return inds, s


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=200000)
    ap.add_argument("--catalogue", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-dense", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "identify.json"))
    args = ap.parse_args()
    results: dict = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "build": build_info()},
        "threads": args.threads,
    }

    _, samples = simulate(args.samples // 4, args.samples, seed=1)
    if not args.skip_dense:
        for threads in sorted({1, args.threads}):
            t0, c0 = time.perf_counter(), time.process_time()
            r = count_mismatches(samples, num_threads=threads)
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            results[f"all_vs_all_{args.samples}x15_threads{threads}"] = {
                "seconds": round(dt, 3),
                "cpu_seconds": round(cpu, 3),
                "pairs": int(r.units.size),
                "result_mb": round((r.units.nbytes + r.n_compared.nbytes) / 2**20, 1),
                "peak_rss_mb": round(_peak_mb(), 1),
            }
            print(
                f"all-vs-all {args.samples} x 15, {threads} thread(s): {dt:.2f} s ({cpu:.2f} s CPU), peak {_peak_mb():.0f} MB"
            )
            del r
    t0 = time.perf_counter()
    brute = pairs_within(samples, max_mismatch=1, num_threads=args.threads)
    dt_brute = time.perf_counter() - t0
    t0 = time.perf_counter()
    fast = pairs_within_indexed(samples, max_mismatch=1, num_threads=args.threads)
    dt_fast = time.perf_counter() - t0
    assert (brute.i == fast.i).all() and (brute.j == fast.j).all()
    results[f"within1_{args.samples}"] = {
        "brute_seconds": round(dt_brute, 3),
        "index_seconds": round(dt_fast, 3),
        "pairs": len(fast),
    }
    print(
        f"pairs within 1 mismatch: brute {dt_brute:.2f} s, index {dt_fast:.2f} s, {len(fast)} pairs"
    )

    cat, batch = simulate(args.catalogue, args.batch, seed=2)
    rss0 = _peak_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    hits = pairs_within_indexed(batch, cat, max_mismatch=1, num_threads=args.threads)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    results[f"index_{args.batch}_vs_{args.catalogue}"] = {
        "seconds": round(dt, 3),
        "cpu_seconds": round(cpu, 3),
        "pairs": len(hits),
        "peak_rss_mb": round(_peak_mb(), 1),
        "peak_rss_before_mb": round(rss0, 1),
        "batch_matched_fraction": round(float(np.isin(np.arange(args.batch), hits.i).mean()), 4),
    }
    print(
        f"index {args.batch} vs {args.catalogue}: {dt:.2f} s ({cpu:.2f} s CPU), {len(hits)} pairs, peak {_peak_mb():.0f} MB"
    )

    try:
        from genmon.identify.core import identify_individuals
        from genmon.io import read_genotypes

        ex5 = read_genotypes(
            Path(__file__).parent.parent / "test_data" / "allelematch" / "amExample5.csv",
            "allelematch",
        )
        t0 = time.perf_counter()
        identify_individuals(ex5, allele_mismatch=3, min_loci=0, include_sex=True)
        dt3 = time.perf_counter() - t0
        t0 = time.perf_counter()
        identify_individuals(ex5, allele_mismatch="auto", min_loci=0, include_sex=True)
        dt_auto = time.perf_counter() - t0
        results["amExample5"] = {
            "identify_m3_with_profile_seconds": round(dt3, 3),
            "identify_auto_seconds": round(dt_auto, 3),
        }
        print(f"amExample5: {dt3:.2f} s (profile + m=3), {dt_auto:.2f} s auto")
    except Exception as exc:  # pragma: no cover - reader not available
        results["amExample5"] = {"error": str(exc)}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
