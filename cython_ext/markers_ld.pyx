# cython: language_level=3
"""Marker kernels: pairwise linkage disequilibrium and the Hardy-Weinberg Markov chain.

Layouts (the wrappers in ``genmon.markers`` validate inputs, draw random
numbers from a seeded ``numpy.random.Generator`` and allocate outputs; nothing
is checked here):

* ``codes`` ``(samples, loci)`` int32: the diploid genotype of each sample at
  each locus as a small code ``0 .. n_codes[locus] - 1``; ``-1`` missing.
* ``dosage`` ``(samples, snps)`` int8: count of the alternate allele (0, 1, 2),
  ``-1`` missing.
* ``pairs`` ``(n_pairs, 2)`` int32 locus indices.
* ``perms`` ``(n_perm, samples)`` int32: each row a permutation of
  ``0 .. samples - 1``.
* ``geno`` ``(k, k)`` int64 genotype counts: the unordered genotype ``{x, y}``
  is stored at ``geno[min(x, y), max(x, y)]``; the lower triangle is unused.
"""

from cython.parallel cimport prange
from libc.math cimport log, NAN
from libc.stdint cimport int8_t, int32_t, int64_t
from libc.stdlib cimport calloc, free, malloc

cimport cython


@cython.boundscheck(False)
@cython.wraparound(False)
cdef inline double _sparse_stat(int64_t *table, const int32_t *cells, Py_ssize_t m,
                                const double[::1] xlogx) noexcept nogil:
    # Sum over occupied cells of O ln O (the only part of the G statistic that
    # varies when both margins are fixed), visiting only the m filled cells
    # and zeroing each after its first visit so the table is clean again.
    cdef Py_ssize_t k
    cdef double s = 0.0
    for k in range(m):
        if table[cells[k]] > 0:
            s = s + xlogx[table[cells[k]]]
            table[cells[k]] = 0
    return s


@cython.boundscheck(False)
@cython.wraparound(False)
def _genotypic_ld(const int32_t[:, ::1] codes not None,
                  const int32_t[::1] n_codes not None,
                  const int32_t[:, ::1] pairs not None,
                  const int32_t[:, ::1] perms not None,
                  const double[::1] xlogx not None,
                  double[::1] stat_obs not None,
                  int64_t[::1] n_ge not None,
                  int64_t[::1] n_used not None,
                  double rel_tol=1e-9,
                  int num_threads=1):
    """Genotypic association between pairs of loci by permutation.

    For each pair, the samples typed at both loci form a genotype contingency
    table; its statistic ``sum O ln O`` is written to ``stat_obs`` and the
    number of typed samples to ``n_used``.  Each row of ``perms`` restricted
    to those samples (kept in permutation order) re-pairs the second locus's
    genotypes with the first's, a uniform random permutation of the subset;
    ``n_ge`` is increased by the number of permuted tables whose statistic is
    at least the observed one (relative tolerance ``rel_tol``).  One pair per
    thread, integer counts: results do not depend on the thread count.
    """
    cdef Py_ssize_t n_samples = codes.shape[0]
    cdef Py_ssize_t n_pairs = pairs.shape[0]
    cdef Py_ssize_t n_perm = perms.shape[0]
    cdef Py_ssize_t p, s, t, r, m, k, size
    cdef int32_t j, l, gl, cb
    cdef int64_t *table
    cdef int32_t *a
    cdef int32_t *cells
    cdef char *inset
    cdef double obs, st, tol
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="dynamic"):
            j = pairs[p, 0]
            l = pairs[p, 1]
            gl = n_codes[l]
            size = n_codes[j] * gl
            table = <int64_t *> calloc(size + 1, sizeof(int64_t))
            a = <int32_t *> malloc((n_samples + 1) * sizeof(int32_t))
            cells = <int32_t *> malloc((n_samples + 1) * sizeof(int32_t))
            inset = <char *> calloc(n_samples + 1, sizeof(char))
            # 1. samples typed at both loci, and the observed table
            m = 0
            for s in range(n_samples):
                if codes[s, j] >= 0 and codes[s, l] >= 0:
                    a[m] = codes[s, j]
                    inset[s] = 1
                    cells[m] = codes[s, j] * gl + codes[s, l]
                    table[cells[m]] += 1
                    m = m + 1
            obs = _sparse_stat(table, cells, m, xlogx)
            stat_obs[p] = obs
            n_used[p] = m
            tol = rel_tol * (obs if obs > 1.0 else 1.0)
            # 2. permuted tables: k-th typed sample (input order) meets the
            #    k-th typed sample in permutation order
            for r in range(n_perm):
                k = 0
                for t in range(n_samples):
                    s = perms[r, t]
                    if inset[s]:
                        cb = codes[s, l]
                        cells[k] = a[k] * gl + cb
                        table[cells[k]] += 1
                        k = k + 1
                st = _sparse_stat(table, cells, m, xlogx)
                if st >= obs - tol:
                    n_ge[p] += 1
            free(table)
            free(a)
            free(cells)
            free(inset)


