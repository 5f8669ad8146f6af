"""Deterministic matplotlib output shared by every plot genmon writes.

Plots are drawn with the Agg backend and saved without timestamps (SVG with a
fixed hash salt, PNG without software metadata), so identical inputs give
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["new_figure", "save_figure"]


def new_figure(width: float = 6.0, height: float = 4.0, nrows: int = 1, ncols: int = 1):
    """A fresh figure and axes with genmon's defaults (an array of axes for a grid)."""
    matplotlib.rcParams["svg.hashsalt"] = "genmon"
    fig, ax = plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained", squeeze=nrows * ncols == 1)
    return fig, ax


def save_figure(fig, path: str | Path, fmt: str | None = None) -> Path:
    """Save ``fig`` to ``path`` reproducibly and close it; the format is ``fmt`` or the suffix of ``path``."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower() or "svg"
    metadata = {"Date": None} if fmt == "svg" else ({"Software": None} if fmt == "png" else None)
    fig.savefig(path, format=fmt, metadata=metadata, dpi=100)
    plt.close(fig)
    return path
