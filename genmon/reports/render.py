"""Render a batch's step outputs into one self-contained HTML report.

No statistics are computed here: the report shows the tables and figures that
the genmon commands wrote (counted and joined, never re-estimated), with their
provenance.  Figures are embedded (SVG inline, PNG as data URIs) and nothing
is loaded from the network.  Every table shown is also written, whole, as TSV
into ``<report>_tables/`` beside the HTML.  The output is deterministic:
identical inputs give identical bytes apart from the single timestamp line
(rows in the order the steps wrote them or sorted on explicit keys, counts
sorted by name).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd

from ..exceptions import InputError, Problem
from ..provenance import make_provenance
from .collect import StepOutputs, collect_run

__all__ = ["TIMESTAMP_PREFIX", "render_report", "write_report"]

TIMESTAMP_PREFIX = "Generated (UTC): "
_MAX_ROWS = 60
_TITLES = {
    "species-sex": "Species and sex calls",
    "consensus": "Replicate consensus and genotyping errors",
    "identify": "Individual identification",
    "markers": "Marker diversity and probability of identity",
    "relate": "Relatedness",
    "ne": "Effective population size",
    "census": "Abundance",
}


@dataclass
class _Table:
    caption: str
    columns: list[str]
    rows: list[list[tuple[str, str]]]
    text_columns: set[str] = field(default_factory=set)
    note: str = ""
    frame: pd.DataFrame | None = None
    file: str = ""


def _table(frame: pd.DataFrame, caption: str, columns: list[str] | None = None, max_rows: int = _MAX_ROWS,
           note: str = "") -> _Table:
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    shown = frame[cols].head(max_rows)
    rows = [list(zip(cols, (str(v) for v in rec), strict=True)) for rec in shown.itertuples(index=False)]
    text = {c for c in cols if not pd.to_numeric(frame[c].replace({"": None, "nan": None, "NA": None, "inf": None}),
                                                  errors="coerce").notna().any()}
    if len(frame) > max_rows:
        note = (note + " " if note else "") + f"First {max_rows} of {len(frame)} rows; the full table is in the TSV."
    return _Table(caption, cols, rows, text, note, frame[cols])


def _figure_html(path: Path) -> str:
    if path.suffix.lower() == ".svg":
        svg = path.read_text(encoding="utf-8")
        svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
        svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
        return svg
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{path.stem}" src="data:image/png;base64,{data}">'


def _counts(frame: pd.DataFrame, column: str) -> str:
    if column not in frame:
        return ""
    counts = frame[column].replace("", "(none)").value_counts().sort_index()
    return ", ".join(f"{k}: {v}" for k, v in counts.items())


def _count_table(frame: pd.DataFrame, column: str, caption: str) -> _Table:
    counts = frame[column].replace("", "(none)").value_counts().sort_index()
    return _table(pd.DataFrame({column: counts.index.astype(str), "samples": counts.to_numpy().astype(str)}),
                  caption)


def _uncertain_reasons(calls: pd.DataFrame, parameters: dict) -> list[str]:
    """Which threshold of ``genmon species call`` (as recorded in its provenance) each uncertain call missed."""
    min_identity = float(parameters.get("min_identity", 0.97))
    min_margin = float(parameters.get("min_margin", 0.01))
    min_length = int(parameters.get("min_length", 100))
    out = []
    for rec in calls.to_dict("records"):
        ident = pd.to_numeric(rec.get("identity"), errors="coerce")
        margin = pd.to_numeric(rec.get("margin"), errors="coerce")
        length = pd.to_numeric(rec.get("alignment_length"), errors="coerce")
        if pd.isna(ident):
            out.append(f"no alignment of {min_length} bp or more (failed or short read)")
            continue
        why = []
        if ident < min_identity:
            why.append(f"identity below {min_identity:g}")
        if margin < min_margin:
            why.append(f"margin over {rec.get('next_species') or 'the next species'} below {min_margin:g}")
        if length < min_length:
            why.append(f"alignment shorter than {min_length} bp")
        out.append("; ".join(why))
    return out


def _species_sex_section(species: StepOutputs | None, sex: StepOutputs | None,
                         identify: StepOutputs | None) -> dict:
    """One section from ``genmon species call`` and ``genmon sex``: counts, the joined calls, the doubtful ones."""
    text, tables = [], []
    sp = species.tables.get("species.tsv") if species else None
    sx = sex.tables.get("sex.tsv") if sex else None
    if sp is not None:
        text.append(f"{len(sp)} samples screened by cytochrome b; calls: {_counts(sp, 'call')}.")
        if "group" in sp:
            sure = sp[sp["call"] != "uncertain"]
            text.append(f"Confident calls by group: {_counts(sure, 'group')}.")
        tables.append(_count_table(sp, "call", "Samples per species call"))
    if sx is not None:
        text.append(f"{len(sx)} genotyped samples sexed; calls: {_counts(sx, 'sex')}.")
    if identify is not None and "individuals.tsv" in identify.tables:
        ind = identify.tables["individuals.tsv"]
        if "sex" in ind and (ind["sex"] != "").any():
            text.append(f"Sex of the {len(ind)} identified individuals (from their samples' calls): "
                        f"{_counts(ind.replace({'sex': {'': 'unknown'}}), 'sex')}.")
    if sp is not None and sx is not None:
        both = sp[["sample", "call"]].merge(sx[["sample", "sex"]], on="sample", how="outer", sort=True)
        both = both.fillna({"call": "(not screened)", "sex": "(not genotyped)"})
        cross = pd.crosstab(both["call"], both["sex"]).sort_index().sort_index(axis=1)
        cross = cross.reset_index().rename(columns={"call": "species call"}).astype(str)
        cross.columns.name = None
        tables.append(_table(cross, "Samples per species call and sex"))
    if sp is not None:
        cols = ["sample", "reason", "species", "identity", "margin", "alignment_length", "best_accession",
                "next_species", "next_identity"]
        doubt = sp[sp["call"] == "uncertain"]
        doubt = doubt.assign(reason=_uncertain_reasons(doubt, (species.provenance or {}).get("parameters") or {}))
        tables.append(_table(doubt, f"Uncertain species calls ({len(doubt)})", cols))
    if sx is not None:
        unknown = sx[sx["sex"] == "unknown"]
        tables.append(_table(unknown, f"Samples of unknown sex ({len(unknown)})",
                             ["sample", "male_replicates", "female_replicates", "markers_used", "reason"]))
    if sp is not None or sx is not None:
        left = sp[["sample", "call", "group", "identity", "margin"]] if sp is not None else None
        right = sx[["sample", "sex", "male_replicates", "female_replicates"]] if sx is not None else None
        calls = (left.merge(right, on="sample", how="outer", sort=True) if left is not None and right is not None
                 else (left if left is not None else right).sort_values("sample", kind="mergesort"))
        tables.append(_table(calls.fillna(""), "Calls per sample"))
    return {"anchor": "species-sex", "title": _TITLES["species-sex"], "text": text, "tables": tables,
            "figures": []}


def _sections(steps: list[StepOutputs]) -> list[dict]:
    by = {s.name: s for s in steps}
    out = []
    if "species" in by or "sex" in by:
        out.append(_species_sex_section(by.get("species"), by.get("sex"), by.get("identify")))
    return out + [_section(s) for s in steps if s.name not in ("species", "sex")]


def _section(step: StepOutputs) -> dict:
    t, text, tables = step.tables, [], []
    if step.name == "consensus":
        if "samples.tsv" in t:
            text.append(f"{len(t['samples.tsv'])} field samples; status: {_counts(t['samples.tsv'], 'status')}.")
            tables.append(_table(t["samples.tsv"], "Samples (quality index of Miquel et al. 2006)", max_rows=20))
        if "error_rates.tsv" in t:
            tables.append(_table(t["error_rates.tsv"], "Allelic dropout and false-allele rates per locus"))
        if "regenotype.tsv" in t:
            text.append(f"{len(t['regenotype.tsv'])} sample × locus calls need more PCRs to reach the rule.")
    elif step.name == "identify":
        if "assignments.tsv" in t:
            text.append(f"{len(t['assignments.tsv'])} samples; status: {_counts(t['assignments.tsv'], 'status')}.")
        if "individuals.tsv" in t:
            tables.append(_table(t["individuals.tsv"], "Individuals",
                                 ["individual", "status", "n_samples", "n_loci_typed", "first_seen", "last_seen",
                                  "sex", "pi", "pisibs"]))
        if "near_misses.tsv" in t:
            tables.append(_table(t["near_misses.tsv"], "Near misses (candidates for re-genotyping)"))
    elif step.name == "markers":
        if "locus_stats.tsv" in t:
            tables.append(_table(t["locus_stats.tsv"], "Per-locus diversity and Hardy–Weinberg tests",
                                 ["population", "locus", "n_typed", "n_alleles", "ho", "he", "he_unbiased", "f_is",
                                  "hwe_p", "hwe_p_fdr", "hwe_method", "reason"]))
        if "identity.tsv" in t:
            tables.append(_table(t["identity.tsv"], "Probability of identity (Waits et al. 2001), cumulative"))
        if "differentiation.tsv" in t:
            tables.append(_table(t["differentiation.tsv"], "Differentiation between populations"))
    elif step.name == "relate":
        if "pairs.tsv" in t:
            pairs = t["pairs.tsv"]
            text.append(f"{len(pairs)} pairs; most likely class: {_counts(pairs, 'class')}.")
            if "wang" in pairs:
                top = pairs.assign(_w=pd.to_numeric(pairs["wang"], errors="coerce")).sort_values(
                    ["_w", "id_1", "id_2"], ascending=[False, True, True], kind="mergesort").drop(columns="_w")
                tables.append(_table(top, "Most related pairs (Wang 2002)", max_rows=20))
    elif step.name == "ne":
        if "ne.tsv" in t:
            tables.append(_table(t["ne.tsv"], "Effective population size by method and Pcrit",
                                 ["pop", "method", "mating", "pcrit", "s_harmonic", "n_comparisons", "r2",
                                  "r2_expected", "ne", "ci_param_low", "ci_param_high", "ci_jack_low", "ci_jack_high",
                                  "reason"]))
    elif step.name == "census":
        if "abundance.tsv" in t:
            tables.append(_table(t["abundance.tsv"], "Abundance estimates"))
        if "density.tsv" in t:
            tables.append(_table(t["density.tsv"], "Density (spatially explicit capture–recapture), per 100 km²"))
    figures = [{"html": _figure_html(p), "caption": p.name} for p in step.figures.values()]
    return {"anchor": step.name, "title": _TITLES[step.name], "text": text, "tables": tables, "figures": figures}


def _num(text: str) -> str:
    """A number written by a step, shown to 4 significant digits (text left as it is)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return str(text)
    return f"{value:.4g}"


