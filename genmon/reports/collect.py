"""Find the outputs of a batch's genmon steps and load what the report shows.

A run directory holds one sub-directory per step, named after the command
(``species``, ``sex``, ``consensus``, ``identify``, ``markers``, ``relate``,
``ne``, ``census``), as ``pipelines/demo.sh`` and the Snakemake workflow write
them.  Each step is optional: the report shows the sections the data allow.
A step's provenance is its ``run.json``; for the one-table commands
(``genmon species call``, ``genmon sex``) it is ``<table>.run.json`` beside the
table, or else the ``# {...}`` line that heads the table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["STEPS", "StepOutputs", "collect_run"]

#: Steps in report order, with the tables and figures each contributes.
STEPS: dict[str, dict[str, tuple[str, ...]]] = {
    "species": {"tables": ("species.tsv",), "figures": ()},
    "sex": {"tables": ("sex.tsv",), "figures": ()},
    "consensus": {"tables": ("samples.tsv", "error_rates.tsv", "regenotype.tsv"), "figures": ()},
    "identify": {"tables": ("individuals.tsv", "assignments.tsv", "near_misses.tsv"), "figures": ("profile.png",)},
    "markers": {"tables": ("locus_stats.tsv", "identity.tsv", "differentiation.tsv"),
                "figures": ("identity_curve.svg", "allele_frequencies.svg")},
    "relate": {"tables": ("pairs.tsv",), "figures": ("relatedness_histogram.svg", "kinship_network.svg")},
    "ne": {"tables": ("ne.tsv",), "figures": ("ne.png",)},
    "census": {"tables": ("abundance.tsv", "density.tsv"),
               "figures": ("discovery_curve.svg", "capture_frequencies.svg", "detections_map.svg")},
}


@dataclass
class StepOutputs:
    name: str
    directory: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Path] = field(default_factory=dict)
    provenance: dict | None = None


def _leading_comments(path: Path) -> list[str]:
    lines = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line)
    return lines


def _read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, comment=None,
                       skiprows=len(_leading_comments(path)))


def _header_provenance(path: Path) -> dict | None:
    """The provenance record of a ``# {json}`` first line, if there is one."""
    first = _leading_comments(path)[:1]
    if first and first[0].startswith("# {"):
        try:
            return json.loads(first[0][2:])
        except json.JSONDecodeError:
            return None
    return None


def collect_run(run_dir: str | Path) -> list[StepOutputs]:
    """Every step found under ``run_dir``, in report order."""
    run_dir = Path(run_dir)
    found = []
    for name, spec in STEPS.items():
        d = run_dir / name
        if not d.is_dir():
            continue
        step = StepOutputs(name, d)
        for table in spec["tables"]:
            if (d / table).is_file():
                step.tables[table] = _read_table(d / table)
        for fig in spec["figures"]:
            if (d / fig).is_file():
                step.figures[fig] = d / fig
        if (d / "run.json").is_file():
            step.provenance = json.loads((d / "run.json").read_text())
        elif spec["tables"] and (d / spec["tables"][0]).is_file():
            main = d / spec["tables"][0]
            manifest = main.with_name(main.stem + ".run.json")
            step.provenance = (json.loads(manifest.read_text()) if manifest.is_file()
                               else _header_provenance(main))
        found.append(step)
    return found
