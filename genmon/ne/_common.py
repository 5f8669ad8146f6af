"""Shared pieces of the Ne estimators: result columns, quantiles, populations.

NeEstimator v2 computes confidence limits from *tabled* quantiles.  For the
chi-square distribution (df <= 100) its table is the usual printed one: 2-decimal
values at df 1-30 and 40, 50, ..., 100, linearly interpolated (rounded half up
to 2 decimals) in between, except at df 1 (lower 0.001), df 15 (lower 6.27) and
df 73 (4-decimal values 51.2648 and 98.5162); above df 100 it uses the
Wilson-Hilferty approximation with z = 1.96.  For Student's t (df <= 100) it
uses 3-decimal values and 1.96 above.  ``quantiles="neestimator"`` reproduces
these rules (so that every printed digit agrees); ``quantiles="exact"`` uses
exact quantiles (scipy) everywhere.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..model import GenotypeTable

#: NeEstimator's "infinite": estimates at or above it are reported as ``inf``.
NE_INFINITE = 1e11

#: Columns of the result table (one row per population x method x Pcrit).
COLUMNS = (
    "pop",
    "method",
    "mating",
    "pcrit",
    "n_individuals",
    "s_harmonic",
    "n_comparisons",
    "r2",
    "r2_expected",
    "d",
    "f",
    "f_prime",
    "ne",
    "ci_param_low",
    "ci_param_high",
    "ci_jack_low",
    "ci_jack_high",
    "jack_df",
    "ci_jackloci_low",
    "ci_jackloci_high",
    "jackloci_df",
    "n_loci",
    "n_pairs",
    "reason",
)

QUANTILE_RULES = ("neestimator", "exact")
_CHI2_KNOTS = tuple(range(1, 31)) + tuple(range(40, 101, 10))


def _half_up(x: float, places: str = "0.01") -> float:
    return float(
        Decimal(repr(round(float(x), 9))).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    )


@lru_cache(maxsize=1)
def _neestimator_chi2_table() -> tuple[np.ndarray, np.ndarray]:
    """(lower 2.5 %, upper 97.5 %) chi-square quantiles for df 1..100, NeEstimator's rule."""
    from scipy import stats

    out = []
    for q in (0.025, 0.975):
        knots = [_half_up(stats.chi2.ppf(q, d)) for d in _CHI2_KNOTS]
        values = np.empty(100)
        for df in range(1, 101):
            i = int(np.searchsorted(_CHI2_KNOTS, df))
            if _CHI2_KNOTS[i] == df:
                values[df - 1] = knots[i]
            else:
                a, b = _CHI2_KNOTS[i - 1], _CHI2_KNOTS[i]
                values[df - 1] = _half_up(
                    knots[i - 1] + (knots[i] - knots[i - 1]) * (df - a) / (b - a)
                )
        out.append(values)
    low, high = out
    low[0] = 0.001  # NeEstimator's table entries that do not follow the rule
    low[14] = 6.27
    low[72] = 51.2648
    high[72] = 98.5162
    return low, high


def chi2_limits(df: int, mean: float, quantiles: str = "neestimator") -> tuple[float, float]:
    """95 % limits ``(low, high)`` of a mean of squares with ``df`` degrees of freedom.

    ``low = df * mean / chi2_{0.975, df}`` and ``high = df * mean / chi2_{0.025, df}``
    (Waples 2006, eq. 12; NeEstimator's ``Confid95``).

    Examples
    --------
    >>> low, high = chi2_limits(10, 1.0)
    >>> round(low, 4), round(high, 4)
    (0.4883, 3.0769)
    """
    df = int(df)
    if df < 1:
        return float("nan"), float("nan")
    if quantiles == "exact":
        from scipy import stats

        return float(df * mean / stats.chi2.ppf(0.975, df)), float(
            df * mean / stats.chi2.ppf(0.025, df)
        )
    if df <= 100:
        low_q, high_q = _neestimator_chi2_table()
        return float(df * mean / high_q[df - 1]), float(df * mean / low_q[df - 1])

    # Wilson-Hilferty: chi2_q / df ~ (1 - a + z sqrt(a))^3, a = 2 / (9 df)
    a = 2.0 / (9.0 * df)
    return float(mean / (1.0 - a + 1.96 * math.sqrt(a)) ** 3), float(
        mean / (1.0 - a - 1.96 * math.sqrt(a)) ** 3
    )


def t_quantile(df: int, quantiles: str = "neestimator") -> float:
    """Two-sided 95 % quantile of Student's t (NeEstimator: 3 decimals, 1.96 above df 100).

    >>> t_quantile(10), t_quantile(1000)
    (2.228, 1.96)
    """
    from scipy import stats

    if df < 1:
        return float("nan")
    if quantiles == "exact":
        return float(stats.t.ppf(0.975, df))
    if df <= 100:
        return _half_up(stats.t.ppf(0.975, df), "0.001")
    return 1.96


def check_quantiles(quantiles: str) -> None:
    if quantiles not in QUANTILE_RULES:
        raise ModelError(f"quantiles must be one of {QUANTILE_RULES}, got {quantiles!r}")


def finite_or_inf(x: float) -> float:
    """NeEstimator's display rule: negative or >= its 'infinite' means infinite."""
    if x is None or np.isnan(x):
        return float("nan")
    return float("inf") if (x < 0 or x >= NE_INFINITE) else float(x)


def populations(table: GenotypeTable, by: str | None) -> list[tuple[str, np.ndarray]]:
    """Row indices per population (order of first appearance).

    ``by=None`` (or a column that is entirely empty) gives one population named
    ``all``; rows with an empty label form a population named ``NA``.
    """
    n = table.n_samples
    if by is None:
        return [("all", np.arange(n))]
    if by not in table.samples.columns:
        raise ModelError(f"no sample column {by!r} to group populations by")
    labels = table.samples[by]
    if labels.isna().all():
        return [("all", np.arange(n))]
    text = labels.astype("string").fillna("NA").to_numpy(dtype=object)
    order = list(dict.fromkeys(text))
    return [(str(name), np.nonzero(text == name)[0]) for name in order]


def diploid_calls(table: GenotypeTable, rows: np.ndarray) -> np.ndarray:
    """``(rows, loci, 2)`` calls with partially missing calls made fully missing."""
    if table.ploidy != 2:
        raise ModelError(
            f"Ne estimators need diploid genotypes; this table has ploidy {table.ploidy}"
        )
    calls = np.array(table.call_genotype[rows], dtype=np.int16, copy=True)
    partial = (calls < 0).any(axis=2)
    calls[partial] = -1
    return calls


def empty_row(
    pop: str, method: str, pcrit: str, n_individuals: int, reason: str, mating: str = ""
) -> dict:
    row = {c: float("nan") for c in COLUMNS}
    row.update(
        pop=pop,
        method=method,
        mating=mating,
        pcrit=pcrit,
        n_individuals=n_individuals,
        reason=reason,
        n_loci=0,
        n_pairs=0,
    )
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(COLUMNS))
    out["reason"] = out["reason"].fillna("")
    return out
