"""Allele binning: from raw fragment sizes (bp) to allele labels.

A capillary sizes a fragment as a non-integer number of base pairs
(``165.37``).  A **bin** maps a size window to an allele label.  Here the bins
of a locus lie on its *repeat ladder*: centres ``offset + k * unit`` for the
repeat unit ``unit`` (bp) and an offset fitted to the observed sizes by least
squares over the sizes modulo the unit (Idury & Cardon 1997).  A size within
``half_width`` of a centre is called with that bin's label (the rounded
centre); a size between two bins is **off-bin**, a size outside every bin of
the locus is **off-ladder**.  Both become missing alleles, their sizes are
kept, and a named warning counts them.

The bin set of a panel is saved as a versioned TSV file (:func:`write_binset`)
and reused for later batches (:func:`apply_bins`), so that all batches of a
project are called with the same bins::

    # genmon bin set
    # panel<TAB>tigrisPlex
    # version<TAB>1
    # created<TAB>2026-11-24T05:00:00Z
    # genmon_version<TAB>0.1.0
    locus<TAB>repeat_unit<TAB>label<TAB>centre<TAB>left<TAB>right
    FCA441<TAB>4<TAB>126<TAB>125.830<TAB>124.230<TAB>127.430

Sizes come from a GeneMapper Genotypes Table (its ``Size n`` columns, read by
:func:`genmon.io.genemapper.read_genemapper` into ``call_data["call_size"]``)
or a simple sizing table with columns ``sample``, ``locus``, ``size`` and
optionally ``replicate``, one peak per row (:func:`read_sizes`).  A call with
one peak in a bin is a homozygote.

References
----------
Idury RM, Cardon LR (1997) A simple method for automated allele binning in
microsatellite markers. Genome Research 7:1104-1109.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, InputWarning, ModelError, Problem, ProblemLog
from ..model import GenotypeTable

__all__ = [
    "IN_BIN",
    "OFF_BIN",
    "OFF_LADDER",
    "Bin",
    "LocusBins",
    "BinSet",
    "SizeData",
    "BinnedCalls",
    "OffBinWarning",
    "OffLadderSizeWarning",
    "fit_ladder_offset",
    "read_sizes",
    "build_bins",
    "apply_bins",
    "write_binset",
    "read_binset",
]

#: Peak status codes in ``call_data["call_bin_status"]`` (``-1``: no peak).
IN_BIN, OFF_BIN, OFF_LADDER = 0, 1, 2
_STATUS_NAMES = {IN_BIN: "in_bin", OFF_BIN: "off_bin", OFF_LADDER: "off_ladder"}
_BINSET_COLUMNS = ("locus", "repeat_unit", "label", "centre", "left", "right")


class OffBinWarning(InputWarning):
    """Peaks that fell between two bins of their locus; read as missing alleles."""


class OffLadderSizeWarning(InputWarning):
    """Peaks outside every bin of their locus; read as missing alleles."""


@dataclass(frozen=True)
class Bin:
    """One allele bin: sizes in ``[left, right]`` are called ``label``."""

    centre: float
    left: float
    right: float
    label: int


@dataclass(frozen=True)
class LocusBins:
    """The bins of one locus, sorted by centre and not overlapping."""

    name: str
    repeat_unit: int
    bins: tuple[Bin, ...]

    def __post_init__(self) -> None:
        problems = _bin_problems(self.name, self.bins)
        if problems:
            raise ModelError(problems[0])

    @property
    def offset(self) -> float:
        """Ladder offset: the first centre modulo the repeat unit."""
        return float(self.bins[0].centre % self.repeat_unit) if self.bins else math.nan

    def classify(self, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Labels (``-1`` unless in a bin) and status codes of ``sizes`` (NaN: no peak, status -1)."""
        sizes = np.asarray(sizes, dtype=float)
        labels = np.full(sizes.shape, -1, dtype=np.int64)
        status = np.full(sizes.shape, -1, dtype=np.int8)
        present = np.isfinite(sizes)
        if not self.bins:
            status[present] = OFF_LADDER
            return labels, status
        lefts = np.array([b.left for b in self.bins])
        rights = np.array([b.right for b in self.bins])
        labs = np.array([b.label for b in self.bins], dtype=np.int64)
        s = np.where(present, sizes, -np.inf)
        k = np.searchsorted(lefts, s, side="right") - 1  # last bin whose left <= size
        kk = np.clip(k, 0, len(lefts) - 1)
        inside = present & (k >= 0) & (s <= rights[kk])
        labels[inside] = labs[kk[inside]]
        status[present] = OFF_BIN
        status[inside] = IN_BIN
        status[present & ((s < lefts[0]) | (s > rights[-1]))] = OFF_LADDER
        return labels, status


