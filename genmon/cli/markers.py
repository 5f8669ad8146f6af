"""``genmon markers``: check a marker panel (diversity, HWE, identity, LD, differentiation)."""

from __future__ import annotations

from pathlib import Path

import click

from ..io import read_genotypes
from ..markers import analyse_markers, write_markers
from ..provenance import make_provenance
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
    seed_option,
)


@click.command("markers")
@click.argument("genotypes", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for locus_stats.tsv, identity.tsv, ld.tsv, differentiation.tsv, "
                   "assignment.tsv, plots and run.json.")
@click.option("--from", "from_format", type=format_choice("reader"), default=None,
              help="Input format (guessed when omitted).")
@click.option("--by", default=None, metavar="COLUMN",
              help="Group samples by this column ('pop' means population): per-population rows, "
                   "LD within populations, differentiation and assignment.")
@click.option("--rarefaction-n", type=click.IntRange(min=1), default=None,
              help="Individuals to rarefy allelic richness to (default: the smallest sample at each locus).")
@click.option("--ld-permutations", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Permutations of the genotypic LD test (0 skips the test).")
@click.option("--permutations", type=click.IntRange(min=0), default=999, show_default=True,
              help="Permutations of individuals among populations for differentiation p-values.")
@click.option("--bootstraps", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap resamples of loci for differentiation confidence intervals.")
@click.option("--no-pairwise", is_flag=True, help="Skip pairwise differentiation between populations.")
@click.option("--assignment-method", type=click.Choice(["rannala_mountain", "paetkau"]),
              default="rannala_mountain", show_default=True, help="Genotype likelihood model for assignment.")
@click.option("--simulations", type=click.IntRange(min=10), default=10000, show_default=True,
              help="Simulated genotypes per population for exclusion and migrant p-values.")
@click.option("--hwe-steps", type=(click.IntRange(min=0), click.IntRange(min=1), click.IntRange(min=1)),
              default=(10000, 20, 5000), show_default=True, metavar="BURNIN BATCHES SIZE",
              help="Guo & Thompson Markov chain: burn-in steps, batches and steps per batch.")
@click.option("--plots", type=click.Choice(["both", "png", "svg", "none"]), default="both", show_default=True,
              help="Plot files to write.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="Threads for the LD kernel (results do not depend on it).")
@missing_option
@seed_option
@force_option
def command(genotypes: Path, out_dir: Path, from_format: str | None, by: str | None, rarefaction_n: int | None,
            ld_permutations: int, permutations: int, bootstraps: int, no_pairwise: bool, assignment_method: str,
            simulations: int, hwe_steps: tuple[int, int, int], plots: str, threads: int, missing: str | None, seed: int | None, force: bool) -> None:
    """Describe the markers in GENOTYPES: per-locus diversity and Hardy-Weinberg tests,
    probability of identity, pairwise linkage disequilibrium and, with --by,
    differentiation between populations and assignment of individuals.

    Undefined values are written as NA with a reason column; warnings name the
    locus and population.
    """
    check_output(out_dir / "locus_stats.tsv", force)
    table = read_genotypes(genotypes, from_format, **reader_options(missing))
    result = analyse_markers(table, by, seed=seed, rarefaction_n=rarefaction_n, ld_permutations=ld_permutations,
                             n_boot=bootstraps, n_perm=permutations, pairwise=not no_pairwise,
                             assignment_method=assignment_method, n_sim=simulations, hwe_burn_in=hwe_steps[0],
                             hwe_batches=hwe_steps[1], hwe_batch_size=hwe_steps[2], num_threads=threads)
    provenance = make_provenance(parameters=result.parameters, seed=result.parameters["seed"], inputs=[genotypes])
    formats = {"both": ("png", "svg"), "none": ()}.get(plots, (plots,))
    write_markers(result, out_dir, provenance, table=table, plot_formats=formats)
    needed = result.identity.loci_needed
    info(
        f"wrote {out_dir}/ ({table.n_loci} loci, {table.n_samples} samples; loci for PIsibs < 0.01: "
        f"{needed.get(0.01) or 'not reached'}, < 0.001: {needed.get(0.001) or 'not reached'})",
    )
