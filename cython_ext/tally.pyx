# cython: language_level=3
"""Per-locus allele counts and genotype tallies.

Layout: ``calls`` is ``(samples, loci, ploidy)`` int16 allele *indices* into each
locus's allele table; any negative value is missing.  The wrappers in
``genmon.tally`` validate inputs and allocate outputs; nothing is checked here.
"""

from cython.parallel cimport prange
from libc.stdint cimport int16_t, int64_t


def _count_alleles(const int16_t[:, :, ::1] calls not None,
                   int64_t[:, ::1] out not None,
                   int num_threads=1):
    """Add, per locus, the number of gene copies of each allele to ``out``.

    ``out`` is ``(loci, max_alleles)``; every call index must be below
    ``out.shape[1]``.  One locus per thread, so results do not depend on the
    thread count.
    """
    cdef Py_ssize_t n_samples = calls.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef Py_ssize_t ploidy = calls.shape[2]
    cdef Py_ssize_t i, j, k
    cdef int16_t a
    with nogil:
        for j in prange(n_loci, num_threads=num_threads, schedule="static"):
            for i in range(n_samples):
                for k in range(ploidy):
                    a = calls[i, j, k]
                    if a >= 0:
                        out[j, a] += 1


def _genotype_tallies(const int16_t[:, :, ::1] calls not None,
                      int64_t[:, ::1] out not None,
                      int num_threads=1):
    """Fill ``out`` (loci, 4) with per-locus genotype tallies.

    Columns: 0 complete calls, 1 partial calls (some but not all alleles
    missing), 2 fully missing calls, 3 heterozygous complete calls (at least two
    distinct alleles).
    """
    cdef Py_ssize_t n_samples = calls.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef Py_ssize_t ploidy = calls.shape[2]
    cdef Py_ssize_t i, j, k
    cdef int n_missing, het
    cdef int16_t first
    with nogil:
        for j in prange(n_loci, num_threads=num_threads, schedule="static"):
            out[j, 0] = 0
            out[j, 1] = 0
            out[j, 2] = 0
            out[j, 3] = 0
            for i in range(n_samples):
                n_missing = 0
                het = 0
                first = calls[i, j, 0]
                for k in range(ploidy):
                    if calls[i, j, k] < 0:
                        n_missing = n_missing + 1
                    elif calls[i, j, k] != first:
                        het = 1
                if n_missing == 0:
                    out[j, 0] += 1
                    out[j, 3] += het
                elif n_missing == ploidy:
                    out[j, 2] += 1
                else:
                    out[j, 1] += 1
