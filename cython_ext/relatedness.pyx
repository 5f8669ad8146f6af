# cython: language_level=3
"""Pairwise moment estimators of relatedness for diploid codominant loci.

Layout: ``calls`` is ``(samples, loci, 2)`` int16 allele indices, negative =
missing.  Per locus the wrapper (``genmon.relate.moments``) supplies allele
frequencies, the number of alleles, and Wang's (2002) locus coefficients;
nothing is validated here.  Each pair is independent, so results do not
depend on the thread count.

Output columns: 0 Queller & Goodnight, 1 Lynch & Ritland, 2 Lynch & Li,
3 Ritland, 4 Wang.
"""

from cython.parallel cimport prange
from libc.math cimport NAN, isinf
from libc.stdint cimport int16_t, int32_t, int64_t

# Columns of ``locus_coef``: Wang's b, c, d, e, f, g, the locus weight 1/u, and Lynch & Li's S0.
cdef enum:
    C_B = 0
    C_C = 1
    C_D = 2
    C_E = 3
    C_F = 4
    C_G = 5
    C_W = 6
    C_S0 = 7


cdef inline double _freq(const double[:, ::1] freq, const int64_t[:, ::1] counts,
                         const int64_t[::1] totals, int exclude_pair, Py_ssize_t l,
                         int16_t allele, int pair_copies) noexcept nogil:
    """Frequency of ``allele``, optionally with the pair's own copies removed."""
    if exclude_pair:
        if totals[l] - 4 <= 0:
            return 0.0
        return (counts[l, allele] - pair_copies) / <double>(totals[l] - 4)
    return freq[l, allele]


cdef inline double _ratio(double num, double den) noexcept nogil:
    """num / den, NaN when the denominator is zero (the estimate is undefined)."""
    if den == 0.0:
        return NAN
    return num / den


cdef inline int _copies(int16_t v, int16_t a, int16_t b, int16_t c, int16_t d) noexcept nogil:
    return (a == v) + (b == v) + (c == v) + (d == v)


