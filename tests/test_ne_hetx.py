import math

import numpy as np
import pytest

from genmon import GenotypeTable
from genmon.ne import estimate_nb_hetx, nb_from_d, t_quantile


def test_hand_worked_d():
    # 4 individuals.  Locus A: 1/2 1/2 1/2 1/1 -> p1 = 5/8, p2 = 3/8, 3 heterozygotes.
    #   Hexp = 2 p q (1 + 1/(2*4 - 1)) = 2 (15/64)(8/7) = 0.535714 for both alleles,
    #   Hobs = 3/4 for both -> D = (0.75 - 0.535714)/0.535714 = 0.4; n = 2, W = (2-1) sqrt(4) = 2.
    # Locus B: 1/2 2/3 1/3 2/2 -> p = (0.25, 0.5, 0.25), Hobs = 0.5 each.
    #   D1 = D3 = (0.5 - 0.428571)/0.428571 = 1/6, D2 = (0.5 - 0.571429)/0.571429 = -1/8;
    #   D_B = (1/6 - 1/8 + 1/6)/3 = 0.069444; n = 3, W = 2 sqrt(4) = 4.
    # D = (2 * 0.4 + 4 * 0.069444) / 6 = 0.179630;  Nb = (2D+1)/(2D(D+1)) = 3.20737.
    # SE: D2_A = 0.16, D2_B = (1/36 + 1/64 + 1/36)/3 = 0.023727; D2 = (2*0.16 + 4*0.023727)/6 = 0.069151
    #   N_I = 1 + 2 = 3; V = 2^2/2 + 4^2/3 = 7.3333; W^2 = 36
    #   SE = sqrt((0.069151 - 0.179630^2)/3 * 36/(36 - 7.3333)) = sqrt(0.012295 * 1.255814) = 0.124259
    #   t(3) = 3.182: D +- t SE = (-0.215773, 0.575033) -> Nb limits (1.3852, inf)
    t = GenotypeTable.from_alleles(
        [[[1, 2], [1, 2]], [[1, 2], [2, 3]], [[1, 2], [1, 3]], [[1, 1], [2, 2]]], ["A", "B"]
    )
    row = estimate_nb_hetx(t, pcrit=[0], by=None).iloc[0]
    assert row["d"] == pytest.approx(0.179630, abs=1e-6)
    assert row["ne"] == pytest.approx(3.20737, abs=1e-5)
    assert row["n_comparisons"] == 3 and row["s_harmonic"] == 4
    se = math.sqrt((0.069151 - 0.179630**2) / 3 * 36 / (36 - 22 / 3))
    assert row["ci_param_low"] == pytest.approx(nb_from_d(0.179630 + 3.182 * se), rel=1e-4)
    assert row["ci_param_high"] == math.inf


def test_low_frequency_alleles_are_lumped():
    # 10 individuals, locus with a rare allele 3 (one copy): at Pcrit 0.1 it is lumped
    # with nothing else (single low allele keeps its own D); with two rare alleles they
    # are lumped into one allele whose heterozygotes are counted once.
    a = [[1, 2]] * 4 + [[1, 1]] * 3 + [[2, 2]] * 1 + [[1, 3]] + [[2, 4]]
    t = GenotypeTable.from_alleles(np.array(a)[:, None, :], ["A"])
    lumped = estimate_nb_hetx(t, pcrit=[0.1], by=None).iloc[0]
    every = estimate_nb_hetx(t, pcrit=[0], by=None).iloc[0]
    # alleles kept: 1, 2 + one lumped (3, 4): 3 alleles -> 2 independent; Pcrit 0: 4 -> 3
    assert (lumped["n_comparisons"], every["n_comparisons"]) == (2, 3)
    # lumped allele {3, 4}: freq 2/20, 2 heterozygous carriers of it
    n = 10
    hexp = 2 * 0.1 * 0.9 * (1 + 1 / (2 * n - 1))
    d_low = (2 / n - hexp) / hexp
    # allele 1: 11 copies, 5 heterozygous carriers; allele 2: 7 copies, 5 carriers
    p1, p2 = 11 / 20, 7 / 20
    d1 = (5 / n - 2 * p1 * (1 - p1) * (1 + 1 / 19)) / (2 * p1 * (1 - p1) * (1 + 1 / 19))
    d2 = (5 / n - 2 * p2 * (1 - p2) * (1 + 1 / 19)) / (2 * p2 * (1 - p2) * (1 + 1 / 19))
    assert lumped["d"] == pytest.approx((d1 + d2 + d_low) / 3)


def test_nb_and_t():
    assert nb_from_d(0.04443) == pytest.approx((2 * 0.04443 + 1) / (2 * 0.04443 * 1.04443))
    assert nb_from_d(0) == math.inf and nb_from_d(-0.1) == math.inf
    assert t_quantile(3) == 3.182


def test_small_population_reason():
    t = GenotypeTable.from_alleles([[[1, 2]], [[1, 1]]], ["A"])
    row = estimate_nb_hetx(t, pcrit=[0.05], by=None).iloc[0]
    assert np.isnan(row["ne"]) and row["reason"] == "fewer than 3 individuals"
    mono = GenotypeTable.from_alleles([[[1, 1]], [[1, 1]], [[1, 1]]], ["A"])
    row = estimate_nb_hetx(mono, pcrit=[0.05], by=None).iloc[0]
    assert np.isnan(row["ne"]) and row["reason"] == "no polymorphic locus passes Pcrit"
