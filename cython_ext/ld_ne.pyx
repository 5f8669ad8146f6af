# cython: language_level=3
"""Burrows composite r^2 over pairs of loci, for the LD method of Ne.

Layout: ``geno`` is *locus-major*, ``(loci, individuals, 2)`` int16 *population-local* allele
indices (``0 .. n_alleles[locus] - 1``, every index present in the population);
``-1`` is missing and a call is either fully typed or fully missing (the
wrapper in ``genmon.ne.ld`` turns partial calls into missing ones, as
NeEstimator v2 does).  Nothing is checked here.

For each pair of loci (p1 < p2, both marked usable in ``locus_ok``) the kernel

1. takes the S individuals typed at both loci and counts, on them, the copies
   of each allele, its homozygotes and the joint copy products
   ``sum_i c_A(i) c_B(i)`` (one pass over individuals);
2. keeps the alleles whose frequency on those S individuals lies in
   ``[Pcrit, 1 - Pcrit]`` and is below 1 (or, with ``singleton``, drops only
   alleles seen once: Pcrit = 1 / (2S - 1 - 1.5 [S > 2])), the comparisons done
   in single precision exactly as NeEstimator v2 does them so that alleles on
   the boundary are kept or dropped as there;
3. averages r^2 = D^2 / (var_A var_B) over the kept allele pairs, with Burrows'
   D = [S/(S-1)] [sum c_A c_B / (2S) - 2 p q] and var = p(1-p) + (h - p^2);
4. weighs the pair by the product of independent alleles (kept alleles, less
   one where no allele was dropped) and adds weight and weight x r^2 to the
   bucket of its S (row ``r - row_start``), so that any weighting by S is done
   afterwards without keeping per-pair values (memory bounded);
5. with ``jack``, recomputes the pair's r^2 with each typed individual left
   out (Jones, Ovenden & Wang 2016; NeEstimator's jackknife on samples) from
   the counts less that individual's contribution, and adds to per-individual
   sums (see ``_ld_block``);
6. with ``jl_fac`` (a second pass, once the weighted mean r^2 is known), adds
   the pair's term of the jackknife over locus pairs (Waples & Do 2008;
   NeEstimator v2.0): with final weight w_k = weight x ``jl_fac[S]`` and W, rbar
   the total weight and weighted mean r^2 over all pairs, the mean with pair k
   left out differs from rbar by w_k / (W - w_k) (rbar - r_k); its square is
   summed per row.

Each row (first locus) is done by one thread and writes only its own output
row, so results do not depend on the thread count.
"""

from cython.parallel cimport parallel, prange
from libc.math cimport sqrt
from libc.stdint cimport int16_t, int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport calloc, free


cdef extern from *:
    """
    #include <stdint.h>
    /* Copy counts of two biallelic loci on the individuals typed at both, from
       bit sets (typed, >= 1 copy of allele 0, 2 copies of allele 0).  Built for
       the popcnt instruction where the compiler can dispatch on the CPU. */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    __attribute__((target_clones("popcnt", "default")))
    #endif
    static void genmon_bit_counts(const uint64_t *t1, const uint64_t *x1, const uint64_t *y1,
                                  const uint64_t *t2, const uint64_t *x2, const uint64_t *y2,
                                  Py_ssize_t nw, int64_t *out) {
        int64_t s = 0, a1 = 0, b1 = 0, a2 = 0, b2 = 0, p = 0;
        for (Py_ssize_t w = 0; w < nw; w++) {
            uint64_t t = t1[w] & t2[w];
            uint64_t u1 = x1[w] & t, v1 = y1[w] & t, u2 = x2[w] & t, v2 = y2[w] & t;
            s += __builtin_popcountll(t);
            a1 += __builtin_popcountll(u1);
            b1 += __builtin_popcountll(v1);
            a2 += __builtin_popcountll(u2);
            b2 += __builtin_popcountll(v2);
            p += __builtin_popcountll(u1 & u2) + __builtin_popcountll(u1 & v2)
                 + __builtin_popcountll(v1 & u2) + __builtin_popcountll(v1 & v2);
        }
        out[0] = s; out[1] = a1; out[2] = b1; out[3] = a2; out[4] = b2; out[5] = p;
    }
    static inline int genmon_ctz(uint64_t x) { return __builtin_ctzll(x); }
    """
    int genmon_ctz(uint64_t x) noexcept nogil
    void genmon_bit_counts(const uint64_t *t1, const uint64_t *x1, const uint64_t *y1,
                           const uint64_t *t2, const uint64_t *x2, const uint64_t *y2,
                           Py_ssize_t nw, int64_t *out) noexcept nogil


