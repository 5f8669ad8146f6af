# cython: language_level=3
"""Pairwise allele-mismatch counts between multilocus genotypes.

Layout: ``calls`` arrays are ``(samples, loci, ploidy)`` int16 allele *indices*
(any negative value is missing), C-contiguous.  The wrappers in
``genmon.identify.mismatch`` validate inputs and allocate outputs; nothing is
checked here.

Scoring, per locus, in integer *units* so that results are exact and do not
depend on the thread count.  For two calls ``a`` and ``b`` at one locus:

* ``positional`` (allelematch): allele slot ``k`` of ``a`` is compared with
  slot ``k`` of ``b``.  A slot pair adds ``w_diff`` when both alleles are typed
  and differ, ``w_one`` when exactly one is missing, ``w_both`` when both are
  missing, and nothing when both are typed and equal.
* unordered: the typed alleles are matched as multisets.  With ``m`` shared
  alleles and ``ta``, ``tb`` typed alleles, the locus adds
  ``w_diff * (min(ta, tb) - m) + w_one * |ta - tb| + w_both * (ploidy - max(ta, tb))``.
  For calls stored with alleles sorted and missing last this equals the
  positional score.
* ``complete_case``: only loci at which both calls are fully typed are scored
  (``w_diff`` per unshared allele); other loci add nothing and are not compared.

A locus is *compared* when both calls have at least one typed allele (both
fully typed under ``complete_case``).

Early exit: when ``max_score >= 0`` the loop over loci of a pair stops as soon
as the running score exceeds ``max_score``; the pair's score is then some value
above ``max_score`` and its compared-loci count covers only the loci visited.

Worked example (allelematch weights ``w_diff=2, w_one=1, w_both=0``, i.e.
half-mismatch units): ``a = [(103, 108), (201, -1)]``, ``b = [(103, 110),
(201, 205)]``: locus 1 slot 2 differs (2 units), locus 2 slot 2 has one
missing allele (1 unit): 3 units = 1.5 allele mismatches, 2 loci compared.
"""

from cython.parallel cimport prange
from libc.stdint cimport int16_t, int32_t, int64_t

ctypedef fused score_t:
    int16_t
    int32_t


cdef inline int _locus_score(const int16_t[:, :, ::1] ca, Py_ssize_t i,
                             const int16_t[:, :, ::1] cb, Py_ssize_t j,
                             Py_ssize_t locus, Py_ssize_t ploidy,
                             int positional, int complete_case,
                             int w_diff, int w_one, int w_both,
                             int *compared) noexcept nogil:
    # Score one locus of one pair; set compared[0] to 0 or 1.
    cdef Py_ssize_t k, l
    cdef int ta = 0, tb = 0, m = 0, score = 0, lo, hi
    cdef int16_t x, y
    cdef int used[64]
    for k in range(ploidy):
        if ca[i, locus, k] >= 0:
            ta += 1
        if cb[j, locus, k] >= 0:
            tb += 1
    if complete_case:
        if ta < ploidy or tb < ploidy:
            compared[0] = 0
            return 0
    compared[0] = 1 if (ta > 0 and tb > 0) else 0
    if positional and not complete_case:
        for k in range(ploidy):
            x = ca[i, locus, k]
            y = cb[j, locus, k]
            if x >= 0 and y >= 0:
                if x != y:
                    score += w_diff
            elif x >= 0 or y >= 0:
                score += w_one
            else:
                score += w_both
        return score
    if positional:
        # complete case, positional
        for k in range(ploidy):
            if ca[i, locus, k] != cb[j, locus, k]:
                score += w_diff
        return score
    # Unordered: greedy multiset intersection of typed alleles (exact for
    # equality matching).
    for l in range(ploidy):
        used[l] = 0
    for k in range(ploidy):
        x = ca[i, locus, k]
        if x < 0:
            continue
        for l in range(ploidy):
            if not used[l] and cb[j, locus, l] == x:
                used[l] = 1
                m += 1
                break
    lo = ta if ta < tb else tb
    hi = tb if ta < tb else ta
    return w_diff * (lo - m) + w_one * (hi - lo) + w_both * (<int> ploidy - hi)


