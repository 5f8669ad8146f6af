"""Per-locus allele counts and genotype tallies (the first kernel).

These are the building blocks of allele frequencies, observed heterozygosity
and call rates.  The work is done by ``genmon._ext.tally``; this module checks
inputs and allocates outputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._ext import tally as _tally
from .model import GenotypeTable

__all__ = ["count_alleles", "genotype_tallies", "allele_frequencies"]


def _calls(table_or_calls: GenotypeTable | np.ndarray) -> tuple[np.ndarray, int]:
    if isinstance(table_or_calls, GenotypeTable):
        calls = table_or_calls.call_genotype
        width = max((locus.n_alleles for locus in table_or_calls.loci), default=0)
    else:
        calls = np.asarray(table_or_calls)
        if calls.ndim != 3:
            raise ValueError(f"calls must be (samples, loci, ploidy), got shape {calls.shape}")
        if calls.dtype != np.int16:
            if calls.size and (calls.min() < -1 or calls.max() > np.iinfo(np.int16).max):
                raise ValueError("allele indices must lie in [-1, 32767]")
            calls = calls.astype(np.int16)
        width = int(calls.max(initial=-1)) + 1
    return np.ascontiguousarray(calls), width


def count_alleles(
    table_or_calls: GenotypeTable | np.ndarray, n_alleles: int | None = None, num_threads: int = 1
) -> np.ndarray:
    """Gene-copy count of each allele at each locus.

    Parameters
    ----------
    table_or_calls
        A :class:`GenotypeTable` or a ``(samples, loci, ploidy)`` array of allele
        indices with ``-1`` for missing.
    n_alleles
        Width of the result; defaults to the largest allele table (or the
        largest index + 1 for a bare array).
    num_threads
        Threads for the kernel (results do not depend on it).

    Returns
    -------
    numpy.ndarray
        ``(loci, n_alleles)`` int64 counts; missing alleles are not counted.

    Examples
    --------
    >>> calls = np.array([[[0, 1]], [[1, 1]], [[-1, -1]]], dtype=np.int16)
    >>> count_alleles(calls).tolist()
    [[1, 3]]
    """
    calls, width = _calls(table_or_calls)
    if n_alleles is None:
        n_alleles = width
    elif n_alleles < width:
        raise ValueError(f"n_alleles={n_alleles} is smaller than the allele tables ({width})")
    out = np.zeros((calls.shape[1], n_alleles), dtype=np.int64)
    _tally._count_alleles(calls, out, num_threads)
    return out


def genotype_tallies(
    table_or_calls: GenotypeTable | np.ndarray, num_threads: int = 1
) -> pd.DataFrame:
    """Per-locus counts of complete, partial, missing and heterozygous calls.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_complete``, ``n_partial``, ``n_missing``, ``n_het`` (int64),
        one row per locus (indexed by locus name for tables).

    Examples
    --------
    >>> calls = np.array([[[0, 1]], [[1, 1]], [[0, -1]], [[-1, -1]]], dtype=np.int16)
    >>> genotype_tallies(calls).iloc[0].tolist()
    [2, 1, 1, 1]
    """
    calls, _ = _calls(table_or_calls)
    out = np.zeros((calls.shape[1], 4), dtype=np.int64)
    if calls.shape[2]:
        _tally._genotype_tallies(calls, out, num_threads)
    else:
        out[:, 2] = calls.shape[0]
    index = table_or_calls.locus_id if isinstance(table_or_calls, GenotypeTable) else None
    return pd.DataFrame(out, columns=["n_complete", "n_partial", "n_missing", "n_het"], index=index)


def allele_frequencies(table: GenotypeTable, num_threads: int = 1) -> list[np.ndarray]:
    """Allele frequencies per locus (length = the locus's allele table).

    Loci with no typed allele give an all-NaN vector.
    """
    counts = count_alleles(table, num_threads=num_threads)
    freqs = []
    for j, locus in enumerate(table.loci):
        c = counts[j, : locus.n_alleles].astype(np.float64)
        total = c.sum()
        freqs.append(c / total if total > 0 else np.full(locus.n_alleles, np.nan))
    return freqs
