"""Candidate pairs within a mismatch threshold without an n x n matrix.

Exact-block index (the pigeonhole principle): every column (allele slot, or
locus for the unordered convention) that is not identical in two samples
adds at least half a mismatch, so a pair with at most ``m`` mismatches has at
most ``2m`` non-identical columns.  Split the columns into ``B = floor(2m) + 1``
blocks: at least one block is identical in the two samples.  Joining samples
on the exact content of each block (missing included) therefore finds every
pair within the threshold; the candidates are then scored exactly by the
mismatch kernel and those above the threshold dropped.  Memory grows with the
number of candidate pairs, not with n².

The complete-case convention is not indexable this way (a missing column
scores nothing, so a close pair may share no identical block).

References
----------
Manber U, Wu S (1994) An algorithm for approximate membership checking with
application to password security. Inf Process Lett 50:191-197 (the pigeonhole
filter for approximate matching).
"""

from __future__ import annotations

import numpy as np

from . import mismatch as _mm

__all__ = ["block_columns", "candidate_pairs", "pairs_within_indexed"]


def _canonical(calls: np.ndarray) -> np.ndarray:
    # For the unordered convention: each locus with its alleles sorted,
    # missing last, so that identical multisets give identical columns.
    srt = np.sort(np.where(calls < 0, np.iinfo(np.int16).max, calls), axis=2)
    srt[srt == np.iinfo(np.int16).max] = -1
    return srt.reshape(calls.shape[0], calls.shape[1] * calls.shape[2])


def block_columns(n_units: int, max_mismatch: float) -> list[np.ndarray]:
    """Split ``n_units`` columns into ``floor(2 * max_mismatch) + 1`` contiguous blocks.

    Returns an empty list when there are fewer columns than blocks (no block
    can be guaranteed identical; use brute force).

    Examples
    --------
    >>> [b.tolist() for b in block_columns(7, 1)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    n_blocks = int(np.floor(2 * max_mismatch + 1e-9)) + 1
    if n_blocks > n_units:
        return []
    return [b for b in np.array_split(np.arange(n_units), n_blocks)]


def _group_ids(keys: np.ndarray) -> np.ndarray:
    """Row-wise exact grouping of a 2-D int16 array: equal rows get equal ids.

    The columns are packed into one int64 per row (mixed radix over each
    column's range); when the next column would overflow the packed value is
    first replaced by its rank among the distinct values, which keeps it
    exact.  Ids are only compared for equality, never ordered.
    """
    n, width = keys.shape
    if width == 0:
        return np.zeros(n, np.int64)
    limit = np.int64(1) << np.int64(62)
    packed = np.zeros(n, np.int64)
    span = 1  # packed values lie in [0, span)
    for c in range(width):
        col = keys[:, c].astype(np.int64) + 1  # missing (-1) becomes 0
        radix = int(col.max()) + 1 if n else 1
        if span * radix >= limit:
            packed = np.unique(packed, return_inverse=True)[1].ravel().astype(np.int64)
            span = int(packed.max()) + 1 if n else 1
        packed = packed * radix + col
        span *= radix
    return packed


def _ranges(counts: np.ndarray) -> np.ndarray:
    # concatenate(arange(c) for c in counts), vectorised
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _pairs_in_groups(ga: np.ndarray, gb: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with ``ga[i] == gb[j]`` (``i < j`` when ``gb`` is None), vectorised."""
    oa = np.argsort(ga, kind="stable")
    sa = ga[oa]
    if gb is None:
        # element at position r of a group of size s pairs with positions r+1..s-1
        starts = np.searchsorted(sa, sa, "left")
        ends = np.searchsorted(sa, sa, "right")
        pos = np.arange(len(sa))
        counts = (ends - pos - 1).astype(np.int64)
        i = np.repeat(oa, counts)
        j = oa[np.repeat(pos + 1, counts) + _ranges(counts)]
        del starts
        return np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    ob = np.argsort(gb, kind="stable")
    sb = gb[ob]
    lo = np.searchsorted(sb, sa, "left")
    hi = np.searchsorted(sb, sa, "right")
    counts = (hi - lo).astype(np.int64)
    i = np.repeat(oa, counts)
    j = ob[np.repeat(lo, counts) + _ranges(counts)]
    return i.astype(np.int64), j.astype(np.int64)


def candidate_pairs(
    a: np.ndarray, b: np.ndarray | None, max_mismatch: float, convention: str = "allelematch"
) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs sharing at least one identical block (a superset of the pairs within
    ``max_mismatch``), deduplicated; ``None`` when the data have too few columns
    for the number of blocks."""
    conv = _mm._convention(convention)
    if conv.complete_case:
        raise ValueError("the block index cannot be used with the complete-case convention")
    ca = _mm.as_calls(a, "a")
    cb = None if b is None else _mm.as_calls(b, "b")
    if conv.positional:
        flat = ca.shape[1] * ca.shape[2]
        cols_a = ca.reshape(ca.shape[0], flat)
        cols_b = None if cb is None else cb.reshape(cb.shape[0], flat)
        width = 1
    else:
        cols_a, width = _canonical(ca), ca.shape[2]
        cols_b = None if cb is None else _canonical(cb)
    n_units = cols_a.shape[1] // width
    blocks = block_columns(n_units, max_mismatch)
    if not blocks:
        return None
    n_b = ca.shape[0] if cb is None else cb.shape[0]
    keys = []
    for blk in blocks:
        cols = (blk[:, None] * width + np.arange(width)).ravel()
        if cols_b is None:
            ga = _group_ids(cols_a[:, cols])
            gb = None
        else:
            both = _group_ids(np.concatenate([cols_a[:, cols], cols_b[:, cols]]))
            ga, gb = both[: len(cols_a)], both[len(cols_a) :]
        i, j = _pairs_in_groups(ga, gb)
        keys.append(i * n_b + j)
    key = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return key // n_b, key % n_b


def pairs_within_indexed(
    a: np.ndarray,
    b: np.ndarray | None = None,
    *,
    max_mismatch: float,
    convention: str = "allelematch",
    num_threads: int = 1,
) -> _mm.MismatchPairs:
    """Every pair with at most ``max_mismatch`` mismatches, found through the block index.

    Gives exactly the pairs of :func:`genmon.identify.mismatch.pairs_within`
    (same order: by ``i`` then ``j``); falls back to it when there are too few
    columns to index.

    Examples
    --------
    >>> calls = np.array([[[0, 1], [2, 2], [1, 3]], [[0, 1], [2, 2], [1, 1]], [[3, 3], [0, 0], [0, 0]]],
    ...                  dtype=np.int16)
    >>> p = pairs_within_indexed(calls, max_mismatch=1)
    >>> list(zip(p.i.tolist(), p.j.tolist(), p.mismatches.tolist()))
    [(0, 1, 1.0)]
    """
    found = candidate_pairs(a, b, max_mismatch, convention)
    if found is None:
        return _mm.pairs_within(
            a, b, max_mismatch=max_mismatch, convention=convention, num_threads=num_threads
        )
    i, j = found
    scored = _mm.mismatch_pairs(
        a, b, i, j, convention=convention, max_mismatch=max_mismatch, num_threads=num_threads
    )
    keep = scored.units <= _mm._max_units(max_mismatch)
    return _mm.MismatchPairs(i[keep], j[keep], scored.units[keep], scored.n_compared[keep])