cdef struct Scratch:
    int *tidx       # individuals typed at both loci
    int *cnt1
    int *hom1
    int *cnt2
    int *hom2
    int *psum       # (a1 x a2) joint copy products
    int *use1       # kept allele indices
    int *use2
    float *f1f      # single-precision frequencies (for eligibility decisions)
    float *f2f
    double *var1
    double *var2
    uint8_t *acc1   # kept allele accepted when one individual is left out
    uint8_t *acc2
    double tab_num[9]  # leave-one-out table for two-allele pairs
    double tab_den[9]
    int tab_rej[9]


cdef inline int _count(int16_t a, int16_t b, int allele) noexcept nogil:
    return (a == allele) + (b == allele)


cdef inline int _rejected(float cut, float nsamp, float f, int remv, float *fx) noexcept nogil:
    # NeEstimator's eligibility of an allele once one individual carrying
    # ``remv`` copies is left out, in its single-precision arithmetic.
    cdef float val = 2 * nsamp
    cdef float tot = val - 2
    if tot < 0.5:
        return 1
    val = val * f
    val = val - remv
    fx[0] = val / tot
    if cut == 0:
        if val < 0.5:
            fx[0] = 0
        elif val > tot - 0.5:
            fx[0] = 1
        if fx[0] == 0 or fx[0] == 1:
            return 1
    else:
        if fx[0] < cut or <double> fx[0] > (1.0 - <double> cut):
            return 1
    return 0


cdef inline double _r2_left_out(int n1, int h1, int n2, int h2, int ps, int c1, int c2,
                                double s, double eps) noexcept nogil:
    # r^2 of one allele pair on the S - 1 individuals left when one with
    # c1, c2 copies is removed (exact counts, double precision).
    cdef double f1 = (n1 - c1) / (2.0 * (s - 1))
    cdef double f2 = (n2 - c2) / (2.0 * (s - 1))
    cdef double v1 = f1 - 2 * f1 * f1 + (h1 - (c1 == 2)) / (s - 1)
    cdef double v2 = f2 - 2 * f2 * f2 + (h2 - (c2 == 2)) / (s - 1)
    cdef double d, r2
    if v1 < eps or v2 < eps:
        return 0.0
    d = (ps - c1 * c2) / (2.0 * (s - 1)) - 2 * f1 * f2
    if s > 2.5:
        d = d * (s - 1) / (s - 2)
    r2 = d * d / (v1 * v2)
    return 1.0 if r2 > 1.0 else r2


cdef int _alloc(Scratch *w, Py_ssize_t n, int amax) noexcept nogil:
    w.tidx = <int *> calloc(n + 1, sizeof(int))
    w.cnt1 = <int *> calloc(amax, sizeof(int))
    w.hom1 = <int *> calloc(amax, sizeof(int))
    w.cnt2 = <int *> calloc(amax, sizeof(int))
    w.hom2 = <int *> calloc(amax, sizeof(int))
    w.psum = <int *> calloc(amax * amax, sizeof(int))
    w.use1 = <int *> calloc(amax, sizeof(int))
    w.use2 = <int *> calloc(amax, sizeof(int))
    w.f1f = <float *> calloc(amax, sizeof(float))
    w.f2f = <float *> calloc(amax, sizeof(float))
    w.var1 = <double *> calloc(amax, sizeof(double))
    w.var2 = <double *> calloc(amax, sizeof(double))
    w.acc1 = <uint8_t *> calloc(amax, sizeof(uint8_t))
    w.acc2 = <uint8_t *> calloc(amax, sizeof(uint8_t))
    if (w.tidx == NULL or w.cnt1 == NULL or w.hom1 == NULL or w.cnt2 == NULL
            or w.hom2 == NULL or w.psum == NULL or w.use1 == NULL or w.use2 == NULL
            or w.f1f == NULL or w.f2f == NULL or w.var1 == NULL or w.var2 == NULL
            or w.acc1 == NULL or w.acc2 == NULL):
        return 1
    return 0


