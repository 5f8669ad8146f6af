"""Assigning samples to individuals, with or without a catalogue.

:func:`identify_individuals` is the one entry point behind ``genmon
identify``.  Two methods:

``"mismatch"``
    allelematch's definitions (:mod:`genmon.identify.allelematch`): the unique
    genotypes at ``allele_mismatch`` (or the setting chosen automatically from
    the ``amUniqueProfile`` scan) are the individuals; each sample goes to the
    unique genotype it matches best; samples matching none are unassigned.
``"likelihood"``
    pairwise likelihood ratios with per-locus dropout and false-allele rates
    (:mod:`genmon.identify.likelihood`) of "same individual" against a mixture
    of "full sibling" and "unrelated"; samples are joined by complete linkage
    on these ratios, and each sample gets the posterior probability of its
    individual against the runner-up and against being a new individual.

With a catalogue, catalogue individuals take part as fixed, pre-labelled
genotypes: samples joining them are recaptures, the others new individuals
with fresh ids; a sample that matches two catalogue individuals is
``ambiguous`` and recorded as a possible merge (never merged silently).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._ext.mismatch import _greedy_leaders
from ..exceptions import GenmonError
from ..model import GenotypeTable
from . import mismatch as _mm
from .allelematch import AmColumns, am_columns, am_unique, am_unique_profile, columns_from_calls
from .catalogue import Catalogue, format_genotypes, new_catalogue
from .index import group_ids, pairs_within_indexed
from .likelihood import (
    ErrorRates,
    build_models,
    genotype_pi,
    genotype_pisibs,
    observation_codes,
    pair_log_lr,
    pi_per_locus,
    pisibs_per_locus,
)

__all__ = ["METHODS", "IdentifyResult", "identify_individuals", "typed_loci"]

METHODS = ("mismatch", "likelihood")
ASSIGNMENT_COLUMNS = [
    "sample",
    "individual",
    "status",
    "posterior",
    "n_loci_typed",
    "n_loci_compared",
    "mismatches_to_individual",
    "runner_up",
    "runner_up_posterior",
    "reason",
]


@dataclass
class IdentifyResult:
    """Everything ``genmon identify`` writes."""

    assignments: pd.DataFrame
    individuals: pd.DataFrame
    near_misses: pd.DataFrame
    captures: pd.DataFrame
    profile: pd.DataFrame | None
    parameters: dict[str, Any]
    catalogue: Catalogue | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def typed_loci(table: GenotypeTable) -> np.ndarray:
    """Loci with at least one typed allele, per sample."""
    return (table.call_genotype >= 0).any(axis=2).sum(axis=1)


def _sort_missing_last(calls: np.ndarray) -> np.ndarray:
    """Alleles of each call ascending, missing (negative) ones last."""
    big = np.iinfo(np.int64).max
    srt = np.sort(np.where(calls < 0, big, calls.astype(np.int64)), axis=-1)
    return np.where(srt == big, -1, srt).astype(calls.dtype)


def consensus_genotypes(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Best genotype of each group of samples, allele values ``(n, loci, ploidy)``.

    Per group and locus: the most frequent complete call (alleles as a
    multiset; ties: the earlier row), or, when no row of the group has a
    complete call there, the most frequent partial call; alleles ascending,
    missing last.  Vectorised over groups (one sort per locus).

    Examples
    --------
    Two samples of one individual (a dropout at the second locus) and one of another:

    >>> v = np.array([[[169, 165], [176, 200]], [[165, 169], [176, 176]], [[171, -1], [-1, -1]]])
    >>> consensus_genotypes(v, np.array([0, 0, 1]), 2).tolist()
    [[[165, 169], [176, 200]], [[171, -1], [-1, -1]]]
    """
    n, n_loci, ploidy = values.shape
    out = np.full((n_groups, n_loci, ploidy), -1, dtype=values.dtype)
    group = np.asarray(group, dtype=np.int64)
    for j in range(n_loci):
        srt = np.sort(values[:, j, :], axis=1)  # missing (-1) first
        complete = srt[:, 0] >= 0
        has_complete = np.zeros(n_groups, dtype=bool)
        has_complete[group[complete]] = True
        rows = np.nonzero(np.where(has_complete[group], complete, srt[:, -1] >= 0))[0]
        if not len(rows):
            continue
        key = group_ids(srt[rows])  # equal multisets, equal keys
        g = group[rows]
        o = np.lexsort((rows, key, g))
        g, key, r = g[o], key[o], rows[o]
        runs = np.nonzero(np.r_[True, (g[1:] != g[:-1]) | (key[1:] != key[:-1])])[0]
        count = np.diff(np.r_[runs, len(g)])
        run_g, run_first = g[runs], r[runs]  # a run's first row is its earliest
        best = np.lexsort((run_first, -count, run_g))
        best = best[np.r_[True, run_g[best][1:] != run_g[best][:-1]]]
        out[run_g[best], j] = _sort_missing_last(values[run_first[best], j, :])
    return out


def _check_input(table: GenotypeTable) -> None:
    if table.has_replicates:
        raise GenmonError(
            "the genotypes hold PCR replicates (replicate_id is filled); build one consensus genotype per "
            "sample first (genmon consensus)"
        )
    ids = table.samples["sample_id"]
    dup = ids[ids.duplicated()].unique().tolist()
    if dup:
        raise GenmonError(f"sample ids must be unique; repeated: {', '.join(map(str, dup[:10]))}")


