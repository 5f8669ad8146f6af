"""Probability of identity of unrelated individuals and of siblings (``identity.tsv``).

For a locus with allele frequencies ``p_i`` and ``a_k = sum_i p_i^k``
(Waits, Luikart & Taberlet 2001)::

    PI      = 2 a_2^2 - a_4
    PIsibs  = 0.25 + 0.5 a_2 + 0.5 a_2^2 - 0.25 a_4

and the small-sample unbiased PI (Paetkau et al. 1998, after Kendall &
Stuart 1977)::

    PI_unb = [m^3 (2 a_2^2 - a_4) - 2 m^2 (a_3 + 2 a_2) + m (9 a_2 + 2) - 6]
             / [(m - 1)(m - 2)(m - 3)]

with ``m = 2n``, the number of gene copies sampled (``n`` typed
individuals): with ``m`` gene copies drawn multinomially it is exactly
unbiased; some programs plug in ``n`` instead, which gives other numbers.
Multi-locus values are products over loci (independence assumed); loci are
ranked from most to least informative by PIsibs (ties by PI), the
conservative bound Waits et al. recommend reporting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ._common import (
    PanelPowerWarning,
    allele_counts_from_genotypes,
    diploid_calls,
    genotype_matrices,
    warn,
)

__all__ = ["IdentityResult", "probability_of_identity", "pi_from_frequencies", "IDENTITY_COLUMNS"]

IDENTITY_COLUMNS = [
    "rank", "locus", "n_typed", "n_alleles", "pi", "pi_unbiased", "pi_sibs",
    "cum_pi", "cum_pi_unbiased", "cum_pi_sibs", "reason",
]


def pi_from_frequencies(p: np.ndarray, m: int | None = None) -> tuple[float, float, float]:
    """``(PI, PI_unbiased, PIsibs)`` of one locus; ``m`` gene copies (NaN unbiased PI if None or < 4).

    Examples
    --------
    Two alleles at 0.5: a_2 = 0.5, a_3 = 0.25, a_4 = 0.125, so PI = 2(0.25) -
    0.125 = 0.375 and PIsibs = 0.25 + 0.25 + 0.125 - 0.03125 = 0.59375.  With
    m = 10 gene copies: [1000(0.375) - 200(0.25 + 1) + 10(4.5 + 2) - 6] /
    (9 * 8 * 7) = 184 / 504 = 0.365079.

    >>> [round(x, 6) for x in pi_from_frequencies(np.array([0.5, 0.5]), m=10)]
    [0.375, 0.365079, 0.59375]

    References
    ----------
    Waits LP, Luikart G, Taberlet P (2001) Mol Ecol 10:249-256.  Paetkau D,
    Waits LP, Clarkson PL, Craighead L, Strobeck C (1998) Genetics 147:1943-1957.
    """
    p = np.asarray(p, dtype=np.float64)
    a2, a3, a4 = (float((p**k).sum()) for k in (2, 3, 4))
    pi = 2 * a2 * a2 - a4
    sibs = 0.25 + 0.5 * a2 + 0.5 * a2 * a2 - 0.25 * a4
    if m is None or m < 4:
        unb = float("nan")
    else:
        unb = (m**3 * (2 * a2 * a2 - a4) - 2 * m**2 * (a3 + 2 * a2) + m * (9 * a2 + 2) - 6) / (
            (m - 1) * (m - 2) * (m - 3)
        )
    return pi, unb, sibs


@dataclass
class IdentityResult:
    """Per-locus and cumulative probabilities of identity.

    ``loci_needed`` maps each PIsibs threshold to the number of loci (in rank
    order) needed to fall below it, or ``None`` when the panel cannot.
    """

    table: pd.DataFrame
    loci_needed: dict[float, int | None] = field(default_factory=dict)
    loci_needed_pi: dict[float, int | None] = field(default_factory=dict)


def probability_of_identity(table: GenotypeTable, thresholds=(0.01, 0.001)) -> IdentityResult:
    """PI, unbiased PI and PIsibs per locus with cumulative products (pooled sample).

    Frequencies come from complete diploid calls; loci typed in nobody, or
    with fewer than two gene copies, are NaN (reason given) and left out of
    the products.  A :class:`PanelPowerWarning` is issued for each PIsibs
    threshold the whole panel cannot reach.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[1, 2]], [[1, 1]], [[2, 2]], [[1, 2]], [[1, 2]]], ["A"])
    >>> r = probability_of_identity(t, thresholds=(0.6,))
    >>> r.table[["pi", "pi_sibs"]].round(5).values.tolist(), r.loci_needed
    ([[0.375, 0.59375]], {0.6: 1})
    """
    d = diploid_calls(table)
    rows = []
    for j, locus in enumerate(table.loci):
        geno = genotype_matrices(d, np.zeros(table.n_samples, np.int64), 1, j)[0]
        counts = allele_counts_from_genotypes(geno)
        n = int(geno.sum())
        reason = ""
        if n == 0:
            pi = unb = sibs = float("nan")
            reason = "no typed individuals"
        else:
            pi, unb, sibs = pi_from_frequencies(counts / counts.sum(), m=2 * n)
            if 2 * n < 4:
                reason = "unbiased PI needs at least 2 typed individuals"
        rows.append({"locus": locus.name, "n_typed": n, "n_alleles": int((counts > 0).sum()),
                     "pi": pi, "pi_unbiased": unb, "pi_sibs": sibs, "reason": reason})
    df = pd.DataFrame(rows)
    order = np.lexsort((np.arange(len(df)), df["pi"].fillna(np.inf).to_numpy(), df["pi_sibs"].fillna(np.inf).to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    for col in ("pi", "pi_unbiased", "pi_sibs"):
        vals = df[col].to_numpy(float)
        df["cum_" + col] = np.cumprod(np.where(np.isnan(vals), 1.0, vals))
        df.loc[np.isnan(df["pi"].to_numpy(float)), "cum_" + col] = np.nan
    df = df[IDENTITY_COLUMNS]
    needed, needed_pi = {}, {}
    for thr in thresholds:
        needed[thr] = _first_below(df["cum_pi_sibs"].to_numpy(float), thr)
        needed_pi[thr] = _first_below(df["cum_pi"].to_numpy(float), thr)
        if needed[thr] is None:
            final = np.nanmin(df["cum_pi_sibs"].to_numpy(float)) if df["cum_pi_sibs"].notna().any() else float("nan")
            warn(PanelPowerWarning, f"the panel's {int(df['cum_pi_sibs'].notna().sum())} loci reach PIsibs {final:.3g}, not below {thr:g}")
    return IdentityResult(df, needed, needed_pi)


def _first_below(cum: np.ndarray, thr: float) -> int | None:
    hit = np.nonzero(cum < thr)[0]
    return int(hit[0]) + 1 if hit.size else None
