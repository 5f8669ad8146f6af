"""Spatially explicit capture–recapture (SCR): density from where individuals were detected.

The model is the full likelihood of Borchers & Efford (2008) as used by the R
package secr for proximity and count detectors:

* activity centres follow a homogeneous Poisson process of density ``D`` over a
  habitat mask (points within ``buffer`` of a detector, each standing for a
  cell of area ``spacing²``);
* detection falls off with distance ``d`` from the centre, half-normal
  ``g(d) = g0 exp(-d² / 2σ²)`` or hazard-rate ``g(d) = g0 (1 - exp(-(d/σ)^-z))``;
* **proximity** detectors record at most one detection of an individual per
  occasion, with probability ``1 - (1 - g(d))^u`` for effort (usage) ``u``;
  **count** detectors record Poisson counts with mean ``u λ(d)`` where ``λ``
  takes the same shapes with ``λ0`` in place of ``g0``.

Then ``ln L = n ln D - D a(θ) + Σ_i ln ∫ Pr(ω_i | x) dx`` (plus a constant),
where ``a(θ) = ∫ p·(x) dx`` is the effective sampling area.  genmon maximises
the likelihood concentrated on ``D̂ = n / a(θ)`` over the detection parameters
on the log/logit scale, then takes standard errors from the numerical Hessian
of the full likelihood and log-normal CIs for ``D`` and ``σ``, as secr does.

Density is reported per 100 km² (coordinates must be projected metres).

References
----------
Borchers DL, Efford MG (2008) Spatially explicit maximum likelihood methods for
capture-recapture studies. Biometrics 64:377-385.

Efford MG (2004) Density estimation in live-trapping studies. Oikos 106:598-610.

Efford MG, Borchers DL, Byrom AE (2009) Density estimation by spatially explicit
capture-recapture: likelihood-based methods. In: Modeling Demographic Processes
in Marked Populations, Springer, 255-269.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, gammaln, logit, logsumexp
from scipy.stats import norm

from ..exceptions import ModelError

__all__ = ["Mask", "SCRData", "SCRFit", "make_mask", "fit_scr", "simulate_scr"]

_PER_100_KM2 = 1e8  # m² in 100 km²
_Z95 = float(norm.ppf(0.975))


@dataclass(frozen=True)
class Mask:
    """Habitat mask: points standing for square cells of side ``spacing`` (metres)."""

    points: np.ndarray  # (n_points, 2)
    spacing: float

    @property
    def cell_area(self) -> float:
        return self.spacing**2

    @property
    def area(self) -> float:
        return self.points.shape[0] * self.cell_area


@dataclass(frozen=True)
class SCRData:
    """Detectors, their effort and the detections.

    ``usage`` is ``(detectors, occasions)`` effort (1 = one occasion of normal
    effort, 0 = not operated); ``captures`` is ``(individuals, detectors,
    occasions)`` counts (0/1 for proximity detectors).
    """

    detectors: np.ndarray
    usage: np.ndarray
    captures: np.ndarray
    detector_type: str = "proximity"
    individual_ids: tuple = ()
    detector_ids: tuple = ()

    def __post_init__(self) -> None:
        k = self.detectors.shape[0]
        if self.detectors.shape != (k, 2):
            raise ModelError("detectors must be an (n, 2) array of x, y in metres")
        if self.usage.shape[0] != k or self.captures.shape[1:] != self.usage.shape:
            raise ModelError("usage must be (detectors, occasions) and captures (individuals, detectors, occasions)")
        if self.detector_type not in ("proximity", "count"):
            raise ModelError(f"detector type {self.detector_type!r}: choose proximity or count")
        if (self.usage < 0).any():
            raise ModelError("usage (effort) must be non-negative")
        if (self.captures < 0).any():
            raise ModelError("capture counts must be non-negative")
        if self.detector_type == "proximity" and (self.captures > 1).any():
            raise ModelError("proximity detectors record at most one detection per individual and occasion")
        if (self.captures.sum(axis=(1, 2)) == 0).any():
            raise ModelError("an individual has no detection; capture histories list detected individuals only")
        if ((self.captures > 0) & (self.usage[None] == 0)).any():
            raise ModelError("a detection at a detector on an occasion it was not operated (usage 0)")


@dataclass(frozen=True)
class SCRFit:
    """Maximum-likelihood SCR estimates (density per 100 km², σ in metres)."""

    detection_function: str
    density: float
    density_ci: tuple[float, float]
    density_se: float
    sigma: float
    sigma_ci: tuple[float, float]
    g0: float
    z: float | None
    esa: float  # effective sampling area, m²
    n_individuals: int
    lnl: float
    aic: float
    converged: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def make_mask(detectors: np.ndarray, buffer: float, spacing: float | None = None, nx: int = 64) -> Mask:
    """Mask points on a square grid within ``buffer`` metres of any detector.

    ``spacing`` defaults to the bounding box width over ``nx`` (secr's default
    resolution).
    """
    det = np.asarray(detectors, dtype=np.float64)
    if buffer <= 0:
        raise ModelError("mask buffer must be positive (metres)")
    lo, hi = det.min(axis=0) - buffer, det.max(axis=0) + buffer
    if spacing is None:
        spacing = float(max(hi - lo) / nx)
    xs = np.arange(lo[0] + spacing / 2, hi[0], spacing)
    ys = np.arange(lo[1] + spacing / 2, hi[1], spacing)
    grid = np.column_stack([g.ravel() for g in np.meshgrid(xs, ys, indexing="xy")])
    keep = np.zeros(grid.shape[0], dtype=bool)
    for start in range(0, det.shape[0], 256):  # bounded memory for large detector arrays
        block = det[start:start + 256]
        d2 = ((grid[:, None, :] - block[None, :, :]) ** 2).sum(axis=2)
        keep |= (d2 <= buffer**2).any(axis=1)
    return Mask(grid[keep], float(spacing))


def _shape(d2: np.ndarray, sigma: float, z: float | None, fn: str) -> np.ndarray:
    if fn == "HN":
        return np.exp(-d2 / (2 * sigma**2))
    d = np.sqrt(d2)
    with np.errstate(divide="ignore", over="ignore"):
        return -np.expm1(-np.power(np.maximum(d, 1e-12) / sigma, -z))


class _Likelihood:
    """Pre-computed distances and detection indices for fast evaluation."""

    def __init__(self, data: SCRData, mask: Mask, fn: str):
        self.data, self.mask, self.fn = data, mask, fn
        self.d2 = ((mask.points[:, None, :] - data.detectors[None, :, :]) ** 2).sum(axis=2)  # (M, K)
        self.total_usage = data.usage.sum(axis=1)  # (K,)
        i, k, s = np.nonzero(data.captures)
        self.det_i, self.det_k, self.det_s = i, k, s
        self.det_y = data.captures[i, k, s].astype(np.float64)
        self.det_u = data.usage[k, s].astype(np.float64)
        self.n = data.captures.shape[0]
        self.log_y_factorial = gammaln(self.det_y + 1).sum()

    def unpack(self, theta: np.ndarray) -> tuple[float, float, float | None]:
        base = expit(theta[0]) if self.data.detector_type == "proximity" else np.exp(theta[0])
        sigma = float(np.exp(theta[1]))
        z = float(np.exp(theta[2])) if self.fn == "HR" else None
        return float(base), sigma, z

    def parts(self, theta: np.ndarray) -> tuple[float, float]:
        """(log of the summed conditional detection-history integrals, effective area)."""
        base, sigma, z = self.unpack(theta)
        shape = _shape(self.d2, sigma, z, self.fn)  # (M, K)
        cell = self.mask.cell_area
        if self.data.detector_type == "proximity":
            g = np.clip(base * shape, 1e-300, 1 - 1e-12)
            log_q = np.log1p(-g)  # log(1 - g) per unit of effort
            baseline = log_q @ self.total_usage  # (M,)
            # detection (k, s): log p - log(1-p) with p = 1 - (1-g)^u
            lq = log_q[:, self.det_k] * self.det_u[None, :]
            contrib = np.log(-np.expm1(lq)) - lq  # (M, detections)
        else:
            lam = base * shape
            baseline = -(lam @ self.total_usage)
            contrib = self.det_y[None, :] * np.log(np.maximum(self.det_u[None, :] * lam[:, self.det_k], 1e-300))
        per_ind = np.zeros((self.mask.points.shape[0], self.n))
        np.add.at(per_ind.T, self.det_i, contrib.T)
        log_pr = baseline[:, None] + per_ind  # (M, n)
        integrals = logsumexp(log_pr, axis=0) + np.log(cell)  # the count y! terms are in full_lnl
        esa = float(cell * (-np.expm1(baseline)).sum())
        return float(integrals.sum()), esa

    def concentrated(self, theta: np.ndarray) -> float:
        log_int, esa = self.parts(theta)
        if esa <= 0:
            return np.inf
        n = self.n
        return -(n * np.log(n / esa) - n + log_int)

    def full_lnl(self, log_d: float, theta: np.ndarray) -> float:
        log_int, esa = self.parts(theta)
        d = np.exp(log_d)
        const = -self.log_y_factorial if self.data.detector_type == "count" else 0.0
        return float(self.n * log_d - d * esa + log_int - gammaln(self.n + 1) + const)


def _hessian(f, x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    k = x.size
    h = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = np.eye(k)[i] * step, np.eye(k)[j] * step
            h[i, j] = h[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * step**2)
    return h


def fit_scr(
    data: SCRData,
    mask: Mask,
    detection_function: str = "HN",
    start: dict | None = None,
) -> SCRFit:
    """Maximum-likelihood density and σ for an SCR data set.

    Parameters
    ----------
    data
        Detectors, usage and captures.
    mask
        Habitat mask (see :func:`make_mask`); its buffer should be 3–4 σ or more.
    detection_function
        ``"HN"`` (half-normal) or ``"HR"`` (hazard-rate).
    start
        Optional starting values ``{"g0": …, "sigma": …, "z": …}``.
    """
    fn = detection_function.upper()
    if fn not in ("HN", "HR"):
        raise ModelError(f"detection function {detection_function!r}: choose HN or HR")
    if data.captures.shape[0] < 2:
        raise ModelError("SCR needs at least two detected individuals")
    lik = _Likelihood(data, mask, fn)
    start = dict(start or {})
    # Start sigma at the mean distance between repeat detections (or a tenth of the detector span).
    spans = []
    for i in range(data.captures.shape[0]):
        k = np.nonzero(data.captures[i].sum(axis=1))[0]
        if k.size > 1:
            spans.append(np.sqrt(((data.detectors[k] - data.detectors[k].mean(axis=0)) ** 2).sum(axis=1)).mean())
    extent = float(np.ptp(data.detectors, axis=0).max()) or mask.spacing * 10
    sigma0 = start.get("sigma") or (float(np.mean(spans)) * 1.5 if spans and np.mean(spans) > 0 else extent / 10)
    g00 = start.get("g0", 0.1)
    theta0 = [logit(g00) if data.detector_type == "proximity" else np.log(g00), np.log(sigma0)]
    if fn == "HR":
        theta0.append(np.log(start.get("z", 3.0)))
    theta0 = np.array(theta0, dtype=np.float64)
    res = minimize(lik.concentrated, theta0, method="Nelder-Mead",
                   options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000, "maxfev": 8000})
    theta = res.x
    _, esa = lik.parts(theta)
    d_hat = lik.n / esa
    full = np.concatenate([[np.log(d_hat)], theta])
    notes: list[str] = []
    try:
        hess = _hessian(lambda v: -lik.full_lnl(v[0], v[1:]), full)
        cov = np.linalg.inv(hess)
        se = np.sqrt(np.diag(cov))
        if not np.all(np.isfinite(se)):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        se = np.full(full.size, np.nan)
        notes.append("the Hessian could not be inverted: no standard errors")
    base, sigma, z = lik.unpack(theta)
    density = d_hat * _PER_100_KM2
    d_ci = (density * np.exp(-_Z95 * se[0]), density * np.exp(_Z95 * se[0]))
    s_ci = (sigma * np.exp(-_Z95 * se[2]), sigma * np.exp(_Z95 * se[2]))
    lnl = lik.full_lnl(np.log(d_hat), theta)
    buffer_ratio = None
    if mask.points.size:
        far = np.sqrt(lik.d2.min(axis=1)).max()
        buffer_ratio = far / sigma
        if buffer_ratio < 3:
            notes.append(f"mask buffer is only {buffer_ratio:.1f} sigma: density may be overestimated; widen it")
    if not res.success:
        notes.append(f"optimiser: {res.message}")
    return SCRFit(fn, float(density), (float(d_ci[0]), float(d_ci[1])), float(density * se[0]),
                  sigma, (float(s_ci[0]), float(s_ci[1])), base, z, esa, lik.n, lnl,
                  float(-2 * lnl + 2 * full.size), bool(res.success), tuple(notes))


def simulate_scr(
    density: float,
    sigma: float,
    g0: float,
    detectors: np.ndarray,
    n_occasions: int,
    buffer: float,
    detector_type: str = "proximity",
    usage: np.ndarray | None = None,
    seed: int | np.random.Generator | None = None,
) -> tuple[SCRData, np.ndarray]:
    """Simulate SCR data with a half-normal detection function.

    ``density`` is per 100 km²; activity centres are uniform in the
    detectors' bounding box grown by ``buffer``.  Returns the data (detected
    individuals only) and the true number of centres in that region.
    """
    rng = np.random.default_rng(seed)
    det = np.asarray(detectors, dtype=np.float64)
    lo, hi = det.min(axis=0) - buffer, det.max(axis=0) + buffer
    area = float(np.prod(hi - lo))
    n_true = rng.poisson(density / _PER_100_KM2 * area)
    centres = rng.uniform(lo, hi, size=(n_true, 2))
    use = np.ones((det.shape[0], n_occasions)) if usage is None else np.asarray(usage, dtype=np.float64)
    d2 = ((centres[:, None, :] - det[None, :, :]) ** 2).sum(axis=2)
    g = g0 * np.exp(-d2 / (2 * sigma**2))
    if detector_type == "proximity":
        p = 1 - (1 - g[:, :, None]) ** use[None]
        caps = (rng.random(p.shape) < p).astype(np.int64)
    else:
        caps = rng.poisson(g[:, :, None] * use[None])
    seen = caps.sum(axis=(1, 2)) > 0
    data = SCRData(det, use, caps[seen], detector_type,
                   tuple(f"ind{i}" for i in np.nonzero(seen)[0]), tuple(f"det{k}" for k in range(det.shape[0])))
    return data, np.array([n_true, area])
