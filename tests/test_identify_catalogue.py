"""Catalogue files, ids, panel checks, recaptures and recorded merges/splits."""

from __future__ import annotations

import numpy as np
import pytest

from genmon.exceptions import GenmonError, InputError
from genmon.identify.catalogue import (
    check_id_pattern,
    merge_individuals,
    new_catalogue,
    read_catalogue,
    split_individual,
    write_catalogue,
)
from genmon.identify.core import identify_individuals
from genmon.io import read_genotypes
from genmon.model import GenotypeTable


def _two_batches():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 12, size=(12, 10, 2)) * 2 + 100
    base.sort(axis=2)
    first = np.repeat(base[:8], 2, axis=0)  # 8 individuals, 2 samples each
    second = np.concatenate([base[5:8], base[8:12]])  # 3 recaptures, 4 new
    second[0, 0] = (-1, -1)
    names = [f"FCA{j}" for j in range(10)]
    a = GenotypeTable.from_alleles(first, names, sample_ids=[f"A{i}" for i in range(16)])
    a.samples["date"] = [f"2024-01-{i + 1:02d}" for i in range(16)]
    a.samples["sex"] = ["F", "F", "M", "M"] * 4
    b = GenotypeTable.from_alleles(second, names, sample_ids=[f"B{i}" for i in range(7)])
    b.samples["date"] = "2025-02-01"
    return a, b


def test_new_then_recapture_round_trip(tmp_path):
    a, b = _two_batches()
    r1 = identify_individuals(
        a, allele_mismatch=1, id_pattern="PTA-RU-{n:04d}", min_loci=0, batch="2024"
    )
    assert sorted(r1.individuals["individual"]) == [f"PTA-RU-{n:04d}" for n in range(1, 9)]
    write_catalogue(r1.catalogue, tmp_path / "cat")
    cat = read_catalogue(tmp_path / "cat")
    assert cat.next_number == 9 and len(cat.active()) == 8
    r2 = identify_individuals(b, catalogue=cat, allele_mismatch=1, min_loci=0, batch="2025")
    st = r2.assignments.set_index("sample")["status"]
    assert st[["B0", "B1", "B2"]].tolist() == ["recapture"] * 3
    assert st[["B3", "B4", "B5", "B6"]].tolist() == ["new"] * 4
    new_ids = (
        r2.assignments.set_index("sample").loc[["B3", "B4", "B5", "B6"], "individual"].tolist()
    )
    assert new_ids == ["PTA-RU-0009", "PTA-RU-0010", "PTA-RU-0011", "PTA-RU-0012"]
    rec = r2.individuals.set_index("individual")
    known = r2.assignments.set_index("sample").loc["B0", "individual"]
    assert rec.loc[known, "first_seen"] < rec.loc[known, "last_seen"] == "2025-02-01"
    assert rec.loc[known, "sex"] in ("F", "M")
    write_catalogue(r2.catalogue, tmp_path / "cat")
    cat = read_catalogue(tmp_path / "cat")
    assert len(cat.active()) == 12
    assert cat.individuals.set_index("individual").loc[known, "n_samples"] == 3
    assert set(cat.events["event"]) == {"new", "recapture"}


def test_other_panel_is_refused(test_data):
    a, _ = _two_batches()
    cat = new_catalogue(a)
    other = read_genotypes(test_data / "allelematch" / "amExample1.csv", "allelematch")
    with pytest.raises(InputError) as exc:
        identify_individuals(other, catalogue=cat)
    src = str(test_data / "allelematch" / "amExample1.csv")
    assert str(exc.value) == (
        f"{src}: found another locus panel than the catalogue (missing from {src}: FCA0, FCA1, FCA2, FCA3, FCA4, "
        "FCA5, FCA6, FCA7, FCA8, FCA9; not in the catalogue: LOC1, LOC2, LOC3, LOC4, LOC5, LOC6, LOC7, LOC8, LOC9, "
        "LOC10), expected the locus panel the catalogue was built with, FCA0, FCA1, FCA2, FCA3, FCA4, FCA5, FCA6, "
        "FCA7, FCA8, FCA9. Genotype the batch with the catalogue's panel or start a new catalogue"
    )


def test_other_calibration_is_refused(test_data):
    ex3 = read_genotypes(test_data / "allelematch" / "amExample3.csv", "allelematch")
    ex5 = read_genotypes(test_data / "allelematch" / "amExample5.csv", "allelematch")
    cat = identify_individuals(ex3, allele_mismatch=6, min_loci=0).catalogue
    with pytest.raises(InputError, match="amExample5.csv: found allele sizes that do not fit the catalogue's at 10 "
                       "of 10 loci: LOC1 \\(0% of alleles known\\)"):
        identify_individuals(ex5, catalogue=cat)
    ex3.attrs["calibration"] = "ABI3730-2019"
    cat.calibration = "ABI3130-2012"
    with pytest.raises(InputError) as exc:
        cat.check_panel(ex3)
    assert str(exc.value) == (
        f'{test_data / "allelematch" / "amExample3.csv"}: found allele calibration "ABI3730-2019", expected '
        '"ABI3130-2012", the allele calibration the catalogue uses. Convert the allele sizes to the '
        "catalogue's calibration before matching"
    )


