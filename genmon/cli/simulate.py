"""``genmon simulate``: a seeded non-invasive monitoring batch with known truth."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click

from ..labqc.species import load_panel
from ..simulate import (
    ADO_MODELS,
    PRESETS,
    SimulationError,
    output_paths,
    resolve_parameters,
    simulate_batch,
    write_batch,
)
from ._options import check_output, force_option, info, seed_option

#: CLI option name -> simulate_batch parameter (same name with "_" unless listed).
_RENAMED = {"occasions": "n_occasions"}
_NOT_PARAMETERS = ("output", "seed", "preset", "force", "season_start", "season_end", "mtdna_panel",
                   "mtdna_target", "mtdna_haplotypes", "mtdna_non_target")


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
        if value is None or value is False or value == () or param.name == "force":
            continue
        flag = max(param.opts, key=len)
        if isinstance(value, tuple):
            for v in value:
                words += [flag, str(v)]
        else:
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
@click.option(
    "--mtdna-panel",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Cytochrome b reference panel (GenBank or a 'genmon species build-reference' FASTA; repeatable): "
    "also write one species-ID read per sample drawn from it (mtdna_reads.fastq, truth_species.tsv) "
    "and add screened samples of other species.",
)
@click.option(
    "--mtdna-target",
    default=None,
    metavar="SPECIES",
    help="Species of the simulated population in the panel [default: Panthera pardus].",
)
@click.option(
    "--mtdna-haplotypes",
    default=None,
    metavar="ACC,...",
    help="Panel accessions the founders' haplotypes are drawn from [default: every sequence of the target].",
)
@click.option(
    "--mtdna-non-target",
    default=None,
    metavar="SPECIES=N,...",
    help="Screened samples of other species, e.g. 'Panthera tigris=8,absent=4' (absent: a carnivore "
    "outside the panel) [default: 8 tigers, 10 leopard cats, 2 lynx, 3 cats, 4 absent].",
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
    With --mtdna-panel also mtdna_reads.fastq (one cytochrome b read per
    sample, and screened samples of other species) and truth_species.tsv.
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
    panel, mtdna = None, {}
    if options.get("mtdna_panel"):
        panel = load_panel(options["mtdna_panel"])
        if options.get("mtdna_target"):
            mtdna["target_species"] = options["mtdna_target"]
        if options.get("mtdna_haplotypes"):
            mtdna["haplotypes"] = [a.strip() for a in options["mtdna_haplotypes"].split(",") if a.strip()]
        if options.get("mtdna_non_target"):
            counts = _weights(options["mtdna_non_target"], "--mtdna-non-target")
            if any(v < 0 or v != int(v) for v in counts.values()):
                raise click.BadParameter("counts must be whole numbers >= 0", param_hint="--mtdna-non-target")
            mtdna["non_target"] = {k: int(v) for k, v in counts.items()}
    elif any(options.get(k) for k in ("mtdna_target", "mtdna_haplotypes", "mtdna_non_target")):
        raise click.UsageError("--mtdna-target, --mtdna-haplotypes and --mtdna-non-target need --mtdna-panel")
    for path in output_paths(None, output, with_snps=int(resolved["n_snp"]) > 0, with_mtdna=panel is not None):
        check_output(path, force)
    try:
        extra = {"mtdna_panel": panel, "mtdna": mtdna} if panel is not None else {}
        result = simulate_batch(seed=seed, preset=preset, **extra, **params)
    except SimulationError as exc:
        raise click.UsageError(str(exc)) from None
    if seed is None:
        ctx.params["seed"] = result.seed
    write_batch(result, output, force=True, command=_command_line(ctx))
    info(
        f"wrote {output}: {len(result.samples)} samples from {result.truth_info['n_sampled_individuals']} of "
        f"{result.truth.n_samples} individuals, {result.replicates.n_samples} replicate rows x "
        f"{result.replicates.n_loci} loci (seed {result.seed})",
    )
