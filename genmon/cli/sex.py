"""``genmon sex``: sex of field samples from sex-marker replicate PCRs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..labqc.sex import call_sex_files
from ..provenance import make_provenance
from ._options import force_option, format_choice, info, missing_option, reader_options
from ._output import write_table_with_provenance


@click.command("sex")
@click.argument("batch", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="TSV to write, one row per field sample (a '# ' provenance line first; the run manifest, "
                   "with the timestamp, beside it as <name>.run.json).")
@click.option("--markers", "markers_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Sex-marker table (locus, kind xy|y, x_sizes, y_sizes, tolerance, control, unreliable_in); "
                   "default: felid amelogenin at locus AMEL (X 214, Y 194 bp).")
@click.option("--species", "species_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Species calls from 'genmon species call'; markers unreliable in some species are used "
                   "only for samples whose species is known.")
@click.option("--from", "from_format", type=format_choice("reader"), default=None,
              help="Format of the batch file(s) (guessed when omitted).")
@click.option("--min-male", type=click.IntRange(min=1), default=2, show_default=True,
              help="Replicates showing a Y product needed for a male call.")
@click.option("--min-female", type=click.IntRange(min=1), default=3, show_default=True,
              help="Replicates with a working control and no Y product needed for a female call.")
@missing_option
@force_option
def command(batch, output, markers_file, species_file, from_format, min_male, min_female, missing, force) -> None:
    """Call the sex (F, M or unknown) of each field sample in BATCH from its sex-marker replicates."""
    if output.exists() and not force:
        raise click.UsageError(f"{output} exists; use --force to replace it")
    params = {"min_male": min_male, "min_female": min_female, "markers": str(markers_file) if markers_file else
              "AMEL (default)", "species": str(species_file) if species_file else None}
    table = call_sex_files(list(batch), markers_file, species_file, from_format, reader_options(missing),
                           min_male=min_male, min_female=min_female)
    inputs = [*batch] + [f for f in (markers_file, species_file) if f is not None]
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None, inputs)
    write_table_with_provenance(output, table, prov)
    counts = table["sex"].value_counts()
    info(f"wrote {output}: {counts.get('F', 0)} F, {counts.get('M', 0)} M, {counts.get('unknown', 0)} unknown")
