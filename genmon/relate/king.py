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
from .checks import warn_snp_planes
from .moments import all_pairs

__all__ = ["pack_snp_planes", "snp_pair_counts", "pair_frame", "king_robust"]


def pack_snp_planes(table: GenotypeTable, num_threads: int = 1) -> tuple[np.ndarray, list[int]]:
    """Bit planes (samples, 3, words) of het / hom-REF / hom-ALT calls for biallelic diploid loci.

    Returns the planes and the indices of the loci used (loci with more than two
    alleles are skipped with a warning).  Words are padded to a multiple of 8
    (512 bits, one AVX-512 register) with zero bits, which count nothing.
    """
    if table.ploidy != 2:
        raise ModelError("KING needs diploid genotypes")
    used = [j for j, locus in enumerate(table.loci) if locus.n_alleles <= 2]
    skipped = table.n_loci - len(used)
    if skipped:
        warnings.warn(GenmonWarning(f"{skipped} loci with more than two alleles are left out of KING"), stacklevel=2)
    n_words = max(8, -(-len(used) // 512) * 8)
    planes = np.zeros((table.n_samples, 3, n_words), dtype=np.uint64)
    _kernel._pack_planes(table.call_genotype, np.asarray(used, dtype=np.int64), planes, num_threads)
    return planes, used


def snp_pair_counts(
    table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None = None, num_threads: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(pair_i, pair_j, counts)``; counts columns: N_SNP, HETHET, IBS0, HET_1, HET_2, HOMHOM.

    Every pair by default (cache-tiled kernel), else the given ``(i, j)`` arrays.
    """
    planes, _ = pack_snp_planes(table, num_threads)
    pi, pj = _pair_indices(table, pairs)
    counts = np.zeros((pi.size, 6), dtype=np.int64)
    if pairs is None:
        _kernel._king_all_pairs(planes, counts, num_threads=num_threads)
    else:
        _kernel._king_counts(planes, pi, pj, counts, num_threads)
    return pi, pj, counts


def _pair_indices(table: GenotypeTable, pairs) -> tuple[np.ndarray, np.ndarray]:
    if pairs is None:
        return all_pairs(table.n_samples)
    return tuple(np.ascontiguousarray(np.asarray(v, dtype=np.int64)) for v in pairs)


def pair_frame(table: GenotypeTable, pi: np.ndarray, pj: np.ndarray, **columns: np.ndarray) -> pd.DataFrame:
    """``id_1``, ``id_2`` columns as categoricals (memory linear in individuals), then ``columns``
    (not copied)."""
    ids = pd.Index(table.sample_id.astype(str))
    codes = np.int16 if len(ids) < np.iinfo(np.int16).max else np.int32
    return pd.DataFrame({"id_1": pd.Categorical.from_codes(pi.astype(codes, copy=False), categories=ids),
                         "id_2": pd.Categorical.from_codes(pj.astype(codes, copy=False), categories=ids),
                         **columns}, copy=False)


def king_robust(
    table: GenotypeTable, pairs: tuple[np.ndarray, np.ndarray] | None = None, num_threads: int = 1
) -> pd.DataFrame:
    """KING-robust kinship of every pair (or the given pairs).

    Returns ``id_1, id_2, nsnp, hethet, ibs0, kinship`` with ``hethet`` and
    ``ibs0`` as proportions of ``nsnp`` (plink2's ``.kin0`` columns); kinship
    is NaN when either individual has no heterozygous SNP among those shared.
    Individuals without a typed SNP and SNPs with one allele are named in
    warnings.  The kernel writes these columns directly, computing
    ``(HetHet - 2 IBS0) / (2 m) + 1/2 - (Het1 + Het2) / (4 m)`` per pair.
    """
    planes, used = pack_snp_planes(table, num_threads)
    warn_snp_planes(table, planes, used, "KING kinship",
                    "carry no information on KING kinship (they count in nsnp, as in plink2)")
    pi, pj = _pair_indices(table, pairs)
    nsnp = np.empty(pi.size, dtype=np.int64)
    hethet, ibs0, kinship = (np.empty(pi.size) for _ in range(3))
    if pairs is None:
        _kernel._king_table_all_pairs(planes, nsnp, hethet, ibs0, kinship, num_threads=num_threads)
    else:
        _kernel._king_table(planes, pi, pj, nsnp, hethet, ibs0, kinship, num_threads)
    return pair_frame(table, pi, pj, nsnp=nsnp, hethet=hethet, ibs0=ibs0, kinship=kinship)
