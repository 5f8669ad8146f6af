"""Parentage: exclusion and likelihood (LOD, Δ) with simulation-derived confidence, as in Cervus.

For an offspring ``o`` and a candidate parent ``a`` at one locus, with allele
frequencies ``p`` and Hardy–Weinberg genotype probabilities ``P(g)``:

* **Exclusion** counts the loci, typed in both, where the candidate shares no
  allele with the offspring (*mismatching loci*).
* **Likelihood** uses the random-genotype-replacement error model of Marshall
  et al. (1998) in the corrected form of Kalinowski, Taper & Marshall (2007):
  with probability ``ε`` (the per-genotype error rate) an observed genotype is
  not the true one but a genotype drawn at random from the population, so an
  erroneous genotype is observed with its population frequency
  (``E(g | t) = (1 - ε)[g = t] + ε P(g)``).  With ``T(o|a)`` the probability
  of the offspring genotype given one parent ``a`` and a random other parent,
  and ``T(o|m,f)`` given both parents, the per-locus likelihood ratios are

  - one candidate parent versus unrelated, ``error_model="cervus"``:
    ``LR = [(1-ε) T(o|a) + ε P(o)] / P(o)``;
  - the same, ``error_model="full"`` (the exact sum over the true genotypes
    when the offspring, the candidate or both may be mistyped):
    ``LR = [(1-ε)² T(o|a) + (1 - (1-ε)²) P(o)] / P(o)``;
  - candidate father ``f`` versus an unrelated male, given the known mother
    ``m`` (both models; the exact sum over the three true genotypes):
    ``[(1-ε)³ T(o|m,f) + ε(1-ε)² (T(o|m) + T(o|f) + P(o)) + ε²(3-2ε) P(o)]``
    divided by the mother-offspring pair term ``k T(o|m) + (1-k) P(o)``, with
    ``k = 1-ε`` (cervus) or ``(1-ε)²`` (full).

  The "cervus" equations are those of MasterBayes's implementation of
  CERVUS's error model (Hadfield et al. 2006; ``src/calcX_Gcervus.cc``, where
  ``ε = E2(2 - E2)`` is "the per-genotype rate defined in CERVUS"): its pair
  equation allows one error event, its trio equation errors in all three
  genotypes (it writes the per-allele ``E2`` where the trio's error terms have
  ``ε`` above; with ``ε`` throughout the trio probabilities sum to one and equal
  the exact sum).  The candidate's and mother's genotype probabilities cancel.  The
  LOD score is the natural log of the product of the per-locus ratios, as in
  Cervus; loci untyped in the offspring or the candidate are skipped, and a
  locus untyped in the known mother uses the pair ratio.
* **Δ** is the LOD of the most likely candidate minus that of the second most
  likely (the LOD itself when there is one candidate).  Critical Δ values for
  80 % and 95 % confidence come from simulated parentage tests (Marshall et
  al. 1998): offspring are simulated from the observed allele frequencies,
  the true parent is among the candidates with probability ``sampled``,
  candidates are drawn from the frequencies, genotypes are mistyped at the
  simulation error rate and left untyped at ``1 - typed_rate``; the critical
  Δ is the smallest Δ such that, among the simulated tests whose most likely
  candidate has a positive LOD and a Δ at least that large, the fraction in
  which the most likely candidate is the true parent reaches the confidence
  level.  Assignments are marked ``*`` (95 %), ``+`` (80 %) or ``-``.

Cervus 3 is a Windows program and was not run here, and the 2007 paper could
not be retrieved: outputs are not checked against Cervus's own numbers, and
the "cervus" equations rest on MasterBayes's transcription of them.

References
----------
Marshall TC, Slate J, Kruuk LEB, Pemberton JM (1998) Statistical confidence for
likelihood-based paternity inference in natural populations. Molecular Ecology
7:639-655.

Kalinowski ST, Taper ML, Marshall TC (2007) Revising how the computer program
CERVUS accommodates genotyping error increases success in paternity
assignment. Molecular Ecology 16:1099-1106.

Hadfield JD, Richardson DS, Burke T (2006) Towards unbiased parentage
assignment: combining genetic, behavioural and spatial data in a Bayesian
framework. Molecular Ecology 15:3715-3730.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputError, InputWarning, Problem
from ..model import GenotypeTable
from .checks import untyped_individuals
from .power import sample_frequencies

__all__ = [
    "ERROR_MODELS",
    "ParentageResult",
    "assign_parentage",
    "critical_delta",
    "mismatch_counts",
    "parentage_lod",
    "read_id_source",
    "read_known_mothers",
    "simulate_parentage",
    "trio_mismatch_counts",
]

#: Likelihood error models: CERVUS's equations and the full random-replacement marginalisation.
ERROR_MODELS = ("cervus", "full")

#: Confidence levels and the mark of an assignment that reaches them (strict first).
CONFIDENCE_MARKS = ((0.95, "*"), (0.80, "+"))


def _freq_matrix(freqs: Sequence[np.ndarray]) -> np.ndarray:
    """``(loci, alleles)`` frequencies padded with zeros; an untyped locus is all zeros."""
    width = max([1, *(np.asarray(f).size for f in freqs)])
    out = np.zeros((len(freqs), width))
    for j, f in enumerate(freqs):
        f = np.nan_to_num(np.asarray(f, dtype=np.float64), nan=0.0)
        out[j, : f.size] = f
    return out


def _allele_p(freq: np.ndarray, allele: np.ndarray) -> np.ndarray:
    loci = np.arange(freq.shape[0])
    return freq[loci, np.maximum(allele, 0)]


def _genotype_p(freq: np.ndarray, g: np.ndarray) -> np.ndarray:
    p0, p1 = _allele_p(freq, g[..., 0]), _allele_p(freq, g[..., 1])
    return np.where(g[..., 0] == g[..., 1], p0 * p0, 2 * p0 * p1)


def _share(parent: np.ndarray, allele: np.ndarray) -> np.ndarray:
    """Probability that ``parent`` transmits ``allele`` (0, 1/2 or 1)."""
    return 0.5 * ((parent[..., 0] == allele).astype(np.float64) + (parent[..., 1] == allele))


def _t1(freq: np.ndarray, o: np.ndarray, a: np.ndarray) -> np.ndarray:
    """P(offspring o | one parent a, the other parent random)."""
    x, y = o[..., 0], o[..., 1]
    px, py = _allele_p(freq, x), _allele_p(freq, y)
    hx, hy = _share(a, x), _share(a, y)
    return np.where(x == y, hx * px, hx * py + hy * px)


def _t2(o: np.ndarray, m: np.ndarray, f: np.ndarray) -> np.ndarray:
    """P(offspring o | parents m and f) by Mendel."""
    x, y = o[..., 0], o[..., 1]
    return np.where(x == y, _share(m, x) * _share(f, x),
                    _share(m, x) * _share(f, y) + _share(m, y) * _share(f, x))


def _typed(g: np.ndarray) -> np.ndarray:
    return (g >= 0).all(axis=-1)


def mismatch_counts(offspring: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loci compared and loci where the candidate shares no allele with the offspring.

    Parameters
    ----------
    offspring, candidates
        Allele indices ``(..., loci, 2)`` (``-1`` missing), broadcastable.

    Returns
    -------
    (n_loci_compared, mismatches)
        Integer arrays over the broadcast leading dimensions.

    Examples
    --------
    Offspring 1/2 at three loci; a candidate 2/3, 4/4 and untyped: one locus
    shares allele 2, one shares nothing, one is not compared.

    >>> o = np.array([[1, 2], [1, 2], [1, 2]])
    >>> c = np.array([[2, 3], [4, 4], [-1, -1]])
    >>> [int(v) for v in mismatch_counts(o, c)]
    [2, 1]
    """
    o, a = np.asarray(offspring), np.asarray(candidates)
    both = _typed(o) & _typed(a)
    shared = ((o[..., :, None] == a[..., None, :]).any(axis=(-1, -2)))
    return both.sum(axis=-1), (both & ~shared).sum(axis=-1)


