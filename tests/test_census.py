"""Census: capwire against capwire 1.3's output, closed models, rarefaction and SCR."""

import csv
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon.census import (
    bootstrap_capwire,
    chao_mh,
    chapman,
    counts_from_class_table,
    fit_closed_models,
    fit_ecm,
    fit_m0,
    fit_tirm,
    jackknife_mh,
    lrt_capwire,
    schnabel,
    simulate_ecm,
)
from genmon.census.captures import read_captures
from genmon.census.rarefaction import discovery_curve, fit_rarefaction
from genmon.census.scr import SCRData, _Likelihood, fit_scr, make_mask, simulate_scr
from genmon.cli import cli
from genmon.exceptions import InputError, ModelError
from tests.reference import census as ref

DATA = {
    "wombat": ([1, 2, 3, 4, 5, 6, 7], [25, 11, 10, 10, 9, 11, 5]),
    "toy": ([1, 2, 3], [5, 3, 2]),
    "skew": ([1, 2, 4, 9, 15], [30, 6, 3, 2, 1]),
}


def _expected(test_data):
    with open(test_data / "reference/census/capwire_expected.tsv") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_capwire_matches_capwire_1_3(test_data):
    rows = _expected(test_data)
    assert len(rows) == 6
    for row in rows:
        counts = counts_from_class_table(*DATA[row["data"]])
        max_pop = int(row["max_pop"])
        fit = fit_ecm(counts, max_pop) if row["model"] == "ECM" else fit_tirm(counts, max_pop)
        assert fit.n_hat == int(row["n_hat"]), row
        # capwire's output was printed with 6 decimals
        assert fit.lnl == pytest.approx(float(row["lnl"]), abs=5e-7), row
        if row["model"] == "TIRM":
            assert (fit.n_a, fit.n_b) == (int(row["n_a"]), int(row["n_b"]))
            assert fit.alpha == pytest.approx(float(row["alpha"]), abs=5e-7)


def test_wombat_file_reads_as_class_table(test_data):
    det = read_captures(test_data / "capwire/wombat.csv")
    assert det.table is None
    assert det.counts.size == 81 and det.counts.sum() == 263


def test_ecm_hand_worked():
    # T = 2 individuals seen 1 and 2 times (S = 3): lnL(N) = ln N!/(N-2)! - 3 ln N
    # N=2: ln 2 - 3 ln 2 = -1.386; N=3: ln 6 - 3 ln 3 = -1.504; so N-hat = 2 (grid starts at T).
    fit = fit_ecm([1, 2], max_pop=50)
    assert fit.n_hat == 2
    assert fit.lnl == pytest.approx(math.log(2) - 3 * math.log(2) - math.log(2))


def test_only_singletons_is_uninformative():
    fit = fit_ecm([1, 1, 1], max_pop=40)
    assert fit.n_hat == 40 and math.isnan(fit.lnl) and fit.notes


def test_bootstrap_distribution_agrees_with_capwire():
    counts = counts_from_class_table(*DATA["wombat"])
    _, _, ecm = bootstrap_capwire(fit_ecm(counts, 200), n_boot=2000, seed=42)
    # capwire: mean 83.465 over 2000 replicates; two independent Monte Carlo means differ
    # by sd * sqrt(2 / 2000) ~ 0.07 on average, so 4 of those is a generous, honest bound.
    bound = 4 * ecm.std() * math.sqrt(2 / 2000)
    assert abs(ecm.mean() - 83.465) < bound
    assert np.quantile(ecm, [0.025, 0.5, 0.975]).tolist() == pytest.approx([79, 84, 87], abs=1)
    _, _, tirm = bootstrap_capwire(fit_tirm(counts, 200), n_boot=1000, seed=42, convention="capwire")
    bound = 4 * tirm.std() * math.sqrt(2 / 1000)
    assert abs(tirm.mean() - 95.446) < bound


