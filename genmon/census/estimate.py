"""One call from detections to every abundance estimate the data allow."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..geo import DEFAULT_METRE_CELL, coarsen
from ..plotting import new_figure, save_figure
from .captures import Detections, capture_histories
from .capwire import bootstrap_capwire, fit_ecm, fit_tirm, lrt_capwire
from .closed import AbundanceEstimate, fit_closed_models
from .detectors import DetectorTable, scr_data
from .rarefaction import DiscoveryCurve, discovery_curve, fit_rarefaction
from .scr import fit_scr, make_mask

__all__ = ["METHODS", "DENSITY_COLUMNS", "CensusResult", "estimate_abundance", "estimate_density", "write_census"]

METHODS = ("capwire", "closed", "rarefaction")
ABUNDANCE_COLUMNS = ["method", "model", "n_hat", "ci_low", "ci_high", "se", "lnl", "aic", "details", "reason"]


DENSITY_COLUMNS = ["model", "detection_function", "detector_type", "density_per_100km2", "ci_low", "ci_high", "se",
                   "sigma_m", "sigma_ci_low", "sigma_ci_high", "g0", "z", "esa_km2", "n_individuals", "lnl", "aic",
                   "mask_points", "mask_spacing_m", "buffer_m", "notes"]


@dataclass
class CensusResult:
    abundance: pd.DataFrame
    curve: DiscoveryCurve | None
    detections: Detections
    parameters: dict
    density: pd.DataFrame | None = None


def estimate_density(
    detections: Detections,
    detectors: DetectorTable,
    buffer: float,
    detection_functions: Sequence[str] = ("HN", "HR"),
    detector_type: str = "proximity",
    spacing: float | None = None,
) -> pd.DataFrame:
    """SCR density (per 100 km²) for each detection function, ranked by AIC in ``notes``."""
    data = scr_data(detections, detectors, detector_type)
    mask = make_mask(detectors.xy, buffer, spacing)
    rows = []
    for fn in detection_functions:
        fit = fit_scr(data, mask, fn)
        rows.append({
            "model": "SCR", "detection_function": fit.detection_function, "detector_type": detector_type,
            "density_per_100km2": fit.density, "ci_low": fit.density_ci[0], "ci_high": fit.density_ci[1],
            "se": fit.density_se, "sigma_m": fit.sigma, "sigma_ci_low": fit.sigma_ci[0],
            "sigma_ci_high": fit.sigma_ci[1], "g0": fit.g0, "z": fit.z if fit.z is not None else float("nan"),
            "esa_km2": fit.esa / 1e6, "n_individuals": fit.n_individuals, "lnl": fit.lnl, "aic": fit.aic,
            "mask_points": mask.points.shape[0], "mask_spacing_m": mask.spacing, "buffer_m": buffer,
            "notes": "; ".join(fit.notes),
        })
    return pd.DataFrame(rows, columns=DENSITY_COLUMNS)


def _format_details(details: dict) -> str:
    """``key=value`` pairs joined by ``; `` (floats to 6 significant digits), sorted by key."""
    def fmt(v):
        if isinstance(v, float | np.floating):
            return f"{v:.6g}"
        if isinstance(v, list | tuple):
            return ",".join(fmt(x) for x in v)
        return str(v)

    return "; ".join(f"{k}={fmt(v)}" for k, v in sorted(details.items()))


def _row(e: AbundanceEstimate) -> dict:
    return {
        "method": e.method, "model": e.model, "n_hat": e.n_hat, "ci_low": e.ci_low, "ci_high": e.ci_high,
        "se": e.se, "lnl": e.lnl, "aic": e.aic, "details": _format_details(e.details), "reason": e.reason,
    }


def _capwire_rows(counts: np.ndarray, max_pop: int, n_boot: int, rng: np.random.Generator) -> list[dict]:
    ecm, tirm = fit_ecm(counts, max_pop), fit_tirm(counts, max_pop)
    rows = []
    lnl_diff, p = (lrt_capwire(ecm, tirm, n_boot=min(n_boot, 1000), seed=rng) if np.isfinite(ecm.lnl)
                   else (float("nan"), float("nan")))
    for fit in (ecm, tirm):
        if np.isfinite(fit.lnl):
            low, high, _ = bootstrap_capwire(fit, n_boot=n_boot, seed=rng)
        else:
            low = high = float("nan")
        details = {"T": fit.n_individuals, "S": fit.n_samples, "max_pop": max_pop, "bootstraps": n_boot}
        if fit.model == "tirm":
            details.update(n_a=fit.n_a, n_b=fit.n_b, alpha=fit.alpha, lrt_lnl_difference=lnl_diff, lrt_p=p)
        reason = "; ".join(fit.notes)
        if fit.n_hat >= max_pop - fit.n_individuals:
            reason = (reason + "; " if reason else "") + "estimate at the top of the grid: raise --max-pop"
        # No AIC: capwire's ECM and TIRM likelihoods carry different constants; compare them with the LRT.
        rows.append(_row(AbundanceEstimate("capwire", fit.model.upper(), float(fit.n_hat), low, high,
                                           lnl=fit.lnl, details=details, reason=reason)))
    return rows


def estimate_abundance(
    detections: Detections,
    methods: Sequence[str] = METHODS,
    max_pop: int | None = None,
    n_boot: int = 1000,
    n_orders: int = 1000,
    seed: int | None = None,
) -> CensusResult:
    """Estimate abundance by every requested method the detections allow.

    Methods that cannot run on these data (closed models without occasions,
    rarefaction without per-sample detections) give a row with ``n_hat`` NaN
    and the reason, never an error.
    """
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ModelError(f"unknown census methods: {', '.join(sorted(unknown))}; choose from {', '.join(METHODS)}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    rng = np.random.default_rng(seed)
    counts = detections.counts
    max_pop = max_pop or int(max(200, 10 * counts.size))
    rows: list[dict] = []
    curve = None
    if "capwire" in methods:
        rows += _capwire_rows(counts, max_pop, n_boot, rng)
    if "closed" in methods:
        if detections.has_occasions:
            h, _, _ = capture_histories(detections)
            rows += [_row(e) for e in fit_closed_models(h)]
        else:
            rows.append(_row(AbundanceEstimate("closed", "all", float("nan"),
                                               reason="no occasion column: closed models need occasions")))
    if "rarefaction" in methods:
        labels = (detections.table["individual"].to_numpy() if detections.table is not None
                  else np.repeat(np.arange(counts.size), counts))
        curve = discovery_curve(labels, n_orders=n_orders, seed=rng)
        for model in ("kohn", "eggert"):
            fit = fit_rarefaction(curve, model)
            rows.append(_row(AbundanceEstimate("rarefaction", model, fit["n_hat"], fit["ci_low"], fit["ci_high"],
                                               details={"a": fit["params"][0], "b": fit["params"][1],
                                                        "orders": n_orders}, reason=fit["reason"])))
    table = pd.DataFrame(rows, columns=ABUNDANCE_COLUMNS)
    params = {"methods": list(methods), "max_pop": max_pop, "n_boot": n_boot, "n_orders": n_orders, "seed": seed}
    return CensusResult(table, curve, detections, params)


def _plot_curve(curve: DiscoveryCurve, path: Path) -> None:
    fig, ax = new_figure()
    ax.fill_between(curve.n_samples, curve.low, curve.high, alpha=0.3, label="95% of random orders")
    ax.plot(curve.n_samples, curve.mean, label="mean discovery curve")
    ax.plot(curve.n_samples, curve.n_samples, ls=":", color="grey", label="every sample new")
    ax.set_xlabel("samples")
    ax.set_ylabel("distinct individuals")
    ax.legend(loc="upper left")
    save_figure(fig, path)


def _plot_frequencies(counts: np.ndarray, path: Path) -> None:
    classes, n = np.unique(counts, return_counts=True)
    fig, ax = new_figure()
    ax.bar(classes, n)
    ax.set_xlabel("detections per individual")
    ax.set_ylabel("individuals")
    save_figure(fig, path)


def _plot_map(table: pd.DataFrame, path: Path, cell: float) -> None:
    xy = table.dropna(subset=["x", "y"])
    fig, ax = new_figure(6, 6)
    x, y = coarsen(xy["x"], cell), coarsen(xy["y"], cell)
    ax.scatter(x, y, s=12, alpha=0.6)
    ax.set_title(f"detections, coordinates coarsened to {cell:g} m cells")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")
    ax.set_aspect("equal", adjustable="datalim")
    save_figure(fig, path)


def write_census(result: CensusResult, out_dir: str | Path, provenance: dict, map_cell: float = DEFAULT_METRE_CELL) -> list[Path]:
    """Write ``abundance.tsv``, the plots and ``run.json`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "abundance.tsv"]
    result.abundance.to_csv(written[0], sep="\t", index=False, float_format="%.6g", na_rep="nan", lineterminator="\n")
    if result.density is not None:
        written.append(out / "density.tsv")
        result.density.to_csv(written[-1], sep="\t", index=False, float_format="%.6g", na_rep="nan",
                              lineterminator="\n")
    _plot_frequencies(result.detections.counts, out / "capture_frequencies.svg")
    written.append(out / "capture_frequencies.svg")
    if result.curve is not None:
        _plot_curve(result.curve, out / "discovery_curve.svg")
        written.append(out / "discovery_curve.svg")
    t = result.detections.table
    if t is not None and t[["x", "y"]].notna().all(axis=1).any():
        _plot_map(t, out / "detections_map.svg", map_cell)
        written.append(out / "detections_map.svg")
    (out / "run.json").write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")
    written.append(out / "run.json")
    return written
