"""Hierarchical clustering and the hybrid dynamic tree cut, as R computes them.

allelematch clusters with ``stats::hclust(method = "complete")`` and cuts the
tree with ``dynamicTreeCut::cutreeHybrid``.  Reproducing its unique-individual
counts exactly needs the same tree *including how ties are broken* (mismatch
dissimilarities are multiples of ``0.5 / n_columns``, so ties are the rule),
so this module re-implements both algorithms from their published
descriptions and R's documented behaviour:

* :func:`hclust_complete`: Murtagh's nearest-neighbour-list agglomeration
  (F. Murtagh 1985, *Multidimensional Clustering Algorithms*), as used by R's
  ``hclust``: the pair with the smallest nearest-neighbour dissimilarity is
  merged (first such object wins ties), the merged cluster keeps the smaller
  object number, merges are encoded R-style (singletons negative, clusters by
  merge step).
* :func:`cutree_hybrid`: the "hybrid" tree cut of Langfelder, Zhang &
  Horvath (2008) with its PAM-like second stage (``pamStage = TRUE``,
  ``pamRespectsDendro = TRUE``, ``useMedoids = FALSE``, ``respectSmallClusters =
  TRUE``), as in dynamicTreeCut 1.63.

Means and column sums accumulate in extended precision like R's ``mean`` and
``colSums``.

References
----------
Langfelder P, Zhang B, Horvath S (2008) Defining clusters from a hierarchical
cluster tree: the Dynamic Tree Cut package for R. Bioinformatics 24:719-720.

Murtagh F (1985) Multidimensional Clustering Algorithms. COMPSTAT Lectures 4.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import GenmonError

__all__ = ["hclust_complete", "cutree_hybrid"]


def _r_mean(x: np.ndarray) -> float:
    # R's mean(): long double sum, then one refinement pass.
    x = np.asarray(x, dtype=np.longdouble)
    n = x.size
    s = x.sum() / n
    t = (x - s).sum()
    return float(s + t / n)


def _r_colsums(m: np.ndarray) -> np.ndarray:
    return np.asarray(m, dtype=np.longdouble).sum(axis=0).astype(np.float64)


def hclust_complete(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Complete-linkage clustering with R ``hclust``'s tie-breaking.

    Parameters
    ----------
    d
        Square symmetric dissimilarity matrix (float64).

    Returns
    -------
    merge, height
        ``merge`` is ``(n - 1, 2)`` int: ``-k`` is object ``k`` (1-based), ``+s``
        the cluster formed at merge step ``s``; ``height`` the merge heights.

    Examples
    --------
    >>> d = np.array([[0, 1, 4], [1, 0, 2], [4, 2, 0]], dtype=float)
    >>> merge, height = hclust_complete(d)
    >>> merge.tolist(), height.tolist()
    ([[-1, -2], [-3, 1]], [1.0, 4.0])
    """
    n = d.shape[0]
    if n < 2:
        raise ValueError("hclust needs at least two objects")
    inf = np.inf
    diss = np.array(d, dtype=np.float64, copy=True)
    np.fill_diagonal(diss, inf)
    active = np.ones(n, dtype=bool)
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    # Nearest neighbour to the right of each object (first minimum).
    masked = np.where(upper, diss, inf)
    nn = masked.argmin(axis=1)
    disnn = masked[np.arange(n), nn]
    disnn[n - 1] = inf
    label = -np.arange(1, n + 1)
    merge = np.zeros((n - 1, 2), dtype=np.int64)
    height = np.zeros(n - 1)
    for step in range(n - 1):
        cand = np.where(active[: n - 1], disnn[: n - 1], inf)
        im = int(cand.argmin())
        dmin = cand[im]
        jm = int(nn[im])
        i2, j2 = min(im, jm), max(im, jm)
        height[step] = dmin
        a, b = label[i2], label[j2]
        if a > 0 and b < 0:
            a, b = b, a
        elif a > 0 and b > 0 and a > b:
            a, b = b, a
        merge[step] = (a, b)
        label[i2] = step + 1
        active[j2] = False
        # Complete link: the new cluster's dissimilarity is the larger one.
        others = active.copy()
        others[i2] = False
        new = np.maximum(diss[i2], diss[j2])
        new[~others] = inf
        diss[i2, :] = new
        diss[:, i2] = new
        diss[j2, :] = inf
        diss[:, j2] = inf
        right = np.where(np.arange(n) > i2, new, inf)
        if np.isfinite(right).any() and right.min() < inf:
            jj = int(right.argmin())
            disnn[i2] = right[jj]
            nn[i2] = jj
        else:
            disnn[i2] = inf
        left = np.nonzero(others & (np.arange(n) < i2) & (new < disnn))[0]
        disnn[left] = new[left]
        nn[left] = i2
        # Recompute nearest neighbours that pointed at the merged objects.
        stale = np.nonzero(active[: n - 1] & ((nn[: n - 1] == i2) | (nn[: n - 1] == j2)))[0]
        for i in stale:
            row = diss[i, i + 1 :]
            if row.size and np.isfinite(row).any():
                k = int(row.argmin())
                nn[i] = i + 1 + k
                disnn[i] = row[k]
            else:
                disnn[i] = inf
    return merge, height


