"""``genmon consensus``: consensus genotypes and error rates from replicate PCRs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..labqc.batch import run_consensus, write_consensus_outputs
from ..provenance import make_provenance
from ._options import force_option, format_choice, info, missing_option, reader_options


@click.command("consensus")
@click.argument("batch", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write (consensus.csv, consensus_long.tsv, samples.tsv, regenotype.tsv, "
                   "error_rates.tsv, run.json, ...); it is written completely or not at all.")
@click.option("--sample-sheet", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Field sample sheet (CSV/TSV/xlsx) joined to the batch on sample_id.")
@click.option("--from", "from_format", type=format_choice("reader"), default=None,
              help="Format of the batch file(s) (guessed when omitted).")
@click.option("--rule", type=click.Choice(["taberlet", "majority", "ml"]), default="taberlet", show_default=True,
              help="Consensus rule: Taberlet multiple-tubes counts, majority of replicates, or maximum "
                   "likelihood under per-locus dropout and false-allele rates.")
@click.option("--error-rates", "error_rates_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="ML rule: per-locus error rates from an earlier batch's error_rates.tsv instead of "
                   "estimating them from this batch.")
@click.option("--min-het", type=click.IntRange(min=1), default=2, show_default=True,
              help="Taberlet rule: PCRs in which each allele of a heterozygote must be seen.")
@click.option("--min-hom", type=click.IntRange(min=1), default=3, show_default=True,
              help="Taberlet rule: PCRs in which a homozygote's allele must be seen, with no other allele.")
@click.option("--min-agree", type=click.IntRange(min=1), default=2, show_default=True,
              help="Majority rule: times the majority genotype must be seen.")
@click.option("--min-posterior", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.99,
              show_default=True, help="ML rule: posterior probability of a confirmed call.")
@click.option("--max-replicates", type=click.IntRange(min=1), default=8, show_default=True,
              help="Most PCRs the lab runs per sample and locus (for the re-genotyping list).")
@click.option("--min-quality", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Reject samples whose quality index (Miquel et al. 2006) is below this.")
@click.option("--min-loci", type=click.IntRange(min=0), default=None,
              help="Reject samples with fewer typed loci (default: half the loci, rounded up).")
@click.option("--keep-provisional", is_flag=True,
              help="Write provisional calls to consensus.csv too (by default only confirmed calls).")
@click.option("--confidence", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Level of the error-rate confidence intervals.")
@click.option("--db", default=None, help="Read the replicates of a batch from this database (SQLite path or URL; "
              "see `genmon db`) instead of BATCH files, and store the consensus, quality and error rates there.")
@click.option("--batch", "batch_name", default=None,
              help="With --db: name of the imported batch (may be omitted when the database holds one).")
@missing_option
@force_option
def command(batch, out_dir, sample_sheet, from_format, rule, error_rates_file, min_het, min_hom, min_agree, min_posterior,
            max_replicates, min_quality, min_loci, keep_provisional, confidence, db, batch_name, missing,
            force) -> None:
    """Build consensus genotypes from the replicate PCRs in BATCH.

    BATCH holds one row per PCR replicate (a replicate column, or GeneMapper
    rows of several runs); several files are stacked.  Writes the consensus,
    per-call status and quality, the re-genotyping and reject lists and the
    per-locus allelic-dropout and false-allele rates into the output folder.
    Use the error_rates.tsv rows of method ml-profile (maximum likelihood,
    Johnson & Haydon 2007): the consensus-wilson counts are biased low, the
    false-allele rate most.  Bad input lists every problem, writes nothing
    and exits with code 3.
    """
    if out_dir.exists() and not force:
        raise click.UsageError(f"{out_dir} exists; use --force to replace it")
    if error_rates_file is not None and rule != "ml":
        raise click.UsageError("--error-rates needs --rule ml")
    if bool(batch) == (db is not None):
        raise click.UsageError("give either BATCH files or --db (with --batch)")
    if db is not None and (sample_sheet is not None or from_format is not None):
        raise click.UsageError("--sample-sheet and --from belong to `genmon db import`, not to --db")
    options = dict(rule=rule, include_provisional=keep_provisional, confidence=confidence, min_het=min_het,
                   min_hom=min_hom, min_agree=min_agree, min_posterior=min_posterior,
                   max_replicates=max_replicates, min_quality=min_quality, min_loci=min_loci)
    command_line = "genmon " + " ".join(sys.argv[1:])
    if db is not None:
        from ..db.steps import consensus_from_database

        run, prov = consensus_from_database(db, batch_name, command_line, error_rates_file=error_rates_file,
                                            **options)
    else:
        run = run_consensus(list(batch), sample_sheet=sample_sheet, from_format=from_format,
                            reader_options=reader_options(missing), error_rates_file=error_rates_file, **options)
        prov = make_provenance(command_line, run.parameters, None, run.inputs)
    write_consensus_outputs(run, out_dir, prov, force=force)
    s = run.summary()
    info(
        f"wrote {out_dir}: {s['n_samples']} samples ({s['samples']['accepted']} accepted, "
        f"{s['samples']['regenotype']} to re-genotype, {s['samples']['rejected']} rejected), "
        f"{s['calls']['confirmed']} confirmed calls",
    )
