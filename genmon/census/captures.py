"""Reading detections for the census: ``captures.tsv`` or a capwire class table.

``captures.tsv`` (written by ``genmon identify``) has one row per detection
(a sample assigned to an individual): ``individual`` and, where known,
``sample``, ``occasion``, ``date``, ``site``, ``x``, ``y``.  A capwire class
table (``capture.class``, ``No.Ind``) is accepted too, for single-session
estimates only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..io._text import read_rows

__all__ = ["Detections", "read_captures", "capture_histories"]

_ALIASES = {
    "individual": ("individual", "individual_id", "id", "ind", "indiv"),
    "sample": ("sample", "sample_id"),
    "occasion": ("occasion", "session_occasion"),
    "date": ("date", "collection_date"),
    "site": ("site", "reserve"),
    "x": ("x", "easting"),
    "y": ("y", "northing"),
    "detector": ("detector", "trap", "trap_id", "detector_id"),
}


@dataclass(frozen=True)
class Detections:
    """Detections of individuals; ``counts`` per individual are always available."""

    table: pd.DataFrame | None  # one row per detection, or None for a class table
    counts: np.ndarray  # detections per individual
    source: str

    @property
    def has_occasions(self) -> bool:
        return self.table is not None and self.table["occasion"].notna().all()


def read_captures(path: str | Path) -> Detections:
    """Read ``captures.tsv`` (or CSV) or a capwire class table, reporting every problem."""
    path = Path(path)
    rows, _ = read_rows(path, comment="#")
    log = ProblemLog(str(path))
    if not rows:
        log.error("an empty file", "a header row and detections")
        log.raise_if_any()
    header = [h.strip().lower() for h in rows[0].fields]
    body = rows[1:]
    if header[:2] == ["capture.class", "no.ind"]:
        classes, numbers = [], []
        for row in body:
            if len(row.fields) != 2:
                log.error(f"{len(row.fields)} fields", "2 (capture.class, No.Ind)", line=row.line)
                continue
            try:
                c, n = int(row.fields[0]), int(row.fields[1])
            except ValueError:
                log.error(f'"{row.fields[0]}", "{row.fields[1]}"', "two whole numbers", line=row.line)
                continue
            if c < 1 or n < 0:
                log.error(f"capture class {c} with {n} individuals", "a class >= 1 and a count >= 0", line=row.line)
                continue
            classes.append(c)
            numbers.append(n)
        log.raise_if_any()
        counts = np.repeat(np.array(classes, dtype=np.int64), np.array(numbers, dtype=np.int64))
        if counts.size == 0:
            log.error("no individuals", "at least one capture class with individuals")
            log.raise_if_any()
        return Detections(None, counts, str(path))
    columns = {}
    for canonical, aliases in _ALIASES.items():
        for i, name in enumerate(header):
            if name in aliases:
                columns[canonical] = i
                break
    if "individual" not in columns:
        log.error(f"columns {', '.join(rows[0].fields)}", "an 'individual' column (or a capwire class table)",
                  line=rows[0].line)
        log.raise_if_any()
    records = []
    for row in body:
        rec = {}
        for name, i in columns.items():
            rec[name] = row.fields[i] if i < len(row.fields) and row.fields[i] != "" else None
        if rec["individual"] is None:
            sample = rec.get("sample")
            log.error("an empty individual", "the individual this detection belongs to", line=row.line, sample=sample)
            continue
        for coord in ("x", "y"):
            if rec.get(coord) is not None:
                try:
                    rec[coord] = float(rec[coord].replace(",", "."))
                except ValueError:
                    log.error(f'{coord} "{rec[coord]}"', "a number", line=row.line, sample=rec.get("sample"))
        records.append(rec)
    if not records and not log:
        log.error("no detections", "at least one row after the header")
    log.raise_if_any()
    table = pd.DataFrame.from_records(records, columns=list(_ALIASES))
    counts = table.groupby("individual", sort=True).size().to_numpy(dtype=np.int64)
    return Detections(table, counts, str(path))


def capture_histories(detections: Detections) -> tuple[np.ndarray, list[str], list[str]]:
    """Individuals x occasions 0/1 matrix, with the individual and occasion labels (sorted)."""
    if not detections.has_occasions:
        raise InputError(Problem("detections without an occasion",
                                 "an 'occasion' on every row for multi-occasion models", detections.source))
    t = detections.table
    individuals = sorted(t["individual"].unique())
    occasions = sorted(t["occasion"].unique(), key=lambda v: (len(v), v))
    i = pd.Index(individuals).get_indexer(t["individual"])
    j = pd.Index(occasions).get_indexer(t["occasion"])
    h = np.zeros((len(individuals), len(occasions)), dtype=np.int64)
    h[i, j] = 1
    return h, individuals, occasions