cdef void _release(Scratch *w) noexcept nogil:
    free(w.tidx)
    free(w.cnt1)
    free(w.hom1)
    free(w.cnt2)
    free(w.hom2)
    free(w.psum)
    free(w.use1)
    free(w.use2)
    free(w.f1f)
    free(w.f2f)
    free(w.var1)
    free(w.var2)
    free(w.acc1)
    free(w.acc2)


cdef void _two_allele_table(Scratch *w, int s, float cut, int n1, int h1, int n2, int h2, int ps,
                            double v1, double v2, float f1, float f2, double r2, double w0,
                            int weigh_samp, double eps) noexcept nogil:
    # Leave-one-out table of a pair of two-allele loci with both alleles kept:
    # the effect of removing an individual depends only on its copies (0, 1, 2)
    # of allele 0 at each locus, so nine cases cover every individual.
    cdef int c1, c2, rej
    cdef float fx
    cdef double wk, r2k
    cdef double ds = <double> s
    for c1 in range(3):
        for c2 in range(3):
            wk = (ds - 1) * (ds - 1) if weigh_samp else 1.0
            r2k = 0.0
            rej = 0
            if v1 >= eps and v2 >= eps:
                rej = _rejected(cut, <float> s, f1, c1, &fx)
                rej = rej + _rejected(cut, <float> s, f2, c2, &fx)
                if rej:
                    wk = 0.0
                elif c1 <= n1 and c2 <= n2:
                    r2k = _r2_left_out(n1, h1, n2, h2, ps, c1, c2, ds, eps)
            w.tab_num[3 * c1 + c2] = r2k * wk - r2 * w0
            w.tab_den[3 * c1 + c2] = wk - w0
            w.tab_rej[3 * c1 + c2] = 1 if rej else 0


cdef inline void _pair_left_out(double wk, double r2, double total, double mean, Py_ssize_t row,
                                 double[:, ::1] jl_out) noexcept nogil:
    # Square of (weighted mean r^2 without this pair) - (weighted mean r^2 of all
    # pairs) = [wk / (W - wk)] (mean - r2); a pair carrying all the weight has no
    # leave-one-out mean and is counted in column 1 instead.
    cdef double f
    if total - wk <= 0:
        jl_out[row, 1] += 1
        return
    f = wk / (total - wk) * (mean - r2)
    jl_out[row, 0] += f * f


cdef int _keep(int *cnt, int na, int s, float cut, int *use, float *ff, int *n_ind) noexcept nogil:
    # Alleles kept at one locus of the pair; returns their number (nEff) and
    # sets the number of independent alleles (NeEstimator's nInd).
    cdef int a, n_eff = 0, n_zero = 0, n_drop = 0
    cdef float x
    # 1 - Pcrit in single precision, as NeEstimator compares (a double 1.0 - cut
    # would drop an allele whose frequency equals 1 - Pcrit, e.g. 0.8 at Pcrit 0.2)
    cdef float upper = <float> (1 - cut)
    for a in range(na):
        if cnt[a] == 0:
            n_zero += 1
            continue
        x = (<float> cnt[a]) / (2.0 * (<float> s))
        if x < cut:
            n_drop += 1
        elif x < 1 and x <= upper:
            use[n_eff] = a
            ff[n_eff] = x
            n_eff += 1
    if n_eff == 0:
        n_ind[0] = 0
    elif n_drop > 0:
        n_ind[0] = na - n_zero - n_drop
    else:
        n_ind[0] = na - n_zero - 1
    return n_eff


