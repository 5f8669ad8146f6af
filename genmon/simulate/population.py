"""Forward Wright-Fisher population with separate sexes and a recorded pedigree.

Model (discrete, non-overlapping generations):

* Generation ``t`` has ``N_t`` individuals, of which exactly
  ``Nm_t = round(N_t * male_fraction)`` are male (sexes are shuffled, not
  drawn, so the numbers of each sex are known).
* **Random mating** (default): every offspring of generation ``t + 1`` draws
  its father uniformly, with replacement, from the ``Nm_t`` males and its
  mother from the ``Nf_t`` females (random union of gametes; family sizes are
  multinomial, close to Poisson).  Full and half siblings arise by chance.
* **Monogamy**: ``P_t = min(Nm_t, Nf_t)`` random male-female pairs are
  formed; every offspring draws one pair uniformly; the others do not breed.
* Each parent transmits one of its two alleles at random, independently at
  every locus (unlinked loci).  Allele slot 0 is paternal, slot 1 maternal.
* Optional stepwise mutation (SMM, Ohta & Kimura 1973) of microsatellites:
  each transmitted allele mutates with probability ``mutation_rate`` by one
  repeat unit up or down (equally likely).  SNPs do not mutate.
* Founders are drawn in Hardy-Weinberg proportions from the founder
  frequencies, then ``burn_in`` generations of the same model (size ``N_0``)
  run without being recorded; the last burn-in generation is generation 0
  of the recorded pedigree and is treated as unrelated and non-inbred.

Expected effective size (the truth the Ne estimators are checked against):
with random mating, the probability that two genes drawn from different
offspring descend from the same parental gene is
``1/(8 Nm) + 1/(8 Nf)``, hence (Wright 1931; Caballero 1994 eq. 1)::

    Ne = 4 Nm Nf / (Nm + Nf)

With monogamy the two genes coalesce only through the same pair,
probability ``(1/P) * (1/4)``, hence ``Ne = 2 P`` (equal to ``N`` for an
even sex ratio).  Over generations of different sizes the multi-generation
Ne is the harmonic mean of the per-generation values (Wright 1938).

Realised quantities returned beside the expectation:

* ``ne_coancestry``: ``1 / (2 * mean dC)`` from the pedigree's mean
  coancestry ``C_t`` (self-coancestry included), ``dC = (C_{t+1} - C_t) / (1 - C_t)``;
* ``ne_temporal``: ``1 / (2 (1 - (1 - F)^(1/t)))`` with
  ``F = sum (y - x)^2 / sum x (1 - x)`` over all alleles and STR/SNP loci,
  from the *whole-population* allele frequencies ``x`` (generation 0) and
  ``y`` (last generation), so there is no sampling term (cf. Nei & Tajima
  1981, Waples 1989);
* ``mean_inbreeding``: the mean pedigree inbreeding coefficient of the last
  generation.

The two pedigree quantities need the ``N x N`` coancestry matrix; they are
NaN when a generation is larger than :data:`KINSHIP_LIMIT`.

References
----------
Wright S (1931) Evolution in Mendelian populations. Genetics 16:97-159.

Wright S (1938) Size of population and breeding structure in relation to
evolution. Science 87:430-431.

Caballero A (1994) Developments in the prediction of effective population
size. Heredity 73:657-679.

Ohta T, Kimura M (1973) A model of mutation appropriate to estimate the
number of electrophoretically detectable alleles in a finite population.
Genetical Research 22:201-204.

Waples RS (1989) A generalized approach for estimating effective population
size from temporal changes in allele frequency. Genetics 121:379-391.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .markers import SnpLocus, StrLocus

__all__ = ["KINSHIP_LIMIT", "Population", "expected_ne", "simulate_population"]

#: Largest generation for which the pedigree coancestry matrix (N x N
#: float64) is tracked; above it the coancestry-based quantities are NaN.
KINSHIP_LIMIT = 3000


def expected_ne(
    n_males: int | Sequence[int], n_females: int | Sequence[int], monogamy: bool = False
) -> float:
    """Expected effective size of the dioecious Wright-Fisher model.

    ``4 Nm Nf / (Nm + Nf)`` under random mating (Wright 1931), ``2 min(Nm, Nf)``
    under monogamy; for sequences (one value per parental generation) the
    harmonic mean of the per-generation values (Wright 1938).

    Examples
    --------
    Worked by hand: ``4 * 50 * 50 / 100 = 100``; ``4 * 20 * 80 / 100 = 64``;
    harmonic mean of 100 and 64 is ``2 / (1/100 + 1/64) = 78.05``.

    >>> expected_ne(50, 50), expected_ne(20, 80), expected_ne(20, 80, monogamy=True)
    (100.0, 64.0, 40.0)
    >>> round(expected_ne([50, 20], [50, 80]), 2)
    78.05
    """
    nm = np.atleast_1d(np.asarray(n_males, dtype=float))
    nf = np.atleast_1d(np.asarray(n_females, dtype=float))
    per_gen = 2.0 * np.minimum(nm, nf) if monogamy else 4.0 * nm * nf / (nm + nf)
    if np.all(per_gen == per_gen[0]):
        return float(per_gen[0])  # exact, without rounding in 1/x
    return float(per_gen.size / np.sum(1.0 / per_gen))


@dataclass
class Population:
    """A simulated population: pedigree, true genotypes and Ne truth.

    Attributes
    ----------
    pedigree
        One row per recorded individual: ``id, father, mother, sex, generation``
        (parents ``<NA>`` in generation 0).
    str_alleles
        ``(individuals, str loci, 2)`` int32 allele sizes in pedigree order;
        slot 0 paternal, slot 1 maternal.
    snp_alleles
        ``(individuals, snp loci, 2)`` int8, 0 = REF, 1 = ALT.
    male
        ``(individuals,)`` bool.
    generation_sizes
        ``(generations + 1, 2)`` numbers of males and females per generation.
    ne
        Expected and realised effective sizes (see the module docstring).
    mutations
        Number of STR mutations in the recorded generations.
    """

    pedigree: pd.DataFrame
    str_alleles: np.ndarray
    snp_alleles: np.ndarray
    male: np.ndarray
    generation_sizes: np.ndarray
    ne: dict
    mutations: int

    @property
    def final(self) -> np.ndarray:
        """Row indices of the last generation (the living individuals)."""
        gen = self.pedigree["generation"].to_numpy()
        return np.nonzero(gen == gen.max())[0]


def _sizes_per_generation(n_individuals: int | Sequence[int], generations: int) -> list[int]:
    if isinstance(n_individuals, int | np.integer):
        return [int(n_individuals)] * (generations + 1)
    sizes = [int(n) for n in n_individuals]
    if len(sizes) != generations + 1:
        raise ValueError(
            f"n_individuals has {len(sizes)} sizes, expected one per generation 0..{generations} ({generations + 1})"
        )
    return sizes


def _sexes(n: int, male_fraction: float, rng: np.random.Generator) -> np.ndarray:
    n_males = int(round(n * male_fraction))
    if n_males < 1 or n_males > n - 1:
        raise ValueError(
            f"a generation of {n} with male fraction {male_fraction} lacks males or females"
        )
    male = np.zeros(n, dtype=bool)
    male[:n_males] = True
    return rng.permutation(male)


def _parents(
    n_offspring: int,
    males: np.ndarray,
    females: np.ndarray,
    monogamy: bool,
    rng: np.random.Generator,
    full_sib_families: int = 0,
    full_sib_size: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Father and mother (indices into the parent generation) of each offspring."""
    if monogamy:
        n_pairs = min(males.size, females.size)
        pair_f = rng.permutation(males)[:n_pairs]
        pair_m = rng.permutation(females)[:n_pairs]
        pick = rng.integers(0, n_pairs, size=n_offspring)
        father, mother = pair_f[pick], pair_m[pick]
    else:
        father = males[rng.integers(0, males.size, size=n_offspring)]
        mother = females[rng.integers(0, females.size, size=n_offspring)]
    if full_sib_families:
        # Forced families: the first families * size offspring share parents.
        dads = rng.choice(males, size=full_sib_families, replace=males.size < full_sib_families)
        mums = rng.choice(females, size=full_sib_families, replace=females.size < full_sib_families)
        k = full_sib_families * full_sib_size
        father[:k] = np.repeat(dads, full_sib_size)
        mother[:k] = np.repeat(mums, full_sib_size)
    return father, mother


