"""Slow, obvious twins of the lab-QC computations, and a seeded replicate simulator.

Everything here works one sample and one locus at a time on Python sets,
written straight from the rule and model definitions in
``genmon.labqc.consensus`` and ``genmon.labqc._likelihood``.
"""

from __future__ import annotations

import math
from collections import Counter
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd

from genmon.model import GenotypeTable

# ----------------------------------------------------------------------------- observations


def observations(table: GenotypeTable) -> dict:
    """{(sample, locus): [set of allele indices per replicate, in row order]}."""
    out: dict = {}
    sids = table.samples["sample_id"].astype(str).tolist()
    for i, sid in enumerate(sids):
        for j in range(table.n_loci):
            shown = {int(a) for a in table.call_genotype[i, j] if a >= 0}
            out.setdefault((sid, j), []).append(frozenset(shown))
    return out


# ----------------------------------------------------------------------------- rules


def taberlet(obs: list, min_het: int, min_hom: int):
    """(genotype tuple or None, status, extra_pcrs) by the multiple-tubes rule."""
    counts = Counter(a for o in obs for a in o)
    if not counts:
        return None, "failed", min_het
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    reaching = [a for a, c in ranked if c >= min_het]
    if len(reaching) >= 3:
        return None, "failed", -1
    if len(reaching) == 2:
        return tuple(sorted(reaching)), "confirmed", 0
    (a1, c1) = ranked[0]
    if len(ranked) == 1:
        if c1 >= min_hom:
            return (a1, a1), "confirmed", 0
        return (a1, a1), "provisional", min_hom - c1
    a2, c2 = ranked[1]
    return tuple(sorted((a1, a2))), "provisional", max(min_het - c1, min_het - c2, 0)


def majority(obs: list, min_agree: int):
    amplified = [o for o in obs if o]
    if not amplified:
        return None, "failed", min_agree
    counts = Counter(amplified)
    best = max(counts.values())
    tops = [o for o, c in counts.items() if c == best]
    # ties: heterozygote first, then the smaller alleles
    tops.sort(key=lambda o: (-len(o), sorted(o)))
    top = tops[0]
    g = tuple(sorted(top)) if len(top) == 2 else (min(top), min(top))
    n = len(amplified)
    if 2 * best > n and best >= min_agree:
        return g, "confirmed", 0
    return g, "provisional", max(n - 2 * best + 1, min_agree - best, 0)


def quality(obs: list, genotype) -> float:
    """Miquel et al. 2006: fraction of replicates identical to the consensus."""
    if genotype is None:
        return 0.0
    target = frozenset(genotype)
    return sum(o == target for o in obs) / len(obs)


# ----------------------------------------------------------------------------- error model


def obs_prob(o: frozenset, g: tuple, d: float, f: float, n_alleles: int) -> float:
    """P(one successful amplification shows ``o`` | true genotype ``g``)."""
    a, b = g
    if a != b:
        fe = f if n_alleles > 2 else 0.0
        if o == {a, b}:
            return (1 - fe) * (1 - d)
        if o == {a} or o == {b}:
            return (1 - fe) * d / 2
        if len(o) == 2 and len(o & {a, b}) == 1:
            return fe / (2 * (n_alleles - 2)) if fe > 0 else 0.0
        return 0.0
    fe = f if n_alleles > 1 else 0.0
    if o == {a}:
        return 1 - fe
    if len(o) == 2 and a in o:
        return fe / (n_alleles - 1) if fe > 0 else 0.0
    return 0.0


def genotype_prior(g: tuple, p) -> float:
    a, b = g
    return p[a] * p[b] * (2.0 if a != b else 1.0)


def cell_likelihoods(obs: list, d: float, f: float, p, n_alleles: int) -> dict:
    """{genotype: prior x likelihood} over all genotypes of the locus."""
    out = {}
    for g in combinations_with_replacement(range(n_alleles), 2):
        like = genotype_prior(g, p)
        for o in obs:
            if o:
                like *= obs_prob(o, g, d, f, n_alleles)
        out[g] = like
    return out


def marginal_loglik(obs_by_sample: list, d: float, f: float, p, n_alleles: int) -> float:
    """Sum over samples with an amplification of log sum_G prior(G) P(obs | G)."""
    total = 0.0
    for obs in obs_by_sample:
        if not any(obs):
            continue
        s = sum(cell_likelihoods(obs, d, f, p, n_alleles).values())
        total += math.log(s) if s > 0 else -math.inf
    return total


def posterior(obs: list, d: float, f: float, p, n_alleles: int) -> dict:
    like = cell_likelihoods(obs, d, f, p, n_alleles)
    s = sum(like.values())
    return {g: v / s for g, v in like.items()}


