"""Likelihood matching against its enumeration twin, PI/PIsibs, and simulated recovery."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genmon.identify.core import identify_individuals
from genmon.identify.likelihood import (
    ErrorRates,
    build_models,
    genotype_pi,
    genotype_pisibs,
    observation_codes,
    pair_log_lr,
    pi_per_locus,
    pisibs_per_locus,
)
from genmon.model import GenotypeTable
from tests.reference import identify as ref


@st.composite
def locus_case(draw):
    n = draw(st.integers(2, 4))
    w = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n)))
    p = w / w.sum()

    def call():
        a = draw(st.integers(0, n - 1))
        b = draw(st.integers(-1, n - 1))
        return (a, b) if b < 0 else tuple(sorted((a, b)))

    return p, call(), call(), draw(st.floats(0, 0.4)), draw(st.floats(0, 0.2))


@settings(max_examples=40, deadline=None)
@given(case=locus_case())
def test_pair_lr_matches_enumeration(case):
    p, x, y, ado, fa = case
    models = build_models([p], ErrorRates(np.array([ado]), np.array([fa])), floor=0)
    calls = np.array([[[x[0], x[1]]], [[y[0], y[1]]]], dtype=np.int16)
    codes = observation_codes(calls, [len(p)])
    un, fs, used = pair_log_lr(codes, codes, np.array([0]), np.array([1]), models)
    same, sib, px, py = ref.pair_likelihoods(x, y, p, ado, fa)
    assert used.tolist() == [1]
    np.testing.assert_allclose(np.exp(un[0]), same / (px * py), rtol=1e-9)
    np.testing.assert_allclose(np.exp(fs[0]), same / sib, rtol=1e-9)


def test_missing_locus_carries_no_information():
    models = build_models([np.array([0.3, 0.7])], ErrorRates.uniform(1))
    codes = observation_codes(np.array([[[0, 1]], [[-1, -1]]], dtype=np.int16), [2])
    un, fs, used = pair_log_lr(codes, codes, np.array([0]), np.array([1]), models)
    assert un.tolist() == [0.0] and fs.tolist() == [0.0] and used.tolist() == [0]


@settings(max_examples=30, deadline=None)
@given(w=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=8))
def test_pi_formulas_match_twin(w):
    p = np.array(w) / np.sum(w)
    assert pi_per_locus(p) == pytest.approx(ref.pi_unrelated(p), rel=1e-12)
    assert pisibs_per_locus(p) == pytest.approx(ref.pi_sibs(p), rel=1e-12)


def test_genotype_specific_pi_hand_worked():
    # p = (0.2, 0.8): ab has 2 * 0.2 * 0.8 = 0.32; bb has 0.64.
    # Sibs (Woods 1999): ab (1 + .2 + .8 + 2 * .16) / 4 = 0.58; bb (1 + 1.6 + .64) / 4 = 0.81.
    calls = np.array([[[0, 1]], [[1, 1]]])
    freqs = [np.array([0.2, 0.8])]
    np.testing.assert_allclose(genotype_pi(calls, freqs), [0.32, 0.64])
    np.testing.assert_allclose(genotype_pisibs(calls, freqs), [0.58, 0.81])


def _simulate(
    seed, n_families=15, sibs=3, samples=3, n_loci=14, n_alleles=8, ado=0.15, fa=0.01, missing=0.05
):
    """Families of full siblings, each individual sampled several times with dropout,
    false alleles and missing loci.  Returns allele values and the true individuals."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n_alleles, 2.0), size=n_loci)
    values, truth = [], []
    ind = 0
    for _ in range(n_families):
        parents = [[rng.choice(n_alleles, 2, p=p[j]) for j in range(n_loci)] for _ in range(2)]
        for _ in range(sibs):
            geno = [
                (parents[0][j][rng.integers(2)], parents[1][j][rng.integers(2)])
                for j in range(n_loci)
            ]
            for _ in range(samples):
                row = []
                for j in range(n_loci):
                    a, b = geno[j]
                    if rng.random() < missing:
                        row.append((-1, -1))
                        continue
                    if a != b and rng.random() < ado:
                        a = b = a if rng.random() < 0.5 else b
                    if rng.random() < fa:
                        a, b = rng.choice(n_alleles, 2, p=p[j])
                    row.append(tuple(sorted((100 + 2 * a, 100 + 2 * b))))
                values.append(row)
                truth.append(ind)
            ind += 1
    return np.array(values), np.array(truth), p


def _false_merges(labels, truth):
    pred = np.asarray(
        [x if isinstance(x, str) else f"_{i}" for i, x in enumerate(labels)], dtype=object
    )
    same_pred = pred[:, None] == pred[None, :]
    same_true = truth[:, None] == truth[None, :]
    iu = np.triu_indices(len(truth), 1)
    return (
        int((same_pred & ~same_true)[iu].sum()),
        int((~same_pred & same_true)[iu].sum()),
        int(same_true[iu].sum()),
    )


