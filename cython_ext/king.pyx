# cython: language_level=3
"""KING-robust kinship for biallelic SNPs on bit-packed genotypes.

Layout: ``planes`` is ``(samples, 3, words)`` uint64: bit planes of
heterozygous, homozygous-reference and homozygous-alternative calls, one bit per
SNP (a missing call has no bit set).  For every pair the kernel counts, over SNPs
typed in both: the SNPs, both heterozygous (HETHET), opposite homozygotes
(IBS0) and each sample's heterozygotes; the same homozygote in both (HOMHOM)
follows as ``N - HET_1 - HET_2 + HETHET - IBS0``, so a word costs five
popcounts.  The wrappers turn counts into KING kinship and PLINK's IBD
estimates; ``_king_table_all_pairs`` writes plink2's ``.kin0`` columns directly.
"""

from cython.parallel cimport prange
from libc.math cimport NAN
from libc.stdint cimport int16_t, int64_t, uint64_t


cdef extern from *:
    """
    #include <stdint.h>
    /* Counts over the words of one pair, compiled three times: portable, with the
       POPCNT instruction, and with AVX-512 VPOPCNTDQ (8 words per instruction); the
       CPU is checked once at run time and the best one is called. */
    #define GENMON_KING_WORD(w)                                                     \
        {                                                                           \
            uint64_t hx = x[w], rx = x[n_words + (w)], ax = x[2 * n_words + (w)];   \
            uint64_t hy = y[w], ry = y[n_words + (w)], ay = y[2 * n_words + (w)];   \
            uint64_t both = (hx | rx | ax) & (hy | ry | ay);                        \
            n += __builtin_popcountll(both);                                        \
            hh += __builtin_popcountll(hx & hy);                                    \
            i0 += __builtin_popcountll((rx & ay) | (ax & ry));                      \
            h1 += __builtin_popcountll(hx & both);                                  \
            h2 += __builtin_popcountll(hy & both);                                  \
        }
    #define GENMON_KING_STORE                                                       \
        out[0] = n; out[1] = hh; out[2] = i0; out[3] = h1; out[4] = h2;

    static void genmon_king_pair_generic(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) {
        int64_t n = 0, hh = 0, i0 = 0, h1 = 0, h2 = 0;
        for (Py_ssize_t w = 0; w < n_words; w++) GENMON_KING_WORD(w)
        GENMON_KING_STORE
    }
    #if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    #include <immintrin.h>
    __attribute__((target("popcnt")))
    static void genmon_king_pair_popcnt(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) {
        int64_t n = 0, hh = 0, i0 = 0, h1 = 0, h2 = 0;
        for (Py_ssize_t w = 0; w < n_words; w++) GENMON_KING_WORD(w)
        GENMON_KING_STORE
    }
    __attribute__((target("avx512f,avx512vpopcntdq,popcnt")))
    static void genmon_king_pair_avx512(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) {
        __m512i vn = _mm512_setzero_si512(), vhh = vn, vi0 = vn, vh1 = vn, vh2 = vn;
        Py_ssize_t w = 0;
        for (; w + 8 <= n_words; w += 8) {
            __m512i hx = _mm512_loadu_si512((const void *)(x + w));
            __m512i rx = _mm512_loadu_si512((const void *)(x + n_words + w));
            __m512i ax = _mm512_loadu_si512((const void *)(x + 2 * n_words + w));
            __m512i hy = _mm512_loadu_si512((const void *)(y + w));
            __m512i ry = _mm512_loadu_si512((const void *)(y + n_words + w));
            __m512i ay = _mm512_loadu_si512((const void *)(y + 2 * n_words + w));
            __m512i both = _mm512_and_si512(_mm512_or_si512(hx, _mm512_or_si512(rx, ax)),
                                            _mm512_or_si512(hy, _mm512_or_si512(ry, ay)));
            __m512i opp = _mm512_or_si512(_mm512_and_si512(rx, ay), _mm512_and_si512(ax, ry));
            vn = _mm512_add_epi64(vn, _mm512_popcnt_epi64(both));
            vhh = _mm512_add_epi64(vhh, _mm512_popcnt_epi64(_mm512_and_si512(hx, hy)));
            vi0 = _mm512_add_epi64(vi0, _mm512_popcnt_epi64(opp));
            vh1 = _mm512_add_epi64(vh1, _mm512_popcnt_epi64(_mm512_and_si512(hx, both)));
            vh2 = _mm512_add_epi64(vh2, _mm512_popcnt_epi64(_mm512_and_si512(hy, both)));
        }
        int64_t n = _mm512_reduce_add_epi64(vn), hh = _mm512_reduce_add_epi64(vhh);
        int64_t i0 = _mm512_reduce_add_epi64(vi0), h1 = _mm512_reduce_add_epi64(vh1);
        int64_t h2 = _mm512_reduce_add_epi64(vh2);
        for (; w < n_words; w++) GENMON_KING_WORD(w)
        GENMON_KING_STORE
    }
    /* 2: AVX-512 VPOPCNTDQ, 1: POPCNT, 0: portable. */
    static int genmon_king_level(void) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) return 2;
        return __builtin_cpu_supports("popcnt") ? 1 : 0;
    }
    #else
    #define genmon_king_pair_popcnt genmon_king_pair_generic
    #define genmon_king_pair_avx512 genmon_king_pair_generic
    static int genmon_king_level(void) { return 0; }
    #endif
    """
    void genmon_king_pair_generic(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) noexcept nogil
    void genmon_king_pair_popcnt(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) noexcept nogil
    void genmon_king_pair_avx512(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) noexcept nogil
    int genmon_king_level() noexcept nogil