def identify_individuals(
    table: GenotypeTable,
    *,
    catalogue: Catalogue | None = None,
    method: str = "mismatch",
    allele_mismatch: float | str = "auto",
    min_loci: int | None = None,
    include_sex: bool = False,
    error_rates: ErrorRates | None = None,
    id_pattern: str | None = None,
    near_miss_margin: float = 2.0,
    min_posterior: float = 0.95,
    sib_prior: float = 0.5,
    batch: str = "batch",
    max_dense: int = 5000,
    max_profile: int = 2000,
    allelematch_quirks: bool = False,
    num_threads: int = 1,
) -> IdentifyResult:
    """Assign samples to individuals (new or known).

    Parameters
    ----------
    table
        One genotype per field sample.
    catalogue
        Known individuals; updated copy returned in the result.
    method
        ``"mismatch"`` (allelematch-compatible) or ``"likelihood"``.
    allele_mismatch
        Allele mismatches tolerated (missing alleles count half), or
        ``"auto"`` for allelematch's choice from the profile.  The likelihood
        method uses it only to list near misses.
    min_loci
        Samples typed at fewer loci are unassigned (default: half the loci,
        rounded up; 0 keeps every sample, as allelematch does).
    include_sex
        Compare ``samples["sex"]`` as one more allele column (allelematch's
        example 5 does).
    error_rates
        Per-locus dropout and false-allele rates for the likelihood method
        (default 0.05 and 0.01 at every locus).
    id_pattern
        Pattern for new ids, e.g. ``PTA-RU-{n:04d}`` (default: the catalogue's,
        or ``IND-{n:04d}``).
    near_miss_margin
        Pairs within this many mismatches of the threshold are listed.
    min_posterior
        Likelihood method: assignments with a lower posterior are ``ambiguous``.
    sib_prior
        Likelihood method: prior probability that a sample that is not the same
        individual as a candidate is its full sibling.
    batch
        Name of this batch in the catalogue's history.
    max_profile
        The profile over alleleMismatch settings (``profile.tsv``) is computed
        for batches up to this size, or up to ``max_dense`` when the setting is
        chosen automatically.
    allelematch_quirks
        Reproduce allelematch 3.0.0 exactly, including its loss of the smallest
        cluster when every sample is clustered (see
        :mod:`genmon.identify.allelematch`).  Off by default.
    max_dense
        Above this many samples the mismatch method does not build allelematch's
        dense matrix: pairs within the threshold come from the block index and
        samples join the closest representative, most completely typed first.

    Examples
    --------
    Three scats of one tiger (one with a dropout at F53) and one of another:

    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169], [176, 200], [230, 236]], [[165, 169], [176, 176], [230, 236]],
    ...      [[165, 169], [176, 200], [230, 236]], [[171, 171], [190, 204], [228, 240]]],
    ...     ["FCA441", "F53", "F85"], sample_ids=["s1", "s2", "s3", "s4"])
    >>> r = identify_individuals(t, allele_mismatch=1, id_pattern="PTA-RU-{n:04d}")
    >>> r.assignments[["sample", "individual", "status"]].values.tolist()
    [['s1', 'PTA-RU-0001', 'new'], ['s2', 'PTA-RU-0001', 'new'], ['s3', 'PTA-RU-0001', 'new'], ['s4', 'PTA-RU-0002', 'new']]

    References
    ----------
    Galpern P et al. (2012) Mol Ecol Resour 12:771-778 (allelematch).
    Waits LP, Luikart G, Taberlet P (2001) Mol Ecol 10:249-256 (PI, PIsibs).
    """
    if method not in METHODS:
        raise GenmonError(f'method "{method}" is not one of {", ".join(METHODS)}')
    _check_input(table)
    cat = catalogue
    if cat is not None:
        table = cat.check_panel(table)
        if id_pattern is not None:
            cat.id_pattern = id_pattern
    else:
        cat = new_catalogue(table, id_pattern or "IND-{n:04d}")
    n_loci = table.n_loci
    if min_loci is None:
        min_loci = math.ceil(n_loci / 2)
    typed = typed_loci(table)
    keep = np.nonzero(typed >= min_loci)[0]
    kept = table.subset(samples=keep)
    known = cat.genotypes() if len(cat.active()) else None
    cols = am_columns(kept, include_sex=include_sex)
    n_cols = cols.n_columns
    profile = None
    chosen = allele_mismatch
    dense = kept.n_samples <= max_dense
    previous = [b["allele_mismatch"] for b in cat.batches if b.get("allele_mismatch") is not None]
    if allele_mismatch == "auto" and previous:
        chosen = float(previous[-1])  # keep the catalogue's setting
    profile_results: dict = {}
    if kept.n_samples >= 2 and (kept.n_samples <= max_profile or (dense and chosen == "auto")):
        settings = None
        if allele_mismatch != "auto":
            top = max(float(np.floor(n_cols * 0.4)), float(allele_mismatch))
            settings = sorted(
                set(np.arange(0, top + 1e-9, 1.0).tolist()) | {float(allele_mismatch)}
            )
        if settings is None or len(settings) >= 3:
            profile, profile_results = am_unique_profile(cols, settings, compat=allelematch_quirks)
            if chosen == "auto":
                chosen = float(profile.loc[profile["guess_optimum"], "allele_mismatch"].iloc[0])
    if chosen == "auto":
        chosen = float(
            np.floor(n_cols * 0.15)
        )  # no profile possible: a typical allelematch setting
    chosen = float(chosen)

    if method == "mismatch":
        labels, info = _assign_mismatch(
            kept,
            cols,
            chosen,
            known,
            cat,
            include_sex,
            dense,
            batch,
            num_threads,
            allelematch_quirks,
            profile_results.get(float(chosen)) if known is None else None,
        )
    else:
        rates = error_rates or ErrorRates.uniform(n_loci)
        labels, info = _assign_likelihood(
            kept, known, rates, min_posterior, sib_prior, cat, num_threads, batch
        )

    ids = table.sample_id
    assign = pd.DataFrame(
        {c: pd.Series([None] * table.n_samples, dtype=object) for c in ASSIGNMENT_COLUMNS}
    )
    assign["sample"] = ids
    assign["n_loci_typed"] = typed.astype(object)
    assign["status"] = "unassigned"
    dropped = np.setdiff1d(np.arange(table.n_samples), keep)
    assign.loc[dropped, "reason"] = [
        f"typed at {typed[i]} {'locus' if typed[i] == 1 else 'loci'}, fewer than min_loci={min_loci}"
        for i in dropped
    ]
    for col in info.columns:
        if col in ("n_loci_typed", "n_loci_compared"):
            continue
        assign.loc[keep, col] = info[col].to_numpy(dtype=object)
    assign.loc[keep, "individual"] = labels

    # Catalogue bookkeeping: ids for new individuals, events.
    known_ids = set() if known is None else set(known.sample_id)
    individuals, rows, group, cons = _individuals(table, assign, cat, known, known_ids, batch)
    _compare_to_consensus(table, assign, rows, group, cons, method)
    captures = _captures(table, assign)
    near = _near_misses(
        kept, cols, assign.loc[keep].reset_index(drop=True), chosen, near_miss_margin, num_threads
    )
    if known is not None:
        extra = _near_catalogue(
            kept,
            known,
            assign.loc[keep].reset_index(drop=True),
            chosen,
            near_miss_margin,
            include_sex,
            num_threads,
        )
        if len(extra):
            near = extra if not len(near) else pd.concat([near, extra], ignore_index=True)
    params = {
        "method": method,
        "allele_mismatch": chosen,
        "allele_mismatch_requested": allele_mismatch,
        "min_loci": min_loci,
        "include_sex": include_sex,
        "allelematch_quirks": allelematch_quirks,
        "n_columns": n_cols,
        "near_miss_margin": near_miss_margin,
        "min_posterior": min_posterior,
        "sib_prior": sib_prior,
        "id_pattern": cat.id_pattern,
        "error_rates": None
        if method != "likelihood"
        else {
            "ado": (error_rates or ErrorRates.uniform(n_loci)).ado.tolist(),
            "fa": (error_rates or ErrorRates.uniform(n_loci)).fa.tolist(),
        },
    }
    summary = {
        "n_samples": table.n_samples,
        "n_assigned": int(assign["status"].isin(["new", "recapture"]).sum()),
        "n_ambiguous": int((assign["status"] == "ambiguous").sum()),
        "n_unassigned": int((assign["status"] == "unassigned").sum()),
        "n_individuals": int(assign.loc[assign["individual"].notna(), "individual"].nunique()),
        "n_new": int(individuals["status"].eq("new").sum()) if len(individuals) else 0,
        "n_recaptured": int(individuals["status"].eq("recapture").sum()) if len(individuals) else 0,
        # over the individuals' best genotypes (one per individual)
        "panel_pi": individuals.attrs.get("panel_pi"),
        "panel_pisibs": individuals.attrs.get("panel_pisibs"),
    }
    cat.batches.append(
        {
            "batch": batch,
            "time": pd.Timestamp.now("UTC").isoformat(),
            "method": method,
            "allele_mismatch": chosen,
            **summary,
        }
    )
    return IdentifyResult(assign, individuals, near, captures, profile, params, cat, summary)


