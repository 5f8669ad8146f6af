"""Grid-cell generalisation of coordinates (genmon.geo)."""

from __future__ import annotations

import pytest
from geographiclib.geodesic import Geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from genmon.geo import cell_half_diagonal_m, coarsen


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-89.0, 89.0),
    lon=st.floats(-179.9, 179.9),
    cell=st.sampled_from([0.01, 0.05, 0.1, 0.25, 0.5, 1.0]),
)
def test_half_diagonal_covers_the_cell_on_the_ellipsoid(lat, lon, cell):
    """Never shorter than GeographicLib's WGS84 geodesic to any corner, and at most 1 % (+1 m) longer."""
    c_lat, c_lon = float(coarsen([lat], cell)[0]), float(coarsen([lon], cell)[0])
    assert abs(c_lat - lat) <= cell / 2 + 1e-9 and abs(c_lon - lon) <= cell / 2 + 1e-9
    corners = [(min(c_lat + a, 90.0), c_lon + b) for a in (-cell / 2, cell / 2) for b in (-cell / 2, cell / 2)]
    geodesic = max(Geodesic.WGS84.Inverse(c_lat, c_lon, y, x)["s12"] for y, x in corners)
    stated = float(cell_half_diagonal_m([lat], [lon], cell)[0])
    assert geodesic <= stated <= 1.01 * geodesic + 1


def test_half_diagonal_hand_worked():
    # centre (43.15, 131.55) to corner (43.10, 131.50) on a sphere of radius a^2/b = 6 399 593.6 m:
    # haversine 6913.6 m, rounded up
    assert cell_half_diagonal_m([43.1234], [131.5678], 0.1).tolist() == [6914.0]
    # at the equator the cell is (nearly) square: R * sqrt(2) * 0.05 degrees = 7897.96 m -> 7898 m
    assert cell_half_diagonal_m([0.01], [0.01], 0.1).tolist() == [7898.0]


def test_half_diagonal_refuses_a_zero_cell():
    with pytest.raises(ValueError, match="grid cell must be positive"):
        cell_half_diagonal_m([43.0], [131.0], 0)
