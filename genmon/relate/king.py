"""KING-robust kinship for SNP panels (Manichaikul et al. 2010), as plink2 computes it.

For a pair, over the SNPs typed in both, with ``HetHet`` SNPs where both are
heterozygous, ``IBS0`` SNPs with opposite homozygotes and ``Het1``, ``Het2``
each individual's heterozygous SNPs, the between-family KING-robust kinship is

``phi = (HetHet - 2 IBS0) / (2 m) + 1/2 - (Het1 + Het2) / (4 m)``, ``m = min(Het1, Het2)``,

scaled so that duplicates score 1/2, parent–offspring and full sibs about 1/4.
plink2's ``--make-king-table`` prints it with ``HETHET`` and ``IBS0`` as
proportions of ``NSNP``.  Genotypes are bit-packed, so a pair costs a few
popcounts per 64 SNPs.

References
----------
Manichaikul A, Mychaleckyj JC, Rich SS, Daly K, Sale M, Chen WM (2010) Robust
relationship inference in genome-wide association studies. Bioinformatics
26:2867-2873.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._ext import king as _kernel
from ..exceptions import GenmonWarning, ModelError
from ..model import GenotypeTable
from .moments import all_pairs

__all__ = ["pack_snp_planes", "king_robust"]


def pack_snp_planes(table: GenotypeTable) -> tuple[np.ndarray, list[int]]:
    """Bit planes (samples, 3, words) of het / hom-REF / hom-ALT calls for biallelic diploid loci.

    Returns the planes and the indices of the loci used (loci with more than two
    alleles are skipped with a warning).
    """
    if table.ploidy != 2:
        raise ModelError("KING needs diploid genotypes")
    used = [j for j, locus in enumerate(table.loci) if locus.n_alleles <= 2]
    skipped = table.n_loci - len(used)
    if skipped:
        warnings.warn(GenmonWarning(f"{skipped} loci with more than two alleles are left out of KING"), stacklevel=2)
    g = table.call_genotype[:, used, :]
    complete = (g >= 0).all(axis=2)
    dosage = np.where(complete, g.sum(axis=2), -1)
    n_words = max(1, -(-len(used) // 64))
    planes = np.zeros((table.n_samples, 3, n_words * 8), dtype=np.uint8)
    for k, value in enumerate((1, 0, 2)):
        bits = np.packbits(dosage == value, axis=1, bitorder="little")
        planes[:, k, : bits.shape[1]] = bits
    return np.ascontiguousarray(planes.view(np.uint64)), used


def king_robust(
    table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None = None, num_threads: int = 1
) -> pd.DataFrame:
    """KING-robust kinship of every pair (or the given pairs).

    Returns ``id_1, id_2, nsnp, hethet, ibs0, kinship`` with ``hethet`` and
    ``ibs0`` as proportions of ``nsnp`` (plink2's ``.kin0`` columns); kinship
    is NaN when either individual has no heterozygous SNP among those shared.
    """
    planes, _ = pack_snp_planes(table)
    if pairs is None:
        pi, pj = all_pairs(table.n_samples)
    else:
        pi, pj = (np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for v in pairs)
    counts = np.zeros((pi.size, 5), dtype=np.int64)
    _kernel._king_counts(planes, pi, pj, counts, num_threads)
    nsnp, hethet, ibs0, het1, het2 = (counts[:, k].astype(np.float64) for k in range(5))
    m = np.minimum(het1, het2)
    with np.errstate(divide="ignore", invalid="ignore"):
        kinship = np.where(m > 0, (hethet - 2 * ibs0) / (2 * m) + 0.5 - (het1 + het2) / (4 * m), np.nan)
        hethet_p = np.where(nsnp > 0, hethet / nsnp, np.nan)
        ibs0_p = np.where(nsnp > 0, ibs0 / nsnp, np.nan)
    ids = pd.Index(table.sample_id.astype(str))
    return pd.DataFrame({"id_1": pd.Categorical.from_codes(pi, categories=ids),
                         "id_2": pd.Categorical.from_codes(pj, categories=ids),
                         "nsnp": counts[:, 0], "hethet": hethet_p, "ibs0": ibs0_p, "kinship": kinship})