# --------------------------------------------------------------------------- mismatch
def _assign_mismatch(
    kept,
    cols: AmColumns,
    m: float,
    known,
    cat,
    include_sex,
    dense,
    batch,
    num_threads,
    quirks=False,
    precomputed=None,
):
    n = kept.n_samples
    info = pd.DataFrame(index=range(n), columns=ASSIGNMENT_COLUMNS[2:], dtype=object)
    labels = np.array([None] * n, dtype=object)
    if n == 0:
        return labels, info
    todo = np.arange(n)
    if known is not None:
        # Reference genotypes: each individual's best genotype and, when the
        # catalogue keeps them, the genotypes of its earlier samples.
        ref_table, ref_ind = known, np.asarray(known.sample_id).astype(str)
        stored = cat.sample_genotypes()
        if stored is not None:
            st, st_ind = stored
            vals = np.concatenate([known.allele_values(), st.allele_values()])
            samples_ref = pd.DataFrame(
                {
                    "sample_id": list(known.sample_id) + list(st.sample_id),
                    "sex": list(known.samples["sex"]) + [None] * st.n_samples,
                }
            )
            ref_table = GenotypeTable.from_alleles(
                vals, kept.locus_id, samples=samples_ref, kinds=[x.kind for x in kept.loci]
            )
            ref_ind = np.concatenate([ref_ind, st_ind])
        ca, cb = _mm.common_calls(kept, ref_table)
        sex = None
        if include_sex:
            sex = pd.concat([kept.samples["sex"], ref_table.samples["sex"]], ignore_index=True)
        both = columns_from_calls(
            np.concatenate([ca, cb]),
            kept.locus_id,
            np.concatenate([kept.sample_id, ref_table.sample_id]),
            sex,
        )
        a_cols, b_cols = both.codes[:n], both.codes[n:]
        pairs = pairs_within_indexed(
            a_cols[:, :, None], b_cols[:, :, None], max_mismatch=m, num_threads=num_threads
        )
        matched = np.zeros(n, dtype=bool)
        # Per sample and individual the closest reference genotype; then the
        # best and second-best individual per sample (vectorised).
        hits = pd.DataFrame({"i": pairs.i, "ind": ref_ind[pairs.j], "u": pairs.units})
        hits = hits.groupby(["i", "ind"], sort=False)["u"].min().reset_index()
        hits = hits.sort_values(["i", "u", "ind"], kind="stable").reset_index(drop=True)
        hits["rank"] = hits.groupby("i").cumcount()
        first = hits[hits["rank"] == 0].set_index("i")
        second = hits[hits["rank"] == 1].set_index("i")
        rows = first.index.to_numpy()
        matched[rows] = True
        labels[rows] = first["ind"].to_numpy()
        info.loc[rows, "mismatches_to_individual"] = (first["u"] / 2).to_numpy()
        info.loc[rows, "status"] = "recapture"
        if len(second):
            s_rows = second.index.to_numpy()
            tie = second["u"].to_numpy() == first.loc[s_rows, "u"].to_numpy()
            info.loc[s_rows, "runner_up"] = second["ind"].to_numpy()
            best_ind = first.loc[s_rows, "ind"].to_numpy()
            info.loc[s_rows[tie], "status"] = "ambiguous"
            info.loc[s_rows[tie], "reason"] = [
                f"equally close to catalogue individuals {x} and {y}"
                for x, y in zip(best_ind[tie], second["ind"].to_numpy()[tie], strict=True)
            ]
            info.loc[s_rows[~tie], "reason"] = [
                f"also within {m:g} mismatches of {y} (possible merge recorded)"
                for y in second["ind"].to_numpy()[~tie]
            ]
            cat.record_many(
                [
                    {
                        "batch": batch,
                        "event": "possible_merge",
                        "individual": x,
                        "other": y,
                        "sample": str(kept.sample_id[r]),
                        "details": f"sample within {m:g} mismatches of both",
                    }
                    for r, x, y in zip(s_rows, best_ind, second["ind"].to_numpy(), strict=True)
                ]
            )
        todo = np.nonzero(~matched)[0]
    if not len(todo):
        return labels, info
    sub = AmColumns(cols.codes[todo], cols.names, cols.locus_of_column, cols.sample_id[todo])
    if dense:
        r = precomputed if precomputed is not None else am_unique(sub, m, compat=quirks)
        match = r.matches
        reps = [int(u) for u in r.unique_rows]
    else:
        match, reps = _leader(sub, m, num_threads)
    rep_id = np.full(len(todo), None, dtype=object)
    rep_id[np.asarray(reps, dtype=np.int64)] = cat.issue_ids(len(reps))
    # Per sample its matches, best first (score descending, then unique row);
    # the first is its individual, the second the runner-up.
    m_row = match["sample_row"].to_numpy(np.int64)
    m_unique = match["unique_row"].to_numpy(np.int64)
    m_score = match["score"].to_numpy(float)
    o = np.lexsort((m_unique, -m_score, m_row))
    m_row, m_unique, m_score = m_row[o], m_unique[o], m_score[o]
    first = np.nonzero(np.r_[True, m_row[1:] != m_row[:-1]])[0] if len(m_row) else o[:0]
    nxt = np.minimum(first + 1, max(len(m_row) - 1, 0))
    has_second = (first + 1 < len(m_row)) & (m_row[nxt] == m_row[first])
    matched = np.zeros(len(todo), dtype=bool)
    matched[m_row[first]] = True
    lost = todo[~matched]
    info.loc[lost, "status"] = "unassigned"
    info.loc[lost, "reason"] = f"matches no unique genotype within {m:g} allele mismatches"
    rows = todo[m_row[first]]
    labels[rows] = rep_id[m_unique[first]]
    info.loc[rows, "mismatches_to_individual"] = (
        np.round((1 - m_score[first]) * cols.n_columns * 2) / 2
    ).astype(object)
    info.loc[rows, "status"] = "new"
    two, second = rows[has_second], nxt[has_second]
    info.loc[two, "runner_up"] = rep_id[m_unique[second]]
    tie = m_score[second] == m_score[first[has_second]]
    info.loc[two[tie], "status"] = "ambiguous"
    info.loc[two[tie], "reason"] = (
        "equally close to two unique genotypes (allelematch multipleMatch)"
    )
    info.loc[two[~tie], "reason"] = (
        "also within the threshold of another unique genotype (allelematch multipleMatch)"
    )
    return labels, info


