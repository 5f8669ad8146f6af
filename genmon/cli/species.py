"""``genmon species``: species identification from mtDNA sequences, and its reference panel."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..labqc.species import call_species_files, write_reference_file
from ..provenance import make_provenance
from ._options import force_option, info
from ._output import write_table_with_provenance


def _check(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to replace it")


class _CallByDefault(click.Group):
    """``genmon species READS...`` is ``genmon species call READS...``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["call", *args]
        return super().parse_args(ctx, args)


@click.group("species", cls=_CallByDefault)
def command() -> None:
    """Identify the species of scat and hair samples from mitochondrial sequences.

    'genmon species READS... --reference REF -o species.tsv' is short for
    'genmon species call ...'.
    """


@command.command("call")
@click.argument("reads", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reference", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Reference panel: GenBank flat file(s) of the panel, or a FASTA written by "
                   "'genmon species build-reference'.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="TSV to write, one row per sample (a '# ' provenance line first; the run manifest, "
                   "with the timestamp, beside it as <name>.run.json).")
@click.option("--min-identity", type=click.FloatRange(0, 1), default=0.97, show_default=True,
              help="Below this identity to the best reference the call is 'uncertain'.")
@click.option("--min-margin", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="Below this identity margin over the next species the call is 'uncertain'.")
@click.option("--min-length", type=click.IntRange(min=1), default=100, show_default=True,
              help="Alignments shorter than this (bp) do not count.")
@force_option
def call(reads, reference, output, min_identity, min_margin, min_length, force) -> None:
    """Call the species of each sequence in READS (FASTA, FASTQ, .ab1 traces or BAM files).

    A BAM gives one row: the consensus of its reads, cut into the regions its
    reads cover, each region aligned to the panel (cytb or whole-mitogenome
    references) and the regions' matches summed per species.

    Bad input (letters that are not DNA, a truncated trace) lists every problem,
    writes nothing and exits with code 3.
    """
    _check(output, force)
    params = {"min_identity": min_identity, "min_margin": min_margin, "min_length": min_length,
              "reference": str(reference)}
    table = call_species_files(list(reads), reference, **{k: v for k, v in params.items() if k != "reference"})
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None, [*reads, reference])
    write_table_with_provenance(output, table, prov, float_format="%.6f")
    uncertain = int((table["call"] == "uncertain").sum())
    info(f"wrote {output}: {len(table)} samples, {uncertain} uncertain")


@command.command("build-reference")
@click.argument("sources", metavar="GENBANK_OR_FASTA", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FASTA panel to write ('>ACCESSION species=Genus species').")
@force_option
def build_reference(sources, output, force) -> None:
    """Build a multi-region reference panel from GenBank flat files and mitogenome FASTA files.

    GenBank records give their cytochrome b gene (and, for complete
    mitogenomes, the whole record); every FASTA record (.fa, .fasta, .fna,
    .fas) is a complete mitogenome named by its NCBI header
    ('>ACCESSION Genus species ...').
    """
    _check(output, force)
    output.parent.mkdir(parents=True, exist_ok=True)
    n = write_reference_file(list(sources), output)
    info(f"wrote {output}: {n} reference sequences")
