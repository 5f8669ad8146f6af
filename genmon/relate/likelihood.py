"""Likelihood estimators of pairwise relatedness: Milligan's (2003) dyadic ML.

For a pair of diploid genotypes at a locus, the probability under each of
Jacquard's nine condensed identity states (``Δ1 … Δ9``) follows from the allele
frequencies; loci multiply, and the coefficients ``Δ`` that maximise the
likelihood over the simplex give

    r = 2 (Δ1 + ½ (Δ3 + Δ5 + Δ7) + ¼ Δ8) = 2Δ1 + Δ3 + Δ5 + Δ7 + ½Δ8.

Without inbreeding (the default) only the three states of outbred diploids are
allowed, ``Δ7 = k2``, ``Δ8 = k1`` and ``Δ9 = k0``, so ``r = k2 + k1/2``;
``inbreeding=True`` estimates all nine, as COANCESTRY does when inbreeding is
allowed.  (The R package related 1.0 passes its ``allow.inbreeding`` flag to
COANCESTRY inverted: its default ``allow.inbreeding = FALSE`` estimates all
nine coefficients, i.e. genmon's ``inbreeding=True``.)
A per-locus genotyping error rate ``E`` lets each gene copy show, with
probability ``E``, one of the ``k`` alleles observed at the locus uniformly
(COANCESTRY's model).

The log-likelihood is concave in ``Δ``, so every local maximum is the global
one (the maximising ``Δ`` need not be unique where the likelihood is flat);
genmon finds it to a duality gap of 1e-10 log-likelihood units.  COANCESTRY maximises the
same likelihood by restarted pairwise line searches from random starting
points, stopping at a relative tolerance of 1e-6, and prints 4 decimals of a
single-precision result; where the likelihood is flat along ``r`` (few
informative loci) its estimate can sit anywhere on the plateau.  The agreement
achieved on related's example data is recorded in
``test_data/reference/relate/README.md``.

References
----------
Jacquard A (1974) The Genetic Structure of Populations. Springer, Berlin.

Milligan BG (2003) Maximum-likelihood estimation of relatedness. Genetics
163:1153-1167.

Wang J (2011) COANCESTRY: a program for simulating, estimating and analysing
relatedness and inbreeding coefficients. Molecular Ecology Resources 11:141-145.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._ext import relate_ml as _kernel
from ..exceptions import ModelError
from ..model import GenotypeTable
from .moments import LocusPanel, no_locus_reason, pair_frame, pair_indices, prepare_loci

__all__ = ["OUTBRED_STATES", "ALL_STATES", "estimate_dyadml", "dyadml_kernel"]

#: 0-based Jacquard states estimated without inbreeding (Δ7, Δ8, Δ9) and with it (all nine).
OUTBRED_STATES = np.array([6, 7, 8], dtype=np.int32)
ALL_STATES = np.arange(9, dtype=np.int32)


def _error_vector(error_rates, n_loci: int) -> np.ndarray:
    if error_rates is None:
        return np.zeros(n_loci)
    e = np.broadcast_to(np.asarray(error_rates, dtype=np.float64), (n_loci,)).copy()
    if not np.all((e >= 0) & (e < 1)):
        raise ModelError("genotyping error rates must be in [0, 1)")
    return e


def dyadml_kernel(panel: LocusPanel, pi: np.ndarray, pj: np.ndarray, states: np.ndarray, error: np.ndarray,
                  locus_count: np.ndarray | None = None, num_threads: int = 1):
    """Run the dyadic ML kernel: ``(r, delta (pairs, 9), ln LR against unrelated, n_loci)``."""
    n = pi.size
    r = np.empty(n)
    delta = np.empty((n, 9))
    lnlr = np.empty(n)
    n_loci = np.empty(n, dtype=np.int32)
    if locus_count is None:
        locus_count = np.ones(panel.freq.shape[0])
    _kernel._dyadml(panel.calls, panel.freq, panel.n_alleles, np.ascontiguousarray(error, dtype=np.float64),
                    np.ascontiguousarray(locus_count, dtype=np.float64), states, pi, pj, r, delta, lnlr, n_loci,
                    num_threads=num_threads)
    return r, delta, lnlr, n_loci


def estimate_dyadml(
    table: GenotypeTable,
    inbreeding: bool = False,
    error_rates: float | np.ndarray | None = None,
    convention: str = "coancestry",
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    num_threads: int = 1,
    reference: GenotypeTable | None = None,
) -> pd.DataFrame:
    """Milligan's (2003) dyadic maximum-likelihood relatedness of pairs.

    Parameters
    ----------
    table
        Diploid consensus genotypes, one row per individual.
    inbreeding
        Estimate all nine Jacquard coefficients (else only Δ7, Δ8, Δ9).
    error_rates
        Genotyping error rate, one number or one per locus (default none).
    convention
        ``"coancestry"`` (allele frequencies floored at 1e-4, as COANCESTRY) or
        ``"published"`` (the observed frequencies).
    pairs, num_threads, reference
        As for :func:`genmon.relate.estimate_relatedness`.

    Returns
    -------
    pandas.DataFrame
        ``id_1, id_2, n_loci, dyadml``, the coefficients ``delta1 … delta9``,
        ``dyadml_lnlr`` (log-likelihood ratio of the estimate against
        unrelatedness) and ``reason``.

    Examples
    --------
    One locus with two equally common alleles, both individuals A/B: unrelated
    they have probability (2 p_A p_B)^2 = 1/4, sharing both genes identical by
    descent 1/2, one gene 1/4.  The likelihood is linear in the coefficients and
    largest at Δ7 = 1, so r = 1 with log-likelihood ratio ln 2.  (The third
    individual only supplies the frequencies.)

    >>> t = GenotypeTable.from_alleles(np.array([[[1, 2]], [[1, 2]], [[1, 2]]]), ["L1"])
    >>> est = estimate_dyadml(t, pairs=([0], [1]))
    >>> float(est["dyadml"].iloc[0]), round(float(est["dyadml_lnlr"].iloc[0]), 6)
    (1.0, 0.693147)
    """
    panel = prepare_loci(table, convention, reference, num_threads)
    states = ALL_STATES if inbreeding else OUTBRED_STATES
    error = _error_vector(error_rates, table.n_loci)
    pi, pj = pair_indices(table, pairs)
    r, delta, lnlr, n_loci = dyadml_kernel(panel, pi, pj, states, error, num_threads=num_threads)
    result = pair_frame(table, pi, pj, n_loci)
    result["dyadml"] = r
    for s in range(9):
        result[f"delta{s + 1}"] = delta[:, s]
    result["dyadml_lnlr"] = lnlr
    result["reason"] = no_locus_reason(n_loci)
    return result
