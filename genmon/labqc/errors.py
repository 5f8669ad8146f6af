"""Genotyping-error rates from replicate PCRs, and null-allele frequencies.

Two estimators of the per-locus allelic-dropout (ADO) and false-allele (FA)
rates, both per successful amplification:

``consensus-wilson`` (:func:`count_error_rates`)
    Counts against the consensus genotypes (Broquet & Petit 2004):
    FA = amplifications showing an allele absent from the consensus divided by
    successful amplifications; ADO = amplifications of consensus heterozygotes
    that show only one of its two alleles, divided by the amplifications of
    consensus heterozygotes that show no false allele.  Only calls with status
    ``confirmed`` are used by default.  Wilson score intervals (Wilson 1927).
    Rates against a consensus are biased low when the rule needs the very
    replicates that show an allele: heterozygotes with much dropout are not
    confirmed, and under the Taberlet rule a homozygote whose replicates
    show a false allele stays provisional, so FA is underestimated most
    (in simulations with 4 PCRs, FA 0.03 was counted as about 0.02); prefer
    the ML rates.
``ml-profile`` (:func:`estimate_error_rates_ml`)
    Maximum likelihood without reference genotypes, from the replicates alone,
    with the true genotypes summed out under Hardy-Weinberg allele frequencies
    estimated jointly (the approach of Johnson & Haydon 2007, implemented in
    Pedant, generalised from one duplicate per sample to any number of
    replicates; the model is in :mod:`genmon.labqc._likelihood`).  Intervals
    are profile-likelihood intervals (the other rate and the allele
    frequencies re-maximised), like Pedant's 95% confidence regions.

:func:`null_allele_frequencies` gives per-locus null-allele frequencies from
heterozygote deficit (Chakraborty et al. 1992; Brookfield 1996 estimator 1).

References
----------
Broquet T, Petit E (2004) Quantifying genotyping errors in noninvasive
population genetics. Molecular Ecology 13:3601-3608.

Johnson PCD, Haydon DT (2007) Maximum-likelihood estimation of allelic dropout
and false allele error rates from microsatellite genotypes in the absence of
reference data. Genetics 175:827-842.

Wilson EB (1927) Probable inference, the law of succession, and statistical
inference. Journal of the American Statistical Association 22:209-212.

Chakraborty R, De Andrade M, Daiger SP, Budowle B (1992) Apparent
heterozygote deficiencies observed in DNA typing data and their implications
in forensic applications. Annals of Human Genetics 56:45-57.

Brookfield JFY (1996) A simple new method for estimating null allele
frequency from heterozygote deficiency. Molecular Ecology 5:453-455.

van Oosterhout C, Hutchinson WF, Wills DPM, Shipley P (2004) MICRO-CHECKER:
software for identifying and correcting genotyping errors in microsatellite
data. Molecular Ecology Notes 4:535-538.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import binom, norm

from ..exceptions import InputError, ModelError, Problem, ProblemLog
from ..model import GenotypeTable
from . import _likelihood as lik
from ._replicates import ReplicateArray, group_replicates
from .consensus import STATUS, ConsensusResult

__all__ = [
    "RATE_COLUMNS",
    "wilson_interval",
    "count_error_rates",
    "estimate_error_rates_ml",
    "error_rates_table",
    "null_allele_frequencies",
    "microchecker_flags",
    "read_error_rates",
]

#: Columns of the per-locus error-rate table (``error_rates.tsv``).
RATE_COLUMNS = [
    "locus",
    "n_replicates",
    "ado_rate",
    "fa_rate",
    "ado_ci_low",
    "ado_ci_high",
    "fa_ci_low",
    "fa_ci_high",
    "method",
]


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion ``k / n``.

    NaN where ``n == 0``.

    Examples
    --------
    3 successes in 10 trials, z = 1.959964: centre (3 + z^2/2)/(10 + z^2) =
    4.920729/13.841459 = 0.355506, half-width z/(10 + z^2) *
    sqrt(3*7/10 + z^2/4) = 0.141601 * 1.749390 = 0.247716.

    >>> lo, hi = wilson_interval(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = float(norm.ppf(0.5 + confidence / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2.0 * n)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n))
        lo = np.where(n > 0, np.where(k == 0, 0.0, np.maximum(centre - half, 0.0)), np.nan)
        hi = np.where(n > 0, np.where(k == n, 1.0, np.minimum(centre + half, 1.0)), np.nan)
    return lo, hi


def _event_arrays(result: ConsensusResult, statuses: tuple[str, ...]):
    """Per replicate x locus: FA events/trials and ADO events/trials, ``(S, K, L)`` bool."""
    reps = result.replicates
    codes = [STATUS.index(s) for s in statuses]
    use = np.isin(result.status, codes)[:, None, :]  # (S, 1, L)
    c1 = result.genotype[..., 0][:, None, :]
    c2 = result.genotype[..., 1][:, None, :]
    lo, hi = reps.obs_lo, reps.obs_hi
    amp = reps.amplified & use
    lo_in = (lo == c1) | (lo == c2)
    hi_in = (hi < 0) | (hi == c1) | (hi == c2)
    fa_event = amp & ~(lo_in & hi_in)
    het = (c1 != c2) & (c1 >= 0)
    ado_trial = amp & het & ~fa_event
    ado_event = ado_trial & (hi < 0)
    return amp, fa_event, ado_trial, ado_event


def _rate_frame(keys, key_name, fa_k, fa_n, ado_k, ado_n, confidence, method, extra=None):
    fa_lo, fa_hi = wilson_interval(fa_k, fa_n, confidence)
    ado_lo, ado_hi = wilson_interval(ado_k, ado_n, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        fa = np.where(fa_n > 0, fa_k / np.maximum(fa_n, 1), np.nan)
        ado = np.where(ado_n > 0, ado_k / np.maximum(ado_n, 1), np.nan)
    df = pd.DataFrame(
        {
            key_name: keys,
            "n_replicates": np.asarray(fa_n, dtype=np.int64),
            "ado_rate": ado,
            "fa_rate": fa,
            "ado_ci_low": ado_lo,
            "ado_ci_high": ado_hi,
            "fa_ci_low": fa_lo,
            "fa_ci_high": fa_hi,
            "method": method,
            "ado_events": np.asarray(ado_k, dtype=np.int64),
            "ado_trials": np.asarray(ado_n, dtype=np.int64),
            "fa_events": np.asarray(fa_k, dtype=np.int64),
            "fa_trials": np.asarray(fa_n, dtype=np.int64),
        }
    )
    if extra:
        for k, v in extra.items():
            df[k] = v
    return df


def count_error_rates(
    result: ConsensusResult,
    by: str = "locus",
    confidence: float = 0.95,
    statuses: tuple[str, ...] = ("confirmed",),
    run_column: str = "run",
) -> pd.DataFrame:
    """ADO and FA rates counted against the consensus (Broquet & Petit 2004).

    Parameters
    ----------
    result
        A consensus (:func:`~genmon.labqc.call_consensus`).
    by
        ``locus`` (one row per locus, then a row ``ALL`` pooling the loci),
        ``sample`` (one row per field sample, pooled over loci) or ``run``
        (pooled over replicates sharing the value of ``run_column`` in the
        replicate metadata, or the ``replicate_id`` when there is no such
        column).
    confidence
        Level of the Wilson score intervals.
    statuses
        Consensus statuses whose calls are used as reference.

    Returns
    -------
    pandas.DataFrame
        :data:`RATE_COLUMNS` (the first named after ``by``) plus the event and
        trial counts; method ``consensus-wilson``.

    Examples
    --------
    One sample, consensus 165/169 confirmed from four replicates 165/169,
    165/169, 165 and 165/173: FA = 1/4 (173 is not in the consensus);
    ADO = 1/3 (the replicate showing 165 alone, among the three without a
    false allele).

    >>> from genmon.labqc import call_consensus
    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169]], [[165, 169]], [[165, 165]], [[165, 173]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["S1"] * 4, "replicate_id": list("abcd")}))
    >>> rates = count_error_rates(call_consensus(t, "taberlet"))
    >>> rates.loc[0, ["fa_events", "fa_trials", "ado_events", "ado_trials"]].tolist()
    [1, 4, 1, 3]
    """
    amp, fa_e, ado_t, ado_e = _event_arrays(result, statuses)
    method = "consensus-wilson"
    if by == "locus":
        sums = [x.sum(axis=(0, 1)) for x in (fa_e, amp, ado_e, ado_t)]
        df = _rate_frame(result.locus_id, "locus", *sums, confidence, method)
        tot = [np.array([s.sum()]) for s in sums]
        all_row = _rate_frame(["ALL"], "locus", *tot, confidence, method)
        return pd.concat([df, all_row], ignore_index=True)
    if by == "sample":
        sums = [x.sum(axis=(1, 2)) for x in (fa_e, amp, ado_e, ado_t)]
        return _rate_frame(result.sample_id, "sample", *sums, confidence, method)
    if by == "run":
        reps = result.replicates
        meta = reps.samples
        if run_column in meta.columns and meta[run_column].notna().any():
            labels_rows = meta[run_column].astype("string").fillna("NA").to_numpy(dtype=object)
            key = "run"
        else:
            labels_rows = meta["replicate_id"].astype("string").fillna("NA").to_numpy(dtype=object)
            key = "replicate_id"
        labels = np.full(reps.row_index.shape, None, dtype=object)
        ok = reps.row_index >= 0
        labels[ok] = labels_rows[reps.row_index[ok]]
        codes, uniques = pd.factorize(labels[ok], sort=True)
        per_rep = [x.sum(axis=2)[ok] for x in (fa_e, amp, ado_e, ado_t)]
        sums = [np.bincount(codes, weights=v, minlength=len(uniques)) for v in per_rep]
        df = _rate_frame(np.asarray(uniques, dtype=object), "run", *sums, confidence, method)
        df["grouped_by"] = key
        return df
    raise ModelError(f"by must be locus, sample or run, got {by!r}")


def estimate_error_rates_ml(
    replicates: GenotypeTable | ReplicateArray | ConsensusResult,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Maximum-likelihood ADO and FA rates per locus, without reference genotypes.

    Parameters
    ----------
    replicates
        The replicate table (or a grouped :class:`ReplicateArray`, or a
        consensus whose replicates are used; an ML consensus with estimated
        rates reuses its fit).
    confidence
        Level of the profile-likelihood intervals.

    Returns
    -------
    pandas.DataFrame
        :data:`RATE_COLUMNS` plus ``n_samples`` (samples with at least one
        amplification), ``loglik`` and ``converged``; method ``ml-profile``.

    References
    ----------
    Johnson & Haydon 2007, Genetics 175:827; Broquet & Petit 2004, Mol Ecol
    13:3601 (the rate definitions).

    Examples
    --------
    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169]], [[165, 169]], [[165, 165]], [[171, 171]], [[171, 171]], [[171, 171]]],
    ...     ["FCA441"], samples=pd.DataFrame(
    ...         {"sample_id": ["S1"] * 3 + ["S2"] * 3, "replicate_id": list("abcabc")}))
    >>> r = estimate_error_rates_ml(t)
    >>> list(r.columns[:9]) == RATE_COLUMNS, int(r.loc[0, "n_replicates"])
    (True, 6)
    """
    fit = data = None
    if isinstance(replicates, ConsensusResult):
        if replicates.error_model is not None and replicates.parameters.get("error_rates") == "estimated":
            fit, data = replicates.error_model, replicates.pattern_data
        reps = replicates.replicates
    elif isinstance(replicates, ReplicateArray):
        reps = replicates
    else:
        reps = group_replicates(replicates)
    if fit is None:
        data = lik.build_patterns(reps)
        fit = lik.fit_error_model(data, lik.initial_frequencies(data, reps))
    ado_lo, ado_hi = lik.profile_interval(data, fit, "ado", confidence)
    fa_lo, fa_hi = lik.profile_interval(data, fit, "fa", confidence)
    # A rate is not identifiable without the amplifications that inform it.
    het_possible = data.n_alleles >= 2
    empty = data.weight.sum(axis=1) == 0
    ado = np.where(empty | ~het_possible, np.nan, fit.ado)
    fa = np.where(empty | (data.n_alleles < 2), np.nan, fit.fa)
    ado_lo, ado_hi = np.where(np.isnan(ado), np.nan, ado_lo), np.where(np.isnan(ado), np.nan, ado_hi)
    fa_lo, fa_hi = np.where(np.isnan(fa), np.nan, fa_lo), np.where(np.isnan(fa), np.nan, fa_hi)
    return pd.DataFrame(
        {
            "locus": reps.locus_id,
            "n_replicates": data.n_amplifications,
            "ado_rate": ado,
            "fa_rate": fa,
            "ado_ci_low": ado_lo,
            "ado_ci_high": ado_hi,
            "fa_ci_low": fa_lo,
            "fa_ci_high": fa_hi,
            "method": "ml-profile",
            "n_samples": data.weight.sum(axis=1).astype(np.int64),
            "loglik": fit.loglik,
            "converged": fit.converged,
        }
    )


