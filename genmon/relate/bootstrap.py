"""Bootstrap confidence intervals over loci for the pairwise relatedness estimators.

Each replicate draws as many loci as the panel has, with replacement, and
re-estimates every pair from those loci (a locus drawn twice counts twice),
with the allele frequencies of the full sample held fixed, as COANCESTRY
does.  One draw of loci serves all pairs of a replicate (COANCESTRY draws per
pair); a pair that shares no typed locus in a replicate leaves that replicate
out.  The interval is the percentile interval of the replicates
(``numpy.nanquantile``, linear interpolation).

References
----------
Efron B, Tibshirani RJ (1993) An Introduction to the Bootstrap. Chapman & Hall.

Wang J (2011) COANCESTRY: a program for simulating, estimating and analysing
relatedness and inbreeding coefficients. Molecular Ecology Resources 11:141-145.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..model import GenotypeTable
from .likelihood import ALL_STATES, OUTBRED_STATES, _error_vector, dyadml_kernel
from .moments import ESTIMATORS, moment_kernel, pair_indices, prepare_loci

__all__ = ["BOOTSTRAP_ESTIMATORS", "locus_resamples", "bootstrap_intervals"]

BOOTSTRAP_ESTIMATORS = (*ESTIMATORS, "dyadml")


def locus_resamples(n_loci: int, n_boot: int, seed: int | np.random.Generator | None) -> np.ndarray:
    """``(n_boot, n_loci)`` locus indices drawn with replacement.

    >>> locus_resamples(4, 2, seed=1).shape
    (2, 4)
    """
    if n_boot < 1:
        raise ModelError("the number of bootstrap replicates must be at least 1")
    return np.random.default_rng(seed).integers(0, n_loci, size=(n_boot, n_loci))


def bootstrap_intervals(
    table: GenotypeTable,
    estimators: Sequence[str],
    draws: np.ndarray,
    convention: str = "coancestry",
    frequencies: str = "sample",
    inbreeding: bool = False,
    error_rates: float | np.ndarray | None = None,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    level: float = 0.95,
    num_threads: int = 1,
) -> pd.DataFrame:
    """Percentile bootstrap intervals ``<estimator>_ci_low``, ``<estimator>_ci_high`` per pair.

    Parameters
    ----------
    table
        Diploid consensus genotypes.
    estimators
        Any of :data:`BOOTSTRAP_ESTIMATORS`.
    draws
        Locus resamples from :func:`locus_resamples` (one row per replicate).
    convention, frequencies
        As for :func:`genmon.relate.estimate_relatedness`.
    inbreeding, error_rates
        As for :func:`genmon.relate.estimate_dyadml`.
    pairs
        Optional ``(i, j)`` index arrays; every pair by default.
    level
        Coverage of the interval.

    Returns
    -------
    pandas.DataFrame
        Two columns per estimator, rows in the order of ``pairs``.
    """
    unknown = set(estimators) - set(BOOTSTRAP_ESTIMATORS)
    if unknown:
        raise ModelError(f"no bootstrap for {', '.join(sorted(unknown))}; choose from {', '.join(BOOTSTRAP_ESTIMATORS)}")
    if not 0 < level < 1:
        raise ModelError("the confidence level must be between 0 and 1")
    draws = np.asarray(draws, dtype=np.int64)
    if draws.ndim != 2 or draws.shape[1] != table.n_loci or draws.min(initial=0) < 0 or draws.max(initial=0) >= table.n_loci:
        raise ModelError("bootstrap draws must be a (replicates, loci) array of locus indices")
    panel = prepare_loci(table, convention, num_threads=num_threads)
    pi, pj = pair_indices(table, pairs)
    moments = [e for e in estimators if e in ESTIMATORS]
    coef = panel.moment_coefficients() if moments else None
    states = ALL_STATES if inbreeding else OUTBRED_STATES
    error = _error_vector(error_rates, table.n_loci)
    reps = {name: np.empty((draws.shape[0], pi.size)) for name in estimators}
    for b, loci in enumerate(draws):
        if moments:
            out, n_loci = moment_kernel(panel, coef, pi, pj, frequencies, num_threads, loci=loci)
            for name in moments:
                reps[name][b] = out[:, ESTIMATORS.index(name)]
        if "dyadml" in estimators:
            count = np.bincount(loci, minlength=table.n_loci).astype(np.float64)
            reps["dyadml"][b] = dyadml_kernel(panel, pi, pj, states, error, count, num_threads)[0]
    tail = (1 - level) / 2
    result = {}
    with warnings.catch_warnings():
        # a pair without any usable replicate gets NaN limits
        warnings.simplefilter("ignore", RuntimeWarning)
        for name in estimators:
            low, high = np.nanquantile(reps[name], [tail, 1 - tail], axis=0)
            result[f"{name}_ci_low"], result[f"{name}_ci_high"] = low, high
    return pd.DataFrame(result)
