"""Slow, obvious twins of the marker kernels (genmon._ext.markers_ld), written from the definitions."""

from __future__ import annotations

import math

import numpy as np


def genotypic_ld(codes, n_codes, pairs, perms):
    """Per pair: sum O ln O of the genotype table, #permuted tables >= it, #typed at both.

    A permutation row restricted to the samples typed at both loci lists
    them in a random order; the k-th typed sample (input order) is paired
    with the second-locus genotype of the k-th sample of that list.
    """
    stat = np.zeros(len(pairs))
    n_ge = np.zeros(len(pairs), dtype=np.int64)
    n_used = np.zeros(len(pairs), dtype=np.int64)

    def s_lns(table):
        t = table[table > 0].astype(float)
        return float((t * np.log(t)).sum())

    for p, (j, m) in enumerate(pairs):
        both = [s for s in range(codes.shape[0]) if codes[s, j] >= 0 and codes[s, m] >= 0]
        table = np.zeros((n_codes[j], n_codes[m]), dtype=np.int64)
        for s in both:
            table[codes[s, j], codes[s, m]] += 1
        obs = s_lns(table)
        stat[p] = obs
        n_used[p] = len(both)
        in_both = set(both)
        for row in perms:
            order = [s for s in row if s in in_both]
            t2 = np.zeros_like(table)
            for s_first, s_second in zip(both, order, strict=True):
                t2[codes[s_first, j], codes[s_second, m]] += 1
            if s_lns(t2) >= obs - 1e-9 * max(obs, 1.0):
                n_ge[p] += 1
    return stat, n_ge, n_used


def r2_pairs(dosage, pairs):
    """Squared Pearson correlation of dosages over samples typed at both (NaN without variance)."""
    out = np.zeros(len(pairs))
    n_used = np.zeros(len(pairs), dtype=np.int64)
    for p, (j, m) in enumerate(pairs):
        ok = (dosage[:, j] >= 0) & (dosage[:, m] >= 0)
        x = dosage[ok, j].astype(float)
        y = dosage[ok, m].astype(float)
        n_used[p] = ok.sum()
        if ok.sum() == 0 or x.std() == 0 or y.std() == 0:
            out[p] = np.nan
        else:
            out[p] = np.corrcoef(x, y)[0, 1] ** 2
    return out, n_used


def log_prob(geno):
    """Levene / Guo-Thompson log probability of an upper-triangular genotype table."""
    g = np.triu(geno)
    n = int(g.sum())
    c = g.sum(0) + g.sum(1)
    h = n - int(np.trace(g))
    return (
        math.lgamma(n + 1) + sum(math.lgamma(x + 1) for x in c) - math.lgamma(2 * n + 1) + h * math.log(2)
        - sum(math.lgamma(x + 1) for x in g[np.triu_indices(len(g))])
    )


def hwe_chain(geno, picks, u, burn_in, batch_size, n_batches, tol=1e-7):
    """Guo & Thompson chain recomputing each state's probability from scratch.

    Proposal at step s with (i, j, k, l) = picks[s]: genotypes {i,k} and {j,l}
    lose one individual each, {i,l} and {j,k} gain one; accepted when
    u[s] < P(new) / P(old).
    """
    g = np.triu(np.asarray(geno, dtype=np.int64)).copy()
    obs = log_prob(g)
    h_obs = int(g.sum() - np.trace(g))
    n_le = np.zeros(n_batches, dtype=np.int64)
    n_het = np.zeros(n_batches, dtype=np.int64)
    cur = obs
    for s in range(len(picks)):
        i, j, k, m = (int(x) for x in picks[s])
        new = g.copy()
        ok = True
        for x, y, delta in ((i, k, -1), (j, m, -1), (i, m, 1), (j, k, 1)):
            a, b = min(x, y), max(x, y)
            new[a, b] += delta
            if new[a, b] < 0:
                ok = False
        if ok:
            lp = log_prob(new)
            if u[s] < math.exp(lp - cur):
                g, cur = new, lp
        if s >= burn_in:
            b = (s - burn_in) // batch_size
            n_le[b] += cur - obs <= tol
            n_het[b] += (g.sum() - np.trace(g)) <= h_obs
    return n_le, n_het
