"""Slow, obviously correct twins of the identification kernels.

Written from the definitions (allelematch's ``amMatrix``: per allele column, a
typed pair that differs is one mismatch, one missing allele half a mismatch,
both missing none), never from the Cython code.  Scores are in half-allele
units, like the kernel.
"""

from __future__ import annotations

from collections import Counter

import numpy as np


def locus_units(x, y, positional, complete_case, w_diff, w_one, w_both):
    """Score of one locus and whether it counts as compared."""
    x = [int(v) for v in x]
    y = [int(v) for v in y]
    ploidy = len(x)
    tx = [v for v in x if v >= 0]
    ty = [v for v in y if v >= 0]
    if complete_case:
        if len(tx) < ploidy or len(ty) < ploidy:
            return 0, 0
        if positional:
            return w_diff * sum(a != b for a, b in zip(x, y, strict=True)), 1
        shared = sum((Counter(tx) & Counter(ty)).values())
        return w_diff * (ploidy - shared), 1
    compared = int(bool(tx) and bool(ty))
    if positional:
        s = 0
        for a, b in zip(x, y, strict=True):
            if a >= 0 and b >= 0:
                s += w_diff * (a != b)
            elif a >= 0 or b >= 0:
                s += w_one
            else:
                s += w_both
        return s, compared
    shared = sum((Counter(tx) & Counter(ty)).values())
    lo, hi = sorted((len(tx), len(ty)))
    return w_diff * (lo - shared) + w_one * (hi - lo) + w_both * (ploidy - hi), compared


def pair_units(a, b, positional=True, complete_case=False, w_diff=2, w_one=1, w_both=0):
    """Total score (half units) and loci compared of one pair, no early exit."""
    total = compared = 0
    for x, y in zip(a, b, strict=True):
        s, c = locus_units(x, y, positional, complete_case, w_diff, w_one, w_both)
        total += s
        compared += c
    return total, compared


def pairwise_units(calls, other=None, **kw):
    """Dense ``(n_a, n_b)`` scores and compared-loci counts."""
    other = calls if other is None else other
    units = np.zeros((len(calls), len(other)), dtype=np.int64)
    comp = np.zeros_like(units)
    for i in range(len(calls)):
        for j in range(len(other)):
            units[i, j], comp[i, j] = pair_units(calls[i], other[j], **kw)
    return units, comp


def am_dissimilarity(calls):
    """allelematch's ``amMatrix`` (missingMethod 2) on allele columns, in R's order of operations.

    ``1 - (matches + 0.5 * missing_j + 0.5 * missing_i) / n_columns`` with
    ``matches`` the number of columns typed and equal in both samples.
    """
    cols = np.asarray(calls).reshape(len(calls), -1)
    n, m = cols.shape
    miss = (cols < 0).sum(axis=1) * 0.5
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            match = int(((cols[i] == cols[j]) & (cols[i] >= 0)).sum())
            out[i, j] = 1 - ((match + miss[j] + miss[i]) / m)
    return out


def pi_unrelated(freqs):
    """Probability of identity per locus, sum p^4 + sum_{i<j} (2 p_i p_j)^2."""
    p = np.asarray(freqs, dtype=float)
    total = float(np.sum(p**4))
    for i in range(len(p)):
        for j in range(i + 1, len(p)):
            total += (2 * p[i] * p[j]) ** 2
    return total


def pi_sibs(freqs):
    """Probability of identity among full siblings, 0.25 + 0.5 a2 + 0.5 a2^2 - 0.25 a4."""
    p = np.asarray(freqs, dtype=float)
    a2, a4 = float(np.sum(p**2)), float(np.sum(p**4))
    return 0.25 + 0.5 * a2 + 0.5 * a2**2 - 0.25 * a4


# --------------------------------------------------------------------------- likelihood twin
def _genotypes(n):
    return [(a, b) for a in range(n) for b in range(a, n)]


def _hwe(g, p):
    a, b = g
    return p[a] ** 2 if a == b else 2 * p[a] * p[b]


def _obs_prob(obs, true, p, ado, fa):
    """E(obs | true): dropout then false-allele replacement by a random genotype."""
    a, b = true
    if a == b:
        drop = 1.0 if obs == true else 0.0
    else:
        drop = (1 - ado) if obs == true else (ado / 2 if obs in ((a, a), (b, b)) else 0.0)
    return (1 - fa) * drop + fa * _hwe(obs, p)


def _event_prob(x, true, p, ado, fa):
    # x is a complete genotype (a, b) or a partial call (a, -1): "obs contains a".
    if x[1] >= 0:
        return _obs_prob(tuple(sorted(x)), true, p, ado, fa)
    return sum(_obs_prob(o, true, p, ado, fa) for o in _genotypes(len(p)) if x[0] in o)


def _transmit(child, mother, father):
    # Mendelian probability of an unordered child genotype.
    total = 0.0
    for m in mother:
        for f in father:
            if tuple(sorted((m, f))) == child:
                total += 0.25
    return total


def pair_likelihoods(x, y, p, ado, fa):
    """(P(x,y|same), P(x,y|full sibs), P(x), P(y)) by explicit enumeration; full
    sibs through their parents' genotypes and Mendelian transmission."""
    p = np.asarray(p, dtype=float)
    gts = _genotypes(len(p))
    same = sum(
        _hwe(g, p) * _event_prob(x, g, p, ado, fa) * _event_prob(y, g, p, ado, fa) for g in gts
    )
    px = sum(_hwe(g, p) * _event_prob(x, g, p, ado, fa) for g in gts)
    py = sum(_hwe(g, p) * _event_prob(y, g, p, ado, fa) for g in gts)
    fs = 0.0
    for mo in gts:
        for fa_ in gts:
            w = _hwe(mo, p) * _hwe(fa_, p)
            for g1 in gts:
                t1 = _transmit(g1, mo, fa_)
                if not t1:
                    continue
                e1 = _event_prob(x, g1, p, ado, fa)
                for g2 in gts:
                    t2 = _transmit(g2, mo, fa_)
                    if t2:
                        fs += w * t1 * t2 * e1 * _event_prob(y, g2, p, ado, fa)
    return same, fs, px, py


def consensus(values):
    """Best genotype of one individual, rows in priority order: per locus the most
    frequent complete call as a multiset (ties: the earlier row); partial calls only
    when no row has a complete one; alleles ascending, missing last."""
    n, n_loci, ploidy = values.shape
    out = np.full((n_loci, ploidy), -1, dtype=values.dtype)
    for j in range(n_loci):
        calls = [tuple(sorted(int(v) for v in values[s, j])) for s in range(n)]
        complete = [c for c in calls if min(c) >= 0]
        pool = complete or [c for c in calls if max(c) >= 0]
        if not pool:
            continue
        counts = Counter(pool)
        best = max(counts.values())
        choice = next(c for c in pool if counts[c] == best)
        out[j] = sorted(choice, key=lambda v: (v < 0, v))
    return out


def greedy_leaders(n, pairs, order):
    """Rows visited in ``order`` become leaders unless a neighbour already is one."""
    neighbours = {r: set() for r in range(n)}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    leaders = set()
    for r in order:
        if not neighbours[r] & leaders:
            leaders.add(r)
    return sorted(leaders)
