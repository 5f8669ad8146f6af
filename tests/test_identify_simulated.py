"""Identification on genmon-simulated batches with full siblings: false merges and splits.

The batch goes through the lab chain as it would in practice: three replicate PCRs per
sample with per-locus dropout (ADO 0.05, 0.15 or 0.3) and false alleles, maximum-likelihood
consensus, then likelihood matching.  Consensus genotypes carry far fewer errors than single
PCRs, so the matching uses residual per-locus rates (ADO 0.02, FA 0.005) rather than the
per-PCR rates.  The panel (16 loci, 4-8 alleles) has PIsibs about 6e-5.

Measured when this test was written (seed 11; 145 pairs of samples from different full
siblings, 288-291 pairs of samples from the same animal):

=====  ======================  ======================
ADO    full-sib false merges   same-animal splits
=====  ======================  ======================
0.05   0 / 145                 0 / 291
0.15   0 / 145                 4 / 291
0.30   0 / 145                 12 / 288
=====  ======================  ======================
"""

import itertools

import pandas as pd
import pytest

from genmon.identify import identify_individuals
from genmon.identify.likelihood import ErrorRates
from genmon.labqc.consensus import call_consensus
from genmon.markers.identity import probability_of_identity
from genmon.simulate import simulate_batch


def _merge_and_split_counts(sim, assignments):
    truth = sim.truth_samples.set_index("sample_id")["individual_id"]
    ped = sim.pedigree.set_index("id")
    a = assignments.set_index("sample")
    true_ind = truth.reindex(a.index).astype(str).to_numpy()
    called = a["individual"].astype(str).to_numpy()
    assigned = a["individual"].notna().to_numpy()
    sib_pairs = merges = same_pairs = splits = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        if not (assigned[i] and assigned[j]):
            continue
        if true_ind[i] == true_ind[j]:
            same_pairs += 1
            splits += called[i] != called[j]
            continue
        fi, mi = ped.loc[true_ind[i], ["father", "mother"]]
        fj, mj = ped.loc[true_ind[j], ["father", "mother"]]
        if not pd.isna(fi) and fi == fj and mi == mj:
            sib_pairs += 1
            merges += called[i] == called[j]
    return sib_pairs, merges, same_pairs, splits


@pytest.mark.slow
@pytest.mark.parametrize("ado", [0.05, 0.15, 0.3])
def test_full_siblings_are_not_merged(ado):
    sim = simulate_batch(seed=11, n_individuals=80, generations=2, n_str=16, alleles_min=4, alleles_max=8,
                         samples_per_individual=2.5, replicates=3, full_sib_families=8, full_sib_size=3,
                         ado=ado, fa=0.01, fail_rate=0.02)
    reps = sim.replicates.subset(loci=[locus.name for locus in sim.replicates.loci if locus.kind != "SEX"])
    table = call_consensus(reps, "ml").to_table(include_provisional=True)
    pisibs = probability_of_identity(table).table["cum_pi_sibs"].iloc[-1]
    assert pisibs < 0.001
    result = identify_individuals(table, method="likelihood",
                                  error_rates=ErrorRates.uniform(table.n_loci, ado=0.02, fa=0.005))
    sib_pairs, merges, same_pairs, splits = _merge_and_split_counts(sim, result.assignments)
    assert sib_pairs >= 100 and same_pairs >= 250
    assert merges / sib_pairs < 0.01, (merges, sib_pairs)
    # splits grow with dropout; they are re-genotyping work, not wrong individuals
    assert splits / same_pairs < 0.1, (splits, same_pairs)
