"""Cross-lab calibration: per-locus size offsets between two labs.

The same allele sized on two instruments, polymers or size standards can
differ by 1-3 bp.  Labs harmonise by typing shared reference DNA in both labs
and keeping a per-locus **translation table**.  :func:`estimate_calibration`
pairs the two labs' calls of each reference sample, locus by locus: the
alleles of each call are sorted and paired in order (smallest with smallest),
and the locus offset is the median of the differences ``lab_b - lab_a``, which
a few mistyped alleles cannot move.  A locus where no single offset fits
(more than ``max_misfit`` of the differences further than ``tolerance`` bp
from the median, e.g. a shift that grows with fragment size) is flagged
``fits = no``.  Only calls with the same number of distinct alleles in both
labs are compared, so an allelic dropout in one lab does not produce a false
difference.

The translation table (:func:`write_translation`) is TSV::

    # genmon translation table
    # lab_a<TAB>RU-Vladivostok
    # lab_b<TAB>CN-Harbin
    # direction<TAB>size in lab_a = size in lab_b - offset_bp
    # created<TAB>...
    # genmon_version<TAB>0.1.0
    locus<TAB>offset_bp<TAB>n_alleles_compared<TAB>fits<TAB>note

and :func:`apply_calibration` brings a table typed in lab B onto lab A's sizes.

References
----------
Zou Z-T, Uphyrkina OV, Fomenko P, Luo S-J (2015) Integrative Zoology
10:376-388 (the tigrisPlex system; DNA samples used for between-run
calibration).

"""

from __future__ import annotations

import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, ModelError, Problem, ProblemLog
from ..model import GenotypeTable

__all__ = [
    "TRANSLATION_COLUMNS",
    "Translation",
    "estimate_calibration",
    "apply_calibration",
    "shift_sizes",
    "write_translation",
    "read_translation",
]

TRANSLATION_COLUMNS = ("locus", "offset_bp", "n_alleles_compared", "fits", "note")
_DIRECTION = "size in lab_a = size in lab_b - offset_bp"


@dataclass
class Translation:
    """A per-locus translation from lab B's sizes to lab A's.

    ``table`` has the columns :data:`TRANSLATION_COLUMNS` (``fits`` bool).
    """

    lab_a: str
    lab_b: str
    table: pd.DataFrame
    created: str = ""
    genmon_version: str = __version__
    provenance: dict[str, Any] = field(default_factory=dict)
    source: str | None = None

    def offsets(self) -> dict[str, float]:
        return dict(zip(self.table["locus"], self.table["offset_bp"].astype(float), strict=True))


def _calls_by_sample(table: GenotypeTable, locus: str) -> dict[str, set[tuple[int, ...]]]:
    """Complete calls (sorted allele tuples) per field sample at one locus."""
    j = table.locus_id.index(locus)
    values = table.allele_values()[:, j, :]
    out: dict[str, set[tuple[int, ...]]] = {}
    for sid, call in zip(table.sample_id, values, strict=True):
        if (call >= 0).all():
            out.setdefault(str(sid), set()).add(tuple(sorted(int(a) for a in call)))
    return out


def _sizes_by_sample(table: GenotypeTable, locus: str) -> dict[str, set[tuple[float, ...]]]:
    """Raw peak sizes per field sample at one locus (sorted; replicate rows averaged).

    Rows of a sample with the most common number of peaks are averaged slot by
    slot (re-injections differ by hundredths of a bp); a homozygote has one peak.
    """
    if "call_size" not in table.call_data:
        raise ModelError("use_sizes needs raw sizes (call_data['call_size'], e.g. from a GeneMapper export)")
    j = table.locus_id.index(locus)
    sizes = np.asarray(table.call_data["call_size"], dtype=float)[:, j, :]
    per: dict[str, list[tuple[float, ...]]] = {}
    for sid, row in zip(table.sample_id, sizes, strict=True):
        peaks = tuple(sorted(float(x) for x in row if np.isfinite(x)))
        if peaks:
            per.setdefault(str(sid), []).append(peaks)
    out = {}
    for sid, calls in per.items():
        counts = pd.Series([len(c) for c in calls]).value_counts()
        n = int(counts.index[0])
        if (counts == counts.iloc[0]).sum() > 1:
            continue  # as many rows with one peak count as with another: no clear call
        same = np.array([c for c in calls if len(c) == n])
        out[sid] = {tuple(float(x) for x in same.mean(axis=0))}
    return out