# ----------------------------------------------------------------------------- simulator


def simulate_replicates(
    n_samples: int,
    n_loci: int,
    n_replicates: int,
    ado,
    fa,
    n_alleles=4,
    fail_rate: float = 0.05,
    seed: int = 1,
):
    """A batch of replicate PCRs with known true genotypes, under the model above.

    Allele frequencies are Dirichlet(1) per locus, sizes 100, 104, ...;
    genotypes are Hardy-Weinberg; each PCR fails with ``fail_rate``, otherwise
    shows a false allele with probability ``fa`` (a random true allele kept and
    a uniformly drawn other allele added), else, in a heterozygote, drops one
    allele (each with probability 1/2) with probability ``ado``.

    Returns ``(table, truth)``: the replicate table (one row per PCR,
    ``sample_id`` ``S0001``..., ``replicate_id`` ``r1``...) and the true
    genotypes as allele sizes ``(n_samples, n_loci, 2)``, sorted.
    """
    rng = np.random.default_rng(seed)
    ado = np.broadcast_to(np.asarray(ado, dtype=float), (n_loci,))
    fa = np.broadcast_to(np.asarray(fa, dtype=float), (n_loci,))
    n_al = np.broadcast_to(np.asarray(n_alleles, dtype=int), (n_loci,))
    truth = np.zeros((n_samples, n_loci, 2), dtype=np.int64)
    values = np.full((n_samples * n_replicates, n_loci, 2), -1, dtype=np.int64)
    for j in range(n_loci):
        a_n = int(n_al[j])
        sizes = 100 + 4 * np.arange(a_n)
        p = rng.dirichlet(np.ones(a_n))
        g = np.sort(rng.choice(a_n, size=(n_samples, 2), p=p), axis=1)
        truth[:, j] = sizes[g]
        gr = np.repeat(g, n_replicates, axis=0)  # (S*K, 2)
        m = gr.shape[0]
        het = gr[:, 0] != gr[:, 1]
        failed = rng.random(m) < fail_rate
        u_fa = rng.random(m)
        u_ado = rng.random(m)
        keep = rng.integers(0, 2, m)
        # false allele: uniform over alleles not in the genotype
        other = rng.integers(0, a_n, m)
        n_in = np.where(het, 2, 1)
        can_false = a_n > n_in
        false_event = (u_fa < fa[j]) & can_false
        for r in np.nonzero(false_event)[0]:
            choices = [x for x in range(a_n) if x not in (gr[r, 0], gr[r, 1])]
            other[r] = choices[rng.integers(0, len(choices))]
        shown_a = gr[:, 0].copy()
        shown_b = gr[:, 1].copy()
        kept = np.where(keep == 0, gr[:, 0], gr[:, 1])
        # false allele: keep one true allele and add the false one
        shown_a = np.where(false_event, kept, shown_a)
        shown_b = np.where(false_event, other, shown_b)
        drop = ~false_event & het & (u_ado < ado[j])
        shown_a = np.where(drop, kept, shown_a)
        shown_b = np.where(drop, kept, shown_b)
        va = np.where(failed, -1, sizes[shown_a])
        vb = np.where(failed, -1, sizes[shown_b])
        values[:, j, 0] = va
        values[:, j, 1] = vb
    sids = [f"S{i + 1:05d}" for i in range(n_samples)]
    samples = pd.DataFrame(
        {
            "sample_id": np.repeat(sids, n_replicates),
            "replicate_id": np.tile([f"r{k + 1}" for k in range(n_replicates)], n_samples),
        }
    )
    # keep every allele size in the tables, even when not seen
    info = {f"L{j + 1:02d}": {"alleles": tuple(int(x) for x in 100 + 4 * np.arange(int(n_al[j])))} for j in range(n_loci)}
    table = GenotypeTable.from_alleles(values, list(info), samples=samples, locus_info=info)
    return table, truth


# ----------------------------------------------------------------------------- Sanger trimming
def mott_trim(quals, cutoff: float = 0.05) -> tuple[int, int]:
    """``[start, end)`` of the segment with the largest sum of ``cutoff - 10**(-q/10)``, by trying every
    segment (the first of equal best sums, shortest start first); ``(0, 0)`` when no sum is positive."""
    score = [cutoff - 10.0 ** (-q / 10.0) for q in quals]
    best, where = 0.0, (0, 0)
    for a in range(len(score)):
        total = 0.0
        for b in range(a, len(score)):
            total += score[b]
            if total > best + 1e-12:
                best, where = total, (a, b + 1)
    return where
