"""capwire: abundance from repeated detections in a single session.

Two models of Miller, Joyce & Waits (2005), as implemented in the R package
capwire (Pennell et al. 2013):

* **ECM**, the equal capture model: every individual is equally likely to be
  sampled.  With ``T`` distinct individuals among ``S`` samples,
  ``ln L(N) = ln N! - ln (N - T)! - S ln N - ln T!``.
* **TIRM**, the two innate rates model: individuals belong to an "easy" class A
  sampled ``alpha`` times as often as the "hard" class B.  All of class A is
  assumed seen (``N_A = T_A``) and ``N_B`` is found by grid search; ``alpha`` is
  initialised from the counts above/below the mean, bias-corrected, and class
  assignment is iterated until it is stable.

The grid of population sizes is capwire's: ``T, T+1, …, max_pop - T``.
capwire adds the constant ``-ln T!`` (ECM) and ``-ln T_A! - ln T_B!`` (TIRM) to
the reported log-likelihoods; genmon does the same so that numbers compare.

References
----------
Miller CR, Joyce P, Waits LP (2005) A new method for estimating the size of small
populations from genetic mark-recapture data. Molecular Ecology 14:1991-2005.

Pennell MW, Stansbury CR, Waits LP, Miller CR (2013) Capwire: a R package for
estimating population census size from non-invasive genetic sampling. Molecular
Ecology Resources 13:154-157.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from ..exceptions import ModelError
from ..progress import progress

__all__ = [
    "CapwireFit",
    "counts_from_class_table",
    "class_table",
    "fit_ecm",
    "fit_tirm",
    "simulate_ecm",
    "simulate_tirm",
    "bootstrap_capwire",
    "lrt_capwire",
]


@dataclass(frozen=True)
class CapwireFit:
    """A fitted capwire model.

    ``lnl`` is ``nan`` and ``n_hat`` equals ``max_pop`` when every individual
    was seen once (the data hold no information on N), as in capwire.
    """

    model: str  # "ecm" or "tirm"
    n_hat: int
    lnl: float
    n_individuals: int
    n_samples: int
    max_pop: int
    n_a: int | None = None
    n_b: int | None = None
    alpha: float | None = None
    converged: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


def counts_from_class_table(capture_class: Sequence[int], n_individuals: Sequence[int]) -> np.ndarray:
    """Per-individual detection counts from a capwire class table.

    Examples
    --------
    >>> counts_from_class_table([1, 2, 3], [2, 1, 1]).tolist()
    [1, 1, 2, 3]
    """
    cls = np.asarray(capture_class, dtype=np.int64)
    n = np.asarray(n_individuals, dtype=np.int64)
    if cls.shape != n.shape:
        raise ModelError("capture classes and individual numbers differ in length")
    if (n < 0).any() or (cls < 0).any():
        raise ModelError("capture classes and individual numbers must be non-negative")
    counts = np.repeat(cls, n)
    return np.sort(counts[counts > 0])


def class_table(counts: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Capture classes and the number of individuals in each (the inverse of the above)."""
    c = np.asarray(counts, dtype=np.int64)
    c = c[c > 0]
    classes, n = np.unique(c, return_counts=True)
    return classes, n


def _check_counts(counts: Sequence[int]) -> np.ndarray:
    c = np.asarray(counts)
    if c.ndim != 1:
        raise ModelError("detection counts must be a one-dimensional sequence")
    if c.size and (not np.issubdtype(c.dtype, np.integer) or (c < 0).any()):
        raise ModelError("detection counts must be non-negative whole numbers")
    c = c.astype(np.int64)
    c = c[c > 0]
    if c.size == 0:
        raise ModelError("no individual was detected: nothing to estimate")
    return c


def _grid(t: int, max_pop: int, low: int | None = None) -> np.ndarray:
    grid = np.arange(t if low is None else low, max_pop - t + 1, dtype=np.int64)
    if grid.size == 0:
        raise ModelError(f"max_pop={max_pop} leaves no population size to try for {t} individuals seen")
    return grid


def _ecm_lnl(n: np.ndarray, t: int, s: int) -> np.ndarray:
    n = n.astype(np.float64)
    return gammaln(n + 1) - gammaln(n - t + 1) - s * np.log(n)


