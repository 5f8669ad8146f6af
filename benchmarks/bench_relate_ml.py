"""Dyadic ML relatedness benchmark (issue target: 500 individuals, 124,750 pairs, in < 60 s on
the 2-core development machine), outbred (3 coefficients) and with inbreeding (9), 20 STRs.

Run: python benchmarks/bench_relate_ml.py   ->  benchmarks/results/relate_ml.json
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, write_results  # noqa: E402

from genmon import GenotypeTable  # noqa: E402
from genmon.relate import estimate_dyadml  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(1)
    n, n_loci = 500, 20
    vals = np.stack([rng.choice(np.arange(150, 170, 2), size=(n, 2), p=rng.dirichlet(np.ones(10)))
                     for _ in range(n_loci)], axis=1)
    vals[rng.random(vals.shape[:2]) < 0.05] = -1
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(n_loci)])
    results = {"individuals": n, "loci": n_loci, "pairs": n * (n - 1) // 2, "target_s": 60,
               "load_average_1min": round(os.getloadavg()[0], 2)}
    for inbreeding in (False, True):
        for threads in (1, 2):
            t0 = time.perf_counter()
            estimate_dyadml(table, inbreeding=inbreeding, error_rates=0.01, num_threads=threads)
            key = f"seconds_{'inbreeding' if inbreeding else 'outbred'}_{threads}_threads"
            results[key] = round(time.perf_counter() - t0, 2)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("relate_ml", results)


if __name__ == "__main__":
    main()
