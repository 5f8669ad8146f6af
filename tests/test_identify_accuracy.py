"""Accuracy against the truth of allelematch's simulated example sets 1-4.

Pairwise precision: of the sample pairs put in one individual, the fraction
that truly are one; recall: of the true same-individual pairs, the fraction
put together.  Numbers measured with genmon (allelematch method at its
automatic setting; likelihood method with default rates) are recorded in
test_data/reference/identify/README.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from genmon.identify.core import identify_individuals
from genmon.io import read_genotypes


def precision_recall(labels, truth):
    pred = np.array(
        [x if isinstance(x, str) else f"_unassigned{i}" for i, x in enumerate(labels)], dtype=object
    )
    truth = np.asarray(truth, dtype=object)
    iu = np.triu_indices(len(truth), 1)
    sp = (pred[:, None] == pred[None, :])[iu]
    st = (truth[:, None] == truth[None, :])[iu]
    tp = int((sp & st).sum())
    return (tp / sp.sum() if sp.sum() else 1.0), tp / st.sum()


def test_precision_recall_hand_worked():
    # truth {1,2,3} {4}; prediction {1,2} {3,4}: predicted pairs (1,2) ok, (3,4) wrong
    # -> precision 1/2; true pairs (1,2) (1,3) (2,3) -> recall 1/3.
    assert precision_recall(["a", "a", "b", "b"], [1, 1, 1, 2]) == (0.5, 1 / 3)


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3, 4])
def test_likelihood_at_least_as_accurate_as_allelematch(test_data, k):
    t = read_genotypes(test_data / "allelematch" / f"amExample{k}.csv", "allelematch")
    truth = t.samples["individual_id"].to_numpy()
    f1 = {}
    for method in ("mismatch", "likelihood"):
        r = identify_individuals(t, method=method, min_loci=0)
        p, rc = precision_recall(r.assignments["individual"].to_numpy(), truth)
        f1[method] = 2 * p * rc / (p + rc) if p + rc else 0.0
    assert f1["likelihood"] >= f1["mismatch"]


def test_example1_perfect(test_data):
    t = read_genotypes(test_data / "allelematch" / "amExample1.csv", "allelematch")
    truth = t.samples["individual_id"].to_numpy()
    for method in ("mismatch", "likelihood"):
        r = identify_individuals(t, method=method, min_loci=0)
        assert precision_recall(r.assignments["individual"].to_numpy(), truth) == (1.0, 1.0)
