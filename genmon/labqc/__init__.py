"""Lab quality control: replicate consensus and genotyping-error rates.

Public functions (see each module):

- :func:`call_consensus` (:mod:`genmon.labqc.consensus`): consensus genotypes
  from replicate PCRs (Taberlet, majority or maximum-likelihood rule), quality
  index, re-genotyping and reject lists.
- :func:`count_error_rates`, :func:`estimate_error_rates_ml`,
  :func:`null_allele_frequencies`, :func:`microchecker_flags`
  (:mod:`genmon.labqc.errors`).
- :func:`~genmon.labqc.batch.run_consensus` and
  :func:`~genmon.labqc.batch.write_consensus_outputs`: one batch end to end
  (``genmon consensus``).
"""

from ._replicates import group_replicates, merge_replicate_tables
from .consensus import RULES, STATUS, ConsensusResult, ErrorRateWarning, call_consensus
from .errors import (
    count_error_rates,
    error_rates_table,
    estimate_error_rates_ml,
    microchecker_flags,
    null_allele_frequencies,
    wilson_interval,
)

__all__ = [
    "RULES",
    "STATUS",
    "ConsensusResult",
    "ErrorRateWarning",
    "call_consensus",
    "count_error_rates",
    "error_rates_table",
    "estimate_error_rates_ml",
    "microchecker_flags",
    "null_allele_frequencies",
    "wilson_interval",
    "group_replicates",
    "merge_replicate_tables",
]