def _summary(steps: list[StepOutputs]) -> list[tuple[str, str]]:
    by = {s.name: s for s in steps}
    out = []
    if "species" in by and "species.tsv" in by["species"].tables:
        out.append(("species calls (cytochrome b)", _counts(by["species"].tables["species.tsv"], "call")))
    if "sex" in by and "sex.tsv" in by["sex"].tables:
        out.append(("sex calls", _counts(by["sex"].tables["sex.tsv"], "sex")))
    if "consensus" in by and "samples.tsv" in by["consensus"].tables:
        out.append(("field samples", str(len(by["consensus"].tables["samples.tsv"]))))
        if "error_rates.tsv" in by["consensus"].tables:
            loci = by["consensus"].tables["error_rates.tsv"]["locus"]
            out.append(("loci", str(loci[loci != "ALL"].nunique())))  # ALL: the rates over every locus
    if "identify" in by and "individuals.tsv" in by["identify"].tables:
        out.append(("individuals identified", str(len(by["identify"].tables["individuals.tsv"]))))
    if "census" in by and "abundance.tsv" in by["census"].tables:
        ab = by["census"].tables["abundance.tsv"]
        for row in ab[ab["model"].isin(["ECM", "TIRM", "Mh_chao"])].itertuples(index=False):
            out.append((f"abundance, {row.method} {row.model}",
                        f"{_num(row.n_hat)} (95% CI {_num(row.ci_low)}–{_num(row.ci_high)})"))
    if "ne" in by and "ne.tsv" in by["ne"].tables:
        ne = by["ne"].tables["ne.tsv"]
        first = ne[ne["method"] == "ld"].head(1)
        for row in first.itertuples(index=False):
            out.append((f"Ne (LD, Pcrit {row.pcrit})",
                        f"{_num(row.ne)} (95% CI {_num(row.ci_param_low)}–{_num(row.ci_param_high)})"))
    out.append(("sections", ", ".join(sec["title"] for sec in _sections(steps))))
    return out