def fit_ecm(counts: Sequence[int], max_pop: int) -> CapwireFit:
    """Fit the equal capture model to per-individual detection counts.

    Parameters
    ----------
    counts
        Number of samples of each detected individual.
    max_pop
        Upper bound of the grid search (capwire's ``max.pop``); choose it
        well above the estimate.

    Examples
    --------
    capwire's toy data, classes 1,2,3 with 5,3,2 individuals (T=10, S=17):

    >>> fit = fit_ecm(counts_from_class_table([1, 2, 3], [5, 3, 2]), max_pop=100)
    >>> fit.n_hat, round(fit.lnl, 3)
    (13, -37.948)
    """
    c = _check_counts(counts)
    t, s = int(c.size), int(c.sum())
    if (c == 1).all():
        return CapwireFit("ecm", max_pop, float("nan"), t, s, max_pop,
                          notes=("only singletons: the data hold no information on N",))
    grid = _grid(t, max_pop)
    lnl = _ecm_lnl(grid, t, s)
    best = int(np.argmax(lnl))  # the smallest N on ties
    return CapwireFit("ecm", int(grid[best]), float(lnl[best] - gammaln(t + 1)), t, s, max_pop)


def _assign_classes(counts: np.ndarray, n_a: int, n_b: int, s: int, alpha: float) -> np.ndarray:
    """True for class A: non-singletons nearer A's expected count than B's."""
    denom = alpha * n_a + n_b
    exp_a, exp_b = s * alpha / denom, s / denom
    return (counts != 1) & (np.abs(counts - exp_a) < np.abs(counts - exp_b))


def _tirm_mle(counts: np.ndarray, is_a: np.ndarray, alpha: float, max_pop: int) -> tuple[float, int, int]:
    ca, cb = counts[is_a], counts[~is_a]
    n_a, t_b = int(ca.size), int(cb.size)
    grid = _grid(n_a, max_pop, low=t_b).astype(np.float64)
    denom = alpha * n_a + grid
    lnl = (
        gammaln(n_a + 1)
        + ca.sum() * np.log(alpha / denom)
        + gammaln(grid + 1)
        - cb.sum() * np.log(denom)
        - gammaln(grid - t_b + 1)
    )
    best = int(np.argmax(lnl))
    return float(lnl[best]), n_a, int(grid[best])


def fit_tirm(counts: Sequence[int], max_pop: int, max_iter: int = 20) -> CapwireFit:
    """Fit the two innate rates model (capwire's iterative algorithm).

    Examples
    --------
    >>> fit = fit_tirm(counts_from_class_table([1, 2, 3], [5, 3, 2]), max_pop=100)
    >>> fit.n_hat, fit.n_a, fit.n_b, round(fit.alpha, 2), round(fit.lnl, 3)
    (16, 5, 11, 3.84, -35.652)
    """
    c = np.sort(_check_counts(counts))
    t, s = int(c.size), int(c.sum())
    if (c == 1).all():
        return CapwireFit("tirm", max_pop, float("nan"), t, s, max_pop, n_a=0, n_b=t,
                          notes=("only singletons: the data hold no information on N",))
    mean = s / t
    above, below = c[c > mean], c[c <= mean]
    alpha = float(above.mean() / below.mean())
    n_a = round(t / 2)
    n_b = t - n_a
    size_before, size_after = -1, -2
    it = 0
    lnl = float("nan")
    is_a = np.zeros(t, dtype=bool)
    while size_before != size_after and it < max_iter:
        is_a = _assign_classes(c, n_a, n_b, s, alpha)
        size_before = int((~is_a).sum())
        lnl, n_a, n_b = _tirm_mle(c, is_a, alpha, max_pop)
        sum_a = c[is_a].sum()
        alpha = float(n_b * sum_a / (n_a * s - n_a * sum_a)) if n_a else float("nan")
        if not np.isfinite(alpha) or alpha <= 0:
            break
        lnl, n_a, n_b = _tirm_mle(c, is_a, alpha, max_pop)
        size_after = int((~_assign_classes(c, n_a, n_b, s, alpha)).sum())
        it += 1
    converged = size_before == size_after
    t_a = int(is_a.sum())
    lnl_reported = lnl - gammaln(t_a + 1) - gammaln(t - t_a + 1)
    notes = () if converged else (f"class assignment did not settle in {max_iter} iterations",)
    if not np.isfinite(alpha) or alpha <= 0:
        notes += ("no individual fell in the frequently sampled class; TIRM reduces to ECM",)
        ecm = fit_ecm(c, max_pop)
        return CapwireFit("tirm", ecm.n_hat, ecm.lnl, t, s, max_pop, n_a=0, n_b=ecm.n_hat,
                          alpha=float("nan"), converged=False, notes=notes)
    return CapwireFit("tirm", n_a + n_b, float(lnl_reported), t, s, max_pop, n_a=n_a, n_b=n_b,
                      alpha=alpha, converged=converged, notes=notes)