def _cpu_level(int limit=2):
    """The kernel variant this CPU runs (2 AVX-512 VPOPCNTDQ, 1 POPCNT, 0 portable), at most ``limit``."""
    return min(genmon_king_level(), limit)


cdef inline void _pair(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *c, int level) noexcept nogil:
    if level == 2:
        genmon_king_pair_avx512(x, y, n_words, c)
    elif level == 1:
        genmon_king_pair_popcnt(x, y, n_words, c)
    else:
        genmon_king_pair_generic(x, y, n_words, c)


cdef inline void _pair_counts(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int level,
                              int64_t *out) noexcept nogil:
    """The six counts of one pair into ``out[0:6]`` (a function so that ``c`` is private to each thread)."""
    cdef int64_t c[5]
    _pair(x, y, n_words, c, level)
    out[0] = c[0]
    out[1] = c[1]
    out[2] = c[2]
    out[3] = c[3]
    out[4] = c[4]
    out[5] = c[0] - c[3] - c[4] + c[1] - c[2]


cdef inline void _pair_king(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int level, Py_ssize_t p,
                            int64_t *nsnp, double *hethet, double *ibs0, double *kinship) noexcept nogil:
    """plink2's ``.kin0`` values of one pair at position ``p``: the same operations, in the same
    order, as the numpy formula in ``genmon.relate.king``."""
    cdef int64_t c[5]
    _pair(x, y, n_words, c, level)
    cdef double n = <double>c[0], hh = <double>c[1], i0 = <double>c[2], h1 = <double>c[3], h2 = <double>c[4]
    cdef double m = h1 if h1 < h2 else h2
    nsnp[p] = c[0]
    if c[0] > 0:
        hethet[p] = hh / n
        ibs0[p] = i0 / n
    else:
        hethet[p] = NAN
        ibs0[p] = NAN
    if m > 0:
        kinship[p] = (hh - 2 * i0) / (2 * m) + 0.5 - (h1 + h2) / (4 * m)
    else:
        kinship[p] = NAN


