"""Writing the results of :func:`~genmon.identify.core.identify_individuals`.

Files (tab-separated, sorted rows, fixed float format, so reruns diff cleanly):

``assignments.tsv``
    sample, individual, status (``new``, ``recapture``, ``ambiguous``,
    ``unassigned``), posterior, n_loci_typed, n_loci_compared,
    mismatches_to_individual, runner_up, runner_up_posterior, reason.
``individuals.tsv``
    individual, status, n_samples, n_loci_typed, first_seen, last_seen, sex,
    pi, pisibs, samples, then the best genotype at each locus (``a/b``).
``near_misses.tsv``
    pairs near the mismatch threshold ``m`` (for re-genotyping): samples (or a
    sample and a catalogue individual) kept apart with at most ``m + margin``
    mismatches (``split_near_threshold``, or ``different_within_threshold``
    when within ``m`` but assigned elsewhere), and samples joined with more
    than ``max(m - margin, 0)`` mismatches (``joined_near_threshold``).
``captures.tsv``
    one row per detection (individual, sample, occasion, date, site, x, y):
    the input of ``genmon census``.
``profile.tsv`` and ``profile.png``
    unique individuals, unclassified and multiple-match samples per
    alleleMismatch setting (allelematch's ``amUniqueProfile``).
``run.json``
    provenance, parameters and a summary.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import write_genotypes
from ..model import GenotypeTable
from ..plotting import new_figure, save_figure
from .core import IdentifyResult

__all__ = ["OUTPUT_FILES", "write_identify", "plot_profile", "individual_genotypes"]

OUTPUT_FILES = (
    "assignments.tsv",
    "individuals.tsv",
    "individuals.csv",
    "near_misses.tsv",
    "captures.tsv",
    "profile.tsv",
    "run.json",
)


def _tsv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, sep="\t", index=False, float_format="%.6g", na_rep="", lineterminator="\n")


def plot_profile(profile: pd.DataFrame, path: str | Path) -> Path:
    """Unique individuals, multiple matches and unclassified samples against alleleMismatch."""
    fig, ax = new_figure()
    x = profile["allele_mismatch"]
    ax.plot(x, profile["unique"], "o-", color="tab:red", label="unique")
    ax.plot(x, profile["multiple_match"], "s-", color="black", label="multipleMatch")
    ax.plot(x, profile["unclassified"], "^:", color="grey", label="unclassified")
    best = profile[profile["guess_optimum"]]
    if len(best):
        ax.axvline(
            float(best["allele_mismatch"].iloc[0]),
            color="tab:blue",
            lw=1,
            ls="--",
            label=f"chosen ({profile['morphology'].iloc[0]})",
        )
    ax.set_xlabel("alleleMismatch (allele mismatches tolerated)")
    ax.set_ylabel("count")
    ax.legend(frameon=False)
    return save_figure(fig, path)


_INDIVIDUAL_COLUMNS = ("individual", "status", "n_samples", "n_loci_typed", "first_seen", "last_seen", "sex", "pi",
                       "pisibs", "samples")


def individual_genotypes(individuals: pd.DataFrame) -> GenotypeTable | None:
    """The individuals' best genotypes (``a/b`` text per locus, ``-`` missing) as a table.

    Returns ``None`` when there is no individual.
    """
    if individuals is None or not len(individuals):
        return None
    loci = [c for c in individuals.columns if c not in _INDIVIDUAL_COLUMNS]
    values = np.full((len(individuals), len(loci), 2), -1, dtype=np.int64)
    for j, locus in enumerate(loci):
        parts = individuals[locus].astype(str).str.split("/", n=1, expand=True).reindex(columns=[0, 1])
        for k in (0, 1):
            values[:, j, k] = pd.to_numeric(parts[k], errors="coerce").fillna(-1).astype(np.int64).to_numpy()
    samples = pd.DataFrame({"sample_id": individuals["individual"].astype(str)})
    if "sex" in individuals:
        samples["sex"] = individuals["sex"].replace("", pd.NA)
    return GenotypeTable.from_alleles(values, loci, samples=samples)


def write_identify(result: IdentifyResult, out_dir: str | Path, provenance: dict) -> list[Path]:
    """Write the identification outputs into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    a = result.assignments  # input order
    for name, df in (
        ("assignments.tsv", a),
        ("individuals.tsv", result.individuals),
        ("near_misses.tsv", result.near_misses),
        ("captures.tsv", result.captures),
    ):
        _tsv(df, out / name)
        written.append(out / name)
    genotypes = individual_genotypes(result.individuals)
    if genotypes is not None:
        # One consensus genotype per individual, for the steps that need individuals
        # rather than samples (markers, relate, ne).
        write_genotypes(genotypes, out / "individuals.csv", "wide")
        written.append(out / "individuals.csv")
    if result.profile is not None:
        _tsv(result.profile, out / "profile.tsv")
        written.append(out / "profile.tsv")
        written.append(plot_profile(result.profile, out / "profile.png"))
    run = dict(provenance)
    run["parameters"] = {**run.get("parameters", {}), **result.parameters}
    run["summary"] = result.summary
    (out / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True, default=str) + "\n")
    written.append(out / "run.json")
    return written