def test_lrt_matches_capwire_statistic():
    counts = counts_from_class_table(*DATA["wombat"])
    diff, p = lrt_capwire(fit_ecm(counts, 200), fit_tirm(counts, 200), n_boot=100, seed=1)
    assert diff == pytest.approx(48.87285983, abs=1e-7)
    assert p == pytest.approx(1 / 101)  # no ECM simulation reaches 48.9


def test_ecm_recovers_n_on_average():
    estimates = [fit_ecm(simulate_ecm(60, 150, seed=s), 600).n_hat for s in range(200)]
    assert abs(np.mean(estimates) - 60) < 2


def test_chapman_and_schnabel_hand_worked():
    est = chapman(60, 55, 20)
    assert est.n_hat == pytest.approx(161.667, abs=1e-3)
    assert est.se**2 == pytest.approx(492.93, abs=0.01)
    # Schnabel: catches {a,b}, {a,c}, {b,c,d}: sum C*M = 0 + 2*2 + 3*3 = 13, sum R = 0+1+2 = 3
    h = np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [0, 0, 1]])
    assert schnabel(h).n_hat == pytest.approx(13 / 4)


def test_m0_against_brute_force():
    rng = np.random.default_rng(5)
    h = (rng.random((40, 4)) < 0.35).astype(int)
    h = h[h.sum(axis=1) > 0]
    assert fit_m0(h).n_hat == ref.m0_mle(h, 120)


def test_mh_estimators_hand_worked():
    # f1 = 4, f2 = 2, f3 = 1, M = 7, t = 3
    h = [[1, 0, 0]] * 4 + [[1, 1, 0]] * 2 + [[1, 1, 1]]
    assert chao_mh(h).n_hat == pytest.approx(7 + 4 * 3 / (2 * 3))
    assert jackknife_mh(h).n_hat == pytest.approx(7 + 4 * 2 / 3)


def test_closed_models_recover_n_and_rank_by_aic():
    rng = np.random.default_rng(11)
    h = (rng.random((150, 5)) < 0.3).astype(int)
    h = h[h.sum(axis=1) > 0]
    est = {e.model: e for e in fit_closed_models(h)}
    for model in ("M0", "Mt", "Mb", "schnabel"):
        assert est[model].ci_low <= 150 <= est[model].ci_high, model
    assert min(e.details["delta_aic"] for e in est.values() if "delta_aic" in e.details) == 0


def test_single_occasion_gives_named_nan():
    est = fit_closed_models(np.ones((5, 1), dtype=int))
    assert all(math.isnan(e.n_hat) and "single occasion" in e.reason for e in est)


def test_rarefaction_without_repeats_has_no_asymptote():
    curve = discovery_curve(list("abcdef"), n_orders=20, seed=0)
    fit = fit_rarefaction(curve)
    assert math.isnan(fit["n_hat"]) and "no asymptote" in fit["reason"]


def test_rarefaction_eggert_near_truth():
    rng = np.random.default_rng(2)
    curve = discovery_curve(rng.integers(0, 60, size=200), n_orders=200, seed=1)
    assert 50 < fit_rarefaction(curve, "eggert")["n_hat"] < 75


def _grid(n=6, step=1000.0):
    gx, gy = np.meshgrid(np.arange(n) * step, np.arange(n) * step)
    return np.column_stack([gx.ravel(), gy.ravel()])


def test_scr_likelihood_matches_reference_twin():
    det = _grid(3, 800.0)
    data, _ = simulate_scr(60, 600, 0.3, det, 2, 1500, seed=4)
    usage = data.usage.copy()
    usage[0, 1] = 0.0
    caps = data.captures.copy()
    caps[:, 0, 1] = 0
    caps = caps[caps.sum(axis=(1, 2)) > 0]
    data = SCRData(det, usage, caps)
    mask = make_mask(det, 1500, spacing=400)
    lik = _Likelihood(data, mask, "HN")
    g0, sigma, d = 0.25, 550.0, 5e-7
    theta = np.array([math.log(g0 / (1 - g0)), math.log(sigma)])
    expected = ref.scr_lnl_proximity_hn(mask.points, mask.cell_area, det, usage, caps, d, g0, sigma)
    assert lik.full_lnl(math.log(d), theta) == pytest.approx(expected, rel=1e-10)


