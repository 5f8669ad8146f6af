"""Moment estimators of pairwise relatedness for codominant diploid loci.

Five estimators, computed for every pair (or a given list of pairs) by the
``relatedness`` kernel:

``qg``
    Queller & Goodnight (1989).
``lr``
    Lynch & Ritland (1999), each individual in turn as reference, averaged.
``lynchli``
    Lynch (1988) / Li, Weeks & Chakravarti (1993) similarity estimator.
``ritland``
    Ritland (1996).
``wang``
    Wang (2002).

Conventions that change numbers (``convention``):

``"coancestry"`` (default)
    What COANCESTRY (Wang 2011) and the R package related compute, checked on
    related's example data to the 4 decimals it prints: allele frequencies from
    every complete genotype in the sample, floored at 1e-4; QG with the two
    reference orders *pooled* (numerators and denominators summed);
    Lynch & Ritland with a biallelic frequency in (0.499, 0.501) nudged to
    0.501/0.499; Ritland's locus estimates *averaged* over loci; Wang and
    Lynch & Li with the plain (biased) moments ``a_k = Σ p^k``; with only
    biallelic loci Wang's f and g set to 1e-50.
``"published"``
    The papers' forms: QG the mean of the two reference orders' ratios (as
    Wang 2017 writes it), Ritland weighted by ``k_l - 1`` (Ritland 1996), Wang
    (2002) and Lynch & Li with the unbiased moments of Wang (2002, eq. 12) from
    the ``N`` sampled gene copies, no nudging or flooring.

``frequencies="exclude_pair"`` removes the pair's own gene copies from the
frequencies used by QG, Lynch & Ritland and Ritland (as Queller & Goodnight
recommend); Lynch & Li and Wang always use the whole-sample moments.

References
----------
Queller DC, Goodnight KF (1989) Estimating relatedness using genetic markers.
Evolution 43:258-275.

Lynch M, Ritland K (1999) Estimation of pairwise relatedness with molecular
markers. Genetics 152:1753-1766.

Li CC, Weeks DE, Chakravarti A (1993) Similarity of DNA fingerprints due to
chance and relatedness. Human Heredity 43:45-52.

Ritland K (1996) Estimators for pairwise relatedness and individual inbreeding
coefficients. Genetical Research 67:175-185.

Wang J (2002) An estimator for pairwise relatedness using molecular markers.
Genetics 160:1203-1215.

Wang J (2011) COANCESTRY: a program for simulating, estimating and analysing
relatedness and inbreeding coefficients. Molecular Ecology Resources 11:141-145.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._ext import relatedness as _kernel
from ..exceptions import GenmonWarning, ModelError
from ..model import GenotypeTable
from ..tally import count_alleles

__all__ = ["ESTIMATORS", "CONVENTIONS", "MonomorphicLocusWarning", "locus_coefficients", "all_pairs",
           "estimate_relatedness"]

ESTIMATORS = ("qg", "lr", "lynchli", "ritland", "wang")
CONVENTIONS = ("coancestry", "published")
_FREQ_FLOOR = 1e-4


class MonomorphicLocusWarning(GenmonWarning):
    """A locus has fewer than two alleles in the sample and carries no information."""


def _complete_calls(table: GenotypeTable) -> np.ndarray:
    """Calls with partially missing genotypes set fully missing (they are not used)."""
    calls = table.call_genotype.copy()
    partial = (calls < 0).any(axis=2)
    calls[partial] = -1
    return calls


def _moments(freqs: np.ndarray, n_copies: int, unbiased: bool) -> tuple[float, float, float]:
    a2, a3, a4 = ((freqs**k).sum() for k in (2, 3, 4))
    if not unbiased:
        return a2, a3, a4
    n = float(n_copies)
    if n < 4:
        return float("nan"), float("nan"), float("nan")
    # Wang (2002) eq. 12: unbiased estimates of sums of powers from n sampled genes.
    u2 = (n * a2 - 1) / (n - 1)
    u3 = (n**2 * a3 - 3 * (n - 1) * u2 - 1) / ((n - 1) * (n - 2))
    u4 = (n**3 * a4 - 6 * (n - 1) * (n - 2) * u3 - 7 * (n - 1) * u2 - 1) / (n**3 - 6 * n**2 + 11 * n - 6)
    return u2, u3, u4


def locus_coefficients(freqs: np.ndarray, n_copies: int, unbiased: bool = False) -> np.ndarray:
    """Wang's (2002) b, c, d, e, f, g, the locus weight 1/u and Lynch & Li's S0 for one locus.

    Examples
    --------
    Two equally common alleles: a2 = 1/2, a3 = 1/4, a4 = 1/8, so b = 2/4 - 1/8 = 3/8,
    c = 1/2 - 1/2 + 1/8, d = 4(1/4 - 1/8), e = f = g = 0 (a biallelic locus cannot
    show the AB/AC pattern), u = 2a2 - a3 = 3/4.

    >>> locus_coefficients(np.array([0.5, 0.5]), 100).round(4).tolist()
    [0.375, 0.125, 0.5, 0.0, 0.0, 0.0, 1.3333, 0.75]
    """
    a2, a3, a4 = _moments(freqs, n_copies, unbiased)
    u = 2 * a2 - a3
    return np.array([
        2 * a2**2 - a4,
        a2 - 2 * a2**2 + a4,
        4 * (a3 - a4),
        2 * (a2 - 3 * a3 + 2 * a4),
        4 * (a2 - a2**2 - 2 * a3 + 2 * a4),
        1 - 7 * a2 + 4 * a2**2 + 10 * a3 - 8 * a4,
        1 / u if u > 0 else 0.0,
        u,
    ])


def all_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i, j), i < j, of every pair of ``n`` individuals in row-major order."""
    i, j = np.triu_indices(n, k=1)
    return i.astype(np.int64), j.astype(np.int64)


