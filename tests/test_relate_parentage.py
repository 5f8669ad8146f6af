"""Parentage: exclusion counts, LOD with Kalinowski et al. (2007)'s error model, Δ and simulated confidence.

Cervus 3 (Windows only) is not available here, so nothing below is compared
with Cervus's own output: the likelihood is checked by hand and against a
brute-force sum over every true genotype of the random-replacement model, and
the assignment rules on simulated pedigrees.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import write_genotypes
from genmon.cli import cli
from genmon.exceptions import InputError
from genmon.model import GenotypeTable
from genmon.relate import assign_parentage, parentage_lod
from genmon.relate.parentage import (
    critical_delta,
    mismatch_counts,
    read_id_source,
    read_known_mothers,
    simulate_parentage,
    trio_mismatch_counts,
)

MALFORMED = Path(__file__).resolve().parent.parent / "test_data" / "malformed"
FREQ3 = [np.array([0.5, 0.3, 0.2])]


def test_single_parent_lod_by_hand():
    # Alleles A, B, C at 0.5, 0.3, 0.2; offspring AB; error rate 0.01.
    # Candidate AC: T(AB | AC) = P(transmit A) P(other parent gives B) = 0.5 * 0.3 = 0.15;
    #   P(AB) = 2 * 0.5 * 0.3 = 0.3; LR = 0.99^2 * 0.15 / 0.3 + (1 - 0.99^2) = 0.49005 + 0.0199 = 0.50995;
    #   LOD = ln 0.50995 = -0.673443.
    # Candidate AB: T = 0.5 * 0.3 + 0.5 * 0.5 = 0.4; LR = 0.9801 * 0.4 / 0.3 + 0.0199 = 1.3267; LOD = 0.282695.
    # Candidate CC (mismatch): T = 0; LR = 0.0199; LOD = -3.917036.
    o = np.array([[[0, 1]]])
    c = np.array([[[0, 2]], [[0, 1]], [[2, 2]]])
    lod, n = parentage_lod(o, c, FREQ3, 0.01, error_model="full")
    np.testing.assert_allclose(lod, [np.log(0.50995), np.log(1.3267), np.log(0.0199)], rtol=1e-12)
    np.testing.assert_allclose(lod, [-0.673443, 0.282695, -3.917036], atol=1e-6)
    assert n.tolist() == [1, 1, 1]
    # CERVUS's pair equation (one error event): LR = 0.99 T / P(o) + 0.01:
    #   AC: 0.99 * 0.5 + 0.01 = 0.505, LOD -0.683197; AB: 0.99 * 4/3 + 0.01 = 1.33, LOD 0.285179;
    #   CC: 0.01, LOD -4.605170 (a mismatch costs ln ε, not ln 2ε)
    lod, _ = parentage_lod(o, c, FREQ3, 0.01)
    np.testing.assert_allclose(lod, [-0.683197, 0.285179, -4.605170], atol=1e-6)
    # an untyped locus in either is skipped (LOD 0, no locus compared)
    lod, n = parentage_lod(o, np.array([[[-1, -1]]]), FREQ3, 0.01)
    assert lod.tolist() == [0.0] and n.tolist() == [0]


def test_known_mother_lod_by_hand():
    # Mother AA, offspring AB, candidate father BC, e = 0.01, frequencies 0.5, 0.3, 0.2.
    # T(AB | AA, BC) = 1 * 1/2 = 0.5; T(AB | AA) = 0.3 (= P(AB) here); T(AB | BC) = 0.5 * 0.5 = 0.25.
    # numerator = 0.99^3 * 0.5 + 0.01 * 0.99^2 * (0.3 + 0.25) + (1 - 0.99^3 - 2 * 0.01 * 0.99^2) * 0.3
    #           = 0.4851495 + 0.00539055 + 0.010099 * 0.3 = 0.49356975
    # denominator = 0.99^2 * 0.3 + (1 - 0.99^2) * 0.3 = 0.3; LR = 1.6452325; LOD = 0.4978817.
    # (the denominator is 0.3 in both error models since T(AB | AA) = P(AB))
    for model in ("cervus", "full"):
        lod, n = parentage_lod(np.array([[0, 1]]), np.array([[1, 2]]), FREQ3, 0.01, mother=np.array([[0, 0]]),
                               error_model=model)
        assert lod == pytest.approx(0.49788171161616634, rel=1e-12)
        assert n == 1
    # the mother untyped at the locus: the pair ratio (T(AB|BC) = 0.25)
    lod, _ = parentage_lod(np.array([[0, 1]]), np.array([[1, 2]]), FREQ3, 0.01, mother=np.array([[-1, -1]]),
                           error_model="full")
    assert lod == pytest.approx(np.log(0.9801 * 0.25 / 0.3 + 0.0199), rel=1e-12)
    lod, _ = parentage_lod(np.array([[0, 1]]), np.array([[1, 2]]), FREQ3, 0.01, mother=np.array([[-1, -1]]))
    assert lod == pytest.approx(np.log(0.99 * 0.25 / 0.3 + 0.01), rel=1e-12)
    # mother AB, offspring AB, candidate AC: numerator 0.970299 * 0.25 + 0.009801 * (0.4 + 0.15 + 0.3)
    # + 0.01^2 * 2.98 * 0.3 = 0.24257475 + 0.00833085 + 0.0000894 = 0.250995; cervus denominator
    # 0.99 * 0.4 + 0.01 * 0.3 = 0.399; LR = 0.629060
    lod, _ = parentage_lod(np.array([[0, 1]]), np.array([[0, 2]]), FREQ3, 0.01, mother=np.array([[0, 1]]))
    assert lod == pytest.approx(np.log(0.250995 / 0.399), rel=1e-9)


def _brute(o, a, m, freq, eps):
    """Random-replacement model summed over every true genotype of every typed individual."""
    genos = [(i, j) for i in range(freq.size) for j in range(i, freq.size)]

    def pg(g):
        return freq[g[0]] ** 2 if g[0] == g[1] else 2 * freq[g[0]] * freq[g[1]]

    def obs(seen, true):
        return (1 - eps) * (sorted(seen) == sorted(true)) + eps * pg(seen)

    def h(parent, allele):
        return 0.5 * ((parent[0] == allele) + (parent[1] == allele))

    def trans(child, p1, p2):  # p2 None: a random gamete
        x, y = child
        g2 = (lambda a: freq[a]) if p2 is None else (lambda a: h(p2, a))
        return h(p1, x) * g2(x) if x == y else h(p1, x) * g2(y) + h(p1, y) * g2(x)

    if m is None:
        h1 = sum(pg(ta) * trans(to, ta, None) * obs(o, to) * obs(a, ta) for ta in genos for to in genos)
        h2 = pg(o) * pg(a)
    else:
        h1 = sum(pg(tm) * pg(tf) * trans(to, tm, tf) * obs(o, to) * obs(m, tm) * obs(a, tf)
                 for tm, tf, to in itertools.product(genos, genos, genos))
        h2 = pg(a) * sum(pg(tm) * trans(to, tm, None) * obs(o, to) * obs(m, tm)
                         for tm, to in itertools.product(genos, genos))
    return np.log(h1 / h2)


def test_lod_equals_brute_force_marginalisation(rng):
    for _ in range(25):
        freq = rng.dirichlet(np.ones(4))
        eps = float(rng.uniform(0.001, 0.2))
        o, a, m = (tuple(int(v) for v in rng.integers(0, 4, 2)) for _ in range(3))
        lod, _ = parentage_lod(np.array([o]), np.array([a]), [freq], eps, error_model="full")
        assert lod == pytest.approx(_brute(o, a, None, freq, eps), rel=1e-10, abs=1e-12)
        lod, _ = parentage_lod(np.array([o]), np.array([a]), [freq], eps, mother=np.array([m]), error_model="full")
        assert lod == pytest.approx(_brute(o, a, m, freq, eps), rel=1e-10, abs=1e-12)


def test_mismatch_counts_by_hand():
    # offspring 1/2, 3/3, 5/6, 7/8, untyped; candidate 2/9 (shares 2), 4/4 (none), 6/6 (shares 6),
    # 1/1 (none), 1/2 (offspring untyped): 4 loci compared, 2 mismatching.
    o = np.array([[1, 2], [3, 3], [5, 6], [7, 8], [-1, -1]])
    c = np.array([[2, 9], [4, 4], [6, 6], [1, 1], [1, 2]])
    n, mm = mismatch_counts(o, c)
    assert (int(n), int(mm)) == (4, 2)
    # half-typed genotypes count as untyped
    n, mm = mismatch_counts(np.array([[1, -1]]), np.array([[4, 4]]))
    assert (int(n), int(mm)) == (0, 0)


def test_trio_mismatch_counts_by_hand():
    # offspring 1/2, mother 1/1, candidate 1/3: the mother gives 1, nobody gives 2 -> trio mismatch (pair: none)
    # offspring 3/4, mother 3/5, candidate 4/6: fits
    # offspring 5/5, mother untyped, candidate 6/6: pair mismatch counted
    # offspring 7/8, mother 7/8, candidate untyped: not compared
    o = np.array([[1, 2], [3, 4], [5, 5], [7, 8]])
    m = np.array([[1, 1], [3, 5], [-1, -1], [7, 8]])
    c = np.array([[1, 3], [4, 6], [6, 6], [-1, -1]])
    assert int(trio_mismatch_counts(o, c, m)) == 2
    assert int(mismatch_counts(o, c)[1]) == 1


def test_critical_delta_ties_and_unreachable():
    # tied deltas enter together: Δ >= 2 takes three tests, two correct (2/3 < 0.8)
    s = pd.DataFrame({"lod": [1.0, 1, 1, 1], "delta": [3.0, 2, 2, 1], "correct": [True, True, False, False]})
    cd = critical_delta(s, [0.6, 0.8])
    assert cd["critical_delta"].tolist() == [2.0, 3.0]
    assert cd["assignment_rate"].tolist() == [0.75, 0.25]
    # negative-LOD tests are never assigned; a level never reached gives inf
    s = pd.DataFrame({"lod": [-1.0, 1], "delta": [5.0, 1], "correct": [True, False]})
    cd = critical_delta(s, [0.8])
    assert cd["critical_delta"].tolist() == [np.inf] and cd["assignment_rate"].tolist() == [0.0]


def _population(rng, n_loci=15, n_alleles=8, n_males=40, n_females=40, n_offspring=150, error=0.01, typed=0.97):
    """Adults drawn from frequencies, offspring from random mother-father pairs, then errors and gaps."""
    freqs = [rng.dirichlet(np.full(n_alleles, 2.0)) for _ in range(n_loci)]
    n_adults = n_males + n_females

    def draw(n):
        return np.stack([np.stack([rng.choice(n_alleles, n, p=f), rng.choice(n_alleles, n, p=f)], axis=1)
                         for f in freqs], axis=1)

    adults = draw(n_adults)
    mothers = rng.integers(n_males, n_adults, n_offspring)
    fathers = rng.integers(0, n_males, n_offspring)
    pick = rng.integers(0, 2, (n_offspring, n_loci, 2))
    kids = np.stack([np.take_along_axis(adults[mothers], pick[:, :, :1], 2)[:, :, 0],
                     np.take_along_axis(adults[fathers], pick[:, :, 1:], 2)[:, :, 0]], axis=2)
    calls = np.concatenate([adults, kids])
    wrong = rng.random(calls.shape[:2]) < error
    calls[wrong] = draw(calls.shape[0])[wrong]
    calls[rng.random(calls.shape[:2]) > typed] = -1
    ids = [f"M{i}" for i in range(n_males)] + [f"F{i}" for i in range(n_females)] + \
          [f"O{i}" for i in range(n_offspring)]
    sex = ["M"] * n_males + ["F"] * n_females + [""] * n_offspring
    samples = pd.DataFrame({"sample_id": ids, "sex": pd.array([s or pd.NA for s in sex], dtype="string")})
    values = np.where(calls >= 0, calls + 100, -1)
    table = GenotypeTable.from_alleles(values, [f"L{j}" for j in range(n_loci)], samples=samples)
    truth_f = {f"O{i}": f"M{fathers[i]}" for i in range(n_offspring)}
    truth_m = {f"O{i}": f"F{mothers[i] - n_males}" for i in range(n_offspring)}
    return table, truth_f, truth_m


def _rates(res, truth):
    a = res.assignments
    star = a[a["confidence"] == "*"]
    correct = (star["candidate"] == star["offspring"].map(truth))
    return len(star) / len(a), 1 - correct.mean() if len(star) else 0.0, correct.sum() / len(a)


def test_simulated_pedigree_fathers_at_95(rng):
    table, truth_f, truth_m = _population(rng)
    offspring = list(truth_f)
    res = assign_parentage(table, offspring, sex="M", candidates=[s for s in table.sample_id if s[0] in "MF"],
                           error_rate=0.01, n_simulations=3000, seed=5)
    assigned, wrong, correct_share = _rates(res, truth_f)
    # measured with these seeds: all 150 offspring assigned at 95 %, 1 wrongly (0.7 %); with the known
    # mother all 150 assigned, none wrongly
    assert correct_share >= 0.90
    assert wrong <= 0.05
    assert res.critical["mode"].tolist() == ["unknown_parent", "unknown_parent"]
    assert set(res.candidates["candidate"].str[0]) == {"M"}
    # the most likely father is the true one far more often than chance, with few mismatches
    best = res.assignments
    assert (best["candidate"] == best["offspring"].map(truth_f)).mean() >= 0.95
    # with the known mother the trio LOD is at least as decisive
    res2 = assign_parentage(table, offspring, sex="M", known_mothers=truth_m, error_rate=0.01,
                            n_simulations=3000, seed=5)
    assigned2, wrong2, correct2 = _rates(res2, truth_f)
    assert correct2 >= 0.90 and wrong2 <= 0.05
    assert res2.critical["mode"].unique().tolist() == ["known_mother"]
    pairs = res2.candidates
    assert (pairs["trio_mismatches"] >= pairs["mismatches"]).all()
    # the true father with his own typing errors: trio mismatches only where an error hit the trio
    best = res2.assignments.set_index("offspring")
    assert (best["trio_mismatches"] <= 2).all()


def test_unsampled_fathers_keep_false_assignments_rare():
    # Only 20 of 40 males are candidates; the simulation is told so (sampled=0.5).  Pooled over four
    # populations of 400 offspring: measured 18 wrong of 400 assignments at 95 % (4.5 %); one population
    # alone gives 0-8 % (about 100 assignments each), so the bound is on the pool: 7.5 % is 2.7 binomial
    # standard errors above 5 %.
    wrong = assigned = 0
    for s in range(4):
        table, truth_f, _ = _population(np.random.default_rng(100 + s), n_loci=12, n_alleles=6, n_offspring=400)
        males = [f"M{i}" for i in range(20)]
        res = assign_parentage(table, list(truth_f), candidates=males, error_rate=0.01, n_simulations=4000,
                               sampled=0.5, seed=s)
        a = res.assignments
        star = a[a["confidence"] == "*"]
        wrong += int((star["candidate"] != star["offspring"].map(truth_f)).sum())
        assigned += len(star)
        crit = res.critical.set_index("confidence")["critical_delta"]
        assert crit[0.95] >= crit[0.80] > 0
    assert assigned > 300
    assert wrong / assigned <= 0.075


@pytest.mark.parametrize("max_mismatches", [None, 1])
def test_critical_values_hold_on_independent_simulation(max_mismatches):
    rng = np.random.default_rng(3)
    freqs = [rng.dirichlet(np.ones(6)) for _ in range(10)]
    kwargs = dict(n_candidates=15, sampled=0.7, error_rate=0.01, typed_rate=0.95, max_mismatches=max_mismatches)
    cd = critical_delta(simulate_parentage(freqs, n_offspring=6000, seed=1, **kwargs))
    test = simulate_parentage(freqs, n_offspring=6000, seed=2, **kwargs)
    for level, crit in zip(cd["confidence"], cd["critical_delta"], strict=True):
        chosen = test[(test["lod"] > 0) & (test["delta"] >= crit)]
        assert len(chosen) > 500
        assert chosen["correct"].mean() >= level - 0.02


def test_restrictions_allowed_table_and_exclusion(rng):
    table, truth_f, _ = _population(rng, n_offspring=5)
    off = "O0"
    allowed = {off: {"M1", "M2", truth_f[off]}}
    res = assign_parentage(table, [off], allowed=allowed, n_simulations=200, seed=1)
    assert set(res.candidates["candidate"]) == allowed[off]
    # exclusion tolerance 0 removes every candidate that mismatches anywhere
    res = assign_parentage(table, [off], max_mismatches=0, n_simulations=200, seed=1)
    kept = res.candidates[~res.candidates["excluded"]]
    assert (kept["mismatches"] == 0).all() and res.candidates["excluded"].any()
    assert res.assignments.loc[0, "candidate"] in set(kept["candidate"])
    # the simulation uses as many candidates as were tested before exclusion (80 adults and the 4 other
    # young, since only O0 is listed as offspring), and excludes likewise
    assert res.parameters["n_candidates_simulated"] == len(res.candidates) == 84
    assert res.assignments.loc[0, "n_candidates"] == len(kept)


def test_bad_input_messages(rng):
    table, _, _ = _population(rng, n_offspring=3)
    with pytest.raises(InputError) as err:
        assign_parentage(table, ["O0", "X9"], n_simulations=200, source="g.csv")
    assert str(err.value.problems[0]) == 'g.csv: found offspring "X9", expected an individual in the genotype table'
    with pytest.raises(InputError) as err:
        assign_parentage(table, ["O0"], candidates=["M0", "O1"], sex="M", n_simulations=200, source="g.csv")
    assert str(err.value.problems[0]) == ('g.csv, sample O1: found candidate "O1" without a sex call, '
                                          'expected a sex (F or M) to restrict candidates to M')


def _cli_files(tmp_path, rng):
    table, truth_f, truth_m = _population(rng, n_offspring=20)
    src = tmp_path / "g.csv"
    write_genotypes(table, src, "wide")
    (tmp_path / "off.txt").write_text("id\n" + "\n".join(truth_f) + "\n")
    (tmp_path / "mothers.tsv").write_text("offspring\tmother\n" + "".join(f"{o}\t{m}\n" for o, m in truth_m.items()))
    return src, truth_f


def test_cli_parentage(tmp_path, rng):
    src, truth_f = _cli_files(tmp_path, rng)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["parentage", str(src), "--offspring", str(tmp_path / "off.txt"),
                                      "--sex", "M", "--known-mothers", str(tmp_path / "mothers.tsv"),
                                      "--simulations", "500", "--seed", "4", "--error-model", "full",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(out / "parentage.tsv", sep="\t", keep_default_na=False)
    assert list(table.columns)[:8] == ["offspring", "candidate", "n_loci_compared", "mismatches", "lod", "delta",
                                       "confidence", "runner_up"]
    assert len(table) == 20 and set(table["confidence"]) <= {"*", "+", "-"}
    assert (table["candidate"] == table["offspring"].map(truth_f)).mean() >= 0.9
    crit = pd.read_csv(out / "critical_delta.tsv", sep="\t")
    assert crit["mode"].tolist() == ["known_mother", "known_mother"]
    run = (out / "run.json").read_text()
    assert '"seed": 4' in run and "g.csv" in run and '"error_model": "full"' in run


def test_cli_malformed_inputs(tmp_path, rng):
    src, _ = _cli_files(tmp_path, rng)
    runner = CliRunner()
    result = runner.invoke(cli, ["parentage", str(src), "--offspring",
                                 str(MALFORMED / "parentage_unknown_offspring.txt"), "-o", str(tmp_path / "a")])
    assert result.exit_code == 3
    assert result.stderr.strip() == f'error: {src}: found offspring "O99", expected an individual in the genotype table'
    bad = MALFORMED / "parentage_candidate_no_sex.csv"
    result = runner.invoke(cli, ["parentage", str(bad), "--offspring", "is_offspring", "--sex", "F",
                                 "-o", str(tmp_path / "b")])
    assert result.exit_code == 3
    assert result.stderr.strip() == (f'error: {bad}, sample T3: found candidate "T3" without a sex call, '
                                     'expected a sex (F or M) to restrict candidates to F')
    result = runner.invoke(cli, ["parentage", str(src), "--offspring", str(tmp_path / "off.txt"),
                                 "--known-mothers", str(MALFORMED / "parentage_mothers_no_header.tsv"),
                                 "-o", str(tmp_path / "c")])
    assert result.exit_code == 3
    assert result.stderr.strip() == (f"error: {MALFORMED / 'parentage_mothers_no_header.tsv'}, line 1: "
                                     "found header O0,F1, expected columns offspring and mother")
    result = runner.invoke(cli, ["parentage", str(src), "--offspring", "no_such_column", "-o", str(tmp_path / "d")])
    assert result.exit_code == 3
    assert result.stderr.strip() == ('error: found --offspring "no_such_column", expected an existing file of ids '
                                     'or a column of the samples table')


def test_read_id_sources(tmp_path, rng):
    table, _, _ = _population(rng, n_offspring=2)
    p = tmp_path / "cand.csv"
    p.write_text("candidate,offspring\nM1,O0\nM2,O0\nM1,O1\n")
    ids, allowed = read_id_source(str(p), table, "candidate")
    assert ids == ["M1", "M2"] and allowed == {"O0": {"M1", "M2"}, "O1": {"M1"}}
    p = tmp_path / "m.tsv"
    p.write_text("offspring\tmother\nO0\tF1\nO0\tF2\n")
    with pytest.raises(InputError) as err:
        read_known_mothers(str(p))
    assert str(err.value.problems[0]) == f'{p}, line 3, sample O0: found a second mother "F2", expected one mother per offspring'
