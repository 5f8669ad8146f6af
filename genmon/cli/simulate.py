"""``genmon simulate``: a seeded non-invasive monitoring batch with known truth."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from ..simulate import (
    ADO_MODELS,
    PRESETS,
    SimulationError,
    output_paths,
    resolve_parameters,
    simulate_batch,
    write_batch,
)
from ._options import check_output, force_option, seed_option

#: CLI option name -> simulate_batch parameter (same name with "_" unless listed).
_RENAMED = {"occasions": "n_occasions"}
_NOT_PARAMETERS = ("output", "seed", "preset", "force", "season_start", "season_end")


def _weights(text: str, option: str) -> dict[str, float]:
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f'"{part}" is not NAME=WEIGHT', param_hint=option) from None
        if not sep or not name.strip():
            raise click.BadParameter(f'"{part}" is not NAME=WEIGHT', param_hint=option)
    return out


def _rate(text: str | None, option: str) -> Any:
    if text is None:
        return None
    if ":" in text:
        return text
    try:
        return float(text)
    except ValueError:
        raise click.BadParameter(
            f'"{text}" is not a rate or a range LO:HI', param_hint=option
        ) from None


def _command_line(ctx: click.Context) -> str:
    """The command as it could be typed again (options in canonical order)."""
    words = ["genmon", "simulate"]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is None or value is False or param.name == "force":
            continue
        flag = max(param.opts, key=len)
        words += [flag] if value is True else [flag, str(value)]
    return shlex.join(words)


@click.command("simulate")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the batch and its truth into (created if needed).",
)
@seed_option
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default=None,
    help="Start from a named parameter set; amur-leopard gives about 300 samples from about 100 leopards, 14 STRs, a sex marker and 3 replicates.",
)
@click.option(
    "--n-individuals",
    type=click.IntRange(min=2),
    default=None,
    help="Census size of every generation.",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1),
    default=None,
    help="Recorded generations after the founders; the last one is sampled.",
)
@click.option(
    "--burn-in",
    type=click.IntRange(min=0),
    default=None,
    help="Unrecorded generations of drift before the pedigree starts.",
)
@click.option(
    "--male-fraction",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Fraction of males in every generation.",
)
@click.option(
    "--monogamy",
    is_flag=True,
    default=None,
    help="Breed in monogamous pairs instead of random mating.",
)
@click.option(
    "--mutation-rate",
    type=click.FloatRange(0, 1),
    default=None,
    help="Stepwise mutation rate per microsatellite allele per generation.",
)
@click.option(
    "--full-sib-families",
    type=click.IntRange(min=0),
    default=None,
    help="Force this many full-sib families into the sampled generation.",
)
@click.option(
    "--full-sib-size",
    type=click.IntRange(min=2),
    default=None,
    help="Members of each forced full-sib family.",
)
@click.option(
    "--n-str", type=click.IntRange(min=0), default=None, help="Number of microsatellite loci."
)
@click.option(
    "--n-snp",
    type=click.IntRange(min=0),
    default=None,
    help="Number of unlinked SNP loci (written as snps.vcf).",
)
@click.option(
    "--alleles-min",
    type=click.IntRange(min=1),
    default=None,
    help="Fewest alleles per microsatellite in the founders.",
)
@click.option(
    "--alleles-max",
    type=click.IntRange(min=1),
    default=None,
    help="Most alleles per microsatellite in the founders.",
)
@click.option(
    "--sex-marker",
    type=click.Choice(["sry", "zfxy", "none"]),
    default=None,
    help="Sex marker typed with the microsatellites.",
)
@click.option(
    "--samples-per-individual",
    type=click.FloatRange(min=0),
    default=None,
    help="Mean (Poisson) number of scat and hair samples each living individual leaves.",
)
@click.option(
    "--sample-types",
    default=None,
    metavar="TYPE=W,...",
    help="Sample type weights, e.g. scat=0.8,hair=0.2.",
)
@click.option(
    "--quality-mix",
    default=None,
    metavar="CLASS=W,...",
    help="DNA quality class weights among high, medium and low, e.g. high=0.3,medium=0.5,low=0.2.",
)
@click.option(
    "--season-start", default=None, metavar="DATE", help="First collection date (ISO 8601)."
)
@click.option("--season-end", default=None, metavar="DATE", help="Last collection date (ISO 8601).")
@click.option(
    "--occasions",
    type=click.IntRange(min=1),
    default=None,
    help="Number of equal sampling occasions in the season.",
)
@click.option(
    "--replicates", type=click.IntRange(min=1), default=None, help="PCR replicates per sample."
)
@click.option(
    "--ado",
    default=None,
    metavar="RATE|LO:HI",
    help="Allelic dropout rate per locus for medium-quality samples, or a range drawn per locus.",
)
@click.option(
    "--fa",
    default=None,
    metavar="RATE|LO:HI",
    help="False allele rate per locus for medium-quality samples, or a range drawn per locus.",
)
@click.option(
    "--fail-rate",
    default=None,
    metavar="RATE|LO:HI",
    help="Amplification failure rate per locus for medium-quality samples, or a range.",
)
@click.option(
    "--ado-model",
    type=click.Choice(list(ADO_MODELS)),
    default=None,
    help="amplification: a heterozygote shows one allele with the ADO rate; allele: each allele copy drops independently.",
)
@force_option
@click.pass_context
def command(
    ctx: click.Context,
    output: Path,
    seed: int | None,
    preset: str | None,
    force: bool,
    **options: Any,
) -> None:
    """Simulate a non-invasive monitoring batch with known truth.

    Writes the raw replicate PCR calls (replicates.long.csv and a
    GeneMapper-like replicates_genemapper.txt), the field sample sheet with
    exact coordinates, snps.vcf when SNPs are asked for, and the truth:
    truth_samples.tsv, truth_genotypes.csv, truth_errors.csv, pedigree.tsv
    and truth.json (parameters, seed, expected and realised Ne, provenance).
    The same seed gives the same files.
    """
    params: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or name in _NOT_PARAMETERS:
            continue
        if name in ("ado", "fa", "fail_rate"):
            value = _rate(value, "--" + name.replace("_", "-"))
        elif name in ("sample_types", "quality_mix"):
            value = _weights(value, "--" + name.replace("_", "-"))
        elif name == "sex_marker" and value == "none":
            value = None
        params[_RENAMED.get(name, name)] = value
    if options.get("season_start") or options.get("season_end"):
        base = resolve_parameters(preset)["season"]
        params["season"] = [
            options.get("season_start") or base[0],
            options.get("season_end") or base[1],
        ]
    try:
        resolved = resolve_parameters(preset, **params)
    except SimulationError as exc:
        raise click.UsageError(str(exc)) from None
    for path in output_paths(None, output, with_snps=int(resolved["n_snp"]) > 0):
        check_output(path, force)
    try:
        result = simulate_batch(seed=seed, preset=preset, **params)
    except SimulationError as exc:
        raise click.UsageError(str(exc)) from None
    if seed is None:
        ctx.params["seed"] = result.seed
    write_batch(result, output, force=True, command=_command_line(ctx))
    click.echo(
        f"wrote {output}: {len(result.samples)} samples from {result.truth_info['n_sampled_individuals']} of "
        f"{result.truth.n_samples} individuals, {result.replicates.n_samples} replicate rows x "
        f"{result.replicates.n_loci} loci (seed {result.seed})",
        err=True,
    )