def _leader(cols: AmColumns, m: float, num_threads: int) -> tuple[pd.DataFrame, list[int]]:
    """Representatives without a dense matrix: samples, most completely typed
    first, become a representative unless an earlier representative is within
    ``m`` mismatches.  Returns allelematch-style matches (every sample x every
    representative within ``m``) and the representative rows."""
    codes = cols.codes
    pairs = pairs_within_indexed(codes[:, :, None], max_mismatch=m, num_threads=num_threads)
    n = len(codes)
    order = np.lexsort((np.arange(n), -(codes >= 0).sum(axis=1)))
    nb_i = np.concatenate([pairs.i, pairs.j])
    nb_j = np.concatenate([pairs.j, pairs.i])
    nb_u = np.concatenate([pairs.units, pairs.units])
    srt = np.argsort(nb_i, kind="stable")
    nb_i, nb_j, nb_u = nb_i[srt], nb_j[srt], nb_u[srt]
    starts = np.searchsorted(nb_i, np.arange(n + 1)).astype(np.int64)
    is_rep = np.zeros(n, dtype=np.uint8)
    _greedy_leaders(
        np.ascontiguousarray(order, dtype=np.int64), starts, np.ascontiguousarray(nb_j), is_rep
    )
    is_rep = is_rep.view(bool)
    reps = np.nonzero(is_rep)[0]
    sel = is_rep[nb_j]
    rows = pd.DataFrame(
        {
            "unique_row": nb_j[sel],
            "sample_row": nb_i[sel],
            "score": (cols.n_columns - nb_u[sel] / 2) / cols.n_columns,
        }
    )
    own = pd.DataFrame({"unique_row": reps, "sample_row": reps, "score": 1.0})
    return pd.concat([own, rows], ignore_index=True), reps.tolist()


