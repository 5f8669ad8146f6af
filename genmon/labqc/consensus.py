"""Consensus genotypes from replicate PCRs (the multiple-tubes approach).

Input: a :class:`~genmon.model.GenotypeTable` with one row per PCR replicate
(``sample_id`` = field sample, ``replicate_id`` filled).  Each replicate's call
at a locus is read as the *set* of alleles it shows (one peak, two peaks, or a
failed amplification), see :mod:`genmon.labqc._replicates`.

Three rules build one consensus genotype per sample and locus, each with a
status (``confirmed``, ``provisional``, ``failed``):

``taberlet``
    Multiple-tubes rule (Taberlet et al. 1996): a heterozygote is confirmed
    when each of its two alleles is seen in at least ``min_het`` replicates; a
    homozygote when its allele is seen in at least ``min_hom`` replicates and
    no other allele is seen in any replicate.  Alleles seen fewer than
    ``min_het`` times next to a confirmed heterozygote are treated as false
    alleles.  When three or more alleles each reach ``min_het`` the call fails
    (a mixture or contamination).  Otherwise the call is provisional: the
    two most often seen alleles (a heterozygote) when a second allele was seen
    at all, else a homozygote; ties go to the smaller allele.
``majority``
    The replicate observation seen most often among successful amplifications
    is the consensus; it is confirmed when it is a strict majority of them and
    is seen at least ``min_agree`` times, provisional otherwise (ties go to a
    heterozygote, then to the smaller alleles).
``ml``
    Maximum likelihood: the posterior probability of each genotype given the
    replicate observations under per-locus allelic-dropout and false-allele
    rates (:mod:`genmon.labqc._likelihood`) with Hardy-Weinberg allele
    frequencies as prior.  The rates and frequencies are estimated from the
    batch by maximum likelihood unless rates are given (with an
    :class:`ErrorRateWarning` when a locus has fewer than
    :data:`MIN_SAMPLES_ML` amplified samples); the prior adds half a gene
    copy to each allele's count so that no allele of the batch has prior 0.
    The consensus is the most probable genotype, confirmed when its
    posterior is at least ``min_posterior``.

For every rule the result also holds the quality index of Miquel et al. 2006
(per sample and locus: the fraction of the replicates identical to the
consensus; per sample: its mean over loci; per locus: its mean over samples),
the re-genotyping list and the reject list.

References
----------
Taberlet P, Griffin S, Goossens B, et al. (1996) Reliable genotyping of samples
with very low DNA quantities using PCR. Nucleic Acids Research 24:3189-3194.

Miquel C, Bellemain E, Poillot C, et al. (2006) Quality indexes to assess the
reliability of genotypes in studies using noninvasive sampling and multiple-tube
approach. Molecular Ecology Notes 6:985-988.

Miller CR, Joyce P, Waits LP (2002) Assessing allelic dropout and genotype
reliability using maximum likelihood. Genetics 160:357-366.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import GenmonWarning, InputWarning, ModelError, Problem
from ..model import _FLOAT_FIELDS, GenotypeTable
from . import _likelihood as lik
from ._replicates import ReplicateArray, group_replicates

__all__ = [
    "RULES",
    "STATUS",
    "ConsensusResult",
    "ErrorRateWarning",
    "call_consensus",
]

#: Fewer amplified samples than this at a locus make ML error rates unreliable (a warning).
MIN_SAMPLES_ML = 20


class ErrorRateWarning(GenmonWarning):
    """Error rates that rest on too little data."""


#: Consensus rules.
RULES = ("taberlet", "majority", "ml")
#: Status names, indexed by the codes in :attr:`ConsensusResult.status`.
STATUS = ("failed", "provisional", "confirmed")
FAILED, PROVISIONAL, CONFIRMED = 0, 1, 2


@dataclass
class ConsensusResult:
    """Consensus genotypes of field samples and their quality.

    Arrays are ``(samples, loci)`` unless noted; ``genotype`` is
    ``(samples, loci, 2)`` allele indices (homozygotes ``a, a``, heterozygotes
    sorted, ``-1, -1`` for failed calls).
    """

    replicates: ReplicateArray
    rule: str
    parameters: dict[str, Any]
    genotype: np.ndarray
    status: np.ndarray  # int8 codes into STATUS
    n_replicates: np.ndarray
    n_amplified: np.ndarray
    quality: np.ndarray  # Miquel QI per sample and locus
    posterior: np.ndarray  # ML rule: posterior of the consensus genotype (NaN otherwise)
    extra_pcrs: np.ndarray  # PCRs still needed to reach the rule; -1 when more PCRs cannot help
    reason: np.ndarray  # object: why the call is not confirmed ('' when confirmed)
    sample_quality: np.ndarray  # (samples,)
    locus_quality: np.ndarray  # (loci,)
    sample_status: np.ndarray  # (samples,) object: accepted, regenotype, rejected
    sample_reason: np.ndarray  # (samples,) object
    error_model: lik.ErrorModelFit | None = None
    pattern_data: lik.PatternData | None = field(default=None, repr=False)

    @property
    def sample_id(self) -> np.ndarray:
        return self.replicates.sample_id

    @property
    def locus_id(self) -> list[str]:
        return self.replicates.locus_id

    @property
    def loci_typed(self) -> np.ndarray:
        return (self.status != FAILED).sum(axis=1)

    @property
    def loci_confirmed(self) -> np.ndarray:
        return (self.status == CONFIRMED).sum(axis=1)

    # ------------------------------------------------------------------ tables
    def _labels(self, j: int, idx: np.ndarray) -> list:
        alleles = self.replicates.loci[j].alleles
        return [alleles[int(a)] if a >= 0 else None for a in idx]

    def to_table(self, include_provisional: bool = False, include_rejected: bool = False) -> GenotypeTable:
        """The consensus as a genotype table, one row per field sample.

        Only confirmed calls are kept unless ``include_provisional``; rejected
        samples are left out unless ``include_rejected``.  Sample metadata
        come from the replicate rows: a value shared by all of a sample's
        replicates is kept, values that differ between replicates (run, plate,
        sample file) are joined with ``;``; ``replicate_id`` is empty.
        """
        keep_status = self.status >= (PROVISIONAL if include_provisional else CONFIRMED)
        g = np.where(keep_status[..., None], self.genotype, -1).astype(np.int16)
        rows = np.ones(len(self.sample_id), dtype=bool)
        if not include_rejected:
            rows = self.sample_status != "rejected"
        meta = _sample_metadata(self.replicates).iloc[np.nonzero(rows)[0]].reset_index(drop=True)
        return GenotypeTable(g[rows], self.replicates.loci, meta, {}, {"consensus_rule": self.rule})

    def to_long(self) -> pd.DataFrame:
        """One row per sample and locus: alleles, status, replicates, quality."""
        n_s, n_l = self.status.shape
        a1 = np.empty((n_s, n_l), dtype=object)
        a2 = np.empty((n_s, n_l), dtype=object)
        for j in range(n_l):
            a1[:, j] = self._labels(j, self.genotype[:, j, 0])
            a2[:, j] = self._labels(j, self.genotype[:, j, 1])
        return pd.DataFrame(
            {
                "sample": np.repeat(self.sample_id, n_l),
                "locus": np.tile(np.asarray(self.locus_id, dtype=object), n_s),
                "allele_1": a1.ravel(),
                "allele_2": a2.ravel(),
                "status": np.asarray(STATUS, dtype=object)[self.status.ravel()],
                "n_replicates": self.n_replicates.ravel(),
                "quality": self.quality.ravel(),
                "n_amplified": self.n_amplified.ravel(),
                "posterior": self.posterior.ravel(),
            }
        )

    def samples_frame(self) -> pd.DataFrame:
        """One row per field sample: quality index, loci typed, status."""
        return pd.DataFrame(
            {
                "sample": self.sample_id,
                "quality_index": self.sample_quality,
                "loci_typed": self.loci_typed,
                "status": self.sample_status,
                "n_replicates": self.replicates.n_replicates,
                "loci_confirmed": self.loci_confirmed,
                "reason": self.sample_reason,
            }
        )

    def loci_frame(self) -> pd.DataFrame:
        """One row per locus: quality index and call counts by status."""
        return pd.DataFrame(
            {
                "locus": self.locus_id,
                "quality_index": self.locus_quality,
                "n_confirmed": (self.status == CONFIRMED).sum(axis=0),
                "n_provisional": (self.status == PROVISIONAL).sum(axis=0),
                "n_failed": (self.status == FAILED).sum(axis=0),
            }
        )

    def regenotype_frame(self) -> pd.DataFrame:
        """Calls of samples not rejected that have not reached the rule.

        Columns: sample, locus, status, allele_1, allele_2 (the current best
        guess), n_replicates, extra_pcrs (PCRs that would reach the rule if they
        all showed the current guess; NA when more PCRs cannot help),
        within_limit (n_replicates + extra_pcrs <= max_replicates), reason.
        """
        long = self.to_long()
        keep = (self.status != CONFIRMED) & (self.sample_status != "rejected")[:, None]
        flat = keep.ravel()
        extra = self.extra_pcrs.ravel()[flat]
        out = long.loc[flat, ["sample", "locus", "status", "allele_1", "allele_2", "n_replicates"]].copy()
        out["extra_pcrs"] = pd.array(np.where(extra >= 0, extra, 0), dtype="Int64")
        out.loc[extra < 0, "extra_pcrs"] = pd.NA
        max_rep = self.parameters["max_replicates"]
        within = (out["n_replicates"].to_numpy() + np.where(extra >= 0, extra, 0) <= max_rep) & (extra >= 0)
        out["within_limit"] = np.where(within, "yes", "no")
        out["reason"] = self.reason.ravel()[flat]
        return out.reset_index(drop=True)

    def reject_frame(self) -> pd.DataFrame:
        """Rejected samples with the reason."""
        s = self.samples_frame()
        return s.loc[s["status"] == "rejected", ["sample", "quality_index", "loci_typed", "reason"]].reset_index(
            drop=True
        )


# ---------------------------------------------------------------------------- helpers
def _sample_metadata(reps: ReplicateArray) -> pd.DataFrame:
    """One metadata row per field sample from its replicate rows (see ``to_table``)."""
    meta = reps.samples
    ok = reps.row_index >= 0
    sample_of_row = np.full(len(meta), -1, dtype=np.int64)
    sample_of_row[reps.row_index[ok]] = np.nonzero(ok)[0]
    first = reps.row_index[:, 0]
    out = meta.iloc[first].reset_index(drop=True).copy()
    for column in meta.columns:
        if column in ("sample_id", "replicate_id"):
            continue
        values = meta[column].astype("string")
        n_distinct = values.groupby(sample_of_row).nunique(dropna=True)
        varying = np.nonzero(n_distinct.to_numpy() > 1)[0]
        if not varying.size:
            continue
        if column in _FLOAT_FIELDS:  # coordinates that differ between replicates: left empty
            out.loc[varying, column] = np.nan
            names = ", ".join(str(reps.sample_id[i]) for i in varying[:5])
            warnings.warn(
                InputWarning(Problem(f"{column} differing between the replicates of samples {names}",
                                     "one value per field sample; left empty in the consensus", reps.source)),
                stacklevel=4,
            )
            continue
        joined = values.groupby(sample_of_row).agg(lambda v: ";".join(sorted(set(v.dropna()))))
        col = out[column].astype(object)
        col.iloc[varying] = joined.to_numpy()[varying]
        out[column] = col.astype(meta[column].dtype) if meta[column].dtype == "string" else col
    out["replicate_id"] = pd.Series([pd.NA] * len(out), dtype="string")
    return out



def _top_alleles(lo: np.ndarray, hi: np.ndarray, n_top: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """The ``n_top`` alleles seen in most replicates, per sample and locus.

    ``lo, hi`` are ``(samples, K, loci)``.  Returns alleles and counts,
    ``(samples, loci, n_top)``; a replicate counts once per allele it shows.
    Ties go to the smaller allele index; absent entries are ``-1`` / ``0``.
    """
    v = np.concatenate([lo, hi], axis=1).transpose(0, 2, 1).astype(np.int64)  # (S, L, 2K)
    valid = v >= 0
    cnt = ((v[..., :, None] == v[..., None, :]) & valid[..., None, :]).sum(axis=-1)
    key = np.where(valid, cnt * 65536 + (32767 - v), -1)
    ks = -np.sort(-key, axis=-1)
    distinct = np.ones(ks.shape, dtype=bool)
    distinct[..., 1:] = ks[..., 1:] != ks[..., :-1]
    distinct &= ks >= 0
    rank = np.cumsum(distinct, axis=-1) - 1
    alleles = np.full(ks.shape[:2] + (n_top,), -1, dtype=np.int64)
    counts = np.zeros(ks.shape[:2] + (n_top,), dtype=np.int64)
    for i in range(n_top):
        sel = distinct & (rank == i)
        has = sel.any(axis=-1)
        pos = sel.argmax(axis=-1)
        kv = np.take_along_axis(ks, pos[..., None], axis=-1)[..., 0]
        alleles[..., i] = np.where(has, 32767 - (kv & 0xFFFF), -1)
        counts[..., i] = np.where(has, kv >> 16, 0)
    return alleles, counts


def _rule_taberlet(reps: ReplicateArray, min_het: int, min_hom: int):
    a, c = _top_alleles(reps.obs_lo, reps.obs_hi)
    a1, a2, c1, c2, c3 = a[..., 0], a[..., 1], c[..., 0], c[..., 1], c[..., 2]
    conflict = c3 >= min_het
    none = c1 == 0
    het_ok = (c2 >= min_het) & ~conflict
    hom_ok = (c2 == 0) & (c1 >= min_hom)
    status = np.where(none | conflict, FAILED, np.where(het_ok | hom_ok, CONFIRMED, PROVISIONAL))
    het = c2 > 0
    g_lo = np.where(het, np.minimum(a1, a2), a1)
    g_hi = np.where(het, np.maximum(a1, a2), a1)
    extra = np.where(het, np.maximum(min_het - c1, min_het - c2), min_hom - c1)
    extra = np.where(none, min_het, np.maximum(extra, 0))
    extra = np.where(conflict, -1, np.where(status == CONFIRMED, 0, extra))
    reason = np.full(status.shape, "", dtype=object)
    reason[(status == PROVISIONAL) & het] = f"heterozygote: each allele must be seen in {min_het} PCRs"
    reason[(status == PROVISIONAL) & ~het] = f"homozygote: the allele must be seen in {min_hom} PCRs and no other"
    reason[none] = "no amplification"
    reason[conflict] = f"more than two alleles seen in {min_het} or more PCRs: mixture or contamination"
    genotype = np.stack([g_lo, g_hi], axis=-1)
    genotype[status == FAILED] = -1
    return genotype, status, extra, reason, np.full(status.shape, np.nan)


def _rule_majority(reps: ReplicateArray, min_agree: int):
    codes = reps.codes().transpose(0, 2, 1).astype(np.int64)  # (S, L, K)
    valid = codes >= 0
    cnt = ((codes[..., :, None] == codes[..., None, :]) & valid[..., None, :]).sum(axis=-1)
    is_het = (codes % 32768) > 0
    key = np.where(valid, cnt * (1 << 32) + is_het * (1 << 31) + ((1 << 31) - 1 - codes), -1)
    best = key.argmax(axis=-1)
    take = lambda arr: np.take_along_axis(arr, best[..., None], axis=-1)[..., 0]  # noqa: E731
    b_code, b_cnt, b_valid = take(codes), take(cnt), take(valid)
    n_amp = valid.sum(axis=-1)
    tie = (valid & (codes != b_code[..., None]) & (cnt == b_cnt[..., None])).any(axis=-1)
    majority = 2 * b_cnt > n_amp
    confirmed = b_valid & majority & (b_cnt >= min_agree)
    status = np.where(~b_valid, FAILED, np.where(confirmed, CONFIRMED, PROVISIONAL))
    g_lo = np.where(b_valid, b_code // 32768, -1)
    hi = np.where(b_valid, b_code % 32768 - 1, -1)
    g_hi = np.where(hi >= 0, hi, g_lo)
    extra = np.maximum(np.maximum(n_amp - 2 * b_cnt + 1, min_agree - b_cnt), 0)
    extra = np.where(~b_valid, min_agree, np.where(confirmed, 0, extra))
    reason = np.full(status.shape, "", dtype=object)
    reason[(status == PROVISIONAL) & tie] = "tie between replicate genotypes"
    reason[(status == PROVISIONAL) & ~tie] = (
        f"the genotype must be a strict majority of the amplifications and seen {min_agree} times"
    )
    reason[~b_valid] = "no amplification"
    genotype = np.stack([g_lo, g_hi], axis=-1)
    return genotype, status, extra, reason, np.full(status.shape, np.nan)


def _rates_from_argument(error_rates: Any, loci: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(error_rates, pd.DataFrame):
        df = error_rates
        if "method" in df.columns and df["method"].nunique() > 1:
            df = df[df["method"].str.startswith("ml")]
        mapping = {r.locus: (r.ado_rate, r.fa_rate) for r in df.itertuples()}
    else:
        mapping = dict(error_rates)
    missing = [n for n in loci if n not in mapping]
    if missing:
        raise ModelError(f"error rates missing for loci: {', '.join(missing)}")
    ado = np.array([float(mapping[n][0]) for n in loci])
    fa = np.array([float(mapping[n][1]) for n in loci])
    if np.any(~np.isfinite(ado)) or np.any(~np.isfinite(fa)) or np.any((ado < 0) | (ado >= 1) | (fa < 0) | (fa >= 1)):
        raise ModelError("error rates must lie in [0, 1)")
    return ado, fa


def _single_observation_loglik(data: lik.PatternData, d, f, g_star: np.ndarray) -> np.ndarray:
    """``(loci, patterns, genotypes)`` log P(one replicate shows genotype g_star[l, u] | G)."""
    lp = lik._log_probs(data, d, f)  # (L, G, 3)
    l_idx = np.arange(data.n_loci)[:, None]
    s1, s2 = data.g1[l_idx, g_star], data.g2[l_idx, g_star]  # (L, U)
    obs_het = (s1 != s2)[..., None]
    o1, o2 = s1[..., None], s2[..., None]
    a, b = data.g1[:, None, :], data.g2[:, None, :]
    het = a != b
    lo_in = (o1 == a) | (o1 == b)
    hi_in = (o2 == a) | (o2 == b)
    full = np.where(het, obs_het & lo_in & hi_in, ~obs_het & (o1 == a))
    drop = het & ~obs_het & lo_in
    false = obs_het & (lo_in ^ hi_in)
    lp_b = lp[:, None, :, :]
    out = np.full(full.shape, -np.inf)
    out = np.where(full, lp_b[..., 0], out)
    out = np.where(drop, lp_b[..., 1], out)
    out = np.where(false, lp_b[..., 2], out)
    return out


def _rule_ml(reps: ReplicateArray, error_rates, min_posterior: float, max_replicates: int):
    data = lik.build_patterns(reps)
    p0 = lik.initial_frequencies(data, reps)
    if error_rates is None:
        fit = lik.fit_error_model(data, p0)
    else:
        ado, fa = _rates_from_argument(error_rates, reps.locus_id)
        fit = lik.fit_error_model(data, p0, fix_d=ado, fix_f=fa)
    n_typed = data.weight.sum(axis=1)
    if error_rates is None and np.any(n_typed < MIN_SAMPLES_ML):
        few = [f"{name} ({int(n)})" for name, n in zip(reps.locus_id, n_typed, strict=True) if n < MIN_SAMPLES_ML]
        warnings.warn(
            ErrorRateWarning(
                f"error rates estimated from fewer than {MIN_SAMPLES_ML} amplified samples at loci "
                f"{', '.join(few)}; give error_rates from a larger batch for the ml rule"
            ),
            stacklevel=3,
        )
    d = np.clip(fit.ado, 1e-6, 1 - 1e-6)
    f = np.clip(fit.fa, 1e-6, 1 - 1e-6)
    # prior: ML allele frequencies with a pseudo-count of 1/2 gene copy per allele, so that an
    # allele seen in the batch never has prior probability 0
    a_l = np.maximum(data.n_alleles, 1)[:, None].astype(np.float64)
    in_table = np.arange(fit.freqs.shape[1])[None, :] < data.n_alleles[:, None]
    freqs = np.where(in_table, (fit.freqs * 2.0 * n_typed[:, None] + 0.5) / (2.0 * n_typed[:, None] + 0.5 * a_l), 0.0)
    logpost = lik.log_likelihood_matrix(data, d, f) + lik._log_prior(data, freqs)[:, None, :]
    m = logpost.max(axis=-1, keepdims=True)
    finite = np.isfinite(m[..., 0])
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(under="ignore"):
        e = np.exp(logpost - m_safe)
    post = e / np.where(e.sum(axis=-1, keepdims=True) > 0, e.sum(axis=-1, keepdims=True), 1.0)
    g_star = post.argmax(axis=-1)  # (L, U)
    p_star = np.take_along_axis(post, g_star[..., None], axis=-1)[..., 0]
    # PCRs needed: add replicates that show the MAP genotype until it reaches min_posterior
    inc = _single_observation_loglik(data, d, f, g_star)
    need = np.full(g_star.shape, -1, dtype=np.int64)
    need[p_star >= min_posterior] = 0
    for x in range(1, max(max_replicates, 1) + 1):
        lp_x = np.where(np.isfinite(inc), logpost + x * np.where(np.isfinite(inc), inc, 0.0), -np.inf)
        mx = lp_x.max(axis=-1, keepdims=True)
        mx = np.where(np.isfinite(mx), mx, 0.0)
        with np.errstate(under="ignore"):
            ex = np.exp(lp_x - mx)
        px = np.take_along_axis(ex, g_star[..., None], axis=-1)[..., 0] / np.maximum(ex.sum(axis=-1), 1e-300)
        need = np.where((need < 0) & (px >= min_posterior), x, need)
    l_idx = np.arange(data.n_loci)[None, :]
    inv = data.inverse  # (S, L)
    gs = g_star[l_idx, inv]
    ps = p_star[l_idx, inv]
    amp_any = reps.amplified.any(axis=1)
    ok = amp_any & finite[l_idx, inv]
    g_lo = np.where(ok, data.g1[l_idx, gs], -1)
    g_hi = np.where(ok, data.g2[l_idx, gs], -1)
    status = np.where(~ok, FAILED, np.where(ps >= min_posterior, CONFIRMED, PROVISIONAL))
    extra = np.where(amp_any, need[l_idx, inv], 2)
    extra = np.where(status == CONFIRMED, 0, extra)
    reason = np.full(status.shape, "", dtype=object)
    reason[status == PROVISIONAL] = f"posterior probability below {min_posterior}"
    reason[~amp_any] = "no amplification"
    reason[amp_any & ~ok] = "no genotype explains the replicates under the error rates"
    genotype = np.stack([g_lo, g_hi], axis=-1)
    return genotype, status, extra, reason, np.where(ok, ps, np.nan), fit, data


# ---------------------------------------------------------------------------- API
def call_consensus(
    table: GenotypeTable | ReplicateArray,
    rule: str = "taberlet",
    *,
    min_het: int = 2,
    min_hom: int = 3,
    min_agree: int = 2,
    min_posterior: float = 0.99,
    error_rates: Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
    max_replicates: int = 8,
    min_quality: float = 0.5,
    min_loci: int | None = None,
) -> ConsensusResult:
    """Consensus genotypes of field samples from their replicate PCRs.

    Parameters
    ----------
    table
        One row per PCR replicate, ``sample_id`` the field sample and
        ``replicate_id`` filled (or an already grouped :class:`ReplicateArray`).
    rule
        ``taberlet``, ``majority`` or ``ml`` (see the module docstring).
    min_het, min_hom
        Taberlet rule: replicates in which each allele of a heterozygote, and
        the allele of a homozygote, must be seen.
    min_agree
        Majority rule: times the majority genotype must be seen.
    min_posterior
        ML rule: posterior probability for a confirmed call.
    error_rates
        ML rule: per-locus ``(ado, fa)`` rates (a mapping, or a DataFrame with
        ``locus, ado_rate, fa_rate``); estimated from the batch when ``None``.
    max_replicates
        PCRs a lab will run per sample and locus at most; the re-genotyping
        list says whether a call can reach the rule within it.
    min_quality, min_loci
        Reject samples whose quality index (Miquel et al. 2006) is below
        ``min_quality`` or that have fewer than ``min_loci`` typed loci
        (confirmed or provisional; default half the loci, rounded up).

    Returns
    -------
    ConsensusResult

    References
    ----------
    Taberlet et al. 1996, Nucleic Acids Res 24:3189; Miquel et al. 2006, Mol
    Ecol Notes 6:985; Miller, Joyce & Waits 2002, Genetics 160:357.

    Examples
    --------
    Sample S1 shows 165/169 twice and 165 once: each allele of the heterozygote
    is seen at least twice, so 165/169 is confirmed; two of its three replicates
    are identical to it (quality 2/3).

    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169]], [[165, 169]], [[165, 165]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["S1"] * 3, "replicate_id": ["a", "b", "c"]}))
    >>> r = call_consensus(t, "taberlet")
    >>> r.to_long()[["allele_1", "allele_2", "status", "n_replicates"]].values.tolist()
    [[165, 169, 'confirmed', 3]]
    >>> round(float(r.quality[0, 0]), 4)
    0.6667
    """
    if rule not in RULES:
        raise ModelError(f"rule {rule!r} is not one of {', '.join(RULES)}")
    for name, value, low in (("min_het", min_het, 1), ("min_hom", min_hom, 1), ("min_agree", min_agree, 1),
                             ("max_replicates", max_replicates, 1)):
        if int(value) != value or value < low:
            raise ModelError(f"{name} must be a whole number >= {low}, got {value}")
    if not 0.0 < min_posterior < 1.0:
        raise ModelError(f"min_posterior must lie in (0, 1), got {min_posterior}")
    if not 0.0 <= min_quality <= 1.0:
        raise ModelError(f"min_quality must lie in [0, 1], got {min_quality}")
    reps = table if isinstance(table, ReplicateArray) else group_replicates(table)
    n_l = reps.n_loci
    if min_loci is None:
        min_loci = math.ceil(n_l / 2)
    fit = data = None
    if rule == "taberlet":
        genotype, status, extra, reason, post = _rule_taberlet(reps, min_het, min_hom)
    elif rule == "majority":
        genotype, status, extra, reason, post = _rule_majority(reps, min_agree)
    else:
        genotype, status, extra, reason, post, fit, data = _rule_ml(reps, error_rates, min_posterior, max_replicates)
    genotype = genotype.astype(np.int16)
    status = status.astype(np.int8)
    n_rep = np.broadcast_to(reps.n_replicates[:, None], status.shape).copy()
    n_amp = reps.amplified.sum(axis=1).astype(np.int64)
    # Miquel et al. 2006: a replicate scores 1 when it is identical to the consensus
    c_lo = genotype[..., 0]
    c_hi = np.where(genotype[..., 1] != genotype[..., 0], genotype[..., 1], -1)
    same = (reps.obs_lo == c_lo[:, None, :]) & (reps.obs_hi == c_hi[:, None, :]) & reps.amplified
    same &= (status != FAILED)[:, None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        quality = np.where(n_rep > 0, same.sum(axis=1) / np.maximum(n_rep, 1), np.nan)
    sample_quality = quality.mean(axis=1) if n_l else np.full(reps.n_samples, np.nan)
    locus_quality = quality.mean(axis=0) if reps.n_samples else np.full(n_l, np.nan)
    typed = (status != FAILED).sum(axis=1)
    low_q = sample_quality < min_quality
    few = typed < min_loci
    s_status = np.where(low_q | few, "rejected", np.where((status != CONFIRMED).any(axis=1), "regenotype", "accepted"))
    s_reason = np.full(reps.n_samples, "", dtype=object)
    for i in np.nonzero(low_q | few)[0]:
        parts = []
        if low_q[i]:
            parts.append(f"quality index {sample_quality[i]:.3f} < {min_quality}")
        if few[i]:
            parts.append(f"{typed[i]} loci typed < {min_loci}")
        s_reason[i] = "; ".join(parts)
    params = {
        "rule": rule,
        "min_het": int(min_het),
        "min_hom": int(min_hom),
        "min_agree": int(min_agree),
        "min_posterior": float(min_posterior),
        "max_replicates": int(max_replicates),
        "min_quality": float(min_quality),
        "min_loci": int(min_loci),
        "error_rates": "estimated" if error_rates is None else "given",
    }
    return ConsensusResult(
        replicates=reps,
        rule=rule,
        parameters=params,
        genotype=genotype,
        status=status,
        n_replicates=n_rep,
        n_amplified=n_amp,
        quality=quality,
        posterior=post,
        extra_pcrs=extra.astype(np.int64),
        reason=reason,
        sample_quality=sample_quality,
        locus_quality=locus_quality,
        sample_status=s_status.astype(object),
        sample_reason=s_reason,
        error_model=fit,
        pattern_data=data,
    )
