"""Marker panels for the simulator: microsatellites, SNPs and a sex marker.

Microsatellite (``STR``) loci get a short allele ladder on their repeat unit
(di- or tetranucleotide) and founder allele frequencies drawn from a
Dirichlet distribution.  The default spectra are deliberately poor, as in
Amur tigers and leopards (about 2.5-3.7 alleles per locus, He 0.35-0.6;
Cho et al. 2022; Sugimoto et al. 2014): ``k`` alleles per locus are drawn
uniformly from ``[alleles_min, alleles_max]``; with a flat Dirichlet
(``alpha = 1``) the expected founder heterozygosity is
``1 - E[sum p^2] = 1 - 2/(k + 1)``, e.g. 0.5 for ``k = 3``.

The first loci are named after cat (FCA, F) and tiger (6HDZ) loci used on
*Panthera*, with the repeat unit and lower end of the leopard size range of
Mondol et al. (2009, Table 1); these ranges only seed the ladders, they do
not claim that the simulated alleles are the real ones.  Further loci are
called ``SIM<n>``.

The sex marker is one locus of kind ``SEX`` typed with the STRs:

* ``"sry"``: a Y-linked SRY fragment (176 bp) amplified with a ZFX positive
  control (245 bp), as in the Carnivora assay of DeCandia et al. (2016).
  Females are ``245/245``, males ``176/245``.
* ``"zfxy"``: a ZFX/ZFY size pair that differs by 12 bp (McEwing et al.
  2012); the absolute sizes (X 200 bp, Y 212 bp) are illustrative.
  Females are ``200/200``, males ``200/212``.

Both are coded like a codominant locus, so allelic dropout of the Y allele
turns a male into an apparent female, as it does in the lab.

References
----------
Mondol S, Navya R, Athreya V, et al. (2009) A panel of microsatellites to
individually identify leopards and its application to leopard monitoring in
human dominated landscapes. BMC Genetics 10:79.

DeCandia AL, Gaughran SJ, Caragiulo A, Amato G (2016) A novel molecular
method for noninvasive sex identification of order Carnivora. Conservation
Genetics Resources 8:119-121.

McEwing R, Frantz AC, Kitchener AC (2012) Molecular sexing of tigers.
Conservation Genetics Resources 4:299-301.

Cho Y, et al. (2022) PLOS ONE 17:e0270217.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "STR_CATALOGUE",
    "SEX_MARKERS",
    "FELID_CHROMOSOMES",
    "StrLocus",
    "SnpLocus",
    "SexMarker",
    "make_str_loci",
    "make_snp_loci",
    "make_sex_marker",
]

#: (name, repeat unit bp, lowest leopard size bp, highest leopard size bp);
#: Mondol et al. 2009 Table 1 (6HDZ: SpringerPlus 2014), via DOMAIN §3.1.
STR_CATALOGUE: tuple[tuple[str, int, int, int], ...] = (
    ("FCA126", 2, 134, 154),
    ("FCA279", 2, 81, 105),
    ("FCA304", 2, 105, 129),
    ("FCA052", 2, 107, 121),
    ("FCA090", 2, 104, 116),
    ("FCA672", 2, 82, 100),
    ("FCA230", 2, 98, 106),
    ("FCA309", 2, 92, 106),
    ("FCA205", 2, 89, 113),
    ("FCA628", 2, 98, 110),
    ("FCA506", 2, 192, 226),
    ("FCA001", 2, 139, 163),
    ("FCA391", 4, 190, 218),
    ("F41", 4, 123, 139),
    ("F42", 4, 226, 250),
    ("F115", 4, 190, 206),
    ("6HDZ056", 2, 169, 177),
    ("6HDZ170", 2, 212, 226),
)

#: Sex markers: name -> (locus name, X/control allele bp, Y allele bp).
SEX_MARKERS: dict[str, tuple[str, int, int]] = {
    "sry": ("SRY", 245, 176),
    "zfxy": ("ZFXY", 200, 212),
}

#: Domestic-cat autosome names used to place simulated SNPs.
FELID_CHROMOSOMES = (
    "chrA1", "chrA2", "chrA3", "chrB1", "chrB2", "chrB3", "chrB4", "chrC1", "chrC2",
    "chrD1", "chrD2", "chrD3", "chrD4", "chrE1", "chrE2", "chrE3", "chrF1", "chrF2",
)  # fmt: skip


@dataclass(frozen=True)
class StrLocus:
    """A simulated microsatellite: its ladder and founder frequencies."""

    name: str
    repeat_unit: int
    alleles: tuple[int, ...]
    frequencies: tuple[float, ...]

    @property
    def expected_he(self) -> float:
        """Founder expected heterozygosity ``1 - sum p^2`` (Nei 1973)."""
        p = np.asarray(self.frequencies)
        return float(1.0 - np.sum(p * p))


@dataclass(frozen=True)
class SnpLocus:
    """A simulated biallelic SNP (REF first) on a chromosome position."""

    name: str
    ref: str
    alt: str
    alt_frequency: float
    chrom: str
    position: int


@dataclass(frozen=True)
class SexMarker:
    """A sex marker typed as a codominant size pair (see module docstring)."""

    name: str
    x_allele: int
    y_allele: int
    kind: str = field(default="sry")

    def genotype(self, male: np.ndarray) -> np.ndarray:
        """``(n, 2)`` allele sizes: males ``(Y, X)``, females ``(X, X)``.

        Examples
        --------
        >>> make_sex_marker("sry").genotype(np.array([True, False])).tolist()
        [[176, 245], [245, 245]]
        """
        male = np.asarray(male, dtype=bool)
        out = np.full((male.size, 2), self.x_allele, dtype=np.int32)
        out[male, 0] = self.y_allele
        return out


def make_str_loci(
    n_loci: int,
    rng: np.random.Generator,
    alleles_min: int = 2,
    alleles_max: int = 8,
    dirichlet_alpha: float = 1.0,
) -> list[StrLocus]:
    """Draw ``n_loci`` microsatellite ladders and founder frequencies.

    Each locus gets ``k ~ Uniform{alleles_min..alleles_max}`` distinct sizes
    on its repeat ladder (drawn without replacement from the catalogue size
    range, widened when it is too short) and frequencies
    ``~ Dirichlet(alpha, ..., alpha)``.

    Examples
    --------
    >>> loci = make_str_loci(3, np.random.default_rng(1), 2, 4)
    >>> [locus.name for locus in loci]
    ['FCA126', 'FCA279', 'FCA304']
    >>> all(2 <= len(locus.alleles) <= 4 for locus in loci)
    True
    >>> all((np.diff(locus.alleles) % locus.repeat_unit == 0).all() for locus in loci)
    True
    """
    out = []
    for j in range(n_loci):
        if j < len(STR_CATALOGUE):
            name, unit, lo, hi = STR_CATALOGUE[j]
        else:
            name = f"SIM{j + 1:02d}"
            unit = 2 if j % 2 == 0 else 4
            lo = int(rng.integers(80, 280)) // unit * unit
            hi = lo + 12 * unit
        k = int(rng.integers(alleles_min, alleles_max + 1))
        n_rungs = max((hi - lo) // unit + 1, k)
        rungs = np.sort(rng.choice(n_rungs, size=k, replace=False))
        sizes = tuple(int(lo + unit * r) for r in rungs)
        freqs = rng.dirichlet(np.full(k, float(dirichlet_alpha)))
        out.append(StrLocus(name, unit, sizes, tuple(float(f) for f in freqs)))
    return out


def make_snp_loci(
    n_loci: int,
    rng: np.random.Generator,
    maf_min: float = 0.05,
    maf_max: float = 0.5,
) -> list[SnpLocus]:
    """Draw ``n_loci`` unlinked biallelic SNPs.

    The ALT (minor) allele frequency is ``Uniform(maf_min, maf_max)``; REF and
    ALT are two different bases.  SNP ``k`` sits on autosome
    ``FELID_CHROMOSOMES[k % 18]`` at a random position; positions are labels
    only: the simulator transmits SNPs independently (free recombination).

    Examples
    --------
    >>> snps = make_snp_loci(2, np.random.default_rng(1))
    >>> [(s.name, s.chrom) for s in snps]
    [('snp0001', 'chrA1'), ('snp0002', 'chrA2')]
    >>> all(s.ref != s.alt for s in snps)
    True
    """
    bases = np.array(list("ACGT"))
    out = []
    for k in range(n_loci):
        ref, alt = rng.choice(bases, size=2, replace=False)
        chrom = FELID_CHROMOSOMES[k % len(FELID_CHROMOSOMES)]
        # Loci on the same chromosome are >= 1 Mb apart (label only).
        position = int((k // len(FELID_CHROMOSOMES)) * 5_000_000 + rng.integers(1_000, 4_000_000))
        maf = float(rng.uniform(maf_min, maf_max))
        out.append(SnpLocus(f"snp{k + 1:04d}", str(ref), str(alt), maf, chrom, position))
    return out


def make_sex_marker(kind: str | None) -> SexMarker | None:
    """The sex marker named ``kind`` (``"sry"``, ``"zfxy"``) or ``None``."""
    if kind is None or kind == "none":
        return None
    name, x, y = SEX_MARKERS[kind]
    return SexMarker(name, x, y, kind)