def trio_mismatch_counts(offspring: np.ndarray, candidates: np.ndarray, mother: np.ndarray) -> np.ndarray:
    """Loci where the offspring cannot come from the known mother and the candidate father.

    A locus typed in offspring and candidate counts when the mother is typed
    there and no allele of hers with one of the candidate's makes the offspring
    genotype, or, where the mother is untyped, when the candidate shares no
    allele with the offspring.

    Examples
    --------
    Offspring 1/2, mother 1/1: a candidate 1/3 shares allele 1 with the offspring
    but the mother already gave the 1, so the 2 is unexplained (a trio mismatch
    that is not a pair mismatch); a candidate 2/3 fits.

    >>> o = np.array([[1, 2]]); m = np.array([[1, 1]])
    >>> trio_mismatch_counts(o, np.array([[[1, 3]], [[2, 3]]]), m).tolist()
    [1, 0]
    """
    o, a, m = np.asarray(offspring), np.asarray(candidates), np.asarray(mother)
    both = _typed(o) & _typed(a)
    shared = (o[..., :, None] == a[..., None, :]).any(axis=(-1, -2))
    trio_ok = _t2(o, m, a) > 0
    bad = np.where(_typed(m), ~trio_ok, ~shared)
    return (both & bad).sum(axis=-1)


