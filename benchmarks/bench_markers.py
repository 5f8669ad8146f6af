"""Marker statistics benchmarks.

Issue targets: every per-locus statistic (locus_stats + probability of identity)
for 20,000 individuals x 20 microsatellites in < 5 s; pairwise LD r2 for 2,000
individuals x 5,000 SNPs compared side by side with ``plink1.9 --r2`` in the
same run (ratio reported; plink1.9 is skipped when not installed).

Run: python benchmarks/bench_markers.py [--snps N] [--threads T]
     ->  benchmarks/results/markers.json
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, write_results  # noqa: E402

from genmon import GenotypeTable  # noqa: E402
from genmon.markers import locus_stats, probability_of_identity, snp_r2, snp_r2_matrix  # noqa: E402


def simulate_strs(n: int, loci: int, seed: int) -> GenotypeTable:
    rng = np.random.default_rng(seed)
    vals = np.empty((n, loci, 2), dtype=np.int32)
    for j in range(loci):
        k = int(rng.integers(3, 13))
        freqs = rng.dirichlet(np.ones(k))
        vals[:, j] = 100 + 2 * rng.choice(k, size=(n, 2), p=freqs)
    vals[rng.random((n, loci)) < 0.05] = -1  # 5 % missing calls
    return GenotypeTable.from_alleles(vals, [f"STR{j + 1}" for j in range(loci)])


def simulate_snps(n: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.5, m)
    hap = rng.random((2, n, m)) < p
    # short-range LD: copy the previous SNP's haplotypes 70 % of the time
    copy = rng.random((2, n, m)) < 0.7
    for j in range(1, m):
        hap[:, :, j] = np.where(copy[:, :, j], hap[:, :, j - 1], hap[:, :, j])
    dos = hap.sum(0).astype(np.int8)
    dos[rng.random((n, m)) < 0.02] = -1
    return dos


def write_bed(dos: np.ndarray, prefix: Path) -> None:
    """PLINK 1 binary fileset (SNP-major); dosage counts the second (.bim A2) allele."""
    n, m = dos.shape
    code = np.select([dos == 0, dos == 1, dos == 2], [0b00, 0b10, 0b11], 0b01).astype(np.uint8)
    pad = (-n) % 4
    code = np.concatenate([code, np.zeros((pad, m), np.uint8)]) if pad else code
    packed = code.T.reshape(m, -1, 4)
    packed = packed[:, :, 0] | (packed[:, :, 1] << 2) | (packed[:, :, 2] << 4) | (packed[:, :, 3] << 6)
    with open(prefix.with_suffix(".bed"), "wb") as fh:
        fh.write(bytes([0x6C, 0x1B, 0x01]))
        fh.write(packed.astype(np.uint8).tobytes())
    with open(prefix.with_suffix(".bim"), "w") as fh:
        for j in range(m):
            fh.write(f"1\tsnp{j + 1}\t0\t{(j + 1) * 100}\tA\tG\n")
    with open(prefix.with_suffix(".fam"), "w") as fh:
        for i in range(n):
            fh.write(f"ind{i}\tind{i}\t0\t0\t0\t-9\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--individuals", type=int, default=20_000)
    ap.add_argument("--loci", type=int, default=20)
    ap.add_argument("--snp-individuals", type=int, default=2_000)
    ap.add_argument("--snps", type=int, default=5_000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    results = {}

    table = simulate_strs(args.individuals, args.loci, seed=1)
    t0 = time.perf_counter()
    stats = locus_stats(table, seed=1)
    probability_of_identity(table)
    per_locus_s = time.perf_counter() - t0
    results["per_locus_stats"] = {
        "individuals": args.individuals, "loci": args.loci, "seconds": round(per_locus_s, 3), "target_s": 5.0,
        "hwe_methods": stats["hwe_method"].value_counts().to_dict(),
    }
    print(f"per-locus stats {args.individuals} x {args.loci}: {per_locus_s:.2f} s (target < 5 s)")

    dos = simulate_snps(args.snp_individuals, args.snps, seed=2)
    ia, ib = np.triu_indices(args.snps, 1)
    t0 = time.perf_counter()
    full = snp_r2_matrix(dos)
    genmon_s = time.perf_counter() - t0
    r2 = full[ia, ib]
    ld = {"individuals": args.snp_individuals, "snps": args.snps, "pairs": int(len(r2)),
          "threads": args.threads, "genmon_seconds": round(genmon_s, 3),
          "genmon_function": "genmon.markers.snp_r2_matrix (float32 BLAS, all pairs)"}
    print(f"r2 {args.snp_individuals} x {args.snps} ({len(r2)} pairs): genmon snp_r2_matrix {genmon_s:.2f} s")
    if args.snps <= 2000:
        pairs = np.stack([ia, ib], 1).astype(np.int32)
        t0 = time.perf_counter()
        r2_kernel, _ = snp_r2(dos, pairs, num_threads=args.threads)
        ld["pair_kernel_seconds"] = round(time.perf_counter() - t0, 3)
        ld["pair_kernel_max_abs_diff"] = float(np.nanmax(np.abs(r2_kernel - r2)))
        print(f"  pair kernel (snp_r2): {ld['pair_kernel_seconds']:.2f} s")
    plink = shutil.which("plink1.9")
    if plink:
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "sim"
            write_bed(dos, prefix)
            t0 = time.perf_counter()
            subprocess.run([plink, "--bfile", str(prefix), "--r2", "square", "bin4", "--threads", str(args.threads),
                            "--allow-no-sex", "--out", str(prefix)], check=True, capture_output=True)
            plink_s = time.perf_counter() - t0
            square = np.fromfile(prefix.with_suffix(".ld.bin"), dtype=np.float32).reshape(args.snps, args.snps)
            diff = np.nanmax(np.abs(square[ia, ib] - r2))
        ld.update(plink_seconds=round(plink_s, 3), genmon_over_plink=round(genmon_s / plink_s, 2),
                  plink_command="plink1.9 --bfile sim --r2 square bin4 --threads T",
                  max_abs_diff_vs_plink=float(diff))
        print(f"plink1.9 --r2 square bin4: {plink_s:.2f} s; genmon/plink = {genmon_s / plink_s:.2f}; "
              f"max |r2 diff| = {diff:.2e}")
    else:
        ld["plink_seconds"] = None
    results["pairwise_r2"] = ld
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(write_results("markers", results))


if __name__ == "__main__":
    main()
