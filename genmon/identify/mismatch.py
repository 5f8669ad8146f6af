"""Pairwise allele mismatches between multilocus genotypes.

The counting is done by the ``genmon._ext.mismatch`` kernel; this module
checks inputs, allocates outputs and converts units.  Scores are kept as
integers in *half-allele units* (``units``), so a missing allele can count
half a mismatch exactly and results never depend on the thread count;
``units / 2`` is the number of allele mismatches.

Conventions (:data:`CONVENTIONS`):

``"allelematch"``
    allelematch's dissimilarity (Galpern et al. 2012; ``amMatrix`` and
    ``amPairwise`` in allelematch 3.0.0): allele *columns* are compared in
    position; a typed pair that differs is one mismatch, a column missing in
    exactly one sample half a mismatch, a column missing in both none.
``"unordered"``
    the same weights, but the typed alleles of a locus are matched as
    multisets, so allele order within a call does not matter.
``"complete"``
    complete-case: only loci typed completely in both samples are compared;
    each unshared allele is one mismatch, missing data count nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._ext import mismatch as _kernel
from ..model import GenotypeTable

__all__ = [
    "CONVENTIONS",
    "Convention",
    "PairwiseMismatch",
    "MismatchPairs",
    "count_mismatches",
    "mismatch_pairs",
    "pairs_within",
    "as_calls",
    "common_calls",
]

UNITS_PER_MISMATCH = 2
_MAX_PLOIDY = 64
_MAX_LOCI = 32767


@dataclass(frozen=True)
class Convention:
    """Weights (in half-allele units) of the mismatch score; see module docs."""

    name: str
    positional: bool
    complete_case: bool
    w_diff: int = 2
    w_one: int = 1
    w_both: int = 0


#: The missing-data conventions understood by :func:`count_mismatches`.
CONVENTIONS: dict[str, Convention] = {
    "allelematch": Convention("allelematch", positional=True, complete_case=False),
    "unordered": Convention("unordered", positional=False, complete_case=False),
    "complete": Convention("complete", positional=False, complete_case=True, w_one=0, w_both=0),
}


@dataclass
class PairwiseMismatch:
    """Mismatch scores of pairs of samples.

    ``units`` are half-allele units (``mismatches = units / 2``); ``n_compared``
    the loci compared per pair.  For one set of samples both are condensed
    vectors in :func:`scipy.spatial.distance.pdist` order; for two sets they are
    ``(n_a, n_b)`` matrices.  When ``max_mismatch`` was given, a score above it
    only means "more than ``max_mismatch``" (counting stopped early).
    """

    units: np.ndarray
    n_compared: np.ndarray
    convention: str
    max_mismatch: float | None = None

    @property
    def mismatches(self) -> np.ndarray:
        return self.units / UNITS_PER_MISMATCH


@dataclass
class MismatchPairs:
    """Sparse list of pairs ``(i, j)`` with their scores (half-allele units)."""

    i: np.ndarray
    j: np.ndarray
    units: np.ndarray
    n_compared: np.ndarray

    @property
    def mismatches(self) -> np.ndarray:
        return self.units / UNITS_PER_MISMATCH

    def __len__(self) -> int:
        return len(self.i)


def as_calls(table_or_calls: GenotypeTable | np.ndarray, name: str = "calls") -> np.ndarray:
    """Checked C-contiguous int16 ``(samples, loci, ploidy)`` allele indices."""
    calls = (
        table_or_calls.call_genotype
        if isinstance(table_or_calls, GenotypeTable)
        else np.asarray(table_or_calls)
    )
    if calls.ndim != 3:
        raise ValueError(f"{name} must be (samples, loci, ploidy), got shape {calls.shape}")
    if not np.issubdtype(calls.dtype, np.integer):
        raise ValueError(f"{name} must hold integer allele indices, got {calls.dtype}")
    if calls.dtype != np.int16:
        if calls.size and (calls.min() < -1 or calls.max() > np.iinfo(np.int16).max):
            raise ValueError(f"{name}: allele indices must lie in [-1, 32767]")
        calls = calls.astype(np.int16)
    if calls.shape[2] > _MAX_PLOIDY:
        raise ValueError(f"{name}: ploidy {calls.shape[2]} is above the supported {_MAX_PLOIDY}")
    if calls.shape[1] > _MAX_LOCI:
        raise ValueError(f"{name}: {calls.shape[1]} loci is above the supported {_MAX_LOCI}")
    return np.ascontiguousarray(calls)


def common_calls(a: GenotypeTable, b: GenotypeTable) -> tuple[np.ndarray, np.ndarray]:
    """Allele indices of two tables recoded into shared allele tables.

    Index ``k`` means the same allele in both outputs.  The tables must have the
    same loci in the same order.
    """
    if a.locus_id != b.locus_id:
        raise ValueError(f"the tables have different loci: {a.locus_id} vs {b.locus_id}")
    if a.ploidy != b.ploidy:
        raise ValueError(f"the tables have different ploidy: {a.ploidy} vs {b.ploidy}")
    ca = a.call_genotype.copy()
    cb = b.call_genotype.copy()
    for j, (la, lb) in enumerate(zip(a.loci, b.loci, strict=True)):
        if la.alleles == lb.alleles:
            continue
        union = {al: k for k, al in enumerate(dict.fromkeys(la.alleles + lb.alleles))}
        map_a = np.array([union[al] for al in la.alleles] + [-1], dtype=np.int16)
        map_b = np.array([union[al] for al in lb.alleles] + [-1], dtype=np.int16)
        ca[:, j] = map_a[a.call_genotype[:, j]]  # index -1 picks the trailing -1
        cb[:, j] = map_b[b.call_genotype[:, j]]
    return ca, cb


def _convention(convention: str | Convention) -> Convention:
    if isinstance(convention, Convention):
        return convention
    try:
        return CONVENTIONS[convention]
    except KeyError:
        raise ValueError(
            f"unknown mismatch convention {convention!r}; use one of {sorted(CONVENTIONS)}"
        ) from None


def _max_units(max_mismatch: float | None) -> int:
    if max_mismatch is None:
        return -1
    if max_mismatch < 0 or not np.isfinite(max_mismatch):
        raise ValueError(f"max_mismatch must be a finite number >= 0, got {max_mismatch}")
    # Largest whole number of half units not above max_mismatch.
    return int(np.floor(max_mismatch * UNITS_PER_MISMATCH + 1e-9))


def _args(conv: Convention, max_units: int) -> tuple[int, ...]:
    return (
        int(conv.positional),
        int(conv.complete_case),
        conv.w_diff,
        conv.w_one,
        conv.w_both,
        max_units,
    )


def _typed_masks(calls: np.ndarray) -> np.ndarray:
    """``(samples, loci)`` uint8: 1 where the locus has at least one typed allele."""
    return np.ascontiguousarray((calls >= 0).any(axis=2), dtype=np.uint8)


def _fast(conv: Convention, worst: int) -> bool:
    # The column-wise kernel handles the positional, non-complete-case scores
    # (its 16-bit accumulator needs worst-case scores below 32768).
    return conv.positional and not conv.complete_case and worst <= np.iinfo(np.int16).max


def _pair_dims(ca: np.ndarray, cb: np.ndarray) -> None:
    if ca.shape[1:] != cb.shape[1:]:
        raise ValueError(
            f"the two call arrays have different (loci, ploidy): {ca.shape[1:]} vs {cb.shape[1:]}"
        )


def count_mismatches(
    a: GenotypeTable | np.ndarray,
    b: GenotypeTable | np.ndarray | None = None,
    *,
    convention: str | Convention = "allelematch",
    max_mismatch: float | None = None,
    num_threads: int = 1,
) -> PairwiseMismatch:
    """Allele mismatches between all pairs of samples (dense).

    Parameters
    ----------
    a
        Genotypes ``(samples, loci, ploidy)``: a :class:`GenotypeTable` or an
        int16 array of allele indices, ``-1`` missing.
    b
        Optional second set (e.g. a catalogue); then every sample of ``a`` is
        compared with every sample of ``b``.  Two tables are recoded to shared
        allele tables first.
    convention
        Missing-data convention, a key of :data:`CONVENTIONS`.
    max_mismatch
        Stop counting a pair once it has more mismatches than this.
    num_threads
        Threads for the kernel; results do not depend on it.

    Returns
    -------
    PairwiseMismatch
        Condensed vectors (one set) or ``(n_a, n_b)`` matrices (two sets).

    References
    ----------
    Galpern P, Manseau M, Hettinga P, Smith K, Wilson P (2012) allelematch: an R
    package for identifying unique multilocus genotypes where genotyping error
    and missing data may be present. Mol Ecol Resour 12:771-778.

    Examples
    --------
    Two samples at two diploid loci; the second misses one allele at locus 2
    (half a mismatch) and differs at one allele of locus 1 (one mismatch):

    >>> calls = np.array([[[0, 1], [0, 2]], [[0, 2], [0, -1]]], dtype=np.int16)
    >>> r = count_mismatches(calls)
    >>> r.mismatches.tolist(), r.n_compared.tolist()
    ([1.5], [2])
    >>> count_mismatches(calls, convention="complete").mismatches.tolist()
    [1.0]
    """
    conv = _convention(convention)
    max_units = _max_units(max_mismatch)
    if isinstance(a, GenotypeTable) and isinstance(b, GenotypeTable):
        ca, cb = common_calls(a, b)
        ca, cb = as_calls(ca, "a"), as_calls(cb, "b")
    else:
        ca = as_calls(a, "a")
        cb = None if b is None else as_calls(b, "b")
    n_loci, ploidy = ca.shape[1], ca.shape[2]
    worst = n_loci * ploidy * max(conv.w_diff, conv.w_one, conv.w_both)
    if cb is None:
        n = ca.shape[0]
        n_pairs = n * (n - 1) // 2
        dtype = np.int16 if worst <= np.iinfo(np.int16).max else np.int32
        units = np.zeros(n_pairs, dtype=dtype)
        compared = np.zeros(n_pairs, dtype=np.int16)
        if n_pairs and _fast(conv, worst):
            _kernel._pairwise_condensed_fast(
                ca.reshape(n, n_loci * ploidy),
                _typed_masks(ca),
                units,
                compared,
                conv.w_diff,
                conv.w_one,
                conv.w_both,
                num_threads,
            )
        elif n_pairs:
            _kernel._pairwise_condensed(ca, units, compared, *_args(conv, max_units), num_threads)
    else:
        _pair_dims(ca, cb)
        units = np.zeros((ca.shape[0], cb.shape[0]), dtype=np.int32)
        compared = np.zeros((ca.shape[0], cb.shape[0]), dtype=np.int16)
        if units.size and _fast(conv, worst):
            _kernel._cross_fast(
                ca.reshape(len(ca), n_loci * ploidy),
                _typed_masks(ca),
                cb.reshape(len(cb), n_loci * ploidy),
                _typed_masks(cb),
                units,
                compared,
                conv.w_diff,
                conv.w_one,
                conv.w_both,
                num_threads,
            )
        elif units.size:
            _kernel._cross(ca, cb, units, compared, *_args(conv, max_units), num_threads)
    return PairwiseMismatch(units, compared, conv.name, max_mismatch)


def mismatch_pairs(
    a: np.ndarray,
    b: np.ndarray | None,
    i: np.ndarray,
    j: np.ndarray,
    *,
    convention: str | Convention = "allelematch",
    max_mismatch: float | None = None,
    num_threads: int = 1,
) -> MismatchPairs:
    """Scores of the listed pairs ``(a[i[p]], b[j[p]])`` (``b`` defaults to ``a``).

    Examples
    --------
    >>> calls = np.array([[[0, 1]], [[0, 1]], [[1, 1]]], dtype=np.int16)
    >>> mismatch_pairs(calls, None, [0, 1], [2, 0]).mismatches.tolist()
    [1.0, 0.0]
    """
    conv = _convention(convention)
    ca = as_calls(a, "a")
    cb = ca if b is None else as_calls(b, "b")
    _pair_dims(ca, cb)
    ia = np.ascontiguousarray(i, dtype=np.int64)
    ib = np.ascontiguousarray(j, dtype=np.int64)
    if ia.shape != ib.shape or ia.ndim != 1:
        raise ValueError("pair index arrays must be 1-D and of equal length")
    if ia.size and (
        ia.min() < 0 or ia.max() >= ca.shape[0] or ib.min() < 0 or ib.max() >= cb.shape[0]
    ):
        raise ValueError("pair indices out of range")
    units = np.zeros(ia.size, dtype=np.int32)
    compared = np.zeros(ia.size, dtype=np.int16)
    if ia.size:
        _kernel._pair_list(
            ca, cb, ia, ib, units, compared, *_args(conv, _max_units(max_mismatch)), num_threads
        )
    return MismatchPairs(ia, ib, units, compared)


def pairs_within(
    a: GenotypeTable | np.ndarray,
    b: GenotypeTable | np.ndarray | None = None,
    *,
    max_mismatch: float,
    convention: str | Convention = "allelematch",
    num_threads: int = 1,
) -> MismatchPairs:
    """All pairs with at most ``max_mismatch`` allele mismatches, without a dense matrix.

    Brute force over all pairs with early exit (two passes: count, then fill),
    memory proportional to the number of pairs found.  With one set, pairs have
    ``i < j``.  See :func:`genmon.identify.index.candidate_pairs` for the indexed
    search used on large inputs.

    Examples
    --------
    >>> calls = np.array([[[0, 1]], [[0, 1]], [[1, 1]], [[0, -1]]], dtype=np.int16)
    >>> p = pairs_within(calls, max_mismatch=0.5)
    >>> list(zip(p.i.tolist(), p.j.tolist(), p.mismatches.tolist()))
    [(0, 1, 0.0), (0, 3, 0.5), (1, 3, 0.5)]
    """
    conv = _convention(convention)
    max_units = _max_units(max_mismatch)
    if isinstance(a, GenotypeTable) and isinstance(b, GenotypeTable):
        ca, cb = (as_calls(x) for x in common_calls(a, b))
        same = 0
    else:
        ca = as_calls(a, "a")
        same = int(b is None)
        cb = ca if b is None else as_calls(b, "b")
    _pair_dims(ca, cb)
    counts = np.zeros(ca.shape[0], dtype=np.int64)
    args = _args(conv, max_units)
    if ca.shape[0] and cb.shape[0]:
        _kernel._count_within(ca, cb, counts, same, *args, num_threads)
    offsets = np.zeros(ca.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    out_j = np.zeros(total, dtype=np.int64)
    units = np.zeros(total, dtype=np.int32)
    compared = np.zeros(total, dtype=np.int16)
    if total:
        _kernel._fill_within(ca, cb, offsets, out_j, units, compared, same, *args, num_threads)
    out_i = np.repeat(np.arange(ca.shape[0], dtype=np.int64), counts)
    return MismatchPairs(out_i, out_j, units, compared)
