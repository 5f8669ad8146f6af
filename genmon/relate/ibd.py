"""PLINK's method-of-moments IBD estimates (Z0, Z1, Z2, PI_HAT) for SNP panels.

For each pair, over the SNPs typed in both (``n``), the counts of IBS0, IBS1
and IBS2 are compared with their expectations given 0, 1 or 2 alleles IBD,
computed from the sample allele frequencies with finite-sample corrections and
averaged over polymorphic SNPs with more than three observed gene copies
(Purcell et al. 2007, as PLINK 1.9 ``--genome`` computes them):

``Z0 = IBS0 / (E00 n)``, ``Z1 = (IBS1 - Z0 E01 n) / (E11 n)``,
``Z2 = (IBS2 - n (Z0 E02 + Z1 E12)) / n``, ``PI_HAT = Z1/2 + Z2``,

with PLINK's bounding of estimates outside [0, 1] (``bound=False`` for
``--genome unbounded``) and its optional ``nudge``.

References
----------
Purcell S, Neale B, Todd-Brown K, et al. (2007) PLINK: a tool set for
whole-genome association and population-based linkage analyses. American
Journal of Human Genetics 81:559-575.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from .checks import warn_snp_planes
from .king import pack_snp_planes, pair_frame, snp_pair_counts

__all__ = ["ibs_expectations", "plink_ibd"]


def ibs_expectations(table: GenotypeTable) -> dict[str, float]:
    """PLINK's E00, E01, E02, E11, E12: expected IBS given IBD, averaged over informative SNPs.

    Examples
    --------
    One SNP, n = 200 gene copies, p = 0.5: x = pn = 100, (x-1)/x = 0.99,
    f3 = n³ / ((n-1)(n-2)(n-3)) = 1.03064, so E00 = 2 p²q² 0.99² f3 = 0.1263.

    >>> from genmon import Locus
    >>> calls = np.array([[[0, 1]]] * 100, dtype=np.int16)
    >>> t = GenotypeTable(calls, (Locus("s", ("A", "G"), kind="SNP"),), [f"i{k}" for k in range(100)])
    >>> round(ibs_expectations(t)["e00"], 4)
    0.1263
    """
    _, used = pack_snp_planes(table)
    g = table.call_genotype[:, used, :]
    typed = (g >= 0).all(axis=2)
    n = 2.0 * typed.sum(axis=0)
    alt = np.where(typed[:, :, None], g, 0).sum(axis=(0, 2)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, alt / n, 0.0)
    q = 1 - p
    ok = (n > 3) & (p > 0) & (q > 0)
    n, p, q = n[ok], p[ok], q[ok]
    if n.size == 0:
        return dict.fromkeys(("e00", "e01", "e02", "e11", "e12"), float("nan"))
    f2 = n * n / ((n - 1) * (n - 2))
    f3 = f2 * n / (n - 3)
    x, y = p * n, q * n
    x1, y1 = (x - 1) / x, (y - 1) / y
    x2, y2 = x1 * (x - 2) / x, y1 * (y - 2) / y
    e = {
        "e00": 2 * p**2 * q**2 * x1 * y1 * f3,
        "e01": 4 * p * q * f3 * (p**2 * x2 + q**2 * y2),
        "e02": f3 * (q**4 * y2 * (y - 3) / y + p**4 * x2 * (x - 3) / x + 4 * p**2 * q**2 * x1 * y1),
        "e11": 2 * p * q * f2 * (p * x1 + q * y1),
        "e12": f2 * (p**3 * x2 + q**3 * y2 + p**2 * q * x1 + p * q**2 * y1),
    }
    return {k: float(v.mean()) for k, v in e.items()}


def _bound(z0, z1, z2):
    """PLINK 1.9's adjustment of method-of-moments estimates that leave [0, 1], vectorised.

    Per pair, in this order: ``Z0 > 1`` gives (1, 0, 0), else ``Z1 > 1`` (0, 1, 0), else
    ``Z2 > 1`` (0, 0, 1), else a negative ``Z0`` is set to 0 and the others rescaled to sum
    to 1; then a negative ``Z1``, then a negative ``Z2``, likewise.
    """
    a, b, c = z0.copy(), z1.copy(), z2.copy()
    one = (a > 1, ~(a > 1) & (b > 1), ~(a > 1) & ~(b > 1) & (c > 1))
    for k, sel in enumerate(one):
        a[sel], b[sel], c[sel] = float(k == 0), float(k == 1), float(k == 2)
    neg = ~(one[0] | one[1] | one[2]) & (a < 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = 1.0 / (b[neg] + c[neg])
        a[neg], b[neg], c[neg] = 0.0, b[neg] * s, c[neg] * s
        neg = b < 0
        s = 1.0 / (a[neg] + c[neg])
        a[neg], b[neg], c[neg] = a[neg] * s, 0.0, c[neg] * s
        neg = c < 0
        s = 1.0 / (a[neg] + b[neg])
        a[neg], b[neg], c[neg] = a[neg] * s, b[neg] * s, 0.0
    return a, b, c


def plink_ibd(
    table: GenotypeTable,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    bound: bool = True,
    nudge: bool = False,
    num_threads: int = 1,
) -> pd.DataFrame:
    """Z0, Z1, Z2 and PI_HAT of every pair (or the given pairs), with the IBS counts.

    Individuals without a typed SNP and SNPs with one allele in the sample (left out of the
    expectations, as PLINK does) are named in warnings.
    """
    planes, used = pack_snp_planes(table, num_threads)
    warn_snp_planes(table, planes, used, "PLINK IBD",
                    "carry no information and are left out of the IBS expectations (as in plink1.9 --genome)")
    e = ibs_expectations(table)
    pi, pj, counts = snp_pair_counts(table, pairs, num_threads)
    nn = counts[:, 0].astype(np.float64)
    ibs0 = counts[:, 2].astype(np.float64)
    ibs2 = (counts[:, 1] + counts[:, 5]).astype(np.float64)
    ibs1 = nn - ibs0 - ibs2
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ibs0 / (e["e00"] * nn)
        z1 = (ibs1 - z0 * e["e01"] * nn) / (e["e11"] * nn)
        z2 = (ibs2 - nn * (z0 * e["e02"] + z1 * e["e12"])) / nn
    if bound:
        z0, z1, z2 = _bound(z0, z1, z2)
    pi_hat = z1 / 2 + z2
    if nudge:
        move = pi_hat**2 < z2
        z0 = np.where(move, (1 - pi_hat) ** 2, z0)
        z1 = np.where(move, 2 * pi_hat * (1 - pi_hat), z1)
        z2 = np.where(move, pi_hat**2, z2)
    out = pair_frame(table, pi, pj)
    out["nsnp"] = counts[:, 0]
    out["ibs0"], out["ibs1"], out["ibs2"] = (v.astype(np.int64) for v in (ibs0, ibs1, ibs2))
    out["z0"], out["z1"], out["z2"], out["pi_hat"] = z0, z1, z2, pi_hat
    return out
