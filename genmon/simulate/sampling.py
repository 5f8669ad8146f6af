"""Non-invasive field sampling of the living individuals.

Each living individual gets a home-range centre drawn uniformly in a
rectangular study area and leaves ``Poisson(lambda)`` scat or hair samples
(at least one for members of forced full-sib families, so that they are
in the sampled set).  A sample lies at the centre plus an isotropic normal
displacement (``home_range_sigma`` metres per axis; the bivariate normal
home-range model of SECR, Efford 2004), clipped to the study area; its
collection date is uniform over the season, and the season is cut into
``n_occasions`` equal sampling occasions (numbered from 1).

Coordinates: ``x``/``y`` are metres east/north of the study area's
south-west corner, ``(origin_latitude, origin_longitude)``, on a local
equirectangular projection (``lat = lat0 + y / R``, ``lon = lon0 + x / (R cos
lat0)``, ``R = 6,371,008.8 m``), accurate to a few metres over the 60 km of
the default area, which is centred near 43.1 N, 131.5 E in Land of the
Leopard National Park.  These coordinates are the simulation's *truth* and
are written exactly; shared exports should coarsen them
(:func:`genmon.geo.coarsen`).

Country: samples west of ``border_x`` metres are in China (site
``NTLNP``, the Northeast China Tiger and Leopard National Park), the rest in
Russia (site ``LLNP``).  Sample ids are ``<country>-<site>-<year>-<nnnn>``,
numbered per site in order of collection date, e.g. ``RU-LLNP-2024-0153``.

References
----------
Efford M (2004) Density estimation in live-trapping studies. Oikos
106:598-610.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["EARTH_RADIUS_M", "STUDY_AREA", "sample_individuals", "to_latlon"]

#: Mean Earth radius (IUGG), metres.
EARTH_RADIUS_M = 6_371_008.8

#: Default study area: 60 x 45 km with its centre at about 43.10 N, 131.50 E.
STUDY_AREA: dict[str, float] = {
    "width_m": 60_000.0,
    "height_m": 45_000.0,
    "origin_latitude": 42.898,
    "origin_longitude": 131.130,
    "border_x": 12_000.0,
}


def to_latlon(
    x: np.ndarray, y: np.ndarray, origin_latitude: float, origin_longitude: float
) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection from metres to degrees.

    Examples
    --------
    One degree of latitude is ``pi R / 180 = 111,195.08`` m:

    >>> lat, lon = to_latlon(np.array([0.0]), np.array([111195.08]), 43.0, 131.0)
    >>> round(float(lat[0]), 6), float(lon[0])
    (44.0, 131.0)
    """
    lat = origin_latitude + np.degrees(np.asarray(y, dtype=float) / EARTH_RADIUS_M)
    lon = origin_longitude + np.degrees(
        np.asarray(x, dtype=float) / (EARTH_RADIUS_M * np.cos(np.radians(origin_latitude)))
    )
    return lat, lon


def sample_individuals(
    individual_ids: np.ndarray,
    rng: np.random.Generator,
    *,
    samples_per_individual: float = 3.0,
    sample_types: Mapping[str, float] | None = None,
    quality_mix: Mapping[str, float] | None = None,
    season: tuple[str, str] = ("2024-01-10", "2024-03-31"),
    n_occasions: int = 4,
    home_range_sigma: float = 2500.0,
    study_area: Mapping[str, float] | None = None,
    must_sample: np.ndarray | None = None,
    n_collectors: int = 3,
) -> pd.DataFrame:
    """Draw field samples; one row per sample, sorted by sample id.

    Columns: ``sample_id, individual_id, sample_type, quality, date, latitude,
    longitude, x, y, collector, site, country, occasion``.

    Examples
    --------
    >>> s = sample_individuals(np.array(["A", "B"]), np.random.default_rng(2), samples_per_individual=2)
    >>> list(s.columns[:4])
    ['sample_id', 'individual_id', 'sample_type', 'quality']
    >>> bool(s["sample_id"].str.match(r"^(RU-LLNP|CN-NTLNP)-2024-\\d{4}$").all())
    True
    """
    area = dict(STUDY_AREA, **dict(study_area or {}))
    types = dict(sample_types or {"scat": 0.8, "hair": 0.2})
    quality = dict(quality_mix or {"high": 0.3, "medium": 0.5, "low": 0.2})
    if samples_per_individual < 0:
        raise ValueError(f"samples_per_individual must be >= 0, got {samples_per_individual}")
    start = _dt.date.fromisoformat(season[0])
    end = _dt.date.fromisoformat(season[1])
    days = (end - start).days + 1
    if days < n_occasions or n_occasions < 1:
        raise ValueError(f"season {season[0]}..{season[1]} cannot hold {n_occasions} occasions")
    n_ind = len(individual_ids)
    cx = rng.uniform(0.0, area["width_m"], n_ind)
    cy = rng.uniform(0.0, area["height_m"], n_ind)
    counts = rng.poisson(samples_per_individual, n_ind)
    if must_sample is not None:
        counts = np.where(must_sample & (counts == 0), 1, counts)
    owner = np.repeat(np.arange(n_ind), counts)
    n = owner.size
    x = np.clip(cx[owner] + rng.normal(0.0, home_range_sigma, n), 0.0, area["width_m"])
    y = np.clip(cy[owner] + rng.normal(0.0, home_range_sigma, n), 0.0, area["height_m"])
    # Exact metres are kept to the millimetre so that text round-trips are exact.
    x, y = np.round(x, 3), np.round(y, 3)
    lat, lon = to_latlon(x, y, area["origin_latitude"], area["origin_longitude"])
    day = rng.integers(0, days, n)
    occasion = 1 + (day * n_occasions) // days
    type_names = list(types)
    p_type = np.asarray([types[k] for k in type_names], dtype=float)
    stype = np.asarray(type_names, dtype=object)[
        rng.choice(len(type_names), n, p=p_type / p_type.sum())
    ]
    q_names = list(quality)
    p_q = np.asarray([quality[k] for k in q_names], dtype=float)
    qual = np.asarray(q_names, dtype=object)[rng.choice(len(q_names), n, p=p_q / p_q.sum())]
    collector_k = rng.integers(1, n_collectors + 1, n)
    country = np.where(x < area["border_x"], "CN", "RU")
    site = np.where(country == "CN", "NTLNP", "LLNP")
    dates = np.array([(start + _dt.timedelta(days=int(d))).isoformat() for d in day], dtype=object)
    frame = pd.DataFrame(
        {
            "individual_id": np.asarray(individual_ids, dtype=object)[owner],
            "sample_type": stype,
            "quality": qual,
            "date": dates,
            "latitude": lat,
            "longitude": lon,
            "x": x,
            "y": y,
            "collector": [f"{c}-team-{k}" for c, k in zip(country, collector_k, strict=True)],
            "site": site,
            "country": country,
            "occasion": occasion.astype(np.int64),
        }
    )
    # Number samples per site in order of collection (ties by draw order).
    frame = frame.iloc[
        np.lexsort((np.arange(n), frame["date"].to_numpy(), frame["site"].to_numpy()))
    ]
    frame = frame.reset_index(drop=True)
    serial = frame.groupby("site").cumcount() + 1
    year = start.year
    ids = [
        f"{c}-{s}-{year}-{k:04d}"
        for c, s, k in zip(frame["country"], frame["site"], serial, strict=True)
    ]
    frame.insert(0, "sample_id", ids)
    return frame.sort_values("sample_id", kind="stable").reset_index(drop=True)
