"""Temporal estimates of Ne from allele-frequency change between two samples.

Three F statistics (Waples 1989), as NeEstimator v2 computes them, for every
pair of samples taken ``t`` generations apart.  Per locus, with x, y the allele
frequencies in the two samples (individuals typed in each), z = (x + y)/2 and
alleles whose count-weighted mean frequency is below Pcrit lumped into one
allele (a locus whose common allele exceeds 1 - Pcrit is skipped):

* Pollak (1983): Fk = [1/(K - 1)] sum (x - y)^2 / z;
* Nei & Tajima (1981): Fc = (1/K) sum (x - y)^2 / (z - x y);
* Jorde & Ryman (2007): Fs = sum (x - y)^2 / sum z (1 - z), summed over loci, and
  Fs' = [Fs (1 - 1/(4 S~) + 1/(4N)) - 1/S~ + 1/N] / [(1 + Fs/4)(1 - 1/(2 S_t))].

Sampling correction (plan II; plan I adds 1/N for census size N):
F' = F - 1/S~ (+ 1/N), 1/S~ = 1/(2 S_0) + 1/(2 S_t) per locus (gene copies);
Ne = t / (2 F').  Multi-locus F' is the mean of per-locus F' weighted by K - 1
(Pollak; x S~^2 with missing data, then reweighted by S~^2/(S~ t + 2 Ne0)^2) or
by K (Nei & Tajima).  Parametric CI: chi-square with the independent alleles as
degrees of freedom on F (Pollak, Nei & Tajima; then corrected) or on Fs'
(Jorde & Ryman).  Jackknife over loci: leave-one-locus-out F; for Pollak and Nei
& Tajima degrees of freedom 2 F^2/var as for LD, for Jorde & Ryman the normal
limits mean +- 1.96 SE of the leave-one-out Fs'.

Under plan I the jackknife limits of Fk and Fc include the 1/N term like the
estimate and the parametric limits; NeEstimator v2 omits it there (documented
in ``test_data/reference/ne/README.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..exceptions import ModelError
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
from .ld import parse_pcrit

__all__ = ["estimate_ne_temporal"]

_EPS = 1e-9
TEMPORAL_METHODS = ("pollak", "nei_tajima", "jorde_ryman")


def _ne(f_prime: float, t: float) -> float:
    """Ne = t / (2 F'); F' = 0 gives infinity, negative values are reported infinite."""
    if abs(f_prime) <= _EPS:
        return math.inf
    ne = t / (2 * f_prime)
    return math.inf if (ne < 0 or ne >= NE_INFINITE) else ne


def _fs_prime(fs: float, invh: float, inv2: float, census: int | None) -> float:
    extra = 1.0 / census if census else 0.0
    return (fs * (1 - invh / 4 + extra / 4) - invh + extra) / ((1 + fs / 4) * (1 - inv2))


def _reweigh(
    initial: float,
    values: np.ndarray,
    hm: np.ndarray,
    n_ind: np.ndarray,
    ne0: float,
    t: float,
    skip: int | None = None,
) -> float:
    """Mean of per-locus values weighted by (K-1) S~^2 / (S~ t + 2 Ne0)^2 (NeEstimator)."""
    a = 2 * ne0
    if not (0 < a < math.sqrt(NE_INFINITE)):
        return initial
    use = hm > 0
    if skip is not None:
        use = use.copy()
        use[skip] = False
    w = n_ind[use] * hm[use] ** 2 / (hm[use] * t + a) ** 2
    return float((w * values[use]).sum() / w.sum())


def _freqs(calls: np.ndarray, n_alleles: int) -> tuple[np.ndarray, int]:
    typed = calls[:, 0] >= 0
    g = calls[typed]
    counts = np.bincount(g.ravel(), minlength=n_alleles)[:n_alleles].astype(float)
    n = int(typed.sum())
    return (counts / (2 * n) if n else counts), n


def _pair_estimates(
    a: np.ndarray,
    b: np.ndarray,
    widths: np.ndarray,
    pcrit: float,
    t: float,
    census: int | None,
    weigh: bool,
    quantiles: str,
) -> dict:
    n_loci = a.shape[1]
    extra = 1.0 / census if census else 0.0
    fk = np.zeros(n_loci)
    fc = np.zeros(n_loci)
    top = np.zeros(n_loci)
    bottom = np.zeros(n_loci)
    n_all = np.zeros(n_loci)
    hm = np.zeros(n_loci)
    invh = np.zeros(n_loci)
    inv2 = np.zeros(n_loci)
    used = np.zeros(n_loci, dtype=bool)
    for j in range(n_loci):
        x, n1 = _freqs(a[:, j], widths[j])
        y, n2 = _freqs(b[:, j], widths[j])
        if n1 == 0 or n2 == 0:
            continue
        c1, c2 = 2 * n1, 2 * n2
        present = (x > 0) | (y > 0)
        # count-weighted mean frequency, classified in single precision as NeEstimator does
        f32, one = np.float32, np.float32(1)
        pbar = (x.astype(f32) * f32(c1) + y.astype(f32) * f32(c2)) / f32(c1 + c2)
        if (present & ((pbar > one - f32(pcrit)) | (pbar == one))).any():
            continue  # (nearly) monomorphic over the two samples
        small = present & (pbar < f32(pcrit))
        big = present & ~small
        if not big.any():
            continue
        xs, ys = list(x[big]), list(y[big])
        if small.any():
            xs.append(x[small].sum())
            ys.append(y[small].sum())
        xs, ys = np.array(xs), np.array(ys)
        z = (xs + ys) / 2
        d2 = (xs - ys) ** 2
        k = len(xs)
        used[j] = True
        n_all[j] = k
        fk[j] = (d2 / z).sum()
        fc[j] = (d2 / (z - xs * ys)).sum()
        top[j] = d2.sum()
        bottom[j] = (z * (1 - z)).sum()
        inv2[j] = 1.0 / c2
        invh[j] = 1.0 / c1 + inv2[j]
        hm[j] = 1.0 / invh[j]
    if not used.any():
        return {}
    n_ind = np.where(used, n_all - 1, 0.0)
    tot_ind, tot_all = n_ind.sum(), n_all.sum()
    out = {"n_ind": tot_ind, "n_loci": int(used.sum())}

    # Pollak
    res = {}
    if tot_ind > 0:
        loc = used & (n_ind > 0)
        fk_loc = np.where(loc, fk / np.where(n_ind > 0, n_ind, 1), 0.0)
        fkp_loc = fk_loc - invh + extra
        wk = np.where(loc, n_ind * hm**2 if weigh else n_ind, 0.0)
        fk_mean = fk[used].sum() / tot_ind
        fkp_mean = (fkp_loc * wk).sum() / wk.sum()
        ne0 = t / (2 * fkp_mean) if abs(fkp_mean) > _EPS else NE_INFINITE
        if weigh:
            fkp_mean = _reweigh(fkp_mean, fkp_loc, np.where(loc, hm, 0), n_ind, ne0, t)
            fk_mean = _reweigh(fk_mean, fk_loc, np.where(loc, hm, 0), n_ind, ne0, t)
        s_harm = tot_ind / (n_ind * invh)[used].sum()
        lo, hi = chi2_limits(int(tot_ind), fk_mean, quantiles)
        inv_size = 1 / s_harm
        param = (_ne(hi + extra - inv_size, t), _ne(lo + extra - inv_size, t))
        # jackknife over loci on Fk
        ne_w = t / (2 * fkp_mean) if abs(fkp_mean) > _EPS else NE_INFINITE
        if weigh:
            inv_size = _reweigh(inv_size, invh, np.where(loc, hm, 0), n_ind, ne_w, t)
        wtot = (fk_loc * wk).sum()
        vals = []
        for p in np.nonzero(loc)[0] if loc.sum() > 1 else []:
            f_minus = (wtot - fk_loc[p] * wk[p]) / (wk.sum() - wk[p])
            if weigh:
                f_minus = _reweigh(
                    f_minus,
                    fk_loc,
                    np.where(loc, hm, 0),
                    n_ind,
                    t / (2 * f_minus) if abs(f_minus) > _EPS else NE_INFINITE,
                    t,
                    skip=p,
                )
            vals.append(f_minus)
        jack = (math.nan, math.nan)
        if len(vals) > 1:
            df = _jackknife_df_loci(np.array(vals))
            jlo, jhi = chi2_limits(df, fk_mean, quantiles)
            jack = (_ne(jhi + extra - inv_size, t), _ne(jlo + extra - inv_size, t))
        res["pollak"] = dict(
            f=fk_mean, f_prime=fkp_mean, ne=_ne(fkp_mean, t), s=s_harm, param=param, jack=jack
        )

    # Nei & Tajima
    fc_loc = np.where(used, fc / np.where(n_all > 0, n_all, 1), 0.0)
    fcp_loc = fc_loc - invh + extra
    fc_mean = fc[used].sum() / tot_all
    fcp_mean = (fcp_loc * n_all).sum() / tot_all
    s_harm_c = tot_all / (n_all * invh)[used].sum()
    lo, hi = chi2_limits(int(tot_ind), fc_mean, quantiles)
    param = (_ne(hi + extra - 1 / s_harm_c, t), _ne(lo + extra - 1 / s_harm_c, t))
    wtot = (fc_loc * n_all).sum()
    vals = [
        (wtot - fc_loc[p] * n_all[p]) / (tot_all - n_all[p])
        for p in np.nonzero(used)[0]
        if used.sum() > 1
    ]
    jack = (math.nan, math.nan)
    if len(vals) > 1:
        df = _jackknife_df_loci(np.array(vals))
        jlo, jhi = chi2_limits(df, fc_mean, quantiles)
        jack = (_ne(jhi + extra - 1 / s_harm_c, t), _ne(jlo + extra - 1 / s_harm_c, t))
    res["nei_tajima"] = dict(
        f=fc_mean, f_prime=fcp_mean, ne=_ne(fcp_mean, t), s=s_harm_c, param=param, jack=jack
    )

    # Jorde & Ryman
    loc = used & (bottom > 0)
    fs = top[used].sum() / bottom[used].sum()
    n_loc = int(used.sum())
    fsp = _fs_prime(fs, invh[used].sum() / n_loc, inv2[used].sum() / n_loc, census)
    lo, hi = chi2_limits(int(tot_ind), fsp, quantiles)
    param = (_ne(hi, t), _ne(lo, t))
    jack = (math.nan, math.nan)
    idx = np.nonzero(loc)[0]
    if len(idx) > 1:
        m = len(idx)
        vals = np.array(
            [
                _fs_prime(
                    (top[loc].sum() - top[p]) / (bottom[loc].sum() - bottom[p]),
                    (invh[loc].sum() - invh[p]) / (m - 1),
                    (inv2[loc].sum() - inv2[p]) / (m - 1),
                    census,
                )
                for p in idx
            ]
        )
        mean = vals.mean()
        se = math.sqrt((m - 1) / m * ((vals - mean) ** 2).sum())
        jack = (_ne(mean + 1.96 * se, t), _ne(mean - 1.96 * se, t))
    res["jorde_ryman"] = dict(f=fs, f_prime=fsp, ne=_ne(fsp, t), s=s_harm_c, param=param, jack=jack)
    out["methods"] = res
    return out


def _jackknife_df_loci(values: np.ndarray) -> int:
    """Degrees of freedom 2 mean^2 / var of leave-one-locus-out values (no 0.84 factor)."""
    k = len(values)
    mean = float(values.mean())
    var = (k - 1) / k * float(((values - mean) ** 2).sum())
    if mean == 0:
        return 1
    phi = var / (mean * mean)
    if phi <= 1e-9:
        return 2_000_000_000
    return max(1, int(math.floor(2.0 / phi + 0.5)))


def estimate_ne_temporal(
    table: GenotypeTable,
    generations: Mapping[str, float] | Sequence[float],
    pcrit: Sequence | str | float = (0.05, 0.02, 0.01, 0),
    *,
    by: str = "population",
    census: int | None = None,
    quantiles: str = "neestimator",
) -> pd.DataFrame:
    """Temporal Ne for every pair of samples (populations of ``by``), per Pcrit.

    Parameters
    ----------
    table
        Diploid genotypes; each value of ``by`` is one sample of the same population.
    generations
        Generation of each sample (mapping sample name -> generation, or one
        value per sample in order of first appearance); samples must differ.
    pcrit
        Lowest allele frequencies kept (rarer alleles are lumped); "nosingletons"
        does not apply and is skipped.
    census
        Census size N for sampling plan I (sampling without replacement before
        reproduction); ``None`` for plan II.

    Returns
    -------
    pandas.DataFrame
        One row per sample pair x method (``temporal-pollak``,
        ``temporal-nei_tajima``, ``temporal-jorde_ryman``) x Pcrit; ``pop`` is
        ``"A/B"``, ``f`` and ``f_prime`` the F statistic and its sampling-corrected
        value, ``n_comparisons`` the independent alleles, ``ci_jack_*`` the
        jackknife over loci.

    References
    ----------
    Waples R.S. (1989) A generalized approach for estimating effective
    population size from temporal changes in allele frequency. Genetics
    121:379-391.
    Pollak E. (1983) A new method for estimating the effective population size
    from allele frequency changes. Genetics 104:531-548.
    Nei M. & Tajima F. (1981) Genetic drift and estimation of effective
    population size. Genetics 98:625-640.
    Jorde P.E. & Ryman N. (2007) Unbiased estimator for genetic drift and
    effective population size. Genetics 177:927-935.
    """
    check_quantiles(quantiles)
    levels = [lv for lv in parse_pcrit(pcrit) if not lv[2]]
    groups = populations(table, by)
    names = [name for name, _ in groups]
    if isinstance(generations, Mapping):
        missing = [n for n in names if n not in generations]
        if missing:
            raise ModelError(f"no generation given for sample(s) {', '.join(missing)}")
        gen = [float(generations[n]) for n in names]
    else:
        gen = [float(g) for g in generations]
        if len(gen) != len(names):
            raise ModelError(
                f"{len(gen)} generations for {len(names)} samples ({', '.join(names)})"
            )
    if len(set(gen)) != len(gen):
        raise ModelError("samples must come from different generations")
    if census is not None and census <= 0:
        raise ModelError(f"census size must be positive, got {census}")
    widths = np.array([max(1, lc.n_alleles) for lc in table.loci])
    calls = [diploid_calls(table, idx) for _, idx in groups]
    rows = []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            label = f"{names[i]}/{names[j]}"
            t = abs(gen[j] - gen[i])
            weigh = bool((calls[i] < 0).any() or (calls[j] < 0).any())
            n_ind = len(groups[i][1]) + len(groups[j][1])
            for lab, value, _ in levels:
                est = _pair_estimates(
                    calls[i], calls[j], widths, value, t, census, weigh, quantiles
                )
                for m in TEMPORAL_METHODS:
                    row = empty_row(label, f"temporal-{m}", lab, n_ind, "")
                    if not est or m not in est.get("methods", {}):
                        row["reason"] = "no locus with alleles passing Pcrit typed in both samples"
                        rows.append(row)
                        continue
                    r = est["methods"][m]
                    row.update(
                        s_harmonic=r["s"],
                        n_comparisons=float(est["n_ind"]),
                        f=r["f"],
                        f_prime=r["f_prime"],
                        ne=r["ne"],
                        ci_param_low=r["param"][0],
                        ci_param_high=r["param"][1],
                        ci_jack_low=r["jack"][0],
                        ci_jack_high=r["jack"][1],
                        n_loci=est["n_loci"],
                        mating="plan I" if census else "plan II",
                    )
                    rows.append(row)
    return frame(rows)
