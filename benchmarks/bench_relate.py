"""Relatedness benchmark (issue target: all five moment estimators for 5,000 individuals
x 20 microsatellites, 12.5 million pairs, in < 30 s on the 2-core development machine).

Run: python benchmarks/bench_relate.py   ->  benchmarks/results/relate.json
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, simulated_str_table, write_results  # noqa: E402

from genmon.relate import estimate_relatedness  # noqa: E402


def main() -> None:
    n, n_loci = 5000, 20
    table = simulated_str_table(n, n_loci)
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