@pytest.mark.slow
@pytest.mark.parametrize("ado", [0.05, 0.15, 0.3])
def test_simulated_full_sibs_are_not_merged(ado):
    # 15 families x 3 full sibs x 3 samples, 14 loci (panel PIsibs ~ 4e-7),
    # dropout ado, false alleles 1 %, 5 % missing loci.  Measured (3 seeds):
    # no false merge at ADO 0.05 / 0.3; split pairs 2 / 21 of 405.
    fm_total = pairs_total = splits = together = fm_mismatch = 0
    for seed in range(2):
        values, truth, _ = _simulate(seed, ado=ado)
        t = GenotypeTable.from_alleles(
            values,
            [f"L{j}" for j in range(values.shape[1])],
            sample_ids=[f"S{i}" for i in range(len(values))],
        )
        r = identify_individuals(
            t, method="likelihood", error_rates=ErrorRates.uniform(t.n_loci, ado, 0.01), min_loci=0
        )
        fm, fsplit, n_same = _false_merges(r.assignments["individual"].to_numpy(), truth)
        fam = truth // 3
        iu = np.triu_indices(len(truth), 1)
        sib_pairs = ((fam[:, None] == fam[None, :]) & (truth[:, None] != truth[None, :]))[iu].sum()
        fm_total += fm
        pairs_total += sib_pairs
        splits += fsplit
        together += n_same
        mm = identify_individuals(t, method="mismatch", min_loci=0)
        fm_mismatch += _false_merges(mm.assignments["individual"].to_numpy(), truth)[0]
    assert fm_total / pairs_total < 0.01
    assert splits / together < 0.1
    assert fm_total <= fm_mismatch


def _a_b_and_x(rng):
    # A and B differ completely at loci L0-L2 (three false alleles are far
    # less likely than two siblings, so they stay apart); x is not typed there,
    # so it fits A and B equally.
    shared = [sorted(rng.choice(np.arange(100, 140, 2), 2, replace=False)) for _ in range(9)]
    a = [[150, 152], [170, 172], [180, 182]] + shared
    b = [[160, 162], [174, 176], [184, 186]] + shared
    x = [[-1, -1]] * 3 + shared
    return a, b, x


def test_posterior_splits_between_two_equally_likely_individuals():
    # x: posterior ~ 1/2 each (prior odds 1:1 per candidate), reported as
    # ambiguous with the other as runner-up.
    rng = np.random.default_rng(7)
    a, b, x = _a_b_and_x(rng)
    other = [sorted(rng.choice(np.arange(100, 140, 2), 2, replace=False)) for _ in range(12)]
    t = GenotypeTable.from_alleles(
        [a, a, b, b, x, other],
        [f"L{j}" for j in range(12)],
        sample_ids=["a1", "a2", "b1", "b2", "x", "o"],
    )
    r = identify_individuals(
        t, method="likelihood", error_rates=ErrorRates.uniform(12, 0.01, 0.001)
    )
    res = r.assignments.set_index("sample")
    assert res.loc["a1", "individual"] == res.loc["a2", "individual"] != res.loc["b1", "individual"]
    assert res.loc["a1", "status"] == "new" and res.loc["a1", "posterior"] > 0.95
    assert res.loc["x", "status"] == "ambiguous"
    assert abs(res.loc["x", "posterior"] - 0.5) < 0.01
    assert res.loc["x", "runner_up"] in {res.loc["a1", "individual"], res.loc["b1", "individual"]}
    assert res.loc["x", "runner_up"] != res.loc["x", "individual"]
    assert res.loc["o", "status"] == "new" and res.loc["o", "posterior"] > 0.99


def test_sample_fitting_two_catalogue_individuals_is_a_recorded_possible_merge():
    # As above, with A and B already in the catalogue: x joins neither silently
    # (ambiguous) and the catalogue records a possible merge of A and B.
    a, b, x = _a_b_and_x(np.random.default_rng(7))
    loci = [f"L{j}" for j in range(12)]
    rates = ErrorRates.uniform(12, 0.01, 0.001)
    first = GenotypeTable.from_alleles([a, a, b, b], loci, sample_ids=["a1", "a2", "b1", "b2"])
    cat = identify_individuals(first, method="likelihood", error_rates=rates).catalogue
    ids = sorted(cat.active()["individual"])
    second = GenotypeTable.from_alleles([x], loci, sample_ids=["x"])
    r = identify_individuals(
        second, catalogue=cat, method="likelihood", error_rates=rates, batch="b2"
    )
    row = r.assignments.iloc[0]
    assert row["status"] == "ambiguous" and abs(row["posterior"] - 0.5) < 0.01
    ev = r.catalogue.events[r.catalogue.events["event"] == "possible_merge"]
    assert len(ev) == 1
    assert sorted(ev.iloc[0][["individual", "other"]]) == ids
    assert ev.iloc[0]["sample"] == "x" and ev.iloc[0]["batch"] == "b2"
    assert len(r.catalogue.active()) == 2  # nothing merged
