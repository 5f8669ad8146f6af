"""Replicate PCRs grouped by field sample: validation and the array layout.

The consensus and error-rate code works on :class:`ReplicateArray`, built by
:func:`group_replicates` from a :class:`~genmon.model.GenotypeTable` whose rows
are PCR replicates (``sample_id`` = field sample, ``replicate_id`` filled).

Layout: ``obs_lo`` and ``obs_hi`` are ``(samples, max_replicates, loci)`` int16
allele indices.  A replicate's *observation* at a locus is the set of alleles it
shows: ``{lo}`` when ``hi == -1`` (a single peak: a homozygous-looking call, or a
call with one allele missing), ``{lo, hi}`` with ``lo < hi`` for two peaks, and
nothing (``lo == -1``) for a failed amplification.  Replicate slots beyond a
sample's own replicates are padding (``replicate_present`` False) and hold -1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable, Locus

__all__ = ["ReplicateArray", "group_replicates", "merge_replicate_tables", "source_name"]

#: Code of a failed amplification in :func:`observation_codes`.
FAILED = -1
_CODE_BASE = 32768


def source_name(table: GenotypeTable) -> str | None:
    """The file a table was read from, when its reader recorded it."""
    for key in ("source_file", "source", "file", "path"):
        value = table.attrs.get(key)
        if value:
            return str(value)
    return None


@dataclass
class ReplicateArray:
    """PCR replicates grouped by field sample (see the module docstring)."""

    sample_id: np.ndarray  # (samples,) object
    replicate_id: np.ndarray  # (samples, max_replicates) object, None for padding
    loci: tuple[Locus, ...]
    obs_lo: np.ndarray  # (samples, max_replicates, loci) int16
    obs_hi: np.ndarray  # (samples, max_replicates, loci) int16
    replicate_present: np.ndarray  # (samples, max_replicates) bool
    row_index: np.ndarray  # (samples, max_replicates) int64 row of the input table, -1 padding
    samples: pd.DataFrame  # metadata of the input rows (one per replicate)
    source: str | None = None

    @property
    def n_samples(self) -> int:
        return self.obs_lo.shape[0]

    @property
    def max_replicates(self) -> int:
        return self.obs_lo.shape[1]

    @property
    def n_loci(self) -> int:
        return self.obs_lo.shape[2]

    @property
    def locus_id(self) -> list[str]:
        return [locus.name for locus in self.loci]

    @property
    def n_replicates(self) -> np.ndarray:
        """Replicate PCRs per sample, ``(samples,)`` int64."""
        return self.replicate_present.sum(axis=1).astype(np.int64)

    @property
    def amplified(self) -> np.ndarray:
        """``(samples, max_replicates, loci)``: the replicate showed at least one allele."""
        return self.obs_lo >= 0

    def codes(self) -> np.ndarray:
        """One int32 per observation: ``lo * 32768 + hi + 1``; ``-1`` for no amplification."""
        return observation_codes(self.obs_lo, self.obs_hi)


def observation_codes(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Encode observations as single integers (see :meth:`ReplicateArray.codes`)."""
    lo32 = lo.astype(np.int32)
    return np.where(lo32 >= 0, lo32 * _CODE_BASE + hi.astype(np.int32) + 1, FAILED).astype(np.int32)


