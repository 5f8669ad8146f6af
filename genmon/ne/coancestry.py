"""Molecular-coancestry estimate of the effective number of breeders (Nomura 2008).

As NeEstimator v2 computes it, per population, over polymorphic loci (no Pcrit):

* the molecular coancestry of two individuals at a locus is the share of the
  four allele comparisons that match (0, 1/4, ..., 1);
* for locus p, f_m is the mean coancestry over all pairs typed at p, and s the
  mean coancestry at p of *putative non-sibs*: for each individual i typed at p,
  the individual j (typed at p) with the smallest mean coancestry over the other
  loci (ties within (0.5/L)^2 keep the first; a pair (j, i) already chosen from
  j's side is not chosen again);
* f1 = sum_p w_p (f_m - s)_p / (1 - s_p) / sum_p w_p, with
  w_p = (1 - s_p)^2 / [F_p (1 - F_p)], F_p = sum of squared allele frequencies;
* Nb = 1 / (2 f1), infinite for f1 <= 0; 95 % CI from a jackknife over loci
  (degrees of freedom 2 f^2 / var of the leave-one-locus-out f1, chi-square).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ._common import (
    NE_INFINITE,
    check_quantiles,
    chi2_limits,
    diploid_calls,
    empty_row,
    frame,
    populations,
)
from .ld import MIN_INDIVIDUALS, _local_genotypes

__all__ = ["estimate_nb_coancestry", "nb_from_f1"]

_EPS = 1e-9


def nb_from_f1(f1: float) -> float:
    """Nb = 1 / (2 f1) (Nomura 2008); ``inf`` for f1 <= 0.

    >>> round(nb_from_f1(0.08741), 1)
    5.7
    """
    if abs(2 * f1) < _EPS or f1 < 0:
        return math.inf
    nb = 1 / (2 * f1)
    return math.inf if nb >= NE_INFINITE else nb


def _similarity(geno: np.ndarray, p: int) -> np.ndarray:
    """(n, n) matching allele comparisons (0-4) at locus p; -1 where either is untyped."""
    a = geno[:, p, :]
    sim = np.zeros((a.shape[0], a.shape[0]), dtype=np.int16)
    for u in range(2):
        for v in range(2):
            sim += a[:, None, u] == a[None, :, v]
    typed = a[:, 0] >= 0
    return np.where(typed[:, None] & typed[None, :], sim, -1)


def _first_smallest(values: np.ndarray, candidates: np.ndarray, tol: float) -> int:
    """NeEstimator's scan: the first candidate, replaced only by one smaller by more than ``tol``."""
    v = values[candidates]
    best = int(np.argmin(v))
    if (np.delete(v, best) > v[best] + tol).all():
        return int(candidates[best])  # a clear minimum: the scan ends on it
    fmin, jmin = 5.0, -1
    for j, f in zip(candidates, v, strict=True):
        if f + tol < fmin:
            fmin, jmin = f, int(j)
    return jmin


def _locus_terms(
    sim_p: np.ndarray, total: np.ndarray, counted: np.ndarray, tol: float
) -> tuple[float, float]:
    """(f_m, s) at one used locus (similarities ``sim_p``), given per-pair totals over all used loci."""
    n = sim_p.shape[0]
    typed_p = sim_p.diagonal() >= 0
    iu = np.triu_indices(n, 1)
    at_p = sim_p[iu]
    ok = at_p >= 0
    fm = at_p[ok].sum() / 4 / ok.sum() if ok.any() else 0.0
    # mean matching over the *other* used loci, per pair typed at both
    cnt = counted - (sim_p >= 0)
    tot = total - np.where(sim_p >= 0, sim_p, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_other = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.inf)
    chosen = np.zeros((n, n), dtype=bool)  # chosen[j, i]: pair (j, i), j < i, picked from j
    s_total, n_found = 0.0, 0
    for i in np.nonzero(typed_p)[0]:
        cand = typed_p.copy()
        cand[i] = False
        cand[:i] &= ~chosen[:i, i]
        cand &= np.isfinite(mean_other[i])
        candidates = np.nonzero(cand)[0]
        if candidates.size == 0:
            continue
        jmin = _first_smallest(mean_other[i], candidates, tol)
        if jmin < 0:
            continue
        n_found += 1
        s_total += sim_p[i, jmin] / 4
        if jmin > i:
            chosen[i, jmin] = True
    return fm, (s_total / n_found if n_found else 0.0)


