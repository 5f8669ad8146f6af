"""Merging another lab's catalogue: a reviewed merge report, then one transaction.

``genmon db import-catalogue`` (:func:`plan_merge`, :func:`write_merge_report`)
verifies an exchange package (:mod:`genmon.db.exchange`), brings the foreign
allele sizes onto the local lab's (:func:`resolve_translation`), matches each
foreign individual against the local catalogue with the identification engine
(:func:`genmon.identify.identify_individuals`, likelihood or mismatch method)
and writes a merge report.  It changes nothing in the database.

Each foreign individual gets one relation:

``same-individual``
    matches exactly one local individual, with no contradiction: on apply,
    the local id keeps and the foreign id becomes a cross-reference.
``new``
    matches no local individual: on apply it becomes a local individual with
    an id from the local pattern, its foreign id a cross-reference.
``alias``
    merged into another foreign individual in the exporting catalogue: on
    apply it follows that individual (a merged local record pointing to it).
``conflict``
    anything a person must decide: sexes differ, two local candidates, two
    foreign individuals on one local one, the engine joins two foreign
    individuals the exporting lab keeps apart, a posterior below the
    threshold, or too few loci typed.  Never applied.

``genmon db apply-merge`` (:func:`apply_merge`) applies the accepted rows of a
reviewed report in one transaction, recording every action as a catalogue
event with the run's id.  It refuses a report that was edited, or whose
local catalogue changed since (other than by applying this same package);
applying a report again does nothing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ..exceptions import GenmonError, InputError, Problem
from ..identify.catalogue import Catalogue, check_id_pattern, format_genotype
from ..identify.core import identify_individuals
from ..identify.mismatch import common_calls, mismatch_pairs
from ..labqc.calibration import Translation, apply_calibration, write_translation
from ..model import GenotypeTable
from .catalogue_store import DEFAULT_CATALOGUE, load_catalogue, save_catalogue
from .exchange import Package, lab_calibration, package_genotypes, read_package
from .records import insert_ignore, json_text, record_run
from .schema import catalogues, individual_genotypes, individual_xrefs, individuals, labs, runs

__all__ = ["REPORT_COLUMNS", "MergePlan", "plan_merge", "write_merge_report", "apply_merge", "resolve_translation"]

REPORT_COLUMNS = ["foreign_id", "local_id", "relation", "mismatches", "n_loci_compared", "posterior",
                  "sex_foreign", "sex_local", "notes"]
RELATIONS = ("same-individual", "new", "alias", "conflict")
REPORT_FORMAT = "genmon-merge-report"
_APPLY_KIND = "apply-merge"


@dataclass
class MergePlan:
    """What :func:`plan_merge` found; :func:`write_merge_report` writes it."""

    package: Package
    rows: pd.DataFrame
    catalogue: str
    context: dict[str, Any]
    translation: Translation | None = None
    summary: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- calibration
def _compose(package_cal: Translation, local_cal: Translation, foreign: str, local: str) -> Translation:
    # Both tables translate into the same reference lab's sizes:
    # ref = foreign - off_f and ref = local - off_l, so local = foreign - (off_f - off_l).
    off_f, off_l = package_cal.offsets(), local_cal.offsets()
    fits_f = dict(zip(package_cal.table["locus"], package_cal.table["fits"], strict=True))
    fits_l = dict(zip(local_cal.table["locus"], local_cal.table["fits"], strict=True))
    rows = [{"locus": x, "offset_bp": off_f[x] - off_l[x], "n_alleles_compared": 0,
             "fits": bool(fits_f[x]) and bool(fits_l[x]),
             "note": f"{foreign}->{package_cal.lab_a} {off_f[x]:g} bp minus {local}->{local_cal.lab_a} {off_l[x]:g} bp"}
            for x in off_f if x in off_l]
    table = pd.DataFrame(rows, columns=list(package_cal.table.columns))
    return Translation(local, foreign, table, source=f"{package_cal.source} composed with {local_cal.source}")


def resolve_translation(pkg: Package, given: Translation | None, stored: dict[str, Translation | None],
                        local_lab: str | None, local_tag: str | None) -> tuple[Translation | None, str]:
    """The translation from the package's allele sizes into the local catalogue's, and a sentence saying which.

    ``stored`` holds the local database's latest calibration of the package's
    lab (``"foreign"``: that lab's sizes into this database's, stored when
    one of its batches was imported with ``--calibration``) and of the local
    lab (``"local"``).  In order of preference:

    1. a table given by the user (lab B = the package's lab);
    2. the stored calibration of the package's lab;
    3. the package's own table when it translates into the local lab's sizes;
    4. the package's table composed with the local lab's when both translate
       into the same reference lab's sizes;
    5. none, when both catalogues declare the same calibration tag.

    Anything else is refused: matching across an unknown size offset misses
    individuals.
    """
    foreign = str(pkg.lab.get("code"))
    pcal, fcal, lcal = pkg.calibration, stored.get("foreign"), stored.get("local")
    if given is not None:
        if given.lab_b != foreign:
            hint = " (the other direction)" if given.lab_a == foreign else ""
            raise GenmonError(
                f"{given.source}: the table translates {given.lab_b}'s sizes into {given.lab_a}'s{hint}; the package "
                f"is from {foreign}, so importing needs {foreign}'s sizes translated into the local lab's "
                f"(genmon calibrate LOCAL {foreign}: lab_b = {foreign})"
            )
        return given, f"translation table {given.source} ({given.lab_b} -> {given.lab_a})"
    if fcal is not None:
        return fcal, f"the stored calibration of {foreign} ({fcal.source}: {fcal.lab_b} -> {fcal.lab_a})"
    if pcal is not None and local_lab is not None and pcal.lab_a == local_lab:
        return pcal, f"the package's calibration ({foreign} -> {local_lab})"
    if pcal is not None and lcal is not None and pcal.lab_a == lcal.lab_a:
        tr = _compose(pcal, lcal, foreign, lcal.lab_b)
        return tr, (f"the package's calibration ({foreign} -> {pcal.lab_a}) composed with the local lab's "
                    f"({lcal.lab_b} -> {lcal.lab_a})")
    ptag = pkg.manifest["calibration"].get("tag")
    if ptag == local_tag:
        if ptag is None:
            return None, ("no calibration applied: neither catalogue declares one (give --calibration if the labs "
                          "size alleles differently)")
        return None, f'no calibration applied: both catalogues use allele calibration "{ptag}"'
    have = f"the package carries a table {pcal.lab_b} -> {pcal.lab_a}" if pcal is not None else "the package carries no table"
    raise GenmonError(
        f'{pkg.path}: the package\'s alleles are sized on calibration "{ptag}" and the local catalogue\'s on '
        f'"{local_tag}"; {have} and the database stores no calibration of {foreign}. Give --calibration TABLE '
        f"translating {foreign}'s sizes into the local lab's (genmon calibrate on shared reference samples)"
    )


# --------------------------------------------------------------------------- state checks
def _apply_runs(conn: Connection, package_sha: str) -> set[int]:
    out = set()
    for run_id, params in conn.execute(select(runs.c.id, runs.c.parameters).where(runs.c.kind == _APPLY_KIND)):
        if json.loads(params).get("package_sha256") == package_sha:
            out.add(int(run_id))
    return out


def catalogue_fingerprint(conn: Connection, name: str, package_sha: str) -> str:
    """SHA-256 of the catalogue's individuals (ids, status, sex) and genotypes, leaving out those this package added.

    A report is applied only while this is unchanged, so that nothing the
    local lab identified after the report was written can duplicate a
    foreign individual the report calls new.
    """
    meta = conn.execute(select(catalogues.c.id).where(catalogues.c.name == name)).first()
    if meta is None:
        return "no catalogue"
    own = _apply_runs(conn, package_sha)
    rows = conn.execute(
        select(individuals.c.id, individuals.c.individual_id, individuals.c.status, individuals.c.merged_into,
               individuals.c.sex, individuals.c.created_run_id).where(individuals.c.catalogue_id == meta.id)
    ).all()
    keep = {r.id: (r.individual_id, r.status, r.merged_into, r.sex) for r in rows if r.created_run_id not in own}
    geno: dict[int, list] = {}
    for pk, locus, a1, a2 in conn.execute(
        select(individual_genotypes.c.individual_pk, individual_genotypes.c.locus, individual_genotypes.c.allele_1,
               individual_genotypes.c.allele_2)
        .join(individuals, individuals.c.id == individual_genotypes.c.individual_pk)
        .where(individuals.c.catalogue_id == meta.id)
    ):
        if pk in keep:
            geno.setdefault(pk, []).append((locus, a1, a2))
    state = sorted([*keep[pk], sorted(geno.get(pk, []))] for pk in keep)
    return hashlib.sha256(json_text(state).encode()).hexdigest()


def _linked(conn: Connection, scheme: str) -> dict[str, tuple[str, str]]:
    """Foreign id -> (catalogue name, local individual id) of the xrefs already in ``scheme``."""
    stmt = (select(individual_xrefs.c.value, catalogues.c.name, individuals.c.individual_id)
            .join(individuals, individuals.c.id == individual_xrefs.c.individual_pk)
            .join(catalogues, catalogues.c.id == individuals.c.catalogue_id)
            .where(individual_xrefs.c.scheme == scheme))
    return {v: (c, i) for v, c, i in conn.execute(stmt)}


def _check_panel(pkg: Package, cat: Catalogue | None, name: str) -> None:
    panel = pkg.panel
    if cat is None:
        return
    have, want = list(panel["loci"]), list(cat.loci)
    where = f"{pkg.path}:manifest.json"
    if set(have) != set(want):
        missing = [x for x in want if x not in have]
        extra = [x for x in have if x not in want]
        parts = ([f"lacking {', '.join(missing)}"] if missing else []) + (
            [f"with loci the local panel lacks: {', '.join(extra)}"] if extra else [])
        raise InputError(Problem(
            f"the panel {', '.join(have)} ({'; '.join(parts)})",
            f'the panel of the local catalogue "{name}" ({", ".join(want)}); catalogues can only be merged on the '
            "same panel", where))
    kinds = dict(zip(have, panel["kinds"], strict=True))
    for locus, kind in zip(want, cat.kinds, strict=True):
        if kinds[locus] != kind:
            raise InputError(Problem(f"locus {locus} of kind {kinds[locus]}",
                                     f'kind {kind} as in the local catalogue "{name}"', where, locus=locus))


# --------------------------------------------------------------------------- planning
def foreign_table(pkg: Package, loci: list[str], translation: Translation | None, tag: str | None) -> GenotypeTable:
    """The package's active individuals as a table in ``loci`` order, sizes translated; ids as sample ids."""
    ids, values = package_genotypes(pkg)
    info = {r["individual"]: r for r in pkg.tables["individuals.tsv"]}
    sex = [info[i]["sex"] or None for i in ids]
    table = GenotypeTable.from_alleles(values, pkg.panel["loci"], samples=pd.DataFrame({"sample_id": ids, "sex": sex}),
                                       kinds=pkg.panel["kinds"]).subset(loci=loci)
    if translation is not None:
        table = apply_calibration(table, translation)
    table.attrs["calibration"] = tag
    return table


def _pair_scores(foreign: GenotypeTable, local: GenotypeTable, pairs: list[tuple[int, int]]):
    if not pairs:
        return {}
    ca, cb = common_calls(foreign, local)
    i = np.array([p[0] for p in pairs], dtype=np.int64)
    j = np.array([p[1] for p in pairs], dtype=np.int64)
    res = mismatch_pairs(ca, cb, i, j)
    return {p: (float(m), int(n)) for p, m, n in zip(pairs, res.mismatches, res.n_compared, strict=True)}


def _sex(value: Any) -> str:
    return value if isinstance(value, str) else ""


def plan_merge(
    conn: Connection,
    package: str | Path | Package,
    *,
    catalogue: str = DEFAULT_CATALOGUE,
    lab: str | None = None,
    calibration: Translation | None = None,
    id_pattern: str | None = None,
    method: str = "likelihood",
    allele_mismatch: float | str = "auto",
    min_loci: int | None = None,
    min_posterior: float = 0.95,
) -> MergePlan:
    """Match a package's individuals against the local catalogue; reads only.

    Parameters
    ----------
    conn
        An open connection; nothing is written.
    package
        The package file (verified here) or a :class:`Package` already read.
    catalogue
        The local catalogue; when the database has none of that name, every
        foreign individual is new and ``id_pattern`` must say how to number them.
    lab
        The local lab's code, whose stored calibration is used (default: the
        database's only lab).
    calibration
        A translation from the package lab's sizes into the local lab's
        (overrides the stored calibrations).
    method, allele_mismatch, min_loci, min_posterior
        The identification engine's settings (see
        :func:`~genmon.identify.identify_individuals`).
    """
    pkg = package if isinstance(package, Package) else read_package(package)
    cat = load_catalogue(conn, catalogue)
    _check_panel(pkg, cat, catalogue)
    if cat is None:
        if id_pattern is None:
            raise GenmonError(f'the database holds no catalogue "{catalogue}": give --id-pattern for the local ids of '
                              "the imported individuals, e.g. PPO-RU-{n:04d}")
        check_id_pattern(id_pattern)
    if lab is None:
        codes = sorted(conn.execute(select(labs.c.code)).scalars())
        lab = codes[0] if len(codes) == 1 and codes[0] != pkg.lab.get("code") else None
    stored = {}
    for key, code in (("foreign", pkg.lab.get("code")), ("local", lab)):
        found = lab_calibration(conn, code) if code is not None else None
        stored[key] = found[0] if found is not None else None
    local_tag = cat.calibration if cat is not None else pkg.manifest["calibration"].get("tag")
    translation, cal_note = resolve_translation(pkg, calibration, stored, lab, local_tag)
    loci = list(cat.loci) if cat is not None else list(pkg.panel["loci"])
    table = foreign_table(pkg, loci, translation, local_tag)
    ind_rows = {r["individual"]: r for r in pkg.tables["individuals.tsv"]}
    ids = list(table.sample_id)
    active = np.array([ind_rows[i]["status"] == "active" for i in ids])
    scheme = pkg.scheme
    linked = {f: loc for f, (c, loc) in _linked(conn, scheme).items() if c == catalogue}
    rows: dict[str, dict[str, Any]] = {}
    local = cat.genotypes() if cat is not None and len(cat.active()) else None
    params: dict[str, Any] = {"method": method, "allele_mismatch": allele_mismatch, "min_loci": min_loci,
                              "min_posterior": min_posterior}
    if local is None or not active.any():
        for i in np.nonzero(active)[0]:
            rows[ids[i]] = {"relation": "new", "notes": "the local catalogue is empty" if cat is not None
                            else f'no local catalogue "{catalogue}" yet'}
    else:
        sub = table.subset(samples=np.nonzero(active)[0])
        # The likelihood method uses the mismatch setting only to list near
        # misses, which the merge report does not use: 0 and no margin keep
        # those scans to exact matches, the bulk of the time otherwise.
        setting = 0.0 if method == "likelihood" else _mismatch_setting(cat, allele_mismatch)
        result = identify_individuals(sub, catalogue=copy.deepcopy(cat), method=method, allele_mismatch=setting,
                                      min_loci=min_loci, min_posterior=min_posterior, batch=f"exchange {scheme}",
                                      max_profile=0, near_miss_margin=0.0)
        params["min_loci"] = result.parameters["min_loci"]
        params["allele_mismatch"] = setting if method == "mismatch" else "not used by the likelihood method"
        _relations(rows, result.assignments, set(local.sample_id), method)
    local_sex = {} if cat is None else dict(zip(cat.individuals["individual"].astype(str), cat.individuals["sex"],
                                                strict=True))
    local_index = {} if local is None else {x: k for k, x in enumerate(local.sample_id)}
    row_of = {x: k for k, x in enumerate(ids)}
    for fid, rec in rows.items():
        rec["sex_foreign"] = ind_rows[fid]["sex"]
        cand = rec.get("local_id") or ""
        if rec["relation"] == "same-individual":
            fs, ls = rec["sex_foreign"], _sex(local_sex.get(cand))
            rec["sex_local"] = ls
            if fs in ("F", "M") and ls in ("F", "M") and fs != ls:
                rec["relation"] = "conflict"
                rec["notes"] = _join(rec.get("notes"), f"sex differs: foreign {fs}, local {ls}")
        linked_to = linked.get(fid)
        if linked_to is not None:
            if rec["relation"] == "same-individual" and cand == linked_to:
                rec["notes"] = _join(rec.get("notes"), f"already linked ({scheme} {fid})")
            elif rec["relation"] != "conflict" or cand != linked_to:
                rec.update(relation="conflict", local_id=";".join(dict.fromkeys([linked_to] + ([cand] if cand else []))))
                rec["notes"] = _join(rec.get("notes"), f"already linked to {linked_to}, but the matching disagrees")
    _two_on_one(rows)
    pairs = [(row_of[f], local_index[r["local_id"]]) for f, r in rows.items() if r.get("local_id") in local_index]
    scores = _pair_scores(table, local, pairs) if local is not None else {}
    for f, r in rows.items():
        s = scores.get((row_of[f], local_index.get(r.get("local_id"), -1)))
        if s is not None:
            r["mismatches"], r["n_loci_compared"] = s
    for i in np.nonzero(~active)[0]:
        fid = ids[i]
        target = ind_rows[fid]["merged_into"]
        rows[fid] = {"relation": "alias", "sex_foreign": ind_rows[fid]["sex"],
                     "local_id": rows.get(target, {}).get("local_id", "") if rows.get(target, {}).get(
                         "relation") == "same-individual" else "",
                     "notes": f"merged into {target} in the exporting catalogue; follows {target} on apply"}
        if fid in linked:
            rows[fid]["notes"] = _join(rows[fid]["notes"], f"already linked ({scheme} {fid})")
    report = pd.DataFrame([{"foreign_id": f, **r} for f, r in sorted(rows.items())], columns=REPORT_COLUMNS)
    context = {
        "catalogue": catalogue, "catalogue_exists": cat is not None, "local_lab": lab, "scheme": scheme,
        "id_pattern": cat.id_pattern if cat is not None else id_pattern,
        "calibration_tag": local_tag, "calibration": cal_note,
        "translation": None if translation is None else {"lab_a": translation.lab_a, "lab_b": translation.lab_b,
                                                         "offsets": translation.offsets()},
        "fingerprint": catalogue_fingerprint(conn, catalogue, pkg.sha256), "matching": params,
    }
    counts: dict[str, Any] = {rel: int((report["relation"] == rel).sum()) for rel in RELATIONS}
    same = [(row_of[f], local_index[r["local_id"]]) for f, r in rows.items()
            if r["relation"] == "same-individual" and r.get("local_id") in local_index]
    counts["warnings"] = _offset_warnings(table, local, same) if local is not None else []
    return MergePlan(pkg, report, catalogue, context, translation, counts)


def _offset_warnings(foreign: GenotypeTable, local: GenotypeTable, pairs: list[tuple[int, int]],
                     min_pairs: int = 5) -> list[str]:
    """Loci where most matched pairs disagree: the sign of a size offset the calibration missed.

    The likelihood method absorbs one wrong locus as genotyping error, so an
    uncalibrated offset at a single locus still matches; the report says so.
    """
    if len(pairs) < min_pairs:
        return []
    fa = np.sort(foreign.allele_values()[[p[0] for p in pairs]], axis=2)
    la = np.sort(local.allele_values()[[p[1] for p in pairs]], axis=2)
    complete = (fa >= 0).all(axis=2) & (la >= 0).all(axis=2)
    differ = (fa != la).any(axis=2) & complete
    out = []
    for j, locus in enumerate(foreign.locus_id):
        n = int(complete[:, j].sum())
        if n >= min_pairs and differ[:, j].sum() * 2 >= n:
            out.append(f"locus {locus}: {int(differ[:, j].sum())} of {n} matched pairs disagree; a size offset "
                       "between the labs? (give --calibration)")
    return out


def _mismatch_setting(cat: Catalogue, requested: float | str) -> float:
    """``auto``: the local catalogue's last setting, else identify's default without a profile.

    allelematch's profile scan chooses a setting from a batch's samples; a
    catalogue of distinct individuals is no such batch (and the scan is the
    slowest part of matching), so it is not run here.
    """
    if requested != "auto":
        return float(requested)
    previous = [b["allele_mismatch"] for b in cat.batches if b.get("allele_mismatch") is not None]
    return float(previous[-1]) if previous else float(math.floor(0.15 * 2 * len(cat.loci)))


def _join(*parts: Any) -> str:
    return "; ".join(str(p) for p in parts if p)


def _relations(rows: dict, assign: pd.DataFrame, local_ids: set[str], method: str) -> None:
    """Relations from the engine's assignments of the foreign individuals."""
    for a in assign.to_dict("records"):
        fid, ind, status = str(a["sample"]), a["individual"], a["status"]
        post = a.get("posterior")
        rec: dict[str, Any] = {"posterior": "" if method != "likelihood" or post is None else post}
        runner = a.get("runner_up")
        if status == "recapture":
            rec.update(relation="same-individual", local_id=ind)
        elif status == "new":
            rec.update(relation="new", notes=f"nearest local individual {runner}" if runner in local_ids else "")
        elif status == "ambiguous":
            cands = [x for x in dict.fromkeys([ind, runner]) if x in local_ids]
            rec.update(relation="conflict", local_id=";".join(cands), notes=a.get("reason") or "ambiguous match")
        else:
            rec.update(relation="conflict", notes=f"cannot be matched: {a.get('reason')}")
        rec["_cluster"] = ind
        rows[fid] = rec
    # The engine joined foreign individuals that the exporting lab keeps apart.
    by_cluster: dict[Any, list[str]] = {}
    for fid, rec in rows.items():
        if rec["relation"] == "new" and rec["_cluster"] is not None:
            by_cluster.setdefault(rec["_cluster"], []).append(fid)
    for members in by_cluster.values():
        if len(members) > 1:
            for fid in members:
                others = ", ".join(m for m in members if m != fid)
                rows[fid]["relation"] = "conflict"
                rows[fid]["notes"] = _join(rows[fid].get("notes"), f"the matching joins it with foreign {others}, "
                                           "which the exporting catalogue keeps apart")
    for rec in rows.values():
        rec.pop("_cluster", None)


def _two_on_one(rows: dict) -> None:
    """Two foreign individuals on one local individual: both are conflicts."""
    on: dict[str, list[str]] = {}
    for fid, rec in rows.items():
        if rec["relation"] == "same-individual":
            on.setdefault(rec["local_id"], []).append(fid)
    for local_id, members in on.items():
        if len(members) > 1:
            for fid in members:
                rows[fid]["relation"] = "conflict"
                rows[fid]["notes"] = _join(rows[fid].get("notes"), f"foreign {', '.join(members)} all match {local_id}")


# --------------------------------------------------------------------------- report files
def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def write_merge_report(plan: MergePlan, out_dir: str | Path, provenance: dict[str, Any]) -> Path:
    """Write ``merge_report.tsv``, ``summary.txt``, ``report.json``, a copy of the package and the calibration used."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(REPORT_COLUMNS)] + [
        "\t".join(_fmt(r[c]) for c in REPORT_COLUMNS) for r in plan.rows.to_dict("records")]
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    (out / "merge_report.tsv").write_bytes(tsv)
    shutil.copyfile(plan.package.path, out / "package.zip")
    if plan.translation is not None:
        write_translation(plan.translation, out / "calibration_applied.tsv")
    m = plan.package.manifest
    meta = {
        "format": REPORT_FORMAT, "format_version": 1,
        "package": {"path": plan.package.path, "sha256": plan.package.sha256, "lab": m["lab"],
                    "catalogue": m["catalogue"], "exported_by": m.get("genmon_version")},
        "merge_report_sha256": hashlib.sha256(tsv).hexdigest(),
        "summary": plan.summary,
        **plan.context,
        "provenance": provenance,
    }
    (out / "report.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    s = plan.summary
    text = [
        f"package\t{plan.package.path} (SHA-256 {plan.package.sha256})",
        f"from\t{m['lab'].get('code')} ({m['lab'].get('country') or 'country not given'}), catalogue "
        f"{m['catalogue'].get('name')}, {len(plan.package.tables['individuals.tsv'])} individuals",
        f"into\tcatalogue {plan.catalogue}" + ("" if plan.context["catalogue_exists"] else " (created on apply)"),
        f"calibration\t{plan.context['calibration']}",
        f"matching\t{json_text(plan.context['matching'])}",
        *(f"{rel}\t{s[rel]}" for rel in RELATIONS),
        *(f"warning\t{w}" for w in s["warnings"]),
        "next\treview merge_report.tsv, then: genmon db apply-merge " + str(out) + " --accept all (or --accept ID,ID)",
    ]
    (out / "summary.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    return out / "merge_report.tsv"


def _read_report(report_dir: Path) -> tuple[dict[str, Any], list[dict[str, str]], Package]:
    meta_path = report_dir / "report.json"
    if not meta_path.exists():
        raise InputError(Problem("no report.json", "a folder written by genmon db import-catalogue", str(report_dir)))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != REPORT_FORMAT:
        raise InputError(Problem(f"format {meta.get('format')!r}", repr(REPORT_FORMAT), str(meta_path)))
    tsv_path = report_dir / "merge_report.tsv"
    data = tsv_path.read_bytes() if tsv_path.exists() else b""
    if hashlib.sha256(data).hexdigest() != meta["merge_report_sha256"]:
        raise InputError(Problem("a file changed since import-catalogue wrote it",
                                 "the report as written; choose what to apply with --accept instead of editing it, "
                                 "or run import-catalogue again", str(tsv_path)))
    pkg = read_package(report_dir / "package.zip")
    if pkg.sha256 != meta["package"]["sha256"]:
        raise InputError(Problem(f"package SHA-256 {pkg.sha256}", meta["package"]["sha256"],
                                 str(report_dir / "package.zip")))
    lines = data.decode("utf-8").rstrip("\n").split("\n")
    rows = [dict(zip(REPORT_COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]
    return meta, rows, pkg


# --------------------------------------------------------------------------- applying
@dataclass
class ApplyResult:
    run_id: int | None
    actions: pd.DataFrame

    def message(self) -> str:
        if self.run_id is None:
            return ("nothing to apply: every accepted foreign individual is already linked (or a conflict, or merged "
                    "into one that stays foreign)")
        counts = self.actions["action"].value_counts()
        parts = [f"{counts.get(a, 0)} {a}" for a in ("added", "cross-referenced", "alias added", "skipped")]
        return f"applied in run {self.run_id}: " + ", ".join(parts)


def _accepted(rows: list[dict[str, str]], accept: str | list[str]) -> list[dict[str, str]]:
    if accept == "all":
        return [r for r in rows if r["relation"] != "conflict"]
    by_id = {r["foreign_id"]: r for r in rows}
    unknown = [a for a in accept if a not in by_id]
    if unknown:
        raise GenmonError(f"--accept: {', '.join(unknown)} not in the merge report")
    bad = [a for a in accept if by_id[a]["relation"] == "conflict"]
    if bad:
        raise GenmonError(f"--accept: {', '.join(bad)} are conflicts; a conflict is resolved by hand, not accepted")
    return [by_id[a] for a in dict.fromkeys(accept)]


def _new_catalogue(meta: dict[str, Any], pkg: Package) -> Catalogue:
    return Catalogue(loci=list(pkg.panel["loci"]), kinds=list(pkg.panel["kinds"]), ploidy=2,
                     calibration=meta["calibration_tag"], species=pkg.manifest["catalogue"].get("species"),
                     id_pattern=meta["id_pattern"])


def _translation(meta: dict[str, Any]) -> Translation | None:
    t = meta.get("translation")
    if t is None:
        return None
    table = pd.DataFrame({"locus": list(t["offsets"]), "offset_bp": [float(v) for v in t["offsets"].values()],
                          "n_alleles_compared": 0, "fits": True, "note": ""})
    return Translation(t["lab_a"], t["lab_b"], table, source="report.json")


def apply_merge(engine: Engine, report_dir: str | Path, accept: str | list[str],
                provenance: dict[str, Any]) -> ApplyResult:
    """Apply the accepted rows of a reviewed merge report in one transaction.

    ``accept`` is ``"all"`` (every row but the conflicts) or a list of
    foreign ids.  Foreign ids already linked in the package lab's scheme are
    skipped, so applying a report twice does nothing the second time.
    """
    from .engine import write_transaction

    report_dir = Path(report_dir)
    meta, rows, pkg = _read_report(report_dir)
    chosen = _accepted(rows, accept)
    name, scheme = meta["catalogue"], meta["scheme"]
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(catalogues.c.id).where(catalogues.c.name == name).with_for_update())
        linked = _linked(conn, scheme)
        todo, skipped = _todo(chosen, linked, pkg, name)
        if not todo:
            return ApplyResult(None, pd.DataFrame(skipped, columns=["foreign_id", "local_id", "action", "notes"]))
        if catalogue_fingerprint(conn, name, pkg.sha256) != meta["fingerprint"]:
            raise GenmonError(f'the local catalogue "{name}" changed since the merge report was written; run '
                              "genmon db import-catalogue again and review the new report")
        provenance = dict(provenance)
        provenance["parameters"] = {**provenance.get("parameters", {}), "package_sha256": pkg.sha256,
                                    "merge_report_sha256": meta["merge_report_sha256"], "catalogue": name}
        run_id = record_run(conn, _APPLY_KIND, provenance)
        cat = load_catalogue(conn, name) or _new_catalogue(meta, pkg)
        actions = _add_individuals(cat, todo, pkg, meta, linked)
        save_catalogue(conn, cat, run_id, name)
        _write_xrefs(conn, cat, name, actions, pkg, scheme)
    frame = pd.DataFrame(actions + skipped, columns=["foreign_id", "local_id", "action", "notes"])
    lines = ["\t".join(frame.columns)] + ["\t".join(map(_fmt, r)) for r in frame.itertuples(index=False)]
    (report_dir / f"applied_run{run_id}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ApplyResult(run_id, frame)


def _todo(chosen: list[dict[str, str]], linked: dict[str, tuple[str, str]], pkg: Package, name: str):
    """The accepted rows not yet applied, and the aliases that cannot be (their target stays foreign)."""
    todo = [r for r in chosen if r["foreign_id"] not in linked]
    targets = {f for f, (c, _) in linked.items() if c == name} | {r["foreign_id"] for r in todo
                                                                   if r["relation"] != "alias"}
    merged_into = {r["individual"]: r["merged_into"] for r in pkg.tables["individuals.tsv"]}
    skipped = [{"foreign_id": r["foreign_id"], "local_id": "", "action": "skipped",
                "notes": f"{merged_into[r['foreign_id']]}, which it was merged into, is not in the local catalogue"}
               for r in todo if r["relation"] == "alias" and merged_into[r["foreign_id"]] not in targets]
    gone = {s["foreign_id"] for s in skipped}
    return [r for r in todo if r["foreign_id"] not in gone], skipped


def _add_individuals(cat: Catalogue, todo: list[dict[str, str]], pkg: Package, meta: dict[str, Any],
                     linked: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    """Add the new and alias individuals to ``cat`` (with events); return one action per foreign id."""
    scheme = meta["scheme"]
    info = {r["individual"]: r for r in pkg.tables["individuals.tsv"]}
    table = foreign_table(pkg, list(cat.loci), _translation(meta), cat.calibration)
    values = table.allele_values()
    row_of = {x: k for k, x in enumerate(table.sample_id)}
    batch = f"exchange {scheme}"
    source = f"{scheme} package {pkg.sha256[:12]}"
    local_of = {f: loc for f, (c, loc) in linked.items() if c == meta["catalogue"]}
    actions: list[dict[str, Any]] = []
    new_rows, events = [], []
    for r in sorted(todo, key=lambda r: (r["relation"] == "alias", r["foreign_id"])):
        fid = r["foreign_id"]
        if r["relation"] == "same-individual":
            local_of[fid] = r["local_id"]
            actions.append({"foreign_id": fid, "local_id": r["local_id"], "action": "cross-referenced", "notes": ""})
            events.append({"batch": batch, "event": "cross_reference", "individual": r["local_id"], "other": fid,
                           "details": f"same individual as {scheme} {fid} ({source}, reviewed merge report)"})
            continue
        merged_into = local_of[info[fid]["merged_into"]] if r["relation"] == "alias" else ""
        (local_id,) = cat.issue_ids(1)
        local_of[fid] = local_id
        f = info[fid]
        row = {"individual": local_id, "status": "merged" if merged_into else "active", "merged_into": merged_into,
               "n_samples": int(f["n_samples"]), "first_seen": f["first_seen"], "last_seen": f["last_seen"],
               "sex": f["sex"], "species": f["species"]}
        row.update({locus: format_genotype(values[row_of[fid], j]) for j, locus in enumerate(cat.loci)})
        new_rows.append(row)
        what = "alias added" if merged_into else "added"
        actions.append({"foreign_id": fid, "local_id": local_id, "action": what,
                        "notes": f"merged into {merged_into}" if merged_into else ""})
        events.append({"batch": batch, "event": "import_alias" if merged_into else "import_new", "individual": local_id,
                       "other": fid, "details": f"{scheme} {fid} ({source}, reviewed merge report)"})
    if new_rows:
        added = pd.DataFrame(new_rows)
        cat.individuals = added if cat.individuals.empty else pd.concat([cat.individuals, added], ignore_index=True)
    cat.record_many(events)
    return actions


def _write_xrefs(conn: Connection, cat: Catalogue, name: str, actions: list[dict[str, Any]], pkg: Package,
                 scheme: str) -> None:
    done = [a for a in actions if a["action"] != "skipped"]
    cat_id = conn.execute(select(catalogues.c.id).where(catalogues.c.name == name)).scalar_one()
    pk = dict(conn.execute(select(individuals.c.individual_id, individuals.c.id).where(
        individuals.c.catalogue_id == cat_id, individuals.c.individual_id.in_([a["local_id"] for a in done]))).all())
    source = f"genmon exchange package {pkg.sha256}"
    conn.execute(insert(individual_xrefs), [
        {"individual_pk": pk[a["local_id"]], "scheme": scheme, "value": a["foreign_id"], "source": source} for a in done])
    # The cross-ids the exporting lab holds (camera-trap, collar, third-lab ids)
    # travel with the individuals that are new here.
    info = {r["individual"]: r for r in pkg.tables["individuals.tsv"]}
    carried = []
    for a in done:
        if a["action"] == "cross-referenced":
            continue
        for item in filter(None, info[a["foreign_id"]]["cross_ids"].split(";")):
            s, _, v = item.partition("=")
            carried.append({"individual_pk": pk[a["local_id"]], "scheme": s, "value": v,
                            "source": f"carried by {scheme} ({source})"})
    insert_ignore(conn, individual_xrefs, carried, ["scheme", "value"])