# --------------------------------------------------------------------------- likelihood
def _assign_likelihood(
    kept, known, rates: ErrorRates, min_posterior, sib_prior, cat, num_threads, batch="batch"
):
    n = kept.n_samples
    info = pd.DataFrame(index=range(n), columns=ASSIGNMENT_COLUMNS[2:], dtype=object)
    labels = np.array([None] * n, dtype=object)
    if n == 0:
        return labels, info
    if kept.ploidy != 2:
        raise GenmonError("the likelihood method needs diploid genotypes")
    if known is not None:
        ca, cb = _mm.common_calls(kept, known)
        calls = np.concatenate([cb, ca])
        n_known = len(cb)
        n_alleles = [int(max(calls[:, j].max(initial=-1) + 1, 1)) for j in range(kept.n_loci)]
    else:
        calls = kept.call_genotype
        n_known = 0
        n_alleles = [max(locus.n_alleles, 1) for locus in kept.loci]
    total = len(calls)
    # Allele frequencies from the batch and the catalogue genotypes together.
    freqs = []
    for j in range(kept.n_loci):
        g = calls[:, j].ravel()
        g = g[g >= 0]
        c = np.bincount(g, minlength=n_alleles[j]).astype(float)
        freqs.append(c / c.sum() if c.sum() else np.ones(n_alleles[j]) / n_alleles[j])
    models = build_models(freqs, rates)
    codes = observation_codes(calls, n_alleles)
    # Candidate pairs: generous mismatch limit, exact via the block index.
    limit = max(2.0, np.floor(0.4 * kept.n_loci * 2))
    pairs = pairs_within_indexed(
        calls, max_mismatch=limit, convention="unordered", num_threads=num_threads
    )
    un, fs, used = pair_log_lr(codes, codes, pairs.i, pairs.j, models)
    # log R = log L_same - log(rho L_fs + (1 - rho) L_un)
    with np.errstate(over="ignore"):
        log_r = -np.logaddexp(
            np.log(sib_prior) - fs if sib_prior > 0 else -np.inf,
            np.log1p(-sib_prior) - un if sib_prior < 1 else -np.inf,
        )
    score = {}
    for a, b, r in zip(pairs.i.tolist(), pairs.j.tolist(), log_r.tolist(), strict=True):
        score[(a, b)] = r
    # Complete linkage on log R >= 0 (posterior >= 0.5 at 1:1 prior odds).
    cluster = list(range(total))
    members = {c: [c] for c in range(total)}
    fixed = {c: (c < n_known) for c in range(total)}
    for idx in np.argsort(-log_r, kind="stable"):
        if log_r[idx] < 0:
            break
        a, b = int(pairs.i[idx]), int(pairs.j[idx])
        ca_, cb_ = cluster[a], cluster[b]
        if ca_ == cb_ or (fixed[ca_] and fixed[cb_]):
            continue
        ok = all(
            score.get((min(x, y), max(x, y)), -np.inf) >= 0
            for x in members[ca_]
            for y in members[cb_]
        )
        if not ok:
            continue
        keep_c, drop_c = (
            (ca_, cb_) if (fixed[ca_] or (not fixed[cb_] and ca_ < cb_)) else (cb_, ca_)
        )
        for x in members[drop_c]:
            cluster[x] = keep_c
        members[keep_c] += members.pop(drop_c)
        fixed[keep_c] = fixed[keep_c] or fixed[drop_c]
    # Per-sample posterior: evidence against each cluster = min log R to its members.
    neigh: dict[int, dict[int, float]] = {}
    for (a, b), r in score.items():
        neigh.setdefault(a, {})[b] = r
        neigh.setdefault(b, {})[a] = r
    new_id: dict[int, str] = {}
    known_ids = [] if known is None else list(known.sample_id)

    def name(c: int) -> str:
        if c < n_known:
            return known_ids[c]
        if c not in new_id:
            new_id[c] = cat.issue_id()
        return new_id[c]

    # Filled row by row, written into ``info`` once (cells left unset stay NaN).
    out = {
        c: info[c].to_numpy(dtype=object).copy()
        for c in ("posterior", "runner_up", "runner_up_posterior", "status", "reason")
    }
    in_catalogue = {c: any(x < n_known for x in members[c]) for c in members}
    merges = []
    for s in range(n_known, total):
        own = cluster[s]
        ev = {}
        for other, r in neigh.get(s, {}).items():
            c = cluster[other]
            ev.setdefault(c, []).append((other, r))
        log_r_of = {}
        for c, lst in ev.items():
            size = len(members[c]) - (1 if c == own else 0)
            log_r_of[c] = min(r for _, r in lst) if len(lst) == size else -np.inf
        terms = {c: v for c, v in log_r_of.items() if np.isfinite(v)}
        alone = len(members[own]) == 1
        denom = np.logaddexp.reduce(np.array(list(terms.values()) + [0.0]))
        post_new = float(np.exp(-denom))
        row = s - n_known
        labels[row] = name(own)
        if alone:
            post = post_new
            rivals = sorted(terms.items(), key=lambda kv: -kv[1])
            runner = (
                (name(rivals[0][0]), float(np.exp(rivals[0][1] - denom)))
                if rivals
                else (None, None)
            )
            status = "recapture" if own < n_known else "new"
        else:
            post = float(np.exp(terms.get(own, -np.inf) - denom)) if own in terms else 0.0
            rivals = sorted(((c, v) for c, v in terms.items() if c != own), key=lambda kv: -kv[1])
            if rivals and rivals[0][1] > 0:
                runner = (name(rivals[0][0]), float(np.exp(rivals[0][1] - denom)))
            else:
                runner = ("new", post_new)
            status = "recapture" if any(m < n_known for m in members[own]) else "new"
        out["posterior"][row] = round(post, 6)
        out["runner_up"][row] = runner[0]
        out["runner_up_posterior"][row] = None if runner[1] is None else round(runner[1], 6)
        if post < min_posterior:
            out["status"][row] = "ambiguous"
            out["reason"][row] = f"posterior {post:.3f} below {min_posterior:g}"
        else:
            out["status"][row] = status
        if in_catalogue[own] and rivals and rivals[0][1] > 0 and in_catalogue[rivals[0][0]]:
            # The sample fits two catalogue individuals better than anyone else:
            # never merged here, but recorded for review.
            merges.append(
                {
                    "batch": batch,
                    "event": "possible_merge",
                    "individual": name(own),
                    "other": name(rivals[0][0]),
                    "sample": str(kept.sample_id[row]),
                    "details": f"log likelihood ratio {rivals[0][1]:.2f} for the other individual too",
                }
            )
    for c, values in out.items():
        info.loc[:, c] = values  # keeps None where set (plain column assignment would make it NaN)
    cat.record_many(merges)
    info.attrs["panel_pi"] = float(np.prod([pi_per_locus(p) for p in freqs]))
    info.attrs["panel_pisibs"] = float(np.prod([pisibs_per_locus(p) for p in freqs]))
    return labels, info


