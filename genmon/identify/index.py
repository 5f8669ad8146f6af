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

With many non-identical columns allowed (``K = floor(2m)`` large against the
number of columns) exact blocks become short and unselective.  The general
form of the same principle: with ``B`` blocks, some block has at most
``d = floor(K / B)`` non-identical columns, so joining on every block with
every choice of ``d`` of its columns masked (``C(w, d)`` keys per block of
width ``w``) still finds every pair.  :func:`block_plan` picks ``d`` (and
``B``) from the columns' chance of identity in random pairs, trading keys
against candidate pairs; ``d = 0`` is the exact-block index above.

The complete-case convention is not indexable this way (a missing column
scores nothing, so a close pair may share no identical block).

References
----------
Manber U, Wu S (1994) An algorithm for approximate membership checking with
application to password security. Inf Process Lett 50:191-197 (the pigeonhole
filter for approximate matching).
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

from . import mismatch as _mm

__all__ = ["block_columns", "block_plan", "candidate_pairs", "group_ids", "pairs_within_indexed"]


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


def block_plan(
    n_units: int,
    max_mismatch: float,
    identity: np.ndarray | None = None,
    n_rows: int = 0,
    n_pairs: float = 0.0,
    masked: int | None = None,
) -> tuple[list[np.ndarray], int]:
    """Blocks and the number ``d`` of columns masked per key for the index.

    ``identity[c]`` is the chance that column ``c`` is identical in a random
    pair, ``n_rows`` the rows indexed and ``n_pairs`` the pairs to search; the
    plan minimises keys written (one per row and key) plus four times the
    expected candidate pairs.  Without
    them the plan is the exact-block one (``d = 0``); ``masked`` fixes ``d``.  Returns ``([], 0)``
    when no block can be guaranteed close enough (use brute force).

    Examples
    --------
    >>> [b.tolist() for b in block_plan(7, 1)[0]]
    [[0, 1, 2], [3, 4], [5, 6]]

    Up to 4 mismatches (8 non-identical columns) over 30 columns, each
    identical in 20 % of random pairs, among a million rows: 9 exact blocks
    of 3-4 columns would let through about 9 * 5e11 * 0.2**3.3 pairs; 3
    blocks of 10 columns with any 2 masked (45 keys per block, 8 columns
    compared) let through about 135 * 5e11 * 0.2**8:

    >>> blocks, d = block_plan(30, 4, np.full(30, 0.2), 10**6, 5e11)
    >>> len(blocks), d
    (3, 2)
    """
    k = int(np.floor(2 * max_mismatch + 1e-9))
    best, best_cost = ([], 0), np.inf
    for d in range(0, 4) if masked is None else [masked]:
        n_blocks = k // (d + 1) + 1  # fewest blocks that leave one with <= d differences
        if n_blocks > n_units:
            continue
        blocks = np.array_split(np.arange(n_units), n_blocks)
        if min(len(b) for b in blocks) <= d or sum(comb(len(b), d) for b in blocks) > 256:
            continue
        if identity is None or masked is not None:
            return list(blocks), d
        log_q = np.log(np.clip(identity, 1e-12, 1.0))
        cost = 0.0
        for blk in blocks:
            for hidden in combinations(range(len(blk)), d):
                keep = np.delete(blk, list(hidden))
                cost += n_rows + 4 * n_pairs * float(np.exp(log_q[keep].sum()))
        if cost < best_cost:
            best, best_cost = (list(blocks), d), cost
    return best


