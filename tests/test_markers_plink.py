"""SNP statistics against PLINK 1.9 outputs recorded in test_data/reference/markers/ (see its README)."""

import numpy as np
import pandas as pd
import pytest

from genmon import GenotypeTable
from genmon.markers import linkage_disequilibrium, locus_stats


@pytest.fixture(scope="module")
def sim():
    from tests.conftest import TEST_DATA

    ref = TEST_DATA / "reference/markers"
    rows = [line.rstrip("\n").split("\t") for line in open(ref / "plink_sim.vcf") if not line.startswith("#")]
    ids = [f"ind{i}" for i in range(len(rows[0]) - 9)]
    values = np.full((len(ids), len(rows), 2), None, dtype=object)
    for j, row in enumerate(rows):
        alleles = [row[3], row[4]]
        for i, call in enumerate(row[9:]):
            if not call.startswith("."):
                values[i, j] = [alleles[int(call[0])], alleles[int(call[2])]]
    names = [row[2] for row in rows]
    table = GenotypeTable.from_alleles(values, names, sample_ids=ids, kinds="SNP", missing=None,
                                       locus_info={r[2]: {"alleles": (r[3], r[4])} for r in rows})
    return table, ref


def _printed(x: float, digits: int) -> float:
    return float(f"{x:.{digits}g}")


def test_hwe_matches_plink_hardy(sim):
    table, ref = sim
    hardy = pd.read_csv(ref / "plink_sim.hwe", sep=r"\s+")
    ours = locus_stats(table).set_index("locus")
    for _, row in hardy.iterrows():
        ours_row = ours.loc[row["SNP"]]
        hom1, het, hom2 = (int(x) for x in row["GENO"].split("/"))
        assert ours_row["n_typed"] == hom1 + het + hom2
        assert ours_row["ho"] == pytest.approx(row["O(HET)"], abs=5e-5)
        # PLINK's E(HET) is the plain 2pq = 1 - sum p^2
        assert ours_row["he"] == pytest.approx(row["E(HET)"], abs=5e-5)
        # PLINK prints 4 significant digits
        assert _printed(ours_row["hwe_p"], 4) == pytest.approx(row["P"], rel=1e-12)
        assert ours_row["hwe_method"] == "exact-biallelic"


def test_allele_frequencies_match_plink_freq(sim):
    table, ref = sim
    frq = pd.read_csv(ref / "plink_sim.frq", sep=r"\s+").set_index("SNP")
    g = table.call_genotype
    for j, locus in enumerate(table.loci):
        calls = g[:, j][(g[:, j] >= 0).all(1)]
        p_alt = (calls == 1).sum() / calls.size
        maf = min(p_alt, 1 - p_alt)
        assert calls.size == frq.loc[locus.name, "NCHROBS"]
        assert _printed(maf, 4) == pytest.approx(frq.loc[locus.name, "MAF"], rel=1e-12)


def test_r2_matches_plink_r2(sim):
    table, ref = sim
    square = np.loadtxt(ref / "plink_sim.ld")
    ld = linkage_disequilibrium(table, n_perm=0)
    index = {locus.name: j for j, locus in enumerate(table.loci)}
    for _, row in ld.iterrows():
        expected = square[index[row["locus_a"]], index[row["locus_b"]]]
        # PLINK prints 6 significant digits
        assert row["r2"] == pytest.approx(expected, rel=1e-5, abs=1e-9)