def _pack_planes(const int16_t[:, :, ::1] calls not None,
                 const int64_t[::1] loci not None,
                 uint64_t[:, :, ::1] planes not None,
                 int num_threads=1):
    """Set the het / hom-REF / hom-ALT bits of ``calls[:, loci[k]]`` at bit ``k`` (planes zeroed by the caller)."""
    cdef Py_ssize_t n = calls.shape[0], n_loci = loci.shape[0]
    cdef Py_ssize_t i, k
    if calls.shape[2] != 2:
        raise ValueError("diploid calls expected")
    if planes.shape[0] != n or planes.shape[1] != 3 or planes.shape[2] * 64 < n_loci:
        raise ValueError("planes has the wrong shape")
    for k in range(n_loci):
        if loci[k] < 0 or loci[k] >= calls.shape[1]:
            raise IndexError("locus index out of range")
    with nogil:
        for i in prange(n, num_threads=num_threads, schedule="static"):
            _pack_sample(&calls[i, 0, 0], &loci[0], n_loci, &planes[i, 0, 0], planes.shape[2])


cdef inline void _pack_sample(const int16_t *calls, const int64_t *loci, Py_ssize_t n_loci, uint64_t *planes,
                              Py_ssize_t n_words) noexcept nogil:
    """One sample's three bit planes, a word at a time in registers and without branches
    (random genotypes would mispredict most of them)."""
    cdef Py_ssize_t w, k, k0
    cdef int16_t a, b
    cdef uint64_t het, ref, alt, typed
    for w in range((n_loci + 63) // 64):
        het = ref = alt = 0
        k0 = w * 64
        for k in range(min(64, n_loci - k0)):
            a = calls[2 * loci[k0 + k]]
            b = calls[2 * loci[k0 + k] + 1]
            typed = (a >= 0) & (b >= 0)
            het |= (typed & (a != b)) << k
            ref |= (typed & (a == 0) & (b == 0)) << k
            alt |= (typed & (a == 1) & (b == 1)) << k
        planes[w] = het
        planes[n_words + w] = ref
        planes[2 * n_words + w] = alt


def _king_counts(const uint64_t[:, :, ::1] planes not None,
                 const int64_t[::1] pair_i not None,
                 const int64_t[::1] pair_j not None,
                 int64_t[:, ::1] out not None,
                 int num_threads=1,
                 int level=2):
    """Fill ``out`` (pairs, 6) with N_SNP, HETHET, IBS0, HET_1, HET_2 and HOMHOM (same homozygote) counts."""
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_words = planes.shape[2]
    cdef Py_ssize_t p
    cdef int lv = min(genmon_king_level(), level)
    _check_pairs(planes.shape[0], pair_i, pair_j, out.shape[0])
    if out.shape[1] != 6:
        raise ValueError("out must be (n_pairs, 6)")
    if n_pairs == 0:
        return
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            _pair_counts(&planes[pair_i[p], 0, 0], &planes[pair_j[p], 0, 0], n_words, lv, &out[p, 0])


cdef void _tiled(const uint64_t *planes, Py_ssize_t n, Py_ssize_t n_words, int64_t *counts, int64_t *nsnp,
                 double *hethet, double *ibs0, double *kinship, int block, int num_threads, int level) noexcept nogil:
    """Every pair i < j in row-major pair order, visited in ``block`` x ``block`` tiles so that
    both tiles' bit planes stay in cache; each tile row is one parallel work item.  Writes
    ``counts`` (pairs x 6) when ``nsnp`` is NULL, else the kinship table."""
    cdef Py_ssize_t n_tiles = (n + block - 1) // block
    cdef Py_ssize_t row = 3 * n_words
    cdef Py_ssize_t ti, tj, i, j, i_end, j_start, j_end, idx
    for ti in prange(n_tiles, num_threads=num_threads, schedule="dynamic"):
        i_end = min((ti + 1) * block, n)
        for tj in range(ti, n_tiles):
            j_end = min((tj + 1) * block, n)
            for i in range(ti * block, i_end):
                j_start = max(tj * block, i + 1)
                for j in range(j_start, j_end):
                    idx = i * n - (i * (i + 1)) // 2 + (j - i - 1)
                    if nsnp == NULL:
                        _pair_counts(planes + i * row, planes + j * row, n_words, level, counts + 6 * idx)
                    else:
                        _pair_king(planes + i * row, planes + j * row, n_words, level, idx, nsnp, hethet, ibs0,
                                   kinship)


cdef _check_pairs(Py_ssize_t n, const int64_t[::1] pair_i, const int64_t[::1] pair_j, Py_ssize_t n_out):
    cdef Py_ssize_t p
    if pair_j.shape[0] != pair_i.shape[0] or n_out != pair_i.shape[0]:
        raise ValueError("pair arrays and outputs must have one entry per pair")
    for p in range(pair_i.shape[0]):
        if pair_i[p] < 0 or pair_i[p] >= n or pair_j[p] < 0 or pair_j[p] >= n:
            raise IndexError("pair index out of range")


def _king_all_pairs(const uint64_t[:, :, ::1] planes not None,
                    int64_t[:, ::1] out not None,
                    int block=48,
                    int num_threads=1,
                    int level=2):
    """Counts (as ``_king_counts``) for every pair i < j, written in row-major pair order."""
    cdef Py_ssize_t n = planes.shape[0]
    cdef int lv = min(genmon_king_level(), level)
    if out.shape[0] != n * (n - 1) // 2 or out.shape[1] != 6:
        raise ValueError("out must be (n_pairs, 6)")
    if n < 2:
        return
    with nogil:
        _tiled(&planes[0, 0, 0], n, planes.shape[2], &out[0, 0], NULL, NULL, NULL, NULL, block, num_threads, lv)


def _king_table_all_pairs(const uint64_t[:, :, ::1] planes not None,
                          int64_t[::1] nsnp not None,
                          double[::1] hethet not None,
                          double[::1] ibs0 not None,
                          double[::1] kinship not None,
                          int block=48,
                          int num_threads=1,
                          int level=2):
    """plink2's ``.kin0`` columns (NSNP, HETHET and IBS0 as proportions, KINSHIP; NaN where
    undefined) for every pair i < j in row-major pair order."""
    cdef Py_ssize_t n = planes.shape[0]
    cdef Py_ssize_t n_pairs = n * (n - 1) // 2
    cdef int lv = min(genmon_king_level(), level)
    if nsnp.shape[0] != n_pairs or hethet.shape[0] != n_pairs or ibs0.shape[0] != n_pairs \
            or kinship.shape[0] != n_pairs:
        raise ValueError("output arrays must have one entry per pair")
    if n < 2:
        return
    with nogil:
        _tiled(&planes[0, 0, 0], n, planes.shape[2], NULL, &nsnp[0], &hethet[0], &ibs0[0], &kinship[0], block,
               num_threads, lv)


def _king_table(const uint64_t[:, :, ::1] planes not None,
                const int64_t[::1] pair_i not None,
                const int64_t[::1] pair_j not None,
                int64_t[::1] nsnp not None,
                double[::1] hethet not None,
                double[::1] ibs0 not None,
                double[::1] kinship not None,
                int num_threads=1,
                int level=2):
    """As ``_king_table_all_pairs`` for the given pairs."""
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_words = planes.shape[2]
    cdef Py_ssize_t p
    cdef int lv = min(genmon_king_level(), level)
    _check_pairs(planes.shape[0], pair_i, pair_j, nsnp.shape[0])
    if hethet.shape[0] != n_pairs or ibs0.shape[0] != n_pairs or kinship.shape[0] != n_pairs:
        raise ValueError("output arrays must have one entry per pair")
    if n_pairs == 0:
        return
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            _pair_king(&planes[pair_i[p], 0, 0], &planes[pair_j[p], 0, 0], n_words, lv, p, &nsnp[0], &hethet[0],
                       &ibs0[0], &kinship[0])
