"""Individual identification: which non-invasive samples come from the same individual.

* :mod:`~genmon.identify.mismatch`: pairwise allele-mismatch counts (Cython kernel).
* :mod:`~genmon.identify.allelematch`: allelematch 3.0.0's unique genotypes,
  profile and automatic choice of the mismatch setting.
* :mod:`~genmon.identify.likelihood`: likelihood ratios with dropout and
  false-allele rates, PI and PIsibs.
* :mod:`~genmon.identify.index`: exact-block index for pairs within a threshold.
* :mod:`~genmon.identify.catalogue`: the persistent catalogue of individuals.
* :func:`identify_individuals` ties them together (``genmon identify``).
"""

from .allelematch import am_columns, am_unique, am_unique_profile, guess_optimum
from .catalogue import (
    Catalogue,
    merge_individuals,
    new_catalogue,
    read_catalogue,
    split_individual,
    write_catalogue,
)
from .core import METHODS, IdentifyResult, identify_individuals
from .index import pairs_within_indexed
from .likelihood import ErrorRates
from .mismatch import CONVENTIONS, count_mismatches, mismatch_pairs, pairs_within
from .output import write_identify

__all__ = [
    "CONVENTIONS",
    "METHODS",
    "Catalogue",
    "ErrorRates",
    "IdentifyResult",
    "am_columns",
    "am_unique",
    "am_unique_profile",
    "count_mismatches",
    "guess_optimum",
    "identify_individuals",
    "merge_individuals",
    "mismatch_pairs",
    "new_catalogue",
    "pairs_within",
    "pairs_within_indexed",
    "read_catalogue",
    "split_individual",
    "write_catalogue",
    "write_identify",
]
