import numpy as np
import pandas as pd
import pytest

from genmon import GenotypeTable, Locus, ModelError


def test_numeric_and_object_paths_agree():
    values = np.array([[[165, 169], [176, -1]], [[169, 169], [-1, -1]], [[161, 165], [200, 176]]])
    fast = GenotypeTable.from_alleles(values, ["FCA441", "F53"])
    slow = GenotypeTable.from_alleles(values.astype(object), ["FCA441", "F53"])
    assert fast.loci == slow.loci
    np.testing.assert_array_equal(fast.call_genotype, slow.call_genotype)
    assert fast.loci[0].alleles == (161, 165, 169)
    # 165/169 -> indices 1/2 in the sorted table
    assert fast.call_genotype[0, 0].tolist() == [1, 2]
    np.testing.assert_array_equal(fast.allele_values(), values)


def test_float_sizes_with_nan_missing():
    t = GenotypeTable.from_alleles(np.array([[[165.0, np.nan]]]), ["A"], missing=None)
    assert t.call_genotype.tolist() == [[[0, -1]]]
    with pytest.raises(ModelError, match="whole numbers"):
        GenotypeTable.from_alleles(np.array([[[165.5, 167.0]]]), ["A"])


def test_snp_alleles_keep_fixed_table():
    t = GenotypeTable.from_alleles(
        [[["G", "G"]], [["A", "G"]]], ["snp1"], kinds="SNP", locus_info={"snp1": {"alleles": ("A", "G")}}
    )
    assert t.loci[0].alleles == ("A", "G")
    assert t.call_genotype[:, 0].tolist() == [[1, 1], [0, 1]]
    assert t.to_allel().shape == (1, 2, 2)


def test_invariants():
    with pytest.raises(ModelError, match="duplicate locus names"):
        GenotypeTable(np.zeros((1, 2, 2), np.int16), (Locus("A", (1,)), Locus("A", (1,))))
    with pytest.raises(ModelError, match="beyond its allele table"):
        GenotypeTable(np.full((1, 1, 2), 3, np.int16), (Locus("A", (1, 2)),))
    with pytest.raises(ModelError, match="kind"):
        Locus("A", (1,), kind="XYZ")
    with pytest.raises(ModelError, match="3 rows for 1"):
        GenotypeTable(np.zeros((1, 1, 2), np.int16), (Locus("A", (1,)),), pd.DataFrame({"sample_id": list("abc")}))


def test_subset_and_compare():
    t = GenotypeTable.from_alleles(
        [[[165, 169], [176, 200]], [[169, 169], [-1, -1]]], ["FCA441", "F53"], sample_ids=["a", "b"]
    )
    s = t.subset(samples=[1], loci=["F53"])
    assert list(s.sample_id) == ["b"] and s.locus_id == ["F53"]
    swapped = GenotypeTable.from_alleles(
        [[[169, 165], [200, 176]], [[169, 169], [-1, -1]]], ["FCA441", "F53"], sample_ids=["a", "b"]
    )
    assert t.same_genotypes(swapped)
    assert not t.same_genotypes(swapped, ordered=True)
    other = GenotypeTable.from_alleles(
        [[[165, 169], [176, 204]], [[169, 169], [-1, -1]]], ["FCA441", "F53"], sample_ids=["a", "b"]
    )
    assert t.describe_difference(other) == "sample a, locus F53: [176, 200] != [176, 204]"


def test_metadata_columns_are_typed():
    t = GenotypeTable.from_alleles([[[1, 2]]], ["A"], samples=pd.DataFrame({"sample_id": ["s"], "x": ["5.5"], "note": [3]}))
    assert t.samples["x"].dtype == np.float64
    assert str(t.samples["sample_id"].dtype) == "string"
    assert t.samples["note"].tolist() == [3]
    assert pd.isna(t.samples.loc[0, "replicate_id"])
