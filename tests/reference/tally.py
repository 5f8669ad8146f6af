"""Slow, obvious twins of the tally kernels, written from the definitions."""

import numpy as np


def count_alleles(calls: np.ndarray, n_alleles: int) -> np.ndarray:
    n_loci = calls.shape[1]
    out = np.zeros((n_loci, n_alleles), dtype=np.int64)
    for j in range(n_loci):
        for a in calls[:, j, :].ravel():
            if a >= 0:
                out[j, a] += 1
    return out


def genotype_tallies(calls: np.ndarray) -> np.ndarray:
    n_samples, n_loci, ploidy = calls.shape
    out = np.zeros((n_loci, 4), dtype=np.int64)
    for j in range(n_loci):
        for i in range(n_samples):
            g = [int(a) for a in calls[i, j]]
            present = [a for a in g if a >= 0]
            if len(present) == ploidy:
                out[j, 0] += 1
                out[j, 3] += len(set(present)) > 1
            elif not present:
                out[j, 2] += 1
            else:
                out[j, 1] += 1
    return out