def _bin_problems(name: str, bins: tuple[Bin, ...]) -> list[str]:
    out = []
    for b in bins:
        if not b.left <= b.centre <= b.right:
            out.append(f"locus {name}: bin {b.label} has centre {b.centre} outside [{b.left}, {b.right}]")
    for a, b in zip(bins, bins[1:], strict=False):
        if b.centre <= a.centre:
            out.append(f"locus {name}: bins are not sorted by centre ({a.label} before {b.label})")
        elif b.left <= a.right:
            out.append(f"locus {name}: bins {a.label} ({a.left:g}-{a.right:g}) and {b.label} "
                       f"({b.left:g}-{b.right:g}) overlap")
    labels = [b.label for b in bins]
    if len(set(labels)) != len(labels):
        out.append(f"locus {name}: duplicate bin labels")
    return out


@dataclass(frozen=True)
class BinSet:
    """A versioned set of bins for the loci of one panel."""

    panel: str
    version: str
    loci: dict[str, LocusBins]
    created: str = ""
    genmon_version: str = __version__
    provenance: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


@dataclass
class SizeData:
    """Raw fragment sizes: ``sizes`` ``(rows, loci, ploidy)`` float bp, NaN = no peak.

    ``samples`` has ``sample_id`` and ``replicate_id`` per row; ``reference_labels``
    (int, -1 missing) holds the allele labels the sizing software gave, when known.
    """

    sizes: np.ndarray
    locus_names: list[str]
    samples: pd.DataFrame
    file: str | None = None
    reference_labels: np.ndarray | None = None


@dataclass
class BinnedCalls:
    """Result of binning: the called genotypes and one row per peak."""

    table: GenotypeTable
    peaks: pd.DataFrame
    binset: BinSet


# ---------------------------------------------------------------- ladder fit
def fit_ladder_offset(sizes: np.ndarray, unit: float) -> tuple[float, float]:
    """Least-squares offset of a repeat ladder ``offset + k * unit`` through ``sizes``.

    Minimises the sum of squared distances of each size to its nearest rung
    (Idury & Cardon 1997).  With residues ``r = size mod unit`` sorted, the
    nearest-rung assignment of any offset unwraps the circle at one gap between
    residues, and the best offset for an unwrapping is the mean of the
    unwrapped residues; so the optimum is the best of the ``n`` unwrappings.

    Parameters
    ----------
    sizes
        Fragment sizes in bp (NaN ignored).
    unit
        Repeat unit in bp.

    Returns
    -------
    offset, rms
        Offset in ``[0, unit)`` and the root-mean-square distance to the rungs.

    Examples
    --------
    Residues 0.9, 0.1 and 0.2 of a 2-bp ladder: unwrapping at 0.9 gives
    0.9, 1.1, 1.2 with mean 1.0666..., i.e. offset 1.0667 and squared
    distances 0.0278 + 0.0011 + 0.0178 (rms 0.1247); the other cuts are worse.

    >>> off, rms = fit_ladder_offset(np.array([100.9, 103.1, 107.2]), 2)
    >>> round(off, 4), round(rms, 4)
    (1.0667, 0.1247)
    """
    s = np.asarray(sizes, dtype=float)
    s = s[np.isfinite(s)]
    if unit <= 0:
        raise ModelError(f"repeat unit must be positive, got {unit}")
    if not s.size:
        return math.nan, math.nan
    r = np.sort(np.mod(s, unit))
    n = r.size
    j = np.arange(n)
    prefix = np.concatenate([[0.0], np.cumsum(r)[:-1]])  # sum of the j smallest residues
    total, total_sq = r.sum(), np.square(r).sum()
    # Cut j: the j smallest residues move up by one unit.
    sums = total + j * unit
    sqs = total_sq + 2 * unit * prefix + j * unit * unit
    sse = sqs - sums * sums / n
    best = int(np.argmin(sse))
    offset = float(np.mod(sums[best] / n, unit))
    return offset, float(math.sqrt(max(sse[best], 0.0) / n))


