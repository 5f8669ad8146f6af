"""Replicate PCRs of non-invasive samples with known genotyping errors.

Every field sample is amplified ``K`` times (the multiple-tubes approach,
Taberlet et al. 1996).  For each replicate x locus, in this order:

1. **Sample failure** ("dud"): a sample whose extract holds no usable DNA
   fails at every locus of every replicate, with probability
   ``dud[quality] * mean(fail)`` (so no sample fails when ``fail`` is 0).
2. **Amplification failure**: the call is missing with probability
   ``fail[locus] * fail_multiplier[quality]``.
3. **Allelic dropout** (ADO) with ``d = ado[locus] * ado_multiplier[quality]``
   (clipped to 1).  Two models:

   * ``"amplification"`` (default): a successful amplification of a
     heterozygote shows only one of its two alleles (either, equally likely)
     with probability ``d``; the lab then calls a false homozygote.  ``d`` is
     then exactly the per-locus rate that Broquet & Petit (2004) estimate:
     (amplifications of heterozygotes showing one allele) / (amplifications
     of heterozygotes).
   * ``"allele"``: each of the two allele copies drops independently with
     probability ``d``; when both drop the call is missing (in homozygotes
     too).  The Broquet & Petit rate is then ``2d(1-d)/(1-d^2) = 2d/(1+d)``.

4. **False allele** (FA) with ``f = fa[locus] * fa_multiplier[quality]``: one
   of the two called alleles (either, equally likely) is replaced by an
   allele absent from the true genotype: with probability
   ``stutter_fraction`` a stutter product one repeat shorter (80%) or
   longer (20%) than the replaced allele, otherwise a random allele of the
   locus ladder.  ``f`` is the Broquet & Petit FA rate: (amplifications
   showing an allele absent from the true genotype) / (successful
   amplifications).  For a SNP the only possible false allele is the other
   base, so only homozygotes can show one.

Alleles within a call are written in ascending order.  GeneMapper-like
peak data come with the calls: ``call_size`` (bp, the bin size plus
``N(0, 0.1)`` sizing noise) and ``call_height`` (RFU, log-normal around the
quality class's median; a homozygote is one peak of about double height in
slot 1 and nothing in slot 2, as GeneMapper shows it; a false allele is a
low peak).

References
----------
Taberlet P, Griffin S, Goossens B, et al. (1996) Reliable genotyping of
samples with very low DNA quantities using PCR. Nucleic Acids Research
24:3189-3194.

Broquet T, Petit E (2004) Quantifying genotyping errors in noninvasive
population genetics. Molecular Ecology 13:3601-3608.

Pompanon F, Bonin A, Bellemain E, Taberlet P (2005) Genotyping errors:
causes, consequences and solutions. Nature Reviews Genetics 6:847-859.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ADO_MODELS", "QUALITY_CLASSES", "ReplicateCalls", "genotype_replicates"]

#: Allelic dropout models (see the module docstring).
ADO_MODELS = ("amplification", "allele")

#: DNA quantity classes: multipliers of the per-locus ADO, FA and failure
#: rates and of the mean failure rate for a whole-sample failure ("dud"),
#: and the median peak height (RFU).  The configured rates are those of the
#: "medium" class; with a failure rate of 0.05 a medium sample is a dud with
#: probability 0.02 and a low one with 0.15.
QUALITY_CLASSES: dict[str, dict[str, float]] = {
    "high": {"ado": 0.5, "fa": 0.5, "fail": 0.5, "dud": 0.0, "height": 3000.0},
    "medium": {"ado": 1.0, "fa": 1.0, "fail": 1.0, "dud": 0.4, "height": 1200.0},
    "low": {"ado": 2.0, "fa": 2.0, "fail": 2.5, "dud": 3.0, "height": 400.0},
}


@dataclass
class ReplicateCalls:
    """Raw replicate calls, ``K`` rows per sample (sample-major).

    ``calls`` ``(n*K, loci, 2)`` int32 allele codes (bp sizes, or 0/1 for
    SNPs), ``-1`` missing; boolean ``(n*K, loci)`` event arrays ``failed``
    (missing call, whatever the cause), ``dud`` (the whole sample failed),
    ``dropout`` (an ADO event that changed the call) and ``false_allele``;
    ``size`` and ``height`` ``(n*K, loci, 2)`` float peak data (NaN where no
    peak); ``sample_index`` and ``replicate`` (1..K) per row.
    """

    calls: np.ndarray
    failed: np.ndarray
    dud: np.ndarray
    dropout: np.ndarray
    false_allele: np.ndarray
    size: np.ndarray
    height: np.ndarray
    sample_index: np.ndarray
    replicate: np.ndarray


def _false_allele(
    base: int,
    truth: tuple[int, int],
    unit: int | None,
    ladder: np.ndarray,
    stutter: bool,
    back: bool,
    pick: float,
) -> int | None:
    """An allele absent from ``truth``: a stutter of ``base`` or a ladder allele."""
    if unit is None:  # SNP: the other base, if the genotype lacks it
        other = 1 - base
        return None if other in truth else other
    if stutter:
        for step in (-unit, unit) if back else (unit, -unit):
            cand = base + step
            if cand > 0 and cand not in truth:
                return int(cand)
    pool = [int(a) for a in ladder if a not in truth]
    if not pool:
        lo = min(truth)
        pool = [lo - unit if lo - unit > 0 else max(truth) + unit]
    return pool[min(int(pick * len(pool)), len(pool) - 1)]


def genotype_replicates(
    true_calls: np.ndarray,
    rng: np.random.Generator,
    *,
    replicates: int = 3,
    ado: Sequence[float] | np.ndarray,
    fa: Sequence[float] | np.ndarray,
    fail: Sequence[float] | np.ndarray,
    quality: Sequence[str] | np.ndarray | None = None,
    quality_classes: Mapping[str, Mapping[str, float]] | None = None,
    repeat_units: Sequence[int | None] | None = None,
    ladders: Sequence[Sequence[int]] | None = None,
    ado_model: str = "amplification",
    stutter_fraction: float = 0.7,
) -> ReplicateCalls:
    """Simulate ``replicates`` PCRs of each sample (see the module docstring).

    Parameters
    ----------
    true_calls
        ``(samples, loci, 2)`` true allele codes of each sample's individual.
    rng
        Random generator.  The same number of draws is made whatever the
        rates, so runs that differ only in rates fail the same calls.
    replicates
        PCRs per sample (``K``).
    ado, fa, fail
        Per-locus rates for a "medium" quality sample.
    quality
        Quality class of each sample (default all "medium").
    quality_classes
        Class table (default :data:`QUALITY_CLASSES`).
    repeat_units
        Per locus: repeat unit in bp, or ``None`` for a SNP (0/1 codes).
    ladders
        Per locus: alleles a random false allele may take.
    ado_model
        ``"amplification"`` or ``"allele"``.
    stutter_fraction
        Fraction of false alleles that are stutter products.

    Examples
    --------
    A heterozygote 100/104 with ADO certain and nothing else shows one allele:

    >>> r = genotype_replicates(np.array([[[100, 104]]]), np.random.default_rng(0),
    ...     replicates=4, ado=[1.0], fa=[0.0], fail=[0.0], repeat_units=[4], ladders=[[100, 104]],
    ...     quality_classes={"medium": {"ado": 1, "fa": 1, "fail": 1, "dud": 0, "height": 1000}})
    >>> all(c in ([100, 100], [104, 104]) for c in r.calls[:, 0].tolist())
    True
    >>> bool(r.dropout.all())
    True
    """
    if ado_model not in ADO_MODELS:
        raise ValueError(f"ado_model must be one of {ADO_MODELS}, got {ado_model!r}")
    true_calls = np.asarray(true_calls, dtype=np.int32)
    n, n_loci, _ = true_calls.shape
    classes = dict(quality_classes or QUALITY_CLASSES)
    q = np.asarray(quality if quality is not None else ["medium"] * n, dtype=object)
    unknown = sorted(set(q.tolist()) - set(classes))
    if unknown:
        raise ValueError(f"unknown quality classes {unknown}; known: {sorted(classes)}")
    units = list(repeat_units) if repeat_units is not None else [1] * n_loci
    lad = (
        [np.asarray(x, dtype=np.int64) for x in ladders]
        if ladders is not None
        else [np.zeros(0, np.int64)] * n_loci
    )

    def mult(key: str) -> np.ndarray:
        return np.asarray([classes[c][key] for c in q], dtype=float)

    k = int(replicates)
    rows = n * k
    sample_index = np.repeat(np.arange(n), k)
    replicate = np.tile(np.arange(1, k + 1), n)
    t = true_calls[sample_index]
    p_ado = np.clip(np.asarray(ado, float)[None, :] * mult("ado")[sample_index, None], 0.0, 1.0)
    p_fa = np.clip(np.asarray(fa, float)[None, :] * mult("fa")[sample_index, None], 0.0, 1.0)
    p_fail = np.clip(np.asarray(fail, float)[None, :] * mult("fail")[sample_index, None], 0.0, 1.0)
    # All draws are made up front, in a fixed order.
    u_dud = rng.random(n)
    u_fail = rng.random((rows, n_loci))
    u_drop = rng.random((rows, n_loci, 2))
    which = rng.integers(0, 2, size=(rows, n_loci))
    u_fa = rng.random((rows, n_loci))
    slot = rng.integers(0, 2, size=(rows, n_loci))
    u_kind = rng.random((rows, n_loci, 3))
    noise = rng.normal(0.0, 0.1, size=(rows, n_loci, 2))
    h_noise = rng.lognormal(0.0, 0.3, size=(rows, n_loci, 2))

    p_dud = np.clip(mult("dud") * (float(np.mean(fail)) if n_loci else 0.0), 0.0, 1.0)
    dud = np.repeat(u_dud < p_dud, k)[:, None] & np.ones((1, n_loci), bool)
    failed = dud | (u_fail < p_fail)
    a0, a1 = t[..., 0], t[..., 1]
    het = a0 != a1
    calls = t.copy()
    if ado_model == "amplification":
        dropout = het & ~failed & (u_drop[..., 0] < p_ado)
        kept = np.where(which == 0, a1, a0)
        calls[dropout] = kept[dropout][:, None]
    else:
        d0 = u_drop[..., 0] < p_ado
        d1 = u_drop[..., 1] < p_ado
        both = d0 & d1 & ~failed
        one = (d0 ^ d1) & het & ~failed
        kept = np.where(d0, a1, a0)
        calls[one] = kept[one][:, None]
        failed = failed | both
        dropout = one | both
    calls[failed] = -1
    fa_hit = ~failed & (u_fa < p_fa)
    false_allele = np.zeros_like(fa_hit)
    fa_slot = np.zeros(calls.shape, dtype=bool)
    for i, j in zip(*np.nonzero(fa_hit), strict=True):
        s = int(slot[i, j])
        truth = (int(a0[i, j]), int(a1[i, j]))
        new = _false_allele(
            int(calls[i, j, s]), truth, units[j], lad[j],
            u_kind[i, j, 0] < stutter_fraction, u_kind[i, j, 1] < 0.8, float(u_kind[i, j, 2]),
        )  # fmt: skip
        if new is not None:
            calls[i, j, s] = new
            false_allele[i, j] = True
            fa_slot[i, j, s] = True
    # Peaks, then alleles in ascending order within each call.
    median = mult("height")[sample_index][:, None, None]
    size = np.round(calls + noise, 2).astype(float)
    height = np.round(median * h_noise)
    height = np.where(fa_slot, np.round(height * 0.35), height)
    order = np.argsort(calls, axis=2, kind="stable")
    calls = np.take_along_axis(calls, order, axis=2)
    size = np.take_along_axis(size, order, axis=2)
    height = np.take_along_axis(height, order, axis=2)
    homo = calls[..., 0] == calls[..., 1]
    height[..., 0] = np.where(homo, np.round(height[..., 0] * 1.8), height[..., 0])
    size[..., 1] = np.where(homo, np.nan, size[..., 1])
    height[..., 1] = np.where(homo, np.nan, height[..., 1])
    size[failed] = np.nan
    height[failed] = np.nan
    return ReplicateCalls(
        calls, failed, dud, dropout, false_allele, size, height, sample_index, replicate
    )
