"""Allele-size histograms with the bins of each locus (DOMAIN.md §5.1).

One panel per locus: the histogram of the observed fragment sizes (0.1 bp
classes), peaks in a bin in one colour and off-bin or off-ladder peaks in
another, with every bin drawn as a shaded band between its left and right
edges and labelled with its allele.  It is the picture a technician checks
before accepting a new bin set: peaks piling up at a bin edge, or a cluster
of off-bin peaks between two bins, mean the ladder or the half-width is wrong.

References
----------
Idury RM, Cardon LR (1997) A simple method for automated allele binning in
microsatellite markers. Genome Research 7:1104-1109.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..plotting import new_figure, save_figure
from .binning import IN_BIN, BinSet, LocusBins, SizeData

__all__ = ["plot_size_histograms", "locus_title"]

_CLASS_BP = 0.1


def locus_title(name: str, lb: LocusBins, sizes: np.ndarray) -> str:
    """Panel title: locus, repeat unit, number of bins and of peaks outside them.

    Examples
    --------
    >>> from genmon.labqc.binning import Bin
    >>> lb = LocusBins("FCA441", 4, (Bin(126.0, 124.4, 127.6, 126), Bin(130.0, 128.4, 131.6, 130)))
    >>> locus_title("FCA441", lb, np.array([125.9, 130.2, 128.1, np.nan]))
    'FCA441 (4 bp): 2 bins, 3 peaks, 1 outside a bin'
    """
    present = sizes[np.isfinite(sizes)]
    _, status = lb.classify(present)
    outside = int((status != IN_BIN).sum())
    return f"{name} ({lb.repeat_unit} bp): {len(lb.bins)} bins, {present.size} peaks, {outside} outside a bin"


def plot_size_histograms(data: SizeData, binset: BinSet, path: str | Path, fmt: str | None = None,
                         columns: int = 3) -> Path:
    """Write the size histogram of every locus of ``data`` with the bins of ``binset``.

    Parameters
    ----------
    data
        Raw sizes (:func:`genmon.labqc.binning.read_sizes`).
    binset
        The bins (:func:`genmon.labqc.binning.build_bins` or ``read_binset``).
    path
        Figure file (SVG or PNG, byte-identical for identical inputs).
    fmt
        Format when ``path`` has no telling suffix (a temporary file).
    columns
        Panels per row.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    names = list(data.locus_names)
    ncols = max(1, min(columns, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig, axes = new_figure(4.0 * ncols, 2.6 * nrows, nrows=nrows, ncols=ncols)
    axes = np.atleast_1d(axes).ravel()
    for ax in axes[len(names):]:
        ax.set_visible(False)
    for j, (ax, name) in enumerate(zip(axes, names, strict=False)):
        lb = binset.loci.get(name) or LocusBins(name, 1, ())
        sizes = data.sizes[:, j].ravel()
        present = sizes[np.isfinite(sizes)]
        for b in lb.bins:
            ax.axvspan(b.left, b.right, color="0.88", lw=0)
            ax.axvline(b.left, color="0.55", lw=0.5)
            ax.axvline(b.right, color="0.55", lw=0.5)
            ax.text(b.centre, 1.0, str(b.label), transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=6)
        if present.size:
            _, status = lb.classify(present)
            lo, hi = math.floor(present.min()) - 1, math.ceil(present.max()) + 1
            if lb.bins:
                lo, hi = min(lo, math.floor(lb.bins[0].left)), max(hi, math.ceil(lb.bins[-1].right))
            edges = np.arange(lo, hi + _CLASS_BP / 2, _CLASS_BP)
            ax.hist([present[status == IN_BIN], present[status != IN_BIN]], bins=edges, stacked=True,
                    color=["#1f77b4", "#d62728"], label=["in a bin", "off-bin / off-ladder"])
        ax.set_title(locus_title(name, lb, sizes), fontsize=7, pad=10)
        ax.set_xlabel("size (bp)", fontsize=7)
        ax.set_ylabel("peaks", fontsize=7)
        ax.tick_params(labelsize=6)
    if names:
        axes[0].legend(fontsize=6, loc="upper left")
    fig.suptitle(f"bin set {binset.panel} version {binset.version}", fontsize=8)
    return save_figure(fig, path, fmt)
