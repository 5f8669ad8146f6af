"""Bootstrap confidence intervals over loci for the pairwise relatedness estimators.

Conventions follow COANCESTRY (Wang 2011; read from its Fortran source,
related 1.0): each replicate draws as many loci as the panel has, with
replacement, and re-estimates the pair from those loci (a locus drawn twice
counts twice), with the allele frequencies of the full sample held fixed; a
draw in which no drawn locus is typed in both individuals is redrawn, so every
pair that shares a typed locus gets exactly ``n_boot`` replicates.  The
interval is a percentile interval of the replicates.  One stream of draws
serves all pairs (COANCESTRY draws per pair): a pair takes the first
``n_boot`` draws it can use, in stream order, which is the same conditional
distribution as redrawing.

Two rules for the percentile endpoints, by ``interval``:

* ``"coancestry"``: the order statistics of ranks ``max(1, nint(B a/2))`` and
  ``nint(B (1 - a/2))`` (1-based, ``nint`` rounding halves away from zero,
  ``a = 1 - level``), as COANCESTRY prints them (for B = 20: the minimum and
  the maximum).
* ``"quantile"``: sample quantiles interpolated linearly between order
  statistics (Hyndman & Fan 1996 type 7, the default of R and numpy), the
  usual reading of Efron's percentile interval.

References
----------
Efron B, Tibshirani RJ (1993) An Introduction to the Bootstrap. Chapman & Hall.

Hyndman RJ, Fan Y (1996) Sample quantiles in statistical packages. The
American Statistician 50:361-365.

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
from .triadic import trioml_with_chosen

__all__ = ["BOOTSTRAP_ESTIMATORS", "INTERVALS", "locus_resamples", "bootstrap_intervals", "percentile_limits"]

BOOTSTRAP_ESTIMATORS = (*ESTIMATORS, "dyadml", "trioml")
INTERVALS = ("coancestry", "quantile")


def locus_resamples(n_loci: int, n_boot: int, seed: int | np.random.Generator | None) -> np.ndarray:
    """``(n_boot, n_loci)`` locus indices drawn with replacement.

    With an integer ``seed`` these are the first ``n_boot`` draws that
    :func:`bootstrap_intervals` uses.

    >>> locus_resamples(4, 2, seed=1).shape
    (2, 4)
    """
    if n_boot < 1:
        raise ModelError("the number of bootstrap replicates must be at least 1")
    return np.random.default_rng(seed).integers(0, n_loci, size=(n_boot, n_loci))


def _nint(x: np.ndarray) -> np.ndarray:
    # Fortran NINT of a positive value: halves round away from zero
    return np.floor(x + 0.5).astype(np.int64)


def percentile_limits(replicates: np.ndarray, level: float = 0.95, interval: str = "coancestry") -> np.ndarray:
    """``(2, columns)`` lower and upper percentile limits of ``(replicates, columns)`` values.

    NaN replicates are left out; a column without any finite one gets NaN
    limits.  ``interval`` is ``"coancestry"`` (order statistics of ranks
    ``max(1, nint(n a/2))`` and ``nint(n (1 - a/2))``, ``a = 1 - level``, ranks
    computed in single precision as COANCESTRY does) or ``"quantile"``
    (linear interpolation, Hyndman & Fan type 7).

    >>> percentile_limits(np.arange(20.0)[:, None]).ravel().tolist()
    [0.0, 19.0]
    >>> percentile_limits(np.arange(20.0)[:, None], interval="quantile").ravel().round(3).tolist()
    [0.475, 18.525]
    """
    if interval not in INTERVALS:
        raise ModelError(f"unknown bootstrap interval {interval!r}; choose from {', '.join(INTERVALS)}")
    if not 0 < level < 1:
        raise ModelError("the confidence level must be between 0 and 1")
    values = np.asarray(replicates, dtype=np.float64)
    tail = (1 - level) / 2
    if interval == "quantile":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN limits
            return np.nanquantile(values, [tail, 1 - tail], axis=0)
    n = np.isfinite(values).sum(axis=0)
    ordered = np.sort(values, axis=0)  # NaN last
    # COANCESTRY: I025(1) = MAX(1, NINT(B*.025)), I025(2) = NINT(B*.975) in default (single) precision
    count = n.astype(np.float32)
    low = np.maximum(1, _nint((count * np.float32(tail)).astype(np.float64)))
    high = np.clip(_nint((count * np.float32(1 - tail)).astype(np.float64)), 1, None)
    cols = np.arange(values.shape[1])
    limits = np.stack([ordered[np.minimum(low, values.shape[0]) - 1, cols],
                       ordered[np.minimum(high, values.shape[0]) - 1, cols]])
    limits[:, n == 0] = np.nan
    return limits


def bootstrap_intervals(
    table: GenotypeTable,
    estimators: Sequence[str],
    n_boot: int,
    seed: int | None,
    convention: str = "coancestry",
    frequencies: str = "sample",
    inbreeding: bool = False,
    error_rates: float | np.ndarray | None = None,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    level: float = 0.95,
    interval: str = "coancestry",
    num_threads: int = 1,
    trioml_references: np.ndarray | None = None,
    trioml_chosen: np.ndarray | None = None,
) -> pd.DataFrame:
    """Percentile bootstrap intervals ``<estimator>_ci_low``, ``<estimator>_ci_high`` per pair.

    Parameters
    ----------
    table
        Diploid consensus genotypes.
    estimators
        Any of :data:`BOOTSTRAP_ESTIMATORS`.
    n_boot
        Replicates per pair.
    seed
        Seeds the stream of locus draws; its first ``n_boot`` rows are
        :func:`locus_resamples`, and a pair that cannot use a row (no drawn
        locus typed in both) takes further rows from the same stream.  The
        rows do not depend on ``pairs``, so results for a pair do not depend
        on which other pairs are computed with it.
    convention, frequencies
        As for :func:`genmon.relate.estimate_relatedness`.
    inbreeding, error_rates
        As for :func:`genmon.relate.estimate_dyadml`.
    pairs
        Optional ``(i, j)`` index arrays; every pair by default.
    level
        Coverage of the interval.
    interval
        ``"coancestry"`` or ``"quantile"``: see :func:`percentile_limits`.
    trioml_references, trioml_chosen
        For ``"trioml"``: the reference individuals of the point estimates
        and, per pair, the index of the one that gave it (the
        ``trioml_reference`` column of :func:`genmon.relate.estimate_trioml`);
        every replicate of a pair uses that reference.

    Returns
    -------
    pandas.DataFrame
        Two columns per estimator, rows in the order of ``pairs``; NaN for
        a pair that shares no typed locus.
    """
    unknown = set(estimators) - set(BOOTSTRAP_ESTIMATORS)
    if unknown:
        raise ModelError(f"no bootstrap for {', '.join(sorted(unknown))}; choose from {', '.join(BOOTSTRAP_ESTIMATORS)}")
    if n_boot < 1:
        raise ModelError("the number of bootstrap replicates must be at least 1")
    percentile_limits(np.zeros((1, 1)), level, interval)  # validates level and interval up front
    if "trioml" in estimators and (trioml_references is None or trioml_chosen is None):
        raise ModelError("the trioml bootstrap needs the point estimates' references and each pair's chosen one")
    panel = prepare_loci(table, convention, num_threads=num_threads)
    pi, pj = pair_indices(table, pairs)
    moments = [e for e in estimators if e in ESTIMATORS]
    coef = panel.moment_coefficients() if moments else None
    states = ALL_STATES if inbreeding else OUTBRED_STATES
    error = _error_vector(error_rates, table.n_loci)
    typed = panel.calls[:, :, 0] >= 0
    both = typed[pi] & typed[pj]
    reps = {name: np.full((n_boot, pi.size), np.nan) for name in estimators}
    filled = np.zeros(pi.size, dtype=np.int64)
    todo = np.flatnonzero(both.any(axis=1))  # a pair without any shared typed locus keeps NaN limits
    stream = np.random.default_rng(seed)
    while todo.size:
        for loci in stream.integers(0, table.n_loci, size=(n_boot, table.n_loci)):
            # COANCESTRY redraws until a drawn locus is typed in both: the pair skips this row
            take = todo[both[todo][:, loci].any(axis=1)]
            if take.size:
                i, j, row = pi[take], pj[take], filled[take]
                if moments:
                    out, _ = moment_kernel(panel, coef, i, j, frequencies, num_threads, loci=loci)
                    for name in moments:
                        reps[name][row, take] = out[:, ESTIMATORS.index(name)]
                # how often each locus was drawn: the likelihood estimators weight loci by it
                count = np.bincount(loci, minlength=table.n_loci).astype(np.float64)
                if "dyadml" in estimators:
                    reps["dyadml"][row, take] = dyadml_kernel(panel, i, j, states, error, count, num_threads)[0]
                if "trioml" in estimators:
                    reps["trioml"][row, take] = trioml_with_chosen(panel, i, j, inbreeding, error, trioml_references,
                                                                   np.asarray(trioml_chosen)[take], count, num_threads)
                filled[take] += 1
                todo = todo[filled[todo] < n_boot]
                if not todo.size:
                    break
    result = {}
    for name in estimators:
        result[f"{name}_ci_low"], result[f"{name}_ci_high"] = percentile_limits(reps[name], level, interval)
    return pd.DataFrame(result)
