"""Pairwise linkage disequilibrium between loci (``ld.tsv``).

Two measures:

* a genotypic association test for any pair of loci (multi-allelic STRs
  included, no phase needed): individuals typed at both loci form a genotype
  contingency table and the likelihood-ratio statistic
  ``G = 2 sum O ln(O / E)`` is compared with its distribution when the
  second locus's genotypes are permuted among those individuals (with
  populations, within populations only, and the statistic sums the
  per-population tables).  ``p = (1 + #{G_perm >= G_obs}) / (1 + n_perm)``;
* ``r2`` for pairs of biallelic loci: the squared Pearson correlation of
  allele dosages (0, 1, 2) over individuals typed at both, the genotype
  correlation PLINK 1.9 ``--r2`` reports for unphased data.

The work is done by ``genmon._ext.markers_ld``; see the numpy twins in
``tests/reference/markers.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._ext import markers_ld as _kernels
from ..model import GenotypeTable
from ._common import diploid_calls, group_labels

__all__ = ["LD_COLUMNS", "genotype_codes", "genotypic_ld", "snp_r2", "snp_r2_matrix", "linkage_disequilibrium",
           "within_group_permutations"]

LD_COLUMNS = ["locus_a", "locus_b", "n_typed", "df", "g_stat", "p_value", "n_perm", "r2", "reason"]

#: Permutation rows x samples held in memory at once.
_CHUNK_CELLS = 20_000_000


def genotype_codes(table: GenotypeTable) -> tuple[np.ndarray, np.ndarray]:
    """Diploid genotypes as small per-locus codes ``(samples, loci)`` int32 (-1 untyped) and code counts."""
    d = diploid_calls(table)
    n_s, n_l = d.a.shape
    codes = np.full((n_s, n_l), -1, dtype=np.int32)
    n_codes = np.zeros(n_l, dtype=np.int32)
    for j in range(n_l):
        k = max(int(d.n_alleles[j]), 1)
        typed = d.typed[:, j]
        raw = d.a[typed, j] * k + d.b[typed, j]
        uniq, inv = np.unique(raw, return_inverse=True)
        codes[typed, j] = inv
        n_codes[j] = max(len(uniq), 1)
    return codes, n_codes


def within_group_permutations(groups: np.ndarray, n_perm: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_perm, samples)`` permutations for samples sorted by group: each block shuffled in place."""
    n = len(groups)
    if n_perm == 0:
        return np.zeros((0, n), dtype=np.int32)
    bounds = np.flatnonzero(np.diff(groups)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [n]])
    keys = rng.random((n_perm, n))
    # Sorting random keys within each block shuffles it; the block offset keeps blocks in place.
    block = np.repeat(np.arange(len(starts)), ends - starts)
    return np.lexsort((keys, np.broadcast_to(block, keys.shape)), axis=1).astype(np.int32)