def _identity(cols: np.ndarray, width: int) -> np.ndarray:
    """Per column unit: chance that two random rows are identical there (sum of squared frequencies)."""
    out = np.empty(cols.shape[1] // width)
    sample = cols[:: max(len(cols) // 20000, 1)]
    for u in range(len(out)):
        _, counts = np.unique(group_ids(sample[:, u * width : (u + 1) * width]), return_counts=True)
        f = counts / counts.sum()
        out[u] = float((f**2).sum())
    return out


def group_ids(keys: np.ndarray) -> np.ndarray:
    """Row-wise exact grouping of a 2-D integer array (values >= -1): equal rows get equal ids.

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
    """All (i, j) with ``ga[i] == gb[j]`` (``i < j`` when ``gb`` is None), vectorised.

    The order of the pairs is unspecified (callers deduplicate by sorting).
    """
    oa = np.argsort(ga)
    sa = ga[oa]
    if gb is None:
        # element at position r of a run (group) ending at e pairs with positions r+1..e-1
        brk = np.r_[True, sa[1:] != sa[:-1]] if len(sa) else np.zeros(0, bool)
        run_start = np.nonzero(brk)[0]
        run_end = np.r_[run_start[1:], len(sa)]
        pos = np.arange(len(sa))
        counts = (run_end[np.cumsum(brk) - 1] - pos - 1).astype(np.int64)
        i = np.repeat(oa, counts)
        j = oa[np.repeat(pos + 1, counts) + _ranges(counts)]
        return np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    ob = np.argsort(gb)
    sb = gb[ob]
    lo = np.searchsorted(sb, sa, "left")
    hi = np.searchsorted(sb, sa, "right")
    counts = (hi - lo).astype(np.int64)
    i = np.repeat(oa, counts)
    j = ob[np.repeat(lo, counts) + _ranges(counts)]
    return i.astype(np.int64), j.astype(np.int64)


def candidate_pairs(
    a: np.ndarray,
    b: np.ndarray | None,
    max_mismatch: float,
    convention: str = "allelematch",
    masked: int | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs sharing at least one block key (a superset of the pairs within
    ``max_mismatch``), deduplicated; ``None`` when no block plan fits the
    columns (use brute force).  ``masked`` fixes the columns masked per key
    (default: chosen by :func:`block_plan`)."""
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
    n_a, n_b = ca.shape[0], (ca.shape[0] if cb is None else cb.shape[0])
    n_pairs = n_a * (n_a - 1) / 2 if cb is None else float(n_a) * n_b
    stacked = cols_a if cols_b is None else np.concatenate([cols_a, cols_b])
    blocks, d = block_plan(n_units, max_mismatch, _identity(stacked, width), len(stacked), n_pairs)
    if not blocks:
        return None
    keys, held, floor = [], 0, 4 * n_a + 20_000_000
    for blk in blocks:
        for hidden in combinations(range(len(blk)), d):
            units = np.delete(blk, list(hidden))
            cols = (units[:, None] * width + np.arange(width)).ravel()
            both = group_ids(stacked[:, cols])
            ga, gb = (both, None) if cols_b is None else (both[:n_a], both[n_a:])
            i, j = _pairs_in_groups(ga, gb)
            keys.append(i * n_b + j)
            held += len(i)
            if d and held > floor:
                # masked keys repeat pairs: deduplicate as we go, geometrically
                # (each pass at least doubles what is held) so the sorts stay
                # proportional to the final candidate count
                keys = [_sorted_unique(np.concatenate(keys))]
                held = len(keys[0])
                floor = max(floor, 2 * held)
    key = _sorted_unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return key // n_b, key % n_b


def _sorted_unique(x: np.ndarray) -> np.ndarray:
    # Sort-based: numpy's hash-based np.unique is far slower on millions of
    # distinct int64 keys.
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def pairs_within_indexed(
    a: np.ndarray,
    b: np.ndarray | None = None,
    *,
    max_mismatch: float,
    convention: str = "allelematch",
    num_threads: int = 1,
    masked: int | None = None,
) -> _mm.MismatchPairs:
    """Every pair with at most ``max_mismatch`` mismatches, found through the block index.

    Gives exactly the pairs of :func:`genmon.identify.mismatch.pairs_within`
    (same order: by ``i`` then ``j``); falls back to it when there are too few
    columns to index.  ``masked`` fixes the columns masked per block key
    (:func:`block_plan`; by default chosen from the data).

    Examples
    --------
    >>> calls = np.array([[[0, 1], [2, 2], [1, 3]], [[0, 1], [2, 2], [1, 1]], [[3, 3], [0, 0], [0, 0]]],
    ...                  dtype=np.int16)
    >>> p = pairs_within_indexed(calls, max_mismatch=1)
    >>> list(zip(p.i.tolist(), p.j.tolist(), p.mismatches.tolist()))
    [(0, 1, 1.0)]
    """
    found = candidate_pairs(a, b, max_mismatch, convention, masked)
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
