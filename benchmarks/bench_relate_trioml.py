"""Triadic ML (TrioML) relatedness benchmark: 200 simulated unrelated individuals (19,900 pairs) x
20 STRs with 100 references, outbred (16 triadic coefficients) and with inbreeding (66), and
related's example data (389 x 10, 75,466 pairs, outbred) for comparison with COANCESTRY's time in
test_data/reference/relate/README.md.  No target is set by the issue; unrelated pairs that never
reach r < 1e-4 are compared with every reference, so the time grows with pairs x references.

Run: python benchmarks/bench_relate_trioml.py   ->  benchmarks/results/relate_trioml.json
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, simulated_str_table, write_results  # noqa: E402

from genmon import read_genotypes  # noqa: E402
from genmon.relate import estimate_trioml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _time(table, inbreeding, threads):
    t0 = time.perf_counter()
    estimate_trioml(table, inbreeding=inbreeding, seed=1, num_threads=threads)
    return round(time.perf_counter() - t0, 2)


def main() -> None:
    n, n_loci = 200, 20
    table = simulated_str_table(n, n_loci)
    example = read_genotypes(ROOT / "test_data/related/GenotypeData.txt", "related")
    results = {"individuals": n, "loci": n_loci, "pairs": n * (n - 1) // 2, "references": 100,
               "load_average_1min": round(os.getloadavg()[0], 2)}
    results["seconds_outbred_2_threads"] = _time(table, False, 2)
    results["seconds_inbreeding_2_threads"] = _time(table, True, 2)
    results["related_example_seconds_outbred_2_threads"] = _time(example, False, 2)
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    results["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    write_results("relate_trioml", results)


if __name__ == "__main__":
    main()