def error_rates_table(result: ConsensusResult, confidence: float = 0.95) -> pd.DataFrame:
    """Per-locus rates by both methods, as written to ``error_rates.tsv``."""
    counted = count_error_rates(result, "locus", confidence)
    ml = estimate_error_rates_ml(result, confidence)
    return pd.concat([counted[RATE_COLUMNS], ml[RATE_COLUMNS]], ignore_index=True)


def null_allele_frequencies(table: GenotypeTable | ConsensusResult) -> pd.DataFrame:
    """Null-allele frequency estimates per locus from heterozygote deficit.

    Uses complete genotypes only (of a consensus: confirmed and provisional
    calls of samples not rejected, so that the rule's stricter demands on
    homozygotes or heterozygotes do not bias ``Ho``).  ``He`` is the unbiased expected
    heterozygosity 2n/(2n-1) (1 - sum p_i^2) (Nei 1987), ``Ho`` the observed
    proportion of heterozygotes.

    - Chakraborty et al. 1992: r = (He - Ho) / (He + Ho).
    - Brookfield 1996, estimator 1: r = (He - Ho) / (1 + He).

    Negative values (heterozygote excess) are kept, not truncated, and mean no
    evidence of null alleles.

    Examples
    --------
    Four samples 165/165, 165/165, 169/169, 165/169 at one locus: p = (5/8,
    3/8), He = 8/7 (1 - 25/64 - 9/64) = 0.535714, Ho = 0.25; Chakraborty
    0.285714/0.785714 = 0.363636; Brookfield 0.285714/1.535714 = 0.186047.

    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 165]], [[165, 165]], [[169, 169]], [[165, 169]]], ["FCA441"])
    >>> r = null_allele_frequencies(t)
    >>> [round(float(r.loc[0, c]), 6) for c in ("he", "ho", "null_chakraborty", "null_brookfield1")]
    [0.535714, 0.25, 0.363636, 0.186047]
    """
    if isinstance(table, ConsensusResult):
        table = table.to_table(include_provisional=True)
    g = table.call_genotype
    rows = []
    for j, locus in enumerate(table.loci):
        gj = g[:, j, :]
        complete = (gj >= 0).all(axis=1)
        gc = gj[complete]
        n = int(gc.shape[0])
        if n < 2 or not locus.n_alleles:
            rows.append((locus.name, n, np.nan, np.nan, np.nan, np.nan))
            continue
        counts = np.bincount(gc.ravel(), minlength=locus.n_alleles).astype(np.float64)
        p = counts / counts.sum()
        m = counts.sum()
        he = m / (m - 1.0) * (1.0 - np.sum(p * p))
        ho = float((gc != gc[:, :1]).any(axis=1).mean())
        r_c = (he - ho) / (he + ho) if he + ho > 0 else np.nan
        r_b = (he - ho) / (1.0 + he)
        rows.append((locus.name, n, he, ho, r_c, r_b))
    return pd.DataFrame(rows, columns=["locus", "n_typed", "he", "ho", "null_chakraborty", "null_brookfield1"])