def _robust_offset(sizes: np.ndarray, unit: float, half_width: float, rounds: int = 3) -> float:
    """Ladder offset refitted on the sizes within ``half_width`` of the previous fit's rungs."""
    offset, _ = fit_ladder_offset(sizes, unit)
    for _ in range(rounds):
        d = np.mod(sizes - offset + unit / 2, unit) - unit / 2
        keep = np.abs(d) <= half_width
        if keep.sum() in (0, sizes.size):
            break
        offset, _ = fit_ladder_offset(sizes[keep], unit)
    return offset


def _label(centre: float) -> int:
    return int(math.floor(centre + 0.5))


def _resolve_units(locus_names: list[str], repeat_units: Mapping[str, int] | int | None) -> dict[str, int]:
    out = {}
    missing = []
    for name in locus_names:
        if isinstance(repeat_units, Mapping):
            unit = repeat_units.get(name)
        else:
            unit = repeat_units
        if unit is None:
            missing.append(name)
            continue
        if int(unit) != unit or unit < 1:
            raise ModelError(f"locus {name}: repeat unit must be a whole number of bp >= 1, got {unit}")
        out[name] = int(unit)
    if missing:
        raise ModelError("no repeat unit for locus " + ", ".join(missing) + " (give one per locus or a default)")
    return out


# ---------------------------------------------------------------- build / apply
def build_bins(
    data: SizeData,
    repeat_units: Mapping[str, int] | int,
    *,
    panel: str,
    version: str = "1",
    half_width: float | None = None,
    margin: float | None = None,
    min_peaks: int = 1,
) -> BinSet:
    """Fit a ladder of bins to each locus's observed sizes.

    Parameters
    ----------
    data
        Raw sizes (:func:`read_sizes`).
    repeat_units
        Repeat unit in bp per locus, or one unit for all loci.
    panel, version
        Name and version written into the bin set.
    half_width
        Bin half-width in bp (default ``0.4 * unit``); must be below ``unit / 2``
        so that bins do not overlap.
    margin
        Rungs whose centre lies within ``margin`` bp of the observed size range
        get bins too (default: one repeat unit), so a new allele one repeat
        beyond the sizes seen so far is still called.
    min_peaks
        A rung inside the observed range gets a bin however many peaks it has;
        the *range* is taken over rungs with at least ``min_peaks`` peaks, so
        stray peaks do not stretch the ladder.

    Returns
    -------
    BinSet
        Bins ``offset + k * unit +- half_width`` labelled with the rounded centre.

    References
    ----------
    Idury RM, Cardon LR (1997) Genome Research 7:1104-1109.
    """
    units = _resolve_units(data.locus_names, repeat_units)
    loci = {}
    for j, name in enumerate(data.locus_names):
        unit = units[name]
        hw = 0.4 * unit if half_width is None else float(half_width)
        if not 0 < hw < unit / 2:
            raise ModelError(f"locus {name}: bin half-width {hw:g} bp must be above 0 and below half "
                             f"the repeat unit ({unit / 2:g} bp), or bins overlap")
        mg = float(unit) if margin is None else float(margin)
        sizes = data.sizes[:, j].ravel()
        sizes = sizes[np.isfinite(sizes)]
        bins: tuple[Bin, ...] = ()
        if sizes.size:
            offset = _robust_offset(sizes, unit, hw)
            rung = np.rint((sizes - offset) / unit).astype(np.int64)
            dist = np.abs(sizes - (offset + rung * unit))
            counted = rung[dist <= hw]
            ks, counts = np.unique(counted, return_counts=True)
            ks = ks[counts >= min_peaks]
            if ks.size:
                lo = offset + ks.min() * unit - mg
                hi = offset + ks.max() * unit + mg
                k0 = math.ceil((lo - offset) / unit - 1e-9)
                k1 = math.floor((hi - offset) / unit + 1e-9)
                bins = tuple(
                    Bin(round(c, 3), round(c - hw, 3), round(c + hw, 3), _label(c))
                    for c in (offset + k * unit for k in range(k0, k1 + 1))
                    if c - hw > 0
                )
        loci[name] = LocusBins(name, unit, bins)
    created = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return BinSet(panel=panel, version=str(version), loci=loci, created=created)