def test_scr_recovers_density_roughly():
    det = _grid(8)
    data, truth = simulate_scr(30, 700, 0.2, det, 5, 3500, seed=2)
    fit = fit_scr(data, make_mask(det, 3500), "HN")
    true_density = truth[0] / truth[1] * 1e8
    assert fit.density_ci[0] <= true_density <= fit.density_ci[1]
    assert fit.sigma_ci[0] <= 700 <= fit.sigma_ci[1]


@pytest.mark.slow
def test_scr_ci_coverage_over_replicates():
    det = _grid(7)
    covered = 0
    reps = 20
    for seed in range(reps):
        data, truth = simulate_scr(40, 600, 0.25, det, 4, 3000, seed=100 + seed)
        fit = fit_scr(data, make_mask(det, 3000), "HN")
        covered += fit.density_ci[0] <= truth[0] / truth[1] * 1e8 <= fit.density_ci[1]
    # nominal 95%: 20 replicates give >= 16 with probability > 0.98 under the nominal rate
    assert covered >= 16


def test_scr_refuses_detection_without_effort():
    det = _grid(2)
    caps = np.zeros((2, 4, 2), dtype=int)
    caps[0, 0, 0] = caps[1, 1, 1] = 1
    usage = np.ones((4, 2))
    usage[1, 1] = 0
    with pytest.raises(ModelError, match="not operated"):
        SCRData(det, usage, caps)


def test_malformed_inputs_give_exact_messages(test_data):
    bad = test_data / "malformed"
    with pytest.raises(InputError) as err:
        read_captures(bad / "census_empty_individual.tsv")
    assert str(err.value) == (
        f"{bad / 'census_empty_individual.tsv'}, line 2, sample RU-0001: found an empty individual, "
        "expected the individual this detection belongs to"
    )
    with pytest.raises(InputError) as err:
        read_captures(bad / "census_bad_class_table.csv")
    f = bad / "census_bad_class_table.csv"
    assert [str(p) for p in err.value.problems] == [
        f'{f}, line 3: found "2", "eleven", expected two whole numbers',
        f"{f}, line 4: found capture class 0 with 3 individuals, expected a class >= 1 and a count >= 0",
    ]
    from genmon.census.detectors import read_detectors

    f = bad / "census_bad_detectors.tsv"
    with pytest.raises(InputError) as err:
        read_detectors(f)
    assert [str(p) for p in err.value.problems] == [
        f'{f}, line 3: found coordinates "1000", "abc" for detector D2, expected projected x and y in metres',
        f'{f}, line 4: found detector "D1" a second time, expected unique detector ids',
    ]


