"""allelematch-compatible identification of unique genotypes.

Re-implements the definitions of the R package allelematch 3.0.0 (Galpern et
al. 2012) so that a user switching from it gets the same unique individuals
on the same data:

* **columns**: allelematch compares *allele columns* in position, not loci.
  :func:`am_columns` turns a :class:`~genmon.model.GenotypeTable` into those
  columns (a locus typed in one slot only, e.g. a sex marker, is one column;
  ``include_sex`` adds the ``sex`` metadata column as allelematch's example 5
  does).
* **similarity** of two samples: ``(equal typed columns + 0.5 * missing
  columns of each sample) / n_columns``; ``alleleMismatch`` ``m`` gives
  ``matchThreshold = 1 - m / n_columns`` and ``cutHeight = m / n_columns``.
* **amCluster**: complete-linkage ``hclust`` of ``1 - similarity`` cut by
  ``dynamicTreeCut::cutreeHybrid(minClusterSize = 1)``; each cluster is
  represented by its first sample (``consensusMethod = 1``), and clustering
  is repeated on the representatives until no cluster forms.
* **amUnique**: every representative is compared with every sample; samples
  matching none are *unclassified*, samples matching several are
  *multipleMatch*.
* **amUniqueProfile**: the scan over ``alleleMismatch = 0 … floor(0.4 *
  n_columns)`` and the guess of the optimum at the second minimum of the
  multiple-match profile.

Two quirks of allelematch 3.0.0 are reproduced on purpose (``compat=True``)
because they change its counts: when the tree cut leaves no sample
unassigned, the smallest cluster is dropped from the representatives; and
the representative is always a cluster's first sample.

References
----------
Galpern P, Manseau M, Hettinga P, Smith K, Wilson P (2012) allelematch: an R
package for identifying unique multilocus genotypes where genotyping error
and missing data may be present. Mol Ecol Resour 12:771-778.

Woods JG et al. (1999) Genetic tagging of free-ranging black and brown bears.
Wildl Soc Bull 27:616-627 (the sibling match probability).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from . import mismatch as _mm
from ._dendro import cutree_hybrid, hclust_complete

__all__ = [
    "AmColumns",
    "AmUnique",
    "am_columns",
    "columns_from_calls",
    "am_dissimilarity",
    "am_cluster",
    "am_unique",
    "am_unique_profile",
    "guess_optimum",
]


@dataclass
class AmColumns:
    """Allele columns as allelematch sees them: ``codes`` is ``(samples, columns)``
    int16 (``-1`` missing); ``locus_of_column`` maps columns to loci (allelematch's
    ``multilocusMap``)."""

    codes: np.ndarray
    names: list[str]
    locus_of_column: list[str]
    sample_id: np.ndarray

    @property
    def n_columns(self) -> int:
        return self.codes.shape[1]

    def calls(self) -> np.ndarray:
        """Columns as ``(samples, columns, 1)`` calls for the mismatch kernel."""
        return np.ascontiguousarray(self.codes[:, :, None])


def am_columns(table: GenotypeTable, include_sex: bool = False) -> AmColumns:
    """allelematch's allele columns of a table.

    Each locus contributes one column per allele slot that is typed in at least
    one sample (a haploid marker stored in a diploid table is one column; a
    locus missing everywhere keeps all its slots, as allelematch keeps its
    columns).  ``include_sex`` appends ``samples["sex"]`` (F/M, missing
    otherwise) as one more column.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[100, 104], [7, -1]], [[100, 100], [7, -1]]],
    ...                                ["L1", "Y"], sample_ids=["a", "b"])
    >>> am_columns(t).names
    ['L1.1', 'L1.2', 'Y']
    """
    sex = table.samples["sex"] if include_sex else None
    return columns_from_calls(table.call_genotype, table.locus_id, table.sample_id, sex)


def columns_from_calls(
    calls: np.ndarray, locus_names: list[str], sample_id: np.ndarray, sex: pd.Series | None = None
) -> AmColumns:
    """:func:`am_columns` on a bare ``(samples, loci, ploidy)`` array (``sex``: F/M/missing per sample)."""
    g = np.asarray(calls)
    blocks, names, loci = [], [], []
    for j, locus in enumerate(locus_names):
        slots = [k for k in range(g.shape[2]) if (g[:, j, k] >= 0).any()]
        if not slots:
            slots = list(range(g.shape[2]))
        for k in slots:
            blocks.append(g[:, j, k])
            names.append(locus if len(slots) == 1 else f"{locus}.{k + 1}")
            loci.append(locus)
    if sex is not None:
        text = (
            pd.Series(sex)
            .reset_index(drop=True)
            .astype("string")
            .str.strip()
            .str.upper()
            .fillna("")
        )
        code = np.select([text == "F", text == "M"], [0, 1], -1).astype(np.int16)
        blocks.insert(0, code)
        names.insert(0, "sex")
        loci.insert(0, "sex")
    codes = (
        np.ascontiguousarray(np.stack(blocks, axis=1).astype(np.int16))
        if blocks
        else np.zeros((g.shape[0], 0), np.int16)
    )
    return AmColumns(codes, names, loci, np.asarray(sample_id))


def _mismatch_units(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    # Dense half-unit mismatch scores of column codes (allelematch weights).
    ca = np.ascontiguousarray(a[:, :, None])
    cb = ca if b is None else np.ascontiguousarray(b[:, :, None])
    return _mm.count_mismatches(ca, cb, convention="allelematch").units


def _similarity(units: np.ndarray, n_columns: int) -> np.ndarray:
    # R: (matches + 0.5 * missing_j + 0.5 * missing_i) / n_columns; that sum is
    # exactly n_columns - units / 2 (all half-integers are exact in binary).
    return (n_columns - units / 2.0) / n_columns


def am_dissimilarity(codes: np.ndarray) -> np.ndarray:
    """allelematch's ``amMatrix`` (``missingMethod = 2``): ``1 - similarity``.

    Examples
    --------
    >>> am_dissimilarity(np.array([[1, 2], [1, -1]], dtype=np.int16)).tolist()
    [[0.0, 0.25], [0.25, 0.0]]
    """
    return 1.0 - _similarity(_mismatch_units(codes), codes.shape[1])


def _order_ids(ids: np.ndarray) -> np.ndarray:
    # R: numeric order when every id parses as a number, else text order
    # (byte order, as R in the C locale).
    try:
        values = np.array([float(x) for x in ids])
        if np.isnan(values).any():
            raise ValueError
        return np.argsort(values, kind="stable")
    except ValueError:
        return np.array(sorted(range(len(ids)), key=lambda i: str(ids[i]).encode()), dtype=np.int64)


def am_cluster(
    codes: np.ndarray, ids: np.ndarray, cut_height: float, compat: bool = True
) -> list[np.ndarray]:
    """allelematch's ``amCluster(runUntilSingletons = TRUE, consensusMethod = 1)``.

    Returns
    -------
    list of numpy.ndarray
        One array per unique genotype: the rows of ``codes`` it stands for, the
        representative first; in the order of allelematch's ``unique`` output.
    """
    members = [np.array([i]) for i in range(len(codes))]
    rows = np.arange(len(codes))
    while len(rows) > 1:
        d = am_dissimilarity(codes[rows])
        merge, height = hclust_complete(d)
        labels = cutree_hybrid(merge, height, d, cut_height, min_cluster_size=1) + 1
        n_labels = len(np.unique(labels))
        # allelematch visits labels 1..n_labels: label 1 = singletons; when no
        # object is unassigned the last cluster label is never visited.
        top = n_labels if compat else int(labels.max())
        keep, new_members, formed = [], [], 0
        for lab in range(1, top + 1):
            idx = np.nonzero(labels == lab)[0]
            if len(idx) == 0:
                continue
            if lab == 1:
                for i in idx:
                    keep.append(rows[i])
                    new_members.append(members[i])
            else:
                formed += 1
                keep.append(rows[idx[0]])
                new_members.append(np.concatenate([members[i] for i in idx]))
        order = _order_ids(ids[np.array(keep)])
        rows = np.array(keep)[order]
        members = [new_members[k] for k in order]
        if formed == 0:
            break
    return members


@dataclass
class AmUnique:
    """Result of :func:`am_unique` at one ``alleleMismatch`` setting."""

    allele_mismatch: float
    match_threshold: float
    cut_height: float
    unique_rows: np.ndarray  # representative sample row of each unique genotype
    matches: pd.DataFrame  # unique_row, sample_row, score (similarity)
    n_samples: int
    psib: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_unique(self) -> int:
        return len(self.unique_rows)

    @property
    def unclassified(self) -> np.ndarray:
        seen = np.zeros(self.n_samples, dtype=bool)
        seen[self.unique_rows] = True
        seen[self.matches["sample_row"].to_numpy()] = True
        return np.nonzero(~seen)[0]

    @property
    def multiple_matches(self) -> np.ndarray:
        counts = np.bincount(self.matches["sample_row"].to_numpy(), minlength=self.n_samples)
        return np.nonzero(counts > 1)[0]


def _psib(cols: AmColumns, unique_rows: np.ndarray) -> np.ndarray:
    # allelematch's Psib of each unique genotype: allele frequencies over the
    # unique genotypes (missing removed, columns of a locus pooled), product
    # over loci typed completely of (1 + 2p + p^2)/4 (homozygote or single
    # column) or (1 + pa + pb + 2 pa pb)/4 (heterozygote).
    uniq = cols.codes[unique_rows]
    out = np.ones(len(unique_rows))
    loci = list(dict.fromkeys(cols.locus_of_column))
    for locus in loci:
        idx = [k for k, name in enumerate(cols.locus_of_column) if name == locus]
        values = uniq[:, idx].ravel()
        values = values[values >= 0]
        if values.size == 0:
            continue
        alleles, counts = np.unique(values, return_counts=True)
        freq = dict(zip(alleles.tolist(), (counts / values.size).tolist(), strict=True))
        for r in range(len(unique_rows)):
            g = uniq[r, idx]
            if (g < 0).any():
                continue
            if len(g) == 1 or g[0] == g[1]:
                p = freq[int(g[0])]
                out[r] *= (1 + 2 * p + p * p) / 4
            else:
                pa, pb = freq[int(g[0])], freq[int(g[1])]
                out[r] *= (1 + pa + pb + 2 * pa * pb) / 4
    return out


def am_unique(cols: AmColumns, allele_mismatch: float, compat: bool = True) -> AmUnique:
    """allelematch's ``amUnique(alleleMismatch = m)``.

    Parameters
    ----------
    cols
        From :func:`am_columns`.
    allele_mismatch
        Number of allele mismatches (missing alleles count half) tolerated.
    compat
        Reproduce allelematch 3.0.0's quirks (see the module docs).

    Examples
    --------
    >>> t = GenotypeTable.from_alleles(
    ...     [[[1, 2], [3, 4], [5, 6]], [[1, 2], [3, 4], [5, 6]], [[1, 1], [3, 3], [5, 5]]],
    ...     ["A", "B", "C"], sample_ids=["1", "2", "3"])
    >>> am_unique(am_columns(t), 1).n_unique
    2
    """
    n_cols = cols.n_columns
    match_threshold = 1 - (allele_mismatch / n_cols)
    cut_height = 1 - match_threshold
    if match_threshold == 1 and cut_height == 0:
        cut_height = 0.00001
    if len(cols.codes) == 1:
        groups = [np.array([0])]
    else:
        groups = am_cluster(cols.codes, cols.sample_id, cut_height, compat=compat)
    unique_rows = np.array([g[0] for g in groups], dtype=np.int64)
    sim = _similarity(_mismatch_units(cols.codes[unique_rows], cols.codes), n_cols)
    ui, sj = np.nonzero(sim >= match_threshold)
    matches = pd.DataFrame({"unique_row": unique_rows[ui], "sample_row": sj, "score": sim[ui, sj]})
    return AmUnique(
        allele_mismatch,
        match_threshold,
        cut_height,
        unique_rows,
        matches,
        len(cols.codes),
        _psib(cols, unique_rows),
    )


def guess_optimum(
    multiple_match: list[int] | np.ndarray, unique: list[int] | np.ndarray
) -> tuple[int, str]:
    """allelematch's automatic choice from an ``amUniqueProfile`` scan.

    Both arguments are ordered by increasing ``alleleMismatch``.  Returns the
    0-based position of the chosen setting and the profile morphology
    (``ZeroFlat``, ``NoSecondMinimum``, ``NonZeroSecondMinimum``,
    ``ZeroSecondMinimum``).

    Examples
    --------
    allelematch's example 2 (unique 140, 136, … for alleleMismatch 0 … 8):

    >>> guess_optimum([0, 25, 33, 0, 0, 1, 1, 14, 30], [140, 136, 122, 100, 99, 99, 98, 98, 89])
    (3, 'ZeroSecondMinimum')
    """
    mm = np.asarray(multiple_match)
    u = np.asarray(unique, dtype=float)
    n = len(mm)
    i = 0
    while True:
        i += 1
        minimum = int(np.argmin(mm[i - 1 :])) + i  # 1-based
        slope = 0 if minimum == 1 else mm[minimum - 1] - mm[minimum - 2]
        if slope < 0 or minimum == n:
            break
    second = minimum
    lead = 0
    while lead < n and mm[lead] == 0:
        lead += 1
    if lead == n:
        morph = "ZeroFlat"
    elif not (mm[lead:] == 0).any():
        morph = "NoSecondMinimum" if second == n else "NonZeroSecondMinimum"
    else:
        morph = "ZeroSecondMinimum"
    if morph in ("ZeroFlat", "NoSecondMinimum"):
        diffs = [abs((u[x - 2] - u[x]) / 2) for x in range(2, n)]
        return int(np.argmin(diffs)) + 1, morph
    return second - 1, morph


def am_unique_profile(
    cols: AmColumns, allele_mismatch: list[float] | None = None, compat: bool = True
) -> tuple[pd.DataFrame, dict[float, AmUnique]]:
    """allelematch's ``amUniqueProfile``: :func:`am_unique` over a range of settings.

    ``allele_mismatch`` defaults to ``0, 1, …, floor(0.4 * n_columns)``.

    Returns
    -------
    profile, results
        ``profile`` has columns allele_mismatch, match_threshold, cut_height,
        samples, unique, unclassified, multiple_match, guess_optimum,
        morphology; ``results`` maps each setting to its :class:`AmUnique`.
    """
    n_cols = cols.n_columns
    if allele_mismatch is None:
        allele_mismatch = list(np.arange(0, np.floor(n_cols * 0.4) + 1e-9, 1.0))
    settings = sorted(float(m) for m in allele_mismatch)
    if len(settings) < 3:
        raise ValueError("a profile needs three or more alleleMismatch settings")
    results = {m: am_unique(cols, m, compat=compat) for m in settings}
    profile = pd.DataFrame(
        {
            "allele_mismatch": settings,
            "match_threshold": [results[m].match_threshold for m in settings],
            "cut_height": [1 - results[m].match_threshold for m in settings],
            "samples": [results[m].n_samples for m in settings],
            "unique": [results[m].n_unique for m in settings],
            "unclassified": [len(results[m].unclassified) for m in settings],
            "multiple_match": [len(results[m].multiple_matches) for m in settings],
        }
    )
    best, morph = guess_optimum(profile["multiple_match"].to_numpy(), profile["unique"].to_numpy())
    profile["guess_optimum"] = np.arange(len(profile)) == best
    profile["morphology"] = morph
    return profile, results
