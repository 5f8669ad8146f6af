"""``genmon parentage``: most likely parent of each offspring (exclusion, LOD, Δ, confidence)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..identify.catalogue import read_catalogue
from ..io import read_genotypes
from ..io._tsv_writer import write_tsv
from ..provenance import make_provenance
from ..relate.candidates import catalogue_candidates, intersect_allowed
from ..relate.frequencies import read_allele_frequencies
from ..relate.parentage import ERROR_MODELS, assign_parentage, read_id_source, read_known_mothers
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
    seed_option,
)


def _write_tsv(frame, path: Path) -> None:
    write_tsv(frame, path, float_format="%.6f", na_rep="nan")


@click.command("parentage")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for parentage.tsv, candidates.tsv, critical_delta.tsv and run.json.")
@click.option("--offspring", required=True, metavar="IDS_FILE_OR_COLUMN",
              help="File of offspring ids (one per line), or a samples column whose true values mark offspring.")
@click.option("--candidates", default=None, metavar="FILE_OR_COLUMN",
              help="Candidate parents: a file of ids, a table with columns candidate and offspring (the "
                   "candidates allowed for each offspring, e.g. from birth and detection dates), or a samples "
                   "column. Default: every individual not listed as offspring.")
@click.option("--known-mothers", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Table with columns offspring and mother: candidates are then tested as fathers given the mother.")
@click.option("--sex", type=click.Choice(["F", "M"], case_sensitive=False), default=None,
              help="Keep only candidates of this sex (samples column sex, or the catalogue's sex calls with "
                   "--catalogue); a candidate without a sex call is an error.")
@click.option("--catalogue", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Identification catalogue (genmon identify) whose sex calls and detection dates restrict "
                   "the candidates; SOURCE must hold its individuals.")
@click.option("--first-seen-gap", type=float, default=None, metavar="DAYS",
              help="With --catalogue: keep candidates first detected at least DAYS before the offspring's "
                   "first detection (0: not after it; negative: up to -DAYS after it).")
@click.option("--alive-within", type=click.FloatRange(min=0), default=None, metavar="DAYS",
              help="With --catalogue: keep candidates last detected at most DAYS before the offspring's "
                   "first detection.")
@click.option("--allele-frequencies", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Table of locus, allele, frequency (population frequencies) used instead of the sample's.")
@click.option("--error-rate", type=click.FloatRange(0, 1, max_open=True), default=0.01, show_default=True,
              help="Per-genotype error rate in the likelihood (Kalinowski et al. 2007).")
@click.option("--error-model", type=click.Choice(ERROR_MODELS), default="cervus", show_default=True,
              help="cervus: CERVUS's likelihood equations (one error event per offspring-parent pair); full: the "
                   "exact sum over true genotypes when offspring and parent may both be mistyped.")
@click.option("--max-mismatches", type=click.IntRange(min=0), default=None,
              help="Exclusion tolerance: candidates mismatching the offspring at more loci (trio mismatches "
                   "with a known mother) are not ranked.")
@click.option("--simulations", type=click.IntRange(min=100), default=10000, show_default=True,
              help="Simulated offspring for the critical Δ values.")
@click.option("--sampled", type=click.FloatRange(0, 1), default=1.0, show_default=True,
              help="Proportion of true parents among the candidates, in the simulation; 1 assumes every "
                   "true parent was sampled (set it lower when adults were missed).")
@click.option("--typed-rate", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Proportion of loci typed in the simulation (default: as observed).")
@click.option("--sim-error-rate", type=click.FloatRange(0, 1, max_open=True), default=None,
              help="Error rate of simulated genotypes (default: --error-rate).")
@click.option("--sim-candidates", type=click.IntRange(min=1), default=None,
              help="Candidates per simulated offspring (default: the median number tested).")
@click.option("--from", "from_format", type=format_choice("reader"), default=None, help="Input format.")
@missing_option
@seed_option
@force_option
def command(source: Path, out_dir: Path, offspring: str, candidates: str | None, known_mothers: Path | None,
            sex: str | None, catalogue: Path | None, first_seen_gap: float | None, alive_within: float | None,
            allele_frequencies: Path | None, error_rate: float, error_model: str, max_mismatches: int | None, simulations: int, sampled: float,
            typed_rate: float | None, sim_error_rate: float | None, sim_candidates: int | None,
            from_format: str | None, missing: str | None, seed: int | None, force: bool) -> None:
    """Parentage of the offspring in SOURCE among candidate parents: mismatching loci, LOD, Δ and
    Cervus-style confidence (* 95 %, + 80 %) from simulated critical Δ values."""
    check_output(out_dir / "parentage.tsv", force)
    table = read_genotypes(source, from_format, **reader_options(missing))
    off_ids, _ = read_id_source(offspring, table, "offspring")
    cand_ids, allowed = (None, None) if candidates is None else read_id_source(candidates, table, "candidate")
    mothers = None if known_mothers is None else read_known_mothers(str(known_mothers))
    sexes = None
    if catalogue is not None:
        off_set = set(off_ids)
        pool = cand_ids if cand_ids is not None else [s for s in map(str, table.sample_id) if s not in off_set]
        by_dates, sexes = catalogue_candidates(read_catalogue(catalogue), off_ids, pool, first_seen_gap,
                                               alive_within)
        allowed = intersect_allowed(allowed, by_dates)
    elif first_seen_gap is not None or alive_within is not None:
        raise click.UsageError("--first-seen-gap and --alive-within need --catalogue")
    freqs = None if allele_frequencies is None else read_allele_frequencies(allele_frequencies, table)
    result = assign_parentage(
        table, off_ids, cand_ids, allowed, mothers, sex=None if sex is None else sex.upper(), sexes=sexes,
        frequencies=freqs,
        error_rate=error_rate,
        error_model=error_model, max_mismatches=max_mismatches, n_simulations=simulations, sampled=sampled, typed_rate=typed_rate,
        sim_error_rate=sim_error_rate, n_candidates=sim_candidates, seed=seed, source=str(source),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    cols = ["offspring", "candidate", "n_loci_compared", "mismatches", "lod", "delta", "confidence", "runner_up",
            "known_mother", "trio_mismatches", "n_candidates"]
    _write_tsv(result.assignments[cols], out_dir / "parentage.tsv")
    _write_tsv(result.candidates, out_dir / "candidates.tsv")
    _write_tsv(result.critical, out_dir / "critical_delta.tsv")
    inputs = [source, *(Path(p) for p in (offspring, candidates) if p is not None and Path(p).is_file())]
    if known_mothers is not None:
        inputs.append(known_mothers)
    if allele_frequencies is not None:
        inputs.append(allele_frequencies)
    params = dict(result.parameters)
    if catalogue is not None:
        inputs.append(catalogue / "individuals.tsv")
        params.update(catalogue=str(catalogue), first_seen_gap=first_seen_gap, alive_within=alive_within)
    params["allele_frequencies"] = None if allele_frequencies is None else str(allele_frequencies)
    prov = make_provenance(command="genmon parentage", parameters=params,
                           seed=result.parameters["seed"], inputs=inputs)
    (out_dir / "run.json").write_text(json.dumps(prov, indent=2, sort_keys=True) + "\n")
    n_conf = int((result.assignments["confidence"] == "*").sum()) if len(result.assignments) else 0
    info(f"wrote {out_dir}/parentage.tsv ({len(result.assignments)} offspring, {n_conf} at 95 %)")
