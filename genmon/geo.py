"""Coordinate coarsening for anything meant to be shared.

Tiger and leopard locations attract poachers, so shared exports, reports and
maps snap coordinates to the centre of a grid cell (GBIF's guidance for
sensitive species generalises to 0.1°–1° cells).  Exact coordinates are only
written when a caller explicitly asks for them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["DEFAULT_DEGREE_CELL", "DEFAULT_METRE_CELL", "coarsen", "cell_half_diagonal_m"]

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


#: The largest radius of curvature of the WGS84 ellipsoid (a²/b, at the poles), in metres.
#: A sphere of this radius never understates a short distance on the ellipsoid.
_MAX_CURVATURE_RADIUS_M = 6378137.0**2 / 6356752.314245


def cell_half_diagonal_m(latitude, longitude, cell: float) -> np.ndarray:
    """Distance (m) from the centre of each point's grid cell to its farthest corner.

    This is how far a coarsened coordinate (:func:`coarsen` of both latitude
    and longitude with the same ``cell`` in degrees) can be from the true
    point, so it belongs in ``coordinateUncertaintyInMeters``.  Distances are
    great-circle (haversine) distances on a sphere with the WGS84 ellipsoid's
    largest radius of curvature, so they are never shorter than the geodesic
    on the ellipsoid (longer by at most about 1 %), and are rounded up to
    whole metres.

    Examples
    --------
    >>> cell_half_diagonal_m([43.1234], [131.5678], 0.1).tolist()
    [6914.0]
    """
    if not cell > 0:
        raise ValueError(f"grid cell must be positive, got {cell}")
    lat = np.radians(coarsen(latitude, cell))
    lon = np.radians(coarsen(longitude, cell))
    half = np.radians(cell / 2)
    worst = np.zeros(np.broadcast(lat, lon).shape)
    for dlat in (-half, half):
        corner_lat = np.clip(lat + dlat, -np.pi / 2, np.pi / 2)
        a = np.sin((corner_lat - lat) / 2) ** 2 + np.cos(lat) * np.cos(corner_lat) * np.sin(half / 2) ** 2
        worst = np.maximum(worst, 2 * _MAX_CURVATURE_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0))))
    return np.ceil(worst)
