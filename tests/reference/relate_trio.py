"""Slow, obvious twin of the triadic ML (TrioML) estimator, written from the model.

The triadic states are found by brute force: every labelling of the six genes
(x1, x2, y1, y2, z1, z2) with classes, grouped by the set of labellings reachable by
exchanging the two genes of an individual.  Per locus the probability of the three
genotypes under a state sums, over every ordering of the observed genotypes and every
assignment of true alleles to the classes, the prior times the error model; the
likelihood is maximised by scipy's SLSQP from several starting points.
"""

import functools
import itertools
import math

import numpy as np
from scipy.optimize import minimize


def _canonical(labels):
    seen = {}
    return tuple(seen.setdefault(c, len(seen)) for c in labels)


def _orbit(labels):
    out = set()
    for flips in itertools.product((0, 1), repeat=3):
        perm = []
        for ind, f in enumerate(flips):
            perm += [2 * ind + f, 2 * ind + 1 - f]
        out.add(_canonical([labels[g] for g in perm]))
    return frozenset(out)


@functools.cache
def states(inbreeding):
    """List of representative labellings, one per condensed state."""
    orbits = {}
    for labels in itertools.product(range(6), repeat=6):
        lab = _canonical(labels)
        if not inbreeding and any(lab[2 * i] == lab[2 * i + 1] for i in range(3)):
            continue
        orbits.setdefault(_orbit(lab), lab)
    return list(orbits.values())


def kinship_r(labels):
    """2 x kinship of X and Y: twice the chance that a random gene of X and one of Y are in one class."""
    return 2 * np.mean([labels[i] == labels[j] for i in (0, 1) for j in (2, 3)])


def triad_probabilities(genotypes, freq, state_list, error=0.0):
    alleles = [a for a in range(len(freq)) if freq[a] > 0]
    k = len(alleles)
    genos = [[int(a) for a in g] for g in genotypes]
    orderings = {tuple(itertools.chain(*o)) for o in itertools.product(*[set(itertools.permutations(g)) for g in genos])}
    seen_alleles = sorted({a for g in genos for a in g})
    out = np.zeros(len(state_list))
    for s, labels in enumerate(state_list):
        n_classes = max(labels) + 1
        candidates = alleles if error > 0 else seen_alleles
        for true_class in itertools.product(candidates, repeat=n_classes):
            prior = math.prod(freq[a] for a in true_class)
            true = [true_class[c] for c in labels]
            for obs in orderings:
                out[s] += prior * math.prod((1 - error) * (o == t) + error / k for o, t in zip(obs, true, strict=True))
    return out


def maximise(coef, starts=3, seed=0):
    rng = np.random.default_rng(seed)
    n = coef.shape[1]

    def neg(d):
        return -np.sum(np.log(np.maximum(coef @ d, 1e-300)))

    # EM for mixture weights (monotone, each step d_s <- d_s mean_l c_ls / L_l) gives one more
    # starting point near the maximum: SLSQP alone can stall on 16 or 66 weights
    em = np.full(n, 1 / n)
    for _ in range(5000):
        em = em * np.mean(coef / np.maximum(coef @ em, 1e-300)[:, None], axis=0)
        em = em / em.sum()
    best = (neg(em), em)
    # and the best single state: the maximum is often a vertex, which EM approaches only slowly
    vertex = np.eye(n)[int(np.argmax(np.sum(np.log(np.maximum(coef, 1e-300)), axis=0)))]
    if neg(vertex) < best[0]:
        best = (neg(vertex), vertex)
    for start in [em, vertex, np.full(n, 1 / n)] + [rng.dirichlet(np.ones(n)) for _ in range(starts)]:
        res = minimize(neg, start, method="SLSQP", bounds=[(0, 1)] * n,
                       constraints=[{"type": "eq", "fun": lambda d: d.sum() - 1}],
                       options={"ftol": 1e-14, "maxiter": 1000})
        # judge SLSQP's answer on the simplex: its raw point may break the constraint slightly
        x = np.clip(res.x, 0, 1)
        x = x / x.sum()
        if neg(x) < best[0]:
            best = (neg(x), x)
    return -best[0], best[1]


def triad(calls, freqs, i, j, reference, inbreeding, errors=None):
    """(max ln L - ln L(no IBD), r at the SLSQP maximum, n_loci) for individuals i, j and one reference."""
    state_list = states(inbreeding)
    rows = []
    for locus, f in enumerate(freqs):
        g = [calls[i, locus], calls[j, locus], reference[locus]]
        if (np.asarray(f) > 0).sum() < 2 or any((np.asarray(x) < 0).any() for x in g):
            continue
        rows.append(triad_probabilities(g, f, state_list, 0.0 if errors is None else errors[locus]))
    if not rows:
        return math.nan, math.nan, 0
    coef = np.array(rows)
    unrelated = [s for s, lab in enumerate(state_list) if len(set(lab)) == 6][0]
    ll, delta = maximise(coef)
    r = float(sum(d * kinship_r(lab) for d, lab in zip(delta, state_list, strict=True)))
    return ll - float(np.sum(np.log(coef[:, unrelated]))), r, len(rows)