def _transmit(
    alleles: np.ndarray, father: np.ndarray, mother: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    n, n_loci = father.size, alleles.shape[1]
    out = np.empty((n, n_loci, 2), dtype=alleles.dtype)
    if n_loci == 0:
        return out
    pick_f = rng.integers(0, 2, size=(n, n_loci))
    pick_m = rng.integers(0, 2, size=(n, n_loci))
    cols = np.arange(n_loci)[None, :]
    out[:, :, 0] = alleles[father[:, None], cols, pick_f]
    out[:, :, 1] = alleles[mother[:, None], cols, pick_m]
    return out


def _mutate(alleles: np.ndarray, units: np.ndarray, rate: float, rng: np.random.Generator) -> int:
    if rate <= 0 or alleles.size == 0:
        return 0
    hit = rng.random(alleles.shape) < rate
    n_hit = int(hit.sum())
    if n_hit:
        step = rng.choice(np.array([-1, 1], dtype=alleles.dtype), size=n_hit)
        unit = np.broadcast_to(units[None, :, None], alleles.shape)[hit]
        new = alleles[hit] + step * unit
        # A fragment cannot shrink below one repeat; reflect at the bottom.
        alleles[hit] = np.where(new < unit, alleles[hit] + unit, new)
    return n_hit


def _kinship_step(kin: np.ndarray, father: np.ndarray, mother: np.ndarray) -> np.ndarray:
    """Coancestry matrix of the offspring from that of their parents."""
    ff = kin[np.ix_(father, father)]
    fm = kin[np.ix_(father, mother)]
    mf = kin[np.ix_(mother, father)]
    mm = kin[np.ix_(mother, mother)]
    new = 0.25 * (ff + fm + mf + mm)
    inbreeding = kin[father, mother]
    np.fill_diagonal(new, 0.5 * (1.0 + inbreeding))
    return new


def _allele_frequencies(
    str_alleles: np.ndarray, snp_alleles: np.ndarray, ladders: list[np.ndarray]
) -> np.ndarray:
    freqs = []
    for j, ladder in enumerate(ladders):
        col = str_alleles[:, j, :].ravel()
        freqs.append((col[:, None] == ladder[None, :]).mean(axis=0))
    for j in range(snp_alleles.shape[1]):
        q = snp_alleles[:, j, :].mean()
        freqs.append(np.array([1.0 - q, q]))
    return np.concatenate(freqs) if freqs else np.zeros(0)


def simulate_population(
    str_loci: Sequence[StrLocus],
    snp_loci: Sequence[SnpLocus],
    rng: np.random.Generator,
    *,
    n_individuals: int | Sequence[int] = 100,
    generations: int = 5,
    burn_in: int = 20,
    male_fraction: float = 0.5,
    monogamy: bool = False,
    mutation_rate: float = 0.0,
    full_sib_families: int = 0,
    full_sib_size: int = 3,
) -> Population:
    """Run the Wright-Fisher model of the module docstring.

    Parameters
    ----------
    str_loci, snp_loci
        Marker panels with founder frequencies (:mod:`genmon.simulate.markers`).
    rng
        The random generator (all randomness comes from it).
    n_individuals
        Census size, constant or one per recorded generation ``0..generations``.
    generations
        Recorded generations after generation 0 (the last one is sampled).
    burn_in
        Unrecorded generations of drift before generation 0.
    male_fraction
        Fraction of males in every generation.
    monogamy
        Breed in monogamous pairs instead of random union.
    mutation_rate
        Stepwise mutation rate per STR allele per generation.
    full_sib_families, full_sib_size
        Force this many families of this many full sibs into the last generation.

    Examples
    --------
    >>> from genmon.simulate.markers import make_str_loci
    >>> rng = np.random.default_rng(5)
    >>> pop = simulate_population(make_str_loci(4, rng), [], rng, n_individuals=20, generations=2)
    >>> len(pop.pedigree), pop.str_alleles.shape, pop.ne["expected"]
    (60, (60, 4, 2), 20.0)
    """
    if generations < 1:
        raise ValueError(f"generations must be at least 1, got {generations}")
    if burn_in < 0:
        raise ValueError(f"burn_in must be >= 0, got {burn_in}")
    sizes = _sizes_per_generation(n_individuals, generations)
    if min(sizes) < 2:
        raise ValueError(f"every generation needs at least 2 individuals, got {min(sizes)}")
    if full_sib_families * full_sib_size > sizes[-1]:
        raise ValueError(
            f"{full_sib_families} forced families of {full_sib_size} do not fit in a last generation of {sizes[-1]}"
        )
    units = np.array([locus.repeat_unit for locus in str_loci], dtype=np.int32)
    n0 = sizes[0]
    # Founders in Hardy-Weinberg proportions.
    str_a = np.empty((n0, len(str_loci), 2), dtype=np.int32)
    for j, locus in enumerate(str_loci):
        str_a[:, j, :] = rng.choice(
            np.asarray(locus.alleles, dtype=np.int32), size=(n0, 2), p=np.asarray(locus.frequencies)
        )
    snp_a = np.empty((n0, len(snp_loci), 2), dtype=np.int8)
    for j, locus in enumerate(snp_loci):
        snp_a[:, j, :] = rng.random((n0, 2)) < locus.alt_frequency
    male = _sexes(n0, male_fraction, rng)
    # Burn-in: drift at size N_0, nothing recorded.
    for _ in range(burn_in):
        males, females = np.nonzero(male)[0], np.nonzero(~male)[0]
        father, mother = _parents(n0, males, females, monogamy, rng)
        str_a = _transmit(str_a, father, mother, rng)
        _mutate(str_a, units, mutation_rate, rng)
        snp_a = _transmit(snp_a, father, mother, rng)
        male = _sexes(n0, male_fraction, rng)

    ids = [f"G{0:02d}-{i + 1:04d}" for i in range(n0)]
    rows = {
        "id": ids,
        "father": [None] * n0,
        "mother": [None] * n0,
        "sex": male.copy(),
        "generation": [0] * n0,
    }
    all_str, all_snp, all_male = [str_a], [snp_a], [male]
    gen_sizes = [(int(male.sum()), int((~male).sum()))]
    track = max(sizes) <= KINSHIP_LIMIT
    kin = 0.5 * np.eye(n0) if track else None
    coancestry = [0.5 / n0]
    n_mut = 0
    for g in range(1, generations + 1):
        n = sizes[g]
        males, females = np.nonzero(male)[0], np.nonzero(~male)[0]
        last = g == generations
        father, mother = _parents(
            n, males, females, monogamy, rng,
            full_sib_families if last else 0, full_sib_size if last else 0,
        )  # fmt: skip
        str_a = _transmit(str_a, father, mother, rng)
        n_mut += _mutate(str_a, units, mutation_rate, rng)
        snp_a = _transmit(snp_a, father, mother, rng)
        if track:
            kin = _kinship_step(kin, father, mother)
            coancestry.append(float(kin.mean()))
        parent_ids = ids
        ids = [f"G{g:02d}-{i + 1:04d}" for i in range(n)]
        male = _sexes(n, male_fraction, rng)
        rows["id"] += ids
        rows["father"] += [parent_ids[k] for k in father]
        rows["mother"] += [parent_ids[k] for k in mother]
        rows["sex"] = np.concatenate([rows["sex"], male])
        rows["generation"] += [g] * n
        all_str.append(str_a)
        all_snp.append(snp_a)
        all_male.append(male)
        gen_sizes.append((int(male.sum()), int((~male).sum())))

    pedigree = pd.DataFrame(
        {
            "id": rows["id"],
            "father": pd.array(rows["father"], dtype="string"),
            "mother": pd.array(rows["mother"], dtype="string"),
            "sex": np.where(rows["sex"], "M", "F"),
            "generation": np.asarray(rows["generation"], dtype=np.int64),
        }
    )
    gs = np.asarray(gen_sizes, dtype=np.int64)
    parental = gs[:-1]
    # Realised quantities.
    c = np.asarray(coancestry) if track else np.full(generations + 1, np.nan)
    dc = (c[1:] - c[:-1]) / (1.0 - c[:-1])
    ladders = [
        np.unique(np.concatenate([a[:, j, :].ravel() for a in (all_str[0], all_str[-1])]))
        for j in range(len(str_loci))
    ]
    x = _allele_frequencies(all_str[0], all_snp[0], ladders)
    y = _allele_frequencies(all_str[-1], all_snp[-1], ladders)
    denom = float(np.sum(x * (1.0 - x)))
    f_temporal = float(np.sum((y - x) ** 2) / denom) if denom > 0 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        ne_temporal = 1.0 / (2.0 * (1.0 - (1.0 - f_temporal) ** (1.0 / generations)))
        ne_coancestry = (
            float("nan")
            if not track
            else 1.0 / (2.0 * dc.mean())
            if dc.mean() > 0
            else float("inf")
        )
    final_f = 2.0 * np.diag(kin) - 1.0 if track else np.full(1, np.nan)
    ne = {
        "expected": expected_ne(parental[:, 0], parental[:, 1], monogamy),
        "expected_per_generation": [expected_ne(int(a), int(b), monogamy) for a, b in parental],
        "formula": "2*min(Nm,Nf) (monogamy)" if monogamy else "4*Nm*Nf/(Nm+Nf) (Wright 1931)",
        "combined": "harmonic mean over parental generations 0..G-1 (Wright 1938)",
        "ne_coancestry": float(ne_coancestry),
        "mean_coancestry": [float(v) for v in c],
        "ne_temporal": float(ne_temporal),
        "f_temporal": f_temporal,
        "mean_inbreeding": float(final_f.mean()),
    }
    return Population(
        pedigree,
        np.concatenate(all_str),
        np.concatenate(all_snp),
        np.concatenate(all_male),
        gs,
        ne,
        n_mut,
    )
