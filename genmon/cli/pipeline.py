"""``genmon pipeline run``: the whole batch workflow through Snakemake."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import click

from ..exceptions import GenmonError, InputError, Problem

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

    See pipelines/demo.yaml for every key.  Snakemake's own exit status is
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
           "--cores", str(cores), "--printshellcmds", "--rerun-triggers", "mtime", "params", "input"]
    if output is not None:
        cmd += ["--config", f"output={output}"]
    if dry_run:
        cmd.append("--dry-run")
    cmd += snakemake_args.split()
    proc = subprocess.run(cmd)
    if proc.returncode:
        raise GenmonError(f"the workflow failed (snakemake exit status {proc.returncode}); see the logs above "
                          "and under <output>/logs/")
