"""Heterozygote-excess estimate of the effective number of breeders (Nb).

Pudovkin, Zaykin & Hedgecock (1996) and Zhdanova & Pudovkin (2008), as
NeEstimator v2 computes it:

* per allele i at locus j (N_j individuals typed, frequency p):
  Hexp = 2p(1 - p)[1 + 1/(2N_j - 1)], Hobs = share of individuals
  heterozygous for i, D_ij = (Hobs - Hexp)/Hexp;
* alleles below Pcrit are lumped into one allele (a locus whose common
  allele exceeds 1 - Pcrit is not used);
* D_j = mean of D_ij over the n_j alleles; locus weight W_j = (n_j - 1) sqrt(N_j);
  D = sum W_j D_j / sum W_j; Nb = 1/(2D) + 1/(2(D + 1)), infinite for D <= 0;
* SE(D) = sqrt{[(D2 - D^2)/N_I] [W^2/(W^2 - V)]}, D2 the weighted mean of the
  per-locus mean D_ij^2, W = sum W_j, V = sum W_j^2/n_j, N_I = sum (n_j - 1)
  (the independent alleles, Pudovkin et al. 2010); the 95 % CI is D +- t SE
  with N_I degrees of freedom, mapped through the Nb formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..model import GenotypeTable
from ._common import (
    NE_INFINITE,
    check_quantiles,
    diploid_calls,
    empty_row,
    frame,
    populations,
    t_quantile,
)
from .ld import DEFAULT_PCRIT, MIN_INDIVIDUALS, _local_genotypes, _locus_ok, parse_pcrit

__all__ = ["estimate_nb_hetx", "nb_from_d"]

_EPS = 1e-9  # NeEstimator's zero for D


def nb_from_d(d: float) -> float:
    """Nb = (2D + 1) / (2D (D + 1)) (Pudovkin et al. 1996, eq. 4); ``inf`` for D <= 0.

    >>> round(nb_from_d(0.04443), 1)   # nancycats colony 9
    11.7
    """
    if d <= _EPS:
        return float("inf")
    return (2 * d + 1) / (2 * d * (d + 1))


def _het_d(het: np.ndarray, freq: np.ndarray, typed: int) -> np.ndarray:
    h_obs = het / typed
    h_exp = 2 * freq * (1 - freq) * (1 + 1.0 / (2 * typed - 1))
    d = (h_obs - h_exp) / h_exp
    return np.where(np.abs(d) < _EPS, 0.0, d)


def _hetx_one(
    geno: np.ndarray, n_alleles: np.ndarray, counts: np.ndarray, ok: np.ndarray, pcrit: float
) -> dict:
    """Weighted mean D and its SE for one population at one Pcrit."""
    cut = np.float32(pcrit)
    upper = np.float32(1) - cut
    w_tot = y = s2 = v = 0.0
    n_ind_alleles = 0
    poly = 0
    inv_n = 0.0
    for j in np.nonzero(ok)[0]:
        na = int(n_alleles[j])
        if na < 2:
            continue
        g = geno[:, j, :]
        typed_rows = g[:, 0] >= 0
        typed = int(typed_rows.sum())
        g = g[typed_rows]
        cnt = counts[j, :na].astype(np.float64)
        freq = cnt / (2 * typed)
        f32 = (np.float32(1) * cnt.astype(np.float32)) / np.float32(2 * typed)
        homo = np.bincount(g[g[:, 0] == g[:, 1], 0], minlength=na)[:na]
        het = cnt - 2 * homo
        d_all = _het_d(het, freq, typed)
        used = (f32 >= cut) & (f32 <= upper) & (cnt > 0)
        low = (f32 < cut) & (cnt > 0)
        if not used.any():
            continue
        ds = list(d_all[used])
        if low.sum() == 1:
            ds.append(float(d_all[low][0]))
        elif low.sum() > 1:
            is_low = low[g]
            het_low = int((is_low[:, 0] != is_low[:, 1]).sum())
            ds.append(float(_het_d(np.array([het_low]), np.array([freq[low].sum()]), typed)[0]))
        n_a = len(ds)
        n_ind_alleles += n_a - 1
        ds = np.asarray(ds)
        d_j = ds.mean()
        d2_j = (ds**2).mean()
        if n_a > 1:
            poly += 1
            inv_n += 1.0 / typed
        r = math.sqrt(typed) * (n_a - 1)
        w_tot += r
        y += d_j * r
        s2 += d2_j * r
        v += r * r / n_a
    return dict(w=w_tot, y=y, s2=s2, v=v, n_ind=n_ind_alleles, poly=poly, inv_n=inv_n)


def estimate_nb_hetx(
    table: GenotypeTable,
    pcrit: Sequence | str | float = DEFAULT_PCRIT,
    *,
    by: str | None = "population",
    quantiles: str = "neestimator",
) -> pd.DataFrame:
    """Heterozygote-excess Nb per population and Pcrit, with its parametric 95 % CI.

    ``"nosingletons"`` has no meaning for this method and is skipped (as in
    NeEstimator).  Columns as :data:`genmon.ne.COLUMNS`: ``method`` is
    ``"hetx"``, ``s_harmonic`` the harmonic mean of individuals typed per used
    locus, ``n_comparisons`` the independent alleles, ``d`` the weighted mean D,
    ``ne`` the Nb estimate.

    References
    ----------
    Pudovkin A.I., Zaykin D.V. & Hedgecock D. (1996) On the potential for
    estimating the effective number of breeders from heterozygote-excess in
    progeny. Genetics 144:383-387.
    Zhdanova O.L. & Pudovkin A.I. (2008) Nb_HetEx: a program to estimate the
    effective number of breeders. Journal of Heredity 99:694-695.
    Pudovkin A.I., Zhdanova O.L. & Hedgecock D. (2010) Sampling properties of
    the heterozygote-excess estimator of the effective number of breeders.
    Conservation Genetics 11:759-771.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles(
    ...     [[[1, 2], [1, 2]], [[1, 2], [2, 3]], [[1, 2], [1, 3]], [[1, 1], [2, 2]]], ["A", "B"])
    >>> out = estimate_nb_hetx(t, pcrit=[0], by=None)
    >>> out[["n_comparisons", "d", "ne"]].round(5).values.tolist()
    [[3.0, 0.17963, 3.20737]]
    """
    check_quantiles(quantiles)
    levels = [lv for lv in parse_pcrit(pcrit) if not lv[2]]
    if not levels:
        raise ModelError(
            "heterozygote excess needs a numeric Pcrit ('nosingletons' does not apply)"
        )
    rows = []
    for pop, idx in populations(table, by):
        n_ind = len(idx)
        if n_ind < MIN_INDIVIDUALS:
            rows += [
                empty_row(pop, "hetx", label, n_ind, "fewer than 3 individuals")
                for label, _, _ in levels
            ]
            continue
        geno, n_alleles, counts = _local_genotypes(diploid_calls(table, idx))
        for label, value, _ in levels:
            ok = _locus_ok(counts, value, False) & (n_alleles > 1)
            acc = _hetx_one(geno, n_alleles, counts, ok, value)
            row = empty_row(pop, "hetx", label, n_ind, "")
            row["n_loci"] = acc["poly"]
            if acc["w"] <= 0:
                row["reason"] = "no polymorphic locus passes Pcrit"
                rows.append(row)
                continue
            d = acc["y"] / acc["w"]
            dof = acc["n_ind"]
            ratio1 = max((acc["s2"] / acc["w"] - d * d) / dof, 0.0)
            w2 = acc["w"] ** 2
            se = math.sqrt(ratio1 * w2 / (w2 - acc["v"])) if w2 > acc["v"] else float("nan")
            t = t_quantile(dof, quantiles)
            row.update(
                s_harmonic=acc["poly"] / acc["inv_n"],
                n_comparisons=float(dof),
                d=d,
                ne=nb_from_d(d),
                ci_param_low=nb_from_d(d + t * se),
                ci_param_high=nb_from_d(d - t * se),
            )
            for key in ("ne", "ci_param_low", "ci_param_high"):
                if row[key] >= NE_INFINITE:
                    row[key] = float("inf")
            rows.append(row)
    return frame(rows)
