"""KING-robust benchmark against plink2 (issue target: 2,000 individuals x 20,000 SNPs no
slower than `plink2 --make-king-table` measured in the same run).

Run: python benchmarks/bench_relate_king.py   ->  benchmarks/results/relate_king.json

genmon is timed from a GenotypeTable in memory (reading the VCF is not timed) to the
kin0 columns in a DataFrame (``king_robust``: bit packing, the pair kernel and the
table), and to that table written as TSV (what ``genmon relate --estimator king`` writes,
``genmon.io._tsv_writer.write_tsv``).  plink2 is timed as a command: reading its binary
fileset, the kernel and writing the ``.kin0`` text table.  Both run on 1 and on 2
threads, alternately, ``REPEATS`` times each, and the medians are compared; the load
average is recorded before and after, since the machine is shared.  Needs the Debian
package plink2 for the comparison (skipped, and said so, without it).
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402

from genmon import GenotypeTable, Locus  # noqa: E402
from genmon._ext import king as _kernel  # noqa: E402
from genmon.io._tsv_writer import write_tsv  # noqa: E402
from genmon.relate.king import king_robust  # noqa: E402

N, L, REPEATS = 2000, 20000, 5
THREAD_COUNTS = (1, 2)


def _write_bed(dosage: np.ndarray, prefix: Path) -> None:
    """PLINK 1 binary fileset (SNP-major): 2-bit codes 00 hom A1, 10 het, 11 hom A2, 01 missing."""
    code = np.select([dosage == 2, dosage == 1, dosage == 0], [0b00, 0b10, 0b11], default=0b01).astype(np.uint8)
    n = dosage.shape[0]
    pad = (-n) % 4
    codes = np.concatenate([code.T, np.zeros((code.shape[1], pad), np.uint8)], axis=1).reshape(code.shape[1], -1, 4)
    packed = codes[:, :, 0] | (codes[:, :, 1] << 2) | (codes[:, :, 2] << 4) | (codes[:, :, 3] << 6)
    with open(f"{prefix}.bed", "wb") as fh:
        fh.write(bytes([0x6C, 0x1B, 0x01]))
        fh.write(packed.astype(np.uint8).tobytes())
    Path(f"{prefix}.fam").write_text("".join(f"i{k} i{k} 0 0 0 -9\n" for k in range(n)))
    Path(f"{prefix}.bim").write_text("".join(f"1\ts{j}\t0\t{j + 1}\tG\tA\n" for j in range(dosage.shape[1])))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _compare(table: GenotypeTable, plink: str | None, tmp: str, threads: int) -> dict:
    """Alternating runs of genmon (without and with the TSV) and plink2 on ``threads`` threads."""
    ours, written, theirs = [], [], []
    command = [plink, "--bfile", f"{tmp}/x", "--make-king-table", "--threads", str(threads), "--out", f"{tmp}/k"]
    for _ in range(REPEATS):
        ours.append(_timed(lambda: king_robust(table, num_threads=threads)))
        written.append(_timed(lambda: write_tsv(king_robust(table, num_threads=threads), f"{tmp}/ours.tsv")))
        if plink:
            theirs.append(_timed(lambda: subprocess.run(command, check=True, capture_output=True)))
    out = {"genmon_seconds": [round(v, 3) for v in ours],
           "genmon_median_seconds": round(statistics.median(ours), 3),
           "genmon_with_tsv_seconds": [round(v, 3) for v in written],
           "genmon_with_tsv_median_seconds": round(statistics.median(written), 3)}
    if plink:
        out.update(plink2_command=f"plink2 --bfile x --make-king-table --threads {threads}",
                   plink2_seconds=[round(v, 3) for v in theirs],
                   plink2_median_seconds=round(statistics.median(theirs), 3),
                   ratio_genmon_over_plink2=round(statistics.median(ours) / statistics.median(theirs), 2),
                   ratio_genmon_with_tsv_over_plink2=round(statistics.median(written) / statistics.median(theirs), 2))
    return out


def main() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, L)
    alleles = (rng.random((N, L, 2)) < p[None, :, None]).astype(np.int16)
    alleles[rng.random((N, L)) < 0.01] = -1
    table = GenotypeTable(alleles, tuple(Locus(f"s{j}", ("A", "G"), kind="SNP") for j in range(L)),
                          [f"i{k}" for k in range(N)])
    results = {"individuals": N, "snps": L, "pairs": N * (N - 1) // 2, "repeats": REPEATS,
               "kernel_variant": ["portable", "popcnt", "avx512-vpopcntdq"][_kernel._cpu_level()],
               "load_average_before": [round(v, 2) for v in os.getloadavg()]}
    plink = shutil.which("plink2")
    with tempfile.TemporaryDirectory() as tmp:
        if plink:
            dosage = np.where((alleles >= 0).all(axis=2), alleles.sum(axis=2), -1)
            _write_bed(dosage, Path(tmp) / "x")
            results["plink2"] = subprocess.run([plink, "--version"], capture_output=True, text=True).stdout.strip()
        else:
            results["plink2"] = "not installed (apt-get install plink2) - no comparison"
        for threads in THREAD_COUNTS:
            results[f"threads_{threads}"] = _compare(table, plink, tmp, threads)
    results["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    write_results("relate_king", results)


if __name__ == "__main__":
    main()
