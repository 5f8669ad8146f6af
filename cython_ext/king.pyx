# cython: language_level=3
"""KING-robust kinship for biallelic SNPs on bit-packed genotypes.

Layout: ``planes`` is ``(samples, 3, words)`` uint64: bit planes of
heterozygous, homozygous-reference and homozygous-alternative calls, one bit per
SNP (a missing call has no bit set).  For every pair the kernel counts, over SNPs
typed in both: the SNPs, both heterozygous (HETHET), opposite homozygotes
(IBS0), and each sample's heterozygotes.  The wrapper turns counts into kinship.
"""

from cython.parallel cimport prange
from libc.stdint cimport int64_t, uint64_t


cdef extern from *:
    """
    static inline int genmon_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    """
    int genmon_popcount64(unsigned long long x) noexcept nogil


def _king_counts(const uint64_t[:, :, ::1] planes not None,
                 const int64_t[::1] pair_i not None,
                 const int64_t[::1] pair_j not None,
                 int64_t[:, ::1] out not None,
                 int num_threads=1):
    """Fill ``out`` (pairs, 5) with N_SNP, HETHET, IBS0, HET_1, HET_2 counts."""
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_words = planes.shape[2]
    cdef Py_ssize_t p, w
    cdef int64_t x, y, nsnp, hethet, ibs0, het1, het2
    cdef uint64_t hx, rx, ax, hy, ry, ay, both
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            x = pair_i[p]
            y = pair_j[p]
            nsnp = 0
            hethet = 0
            ibs0 = 0
            het1 = 0
            het2 = 0
            for w in range(n_words):
                hx = planes[x, 0, w]
                rx = planes[x, 1, w]
                ax = planes[x, 2, w]
                hy = planes[y, 0, w]
                ry = planes[y, 1, w]
                ay = planes[y, 2, w]
                both = (hx | rx | ax) & (hy | ry | ay)
                nsnp = nsnp + genmon_popcount64(both)
                hethet = hethet + genmon_popcount64(hx & hy)
                ibs0 = ibs0 + genmon_popcount64((rx & ay) | (ax & ry))
                het1 = het1 + genmon_popcount64(hx & both)
                het2 = het2 + genmon_popcount64(hy & both)
            out[p, 0] = nsnp
            out[p, 1] = hethet
            out[p, 2] = ibs0
            out[p, 3] = het1
            out[p, 4] = het2
