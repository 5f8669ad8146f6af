# cython: language_level=3
"""Milligan's (2003) dyadic maximum-likelihood relatedness for diploid codominant loci.

Layout: ``calls`` is ``(samples, loci, 2)`` int16 allele indices, negative =
missing; ``freq`` ``(loci, alleles)`` allele frequencies; ``n_alleles`` the
number of alleles observed per locus (loci with fewer than two are skipped);
``error`` a per-locus genotyping error rate; ``locus_count`` how many times
each locus enters the likelihood (1 for a point estimate, the bootstrap
multiplicity for a resampled panel); ``states`` the 0-based Jacquard states
whose coefficients are estimated, the last of which must be state 9 (index 8,
no genes identical by descent).  Nothing is validated here.

Per locus, the probability of the pair's observed genotypes under each of the
nine condensed Jacquard states is summed over the orderings of the observed
alleles and, within a state, over the alleles of each identity class.  A gene
copy shows its true allele with probability ``1 - E`` and otherwise one of the
``k`` observed alleles uniformly (so ``P(observed a | true t) = (1 - E)[a = t]
+ E / k``), as in COANCESTRY.  The coefficients are divided by that of state 9,
which is never zero, so the log-likelihood is a log likelihood ratio against
unrelatedness.

The log-likelihood is concave in the coefficients, so its maximum over the
simplex is found by pairwise mass transfer: move weight from the state with the
smallest gradient (among those with weight) to the one with the largest,
maximising exactly along that line (safeguarded Newton on the monotone
derivative), until the Frank-Wolfe duality gap ``max_s g_s - sum_s Delta_s g_s``
(an upper bound on the distance to the maximum log-likelihood) is below
``tol``.  Each pair is independent, so results do not depend on the thread count.
"""

from cython.parallel cimport prange
from libc.math cimport NAN, log
from libc.stdint cimport int16_t, int32_t, int64_t
from libc.stdlib cimport free, malloc

# Identity class of the genes (x1, x2, y1, y2) in each of the nine condensed Jacquard states,
# in Jacquard's order: 1 all four identical; 2 x1=x2, y1=y2; 3 x1=x2=y1; 4 x1=x2; 5 x1=y1=y2;
# 6 y1=y2; 7 x1=y1, x2=y2; 8 x1=y1; 9 none.  (Which y gene is meant in 3, 5 and 8 does not matter:
# the observed genotypes are unordered and every ordering is summed.)
cdef int32_t[36] _JACQUARD = [0, 0, 0, 0,  0, 0, 1, 1,  0, 0, 0, 1,  0, 0, 1, 2,  0, 1, 0, 0,
                              0, 1, 2, 2,  0, 1, 0, 1,  0, 1, 0, 2,  0, 1, 2, 3]
cdef int32_t[9] _JACQUARD_CLASSES = [1, 2, 2, 3, 2, 3, 2, 3, 4]
# Relatedness r = 2 Delta1 + Delta3 + Delta5 + Delta7 + Delta8 / 2.
cdef double[9] _R_WEIGHT = [2.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.5, 0.0]


cdef inline double _ipow(double x, int n) noexcept nogil:
    cdef double out = 1.0
    cdef int i
    for i in range(n):
        out = out * x
    return out


cdef double _class_prob(const int16_t* obs, const int32_t* label, int n_genes, int cls,
                        const double[:, ::1] freq, Py_ssize_t l, double keep, double e) noexcept nogil:
    """P(genes of one identity class show ``obs``): sum over the class's true allele t of
    p_t prod_g P(obs_g | t).  Only observed alleles contribute beyond the all-error term."""
    cdef int g, h, m = 0, n_a
    cdef int16_t a = -1
    cdef double total
    if e == 0.0:
        # without errors every gene of the class shows its one true allele
        for g in range(n_genes):
            if label[g] == cls:
                if a < 0:
                    a = obs[g]
                elif obs[g] != a:
                    return 0.0
        return freq[l, a]
    for g in range(n_genes):
        if label[g] == cls:
            m = m + 1
    # t not among the class's observed alleles: every copy is an error showing its allele.
    total = _ipow(e, m)
    for g in range(n_genes):
        if label[g] != cls:
            continue
        a = obs[g]
        # count each distinct allele once, at its first occurrence in the class
        n_a = 0
        for h in range(n_genes):
            if label[h] == cls and obs[h] == a:
                if h < g:
                    n_a = -1
                    break
                n_a = n_a + 1
        if n_a < 0:
            continue
        total = total + freq[l, a] * (_ipow(keep + e, n_a) * _ipow(e, m - n_a) - _ipow(e, m))
    return total


