"""``genmon calibrate``: per-locus size offsets between two labs from shared reference samples."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from ..io import read_genotypes
from ..labqc.calibration import estimate_calibration, write_translation
from ..provenance import make_provenance
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
)


@click.command("calibrate")
@click.argument("lab_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("lab_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Translation table (TSV) to write.")
@click.option("--name-a", default=None, help="Name of lab A (default: the file name of LAB_A).")
@click.option("--name-b", default=None, help="Name of lab B (default: the file name of LAB_B).")
@click.option("--from", "from_format", type=format_choice("reader"), default=None,
              help="Format of both input files (guessed when omitted).")
@click.option("--tolerance", type=float, default=1.0, show_default=True,
              help="A difference further than this many bp from the locus offset is a misfit.")
@click.option("--max-misfit", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True,
              help="Largest fraction of misfits for which one offset still fits.")
@click.option("--min-alleles", type=click.IntRange(min=1), default=4, show_default=True,
              help="Fewest compared alleles for a locus to be calibrated.")
@click.option("--use-sizes", is_flag=True,
              help="Compare raw fragment sizes (GeneMapper Size columns) instead of allele labels; the offsets "
                   "are then fractions of a bp, applied with 'genmon bin build/apply --calibration'.")
@missing_option
@force_option
def command(lab_a, lab_b, output, name_a, name_b, from_format, tolerance, max_misfit, min_alleles, use_sizes,
            missing, force):
    """Estimate how much longer LAB_B sizes each locus than LAB_A, from the reference samples both typed.

    The translation table brings LAB_B genotypes onto LAB_A's sizes
    (genmon convert --calibration TABLE).
    """
    check_output(output, force)
    a = read_genotypes(lab_a, from_format, **reader_options(missing))
    b = read_genotypes(lab_b, from_format, **reader_options(missing))
    tr = estimate_calibration(a, b, name_a=name_a or lab_a.stem, name_b=name_b or lab_b.stem,
                              tolerance=tolerance, max_misfit=max_misfit, min_alleles=min_alleles, use_sizes=use_sizes)
    params = {"tolerance": tolerance, "max_misfit": max_misfit, "min_alleles": min_alleles, "use_sizes": use_sizes}
    tr = dataclasses.replace(tr, provenance=make_provenance("genmon " + " ".join(sys.argv[1:]), params, None,
                                                            [lab_a, lab_b]))
    write_translation(tr, output)
    n_fit = int(tr.table["fits"].sum())
    info(f"wrote {output}: {len(tr.table)} loci, {n_fit} with one offset that fits")
