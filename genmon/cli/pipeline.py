"""``genmon pipeline run``: the whole batch workflow through Snakemake."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import click

from ..exceptions import GenmonError, InputError, Problem
from ._options import info

_DEFAULT_SNAKEFILE = Path(__file__).resolve().parents[2] / "pipelines" / "Snakefile"


@click.group("pipeline")
def command() -> None:
    """Run the batch workflow (consensus, identify, markers, relate, ne, census,
    report) with Snakemake, so that only what a change affects is recomputed."""


@command.command("run")
@click.argument("config", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--cores", type=click.IntRange(min=1), default=1, show_default=True, help="Jobs run at once.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Results directory (overrides the config's `output`).")
@click.option("--snakefile", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Workflow file (default: pipelines/Snakefile of this genmon checkout).")
@click.option("--dry-run", is_flag=True, help="Only list the jobs that would run.")
@click.option("--snakemake-args", default="", help="Further arguments passed to snakemake verbatim, "
              "e.g. '--executor slurm --jobs 50' on a cluster.")
def run(config: Path, cores: int, output: Path | None, snakefile: Path | None, dry_run: bool,
        snakemake_args: str) -> None:
    """Run the workflow described by CONFIG (YAML: batch, sample_sheet, parameters).

    pipelines/config.yaml documents every key; pipelines/demo.yaml runs the demo season.  Snakemake's own exit status is
    passed on; its log lines go to stderr.
    """
    if importlib.util.find_spec("snakemake") is None:
        raise GenmonError("Snakemake is not installed: python3 -m pip install -e '.[pipelines]'")
    if not config.is_file():
        raise InputError(Problem("no such file", "a workflow configuration (YAML)", str(config)))
    snakefile = snakefile or _DEFAULT_SNAKEFILE
    if not snakefile.is_file():
        raise GenmonError(f"workflow file {snakefile} not found; pass --snakefile")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(snakefile), "--configfile", str(config),
           "--cores", str(cores), "--rerun-triggers", "mtime", "params", "input",
           # an option after the list, so that targets in --snakemake-args are not read as triggers
           "--printshellcmds"]
    if output is not None:
        cmd += ["--config", f"output={output}"]
    if dry_run:
        cmd.append("--dry-run")
    cmd += snakemake_args.split()
    proc = subprocess.run(cmd)
    if proc.returncode:
        raise GenmonError(f"the workflow failed (snakemake exit status {proc.returncode}); see the logs above "
                          "and under <output>/logs/")


@command.command("manifest", hidden=True)
@click.argument("inputs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config-json", required=True, help="The workflow's configuration as JSON.")
@click.option("--step", "steps", multiple=True, metavar="NAME=PATH", help="A step and its provenance record.")
def manifest(inputs: tuple[Path, ...], output: Path, config_json: str, steps: tuple[str, ...]) -> None:
    """Write the run manifest (the workflow's last rule): genmon version, the config, the
    SHA-256 of INPUTS (the files the config names) and each step's provenance record."""
    from ..provenance import make_provenance

    try:
        config = json.loads(config_json)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--config-json") from None
    record = make_provenance("snakemake -s pipelines/Snakefile (genmon pipeline run)", config, config.get("seed"),
                             inputs)
    record["steps"] = dict(step.partition("=")[::2] for step in steps)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    info(f"wrote {output}: {len(inputs)} inputs, {len(steps)} steps")