cdef inline int64_t _pair_score(const int16_t[:, :, ::1] ca, Py_ssize_t i,
                                const int16_t[:, :, ::1] cb, Py_ssize_t j,
                                Py_ssize_t n_loci, Py_ssize_t ploidy,
                                int positional, int complete_case,
                                int w_diff, int w_one, int w_both,
                                int max_score) noexcept nogil:
    # Sum over loci, stopping early once the score exceeds max_score (>= 0).
    # Returns score << 20 | loci compared (a single value keeps prange
    # bodies free of shared scratch variables).
    cdef Py_ssize_t locus
    cdef int score = 0, c = 0, total = 0
    for locus in range(n_loci):
        score += _locus_score(ca, i, cb, j, locus, ploidy, positional, complete_case,
                              w_diff, w_one, w_both, &c)
        total += c
        if max_score >= 0 and score > max_score:
            break
    return ((<int64_t> score) << 20) | total


def _pairwise_condensed(const int16_t[:, :, ::1] calls not None,
                        score_t[::1] out_score not None,
                        int16_t[::1] out_compared not None,
                        int positional, int complete_case,
                        int w_diff, int w_one, int w_both, int max_score,
                        int num_threads=1):
    """All pairs ``i < j`` of ``calls`` in condensed (scipy ``pdist``) order.

    Pair ``(i, j)`` lands at ``n*i - i*(i+1)/2 + j - i - 1``.  One row ``i`` per
    thread iteration; every pair is written by exactly one iteration.
    """
    cdef Py_ssize_t n = calls.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef Py_ssize_t ploidy = calls.shape[2]
    cdef Py_ssize_t i, j, base
    cdef int64_t packed
    with nogil:
        for i in prange(n, num_threads=num_threads, schedule="dynamic", chunksize=16):
            base = n * i - (i * (i + 1)) // 2 - i - 1
            for j in range(i + 1, n):
                packed = _pair_score(
                    calls, i, calls, j, n_loci, ploidy, positional, complete_case,
                    w_diff, w_one, w_both, max_score)
                out_score[base + j] = <score_t> (packed >> 20)
                out_compared[base + j] = <int16_t> (packed & 0xFFFFF)


def _cross(const int16_t[:, :, ::1] ca not None,
           const int16_t[:, :, ::1] cb not None,
           int32_t[:, ::1] out_score not None,
           int16_t[:, ::1] out_compared not None,
           int positional, int complete_case,
           int w_diff, int w_one, int w_both, int max_score,
           int num_threads=1):
    """Every row of ``ca`` against every row of ``cb`` into ``(na, nb)`` arrays."""
    cdef Py_ssize_t na = ca.shape[0]
    cdef Py_ssize_t nb = cb.shape[0]
    cdef Py_ssize_t n_loci = ca.shape[1]
    cdef Py_ssize_t ploidy = ca.shape[2]
    cdef Py_ssize_t i, j
    cdef int64_t packed
    with nogil:
        for i in prange(na, num_threads=num_threads, schedule="dynamic", chunksize=16):
            for j in range(nb):
                packed = _pair_score(ca, i, cb, j, n_loci, ploidy, positional,
                                              complete_case, w_diff, w_one, w_both,
                                              max_score)
                out_score[i, j] = <int32_t> (packed >> 20)
                out_compared[i, j] = <int16_t> (packed & 0xFFFFF)