# --------------------------------------------------------------------------- outputs
_is_text = np.frompyfunc(lambda x: isinstance(x, str) and x != "", 1, 1)


def _individuals(table, assign, cat: Catalogue, known, known_ids, batch):
    """Consensus genotype, PI, PIsibs, detections and sex per individual; updates the catalogue.

    Returns the individuals (sorted by id), and for the assigned rows of
    ``assign`` their row numbers, their individual's position in that table
    and the consensus genotypes (allele values, one per individual).
    """
    values = table.allele_values()
    loci = table.locus_id
    rows = np.nonzero(assign["individual"].notna().to_numpy())[0]
    group, names = pd.factorize(assign["individual"].to_numpy(dtype=object)[rows], sort=True)
    names = np.asarray(names, dtype=object)
    n_ind = len(names)
    # A recaptured individual's catalogue genotype counts as its earliest sample.
    kpos = (
        np.full(n_ind, -1)
        if known is None or not n_ind
        else pd.Index(np.asarray(known.sample_id, dtype=object)).get_indexer(names)
    )
    in_cat = np.nonzero(kpos >= 0)[0]
    stacked = (
        values[rows]
        if not len(in_cat)
        else np.concatenate([known.allele_values()[kpos[in_cat]], values[rows]])
    )
    cons = consensus_genotypes(stacked, np.concatenate([in_cat, group]), n_ind)

    # Detections: this batch's dates and the catalogue's first and last.
    prev = cat.individuals.drop_duplicates("individual", keep="last")
    prev = prev.set_index(prev["individual"].astype(str))[["first_seen", "last_seen", "sex"]]
    prev = prev.reindex(pd.Index(names).astype(str))

    def texts(values) -> np.ndarray:
        # non-empty strings; anything else (None, NaN, "") is no date
        v = np.asarray(values, dtype=object)
        return np.where(_is_text(v).astype(bool), v, None) if v.size else v

    date_text = np.concatenate(
        [
            texts(table.samples["date"].to_numpy(dtype=object)[rows]),
            texts(prev["first_seen"]),
            texts(prev["last_seen"]),
        ]
    )
    date_group = np.concatenate([group, np.arange(n_ind), np.arange(n_ind)])
    ok = pd.notna(date_text)
    first_seen = np.full(n_ind, "", dtype=object)
    last_seen = np.full(n_ind, "", dtype=object)
    if ok.any():
        rank, uniq = pd.factorize(date_text[ok].astype(str), sort=True)
        uniq = np.asarray(uniq, dtype=object)
        lo = np.full(n_ind, len(uniq))
        hi = np.full(n_ind, -1)
        np.minimum.at(lo, date_group[ok], rank.ravel())
        np.maximum.at(hi, date_group[ok], rank.ravel())
        seen = hi >= 0
        first_seen[seen] = uniq[lo[seen]]
        last_seen[seen] = uniq[hi[seen]]
    sex_text = table.samples["sex"].astype("string").str.strip().str.upper()
    prev_sex = pd.Series(prev["sex"].to_numpy(dtype=object), dtype=object)
    has = {}
    for code in ("F", "M"):
        has[code] = np.zeros(n_ind, dtype=bool)
        has[code][group[sex_text.eq(code).fillna(False).to_numpy(dtype=bool)[rows]]] = True
        has[code] |= prev_sex.eq(code).to_numpy(dtype=bool)
    sex = np.select([has["F"] & has["M"], has["F"], has["M"]], ["conflict", "F", "M"], "").astype(
        object
    )

    # Sample names per individual, in input order.
    by_ind = np.argsort(group, kind="stable")
    sample_names = assign["sample"].to_numpy(dtype=object)[rows][by_ind].astype(str).tolist()
    bounds = np.r_[0, np.cumsum(np.bincount(group, minlength=n_ind))]
    joined = [",".join(sample_names[x:y]) for x, y in zip(bounds[:-1], bounds[1:], strict=True)]

    cols = [
        "individual",
        "status",
        "n_samples",
        "n_loci_typed",
        "first_seen",
        "last_seen",
        "sex",
        "pi",
        "pisibs",
        "samples",
    ] + loci
    if not n_ind:
        out = pd.DataFrame([], columns=[c for c in cols if c not in ("pi", "pisibs")])
        out["pi"] = []
        out["pisibs"] = []
        panel = {"panel_pi": None, "panel_pisibs": None}
    else:
        data = {
            "individual": names,
            "status": np.where(pd.Index(names).isin(list(known_ids)), "recapture", "new").astype(
                object
            ),
            "n_samples": np.bincount(group, minlength=n_ind).astype(np.int64),
            "n_loci_typed": (cons >= 0).any(axis=2).sum(axis=1).astype(np.int64),
            "first_seen": first_seen,
            "last_seen": last_seen,
            "sex": sex,
            "samples": np.array(joined, dtype=object),
        }
        for j, locus in enumerate(loci):
            data[locus] = format_genotypes(cons[:, j])
        out = pd.DataFrame(data)
        g = GenotypeTable.from_alleles(cons, loci, sample_ids=list(out["individual"]))
        freqs = []
        for j, locus in enumerate(g.loci):
            c = np.bincount(
                g.call_genotype[:, j].ravel()[g.call_genotype[:, j].ravel() >= 0],
                minlength=max(locus.n_alleles, 1),
            ).astype(float)
            freqs.append(c / c.sum() if c.sum() else np.ones(max(locus.n_alleles, 1)))
        if g.ploidy == 2:
            out["pi"] = genotype_pi(g.call_genotype, freqs)
            out["pisibs"] = genotype_pisibs(g.call_genotype, freqs)
        panel = {
            "panel_pi": float(np.prod([pi_per_locus(f) for f in freqs])),
            "panel_pisibs": float(np.prod([pisibs_per_locus(f) for f in freqs])),
        }
    out = out[cols]
    out.attrs.update(panel)
    _update_catalogue(cat, out, assign, table, batch, loci)
    return out, rows, group, cons


