"""Closed-population abundance from capture histories across occasions.

A capture history matrix has one row per detected individual and one column
per occasion (session, month…), 1 where the individual was detected.

* Lincoln–Petersen and Chapman (1951) for two occasions, with Seber's (1982)
  variance of Chapman's estimator.
* Schnabel (1938) for several occasions, with Chapman's +1 correction.
* Otis et al. (1978) likelihood models M0 (constant p), Mt (p varies by
  occasion) and Mb (trap response: first-capture p, recapture c), maximised
  over integer N with the capture probabilities profiled out; AIC uses the full
  multinomial likelihood; profile-likelihood 95% CIs.
* Mh by Chao's (1987) moment estimator (bias-corrected form with its variance
  and log-normal CI) and the Burnham & Overton (1978) first-order jackknife.

References
----------
Chapman DG (1951) Some properties of the hypergeometric distribution with
applications to zoological sample censuses. Univ. Calif. Publ. Stat. 1:131-160.

Seber GAF (1982) The Estimation of Animal Abundance, 2nd ed. Griffin, London.

Schnabel ZE (1938) The estimation of the total fish population of a lake.
American Mathematical Monthly 45:348-352.

Otis DL, Burnham KP, White GC, Anderson DR (1978) Statistical inference from
capture data on closed animal populations. Wildlife Monographs 62:3-135.

Chao A (1987) Estimating the population size for capture-recapture data with
unequal catchability. Biometrics 43:783-791.

Burnham KP, Overton WS (1978) Estimation of the size of a closed population
when capture probabilities vary among animals. Biometrika 65:625-633.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, xlogy
from scipy.stats import chi2, norm

from ..exceptions import ModelError

__all__ = [
    "AbundanceEstimate",
    "lincoln_petersen",
    "chapman",
    "schnabel",
    "fit_m0",
    "fit_mt",
    "fit_mb",
    "chao_mh",
    "jackknife_mh",
    "fit_closed_models",
]

_Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class AbundanceEstimate:
    """One abundance estimate; ``nan`` fields are explained in ``reason``."""

    method: str
    model: str
    n_hat: float
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    se: float = float("nan")
    lnl: float = float("nan")
    aic: float = float("nan")
    n_parameters: int = 0
    details: dict = field(default_factory=dict)
    reason: str = ""


def _histories(histories) -> np.ndarray:
    h = np.asarray(histories)
    if h.ndim != 2:
        raise ModelError("capture histories must be a 2-D individuals x occasions matrix")
    if h.size and ((h < 0).any() or not np.issubdtype(h.dtype, np.number)):
        raise ModelError("capture histories must hold non-negative counts")
    h = (h > 0).astype(np.int64)
    return h


def _nan(method: str, model: str, reason: str, **details) -> AbundanceEstimate:
    return AbundanceEstimate(method, model, float("nan"), details=details, reason=reason)


def lincoln_petersen(n1: int, n2: int, m2: int) -> AbundanceEstimate:
    """The Lincoln–Petersen estimate ``n1 n2 / m2`` (biased; prefer :func:`chapman`).

    Examples
    --------
    >>> lincoln_petersen(60, 55, 20).n_hat
    165.0
    """
    if m2 == 0:
        return _nan("closed", "lincoln_petersen", "no recaptures (m2 = 0): the estimate is infinite")
    n = n1 * n2 / m2
    var = n1 * n2 * (n1 - m2) * (n2 - m2) / m2**3
    se = float(np.sqrt(var))
    return AbundanceEstimate("closed", "lincoln_petersen", float(n), n - _Z95 * se, n + _Z95 * se, se,
                             details={"n1": n1, "n2": n2, "m2": m2})


def chapman(n1: int, n2: int, m2: int) -> AbundanceEstimate:
    """Chapman's (1951) nearly unbiased two-occasion estimate, Seber's variance, normal CI.

    ``N = (n1+1)(n2+1)/(m2+1) - 1``;
    ``Var = (n1+1)(n2+1)(n1-m2)(n2-m2) / ((m2+1)^2 (m2+2))``.

    Examples
    --------
    >>> est = chapman(60, 55, 20)   # 61*56/21 - 1 = 161.667; Var = 61*56*40*35/(441*22) = 492.93
    >>> round(est.n_hat, 3), round(est.se ** 2, 2)
    (161.667, 492.93)
    """
    if min(n1, n2) < m2 or m2 < 0:
        raise ModelError(f"recaptures m2={m2} cannot exceed the catches n1={n1}, n2={n2}")
    n = (n1 + 1) * (n2 + 1) / (m2 + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m2) * (n2 - m2) / ((m2 + 1) ** 2 * (m2 + 2))
    se = float(np.sqrt(var))
    reason = "" if m2 >= 7 else "fewer than 7 recaptures: Chapman's estimate is biased (Seber 1982)"
    return AbundanceEstimate("closed", "chapman", float(n), n - _Z95 * se, n + _Z95 * se, se,
                             details={"n1": n1, "n2": n2, "m2": m2}, reason=reason)


def schnabel(histories) -> AbundanceEstimate:
    """Schnabel's multi-occasion estimate with Chapman's correction.

    ``N = sum_t C_t M_t / (sum_t R_t + 1)`` with ``C_t`` caught on occasion t,
    ``M_t`` marked before it and ``R_t`` recaptures among ``C_t``.  The CI
    treats ``sum R`` as Poisson (Krebs 1999), using the exact Poisson limits.

    Examples
    --------
    Occasions catch {a,b}, {a,c}, {b,c,d}: C=(2,2,3), M=(0,2,3), R=(0,1,2):
    N = (0 + 4 + 9) / (3 + 1) = 3.25.

    >>> h = [[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 1]]
    >>> schnabel(h).n_hat
    3.25
    """
    h = _histories(histories)
    if h.shape[1] < 2:
        return _nan("closed", "schnabel", "Schnabel needs at least two occasions")
    caught = h.sum(axis=0)
    first = np.argmax(h, axis=1)
    marked_before = np.array([(first < t).sum() for t in range(h.shape[1])])
    recaptured = np.array([((h[:, t] == 1) & (first < t)).sum() for t in range(h.shape[1])])
    numerator = float((caught * marked_before).sum())
    r = int(recaptured.sum())
    n = numerator / (r + 1)
    low_r = chi2.ppf(0.025, 2 * r) / 2 if r > 0 else 0.0
    high_r = chi2.ppf(0.975, 2 * r + 2) / 2
    ci_low = numerator / (high_r + 1)
    ci_high = numerator / (low_r + 1) if r > 0 else float("inf")
    return AbundanceEstimate("closed", "schnabel", n, ci_low, ci_high,
                             details={"sum_CM": numerator, "sum_R": r, "occasions": int(h.shape[1])},
                             reason="" if r else "no recaptures: the upper limit is infinite")


def _profile(lnl_of_n, m: int, n_max: int, n_params: int, model: str, details: dict) -> AbundanceEstimate:
    grid = np.arange(m, n_max + 1, dtype=np.float64)
    lnl = lnl_of_n(grid)
    best = int(np.nanargmax(lnl))
    n_hat = grid[best]
    if best == grid.size - 1:
        return AbundanceEstimate("closed", model, float("nan"), lnl=float(lnl[best]), details=details,
                                 reason=f"likelihood still rising at N = {n_max}: too few recaptures")
    inside = grid[2 * (lnl[best] - lnl) <= chi2.ppf(0.95, 1)]
    upper = float(inside.max())
    if upper >= n_max:
        upper = float("inf")
    aic = -2 * float(lnl[best]) + 2 * n_params
    return AbundanceEstimate("closed", model, float(n_hat), float(inside.min()), upper,
                             lnl=float(lnl[best]), aic=aic, n_parameters=n_params, details=details)


def _binomial_lnl(successes, trials):
    """Profile log-likelihood of a binomial at its MLE, ``s ln(s/n) + (n-s) ln(1-s/n)``."""
    p = np.where(trials > 0, successes / np.where(trials > 0, trials, 1), 0.0)
    return xlogy(successes, p) + xlogy(trials - successes, 1 - p)


def _log_multinomial_coefficient(n, m, h):
    """ln [N! / ((N-M)! prod_w n_w!)] over the distinct capture histories w."""
    _, counts = np.unique(h, axis=0, return_counts=True)
    return gammaln(n + 1) - gammaln(n - m + 1) - gammaln(counts + 1).sum()


def fit_m0(histories, n_max: int | None = None) -> AbundanceEstimate:
    """Model M0: one capture probability for all occasions and individuals."""
    h = _histories(histories)
    m, t, total = h.shape[0], h.shape[1], int(h.sum())
    n_max = n_max or max(10 * m, m + 1000)

    def lnl(n):
        return _log_multinomial_coefficient(n, m, h) + _binomial_lnl(total, t * n)

    return _profile(lnl, m, n_max, 2, "M0", {"occasions": t, "captures": total})


def fit_mt(histories, n_max: int | None = None) -> AbundanceEstimate:
    """Model Mt: capture probability varies by occasion."""
    h = _histories(histories)
    m, t = h.shape
    caught = h.sum(axis=0)
    n_max = n_max or max(10 * m, m + 1000)

    def lnl(n):
        return _log_multinomial_coefficient(n, m, h) + sum(_binomial_lnl(c, n) for c in caught)

    return _profile(lnl, m, n_max, t + 1, "Mt", {"occasions": t, "caught": caught.tolist()})


def fit_mb(histories, n_max: int | None = None) -> AbundanceEstimate:
    """Model Mb: first-capture probability p, recapture probability c.

    ``p`` is estimated from first captures among exposures of unmarked animals,
    ``M / (t N - sum_j M_j)``; ``c`` does not involve N.
    """
    h = _histories(histories)
    m, t = h.shape
    if t < 2:
        return _nan("closed", "Mb", "Mb needs at least two occasions")
    first = np.argmax(h, axis=1)
    marked_exposures = float(sum((first < j).sum() for j in range(t)))
    recaps = float(sum(((h[:, j] == 1) & (first < j)).sum() for j in range(t)))
    n_max = n_max or max(10 * m, m + 1000)
    c_lnl = _binomial_lnl(recaps, marked_exposures)

    def lnl(n):
        return _log_multinomial_coefficient(n, m, h) + _binomial_lnl(m, t * n - marked_exposures) + c_lnl

    return _profile(lnl, m, n_max, 3, "Mb", {"occasions": t, "recaptures": int(recaps)})


def _frequencies(h: np.ndarray) -> np.ndarray:
    """f_k: individuals caught on exactly k occasions, k = 1..t."""
    k = h.sum(axis=1)
    return np.bincount(k, minlength=h.shape[1] + 1)[1:]


def chao_mh(histories) -> AbundanceEstimate:
    """Chao's (1987) lower-bound estimator for heterogeneous capture (Mh).

    Bias-corrected form ``N = M + f1 (f1 - 1) / (2 (f2 + 1))`` with Chao's
    variance and log-normal CI ``[M + f0/C, M + f0 C]``,
    ``C = exp(1.96 sqrt(ln(1 + var/f0^2)))``.

    Examples
    --------
    f1 = 4 singletons, f2 = 2 doubletons, M = 7: N = 7 + 4*3/(2*3) = 9.

    >>> h = [[1, 0, 0]] * 4 + [[1, 1, 0]] * 2 + [[1, 1, 1]]
    >>> chao_mh(h).n_hat
    9.0
    """
    h = _histories(histories)
    m = h.shape[0]
    f = _frequencies(h)
    f1, f2 = float(f[0]), float(f[1]) if f.size > 1 else 0.0
    f0 = f1 * (f1 - 1) / (2 * (f2 + 1))
    n = m + f0
    var = (
        f1 * (f1 - 1) / (2 * (f2 + 1))
        + f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2)
        + f1**2 * f2 * (f1 - 1) ** 2 / (4 * (f2 + 1) ** 4)
    )
    if f0 > 0 and var > 0:
        c = np.exp(_Z95 * np.sqrt(np.log(1 + var / f0**2)))
        low, high = m + f0 / c, m + f0 * c
    else:
        low = high = float(m)
    return AbundanceEstimate("closed", "Mh_chao", float(n), float(low), float(high), float(np.sqrt(var)),
                             details={"f1": int(f1), "f2": int(f2), "M": m})


def jackknife_mh(histories) -> AbundanceEstimate:
    """Burnham & Overton's (1978) first-order jackknife for Mh: ``N = M + f1 (t-1)/t``.

    Its variance is ``sum_k a_k^2 f_k - N`` with ``a_1 = 1 + (t-1)/t`` and
    ``a_k = 1`` for ``k >= 2`` (Otis et al. 1978); the CI is normal.

    Examples
    --------
    t = 3, f = (4, 2, 1), M = 7: N = 7 + 4 * 2/3 = 9.667.

    >>> h = [[1, 0, 0]] * 4 + [[1, 1, 0]] * 2 + [[1, 1, 1]]
    >>> round(jackknife_mh(h).n_hat, 3)
    9.667
    """
    h = _histories(histories)
    m, t = h.shape
    if t < 2:
        return _nan("closed", "Mh_jackknife", "the jackknife needs at least two occasions")
    f = _frequencies(h).astype(np.float64)
    a = np.ones_like(f)
    a[0] = 1 + (t - 1) / t
    n = float((a * f).sum())
    var = float((a**2 * f).sum() - n)
    se = float(np.sqrt(max(var, 0.0)))
    return AbundanceEstimate("closed", "Mh_jackknife", n, n - _Z95 * se, n + _Z95 * se, se,
                             details={"order": 1, "f1": int(f[0]), "M": m})


def fit_closed_models(histories, n_max: int | None = None) -> list[AbundanceEstimate]:
    """All closed-population estimates for a capture history matrix.

    Likelihood models are ranked by AIC in ``details["delta_aic"]``; the Mh
    estimators have no likelihood and carry no AIC.
    """
    h = _histories(histories)
    if h.shape[0] == 0:
        raise ModelError("no individual was detected: nothing to estimate")
    if h.shape[1] < 2:
        reason = "a single occasion: multi-occasion models need two or more (use capwire)"
        return [_nan("closed", name, reason) for name in ("chapman", "schnabel", "M0", "Mt", "Mb", "Mh_chao", "Mh_jackknife")]
    out: list[AbundanceEstimate] = []
    if h.shape[1] == 2:
        n1, n2 = (int(x) for x in h.sum(axis=0))
        out.append(chapman(n1, n2, int((h.sum(axis=1) == 2).sum())))
    out.append(schnabel(h))
    likelihood_models = [fit_m0(h, n_max), fit_mt(h, n_max), fit_mb(h, n_max)]
    finite = [e.aic for e in likelihood_models if np.isfinite(e.aic)]
    best = min(finite) if finite else float("nan")
    for e in likelihood_models:
        e.details["delta_aic"] = e.aic - best if np.isfinite(e.aic) else float("nan")
    out += likelihood_models
    out += [chao_mh(h), jackknife_mh(h)]
    return out