cdef void _locus_coefficients(const int16_t* geno, int n_ind, const int32_t* labels, const int32_t* n_classes,
                              int n_states, const double[:, ::1] freq, Py_ssize_t l, double err, int k,
                              double* out) noexcept nogil:
    """P(observed unordered genotypes | identity state s) for every state into ``out[0..n_states-1]``.

    ``geno`` holds the two alleles of each of ``n_ind`` individuals; ``labels`` the identity class of
    each of their ``2 n_ind`` genes per state.  Every ordering of each heterozygote is summed."""
    cdef int16_t obs[6]
    cdef int s, cls, ind, flip, n_genes = 2 * n_ind
    cdef bint skip
    cdef int n_orders = 1 << n_ind
    cdef double e = err / k, keep = 1.0 - err, prob
    for s in range(n_states):
        out[s] = 0.0
    for flip in range(n_orders):
        skip = False
        for ind in range(n_ind):
            if (flip >> ind) & 1:
                if geno[2 * ind] == geno[2 * ind + 1]:
                    skip = True
                obs[2 * ind] = geno[2 * ind + 1]
                obs[2 * ind + 1] = geno[2 * ind]
            else:
                obs[2 * ind] = geno[2 * ind]
                obs[2 * ind + 1] = geno[2 * ind + 1]
        if skip:
            continue
        for s in range(n_states):
            prob = 1.0
            for cls in range(n_classes[s]):
                prob = prob * _class_prob(obs, labels + s * n_genes, n_genes, cls, freq, l, keep, e)
                if prob == 0.0:
                    break
            out[s] = out[s] + prob


cdef double _line_max(const double* lik, const double* coef, const double* cnt, int n, int i, int j,
                      double t_max, int stride) noexcept nogil:
    """argmax over t in [0, t_max] of sum_l cnt_l log(lik_l + t (coef_li - coef_lj)) (concave)."""
    cdef double lo = 0.0, hi = t_max, t, f1, f2, dl, den, step
    cdef int l, it
    # derivative at t_max: if still non-negative, move all the weight
    f1 = 0.0
    for l in range(n):
        dl = coef[l * stride + i] - coef[l * stride + j]
        den = lik[l] + t_max * dl
        if den <= 0.0:
            f1 = -1.0
            break
        f1 = f1 + cnt[l] * dl / den
    if f1 >= 0.0:
        return t_max
    t = 0.5 * t_max
    for it in range(200):
        f1 = 0.0
        f2 = 0.0
        for l in range(n):
            dl = coef[l * stride + i] - coef[l * stride + j]
            den = lik[l] + t * dl
            f1 = f1 + cnt[l] * dl / den
            f2 = f2 - cnt[l] * dl * dl / (den * den)
        if f1 > 0.0:
            lo = t
        else:
            hi = t
        if f2 < 0.0:
            step = t - f1 / f2
        else:
            step = 0.5 * (lo + hi)
        if step <= lo or step >= hi:
            step = 0.5 * (lo + hi)
        if hi - lo <= 1e-15 * t_max or step == t:
            return step
        t = step
    return t