def _rank_codes(values: np.ndarray) -> np.ndarray:
    """Allele values ``(n, loci, ploidy)`` as int16 ranks per locus (equality kept, -1 missing)."""
    out = np.full(values.shape, -1, dtype=np.int16)
    for j in range(values.shape[1]):
        v = values[:, j]
        typed = v >= 0
        out[:, j][typed] = np.unique(v[typed], return_inverse=True)[1].ravel()
    return out


def _compare_to_consensus(table, assign, rows, group, cons, method: str) -> None:
    """Fill loci compared (and, for the likelihood method, allele mismatches,
    unordered convention) between each sample and its individual's genotype."""
    if not len(rows):
        return
    own = table.allele_values()[rows]
    best = cons[group]
    both = ((own >= 0).any(axis=2) & (best >= 0).any(axis=2)).sum(axis=1)
    assign.loc[rows, "n_loci_compared"] = both.astype(object)
    if method == "likelihood":
        # values are bp sizes; ranks keep equality, which is all the kernel uses
        codes = _rank_codes(np.concatenate([own, best]))
        k = np.arange(len(rows))
        res = _mm.mismatch_pairs(
            codes[: len(rows)], codes[len(rows) :], k, k, convention="unordered"
        )
        assign.loc[rows, "mismatches_to_individual"] = res.mismatches.astype(object)


