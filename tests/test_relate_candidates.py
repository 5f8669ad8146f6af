"""Candidate parents restricted by an identification catalogue's sex calls and detection dates."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import write_genotypes
from genmon.cli import cli
from genmon.exceptions import InputError, InputWarning
from genmon.identify.catalogue import Catalogue, read_catalogue, write_catalogue
from genmon.model import GenotypeTable
from genmon.relate import assign_parentage
from genmon.relate.candidates import catalogue_candidates, intersect_allowed
from tests.test_relate_parentage import _population

MALFORMED = Path(__file__).resolve().parent.parent / "test_data" / "malformed"


def _catalogue(rows, loci=("L1",), kinds=("STR",)):
    cat = Catalogue(loci=list(loci), kinds=list(kinds))
    cat.individuals = pd.DataFrame(rows, columns=["individual", "status", "merged_into", "first_seen", "last_seen",
                                                  "sex"]).assign(n_samples=1)
    return cat


# offspring C first seen 2024-06-01; candidates:
#   A first 2020-01-01, last 2024-05-01 (31 days before C)      - older, recently alive
#   B first 2024-05-25 (7 days before C), last 2025-01-01
#   D first 2024-06-20 (19 days after C), last 2024-07-01
#   E first 2019-01-01, last 2022-01-01 (882 days before C)
ROWS = [("C", "active", "", "2024-06-01", "2024-08-01", ""),
        ("A", "active", "", "2020-01-01", "2024-05-01", "F"),
        ("B", "active", "", "2024-05-25T09:30", "2025-01-01", "M"),
        ("D", "active", "", "2024-06-20", "2024-07-01", "conflict"),
        ("E", "active", "", "2019-01-01", "2022-01-01", "M")]


@pytest.mark.parametrize(("gap", "alive", "expected"), [
    (None, None, {"A", "B", "D", "E"}),
    (0, None, {"A", "B", "E"}),
    (7, None, {"A", "B", "E"}),   # B exactly 7 days before: kept
    (8, None, {"A", "E"}),
    (-19, None, {"A", "B", "D", "E"}),
    (-18, None, {"A", "B", "E"}),
    (None, 31, {"A", "B", "D"}),  # A last seen exactly 31 days before: kept
    (None, 30, {"B", "D"}),
    (0, 365, {"A", "B"}),
])
def test_date_rules_by_hand(gap, alive, expected):
    allowed, sexes = catalogue_candidates(_catalogue(ROWS), ["C"], ["A", "B", "D", "E"], gap, alive)
    assert allowed == {"C": expected}
    assert sexes == {"C": "", "A": "F", "B": "M", "D": "conflict", "E": "M"}


def test_intersect_allowed():
    assert intersect_allowed(None, None) is None
    assert intersect_allowed({"o1": {"a", "b"}}, None, {"o1": {"b", "c"}, "o2": {"d"}}) == {"o1": {"b"}, "o2": {"d"}}


def test_catalogue_problems_name_individual_and_line(tmp_path):
    rows = [*ROWS, ("F", "merged", "A", "2020-01-01", "2020-01-01", "F"), ("G", "active", "", "", "", "F")]
    cat = _catalogue(rows)
    write_catalogue(cat, tmp_path / "cat")
    cat = read_catalogue(tmp_path / "cat")
    where = str(tmp_path / "cat" / "individuals.tsv")
    with pytest.raises(InputError) as err:
        catalogue_candidates(cat, ["C"], ["A", "F", "G", "X"], first_seen_gap=0)
    assert [str(p) for p in err.value.problems] == [
        f'{where}, line 7, sample F: found individual "F" merged into "A", expected an active individual',
        f"{where}, line 8, sample G: found no first_seen, expected an ISO date (YYYY-MM-DD) for the date rules",
        f'{where}, sample X: found individual "X" not in the catalogue, expected the catalogue\'s individuals '
        "(genotypes from genmon identify)",
    ]
    # without date rules, missing dates are fine
    allowed, _ = catalogue_candidates(cat, ["C"], ["A", "G"])
    assert allowed == {"C": {"A", "G"}}


def test_catalogue_sex_calls_restrict_candidates():
    table, truth_f, _ = _population(np.random.default_rng(3), n_offspring=4)
    ids = [str(s) for s in table.sample_id]
    offspring = [i for i in ids if i.startswith("O")][:2]
    sexes = {i: ("M" if i.startswith("M") else "F") for i in ids}
    res = assign_parentage(table, offspring, candidates=[i for i in ids if i[0] in "MF"], sex="M", sexes=sexes,
                           n_simulations=200, seed=1)
    assert set(res.candidates["candidate"]) == {i for i in ids if i.startswith("M")}
    sexes[next(i for i in ids if i.startswith("F"))] = "conflict"
    with pytest.raises(InputError, match='with sex "conflict"'):
        assign_parentage(table, offspring, candidates=[i for i in ids if i[0] in "MF"], sex="M", sexes=sexes,
                         n_simulations=200, seed=1)


def test_cli_catalogue_dates_exclude_true_fathers(tmp_path):
    """Fathers last seen long before their offspring's first detection are not assigned with --alive-within."""
    rng = np.random.default_rng(11)
    table, truth_f, _ = _population(rng, n_offspring=12)
    ids = [str(s) for s in table.sample_id]
    offspring = sorted(truth_f)
    gone = set(offspring[:4])  # these offspring's fathers were last seen two years before them
    rows = []
    for i in ids:
        if i in truth_f:
            rows.append((i, "active", "", "2024-06-01", "2024-09-01", ""))
        elif i in {truth_f[o] for o in gone}:
            rows.append((i, "active", "", "2019-03-01", "2022-06-01", "M"))
        else:
            rows.append((i, "active", "", "2020-03-01", "2024-08-01", "M" if i.startswith("M") else "F"))
    cat = _catalogue(rows, table.locus_id, [locus.kind for locus in table.loci])
    write_catalogue(cat, tmp_path / "cat")
    src = tmp_path / "g.csv"
    write_genotypes(table, src, "wide")
    (tmp_path / "off.txt").write_text("id\n" + "\n".join(offspring) + "\n")
    out = tmp_path / "out"
    args = ["parentage", str(src), "--offspring", str(tmp_path / "off.txt"), "--catalogue", str(tmp_path / "cat"),
            "--sex", "M", "--first-seen-gap", "365", "--alive-within", "180", "--simulations", "300",
            "--seed", "2", "-o", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.stderr
    got = pd.read_csv(out / "parentage.tsv", sep="\t", keep_default_na=False).set_index("offspring")["candidate"]
    tested = pd.read_csv(out / "candidates.tsv", sep="\t", keep_default_na=False)
    assert tested["candidate"].str.startswith("M").all()
    assert not any(got[o] == truth_f[o] for o in gone)
    assert not tested[tested["offspring"].isin(gone)]["candidate"].isin([truth_f[o] for o in gone]).any()
    assert np.mean([got[o] == truth_f[o] for o in offspring if o not in gone]) >= 0.75
    run = (out / "run.json").read_text()
    assert '"alive_within": 180.0' in run and "individuals.tsv" in run


def test_cli_catalogue_bad_date(tmp_path):
    bad = MALFORMED / "parentage_catalogue_bad_date"
    src = MALFORMED / "parentage_candidate_no_sex.csv"
    result = CliRunner().invoke(cli, ["parentage", str(src), "--offspring", "is_offspring", "--catalogue", str(bad),
                                      "--first-seen-gap", "0", "-o", str(tmp_path / "a")])
    assert result.exit_code == 3
    assert result.stderr.strip() == (f'error: {bad / "individuals.tsv"}, line 3, sample T2: found first_seen '
                                     '"2021-13-05", expected an ISO date (YYYY-MM-DD) for the date rules')
    result = CliRunner().invoke(cli, ["parentage", str(src), "--offspring", "is_offspring",
                                      "--alive-within", "10", "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and "need --catalogue" in result.stderr


def test_untyped_individuals_left_out_of_parentage():
    """An offspring or candidate without a typed locus would score LOD 0 against everyone."""
    table, truth_f, _ = _population(np.random.default_rng(5), n_offspring=3)
    ids = [str(s) for s in table.sample_id]
    calls = table.call_genotype.copy()
    calls[ids.index("O0")] = -1
    calls[ids.index("M3")] = -1
    blank = GenotypeTable(calls, table.loci, table.samples)
    with pytest.warns(InputWarning) as seen:
        res = assign_parentage(blank, ["O0", "O1"], n_simulations=200, seed=1, source="g.csv")
    assert [str(w.message) for w in seen] == [
        "g.csv: found 2 individual(s) with no typed locus: M3, O0, expected at least one typed locus per "
        "individual; they are left out of parentage (offspring without candidates, candidates not tested, known "
        "mothers ignored)"]
    first = res.assignments.set_index("offspring").loc["O0"]
    assert first["candidate"] == "" and first["n_candidates"] == 0 and np.isnan(first["lod"])
    assert "M3" not in set(res.candidates["candidate"])


# --- population allele frequencies from a file --------------------------------------------------

from genmon.relate.frequencies import read_allele_frequencies  # noqa: E402
from genmon.relate.parentage import parentage_lod  # noqa: E402


def test_cli_frequencies_missing_allele():
    src = MALFORMED / "parentage_candidate_no_sex.csv"
    bad = MALFORMED / "parentage_frequencies_missing_allele.tsv"
    result = CliRunner().invoke(cli, ["parentage", str(src), "--offspring", "is_offspring",
                                      "--allele-frequencies", str(bad), "-o", "unused"])
    assert result.exit_code == 3
    assert result.stderr.strip() == (f"error: {bad}, sample T3, locus F53: found no frequency for allele 184, "
                                     "carried by T3, T5, expected a positive frequency for every allele in the "
                                     "genotypes")


def test_frequency_file_problems(tmp_path):
    table, _, _ = _population(np.random.default_rng(2), n_offspring=2)
    locus = table.loci[0]
    rows = ["locus,allele,frequency"]
    for other in table.loci[1:]:
        rows += [f"{other.name},{a},{1 / other.n_alleles}" for a in other.alleles]
    good = rows + [f"{locus.name},{a},{1 / locus.n_alleles}" for a in locus.alleles]
    (tmp_path / "f.csv").write_text("\n".join([*good, "X9,1,1.0"]) + "\n")
    with pytest.warns(InputWarning, match="loci not in the genotypes: X9"):
        freqs = read_allele_frequencies(tmp_path / "f.csv", table)
    np.testing.assert_allclose(freqs[0], 1 / locus.n_alleles)
    # the LOD then uses these frequencies
    res = assign_parentage(table, ["O0"], candidates=["M0"], frequencies=freqs, n_simulations=200, seed=1)
    calls = table.call_genotype.astype(np.int64)
    ids = [str(s) for s in table.sample_id]
    lod, _ = parentage_lod(calls[ids.index("O0")][None], calls[[ids.index("M0")]], freqs, 0.01)
    assert res.candidates["lod"].iloc[0] == pytest.approx(float(lod[0]))
    half = rows + [f"{locus.name},{a},{0.5 / locus.n_alleles}" for a in locus.alleles] + [f"{locus.name},abc,x"]
    (tmp_path / "g.csv").write_text("\n".join(half) + "\n")
    with pytest.raises(InputError) as err:
        read_allele_frequencies(tmp_path / "g.csv", table)
    n = len(half)
    assert [str(p) for p in err.value.problems] == [
        f'{tmp_path / "g.csv"}, line {n}, locus {locus.name}: found frequency "x", expected a number in [0, 1]',
        f"{tmp_path / 'g.csv'}, line {len(rows) + 1}, locus {locus.name}: found frequencies summing to 0.5000, "
        "expected a sum of 1",
    ]