def _locus_log_lr(freq, o, a, m, eps, model):
    """Per-locus ln LR of candidate ``a`` as parent of ``o`` (``m``: known mother or None)."""
    # probability that an offspring-parent pair is observed without error: one error event in
    # CERVUS's pair equation, either of two genotypes in the full model
    keep2 = (1 - eps) if model == "cervus" else (1 - eps) ** 2
    po = _genotype_p(freq, o)
    ok = _typed(o) & _typed(a) & (po > 0)
    po_safe = np.where(ok, po, 1.0)
    t1a = _t1(freq, o, a)
    single = (keep2 * t1a + (1 - keep2) * po_safe) / po_safe
    lr = single
    if m is not None:
        t1m = _t1(freq, o, m)
        keep3 = (1 - eps) ** 3
        one = eps * (1 - eps) ** 2
        num = keep3 * _t2(o, m, a) + one * (t1m + t1a) + (1 - keep3 - 2 * one) * po_safe
        den = keep2 * t1m + (1 - keep2) * po_safe
        use_trio = _typed(m) & (den > 0)
        lr = np.where(use_trio, num / np.where(use_trio, den, 1.0), single)
    with np.errstate(divide="ignore"):
        return np.where(ok, np.log(lr), 0.0), ok


def parentage_lod(
    offspring: np.ndarray,
    candidates: np.ndarray,
    freqs: Sequence[np.ndarray] | np.ndarray,
    error_rate: float = 0.01,
    mother: np.ndarray | None = None,
    error_model: str = "cervus",
) -> tuple[np.ndarray, np.ndarray]:
    """LOD score (natural log) of each candidate being a parent of the offspring.

    Parameters
    ----------
    offspring, candidates
        Allele indices ``(..., loci, 2)``, ``-1`` missing; broadcastable
        (e.g. offspring ``(1, L, 2)`` against candidates ``(k, L, 2)``).
    freqs
        Allele frequencies per locus (indexed by allele index), or a padded
        ``(loci, alleles)`` matrix.
    error_rate
        Per-genotype error rate ``ε`` of the likelihood (``0 <= ε < 1``).
    mother
        Known mother's genotype (broadcastable), or ``None``: then the LOD is
        candidate parent versus unrelated with the other parent unknown; with
        a mother it is candidate father versus unrelated male given the mother.
    error_model
        ``"cervus"`` (pair ratio ``(1-ε) T/P(o) + ε``) or ``"full"`` (pair ratio
        ``(1-ε)² T/P(o) + 1 - (1-ε)²``); the trio numerator is the same in both.

    Returns
    -------
    (lod, n_loci)
        LOD scores and the number of loci typed in both offspring and candidate.

    Examples
    --------
    One locus, alleles A, B, C at 0.5, 0.3, 0.2; offspring AB, candidate AC,
    ε = 0.01, full model.  The candidate transmits A with probability 1/2 and the other
    parent brings B with probability 0.3: T = 0.15; P(AB) = 2(0.5)(0.3) = 0.3;
    LR = 0.99² (0.15 / 0.3) + (1 - 0.99²) = 0.49005 + 0.0199 = 0.50995;
    LOD = ln 0.50995 = -0.67344.  A candidate CC (a mismatch) has
    LR = 1 - 0.99² = 0.0199, LOD = ln 0.0199 = -3.91704.

    >>> f = [np.array([0.5, 0.3, 0.2])]
    >>> o = np.array([[[0, 1]]]); c = np.array([[[0, 2]], [[2, 2]]])
    >>> lod, n = parentage_lod(o, c, f, 0.01, error_model="full")
    >>> lod.round(5).tolist(), n.tolist()
    ([-0.67344, -3.91704], [1, 1])
    """
    if not 0 <= error_rate < 1:
        raise ValueError(f"error_rate must be in [0, 1), got {error_rate}")
    freq = freqs if isinstance(freqs, np.ndarray) and freqs.ndim == 2 else _freq_matrix(freqs)
    o, a = np.asarray(offspring), np.asarray(candidates)
    m = None if mother is None else np.asarray(mother)
    if error_model not in ERROR_MODELS:
        raise ValueError(f"error_model must be one of {ERROR_MODELS}, got {error_model!r}")
    ll, ok = _locus_log_lr(freq, o, a, m, float(error_rate), error_model)
    return ll.sum(axis=-1), ok.sum(axis=-1)