def _update_catalogue(cat: Catalogue, inds: pd.DataFrame, assign, table, batch, loci) -> None:
    ci = cat.individuals
    fields = ["individual", "n_samples", "first_seen", "last_seen", "sex"] + loci
    rows = {c: inds[c].to_numpy() for c in fields}
    rows["species"] = np.full(len(inds), cat.species or "", dtype=object)
    known = pd.Index(ci["individual"].astype(str))
    if not known.is_unique:
        known = known.drop_duplicates(keep="last")
        at = ci.index[~ci["individual"].astype(str).duplicated(keep="last").to_numpy()]
    else:
        at = ci.index
    where = known.get_indexer(inds["individual"].astype(str))
    old = where >= 0
    if old.any():
        upd = pd.DataFrame({c: v[old] for c, v in rows.items()}, index=at[where[old]])
        upd["n_samples"] = (
            ci.loc[upd.index, "n_samples"].to_numpy().astype(np.int64) + upd["n_samples"].to_numpy()
        )
        ci = ci.astype({c: object for c in upd.columns if c in ci.columns and c != "n_samples"})
        ci.loc[upd.index, list(upd.columns)] = upd.to_numpy(dtype=object)
    if (~old).any():
        added = pd.DataFrame({c: v[~old] for c, v in rows.items()})
        added["status"] = "active"
        added["merged_into"] = ""
        ci = added if ci.empty else pd.concat([ci, added], ignore_index=True)
    cat.record_many(
        pd.DataFrame(
            {
                "batch": batch,
                "event": np.where(old, "recapture", "new"),
                "individual": inds["individual"].to_numpy(),
                "details": inds["n_samples"].astype(str).to_numpy(dtype=object) + " sample(s)",
            }
        )
    )
    cat.individuals = ci
    done = assign[assign["status"].isin(["new", "recapture"])]
    dates = table.samples.set_index(table.samples["sample_id"].astype(str))["date"]
    add = pd.DataFrame(
        {
            "sample": done["sample"].astype(str),
            "individual": done["individual"],
            "batch": batch,
            "date": dates.reindex(done["sample"].astype(str)).tolist(),
            "status": done["status"],
        }
    )
    values = table.allele_values()
    # assignments rows are in table order, so the index gives the table row
    done_rows = done.index.to_numpy()
    for j, locus in enumerate(loci):
        add[locus] = format_genotypes(values[done_rows, j])
    cat.samples = pd.concat([cat.samples, add], ignore_index=True)


def _captures(table, assign) -> pd.DataFrame:
    ok = assign["status"].isin(["new", "recapture"]).to_numpy()
    s = table.samples[ok]
    out = pd.DataFrame(
        {
            "individual": assign.loc[ok, "individual"].to_numpy(),
            "sample": assign.loc[ok, "sample"].to_numpy(),
        }
    )
    for col in ("occasion", "date", "site", "x", "y", "detector"):
        if col in s.columns:
            out[col] = s[col].to_numpy()
    return out.sort_values(["individual", "sample"], kind="stable").reset_index(drop=True)


_NEAR_COLUMNS = [
    "sample_a",
    "sample_b",
    "mismatches",
    "n_loci_compared",
    "individual_a",
    "individual_b",
    "kind",
]


def _near_frame(sample_a, sample_b, ind_a, ind_b, same, mismatches, n_compared, m, margin):
    """Near-miss rows of candidate pairs (``same``: assigned to one individual)."""
    split = mismatches > m - 1e-9
    joined = same & (mismatches > max(m - margin, 0))
    keep = ~same | joined
    if not keep.any():
        return pd.DataFrame([], columns=_NEAR_COLUMNS)
    kind = np.where(
        same,
        "joined_near_threshold",
        np.where(split, "split_near_threshold", "different_within_threshold"),
    ).astype(object)
    return pd.DataFrame(
        {
            "sample_a": sample_a[keep],
            "sample_b": sample_b[keep],
            "mismatches": np.asarray(mismatches, dtype=float)[keep],
            "n_loci_compared": np.asarray(n_compared, dtype=np.int64)[keep],
            "individual_a": ind_a[keep],
            "individual_b": ind_b[keep],
            "kind": kind[keep],
        }
    )


def _near_misses(
    kept, cols: AmColumns, info: pd.DataFrame, m: float, margin: float, num_threads
) -> pd.DataFrame:
    """Pairs whose mismatch count is within ``margin`` of the threshold ``m``."""
    if kept.n_samples < 2:
        return pd.DataFrame(columns=_NEAR_COLUMNS)
    pairs = pairs_within_indexed(cols.calls(), max_mismatch=m + margin, num_threads=num_threads)
    loci = _mm.mismatch_pairs(kept.call_genotype, None, pairs.i, pairs.j)
    ind = info["individual"].to_numpy(dtype=object)
    ids = np.asarray(kept.sample_id, dtype=object)
    a, b = ind[pairs.i], ind[pairs.j]
    same = ~pd.isna(a) & (a == b)
    return _near_frame(
        ids[pairs.i], ids[pairs.j], a, b, same, pairs.mismatches, loci.n_compared, m, margin
    )


def _near_catalogue(kept, known, info, m, margin, include_sex, num_threads) -> pd.DataFrame:
    """Batch samples within ``m + margin`` mismatches of a catalogue individual's
    best genotype that they were not assigned to (``sample_b`` is the individual)."""
    ca, cb = _mm.common_calls(kept, known)
    sex = None
    if include_sex:
        sex = pd.concat([kept.samples["sex"], known.samples["sex"]], ignore_index=True)
    both = columns_from_calls(
        np.concatenate([ca, cb]),
        kept.locus_id,
        np.concatenate([kept.sample_id, known.sample_id]),
        sex,
    )
    n = kept.n_samples
    pairs = pairs_within_indexed(
        both.codes[:n, :, None],
        both.codes[n:, :, None],
        max_mismatch=m + margin,
        num_threads=num_threads,
    )
    loci = _mm.mismatch_pairs(ca, cb, pairs.i, pairs.j)
    ind = info["individual"].to_numpy(dtype=object)
    kid = np.asarray(known.sample_id, dtype=object)
    ids = np.asarray(kept.sample_id, dtype=object)
    a, b = ind[pairs.i], kid[pairs.j]
    return _near_frame(ids[pairs.i], b, a, b, a == b, pairs.mismatches, loci.n_compared, m, margin)
