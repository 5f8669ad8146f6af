"""Relatedness, kinship classes and the resolving power of a panel."""

from .bootstrap import bootstrap_intervals, locus_resamples, percentile_limits
from .classes import RELATIONSHIPS, classify_pairs, pair_log_likelihoods, simulate_pairs
from .likelihood import estimate_dyadml
from .moments import CONVENTIONS, ESTIMATORS, estimate_relatedness
from .pairs import relate_pairs
from .parentage import ParentageResult, assign_parentage, parentage_lod
from .power import PowerReport, relatedness_power
from .triadic import estimate_trioml

__all__ = [
    "CONVENTIONS",
    "ESTIMATORS",
    "RELATIONSHIPS",
    "ParentageResult",
    "PowerReport",
    "assign_parentage",
    "bootstrap_intervals",
    "classify_pairs",
    "estimate_dyadml",
    "estimate_relatedness",
    "estimate_trioml",
    "locus_resamples",
    "percentile_limits",
    "pair_log_likelihoods",
    "parentage_lod",
    "relate_pairs",
    "relatedness_power",
    "simulate_pairs",
]
