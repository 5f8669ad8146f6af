"""VCF and BCF through pysam."""

from __future__ import annotations

import allel
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, InputError, Locus
from genmon.cli import cli
from genmon.io import detect_format, read_genotypes, write_genotypes
from genmon.io.vcf import read_vcf, write_vcf

SMALL_IDS = ["pti_snp001", "pti_snp002", "chrA1:5871", "pti_snp004", "pti_snp005", "pti_snp006"]


@pytest.fixture
def small(test_data):
    return read_vcf(test_data / "vcf" / "small.vcf")


def _snp_table(rng: np.random.Generator, n: int = 7) -> GenotypeTable:
    """A synthetic SNP panel with AD and DP; locus 1 is tri-allelic."""
    tables = [("A", "G"), ("C", "T", "G"), ("G", "A"), ("T", "C"), ("A", "AT")]
    m = len(tables)
    calls = np.zeros((n, m, 2), dtype=np.int16)
    ad = np.full((n, m, 3), -1, dtype=np.int32)
    for j, alleles in enumerate(tables):
        calls[:, j] = rng.integers(0, len(alleles), size=(n, 2))
        ad[:, j, : len(alleles)] = rng.integers(0, 40, size=(n, len(alleles)))
    calls[rng.random((n, m)) < 0.15] = -1
    calls[0, 0] = [0, -1]  # a partially missing call
    ad[1, 2] = -1  # AD missing for one call
    dp = np.where(ad.max(axis=2) >= 0, np.where(ad < 0, 0, ad).sum(axis=2), -1).astype(np.int32)
    dp[2, 3] = -1
    loci = tuple(
        Locus(
            f"snp{j}",
            alleles,
            kind="SNP",
            chrom="chrA1" if j < 3 else "chrB2",
            position=100 * (j + 1),
        )
        for j, alleles in enumerate(tables)
    )
    samples = pd.DataFrame({"sample_id": [f"RU-{i:04d}" for i in range(n)]})
    phased = np.zeros((n, m), dtype=bool)
    phased[3, 1] = True
    return GenotypeTable(
        calls, loci, samples, {"call_AD": ad, "call_DP": dp, "call_genotype_phased": phased}
    )


def test_small_vcf(small):
    assert list(small.sample_id) == [
        "RU-0001_X1_P1",
        "RU-0001_X1_P2",
        "CN-0010_X1_P1",
        "CN-0010_X1_P2",
    ]
    assert small.locus_id == SMALL_IDS
    assert [locus.alleles for locus in small.loci] == [
        ("A", "G"),
        ("C", "T", "G"),
        ("G", "A"),
        ("T", "C"),
        ("A",),
        ("C", "A"),
    ]
    assert all(locus.kind == "SNP" for locus in small.loci)
    assert (small.loci[2].chrom, small.loci[2].position) == ("chrA1", 5871)
    assert small.attrs["vcf_contigs"] == {"chrA1": 239000000, "chrB2": 153000000}
    # pti_snp002: 1/2, 1/2, 0/0, ./.
    assert small.call_genotype[:, 1].tolist() == [[1, 2], [1, 2], [0, 0], [-1, -1]]
    assert small.call_data["call_AD"][:, 1].tolist() == [
        [0, 8, 11],
        [1, 6, 5],
        [30, 0, 0],
        [-1, -1, -1],
    ]
    assert small.call_data["call_AD"][0, 4].tolist() == [18, -1, -1]  # one allele at pti_snp005
    assert small.call_data["call_DP"][:, 5].tolist() == [14, 6, 23, -1]
    assert small.call_data["call_genotype_phased"][:, 2].tolist() == [True, True, False, False]
    assert small.call_data["call_genotype_phased"].sum() == 2


