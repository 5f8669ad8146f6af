"""Genotyping-error rates: hand-worked counts, Wilson intervals, ML rates, null alleles."""

import numpy as np
import pandas as pd
import pytest

from genmon import GenotypeTable
from genmon.labqc import (
    call_consensus,
    count_error_rates,
    estimate_error_rates_ml,
    microchecker_flags,
    null_allele_frequencies,
    wilson_interval,
)
from genmon.labqc.errors import RATE_COLUMNS, error_rates_table
from tests.reference import labqc as ref


def batch():
    # Locus L1, Taberlet rule (2/3):
    #   A: 165/169, 165/169, 165, 165/173 -> 165 x4, 169 x2, 173 x1: 165/169 confirmed
    #      FA: 1 of 4 amplifications (173); ADO: 1 (165 alone) of the 3 without a false allele
    #   B: 171, 171, 171, 171/175 -> 175 seen once: provisional 171/175 (not used by default)
    #   C: 171, 171, 171, failed -> 171/171 confirmed; FA 0 of 3; homozygote: no ADO trials
    # Locus total (confirmed only): FA 1/7, ADO 1/3.
    rows = {
        "A": [(165, 169), (165, 169), (165, 165), (165, 173)],
        "B": [(171, 171), (171, 171), (171, 171), (171, 175)],
        "C": [(171, 171), (171, 171), (171, 171), (-1, -1)],
    }
    values, sids, rids, runs = [], [], [], []
    for sid, reps in rows.items():
        for k, call in enumerate(reps):
            values.append([list(call)])
            sids.append(sid)
            rids.append(f"r{k + 1}")
            runs.append("run1" if k < 2 else "run2")
    return GenotypeTable.from_alleles(
        values, ["L1"], samples=pd.DataFrame({"sample_id": sids, "replicate_id": rids, "run": runs})
    )


def counts(df, key):
    return {
        r[key]: (r["fa_events"], r["fa_trials"], r["ado_events"], r["ado_trials"]) for _, r in df.iterrows()
    }


