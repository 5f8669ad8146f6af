"""Slow, obvious twin of the LD-Ne kernel (``cython_ext/ld_ne.pyx``).

Written pair by pair and individual by individual from the definitions: for
each pair of loci, take the individuals typed at both, compute allele and
homozygote frequencies on them, Burrows' D and r^2 for every kept allele pair;
for the jackknife, *remove* each typed individual and recompute from scratch
(no count updates).  Allele eligibility follows NeEstimator v2's single-
precision comparisons, as the kernel does.
"""

from __future__ import annotations

import numpy as np

F = np.float32


def _kept(copies: np.ndarray, s: int, cut: np.float32) -> tuple[list[int], int]:
    """Kept alleles and number of independent alleles on S individuals."""
    present = [a for a in range(len(copies)) if copies[a] > 0]
    kept, dropped = [], 0
    for a in present:
        x = F(F(copies[a]) / F(2 * s))
        if x < cut:
            dropped += 1
        elif x < F(1) and x <= F(1) - cut:
            kept.append(a)
    if not kept:
        return kept, 0
    return kept, len(present) - (dropped if dropped else 1)


def _rejected(cut: np.float32, s: int, f: np.float32, remv: int) -> tuple[bool, np.float32]:
    """NeEstimator's eligibility of an allele once one individual is removed (float32)."""
    val = F(2 * s)
    tot = F(val - F(2))
    if tot < 0.5:
        return True, F(0)
    val = F(F(val * f) - F(remv))
    fx = F(val / tot)
    if cut == 0:
        if val < 0.5:
            fx = F(0)
        elif val > tot - 0.5:
            fx = F(1)
        return bool(fx == 0 or fx == 1), fx
    return bool(fx < cut or float(fx) > 1.0 - float(cut)), fx


def _r2(g1: np.ndarray, g2: np.ndarray, a: int, b: int, eps: float) -> float:
    """r^2 of alleles a (locus 1) and b (locus 2) on the individuals given."""
    s = len(g1)
    ca = (g1 == a).sum(axis=1).astype(float)
    cb = (g2 == b).sum(axis=1).astype(float)
    p, q = ca.sum() / (2 * s), cb.sum() / (2 * s)
    ha, hb = (ca == 2).mean(), (cb == 2).mean()
    va, vb = p * (1 - p) + (ha - p * p), q * (1 - q) + (hb - q * q)
    if va < eps or vb < eps:
        return 0.0
    d = (ca * cb).sum() / (2 * s) - 2 * p * q
    if s > 1:
        d *= s / (s - 1)
    return min(d * d / (va * vb), 1.0)


def _pairs(geno, n_alleles, ok, cutoff, singleton, eps):
    """Every pair of usable loci with at least one kept allele at each, and its r^2."""
    n_loci = geno.shape[1]
    for p1 in range(n_loci):
        for p2 in range(p1 + 1, n_loci):
            if not (ok[p1] and ok[p2]):
                continue
            typed = np.nonzero((geno[:, p1, 0] >= 0) & (geno[:, p2, 0] >= 0))[0]
            s = len(typed)
            if s == 0:
                continue
            g1, g2 = geno[typed, p1], geno[typed, p2]
            c1 = np.bincount(g1.ravel(), minlength=n_alleles[p1])
            c2 = np.bincount(g2.ravel(), minlength=n_alleles[p2])
            cut = F(cutoff)
            if singleton:
                x = F(F(2 * s) - F(1))
                if s > 2:
                    x = F(x - 1.5)
                cut = F(1.0 / float(x))
            k1, ind1 = _kept(c1, s, cut)
            k2, ind2 = _kept(c2, s, cut)
            if not k1 or not k2:
                continue
            r2 = np.mean([_r2(g1, g2, a, b, eps) for a in k1 for b in k2])
            yield p1, p2, (typed, s, g1, g2, c1, c2, cut, k1, ind1, k2, ind2, r2)


def pair_jackknife(geno, n_alleles, ok, cutoff, singleton, eps, factor):
    """Jackknife over locus pairs from scratch: (sum_k (R_(k) - rbar)^2, W, rbar, N, undefined).

    Each pair's final weight is its independent-allele product times
    ``factor[S]``; R_(k) is the weighted mean r^2 of all pairs but k,
    recomputed from the list of pairs without k; ``undefined`` counts pairs
    whose removal leaves no weight.  ``None`` when no pair has weight.
    """
    pairs = [
        (pair[8] * pair[10] * factor[pair[1]], pair[11])
        for _, _, pair in _pairs(geno, n_alleles, ok, cutoff, singleton, eps)
    ]
    w = np.array([p[0] for p in pairs], dtype=float)
    r = np.array([p[1] for p in pairs], dtype=float)
    if not w.sum() > 0:
        return None
    rbar = float((w * r).sum() / w.sum())
    sum_sq, undefined = 0.0, 0
    for k in range(len(r)):
        rest_w, rest_r = np.delete(w, k), np.delete(r, k)
        if not rest_w.sum() > 0:
            undefined += 1
            continue
        sum_sq += (float((rest_w * rest_r).sum() / rest_w.sum()) - rbar) ** 2
    return sum_sq, float(w.sum()), rbar, len(r), undefined


