"""Coordinate coarsening for anything meant to be shared.

Tiger and leopard locations attract poachers, so shared exports, reports and
maps snap coordinates to the centre of a grid cell (GBIF's guidance for
sensitive species generalises to 0.1°–1° cells).  Exact coordinates are only
written when a caller explicitly asks for them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_DEGREE_CELL", "DEFAULT_METRE_CELL", "coarsen"]

#: Default cell for latitude/longitude (degrees): about 11 km north–south.
DEFAULT_DEGREE_CELL = 0.1
#: Default cell for projected coordinates (metres).
DEFAULT_METRE_CELL = 10_000.0


def coarsen(values, cell: float) -> np.ndarray:
    """Snap coordinates to the centre of their grid cell of size ``cell``.

    NaN stays NaN.  ``cell <= 0`` is refused: exact coordinates must be asked
    for by not calling this function, never by a zero cell.

    Examples
    --------
    >>> coarsen([43.1234, 131.5678], 0.1).round(2).tolist()
    [43.15, 131.55]
    >>> coarsen([523450.0], 10000).tolist()
    [525000.0]
    """
    if not cell > 0:
        raise ValueError(f"grid cell must be positive, got {cell}")
    v = np.asarray(values, dtype=np.float64)
    return (np.floor(v / cell) + 0.5) * cell