def estimate_calibration(
    lab_a: GenotypeTable,
    lab_b: GenotypeTable,
    *,
    name_a: str = "lab_a",
    name_b: str = "lab_b",
    tolerance: float = 1.0,
    max_misfit: float = 0.1,
    min_alleles: int = 4,
    use_sizes: bool = False,
) -> Translation:
    """Per-locus size offset of lab B relative to lab A from shared reference samples.

    Parameters
    ----------
    lab_a, lab_b
        The reference samples typed in each lab; samples are paired by
        ``sample_id`` (replicate rows of a sample must agree, else that
        sample is skipped at that locus and counted in the note).
    name_a, name_b
        Lab names written into the table.
    tolerance
        A difference further than this (bp) from the locus offset is a misfit.
    max_misfit
        Largest fraction of misfits for which one offset still fits.
    min_alleles
        Fewer compared alleles than this: the locus is not calibrated
        (``fits`` false, offset NaN).
    use_sizes
        Compare raw fragment sizes (``call_data["call_size"]``, e.g. both
        labs' GeneMapper exports) instead of allele labels: offsets are then
        fractions of a bp, for :func:`shift_sizes` before binning.  Calls
        with different numbers of peaks are skipped like different zygosity.

    Returns
    -------
    Translation
        One row per locus shared by both tables.

    Examples
    --------
    Two samples at one locus; lab B reads 2 bp longer.  Pairs (150, 152),
    (158, 160), (150, 152), (150, 152) give differences 2, 2, 2, 2: offset 2.

    >>> a = GenotypeTable.from_alleles([[[150, 158]], [[150, 150]]], ["L1"], sample_ids=["R1", "R2"])
    >>> b = GenotypeTable.from_alleles([[[160, 152]], [[152, 152]]], ["L1"], sample_ids=["R1", "R2"])
    >>> t = estimate_calibration(a, b).table
    >>> t[["offset_bp", "n_alleles_compared", "fits"]].values.tolist()
    [[2.0, 4, True]]

    References
    ----------
    Zou Z-T et al. (2015) Integrative Zoology 10:376-388.
    """
    if not 0 <= max_misfit < 1:
        raise ModelError(f"max_misfit must be in [0, 1), got {max_misfit}")
    if tolerance < 0:
        raise ModelError(f"tolerance must be >= 0, got {tolerance}")
    shared = [n for n in lab_a.locus_id if n in set(lab_b.locus_id)]
    common = sorted(set(map(str, lab_a.sample_id)) & set(map(str, lab_b.sample_id)))
    if not shared:
        raise InputError(Problem("no locus typed in both labs", "tables of the same panel"))
    if not common:
        raise InputError(Problem("no sample id in both labs", "the same reference samples typed in both labs"))
    rows = []
    for locus in shared:
        by_sample = _sizes_by_sample if use_sizes else _calls_by_sample
        ca, cb = by_sample(lab_a, locus), by_sample(lab_b, locus)
        diffs: list[float] = []
        discordant = zygosity = 0
        for sid in common:
            ga, gb = ca.get(sid), cb.get(sid)
            if not ga or not gb:
                continue
            if len(ga) > 1 or len(gb) > 1:
                discordant += 1
                continue
            xa, xb = next(iter(ga)), next(iter(gb))
            if (len(xa) != len(xb)) if use_sizes else (len(set(xa)) != len(set(xb))):
                zygosity += 1
                continue
            diffs.extend(b - a for a, b in zip(xa, xb, strict=True))
        notes = []
        d = np.asarray(diffs, dtype=float)
        if d.size < min_alleles:
            offset, fits = math.nan, False
            notes.append(f"only {d.size} alleles compared (need {min_alleles})")
        else:
            offset = float(np.median(d))
            resid = d - offset
            misfit = np.abs(resid) > tolerance
            fits = bool(misfit.mean() <= max_misfit)
            if not fits:
                notes.append(f"no single offset fits: {int(misfit.sum())} of {d.size} differences more than "
                             f"{tolerance:g} bp from the median (differences {d.min():g} to {d.max():g} bp)")
            elif misfit.any():
                notes.append(f"{int(misfit.sum())} outlying difference(s) ignored")
        if discordant:
            notes.append(f"{discordant} sample(s) with discordant replicates skipped")
        if zygosity:
            notes.append(f"{zygosity} sample(s) with different zygosity skipped")
        rows.append({"locus": locus, "offset_bp": offset, "n_alleles_compared": int(d.size), "fits": fits,
                     "note": "; ".join(notes)})
    created = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Translation(name_a, name_b, pd.DataFrame(rows, columns=list(TRANSLATION_COLUMNS)), created=created)