def _step_provenance(step: StepOutputs) -> dict:
    p = step.provenance or {}
    if isinstance(p.get("provenance"), dict):  # a step that nests the standard record
        p = p["provenance"]
    params = {k: v for k, v in sorted((p.get("parameters") or {}).items())}
    return {
        "name": step.name,
        "command": _relative_command(p.get("command", "")),
        "version": p.get("version", "?"),
        "seed": p.get("seed"),
        "parameters": json.dumps(params, sort_keys=True, default=str)[:600],
        "inputs": [{"name": Path(i["path"]).name, "sha256": i["sha256"]}
                   for i in p.get("inputs", []) if isinstance(i, dict) and "path" in i],
    }


def _relative_command(command: str) -> str:
    """Drop directories from paths in a command so reports from different folders agree."""
    return " ".join(Path(tok).name if "/" in tok and not tok.startswith("-") else tok for tok in command.split())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower().split("(")[0]).strip("_")[:48]


def _build(run_dir: str | Path, title: str, timestamp: _dt.datetime | None):
    steps = collect_run(run_dir)
    if not steps:
        raise InputError(Problem("no genmon step outputs (species/, sex/, consensus/, identify/, markers/, relate/, "
                                 "ne/, census/)", "a run directory written by genmon's commands or "
                                 "pipelines/demo.sh", str(run_dir)))
    sections = _sections(steps)
    for sec in sections:
        for k, table in enumerate(sec["tables"], start=1):
            table.file = f"{sec['anchor']}_{k:02d}_{_slug(table.caption)}.tsv"
    env = jinja2.Environment(loader=jinja2.PackageLoader("genmon.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    ts = (timestamp or _dt.datetime.now(_dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    prov = make_provenance(parameters={"run_dir": Path(run_dir).name, "title": title})
    prov["command"] = _relative_command(prov["command"])
    summary = _summary(steps)
    html = env.get_template("report.html.j2").render(
        title=title, timestamp_line=TIMESTAMP_PREFIX + ts, summary=summary,
        sections=sections, provenance=prov,
        step_provenance=[_step_provenance(s) for s in steps])
    return html, summary, [t for sec in sections for t in sec["tables"]]


def render_report(run_dir: str | Path, title: str = "genmon batch report",
                  timestamp: _dt.datetime | None = None) -> str:
    """The HTML of the report for the step outputs under ``run_dir``."""
    return _build(run_dir, title, timestamp)[0]


def write_report(run_dir: str | Path, output: str | Path, title: str = "genmon batch report") -> list[Path]:
    """Write the HTML report, the summary as TSV beside it and every table of the report
    into ``<stem>_tables/``; returns the files written."""
    output = Path(output)
    html, summary, tables = _build(run_dir, title, None)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(output)
    summary_path = output.with_suffix(".summary.tsv")
    pd.DataFrame(summary, columns=["item", "value"]).to_csv(summary_path, sep="\t", index=False,
                                                            lineterminator="\n")
    folder = output.with_name(output.stem + "_tables")
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.tsv"):  # tables of an earlier report that this one no longer has
        old.unlink()
    written = [output, summary_path]
    for table in tables:
        table.frame.to_csv(folder / table.file, sep="\t", index=False, lineterminator="\n")
        written.append(folder / table.file)
    logging.getLogger(__name__).info("report %s: %d sections, %d tables (TSV in %s)", output,
                                     html.count("<h2 id="), len(tables), folder)
    return written
