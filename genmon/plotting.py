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


def new_figure(width: float = 6.0, height: float = 4.0):
    """A fresh figure and axes with genmon's defaults."""
    matplotlib.rcParams["svg.hashsalt"] = "genmon"
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` to ``path`` (format from the suffix) reproducibly and close it."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "svg"
    metadata = {"Date": None} if fmt == "svg" else ({"Software": None} if fmt == "png" else None)
    fig.savefig(path, format=fmt, metadata=metadata, dpi=100)
    plt.close(fig)
    return path
