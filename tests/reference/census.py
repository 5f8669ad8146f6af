"""Slow, obvious twins of the census likelihoods, written from the papers' formulas."""

import math

import numpy as np


def m0_mle(h: np.ndarray, n_max: int, p_grid: int = 2001) -> int:
    """Model M0 by brute force over N and p: L = N!/(N-M)!/prod n_w! p^n (1-p)^(tN-n)."""
    m, t = h.shape
    n_caps = int(h.sum())
    best, best_n = -np.inf, None
    ps = np.linspace(1e-6, 1 - 1e-6, p_grid)
    _, counts = np.unique(h, axis=0, return_counts=True)
    const = -sum(math.lgamma(c + 1) for c in counts)
    for n in range(m, n_max + 1):
        lnl = math.lgamma(n + 1) - math.lgamma(n - m + 1) + const
        vals = lnl + n_caps * np.log(ps) + (t * n - n_caps) * np.log1p(-ps)
        if vals.max() > best:
            best, best_n = vals.max(), n
    return best_n


def scr_lnl_proximity_hn(points, cell_area, detectors, usage, captures, density, g0, sigma) -> float:
    """Full SCR log-likelihood (Borchers & Efford 2008) for proximity detectors, half-normal g.

    Loops over individuals, mask points, detectors and occasions; density per m².
    """
    n = captures.shape[0]
    pdot = np.zeros(len(points))
    integrals = np.zeros(n)
    for mi, x in enumerate(points):
        probs = np.zeros((detectors.shape[0], usage.shape[1]))
        for k, d in enumerate(detectors):
            g = g0 * math.exp(-((x - d) ** 2).sum() / (2 * sigma**2))
            for s in range(usage.shape[1]):
                probs[k, s] = 1 - (1 - g) ** usage[k, s]
        pdot[mi] = 1 - np.prod(1 - probs)
        for i in range(n):
            pr = 1.0
            for k in range(detectors.shape[0]):
                for s in range(usage.shape[1]):
                    pr *= probs[k, s] if captures[i, k, s] else 1 - probs[k, s]
            integrals[i] += pr * cell_area
    a = pdot.sum() * cell_area
    return n * math.log(density) - density * a + np.log(integrals).sum() - math.lgamma(n + 1)
