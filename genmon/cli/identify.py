"""``genmon identify``: which samples come from the same individual, known or new."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem
from ..identify.catalogue import new_catalogue, read_catalogue, write_catalogue
from ..identify.core import METHODS, identify_individuals
from ..identify.likelihood import ErrorRates
from ..identify.output import write_identify
from ..io import read_genotypes
from ..labqc.sex import read_sex_calls, read_species_calls
from ..labqc.species import GROUPS
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


def _allele_mismatch(ctx, param, value: str):
    if value is None or value.strip().lower() == "auto":
        return "auto"
    try:
        number = float(value)
    except ValueError:
        raise click.BadParameter(f'"{value}" is neither a number nor "auto"') from None
    if number < 0 or not np.isfinite(number):
        raise click.BadParameter(f"{value} must be a number >= 0")
    return number


def _error_rates(path: Path | None, ado: float, fa: float, loci: list[str]) -> ErrorRates:
    if path is None:
        return ErrorRates.uniform(len(loci), ado, fa)
    df = pd.read_csv(path, sep=None, engine="python", dtype=str)
    cols = {c.strip().lower(): c for c in df.columns}
    lacking = [c for c in ("locus", "ado", "fa") if c not in cols]
    if lacking:
        raise InputError(
            Problem(f"columns {', '.join(df.columns)}", "columns locus, ado, fa", str(path), line=1)
        )
    rates = {}
    problems = []
    for k, row in enumerate(df.itertuples(index=False), start=2):
        rec = dict(zip(df.columns, row, strict=True))
        locus = str(rec[cols["locus"]]).strip()
        try:
            a, f = float(rec[cols["ado"]]), float(rec[cols["fa"]])
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    f'"{rec[cols["ado"]]}", "{rec[cols["fa"]]}"',
                    "two rates in [0, 1)",
                    str(path),
                    line=k,
                    locus=locus,
                )
            )
            continue
        if not (0 <= a < 1 and 0 <= f < 1):
            problems.append(
                Problem(f"ado {a:g}, fa {f:g}", "rates in [0, 1)", str(path), line=k, locus=locus)
            )
            continue
        rates[locus] = (a, f)
    missing = [x for x in loci if x not in rates]
    if missing:
        problems.append(
            Problem(
                f"no rates for {', '.join(missing)}",
                "one row per locus of the genotypes",
                str(path),
            )
        )
    if problems:
        raise InputError(problems)
    return ErrorRates(np.array([rates[x][0] for x in loci]), np.array([rates[x][1] for x in loci]))


def _keep_target_species(table, calls: dict[str, str], target: str):
    """The table without samples called as another species, and those samples with their call."""
    want = " ".join(target.split()[:2])

    def is_target(species: str) -> bool:
        return species == want or GROUPS.get(species, "other") == target.strip().lower()

    ids = table.sample_id.astype(str)
    drop = np.array([s in calls and not is_target(calls[s]) for s in ids], dtype=bool)
    other = pd.DataFrame({"sample": ids[drop], "species": [calls[s] for s in ids[drop]]}, dtype=object)
    return table.subset(samples=~drop), other


def _with_sex_calls(table, calls: dict[str, str]):
    samples = table.samples.copy()
    old = samples["sex"] if "sex" in samples else pd.Series(None, index=samples.index, dtype=object)
    samples["sex"] = [calls.get(str(s), o) for s, o in zip(samples["sample_id"], old, strict=True)]
    return table.with_samples(samples)


@click.command("identify")
@click.argument("genotypes", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for assignments.tsv, individuals.tsv, individuals.csv (one genotype per individual, "
    "wide format), near_misses.tsv, captures.tsv, profile.tsv, profile.png and run.json.",
)
@click.option(
    "--from",
    "--format",
    "fmt",
    type=format_choice("reader"),
    default=None,
    help="Format of GENOTYPES (guessed from the file when omitted).",
)
@missing_option
@click.option(
    "--catalogue",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Catalogue directory of known individuals to match the samples against.",
)
@click.option(
    "--save-catalogue",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the updated catalogue (or a new one) to this directory.",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="likelihood",
    show_default=True,
    help="likelihood: likelihood ratios with per-locus dropout and false-allele rates (the default: more "
    "accurate than allelematch's clustering on its own example sets 2-4 and without false merges of "
    "full siblings in simulations); mismatch: allelematch's definitions, for identical results.",
)
@click.option(
    "--allele-mismatch",
    default="auto",
    callback=_allele_mismatch,
    show_default=True,
    help='Allele mismatches tolerated (a missing allele counts half), or "auto" for allelematch\'s choice '
    "from the profile.",
)
@click.option(
    "--min-loci",
    type=click.IntRange(min=0),
    default=None,
    help="Samples typed at fewer loci are left unassigned (default: half the loci; 0 keeps all, as "
    "allelematch does).",
)
@click.option(
    "--match-sex",
    is_flag=True,
    help="Compare the sex call as one more allele column (as allelematch's example 5 does).",
)
@click.option(
    "--ado",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.05,
    show_default=True,
    help="Allelic dropout rate per locus for the likelihood method.",
)
@click.option(
    "--fa",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.01,
    show_default=True,
    help="False-allele rate per locus for the likelihood method.",
)
@click.option(
    "--error-rates",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Table of per-locus rates (columns locus, ado, fa) instead of --ado/--fa.",
)
@click.option(
    "--min-posterior",
    type=click.FloatRange(0, 1),
    default=0.95,
    show_default=True,
    help="Likelihood method: assignments with a lower posterior are reported as ambiguous.",
)
@click.option(
    "--id-pattern",
    default=None,
    help="Pattern for new individual ids with a field {n}, e.g. PTA-RU-{n:04d} (default: the "
    "catalogue's, or IND-{n:04d}).",
)
@click.option(
    "--species",
    default=None,
    help="Species recorded in a new catalogue (e.g. Panthera tigris altaica).",
)
@click.option(
    "--batch",
    default=None,
    help="Name of this batch in the catalogue history (default: the file name). With --db: the "
    "imported batch whose consensus is matched (default: every current batch).",
)
@click.option(
    "--db",
    default=None,
    help="Match the latest consensus genotypes stored in this database (SQLite path or URL) against its "
    "catalogue, and store the new individuals, recaptures and events there, instead of GENOTYPES and "
    "--catalogue.",
)
@click.option(
    "--db-catalogue",
    default="main",
    show_default=True,
    help="With --db: name of the catalogue in the database.",
)
@click.option(
    "--sex-calls",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Sex calls from 'genmon sex': a sample's F/M call replaces its sample-sheet sex, so that "
    "individuals.tsv gives each individual its sex (or 'conflict').",
)
@click.option(
    "--species-calls",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Species calls from 'genmon species call': samples called as another species than "
    "--target-species are left out (listed in other_species.tsv); uncertain calls are kept.",
)
@click.option(
    "--target-species",
    default=None,
    metavar="SPECIES",
    help="The species identified here with --species-calls: a binomial (Panthera pardus; a subspecies "
    "name counts as its species) or a group (leopard, tiger).",
)
@threads_option
@force_option
def command(
    genotypes: Path,
    out_dir: Path,
    fmt: str | None,
    missing: str | None,
    catalogue: Path | None,
    save_catalogue: Path | None,
    method: str,
    allele_mismatch,
    min_loci: int | None,
    match_sex: bool,
    ado: float,
    fa: float,
    error_rates: Path | None,
    min_posterior: float,
    id_pattern: str | None,
    species: str | None,
    batch: str | None,
    db: str | None,
    db_catalogue: str,
    sex_calls: Path | None,
    species_calls: Path | None,
    target_species: str | None,
    threads: int,
    force: bool,
) -> None:
    """Assign the samples in GENOTYPES (one genotype per field sample) to
    individuals: recaptures of catalogue individuals or new individuals, with
    ambiguous and unassigned samples listed with their reasons.
    """
    check_output(out_dir / "assignments.tsv", force)
    if (genotypes is None) == (db is None):
        raise click.UsageError("give either GENOTYPES or --db")
    if db is not None and (catalogue is not None or save_catalogue is not None):
        raise click.UsageError("--db keeps the catalogue in the database; drop --catalogue/--save-catalogue")
    if (species_calls is None) != (target_species is None):
        raise click.UsageError("--species-calls and --target-species go together")
    species_of = read_species_calls(species_calls) if species_calls is not None else None
    sex_of = read_sex_calls(sex_calls) if sex_calls is not None else None
    left_out = []

    def run(table, cat):
        if species_of is not None:
            table, other = _keep_target_species(table, species_of, target_species)
            left_out.append(other)
        if sex_of is not None:
            table = _with_sex_calls(table, sex_of)
        if cat is None and species is not None:
            cat = new_catalogue(table, id_pattern or "IND-{n:04d}", species=species)
        loci = cat.loci if cat is not None else table.locus_id
        rates = _error_rates(error_rates, ado, fa, loci)
        return identify_individuals(
            table,
            catalogue=cat,
            method=method,
            allele_mismatch=allele_mismatch,
            min_loci=min_loci,
            include_sex=match_sex,
            error_rates=rates,
            id_pattern=id_pattern,
            min_posterior=min_posterior,
            batch=batch or (genotypes.name if genotypes is not None else "database"),
            num_threads=threads,
        )

    extra_inputs = [f for f in (error_rates, sex_calls, species_calls) if f is not None]
    if db is not None:
        from ..db.steps import identify_in_database

        result, provenance = identify_in_database(
            db, run, batch_name=batch, catalogue=db_catalogue, command="genmon " + " ".join(sys.argv[1:])
        )
        if result is None:
            info(
                f"all {provenance['skipped']} samples of the stored consensus are already in catalogue "
                f"{db_catalogue}: nothing to identify",
            )
            return
        provenance["inputs"] = make_provenance(inputs=extra_inputs)["inputs"]
    else:
        table = read_genotypes(genotypes, fmt, **reader_options(missing))
        cat = read_catalogue(catalogue) if catalogue is not None else None
        result = run(table, cat)
        inputs = [genotypes] + extra_inputs + ([catalogue / "catalogue.json"] if catalogue else [])
        params = dict(result.parameters)
        if species_calls is not None:
            params["target_species"] = target_species
        provenance = make_provenance(parameters=params, inputs=inputs)
    write_identify(result, out_dir, provenance)
    if left_out:
        left_out[0].to_csv(out_dir / "other_species.tsv", sep="\t", index=False, lineterminator="\n")
    if save_catalogue is not None:
        write_catalogue(result.catalogue, save_catalogue)
    s = result.summary
    info(
        f"wrote {out_dir}/assignments.tsv: {s['n_samples']} samples, {s['n_individuals']} individuals "
        f"({s['n_new']} new, {s['n_recaptured']} recaptured), {s['n_ambiguous']} ambiguous, "
        f"{s['n_unassigned']} unassigned"
        + (f"; {len(left_out[0])} samples of other species left out" if left_out else ""),
    )
