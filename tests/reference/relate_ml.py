"""Slow, obvious twin of the dyadic ML relatedness estimator, written from the model.

Per locus the probability of the pair's genotypes under each Jacquard state is found
by brute force: every assignment of true alleles to the four genes (x1, x2, y1, y2)
that respects the state's identity classes, every ordering of the observed genotypes, each gene copy observed
correctly with probability 1 - E, else as any of the k alleles at E / k.  The likelihood is maximised by scipy's
SLSQP from several starting points, not by the kernel's pairwise line searches.
"""

import itertools
import math

import numpy as np
from scipy.optimize import minimize

# Identity classes of (x1, x2, y1, y2) in Jacquard's states 1..9.
STATES = [(0, 0, 0, 0), (0, 0, 1, 1), (0, 0, 0, 1), (0, 0, 1, 2), (0, 1, 0, 0),
          (0, 1, 2, 2), (0, 1, 0, 1), (0, 1, 0, 2), (0, 1, 2, 3)]
R_WEIGHT = np.array([2, 0, 1, 0, 1, 0, 1, 0.5, 0])


def jacquard_probabilities(gx, gy, freq, error=0.0):
    """P(genotypes gx, gy | state) for the nine states; ``freq`` indexed by allele (k = alleles with p > 0)."""
    alleles = [a for a in range(len(freq)) if freq[a] > 0]  # errors show one of the alleles seen
    k = len(alleles)
    gx, gy = [int(a) for a in gx], [int(a) for a in gy]
    # every ordered way (x1, x2, y1, y2) of showing the unordered genotypes
    orderings = {(*ox, *oy) for ox in itertools.permutations(gx) for oy in itertools.permutations(gy)}
    out = np.zeros(9)
    for s, classes in enumerate(STATES):
        n_classes = max(classes) + 1
        # without errors a gene can only carry an allele that is seen
        candidates = alleles if error > 0 else sorted({*gx, *gy})
        for true_class in itertools.product(candidates, repeat=n_classes):
            prior = math.prod(freq[a] for a in true_class)
            true = [true_class[c] for c in classes]
            for seen in orderings:
                obs = math.prod((1 - error) * (o == t) + error / k for o, t in zip(seen, true, strict=True))
                out[s] += prior * obs
    return out


def pair_coefficients(calls, freqs, i, j, errors=None):
    """Per-locus state probabilities for pair (i, j): loci typed in both with >= 2 alleles."""
    rows = []
    for locus, f in enumerate(freqs):
        gx, gy = calls[i, locus], calls[j, locus]
        if (np.asarray(f) > 0).sum() < 2 or (gx < 0).any() or (gy < 0).any():
            continue
        e = 0.0 if errors is None else errors[locus]
        rows.append(jacquard_probabilities(gx, gy, f, e))
    return np.array(rows).reshape(-1, 9)


def maximise(coef, states, starts=3, seed=0):
    """(max log-likelihood, delta (9,)) over the simplex of the given states, by SLSQP."""
    c = coef[:, states]
    rng = np.random.default_rng(seed)

    def neg(d):
        return -np.sum(np.log(np.maximum(c @ d, 1e-300)))

    best = (np.inf, None)
    for start in [np.full(len(states), 1 / len(states))] + [rng.dirichlet(np.ones(len(states))) for _ in range(starts)]:
        res = minimize(neg, start, method="SLSQP", bounds=[(0, 1)] * len(states),
                       constraints=[{"type": "eq", "fun": lambda d: d.sum() - 1}],
                       options={"ftol": 1e-14, "maxiter": 1000})
        if res.fun < best[0]:
            best = (res.fun, np.clip(res.x, 0, 1))
    delta = np.zeros(9)
    delta[states] = best[1] / best[1].sum()
    return -neg(best[1] / best[1].sum()), delta


def dyadml_pair(calls, freqs, i, j, states, errors=None):
    """(r, ln L(estimate) - ln L(unrelated), delta, n_loci) for one pair."""
    coef = pair_coefficients(calls, freqs, i, j, errors)
    if coef.shape[0] == 0:
        return math.nan, math.nan, np.full(9, math.nan), 0
    ll, delta = maximise(coef, states)
    return float(R_WEIGHT @ delta), ll - np.sum(np.log(coef[:, 8])), delta, coef.shape[0]


def log_likelihood(coef, delta):
    return float(np.sum(np.log(coef @ delta)))
