"""Candidate parents restricted by an identification catalogue's sex calls and detection dates.

Non-invasive monitoring rarely knows birth dates; what the catalogue of
``genmon identify`` knows is when each individual was first and last detected
(``first_seen``, ``last_seen``) and its consensus sex call.  Two rules, each
optional and each stated in days relative to the offspring's first detection
``o``, turn them into the allowed candidates of each offspring (Cervus's
per-offspring candidate lists; Hadfield et al. 2006 use the same kind of
information as priors):

* ``first_seen_gap = g``: the candidate's first detection is at least ``g`` days
  before ``o`` (``g = 0``: not after the offspring; ``g = 365``: already known a
  year before; a negative ``g`` tolerates a parent first found up to ``-g`` days
  after its offspring);
* ``alive_within = w``: the candidate's last detection is at most ``w`` days
  before ``o`` (a parent must have been alive near the birth; a candidate last
  seen long before may have died or emigrated).

Individuals are matched by id, so the genotype table must hold the catalogue's
individuals (``individuals.csv`` of ``genmon identify``).  An offspring or a
candidate that is not an active individual of the catalogue, or lacks a date a
requested rule needs, is an error naming it and the catalogue line.

References
----------
Hadfield JD, Richardson DS, Burke T (2006) Towards unbiased parentage
assignment: combining genetic, behavioural and spatial data in a Bayesian
framework. Molecular Ecology 15:3715-3730.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..exceptions import InputError, Problem
from ..identify.catalogue import Catalogue

__all__ = ["catalogue_candidates", "intersect_allowed"]


def _day(text: str) -> int | None:
    """Ordinal day of an ISO date (a time part, as sample sheets allow, is ignored)."""
    try:
        return _dt.datetime.fromisoformat(text.strip()).date().toordinal()
    except ValueError:
        return None


def catalogue_candidates(
    catalogue: Catalogue,
    offspring: Sequence[str],
    candidates: Sequence[str],
    first_seen_gap: float | None = None,
    alive_within: float | None = None,
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Allowed candidates of every offspring by the detection-date rules, and everyone's sex call.

    Parameters
    ----------
    catalogue
        An identification catalogue (:func:`genmon.identify.catalogue.read_catalogue`).
    offspring, candidates
        Ids of the offspring and of all candidate parents.
    first_seen_gap, alive_within
        The rules of the module docstring, in days (``None``: not applied).

    Returns
    -------
    allowed
        Offspring -> allowed candidate ids (every offspring is a key; the set may be empty).
    sexes
        Id -> the catalogue's sex call (``F``, ``M``, ``conflict`` or ``""``).

    Examples
    --------
    >>> import pandas as pd
    >>> cat = Catalogue(loci=["L1"], kinds=["STR"])
    >>> cat.individuals = pd.DataFrame({"individual": ["cub", "F1", "F2"], "status": "active",
    ...     "first_seen": ["2024-06-01", "2020-03-01", "2024-09-01"],
    ...     "last_seen": ["2024-08-01", "2024-05-20", "2025-01-01"], "sex": ["", "F", "F"]})
    >>> allowed, sexes = catalogue_candidates(cat, ["cub"], ["F1", "F2"], first_seen_gap=0)
    >>> sorted(allowed["cub"]), sexes["F2"]
    (['F1'], 'F')
    """
    ind = catalogue.individuals
    where = str(Path(catalogue.path) / "individuals.tsv") if catalogue.path else "the catalogue"
    lines = ind["_line"].tolist() if "_line" in ind.columns else [None] * len(ind)
    rows = {str(r["individual"]): (r, line) for r, line in zip(ind.to_dict("records"), lines, strict=True)}
    needs_first = first_seen_gap is not None
    needs_last = alive_within is not None
    problems: list[Problem] = []
    first: dict[str, int | None] = {}
    last: dict[str, int | None] = {}
    sexes: dict[str, str] = {}
    wanted = list(dict.fromkeys([*map(str, offspring), *map(str, candidates)]))
    off_set = {str(o) for o in offspring}
    for ident in wanted:
        if ident not in rows:
            problems.append(Problem(found=f'individual "{ident}" not in the catalogue',
                                    expected="the catalogue's individuals (genotypes from genmon identify)",
                                    file=where, sample=ident))
            continue
        row, line = rows[ident]
        if str(row.get("status", "active")) != "active":
            problems.append(Problem(found=f'individual "{ident}" {row.get("status")} into '
                                          f'"{row.get("merged_into", "")}"',
                                    expected="an active individual", file=where, line=line, sample=ident))
            continue
        sexes[ident] = str(row.get("sex", "") or "").strip().upper()
        if sexes[ident] == "CONFLICT":
            sexes[ident] = "conflict"
        for col, store, needed in (("first_seen", first, needs_first or ident in off_set),
                                   ("last_seen", last, needs_last and ident not in off_set)):
            text = str(row.get(col, "") or "")
            store[ident] = _day(text) if text else None
            if needed and (needs_first or needs_last) and store[ident] is None:
                found = f'{col} "{text}"' if text else f"no {col}"
                problems.append(Problem(found=found, expected="an ISO date (YYYY-MM-DD) for the date rules",
                                        file=where, line=line, sample=ident))
    if problems:
        raise InputError(problems)
    cands = [str(c) for c in candidates]
    allowed: dict[str, set[str]] = {}
    if needs_first or needs_last:
        c_first = np.array([first[c] for c in cands], dtype=float)
        c_last = np.array([last[c] if last[c] is not None else np.nan for c in cands], dtype=float)
    for o in map(str, offspring):
        keep = np.ones(len(cands), dtype=bool)
        if needs_first or needs_last:
            o_first = float(first[o])
            if needs_first:
                keep &= c_first <= o_first - first_seen_gap
            if needs_last:
                keep &= c_last >= o_first - alive_within
        allowed[o] = {c for c, k in zip(cands, keep, strict=True) if k}
    return allowed, sexes


def intersect_allowed(*tables: Mapping[str, set[str]] | None) -> dict[str, set[str]] | None:
    """Offspring -> candidates allowed by every table (an offspring absent from a table is unrestricted by it)."""
    given = [t for t in tables if t is not None]
    if not given:
        return None
    out: dict[str, set[str]] = {}
    for table in given:
        for off, cands in table.items():
            out[off] = set(cands) if off not in out else out[off] & set(cands)
    return out