def test_small_vcf_agrees_with_scikit_allel(test_data, small):
    # scikit-allel 1.3 read_vcf is an independent parser of the same file.
    d = allel.read_vcf(
        str(test_data / "vcf" / "small.vcf"),
        fields=["calldata/GT", "calldata/AD", "calldata/DP", "variants/ID", "variants/POS"],
        alt_number=2,
    )
    np.testing.assert_array_equal(small.call_genotype.transpose(1, 0, 2), d["calldata/GT"])
    np.testing.assert_array_equal(small.call_data["call_AD"].transpose(1, 0, 2), d["calldata/AD"])
    np.testing.assert_array_equal(small.call_data["call_DP"].T, d["calldata/DP"])
    assert [locus.position for locus in small.loci] == d["variants/POS"].tolist()


@pytest.mark.parametrize("name", ["t.vcf", "t.vcf.gz", "t.bcf"])
def test_round_trip_synthetic(tmp_path, rng, name):
    t = _snp_table(rng)
    out = tmp_path / name
    write_genotypes(t, out)
    assert detect_format(out) == ("bcf" if name.endswith(".bcf") else "vcf")
    back = read_genotypes(out)
    assert back.locus_id == t.locus_id and list(back.sample_id) == list(t.sample_id)
    assert back.loci == t.loci
    np.testing.assert_array_equal(back.call_genotype, t.call_genotype)
    for key in ("call_AD", "call_DP", "call_genotype_phased"):
        np.testing.assert_array_equal(back.call_data[key], t.call_data[key])


def test_round_trip_small_file(tmp_path, small):
    out = tmp_path / "again.vcf"
    write_vcf(small, out)
    text = out.read_text()
    assert "##contig=<ID=chrA1,length=239000000>" in text and "##source=genmon " in text
    assert "\nchrA1\t5871\t.\tG\tA\t" in text  # a CHROM:POS name goes back to ID "."
    back = read_vcf(out)
    assert back.loci == small.loci
    np.testing.assert_array_equal(back.call_genotype, small.call_genotype)
    for key, arr in small.call_data.items():
        np.testing.assert_array_equal(back.call_data[key], arr)


def test_replicate_columns(tmp_path, rng):
    t = _snp_table(rng).subset([0, 1], [0])
    t = t.with_samples(
        t.samples.assign(
            sample_id=["RU-0001", "RU-0001"], replicate_id=["RU-0001_P1", "RU-0001_P2"]
        )
    )
    write_vcf(t, tmp_path / "r.vcf")
    assert list(read_vcf(tmp_path / "r.vcf").sample_id) == ["RU-0001_P1", "RU-0001_P2"]
    t2 = t.with_samples(t.samples.assign(replicate_id=[pd.NA, pd.NA]))
    with pytest.raises(InputError) as exc:
        write_vcf(t2, tmp_path / "d.vcf")
    assert str(exc.value) == (
        f"{tmp_path / 'd.vcf'}: found repeated sample columns RU-0001, "
        "expected one column name per row (fill replicate_id for PCR replicates)"
    )


def test_writer_refuses_str_tables(tmp_path):
    t = GenotypeTable.from_alleles(
        [[[165, 169], [176, 200]]], ["FCA441", "F53"], sample_ids=["RU-0001"]
    )
    out = tmp_path / "str.vcf"
    with pytest.raises(InputError) as exc:
        write_genotypes(t, out)
    assert str(exc.value) == (
        f"{out}: found 2 non-SNP loci (FCA441, F53), expected SNP loci only: VCF is for SNP panels; "
        "write microsatellites as genepop, structure, fstat or a lab table"
    )
    assert not out.exists()
    snp = GenotypeTable.from_alleles([[["A", "G"]]], ["rs1"], kinds="SNP", sample_ids=["a"])
    with pytest.raises(InputError) as exc:
        write_vcf(snp, out)
    assert str(exc.value) == (
        f"{out}, locus rs1: found no chromosome and position, expected loci placed on the genome (chrom, position)"
    )


