"""Generate plink_sim.vcf: 60 diploid individuals x 12 linked SNPs, ~5% missing calls, SNP 6 with forced
heterozygotes in the first 20 individuals (a Hardy-Weinberg departure).

Run from the repository root:  python test_data/reference/markers/make_plink_sim.py
"""

from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("plink_sim.vcf")
rng = np.random.default_rng(20261124)
n, m = 60, 12
freqs = rng.uniform(0.1, 0.9, m)
h = np.zeros((2 * n, m), int)
for j in range(m):
    if j % 3 == 0:
        h[:, j] = rng.random(2 * n) < freqs[j]
    else:
        flip = rng.random(2 * n) < 0.2
        h[:, j] = np.where(flip, rng.random(2 * n) < freqs[j], h[:, j - 1])
miss = rng.random((n, m)) < 0.05
with open(OUT, "w") as f:
    f.write("##fileformat=VCFv4.2\n##source=genmon test_data/reference/markers/make_plink_sim.py (numpy default_rng(20261124))\n")
    f.write('##contig=<ID=1,length=1000000>\n##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
    f.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(f"ind{i}" for i in range(n)) + "\n")
    for j in range(m):
        calls = []
        for i in range(n):
            a, b = h[2 * i, j], h[2 * i + 1, j]
            if j == 5 and i < 20:
                a, b = 0, 1
            calls.append("./." if miss[i, j] else f"{a}/{b}")
        f.write(f"1\t{1000 * (j + 1)}\tsnp{j + 1}\tA\tG\t.\tPASS\t.\tGT\t" + "\t".join(calls) + "\n")
