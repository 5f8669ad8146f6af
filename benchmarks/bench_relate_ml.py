"""Dyadic ML relatedness benchmark (issue target: 500 individuals, 124,750 pairs, in < 60 s on
the 2-core development machine), outbred (3 coefficients) and with inbreeding (9), 20 STRs.

Run: python benchmarks/bench_relate_ml.py   ->  benchmarks/results/relate_ml.json
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, simulated_str_table, write_results  # noqa: E402

from genmon.relate import estimate_dyadml  # noqa: E402


def main() -> None:
    n, n_loci = 500, 20
    table = simulated_str_table(n, n_loci)
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