@dataclass(frozen=True)
class LocusPanel:
    """What the pairwise kernels read: complete calls and per-locus allele frequencies.

    ``freq`` is zero at loci left out (untyped or monomorphic); under the
    ``"coancestry"`` convention observed frequencies are floored at 1e-4 as
    COANCESTRY does.  ``n_alleles`` counts the alleles observed in the
    frequency source.
    """

    calls: np.ndarray
    freq: np.ndarray
    counts: np.ndarray
    totals: np.ndarray
    n_alleles: np.ndarray
    convention: str

    def moment_coefficients(self) -> np.ndarray:
        """Wang's (2002) locus coefficients, weight and Lynch & Li's S0 per locus (zeros where left out)."""
        coef = np.zeros((self.freq.shape[0], 8))
        for l_idx in range(self.freq.shape[0]):
            if self.n_alleles[l_idx] >= 2:
                seen = self.counts[l_idx] > 0
                coef[l_idx] = locus_coefficients(self.freq[l_idx][seen], int(self.totals[l_idx]),
                                                 unbiased=self.convention != "coancestry")
        return coef


def check_relatedness_table(table: GenotypeTable) -> None:
    """Relatedness needs one diploid consensus genotype per individual."""
    if table.ploidy != 2:
        raise ModelError(f"relatedness estimators need diploid genotypes, this table has ploidy {table.ploidy}")
    if table.has_replicates:
        raise ModelError("the table holds PCR replicates: build consensus genotypes first (genmon consensus)")
    if table.samples["sample_id"].duplicated().any():
        dup = table.samples["sample_id"][table.samples["sample_id"].duplicated()].iloc[0]
        raise ModelError(f"sample {dup} appears more than once: relatedness needs one row per individual")


def prepare_loci(table: GenotypeTable, convention: str = "coancestry", reference: GenotypeTable | None = None,
                 num_threads: int = 1) -> LocusPanel:
    """Check the table and compute the allele frequencies every pairwise estimator uses.

    Frequencies come from every complete genotype of ``table`` (or of
    ``reference``, same loci and allele tables); a locus with fewer than two
    alleles, or typed in fewer than two individuals, warns
    (:class:`MonomorphicLocusWarning`) and is left out.
    """
    if convention not in CONVENTIONS:
        raise ModelError(f"unknown convention {convention!r}; choose from {', '.join(CONVENTIONS)}")
    check_relatedness_table(table)
    calls = _complete_calls(table)
    width = max(2, max((locus.n_alleles for locus in table.loci), default=2))
    if reference is not None and reference.loci != table.loci:
        raise ModelError("the reference table must have the same loci and allele tables as the genotypes")
    source = calls if reference is None else _complete_calls(reference)
    counts = count_alleles(source, n_alleles=width, num_threads=num_threads)
    totals = counts.sum(axis=1)
    freq = np.zeros((table.n_loci, width))
    n_alleles = (counts > 0).sum(axis=1).astype(np.int32)
    # a pair needs both members typed, so a locus typed in one individual of the table informs no pair
    n_typed = (calls[:, :, 0] >= 0).sum(axis=0)
    for l_idx, locus in enumerate(table.loci):
        if totals[l_idx] == 0:
            warnings.warn(MonomorphicLocusWarning(
                f"locus {locus.name}: typed in no individual; it is left out of relatedness"), stacklevel=3)
            continue
        if n_typed[l_idx] < 2:
            warnings.warn(MonomorphicLocusWarning(
                f"locus {locus.name}: typed in one individual only; it is left out of relatedness"), stacklevel=3)
            n_alleles[l_idx] = 0  # the kernels skip loci with fewer than two alleles
            continue
        f = counts[l_idx] / totals[l_idx]
        if n_alleles[l_idx] < 2:
            warnings.warn(MonomorphicLocusWarning(
                f"locus {locus.name}: {n_alleles[l_idx]} allele(s) in the sample; it is left out of relatedness"),
                stacklevel=3)
            continue
        if convention == "coancestry":
            f = np.where(counts[l_idx] > 0, np.maximum(f, _FREQ_FLOOR), 0.0)
        freq[l_idx] = f
    return LocusPanel(calls, freq, counts, totals, n_alleles, convention)


