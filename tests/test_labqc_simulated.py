"""Consensus on batches from genmon's own simulator (genmon.simulate), with known truth.

The simulator's error model differs from the consensus model on purpose:
false alleles are often stutter products, and dropout and failure rates vary
with each sample's DNA quality (and some samples are duds).
"""

import warnings

import numpy as np
import pytest

from genmon.labqc import ErrorRateWarning, call_consensus, estimate_error_rates_ml
from genmon.simulate.batch import simulate_batch


@pytest.mark.parametrize("n_rep", [3, 4])
def test_confirmed_calls_match_truth(n_rep):
    # ADO drawn per locus in 0-0.2, FA in 0-0.05, 3-4 PCRs: >= 99% of confirmed calls are right
    r = simulate_batch(seed=n_rep, n_individuals=400, generations=1, burn_in=0, n_str=10, replicates=n_rep,
                       ado="0:0.2", fa="0:0.05", sex_marker=None)
    individual = dict(zip(r.truth_samples["sample_id"], r.truth_samples["individual_id"], strict=True))
    row_of = {s: i for i, s in enumerate(r.truth.sample_id)}
    for rule in ("taberlet", "ml"):
        c = call_consensus(r.replicates, rule, min_loci=0)
        rows = [row_of[individual[s]] for s in c.sample_id]
        truth = np.sort(r.truth.subset(loci=c.locus_id).allele_values()[rows], axis=-1)
        called = np.sort(c.to_table(include_provisional=True, include_rejected=True).allele_values(), axis=-1)
        confirmed = c.status == 2
        assert confirmed.mean() > 0.8
        assert (truth == called).all(axis=-1)[confirmed].mean() >= 0.99, rule


@pytest.mark.slow
def test_ml_rate_intervals_cover_the_simulated_rates():
    # 60 genmon-simulated batches (300 individuals x 6 STRs x 4 PCRs; ADO drawn per locus in 0-0.4,
    # FA in 0-0.05, 70% of false alleles stutter products): the 95% profile intervals of the ML rates
    # cover the true per-locus rates in about 95% of the 360 loci (measured: ADO 0.942, FA 0.947).
    # Every sample is of the "medium" quality class: with a quality mix each sample has its own rates
    # and no single per-locus rate is the truth to cover.
    cov_a, cov_f = [], []
    for s in range(60):
        r = simulate_batch(seed=3000 + s, n_individuals=300, generations=1, burn_in=0, n_str=6, replicates=4,
                           ado="0:0.4", fa="0:0.05", fail_rate=0.0, sex_marker=None, quality_mix={"medium": 1.0})
        ado = np.array([locus["ado"] for locus in r.truth_info["loci"]])
        fa = np.array([locus["fa"] for locus in r.truth_info["loci"]])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ErrorRateWarning)
            e = estimate_error_rates_ml(r.replicates)
        cov_a.append(((e["ado_ci_low"] <= ado) & (ado <= e["ado_ci_high"])).to_numpy())
        cov_f.append(((e["fa_ci_low"] <= fa) & (fa <= e["fa_ci_high"])).to_numpy())
    # binomial sd of the coverage of 360 intervals at 0.95: about 0.011
    assert 0.91 <= np.mean(cov_a) <= 0.985
    assert 0.91 <= np.mean(cov_f) <= 0.985
