"""Census benchmarks (issue targets: capwire with 1,000 bootstraps for 300 individuals
in < 10 s; SCR for 200 individuals x 500 detectors x 6 occasions in < 60 s).

Run: python benchmarks/bench_census.py   ->  benchmarks/results/census.json
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, write_results  # noqa: E402

from genmon.census import bootstrap_capwire, fit_ecm, fit_tirm, simulate_tirm  # noqa: E402
from genmon.census.scr import fit_scr, make_mask, simulate_scr  # noqa: E402


def main() -> None:
    counts = simulate_tirm(120, 230, 3.0, 900, seed=3)
    t0 = time.perf_counter()
    ecm, tirm = fit_ecm(counts, 3000), fit_tirm(counts, 3000)
    bootstrap_capwire(ecm, 1000, seed=1)
    bootstrap_capwire(tirm, 1000, seed=1)
    capwire_s = time.perf_counter() - t0

    gx, gy = np.meshgrid(np.arange(25) * 600.0, np.arange(20) * 600.0)
    det = np.column_stack([gx.ravel(), gy.ravel()])  # 500 detectors
    density = None
    for d in np.arange(20, 200, 5.0):  # find a density giving about 200 detected individuals
        data, truth = simulate_scr(d, 600, 0.1, det, 6, 2500, seed=7)
        if data.captures.shape[0] >= 200:
            density = d
            break
    mask = make_mask(det, 2500)
    t0 = time.perf_counter()
    fit = fit_scr(data, mask, "HN")
    scr_s = time.perf_counter() - t0
    write_results("census", {
        "capwire_ecm_tirm_1000_bootstraps_each": {"individuals": int(counts.size), "seconds": round(capwire_s, 2),
                                                  "target_s": 10},
        "scr_hn_fit": {"individuals": int(data.captures.shape[0]), "detectors": int(det.shape[0]), "occasions": 6,
                       "mask_points": int(mask.points.shape[0]), "seconds": round(scr_s, 2), "target_s": 60,
                       "true_density": float(truth[0] / truth[1] * 1e8), "simulated_density": density,
                       "estimate": round(fit.density, 2), "ci": [round(v, 2) for v in fit.density_ci]},
        "peak_rss_mb": round(peak_rss_mb(), 1),
    })


if __name__ == "__main__":
    main()
