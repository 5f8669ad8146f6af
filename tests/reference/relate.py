"""Slow, obvious twins of the moment relatedness estimators, written from the formulas.

One pair at a time, one locus at a time, in plain Python; the conventions are those
documented in ``genmon.relate.moments``.
"""

import math

import numpy as np


def _freqs(calls):
    """Allele frequencies per locus from complete genotypes: list of dict allele -> p, and N copies."""
    out = []
    for locus in range(calls.shape[1]):
        alleles = [int(a) for g in calls[:, locus] if (g >= 0).all() for a in g]
        n = len(alleles)
        out.append(({a: alleles.count(a) / n for a in set(alleles)}, n))
    return out


def _moments(p, n, unbiased):
    a2 = sum(v**2 for v in p.values())
    a3 = sum(v**3 for v in p.values())
    a4 = sum(v**4 for v in p.values())
    if not unbiased:
        return a2, a3, a4
    u2 = (n * a2 - 1) / (n - 1)
    u3 = (n * n * a3 - 3 * (n - 1) * u2 - 1) / ((n - 1) * (n - 2))
    u4 = (n**3 * a4 - 6 * (n - 1) * (n - 2) * u3 - 7 * (n - 1) * u2 - 1) / (n**3 - 6 * n**2 + 11 * n - 6)
    return u2, u3, u4


def _ratio(num, den):
    return math.nan if den == 0 else num / den


def pair_estimates(calls, i, j, convention="coancestry"):
    """(qg, lr, lynchli, ritland, wang, n_loci) for individuals i and j."""
    coancestry = convention == "coancestry"
    freqs = _freqs(calls)
    qg = [0.0, 0.0, 0.0, 0.0]
    lr = [0.0, 0.0, 0.0, 0.0]
    rit = [0.0, 0.0]
    ll = [0.0, 0.0]
    wang = dict.fromkeys(["w", "b", "c", "d", "e", "f", "g", "p1", "p2", "p3"], 0.0)
    used, max_k = 0, 0
    for locus, (p, n) in enumerate(freqs):
        if coancestry:
            p = {a: max(v, 1e-4) for a, v in p.items()}
        k = len(p)
        a, b = (int(v) for v in calls[i, locus])
        c, d = (int(v) for v in calls[j, locus])
        if k < 2 or min(a, b, c, d) < 0:
            continue
        used += 1
        max_k = max(max_k, k)
        m = (a == c) + (a == d) + (b == c) + (b == d)
        for side, (x1, x2, y1, y2) in enumerate([(a, b, c, d), (c, d, a, b)]):
            qg[2 * side] += m - 2 * (p[x1] + p[x2])
            qg[2 * side + 1] += 2 * (1 + (x1 == x2)) - 2 * (p[x1] + p[x2])
            q1, q2 = p[x1], p[x2]
            if coancestry and k == 2 and 0.499 < q1 < 0.501:
                q1, q2 = 0.501, 0.499
            z = q1 * ((x2 == y1) + (x2 == y2)) + q2 * ((x1 == y1) + (x1 == y2))
            y = (1 + (x1 == x2)) * (q1 + q2) - 4 * q1 * q2
            lr[2 * side] += (z - 4 * q1 * q2) / (2 * q1 * q2)  # weight x estimate
            lr[2 * side + 1] += y / (2 * q1 * q2)  # weight
        total = 0.0
        for allele in set(p):
            xi = (a == allele) + (b == allele)
            yi = (c == allele) + (d == allele)
            if xi * yi:  # an allele one of them lacks adds nothing, whatever its frequency
                total += xi * yi / (4 * p[allele])
        if coancestry:
            rit[0] += 2 * (total - 1) / (k - 1)
            rit[1] += 1
        else:
            rit[0] += 2 * (total - 1)
            rit[1] += k - 1
        identical = sorted((a, b)) == sorted((c, d))
        s = 1.0 if identical else {0: 0.0, 1: 0.5, 2: 0.75}[m]
        a2, a3, a4 = _moments(p, n, unbiased=not coancestry)
        s0 = 2 * a2 - a3
        ll[0] += s - s0
        ll[1] += 1 - s0
        if s0 <= 0:  # no usable Wang weight at this locus
            continue
        w = 1 / s0
        wang["w"] += w
        for key, val in zip("bcdefg", [2 * a2**2 - a4, a2 - 2 * a2**2 + a4, 4 * (a3 - a4),
                                       2 * (a2 - 3 * a3 + 2 * a4), 4 * (a2 - a2**2 - 2 * a3 + 2 * a4),
                                       1 - 7 * a2 + 4 * a2**2 + 10 * a3 - 8 * a4], strict=True):
            wang[key] += w * val
        if identical:
            wang["p1"] += w
        elif m == 2:
            wang["p2"] += w
        elif m == 1:
            wang["p3"] += w
    if used == 0:
        return (math.nan,) * 5 + (0,)
    if coancestry:
        r_qg = _ratio(qg[0] + qg[2], qg[1] + qg[3])
    else:
        r_qg = (_ratio(qg[0], qg[1]) + _ratio(qg[2], qg[3])) / 2
    r_lr = (_ratio(lr[0], lr[1]) + _ratio(lr[2], lr[3])) / 2
    if wang["w"] == 0:
        return (r_qg, r_lr, _ratio(ll[0], ll[1]), _ratio(rit[0], rit[1]), math.nan, used)
    q = {key: v / wang["w"] for key, v in wang.items()}
    b, c, d, e, f, g = (q[key] for key in "bcdefg")
    if coancestry and max_k == 2:
        f = g = 1e-50
    p1, p2, p3 = q["p1"], q["p2"], q["p3"]
    v = (1 - b) ** 2 * (e * e * f + d * g * g) - (1 - b) * (e * f - d * g) ** 2 + 2 * c * d * f * (1 - b) * (g + e) \
        + c * c * d * f * (d + f)
    if v == 0:
        return (r_qg, r_lr, _ratio(ll[0], ll[1]), _ratio(rit[0], rit[1]), math.nan, used)
    phi = (d * f * ((e + g) * (1 - b) + c * (d + f)) * (p1 - 1) + d * (1 - b) * (g * (1 - b - d) + f * (c + e)) * p3
           + f * (1 - b) * (e * (1 - b - f) + d * (c + g)) * p2) / v
    delta = (c * d * f * (e + g) * (p1 + 1 - 2 * b) + ((1 - b) * (f * e * e + d * g * g) - (e * f - d * g) ** 2) * (p1 - b)
             + c * (d * g - e * f) * (d * p3 - f * p2) - c * c * d * f * (p3 + p2 - d - f)
             - c * (1 - b) * (d * g * p3 + e * f * p2)) / v
    return (r_qg, r_lr, _ratio(ll[0], ll[1]), _ratio(rit[0], rit[1]), phi / 2 + delta, used)