def _check_panel(data: SizeData, binset: BinSet, allow_missing_loci: bool) -> None:
    unknown = [n for n in data.locus_names if n not in binset.loci]
    if not unknown or allow_missing_loci:
        return
    where = binset.source or f"bin set {binset.panel}"
    shared = len(data.locus_names) - len(unknown)
    raise InputError(Problem(
        found=f"{len(unknown)} of {len(data.locus_names)} loci of {data.file or 'the sizes'} not in bin set "
              f"of panel {binset.panel} version {binset.version} ({', '.join(unknown[:5])}"
              f"{', ...' if len(unknown) > 5 else ''}; {shared} shared)",
        expected="the bin set of the panel this batch was typed with",
        file=where,
    ))


def apply_bins(data: SizeData, binset: BinSet, *, allow_missing_loci: bool = False) -> BinnedCalls:
    """Call alleles by putting each size into its locus's bin.

    A call with one peak in a bin is a homozygote; a call with two peaks of
    which one is off-bin or off-ladder keeps the other allele and one missing.
    Off-bin and off-ladder peaks are missing alleles, counted by one
    :class:`OffBinWarning` and one :class:`OffLadderSizeWarning`.

    Parameters
    ----------
    data
        Raw sizes (:func:`read_sizes`).
    binset
        Bins from :func:`build_bins` or :func:`read_binset`.
    allow_missing_loci
        Loci without bins are then left uncalled (all peaks off-ladder)
        instead of refusing the bin set as one of another panel.

    Returns
    -------
    BinnedCalls
        ``table`` (alleles = bin labels; ``call_data["call_size"]`` the sizes,
        ``call_data["call_bin_status"]`` 0 in bin, 1 off-bin, 2 off-ladder,
        -1 no peak) and ``peaks``, one row per peak: sample_id, replicate_id,
        locus, size, allele, bin_centre, status.
    """
    _check_panel(data, binset, allow_missing_loci)
    n, n_loci, ploidy = data.sizes.shape
    values = np.full((n, n_loci, ploidy), -1, dtype=np.int64)
    status = np.full((n, n_loci, ploidy), -1, dtype=np.int8)
    centre_of = np.full((n, n_loci, ploidy), np.nan)
    locus_info = {}
    for j, name in enumerate(data.locus_names):
        lb = binset.loci.get(name) or LocusBins(name, 1, ())
        locus_info[name] = {"repeat_unit": lb.repeat_unit, "panel": binset.panel}
        labels, st = lb.classify(data.sizes[:, j])
        status[:, j] = st
        centres = {b.label: b.centre for b in lb.bins}
        in_bin = st == IN_BIN
        centre_of[:, j][in_bin] = [centres[v] for v in labels[in_bin]]
        n_peaks = np.isfinite(data.sizes[:, j]).sum(axis=1)
        for i in range(n):
            called = labels[i][st[i] == IN_BIN]
            if n_peaks[i] == 1 and called.size == 1:
                values[i, j, :] = called[0]
            else:
                values[i, j, : called.size] = called
    table = GenotypeTable.from_alleles(
        values, list(data.locus_names), samples=data.samples, locus_info=locus_info,
        call_data={"call_size": data.sizes.copy(), "call_bin_status": status},
        attrs={"binset": {"panel": binset.panel, "version": binset.version}},
    )
    idx = np.nonzero(np.isfinite(data.sizes))
    rep = data.samples["replicate_id"] if "replicate_id" in data.samples else pd.Series([pd.NA] * n)
    peaks = pd.DataFrame({
        "sample_id": data.samples["sample_id"].to_numpy()[idx[0]],
        "replicate_id": pd.Series(rep).to_numpy()[idx[0]],
        "locus": np.asarray(data.locus_names, dtype=object)[idx[1]],
        "size": data.sizes[idx],
        "allele": pd.array(np.where(status[idx] == IN_BIN, _peak_labels(values, status, idx), -1), dtype="Int64"),
        "bin_centre": centre_of[idx],
        "status": [_STATUS_NAMES[int(s)] for s in status[idx]],
    })
    peaks.loc[peaks["allele"] < 0, "allele"] = pd.NA
    for code, category, what in ((OFF_BIN, OffBinWarning, "between two bins"),
                                 (OFF_LADDER, OffLadderSizeWarning, "outside every bin")):
        hit = status == code
        if hit.any():
            per_locus = [f"{data.locus_names[j]} {int(c)}" for j, c in enumerate(hit.sum(axis=(0, 2))) if c]
            warnings.warn(category(Problem(
                found=f"{int(hit.sum())} peak(s) {what} ({', '.join(per_locus)})",
                expected="peaks in a bin; read as missing alleles, sizes kept in call_size",
                file=data.file)), stacklevel=2)
    return BinnedCalls(table, peaks, binset)