def _repeat_unit(alleles: np.ndarray, given: int | None) -> int | None:
    if given:
        return int(given)
    if alleles.size < 2:
        return None
    unit = int(np.gcd.reduce(np.diff(np.sort(alleles)).astype(np.int64)))
    return unit if 2 <= unit <= 6 else None


def microchecker_flags(table: GenotypeTable | ConsensusResult, alpha: float = 0.05) -> pd.DataFrame:
    """Micro-Checker-style flags for stutter and large-allele dropout, per STR locus.

    Both are one-sided binomial tests for a *shortage* of a class of
    heterozygotes among the complete genotypes, against its Hardy-Weinberg
    expectation from the observed allele frequencies (the idea of van
    Oosterhout et al. 2004; the exact procedure of MICRO-CHECKER is not
    reproduced):

    - stutter: heterozygotes whose alleles differ by one repeat unit (the
      locus's ``repeat_unit``, else the greatest common divisor of its allele
      size differences when it lies in 2-6 bp; no test otherwise);
    - large-allele dropout: heterozygotes whose size difference is at least
      the 75th percentile of the size differences of heterozygotes expected
      under Hardy-Weinberg.

    Of a consensus, confirmed and provisional calls of samples not rejected
    are used.  A locus is flagged when the binomial probability of so few such
    heterozygotes, ``P(X <= observed | n, expected)``, is below ``alpha``.

    Examples
    --------
    Ten samples at a locus with alleles 100, 104, 108 (repeat 4 bp):
    100/100 x4, 104/104 x3, 108/108 x1, 100/108 x2, so p = (0.5, 0.3, 0.2).
    Expected one-repeat heterozygotes 2(0.5)(0.3) + 2(0.3)(0.2) = 0.42, none
    seen: P = 0.58^10 = 0.004308 -> stutter flagged.  Expected size
    differences 4 bp (weight 0.42) and 8 bp (0.2): the 75th percentile is
    8 bp; 100/108 expected 0.2, seen 2 of 10: P(X <= 2) = 0.107374 + 0.268435 +
    0.301990 = 0.677800 -> no flag.

    >>> t = GenotypeTable.from_alleles(
    ...     [[[100, 100]]] * 4 + [[[104, 104]]] * 3 + [[[108, 108]]] + [[[100, 108]]] * 2, ["L"])
    >>> f = microchecker_flags(t).iloc[0]
    >>> round(float(f["stutter_p"]), 6), bool(f["stutter_flag"]), round(float(f["lad_p"]), 6), bool(f["lad_flag"])
    (0.004308, True, 0.6778, False)
    """
    if isinstance(table, ConsensusResult):
        table = table.to_table(include_provisional=True)
    rows = []
    g = table.call_genotype
    for j, locus in enumerate(table.loci):
        row = {"locus": locus.name, "repeat_unit": np.nan, "n_typed": 0}
        for k in ("stutter", "lad"):
            row.update({f"{k}_expected": np.nan, f"{k}_observed": 0, f"{k}_p": np.nan, f"{k}_flag": False})
        gj = g[:, j, :]
        complete = (gj >= 0).all(axis=1)
        gc = gj[complete][:, :2]
        n = int(gc.shape[0])
        row["n_typed"] = n
        if locus.kind == "SNP" or n < 2 or locus.n_alleles < 2:
            rows.append(row)
            continue
        sizes = np.asarray(locus.alleles, dtype=np.int64)
        counts = np.bincount(gc.ravel(), minlength=locus.n_alleles).astype(np.float64)
        p = counts / counts.sum()
        i, k = np.triu_indices(locus.n_alleles, 1)
        w = 2.0 * p[i] * p[k]
        diff = np.abs(sizes[i] - sizes[k])
        obs_diff = np.abs(sizes[gc[:, 0]] - sizes[gc[:, 1]])
        het = gc[:, 0] != gc[:, 1]
        unit = _repeat_unit(sizes[counts > 0], locus.repeat_unit)
        if unit is not None:
            e = float(w[diff == unit].sum())
            x = int((het & (obs_diff == unit)).sum())
            row.update(repeat_unit=unit, stutter_expected=e, stutter_observed=x)
            if e > 0:
                row["stutter_p"] = float(binom.cdf(x, n, e))
                row["stutter_flag"] = bool(row["stutter_p"] < alpha)
        if w.sum() > 0:
            order = np.argsort(diff, kind="stable")
            cum = np.cumsum(w[order]) / w.sum()
            threshold = diff[order][np.searchsorted(cum, 0.75 - 1e-12)]
            e = float(w[diff >= threshold].sum())
            x = int((het & (obs_diff >= threshold)).sum())
            row.update(lad_expected=e, lad_observed=x, lad_threshold_bp=int(threshold))
            row["lad_p"] = float(binom.cdf(x, n, e))
            row["lad_flag"] = bool(row["lad_p"] < alpha)
        rows.append(row)
    cols = ["locus", "n_typed", "repeat_unit", "stutter_expected", "stutter_observed", "stutter_p", "stutter_flag",
            "lad_threshold_bp", "lad_expected", "lad_observed", "lad_p", "lad_flag"]
    return pd.DataFrame(rows).reindex(columns=cols)