@cython.boundscheck(False)
@cython.wraparound(False)
def _r2_pairs(const int8_t[:, ::1] dosage not None,
              const int32_t[:, ::1] pairs not None,
              double[::1] r2 not None,
              int64_t[::1] n_used not None,
              int num_threads=1):
    """Squared Pearson correlation of allele dosages for pairs of SNPs.

    Only samples typed at both SNPs enter a pair.  Sums are exact int64;
    ``r2`` is NaN when either SNP has no variance among those samples.
    """
    cdef Py_ssize_t n_samples = dosage.shape[0]
    cdef Py_ssize_t n_pairs = pairs.shape[0]
    cdef Py_ssize_t p, s
    cdef int32_t j, l
    cdef int8_t x, y
    cdef int64_t n, sx, sy, sxx, syy, sxy
    cdef double cov, vx, vy
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            j = pairs[p, 0]
            l = pairs[p, 1]
            n = 0
            sx = 0
            sy = 0
            sxx = 0
            syy = 0
            sxy = 0
            for s in range(n_samples):
                x = dosage[s, j]
                y = dosage[s, l]
                if x >= 0 and y >= 0:
                    n = n + 1
                    sx = sx + x
                    sy = sy + y
                    sxx = sxx + x * x
                    syy = syy + y * y
                    sxy = sxy + x * y
            n_used[p] = n
            cov = <double> (n * sxy - sx * sy)
            vx = <double> (n * sxx - sx * sx)
            vy = <double> (n * syy - sy * sy)
            if vx > 0 and vy > 0:
                r2[p] = (cov * cov) / (vx * vy)
            else:
                r2[p] = NAN


@cython.boundscheck(False)
@cython.wraparound(False)
def _hwe_chain(int64_t[:, ::1] geno not None,
               const int32_t[:, ::1] picks not None,
               const double[::1] u not None,
               Py_ssize_t burn_in,
               Py_ssize_t batch_size,
               int64_t h_obs,
               int64_t[::1] n_le not None,
               int64_t[::1] n_het_le not None,
               double log_tol=1e-7):
    """Guo & Thompson (1992) Markov chain over genotype tables with fixed allele counts.

    Starts at ``geno`` (the observed table; modified in place).  Step ``s``
    takes the ordered distinct allele pairs ``(i, j) = picks[s, 0:2]`` and
    ``(k, l) = picks[s, 2:4]`` and proposes removing genotypes ``{i,k}``,
    ``{j,l}`` and adding ``{i,l}``, ``{j,k}`` (a symmetric proposal: the
    reverse move swaps ``k`` and ``l``).  It is accepted when ``u[s]`` is below
    the probability ratio ``prod(removed counts) / prod(added counts) *
    2**(change in heterozygotes)``.  After ``burn_in`` steps, batch ``b``
    counts the states whose probability is at most the observed one
    (``n_le[b]``, log tolerance ``log_tol``) and whose heterozygote count is
    at most ``h_obs`` (``n_het_le[b]``).
    """
    cdef Py_ssize_t n_steps = picks.shape[0]
    cdef Py_ssize_t s, b
    cdef int32_t i, j, k, l
    cdef Py_ssize_t ik0, ik1, jl0, jl1, il0, il1, jk0, jk1
    cdef int64_t c1, c2, c3, c4, h
    cdef int dh
    cdef double ratio, logcur
    logcur = 0.0
    h = h_obs
    with nogil:
        for s in range(n_steps):
            i = picks[s, 0]
            j = picks[s, 1]
            k = picks[s, 2]
            l = picks[s, 3]
            ik0 = i if i < k else k
            ik1 = k if i < k else i
            jl0 = j if j < l else l
            jl1 = l if j < l else j
            il0 = i if i < l else l
            il1 = l if i < l else i
            jk0 = j if j < k else k
            jk1 = k if j < k else j
            c1 = geno[ik0, ik1]
            if c1 > 0:
                geno[ik0, ik1] -= 1
                c2 = geno[jl0, jl1]
                if c2 > 0:
                    geno[jl0, jl1] -= 1
                    geno[il0, il1] += 1
                    c3 = geno[il0, il1]
                    geno[jk0, jk1] += 1
                    c4 = geno[jk0, jk1]
                    dh = (i != l) + (j != k) - (i != k) - (j != l)
                    ratio = (<double> c1) * (<double> c2) / ((<double> c3) * (<double> c4))
                    if dh > 0:
                        ratio = ratio * (1 << dh)
                    elif dh < 0:
                        ratio = ratio / (1 << (-dh))
                    if u[s] < ratio:
                        logcur = logcur + log(ratio)
                        h = h + dh
                    else:
                        geno[jk0, jk1] -= 1
                        geno[il0, il1] -= 1
                        geno[jl0, jl1] += 1
                        geno[ik0, ik1] += 1
                else:
                    geno[ik0, ik1] += 1
            if s >= burn_in:
                b = (s - burn_in) // batch_size
                if logcur <= log_tol:
                    n_le[b] += 1
                if h <= h_obs:
                    n_het_le[b] += 1
