"""Wang's (2007) triadic likelihood estimator of pairwise relatedness (TrioML).

The relatedness of X and Y is estimated from the genotypes of X, Y and a third,
reference individual Z.  The six genes (x1, x2, y1, y2, z1, z2) fall into
identity-by-descent classes; up to exchanging the two genes of an individual
(unordered genotypes cannot tell them apart) there are 66 such condensed
triadic states, 16 when no individual is inbred (no class holds both genes of
one individual).  Per locus the probability of the three observed genotypes
under each state follows from the allele frequencies, with the genotyping-error
model of :mod:`genmon.relate.likelihood`; loci multiply and the state
coefficients that maximise the likelihood over the simplex give

    r_XY = 2 θ_XY = ½ Σ_{i ∈ X, j ∈ Y} P(i ≡ j).

Reference rule (as COANCESTRY's TrioML): the references are ``n_reference``
individuals simulated as unrelated from the sample's allele frequencies (two
independent draws per locus, seeded); the references are scanned in order, each
gives a triadic estimate, and the estimate of the pair is the smallest of them,
the scan stopping at the first estimate below 1e-4.  The column
``trioml_reference`` names which reference gave it.

Where genmon and COANCESTRY 2.0 (R package related 1.0) differ, by design:

- COANCESTRY maximises by restarted random line searches and re-runs each
  triad ten times, discarding references whose estimate moves by more than
  0.02 between runs, and falls back to a harmonic mean of the smallest 1 % of
  estimates when no reference gives r < 1e-4; genmon maximises the concave
  likelihood exactly from the uniform starting point, so every reference's
  estimate is reproducible and none is discarded;
- when the dyadic Δ7 of the pair is below 0.05 and both of Z's alleles occur in
  X or Y, COANCESTRY hides Z's second allele at that locus; genmon uses the
  whole reference genotype.

The references come from each program's own random numbers, so estimates
agree pair by pair only where the likelihood pins r down; the agreement on
related's example data is recorded in ``test_data/reference/relate/README.md``.

References
----------
Wang J (2007) Triadic IBD coefficients and applications to estimating pairwise
relatedness. Genetical Research 89:135-153.

Wang J (2011) COANCESTRY: a program for simulating, estimating and analysing
relatedness and inbreeding coefficients. Molecular Ecology Resources 11:141-145.
"""

from __future__ import annotations

from functools import cache
from itertools import product

import numpy as np
import pandas as pd

from .._ext import relate_ml as _kernel
from ..exceptions import ModelError
from ..model import GenotypeTable
from .likelihood import _error_vector
from .moments import LocusPanel, no_locus_reason, pair_frame, pair_indices, prepare_loci

__all__ = ["triadic_states", "simulate_references", "estimate_trioml", "trioml_with_chosen", "STOP_BELOW"]

#: The reference scan stops at the first triadic estimate below this value (as COANCESTRY).
STOP_BELOW = 1e-4
_N_GENES = 6


def _set_partitions(n: int):
    """Every partition of ``range(n)`` as a list of class labels."""
    if n == 0:
        yield []
        return
    for labels in _set_partitions(n - 1):
        for cls in range(max(labels, default=-1) + 2):
            yield [*labels, cls]


def _canonical(labels) -> tuple[int, ...]:
    """Relabel classes in order of first appearance."""
    seen: dict[int, int] = {}
    return tuple(seen.setdefault(c, len(seen)) for c in labels)