def test_cli_exit_code_3_on_bad_input(test_data, tmp_path):
    result = CliRunner().invoke(cli, ["census", str(test_data / "malformed/census_empty_individual.tsv"),
                                      "-o", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "found an empty individual" in result.stderr
    assert not (tmp_path / "out" / "abundance.tsv").exists()


def test_cli_end_to_end_with_scr(tmp_path):
    det = _grid(6)
    data, _ = simulate_scr(40, 700, 0.25, det, 3, 3000, seed=8)
    with open(tmp_path / "detectors.tsv", "w") as fh:
        fh.write("detector\tx\ty\tusage\n")
        for k, (x, y) in enumerate(det):
            fh.write(f"D{k}\t{x:.0f}\t{y:.0f}\t111\n")
    rows = []
    for i, k, s in zip(*np.nonzero(data.captures), strict=True):
        rows.append({"individual": f"PPO-{i:03d}", "sample": f"S{len(rows)}", "occasion": str(s + 1),
                     "detector": f"D{k}", "x": det[k, 0] + 10, "y": det[k, 1] - 10})
    pd.DataFrame(rows).to_csv(tmp_path / "captures.tsv", sep="\t", index=False)
    args = ["census", str(tmp_path / "captures.tsv"), "-o", str(tmp_path / "out"), "--seed", "3",
            "--bootstraps", "50", "--orders", "50", "--detectors", str(tmp_path / "detectors.tsv"),
            "--buffer", "3000", "--detection-function", "HN"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    ab = pd.read_csv(tmp_path / "out/abundance.tsv", sep="\t")
    assert set(ab["model"]) >= {"ECM", "TIRM", "M0", "Mt", "Mb", "schnabel", "kohn", "eggert"}
    dens = pd.read_csv(tmp_path / "out/density.tsv", sep="\t")
    assert dens.loc[0, "ci_low"] < dens.loc[0, "density_per_100km2"] < dens.loc[0, "ci_high"]
    for name in ("discovery_curve.svg", "capture_frequencies.svg", "detections_map.svg", "run.json"):
        assert (tmp_path / "out" / name).exists()
    # deterministic: same seed, same bytes
    again = CliRunner().invoke(cli, args[:3] + [str(tmp_path / "out2")] + args[4:])
    assert again.exit_code == 0
    for name in ("abundance.tsv", "density.tsv", "discovery_curve.svg"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes()


@pytest.mark.slow
def test_capwire_and_closed_models_cover_true_n_on_simulated_batches():
    """genmon simulate: Poisson detections per individual over 4 occasions, N = 80 known.

    Under equal catchability ECM and M0 are the right models, so their 95% intervals
    should cover N in about 95% of replicates.  With 30 replicates, 25 or more
    covered happens with probability 0.98 under the nominal rate.
    """
    from genmon.census.captures import Detections
    from genmon.simulate import simulate_batch

    n_true, reps = 80, 30
    covered = {"ECM": 0, "M0": 0}
    for rep in range(reps):
        sim = simulate_batch(seed=500 + rep, n_individuals=n_true, generations=1, n_str=3,
                             samples_per_individual=2.5, replicates=1, n_occasions=4)
        samples = sim.samples.merge(sim.truth_samples, on="sample_id")
        table = pd.DataFrame({"individual": samples["individual_id"].astype(str),
                              "sample": samples["sample_id"].astype(str),
                              "occasion": samples["occasion"].astype(str)})
        for col in ("date", "site", "x", "y", "detector"):
            table[col] = None
        det = Detections(table, table.groupby("individual").size().to_numpy(), "sim")
        ecm = fit_ecm(det.counts, 1000)
        low, high, _ = bootstrap_capwire(ecm, n_boot=300, seed=rep)
        covered["ECM"] += low <= n_true <= high
        from genmon.census.captures import capture_histories

        h, _, _ = capture_histories(det)
        m0 = fit_m0(h)
        covered["M0"] += m0.ci_low <= n_true <= m0.ci_high
    assert covered["ECM"] >= 25, covered
    assert covered["M0"] >= 25, covered


def test_occasion_without_effort_is_a_named_warning(tmp_path):
    from genmon.census.detectors import read_detectors, scr_data
    from genmon.exceptions import InputWarning

    (tmp_path / "d.tsv").write_text("detector\tx\ty\tusage\nD1\t0\t0\t101\nD2\t1000\t0\t101\n")
    (tmp_path / "c.tsv").write_text("individual\tsample\toccasion\tdetector\nA\ts1\t1\tD1\nA\ts2\t3\tD2\nB\ts3\t1\tD2\n")
    with pytest.warns(InputWarning, match="occasion 2 with no search effort"):
        data = scr_data(read_captures(tmp_path / "c.tsv"), read_detectors(tmp_path / "d.tsv"))
    assert data.captures.shape == (2, 2, 3)
