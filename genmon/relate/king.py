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

__all__ = ["pack_snp_planes", "snp_pair_counts", "pair_frame", "king_robust"]


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
    g = table.call_genotype if len(used) == table.n_loci else table.call_genotype[:, used, :]
    a, b = g[:, :, 0], g[:, :, 1]
    typed = (a >= 0) & (b >= 0)
    n_words = max(1, -(-len(used) // 64))
    planes = np.zeros((table.n_samples, 3, n_words * 8), dtype=np.uint8)
    for k, plane in enumerate((typed & (a != b), typed & (a == 0) & (b == 0), typed & (a == 1) & (b == 1))):
        bits = np.packbits(plane, axis=1, bitorder="little")
        planes[:, k, : bits.shape[1]] = bits
    return np.ascontiguousarray(planes.view(np.uint64)), used


def snp_pair_counts(
    table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None = None, num_threads: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pair_i, pair_j, counts)``; counts columns: N_SNP, HETHET, IBS0, HET_1, HET_2, HOMHOM.

    Every pair by default (cache-tiled kernel), else the given ``(i, j)`` arrays.
    """
    planes, _ = pack_snp_planes(table)
    if pairs is None:
        pi, pj = all_pairs(table.n_samples)
        counts = np.zeros((pi.size, 6), dtype=np.int64)
        _kernel._king_all_pairs(planes, counts, num_threads=num_threads)
    else:
        pi, pj = (np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for v in pairs)
        counts = np.zeros((pi.size, 6), dtype=np.int64)
        _kernel._king_counts(planes, pi, pj, counts, num_threads)
    return pi, pj, counts


def pair_frame(table: GenotypeTable, pi: np.ndarray, pj: np.ndarray) -> pd.DataFrame:
    """``id_1``, ``id_2`` columns as categoricals (memory linear in individuals)."""
    ids = pd.Index(table.sample_id.astype(str))
    return pd.DataFrame({"id_1": pd.Categorical.from_codes(pi, categories=ids),
                         "id_2": pd.Categorical.from_codes(pj, categories=ids)})


def king_robust(
    table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None = None, num_threads: int = 1
) -> pd.DataFrame:
    """KING-robust kinship of every pair (or the given pairs).

    Returns ``id_1, id_2, nsnp, hethet, ibs0, kinship`` with ``hethet`` and
    ``ibs0`` as proportions of ``nsnp`` (plink2's ``.kin0`` columns); kinship
    is NaN when either individual has no heterozygous SNP among those shared.
    """
    pi, pj, counts = snp_pair_counts(table, pairs, num_threads)
    nsnp, hethet, ibs0, het1, het2 = (counts[:, k].astype(np.float64) for k in range(5))
    m = np.minimum(het1, het2)
    with np.errstate(divide="ignore", invalid="ignore"):
        kinship = np.where(m > 0, (hethet - 2 * ibs0) / (2 * m) + 0.5 - (het1 + het2) / (4 * m), np.nan)
        hethet_p = np.where(nsnp > 0, hethet / nsnp, np.nan)
        ibs0_p = np.where(nsnp > 0, ibs0 / nsnp, np.nan)
    out = pair_frame(table, pi, pj)
    out["nsnp"], out["hethet"], out["ibs0"], out["kinship"] = counts[:, 0], hethet_p, ibs0_p, kinship
    return out