def _condensed(labels) -> tuple[int, ...]:
    """The smallest canonical labelling over exchanges of the two genes of each individual."""
    keys = []
    for flips in product((0, 1), repeat=_N_GENES // 2):
        order = [g for ind, f in enumerate(flips) for g in ((2 * ind + 1, 2 * ind) if f else (2 * ind, 2 * ind + 1))]
        keys.append(_canonical([labels[g] for g in order]))
    return min(keys)


@cache
def triadic_states(inbreeding: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The condensed identity states of three diploid individuals.

    Returns ``(labels, n_classes, r_weight)``: the class of each gene (x1, x2,
    y1, y2, z1, z2) per state, the number of classes, and each state's
    contribution to r_XY.  The last state has six classes (nothing identical
    by descent).

    >>> [len(triadic_states(b)[0]) for b in (False, True)]
    [16, 66]
    """
    states = set()
    for labels in _set_partitions(_N_GENES):
        if not inbreeding and any(labels[2 * i] == labels[2 * i + 1] for i in range(3)):
            continue
        states.add(_condensed(labels))
    # the unrelated state (0, 1, 2, 3, 4, 5) sorts last
    ordered = sorted(states, key=lambda s: (len(set(s)), s))
    labels = np.array(ordered, dtype=np.int32)
    n_classes = labels.max(axis=1).astype(np.int32) + 1
    same = labels[:, [0, 0, 1, 1]] == labels[:, [2, 3, 2, 3]]
    r_weight = 0.5 * same.sum(axis=1).astype(np.float64)
    return labels, n_classes, r_weight


def simulate_references(panel: LocusPanel, n_reference: int, seed: int | np.random.Generator | None) -> np.ndarray:
    """``(n_reference, loci, 2)`` allele indices of individuals unrelated to everybody.

    Both genes at every locus are drawn independently from the panel's allele
    frequencies (normalised over the observed alleles); loci left out of the
    panel get -1.
    """
    if n_reference < 1:
        raise ModelError("trioml needs at least one reference individual")
    rng = np.random.default_rng(seed)
    n_loci = panel.freq.shape[0]
    refs = np.full((n_reference, n_loci, 2), -1, dtype=np.int16)
    for l_idx in range(n_loci):
        if panel.n_alleles[l_idx] < 2:
            continue
        p = panel.freq[l_idx] / panel.freq[l_idx].sum()
        draws = rng.choice(p.size, size=(n_reference, 2), p=p)
        refs[:, l_idx] = np.sort(draws, axis=1)
    return refs


def trioml_kernel(panel: LocusPanel, pi: np.ndarray, pj: np.ndarray, inbreeding: bool, error: np.ndarray,
                  references: np.ndarray, locus_count: np.ndarray | None = None, num_threads: int = 1):
    """Run the triadic kernel: ``(r, reference index, ln LR, n_loci)`` per pair."""
    labels, n_classes, r_weight = triadic_states(inbreeding)
    n = pi.size
    r = np.empty(n)
    ref = np.empty(n, dtype=np.int32)
    lnlr = np.empty(n)
    n_loci = np.empty(n, dtype=np.int32)
    if locus_count is None:
        locus_count = np.ones(panel.freq.shape[0])
    _kernel._trioml(panel.calls, panel.freq, panel.n_alleles, np.ascontiguousarray(error, dtype=np.float64),
                    np.ascontiguousarray(locus_count, dtype=np.float64), labels, n_classes, r_weight,
                    np.ascontiguousarray(references, dtype=np.int16), pi, pj, STOP_BELOW, r, ref, lnlr, n_loci,
                    num_threads=num_threads)
    return r, ref, lnlr, n_loci


def estimate_trioml(
    table: GenotypeTable,
    inbreeding: bool = False,
    error_rates: float | np.ndarray | None = None,
    convention: str = "coancestry",
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    num_threads: int = 1,
    n_reference: int = 100,
    seed: int | np.random.Generator | None = None,
    reference_individuals: np.ndarray | None = None,
    reference: GenotypeTable | None = None,
) -> pd.DataFrame:
    """Wang's (2007) triadic maximum-likelihood relatedness of pairs.

    Parameters
    ----------
    table
        Diploid consensus genotypes, one row per individual.
    inbreeding
        Estimate all 66 triadic coefficients (else the 16 of outbred individuals).
    error_rates
        Genotyping error rate, one number or one per locus (default none).
    convention
        As for :func:`genmon.relate.estimate_dyadml`.
    pairs, num_threads
        As for :func:`genmon.relate.estimate_relatedness`.
    n_reference, seed
        How many unrelated reference individuals to simulate, and the seed.
    reference_individuals
        Reference genotypes ``(n, loci, 2)`` as allele indices of the table
        (from :func:`simulate_references`); replaces ``n_reference`` and ``seed``.
    reference
        Table the allele frequencies come from, as for
        :func:`genmon.relate.estimate_dyadml` (default ``table``).

    Returns
    -------
    pandas.DataFrame
        ``id_1, id_2, n_loci, trioml``, ``trioml_lnlr`` (log-likelihood ratio of
        the estimate against no identity by descent in the triad),
        ``trioml_reference`` (index of the reference that gave the estimate)
        and ``reason``.

    Examples
    --------
    Two individuals sharing a rare genotype are estimated identical whatever the
    reference: one locus, alleles 1 and 2 at frequencies 0.9 and 0.1.

    >>> calls = np.array([[[2, 2]], [[2, 2]]] + [[[1, 1]]] * 8 + [[[1, 2]]] * 2)
    >>> t = GenotypeTable.from_alleles(calls, ["L1"])
    >>> est = estimate_trioml(t, pairs=([0], [1]), seed=1)
    >>> round(float(est["trioml"].iloc[0]), 6)
    1.0
    """
    panel = prepare_loci(table, convention, reference, num_threads)
    error = _error_vector(error_rates, table.n_loci)
    references = reference_individuals
    if references is None:
        references = simulate_references(panel, n_reference, seed)
    pi, pj = pair_indices(table, pairs)
    r, ref, lnlr, n_loci = trioml_kernel(panel, pi, pj, inbreeding, error, references, num_threads=num_threads)
    result = pair_frame(table, pi, pj, n_loci)
    result["trioml"] = r
    result["trioml_lnlr"] = lnlr
    result["trioml_reference"] = ref
    result["reason"] = no_locus_reason(n_loci)
    return result



def trioml_with_chosen(panel: LocusPanel, pi: np.ndarray, pj: np.ndarray, inbreeding: bool, error: np.ndarray,
                       references: np.ndarray, chosen: np.ndarray, locus_count: np.ndarray,
                       num_threads: int = 1) -> np.ndarray:
    """TrioML of each pair against one given reference each (``chosen``, -1 = NaN), loci weighted by
    ``locus_count``: a bootstrap replicate keeps the reference of the pair's point estimate, as
    COANCESTRY does."""
    out = np.full(pi.size, np.nan)
    for z in np.unique(chosen[chosen >= 0]):
        sel = np.flatnonzero(chosen == z)
        out[sel] = trioml_kernel(panel, pi[sel], pj[sel], inbreeding, error, references[z:z + 1], locus_count,
                                 num_threads)[0]
    return out
