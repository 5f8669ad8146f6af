"""Render a batch's step outputs into one self-contained HTML report.

No statistics are computed here: the report shows the tables and figures that
the genmon commands wrote, with their provenance.  Figures are embedded (SVG
inline, PNG as data URIs) and nothing is loaded from the network.  The output
is deterministic: identical inputs give identical bytes apart from the single
timestamp line.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
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


def _table(frame: pd.DataFrame, caption: str, columns: list[str] | None = None, max_rows: int = _MAX_ROWS,
           note: str = "") -> _Table:
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    shown = frame[cols].head(max_rows)
    rows = [list(zip(cols, (str(v) for v in rec), strict=True)) for rec in shown.itertuples(index=False)]
    text = {c for c in cols if not pd.to_numeric(frame[c].replace({"": None, "nan": None, "NA": None, "inf": None}),
                                                  errors="coerce").notna().any()}
    if len(frame) > max_rows:
        note = (note + " " if note else "") + f"First {max_rows} of {len(frame)} rows; the full table is in the TSV."
    return _Table(caption, cols, rows, text, note)


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
    if "consensus" in by and "samples.tsv" in by["consensus"].tables:
        out.append(("field samples", str(len(by["consensus"].tables["samples.tsv"]))))
        if "error_rates.tsv" in by["consensus"].tables:
            out.append(("loci", str(by["consensus"].tables["error_rates.tsv"]["locus"].nunique())))
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
    out.append(("sections", ", ".join(_TITLES[s.name] for s in steps)))
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


def render_report(run_dir: str | Path, title: str = "genmon batch report",
                  timestamp: _dt.datetime | None = None) -> str:
    """The HTML of the report for the step outputs under ``run_dir``."""
    steps = collect_run(run_dir)
    if not steps:
        raise InputError(Problem("no genmon step outputs (consensus/, identify/, markers/, relate/, ne/, census/)",
                                 "a run directory written by genmon's commands or pipelines/demo.sh", str(run_dir)))
    env = jinja2.Environment(loader=jinja2.PackageLoader("genmon.reports", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    ts = (timestamp or _dt.datetime.now(_dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    prov = make_provenance(parameters={"run_dir": Path(run_dir).name, "title": title})
    prov["command"] = _relative_command(prov["command"])
    return env.get_template("report.html.j2").render(
        title=title, timestamp_line=TIMESTAMP_PREFIX + ts, summary=_summary(steps),
        sections=[_section(s) for s in steps], provenance=prov,
        step_provenance=[_step_provenance(s) for s in steps])


def write_report(run_dir: str | Path, output: str | Path, title: str = "genmon batch report") -> list[Path]:
    """Write the HTML report and, beside it, the summary as TSV; returns the files written."""
    output = Path(output)
    html = render_report(run_dir, title)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_suffix(output.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(output)
    summary = output.with_suffix(".summary.tsv")
    pd.DataFrame(_summary(collect_run(run_dir)), columns=["item", "value"]).to_csv(
        summary, sep="\t", index=False, lineterminator="\n")
    return [output, summary]
