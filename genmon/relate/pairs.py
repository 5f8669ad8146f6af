"""All-pairs relatedness with kinship classes: what ``genmon relate`` writes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from ..exceptions import ModelError
from ..model import GenotypeTable
from ..plotting import new_figure, save_figure
from ..progress import progress
from .bootstrap import bootstrap_intervals
from .checks import quiet_after_first, warn_untyped_individuals
from .classes import classify_pairs, pair_log_likelihoods
from .ibd import plink_ibd
from .king import king_robust
from .likelihood import estimate_dyadml
from .moments import ESTIMATORS, all_pairs, estimate_relatedness, prepare_loci
from .power import sample_frequencies
from .triadic import estimate_trioml, simulate_references

__all__ = ["relate_pairs", "plot_histogram", "plot_network"]


def relate_pairs(
    table: GenotypeTable,
    estimators: Sequence[str] = ESTIMATORS,
    convention: str = "coancestry",
    frequencies: str = "sample",
    classes: bool = True,
    error_rates: np.ndarray | None = None,
    num_threads: int = 1,
    block: int = 1_000_000,
    inbreeding: bool = False,
    bootstrap: int = 0,
    seed: int | None = None,
    n_reference: int = 100,
    interval: str = "coancestry",
) -> pd.DataFrame:
    """``pairs.tsv``: id_1, id_2, n_loci, the estimators, CIs, class and class_lr, reason.

    ``"dyadml"`` is Milligan's dyadic ML (with ``inbreeding`` and the per-locus
    ``error_rates``, which the kinship classes use too) and ``"trioml"`` Wang's
    triadic ML against ``n_reference`` simulated unrelated references (seeded by
    ``seed``; column ``trioml_reference`` names the one used).  ``"king"`` among the
    estimators adds plink2's KING-robust columns (``nsnp``, ``hethet``,
    ``ibs0``, ``king``) and ``"ibd"`` PLINK's ``z0, z1, z2, pi_hat``, for SNP
    panels.  ``bootstrap`` replicates over loci (seeded by ``seed``) add
    ``<estimator>_ci_low`` and ``<estimator>_ci_high`` (95% percentile
    intervals, endpoints by ``interval`` as in
    :func:`genmon.relate.percentile_limits`) for the microsatellite estimators.  Pairs are processed in
    blocks of ``block`` (smaller when bootstrapping) so memory stays bounded.
    """
    known = (*ESTIMATORS, "dyadml", "trioml", "king", "ibd")
    unknown = [e for e in estimators if e not in known]
    if unknown:
        raise ModelError(f"unknown estimators {', '.join(unknown)}; choose from {', '.join(known)}")
    warn_untyped_individuals(table, "relatedness")
    with_king = "king" in estimators
    with_ibd = "ibd" in estimators
    with_dyadml = "dyadml" in estimators
    moments = [e for e in estimators if e in ESTIMATORS]
    estimators = [e for e in estimators if e not in ("king", "ibd")]
    references = None
    if "trioml" in estimators:
        references = simulate_references(prepare_loci(table, convention, num_threads=num_threads), n_reference, seed)
    if bootstrap:
        # every block must read the same stream of locus draws
        seed = int(np.random.default_rng().integers(2**63)) if seed is None else seed
        block = max(1000, min(block, 20_000_000 // (bootstrap * max(1, len(estimators)))))
    pi, pj = all_pairs(table.n_samples)
    freqs = sample_frequencies(table) if classes else None
    parts = []
    starts = range(0, pi.size, block)
    for start in quiet_after_first(progress(starts, "relatedness pairs", total=len(starts))):
        i, j = pi[start:start + block], pj[start:start + block]
        part = estimate_relatedness(table, moments, convention, frequencies, (i, j), num_threads)
        if with_dyadml:
            ml = estimate_dyadml(table, inbreeding, error_rates, convention, (i, j), num_threads)
            part.insert(part.columns.get_loc("reason"), "dyadml", ml["dyadml"].to_numpy())
        if references is not None:
            trio = estimate_trioml(table, inbreeding, error_rates, convention, (i, j), num_threads,
                                   reference_individuals=references)
            part.insert(part.columns.get_loc("reason"), "trioml", trio["trioml"].to_numpy())
            part["trioml_reference"] = trio["trioml_reference"].to_numpy()
        if bootstrap and estimators:
            chosen = part["trioml_reference"].to_numpy() if references is not None else None
            ci = bootstrap_intervals(table, estimators, bootstrap, seed, convention, frequencies, inbreeding,
                                     error_rates, (i, j), interval=interval, num_threads=num_threads,
                                     trioml_references=references, trioml_chosen=chosen)
            for col in ci.columns:
                part[col] = ci[col].to_numpy()
        if with_king:
            king = king_robust(table, (i, j), num_threads)
            part["nsnp"], part["hethet"], part["ibs0"], part["king"] = (
                king["nsnp"].to_numpy(), king["hethet"].to_numpy(), king["ibs0"].to_numpy(), king["kinship"].to_numpy())
        if with_ibd:
            ibd = plink_ibd(table, (i, j), num_threads=num_threads)
            for col in ("z0", "z1", "z2", "pi_hat"):
                part[col] = ibd[col].to_numpy()
        if classes:
            safe = [np.nan_to_num(f, nan=0.0) for f in freqs]
            ll = pair_log_likelihoods(table.call_genotype[i], table.call_genotype[j], safe, error_rates)
            cls, support = classify_pairs(ll)
            no_data = part["n_loci"].to_numpy() == 0
            part["class"] = np.where(no_data, "", cls)
            part["class_lr"] = np.where(no_data, np.nan, support)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["id_1", "id_2", "n_loci", *estimators, "reason"])
    reason = out.pop("reason")
    out["reason"] = reason
    return out


def plot_histogram(pairs: pd.DataFrame, estimators: Sequence[str], path) -> None:
    fig, ax = new_figure()
    for name in estimators:
        if name not in pairs:
            continue
        v = pairs[name].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size:
            ax.hist(v, bins=50, histtype="step", label=name)
    for r, label in ((0.5, "PO/FS"), (0.25, "HS"), (0.0, "U")):
        ax.axvline(r, color="grey", ls=":", lw=0.8)
        ax.text(r, ax.get_ylim()[1] * 0.95, label, ha="center", fontsize=8)
    ax.set_xlabel("relatedness")
    ax.set_ylabel("pairs")
    ax.legend()
    save_figure(fig, path)


def plot_network(pairs: pd.DataFrame, path, classes: Sequence[str] = ("PO", "FS", "HS")) -> None:
    """Individuals on a circle, joined where the most likely class is a close relationship."""
    close = pairs[pairs.get("class", pd.Series(dtype=str)).isin(classes)] if "class" in pairs else pairs.iloc[:0]
    ids = sorted(set(close["id_1"]) | set(close["id_2"]))
    fig, ax = new_figure(6, 6)
    if ids:
        angle = np.linspace(0, 2 * np.pi, len(ids), endpoint=False)
        pos = {i: (np.cos(a), np.sin(a)) for i, a in zip(ids, angle, strict=True)}
        styles = {"PO": ("tab:red", 2.0), "FS": ("tab:orange", 1.5), "HS": ("tab:blue", 0.8)}
        for name, (colour, width) in styles.items():
            sel = close[close["class"] == name]
            segments = [[pos[a], pos[b]] for a, b in zip(sel["id_1"], sel["id_2"], strict=True)]
            ax.add_collection(LineCollection(segments, colors=colour, linewidths=width, alpha=0.6, label=name))
        ax.scatter([p[0] for p in pos.values()], [p[1] for p in pos.values()], s=15, color="black", zorder=3)
        if len(ids) <= 60:
            for i, (x, y) in pos.items():
                ax.text(x * 1.08, y * 1.08, i, fontsize=6, ha="center", va="center")
        ax.legend(loc="upper right")
    else:
        ax.text(0.5, 0.5, "no pair classified PO, FS or HS", ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title("kinship network (most likely class)")
    save_figure(fig, path)