def all_pair_estimates(calls, convention="coancestry"):
    n = calls.shape[0]
    rows = [pair_estimates(calls, i, j, convention) for i in range(n) for j in range(i + 1, n)]
    return np.array(rows, dtype=np.float64).reshape(-1, 6)


def king_pair(dosage_x, dosage_y):
    """KING-robust (between-family) from dosages (0/1/2, -1 missing), straight from the counts."""
    both = (dosage_x >= 0) & (dosage_y >= 0)
    x, y = dosage_x[both], dosage_y[both]
    hethet = np.sum((x == 1) & (y == 1))
    ibs0 = np.sum(((x == 0) & (y == 2)) | ((x == 2) & (y == 0)))
    het1, het2 = np.sum(x == 1), np.sum(y == 1)
    m = min(het1, het2)
    kinship = math.nan if m == 0 else (hethet - 2 * ibs0) / (2 * m) + 0.5 - (het1 + het2) / (4 * m)
    return int(both.sum()), int(hethet), int(ibs0), kinship


def plink_ibd_pair(dosage, i, j):
    """Z0, Z1, Z2, PI_HAT for one pair from dosages, PLINK 1.9's formulas written out per SNP."""
    n_copies = 2.0 * (dosage >= 0).sum(axis=0)
    alt = np.where(dosage >= 0, dosage, 0).sum(axis=0)
    e = dict.fromkeys(("e00", "e01", "e02", "e11", "e12"), 0.0)
    used = 0
    for snp in range(dosage.shape[1]):
        n = n_copies[snp]
        if n <= 3:
            continue
        p = alt[snp] / n
        q = 1 - p
        if p <= 0 or q <= 0:
            continue
        used += 1
        f2 = n * n / ((n - 1) * (n - 2))
        f3 = f2 * n / (n - 3)
        x, y = p * n, q * n
        x1, y1 = (x - 1) / x, (y - 1) / y
        x2, y2 = x1 * (x - 2) / x, y1 * (y - 2) / y
        e["e00"] += 2 * p * p * q * q * x1 * y1 * f3
        e["e01"] += 4 * p * q * f3 * (p * p * x2 + q * q * y2)
        e["e02"] += f3 * (q**4 * y2 * (y - 3) / y + p**4 * x2 * (x - 3) / x + 4 * p * p * q * q * x1 * y1)
        e["e11"] += 2 * p * q * f2 * (p * x1 + q * y1)
        e["e12"] += f2 * (p**3 * x2 + q**3 * y2 + p * p * q * x1 + p * q * q * y1)
    e = {k: v / used for k, v in e.items()}
    both = (dosage[i] >= 0) & (dosage[j] >= 0)
    a, b = dosage[i][both], dosage[j][both]
    nn = both.sum()
    ibs0 = np.sum(np.abs(a - b) == 2)
    ibs2 = np.sum(a == b)
    ibs1 = nn - ibs0 - ibs2
    z0 = ibs0 / (e["e00"] * nn)
    z1 = (ibs1 - z0 * e["e01"] * nn) / (e["e11"] * nn)
    z2 = (ibs2 - nn * (z0 * e["e02"] + z1 * e["e12"])) / nn
    return z0, z1, z2, z1 / 2 + z2
