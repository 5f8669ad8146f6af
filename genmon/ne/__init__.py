"""Effective population size: LD, heterozygote excess, temporal and molecular coancestry.

NeEstimator v2-compatible estimators (Do et al. 2014).  Every function returns
a table with one row per population x method x Pcrit and the columns of
:data:`COLUMNS`; infinite estimates are ``inf`` and a row that cannot be
estimated carries ``nan`` and a ``reason``.
"""

from ._common import COLUMNS, NE_INFINITE, chi2_limits, t_quantile
from .coancestry import estimate_nb_coancestry, nb_from_f1
from .hetx import estimate_nb_hetx, nb_from_d
from .ld import (
    CI_KINDS,
    DEFAULT_PCRIT,
    estimate_ne_ld,
    expected_r2,
    ne_from_r2,
    pair_jackknife_df,
    parse_pcrit,
)
from .report import METHODS, estimate_ne, format_summary, write_ne
from .temporal import estimate_ne_temporal

__all__ = [
    "CI_KINDS",
    "COLUMNS",
    "DEFAULT_PCRIT",
    "METHODS",
    "NE_INFINITE",
    "chi2_limits",
    "estimate_nb_coancestry",
    "estimate_nb_hetx",
    "estimate_ne",
    "estimate_ne_ld",
    "estimate_ne_temporal",
    "expected_r2",
    "format_summary",
    "nb_from_d",
    "nb_from_f1",
    "ne_from_r2",
    "pair_jackknife_df",
    "parse_pcrit",
    "t_quantile",
    "write_ne",
]