def _moment_estimators(const int16_t[:, :, ::1] calls not None,
                       const double[:, ::1] freq not None,
                       const int64_t[:, ::1] counts not None,
                       const int64_t[::1] totals not None,
                       const int32_t[::1] n_alleles not None,
                       const double[:, ::1] locus_coef not None,
                       const int64_t[::1] pair_i not None,
                       const int64_t[::1] pair_j not None,
                       double[:, ::1] out not None,
                       int32_t[::1] n_loci_out not None,
                       int qg_pooled=1,
                       int ritland_weighted=0,
                       int lr_perturb=1,
                       int wang_biallelic_fix=1,
                       int exclude_pair=0,
                       int num_threads=1):
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef Py_ssize_t p, l
    cdef int64_t x, y
    cdef int16_t a, b, c, d, tmp
    cdef int k, m, shared, used, max_alleles
    cdef double pa, pb, pc, pd, t1, t2, zz, yy
    cdef double qn_xy, qd_xy, qn_yx, qd_yx
    cdef double lw_xy, lwr_xy, lw_yx, lwr_yx
    cdef double rit_num, rit_den, xsum
    cdef double ll_num, ll_den, s_xy
    cdef double wsum, sb, sc, sd, se, sf, sg, s1, s2, s3, w, v, phi, delta
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="static"):
            x = pair_i[p]
            y = pair_j[p]
            qn_xy = 0.0
            qd_xy = 0.0
            qn_yx = 0.0
            qd_yx = 0.0
            lw_xy = 0.0
            lwr_xy = 0.0
            lw_yx = 0.0
            lwr_yx = 0.0
            rit_num = 0.0
            rit_den = 0.0
            ll_num = 0.0
            ll_den = 0.0
            wsum = 0.0
            sb = 0.0
            sc = 0.0
            sd = 0.0
            se = 0.0
            sf = 0.0
            sg = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            used = 0
            max_alleles = 0
            for l in range(n_loci):
                k = n_alleles[l]
                a = calls[x, l, 0]
                b = calls[x, l, 1]
                c = calls[y, l, 0]
                d = calls[y, l, 1]
                if k < 2 or a < 0 or b < 0 or c < 0 or d < 0:
                    continue
                used = used + 1
                if k > max_alleles:
                    max_alleles = k
                pa = _freq(freq, counts, totals, exclude_pair, l, a, _copies(a, a, b, c, d))
                pb = _freq(freq, counts, totals, exclude_pair, l, b, _copies(b, a, b, c, d))
                pc = _freq(freq, counts, totals, exclude_pair, l, c, _copies(c, a, b, c, d))
                pd = _freq(freq, counts, totals, exclude_pair, l, d, _copies(d, a, b, c, d))
                m = (a == c) + (a == d) + (b == c) + (b == d)
                # Queller & Goodnight: x then y as the reference individual.
                qn_xy = qn_xy + m - 2.0 * (pa + pb)
                qd_xy = qd_xy + 2.0 * (1 + (a == b)) - 2.0 * (pa + pb)
                qn_yx = qn_yx + m - 2.0 * (pc + pd)
                qd_yx = qd_yx + 2.0 * (1 + (c == d)) - 2.0 * (pc + pd)
                # Lynch & Ritland, x as reference: weight w = Y / (2 pa pb), w r = (Z - 4 pa pb) / (2 pa pb).
                t1 = pa
                t2 = pb
                if lr_perturb and k == 2 and t1 > 0.499 and t1 < 0.501:
                    t1 = 0.501
                    t2 = 0.499
                zz = t1 * ((b == c) + (b == d)) + t2 * ((a == c) + (a == d))
                yy = (1 + (a == b)) * (t1 + t2) - 4.0 * t1 * t2
                lw_xy = lw_xy + yy / (2.0 * t1 * t2)
                lwr_xy = lwr_xy + (zz - 4.0 * t1 * t2) / (2.0 * t1 * t2)
                # ... and y as reference.
                t1 = pc
                t2 = pd
                if lr_perturb and k == 2 and t1 > 0.499 and t1 < 0.501:
                    t1 = 0.501
                    t2 = 0.499
                zz = t1 * ((d == a) + (d == b)) + t2 * ((c == a) + (c == b))
                yy = (1 + (c == d)) * (t1 + t2) - 4.0 * t1 * t2
                lw_yx = lw_yx + yy / (2.0 * t1 * t2)
                lwr_yx = lwr_yx + (zz - 4.0 * t1 * t2) / (2.0 * t1 * t2)
                # Ritland: sum over alleles of x_i y_i / (4 p_i); only alleles both carry contribute
                # (an allele one of them lacks adds 0 even where its leave-pair-out frequency is 0).
                xsum = 0.0
                if c == a or d == a:
                    xsum = (1 + (b == a)) * ((c == a) + (d == a)) / (4.0 * pa)
                if b != a and (c == b or d == b):
                    xsum = xsum + ((c == b) + (d == b)) / (4.0 * pb)
                if ritland_weighted:
                    rit_num = rit_num + 2.0 * (xsum - 1.0)
                    rit_den = rit_den + (k - 1)
                else:
                    rit_num = rit_num + 2.0 * (xsum - 1.0) / (k - 1)
                    rit_den = rit_den + 1.0
                # Similarity: 1 identical genotypes, 3/4 AA-AB, 1/2 AB-AC, 0 otherwise.
                if (a == c and b == d) or (a == d and b == c):
                    s_xy = 1.0
                    shared = 3
                elif m == 0:
                    s_xy = 0.0
                    shared = 0
                elif m == 2:
                    s_xy = 0.75
                    shared = 2
                else:
                    s_xy = 0.5
                    shared = 1
                # Lynch & Li.
                ll_num = ll_num + s_xy - locus_coef[l, C_S0]
                ll_den = ll_den + 1.0 - locus_coef[l, C_S0]
                # Wang 2002: weighted sums of the locus coefficients and IBS categories.
                w = locus_coef[l, C_W]
                wsum = wsum + w
                sb = sb + w * locus_coef[l, C_B]
                sc = sc + w * locus_coef[l, C_C]
                sd = sd + w * locus_coef[l, C_D]
                se = se + w * locus_coef[l, C_E]
                sf = sf + w * locus_coef[l, C_F]
                sg = sg + w * locus_coef[l, C_G]
                if shared == 3:
                    s1 = s1 + w
                elif shared == 2:
                    s2 = s2 + w
                elif shared == 1:
                    s3 = s3 + w
            n_loci_out[p] = used
            if used == 0:
                out[p, 0] = NAN
                out[p, 1] = NAN
                out[p, 2] = NAN
                out[p, 3] = NAN
                out[p, 4] = NAN
                continue
            if qg_pooled:
                out[p, 0] = _ratio(qn_xy + qn_yx, qd_xy + qd_yx)
            else:
                out[p, 0] = 0.5 * (_ratio(qn_xy, qd_xy) + _ratio(qn_yx, qd_yx))
            out[p, 1] = 0.5 * (_ratio(lwr_xy, lw_xy) + _ratio(lwr_yx, lw_yx))
            out[p, 2] = _ratio(ll_num, ll_den)
            # an allele both carry with leave-pair-out frequency 0 makes the sum infinite: undefined
            out[p, 3] = NAN if isinf(rit_num) else _ratio(rit_num, rit_den)
            if wsum == 0.0:
                # No locus with a usable Wang weight (possible with unbiased moments of tiny samples).
                out[p, 4] = NAN
                continue
            sb = sb / wsum
            sc = sc / wsum
            sd = sd / wsum
            se = se / wsum
            sf = sf / wsum
            sg = sg / wsum
            s1 = s1 / wsum
            s2 = s2 / wsum
            s3 = s3 / wsum
            if wang_biallelic_fix and max_alleles == 2:
                # With only biallelic loci the system is singular; COANCESTRY sets f and g to 1e-50.
                sf = 1e-50
                sg = 1e-50
            v = ((1 - sb) * (1 - sb) * (se * se * sf + sd * sg * sg)
                 - (1 - sb) * (se * sf - sd * sg) * (se * sf - sd * sg)
                 + 2 * sc * sd * sf * (1 - sb) * (sg + se)
                 + sc * sc * sd * sf * (sd + sf))
            if v == 0.0:
                out[p, 4] = NAN
                continue
            phi = (sd * sf * ((se + sg) * (1 - sb) + sc * (sd + sf)) * (s1 - 1)
                   + sd * (1 - sb) * (sg * (1 - sb - sd) + sf * (sc + se)) * s3
                   + sf * (1 - sb) * (se * (1 - sb - sf) + sd * (sc + sg)) * s2) / v
            delta = (sc * sd * sf * (se + sg) * (s1 + 1 - 2 * sb)
                     + ((1 - sb) * (sf * se * se + sd * sg * sg) - (se * sf - sd * sg) * (se * sf - sd * sg)) * (s1 - sb)
                     + sc * (sd * sg - se * sf) * (sd * s3 - sf * s2)
                     - sc * sc * sd * sf * (s3 + s2 - sd - sf)
                     - sc * (1 - sb) * (sd * sg * s3 + se * sf * s2)) / v
            out[p, 4] = 0.5 * phi + delta
