"""Input checks shared by the pairwise methods: individuals without data, loci without information.

A pair involving an individual with no typed locus has no estimate (NaN, with a
reason where the table has one); these checks say which individuals and loci
are responsible instead of leaving the user to find out from the NaNs.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..exceptions import GenmonWarning, InputWarning, Problem
from ..model import GenotypeTable
from .moments import MonomorphicLocusWarning

__all__ = ["quiet_after_first", "untyped_individuals", "warn_snp_planes", "warn_untyped_individuals"]

_SHOWN = 20


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown if len(names) <= _SHOWN else f"{shown} and {len(names) - _SHOWN} more"


def _warn_untyped(table: GenotypeTable, mask: np.ndarray, what: str, stacklevel: int) -> None:
    if mask.any():
        names = [str(s) for s in table.sample_id[mask]]
        warnings.warn(InputWarning(Problem(
            found=f"{len(names)} individual(s) with no typed locus: {_listing(names)}",
            expected=f"at least one typed locus per individual; their pairs are NaN in {what}")),
            stacklevel=stacklevel + 1)


def untyped_individuals(table: GenotypeTable, loci: Sequence[int] | None = None) -> np.ndarray:
    """Mask of individuals with no fully typed call at ``loci`` (default: every locus)."""
    g = table.call_genotype if loci is None else table.call_genotype[:, np.asarray(loci, dtype=np.intp), :]
    return ~(g >= 0).all(axis=2).any(axis=1)


def warn_untyped_individuals(table: GenotypeTable, what: str, loci: Sequence[int] | None = None,
                             stacklevel: int = 3) -> np.ndarray:
    """One :class:`~genmon.exceptions.InputWarning` naming the individuals without a typed locus.

    Returns their mask.

    Examples
    --------
    >>> from genmon import Locus
    >>> calls = np.array([[[0, 1]], [[-1, -1]]], dtype=np.int16)
    >>> t = GenotypeTable(calls, (Locus("s1", ("A", "G"), kind="SNP"),), ["a", "b"])
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     mask = warn_untyped_individuals(t, "KING kinship")
    >>> mask.tolist(), str(seen[0].message)
    ([False, True], 'found 1 individual(s) with no typed locus: b, expected at least one typed locus per individual; their pairs are NaN in KING kinship')
    """
    mask = untyped_individuals(table, loci)
    _warn_untyped(table, mask, what, stacklevel + 1)
    return mask


def warn_snp_planes(table: GenotypeTable, planes: np.ndarray, used: Sequence[int], what: str, consequence: str,
                    stacklevel: int = 3) -> None:
    """The SNP methods' checks from their bit planes (``genmon.relate.king.pack_snp_planes``),
    without another pass over the genotypes: an :class:`~genmon.exceptions.InputWarning` naming
    the individuals without a typed SNP, and a :class:`MonomorphicLocusWarning` naming the SNPs
    with fewer than two alleles typed; ``consequence`` ends the latter (what ``what`` does with them).
    """
    _warn_untyped(table, ~planes.any(axis=(1, 2)), what, stacklevel + 1)
    het, ref, alt = np.bitwise_or.reduce(planes, axis=0) if planes.shape[0] else np.zeros((3, planes.shape[2]),
                                                                                              np.uint64)
    informative = np.unpackbits((het | (ref & alt)).view(np.uint8), bitorder="little")[: len(used)]
    mono = np.nonzero(informative == 0)[0]
    if mono.size:
        names = [table.loci[int(used[k])].name for k in mono]
        warnings.warn(MonomorphicLocusWarning(
            f"{len(names)} locus/loci with fewer than two alleles in the sample ({_listing(names)}) "
            f"{consequence}"), stacklevel=stacklevel)


def quiet_after_first(items: Iterable) -> Iterator:
    """The items, with genmon's warnings silenced after the first: blocks of pairs repeat
    the first block's warnings about the same loci and individuals."""
    it = iter(items)
    for first in it:
        yield first
        break
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GenmonWarning)
        yield from it