def _pair_list(const int16_t[:, :, ::1] ca not None,
               const int16_t[:, :, ::1] cb not None,
               const int64_t[::1] ia not None,
               const int64_t[::1] ib not None,
               int32_t[::1] out_score not None,
               int16_t[::1] out_compared not None,
               int positional, int complete_case,
               int w_diff, int w_one, int w_both, int max_score,
               int num_threads=1):
    """Score the listed pairs ``(ca[ia[p]], cb[ib[p]])``."""
    cdef Py_ssize_t n_pairs = ia.shape[0]
    cdef Py_ssize_t n_loci = ca.shape[1]
    cdef Py_ssize_t ploidy = ca.shape[2]
    cdef Py_ssize_t p
    cdef int64_t packed
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            packed = _pair_score(ca, ia[p], cb, ib[p], n_loci, ploidy, positional,
                                       complete_case, w_diff, w_one, w_both, max_score)
            out_score[p] = <int32_t> (packed >> 20)
            out_compared[p] = <int16_t> (packed & 0xFFFFF)


def _count_within(const int16_t[:, :, ::1] ca not None,
                  const int16_t[:, :, ::1] cb not None,
                  int64_t[::1] out_count not None,
                  int same, int positional, int complete_case,
                  int w_diff, int w_one, int w_both, int max_score,
                  int num_threads=1):
    """Per row ``i`` of ``ca``, the number of rows of ``cb`` scoring at most ``max_score``.

    With ``same`` set (``ca`` is ``cb``) only ``j > i`` is visited.
    """
    cdef Py_ssize_t na = ca.shape[0]
    cdef Py_ssize_t nb = cb.shape[0]
    cdef Py_ssize_t n_loci = ca.shape[1]
    cdef Py_ssize_t ploidy = ca.shape[2]
    cdef Py_ssize_t i, j
    cdef int64_t k
    cdef int64_t packed
    with nogil:
        for i in prange(na, num_threads=num_threads, schedule="dynamic", chunksize=16):
            k = 0
            for j in range(i + 1 if same else 0, nb):
                if (_pair_score(ca, i, cb, j, n_loci, ploidy, positional, complete_case,
                               w_diff, w_one, w_both, max_score) >> 20) <= max_score:
                    k = k + 1
            out_count[i] = k


def _fill_within(const int16_t[:, :, ::1] ca not None,
                 const int16_t[:, :, ::1] cb not None,
                 const int64_t[::1] offsets not None,
                 int64_t[::1] out_j not None,
                 int32_t[::1] out_score not None,
                 int16_t[::1] out_compared not None,
                 int same, int positional, int complete_case,
                 int w_diff, int w_one, int w_both, int max_score,
                 int num_threads=1):
    """Second pass of :func:`_count_within`: write the pairs row by row.

    Row ``i``'s pairs go to ``offsets[i]:offsets[i+1]`` in increasing ``j``, so
    the output does not depend on the thread count.
    """
    cdef Py_ssize_t na = ca.shape[0]
    cdef Py_ssize_t nb = cb.shape[0]
    cdef Py_ssize_t n_loci = ca.shape[1]
    cdef Py_ssize_t ploidy = ca.shape[2]
    cdef Py_ssize_t i, j
    cdef int64_t k
    cdef int64_t packed
    cdef int s
    with nogil:
        for i in prange(na, num_threads=num_threads, schedule="dynamic", chunksize=16):
            k = offsets[i]
            for j in range(i + 1 if same else 0, nb):
                packed = _pair_score(ca, i, cb, j, n_loci, ploidy, positional, complete_case,
                                w_diff, w_one, w_both, max_score)
                s = <int> (packed >> 20)
                if s <= max_score:
                    out_j[k] = j
                    out_score[k] = s
                    out_compared[k] = <int16_t> (packed & 0xFFFFF)
                    k = k + 1


# ----------------------------------------------------------------------------
# Fast path for the positional convention: the allele columns of a sample are
# contiguous (``calls`` viewed as ``(samples, loci * ploidy)``), the score is a
# branch-free sum over them and the loci compared a sum over per-locus
# "typed" bytes (both loops vectorise).  No early exit: the exact score is
# always returned, which satisfies the early-exit contract.

from libc.stdint cimport uint8_t


