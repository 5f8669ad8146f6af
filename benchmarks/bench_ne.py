"""Benchmark: LD Ne for 100 individuals x 5,000 SNPs (12.5 million locus pairs).

Three Pcrit values (0.05, 0.02, 0.01), parametric CIs only, random mating.
Target: under 10 s on the development machine (2 cores, shared: wall times
depend on the load, so CPU times and the load average are recorded too).  Writes
``benchmarks/results/ne.json``.  Run from the repository root:

    python benchmarks/bench_ne.py [--threads N] [--snps 5000] [--individuals 100]
        [--neestimator PATH_TO_Ne2x]

With ``--neestimator`` the same data are written as NeEstimator Genepop and the
NeEstimator v2 engine is timed on them (LD only, same Pcrit, parametric CI).

Also timed: the jackknife over locus pairs (``ci="jackknife-loci"``, a second
kernel pass) on the same data, and, in a child process so that its peak
resident memory is its own, ``--memory-snps`` SNPs (default 20,000: 200 million
locus pairs; target: within 16 GB) with every CI (parametric, jackknife over
individuals and over locus pairs) at Pcrit 0.05 (further Pcrit values run one
after the other in the same buffers, so they add time, not memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from genmon import GenotypeTable
from genmon.ne import estimate_ne_ld


def simulate(n: int, n_snps: int, seed: int = 1) -> GenotypeTable:
    """Offspring of 25 parents at unlinked SNPs (finite Ne), 2 % missing genotypes."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.5, size=n_snps)
    parents = (rng.random((25, n_snps, 2)) < p[None, :, None]).astype(np.int64)
    mum = rng.integers(0, 25, size=n)
    dad = rng.integers(0, 25, size=n)
    g = np.stack(
        [
            parents[mum[:, None], np.arange(n_snps)[None, :], rng.integers(0, 2, size=(n, n_snps))],
            parents[dad[:, None], np.arange(n_snps)[None, :], rng.integers(0, 2, size=(n, n_snps))],
        ],
        axis=2,
    )
    g[rng.random((n, n_snps)) < 0.02] = -1
    names = [f"snp{j}" for j in range(n_snps)]
    calls = g.astype(np.int16)
    from genmon.model import Locus

    loci = [Locus(nm, ("A", "G"), kind="SNP") for nm in names]
    return GenotypeTable(calls, loci, [f"I{i}" for i in range(n)])


def run_neestimator(exe: str, table: GenotypeTable) -> tuple[float, float]:
    """(wall, CPU) seconds of one NeEstimator run."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        g = table.call_genotype
        lines = ["bench"] + [lc.name for lc in table.loci] + ["Pop"]
        for i in range(g.shape[0]):
            toks = [
                "000000" if (g[i, j] < 0).any() else f"{g[i, j, 0] + 1:03d}{g[i, j, 1] + 1:03d}"
                for j in range(g.shape[1])
            ]
            lines.append(f"I{i} , " + " ".join(toks))
        (tmp / "b.gen").write_text("\n".join(lines) + "\n")
        (tmp / "info.txt").write_text(
            f"1\n{tmp}/\nb.gen\n2\n{tmp}/\nb_Ne.txt\n3\n0.05 0.02 0.01 -1\n0\n"
        )
        (tmp / "opt.txt").write_text("0 0 0 0\n0\n0\n0\n1\n0\n0\n0\n0\n0\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [exe, f"i:{tmp}/info.txt", f"o:{tmp}/opt.txt"], check=True, capture_output=True
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def memory_child(n: int, n_snps: int, threads: int) -> None:
    """Run every CI on ``n_snps`` SNPs and print (seconds, peak RSS in MiB) as JSON."""
    table = simulate(n, n_snps)
    t0 = time.perf_counter()
    out = estimate_ne_ld(
        table,
        pcrit=[0.05],
        by=None,
        ci=["parametric", "jackknife", "jackknife-loci"],
        num_threads=threads,
    )
    seconds = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    row = out.iloc[0]
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "peak_rss_mib": round(peak_mib, 1),
                "n_pairs": int(row["n_pairs"]),
                "ne": round(float(row["ne"]), 2),
                "ci_jackloci": [round(float(row["ci_jackloci_low"]), 2), round(float(row["ci_jackloci_high"]), 2)],
            }
        )
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--snps", type=int, default=5000)
    ap.add_argument("--individuals", type=int, default=100)
    ap.add_argument("--neestimator", default=None)
    ap.add_argument("--memory-snps", type=int, default=20000, help="0 skips the memory run")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.individuals, args.memory_snps, args.threads)
        return
    table = simulate(args.individuals, args.snps)
    estimate_ne_ld(
        table.subset(loci=range(50)), pcrit=[0.05], by=None, ci=["parametric"]
    )  # warm up
    c0 = time.process_time()
    t0 = time.perf_counter()
    out = estimate_ne_ld(
        table, pcrit=[0.05, 0.02, 0.01], by=None, ci=["parametric"], num_threads=args.threads
    )
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    c1 = time.process_time()
    t1 = time.perf_counter()
    estimate_ne_ld(
        table, pcrit=[0.05, 0.02, 0.01, "nosingletons"], by=None, num_threads=args.threads
    )
    full_wall, full_cpu = time.perf_counter() - t1, time.process_time() - c1
    t2 = time.perf_counter()
    pairs = estimate_ne_ld(
        table, pcrit=[0.05, 0.02, 0.01], by=None, ci=["parametric", "jackknife-loci"],
        num_threads=args.threads,
    )  # fmt: skip
    pairs_wall = time.perf_counter() - t2
    result = {
        "benchmark": "LD Ne, three Pcrit, parametric CI",
        "individuals": args.individuals,
        "snps": args.snps,
        "threads": args.threads,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "target_seconds": 10.0,
        "with_jackknife_and_nosingletons_seconds": round(full_wall, 3),
        "with_jackknife_and_nosingletons_cpu_seconds": round(full_cpu, 3),
        "with_jackknife_loci_seconds": round(pairs_wall, 3),
        "jackloci_df": [int(x) for x in pairs["jackloci_df"]],
        "ne": [None if not np.isfinite(x) else round(float(x), 2) for x in out["ne"]],
        "n_pairs": [int(x) for x in out["n_pairs"]],
        "machine": f"{platform.system()} {platform.machine()} python {platform.python_version()}",
    }
    if args.memory_snps:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-child",
                "--memory-snps",
                str(args.memory_snps),
                "--individuals",
                str(args.individuals),
                "--threads",
                str(args.threads),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        result["memory_run"] = {
            "snps": args.memory_snps,
            "pcrit": [0.05],
            "ci": ["parametric", "jackknife", "jackknife-loci"],
            "target_peak_rss_mib": 16 * 1024,
            **json.loads(child.stdout.strip().splitlines()[-1]),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    if args.neestimator:
        wall, cpu_ne = run_neestimator(args.neestimator, table)
        result["neestimator_seconds"] = round(wall, 3)
        result["neestimator_cpu_seconds"] = round(cpu_ne, 3)
        result["speedup_wall"] = round(wall / elapsed, 1)
        result["speedup_cpu"] = round(cpu_ne / cpu, 1)
    path = Path(__file__).resolve().parent / "results" / "ne.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