def _counts_from_draws(weights: np.ndarray, s: int, rng: np.random.Generator) -> np.ndarray:
    counts = rng.multinomial(s, weights / weights.sum())
    return counts[counts > 0]


def simulate_ecm(n: int, s: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Detection counts of ``s`` samples drawn uniformly from ``n`` individuals."""
    if n < 1 or s < 0:
        raise ModelError("simulate_ecm needs n >= 1 and s >= 0")
    rng = np.random.default_rng(seed)
    return _counts_from_draws(np.ones(n), s, rng)


def simulate_tirm(
    n_a: int, n_b: int, alpha: float, s: int, seed: int | np.random.Generator | None = None,
    convention: str = "model",
) -> np.ndarray:
    """Detection counts under TIRM.

    ``convention="model"`` gives class A individuals weight ``alpha`` and class B
    weight 1, as the model defines.  ``convention="capwire"`` reproduces capwire
    1.x's ``simTirm``, which gives the weight ``alpha`` to the *second* block of
    ``n_b`` individuals instead; its bootstrap intervals for TIRM therefore
    differ from the model's.
    """
    if convention not in ("model", "capwire"):
        raise ModelError(f"unknown TIRM simulation convention {convention!r}")
    rng = np.random.default_rng(seed)
    if convention == "model":
        weights = np.concatenate([np.full(n_a, float(alpha)), np.ones(n_b)])
    else:
        weights = np.concatenate([np.ones(n_a), np.full(n_b, float(alpha))])
    if weights.size == 0:
        raise ModelError("simulate_tirm needs at least one individual")
    return _counts_from_draws(weights, s, rng)


def bootstrap_capwire(
    fit: CapwireFit,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int | np.random.Generator | None = None,
    convention: str = "model",
) -> tuple[float, float, np.ndarray]:
    """Parametric bootstrap CI of N: simulate under the fit, refit, take quantiles.

    Quantiles use R's default (type 7) rule, as capwire's ``quantile`` call.
    Returns ``(low, high, estimates)``.
    """
    rng = np.random.default_rng(seed)
    estimates = np.empty(n_boot, dtype=np.float64)
    for b in progress(range(n_boot), f"capwire bootstrap ({fit.model})", total=n_boot):
        if fit.model == "ecm":
            sim = simulate_ecm(fit.n_hat, fit.n_samples, rng)
            estimates[b] = fit_ecm(sim, fit.max_pop).n_hat
        else:
            sim = simulate_tirm(fit.n_a or 0, fit.n_b or 0, fit.alpha, fit.n_samples, rng, convention)
            estimates[b] = fit_tirm(sim, fit.max_pop).n_hat
    tail = (1 - level) / 2
    low, high = np.quantile(estimates, [tail, 1 - tail])
    return float(low), float(high), estimates


def lrt_capwire(
    ecm: CapwireFit, tirm: CapwireFit, n_boot: int = 100, seed: int | np.random.Generator | None = None
) -> tuple[float, float]:
    """Likelihood-ratio test of TIRM against ECM with a parametric bootstrap p-value.

    Returns ``(lnl_difference, p_value)``.  capwire prints the log-likelihood
    *difference* ``lnL_TIRM - lnL_ECM`` as "LR"; twice it is the usual
    statistic.  The p-value is ``(#{simulated >= observed} + 1) / (n_boot + 1)``
    with data simulated under the ECM fit.
    """
    rng = np.random.default_rng(seed)
    observed = tirm.lnl - ecm.lnl
    sims = np.empty(n_boot)
    for b in range(n_boot):
        sim = simulate_ecm(ecm.n_hat, ecm.n_samples, rng)
        sims[b] = fit_tirm(sim, ecm.max_pop).lnl - fit_ecm(sim, ecm.max_pop).lnl
    sims = np.where(np.isnan(sims), -np.inf, sims)
    return float(observed), float((np.sum(sims >= observed) + 1) / (n_boot + 1))