cdef inline int _columns_score(const int16_t *x, const int16_t *y, Py_ssize_t m,
                               int16_t w_diff, int16_t w_one, int16_t w_both) noexcept nogil:
    # Branch-free so that the compiler vectorises it over 16-bit lanes.
    cdef Py_ssize_t k
    cdef int16_t a, b, d, mi, bm
    cdef int16_t acc = 0
    for k in range(m):
        a = x[k]
        b = y[k]
        d = a != b
        mi = (a | b) < 0
        bm = (a & b) < 0
        acc += d * (w_diff - mi * (w_diff - w_one)) + (1 - d) * bm * w_both
    return acc


cdef inline int _typed_both(const uint8_t *x, const uint8_t *y, Py_ssize_t w) noexcept nogil:
    cdef Py_ssize_t k
    cdef int s = 0
    for k in range(w):
        s += x[k] & y[k]
    return s


def _pairwise_condensed_fast(const int16_t[:, ::1] cols not None,
                             const uint8_t[:, ::1] typed not None,
                             score_t[::1] out_score not None,
                             int16_t[::1] out_compared not None,
                             int w_diff, int w_one, int w_both,
                             int num_threads=1):
    """Positional scores of all pairs ``i < j`` in condensed order (see :func:`_pairwise_condensed`).

    ``typed[i, l]`` is 1 when sample ``i`` has a typed allele at locus ``l``.
    """
    cdef Py_ssize_t n = cols.shape[0]
    cdef Py_ssize_t m = cols.shape[1]
    cdef Py_ssize_t w = typed.shape[1]
    cdef Py_ssize_t i, j, base
    with nogil:
        for i in prange(n, num_threads=num_threads, schedule="dynamic", chunksize=16):
            base = n * i - (i * (i + 1)) // 2 - i - 1
            for j in range(i + 1, n):
                out_score[base + j] = <score_t> _columns_score(&cols[i, 0], &cols[j, 0], m,
                                                               <int16_t> w_diff, <int16_t> w_one,
                                                               <int16_t> w_both)
                out_compared[base + j] = <int16_t> _typed_both(&typed[i, 0], &typed[j, 0], w)


def _cross_fast(const int16_t[:, ::1] ca not None,
                const uint8_t[:, ::1] ta not None,
                const int16_t[:, ::1] cb not None,
                const uint8_t[:, ::1] tb not None,
                int32_t[:, ::1] out_score not None,
                int16_t[:, ::1] out_compared not None,
                int w_diff, int w_one, int w_both,
                int num_threads=1):
    """Positional scores of every row of ``ca`` against every row of ``cb``."""
    cdef Py_ssize_t na = ca.shape[0]
    cdef Py_ssize_t nb = cb.shape[0]
    cdef Py_ssize_t m = ca.shape[1]
    cdef Py_ssize_t w = ta.shape[1]
    cdef Py_ssize_t i, j
    with nogil:
        for i in prange(na, num_threads=num_threads, schedule="dynamic", chunksize=16):
            for j in range(nb):
                out_score[i, j] = _columns_score(&ca[i, 0], &cb[j, 0], m, <int16_t> w_diff,
                                                 <int16_t> w_one, <int16_t> w_both)
                out_compared[i, j] = <int16_t> _typed_both(&ta[i, 0], &tb[j, 0], w)


# ----------------------------------------------------------------------------
# Greedy representatives over a neighbour graph (identification of large
# batches without a dense matrix).

def _greedy_leaders(const int64_t[::1] order not None,
                    const int64_t[::1] starts not None,
                    const int64_t[::1] neighbours not None,
                    uint8_t[::1] is_leader not None):
    """Visit the rows in ``order``; a row becomes a leader unless one of its
    neighbours (``neighbours[starts[r]:starts[r + 1]]``) already is one.

    Sequential by nature (each decision depends on the earlier ones), so one
    thread; linear in rows plus neighbour entries.
    """
    cdef Py_ssize_t n = order.shape[0]
    cdef Py_ssize_t t, k, r
    cdef int taken
    with nogil:
        for t in range(n):
            r = order[t]
            taken = 0
            for k in range(starts[r], starts[r + 1]):
                if is_leader[neighbours[k]]:
                    taken = 1
                    break
            if not taken:
                is_leader[r] = 1
