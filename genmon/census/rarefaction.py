"""Rarefaction of the discovery curve: new individuals against samples.

The curve of cumulative distinct individuals ``y`` against samples ``x`` is
averaged over random orders of the samples and fitted by least squares with

* Kohn et al. (1999): ``y = a x / (b + x)`` — asymptote ``a``;
* Eggert et al. (2003): ``y = a (1 - exp(b x))`` with ``b < 0`` — asymptote ``a``.

The CI of the asymptote is the percentile range of the fits to the individual
random orders (as Kohn et al. did with their iterations), which reflects the
sampling order only, not all uncertainty: it is narrower than a capture–
recapture interval and is reported as such.

References
----------
Kohn MH, York EC, Kamradt DA, Haught G, Sauvajot RM, Wayne RK (1999) Estimating
population size by genotyping faeces. Proc R Soc Lond B 266:657-663.

Eggert LS, Eggert JA, Woodruff DS (2003) Estimating population sizes for elusive
animals: the forest elephants of Kakum National Park, Ghana. Molecular Ecology
12:1389-1402.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import curve_fit

from ..exceptions import ModelError

__all__ = ["DiscoveryCurve", "discovery_curve", "kohn_model", "eggert_model", "fit_rarefaction"]


@dataclass(frozen=True)
class DiscoveryCurve:
    """Mean cumulative distinct individuals after 1..n samples, over random orders."""

    n_samples: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    curves: np.ndarray  # (n_orders, n_samples)


def kohn_model(x, a, b):
    """Kohn et al. (1999) hyperbola ``a x / (b + x)``."""
    return a * x / (b + x)


def eggert_model(x, a, b):
    """Eggert et al. (2003) exponential ``a (1 - exp(b x))``."""
    return a * (1 - np.exp(b * x))


def discovery_curve(
    individual_of_sample: Sequence, n_orders: int = 1000, seed: int | np.random.Generator | None = None
) -> DiscoveryCurve:
    """Discovery curves over ``n_orders`` random sample orders.

    Examples
    --------
    Samples of individuals a, a, b: after 1 sample always 1 individual; after 3, 2.

    >>> c = discovery_curve(["a", "a", "b"], n_orders=50, seed=1)
    >>> float(c.mean[0]), float(c.mean[-1])
    (1.0, 2.0)
    """
    labels = np.asarray(individual_of_sample, dtype=object)
    if labels.size == 0:
        raise ModelError("no samples: nothing to rarefy")
    _, codes = np.unique(labels.astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    n = codes.size
    curves = np.empty((n_orders, n), dtype=np.float64)
    for r in range(n_orders):
        order = codes[rng.permutation(n)]
        # A sample is a discovery when its individual appears for the first time.
        _, first_pos = np.unique(order, return_index=True)
        discovery = np.zeros(n, dtype=np.int64)
        discovery[first_pos] = 1
        curves[r] = np.cumsum(discovery)
    low, high = np.quantile(curves, [0.025, 0.975], axis=0)
    return DiscoveryCurve(np.arange(1, n + 1), curves.mean(axis=0), low, high, curves)


def _fit(model, x, y):
    a0 = float(y[-1]) * 1.2 + 1
    p0 = (a0, float(x[-1]) / 2) if model is kohn_model else (a0, -1.0 / max(float(x[-1]), 1.0))
    try:
        params, _ = curve_fit(model, x, y, p0=p0, maxfev=10000)
    except (RuntimeError, ValueError):
        return np.nan, np.nan
    return float(params[0]), float(params[1])


def fit_rarefaction(curve: DiscoveryCurve, model: str = "kohn", max_fits: int = 200) -> dict:
    """Fit the asymptote of the mean curve and its spread over random orders.

    Returns a dict with ``n_hat`` (asymptote of the mean curve), ``ci_low``,
    ``ci_high`` (2.5 and 97.5 percentiles over up to ``max_fits`` orders),
    ``params`` and ``reason`` (non-empty when the fit is not meaningful, e.g.
    every sample was a new individual so the curve has no bend).
    """
    fn = {"kohn": kohn_model, "eggert": eggert_model}.get(model)
    if fn is None:
        raise ModelError(f"unknown rarefaction model {model!r}; choose kohn or eggert")
    x = curve.n_samples.astype(np.float64)
    if curve.mean[-1] >= x[-1]:
        return {"n_hat": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
                "params": (float("nan"), float("nan")),
                "reason": "every sample was a new individual: the discovery curve has no asymptote"}
    a, b = _fit(fn, x, curve.mean)
    fits = np.array([_fit(fn, x, c)[0] for c in curve.curves[:max_fits]])
    fits = fits[np.isfinite(fits)]
    low, high = (np.quantile(fits, [0.025, 0.975]) if fits.size else (np.nan, np.nan))
    reason = "" if np.isfinite(a) else "the least-squares fit did not converge"
    return {"n_hat": a, "ci_low": float(low), "ci_high": float(high), "params": (a, b), "reason": reason}
