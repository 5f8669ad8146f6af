"""A persistent catalogue of known individuals.

A catalogue is a directory:

``catalogue.json``
    format version, species, id pattern and the next number to issue, the
    locus panel (names, kinds, allele calibration tag), creation and update
    times, and the provenance of every batch added.
``individuals.tsv``
    one row per individual ever issued: ``individual``, ``status`` (``active``
    or ``merged``), ``merged_into``, ``n_samples``, ``first_seen``,
    ``last_seen``, ``sex``, ``species``, then one column per locus with the
    best genotype as ``a/b`` (``-`` for a missing allele).
``samples.tsv``
    every sample ever assigned: ``sample``, ``individual``, ``batch``, ``date``,
    ``status`` (``new``, ``recapture``), then its genotype at each locus
    (``a/b``); new batches are matched against these sample genotypes as well
    as against each individual's best genotype.
``events.tsv``
    the history: ``time``, ``batch``, ``event`` (``new``, ``recapture``,
    ``merge``, ``split``, ``possible_merge``), ``individual``, ``other``,
    ``sample``, ``details``.  Merges and splits are only made by
    :func:`merge_individuals` and :func:`split_individual`, which record them.

Ids are issued from ``id_pattern`` (a :meth:`str.format` pattern with a field
``n``, e.g. ``PTA-RU-{n:04d}``) and never reused.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import GenmonError, InputError, Problem
from ..model import GenotypeTable
from .index import group_ids

__all__ = [
    "CATALOGUE_FORMAT",
    "Catalogue",
    "new_catalogue",
    "read_catalogue",
    "write_catalogue",
    "merge_individuals",
    "split_individual",
    "format_genotype",
    "format_genotypes",
]

CATALOGUE_FORMAT = 1
_IND_COLUMNS = [
    "individual",
    "status",
    "merged_into",
    "n_samples",
    "first_seen",
    "last_seen",
    "sex",
    "species",
]
_SAMPLE_COLUMNS = ["sample", "individual", "batch", "date", "status"]
_EVENT_COLUMNS = ["time", "batch", "event", "individual", "other", "sample", "details"]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def format_genotype(values: np.ndarray) -> str:
    """``a/b`` text of one call of allele values (``-1`` missing shown as ``-``).

    Examples
    --------
    >>> format_genotype(np.array([165, -1]))
    '165/-'
    """
    return "/".join("-" if v < 0 else str(int(v)) for v in values)


def format_genotypes(values: np.ndarray) -> np.ndarray:
    """:func:`format_genotype` of every call of one locus, ``values`` ``(n, ploidy)``.

    Each distinct call is formatted once and the texts are gathered, so the
    cost is a sort of the calls, not a Python call per sample.

    Examples
    --------
    >>> format_genotypes(np.array([[165, 169], [165, -1], [165, 169]])).tolist()
    ['165/169', '165/-', '165/169']
    """
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=object)
    code, distinct = pd.factorize(group_ids(np.where(values < 0, -1, values)))
    first = np.zeros(len(distinct), dtype=np.int64)
    first[code[::-1]] = np.arange(len(values))[::-1]  # first row of each distinct call
    texts = np.array([format_genotype(values[r]) for r in first], dtype=object)
    return texts[code]


def _parse_genotype(text: str, ploidy: int, where: Problem) -> list[int]:
    parts = str(text).split("/")
    if len(parts) != ploidy:
        raise InputError(
            Problem(
                f'genotype "{text}"',
                f"{ploidy} alleles separated by /",
                where.file,
                line=where.line,
                sample=where.sample,
                locus=where.locus,
            )
        )
    out = []
    for p in parts:
        if p in ("-", ""):
            out.append(-1)
            continue
        try:
            out.append(int(p))
        except ValueError:
            raise InputError(
                Problem(
                    f'allele "{p}"',
                    "a whole number or -",
                    where.file,
                    line=where.line,
                    sample=where.sample,
                    locus=where.locus,
                )
            ) from None
    return out


def _parse_block(
    frame: pd.DataFrame,
    loci: list[str],
    ploidy: int,
    where: str,
    ids: pd.Series,
    lines: np.ndarray | None,
) -> np.ndarray:
    """``(rows, loci, ploidy)`` allele values from ``a/b`` texts (empty = missing).

    Each distinct text of a locus is parsed once and the values gathered; on
    any bad cell the cells are parsed one by one so that the error names the
    line, sample and locus.
    """
    n = len(frame)
    values = np.full((n, len(loci), ploidy), -1, dtype=np.int64)
    try:
        for j, locus in enumerate(loci):
            code, texts = pd.factorize(frame[locus].fillna("").astype(str))
            table = np.full((len(texts), ploidy), -1, dtype=np.int64)
            for k, text in enumerate(texts):
                parts = text.strip().split("/") if text.strip() else ["-"] * ploidy
                if len(parts) != ploidy:
                    raise ValueError
                table[k] = [-1 if p == "-" else int(p) for p in parts]
            values[:, j, :] = table[code]
        if (values < -1).any():
            raise ValueError
        return values
    except (ValueError, TypeError):
        pass
    for r in range(n):
        for j, locus in enumerate(loci):
            text = frame[locus].iloc[r]
            if isinstance(text, str) and text.strip():
                line = None if lines is None or pd.isna(lines[r]) else int(lines[r])
                values[r, j] = _parse_genotype(
                    text.strip(),
                    ploidy,
                    Problem("", file=where, line=line, sample=str(ids.iloc[r]), locus=locus),
                )
    return values


@dataclass
class Catalogue:
    """Known individuals, their best genotypes and their history."""

    loci: list[str]
    kinds: list[str]
    ploidy: int = 2
    calibration: str | None = None
    species: str | None = None
    id_pattern: str = "IND-{n:04d}"
    next_number: int = 1
    individuals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_IND_COLUMNS))
    samples: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_SAMPLE_COLUMNS))
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_EVENT_COLUMNS))
    batches: list[dict[str, Any]] = field(default_factory=list)
    created: str = field(default_factory=_now)
    path: str | None = None

    def __post_init__(self) -> None:
        check_id_pattern(self.id_pattern)

    # ---------------------------------------------------------------- ids
    def issue_id(self) -> str:
        """A new, never used individual id."""
        return self.issue_ids(1)[0]

    def _used_ids(self) -> set[str]:
        """Ids in the individuals table, cached while that table is unchanged."""
        key = (id(self.individuals), len(self.individuals))
        if getattr(self, "_used_key", None) != key:
            self._used_cache = set(self.individuals["individual"].astype(str))
            self._used_key = key
        return self._used_cache

    def issue_ids(self, count: int) -> list[str]:
        """``count`` new, never used individual ids."""
        used = self._used_ids()
        out: list[str] = []
        while len(out) < count:
            ident = self.id_pattern.format(n=self.next_number)
            self.next_number += 1
            if ident not in used:
                out.append(ident)
        return out

    # ---------------------------------------------------------------- panel
    def check_panel(self, table: GenotypeTable, source: str | None = None) -> GenotypeTable:
        """The table with loci in catalogue order, or an error naming the difference.

        Refuses a table typed with another locus panel, other locus kinds,
        another ploidy or another allele calibration (``table.attrs["calibration"]``,
        or allele sizes the catalogue has never seen) with an
        :class:`~genmon.exceptions.InputError` (exit 3) naming the batch
        (``source``, else the file the table was read from) and the catalogue.
        """
        where = self.path or "the catalogue"
        file = source or table.attrs.get("source") or table.attrs.get("source_file") or None
        name = file or "the genotypes"

        def refuse(found: str, expected: str) -> InputError:
            return InputError(Problem(found, expected, file))

        have, want = table.locus_id, self.loci
        if set(have) != set(want):
            missing = [x for x in want if x not in have]
            extra = [x for x in have if x not in want]
            parts = []
            if missing:
                parts.append(f"missing from {name}: {', '.join(missing)}")
            if extra:
                parts.append(f"not in the catalogue: {', '.join(extra)}")
            raise refuse(
                f"another locus panel than {where} ({'; '.join(parts)})",
                f"the locus panel {where} was built with, {', '.join(want)}. Genotype the batch with the "
                "catalogue's panel or start a new catalogue",
            )
        table = table.subset(loci=want)
        for locus, kind in zip(table.loci, self.kinds, strict=True):
            if locus.kind != kind:
                raise refuse(f"locus {locus.name} typed as {locus.kind}", f"{kind}, as in {where}")
        if table.ploidy != self.ploidy:
            raise refuse(f"ploidy {table.ploidy} genotypes", f"ploidy {self.ploidy}, as in {where}")
        cal = table.attrs.get("calibration")
        if self.calibration is not None and cal is not None and str(cal) != self.calibration:
            raise refuse(
                f'allele calibration "{cal}"',
                f'"{self.calibration}", the allele calibration {where} uses. Convert the allele sizes to '
                "the catalogue's calibration before matching",
            )
        self._check_sizes(table, where, refuse)
        return table

    def _check_sizes(self, table: GenotypeTable, where: str, refuse: Any) -> None:
        # Another calibration (or another panel under the same locus names)
        # shows as allele sizes the catalogue has never seen: refuse when, at
        # most loci, most typed alleles of the batch are unknown.
        act = self.active()
        if len(act) < 10 or table.n_samples == 0:  # too few individuals to judge
            return
        known_values = self.genotypes().allele_values()
        strange = []
        for j, locus in enumerate(self.loci):
            known = np.unique(known_values[:, j][known_values[:, j] >= 0])
            if not known.size or table.loci[j].kind == "SNP":
                continue
            g = table.call_genotype[:, j].ravel()
            g = g[g >= 0]
            if not g.size:
                continue
            sizes = np.asarray(table.loci[j].alleles)[g]
            share = float(np.isin(sizes, known).mean())
            if share < 0.5:
                strange.append(f"{locus} ({share:.0%} of alleles known)")
        checked = sum(1 for j in range(len(self.loci)) if (table.call_genotype[:, j] >= 0).any())
        if strange and len(strange) * 2 > checked:
            raise refuse(
                f"allele sizes that do not fit the catalogue's at {len(strange)} of {checked} loci: "
                f"{', '.join(strange[:5])}{' …' if len(strange) > 5 else ''}",
                f"the allele sizes of {where}. They look like another allele calibration or another panel "
                "under the same locus names; convert the sizes before matching",
            )

    # ---------------------------------------------------------------- genotypes
    def active(self) -> pd.DataFrame:
        return self.individuals[self.individuals["status"] == "active"].reset_index(drop=True)

    def genotypes(self) -> GenotypeTable:
        """Best genotypes of the active individuals as a table (ids as sample ids)."""
        act = self.active()
        where = str(Path(self.path) / "individuals.tsv") if self.path else "individuals.tsv"
        lines = act["_line"].to_numpy() if "_line" in act.columns else None
        values = _parse_block(
            act, self.loci, self.ploidy, where, act["individual"].astype(str), lines
        )
        samples = pd.DataFrame({"sample_id": act["individual"].astype(str), "sex": act["sex"]})
        return GenotypeTable.from_alleles(
            values.reshape(len(act), len(self.loci), self.ploidy),
            self.loci,
            samples=samples,
            kinds=self.kinds,
        )

    def sample_genotypes(self) -> tuple[GenotypeTable, np.ndarray] | None:
        """Stored genotypes of the samples of active individuals, and their individuals.

        ``None`` when the catalogue keeps no sample genotypes.
        """
        if not all(x in self.samples.columns for x in self.loci):
            return None
        active = set(self.active()["individual"].astype(str))
        rows = self.samples[self.samples["individual"].astype(str).isin(active)].reset_index(
            drop=True
        )
        if not len(rows):
            return None
        where = str(Path(self.path) / "samples.tsv") if self.path else "samples.tsv"
        values = _parse_block(rows, self.loci, self.ploidy, where, rows["sample"].astype(str), None)
        table = GenotypeTable.from_alleles(
            values,
            self.loci,
            sample_ids=[
                f"{i}:{s}" for i, s in zip(rows["individual"], rows["sample"], strict=True)
            ],
            kinds=self.kinds,
        )
        return table, rows["individual"].astype(str).to_numpy()

    def record(
        self,
        batch: str,
        event: str,
        individual: str = "",
        other: str = "",
        sample: str = "",
        details: str = "",
    ) -> None:
        row = {
            "time": _now(),
            "batch": batch,
            "event": event,
            "individual": individual,
            "other": other,
            "sample": sample,
            "details": details,
        }
        self.record_many([row])

    def record_many(self, rows: list[dict[str, Any]] | pd.DataFrame) -> None:
        """Append events (dicts, or a frame, with the columns of ``events.tsv``;
        ``time`` defaults to now, other missing columns to empty)."""
        if not len(rows):
            return
        now = _now()
        if isinstance(rows, pd.DataFrame):
            frame = pd.DataFrame(
                {
                    c: rows[c].astype(str).to_numpy(dtype=object)
                    if c in rows.columns
                    else np.full(len(rows), now if c == "time" else "", dtype=object)
                    for c in _EVENT_COLUMNS
                },
                dtype=object,
            )
        else:
            frame = pd.DataFrame(
                [
                    {c: str(r.get(c, now if c == "time" else "")) for c in _EVENT_COLUMNS}
                    for r in rows
                ],
                dtype=object,
            )
        self.events = (
            frame if self.events.empty else pd.concat([self.events, frame], ignore_index=True)
        )


def check_id_pattern(pattern: str) -> None:
    """Refuse an id pattern without an ``{n}`` field.

    Examples
    --------
    >>> check_id_pattern("PTA-RU-{n:04d}")
    >>> check_id_pattern("PTA-RU")
    Traceback (most recent call last):
    ...
    genmon.exceptions.GenmonError: id pattern "PTA-RU" needs a field {n} for the running number, e.g. PTA-RU-{n:04d}
    """
    try:
        a = pattern.format(n=1)
        b = pattern.format(n=2)
    except (KeyError, IndexError, ValueError):
        a = b = ""
    if a == b:
        raise GenmonError(
            f'id pattern "{pattern}" needs a field {{n}} for the running number, e.g. PTA-RU-{{n:04d}}'
        )


def new_catalogue(
    table: GenotypeTable, id_pattern: str = "IND-{n:04d}", species: str | None = None
) -> Catalogue:
    """An empty catalogue for the panel of ``table``."""
    return Catalogue(
        loci=table.locus_id,
        kinds=[locus.kind for locus in table.loci],
        ploidy=table.ploidy,
        calibration=None
        if table.attrs.get("calibration") is None
        else str(table.attrs["calibration"]),
        species=species,
        id_pattern=id_pattern,
    )


def write_catalogue(cat: Catalogue, path: str | Path) -> None:
    """Write the catalogue directory (created if needed)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": "genmon-catalogue",
        "format_version": CATALOGUE_FORMAT,
        "species": cat.species,
        "id_pattern": cat.id_pattern,
        "next_number": cat.next_number,
        "panel": {
            "loci": cat.loci,
            "kinds": cat.kinds,
            "ploidy": cat.ploidy,
            "calibration": cat.calibration,
        },
        "created": cat.created,
        "updated": _now(),
        "batches": cat.batches,
    }
    (path / "catalogue.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    cols = _IND_COLUMNS + cat.loci
    ind = cat.individuals.reindex(columns=cols)
    ind.to_csv(path / "individuals.tsv", sep="\t", index=False, na_rep="")
    cat.samples.reindex(
        columns=_SAMPLE_COLUMNS + [x for x in cat.loci if x in cat.samples.columns]
    ).to_csv(path / "samples.tsv", sep="\t", index=False, na_rep="")
    cat.events.reindex(columns=_EVENT_COLUMNS).to_csv(
        path / "events.tsv", sep="\t", index=False, na_rep=""
    )


def read_catalogue(path: str | Path) -> Catalogue:
    """Read a catalogue directory written by :func:`write_catalogue`."""
    path = Path(path)
    meta_path = path / "catalogue.json"
    if not meta_path.exists():
        raise InputError(
            Problem(
                "no catalogue.json", "a catalogue directory written by genmon identify", str(path)
            )
        )
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(
            Problem(
                f"invalid JSON ({exc.msg})", "a genmon catalogue", str(meta_path), line=exc.lineno
            )
        ) from None
    if meta.get("format") != "genmon-catalogue" or meta.get("format_version") != CATALOGUE_FORMAT:
        raise InputError(
            Problem(
                f"format {meta.get('format')!r} version {meta.get('format_version')!r}",
                f"genmon-catalogue version {CATALOGUE_FORMAT}",
                str(meta_path),
            )
        )
    panel = meta["panel"]

    def tsv(name: str, cols: list[str]) -> pd.DataFrame:
        f = path / name
        if not f.exists():
            raise InputError(Problem(f"no {name}", "the catalogue's tables", str(path)))
        df = pd.read_csv(f, sep="\t", dtype=str, keep_default_na=False)
        lacking = [c for c in cols if c not in df.columns]
        if lacking:
            raise InputError(
                Problem(
                    f"no column(s) {', '.join(lacking)}", "the catalogue's columns", str(f), line=1
                )
            )
        return df

    ind = tsv("individuals.tsv", _IND_COLUMNS + panel["loci"])
    ind["_line"] = np.arange(len(ind)) + 2
    counts = pd.to_numeric(ind["n_samples"], errors="coerce")
    bad = counts.isna() | (counts < 0)
    if bad.any():
        raise InputError(
            [
                Problem(
                    f'n_samples "{ind["n_samples"][k]}"',
                    "a whole number >= 0",
                    str(path / "individuals.tsv"),
                    line=k + 2,
                    sample=str(ind["individual"][k]),
                )
                for k in np.nonzero(bad.to_numpy())[0]
            ]
        )
    ind["n_samples"] = counts.astype(int)
    return Catalogue(
        loci=list(panel["loci"]),
        kinds=list(panel["kinds"]),
        ploidy=int(panel.get("ploidy", 2)),
        calibration=panel.get("calibration"),
        species=meta.get("species"),
        id_pattern=meta["id_pattern"],
        next_number=int(meta["next_number"]),
        individuals=ind,
        samples=tsv("samples.tsv", _SAMPLE_COLUMNS),
        events=tsv("events.tsv", _EVENT_COLUMNS),
        batches=list(meta.get("batches", [])),
        created=meta.get("created", _now()),
        path=str(path),
    )


def _individual_row(cat: Catalogue, ident: str, role: str = "") -> int:
    """Index of ``ident`` in ``cat.individuals``, refusing unknown and merged ids."""
    ids = cat.individuals["individual"].astype(str)
    where = cat.path or "the catalogue"
    hit = cat.individuals.index[ids == ident]
    if not len(hit):
        raise GenmonError(f"no individual {ident} in {where}")
    k = hit[0]
    if str(cat.individuals.loc[k, "status"]) == "merged":
        raise GenmonError(
            f"{role}{ident} was merged into {cat.individuals.loc[k, 'merged_into']} and cannot be changed; "
            f"use {cat.individuals.loc[k, 'merged_into']}"
        )
    return k


def _check_reason(reason: str) -> str:
    if not str(reason).strip():
        raise GenmonError("a reason is required: merges and splits are recorded with why they were made")
    return str(reason).strip()


def _refresh_seen(cat: Catalogue, k: int) -> None:
    """First and last detection of individual row ``k`` from its samples' dates."""
    own = cat.samples["individual"].astype(str) == str(cat.individuals.loc[k, "individual"])
    dates = sorted(d for d in cat.samples.loc[own, "date"].astype(str) if d and d != "nan")
    if dates:
        cat.individuals.loc[k, "first_seen"] = dates[0]
        cat.individuals.loc[k, "last_seen"] = dates[-1]


def merge_individuals(
    cat: Catalogue, keep: str, drop: str, reason: str, batch: str = "manual"
) -> None:
    """Merge individual ``drop`` into ``keep``; recorded as a ``merge`` event.

    ``drop`` stays in the catalogue with status ``merged`` and ``merged_into``
    ``keep`` (ids are never reused); its samples move to ``keep``.  Refuses
    an empty reason, an individual merged into itself, and unknown or
    already merged ids (:class:`~genmon.exceptions.GenmonError`).
    """
    reason = _check_reason(reason)
    if keep == drop:
        raise GenmonError(f"cannot merge {keep} into itself")
    k = _individual_row(cat, keep, "the individual to keep, ")
    d = _individual_row(cat, drop, "the individual to merge, ")
    cat.individuals.loc[d, "status"] = "merged"
    cat.individuals.loc[d, "merged_into"] = keep
    cat.individuals.loc[k, "n_samples"] = int(cat.individuals.loc[k, "n_samples"]) + int(
        cat.individuals.loc[d, "n_samples"]
    )
    for col, fn in (("first_seen", min), ("last_seen", max)):
        vals = [
            v
            for v in (cat.individuals.loc[k, col], cat.individuals.loc[d, col])
            if isinstance(v, str) and v
        ]
        cat.individuals.loc[k, col] = fn(vals) if vals else ""
    cat.samples.loc[cat.samples["individual"] == drop, "individual"] = keep
    cat.record(batch, "merge", keep, drop, details=reason)


def split_individual(
    cat: Catalogue, individual: str, samples: list[str], reason: str, batch: str = "manual"
) -> str:
    """Move ``samples`` of ``individual`` to a new individual; recorded as a ``split`` event.

    The new individual starts with the old one's genotype; re-run matching to
    refine it.  First and last detection of both are taken from their
    samples' dates.  Refuses an empty reason or sample list, samples not
    assigned to ``individual``, moving all of its samples (that would leave
    it empty), and unknown or merged ids.  Returns the new id.
    """
    reason = _check_reason(reason)
    samples = list(dict.fromkeys(str(s) for s in samples))
    if not samples:
        raise GenmonError(f"no samples given to split off {individual}")
    k = _individual_row(cat, individual)
    own = cat.samples["individual"] == individual
    unknown = [s for s in samples if not ((cat.samples["sample"] == s) & own).any()]
    if unknown:
        raise GenmonError(f"samples not assigned to {individual}: {', '.join(unknown)}")
    if int(own.sum()) == len(samples):
        raise GenmonError(
            f"{individual} has no samples besides {', '.join(samples)}; a split leaves at least one "
            "sample with each individual"
        )
    new_id = cat.issue_id()
    row = cat.individuals.loc[k].copy()
    row["individual"] = new_id
    row["n_samples"] = len(samples)
    row = row.drop([c for c in ("_pk", "_line") if c in row.index])  # database id, file line of the old one
    cat.individuals = pd.concat([cat.individuals, pd.DataFrame([row])], ignore_index=True)
    k = cat.individuals.index[cat.individuals["individual"].astype(str) == individual][0]
    cat.individuals.loc[k, "n_samples"] = int(cat.individuals.loc[k, "n_samples"]) - len(samples)
    cat.samples.loc[own & cat.samples["sample"].isin(samples), "individual"] = new_id
    _refresh_seen(cat, k)
    _refresh_seen(cat, len(cat.individuals) - 1)
    cat.record(
        batch, "split", individual, new_id, details=f"{reason}; samples {', '.join(samples)}"
    )
    return new_id
