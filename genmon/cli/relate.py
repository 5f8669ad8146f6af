"""``genmon relate``: pairwise relatedness and kinship classes; ``genmon relate power``."""

from __future__ import annotations

import json
from pathlib import Path

import click
import numpy as np
import pandas as pd

from ..io import read_genotypes
from ..io._tsv_writer import write_tsv
from ..provenance import make_provenance
from ..relate import CONVENTIONS, ESTIMATORS, relatedness_power
from ..relate.pairs import plot_histogram, plot_network, relate_pairs
from ._options import (
    check_output,
    force_option,
    format_choice,
    info,
    missing_option,
    reader_options,
    seed_option,
    threads_option,
)


class _DefaultToEstimate(click.Group):
    """``genmon relate FILE`` means ``genmon relate estimate FILE``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["estimate", *args]
        return super().parse_args(ctx, args)


@click.group("relate", cls=_DefaultToEstimate)
def command() -> None:
    """Pairwise relatedness (`genmon relate GENOTYPES -o DIR`) and the panel's
    power to resolve relationships (`genmon relate power GENOTYPES -o DIR`)."""


def _write_tsv(frame, path: Path) -> None:
    write_tsv(frame, path, float_format="%.6f", na_rep="nan")


def _read(source: Path, from_format: str | None, missing: str | None):
    return read_genotypes(source, from_format, **reader_options(missing))


@command.command("estimate")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for pairs.tsv, plots and run.json.")
@click.option("--estimator", "estimators", default=",".join(ESTIMATORS), show_default=True,
              help="Comma-separated estimators: qg, lr, lynchli, ritland, wang (moment estimators), dyadml "
                   "(Milligan's dyadic maximum likelihood), trioml (Wang's triadic maximum likelihood) and, for SNP "
                   "panels, king (KING-robust kinship as "
                   "plink2 computes it) and ibd (PLINK's Z0, Z1, Z2, PI_HAT).")
@click.option("--convention", type=click.Choice(CONVENTIONS), default="coancestry", show_default=True,
              help="coancestry: COANCESTRY/related's conventions; published: the papers' formulas.")
@click.option("--frequencies", type=click.Choice(["sample", "exclude_pair"]), default="sample", show_default=True,
              help="Allele frequencies from the whole sample, or without the pair (QG, LR, Ritland).")
@click.option("--classes/--no-classes", default=True, show_default=True,
              help="Add the most likely kinship class (PO, FS, HS, U) and its log-likelihood support.")
@click.option("--inbreeding", is_flag=True,
              help="dyadml and trioml: allow inbred individuals (nine Jacquard coefficients, 66 triadic ones; "
                   "else only those of outbred individuals).")
@click.option("--error-rate", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              help="Genotyping error rate per locus, used by dyadml, trioml and the kinship classes.")
@click.option("--references", "n_reference", type=click.IntRange(min=1), default=100, show_default=True,
              help="trioml: simulated unrelated reference individuals (seeded by --seed).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0), default=0, show_default=True,
              help="Bootstrap replicates over loci for 95% intervals (<estimator>_ci_low, _ci_high); 0 = none.")
@click.option("--bootstrap-interval", "interval", type=click.Choice(["coancestry", "quantile"]), default="coancestry",
              show_default=True,
              help="Interval endpoints: COANCESTRY's order statistics, or linearly interpolated quantiles.")
@seed_option
@click.option("--matrix", is_flag=True, help="Also write one square matrix per estimator.")
@threads_option
@click.option("--from", "from_format", type=format_choice("reader"), default=None, help="Input format.")
@missing_option
@force_option
def estimate(source: Path, out_dir: Path, estimators: str, convention: str, frequencies: str, classes: bool,
             inbreeding: bool, error_rate: float, n_reference: int, n_boot: int, interval: str, seed: int | None,
             matrix: bool, threads: int,
             from_format: str | None, missing: str | None, force: bool) -> None:
    """Relatedness of every pair of individuals in SOURCE (consensus genotypes)."""
    check_output(out_dir / "pairs.tsv", force)
    chosen = [e.strip() for e in estimators.split(",") if e.strip()]
    table = _read(source, from_format, missing)
    if (n_boot or "trioml" in chosen) and seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    errors = np.full(table.n_loci, error_rate) if error_rate > 0 else None
    pairs = relate_pairs(table, chosen, convention, frequencies, classes, errors, num_threads=threads,
                         inbreeding=inbreeding, bootstrap=n_boot, seed=seed, n_reference=n_reference,
                         interval=interval)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_tsv(pairs, out_dir / "pairs.tsv")
    # one value column per estimator: PLINK's IBD is summarised by PI_HAT
    value_columns = ["pi_hat" if name == "ibd" else name for name in chosen]
    if matrix:
        ids = [str(v) for v in table.sample_id]
        index = {v: k for k, v in enumerate(ids)}
        i = pairs["id_1"].astype(str).map(index).to_numpy()
        j = pairs["id_2"].astype(str).map(index).to_numpy()
        for name in value_columns:
            m = np.full((len(ids), len(ids)), np.nan)
            m[i, j] = m[j, i] = pairs[name].to_numpy(dtype=float)
            _write_tsv(pd.DataFrame(m, index=ids, columns=ids).reset_index(names="id"), out_dir / f"matrix_{name}.tsv")
    plot_histogram(pairs, value_columns, out_dir / "relatedness_histogram.svg")
    if classes:
        plot_network(pairs, out_dir / "kinship_network.svg")
    params = {"estimators": chosen, "convention": convention, "frequencies": frequencies, "classes": classes,
              "inbreeding": inbreeding, "error_rate": error_rate, "bootstrap": n_boot,
              "bootstrap_interval": interval}
    if "trioml" in chosen:
        params["trioml_references"] = n_reference
    prov = make_provenance(parameters=params, seed=seed, inputs=[source])
    (out_dir / "run.json").write_text(json.dumps(prov, indent=2, sort_keys=True) + "\n")
    info(f"wrote {out_dir}/pairs.tsv ({len(pairs)} pairs)")


@command.command("power")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the power tables and run.json.")
@click.option("--pairs", "n_pairs", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Simulated pairs per relationship class.")
@click.option("--convention", type=click.Choice(CONVENTIONS), default="coancestry", show_default=True)
@click.option("--from", "from_format", type=format_choice("reader"), default=None, help="Input format.")
@missing_option
@seed_option
@force_option
def power(source: Path, out_dir: Path, n_pairs: int, convention: str, from_format: str | None,
          missing: str | None, seed: int | None, force: bool) -> None:
    """Simulate PO, FS, HS and unrelated pairs from SOURCE's allele frequencies and report
    each estimator's means, spread and misclassification, and the likelihood classifier's."""
    check_output(out_dir / "power_summary.tsv", force)
    table = _read(source, from_format, missing)
    report = relatedness_power(table, n_pairs=n_pairs, seed=seed, convention=convention)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_tsv(report.summary, out_dir / "power_summary.tsv")
    _write_tsv(report.correlation, out_dir / "power_correlation.tsv")
    _write_tsv(report.estimator_confusion, out_dir / "power_estimator_confusion.tsv")
    _write_tsv(report.classifier_confusion, out_dir / "power_classifier_confusion.tsv")
    prov = make_provenance(parameters=report.parameters, seed=report.parameters["seed"], inputs=[source])
    (out_dir / "run.json").write_text(json.dumps(prov, indent=2, sort_keys=True) + "\n")
    info(f"wrote {out_dir}/power_summary.tsv")
