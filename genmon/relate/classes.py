"""Kinship classes: likelihoods of parent–offspring, full-sib, half-sib and unrelated.

For a pair of diploid genotypes at a locus, with allele frequencies ``p`` and
Hardy–Weinberg proportions, the probability under a relationship with IBD
probabilities ``(k0, k1, k2)`` is
``k0 P(Gx) P(Gy) + k1 P(Gx) P(Gy | Gx, one allele IBD) + k2 P(Gx) [Gy = Gx]``
(Thompson 1975).  Loci multiply.  A per-locus genotyping error rate ``e``
mixes in unrelated genotypes: with probability ``1 - (1-e)^2`` at least one
of the two genotypes is wrong and the pair looks unrelated at that locus
(a simple, conservative model; documented rather than hidden).

References
----------
Thompson EA (1975) The estimation of pairwise relationships. Annals of Human
Genetics 39:173-188.

Kalinowski ST, Wagner AP, Taper ML (2006) ML-Relate: a computer program for
maximum likelihood estimation of relatedness and relationship. Molecular
Ecology Notes 6:576-579.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["RELATIONSHIPS", "pair_log_likelihoods", "classify_pairs", "simulate_pairs"]

#: IBD probabilities (k0, k1, k2) and expected relatedness of each class.
RELATIONSHIPS: dict[str, tuple[float, float, float]] = {
    "PO": (0.0, 1.0, 0.0),
    "FS": (0.25, 0.5, 0.25),
    "HS": (0.5, 0.5, 0.0),
    "U": (1.0, 0.0, 0.0),
}


def _genotype_prob(freq: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    pa, pb = freq[a], freq[b]
    return np.where(a == b, pa * pa, 2 * pa * pb)


def _one_ibd(freq, a, b, c, d):
    """P(Gy = cd | Gx = ab, one allele IBD): x passes a or b (1/2 each), y's other allele is random."""
    total = np.zeros(a.shape)
    for t in (a, b):
        # y = {t, r}: matches {c, d} if t == c and r == d, or t == d and r == c (counted once when c == d)
        hit_c = (t == c) * freq[d]
        hit_d = np.where(c != d, (t == d) * freq[c], 0.0)
        total += 0.5 * (hit_c + hit_d)
    return total


def pair_log_likelihoods(
    calls_x: np.ndarray,
    calls_y: np.ndarray,
    freqs: Sequence[np.ndarray],
    error_rates: np.ndarray | None = None,
    relationships: Sequence[str] = tuple(RELATIONSHIPS),
) -> np.ndarray:
    """Log-likelihood of each relationship for pairs of genotypes.

    Parameters
    ----------
    calls_x, calls_y
        ``(pairs, loci, 2)`` allele indices (``-1`` missing; a locus missing in
        either individual is skipped).
    freqs
        Allele frequencies per locus, indexed by allele index.
    error_rates
        Optional per-locus genotyping error rate.

    Returns
    -------
    numpy.ndarray
        ``(pairs, len(relationships))`` natural-log likelihoods.

    Examples
    --------
    Two alleles at 1/2; x = 0/0, y = 0/1.  U: (1/4)(1/2) = 1/8.  PO: y gets allele 0
    from x and allele 1 at random: (1/4)(1/2) = 1/8.  FS: 1/4 * 1/8 + 1/2 * 1/8 + 0 = 3/32.

    >>> x = np.array([[[0, 0]]]); y = np.array([[[0, 1]]])
    >>> ll = pair_log_likelihoods(x, y, [np.array([0.5, 0.5])], relationships=["PO", "FS", "U"])
    >>> np.exp(ll).round(5).tolist()
    [[0.125, 0.09375, 0.125]]
    """
    n_pairs, n_loci, _ = calls_x.shape
    out = np.zeros((n_pairs, len(relationships)))
    for locus in range(n_loci):
        f = np.asarray(freqs[locus], dtype=np.float64)
        a, b = calls_x[:, locus, 0], calls_x[:, locus, 1]
        c, d = calls_y[:, locus, 0], calls_y[:, locus, 1]
        ok = (a >= 0) & (b >= 0) & (c >= 0) & (d >= 0)
        if not ok.any() or f.size == 0:
            continue
        a, b, c, d = (np.where(ok, v, 0) for v in (a, b, c, d))
        px, py = _genotype_prob(f, a, b), _genotype_prob(f, c, d)
        unrelated = px * py
        one = px * _one_ibd(f, a, b, c, d)
        same = (np.minimum(a, b) == np.minimum(c, d)) & (np.maximum(a, b) == np.maximum(c, d))
        two = px * same
        e = 0.0 if error_rates is None else float(error_rates[locus])
        keep = (1 - e) ** 2
        for r, name in enumerate(relationships):
            k0, k1, k2 = RELATIONSHIPS[name]
            lik = keep * (k0 * unrelated + k1 * one + k2 * two) + (1 - keep) * unrelated
            with np.errstate(divide="ignore"):
                out[:, r] += np.where(ok, np.log(lik), 0.0)
    return out


def classify_pairs(loglik: np.ndarray, relationships: Sequence[str] = tuple(RELATIONSHIPS)) -> tuple[np.ndarray, np.ndarray]:
    """Most likely class of each pair and its support: ln L(best) - ln L(runner-up)."""
    order = np.argsort(-loglik, axis=1, kind="stable")
    best = order[:, 0]
    rows = np.arange(loglik.shape[0])
    support = loglik[rows, best] - loglik[rows, order[:, 1]]
    return np.asarray(relationships, dtype=object)[best], support


def _draw(freq: np.ndarray, size, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(freq.size, size=size, p=freq / freq.sum())


def simulate_pairs(
    freqs: Sequence[np.ndarray], relationship: str, n_pairs: int, seed: int | np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Genotypes of ``n_pairs`` pairs of the given relationship, by gene dropping.

    PO: the child takes one allele of the parent and one random allele.  FS:
    two children of two random parents.  HS: two children sharing one parent,
    each with a different random other parent.  U: independent draws.
    Returns ``(calls_x, calls_y)``, each ``(n_pairs, loci, 2)``.
    """
    if relationship not in RELATIONSHIPS:
        raise ValueError(f"unknown relationship {relationship!r}")
    rng = np.random.default_rng(seed)
    n_loci = len(freqs)

    def parent():
        return np.stack([np.stack([_draw(f, n_pairs, rng), _draw(f, n_pairs, rng)], axis=1) for f in freqs], axis=1)

    def gamete(p):
        pick = rng.integers(0, 2, size=(n_pairs, n_loci))
        return np.take_along_axis(p, pick[:, :, None], axis=2)[:, :, 0]

    def random_gamete():
        return np.stack([_draw(f, n_pairs, rng) for f in freqs], axis=1)

    if relationship == "U":
        return parent(), parent()
    if relationship == "PO":
        x = parent()
        return x, np.stack([gamete(x), random_gamete()], axis=2)
    mother = parent()
    if relationship == "FS":
        father = parent()
        return (np.stack([gamete(mother), gamete(father)], axis=2),
                np.stack([gamete(mother), gamete(father)], axis=2))
    return (np.stack([gamete(mother), random_gamete()], axis=2),
            np.stack([gamete(mother), random_gamete()], axis=2))
