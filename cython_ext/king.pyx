# cython: language_level=3
"""KING-robust kinship for biallelic SNPs on bit-packed genotypes.

Layout: ``planes`` is ``(samples, 3, words)`` uint64: bit planes of
heterozygous, homozygous-reference and homozygous-alternative calls, one bit per
SNP (a missing call has no bit set).  For every pair the kernel counts, over SNPs
typed in both: the SNPs, both heterozygous (HETHET), opposite homozygotes
(IBS0), each sample's heterozygotes, and the same homozygote in both.  The
wrappers turn counts into KING kinship and PLINK's IBD estimates.
"""

from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint64_t


cdef extern from *:
    """
    #include <stdint.h>
    /* Counts over the words of one pair; compiled twice so that x86 CPUs with the
       POPCNT instruction (checked once at run time) get it inlined. */
    #define GENMON_KING_BODY                                                        \
        int64_t n = 0, hh = 0, i0 = 0, h1 = 0, h2 = 0, same = 0;                    \
        for (Py_ssize_t w = 0; w < n_words; w++) {                                  \
            uint64_t hx = x[w], rx = x[n_words + w], ax = x[2 * n_words + w];       \
            uint64_t hy = y[w], ry = y[n_words + w], ay = y[2 * n_words + w];       \
            uint64_t both = (hx | rx | ax) & (hy | ry | ay);                        \
            n += __builtin_popcountll(both);                                        \
            hh += __builtin_popcountll(hx & hy);                                    \
            i0 += __builtin_popcountll((rx & ay) | (ax & ry));                      \
            h1 += __builtin_popcountll(hx & both);                                  \
            h2 += __builtin_popcountll(hy & both);                                  \
            same += __builtin_popcountll((rx & ry) | (ax & ay));                    \
        }                                                                           \
        out[0] = n; out[1] = hh; out[2] = i0; out[3] = h1; out[4] = h2; out[5] = same;

    static void genmon_king_pair_generic(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) {
        GENMON_KING_BODY
    }
    #if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __attribute__((target("popcnt")))
    static void genmon_king_pair_popcnt(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) {
        GENMON_KING_BODY
    }
    static int genmon_has_popcnt(void) { __builtin_cpu_init(); return __builtin_cpu_supports("popcnt"); }
    #else
    #define genmon_king_pair_popcnt genmon_king_pair_generic
    static int genmon_has_popcnt(void) { return 0; }
    #endif
    """
    void genmon_king_pair_generic(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) noexcept nogil
    void genmon_king_pair_popcnt(const uint64_t *x, const uint64_t *y, Py_ssize_t n_words, int64_t *out) noexcept nogil
    int genmon_has_popcnt() noexcept nogil


def _king_counts(const uint64_t[:, :, ::1] planes not None,
                 const int64_t[::1] pair_i not None,
                 const int64_t[::1] pair_j not None,
                 int64_t[:, ::1] out not None,
                 int num_threads=1):
    """Fill ``out`` (pairs, 6) with N_SNP, HETHET, IBS0, HET_1, HET_2 and HOMHOM (same homozygote) counts."""
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_words = planes.shape[2]
    cdef Py_ssize_t p
    cdef int hw = genmon_has_popcnt()
    if n_pairs == 0:
        return
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            if hw:
                genmon_king_pair_popcnt(&planes[pair_i[p], 0, 0], &planes[pair_j[p], 0, 0], n_words, &out[p, 0])
            else:
                genmon_king_pair_generic(&planes[pair_i[p], 0, 0], &planes[pair_j[p], 0, 0], n_words, &out[p, 0])


def _king_all_pairs(const uint64_t[:, :, ::1] planes not None,
                    int64_t[:, ::1] out not None,
                    int block=48,
                    int num_threads=1):
    """Counts for every pair i < j, written in row-major pair order.

    Pairs are visited in tiles of ``block`` x ``block`` samples so that both
    tiles' bit planes stay in cache; each tile row is one parallel work item.
    """
    cdef Py_ssize_t n = planes.shape[0]
    cdef Py_ssize_t n_words = planes.shape[2]
    cdef Py_ssize_t n_tiles = (n + block - 1) // block
    cdef Py_ssize_t ti, tj, i, j, i_end, j_start, j_end, idx
    cdef int hw = genmon_has_popcnt()
    if n < 2:
        return
    with nogil:
        for ti in prange(n_tiles, num_threads=num_threads, schedule="dynamic"):
            i_end = min((ti + 1) * block, n)
            for tj in range(ti, n_tiles):
                j_end = min((tj + 1) * block, n)
                for i in range(ti * block, i_end):
                    j_start = max(tj * block, i + 1)
                    for j in range(j_start, j_end):
                        idx = i * n - (i * (i + 1)) // 2 + (j - i - 1)
                        if hw:
                            genmon_king_pair_popcnt(&planes[i, 0, 0], &planes[j, 0, 0], n_words, &out[idx, 0])
                        else:
                            genmon_king_pair_generic(&planes[i, 0, 0], &planes[j, 0, 0], n_words, &out[idx, 0])