def genotypic_ld(
    codes: np.ndarray,
    n_codes: np.ndarray,
    pairs: np.ndarray,
    perms: np.ndarray,
    num_threads: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed ``sum O ln O``, permutation exceedance counts and typed counts per pair.

    Thin checked wrapper of the kernel (see :mod:`genmon.markers.ld`).
    """
    codes = np.ascontiguousarray(codes, dtype=np.int32)
    n_codes = np.ascontiguousarray(n_codes, dtype=np.int32)
    pairs = np.ascontiguousarray(pairs, dtype=np.int32).reshape(-1, 2)
    perms = np.ascontiguousarray(perms, dtype=np.int32)
    n_s, n_l = codes.shape
    if len(n_codes) != n_l:
        raise ValueError("n_codes must have one entry per locus")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n_l):
        raise ValueError("pair index outside the loci")
    if codes.size and (codes.min() < -1 or (codes >= n_codes[None, :]).any()):
        raise ValueError("genotype codes must lie in [-1, n_codes)")
    if perms.ndim != 2 or perms.shape[1] != n_s:
        raise ValueError(f"perms must be (n_perm, {n_s})")
    if perms.size and not (np.sort(perms, axis=1) == np.arange(n_s)).all():
        raise ValueError("each row of perms must be a permutation of the samples")
    xlogx = np.zeros(n_s + 1)
    xlogx[1:] = np.arange(1, n_s + 1) * np.log(np.arange(1, n_s + 1))
    stat = np.zeros(len(pairs))
    n_ge = np.zeros(len(pairs), dtype=np.int64)
    n_used = np.zeros(len(pairs), dtype=np.int64)
    step = max(1, _CHUNK_CELLS // max(n_s, 1))
    if len(perms) == 0:
        _kernels._genotypic_ld(codes, n_codes, pairs, perms, xlogx, stat, n_ge, n_used, 1e-9, num_threads)
    for start in range(0, len(perms), step):
        _kernels._genotypic_ld(codes, n_codes, pairs, perms[start:start + step], xlogx, stat, n_ge, n_used,
                               1e-9, num_threads)
    return stat, n_ge, n_used


def snp_r2(dosage: np.ndarray, pairs: np.ndarray, num_threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``r2`` of allele dosages (``(samples, snps)`` int8, -1 missing) for each pair, and the typed counts.

    Examples
    --------
    >>> x = np.array([[0, 0], [1, 1], [2, 2], [-1, 0]], dtype=np.int8)
    >>> snp_r2(x, np.array([[0, 1]]))[0].tolist()
    [1.0]
    """
    dosage = np.ascontiguousarray(dosage, dtype=np.int8)
    pairs = np.ascontiguousarray(pairs, dtype=np.int32).reshape(-1, 2)
    if dosage.ndim != 2:
        raise ValueError("dosage must be (samples, snps)")
    if dosage.size and (dosage.min() < -1 or dosage.max() > 2):
        raise ValueError("dosages must be 0, 1, 2 or -1 for missing")
    if pairs.size and (pairs.min() < 0 or pairs.max() >= dosage.shape[1]):
        raise ValueError("pair index outside the SNPs")
    r2 = np.zeros(len(pairs))
    n_used = np.zeros(len(pairs), dtype=np.int64)
    _kernels._r2_pairs(dosage, pairs, r2, n_used, num_threads)
    return r2, n_used


def snp_r2_matrix(dosage: np.ndarray, block: int = 1024) -> np.ndarray:
    """``(snps, snps)`` r2 of allele dosages for every pair at once, by matrix products.

    Same definition as :func:`snp_r2` (samples typed at both SNPs; NaN without
    variance; diagonal included).  The pairwise sums ``n``, ``sum x``,
    ``sum x^2`` and ``sum xy`` over samples typed at both SNPs are products of
    whole-sample sums corrected by sparse products with the missing-call
    mask, and ``sum xy = X'X`` of the zero-filled dosages in float32 BLAS:
    every partial sum is a whole number below ``2**24`` for fewer than 4
    million samples, so all sums are exact.

    Examples
    --------
    By hand: SNPs 2 and 3 are typed in all four samples, x = (0, 1, 2, 0),
    y = (1, 1, 0, 2): centred cross-product -2, squares 2.75 and 2, so
    r2 = 4 / 5.5 = 0.7273; SNP 1 is missing in sample 4, and over the first
    three samples r2(1, 3) = 1 / (2 * 2/3) = 0.75.

    >>> x = np.array([[0, 0, 1], [1, 1, 1], [2, 2, 0], [-1, 0, 2]], dtype=np.int8)
    >>> snp_r2_matrix(x).round(4).tolist()
    [[1.0, 1.0, 0.75], [1.0, 1.0, 0.7273], [0.75, 0.7273, 1.0]]
    """
    dosage = np.asarray(dosage)
    if dosage.ndim != 2:
        raise ValueError("dosage must be (samples, snps)")
    if dosage.size and (dosage.min() < -1 or dosage.max() > 2):
        raise ValueError("dosages must be 0, 1, 2 or -1 for missing")
    if dosage.shape[0] >= 4_000_000:
        raise ValueError("snp_r2_matrix needs fewer than 4 million samples (exact float32 sums)")
    from scipy import sparse

    n_samples, m = dosage.shape
    missing = dosage < 0
    x = np.where(missing, 0, dosage).astype(np.float32)
    x2 = x * x
    # Sums over samples typed at both SNPs = sums over all samples minus the
    # (few) missing ones: only sum xy needs a dense product.
    u_t = sparse.csr_matrix(missing.T.astype(np.float64))  # (snps, samples), missing calls
    n_miss = missing.sum(0).astype(np.float64)
    s_x = x.sum(0, dtype=np.float64)
    s_x2 = x2.sum(0, dtype=np.float64)
    out = np.empty((m, m))
    for start in range(0, m, block):
        # upper block-triangle only (rows of this block, columns from the block on), mirrored below
        rows, cols = slice(start, min(start + block, m)), slice(start, m)
        ur, uc = u_t[rows], u_t[cols]
        both_missing = (ur @ uc.T).toarray()
        n = n_samples - n_miss[rows, None] - n_miss[None, cols] + both_missing
        sx = s_x[rows, None] - (uc @ x[:, rows].astype(np.float64)).T  # sum of x_j where j and l typed
        sy = s_x[None, cols] - ur @ x[:, cols].astype(np.float64)  # sum of x_l over the same samples
        sxx = s_x2[rows, None] - (uc @ x2[:, rows].astype(np.float64)).T
        syy = s_x2[None, cols] - ur @ x2[:, cols].astype(np.float64)
        sxy = (x[:, rows].T @ x[:, cols]).astype(np.float64)
        cov = n * sxy - sx * sy
        vx = n * sxx - sx * sx
        vy = n * syy - sy * sy
        with np.errstate(divide="ignore", invalid="ignore"):
            val = np.where((vx > 0) & (vy > 0), cov * cov / (vx * vy), np.nan)
        out[rows, cols] = val
        out[cols, rows] = val.T
    return out


def _g_and_df(codes_a: np.ndarray, codes_b: np.ndarray, groups: np.ndarray, stat: float) -> tuple[float, int]:
    ok = (codes_a >= 0) & (codes_b >= 0)
    a, b, g = codes_a[ok], codes_b[ok], groups[ok]

    def slns(x):
        _, c = np.unique(x, return_counts=True, axis=0)
        return float((c * np.log(c)).sum()), len(c)

    g_stat = 0.0
    df = 0
    rows_s, _ = slns(np.stack([g, a], 1)) if a.size else (0.0, 0)
    cols_s, _ = slns(np.stack([g, b], 1)) if a.size else (0.0, 0)
    tot_s, _ = slns(g[:, None]) if a.size else (0.0, 0)
    g_stat = 2.0 * (stat - rows_s - cols_s + tot_s)
    for grp in np.unique(g):
        sel = g == grp
        df += (len(np.unique(a[sel])) - 1) * (len(np.unique(b[sel])) - 1)
    return max(g_stat, 0.0), df


def linkage_disequilibrium(
    table: GenotypeTable,
    by: str | None = None,
    *,
    n_perm: int = 1000,
    seed: int | np.random.Generator | None = None,
    max_genotypic_loci: int = 500,
    num_threads: int = 1,
) -> pd.DataFrame:
    """Genotypic LD test for every pair of loci, and ``r2`` for pairs of biallelic loci.

    Parameters
    ----------
    table
        Diploid genotypes.
    by
        Sample column of populations (``"pop"`` = ``population``): permute
        within populations and sum their tables.  ``None`` pools everyone.
    n_perm
        Permutations (0 skips the test; ``p_value`` is then NaN).
    max_genotypic_loci
        Above this many loci (large SNP panels) only ``r2`` is computed and
        the reason says so.
    seed
        Seed or Generator for the permutations.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LD_COLUMNS`, one row per pair ``locus_a < locus_b`` in
        table order.  ``r2`` is NaN for pairs that are not both biallelic
        (two alleles in the allele table) or without variance.

    Examples
    --------
    Two perfectly associated biallelic loci in six individuals:

    >>> t = GenotypeTable.from_alleles(
    ...     [[[1, 1], [5, 5]], [[1, 2], [5, 6]], [[2, 2], [6, 6]]] * 2, ["A", "B"])
    >>> r = linkage_disequilibrium(t, n_perm=200, seed=1)
    >>> int(r.loc[0, "n_typed"]), int(r.loc[0, "df"]), float(r.loc[0, "r2"])
    (6, 4, 1.0)

    References
    ----------
    Weir BS (1996) Genetic Data Analysis II, ch. 3.  Raymond M, Rousset F
    (1995) J Hered 86:248-249 (genotypic disequilibrium tests in Genepop).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    groups, _ = group_labels(table, by)
    order = np.argsort(groups, kind="stable")
    table = table.subset(samples=order)
    groups = groups[order]
    codes, n_codes = genotype_codes(table)
    n_l = table.n_loci
    ia, ib = np.triu_indices(n_l, 1)
    names = np.array([locus.name for locus in table.loci], dtype=object)
    typed = (codes >= 0).astype(np.float32)
    n_both = (typed.T @ typed)[ia, ib].astype(np.int64)  # exact: counts below 2**24
    # r2 for every pair of biallelic loci at once
    biallelic = np.nonzero([locus.n_alleles == 2 for locus in table.loci])[0]
    r2 = np.full(len(ia), np.nan)
    if len(biallelic) >= 2:
        where = np.full(n_l, -1)
        where[biallelic] = np.arange(len(biallelic))
        full = snp_r2_matrix(_dosage(table.subset(loci=biallelic)))
        both = (where[ia] >= 0) & (where[ib] >= 0)
        r2[both] = full[where[ia[both]], where[ib[both]]]
    g_stat = np.full(len(ia), np.nan)
    df = np.zeros(len(ia), dtype=np.int64)
    p_value = np.full(len(ia), np.nan)
    reasons = np.full(len(ia), "", dtype=object)
    if n_l > max_genotypic_loci:
        reasons[:] = f"genotypic test skipped: {n_l} loci (more than max_genotypic_loci={max_genotypic_loci})"
        n_perm_used = 0
    else:
        n_perm_used = n_perm
        # Locus a's code carries the population, so that tables are per population.
        n_groups = int(groups.max(initial=0)) + 1
        perms = within_group_permutations(groups, n_perm, rng)
        aug = np.where(codes >= 0, groups[:, None] * n_codes[None, :] + codes, -1).astype(np.int32)
        all_codes = np.concatenate([codes, aug], axis=1)
        all_n = np.concatenate([n_codes, n_groups * n_codes]).astype(np.int32)
        stat_all, n_ge, _ = genotypic_ld(all_codes, all_n, np.stack([ia + n_l, ib], 1), perms, num_threads)
        for p_idx, (ja, jb) in enumerate(zip(ia, ib, strict=True)):
            g_stat[p_idx], df[p_idx] = _g_and_df(codes[:, ja], codes[:, jb], groups, stat_all[p_idx])
            if n_both[p_idx] == 0:
                reasons[p_idx] = "no individual typed at both loci"
            elif df[p_idx] == 0:
                reasons[p_idx] = "a locus is monomorphic among the individuals typed at both"
            elif n_perm > 0:
                p_value[p_idx] = (1.0 + n_ge[p_idx]) / (1.0 + n_perm)
    return pd.DataFrame({"locus_a": names[ia], "locus_b": names[ib], "n_typed": n_both, "df": df,
                         "g_stat": g_stat, "p_value": p_value, "n_perm": np.full(len(ia), n_perm_used),
                         "r2": r2, "reason": reasons}, columns=LD_COLUMNS)


def _dosage(table: GenotypeTable) -> np.ndarray:
    """Count of allele index 1 per call (int8; -1 untyped); meaningful for biallelic loci."""
    d = diploid_calls(table)
    dos = ((d.a == 1).astype(np.int8) + (d.b == 1).astype(np.int8))
    return np.where(d.typed, dos, -1).astype(np.int8)
