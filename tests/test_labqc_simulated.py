"""Consensus on batches from genmon's own simulator (genmon.simulate), with known truth.

The simulator's error model differs from the consensus model on purpose:
false alleles are often stutter products, and dropout and failure rates vary
with each sample's DNA quality (and some samples are duds).
"""

import numpy as np
import pytest

from genmon.labqc import call_consensus
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