def _core_size(branch_size: int, min_cluster_size: int) -> int:
    base = min_cluster_size / 2 + 1
    if base < branch_size:
        return int(base + np.sqrt(branch_size - base))
    return int(branch_size)


def _interpolate(data: list[float], index: float) -> float:
    i = int(np.round(index))  # R's round(): half to even, like numpy
    n = len(data)
    if i < 1:
        return data[0]
    if i >= n:
        return data[n - 1]
    r = index - i
    return data[i - 1] * (1 - r) + data[i] * r


def _rank_first(x: np.ndarray) -> np.ndarray:
    # R rank(ties.method = "first"), 1-based.
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), dtype=np.int64)
    ranks[order] = np.arange(1, len(x) + 1)
    return ranks


class _Branch:
    __slots__ = (
        "is_basic",
        "is_top_basic",
        "fail_size",
        "size",
        "n_merge",
        "n_singletons",
        "merged_into",
        "attach_height",
        "singletons",
        "basic_clusters",
    )

    def __init__(self, singletons: list[int], height: float):
        self.is_basic = True
        self.is_top_basic = True
        self.fail_size = False
        self.size = 2
        self.n_merge = 1
        self.n_singletons = 2
        self.merged_into = 0
        self.attach_height = None
        self.singletons = list(singletons)
        self.basic_clusters: list[int] = []


