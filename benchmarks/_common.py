"""Helpers shared by the benchmark scripts: timing and result files."""

from __future__ import annotations

import json
import platform
import resource
import time
from pathlib import Path

from genmon.provenance import build_info, version_string

RESULTS = Path(__file__).resolve().parent / "results"


def best_of(fn, repeat: int = 3) -> float:
    """Best wall-clock time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_results(topic: str, results: dict) -> Path:
    """Write ``results/<topic>.json`` with the machine and build beside the numbers."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{topic}.json"
    record = {
        "genmon": version_string(),
        "build": build_info(),
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown cpu'}",
        "results": results,
    }
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(json.dumps(results, indent=2))
    return path


def simulated_str_table(n: int, n_loci: int, seed: int = 1):
    """``n`` individuals x ``n_loci`` STRs with 10 alleles of Dirichlet frequencies, 5% missing calls."""
    import numpy as np

    from genmon import GenotypeTable

    rng = np.random.default_rng(seed)
    vals = np.stack([rng.choice(np.arange(150, 170, 2), size=(n, 2), p=rng.dirichlet(np.ones(10)))
                     for _ in range(n_loci)], axis=1)
    vals[rng.random(vals.shape[:2]) < 0.05] = -1
    return GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(n_loci)])