def _checked_shifts(
    locus_names: list[str], translation: Translation, allow_missing_loci: bool, allow_unfit: bool, whole: bool
) -> dict[str, float]:
    where = translation.source or f"translation {translation.lab_b} -> {translation.lab_a}"
    rows = {r.locus: r for r in translation.table.itertuples(index=False)}
    problems = []
    shifts: dict[str, float] = {}
    for name in locus_names:
        r = rows.get(name)
        if r is None:
            if not allow_missing_loci:
                problems.append(Problem(f"locus {name} not in the translation table",
                                        "a translation of every locus of the table", file=where, locus=name))
            continue
        off = float(r.offset_bp)
        if not math.isfinite(off):
            problems.append(Problem("no offset (too few alleles compared)", "a calibrated locus", file=where,
                                    locus=name))
        elif not bool(r.fits) and not allow_unfit:
            problems.append(Problem("a locus where no single offset fits", "a locus with fits = yes",
                                    file=where, locus=name))
        elif whole and abs(off - round(off)) > 0.25:
            problems.append(Problem(f"offset {off:g} bp", "a whole number of bp to shift allele labels",
                                    file=where, locus=name))
        else:
            shifts[name] = off
    if problems:
        raise InputError(problems)
    return shifts


def apply_calibration(
    table: GenotypeTable,
    translation: Translation | str | Path,
    *,
    allow_missing_loci: bool = False,
    allow_unfit: bool = False,
) -> GenotypeTable:
    """Bring a table typed in lab B onto lab A's sizes: ``allele - offset_bp`` per locus.

    Allele labels are whole bp, so each offset is rounded to a whole number;
    an offset more than 0.25 bp from a whole number cannot shift labels and is
    an error (apply it to raw sizes before binning instead).  Raw sizes in
    ``call_data["call_size"]`` are shifted by the exact offset.

    Parameters
    ----------
    table
        Genotypes typed in lab B.
    translation
        A :class:`Translation` or the path of a translation table.
    allow_missing_loci
        Leave loci absent from the translation unchanged instead of refusing.
    allow_unfit
        Also shift loci flagged ``fits = no`` (never loci without an offset).

    Examples
    --------
    >>> b = GenotypeTable.from_alleles([[[152, 160]]], ["L1"], sample_ids=["R1"])
    >>> tr = Translation("A", "B", pd.DataFrame({"locus": ["L1"], "offset_bp": [2.0],
    ...      "n_alleles_compared": [10], "fits": [True], "note": [""]}))
    >>> apply_calibration(b, tr).allele_values().tolist()
    [[[150, 158]]]
    """
    if not isinstance(translation, Translation):
        translation = read_translation(translation)
    shifts = _checked_shifts(table.locus_id, translation, allow_missing_loci, allow_unfit, whole=True)
    values = table.allele_values().astype(np.int64)
    call_data = {k: np.array(v, copy=True) for k, v in table.call_data.items()}
    locus_info = {}
    for j, locus in enumerate(table.loci):
        info = {"kind": locus.kind, "repeat_unit": locus.repeat_unit, "panel": locus.panel}
        off = shifts.get(locus.name)
        if off is not None:
            shift = int(round(off))
            col = values[:, j]
            present = col >= 0
            col[present] -= shift
            if (col[present] < 0).any():
                raise ModelError(f"locus {locus.name}: offset {off:g} bp gives negative allele sizes")
            info["alleles"] = tuple(a - shift for a in locus.alleles)
            if "call_size" in call_data:
                call_data["call_size"][:, j] = call_data["call_size"][:, j] - off
        else:
            info["alleles"] = locus.alleles
        locus_info[locus.name] = info
    attrs = dict(table.attrs)
    attrs["calibration"] = {"lab_a": translation.lab_a, "lab_b": translation.lab_b, "offsets": shifts}
    out = GenotypeTable.from_alleles(values, table.locus_id, samples=table.samples, locus_info=locus_info,
                                     call_data=call_data, attrs=attrs)
    return out