def read_error_rates(path) -> pd.DataFrame:
    """Per-locus ``(ado_rate, fa_rate)`` from an ``error_rates.tsv`` (or any CSV/TSV with
    ``locus``, ``ado_rate`` and ``fa_rate`` columns), for the ML rule of a later batch.

    When a ``method`` column is present, the ``ml-profile`` rows are used if
    there are any.  Empty or ``NA`` rates (a rate that could not be estimated,
    e.g. dropout at a monomorphic locus) are read as 0.  Rates must lie in
    [0, 1); every problem is reported with its line.

    Returns
    -------
    pandas.DataFrame
        Columns ``locus``, ``ado_rate``, ``fa_rate``, one row per locus.
    """
    from pathlib import Path

    path = Path(path)
    log = ProblemLog(str(path))
    try:
        df = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Problem(f"an unreadable table ({exc.__class__.__name__})", "a CSV/TSV of error rates",
                                 str(path))) from None
    need = [c for c in ("locus", "ado_rate", "fa_rate") if c not in df.columns]
    if need:
        raise InputError(Problem(f"no column {', '.join(need)}", "columns locus, ado_rate, fa_rate", str(path), 1))
    df["line_no_"] = np.arange(len(df)) + 2
    if "method" in df.columns and (df["method"] == "ml-profile").any():
        df = df[df["method"] == "ml-profile"]
    out = {}
    for row in df.itertuples():
        rates = []
        for name in ("ado_rate", "fa_rate"):
            text = str(getattr(row, name)).strip()
            if text in ("", "NA", "NaN", "nan"):
                rates.append(0.0)
                continue
            try:
                value = float(text)
            except ValueError:
                value = np.nan
            if not (0.0 <= value < 1.0):
                log.error(f'{name} "{text}"', "a number in [0, 1)", line=int(row.line_no_), locus=row.locus)
            rates.append(value)
        if row.locus in out:
            log.error(f"locus {row.locus} twice", "one row per locus", line=int(row.line_no_), locus=row.locus)
        out[row.locus] = rates
    log.raise_if_any()
    return pd.DataFrame(
        {"locus": list(out), "ado_rate": [v[0] for v in out.values()], "fa_rate": [v[1] for v in out.values()]}
    )