def test_duplicate_ids(tmp_path, test_data):
    text = (test_data / "vcf" / "small.vcf").read_text().replace("pti_snp004", "pti_snp001")
    p = tmp_path / "dup.vcf"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_vcf(p)
    assert str(exc.value) == (
        f'{p}, line 12, locus pti_snp001: found a second record with ID "pti_snp001" (first on line 9), '
        "expected unique IDs (or '.' to name loci CHROM:POS)"
    )


def test_compressed_and_binary_malformed_files(tmp_path, test_data):
    import pysam

    # BGZF text is decompressed and checked line by line like plain text.
    src = test_data / "malformed" / "vcf_truncated.vcf"
    gz = tmp_path / "trunc.vcf.gz"
    pysam.tabix_compress(str(src), str(gz))
    with pytest.raises(InputError) as exc:
        read_vcf(gz)
    assert str(exc.value) == (
        f"{gz}, line 7, locus pti_snp002: found 4 tab-separated columns, expected 11 (9 fixed + 2 samples)"
    )
    # A cut BGZF file: htslib's own message is passed on.
    pysam.tabix_compress(
        str(test_data / "vcf" / "small.vcf"), str(tmp_path / "small.vcf.gz"), force=True
    )
    data = (tmp_path / "small.vcf.gz").read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[:-100])
    with pytest.raises(InputError) as exc:
        read_vcf(cut)
    assert str(exc.value).startswith(f"{cut}: found a header htslib cannot read (")
    # BCF has no text to check, but an index beyond ALT (which htslib reads as missing) is caught.
    text = (test_data / "vcf" / "small.vcf").read_text().replace("1/1:0,22:22", "0/5:0,22:22")
    (tmp_path / "bad.vcf").write_text(text)
    bcf = tmp_path / "bad.bcf"
    with (
        pysam.VariantFile(str(tmp_path / "bad.vcf")) as a,
        pysam.VariantFile(str(bcf), "wb", header=a.header) as b,
    ):
        for rec in a:
            b.write(rec)
    with pytest.raises(InputError) as exc:
        read_vcf(bcf)
    assert str(exc.value) == (
        f'{bcf}, sample CN-0010_X1_P1, locus pti_snp001: found GT "0/5", expected allele indices 0-1'
    )


@pytest.mark.parametrize(
    "name,messages",
    [
        (
            "vcf_bad_gt.vcf",
            [
                'line 7, sample RU-0001_X1_P2, locus pti_snp001: found GT "0/A", '
                "expected allele indices or '.' separated by / or |",
                'line 8, sample RU-0001_X1_P1, locus pti_snp002: found GT "0/2", expected allele indices 0-1 (REF C, ALT T)',
            ],
        ),
        (
            "vcf_truncated.vcf",
            [
                "line 7, locus pti_snp002: found 4 tab-separated columns, expected 11 (9 fixed + 2 samples)"
            ],
        ),
    ],
)
def test_malformed_vcf(test_data, tmp_path, name, messages):
    path = test_data / "malformed" / name
    with pytest.raises(InputError) as exc:
        read_genotypes(path)
    assert str(exc.value).splitlines() == [f"{path}, {m}" for m in messages]
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr == "".join(f"error: {path}, {m}\n" for m in messages)
    out = tmp_path / "o.vcf"
    result = runner.invoke(cli, ["convert", str(path), "-o", str(out)])
    assert result.exit_code == 3 and not out.exists()


def test_cli_convert_vcf_to_bcf(test_data, tmp_path):
    out = tmp_path / "small.bcf"
    result = CliRunner().invoke(
        cli, ["convert", str(test_data / "vcf" / "small.vcf"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    back = read_genotypes(out)
    assert back.attrs["source_format"] == "bcf" and back.locus_id == SMALL_IDS
    result = CliRunner().invoke(cli, ["validate", str(out)])
    assert result.exit_code == 0 and "4 samples x 6 loci" in result.stdout