cdef int _maximise(double* coef, int stride, double* cnt, int n, const int32_t* states, int n_states,
                   double* delta, double* lik, double* grad, double tol, int max_iter) noexcept nogil:
    """Maximise sum_l cnt_l log(sum_s coef_ls delta_s) over the simplex of the given states
    (``coef`` rows of length ``stride``); returns iterations used."""
    cdef int s, l, i, j, it
    cdef double gmax, gmin, gap, total, t
    for s in range(n_states):
        delta[s] = 1.0 / n_states
    for l in range(n):
        lik[l] = 0.0
        for s in range(n_states):
            lik[l] = lik[l] + coef[l * stride + states[s]] * delta[s]
    for it in range(max_iter):
        for s in range(n_states):
            grad[s] = 0.0
        for l in range(n):
            for s in range(n_states):
                grad[s] = grad[s] + cnt[l] * coef[l * stride + states[s]] / lik[l]
        i = 0
        j = -1
        gmax = grad[0]
        gmin = 0.0
        total = 0.0
        for s in range(n_states):
            total = total + delta[s] * grad[s]
            if grad[s] > gmax:
                gmax = grad[s]
                i = s
            if delta[s] > 0.0 and (j < 0 or grad[s] < gmin):
                gmin = grad[s]
                j = s
        gap = gmax - total
        if gap <= tol or i == j:
            return it
        t = _line_max(lik, coef, cnt, n, states[i], states[j], delta[j], stride)
        if t <= 0.0:
            return it
        for l in range(n):
            lik[l] = lik[l] + t * (coef[l * stride + states[i]] - coef[l * stride + states[j]])
        delta[i] = delta[i] + t
        if t >= delta[j]:
            delta[j] = 0.0
        else:
            delta[j] = delta[j] - t
    return max_iter


def _dyadml(const int16_t[:, :, ::1] calls not None,
            const double[:, ::1] freq not None,
            const int32_t[::1] n_alleles not None,
            const double[::1] error not None,
            const double[::1] locus_count not None,
            const int32_t[::1] states not None,
            const int64_t[::1] pair_i not None,
            const int64_t[::1] pair_j not None,
            double[::1] r_out not None,
            double[:, ::1] delta_out not None,
            double[::1] lnlr_out not None,
            int32_t[::1] n_loci_out not None,
            double tol=1e-10,
            int max_iter=10000,
            int num_threads=1):
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef int n_states = states.shape[0]
    cdef Py_ssize_t p, l
    cdef int64_t x, y
    cdef int16_t* geno
    cdef int s, used, k
    cdef double* coef
    cdef double* cnt
    cdef double* lik
    cdef double* work
    cdef double base, ll, r
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="dynamic"):
            x = pair_i[p]
            y = pair_j[p]
            coef = <double*> malloc(n_loci * 9 * sizeof(double))
            cnt = <double*> malloc(n_loci * sizeof(double))
            lik = <double*> malloc(n_loci * sizeof(double))
            work = <double*> malloc(2 * 9 * sizeof(double))
            # per-thread buffer: a C array declared outside prange would be shared by the threads
            geno = <int16_t*> malloc(4 * sizeof(int16_t))
            used = 0
            for l in range(n_loci):
                k = n_alleles[l]
                geno[0] = calls[x, l, 0]
                geno[1] = calls[x, l, 1]
                geno[2] = calls[y, l, 0]
                geno[3] = calls[y, l, 1]
                if k < 2 or locus_count[l] <= 0.0 or geno[0] < 0 or geno[1] < 0 or geno[2] < 0 or geno[3] < 0:
                    continue
                _locus_coefficients(geno, 2, _JACQUARD, _JACQUARD_CLASSES, 9, freq, l, error[l], k,
                                    coef + used * 9)
                # ratios to the unrelated state: same maximiser, well-scaled numbers
                base = coef[used * 9 + 8]
                for s in range(9):
                    coef[used * 9 + s] = coef[used * 9 + s] / base
                cnt[used] = locus_count[l]
                used = used + 1
            n_loci_out[p] = used
            if used == 0:
                r_out[p] = NAN
                lnlr_out[p] = NAN
                for s in range(9):
                    delta_out[p, s] = NAN
            else:
                _maximise(coef, 9, cnt, used, &states[0], n_states, work, lik, work + 9, tol, max_iter)
                ll = 0.0
                for l in range(used):
                    ll = ll + cnt[l] * log(lik[l])
                lnlr_out[p] = ll
                for s in range(9):
                    delta_out[p, s] = 0.0
                r = 0.0
                for s in range(n_states):
                    delta_out[p, states[s]] = work[s]
                    r = r + _R_WEIGHT[states[s]] * work[s]
                r_out[p] = r
            free(coef)
            free(cnt)
            free(lik)
            free(work)
            free(geno)


