"""Tests of the seeded simulator (genmon.simulate) and ``genmon simulate``."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from genmon.cli import cli
from genmon.io import read_genotypes
from genmon.io.samplesheet import read_sample_sheet
from genmon.simulate import (
    QUALITY_CLASSES,
    SimulationError,
    expected_ne,
    genotype_replicates,
    make_str_loci,
    resolve_parameters,
    simulate_batch,
    simulate_population,
    write_batch,
)

MEDIUM_ONLY = {"medium": 1.0}
# Rate tests: every sample of the medium class, no whole-sample failures.
CLEAN = dict(quality_mix=MEDIUM_ONLY, fail_rate=0.0, ado=0.0, fa=0.0)
SMALL = dict(n_individuals=30, generations=2, burn_in=3, n_str=6, alleles_max=5)


def _truth_of_rows(result):
    """True genotype (sorted sizes) of the individual behind each replicate row."""
    ts = result.truth_samples.set_index("sample_id")
    ind = ts.loc[result.replicates.samples["sample_id"], "individual_id"].to_numpy()
    row = {iid: k for k, iid in enumerate(result.truth.sample_id)}
    return np.sort(result.truth.allele_values()[[row[i] for i in ind]], axis=2)


def _json_without_timestamp(path: Path) -> dict:
    doc = json.loads(path.read_text())
    doc["provenance"].pop("timestamp")
    return doc


# --------------------------------------------------------------------------- Ne truth
def test_expected_ne_hand_worked():
    # 4*Nm*Nf/(Nm+Nf): 4*30*10/40 = 30; monogamy 2*min = 20.
    assert expected_ne(30, 10) == 30.0
    assert expected_ne(30, 10, monogamy=True) == 20.0
    # per generation 100 and 50; harmonic mean 2/(0.01 + 0.02) = 66.667
    assert expected_ne([50, 25], [50, 25]) == pytest.approx(200 / 3)


def test_truth_json_records_ne_formula(tmp_path):
    r = simulate_batch(
        seed=4, n_individuals=[40, 30, 20], generations=2, burn_in=2, n_str=3, male_fraction=0.25
    )
    ne = r.truth_info["ne"]
    # parental generations: 10 M + 30 F -> 30; 8 M (round(7.5)=8) + 22 F -> 4*8*22/30 = 23.4667
    assert r.truth_info["generation_sizes"]["males"] == [10, 8, 5]
    assert ne["expected_per_generation"] == pytest.approx([30.0, 4 * 8 * 22 / 30])
    assert ne["expected"] == pytest.approx(2 / (1 / 30 + 30 / (4 * 8 * 22)))
    assert "Wright 1931" in ne["formula"]


# --------------------------------------------------------------------------- determinism
def test_same_seed_same_files_different_seed_differs(tmp_path):
    params = dict(SMALL, n_snp=5)
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        write_batch(simulate_batch(seed=seed, **params), tmp_path / name, command="test")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "snps.vcf" in names and len(names) == 9
    for name in names:
        if name == "truth.json":
            assert _json_without_timestamp(tmp_path / "a" / name) == _json_without_timestamp(
                tmp_path / "b" / name
            )
        else:
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), (
                name
            )
    assert (tmp_path / "a" / "replicates.long.csv").read_bytes() != (
        tmp_path / "c" / "replicates.long.csv"
    ).read_bytes()
    assert (tmp_path / "a" / "pedigree.tsv").read_bytes() != (
        tmp_path / "c" / "pedigree.tsv"
    ).read_bytes()


def test_seed_none_is_drawn_and_recorded():
    r = simulate_batch(seed=None, **SMALL)
    again = simulate_batch(seed=r.seed, **SMALL)
    assert isinstance(r.seed, int) and r.seed >= 0
    assert again.replicates.same_genotypes(r.replicates, ordered=True)


def test_error_rates_do_not_change_population_or_samples():
    a = simulate_batch(seed=5, **SMALL)
    b = simulate_batch(seed=5, **dict(SMALL, ado=0.3, fa=0.1))
    assert a.truth.same_genotypes(b.truth, ordered=True)
    pd.testing.assert_frame_equal(a.samples, b.samples)


# --------------------------------------------------------------------------- pedigree
def test_pedigree_mendelian_without_mutation():
    rng = np.random.default_rng(2)
    loci = make_str_loci(8, rng, 2, 6)
    pop = simulate_population(loci, [], rng, n_individuals=40, generations=4, burn_in=2)
    ped = pop.pedigree
    row = {iid: k for k, iid in enumerate(ped["id"])}
    kids = np.nonzero(ped["generation"].to_numpy() > 0)[0]
    f = np.array([row[x] for x in ped["father"].iloc[kids]])
    m = np.array([row[x] for x in ped["mother"].iloc[kids]])
    g = pop.str_alleles
    # slot 0 is one of the father's alleles, slot 1 one of the mother's
    assert ((g[kids, :, 0] == g[f, :, 0]) | (g[kids, :, 0] == g[f, :, 1])).all()
    assert ((g[kids, :, 1] == g[m, :, 0]) | (g[kids, :, 1] == g[m, :, 1])).all()
    assert (ped["sex"].iloc[f] == "M").all() and (ped["sex"].iloc[m] == "F").all()
    assert (ped["generation"].to_numpy()[f] == ped["generation"].to_numpy()[kids] - 1).all()
    assert ped["father"].iloc[:40].isna().all()
    assert pop.mutations == 0


def test_pedigree_with_mutation_changes_by_one_repeat():
    rng = np.random.default_rng(3)
    loci = make_str_loci(10, rng, 2, 4)
    pop = simulate_population(
        loci, [], rng, n_individuals=50, generations=3, burn_in=0, mutation_rate=0.01
    )
    ped = pop.pedigree
    row = {iid: k for k, iid in enumerate(ped["id"])}
    kids = np.nonzero(ped["generation"].to_numpy() > 0)[0]
    f = np.array([row[x] for x in ped["father"].iloc[kids]])
    g = pop.str_alleles
    units = np.array([locus.repeat_unit for locus in loci])
    dist = np.minimum(np.abs(g[kids, :, 0] - g[f, :, 0]), np.abs(g[kids, :, 0] - g[f, :, 1]))
    assert set(np.unique(dist / units)) <= {0.0, 1.0, 2.0}  # 2: mutated away from the nearer allele
    assert pop.mutations > 0 and (dist > 0).sum() <= pop.mutations


def test_monogamy_gives_full_sib_families_and_its_ne():
    r = simulate_batch(seed=8, n_individuals=40, generations=2, burn_in=0, n_str=2, monogamy=True)
    last = r.pedigree[r.pedigree["generation"] == 2]
    pairs = last.groupby("father")["mother"].nunique()
    assert (pairs == 1).all()  # every father has one mate
    assert r.truth_info["ne"]["expected"] == 40.0


def test_forced_full_sibs_are_sampled():
    r = simulate_batch(
        seed=9, **dict(SMALL, full_sib_families=3, full_sib_size=3, samples_per_individual=0.2)
    )
    last = r.pedigree[r.pedigree["generation"] == 2].iloc[:9]
    for k in range(3):
        fam = last.iloc[3 * k : 3 * k + 3]
        assert fam["father"].nunique() == 1 and fam["mother"].nunique() == 1
    sampled = set(r.truth_samples["individual_id"])
    assert set(last["id"]) <= sampled


# --------------------------------------------------------------------------- markers
def test_allele_counts_within_configured_range():
    r = simulate_batch(
        seed=10, n_individuals=60, generations=2, burn_in=0, n_str=18, alleles_min=3, alleles_max=6
    )
    for info in r.truth_info["loci"]:
        if info["kind"] != "STR":
            continue
        ladder = np.asarray(info["founder_alleles"])
        assert 3 <= ladder.size <= 6
        assert (np.diff(ladder) % info["repeat_unit"] == 0).all() and (np.diff(ladder) > 0).all()
        assert sum(info["founder_frequencies"]) == pytest.approx(1.0)
    for locus, info in zip(r.truth.loci, r.truth_info["loci"], strict=True):
        # no mutation: every living allele is on the founder ladder
        assert set(locus.alleles) <= set(info["founder_alleles"])
        assert 1 <= locus.n_alleles <= 6


def test_sex_marker_matches_sex():
    r = simulate_batch(seed=12, **dict(SMALL, sex_marker="zfxy"))
    sexm = r.truth.allele_values()[:, r.truth.locus_id.index("ZFXY")]
    male = r.truth.samples["sex"].to_numpy() == "M"
    assert (np.sort(sexm[male], axis=1) == [200, 212]).all()
    assert (sexm[~male] == 200).all()
    r2 = simulate_batch(seed=12, **dict(SMALL, sex_marker=None))
    assert "SRY" not in r2.truth.locus_id and "ZFXY" not in r2.truth.locus_id


def test_heterozygosity_close_to_drift_expectation():
    # Founders are 2*N0 genes drawn from the Dirichlet frequencies, then t
    # generations of drift: E[He_t] = He_0 (1 - 1/(2 N0)) (1 - 1/(2 Ne))^t.
    # Loci are unlinked and independent, so the mean ratio over 300 loci has
    # standard error sd/sqrt(300); we allow 4 standard errors (two-sided
    # false-alarm rate ~6e-5).  Ho/He: random union of gametes keeps
    # Hardy-Weinberg proportions up to O(1/N) (a slight excess in dioecious
    # populations), so mean Ho/He must be 1 within 4 standard errors too.
    n, t = 200, 6
    r = simulate_batch(seed=13, n_individuals=n, generations=t, burn_in=0, n_str=300, alleles_min=2, alleles_max=4,
                       sex_marker=None, samples_per_individual=0.0)  # fmt: skip
    g = r.truth.call_genotype
    he0 = np.array([info["founder_expected_he"] for info in r.truth_info["loci"]])
    he = np.empty(r.truth.n_loci)
    ho = (g[:, :, 0] != g[:, :, 1]).mean(axis=0)
    for j in range(r.truth.n_loci):
        p = np.bincount(g[:, j].ravel()) / g[:, j].size
        he[j] = 1.0 - np.sum(p * p)
    ratio = he / he0
    expect = (1 - 1 / (2 * n)) * (1 - 1 / (2 * expected_ne(n // 2, n // 2))) ** t
    assert abs(ratio.mean() - expect) < 4 * ratio.std(ddof=1) / np.sqrt(ratio.size)
    ok = he > 0
    hw = ho[ok] / he[ok]
    assert abs(hw.mean() - 1.0) < 4 * hw.std(ddof=1) / np.sqrt(hw.size)


# --------------------------------------------------------------------------- sampling
def test_poisson_samples_per_individual():
    lam, n = 2.5, 3000
    r = simulate_batch(seed=14, n_individuals=n, generations=1, burn_in=0, n_str=1, sex_marker=None,
                       samples_per_individual=lam, **CLEAN)  # fmt: skip
    counts = r.truth.samples["n_samples"].to_numpy()
    # mean within 4 standard errors sqrt(lam/n); zero class e^-lam within 4 binomial SE
    assert abs(counts.mean() - lam) < 4 * np.sqrt(lam / n)
    p0 = np.exp(-lam)
    assert abs((counts == 0).mean() - p0) < 4 * np.sqrt(p0 * (1 - p0) / n)
    assert len(r.samples) == counts.sum()


def test_sample_sheet_fields():
    r = simulate_batch(seed=15, **dict(SMALL, season=("2024-02-01", "2024-02-28"), n_occasions=4))
    s = r.samples
    assert list(s.columns) == ["sample_id", "sample_type", "date", "latitude", "longitude", "x", "y",
                               "collector", "site", "country", "occasion"]  # fmt: skip
    assert s["sample_id"].is_unique
    assert s["sample_id"].str.fullmatch(r"(RU-LLNP|CN-NTLNP)-2024-\d{4}").all()
    assert ((s["country"] == "CN") == (s["x"] < 12_000)).all()
    assert s["date"].between("2024-02-01", "2024-02-28").all()
    assert set(s["occasion"]) <= {1, 2, 3, 4}
    # 28 days in 4 occasions of 7 days: occasion follows the date
    day = pd.to_datetime(s["date"]).dt.day
    assert ((day - 1) // 7 + 1 == s["occasion"]).all()
    assert (
        s["latitude"].between(42.89, 43.31).all() and s["longitude"].between(131.12, 131.88).all()
    )
    assert set(s["sample_type"]) <= {"scat", "hair"}


def test_latlon_projection_hand_worked():
    from genmon.simulate import to_latlon

    # 81,196 m east at 43.1 N is one degree of longitude: 111,195.08 * cos(43.1 deg) = 81,196.4
    lat, lon = to_latlon(
        np.array([111195.0795 * np.cos(np.radians(43.1))]), np.array([0.0]), 43.1, 131.0
    )
    assert lat[0] == 43.1 and lon[0] == pytest.approx(132.0, abs=1e-6)


# --------------------------------------------------------------------------- genotyping
def test_no_errors_means_replicates_equal_truth():
    r = simulate_batch(seed=16, **dict(SMALL, **CLEAN))
    calls = r.replicates.allele_values()
    assert (calls == _truth_of_rows(r)).all()
    assert len(r.errors) == 0
    assert r.replicates.n_samples == 3 * len(r.samples)
    assert r.replicates.samples["replicate_id"].tolist()[:3] == ["P1", "P2", "P3"]


def test_tiny_false_allele_cases_by_hand():
    one = {"medium": {"ado": 1.0, "fa": 1.0, "fail": 1.0, "dud": 0.0, "height": 1000.0}}
    # FA certain, stutter only: homozygote 100/100 (unit 4) becomes 96/100 or 100/104
    r = genotype_replicates(np.array([[[100, 100]]]), np.random.default_rng(1), replicates=50, ado=[0.0], fa=[1.0],
                            fail=[0.0], quality_classes=one, repeat_units=[4], ladders=[[100]], stutter_fraction=1.0)  # fmt: skip
    seen = {tuple(c) for c in r.calls[:, 0].tolist()}
    assert seen == {(96, 100), (100, 104)} and r.false_allele.all()
    # FA certain, never stutter: the false allele is the one ladder allele absent from 100/104
    r = genotype_replicates(np.array([[[100, 104]]]), np.random.default_rng(1), replicates=20, ado=[0.0], fa=[1.0],
                            fail=[0.0], quality_classes=one, repeat_units=[4], ladders=[[100, 104, 112]], stutter_fraction=0.0)  # fmt: skip
    assert {tuple(c) for c in r.calls[:, 0].tolist()} == {(100, 112), (104, 112)}
    # SNP: only a homozygote can show the other base
    r = genotype_replicates(np.array([[[0, 0], [0, 1]]]), np.random.default_rng(1), replicates=10, ado=[0.0, 0.0],
                            fa=[1.0, 1.0], fail=[0.0, 0.0], quality_classes=one, repeat_units=[None, None], ladders=[[0, 1], [0, 1]])  # fmt: skip
    assert (r.calls[:, 0] == [0, 1]).all() and (r.calls[:, 1] == [0, 1]).all()
    assert r.false_allele[:, 0].all() and not r.false_allele[:, 1].any()


def test_tiny_allele_dropout_model_by_hand():
    one = {"medium": {"ado": 1.0, "fa": 1.0, "fail": 1.0, "dud": 0.0, "height": 1000.0}}
    # per-copy dropout certain: every call is missing, homozygotes too
    r = genotype_replicates(np.array([[[100, 104], [90, 90]]]), np.random.default_rng(1), replicates=5,
                            ado=[1.0, 1.0], fa=[0.0, 0.0], fail=[0.0, 0.0], quality_classes=one,
                            repeat_units=[4, 2], ladders=[[100, 104], [90]], ado_model="allele")  # fmt: skip
    assert (r.calls == -1).all() and r.failed.all()
    # failure certain: missing, no peaks
    r = genotype_replicates(np.array([[[100, 104]]]), np.random.default_rng(1), replicates=2, ado=[0.0], fa=[0.0],
                            fail=[1.0], quality_classes=one, repeat_units=[4], ladders=[[100, 104]])  # fmt: skip
    assert (r.calls == -1).all() and np.isnan(r.size).all()


def _observed_ado_fa(r):
    calls = r.replicates.allele_values()
    truth = _truth_of_rows(r)
    ok = calls[..., 0] >= 0
    het = truth[..., 0] != truth[..., 1]
    shows_one = (calls[..., 0] == calls[..., 1]) & (
        (calls[..., 0] == truth[..., 0]) | (calls[..., 0] == truth[..., 1])
    )
    foreign = ok & ~((calls[..., 0] == truth[..., 0]) | (calls[..., 0] == truth[..., 1])) | ok & ~(
        (calls[..., 1] == truth[..., 0]) | (calls[..., 1] == truth[..., 1])
    )
    return ok, het, shows_one, foreign


def _within_ci(k: int, n: int, p: float, level: float) -> bool:
    ci = stats.binomtest(int(k), int(n), p).proportion_ci(confidence_level=level, method="exact")
    return ci.low <= p <= ci.high


def test_observed_ado_and_fa_rates_match_configuration():
    # Per-locus rates of Broquet & Petit (2004), counted against the truth.
    # Exact binomial intervals at level 1 - 0.001/12 per locus (Bonferroni
    # over the 2 x 6 loci: family-wise false-alarm rate below 0.1%).
    ado = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4]
    # About 3,000 amplified heterozygotes per locus: interval half-width <= 0.035.
    base = dict(n_individuals=500, generations=1, burn_in=0, n_str=6, alleles_min=3, alleles_max=5, sex_marker=None,
                samples_per_individual=3.0, replicates=4, quality_mix=MEDIUM_ONLY, fail_rate=0.1)  # fmt: skip
    r = simulate_batch(seed=17, **dict(base, ado=ado, fa=0.0))
    ok, het, shows_one, _ = _observed_ado_fa(r)
    level = 1 - 0.001 / 12
    for j, rate in enumerate(ado):
        n = int((ok & het)[:, j].sum())
        k = int((ok & het & shows_one)[:, j].sum())
        assert n > 500
        assert (k == 0) if rate == 0 else _within_ci(k, n, rate, level), (j, k, n, rate)
        if rate >= 0.1:  # the check has power: 0.06 off would be caught
            assert not _within_ci(k, n, rate + 0.06, level) and not _within_ci(
                k, n, rate - 0.06, level
            )
    # with 10% failures per call and 0.4 * 0.1 = 4% whole-sample failures
    fa = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2]
    r = simulate_batch(seed=18, **dict(base, ado=0.0, fa=fa))
    ok, het, _, foreign = _observed_ado_fa(r)
    for j, rate in enumerate(fa):
        n, k = int(ok[:, j].sum()), int(foreign[:, j].sum())
        assert (k == 0) if rate == 0 else _within_ci(k, n, rate, level), (j, k, n, rate)
    # the truth file lists every event
    assert set(r.errors["event"]) <= {"fail", "dud", "false_allele"}
    assert (r.errors["event"] == "false_allele").sum() == int(foreign.sum())


def test_allele_dropout_model_rate():
    # per-copy d: heterozygote shows one allele w.p. 2d(1-d), nothing w.p. d^2;
    # Broquet & Petit rate among amplified heterozygotes = 2d/(1+d).
    d = 0.2
    r = simulate_batch(seed=19, n_individuals=300, generations=1, burn_in=0, n_str=4, alleles_min=4, alleles_max=6,
                       sex_marker=None, samples_per_individual=2.0, replicates=4, ado_model="allele", ado=d,
                       fa=0.0, fail_rate=0.0, quality_mix=MEDIUM_ONLY)  # fmt: skip
    ok, het, shows_one, _ = _observed_ado_fa(r)
    n, k = int((ok & het).sum()), int((ok & het & shows_one).sum())
    assert _within_ci(k, n, 2 * d / (1 + d), 0.999)
    n_all = int(ok.size)
    assert _within_ci(int((~ok).sum()), n_all, d * d, 0.999)


def test_quality_classes_scale_rates():
    assert QUALITY_CLASSES["medium"]["ado"] == 1.0
    base = dict(n_individuals=300, generations=1, burn_in=0, n_str=5, alleles_min=4, alleles_max=6, sex_marker=None,
                samples_per_individual=2.0, replicates=3, fa=0.0, fail_rate=0.0, ado=0.1)  # fmt: skip
    r = simulate_batch(seed=20, **dict(base, quality_mix={"low": 1.0}))
    ok, het, shows_one, _ = _observed_ado_fa(r)
    assert _within_ci(int((ok & het & shows_one).sum()), int((ok & het).sum()), 0.2, 0.999)


# --------------------------------------------------------------------------- files
def test_written_files_read_back(tmp_path):
    r = simulate_batch(seed=21, **dict(SMALL, n_snp=8))
    write_batch(r, tmp_path)
    long = read_genotypes(tmp_path / "replicates.long.csv")
    assert long.same_genotypes(r.replicates)
    gm = read_genotypes(tmp_path / "replicates_genemapper.txt", "genemapper")
    assert gm.subset(loci=r.replicates.locus_id).same_genotypes(r.replicates)
    wide = read_genotypes(tmp_path / "truth_genotypes.csv", "wide")
    assert wide.same_genotypes(r.truth)
    vcf = read_genotypes(tmp_path / "snps.vcf", "vcf")
    assert (vcf.call_genotype == np.sort(r.snp_replicates.call_genotype, axis=2)).all()
    sheet = read_sample_sheet(tmp_path / "sample_sheet.csv")
    assert (sheet["x"].to_numpy() == r.samples["x"].to_numpy()).all()
    assert (sheet["latitude"].to_numpy() == r.samples["latitude"].to_numpy()).all()
    ts = pd.read_csv(tmp_path / "truth_samples.tsv", sep="\t")
    assert list(ts.columns[:3]) == ["sample_id", "individual_id", "sex"]
    ped = pd.read_csv(tmp_path / "pedigree.tsv", sep="\t")
    assert list(ped.columns) == ["id", "father", "mother", "sex", "generation", "birth_year"]
    doc = json.loads((tmp_path / "truth.json").read_text())
    assert doc["seed"] == 21 and doc["provenance"]["seed"] == 21
    assert doc["truth"]["ne"]["expected"] == 30.0
    assert doc["parameters"]["n_snp"] == 8
    with pytest.raises(Exception, match="exists"):
        write_batch(r, tmp_path)


def test_bad_parameters_are_named():
    with pytest.raises(SimulationError, match="unknown simulation parameters: n_loci"):
        simulate_batch(seed=1, n_loci=3)
    with pytest.raises(SimulationError, match="ado has 2 per-locus rates for 4 loci"):
        simulate_batch(seed=1, n_str=4, sex_marker=None, ado=[0.1, 0.2])
    with pytest.raises(SimulationError, match=r"fa rates must lie in \[0, 1\]"):
        resolve_parameters(fa=1.5)
    with pytest.raises(SimulationError, match="unknown preset"):
        resolve_parameters("amur-tiger")
    with pytest.raises(SimulationError, match="do not fit"):
        simulate_batch(seed=1, n_individuals=10, full_sib_families=4, full_sib_size=3)


def test_preset_amur_leopard_shape():
    r = simulate_batch(seed=22, preset="amur-leopard")
    assert r.replicates.n_loci == 15 and r.replicates.locus_id[-1] == "SRY"
    assert 240 <= len(r.samples) <= 360  # Poisson(300): +-3.5 SD
    assert r.truth.n_samples == 100 and r.parameters["replicates"] == 3
    ado = [info["ado"] for info in r.truth_info["loci"][:14]]
    assert min(ado) >= 0.05 and max(ado) <= 0.3


# --------------------------------------------------------------------------- CLI
def test_cli_end_to_end(tmp_path):
    out = tmp_path / "batch"
    args = ["simulate", "-o", str(out), "--seed", "31", "--n-individuals", "20", "--generations", "2",
            "--n-str", "4", "--replicates", "2", "--ado", "0.05:0.2", "--sample-types", "scat=1"]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    doc = json.loads((out / "truth.json").read_text())
    assert doc["seed"] == 31
    assert doc["provenance"]["command"].startswith("genmon simulate --output")
    assert "--ado 0.05:0.2" in doc["provenance"]["command"]
    lib = simulate_batch(seed=31, n_individuals=20, generations=2, n_str=4, replicates=2, ado="0.05:0.2",
                         sample_types={"scat": 1.0})  # fmt: skip
    assert read_genotypes(out / "replicates.long.csv").same_genotypes(lib.replicates)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "exists; use --force" in again.stderr and again.stdout == ""
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 0
    # the recorded command reproduces the files
    words = shlex.split(doc["provenance"]["command"])[1:]
    words[words.index("--output") + 1] = str(tmp_path / "again")
    assert CliRunner().invoke(cli, words).exit_code == 0
    assert (tmp_path / "again" / "replicates.long.csv").read_text().splitlines()[2:] == (
        out / "replicates.long.csv"
    ).read_text().splitlines()[2:]


def test_cli_calls_library_once(tmp_path):
    with (
        mock.patch("genmon.cli.simulate.simulate_batch", wraps=simulate_batch) as sim,
        mock.patch("genmon.cli.simulate.write_batch") as write,
    ):
        res = CliRunner().invoke(cli, ["simulate", "-o", str(tmp_path), "--seed", "5", "--preset", "amur-leopard",
                                       "--n-individuals", "12", "--fa", "0.01", "--sex-marker", "none", "--monogamy"])  # fmt: skip
    assert res.exit_code == 0, res.output
    sim.assert_called_once_with(
        seed=5, preset="amur-leopard", n_individuals=12, monogamy=True, sex_marker=None, fa=0.01
    )
    assert write.call_count == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ado", "lots"], 'Invalid value for --ado: "lots" is not a rate or a range LO:HI'),
        (
            ["--alleles-min", "6", "--alleles-max", "3"],
            "need 1 <= alleles_min <= alleles_max, got 6, 3",
        ),
        (
            ["--quality-mix", "great=1"],
            "quality_mix classes must be among ['high', 'low', 'medium']",
        ),
        (["--season-start", "2024-31-01"], "season dates must be ISO 8601 (YYYY-MM-DD)"),
    ],
)
def test_cli_bad_options_exit_2(tmp_path, args, message):
    res = CliRunner().invoke(cli, ["simulate", "-o", str(tmp_path / "x"), *args])
    assert res.exit_code == 2
    assert message in res.stderr
    assert res.stdout == ""
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- test_data/sim
def test_test_data_sim_is_reproducible(test_data, tmp_path):
    sim = test_data / "sim"
    doc = json.loads((sim / "truth.json").read_text())
    words = shlex.split(doc["provenance"]["command"])
    assert words[:2] == ["genmon", "simulate"]
    words[words.index("--output") + 1] = str(tmp_path)
    res = CliRunner().invoke(cli, words[1:])
    assert res.exit_code == 0, res.output
    for name in doc["files"]:
        if name == "truth.json":
            fresh = _json_without_timestamp(tmp_path / name)
            kept = _json_without_timestamp(sim / name)
            assert fresh["truth"] == kept["truth"] and fresh["parameters"] == kept["parameters"]
        else:
            # identical bytes but for the output directory named in the header
            fresh = (tmp_path / name).read_bytes().replace(str(tmp_path).encode(), b"test_data/sim")
            assert fresh == (sim / name).read_bytes(), (
                f"{name}: regenerate test_data/sim (README.md)"
            )
    readme = (sim / "README.md").read_text()
    assert doc["provenance"]["command"] in readme


# --------------------------------------------------------------------------- slow: Ne recovery
@pytest.mark.slow
def test_realised_ne_matches_expectation_over_replicates():
    # Pedigree coancestry grows by dC = 1/(2 Ne) per generation in expectation.
    # 40 independent runs of 8 generations (Nm = 20, Nf = 40 -> Ne = 53.33);
    # the mean dC must be within 4 standard errors (between runs) of 1/(2 Ne).
    rng = np.random.default_rng(23)
    loci = make_str_loci(1, rng, 2, 2)
    dcs, temporal = [], []
    for _ in range(40):
        pop = simulate_population(
            loci, [], rng, n_individuals=60, generations=8, burn_in=0, male_fraction=1 / 3
        )
        c = np.asarray(pop.ne["mean_coancestry"])
        dcs.append(np.mean((c[1:] - c[:-1]) / (1 - c[:-1])))
    ne = expected_ne(20, 40)
    dcs = np.asarray(dcs)
    assert abs(dcs.mean() - 1 / (2 * ne)) < 4 * dcs.std(ddof=1) / np.sqrt(dcs.size)
    # Temporal F from whole-population frequencies of 400 SNPs: 1 - (1 - 1/(2 Ne))^t.
    from genmon.simulate import make_snp_loci

    snps = make_snp_loci(400, rng, 0.2, 0.5)
    fs = []
    for _ in range(10):
        pop = simulate_population(
            [], snps, rng, n_individuals=60, generations=8, burn_in=0, male_fraction=1 / 3
        )
        fs.append(pop.ne["f_temporal"])
        temporal.append(pop.ne["ne_temporal"])
    fs = np.asarray(fs)
    expect = 1 - (1 - 1 / (2 * ne)) ** 8
    assert abs(fs.mean() - expect) < 4 * fs.std(ddof=1) / np.sqrt(fs.size)


def test_truth_json_is_strict_json_without_kinship(tmp_path, monkeypatch):
    # Above KINSHIP_LIMIT the pedigree quantities are undefined: null, not NaN.
    import genmon.simulate.population as population

    monkeypatch.setattr(population, "KINSHIP_LIMIT", 10)
    r = simulate_batch(seed=24, **SMALL)
    write_batch(r, tmp_path)

    def refuse(token):
        raise AssertionError(f"non-standard JSON constant {token}")

    doc = json.loads((tmp_path / "truth.json").read_text(), parse_constant=refuse)
    assert doc["truth"]["ne"]["ne_coancestry"] is None
    assert doc["truth"]["ne"]["mean_inbreeding"] is None
    assert doc["truth"]["ne"]["expected"] == 30.0