def pair_indices(table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, np.ndarray]:
    """Contiguous int64 ``(i, j)`` row indices: every pair by default, else the given ones, checked."""
    if pairs is None:
        return all_pairs(table.n_samples)
    pi, pj = (np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for v in pairs)
    if pi.shape != pj.shape or (pi.size and (min(pi.min(), pj.min()) < 0 or max(pi.max(), pj.max()) >= table.n_samples)):
        raise ModelError("pair indices must be equal-length arrays of row indices")
    return pi, pj


def pair_frame(table: GenotypeTable, pi: np.ndarray, pj: np.ndarray, n_loci: np.ndarray) -> pd.DataFrame:
    """``id_1, id_2, n_loci`` with categorical ids (memory linear in individuals, not in pairs)."""
    ids = pd.Index(table.sample_id.astype(str))
    return pd.DataFrame({"id_1": pd.Categorical.from_codes(pi, categories=ids),
                         "id_2": pd.Categorical.from_codes(pj, categories=ids), "n_loci": n_loci})


def no_locus_reason(n_loci: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes((n_loci == 0).astype(np.int8), categories=["", "no locus typed in both individuals"])


def moment_kernel(panel: LocusPanel, coef: np.ndarray, pi: np.ndarray, pj: np.ndarray, frequencies: str = "sample",
                  num_threads: int = 1, loci: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run the moment kernel: ``(pairs, 5)`` estimates in :data:`ESTIMATORS` order and loci compared.

    ``loci`` optionally lists the loci to use, with repeats (a bootstrap resample).
    """
    arrays = (panel.calls, panel.freq, panel.counts, panel.totals, panel.n_alleles, coef)
    if loci is not None:
        arrays = tuple(np.ascontiguousarray(a[:, loci] if k == 0 else a[loci]) for k, a in enumerate(arrays))
    out = np.empty((pi.size, 5))
    n_loci = np.empty(pi.size, dtype=np.int32)
    coancestry = panel.convention == "coancestry"
    _kernel._moment_estimators(
        *arrays, pi, pj, out, n_loci,
        qg_pooled=int(coancestry), ritland_weighted=int(not coancestry), lr_perturb=int(coancestry),
        wang_biallelic_fix=int(coancestry), exclude_pair=int(frequencies == "exclude_pair"), num_threads=num_threads,
    )
    return out, n_loci


def estimate_relatedness(
    table: GenotypeTable,
    estimators: Sequence[str] = ESTIMATORS,
    convention: str = "coancestry",
    frequencies: str = "sample",
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    num_threads: int = 1,
    reference: GenotypeTable | None = None,
) -> pd.DataFrame:
    """Pairwise relatedness by the moment estimators.

    Parameters
    ----------
    table
        Diploid genotypes, one row per individual (consensus genotypes).
    estimators
        Any of :data:`ESTIMATORS`; all are computed, these are returned.
    convention
        ``"coancestry"`` or ``"published"`` (see the module documentation).
    frequencies
        ``"sample"`` or ``"exclude_pair"``.
    pairs
        Optional ``(i, j)`` index arrays; every pair by default.
    num_threads
        Threads for the kernel; results do not depend on it.
    reference
        Take allele frequencies from this table (same loci and allele tables)
        instead of from ``table`` itself, e.g. a population sample when
        ``table`` holds simulated pairs.

    Returns
    -------
    pandas.DataFrame
        ``id_1, id_2, n_loci``, one column per estimator, and ``reason``
        (non-empty where the pair shares no typed locus and the estimates are NaN).
    """
    unknown = set(estimators) - set(ESTIMATORS)
    if unknown:
        raise ModelError(f"unknown estimators {', '.join(sorted(unknown))}; choose from {', '.join(ESTIMATORS)}")
    if frequencies not in ("sample", "exclude_pair"):
        raise ModelError(f"unknown frequencies {frequencies!r}; choose sample or exclude_pair")
    panel = prepare_loci(table, convention, reference, num_threads)
    pi, pj = pair_indices(table, pairs)
    out, n_loci = moment_kernel(panel, panel.moment_coefficients(), pi, pj, frequencies, num_threads)
    result = pair_frame(table, pi, pj, n_loci)
    for k, name in enumerate(ESTIMATORS):
        if name in estimators:
            result[name] = out[:, k]
    result["reason"] = no_locus_reason(n_loci)
    return result