def cutree_hybrid(
    merge: np.ndarray,
    height: np.ndarray,
    d: np.ndarray,
    cut_height: float,
    min_cluster_size: int = 1,
    deep_split: int = 1,
) -> np.ndarray:
    """Hybrid dynamic tree cut (Langfelder et al. 2008) with its PAM stage.

    Parameters
    ----------
    merge, height
        The tree from :func:`hclust_complete`.
    d
        The dissimilarity matrix the tree was built from.
    cut_height
        Maximum joining height; capped at the tree's top.
    min_cluster_size, deep_split
        As in dynamicTreeCut.

    Returns
    -------
    numpy.ndarray
        Labels per object: ``0`` unassigned, ``1, 2, …`` clusters by decreasing
        size (ties in order of detection).

    Examples
    --------
    Two tight pairs far apart form two clusters:

    >>> d = np.array([[0, .1, .9, .9], [.1, 0, .9, .9], [.9, .9, 0, .1], [.9, .9, .1, 0]])
    >>> merge, height = hclust_complete(d)
    >>> cutree_hybrid(merge, height, d, cut_height=0.2).tolist()
    [1, 1, 2, 2]
    """
    d = np.array(d, dtype=np.float64, copy=True)
    np.fill_diagonal(d, 0.0)
    n_merge = len(height)
    if n_merge < 1:
        raise ValueError("the tree has no merges")
    n_points = n_merge + 1
    ref_merge = int(np.round(n_merge * 0.05))
    if ref_merge < 1:
        ref_merge = 1
    ref_height = height[ref_merge - 1]
    if cut_height > height.max():
        cut_height = float(height.max())
    max_pam_dist = cut_height
    if int((height <= cut_height).sum()) < min_cluster_size:
        return np.zeros(n_points, dtype=np.int64)
    def_mcs = [0.64, 0.73, 0.82, 0.91, 0.95]
    def_mg = [(1 - x) * 3 / 4 for x in def_mcs]
    ds = deep_split + 1
    max_core_scatter = _interpolate(def_mcs, ds)
    min_gap = _interpolate(def_mg, ds)
    max_abs_core_scatter = ref_height + max_core_scatter * (cut_height - ref_height)
    min_abs_gap = min_gap * (cut_height - ref_height)
    min_abs_split_height = ref_height + 0 * (cut_height - ref_height)

    branches: list[_Branch] = [None]  # type: ignore[list-item]  # 1-based
    merge_to_branch = np.zeros(n_merge + 1, dtype=np.int64)  # 1-based merges
    on_branch = np.zeros(n_points + 1, dtype=np.int64)  # 1-based objects

    def core_scatter(br: _Branch) -> float:
        cs = _core_size(br.n_singletons, min_cluster_size)
        core = np.array(br.singletons[:cs]) - 1
        return _r_mean(_r_colsums(d[np.ix_(core, core)]) / (cs - 1))

    for m in range(1, n_merge + 1):
        h = height[m - 1]
        if not h <= cut_height:
            continue
        a, b = int(merge[m - 1, 0]), int(merge[m - 1, 1])
        if a < 0 and b < 0:
            branches.append(_Branch([-a, -b], h))
            merge_to_branch[m] = len(branches) - 1
        elif (a < 0) != (b < 0):
            clust = int(merge_to_branch[max(a, b)])
            if clust == 0:
                raise GenmonError("internal error in the tree cut: a merge has no branch")
            gene = -min(a, b)
            br = branches[clust]
            if br.is_basic:
                br.singletons.append(gene)
            else:
                on_branch[gene] = clust
            br.size += 1
            br.n_merge += 1
            br.n_singletons += 1
            merge_to_branch[m] = clust
        else:
            clusts = [int(merge_to_branch[a]), int(merge_to_branch[b])]
            sizes = np.array([branches[c].size for c in clusts])
            rnk = _rank_first(sizes)
            small, large = clusts[rnk[0] - 1], clusts[rnk[1] - 1]
            sizes = sizes[rnk - 1]
            bs, bl = branches[small], branches[large]
            sm_ave = core_scatter(bs) if bs.is_basic else 0.0
            lg_ave = core_scatter(bl) if bl.is_basic else 0.0
            sm_scores = [
                sm_ave > max_abs_core_scatter,
                h - sm_ave < min_abs_gap,
                h < min_abs_split_height,
            ]
            if bs.is_basic and (bs.size < min_cluster_size or any(sm_scores)):
                do_merge = True
                smaller_fail = not (sm_scores[0] or sm_scores[1])
            else:
                lg_scores = [
                    lg_ave > max_abs_core_scatter,
                    h - lg_ave < min_abs_gap,
                    h < min_abs_split_height,
                ]
                if bl.is_basic and (bl.size < min_cluster_size or any(lg_scores)):
                    do_merge = True
                    smaller_fail = not (lg_scores[0] or lg_scores[1])
                    small, large = large, small
                    sizes = sizes[::-1]
                else:
                    do_merge = False
            bs, bl = branches[small], branches[large]
            if do_merge:
                bs.fail_size = smaller_fail
                bs.merged_into = large
                bs.attach_height = h
                bs.is_top_basic = False
                if bl.is_basic:
                    bl.singletons.extend(bs.singletons[: bs.n_singletons])
                    bl.n_singletons = bs.n_singletons + bl.n_singletons
                else:
                    if not bs.is_basic:
                        raise GenmonError(
                            "internal error in the tree cut: merging two composite branches"
                        )
                    on_branch[np.array(bs.singletons, dtype=np.int64)] = large
                bl.n_merge += 1
                bl.size = bs.size + bl.size
                merge_to_branch[m] = large
            else:
                if bl.is_basic and not bs.is_basic:
                    small, large = large, small
                    sizes = sizes[::-1]
                    bs, bl = branches[small], branches[large]
                new = _Branch([], h)
                new.is_basic = False
                new.is_top_basic = False
                new.basic_clusters = ([small] if bs.is_basic else list(bs.basic_clusters)) + (
                    [large] if bl.is_basic else list(bl.basic_clusters)
                )
                new.n_merge = 2
                new.size = int(sizes.sum())
                branches.append(new)
                nb = len(branches) - 1
                bs.attach_height = bl.attach_height = h
                bs.merged_into = bl.merged_into = nb
                merge_to_branch[m] = nb

    n_branches = len(branches) - 1
    small_labels = np.zeros(n_points + 1, dtype=np.int64)
    is_cluster = np.zeros(n_branches + 1, dtype=bool)
    for c in range(1, n_branches + 1):
        br = branches[c]
        if br.attach_height is None:
            br.attach_height = cut_height
        if br.is_top_basic:
            scatter = core_scatter(br)
            is_cluster[c] = (
                br.size >= min_cluster_size
                and scatter < max_abs_core_scatter
                and br.attach_height - scatter > min_abs_gap
            )
        if br.fail_size:
            small_labels[np.array(br.singletons, dtype=np.int64)] = c
    colors = np.zeros(n_points + 1, dtype=np.int64)
    branch_labels = np.zeros(n_branches + 1, dtype=np.int64)
    color = 0
    for c in range(1, n_branches + 1):
        if not is_cluster[c]:
            continue
        color += 1
        idx = np.array(branches[c].singletons, dtype=np.int64)
        colors[idx] = color
        small_labels[idx] = 0
        branch_labels[c] = color
    n_proper = color
    obj = np.arange(n_points + 1)
    if n_proper > 0 and (colors[1:] == 0).any():
        diam = np.zeros(n_proper + 1)
        for c in range(1, n_proper + 1):
            inside = np.nonzero(colors == c)[0] - 1
            if len(inside) > 1:
                diam[c] = (_r_colsums(d[np.ix_(inside, inside)]) / (len(inside) - 1)).max()
        colors_x = colors.copy()

        def nearest(labels_on_branch: np.ndarray, dist_of) -> tuple[int, float]:
            use = np.isin(colors_x, np.unique(labels_on_branch))
            use[0] = False
            use_objs = np.nonzero(use)[0]
            levels = np.unique(colors_x[use_objs])
            if len(levels) == 0:
                raise GenmonError("the dynamic tree cut failed (no labelled objects on the branch)")
            values = dist_of(use_objs - 1)
            means = [_r_mean(values[colors_x[use_objs] == lev]) for lev in levels]
            k = int(np.argmin(means))
            return int(levels[k]), means[k]

        def accept(label: int, dist: float) -> bool:
            if label == 0:
                # dynamicTreeCut stops with an error here (a zero-length test).
                raise GenmonError("the dynamic tree cut failed (nearest group is unlabelled)")
            return dist < diam[label] or dist < max_pam_dist

        for sclust in np.unique(small_labels[1:]):
            if sclust == 0:
                continue
            inside = np.nonzero(small_labels == sclust)[0]
            brs = np.unique(on_branch[inside])
            if len(brs) > 1:
                raise GenmonError(
                    "internal error in the tree cut: a small cluster on several branches"
                )
            onbr = int(brs[0])
            if onbr > 0:
                labels_on = branch_labels[np.array(branches[onbr].basic_clusters, dtype=np.int64)]
                rows = inside - 1
                label, dist = nearest(
                    labels_on, lambda cols, rows=rows: _r_colmeans(d[np.ix_(rows, cols)])
                )
                colors[inside] = label if accept(label, dist) else -1
        unlabelled = np.nonzero((colors == 0) & (obj > 0) & (on_branch > 0))[0]
        for o in unlabelled:
            labels_on = branch_labels[
                np.array(branches[int(on_branch[o])].basic_clusters, dtype=np.int64)
            ]
            label, dist = nearest(labels_on, lambda cols, o=o: d[cols, o - 1])
            if accept(label, dist):
                colors[o] = label
    colors = colors[1:]
    colors[colors < 0] = 0
    levels, num = np.unique(colors, return_inverse=True)
    sizes = np.bincount(num)
    if (colors == 0).any():
        rank = (
            np.concatenate([[1], _rank_first(-sizes[1:]) + 1]) if len(sizes) > 1 else np.array([1])
        )
        return rank[num] - 1
    rank = _rank_first(-sizes)
    return rank[num]


def _r_colmeans(m: np.ndarray) -> np.ndarray:
    return (np.asarray(m, dtype=np.longdouble).sum(axis=0) / m.shape[0]).astype(np.float64)
