"""Marker and population statistics: is a panel fit for identification and monitoring?

Per-locus diversity and Hardy-Weinberg tests (:func:`locus_stats`),
probability of identity (:func:`probability_of_identity`), pairwise linkage
disequilibrium (:func:`linkage_disequilibrium`), differentiation between
populations (:func:`differentiation`) and population assignment
(:func:`assign_individuals`).  :func:`analyse_markers` runs them all and
:func:`write_markers` writes ``locus_stats.tsv``, ``identity.tsv``,
``ld.tsv``, ``differentiation.tsv``, ``assignment.tsv``, plots and
``run.json``.

Every undefined value is NaN with a ``reason``; the named warnings below say
what happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ._common import (
    ALL,
    MarkerWarning,
    MonomorphicLocusWarning,
    PanelPowerWarning,
    RarefactionWarning,
    SmallPopulationWarning,
    UntypedLocusWarning,
    benjamini_hochberg,
    group_labels,
)
from .assignment import assign_individuals, genotype_log10_likelihoods
from .differentiation import differentiation, g2st, jost_d, nei_chesser, wc84_components
from .diversity import LOCUS_STATS_COLUMNS, allelic_richness, diversity_from_genotypes, locus_stats
from .hwe import HWETest, hwe_biallelic, hwe_enumerate, hwe_exact_test, hwe_mcmc
from .identity import IdentityResult, pi_from_frequencies, probability_of_identity
from .ld import genotypic_ld, linkage_disequilibrium, snp_r2, snp_r2_matrix
from .plots import plot_allele_frequencies, plot_identity_curve

__all__ = [
    "ALL",
    "MarkerWarning",
    "UntypedLocusWarning",
    "MonomorphicLocusWarning",
    "SmallPopulationWarning",
    "RarefactionWarning",
    "PanelPowerWarning",
    "LOCUS_STATS_COLUMNS",
    "MarkersResult",
    "analyse_markers",
    "write_markers",
    "locus_stats",
    "allelic_richness",
    "diversity_from_genotypes",
    "benjamini_hochberg",
    "HWETest",
    "hwe_exact_test",
    "hwe_biallelic",
    "hwe_enumerate",
    "hwe_mcmc",
    "IdentityResult",
    "probability_of_identity",
    "pi_from_frequencies",
    "linkage_disequilibrium",
    "genotypic_ld",
    "snp_r2",
    "snp_r2_matrix",
    "differentiation",
    "wc84_components",
    "nei_chesser",
    "jost_d",
    "g2st",
    "assign_individuals",
    "genotype_log10_likelihoods",
    "plot_identity_curve",
    "plot_allele_frequencies",
]

#: Float format of the TSV outputs (deterministic, enough digits for 4-decimal comparisons).
FLOAT_FORMAT = "%.6g"


@dataclass
class MarkersResult:
    """Everything :func:`analyse_markers` computed, with the parameters used."""

    locus_stats: pd.DataFrame
    identity: IdentityResult
    ld: pd.DataFrame
    differentiation: pd.DataFrame | None
    assignment: pd.DataFrame | None
    parameters: dict[str, Any] = field(default_factory=dict)


def analyse_markers(
    table: GenotypeTable,
    by: str | None = None,
    *,
    seed: int | None = None,
    rarefaction_n: int | None = None,
    ld_permutations: int = 1000,
    n_boot: int = 1000,
    n_perm: int = 999,
    pairwise: bool = True,
    assignment_method: str = "rannala_mountain",
    n_sim: int = 10_000,
    migrant_alpha: float = 0.01,
    hwe_burn_in: int = 10_000,
    hwe_batches: int = 20,
    hwe_batch_size: int = 5_000,
    num_threads: int = 1,
) -> MarkersResult:
    """Run every marker statistic on a table.

    Differentiation and assignment need ``by`` and at least two populations;
    otherwise they are ``None``.  A seed is drawn (and recorded in
    ``parameters``) when ``seed`` is None; each analysis gets its own stream
    spawned from it, so adding one does not change the others.

    Examples
    --------
    >>> import warnings
    >>> t = GenotypeTable.from_alleles([[[1, 2]], [[1, 1]], [[2, 2]], [[1, 2]]], ["A"])
    >>> with warnings.catch_warnings():  # one locus cannot reach PIsibs < 0.01
    ...     warnings.simplefilter("ignore", PanelPowerWarning)
    ...     r = analyse_markers(t, seed=1, ld_permutations=0)
    >>> r.locus_stats["n_typed"].tolist(), r.differentiation is None
    ([4], True)
    """
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    n_groups = len(group_labels(table, by)[1]) if by is not None else 1
    identity = probability_of_identity(table)
    stats = locus_stats(table, by, rarefaction_n=rarefaction_n, seed=streams[0], burn_in=hwe_burn_in,
                        n_batches=hwe_batches, batch_size=hwe_batch_size)
    ld = linkage_disequilibrium(table, by, n_perm=ld_permutations, seed=streams[1], num_threads=num_threads)
    diff = assign = None
    if by is not None and n_groups >= 2:
        diff = differentiation(table, by, n_boot=n_boot, n_perm=n_perm, pairwise=pairwise, seed=streams[2])
        assign = assign_individuals(table, by, method=assignment_method, n_sim=n_sim, alpha=migrant_alpha,
                                    seed=streams[3])
    parameters = {
        "by": by, "seed": seed, "rarefaction_n": rarefaction_n, "ld_permutations": ld_permutations,
        "n_boot": n_boot, "n_perm": n_perm, "pairwise": pairwise, "assignment_method": assignment_method,
        "n_sim": n_sim, "migrant_alpha": migrant_alpha, "hwe_burn_in": hwe_burn_in,
        "hwe_batches": hwe_batches, "hwe_batch_size": hwe_batch_size,
        "conventions": {
            "typed": "complete diploid calls only",
            "he": "1 - sum p^2 (biased gene diversity)",
            "he_unbiased": "Nei 1978: 2n/(2n-1) * he",
            "hs_nei1987": "Nei 1987: n/(n-1) * (he - ho/(2n))",
            "f_is": "Weir & Cockerham 1984, one sample: 1 - ho/hs_nei1987",
            "pi_unbiased_m": "2n gene copies",
            "identity_order": "PIsibs ascending, ties by PI",
            "hwe": "exact-biallelic (Wigginton 2005) / exact-enumeration (<= 4 alleles, <= 500 individuals, <= 50000 tables) / "
                   "Guo & Thompson MCMC (hwe_burn_in, hwe_batches x hwe_batch_size steps)",
            "null_allele": "Brookfield 1996 estimator 1 with he_unbiased",
            "ld": "genotype contingency G test by permutation (within populations when grouped); "
                  "r2 = squared dosage correlation for biallelic pairs",
            "differentiation": "WC84 ratio of sums; Jost D and G''st from mean Nei-Chesser Hs, Ht",
        },
    }
    return MarkersResult(stats, identity, ld, diff, assign, parameters)


def write_markers(result: MarkersResult, out_dir: str | Path, provenance: dict[str, Any],
                  table: GenotypeTable | None = None,
                  plot_formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Write the result's tables, plots and ``run.json`` into ``out_dir``; return the paths.

    The allele-frequency plot needs ``table``; the PI curve is always drawn.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def tsv(df: pd.DataFrame, name: str) -> None:
        path = out_dir / name
        df.to_csv(path, sep="\t", index=False, float_format=FLOAT_FORMAT, na_rep="NA")
        written.append(path)

    tsv(result.locus_stats, "locus_stats.tsv")
    tsv(result.identity.table, "identity.tsv")
    tsv(result.ld, "ld.tsv")
    if result.differentiation is not None:
        tsv(result.differentiation, "differentiation.tsv")
    if result.assignment is not None:
        tsv(result.assignment, "assignment.tsv")
    for fmt in plot_formats:
        written.append(plot_identity_curve(result.identity.table, out_dir / f"identity_curve.{fmt}"))
        if table is not None:
            written.append(plot_allele_frequencies(table, out_dir / f"allele_frequencies.{fmt}"))
    run = dict(provenance)
    run["results"] = {
        "pi_sibs_loci_needed": {str(k): v for k, v in result.identity.loci_needed.items()},
        "pi_loci_needed": {str(k): v for k, v in result.identity.loci_needed_pi.items()},
        "files": [p.name for p in written],
    }
    path = out_dir / "run.json"
    path.write_text(json.dumps(run, indent=2, sort_keys=True, default=str) + "\n")
    written.append(path)
    return written
