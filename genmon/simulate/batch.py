"""One simulated monitoring batch: population, field samples, lab replicates, truth.

:func:`simulate_batch` chains the pieces of :mod:`genmon.simulate` and
returns a :class:`SimulationResult`; :func:`write_batch` writes its files.
Every random draw comes from ``numpy.random.SeedSequence(seed)``, split into
independent streams for the markers, the population, the field sampling,
the per-locus error rates and the STR and SNP genotyping; so two runs that
differ only in error rates share the population and the samples.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import GenmonError
from ..labqc.species import ReferencePanel
from ..model import GenotypeTable, Locus
from ..provenance import make_provenance
from .genotyping import ADO_MODELS, QUALITY_CLASSES, ReplicateCalls, genotype_replicates
from .markers import SEX_MARKERS, make_sex_marker, make_snp_loci, make_str_loci
from .mtdna import MtdnaReads, resolve_mtdna, simulate_mtdna_reads, write_fastq
from .population import Population, simulate_population
from .sampling import sample_individuals

__all__ = [
    "DEFAULTS",
    "PRESETS",
    "SAMPLE_SHEET_COLUMNS",
    "SimulationError",
    "SimulationResult",
    "simulate_batch",
    "write_batch",
    "resolve_parameters",
]


class SimulationError(GenmonError, ValueError):
    """A simulation parameter is out of range or inconsistent."""


#: Default parameters of :func:`simulate_batch`.
DEFAULTS: dict[str, Any] = {
    "n_individuals": 100,
    "generations": 5,
    "burn_in": 20,
    "male_fraction": 0.5,
    "monogamy": False,
    "mutation_rate": 0.0,
    "full_sib_families": 0,
    "full_sib_size": 3,
    "n_str": 14,
    "n_snp": 0,
    "alleles_min": 2,
    "alleles_max": 8,
    "dirichlet_alpha": 1.0,
    "maf_min": 0.05,
    "maf_max": 0.5,
    "sex_marker": "sry",
    "samples_per_individual": 3.0,
    "sample_types": {"scat": 0.8, "hair": 0.2},
    "quality_mix": {"high": 0.3, "medium": 0.5, "low": 0.2},
    "season": ["2024-01-10", "2024-03-31"],
    "n_occasions": 4,
    "home_range_sigma": 2500.0,
    "study_area": {},
    "replicates": 3,
    "ado": 0.1,
    "fa": 0.02,
    "fail_rate": 0.05,
    "ado_model": "amplification",
    "stutter_fraction": 0.7,
}

#: Named parameter sets; explicit parameters override them.
PRESETS: dict[str, dict[str, Any]] = {
    # About 100 leopards leaving about 300 scats/hairs (95% of them sampled at
    # least once), 14 STRs with 2-5 alleles + SRY/ZFX, 3 PCR replicates and
    # per-locus ADO between 5% and 30% (the range reported for felid scats).
    "amur-leopard": {
        "n_individuals": 100,
        "generations": 5,
        "burn_in": 30,
        "n_str": 14,
        "alleles_min": 2,
        "alleles_max": 5,
        "sex_marker": "sry",
        "samples_per_individual": 3.0,
        "replicates": 3,
        "ado": "0.05:0.3",
        "fa": 0.02,
        "fail_rate": 0.08,
        "full_sib_families": 4,
        "full_sib_size": 3,
    },
}

#: Columns of the sample sheet (the field data; coordinates exact).
SAMPLE_SHEET_COLUMNS = (
    "sample_id", "sample_type", "date", "latitude", "longitude", "x", "y",
    "collector", "site", "country", "occasion",
)  # fmt: skip


@dataclass
class SimulationResult:
    """Tables of a simulated batch and its truth.

    Attributes
    ----------
    replicates
        Raw replicate PCR calls at the STR loci and the sex marker, one row per
        sample x replicate (``replicate_id`` ``P1``.. ``PK``), with peak
        ``call_size``/``call_height``; individual and sex are *not* filled.
    truth
        True genotype of every living individual (sample ids are individual
        ids; ``sex`` filled; extra column ``n_samples``).
    snp_replicates, snp_truth
        The same for SNP loci (``None`` without SNPs); SNP replicate ids are
        ``<sample>_P<k>`` so that each VCF column is unique.
    samples
        The field sample sheet (:data:`SAMPLE_SHEET_COLUMNS`).
    truth_samples
        ``sample_id, individual_id, sex, quality, dud``.
    pedigree
        ``id, father, mother, sex, generation, birth_year``.
    errors
        One row per replicate call that is not the true genotype or is missing:
        the true and called alleles and the events.
    truth_info
        Everything for ``truth.json`` but provenance: Ne, sizes, loci, rates.
    parameters
        The parameters used (defaults, preset and overrides resolved).
    seed
        The seed used (drawn when none was given).
    mtdna
        Species-identification reads and their truth (with ``mtdna_panel``).
    """

    replicates: GenotypeTable
    truth: GenotypeTable
    snp_replicates: GenotypeTable | None
    snp_truth: GenotypeTable | None
    samples: pd.DataFrame
    truth_samples: pd.DataFrame
    pedigree: pd.DataFrame
    errors: pd.DataFrame
    truth_info: dict[str, Any]
    parameters: dict[str, Any]
    seed: int
    population: Population = field(repr=False, default=None)  # type: ignore[assignment]
    mtdna: MtdnaReads | None = field(repr=False, default=None)

    def __repr__(self) -> str:
        return (
            f"SimulationResult(seed={self.seed}, {len(self.truth_samples)} samples from "
            f"{int((self.truth.samples['n_samples'] > 0).sum())} of {self.truth.n_samples} individuals, "
            f"{self.replicates.n_samples} replicate rows x {self.replicates.n_loci} loci)"
        )


def resolve_parameters(preset: str | None = None, **parameters: Any) -> dict[str, Any]:
    """Defaults, then the preset, then ``parameters``; unknown names are refused.

    Examples
    --------
    >>> p = resolve_parameters("amur-leopard", replicates=4)
    >>> p["n_str"], p["replicates"], p["sample_types"]
    (14, 4, {'scat': 0.8, 'hair': 0.2})
    """
    if preset is not None and preset not in PRESETS:
        raise SimulationError(f"unknown preset {preset!r}; known: {', '.join(sorted(PRESETS))}")
    unknown = sorted(set(parameters) - set(DEFAULTS))
    if unknown:
        raise SimulationError(f"unknown simulation parameters: {', '.join(unknown)}")
    out = json.loads(json.dumps(DEFAULTS))
    out.update(json.loads(json.dumps(PRESETS.get(preset, {}))))
    for key, value in parameters.items():
        out[key] = list(value) if isinstance(value, tuple) else value
    _check(out)
    return out


def _check(p: Mapping[str, Any]) -> None:
    def need(ok: bool, text: str) -> None:
        if not ok:
            raise SimulationError(text)

    n = p["n_individuals"]
    sizes = [n] if isinstance(n, int | np.integer) else list(n)
    need(all(int(s) >= 2 for s in sizes), f"n_individuals must be >= 2, got {n}")
    need(int(p["generations"]) >= 1, f"generations must be >= 1, got {p['generations']}")
    need(int(p["burn_in"]) >= 0, f"burn_in must be >= 0, got {p['burn_in']}")
    need(
        0.0 < float(p["male_fraction"]) < 1.0,
        f"male_fraction must be in (0, 1), got {p['male_fraction']}",
    )
    need(int(p["n_str"]) >= 0 and int(p["n_snp"]) >= 0, "n_str and n_snp must be >= 0")
    need(
        int(p["n_str"]) + int(p["n_snp"]) > 0 or p["sex_marker"] not in (None, "none"),
        "no markers to simulate",
    )
    need(
        1 <= int(p["alleles_min"]) <= int(p["alleles_max"]),
        f"need 1 <= alleles_min <= alleles_max, got {p['alleles_min']}, {p['alleles_max']}",
    )
    need(float(p["dirichlet_alpha"]) > 0, "dirichlet_alpha must be > 0")
    need(
        0.0 < float(p["maf_min"]) <= float(p["maf_max"]) <= 0.5,
        "need 0 < maf_min <= maf_max <= 0.5",
    )
    need(
        p["sex_marker"] in (None, "none", *SEX_MARKERS),
        f"sex_marker must be one of {sorted(SEX_MARKERS)} or none",
    )
    need(float(p["samples_per_individual"]) >= 0, "samples_per_individual must be >= 0")
    need(int(p["replicates"]) >= 1, f"replicates must be >= 1, got {p['replicates']}")
    need(p["ado_model"] in ADO_MODELS, f"ado_model must be one of {ADO_MODELS}")
    need(0.0 <= float(p["mutation_rate"]) <= 1.0, "mutation_rate must be in [0, 1]")
    need(0.0 <= float(p["stutter_fraction"]) <= 1.0, "stutter_fraction must be in [0, 1]")
    need(int(p["full_sib_families"]) >= 0 and int(p["full_sib_size"]) >= 2 or int(p["full_sib_families"]) == 0,
         "full_sib_size must be >= 2")  # fmt: skip
    need(
        set(p["quality_mix"]) <= set(QUALITY_CLASSES),
        f"quality_mix classes must be among {sorted(QUALITY_CLASSES)}",
    )
    need(all(float(v) >= 0 for v in p["quality_mix"].values()) and sum(p["quality_mix"].values()) > 0,
         "quality_mix weights must be >= 0 with a positive sum")  # fmt: skip
    need(all(float(v) >= 0 for v in p["sample_types"].values()) and sum(p["sample_types"].values()) > 0,
         "sample_types weights must be >= 0 with a positive sum")  # fmt: skip
    season = list(p["season"])
    need(len(season) == 2, f"season must be two ISO dates, got {season}")
    try:
        start, end = (_dt.date.fromisoformat(str(d)) for d in season)
    except ValueError:
        raise SimulationError(f"season dates must be ISO 8601 (YYYY-MM-DD), got {season}") from None
    need(
        (end - start).days + 1 >= int(p["n_occasions"]) >= 1,
        f"season {season[0]}..{season[1]} cannot hold {p['n_occasions']} occasions",
    )
    for name in ("ado", "fa", "fail_rate"):
        _rate_values(p[name], name, None)


def _rate_values(
    spec: Any, name: str, n: int | None, rng: np.random.Generator | None = None
) -> np.ndarray | None:
    """Per-locus rates from a number, a ``"lo:hi"`` range or a sequence."""
    if isinstance(spec, str):
        try:
            lo, hi = (float(x) for x in spec.split(":"))
        except ValueError:
            raise SimulationError(f'{name} "{spec}" is not a number or a range "lo:hi"') from None
        if not 0.0 <= lo <= hi <= 1.0:
            raise SimulationError(f"{name} range {spec} must satisfy 0 <= lo <= hi <= 1")
        return None if n is None else rng.uniform(lo, hi, n)
    values = np.atleast_1d(np.asarray(spec, dtype=float))
    if values.ndim != 1 or not np.all((values >= 0) & (values <= 1)):
        raise SimulationError(f"{name} rates must lie in [0, 1], got {spec}")
    if n is None:
        return None
    if values.size == 1:
        return np.full(n, values[0])
    if values.size != n:
        raise SimulationError(f"{name} has {values.size} per-locus rates for {n} loci")
    return values


def _str_rates(
    spec: Any, name: str, n_str: int, has_sex: bool, rng: np.random.Generator
) -> np.ndarray:
    n_all = n_str + int(has_sex)
    if not isinstance(spec, str) and np.size(spec) > 1 and np.size(spec) == n_str and has_sex:
        vals = np.asarray(spec, dtype=float)
        _rate_values(vals, name, n_str)
        return np.append(vals, vals.mean())
    return _rate_values(spec, name, n_all, rng)


def _snp_rates(spec: Any, name: str, n_snp: int, rng: np.random.Generator) -> np.ndarray:
    if not isinstance(spec, str) and np.size(spec) > 1 and np.size(spec) != n_snp:
        return np.full(n_snp, float(np.mean(spec)))
    return _rate_values(spec, name, n_snp, rng)


def _draw_seed() -> int:
    return int(np.random.SeedSequence().generate_state(1)[0])


def simulate_batch(
    seed: int | None = None,
    preset: str | None = None,
    mtdna_panel: ReferencePanel | None = None,
    mtdna: Mapping[str, Any] | None = None,
    **parameters: Any,
) -> SimulationResult:
    """Simulate a non-invasive monitoring batch with known truth.

    Parameters
    ----------
    seed
        Seed of all randomness; ``None`` draws one (recorded in the result).
    preset
        A name from :data:`PRESETS` (e.g. ``"amur-leopard"``).
    mtdna_panel
        A cytochrome *b* reference panel: with it every field sample also
        gets a species-identification read, and screened samples of other
        species are added (:mod:`genmon.simulate.mtdna`; its own random
        stream, so the other files do not change).
    mtdna
        Overrides of :data:`genmon.simulate.mtdna.MTDNA_DEFAULTS`.
    **parameters
        Overrides of :data:`DEFAULTS`:

        population
            ``n_individuals`` (int, or one per generation 0..G),
            ``generations`` (G), ``burn_in``, ``male_fraction``, ``monogamy``,
            ``mutation_rate`` (stepwise, per STR allele per generation),
            ``full_sib_families`` and ``full_sib_size`` (forced families in
            the sampled generation; their members leave at least one sample).
        markers
            ``n_str``, ``alleles_min``, ``alleles_max``, ``dirichlet_alpha``,
            ``n_snp``, ``maf_min``, ``maf_max``, ``sex_marker`` (``"sry"``,
            ``"zfxy"`` or ``None``).
        sampling
            ``samples_per_individual`` (Poisson mean), ``sample_types`` and
            ``quality_mix`` (weights), ``season`` (ISO dates), ``n_occasions``,
            ``home_range_sigma`` (m), ``study_area`` (overrides of
            :data:`genmon.simulate.sampling.STUDY_AREA`).
        genotyping
            ``replicates`` (K), ``ado``, ``fa``, ``fail_rate`` (each a number,
            a ``"lo:hi"`` range drawn uniformly per locus, or one rate per
            locus; a sequence of ``n_str`` STR rates gives the sex marker
            their mean), ``ado_model``, ``stutter_fraction``.

    Examples
    --------
    >>> r = simulate_batch(seed=1, n_individuals=12, generations=1, burn_in=0, n_str=3)
    >>> r.truth.n_samples, r.truth.locus_id
    (12, ['FCA126', 'FCA279', 'FCA304', 'SRY'])
    >>> r.replicates.n_samples == 3 * len(r.samples)
    True
    """
    params = resolve_parameters(preset, **parameters)
    seed = _draw_seed() if seed is None else int(seed)
    if seed < 0:
        raise SimulationError(f"seed must be >= 0, got {seed}")
    # A seventh stream for the mtDNA reads leaves the first six (and their files) as they were.
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    rng_markers, rng_pop, rng_sampling, rng_rates, rng_str, rng_snp, rng_mtdna = streams

    n_str, n_snp = int(params["n_str"]), int(params["n_snp"])
    str_loci = make_str_loci(
        n_str,
        rng_markers,
        int(params["alleles_min"]),
        int(params["alleles_max"]),
        float(params["dirichlet_alpha"]),
    )
    snp_loci = make_snp_loci(n_snp, rng_markers, float(params["maf_min"]), float(params["maf_max"]))
    sex = make_sex_marker(params["sex_marker"])
    try:
        pop = simulate_population(
            str_loci, snp_loci, rng_pop,
            n_individuals=params["n_individuals"], generations=int(params["generations"]),
            burn_in=int(params["burn_in"]), male_fraction=float(params["male_fraction"]),
            monogamy=bool(params["monogamy"]), mutation_rate=float(params["mutation_rate"]),
            full_sib_families=int(params["full_sib_families"]), full_sib_size=int(params["full_sib_size"]),
        )  # fmt: skip
    except ValueError as exc:
        raise SimulationError(str(exc)) from None

    # Birth years: the sampled generation was born `generation_time` years before the season.
    season_year = int(str(params["season"][0])[:4])
    gen = pop.pedigree["generation"].to_numpy()
    pedigree = pop.pedigree.copy()
    pedigree["birth_year"] = season_year - 2 - (gen.max() - gen) * 5
    final = pop.final
    final_ids = pop.pedigree["id"].to_numpy(dtype=object)[final]
    final_male = pop.male[final]
    forced = np.zeros(final.size, dtype=bool)
    forced[: int(params["full_sib_families"]) * int(params["full_sib_size"])] = True
    try:
        field_samples = sample_individuals(
            final_ids, rng_sampling,
            samples_per_individual=float(params["samples_per_individual"]),
            sample_types=params["sample_types"], quality_mix=params["quality_mix"],
            season=tuple(params["season"]), n_occasions=int(params["n_occasions"]),
            home_range_sigma=float(params["home_range_sigma"]), study_area=params["study_area"],
            must_sample=forced,
        )  # fmt: skip
    except ValueError as exc:
        raise SimulationError(str(exc)) from None

    row_of = {iid: k for k, iid in enumerate(final_ids)}
    owner = np.array([row_of[i] for i in field_samples["individual_id"]], dtype=np.int64)
    # True genotypes of the living individuals (STR + sex marker).
    true_str = pop.str_alleles[final]
    if sex is not None:
        true_str = np.concatenate([true_str, sex.genotype(final_male)[:, None, :]], axis=1)
    names = [locus.name for locus in str_loci] + ([sex.name] if sex is not None else [])
    # A false allele at the sex marker is the other sex's fragment (stutter step = their distance).
    units = [locus.repeat_unit for locus in str_loci] + (
        [abs(sex.y_allele - sex.x_allele)] if sex is not None else []
    )
    ladders = [list(locus.alleles) for locus in str_loci] + (
        [[sex.x_allele, sex.y_allele]] if sex is not None else []
    )
    ado = _str_rates(params["ado"], "ado", n_str, sex is not None, rng_rates)
    fa = _str_rates(params["fa"], "fa", n_str, sex is not None, rng_rates)
    fail = _str_rates(params["fail_rate"], "fail_rate", n_str, sex is not None, rng_rates)
    reps = genotype_replicates(
        true_str[owner], rng_str, replicates=int(params["replicates"]), ado=ado, fa=fa, fail=fail,
        quality=field_samples["quality"].to_numpy(dtype=object), repeat_units=units, ladders=ladders,
        ado_model=params["ado_model"], stutter_fraction=float(params["stutter_fraction"]),
    )  # fmt: skip
    kinds = ["STR"] * n_str + (["SEX"] if sex is not None else [])
    info = {
        name: {
            "kind": kind,
            "repeat_unit": abs(int(u)) if kind == "STR" else None,
            "panel": f"MPX{j // 5 + 1}",
        }
        for j, (name, kind, u) in enumerate(zip(names, kinds, units, strict=True))
    }
    n_samples = np.bincount(owner, minlength=final.size)
    truth_meta = pd.DataFrame(
        {
            "sample_id": final_ids,
            "individual_id": final_ids,
            "sex": np.where(final_male, "M", "F"),
            "n_samples": n_samples.astype(np.int64),
        }
    )
    truth = GenotypeTable.from_alleles(
        true_str,
        names,
        samples=truth_meta,
        locus_info=info,
        attrs={"source": "genmon simulate (truth)"},
    )
    sheet = field_samples[list(SAMPLE_SHEET_COLUMNS)].copy()
    rep_meta = sheet.iloc[reps.sample_index].reset_index(drop=True)
    rep_meta.insert(1, "replicate_id", [f"P{k}" for k in reps.replicate])
    replicates = GenotypeTable.from_alleles(
        reps.calls, names, samples=rep_meta, locus_info=info,
        call_data={"call_size": reps.size, "call_height": reps.height},
        attrs={"source": "genmon simulate (replicates)", "single_allele": "homozygote"},
    )  # fmt: skip
    errors = [
        _error_rows(reps, true_str[owner], names, field_samples["sample_id"].to_numpy(dtype=object))
    ]

    snp_replicates = snp_truth = None
    snp_ado = snp_fa = snp_fail = np.zeros(0)
    if n_snp:
        snp_ado = _snp_rates(params["ado"], "ado", n_snp, rng_rates)
        snp_fa = _snp_rates(params["fa"], "fa", n_snp, rng_rates)
        snp_fail = _snp_rates(params["fail_rate"], "fail_rate", n_snp, rng_rates)
        true_snp = pop.snp_alleles[final].astype(np.int32)
        snp_reps = genotype_replicates(
            true_snp[owner], rng_snp, replicates=int(params["replicates"]), ado=snp_ado, fa=snp_fa,
            fail=snp_fail, quality=field_samples["quality"].to_numpy(dtype=object),
            repeat_units=[None] * n_snp, ladders=[[0, 1]] * n_snp, ado_model=params["ado_model"],
        )  # fmt: skip
        snp_l = tuple(
            Locus(s.name, (s.ref, s.alt), kind="SNP", chrom=s.chrom, position=s.position)
            for s in snp_loci
        )
        snp_truth = GenotypeTable(
            true_snp, snp_l, truth_meta.copy(), attrs={"source": "genmon simulate (truth)"}
        )
        snp_meta = sheet.iloc[snp_reps.sample_index].reset_index(drop=True)
        snp_meta.insert(
            1,
            "replicate_id",
            [f"{s}_P{k}" for s, k in zip(snp_meta["sample_id"], snp_reps.replicate, strict=True)],
        )
        snp_replicates = GenotypeTable(
            snp_reps.calls, snp_l, snp_meta, attrs={"source": "genmon simulate (replicates)"}
        )
        errors.append(
            _error_rows(
                snp_reps,
                true_snp[owner],
                [s.name for s in snp_loci],
                field_samples["sample_id"].to_numpy(dtype=object),
            )
        )

    dud = np.zeros(len(field_samples), dtype=bool)
    dud[reps.sample_index[reps.dud.all(axis=1)]] = True
    truth_samples = pd.DataFrame(
        {
            "sample_id": field_samples["sample_id"],
            "individual_id": field_samples["individual_id"],
            "sex": np.where(final_male[owner], "M", "F"),
            "quality": field_samples["quality"],
            "dud": dud,
        }
    )
    loci_info = [
        {
            "name": name,
            "kind": kind,
            "repeat_unit": info[name]["repeat_unit"],
            "founder_alleles": list(ladders[j]),
            "founder_frequencies": list(str_loci[j].frequencies) if j < n_str else None,
            "founder_expected_he": str_loci[j].expected_he if j < n_str else None,
            "ado": float(ado[j]),
            "fa": float(fa[j]),
            "fail_rate": float(fail[j]),
        }  # fmt: skip
        for j, (name, kind) in enumerate(zip(names, kinds, strict=True))
    ] + [
        {
            "name": s.name,
            "kind": "SNP",
            "chrom": s.chrom,
            "position": s.position,
            "ref": s.ref,
            "alt": s.alt,
            "founder_alt_frequency": s.alt_frequency,
            "ado": float(snp_ado[j]),
            "fa": float(snp_fa[j]),
            "fail_rate": float(snp_fail[j]),
        }  # fmt: skip
        for j, s in enumerate(snp_loci)
    ]
    truth_info = {
        "n_individuals_final": int(final.size),
        "n_males_final": int(final_male.sum()),
        "n_females_final": int((~final_male).sum()),
        "n_sampled_individuals": int((n_samples > 0).sum()),
        "n_samples": int(len(field_samples)),
        "n_replicate_rows": int(replicates.n_samples),
        "generation_sizes": {
            "males": pop.generation_sizes[:, 0].tolist(),
            "females": pop.generation_sizes[:, 1].tolist(),
        },
        "ne": pop.ne,
        "str_mutations": int(pop.mutations),
        "ado_model": params["ado_model"],
        "quality_classes": QUALITY_CLASSES,
        "loci": loci_info,
        "conventions": {
            "pedigree": "discrete non-overlapping generations; birth_year = season year - 2 - 5 * (G - generation); "
            "parents NA in generation 0 (treated as unrelated)",
            "coordinates": "exact (truth); x/y metres from the study-area SW corner, local equirectangular projection",
            "rates": "ado/fa/fail_rate are per-locus rates of a medium-quality sample; other classes multiply them",
        },
    }
    reads = None
    if mtdna_panel is not None:
        try:
            reads = simulate_mtdna_reads(sheet, truth_samples, pedigree, mtdna_panel, rng_mtdna, **dict(mtdna or {}))
            mtdna_params = resolve_mtdna(**dict(mtdna or {}))
        except ValueError as exc:
            raise SimulationError(str(exc)) from None
        outcome = reads.truth.groupby(["species", "outcome"]).size()
        truth_info["mtdna"] = {
            "parameters": mtdna_params,
            "panel_size": len(mtdna_panel),
            "samples": {f"{sp} {oc}": int(n) for (sp, oc), n in outcome.items()},
            "conventions": "one cytb read per sample (FASTQ, Phred+33); non-target samples are screened only "
            "(no microsatellite replicates); species 'absent' is a carnivore outside the panel",
        }
    return SimulationResult(
        replicates, truth, snp_replicates, snp_truth, sheet.reset_index(drop=True), truth_samples,
        pedigree, pd.concat(errors, ignore_index=True), truth_info, params, seed, pop, reads,
    )  # fmt: skip


def _error_rows(
    reps: ReplicateCalls, true_calls: np.ndarray, names: Sequence[str], sample_ids: np.ndarray
) -> pd.DataFrame:
    t = true_calls[reps.sample_index]
    true_sorted = np.sort(t, axis=2)
    wrong = reps.failed | (reps.calls != true_sorted).any(axis=2)
    i, j = np.nonzero(wrong)
    event = np.where(
        reps.dud[i, j], "dud",
        np.where(reps.failed[i, j] & reps.dropout[i, j], "dropout_both",
                 np.where(reps.failed[i, j], "fail",
                          np.where(reps.dropout[i, j] & reps.false_allele[i, j], "dropout+false_allele",
                                   np.where(reps.dropout[i, j], "dropout", "false_allele")))),
    )  # fmt: skip
    return pd.DataFrame(
        {
            "sample_id": sample_ids[reps.sample_index[i]],
            "replicate_id": [f"P{k}" for k in reps.replicate[i]],
            "locus": np.asarray(names, dtype=object)[j],
            "true_1": true_sorted[i, j, 0],
            "true_2": true_sorted[i, j, 1],
            "called_1": reps.calls[i, j, 0],
            "called_2": reps.calls[i, j, 1],
            "event": event,
        }
    )


#: Files :func:`write_batch` writes (the VCF only with SNPs).
OUTPUT_FILES = (
    "replicates.long.csv",
    "replicates_genemapper.txt",
    "sample_sheet.csv",
    "snps.vcf",
    "truth_samples.tsv",
    "truth_genotypes.csv",
    "truth_errors.csv",
    "pedigree.tsv",
    "truth.json",
    "mtdna_reads.fastq",
    "truth_species.tsv",
)
_MTDNA_FILES = ("mtdna_reads.fastq", "truth_species.tsv")


def output_paths(
    result: SimulationResult | None,
    directory: str | Path,
    with_snps: bool | None = None,
    with_mtdna: bool | None = None,
) -> list[Path]:
    """Paths :func:`write_batch` writes into ``directory``."""
    snps = (
        with_snps
        if with_snps is not None
        else (result is not None and result.snp_replicates is not None)
    )
    mtdna = with_mtdna if with_mtdna is not None else (result is not None and result.mtdna is not None)
    return [
        Path(directory) / name
        for name in OUTPUT_FILES
        if (snps or name != "snps.vcf") and (mtdna or name not in _MTDNA_FILES)
    ]


def write_batch(
    result: SimulationResult,
    directory: str | Path,
    *,
    force: bool = False,
    command: str | None = None,
) -> list[Path]:
    """Write a simulated batch and its truth into ``directory``.

    Files: ``replicates.long.csv`` (format ``long``, the lab batch: sample and
    replicate only), ``replicates_genemapper.txt`` (format ``genemapper``),
    ``sample_sheet.csv`` (field data, coordinates exact because they are
    truth), ``snps.vcf`` (format ``vcf``, with SNPs), and the truth:
    ``truth_samples.tsv``, ``truth_genotypes.csv`` (format ``wide``),
    ``truth_errors.csv``, ``pedigree.tsv`` and ``truth.json`` (parameters,
    seed, Ne, loci and provenance); with mtDNA reads also
    ``mtdna_reads.fastq`` (one cytb read per screened sample) and
    ``truth_species.tsv`` (species, haplotype and outcome of each).  The CSV headers carry the command.
    Everything but the provenance timestamp is identical for the same seed.
    """
    from ..io import write_genotypes

    directory = Path(directory)
    paths = output_paths(result, directory)
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        raise GenmonError(f"{existing[0]} exists; use force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    if command is None:
        command = f"genmon.simulate.simulate_batch(seed={result.seed}, **truth.json parameters)"
    stamp = f"generated by: {command}\nseed: {result.seed}; truth and parameters in truth.json"
    files = {p.name: p for p in paths}
    lab = result.replicates.with_samples(result.replicates.samples[["sample_id", "replicate_id"]])
    write_genotypes(lab, files["replicates.long.csv"], "long", header_comment=stamp)
    write_genotypes(lab, files["replicates_genemapper.txt"], "genemapper")
    sheet = result.samples.copy()
    sheet.to_csv(files["sample_sheet.csv"], index=False, lineterminator="\n", float_format=None)
    if result.snp_replicates is not None:
        snp_lab = result.snp_replicates.with_samples(
            result.snp_replicates.samples[["sample_id", "replicate_id"]]
        )
        write_genotypes(snp_lab, files["snps.vcf"], "vcf")
    result.truth_samples.to_csv(
        files["truth_samples.tsv"], sep="\t", index=False, lineterminator="\n"
    )
    write_genotypes(result.truth, files["truth_genotypes.csv"], "wide", header_comment=stamp)
    result.errors.to_csv(files["truth_errors.csv"], index=False, lineterminator="\n")
    ped = result.pedigree.copy()
    ped.to_csv(files["pedigree.tsv"], sep="\t", index=False, lineterminator="\n", na_rep="NA")
    if result.mtdna is not None:
        write_fastq(result.mtdna.reads, files["mtdna_reads.fastq"])
        result.mtdna.truth.to_csv(files["truth_species.tsv"], sep="\t", index=False, lineterminator="\n")
    doc = {
        "provenance": make_provenance(command, result.parameters, result.seed),
        "seed": result.seed,
        "parameters": result.parameters,
        "truth": result.truth_info,
        "files": [p.name for p in paths],
    }
    text = json.dumps(_finite(doc), indent=2, default=_json_default, allow_nan=False)
    files["truth.json"].write_text(text + "\n", encoding="utf-8")
    return paths


def _finite(obj: Any) -> Any:
    """JSON has no NaN or infinity: write them as null (undefined) and "inf"."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float | np.floating) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
