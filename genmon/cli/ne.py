"""``genmon ne``: effective population size (LD and heterozygote-excess methods)."""

from __future__ import annotations

from pathlib import Path

import click

from ..exceptions import InputError, Problem
from ..io import read_genotypes
from ..ne import CI_KINDS, METHODS, estimate_ne, parse_pcrit, write_ne
from ..provenance import make_provenance
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
    threads_option,
)


def _split(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _generations(text: str | None) -> dict[str, float] | list[float] | None:
    if text is None:
        return None
    tokens = _split(text)
    try:
        if any("=" in t for t in tokens):
            pairs = [t.rsplit("=", 1) for t in tokens]
            return {name.strip(): float(gen) for name, gen in pairs}
        return [float(t) for t in tokens]
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: give numbers (0,5) or NAME=GEN pairs", param_hint="--generations"
        ) from None


@click.command("ne")
@click.argument("genotypes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for ne.tsv, ne_summary.txt, ne.png and run.json.",
)
@click.option(
    "--from",
    "--format",
    "fmt",
    type=format_choice("reader"),
    default=None,
    help="Input format (guessed when omitted).",
)
@missing_option
@click.option(
    "--method",
    "methods",
    default="ld,hetx",
    show_default=True,
    help="Comma-separated methods: ld (linkage disequilibrium), hetx (heterozygote excess), "
    "temporal (two or more samples; needs --generations), coancestry (Nomura 2008).",
)
@click.option(
    "--pcrit",
    default="0.05,0.02,0.01,nosingletons",
    show_default=True,
    help="Comma-separated lowest allele frequencies; 'nosingletons' drops only alleles seen once, "
    "0 keeps every allele.",
)
@click.option(
    "--by",
    default="population",
    show_default=True,
    help="Sample column naming the populations ('pop' = population); 'none' treats all samples as one population.",
)
@click.option(
    "--mating",
    default="random",
    show_default=True,
    help="LD mating model(s): random, monogamy, or both comma-separated.",
)
@click.option(
    "--ci",
    "ci",
    default="parametric,jackknife",
    show_default=True,
    help="Confidence intervals for LD, comma-separated: parametric, jackknife (over individuals, "
    "Jones et al. 2016), jackknife-loci (over pairs of loci, LDNe / NeEstimator v2.0), or 'none'.",
)
@click.option(
    "--quantiles",
    type=click.Choice(["neestimator", "exact"]),
    default="neestimator",
    show_default=True,
    help="neestimator: NeEstimator v2's tabled chi-square and t values (identical numbers); exact: exact quantiles.",
)
@click.option(
    "--pairs",
    type=click.Choice(["all", "between_chromosomes", "within_chromosomes"]),
    default="all",
    show_default=True,
    help="Pairs of loci for LD; the chromosome options need loci with positions (VCF).",
)
@click.option(
    "--generations",
    default=None,
    metavar="GENS",
    help="Temporal method: generation of each sample, comma-separated in file order (0,5) "
    "or as NAME=GEN pairs (2019=0,2024=5).",
)
@click.option(
    "--census",
    type=click.IntRange(min=1),
    default=None,
    help="Temporal method: census size N for sampling plan I (default: plan II).",
)
@threads_option
@force_option
def command(
    genotypes: Path,
    out_dir: Path,
    fmt: str | None,
    missing: str | None,
    methods: str,
    pcrit: str,
    by: str,
    mating: str,
    ci: str,
    quantiles: str,
    pairs: str,
    generations: str | None,
    census: int | None,
    threads: int,
    force: bool,
) -> None:
    """Estimate the effective population size from GENOTYPES, per population.

    Writes DIR/ne.tsv (one row per population x method x Pcrit: pop, method,
    mating, pcrit, n_individuals, s_harmonic, n_comparisons, r2, r2_expected,
    d, f, f_prime, ne, ci_param_low, ci_param_high, ci_jack_low, ci_jack_high,
    jack_df, ci_jackloci_low, ci_jackloci_high, jackloci_df, n_loci, n_pairs,
    reason; infinite values written 'inf'), a
    NeEstimator-style DIR/ne_summary.txt, a plot DIR/ne.png of Ne with CIs by
    Pcrit and DIR/run.json.  The temporal method compares every pair of samples
    (the populations of --by) taken at the --generations given.
    """
    check_output(out_dir / "ne.tsv", force)
    try:
        parse_pcrit(pcrit)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--pcrit") from None
    chosen = _split(methods)
    bad = [m for m in chosen if m not in METHODS]
    if bad or not chosen:
        raise click.BadParameter(
            f"unknown method(s) {', '.join(bad) or '(none)'}; choose from {', '.join(METHODS)}",
            param_hint="--method",
        )
    matings = _split(mating)
    if not matings or any(m not in ("random", "monogamy") for m in matings):
        raise click.BadParameter("choose random and/or monogamy", param_hint="--mating")
    cis = [] if ci.strip().lower() == "none" else _split(ci)
    if any(c not in CI_KINDS for c in cis):
        raise click.BadParameter(f"choose among {', '.join(CI_KINDS)}, or none", param_hint="--ci")
    group = None if by.lower() == "none" else ("population" if by == "pop" else by)
    gens = _generations(generations)
    if "temporal" in chosen and gens is None:
        raise click.BadParameter(
            "the temporal method needs --generations", param_hint="--generations"
        )
    table = read_genotypes(genotypes, fmt, **reader_options(missing))
    if table.ploidy != 2:
        raise InputError(
            Problem(
                f"genotypes of ploidy {table.ploidy}",
                "diploid genotypes (Ne methods need them)",
                str(genotypes),
            )
        )
    parameters = dict(
        methods=chosen,
        pcrit=pcrit,
        by=group,
        mating=matings,
        ci=cis,
        quantiles=quantiles,
        pairs=pairs,
        generations=gens,
        census=census,
        threads=threads,
    )
    result = estimate_ne(
        table,
        chosen,
        pcrit,
        by=group,
        mating=matings,
        ci=cis,
        quantiles=quantiles,
        pairs=pairs,
        num_threads=threads,
        generations=gens,
        census=census,
    )
    provenance = make_provenance(parameters=parameters, inputs=[genotypes])
    write_ne(result, out_dir, provenance)
    info(f"wrote {out_dir}/ne.tsv ({len(result)} estimates)")
