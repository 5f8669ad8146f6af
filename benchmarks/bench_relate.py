"""Relatedness benchmark (issue target: all five moment estimators for 5,000 individuals
x 20 microsatellites, 12.5 million pairs, in < 30 s on the 2-core development machine).

Run: python benchmarks/bench_relate.py   ->  benchmarks/results/relate.json
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, write_results  # noqa: E402

from genmon import GenotypeTable  # noqa: E402
from genmon.relate import estimate_relatedness  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(1)
    n, n_loci = 5000, 20
    vals = np.stack([rng.choice(np.arange(150, 170, 2), size=(n, 2), p=rng.dirichlet(np.ones(10)))
                     for _ in range(n_loci)], axis=1)
    vals[rng.random(vals.shape[:2]) < 0.05] = -1
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(n_loci)])
    results = {"individuals": n, "loci": n_loci, "pairs": n * (n - 1) // 2, "target_s": 30}
    for threads in (1, 2):
        t0 = time.perf_counter()
        out = estimate_relatedness(table, num_threads=threads)
        results[f"seconds_{threads}_threads"] = round(time.perf_counter() - t0, 2)
        del out
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("relate", results)


if __name__ == "__main__":
    main()
