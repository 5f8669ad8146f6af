"""Replicate consensus: hand-worked cases for each rule, twins, simulation recovery."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genmon import GenotypeTable, InputError, InputWarning, ModelError
from genmon.labqc import ErrorRateWarning, call_consensus, group_replicates, merge_replicate_tables
from genmon.labqc import _likelihood as lik
from tests.reference import labqc as ref


def replicate_table(cells, locus_alleles=None):
    """cells: {sample: [(a1, a2) per replicate]} at one locus ``L``; -1 missing."""
    values, sids, rids = [], [], []
    for sid, reps in cells.items():
        for k, call in enumerate(reps):
            values.append([list(call)])
            sids.append(sid)
            rids.append(f"r{k + 1}")
    info = {"L": {"alleles": locus_alleles}} if locus_alleles else None
    return GenotypeTable.from_alleles(
        values, ["L"], samples=pd.DataFrame({"sample_id": sids, "replicate_id": rids}), locus_info=info
    )


def calls(result):
    long = result.to_long()
    return {
        r.sample: (r.allele_1, r.allele_2, r.status, int(r.n_replicates), round(float(r.quality), 6))
        for r in long.itertuples()
    }


def extra(result):
    return dict(zip(result.sample_id, result.extra_pcrs[:, 0].tolist(), strict=True))


# ----------------------------------------------------------------------------- Taberlet rule
TABERLET_CELLS = {
    # 165 in 3 PCRs, 169 in 2: each allele of 165/169 seen >= 2 times -> confirmed; QI 2/3
    "A": [(165, 169), (165, 169), (165, 165)],
    # 165 alone three times, nothing else -> homozygote confirmed; QI 1
    "B": [(165, 165), (165, 165), (165, 165)],
    # 165 alone twice: homozygote needs 3 -> provisional 165/165, 1 more PCR; QI 2/2
    "C": [(165, 165), (165, 165)],
    # 165 twice, 169 once -> provisional 165/169, 169 needs 1 more; QI 1/2
    "D": [(165, 169), (165, 165)],
    # 165, 169, 173 each seen twice -> three alleles reach 2: failed (mixture); QI 0
    "E": [(165, 169), (165, 173), (169, 173)],
    # 165 x3, 169 x2, 173 x1 -> 165/169 confirmed, 173 a false allele; QI 2/3
    "F": [(165, 169), (165, 169), (165, 173)],
    # 165 alone x3 but 169 alone once: not a clean homozygote -> provisional 165/169
    # (169 needs one more sighting); QI 0/4 (no replicate shows both)
    "G": [(165, 165), (165, 165), (165, 165), (169, 169)],
    # no amplification -> failed; at least min_het = 2 PCRs suggested
    "H": [(-1, -1), (-1, -1)],
    # 165 once out of 3 PCRs -> provisional homozygote, 2 more; QI 1/3
    "I": [(165, 165), (-1, -1), (-1, -1)],
}


def test_taberlet_hand_worked():
    r = call_consensus(replicate_table(TABERLET_CELLS), "taberlet", min_het=2, min_hom=3, min_loci=0)
    c = calls(r)
    assert c["A"] == (165, 169, "confirmed", 3, 0.666667)
    assert c["B"] == (165, 165, "confirmed", 3, 1.0)
    assert c["C"] == (165, 165, "provisional", 2, 1.0)
    assert c["D"] == (165, 169, "provisional", 2, 0.5)
    assert c["E"] == (None, None, "failed", 3, 0.0)
    assert c["F"] == (165, 169, "confirmed", 3, 0.666667)
    assert c["G"] == (165, 169, "provisional", 4, 0.0)
    assert c["H"] == (None, None, "failed", 2, 0.0)
    assert c["I"] == (165, 165, "provisional", 3, 0.333333)
    assert extra(r) == {"A": 0, "B": 0, "C": 1, "D": 1, "E": -1, "F": 0, "G": 1, "H": 2, "I": 2}


def test_taberlet_thresholds_are_configurable():
    # with min_hom = 2, C (165 twice) is a confirmed homozygote; with min_het = 3, A is not confirmed
    r = call_consensus(replicate_table(TABERLET_CELLS), "taberlet", min_het=2, min_hom=2, min_loci=0)
    assert calls(r)["C"][2] == "confirmed"
    r = call_consensus(replicate_table(TABERLET_CELLS), "taberlet", min_het=3, min_hom=3, min_loci=0)
    c = calls(r)
    assert c["A"][2] == "provisional"  # 169 seen twice only
    assert extra(r)["A"] == 1
    assert c["E"][2] == "provisional"  # no allele reaches 3: no longer a conflict


def test_quality_index_and_sample_status():
    # two loci; sample S1: L1 confirmed (QI 1), L2 three identical failures (QI 0) -> sample QI 0.5
    values = [[[165, 169], [-1, -1]], [[165, 169], [-1, -1]], [[165, 169], [-1, -1]]]
    t = GenotypeTable.from_alleles(
        values, ["L1", "L2"], samples=pd.DataFrame({"sample_id": ["S1"] * 3, "replicate_id": list("abc")})
    )
    r = call_consensus(t, "taberlet", min_quality=0.5, min_loci=1)
    assert r.sample_quality.tolist() == [0.5]
    assert r.locus_quality.tolist() == [1.0, 0.0]
    assert r.samples_frame()["status"].tolist() == ["regenotype"]
    r = call_consensus(t, "taberlet", min_quality=0.6, min_loci=1)
    assert r.samples_frame()["status"].tolist() == ["rejected"]
    assert r.reject_frame()["reason"].tolist() == ["quality index 0.500 < 0.6"]
    r = call_consensus(t, "taberlet", min_loci=2)
    assert r.reject_frame()["reason"].tolist() == ["1 loci typed < 2"]


def test_regenotype_list():
    r = call_consensus(replicate_table(TABERLET_CELLS), "taberlet", min_loci=0, min_quality=0, max_replicates=3)
    reg = r.regenotype_frame().set_index("sample")
    assert set(reg.index) == {"C", "D", "E", "G", "H", "I"}
    assert reg.loc["D", "extra_pcrs"] == 1 and reg.loc["D", "within_limit"] == "yes"
    assert reg.loc["G", "within_limit"] == "no"  # 4 PCRs already, limit 3
    assert pd.isna(reg.loc["E", "extra_pcrs"]) and "mixture" in reg.loc["E", "reason"]


# ----------------------------------------------------------------------------- majority rule
MAJORITY_CELLS = {
    # 165/169 twice out of three amplifications: a strict majority seen twice -> confirmed
    "A": [(165, 169), (165, 169), (165, 165)],
    # one 165/169, one 165: a tie -> the heterozygote, provisional; 1 more PCR breaks the tie
    "B": [(165, 169), (165, 165)],
    # 165 twice, 169/171 once -> 165/165 confirmed
    "C": [(165, 165), (165, 165), (169, 171)],
    # 165 once in one amplification: majority but seen once < 2 -> provisional, 1 more
    "D": [(165, 165), (-1, -1), (-1, -1)],
}


def test_majority_hand_worked():
    r = call_consensus(replicate_table(MAJORITY_CELLS), "majority", min_agree=2, min_loci=0)
    c = calls(r)
    assert c["A"] == (165, 169, "confirmed", 3, 0.666667)
    assert c["B"] == (165, 169, "provisional", 2, 0.5)
    assert c["C"] == (165, 165, "confirmed", 3, 0.666667)
    assert c["D"] == (165, 165, "provisional", 3, 0.333333)
    assert extra(r) == {"A": 0, "B": 1, "C": 0, "D": 1}


# ----------------------------------------------------------------------------- ML rule
def test_ml_hand_worked():
    # Two samples, locus with alleles 165 and 169, rates ADO d = 0.2, FA f = 0 (held at 1e-6).
    # By symmetry the allele frequencies are 1/2 each.  S1 shows 165 alone twice:
    #   165/165: prior 1/4 x (1 - f)^2 = 0.25
    #   165/169: prior 1/2 x (d/2)^2 = 0.5 x 0.01 = 0.005 (no allele outside 165/169: f does not act)
    #   169/169: impossible
    # posterior(165/165) = 0.25 / 0.255 = 0.980392 < 0.99 -> provisional.  One more PCR showing
    # 165 alone: 0.25 / (0.25 + 0.5 x 0.001) = 0.998004 >= 0.99 -> 1 extra PCR.
    t = replicate_table({"S1": [(165, 165), (165, 165)], "S2": [(169, 169), (169, 169)]})
    r = call_consensus(t, "ml", error_rates={"L": (0.2, 0.0)}, min_posterior=0.99, min_loci=0)
    c = calls(r)
    assert c["S1"][:4] == (165, 165, "provisional", 2)
    assert r.posterior[0, 0] == pytest.approx(0.25 / 0.255, abs=1e-5)
    assert extra(r) == {"S1": 1, "S2": 1}
    # with min_posterior 0.98 the same call is confirmed
    r = call_consensus(t, "ml", error_rates={"L": (0.2, 0.0)}, min_posterior=0.98, min_loci=0)
    assert calls(r)["S1"][2] == "confirmed"


def test_ml_small_batch_warns_and_unexplained_cells_fail():
    # S3 shows three different single alleles: no genotype produces that without a false
    # allele replacing a dropped allele, which the model excludes -> failed
    t = replicate_table({
        "S1": [(165, 169), (165, 169), (165, 165)],
        "S2": [(171, 171), (171, 171), (171, 171)],
        "S3": [(165, 165), (169, 169), (171, 171)],
    })
    with pytest.warns(ErrorRateWarning, match=r"fewer than 20 amplified samples at loci L \(3\)"):
        r = call_consensus(t, "ml", min_loci=0)
    assert calls(r)["S3"][2] == "failed"
    assert r.reason[2, 0] == "no genotype explains the replicates under the error rates"
    r = call_consensus(t, "ml", error_rates={"L": (0.2, 0.02)}, min_loci=0)  # given rates: no warning
    assert calls(r)["S1"][:3] == (165, 169, "confirmed")


def _random_batch(seed, n_samples=25, n_rep=3, n_alleles=4):
    table, _ = ref.simulate_replicates(n_samples, 2, n_rep, ado=0.3, fa=0.08, n_alleles=n_alleles,
                                       fail_rate=0.15, seed=seed)
    return table


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.integers(1, 4))
def test_rules_match_reference_twins(seed, n_alleles, n_rep):
    table = _random_batch(seed, n_rep=n_rep, n_alleles=n_alleles)
    obs = ref.observations(table)
    for rule in ("taberlet", "majority"):
        r = call_consensus(table, rule, min_loci=0)
        for i, sid in enumerate(r.sample_id):
            for j in range(r.genotype.shape[1]):
                o = obs[(sid, j)]
                g, status, ex = (ref.taberlet(o, 2, 3) if rule == "taberlet" else ref.majority(o, 2))
                got = tuple(int(a) for a in r.genotype[i, j])
                assert (None if got == (-1, -1) else got) == g, (rule, sid, j, o)
                assert ("failed", "provisional", "confirmed")[r.status[i, j]] == status
                assert r.extra_pcrs[i, j] == ex
                assert r.quality[i, j] == pytest.approx(ref.quality(o, g))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5), st.floats(0.01, 0.5), st.floats(0.001, 0.2))
def test_ml_model_matches_reference_twin(seed, n_alleles, d, f):
    table = _random_batch(seed, n_alleles=n_alleles)
    reps = group_replicates(table)
    data = lik.build_patterns(reps)
    rng = np.random.default_rng(seed)
    p = np.zeros((2, n_alleles))
    p[:, :] = rng.dirichlet(np.ones(n_alleles), size=2)
    dd, ff = np.array([d, d / 2]), np.array([f, f / 3])
    post = lik.posteriors(data, dd, ff, p)
    _, ll = lik._sparse(data).e_step(dd, ff, p)
    obs = ref.observations(table)
    for j in range(2):
        per_sample = [obs[(sid, j)] for sid in reps.sample_id]
        assert ll[j] == pytest.approx(ref.marginal_loglik(per_sample, dd[j], ff[j], p[j], n_alleles), rel=1e-9)
        for i, sid in enumerate(reps.sample_id):
            o = obs[(sid, j)]
            if not any(o):
                continue
            want = ref.posterior(o, dd[j], ff[j], p[j], n_alleles) if sum(
                ref.cell_likelihoods(o, dd[j], ff[j], p[j], n_alleles).values()) > 0 else None
            got = post[j, data.inverse[i, j]]
            if want is None:
                assert got.sum() == 0
                continue
            for k in range(data.g1.shape[1]):
                if data.valid[j, k]:
                    assert got[k] == pytest.approx(want[(int(data.g1[j, k]), int(data.g2[j, k]))], abs=1e-12)


def test_ml_fit_is_a_maximum_of_the_reference_likelihood():
    table, _ = ref.simulate_replicates(150, 1, 3, ado=0.25, fa=0.04, n_alleles=4, seed=11)
    reps = group_replicates(table)
    data = lik.build_patterns(reps)
    fit = lik.fit_error_model(data, lik.initial_frequencies(data, reps), tol=1e-12)
    obs = ref.observations(table)
    per_sample = [obs[(sid, 0)] for sid in reps.sample_id]
    best = ref.marginal_loglik(per_sample, fit.ado[0], fit.fa[0], fit.freqs[0], 4)
    assert best == pytest.approx(fit.loglik[0], rel=1e-10)
    for dd, df in ((0.01, 0), (-0.01, 0), (0, 0.005), (0, -0.005)):
        other = ref.marginal_loglik(per_sample, fit.ado[0] + dd, fit.fa[0] + df, fit.freqs[0], 4)
        assert other < best
    # the allele frequencies are at their maximum too
    q = fit.freqs[0].copy()
    q[0] += 0.01
    q[1] -= 0.01
    assert ref.marginal_loglik(per_sample, fit.ado[0], fit.fa[0], q, 4) < best


# ----------------------------------------------------------------------------- simulation recovery
@pytest.mark.parametrize("n_rep", [3, 4])
@pytest.mark.parametrize("rule", ["taberlet", "ml"])
def test_confirmed_calls_match_truth(rule, n_rep):
    # ADO 0-0.2 and FA 0-0.05 over 8 loci, 3-4 replicates: >= 99% of confirmed calls are right
    ado = np.linspace(0.0, 0.2, 8)
    fa = np.linspace(0.0, 0.05, 8)
    table, truth = ref.simulate_replicates(1500, 8, n_rep, ado, fa, n_alleles=[2, 3, 4, 5, 6, 7, 8, 4], seed=n_rep)
    r = call_consensus(table, rule, min_loci=0)
    values = np.stack(
        [np.asarray(locus.alleles)[np.maximum(r.genotype[:, j], 0)] for j, locus in enumerate(table.loci)], axis=1
    )
    confirmed = r.status == 2
    correct = (values == truth).all(axis=-1)
    assert confirmed.mean() > 0.6
    assert correct[confirmed].mean() >= 0.99


# ----------------------------------------------------------------------------- bad input
def _table(values, sids, rids, loci=("L1",), **kw):
    return GenotypeTable.from_alleles(values, list(loci), samples=pd.DataFrame({"sample_id": sids, "replicate_id": rids}), **kw)


def test_three_alleles_in_a_replicate():
    t = _table([[[165, 169, 173]], [[165, 169, -1]]], ["T01", "T01"], ["a", "b"], attrs={"source_file": "run7.txt"})
    with pytest.raises(InputError) as err:
        call_consensus(t)
    assert str(err.value) == (
        "run7.txt, sample T01 (replicate a), locus L1: found 3 alleles (165, 169, 173), "
        "expected at most 2 alleles per PCR replicate (diploid)"
    )


def test_missing_and_duplicate_replicate_ids():
    t = _table([[[165, 169]], [[165, 169]], [[165, 165]]], ["T01", "T01", "T02"], ["a", "a", None])
    with pytest.raises(InputError) as err:
        call_consensus(t)
    assert str(err.value) == "sample T02: found an empty replicate id, expected the PCR replicate id of every row"
    t = _table([[[165, 169]], [[165, 169]]], ["T01", "T01"], ["a", "a"])
    with pytest.raises(InputError) as err:
        call_consensus(t)
    assert str(err.value) == 'sample T01: found replicate "a" twice, expected each PCR replicate once per sample'
    t = _table([[[165, 169]]], ["T01"], [None])
    with pytest.raises(InputError, match="no replicate_id on any row"):
        call_consensus(t)


def test_replicates_with_different_locus_sets():
    a = _table([[[165, 169], [176, 180]]], ["T01"], ["a"], loci=("L1", "L2"))
    b = _table([[[165, 169]]], ["T01"], ["b"], loci=("L1",))
    with pytest.raises(InputError) as err:
        merge_replicate_tables([a, b], ["run1.txt", "run2.txt"])
    assert str(err.value) == (
        "run2.txt, sample T01, locus L2: found replicates without locus L2 (in run2.txt) and with it "
        "(in run1.txt), expected every replicate of a sample typed at the same loci"
    )
    # the same within one table whose reader recorded which calls had a row
    t = _table([[[165, 169], [176, 180]], [[165, 169], [-1, -1]]], ["T01", "T01"], ["a", "b"], loci=("L1", "L2"),
               call_data={"call_present": np.array([[True, True], [True, False]])})
    with pytest.raises(InputError) as err:
        call_consensus(t)
    assert str(err.value) == (
        "sample T01, locus L2: found replicate b without locus L2 while replicate a has it, "
        "expected every replicate of a sample typed at the same loci"
    )


def test_merge_keeps_alleles_and_order():
    a = _table([[[165, 169]]], ["T01"], ["a"])
    b = _table([[[165, 171]], [[171, 171]]], ["T01", "T02"], ["b", "a"])
    m = merge_replicate_tables([a, b])
    assert m.loci[0].alleles == (165, 169, 171)
    assert m.allele_values()[:, 0].tolist() == [[165, 169], [165, 171], [171, 171]]


def test_coordinates_differing_between_replicates_warn():
    t = GenotypeTable.from_alleles(
        [[[165, 169]], [[165, 169]]], ["L1"],
        samples=pd.DataFrame({"sample_id": ["T01", "T01"], "replicate_id": ["a", "b"], "x": [1.0, 2.0]}),
    )
    r = call_consensus(t, min_loci=0)
    with pytest.warns(InputWarning, match="x differing between the replicates of samples T01"):
        out = r.to_table()
    assert np.isnan(out.samples["x"].iloc[0])


def test_bad_parameters():
    t = replicate_table({"A": [(165, 169), (165, 169)]})
    with pytest.raises(ModelError, match="rule"):
        call_consensus(t, "vote")
    with pytest.raises(ModelError, match="min_het"):
        call_consensus(t, min_het=0)
    with pytest.raises(ModelError, match="error rates missing for loci: L"):
        call_consensus(t, "ml", error_rates={"X": (0.1, 0.01)})


def test_consensus_table_and_metadata():
    t = GenotypeTable.from_alleles(
        [[[165, 169]], [[165, 169]], [[171, 171]]], ["L1"],
        samples=pd.DataFrame({"sample_id": ["T01", "T01", "T02"], "replicate_id": ["a", "b", "a"],
                              "site": ["LLNP", "LLNP", "Kedrovaya Pad"], "run": ["R2", "R1", "R1"],
                              "x": [523450.0, 523450.0, 523900.0]}),
    )
    r = call_consensus(t, min_loci=0, min_quality=0)
    out = r.to_table()
    assert out.sample_id.tolist() == ["T01", "T02"]
    assert out.samples["site"].tolist() == ["LLNP", "Kedrovaya Pad"]
    assert out.samples["run"].tolist() == ["R1;R2", "R1"]  # per-replicate values are joined
    assert out.samples["x"].tolist() == [523450.0, 523900.0]
    assert out.samples["replicate_id"].isna().all()
    assert out.allele_values()[:, 0].tolist() == [[165, 169], [-1, -1]]  # T02 only provisional
    assert r.to_table(include_provisional=True).allele_values()[:, 0].tolist() == [[165, 169], [171, 171]]