def test_merge_and_split_are_recorded():
    a, _ = _two_batches()
    cat = identify_individuals(a, allele_mismatch=1, min_loci=0).catalogue
    ids = sorted(cat.active()["individual"])
    merge_individuals(cat, ids[0], ids[1], "re-genotyped: same tiger")
    assert (
        cat.individuals.set_index("individual").loc[ids[1], ["status", "merged_into"]]
        == ["merged", ids[0]]
    ).all()
    assert cat.events.iloc[-1][["event", "individual", "other"]].tolist() == [
        "merge",
        ids[0],
        ids[1],
    ]
    moved = cat.samples.loc[cat.samples["individual"] == ids[0], "sample"].tolist()[:2]
    new = split_individual(cat, ids[0], moved, "two tigers after all")
    assert cat.events.iloc[-1][["event", "individual", "other"]].tolist() == ["split", ids[0], new]
    assert sorted(cat.samples.loc[cat.samples["individual"] == new, "sample"]) == sorted(moved)
    with pytest.raises(GenmonError, match="samples not assigned to"):
        split_individual(cat, ids[0], ["nope"], "x")


def test_id_pattern_needs_a_number():
    with pytest.raises(GenmonError, match=r'id pattern "PTA" needs a field \{n\}'):
        check_id_pattern("PTA")


def test_reading_a_non_catalogue(tmp_path):
    with pytest.raises(InputError, match="no catalogue.json"):
        read_catalogue(tmp_path)


def test_too_few_loci_unassigned_with_reason():
    a, _ = _two_batches()
    a.call_genotype[0, :7] = -1
    r = identify_individuals(a, allele_mismatch=1)
    row = r.assignments.iloc[0]
    assert row["status"] == "unassigned"
    assert row["reason"] == "typed at 3 loci, fewer than min_loci=5"


def test_rematching_a_batch_recaptures_every_sample(test_data, tmp_path):
    # The catalogue keeps each sample's genotype, so samples that allelematch
    # left unclassified (2 in example 3 at m = 6) match their earlier selves.
    ex3 = read_genotypes(test_data / "allelematch" / "amExample3.csv", "allelematch")
    r1 = identify_individuals(ex3, min_loci=0, id_pattern="PTA-RU-{n:04d}")
    assert r1.parameters["allele_mismatch"] == 6.0
    assert r1.summary["n_unassigned"] == 2
    write_catalogue(r1.catalogue, tmp_path / "cat")
    r2 = identify_individuals(ex3, catalogue=read_catalogue(tmp_path / "cat"), min_loci=0)
    assert r2.parameters["allele_mismatch"] == 6.0  # the catalogue's setting
    assert (r2.assignments["status"] == "recapture").all()
    same = r2.assignments["individual"].to_numpy() == r1.assignments["individual"].to_numpy()
    assert same.sum() == 317  # all but the two unclassified samples keep their individual


def test_replicates_and_duplicate_ids_are_refused():
    a, _ = _two_batches()
    rep = a.with_samples(a.samples.assign(replicate_id=["r1"] * a.n_samples))
    with pytest.raises(GenmonError, match=r"hold PCR replicates .* \(genmon consensus\)"):
        identify_individuals(rep)
    dup = a.with_samples(a.samples.assign(sample_id=["A0"] * a.n_samples))
    with pytest.raises(GenmonError, match="sample ids must be unique; repeated: A0"):
        identify_individuals(dup)


def test_unknown_method():
    a, _ = _two_batches()
    with pytest.raises(GenmonError, match='method "bayes" is not one of mismatch, likelihood'):
        identify_individuals(a, method="bayes")


def test_near_misses_listed():
    # s1/s2 differ at 2 alleles (threshold 1, margin 2: a near miss kept apart);
    # s1/s3 differ at 1 allele (joined at the threshold); s4 is far from all.
    # (s1b and s4b repeat s1 and s4: the dynamic tree cut needs some merges
    # below the threshold to set its reference height.)
    g1 = [[100, 104], [200, 204], [300, 304], [400, 404]]
    g4 = [[110, 114], [210, 214], [310, 314], [410, 414]]
    vals = [
        g1,
        [[100, 106], [200, 206], [300, 304], [400, 404]],
        [[100, 104], [200, 204], [300, 304], [400, 406]],
        g4,
        g1,
        g4,
    ]
    ids = ["s1", "s2", "s3", "s4", "s1b", "s4b"]
    t = GenotypeTable.from_alleles(vals, ["A", "B", "C", "D"], sample_ids=ids)
    r = identify_individuals(t, allele_mismatch=1)
    ind = r.assignments.set_index("sample")["individual"]
    assert ind["s1"] == ind["s3"] == ind["s1b"] != ind["s2"]
    near = r.near_misses.set_index(["sample_a", "sample_b"])
    assert near.loc[("s1", "s2"), "kind"] == "split_near_threshold"
    assert near.loc[("s1", "s2"), "mismatches"] == 2
    assert near.loc[("s1", "s3"), "kind"] == "joined_near_threshold"
    assert not any("s4" in pair or "s4b" in pair for pair in near.index)


def test_bad_genotype_in_a_large_catalogue_is_named(tmp_path):
    # With 10 or more individuals the allele sizes are checked against the batch
    # before matching; a bad cell must still be an InputError naming its place.
    a, b = _two_batches()
    cat = identify_individuals(a, allele_mismatch=0, min_loci=0).catalogue
    cat2 = identify_individuals(b, catalogue=cat, allele_mismatch=0, min_loci=0).catalogue
    assert len(cat2.active()) >= 10
    write_catalogue(cat2, tmp_path / "cat")
    path = tmp_path / "cat" / "individuals.tsv"
    lines = path.read_text().splitlines()
    cells = lines[3].split("\t")
    col = lines[0].split("\t").index("FCA2")
    cells[col] = "1O6/108"
    lines[3] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as exc:
        identify_individuals(b, catalogue=read_catalogue(tmp_path / "cat"), min_loci=0)
    assert str(exc.value) == (
        f'{path}, line 4, sample {cells[0]}, locus FCA2: found allele "1O6", expected a whole number or -'
    )
