"""Detector (trap, transect cell, hair station) tables and SCR data from detections.

A detectors table has a header and one row per detector: ``detector``, ``x``,
``y`` (projected metres), then either one ``usage`` column holding a secr-style
string of per-occasion effort (``"11101"``) or one column per occasion
(``usage_1``, ``usage_2``, … or the occasion labels themselves) with the effort
on that occasion (0 = not searched).  With usage strings, occasions numbered
1..S address the string's positions.  Without usage columns every detector is
taken as operated on every occasion found in the detections.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import ProblemLog
from ..io._text import parse_float, read_rows
from .captures import Detections
from .scr import SCRData

__all__ = ["DetectorTable", "read_detectors", "scr_data"]


@dataclass(frozen=True)
class DetectorTable:
    ids: tuple[str, ...]
    xy: np.ndarray  # (K, 2)
    usage: np.ndarray | None  # (K, S) or None
    occasion_labels: tuple[str, ...] | None
    source: str


def read_detectors(path: str | Path) -> DetectorTable:
    """Read a detectors table, reporting every problem at once."""
    path = Path(path)
    rows, delimiter = read_rows(path, comment="#")
    log = ProblemLog(str(path))
    if not rows:
        log.error("an empty file", "a header (detector, x, y, …) and one row per detector")
        log.raise_if_any()
    header = [h.strip() for h in rows[0].fields]
    lower = [h.lower() for h in header]
    missing = [c for c in ("detector", "x", "y") if c not in lower]
    if missing:
        log.error(f"columns {', '.join(header)}", "columns detector, x, y", line=rows[0].line)
        log.raise_if_any()
    i_id, i_x, i_y = (lower.index(c) for c in ("detector", "x", "y"))
    usage_cols = [i for i, h in enumerate(lower) if i not in (i_id, i_x, i_y)]
    string_usage = usage_cols == [lower.index("usage")] if "usage" in lower else False
    decimal_comma = delimiter == ";"
    ids, xy, usage = [], [], []
    for row in rows[1:]:
        f = row.fields + [""] * (len(header) - len(row.fields))
        det = f[i_id]
        if not det:
            log.error("an empty detector id", "a detector id", line=row.line)
            continue
        if det in ids:
            log.error(f'detector "{det}" a second time', "unique detector ids", line=row.line)
            continue
        x, y = parse_float(f[i_x], decimal_comma), parse_float(f[i_y], decimal_comma)
        if x is None or y is None:
            log.error(f'coordinates "{f[i_x]}", "{f[i_y]}" for detector {det}', "projected x and y in metres",
                      line=row.line)
            continue
        if string_usage:
            text = f[usage_cols[0]]
            if not text or any(ch not in "0123456789" for ch in text):
                log.error(f'usage "{text}" for detector {det}', "a string of digits, one per occasion", line=row.line)
                continue
            u = [float(ch) for ch in text]
        else:
            u = []
            for i in usage_cols:
                v = parse_float(f[i], decimal_comma)
                if v is None or v < 0:
                    log.error(f'effort "{f[i]}" in column {header[i]} for detector {det}',
                              "a non-negative number", line=row.line)
                    v = 0.0
                u.append(v)
        ids.append(det)
        xy.append((x, y))
        usage.append(u)
    if usage and len({len(u) for u in usage}) > 1:
        log.error("usage strings of different lengths", "one effort value per occasion for every detector")
    if not ids and not log:
        log.error("no detectors", "at least one detector row")
    log.raise_if_any()
    usage_arr = np.array(usage, dtype=np.float64) if usage_cols else None
    labels = None
    if usage_cols and not string_usage:
        labels = tuple(h[len("usage_"):] if h.lower().startswith("usage_") else h for h in (header[i] for i in usage_cols))
    return DetectorTable(tuple(ids), np.array(xy, dtype=np.float64), usage_arr, labels, str(path))


def scr_data(detections: Detections, detectors: DetectorTable, detector_type: str = "proximity") -> SCRData:
    """Capture array for SCR from detections (with occasions) and detectors.

    Detections are placed at their ``detector`` column when the captures file
    has one, else at the nearest detector to their x/y.  Occasions map to the
    detectors' usage columns by label (or in sorted order for usage strings).
    """
    log = ProblemLog(detections.source)
    t = detections.table
    if t is None:
        log.error("a capture class table", "one row per detection with occasion and detector or x/y for SCR")
        log.raise_if_any()
    if t["occasion"].isna().any():
        log.error("detections without an occasion", "an occasion on every row for SCR")
        log.raise_if_any()
    occasions = sorted(t["occasion"].unique(), key=lambda v: (len(v), v))
    usage = detectors.usage
    if usage is None:
        usage = np.ones((len(detectors.ids), len(occasions)))
        occ_index = {o: s for s, o in enumerate(occasions)}
    elif detectors.occasion_labels is not None:
        occ_index = {o: s for s, o in enumerate(detectors.occasion_labels)}
    elif all(str(o).isdigit() and 1 <= int(o) <= usage.shape[1] for o in occasions):
        # occasions numbered 1..S address the usage string's positions
        occ_index = {o: int(o) - 1 for o in occasions}
    else:
        if len(occasions) > usage.shape[1]:
            log.error(f"{len(occasions)} occasions in the detections", f"at most {usage.shape[1]} (the usage strings)")
            log.raise_if_any()
        occ_index = {o: s for s, o in enumerate(occasions)}
    det_index = {d: k for k, d in enumerate(detectors.ids)}
    individuals = sorted(t["individual"].unique())
    ind_index = {ind: i for i, ind in enumerate(individuals)}
    caps = np.zeros((len(individuals), len(detectors.ids), usage.shape[1]), dtype=np.int64)
    has_detector = "detector" in t.columns and t["detector"].notna().all()
    for row in t.itertuples(index=False):
        s = occ_index.get(row.occasion)
        if s is None:
            log.error(f'occasion "{row.occasion}"', "an occasion listed in the detectors' usage columns",
                      sample=row.sample)
            continue
        if has_detector:
            k = det_index.get(row.detector)
            if k is None:
                log.error(f'detector "{row.detector}"', "a detector in the detectors table", sample=row.sample)
                continue
        else:
            if row.x is None or row.y is None or np.isnan(row.x) or np.isnan(row.y):
                log.error("a detection without x/y or detector", "coordinates or a detector id", sample=row.sample)
                continue
            k = int(np.argmin(((detectors.xy - (row.x, row.y)) ** 2).sum(axis=1)))
        if usage[k, s] == 0:
            log.error(f"a detection at detector {detectors.ids[k]} on occasion {row.occasion}",
                      "detections only where and when effort was made (usage > 0)", sample=row.sample)
            continue
        caps[ind_index[row.individual], k, s] += 1
    log.raise_if_any()
    names = {s: o for o, s in occ_index.items()}
    for k in np.nonzero(usage.sum(axis=0) == 0)[0]:
        name = names.get(k, str(k + 1))
        log.warn(f"occasion {name} with no search effort at any detector", "effort on every occasion; "
                 "it adds nothing to the SCR likelihood")
    if detector_type == "proximity":
        caps = np.minimum(caps, 1)
    return SCRData(detectors.xy, usage, caps, detector_type, tuple(individuals), detectors.ids)