def _trioml(const int16_t[:, :, ::1] calls not None,
            const double[:, ::1] freq not None,
            const int32_t[::1] n_alleles not None,
            const double[::1] error not None,
            const double[::1] locus_count not None,
            const int32_t[:, ::1] labels not None,
            const int32_t[::1] n_classes not None,
            const double[::1] r_weight not None,
            const int16_t[:, :, ::1] references not None,
            const int64_t[::1] pair_i not None,
            const int64_t[::1] pair_j not None,
            double stop_below,
            double[::1] r_out not None,
            int32_t[::1] reference_out not None,
            double[::1] lnlr_out not None,
            int32_t[::1] n_loci_out not None,
            double tol=1e-10,
            int max_iter=10000,
            int num_threads=1):
    """Wang's (2007) triadic ML: for each pair, the smallest r over the reference individuals.

    ``labels`` gives the identity class of the genes (x1, x2, y1, y2, z1, z2) in each triadic
    state; the last state must have six distinct classes (nothing identical by descent).
    The references are scanned in order and the scan stops at the first estimate below
    ``stop_below``."""
    cdef Py_ssize_t n_pairs = pair_i.shape[0]
    cdef Py_ssize_t n_loci = calls.shape[1]
    cdef Py_ssize_t n_refs = references.shape[0]
    cdef int n_states = labels.shape[0]
    cdef Py_ssize_t p, l, z
    cdef int64_t x, y
    cdef int16_t* geno
    cdef int s, used, k
    cdef double* coef
    cdef double* cnt
    cdef double* lik
    cdef double* work
    cdef int32_t* state_index
    cdef double base, ll, r, best_r, best_ll
    cdef int32_t best_z
    with nogil:
        for p in prange(n_pairs, num_threads=num_threads, schedule="dynamic"):
            x = pair_i[p]
            y = pair_j[p]
            coef = <double*> malloc(n_loci * n_states * sizeof(double))
            cnt = <double*> malloc(n_loci * sizeof(double))
            lik = <double*> malloc(n_loci * sizeof(double))
            work = <double*> malloc(2 * n_states * sizeof(double))
            state_index = <int32_t*> malloc(n_states * sizeof(int32_t))
            geno = <int16_t*> malloc(6 * sizeof(int16_t))
            for s in range(n_states):
                state_index[s] = s
            best_r = NAN
            best_ll = NAN
            best_z = -1
            used = 0
            for z in range(n_refs):
                used = 0
                for l in range(n_loci):
                    k = n_alleles[l]
                    geno[0] = calls[x, l, 0]
                    geno[1] = calls[x, l, 1]
                    geno[2] = calls[y, l, 0]
                    geno[3] = calls[y, l, 1]
                    geno[4] = references[z, l, 0]
                    geno[5] = references[z, l, 1]
                    if (k < 2 or locus_count[l] <= 0.0 or geno[0] < 0 or geno[1] < 0 or geno[2] < 0
                            or geno[3] < 0 or geno[4] < 0 or geno[5] < 0):
                        continue
                    _locus_coefficients(geno, 3, &labels[0, 0], &n_classes[0], n_states, freq, l, error[l], k,
                                        coef + used * n_states)
                    base = coef[used * n_states + n_states - 1]
                    for s in range(n_states):
                        coef[used * n_states + s] = coef[used * n_states + s] / base
                    cnt[used] = locus_count[l]
                    used = used + 1
                if used == 0:
                    break
                _maximise(coef, n_states, cnt, used, state_index, n_states, work, lik, work + n_states, tol,
                          max_iter)
                r = 0.0
                for s in range(n_states):
                    r = r + r_weight[s] * work[s]
                if best_z < 0 or r < best_r:
                    ll = 0.0
                    for l in range(used):
                        ll = ll + cnt[l] * log(lik[l])
                    best_r = r
                    best_ll = ll
                    best_z = <int32_t> z
                if best_r < stop_below:
                    break
            n_loci_out[p] = used
            r_out[p] = best_r
            lnlr_out[p] = best_ll
            reference_out[p] = best_z
            free(coef)
            free(cnt)
            free(lik)
            free(work)
            free(geno)
            free(state_index)