def _peak_labels(values: np.ndarray, status: np.ndarray, idx) -> np.ndarray:
    # The label of an in-bin peak: in-bin peaks are packed to the front of a call in
    # slot order, so peak p of a call is allele (number of in-bin peaks before it).
    order = np.cumsum(status == IN_BIN, axis=2) - 1
    pos = np.clip(order[idx], 0, values.shape[2] - 1)
    return values[idx[0], idx[1], pos]


# ---------------------------------------------------------------- reading sizes
def _norm(header: str) -> str:
    return re.sub(r"[\s_.\-]+", "", header.strip().lower())


_SIZE_ALIASES = {
    "sample": "sample", "sampleid": "sample", "samplename": "sample",
    "locus": "locus", "marker": "locus", "markername": "locus",
    "size": "size", "sizebp": "size", "bp": "size",
    "replicate": "replicate", "replicateid": "replicate", "rep": "replicate",
}


def read_sizes(path: str | Path, *, ploidy: int = 2) -> SizeData:
    """Read raw fragment sizes from a sizing table or a GeneMapper Genotypes Table.

    A *sizing table* (CSV/TSV) has a header with ``sample``, ``locus`` (or
    ``marker``) and ``size`` and optionally ``replicate``; each row is one
    peak, an empty size is a locus without peaks.  Any other header is read as
    a GeneMapper export, whose ``Size n`` columns give the sizes and whose
    ``Allele n`` labels are kept as ``reference_labels``.

    Parameters
    ----------
    path
        The file.
    ploidy
        Peaks per call at most; more is an error naming sample and locus.
    """
    from ..io._text import parse_float, read_rows

    path = Path(path)
    rows, _ = read_rows(path)
    if not rows:
        raise InputError(Problem("an empty file", "a sizing table or GeneMapper export", file=str(path)))
    header = {_SIZE_ALIASES.get(_norm(f)): k for k, f in enumerate(rows[0].fields) if _norm(f) in _SIZE_ALIASES}
    if not {"sample", "locus", "size"} <= header.keys():
        return _sizes_from_genemapper(path, ploidy)
    log = ProblemLog(str(path))
    calls: dict[tuple[str, str], dict[str, list[float]]] = {}
    loci: dict[str, None] = {}
    lines: dict[tuple[str, str, str], int] = {}
    for row in rows[1:]:
        f = row.fields

        def cell(key: str, f=f) -> str:
            k = header.get(key)
            return f[k].strip() if k is not None and k < len(f) else ""

        sample, locus, token, rep = cell("sample"), cell("locus"), cell("size"), cell("replicate")
        if not sample or not locus:
            log.error("a row without " + ("sample" if not sample else "locus"), "sample, locus and size",
                      line=row.line, sample=sample or None, locus=locus or None)
            continue
        loci.setdefault(locus)
        peaks = calls.setdefault((sample, rep), {}).setdefault(locus, [])
        lines[(sample, rep, locus)] = row.line
        if token in ("", "NA", "na", "N/A", "nan"):
            continue
        value = parse_float(token)
        if value is None and token.count(",") == 1:
            value = parse_float(token, decimal_comma=True)
        if value is None or value <= 0:
            log.error(f'size "{token}"', "a positive number of bp", line=row.line, sample=sample, locus=locus)
            continue
        peaks.append(value)
        if len(peaks) == ploidy + 1:
            log.error(f"more than {ploidy} peaks", f"at most {ploidy} peaks per sample, replicate and locus",
                      line=row.line, sample=sample if not rep else f"{sample} replicate {rep}", locus=locus)
    log.raise_if_any()
    names = list(loci)
    keys = list(calls)
    sizes = np.full((len(keys), len(names), ploidy), np.nan)
    for i, key in enumerate(keys):
        for j, name in enumerate(names):
            got = sorted(calls[key].get(name, []))
            sizes[i, j, : len(got)] = got
    samples = pd.DataFrame({
        "sample_id": [k[0] for k in keys],
        "replicate_id": [f"{k[0]}.{k[1]}" if k[1] else None for k in keys],
    })
    return SizeData(sizes, names, samples, str(path))


