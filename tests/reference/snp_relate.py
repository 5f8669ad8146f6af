"""Slow, obvious twins for the SNP relatedness kernels (bit packing, KING counts, PLINK's bounding).

KING's and PLINK's per-pair formulas are in ``tests/reference/relate.py``.
"""

import numpy as np


def pack_planes(calls, n_words):
    """Het / hom-REF / hom-ALT bit planes, one SNP at a time: bit k of word k // 64 is SNP k."""
    n, n_loci = calls.shape[:2]
    planes = np.zeros((n, 3, n_words), dtype=np.uint64)
    for i in range(n):
        for k in range(n_loci):
            a, b = int(calls[i, k, 0]), int(calls[i, k, 1])
            if a < 0 or b < 0:
                continue
            plane = 0 if a != b else 1 if a == 0 else 2 if a == 1 else None
            if plane is not None:
                planes[i, plane, k // 64] |= np.uint64(1) << np.uint64(k % 64)
    return planes


def king_counts(dosage_x, dosage_y):
    """N_SNP, HETHET, IBS0, HET_1, HET_2, HOMHOM over SNPs typed in both (dosages, -1 missing)."""
    both = (dosage_x >= 0) & (dosage_y >= 0)
    x, y = dosage_x[both], dosage_y[both]
    return (int(both.sum()), int(np.sum((x == 1) & (y == 1))), int(np.sum(np.abs(x - y) == 2)),
            int(np.sum(x == 1)), int(np.sum(y == 1)), int(np.sum((x == y) & (x != 1))))


def plink_bound_pair(z0, z1, z2):
    """PLINK 1.9's bounding of one pair's (Z0, Z1, Z2), one branch at a time."""
    if z0 > 1:
        return 1.0, 0.0, 0.0
    if z1 > 1:
        return 0.0, 1.0, 0.0
    if z2 > 1:
        return 0.0, 0.0, 1.0
    if z0 < 0:
        s = 1.0 / (z1 + z2)
        z0, z1, z2 = 0.0, z1 * s, z2 * s
    if z1 < 0:
        s = 1.0 / (z0 + z2)
        z0, z1, z2 = z0 * s, 0.0, z2 * s
    if z2 < 0:
        s = 1.0 / (z0 + z1)
        z0, z1, z2 = z0 * s, z1 * s, 0.0
    return z0, z1, z2
