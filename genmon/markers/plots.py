"""Report plots: the PI / PIsibs curve and allele frequencies per locus.

Drawn with matplotlib's Agg backend through :mod:`genmon.plotting`, so
identical inputs give byte-identical PNG and SVG files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ..plotting import new_figure, save_figure
from ._common import allele_counts_from_genotypes, diploid_calls, genotype_matrices

__all__ = ["plot_identity_curve", "plot_allele_frequencies"]


def plot_identity_curve(identity: pd.DataFrame, path: str | Path, thresholds=(0.01, 0.001)) -> Path:
    """Cumulative PI, unbiased PI and PIsibs against the number of loci (log scale).

    ``identity`` is :func:`~genmon.markers.identity.probability_of_identity`'s
    table (loci in rank order); the format follows the file suffix.
    """
    fig, ax = new_figure(6.0, 4.0)
    ok = identity["cum_pi"].notna().to_numpy()
    x = np.arange(1, int(ok.sum()) + 1)
    for col, label, style in (("cum_pi", "PI", "o-"), ("cum_pi_unbiased", "PI (unbiased)", "s--"),
                              ("cum_pi_sibs", "PIsibs", "^-")):
        ax.plot(x, identity.loc[ok, col].to_numpy(float), style, label=label, markersize=4)
    for thr in thresholds:
        ax.axhline(thr, color="grey", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_xticks(x)
    ax.set_xticklabels(identity.loc[ok, "locus"], rotation=60, ha="right", fontsize=7)
    ax.set_xlabel("loci added, most to least informative (PIsibs)")
    ax.set_ylabel("cumulative probability of identity")
    ax.legend(fontsize=8)
    return save_figure(fig, path)


def plot_allele_frequencies(table: GenotypeTable, path: str | Path, max_cols: int = 4) -> Path:
    """One bar chart of allele frequencies per locus (pooled, complete calls)."""
    d = diploid_calls(table)
    n_l = max(table.n_loci, 1)
    cols = min(max_cols, n_l)
    rows = int(np.ceil(n_l / cols))
    fig, _ = new_figure(2.6 * cols, 2.0 * rows + 0.4)
    fig.clear()
    axes = fig.subplots(rows, cols, squeeze=False)
    for j in range(rows * cols):
        ax = axes[j // cols][j % cols]
        if j >= table.n_loci:
            ax.set_axis_off()
            continue
        locus = table.loci[j]
        counts = allele_counts_from_genotypes(genotype_matrices(d, np.zeros(table.n_samples, np.int64), 1, j)[0])
        total = counts.sum()
        labels = [str(a) for a in locus.alleles]
        freqs = counts / total if total > 0 else np.zeros(len(counts))
        if locus.n_alleles:
            ax.bar(np.arange(locus.n_alleles), freqs[: locus.n_alleles], color="#4477aa")
            ax.set_xticks(np.arange(locus.n_alleles))
            ax.set_xticklabels(labels, rotation=90, fontsize=6)
        ax.set_ylim(0, 1)
        ax.set_title(f"{locus.name} (n={int(total // 2)})", fontsize=8)
        ax.tick_params(axis="y", labelsize=6)
    return save_figure(fig, path)
