"""``genmon validate``: check a genotype file and report every problem."""

from __future__ import annotations

from pathlib import Path

import click

from ..io import read_genotypes
from ..io.samplesheet import attach_sample_sheet, read_sample_sheet
from ._options import format_choice, missing_option, reader_options


@click.command("validate")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "from_format", type=format_choice("reader"), default=None, help="Input format (guessed when omitted).")
@missing_option
@click.option(
    "--sample-sheet",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Also validate this field sample sheet (CSV, TSV or .xlsx) and its join to the genotypes by sample id.",
)
def command(source: Path, from_format: str | None, missing: str | None, sample_sheet: Path | None) -> None:
    """Check SOURCE and list all of its problems.

    Exit code 0 when the file is valid (warnings may still be printed), 3 when
    it is not.
    """
    table = read_genotypes(source, from_format, **reader_options(missing))
    if sample_sheet is not None:
        table = attach_sample_sheet(table, read_sample_sheet(sample_sheet))
    kind = "replicate rows" if table.has_replicates else "samples"
    click.echo(f"{source}: valid, {table.n_samples} {kind} x {table.n_loci} loci, ploidy {table.ploidy}")