def shift_sizes(
    sizes: np.ndarray,
    locus_names: list[str],
    translation: Translation | str | Path,
    *,
    allow_missing_loci: bool = False,
    allow_unfit: bool = False,
) -> np.ndarray:
    """Raw sizes ``(rows, loci, ploidy)`` typed in lab B moved onto lab A's: ``size - offset_bp``.

    The same checks as :func:`apply_calibration` (loci missing from the
    table, loci without an offset or where no single offset fits), but any
    offset, whole or not, is applied exactly.

    Examples
    --------
    >>> tr = Translation("A", "B", pd.DataFrame({"locus": ["L1"], "offset_bp": [1.37],
    ...      "n_alleles_compared": [10], "fits": [True], "note": [""]}))
    >>> shift_sizes(np.array([[[152.5, np.nan]]]), ["L1"], tr).round(2).tolist()
    [[[151.13, nan]]]
    """
    if not isinstance(translation, Translation):
        translation = read_translation(translation)
    shifts = _checked_shifts(locus_names, translation, allow_missing_loci, allow_unfit, whole=False)
    out = np.array(sizes, dtype=float, copy=True)
    for j, name in enumerate(locus_names):
        if name in shifts:
            out[:, j] -= shifts[name]
    return out


def write_translation(translation: Translation, path: str | Path) -> None:
    """Write a translation table (TSV with ``# key<TAB>value`` header lines)."""
    lines = ["# genmon translation table",
             f"# lab_a\t{translation.lab_a}",
             f"# lab_b\t{translation.lab_b}",
             f"# direction\t{_DIRECTION}",
             f"# created\t{translation.created}",
             f"# genmon_version\t{translation.genmon_version}"]
    if translation.provenance:
        lines.append("# provenance\t" + json.dumps(translation.provenance, sort_keys=True))
    lines.append("\t".join(TRANSLATION_COLUMNS))
    for r in translation.table.itertuples(index=False):
        off = "NA" if not math.isfinite(r.offset_bp) else f"{r.offset_bp:g}"
        lines.append(f"{r.locus}\t{off}\t{int(r.n_alleles_compared)}\t{'yes' if r.fits else 'no'}\t{r.note}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_translation(path: str | Path) -> Translation:
    """Read a translation table written by :func:`write_translation`; all problems at once."""
    from ..io._text import parse_float, read_headed_tsv

    path = Path(path)
    log = ProblemLog(str(path))
    meta, lines, header = read_headed_tsv(path, TRANSLATION_COLUMNS, log)
    rows = []
    for line in lines:
        lineno, f = line.line, list(line.fields)
        f += [""] * (5 - len(f))
        off = math.nan if f[1] in ("NA", "") else parse_float(f[1])
        n = parse_float(f[2])
        fits = f[3].lower()
        if off is None or n is None or n != int(n) or fits not in ("yes", "no"):
            log.error(f'row "{chr(9).join(f[1:4])}"', "a numeric offset_bp (or NA), a count and fits yes/no",
                      line=lineno, locus=f[0])
            continue
        rows.append({"locus": f[0], "offset_bp": off, "n_alleles_compared": int(n), "fits": fits == "yes",
                     "note": f[4]})
    for key in ("lab_a", "lab_b"):
        if not meta.get(key):
            log.error(f'no "# {key}" header line', "a translation table naming both labs")
    if meta.get("direction", _DIRECTION) != _DIRECTION:
        log.error(f'direction "{meta["direction"]}"', f'"{_DIRECTION}"')
    if not header:
        log.error("no column header", "the columns " + ", ".join(TRANSLATION_COLUMNS))
    loci = [r["locus"] for r in rows]
    dup = sorted({x for x in loci if loci.count(x) > 1})
    if dup:
        log.error(f"locus {', '.join(dup)} more than once", "one row per locus")
    log.raise_if_any()
    prov = {}
    if meta.get("provenance"):
        try:
            prov = json.loads(meta["provenance"])
        except json.JSONDecodeError:
            prov = {}
    return Translation(meta["lab_a"], meta["lab_b"], pd.DataFrame(rows, columns=list(TRANSLATION_COLUMNS)),
                       created=meta.get("created", ""), genmon_version=meta.get("genmon_version", ""),
                       provenance=prov, source=str(path))
