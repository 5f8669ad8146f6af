"""The replicate error model shared by the ML consensus and the ML error rates.

Observation model for one *successful* PCR amplification of a diploid
individual with true genotype ``G`` at a locus whose allele table has ``A``
alleles (rates ``d`` = allelic dropout, ``f`` = false allele; both are
per-amplification probabilities, the quantities Broquet & Petit 2004 count):

=========================  ==================================  =======================
true genotype ``G``        what the amplification shows        probability
=========================  ==================================  =======================
heterozygote ``a/b``       ``{a, b}``  ("full")                ``(1 - f)(1 - d)``
                           ``{a}`` or ``{b}`` ("dropout")      ``(1 - f) d / 2`` each
                           ``{a, x}`` or ``{b, x}``, ``x`` not ``f / (2 (A - 2))`` each
                           in ``G`` ("false")
homozygote ``a/a``         ``{a}`` ("full")                    ``1 - f``
                           ``{a, x}``, ``x != a`` ("false")    ``f / (A - 1)`` each
=========================  ==================================  =======================

Anything else has probability 0.  When no allele outside ``G`` exists
(``A <= |G|``) a false allele cannot occur and ``f`` is taken as 0 for that
genotype.  Failed amplifications carry no information about ``G`` (the
failure rate is assumed not to depend on the genotype) and are left out.
Replicates are independent given ``G``; the prior of ``G`` is Hardy-Weinberg
from the allele frequencies ``p``.  This is the structure of the models of
Miller, Joyce & Waits 2002 (dropout) and Johnson & Haydon 2007 (dropout and
false alleles, as in Pedant), generalised from one duplicate to any number of
replicates, with the rates defined per amplification as in Broquet & Petit
2004 so that ML and count-based rates estimate the same quantities.

Everything is vectorised over loci: the replicate observations of each
sample at a locus are reduced to a *pattern* (the multiset of observations),
identical patterns are counted once with a weight, and arrays are padded to
the largest number of patterns and genotypes over loci.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._replicates import ReplicateArray, decode_observations

__all__ = ["PatternData", "build_patterns", "fit_error_model", "profile_interval", "posteriors"]

FULL, DROPOUT, FALSE, BAD = 0, 1, 2, 3
_CHI2_95 = 3.841458820694124  # chi-square(1) 0.95 quantile
_LOG_TINY = -1e300


@dataclass
class PatternData:
    """Replicate patterns per locus, padded across loci.

    Attributes
    ----------
    counts
        ``(loci, patterns, genotypes, 4)`` float64: number of amplifications
        of each category (full, dropout, false, impossible) of a pattern under
        a genotype.
    weight
        ``(loci, patterns)`` float64: how many samples show the pattern
        (0 for padding and for patterns without any amplification).
    inverse
        ``(samples, loci)`` int64: pattern index of each sample at each locus.
    g1, g2
        ``(loci, genotypes)`` allele indices of each genotype (``g1 <= g2``).
    valid
        ``(loci, genotypes)`` bool, False for padding genotypes.
    n_alleles
        ``(loci,)`` allele-table sizes.
    n_amplifications
        ``(loci,)`` successful amplifications.
    """

    counts: np.ndarray
    weight: np.ndarray
    inverse: np.ndarray
    g1: np.ndarray
    g2: np.ndarray
    valid: np.ndarray
    n_alleles: np.ndarray
    n_amplifications: np.ndarray

    @property
    def is_het(self) -> np.ndarray:
        return self.g1 != self.g2

    @property
    def n_loci(self) -> int:
        return self.counts.shape[0]


def _genotypes(n_alleles: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n_alleles)
    return i.astype(np.int16), j.astype(np.int16)


def build_patterns(reps: ReplicateArray) -> PatternData:
    """Reduce replicate observations to weighted patterns per locus."""
    codes = reps.codes()  # (S, K, L)
    n_s, _, n_l = codes.shape
    a_l = np.array([locus.n_alleles for locus in reps.loci], dtype=np.int64)
    per_locus = []
    inverse = np.zeros((n_s, n_l), dtype=np.int64)
    for j in range(n_l):
        c = np.sort(codes[:, :, j], axis=1)
        if n_s:
            pats, inv, cnt = np.unique(c, axis=0, return_inverse=True, return_counts=True)
        else:
            pats, inv, cnt = np.zeros((0, c.shape[1]), np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64)
        inverse[:, j] = inv.reshape(-1)
        per_locus.append((pats, cnt))
    u_max = max((p.shape[0] for p, _ in per_locus), default=0)
    g_max = max((int(a * (a + 1) // 2) for a in a_l), default=0)
    u_max, g_max = max(u_max, 1), max(g_max, 1)
    k = codes.shape[1]
    counts = np.zeros((n_l, u_max, g_max, 4), dtype=np.float64)
    weight = np.zeros((n_l, u_max), dtype=np.float64)
    g1 = np.zeros((n_l, g_max), dtype=np.int16)
    g2 = np.zeros((n_l, g_max), dtype=np.int16)
    valid = np.zeros((n_l, g_max), dtype=bool)
    n_amp = np.zeros(n_l, dtype=np.int64)
    for j, (pats, cnt) in enumerate(per_locus):
        gi, gj = _genotypes(int(a_l[j]))
        n_g = gi.size
        g1[j, :n_g], g2[j, :n_g], valid[j, :n_g] = gi, gj, True
        if not pats.shape[0] or not n_g:
            continue
        lo, hi = decode_observations(pats)  # (U, K)
        amp = lo >= 0
        weight[j, : pats.shape[0]] = np.where(amp.any(axis=1), cnt, 0)
        n_amp[j] = int((amp.sum(axis=1) * cnt).sum())
        lo3, hi3 = lo[:, :, None], hi[:, :, None]  # (U, K, 1)
        a, b = gi[None, None, :], gj[None, None, :]  # (1, 1, G)
        het = a != b
        single = hi3 < 0
        lo_in = (lo3 == a) | (lo3 == b)
        hi_in = (hi3 == a) | (hi3 == b)
        amp3 = amp[:, :, None]
        full = np.where(het, ~single & lo_in & hi_in & (lo3 != hi3), single & (lo3 == a))
        drop = het & single & lo_in
        false = ~single & (lo_in ^ hi_in)
        bad = amp3 & ~(full | drop | false)
        u = pats.shape[0]
        for c, arr in ((FULL, full), (DROPOUT, drop), (FALSE, false), (BAD, bad)):
            counts[j, :u, :n_g, c] = (arr & amp3).sum(axis=1)
    del k
    return PatternData(counts, weight, inverse, g1, g2, valid, a_l, n_amp)


def _log_probs(data: PatternData, d: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``(loci, genotypes, 3)`` log probability of one amplification per category."""
    het = data.is_het
    a = data.n_alleles[:, None].astype(np.float64)
    n_in = np.where(het, 2.0, 1.0)
    can_false = a > n_in
    f_eff = np.where(can_false, f[:, None], 0.0)
    d2 = d[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        full = np.where(het, np.log1p(-f_eff) + np.log1p(-d2), np.log1p(-f_eff))
        drop = np.where(het, np.log1p(-f_eff) + np.log(d2 / 2.0), -np.inf)
        n_other = np.where(het, 2.0 * (a - 2.0), a - 1.0)
        false = np.where(can_false, np.log(f_eff / np.where(can_false, n_other, 1.0)), -np.inf)
    return np.stack([full, drop, false], axis=-1)


def _log_prior(data: PatternData, p: np.ndarray) -> np.ndarray:
    """``(loci, genotypes)`` Hardy-Weinberg log prior; padding is -inf."""
    l_idx = np.arange(data.n_loci)[:, None]
    p1 = p[l_idx, data.g1]
    p2 = p[l_idx, data.g2]
    prior = np.where(data.is_het, 2.0 * p1 * p2, p1 * p2)
    with np.errstate(divide="ignore"):
        return np.where(data.valid, np.log(prior), -np.inf)


def log_likelihood_matrix(data: PatternData, d: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``(loci, patterns, genotypes)`` log P(pattern | genotype)."""
    lp = _log_probs(data, d, f)[:, None, :, :]  # (L, 1, G, 3)
    c = data.counts
    finite = np.isfinite(lp)
    ll = (c[..., :3] * np.where(finite, lp, 0.0)).sum(axis=-1)
    impossible = ((c[..., :3] > 0) & ~finite).any(axis=-1) | (c[..., BAD] > 0)
    return np.where(impossible, -np.inf, ll)


def _e_step(data: PatternData, d, f, p):
    ll = log_likelihood_matrix(data, d, f) + _log_prior(data, p)[:, None, :]
    m = ll.max(axis=-1, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(under="ignore"):
        e = np.exp(ll - m_safe)
    s = e.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        post = np.where(s > 0, e / s, 0.0)
        norm = np.where(s[..., 0] > 0, np.log(s[..., 0]) + m_safe[..., 0], -np.inf)
    w = data.weight
    loglik = np.where(w > 0, w * norm, 0.0).sum(axis=1)
    return post, loglik


def _m_step(data: PatternData, post, d, f, p, fix_d=None, fix_f=None, fix_p=False):
    w = data.weight[:, :, None] * post  # (L, U, G)
    ec = (w[..., None] * data.counts).sum(axis=1)  # (L, G, 4)
    het = data.is_het
    a = data.n_alleles[:, None]
    can_false = a > np.where(het, 2, 1)
    e_full_het = np.where(het, ec[..., FULL], 0.0).sum(axis=1)
    e_drop = np.where(het, ec[..., DROPOUT], 0.0).sum(axis=1)
    e_false = ec[..., FALSE].sum(axis=1)
    e_nofalse = np.where(can_false, ec[..., FULL] + ec[..., DROPOUT], 0.0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_new = np.where(e_drop + e_full_het > 0, e_drop / (e_drop + e_full_het), d)
        f_new = np.where(e_false + e_nofalse > 0, e_false / (e_false + e_nofalse), f)
    if fix_d is not None:
        d_new = fix_d
    if fix_f is not None:
        f_new = fix_f
    if fix_p:
        return d_new, f_new, p
    wg = w.sum(axis=1)  # (L, G)
    n_l, a_max = p.shape
    dose = np.zeros((n_l, a_max))
    l_idx = np.repeat(np.arange(n_l)[:, None], wg.shape[1], axis=1)
    np.add.at(dose, (l_idx, data.g1), wg)
    np.add.at(dose, (l_idx, data.g2), wg)
    tot = dose.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_new = np.where(tot > 0, dose / tot, p)
    return d_new, f_new, p_new


def initial_frequencies(data: PatternData, reps: ReplicateArray) -> np.ndarray:
    """Allele frequencies from the alleles each sample shows (each seen allele once per sample)."""
    a_max = max(int(data.n_alleles.max(initial=1)), 1)
    p = np.zeros((data.n_loci, a_max))
    seen_lo = reps.obs_lo
    seen_hi = reps.obs_hi
    for j in range(data.n_loci):
        n_a = int(data.n_alleles[j])
        if not n_a:
            continue
        shown = np.zeros((reps.n_samples, n_a), dtype=bool)
        for arr in (seen_lo[:, :, j], seen_hi[:, :, j]):
            s_idx, k_idx = np.nonzero(arr >= 0)
            shown[s_idx, arr[s_idx, k_idx]] = True
        c = shown.sum(axis=0).astype(np.float64) + 0.5  # a little smoothing: no allele starts at 0
        p[j, :n_a] = c / c.sum()
    return p


@dataclass
class ErrorModelFit:
    """Maximum-likelihood fit of the error model (per locus)."""

    ado: np.ndarray
    fa: np.ndarray
    freqs: np.ndarray  # (loci, max_alleles)
    loglik: np.ndarray
    n_iter: int
    converged: bool


class _Sparse:
    """The possible (pattern, genotype) pairs of all loci as flat arrays.

    Most genotypes cannot produce a given pattern; the fit and the profile
    intervals work on the possible pairs only.  Patterns that no genotype can
    produce under the model are left out (counted in ``n_unexplained``).
    """

    def __init__(self, data: PatternData):
        mask = (data.weight > 0)[:, :, None] & data.valid[:, None, :] & (data.counts[..., BAD] == 0)
        loc, u, g = np.nonzero(mask)
        self.n_loci = data.n_loci
        self.loc, self.g = loc, g
        start = np.ones(loc.size, dtype=bool)
        start[1:] = (loc[1:] != loc[:-1]) | (u[1:] != u[:-1])
        self.starts = np.flatnonzero(start)
        self.group = np.cumsum(start) - 1
        self.gl = loc[self.starts]
        self.gw = data.weight[loc[self.starts], u[self.starts]]
        c = data.counts[loc, u, g]
        self.cf, self.cd, self.cx = c[:, FULL], c[:, DROPOUT], c[:, FALSE]
        self.het = data.is_het[loc, g]
        a = data.n_alleles[loc].astype(np.float64)
        self.can = a > np.where(self.het, 2.0, 1.0)
        self.log_n_other = np.log(np.where(self.het, 2.0 * (a - 2.0), a - 1.0).clip(min=1.0))
        self.g1 = data.g1[loc, g].astype(np.int64)
        self.g2 = data.g2[loc, g].astype(np.int64)
        self.lg = loc * data.g1.shape[1] + g
        # sufficient statistics per entry: heterozygote full, dropout, false, no-false amplifications
        self.suff = np.stack(
            [
                np.where(self.het, self.cf, 0.0),
                np.where(self.het, self.cd, 0.0),
                self.cx,
                np.where(self.can, self.cf + self.cd, 0.0),
            ],
            axis=1,
        )
        self.l4 = (loc[:, None] * 4 + np.arange(4)[None, :]).ravel()
        a_max = max(int(data.n_alleles.max(initial=1)), 1)
        self.dose_idx = np.concatenate([loc * a_max + self.g1, loc * a_max + self.g2])
        self.data = data
        explained = np.zeros(data.weight.shape, dtype=bool)
        explained[loc[self.starts], u[self.starts]] = True
        self.n_unexplained = np.where((data.weight > 0) & ~explained, data.weight, 0.0).sum(axis=1)
        self.n_explained = np.bincount(self.gl, weights=self.gw, minlength=self.n_loci)

    def e_step(self, d, f, p):
        """Posterior of each entry, and the log-likelihood per locus.

        Log-probabilities are computed per (locus, genotype) and gathered; an
        impossible category is ``-1e300`` rather than ``-inf`` so that a zero
        count times it is 0.
        """
        data = self.data
        lp = _log_probs(data, d, f)  # (L, G, 3)
        lp = np.where(np.isfinite(lp), lp, _LOG_TINY).reshape(-1, 3)
        prior = _log_prior(data, p)
        prior = np.where(np.isfinite(prior), prior, _LOG_TINY).ravel()
        lg_idx = self.lg
        ll = prior[lg_idx] + self.cf * lp[lg_idx, 0] + self.cd * lp[lg_idx, 1] + self.cx * lp[lg_idx, 2]
        if not ll.size:
            return np.zeros(0), np.zeros(self.n_loci)
        m = np.maximum.reduceat(ll, self.starts)
        with np.errstate(under="ignore"):
            e = np.exp(ll - m[self.group])
        s = np.add.reduceat(e, self.starts)
        post = e / s[self.group]
        lg = np.log(s) + m
        loglik = np.bincount(self.gl, weights=self.gw * lg, minlength=self.n_loci)
        bad = np.bincount(self.gl, weights=lg < -1e299, minlength=self.n_loci) > 0
        return post, np.where(bad, -np.inf, loglik)

    def m_step(self, post, d, f, p, fix_d=None, fix_f=None, fix_p=False):
        w = self.gw[self.group] * post
        n = self.n_loci
        stats = np.bincount(self.l4, weights=(w[:, None] * self.suff).ravel(), minlength=4 * n).reshape(n, 4)
        e_full_het, e_drop, e_false, e_nofalse = stats.T
        with np.errstate(divide="ignore", invalid="ignore"):
            d_new = np.where(e_drop + e_full_het > 0, e_drop / (e_drop + e_full_het), d)
            f_new = np.where(e_false + e_nofalse > 0, e_false / (e_false + e_nofalse), f)
        if fix_d is not None:
            d_new = np.asarray(fix_d, dtype=np.float64)
        if fix_f is not None:
            f_new = np.asarray(fix_f, dtype=np.float64)
        if fix_p:
            return d_new, f_new, p
        a_max = p.shape[1]
        dose = np.bincount(self.dose_idx, weights=np.concatenate([w, w]), minlength=n * a_max).reshape(n, a_max)
        tot = dose.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            p_new = np.where(tot > 0, dose / tot, p)
        return d_new, f_new, p_new


def _sparse(data: PatternData) -> _Sparse:
    sp = getattr(data, "_sparse_cache", None)
    if sp is None:
        sp = _Sparse(data)
        data._sparse_cache = sp  # type: ignore[attr-defined]
    return sp


def fit_error_model(
    data: PatternData,
    p0: np.ndarray,
    d0: np.ndarray | None = None,
    f0: np.ndarray | None = None,
    fix_d: np.ndarray | None = None,
    fix_f: np.ndarray | None = None,
    fix_p: bool = False,
    tol: float = 1e-9,
    max_iter: int = 5000,
) -> ErrorModelFit:
    """EM for ``(d, f, p)`` per locus, some of them optionally held fixed.

    Stops when no locus's log-likelihood rises by more than ``tol`` (absolute)
    in an iteration.  Patterns that no genotype explains are left out.
    """
    sp = _sparse(data)
    n_l = data.n_loci
    d = np.full(n_l, 0.1) if d0 is None else np.array(d0, dtype=np.float64)
    f = np.full(n_l, 0.01) if f0 is None else np.array(f0, dtype=np.float64)
    if fix_d is not None:
        d = np.asarray(fix_d, dtype=np.float64)
    if fix_f is not None:
        f = np.asarray(fix_f, dtype=np.float64)
    p = np.array(p0, dtype=np.float64)
    post, ll = sp.e_step(d, f, p)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        d, f, p = sp.m_step(post, d, f, p, fix_d, fix_f, fix_p)
        post, ll_new = sp.e_step(d, f, p)
        with np.errstate(invalid="ignore"):
            delta = np.where(np.isfinite(ll_new) & np.isfinite(ll), np.abs(ll_new - ll), 0.0)
        ll = ll_new
        if np.all(delta <= tol):
            converged = True
            break
    return ErrorModelFit(d, f, p, ll, it, converged)


def posteriors(data: PatternData, d, f, p) -> np.ndarray:
    """``(loci, patterns, genotypes)`` posterior probability of each genotype."""
    post, _ = _e_step(data, np.asarray(d, float), np.asarray(f, float), np.asarray(p, float))
    return post


def profile_interval(
    data: PatternData, fit: ErrorModelFit, which: str, confidence: float = 0.95, steps: int = 18
) -> tuple[np.ndarray, np.ndarray]:
    """Profile-likelihood interval for ``which`` ('ado' or 'fa'), per locus.

    The other rate and the allele frequencies are re-maximised at each trial
    value; the bound is where the profile log-likelihood drops by
    ``chi2_1(confidence) / 2`` from its maximum (bisection on the log scale,
    warm-started EM).
    """
    if confidence == 0.95:
        drop = _CHI2_95 / 2.0
    else:
        from scipy.stats import chi2

        drop = float(chi2.ppf(confidence, 1)) / 2.0
    target = fit.loglik - drop
    theta_hat = fit.ado if which == "ado" else fit.fa
    n_l = data.n_loci
    out = []
    for side in ("low", "high"):
        edge = np.zeros(n_l) if side == "low" else np.full(n_l, 1.0 - 1e-12)
        state = (fit.ado.copy(), fit.fa.copy(), fit.freqs.copy())

        def prof(theta, state, max_iter=500):
            kw = {"fix_d": theta} if which == "ado" else {"fix_f": theta}
            r = fit_error_model(data, state[2], state[0], state[1], tol=1e-6, max_iter=max_iter, **kw)
            return r.loglik, (r.ado, r.fa, r.freqs)

        # EM only raises the likelihood, so a short run at the edge is a lower bound of the
        # profile there: enough to tell that the edge lies inside the interval.  (If it is
        # inside but not recognised, every bisection step lands inside and the bound
        # still converges to the edge.)  EM converges very slowly at the edges.
        ll_edge, _ = prof(edge, state, max_iter=30)
        inside = ll_edge >= target  # the whole side lies inside the interval
        # bisection on log(theta): relative precision about 20 / 2**steps
        a = np.log(np.maximum(theta_hat, 1e-12))  # inside
        b = np.log(np.maximum(theta_hat * 1e-9, 1e-300)) if side == "low" else np.log(edge)  # outside
        for _ in range(steps):
            mid = 0.5 * (a + b)
            ll_mid, state = prof(np.exp(mid), state)
            ok = ll_mid >= target
            a = np.where(ok, mid, a)
            b = np.where(ok, b, mid)
        b = np.exp(0.5 * (a + b))
        bound = np.where(inside, edge, b)
        out.append(np.where(side == "high", np.minimum(bound, 1.0), np.maximum(bound, 0.0)))
    undefined = ~np.isfinite(fit.loglik) | (data.weight.sum(axis=1) == 0)
    lo = np.where(undefined, np.nan, out[0])
    hi = np.where(undefined, np.nan, out[1])
    return lo, hi