def decode_observations(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`observation_codes`."""
    codes = np.asarray(codes)
    lo = np.where(codes >= 0, codes // _CODE_BASE, -1).astype(np.int16)
    hi = np.where(codes >= 0, codes % _CODE_BASE - 1, -1).astype(np.int16)
    return lo, hi


def _normalise_calls(calls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per call: the smallest allele, the other distinct allele, the number of distinct alleles."""
    big = np.int32(np.iinfo(np.int16).max) + 1
    vals = np.where(calls >= 0, calls.astype(np.int32), big)
    vals = np.sort(vals, axis=-1)
    distinct = np.ones(vals.shape, dtype=bool)
    distinct[..., 1:] = vals[..., 1:] != vals[..., :-1]
    distinct &= vals < big
    n_distinct = distinct.sum(axis=-1)
    lo = np.where(n_distinct >= 1, vals[..., 0], -1)
    # second distinct value: first position after 0 that is distinct
    second = np.full(lo.shape, -1, dtype=np.int32)
    for k in range(vals.shape[-1] - 1, 0, -1):
        second = np.where(distinct[..., k], vals[..., k], second)
    hi = np.where(n_distinct >= 2, second, -1)
    return lo.astype(np.int16), hi.astype(np.int16), n_distinct


def group_replicates(table: GenotypeTable, source: str | None = None) -> ReplicateArray:
    """Group the replicate rows of ``table`` by field sample.

    Every row must have a ``replicate_id``; ``(sample_id, replicate_id)`` must be
    unique; a replicate may show at most two distinct alleles at a locus.  All
    problems are collected and raised together as one
    :class:`~genmon.exceptions.InputError`.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles(
    ...     [[[165, 169]], [[165, 165]], [[-1, -1]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["S1", "S1", "S1"], "replicate_id": ["a", "b", "c"]}))
    >>> r = group_replicates(t)
    >>> r.obs_lo[0, :, 0].tolist(), r.obs_hi[0, :, 0].tolist()
    ([0, 0, -1], [1, -1, -1])
    """
    source = source or source_name(table)
    log = ProblemLog(source)
    sample_id = table.samples["sample_id"].astype("string")
    replicate_id = table.samples["replicate_id"].astype("string")
    if table.n_samples and replicate_id.isna().all():
        raise InputError(
            Problem(
                "no replicate_id on any row",
                "one row per PCR replicate with its replicate id (a replicate column)",
                source,
            )
        )
    for i in np.nonzero(replicate_id.isna().to_numpy())[0]:
        log.error("an empty replicate id", "the PCR replicate id of every row", sample=str(sample_id.iloc[i]))
    if table.ploidy < 2:
        log.error(f"ploidy {table.ploidy}", "diploid calls (two allele columns per locus)")
    log.raise_if_any()
    key = sample_id.str.cat(replicate_id, sep="\x00")
    dup = key.duplicated(keep="first").to_numpy()
    for i in np.nonzero(dup)[0]:
        log.error(
            f'replicate "{replicate_id.iloc[i]}" twice',
            "each PCR replicate once per sample",
            sample=str(sample_id.iloc[i]),
        )
    lo, hi, n_distinct = _normalise_calls(table.call_genotype)
    bad = np.argwhere(n_distinct > 2)
    for i, j in bad:
        locus = table.loci[j]
        shown = sorted({locus.alleles[a] for a in table.call_genotype[i, j] if a >= 0}, key=str)
        log.error(
            f"{int(n_distinct[i, j])} alleles ({', '.join(str(a) for a in shown)})",
            "at most 2 alleles per PCR replicate (diploid)",
            sample=f"{sample_id.iloc[i]} (replicate {replicate_id.iloc[i]})",
            locus=locus.name,
        )
    log.raise_if_any()
    codes, uniques = pd.factorize(sample_id, sort=False)
    n_s = len(uniques)
    slot = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    k_max = int(slot.max()) + 1 if len(slot) else 0
    n_l = table.n_loci
    obs_lo = np.full((n_s, k_max, n_l), -1, dtype=np.int16)
    obs_hi = np.full((n_s, k_max, n_l), -1, dtype=np.int16)
    present = np.zeros((n_s, k_max), dtype=bool)
    rows = np.full((n_s, k_max), -1, dtype=np.int64)
    rep_ids = np.full((n_s, k_max), None, dtype=object)
    obs_lo[codes, slot] = lo
    obs_hi[codes, slot] = hi
    present[codes, slot] = True
    rows[codes, slot] = np.arange(table.n_samples)
    rep_ids[codes, slot] = replicate_id.to_numpy(dtype=object)
    _check_locus_sets(table, codes, slot, present, rep_ids, np.asarray(uniques, dtype=object), log)
    log.raise_if_any()
    return ReplicateArray(
        sample_id=np.asarray(uniques, dtype=object),
        replicate_id=rep_ids,
        loci=table.loci,
        obs_lo=obs_lo,
        obs_hi=obs_hi,
        replicate_present=present,
        row_index=rows,
        samples=table.samples,
        source=source,
    )


def _check_locus_sets(table, codes, slot, present, rep_ids, sample_ids, log: ProblemLog) -> None:
    """Every replicate of a sample must cover the same loci.

    Readers that know which calls had a row in the file say so in
    ``call_data["call_source"]`` (``-1`` = no row, GeneMapper) or
    ``call_data["call_present"]`` (bool); a failed PCR has a row with no
    alleles, a locus never typed in a replicate has no row.
    """
    if "call_present" in table.call_data:
        row_has = np.asarray(table.call_data["call_present"], dtype=bool)
    elif "call_source" in table.call_data:
        row_has = np.asarray(table.call_data["call_source"]) >= 0
    else:
        return
    n_s, k_max = present.shape
    has = np.zeros((n_s, k_max, table.n_loci), dtype=bool)
    has[codes, slot] = row_has
    has_any = has.any(axis=1)
    has_all = (has | ~present[:, :, None]).all(axis=1)
    for s, j in np.argwhere(has_any & ~has_all):
        lacking = [str(rep_ids[s, k]) for k in range(k_max) if present[s, k] and not has[s, k, j]]
        typed = [str(rep_ids[s, k]) for k in range(k_max) if present[s, k] and has[s, k, j]]
        log.error(
            f"replicate{'s' if len(lacking) > 1 else ''} {', '.join(lacking)} without locus "
            f"{table.loci[j].name} while replicate{'s' if len(typed) > 1 else ''} {', '.join(typed)} "
            f"{'have' if len(typed) > 1 else 'has'} it",
            "every replicate of a sample typed at the same loci",
            sample=str(sample_ids[s]),
            locus=table.loci[j].name,
        )


def merge_replicate_tables(
    tables: Sequence[GenotypeTable], files: Sequence[str] | None = None
) -> GenotypeTable:
    """Stack replicate tables read from several files (e.g. one per PCR run).

    Loci are matched by name and allele tables merged.  A sample whose
    replicates were typed at different locus sets is an error: every replicate
    of a field sample must cover the same loci.

    Examples
    --------
    >>> a = GenotypeTable.from_alleles([[[165, 169]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["S1"], "replicate_id": ["a"]}))
    >>> b = GenotypeTable.from_alleles([[[165, 171]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["S1"], "replicate_id": ["b"]}))
    >>> merge_replicate_tables([a, b]).allele_values()[:, 0].tolist()
    [[165, 169], [165, 171]]
    """
    tables = list(tables)
    if files is None:
        files = [source_name(t) or f"table {i + 1}" for i, t in enumerate(tables)]
    files = [str(f) for f in files]
    if len(tables) == 1:
        return tables[0]
    problems: list[Problem] = []
    names: list[str] = []
    for t in tables:
        for name in t.locus_id:
            if name not in names:
                names.append(name)
    # loci of each sample, per file
    first_seen: dict[str, tuple[str, frozenset[str]]] = {}
    for f, t in zip(files, tables, strict=True):
        loci = frozenset(t.locus_id)
        for sid in dict.fromkeys(t.samples["sample_id"].astype(str)):
            if sid not in first_seen:
                first_seen[sid] = (f, loci)
                continue
            f0, loci0 = first_seen[sid]
            for name in names:
                if (name in loci0) != (name in loci):
                    have, lack = (f0, f) if name in loci0 else (f, f0)
                    problems.append(
                        Problem(
                            f"replicates without locus {name} (in {lack}) and with it (in {have})",
                            "every replicate of a sample typed at the same loci",
                            lack,
                            sample=sid,
                            locus=name,
                        )
                    )
    if problems:
        raise InputError(problems)
    kinds = {}
    tables_by_locus: dict[str, list[Locus]] = {n: [] for n in names}
    for t in tables:
        for locus in t.loci:
            tables_by_locus[locus.name].append(locus)
            kinds.setdefault(locus.name, locus.kind)
            if locus.kind != kinds[locus.name]:
                problems.append(
                    Problem(f"locus kind {locus.kind}", f"{kinds[locus.name]} as in the other files", locus=locus.name)
                )
    if problems:
        raise InputError(problems)
    merged_loci = []
    for name in names:
        loci = tables_by_locus[name]
        alleles: list = []
        for locus in loci:
            alleles.extend(a for a in locus.alleles if a not in alleles)
        if kinds[name] != "SNP":
            alleles.sort()
        base = loci[0]
        merged_loci.append(Locus(name, tuple(alleles), base.kind, base.repeat_unit, base.panel, base.chrom, base.position))
    n_rows = sum(t.n_samples for t in tables)
    ploidy = max(t.ploidy for t in tables)
    calls = np.full((n_rows, len(names), ploidy), -1, dtype=np.int16)
    r0 = 0
    for t in tables:
        for j, locus in enumerate(t.loci):
            jm = names.index(locus.name)
            remap = np.array([merged_loci[jm].alleles.index(a) for a in locus.alleles] + [-1], dtype=np.int16)
            g = t.call_genotype[:, j, :]
            calls[r0 : r0 + t.n_samples, jm, : t.ploidy] = remap[g]  # -1 maps to the last entry (-1)
        r0 += t.n_samples
    samples = pd.concat([t.samples for t in tables], ignore_index=True)
    return GenotypeTable(calls, tuple(merged_loci), samples, {}, {"source_file": ", ".join(files)})