def ld_pairs(
    geno: np.ndarray,
    n_alleles: np.ndarray,
    ok: np.ndarray,
    cutoff: float,
    singleton: bool,
    jack: bool,
    weigh: bool,
    eps: float,
):
    """Same outputs as the kernel, summed over rows: (w_s, r_s, p_s, base, num, den, rej).

    ``num``/``den`` here are the *totals* per individual (base included).
    """
    n, n_loci, _ = geno.shape
    w_s = np.zeros(n + 1)
    r_s = np.zeros(n + 1)
    p_s = np.zeros(n + 1, dtype=np.int64)
    num = np.zeros(n)
    den = np.zeros(n)
    counted = np.zeros(n, dtype=np.int64)
    n_pairs = 0
    for _, _, pair in _pairs(geno, n_alleles, ok, cutoff, singleton, eps):
        typed, s, g1, g2, c1, c2, cut, k1, ind1, k2, ind2, r2 = pair
        w = ind1 * ind2
        w_s[s] += w
        r_s[s] += w * r2
        p_s[s] += 1
        n_pairs += 1
        if not jack:
            continue
        w0 = w * s * s if weigh else w
        f1 = {a: F(F(c1[a]) / F(2 * s)) for a in k1}
        f2 = {b: F(F(c2[b]) / F(2 * s)) for b in k2}

        def var(g, a):
            c = (g == a).sum(axis=1)
            p = c.sum() / (2 * len(g))
            return p * (1 - p) + ((c == 2).mean() - p * p)

        v1 = {a: var(g1, a) for a in k1}
        v2 = {b: var(g2, b) for b in k2}
        for k in range(n):
            if k not in typed:
                num[k] += r2 * w0
                den[k] += w0
                counted[k] += 1
                continue
            t = int(np.nonzero(typed == k)[0][0])
            rest = np.delete(np.arange(s), t)
            h1, h2 = g1[rest], g2[rest]
            both_two = ind1 < len(k1) == 2 and ind2 < len(k2) == 2
            if both_two:
                a, b = k1[0], k2[0]
                wk = (s - 1) ** 2 if weigh else 1
                if v1[a] < eps or v2[b] < eps:
                    rk = 0.0
                    counted[k] += 1
                elif (
                    _rejected(cut, s, f1[a], int((g1[t] == a).sum()))[0]
                    or _rejected(cut, s, f2[b], int((g2[t] == b).sum()))[0]
                ):
                    rk, wk = 0.0, 0
                else:
                    rk = _r2(h1, h2, a, b, eps)
                    counted[k] += 1
                num[k] += rk * wk
                den[k] += wk
                continue
            acc1, acc2 = [], []
            sum1 = sum2 = F(0)
            for a in k1:
                if v1[a] < eps:
                    acc1.append(a)
                    continue
                rej, fx = _rejected(cut, s, f1[a], int((g1[t] == a).sum()))
                if not rej:
                    acc1.append(a)
                    sum1 = F(sum1 + fx)
            for b in k2:
                if v2[b] < eps:
                    acc2.append(b)
                    continue
                rej, fx = _rejected(cut, s, f2[b], int((g2[t] == b).sum()))
                if not rej:
                    acc2.append(b)
                    sum2 = F(sum2 + fx)
            vals = [
                0.0 if (v1[a] < eps or v2[b] < eps) else _r2(h1, h2, a, b, eps)
                for a in acc1
                for b in acc2
            ]
            rk = float(np.mean(vals)) if vals else 0.0
            if vals:
                counted[k] += 1
            one_less = F(1.0 - float(F(eps)))
            m1 = len(acc1) - (1 if sum1 > one_less else 0)
            m2 = len(acc2) - (1 if sum2 > one_less else 0)
            wk = m1 * m2 * ((s - 1) ** 2 if weigh else 1)
            num[k] += rk * wk
            den[k] += wk
    return w_s, r_s, p_s, num, den, n_pairs - counted