def _sizes_from_genemapper(path: Path, ploidy: int) -> SizeData:
    from ..io.genemapper import OffLadderWarning, read_genemapper

    with warnings.catch_warnings():
        # Off-ladder "?" peaks are what binning is for: their sizes are re-binned here.
        warnings.simplefilter("ignore", OffLadderWarning)
        table = read_genemapper(path, ploidy=ploidy)
    if "call_size" not in table.call_data:
        raise InputError(Problem("no Size columns", "a GeneMapper export with Size 1..n columns", file=str(path)))
    sizes = np.array(table.call_data["call_size"], dtype=float)[:, :, :ploidy]
    samples = table.samples[["sample_id", "replicate_id"]].copy()
    return SizeData(sizes, list(table.locus_id), samples, str(path), table.allele_values())


# ---------------------------------------------------------------- bin-set file
def write_binset(binset: BinSet, path: str | Path) -> None:
    """Write a bin set as TSV with ``# key<TAB>value`` header lines."""
    lines = ["# genmon bin set",
             f"# panel\t{binset.panel}",
             f"# version\t{binset.version}",
             f"# created\t{binset.created}",
             f"# genmon_version\t{binset.genmon_version}"]
    if binset.provenance:
        lines.append("# provenance\t" + json.dumps(binset.provenance, sort_keys=True))
    lines.append("\t".join(_BINSET_COLUMNS))
    for name, lb in binset.loci.items():
        if not lb.bins:  # a locus without peaks so far: kept, so the panel's loci are all named
            lines.append(f"{name}\t{lb.repeat_unit}\tNA\tNA\tNA\tNA")
        for b in lb.bins:
            lines.append(f"{name}\t{lb.repeat_unit}\t{b.label}\t{b.centre:.3f}\t{b.left:.3f}\t{b.right:.3f}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_binset(path: str | Path) -> BinSet:
    """Read a bin set written by :func:`write_binset` (or edited by hand).

    Every problem is reported at once: overlapping bins (naming both bins and
    their lines), a centre outside its bin, duplicate labels, a locus with two
    repeat units, missing ``panel``/``version`` header lines.
    """
    from ..io._text import parse_float, read_headed_tsv

    path = Path(path)
    log = ProblemLog(str(path))
    meta, rows, header_seen = read_headed_tsv(path, _BINSET_COLUMNS, log)
    for key in ("panel", "version"):
        if not meta.get(key):
            log.error(f'no "# {key}" header line', f"a bin set with its {key}")
    if not header_seen:
        log.error("no column header", "the columns " + ", ".join(_BINSET_COLUMNS))
    per_locus: dict[str, list[tuple[int, int, Bin]]] = {}
    empty_units: dict[str, int] = {}
    for lineno, f in ((r.line, r.fields) for r in rows):
        if len(f) < len(_BINSET_COLUMNS):
            log.error(f"{len(f)} fields", f"{len(_BINSET_COLUMNS)} fields", line=lineno)
            continue
        name = f[0]
        unit, label = parse_float(f[1]), parse_float(f[2])
        if unit is not None and unit == int(unit) and unit >= 1 and all(x.upper() == "NA" for x in f[2:6]):
            per_locus.setdefault(name, [])
            empty_units[name] = int(unit)
            continue
        nums = [parse_float(x) for x in f[3:6]]
        if unit is None or unit != int(unit) or unit < 1 or label is None or label != int(label) \
                or any(v is None for v in nums):
            log.error(f'bin "{chr(9).join(f[1:6])}"',
                      "a whole repeat unit, a whole label and numeric centre, left and right",
                      line=lineno, locus=name)
            continue
        c, lo, hi = nums
        per_locus.setdefault(name, []).append((lineno, int(unit), Bin(c, lo, hi, int(label))))
    loci = {}
    for name, entries in per_locus.items():
        units = {u for _, u, _ in entries} | ({empty_units[name]} if name in empty_units else set())
        if len(units) > 1:
            log.error(f"repeat units {sorted(units)}", "one repeat unit per locus", locus=name)
            continue
        entries.sort(key=lambda e: e[2].centre)
        bad = False
        for lineno, _, b in entries:
            if not b.left <= b.centre <= b.right:
                log.error(f"bin {b.label} with centre {b.centre:g} outside {b.left:g}-{b.right:g}",
                          "left <= centre <= right", line=lineno, locus=name)
                bad = True
        for (la, _, a), (lb_, _, b) in zip(entries, entries[1:], strict=False):
            if b.left <= a.right:
                log.error(f"bins {a.label} ({a.left:g}-{a.right:g}, line {la}) and {b.label} "
                          f"({b.left:g}-{b.right:g}, line {lb_}) overlapping", "bins that do not overlap",
                          line=lb_, locus=name)
                bad = True
        labels = [b.label for _, _, b in entries]
        if len(set(labels)) != len(labels):
            log.error("the same label on two bins", "one bin per label", locus=name)
            bad = True
        if not bad:
            loci[name] = LocusBins(name, units.pop(), tuple(b for _, _, b in entries))
    log.raise_if_any()
    prov = {}
    if meta.get("provenance"):
        try:
            prov = json.loads(meta["provenance"])
        except json.JSONDecodeError:
            prov = {}
    return BinSet(panel=meta["panel"], version=meta["version"], loci=loci, created=meta.get("created", ""),
                  genmon_version=meta.get("genmon_version", ""), provenance=prov, source=str(path))