def test_counted_rates_hand_worked():
    result = call_consensus(batch(), "taberlet", min_loci=0)
    by_locus = count_error_rates(result, "locus")
    assert list(by_locus.columns[:9]) == RATE_COLUMNS
    assert counts(by_locus, "locus") == {"L1": (1, 7, 1, 3), "ALL": (1, 7, 1, 3)}
    row = by_locus.iloc[0]
    assert row["fa_rate"] == pytest.approx(1 / 7) and row["ado_rate"] == pytest.approx(1 / 3)
    lo, hi = wilson_interval(1, 7)
    assert (row["fa_ci_low"], row["fa_ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert row["method"] == "consensus-wilson"
    # B provisional 171/175 included: its 3 single-peak PCRs are dropouts of 175 among 4 trials
    both = count_error_rates(result, "locus", statuses=("confirmed", "provisional"))
    assert counts(both, "locus")["L1"] == (1, 11, 4, 7)


def test_counted_rates_per_sample_and_run():
    result = call_consensus(batch(), "taberlet", min_loci=0)
    per_sample = count_error_rates(result, "sample")
    assert counts(per_sample, "sample") == {"A": (1, 4, 1, 3), "B": (0, 0, 0, 0), "C": (0, 3, 0, 0)}
    assert per_sample.set_index("sample").loc["B", ["fa_rate", "ado_rate"]].isna().all()
    # run1 = replicates 1-2: A 165/169 twice, C 171 twice -> FA 0/4, ADO 0/2
    # run2 = replicates 3-4: A 165 (dropout), A 165/173 (FA), C 171 -> FA 1/3, ADO 1/1
    per_run = count_error_rates(result, "run")
    assert counts(per_run, "run") == {"run1": (0, 4, 0, 2), "run2": (1, 3, 1, 1)}
    assert per_run["grouped_by"].tolist() == ["run", "run"]
    by_rep = count_error_rates(result, "run", run_column="plate")
    assert by_rep["grouped_by"].tolist() == ["replicate_id"] * 4
    assert counts(by_rep, "run")["r3"] == (0, 2, 1, 1)


def test_wilson_matches_newcombe_1998(test_data):
    # Newcombe (1998) Stat Med 17:857, worked examples, method 3 (Wilson score, no correction)
    ref_table = pd.read_csv(test_data / "reference" / "labqc" / "wilson_newcombe1998.tsv", sep="\t")
    lo, hi = wilson_interval(ref_table["events"], ref_table["trials"])
    np.testing.assert_allclose(lo, ref_table["low"], atol=5e-5)
    np.testing.assert_allclose(hi, ref_table["high"], atol=5e-5)
    lo, hi = wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


def test_ml_rates_recover_truth_on_a_large_batch():
    ado = np.array([0.0, 0.1, 0.3])
    fa = np.array([0.0, 0.02, 0.05])
    table, _ = ref.simulate_replicates(2000, 3, 4, ado, fa, n_alleles=[4, 5, 6], seed=7)
    r = estimate_error_rates_ml(table)
    assert list(r.columns[:9]) == RATE_COLUMNS
    assert (r["method"] == "ml-profile").all() and r["converged"].all()
    np.testing.assert_allclose(r["ado_rate"], ado, atol=0.02)
    np.testing.assert_allclose(r["fa_rate"], fa, atol=0.01)
    assert (r["ado_ci_low"] <= r["ado_rate"]).all() and (r["ado_rate"] <= r["ado_ci_high"]).all()
    assert r.loc[0, "fa_ci_low"] == 0.0  # the MLE at 0 is on the boundary


def test_ml_rates_reuse_an_ml_consensus_fit():
    table, _ = ref.simulate_replicates(200, 2, 3, 0.2, 0.02, seed=3)
    result = call_consensus(table, "ml", min_loci=0)
    a = estimate_error_rates_ml(result)
    b = estimate_error_rates_ml(table)
    np.testing.assert_allclose(a["ado_rate"], b["ado_rate"], rtol=1e-6)
    both = error_rates_table(result)
    assert both["method"].tolist() == ["consensus-wilson"] * 3 + ["ml-profile"] * 2
    assert both["locus"].tolist() == ["L01", "L02", "ALL", "L01", "L02"]


def test_null_allele_estimators_hand_worked():
    # 6 samples: 100/100 x3, 104/104 x2, 100/104 x1 -> p = (7/12, 5/12), 2n = 12
    # He = 12/11 (1 - 49/144 - 25/144) = 12/11 x 70/144 = 0.530303, Ho = 1/6
    # Chakraborty: (0.530303 - 0.166667) / (0.530303 + 0.166667) = 0.521739
    # Brookfield 1: (0.530303 - 0.166667) / 1.530303 = 0.237624
    t = GenotypeTable.from_alleles(
        [[[100, 100]], [[100, 100]], [[100, 100]], [[104, 104]], [[104, 104]], [[100, 104]], [[-1, -1]]], ["L"]
    )
    r = null_allele_frequencies(t).iloc[0]
    assert r["n_typed"] == 6
    assert r["he"] == pytest.approx(0.530303, abs=1e-6)
    assert r["null_chakraborty"] == pytest.approx(0.521739, abs=1e-6)
    assert r["null_brookfield1"] == pytest.approx(0.237624, abs=1e-6)


def test_counted_dropout_close_to_truth_at_low_rates():
    # 2,000 samples x 4 PCRs: the count-based ADO is close to the truth at ADO <= 0.2;
    # the count-based FA is biased low (homozygotes with a false allele stay provisional)
    table, _ = ref.simulate_replicates(2000, 3, 4, ado=[0.05, 0.1, 0.2], fa=[0.01, 0.02, 0.03], n_alleles=5, seed=9)
    rates = count_error_rates(call_consensus(table)).set_index("locus")
    np.testing.assert_allclose(rates.loc[["L01", "L02", "L03"], "ado_rate"], [0.05, 0.1, 0.2], atol=0.01)
    assert (rates.loc[["L01", "L02", "L03"], "fa_rate"].to_numpy() < [0.01, 0.02, 0.03]).all()


def test_ml_interval_level():
    table, _ = ref.simulate_replicates(300, 2, 3, ado=0.2, fa=0.03, seed=4)
    wide = estimate_error_rates_ml(table, confidence=0.95)
    narrow = estimate_error_rates_ml(table, confidence=0.80)
    for c in ("ado", "fa"):
        assert (narrow[f"{c}_ci_low"] > wide[f"{c}_ci_low"]).all()
        assert (narrow[f"{c}_ci_high"] < wide[f"{c}_ci_high"]).all()
        assert (narrow[f"{c}_ci_low"] < narrow[f"{c}_rate"]).all()


def test_stutter_flag_on_misscored_heterozygotes():
    # Hardy-Weinberg genotypes at a 4-bp locus: no flag.  Then score 70% of the heterozygotes
    # whose alleles are one repeat apart as homozygotes of the larger allele (stutter misread):
    # a shortage of one-repeat heterozygotes, flagged.
    rng = np.random.default_rng(12)
    sizes = np.array([100, 104, 108, 112, 116])
    g = np.sort(rng.choice(5, size=(400, 2), p=[0.3, 0.25, 0.2, 0.15, 0.1]), axis=1)
    clean = GenotypeTable.from_alleles(sizes[g][:, None, :], ["L"], locus_info={"L": {"repeat_unit": 4}})
    assert not microchecker_flags(clean).loc[0, "stutter_flag"]
    one_apart = (g[:, 1] - g[:, 0] == 1) & (rng.random(400) < 0.7)
    g2 = g.copy()
    g2[one_apart, 0] = g2[one_apart, 1]
    stutter = GenotypeTable.from_alleles(sizes[g2][:, None, :], ["L"], locus_info={"L": {"repeat_unit": 4}})
    f = microchecker_flags(stutter).iloc[0]
    assert f["repeat_unit"] == 4 and f["stutter_flag"] and f["stutter_p"] < 1e-6



def test_large_allele_dropout_flag():
    # Hardy-Weinberg genotypes at a 4-bp locus: no flag.  Then let the larger allele drop out of 70%
    # of the heterozygotes whose alleles are at least 12 bp apart (scored as homozygotes of the
    # smaller allele): a shortage of widely spaced heterozygotes, flagged; stutter is not.
    rng = np.random.default_rng(13)
    sizes = np.array([100, 104, 108, 112, 116])
    g = np.sort(rng.choice(5, size=(400, 2), p=[0.2, 0.2, 0.2, 0.2, 0.2]), axis=1)
    clean = GenotypeTable.from_alleles(sizes[g][:, None, :], ["L"], locus_info={"L": {"repeat_unit": 4}})
    assert not microchecker_flags(clean).loc[0, "lad_flag"]
    wide = (g[:, 1] - g[:, 0] >= 3) & (rng.random(400) < 0.7)
    g2 = g.copy()
    g2[wide, 1] = g2[wide, 0]
    dropped = GenotypeTable.from_alleles(sizes[g2][:, None, :], ["L"], locus_info={"L": {"repeat_unit": 4}})
    f = microchecker_flags(dropped).iloc[0]
    assert f["lad_flag"] and f["lad_p"] < 1e-6 and f["lad_observed"] / f["n_typed"] < f["lad_expected"]
    assert not f["stutter_flag"]

@pytest.mark.slow
def test_ml_interval_coverage():
    # 95% profile intervals over 60 simulated batches (300 samples x 4 loci x 4 PCRs) with
    # ADO 0.05-0.4 and FA 0.01-0.05: coverage of the true rates near the nominal 95%
    ado = np.array([0.05, 0.15, 0.25, 0.4])
    fa = np.array([0.01, 0.02, 0.03, 0.05])
    cov_a, cov_f = [], []
    for s in range(60):
        table, _ = ref.simulate_replicates(300, 4, 4, ado, fa, n_alleles=[3, 4, 5, 6], seed=2000 + s)
        r = estimate_error_rates_ml(table)
        cov_a.append(((r["ado_ci_low"] <= ado) & (ado <= r["ado_ci_high"])).to_numpy())
        cov_f.append(((r["fa_ci_low"] <= fa) & (fa <= r["fa_ci_high"])).to_numpy())
    # 240 intervals each: binomial sd of the coverage about 0.014 at 0.95
    assert 0.91 <= np.mean(cov_a) <= 0.985
    assert 0.91 <= np.mean(cov_f) <= 0.985
