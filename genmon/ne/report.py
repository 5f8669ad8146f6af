"""Run several Ne methods at once and write their outputs (table, text summary, plot)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..model import GenotypeTable
from ._common import COLUMNS
from .coancestry import estimate_nb_coancestry
from .hetx import estimate_nb_hetx
from .ld import DEFAULT_PCRIT, estimate_ne_ld, parse_pcrit
from .temporal import estimate_ne_temporal

__all__ = ["METHODS", "estimate_ne", "format_summary", "write_ne"]

#: Methods :func:`estimate_ne` runs.
METHODS = ("ld", "hetx", "temporal", "coancestry")


def estimate_ne(
    table: GenotypeTable,
    methods: Sequence[str] = METHODS,
    pcrit: Sequence | str | float = DEFAULT_PCRIT,
    *,
    by: str | None = "population",
    mating: str | Sequence[str] = "random",
    ci: Sequence[str] = ("parametric", "jackknife"),
    quantiles: str = "neestimator",
    pairs: str = "all",
    num_threads: int = 1,
    generations: Mapping[str, float] | Sequence[float] | None = None,
    census: int | None = None,
) -> pd.DataFrame:
    """Ne by each method in ``methods`` (``"ld"``, ``"hetx"``, ``"temporal"``, ``"coancestry"``), one table.

    Rows come in the order population, method, mating, Pcrit; see
    :func:`genmon.ne.estimate_ne_ld`, :func:`genmon.ne.estimate_nb_hetx` and
    :func:`genmon.ne.estimate_ne_temporal` for the parameters (``generations``
    and ``census`` are the temporal method's; its samples are the populations).
    """
    methods = [methods] if isinstance(methods, str) else list(methods)
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise ModelError(f"Ne methods must be among {METHODS}, got {methods!r}")
    parts = []
    if "ld" in methods:
        parts.append(
            estimate_ne_ld(
                table,
                pcrit,
                by=by,
                mating=mating,
                ci=ci,
                quantiles=quantiles,
                pairs=pairs,
                num_threads=num_threads,
            )
        )
    if "hetx" in methods and (any(not s for _, _, s in parse_pcrit(pcrit)) or not parts):
        parts.append(estimate_nb_hetx(table, pcrit, by=by, quantiles=quantiles))
    if "coancestry" in methods:
        parts.append(estimate_nb_coancestry(table, by=by, quantiles=quantiles))
    if "temporal" in methods:
        if generations is None:
            raise ModelError("the temporal method needs the generation of each sample")
        if by is None:
            raise ModelError("the temporal method needs samples (populations) to compare")
        parts.append(
            estimate_ne_temporal(
                table, generations, pcrit, by=by, census=census, quantiles=quantiles
            )
        )
    out = pd.concat(parts, ignore_index=True)
    pop_order = {p: i for i, p in enumerate(dict.fromkeys(out["pop"]))}
    out["_pop"] = out["pop"].map(pop_order)
    out["_method"] = out["method"].str.split("-").str[0].map({m: i for i, m in enumerate(METHODS)})
    out = out.sort_values(["_pop", "_method"], kind="stable").drop(columns=["_pop", "_method"])
    return out.reset_index(drop=True)[list(COLUMNS)]


def _num(x: Any, spec: str, width: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return f"{'-':>{width}}"
    if isinstance(x, float) and math.isinf(x):
        return f"{'Infinite':>{width}}"
    return f"{format(x, spec):>{width}}"


def format_summary(result: pd.DataFrame) -> str:
    """A text summary laid out like NeEstimator v2's main output, for side-by-side checks."""
    width = 12
    lines = ["Effective population size (genmon)", ""]
    for pop, sub in result.groupby("pop", sort=False):
        n = int(sub["n_individuals"].iloc[0])
        what = "Samples" if "/" in str(pop) else "Population"
        lines += [f"{what} {pop}  (Number of Individuals = {n})", "-" * 86]
        for (method, mating), block in sub.groupby(["method", "mating"], sort=False):
            labels = [
                ("No S*" if p == "nosingletons" else ("0+" if p == "0" else p))
                for p in block["pcrit"]
            ]
            lines.append(
                f"{'Lowest Allele Frequency Used':<32}" + "".join(f"{lb:>{width}}" for lb in labels)
            )
            if method == "ld":
                lines += ["", f"LINKAGE DISEQUILIBRIUM METHOD ({mating} mating)", ""]
                rows = [
                    ("Harmonic Mean Sample Size =", "s_harmonic", ".1f"),
                    ("Independent Comparisons =", "n_comparisons", ".0f"),
                    ("OverAll r^2 =", "r2", ".6f"),
                    ("Expected r^2 Sample =", "r2_expected", ".6f"),
                    ("Estimated Ne^ =", "ne", ".1f"),
                ]
            elif method.startswith("temporal"):
                name = {
                    "temporal-pollak": "Pollak Fk",
                    "temporal-nei_tajima": "Nei/Tajima Fc",
                    "temporal-jorde_ryman": "Jorde/Ryman Fs",
                }.get(method, method)
                lines += ["", f"TEMPORAL METHOD ({name}, {mating})", ""]
                rows = [
                    ("Harmonic Mean Samp Size =", "s_harmonic", ".1f"),
                    ("Independent Alleles =", "n_comparisons", ".0f"),
                    ("F =", "f", ".5f"),
                    ("F' =", "f_prime", ".5f"),
                    ("Ne =", "ne", ".1f"),
                ]
            elif method == "coancestry":
                lines += ["", "MOLECULAR COANCESTRY METHOD (no frequency restriction)", ""]
                rows = [
                    ("Harmonic Mean Sample Size =", "s_harmonic", ".1f"),
                    ("OverAll f1^ =", "f", ".5f"),
                    ("Estimated Neb^ =", "ne", ".1f"),
                ]
            else:
                lines += ["", "HETEROZYGOTE EXCESS METHOD", ""]
                rows = [
                    ("Harmonic Mean Sample Size =", "s_harmonic", ".1f"),
                    ("Independent Alleles =", "n_comparisons", ".0f"),
                    ("Weighted Mean D =", "d", ".5f"),
                    ("Estimated Neb^ =", "ne", ".1f"),
                ]
            for title, col, spec in rows:
                lines.append(f"{title:<32}" + "".join(_num(v, spec, width) for v in block[col]))
            lines += ["", "95% CIs"]
            cis = (
                []
                if method == "coancestry"
                else [("* Parametric", "ci_param_low", "ci_param_high")]
            )
            if method == "coancestry":
                cis.append(("* Jackknife on Loci", "ci_jack_low", "ci_jack_high"))
            elif method == "ld":
                cis.append(("* JackKnife on Samples", "ci_jack_low", "ci_jack_high"))
                if block["jackloci_df"].notna().any():  # asked for (ci="jackknife-loci")
                    cis.append(
                        ("* JackKnife on Loci (pairs)", "ci_jackloci_low", "ci_jackloci_high")
                    )
            elif method.startswith("temporal"):
                cis.append(("* Jackknife on Loci", "ci_jack_low", "ci_jack_high"))
            for title, lo, hi in cis:
                lines.append(f"{title:<32}" + "".join(_num(v, ".1f", width) for v in block[lo]))
                lines.append(" " * 32 + "".join(_num(v, ".1f", width) for v in block[hi]))
            reasons = sorted({r for r in block["reason"] if r})
            for r in reasons:
                lines.append(f"note: {r}")
            lines.append("")
        lines.append("*" * 86)
    return "\n".join(lines) + "\n"


def _plot(result: pd.DataFrame, path: Path) -> None:
    from ..plotting import new_figure, save_figure

    ld = result[result["method"] == "ld"]
    if ld.empty:  # no LD rows: plot the first method present
        ld = result[result["method"] == result["method"].iloc[0]] if len(result) else result
    first_mating = ld["mating"].iloc[0] if len(ld) else ""
    ld = ld[ld["mating"] == first_mating]
    labels = list(dict.fromkeys(ld["pcrit"]))
    finite = ld[["ne", "ci_param_low", "ci_param_high", "ci_jack_low", "ci_jack_high"]].to_numpy(
        float
    )
    finite = finite[np.isfinite(finite) & (finite > 0)]
    top = float(finite.max()) * 3 if finite.size else 1000.0
    bottom = float(finite.min()) / 3 if finite.size else 1.0
    fig, ax = new_figure(7.0, 4.0)
    pops = list(dict.fromkeys(ld["pop"]))
    step = 0.6 / max(len(pops), 1)
    for k, pop in enumerate(pops):
        sub = ld[ld["pop"] == pop].set_index("pcrit").reindex(labels)
        x = np.arange(len(labels)) - 0.3 + step * (k + 0.5)
        y = sub["ne"].to_numpy(float)
        lo = np.nan_to_num(sub["ci_param_low"].to_numpy(float), nan=np.nan, posinf=top)
        hi = np.nan_to_num(sub["ci_param_high"].to_numpy(float), nan=np.nan, posinf=top)
        shown = np.where(np.isinf(y), top, y)
        ax.vlines(x, np.clip(lo, bottom, top), np.clip(hi, bottom, top), color=f"C{k % 10}", lw=1.5)
        ax.plot(x, shown, "o", color=f"C{k % 10}", label=str(pop))
        ax.plot(x[np.isinf(y)], shown[np.isinf(y)], "^", color=f"C{k % 10}", ms=9)
    ax.set_yscale("log")
    ax.set_ylim(bottom, top * 1.5)
    ax.set_xticks(np.arange(len(labels)), labels)
    ax.set_xlabel("Pcrit (lowest allele frequency used)")
    ax.set_ylabel(f"Ne ({ld['method'].iloc[0] if len(ld) else 'ld'}), 95% parametric CI")
    ax.set_title("Infinite estimates and limits are drawn at the top (triangles)", fontsize=9)
    if len(pops) <= 20:
        ax.legend(
            fontsize=7,
            ncols=2 if len(pops) > 8 else 1,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            title="population",
            title_fontsize=7,
        )
    save_figure(fig, path)


def write_ne(
    result: pd.DataFrame, out_dir: str | Path, provenance: Mapping[str, Any]
) -> list[Path]:
    """Write ``ne.tsv``, ``ne_summary.txt``, ``ne.png`` and ``run.json`` into ``out_dir``.

    ``ne.tsv`` writes infinite values as ``inf`` and missing ones as ``nan``,
    floats with 10 significant digits.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tsv = out_dir / "ne.tsv"
    table = result.copy()
    for col in ("n_individuals", "n_loci", "n_pairs"):
        table[col] = table[col].astype("Int64")
    table.to_csv(tsv, sep="\t", index=False, na_rep="nan", float_format="%.10g")
    summary = out_dir / "ne_summary.txt"
    summary.write_text(format_summary(result))
    plot = out_dir / "ne.png"
    _plot(result, plot)
    run = out_dir / "run.json"
    run.write_text(json.dumps(dict(provenance), indent=2, sort_keys=True, default=str) + "\n")
    return [tsv, summary, plot, run]