cdef void _pair(const int16_t[:, :, ::1] geno, const int32_t[::1] n_alleles,
                Py_ssize_t p1, Py_ssize_t p2, float cutoff, int singleton,
                int jack, int weigh_samp, double eps, Scratch *w, Py_ssize_t row,
                double[:, ::1] sum_w, double[:, ::1] sum_wr2, int64_t[:, ::1] n_pairs,
                double[:, ::1] jk_base, double[:, ::1] jk_num, double[:, ::1] jk_den,
                int32_t[:, ::1] jk_rej, const double[::1] jl_fac, double jl_total, double jl_mean,
                double[:, ::1] jl_out) noexcept nogil:
    cdef Py_ssize_t n = geno.shape[1]
    cdef int a1n = n_alleles[p1], a2n = n_alleles[p2]
    cdef Py_ssize_t i, t, k
    cdef int s = 0, a, b, c, d, x, y, n_eff1, n_eff2, n_ind1, n_ind2
    cdef int c1, c2, m1, m2, rej
    cdef float cut, xs, fx, fsum1, fsum2, one_less
    cdef double ds, f1, f2, dd, r2, r2sum, weight, w0, wk, r2k
    # 1. counts on the individuals typed at both loci
    for a in range(a1n):
        w.cnt1[a] = 0
        w.hom1[a] = 0
    for a in range(a2n):
        w.cnt2[a] = 0
        w.hom2[a] = 0
    for a in range(a1n * a2n):
        w.psum[a] = 0
    for i in range(n):
        a = geno[p1, i, 0]
        c = geno[p2, i, 0]
        if a < 0 or c < 0:
            continue
        b = geno[p1, i, 1]
        d = geno[p2, i, 1]
        w.tidx[s] = <int> i
        s += 1
        w.cnt1[a] += 1
        w.cnt1[b] += 1
        w.cnt2[c] += 1
        w.cnt2[d] += 1
        if a == b:
            w.hom1[a] += 1
        if c == d:
            w.hom2[c] += 1
        w.psum[a * a2n + c] += 1
        w.psum[a * a2n + d] += 1
        w.psum[b * a2n + c] += 1
        w.psum[b * a2n + d] += 1
    if s == 0:
        return
    # 2. Pcrit on these S individuals
    cut = cutoff
    if singleton:
        xs = 2 * (<float> s) - 1
        if s > 2:
            xs = xs - 1.5
        cut = <float> (1.0 / xs)
    n_eff1 = _keep(w.cnt1, a1n, s, cut, w.use1, w.f1f, &n_ind1)
    n_eff2 = _keep(w.cnt2, a2n, s, cut, w.use2, w.f2f, &n_ind2)
    if n_eff1 * n_eff2 <= 0:
        return
    # 3. mean r^2 over kept allele pairs
    ds = <double> s
    for x in range(n_eff1):
        a = w.use1[x]
        f1 = w.cnt1[a] / (2.0 * ds)
        w.var1[x] = f1 * (1.0 - 2.0 * f1) + w.hom1[a] / ds
    for y in range(n_eff2):
        c = w.use2[y]
        f2 = w.cnt2[c] / (2.0 * ds)
        w.var2[y] = f2 * (1.0 - 2.0 * f2) + w.hom2[c] / ds
    r2sum = 0.0
    for x in range(n_eff1):
        if w.var1[x] < eps:
            continue
        a = w.use1[x]
        f1 = w.cnt1[a] / (2.0 * ds)
        for y in range(n_eff2):
            if w.var2[y] < eps:
                continue
            c = w.use2[y]
            f2 = w.cnt2[c] / (2.0 * ds)
            dd = w.psum[a * a2n + c] / (2.0 * ds) - 2.0 * f1 * f2
            if s > 1:
                dd = dd * ds / (ds - 1.0)
            r2 = dd * dd / (w.var1[x] * w.var2[y])
            r2sum = r2sum + (1.0 if r2 > 1.0 else r2)
    r2 = r2sum / (n_eff1 * n_eff2)
    # 4. weights by S bucket
    weight = <double> (n_ind1 * n_ind2)
    sum_w[row, s] += weight
    sum_wr2[row, s] += weight * r2
    n_pairs[row, s] += 1
    if jl_fac.shape[0] > 0:
        _pair_left_out(weight * jl_fac[s], r2, jl_total, jl_mean, row, jl_out)
    if not jack:
        return
    # 5. leave-one-out: an individual not typed at both loci leaves the pair as
    # it is (weight w0); the others are added as differences from that.
    w0 = weight * ds * ds if weigh_samp else weight
    jk_base[row, 0] += r2 * w0
    jk_base[row, 1] += w0
    one_less = <float> (1.0 - <float> eps)
    if n_ind1 < n_eff1 and n_eff1 == 2 and n_ind2 < n_eff2 and n_eff2 == 2:
        # two alleles at each locus, none dropped: one allele pair decides, and
        # what leaving an individual out does depends only on its copies
        # (0, 1, 2) of the two alleles: nine cases, tabled once per pair.
        a = w.use1[0]
        c = w.use2[0]
        _two_allele_table(w, s, cut, w.cnt1[a], w.hom1[a], w.cnt2[c], w.hom2[c],
                          w.psum[a * a2n + c], w.var1[0], w.var2[0], w.f1f[0], w.f2f[0],
                          r2, w0, weigh_samp, eps)
        for t in range(s):
            k = w.tidx[t]
            x = 3 * _count(geno[p1, k, 0], geno[p1, k, 1], a) + _count(geno[p2, k, 0], geno[p2, k, 1], c)
            jk_num[row, k] += w.tab_num[x]
            jk_den[row, k] += w.tab_den[x]
            jk_rej[row, k] += w.tab_rej[x]
        return
    for t in range(s):
        k = w.tidx[t]
        m1 = 0
        m2 = 0
        fsum1 = 0
        fsum2 = 0
        for x in range(n_eff1):
            a = w.use1[x]
            if w.var1[x] < eps:
                w.acc1[x] = 1
                m1 += 1
                continue
            c1 = _count(geno[p1, k, 0], geno[p1, k, 1], a)
            w.acc1[x] = 1 - _rejected(cut, <float> s, w.f1f[x], c1, &fx)
            if w.acc1[x]:
                m1 += 1
                fsum1 = fsum1 + fx
        for y in range(n_eff2):
            c = w.use2[y]
            if w.var2[y] < eps:
                w.acc2[y] = 1
                m2 += 1
                continue
            c2 = _count(geno[p2, k, 0], geno[p2, k, 1], c)
            w.acc2[y] = 1 - _rejected(cut, <float> s, w.f2f[y], c2, &fx)
            if w.acc2[y]:
                m2 += 1
                fsum2 = fsum2 + fx
        r2sum = 0.0
        for x in range(n_eff1):
            if not w.acc1[x] or w.var1[x] < eps:
                continue
            a = w.use1[x]
            c1 = _count(geno[p1, k, 0], geno[p1, k, 1], a)
            for y in range(n_eff2):
                if not w.acc2[y] or w.var2[y] < eps:
                    continue
                c = w.use2[y]
                c2 = _count(geno[p2, k, 0], geno[p2, k, 1], c)
                r2sum = r2sum + _r2_left_out(w.cnt1[a], w.hom1[a], w.cnt2[c], w.hom2[c],
                                             w.psum[a * a2n + c], c1, c2, ds, eps)
        if m1 * m2 > 0:
            r2k = r2sum / (m1 * m2)
        else:
            r2k = 0.0
            jk_rej[row, k] += 1
        # independent alleles left: one less where the accepted ones cover all copies
        if fsum1 > one_less:
            m1 -= 1
        if fsum2 > one_less:
            m2 -= 1
        wk = <double> (m1 * m2)
        if weigh_samp:
            wk = wk * (ds - 1) * (ds - 1)
        jk_num[row, k] += r2k * wk - r2 * w0
        jk_den[row, k] += wk - w0


