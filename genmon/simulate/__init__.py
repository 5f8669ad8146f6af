"""Seeded simulator of non-invasive monitoring data with known truth.

A forward Wright-Fisher population with separate sexes and a recorded
pedigree (:mod:`~genmon.simulate.population`), Amur-like microsatellite,
SNP and sex-marker panels (:mod:`~genmon.simulate.markers`), scat and hair
sampling in a study area in Land of the Leopard National Park
(:mod:`~genmon.simulate.sampling`) and replicate PCRs with allelic dropout,
false alleles and failures (:mod:`~genmon.simulate.genotyping`).
:func:`simulate_batch` runs them all from one seed; :func:`write_batch`
writes the lab files (long CSV, GeneMapper export, sample sheet, VCF) and the
truth (individuals, genotypes, pedigree, error events, Ne, parameters and
provenance).

Examples
--------
>>> r = simulate_batch(seed=7, preset="amur-leopard")
>>> r.replicates.n_loci, r.parameters["replicates"]
(15, 3)
"""

from .batch import (
    DEFAULTS,
    PRESETS,
    SAMPLE_SHEET_COLUMNS,
    SimulationError,
    SimulationResult,
    output_paths,
    resolve_parameters,
    simulate_batch,
    write_batch,
)
from .genotyping import ADO_MODELS, QUALITY_CLASSES, ReplicateCalls, genotype_replicates
from .markers import STR_CATALOGUE, make_sex_marker, make_snp_loci, make_str_loci
from .population import Population, expected_ne, simulate_population
from .sampling import STUDY_AREA, sample_individuals, to_latlon

__all__ = [
    "ADO_MODELS",
    "DEFAULTS",
    "PRESETS",
    "QUALITY_CLASSES",
    "SAMPLE_SHEET_COLUMNS",
    "STR_CATALOGUE",
    "STUDY_AREA",
    "Population",
    "ReplicateCalls",
    "SimulationError",
    "SimulationResult",
    "expected_ne",
    "genotype_replicates",
    "make_sex_marker",
    "make_snp_loci",
    "make_str_loci",
    "output_paths",
    "resolve_parameters",
    "sample_individuals",
    "simulate_batch",
    "simulate_population",
    "to_latlon",
    "write_batch",
]