def _rank(lod: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best index, Δ and runner-up index (-1 when none) along the last axis."""
    k = lod.shape[-1]
    order = np.argsort(-lod, axis=-1, kind="stable")
    best = order[..., 0]
    top = np.take_along_axis(lod, best[..., None], axis=-1)[..., 0]
    if k > 1:
        second = order[..., 1]
        runner = np.take_along_axis(lod, second[..., None], axis=-1)[..., 0]
        # an excluded (-inf) runner-up leaves one candidate: Δ is then the LOD itself
        with np.errstate(invalid="ignore"):
            delta = np.where(np.isneginf(runner), top, top - runner)
        second = np.where(np.isneginf(runner), -1, second)
    else:
        second = np.full(best.shape, -1)
        delta = top.copy()
    return best, delta, second


def _random_genotypes(freq: np.ndarray, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Genotypes ``shape + (loci, 2)`` drawn from the frequencies (inverse-CDF sampling)."""
    n_loci = freq.shape[0]
    cdf = np.cumsum(freq / freq.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(shape + (n_loci, 2))
    out = np.empty(u.shape, dtype=np.int16)
    for j in range(n_loci):
        out[..., j, :] = np.minimum(np.searchsorted(cdf[j], u[..., j, :], side="right"), freq.shape[1] - 1)
    return out


def _gamete(parent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    pick = rng.integers(0, 2, size=parent.shape[:-1])
    return np.take_along_axis(parent, pick[..., None], axis=-1)[..., 0]


def _corrupt(g: np.ndarray, freq: np.ndarray, error_rate: float, typed_rate: float,
             rng: np.random.Generator) -> np.ndarray:
    """Replace genotypes by random ones at ``error_rate`` and blank them at ``1 - typed_rate``."""
    g = g.copy()
    err = rng.random(g.shape[:-1]) < error_rate
    if err.any():
        g[err] = _random_genotypes(freq, g.shape[:-2], rng)[err]
    g[rng.random(g.shape[:-1]) >= typed_rate] = -1
    return g


def simulate_parentage(
    freqs: Sequence[np.ndarray] | np.ndarray,
    n_candidates: int,
    n_offspring: int = 10000,
    sampled: float = 1.0,
    error_rate: float = 0.01,
    sim_error_rate: float | None = None,
    typed_rate: float = 1.0,
    known_mother: bool = False,
    max_mismatches: int | None = None,
    error_model: str = "cervus",
    seed: int | np.random.Generator | None = None,
    chunk: int = 2000,
) -> pd.DataFrame:
    """Simulated parentage tests, Cervus-style: one row per simulated offspring.

    Each offspring gets ``n_candidates`` candidate parents drawn from the
    frequencies; with probability ``sampled`` one of them (at a random
    position) is replaced by the true parent.  The offspring takes one allele
    of the true parent and one of the (simulated, known when
    ``known_mother``) mother or a random allele.  Every genotype is then
    mistyped at ``sim_error_rate`` (default ``error_rate``) and untyped at
    ``1 - typed_rate``; LODs use ``error_rate``.  With ``max_mismatches``,
    candidates with more (trio, when ``known_mother``) mismatches are excluded
    before ranking, as in :func:`assign_parentage`.

    Returns
    -------
    pandas.DataFrame
        ``lod`` (of the most likely candidate), ``delta``, ``true_sampled``,
        ``correct`` (the most likely candidate is the true parent).
    """
    if n_candidates < 1:
        raise ValueError("n_candidates must be at least 1")
    if not 0 <= sampled <= 1 or not 0 < typed_rate <= 1:
        raise ValueError("sampled must be in [0, 1] and typed_rate in (0, 1]")
    rng = np.random.default_rng(seed)
    freq = freqs if isinstance(freqs, np.ndarray) and freqs.ndim == 2 else _freq_matrix(freqs)
    use = freq.sum(axis=1) > 0
    freq = freq[use]
    sim_err = error_rate if sim_error_rate is None else sim_error_rate
    parts = []
    for start in range(0, n_offspring, chunk):
        n = min(chunk, n_offspring - start)
        cand = _random_genotypes(freq, (n, n_candidates), rng)
        father = _random_genotypes(freq, (n,), rng)
        mother = _random_genotypes(freq, (n,), rng)
        child = np.stack([_gamete(mother, rng), _gamete(father, rng)], axis=-1)
        in_sample = rng.random(n) < sampled
        where = rng.integers(0, n_candidates, size=n)
        rows = np.nonzero(in_sample)[0]
        cand[rows, where[rows]] = father[rows]
        cand = _corrupt(cand, freq, sim_err, typed_rate, rng)
        child = _corrupt(child, freq, sim_err, typed_rate, rng)
        mum = _corrupt(mother, freq, sim_err, typed_rate, rng)[:, None] if known_mother else None
        lod, _ = parentage_lod(child[:, None], cand, freq, error_rate, mum, error_model)
        if max_mismatches is not None:
            mism = (mismatch_counts(child[:, None], cand)[1] if mum is None
                    else trio_mismatch_counts(child[:, None], cand, mum))
            lod = np.where(mism > max_mismatches, -np.inf, lod)
        best, delta, _ = _rank(lod)
        parts.append(pd.DataFrame({
            "lod": lod[np.arange(n), best], "delta": delta, "true_sampled": in_sample,
            "correct": in_sample & (best == where),
        }))
    return pd.concat(parts, ignore_index=True)


def critical_delta(sims: pd.DataFrame, levels: Iterable[float] = (0.80, 0.95)) -> pd.DataFrame:
    """Smallest Δ at which assignments (positive LOD, Δ ≥ it) are correct at each confidence level.

    Returns ``confidence``, ``critical_delta`` (``inf`` when the level is never
    reached), ``assignment_rate`` (fraction of all simulated tests assigned at
    that level), ``correct_rate`` (fraction of those that are correct) and
    ``n_tests``.

    Examples
    --------
    Δ values 5, 4, 3, 2, 1 with correctness T, T, F, T, F: precision at
    Δ ≥ 5, 4, 3, 2, 1 is 1, 1, 2/3, 3/4, 3/5; 80 % needs Δ ≥ 4 (2/3 and 3/4
    fall short).

    >>> s = pd.DataFrame({"lod": [1.0] * 5, "delta": [5.0, 4, 3, 2, 1],
    ...                   "correct": [True, True, False, True, False]})
    >>> critical_delta(s, [0.8])[["confidence", "critical_delta", "assignment_rate"]].values.tolist()
    [[0.8, 4.0, 0.4]]
    """
    n_tests = len(sims)
    pos = sims[(sims["lod"] > 0) & np.isfinite(sims["delta"])]
    delta = pos["delta"].to_numpy(dtype=np.float64)
    correct = pos["correct"].to_numpy(dtype=bool)
    order = np.argsort(-delta, kind="stable")
    d, c = delta[order], correct[order]
    cum = np.cumsum(c)
    k = np.arange(1, d.size + 1)
    # a threshold t takes every test with Δ >= t: evaluate at the last position of each tie group
    ends = np.r_[d[1:] != d[:-1], True] if d.size else np.zeros(0, dtype=bool)
    rows = []
    for level in levels:
        ok = ends & (cum >= level * k - 1e-12)
        if ok.any():
            i = int(np.nonzero(ok)[0].max())
            rows.append({"confidence": level, "critical_delta": float(d[i]),
                         "assignment_rate": (i + 1) / n_tests if n_tests else np.nan,
                         "correct_rate": cum[i] / (i + 1), "n_tests": n_tests})
        else:
            rows.append({"confidence": level, "critical_delta": np.inf, "assignment_rate": 0.0,
                         "correct_rate": np.nan, "n_tests": n_tests})
    return pd.DataFrame(rows)


@dataclass
class ParentageResult:
    """Result of :func:`assign_parentage`."""

    assignments: pd.DataFrame  # one row per offspring: the most likely candidate
    candidates: pd.DataFrame  # every offspring-candidate pair tested
    critical: pd.DataFrame  # mode, confidence, critical_delta, assignment_rate, correct_rate, n_tests
    parameters: dict


def _confidence(lod: float, delta: float, crit: Mapping[float, float]) -> str:
    if not (np.isfinite(lod) and lod > 0 and np.isfinite(delta)):
        return "-"
    for level, mark in CONFIDENCE_MARKS:
        if level in crit and delta >= crit[level]:
            return mark
    return "-"


def assign_parentage(
    table: GenotypeTable,
    offspring: Sequence[str],
    candidates: Sequence[str] | None = None,
    allowed: Mapping[str, Iterable[str]] | None = None,
    known_mothers: Mapping[str, str] | None = None,
    sex: str | None = None,
    sexes: Mapping[str, str] | None = None,
    frequencies: Sequence[np.ndarray] | None = None,
    error_rate: float = 0.01,
    error_model: str = "cervus",
    max_mismatches: int | None = None,
    n_simulations: int = 10000,
    sampled: float = 1.0,
    typed_rate: float | None = None,
    sim_error_rate: float | None = None,
    n_candidates: int | None = None,
    seed: int | None = None,
    source: str | None = None,
) -> ParentageResult:
    """Most likely parent of each offspring among candidates, with LOD, Δ and confidence.

    Parameters
    ----------
    table
        Diploid genotypes, one row per individual (``sample_id`` unique); allele
        frequencies are estimated from all of it unless ``frequencies`` are
        given.  ``SEX`` loci are ignored.
    offspring
        Offspring ids.
    candidates
        Candidate parent ids (default: every individual not listed as
        offspring); an offspring is never
        its own candidate, and its known mother is not a candidate father.
    allowed
        Optional offspring -> allowed candidate ids (e.g. built from birth and
        detection dates); offspring absent from it have no restriction.
    known_mothers
        Optional offspring -> known mother id: the LOD is then the candidate
        father's given the mother (trio), simulated separately.
    sex
        Keep only candidates with this ``sex`` (``F`` or ``M``); a candidate
        without a sex call is an error.
    sexes
        Sex calls by id (e.g. the catalogue's, from
        :func:`genmon.relate.candidates.catalogue_candidates`) used instead of
        the samples table's ``sex`` column.
    frequencies
        Allele frequencies per locus of ``table`` (e.g. from
        :func:`genmon.relate.frequencies.read_allele_frequencies`) instead of
        the sample's, for the likelihoods and the simulation.
    error_rate
        Per-genotype error rate in the likelihood (Kalinowski et al. 2007).
    error_model
        ``"cervus"`` or ``"full"``, see :func:`parentage_lod`.
    max_mismatches
        Exclusion tolerance: candidates with more mismatching loci (trio
        mismatches when the mother is known) are not ranked (``None``: no
        exclusion, as Cervus's likelihood).
    n_simulations, sampled, typed_rate, sim_error_rate, n_candidates
        Simulation of critical Δ: tests, proportion of true parents sampled,
        proportion of loci typed (default: observed), error rate (default:
        ``error_rate``), candidates per offspring (default: the median number
        tested, before exclusion).
    seed
        Random seed (drawn and recorded when ``None``).
    source
        File name used in error messages.

    Returns
    -------
    ParentageResult
    """
    if table.ploidy != 2:
        raise InputError(Problem(found=f"ploidy {table.ploidy}", expected="diploid genotypes", file=source))
    ids = [str(s) for s in table.sample_id]
    index = {s: i for i, s in enumerate(ids)}
    problems = []
    dup = sorted({s for s in ids if ids.count(s) > 1}) if len(index) != len(ids) else []
    for s in dup:
        problems.append(Problem(found=f'sample "{s}" more than once', expected="one genotype per individual",
                                file=source, sample=s))

    def check(kind, values):
        for v in values:
            if v not in index:
                problems.append(Problem(found=f'{kind} "{v}"', expected="an individual in the genotype table",
                                        file=source))

    offspring = [str(v) for v in offspring]
    check("offspring", offspring)
    off_set = set(offspring)
    cand_ids = [s for s in ids if s not in off_set] if candidates is None else [str(v) for v in candidates]
    check("candidate", [] if candidates is None else cand_ids)
    mothers = {str(k): str(v) for k, v in (known_mothers or {}).items()}
    check("offspring", [k for k in mothers if k not in offspring and k not in index])
    check("known mother", sorted(set(mothers.values())))
    allowed = {str(k): {str(v) for v in vs} for k, vs in (allowed or {}).items()}
    check("candidate", sorted({v for vs in allowed.values() for v in vs} - set(index)))
    if sex is not None:
        if sexes is None:
            column = table.samples["sex"] if "sex" in table.samples.columns else pd.Series([pd.NA] * len(ids))
            sex_of = dict(zip(ids, column.astype("string").fillna("").tolist(), strict=True))
        else:
            sex_of = {str(k): str(v) for k, v in sexes.items()}
        for c in cand_ids:
            call = sex_of.get(c, "")
            if c in index and call.upper() not in ("F", "M"):
                found = f'candidate "{c}" without a sex call' if call == "" else f'candidate "{c}" with sex "{call}"'
                problems.append(Problem(found=found, expected=f"a sex (F or M) to restrict candidates to {sex}",
                                        file=source, sample=c))
        cand_ids = [c for c in cand_ids if sex_of.get(c, "").upper() == sex.upper()]
    if problems:
        raise InputError(problems)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    rng = np.random.default_rng(seed)

    use = [j for j, locus in enumerate(table.loci) if locus.kind != "SEX"]
    # an untyped offspring or candidate would score LOD 0 against everyone: left out, and named
    involved = sorted({index[v] for v in [*offspring, *cand_ids, *mothers.values()]})
    untyped = np.zeros(len(ids), dtype=bool)
    untyped[involved] = untyped_individuals(table, use)[involved]
    if untyped.any():
        names = [ids[k] for k in np.nonzero(untyped)[0]]
        warnings.warn(InputWarning(Problem(
            found=f"{len(names)} individual(s) with no typed locus: {', '.join(names)}",
            expected="at least one typed locus per individual; they are left out of parentage (offspring "
                     "without candidates, candidates not tested, known mothers ignored)", file=source)),
            stacklevel=2)
        mothers = {o: m for o, m in mothers.items() if not untyped[index[m]]}
        cand_ids = [c for c in cand_ids if not untyped[index[c]]]
    calls = table.call_genotype[:, use, :].astype(np.int64)
    calls[(calls < 0).any(axis=2)] = -1
    all_freqs = sample_frequencies(table) if frequencies is None else list(frequencies)
    freq = _freq_matrix([all_freqs[j] for j in use])
    if typed_rate is None:
        typed_rate = float((calls >= 0).all(axis=2).mean()) if calls.size else 1.0
        typed_rate = max(typed_rate, 1e-6)

    pair_rows, plans, pool_sizes = [], [], []
    for off in offspring:
        mum = mothers.get(off)
        pool = [] if untyped[index[off]] else [
            c for c in cand_ids if c != off and c != mum and (off not in allowed or c in allowed[off])]
        pool_sizes.append(len(pool))
        o = calls[index[off]]
        cidx = np.array([index[c] for c in pool], dtype=np.int64)
        cg = calls[cidx] if cidx.size else np.zeros((0, len(use), 2), dtype=np.int64)
        mg = None if mum is None else calls[index[mum]][None]
        lod, n_loci = parentage_lod(o[None], cg, freq, error_rate, mg, error_model)
        _, mism = mismatch_counts(o[None], cg)
        trio = mism if mg is None else trio_mismatch_counts(o[None], cg, mg)
        keep = np.ones(len(pool), dtype=bool) if max_mismatches is None else trio <= max_mismatches
        for c, v, nl, mm, tm, k in zip(pool, lod, n_loci, mism, trio, keep, strict=True):
            pair_rows.append({"offspring": off, "candidate": c, "known_mother": mum or "", "n_loci_compared": int(nl),
                              "mismatches": int(mm), "trio_mismatches": int(tm) if mum else pd.NA,
                              "lod": float(v), "excluded": not k})
        plans.append((off, mum, [p for p, k in zip(pool, keep, strict=True) if k], lod[keep], n_loci[keep],
                      mism[keep], trio[keep]))

    sizes = [size for size in pool_sizes if size]
    k_sim = n_candidates or (int(np.median(sizes)) if sizes else 1)
    modes = sorted({"known_mother" if p[1] else "unknown_parent" for p in plans})
    crit_frames, crit_map = [], {}
    for mode in modes:
        sims = simulate_parentage(freq, max(k_sim, 1), n_simulations, sampled, error_rate, sim_error_rate,
                                  typed_rate, known_mother=(mode == "known_mother"),
                                  max_mismatches=max_mismatches, error_model=error_model, seed=rng)
        cd = critical_delta(sims)
        cd.insert(0, "mode", mode)
        crit_frames.append(cd)
        crit_map[mode] = dict(zip(cd["confidence"], cd["critical_delta"], strict=True))

    rows = []
    for off, mum, pool, lod, n_loci, mism, trio in plans:
        mode = "known_mother" if mum else "unknown_parent"
        if not pool:
            rows.append({"offspring": off, "known_mother": mum or "", "candidate": "", "n_candidates": 0,
                         "n_loci_compared": 0, "mismatches": 0, "trio_mismatches": pd.NA, "lod": np.nan,
                         "delta": np.nan,
                         "confidence": "-", "runner_up": ""})
            continue
        best, delta, second = _rank(lod[None])
        b, s = int(best[0]), int(second[0])
        rows.append({"offspring": off, "known_mother": mum or "", "candidate": pool[b], "n_candidates": len(pool),
                     "n_loci_compared": int(n_loci[b]), "mismatches": int(mism[b]),
                     "trio_mismatches": int(trio[b]) if mum else pd.NA, "lod": float(lod[b]),
                     "delta": float(delta[0]),
                     "confidence": _confidence(float(lod[b]), float(delta[0]), crit_map[mode]),
                     "runner_up": pool[s] if s >= 0 else ""})
    params = {"error_rate": error_rate, "error_model": error_model, "max_mismatches": max_mismatches, "n_simulations": n_simulations,
              "sampled": sampled, "typed_rate": typed_rate,
              "sim_error_rate": error_rate if sim_error_rate is None else sim_error_rate,
              "n_candidates_simulated": k_sim, "sex": sex, "seed": seed,
              "loci": [table.loci[j].name for j in use]}
    pair_cols = ["offspring", "candidate", "known_mother", "n_loci_compared", "mismatches", "trio_mismatches", "lod",
                 "excluded"]
    crit = pd.concat(crit_frames, ignore_index=True) if crit_frames else pd.DataFrame(
        columns=["mode", "confidence", "critical_delta", "assignment_rate", "correct_rate", "n_tests"])
    assignments, pairs = pd.DataFrame(rows), pd.DataFrame(pair_rows, columns=pair_cols)
    for frame in (assignments, pairs):
        if "trio_mismatches" in frame:
            frame["trio_mismatches"] = frame["trio_mismatches"].astype("Int64")
    return ParentageResult(assignments, pairs, crit, params)


_TRUE = {"1", "true", "yes", "y", "x", "t"}
_ID_HEADERS = {"id", "sample", "sample_id", "individual", "individual_id", "offspring", "candidate"}


def read_id_source(source: str, table: GenotypeTable, kind: str) -> tuple[list[str], dict[str, set[str]] | None]:
    """Ids from a file or from a samples column of ``table``.

    A file holds one id per line (an optional header ``id``/``sample``/
    ``offspring``/``candidate``; ``#`` comments), or, for candidates, a table
    with columns ``candidate`` and ``offspring``: each row allows that
    candidate for that offspring (the simple stand-in for birth and detection
    dates), returned as the second value.  Otherwise ``source`` names a column
    of the samples table whose true values (1, true, yes, y, x) mark the ids.
    """
    from pathlib import Path

    from ..io._text import read_rows

    path = Path(source)
    if path.is_file():
        rows, _ = read_rows(path, comment="#")
        if not rows:
            raise InputError(Problem(found="no ids", expected=f"{kind} ids, one per line", file=str(path)))
        header = [f.lower() for f in rows[0].fields]
        if kind == "candidate" and "candidate" in header and "offspring" in header:
            ci, oi = header.index("candidate"), header.index("offspring")
            problems, allowed, ids = [], {}, []
            for row in rows[1:]:
                if len(row.fields) <= max(ci, oi) or not row.fields[ci] or not row.fields[oi]:
                    problems.append(Problem(found=f"{len(row.fields)} fields", expected="a candidate and an offspring",
                                            file=str(path), line=row.line))
                    continue
                c, o = row.fields[ci], row.fields[oi]
                allowed.setdefault(o, set()).add(c)
                if c not in ids:
                    ids.append(c)
            if problems:
                raise InputError(problems)
            return ids, allowed
        start = 1 if header[0] in _ID_HEADERS else 0
        problems = [Problem(found=f"{len(r.fields)} fields", expected="one id per line", file=str(path), line=r.line)
                    for r in rows[start:] if len(r.fields) != 1]
        if problems:
            raise InputError(problems)
        return list(dict.fromkeys(r.fields[0] for r in rows[start:])), None
    if source in table.samples.columns:
        marks = table.samples[source].astype("string").fillna("").str.strip().str.lower()
        return [str(s) for s, m in zip(table.sample_id, marks, strict=True) if m in _TRUE], None
    raise InputError(Problem(found=f'--{kind} "{source}"',
                             expected="an existing file of ids or a column of the samples table"))


def read_known_mothers(path: str) -> dict[str, str]:
    """Known mothers from a table with columns ``offspring`` and ``mother`` (``,``, ``;`` or tab)."""
    from ..io._text import read_rows

    rows, _ = read_rows(path, comment="#")
    header = [f.lower() for f in rows[0].fields] if rows else []
    if "offspring" not in header or "mother" not in header:
        raise InputError(Problem(found="header " + ",".join(rows[0].fields) if rows else "an empty file",
                                 expected="columns offspring and mother", file=str(path), line=rows[0].line if rows else None))
    oi, mi = header.index("offspring"), header.index("mother")
    out, problems = {}, []
    for row in rows[1:]:
        if len(row.fields) <= max(oi, mi) or not row.fields[oi]:
            problems.append(Problem(found=f"{len(row.fields)} fields", expected="an offspring and a mother",
                                    file=str(path), line=row.line))
        elif row.fields[mi]:
            if row.fields[oi] in out and out[row.fields[oi]] != row.fields[mi]:
                problems.append(Problem(found=f'a second mother "{row.fields[mi]}"', expected="one mother per offspring",
                                        file=str(path), line=row.line, sample=row.fields[oi]))
            out[row.fields[oi]] = row.fields[mi]
    if problems:
        raise InputError(problems)
    return out