cdef int _pair_bits(const uint64_t[:, :, ::1] bits, Py_ssize_t p1, Py_ssize_t p2, float cutoff,
                    int singleton, int jack, int weigh_samp, double eps, Scratch *w, Py_ssize_t row,
                    double[:, ::1] sum_w, double[:, ::1] sum_wr2, int64_t[:, ::1] n_pairs,
                    double[:, ::1] jk_base, double[:, ::1] jk_num, double[:, ::1] jk_den,
                    int32_t[:, ::1] jk_rej, const double[::1] jl_fac, double jl_total,
                    double jl_mean, double[:, ::1] jl_out) noexcept nogil:
    # Two two-allele loci from bit sets.  Returns 1 when the pair is not the
    # plain two-alleles-kept-at-each-locus case, for the general path.
    cdef int64_t cnt[6]
    cdef int s, n_eff1, n_eff2, n_ind1, n_ind2, x, bit
    cdef float cut, xs
    cdef double ds, f1, f2, v1, v2, dd, r2, w0
    cdef Py_ssize_t word, k
    cdef uint64_t t
    genmon_bit_counts(&bits[p1, 0, 0], &bits[p1, 1, 0], &bits[p1, 2, 0],
                      &bits[p2, 0, 0], &bits[p2, 1, 0], &bits[p2, 2, 0], bits.shape[2], cnt)
    s = <int> cnt[0]
    if s == 0:
        return 0
    w.cnt1[0] = <int> (cnt[1] + cnt[2])
    w.cnt1[1] = 2 * s - w.cnt1[0]
    w.cnt2[0] = <int> (cnt[3] + cnt[4])
    w.cnt2[1] = 2 * s - w.cnt2[0]
    cut = cutoff
    if singleton:
        xs = 2 * (<float> s) - 1
        if s > 2:
            xs = xs - 1.5
        cut = <float> (1.0 / xs)
    n_eff1 = _keep(w.cnt1, 2, s, cut, w.use1, w.f1f, &n_ind1)
    n_eff2 = _keep(w.cnt2, 2, s, cut, w.use2, w.f2f, &n_ind2)
    if n_eff1 * n_eff2 == 0:
        return 0
    if n_eff1 != 2 or n_eff2 != 2:
        return 1
    ds = <double> s
    f1 = w.cnt1[0] / (2.0 * ds)
    f2 = w.cnt2[0] / (2.0 * ds)
    v1 = f1 * (1.0 - 2.0 * f1) + cnt[2] / ds
    v2 = f2 * (1.0 - 2.0 * f2) + cnt[4] / ds
    r2 = 0.0
    if v1 >= eps and v2 >= eps:
        dd = cnt[5] / (2.0 * ds) - 2.0 * f1 * f2
        if s > 1:
            dd = dd * ds / (ds - 1.0)
        r2 = dd * dd / (v1 * v2)
        if r2 > 1.0:
            r2 = 1.0
    sum_w[row, s] += 1.0
    sum_wr2[row, s] += r2
    n_pairs[row, s] += 1
    if jl_fac.shape[0] > 0:
        _pair_left_out(jl_fac[s], r2, jl_total, jl_mean, row, jl_out)
    if not jack:
        return 0
    w0 = ds * ds if weigh_samp else 1.0
    jk_base[row, 0] += r2 * w0
    jk_base[row, 1] += w0
    _two_allele_table(w, s, cut, w.cnt1[0], <int> cnt[2], w.cnt2[0], <int> cnt[4], <int> cnt[5],
                      v1, v2, w.f1f[0], w.f2f[0], r2, w0, weigh_samp, eps)
    # individuals typed at both loci: the set bits of typed1 & typed2
    for word in range(bits.shape[2]):
        t = bits[p1, 0, word] & bits[p2, 0, word]
        while t:
            bit = genmon_ctz(t)
            t = t & (t - 1)
            k = word * 64 + bit
            x = 3 * <int> (((bits[p1, 1, word] >> bit) & 1) + ((bits[p1, 2, word] >> bit) & 1))
            x = x + <int> (((bits[p2, 1, word] >> bit) & 1) + ((bits[p2, 2, word] >> bit) & 1))
            jk_num[row, k] += w.tab_num[x]
            jk_den[row, k] += w.tab_den[x]
            jk_rej[row, k] += w.tab_rej[x]
    return 0


