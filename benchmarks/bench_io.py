"""Reader benchmarks (issue target: a long lab CSV of 20,000 samples x 15 loci,
300,000 rows, read in well under 10 s).

Generates the file (seeded) in a temporary directory, times
``read_genotypes`` on it (best of 3), and also the wide file of the same
table and both writers.

Run: python benchmarks/bench_io.py   ->  benchmarks/results/io.json
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, peak_rss_mb, write_results  # noqa: E402

from genmon.io import read_genotypes, write_genotypes  # noqa: E402
from genmon.model import GenotypeTable  # noqa: E402

N_SAMPLES = 20_000
N_LOCI = 15
SEED = 20261124


def make_table(seed: int = SEED) -> GenotypeTable:
    """20,000 rows (10,000 field samples x 2 PCR replicates) x 15 STR loci, 8% missing calls."""
    rng = np.random.default_rng(seed)
    sizes = 100 + 4 * rng.integers(0, 12, size=(N_SAMPLES, N_LOCI, 2))
    sizes.sort(axis=2)
    sizes[rng.random((N_SAMPLES, N_LOCI)) < 0.08] = -1
    samples = pd.DataFrame(
        {
            "sample_id": [f"RU-LLNP-2024-{i // 2:05d}" for i in range(N_SAMPLES)],
            "replicate_id": np.tile(["P1", "P2"], N_SAMPLES // 2),
        }
    )
    return GenotypeTable.from_alleles(
        sizes, [f"L{j + 1:02d}" for j in range(N_LOCI)], samples=samples
    )


def main() -> None:
    table = make_table()
    results = {"n_rows_table": N_SAMPLES, "n_loci": N_LOCI, "seed": SEED}
    with tempfile.TemporaryDirectory() as tmp:
        long_path = Path(tmp) / "batch.long.csv"
        wide_path = Path(tmp) / "batch.csv"
        t0 = time.perf_counter()
        write_genotypes(table, long_path, "long")
        results["write_long_s"] = round(time.perf_counter() - t0, 3)
        t0 = time.perf_counter()
        write_genotypes(table, wide_path, "wide")
        results["write_wide_s"] = round(time.perf_counter() - t0, 3)
        results["long_file_rows"] = sum(1 for _ in open(long_path)) - 1
        results["long_file_bytes"] = long_path.stat().st_size
        back = read_genotypes(long_path)
        assert back.describe_difference(table) is None
        results["read_long_best_of_3_s"] = round(
            best_of(lambda: read_genotypes(long_path, "long")), 3
        )
        results["read_wide_best_of_3_s"] = round(
            best_of(lambda: read_genotypes(wide_path, "wide")), 3
        )
    results["target_read_long_s"] = 10.0
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("io", results)


if __name__ == "__main__":
    main()