def estimate_nb_coancestry(
    table: GenotypeTable, *, by: str | None = "population", quantiles: str = "neestimator"
) -> pd.DataFrame:
    """Nb from molecular coancestry (Nomura 2008), one row per population.

    Columns as :data:`genmon.ne.COLUMNS`: ``method`` is ``"coancestry"``,
    ``pcrit`` ``"none"`` (the method uses every polymorphic locus), ``f`` the
    estimate f1, ``s_harmonic`` the harmonic mean of individuals typed per
    polymorphic locus, ``ci_jack_*`` the jackknife over loci.

    References
    ----------
    Nomura T. (2008) Estimation of effective number of breeders from molecular
    coancestry of single cohort sample. Evolutionary Applications 1:462-474.
    """
    check_quantiles(quantiles)
    rows = []
    for pop, idx in populations(table, by):
        n_ind = len(idx)
        row = empty_row(pop, "coancestry", "none", n_ind, "")
        if n_ind < MIN_INDIVIDUALS:
            row["reason"] = "fewer than 3 individuals"
            rows.append(row)
            continue
        geno, n_alleles, counts = _local_genotypes(diploid_calls(table, idx))
        poly = np.nonzero(n_alleles > 1)[0]
        if len(poly) < 2:
            row["reason"] = "fewer than 2 polymorphic loci"
            rows.append(row)
            continue
        sub = np.ascontiguousarray(geno[:, poly])
        total = np.zeros((n_ind, n_ind), dtype=np.int64)
        counted = np.zeros((n_ind, n_ind), dtype=np.int64)
        for k in range(len(poly)):
            sim_k = _similarity(sub, k)
            total += np.where(sim_k >= 0, sim_k, 0)
            counted += sim_k >= 0
        tol = (0.5 / table.n_loci) ** 2
        fdiff, sp, wts, vps, inv_n = [], [], [], [], 0.0
        for k, p in enumerate(poly):
            fm, s = _locus_terms(_similarity(sub, k), total, counted, tol)
            freq = counts[p, : n_alleles[p]] / counts[p, : n_alleles[p]].sum()
            f2 = float((freq**2).sum())
            vp = (1 - s) / (f2 * (1 - f2)) if f2 * (1 - f2) != 0 else 0.0
            fdiff.append(fm - s)
            sp.append(s)
            wts.append((1 - s) * vp)
            vps.append(vp)
            inv_n += 1.0 / ((geno[:, p, 0] >= 0).sum())
        fdiff, sp, wts, vps = np.array(fdiff), np.array(sp), np.array(wts), np.array(vps)
        f1 = float((vps * fdiff).sum() / wts.sum()) if wts.sum() > 0 else math.nan
        row.update(f=f1, ne=nb_from_f1(f1), s_harmonic=len(poly) / inv_n, n_loci=len(poly))
        use = wts > 0
        if use.sum() > 1:
            fval = fdiff[use] / (1 - sp[use])
            w = wts[use]
            tot_f, tot_w = (fval * w).sum(), w.sum()
            loo = (tot_f - fval * w) / (tot_w - w)
            m = len(loo)
            var = (m - 1) / m * ((loo - loo.mean()) ** 2).sum()
            mean = loo.mean()
            df = (
                1
                if mean == 0
                else (
                    2_000_000_000
                    if var / mean**2 <= 1e-9
                    else max(1, int(math.floor(2 * mean**2 / var + 0.5)))
                )
            )
            lo, hi = chi2_limits(df, tot_f / tot_w, quantiles)
            row["ci_jack_low"], row["ci_jack_high"] = nb_from_f1(hi), nb_from_f1(lo)
            row["jack_df"] = df
        rows.append(row)
    return frame(rows)