def _ld_block(const int16_t[:, :, ::1] geno not None,
              const uint64_t[:, :, ::1] bits not None,
              const int32_t[::1] n_alleles not None,
              const uint8_t[::1] locus_ok not None,
              const int32_t[::1] chrom not None,
              int pair_mode,
              float cutoff,
              int singleton,
              Py_ssize_t row_start,
              Py_ssize_t row_end,
              int jack,
              int weigh_samp,
              double eps,
              double[:, ::1] sum_w not None,
              double[:, ::1] sum_wr2 not None,
              int64_t[:, ::1] n_pairs not None,
              double[:, ::1] jk_base not None,
              double[:, ::1] jk_num not None,
              double[:, ::1] jk_den not None,
              int32_t[:, ::1] jk_rej not None,
              const double[::1] jl_fac not None,
              double jl_total,
              double jl_mean,
              double[:, ::1] jl_out not None,
              int num_threads=1):
    """Add the pairs whose first locus is in ``[row_start, row_end)``.

    ``bits`` is ``(loci, 3, words)``: per locus, bit sets over individuals of
    "typed", "at least one copy of allele 0" and "two copies of allele 0"; when
    it has words, pairs of two-allele loci are counted with popcounts and their
    leave-one-out terms tabled by copy numbers (same numbers, much faster).  Pass a ``(loci, 3, 0)`` array to
    use the general path only.

    Outputs are indexed by ``row = p1 - row_start``: ``sum_w[row, S]`` (sum of
    weights = products of independent alleles), ``sum_wr2[row, S]`` (sum of
    weight x r^2) and ``n_pairs[row, S]`` (pairs) per number S of individuals
    typed at both loci; with ``jack``, ``jk_base[row] = (sum r^2 w0, sum w0)``
    over pairs (w0 = weight x S^2 when ``weigh_samp``), and per individual k
    ``jk_num[row, k]``/``jk_den[row, k]`` the differences (r^2_(k) w_(k) - r^2
    w0, w_(k) - w0) for pairs where k is typed at both loci (w_(k) = the
    independent alleles left x (S-1)^2 when ``weigh_samp``) and ``jk_rej[row,
    k]`` the pairs that leaving k out excludes.  ``pair_mode`` 0 takes every
    pair, 1 only pairs with different ``chrom``, 2 only pairs with equal
    ``chrom``.  With a non-empty ``jl_fac`` (length S_max + 1: the factor
    taking a pair's weight to its final weight, 1, S^2 or S^2 / (3 Ne0 + S)^2),
    ``jl_out[row, 0]`` sums [w_k / (W - w_k)]^2 (rbar - r_k)^2 over the row's
    pairs for the jackknife over locus pairs (W = ``jl_total``, rbar =
    ``jl_mean``) and ``jl_out[row, 1]`` counts pairs with W - w_k <= 0.
    Outputs must be zeroed by the caller.  Returns 0, or 1 if
    scratch memory could not be allocated.
    """
    cdef Py_ssize_t n = geno.shape[1]
    cdef Py_ssize_t n_loci = geno.shape[0]
    cdef Py_ssize_t p1, p2
    cdef int amax = 1
    cdef int failed[1]
    cdef Scratch *wp = NULL
    failed[0] = 0
    for p1 in range(n_loci):
        if n_alleles[p1] > amax:
            amax = n_alleles[p1]
    with nogil, parallel(num_threads=num_threads):
        wp = <Scratch *> calloc(1, sizeof(Scratch))
        if wp != NULL and _alloc(wp, n, amax):
            _release(wp)
            free(wp)
            wp = NULL
        for p1 in prange(row_start, row_end, schedule="dynamic"):
            if wp == NULL:
                failed[0] = 1
                continue
            if not locus_ok[p1]:
                continue
            for p2 in range(p1 + 1, n_loci):
                if not locus_ok[p2]:
                    continue
                if pair_mode == 1 and chrom[p1] == chrom[p2]:
                    continue
                if pair_mode == 2 and chrom[p1] != chrom[p2]:
                    continue
                if (bits.shape[2] > 0 and n_alleles[p1] == 2 and n_alleles[p2] == 2
                        and not _pair_bits(bits, p1, p2, cutoff, singleton, jack, weigh_samp, eps, wp,
                                           p1 - row_start, sum_w, sum_wr2, n_pairs,
                                           jk_base, jk_num, jk_den, jk_rej,
                                           jl_fac, jl_total, jl_mean, jl_out)):
                    continue
                _pair(geno, n_alleles, p1, p2, cutoff, singleton, jack, weigh_samp,
                      eps, wp, p1 - row_start, sum_w, sum_wr2, n_pairs,
                      jk_base, jk_num, jk_den, jk_rej, jl_fac, jl_total, jl_mean, jl_out)
        if wp != NULL:
            _release(wp)
            free(wp)
    return failed[0]
