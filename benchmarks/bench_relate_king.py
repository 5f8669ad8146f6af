"""KING-robust benchmark against plink2 (issue target: 2,000 individuals x 20,000 SNPs no
slower than `plink2 --make-king-table` measured in the same run).

Run: python benchmarks/bench_relate_king.py   ->  benchmarks/results/relate_king.json
Needs the Debian package plink2 for the comparison (skipped, and said so, without it).
"""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_results  # noqa: E402

from genmon import GenotypeTable, Locus  # noqa: E402
from genmon.relate.king import king_robust  # noqa: E402

N, L, THREADS = 2000, 20000, 2


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


def main() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, L)
    alleles = (rng.random((N, L, 2)) < p[None, :, None]).astype(np.int16)
    alleles[rng.random((N, L)) < 0.01] = -1
    table = GenotypeTable(alleles, tuple(Locus(f"s{j}", ("A", "G"), kind="SNP") for j in range(L)),
                          [f"i{k}" for k in range(N)])
    t0 = time.perf_counter()
    ours = king_robust(table, num_threads=THREADS)
    genmon_s = time.perf_counter() - t0
    results = {"individuals": N, "snps": L, "pairs": len(ours), "threads": THREADS,
               "genmon_seconds": round(genmon_s, 2)}
    if shutil.which("plink2"):
        with tempfile.TemporaryDirectory() as tmp:
            dosage = np.where((alleles >= 0).all(axis=2), alleles.sum(axis=2), -1)
            _write_bed(dosage, Path(tmp) / "x")
            t0 = time.perf_counter()
            subprocess.run(["plink2", "--bfile", f"{tmp}/x", "--make-king-table", "--threads", str(THREADS),
                            "--out", f"{tmp}/k"], check=True, capture_output=True)
            plink_s = time.perf_counter() - t0
        results.update(plink2_seconds=round(plink_s, 2), ratio_genmon_over_plink2=round(genmon_s / plink_s, 2))
    else:
        results["plink2"] = "not installed (apt-get install plink2) - no comparison"
    write_results("relate_king", results)


if __name__ == "__main__":
    main()
