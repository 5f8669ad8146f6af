"""``genmon convert``: read a genotype file and write it in another format."""

from __future__ import annotations

from pathlib import Path

import click

from ..io import read_genotypes, write_genotypes
from ..io.samplesheet import attach_sample_sheet, read_sample_sheet
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
)


@click.command("convert")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option("--from", "from_format", type=format_choice("reader"), default=None, help="Input format (guessed when omitted).")
@click.option("--to", "to_format", type=format_choice("writer"), default=None, help="Output format (guessed from the extension when omitted).")
@missing_option
@click.option(
    "--sample-sheet",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Field sample sheet (CSV, TSV or .xlsx) whose metadata is joined to the genotypes by sample id.",
)
@click.option(
    "--calibration",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Translation table from 'genmon calibrate': allele sizes are shifted onto the reference lab's after reading.",
)
@force_option
def command(
    source: Path,
    output: Path,
    from_format: str | None,
    to_format: str | None,
    missing: str | None,
    sample_sheet: Path | None,
    calibration: Path | None,
    force: bool,
) -> None:
    """Convert SOURCE to another genotype format.

    The whole input is validated first; if it has problems, every problem is
    listed, nothing is written and the exit code is 3.
    """
    check_output(output, force)
    table = read_genotypes(source, from_format, **reader_options(missing))
    if calibration is not None:
        from ..labqc.calibration import apply_calibration

        table = apply_calibration(table, calibration)
    if sample_sheet is not None:
        table = attach_sample_sheet(table, read_sample_sheet(sample_sheet))
    write_genotypes(table, output, to_format)
    info(f"wrote {output} ({table.n_samples} rows x {table.n_loci} loci)")
