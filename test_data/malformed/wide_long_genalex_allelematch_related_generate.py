"""Write the malformed wide, long, GenAlEx, allelematch and related files in this folder.

Run from the repository root:
``python test_data/malformed/wide_long_genalex_allelematch_related_generate.py``.
Each file holds one kind of defect (named after the file) in an otherwise
valid file of its format; tests/test_io_tabular_malformed.py checks the exact
messages and the exit code 3 of ``genmon validate`` and ``genmon convert``.
Sample names follow the Amur tiger naming of the DOMAIN notes (RU-0001);
genotypes are made up (FCA441, F53, F124 sizes as in the DOMAIN examples).
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    # wide: alleles that are not whole numbers (letter O for zero; a typo "17b")
    "wide_non_numeric_allele.csv": (
        "sample,pop,FCA441_1,FCA441_2,F53_1,F53_2\n"
        "RU-0001,LLNP,165,169,176,200\n"
        "RU-0002,LLNP,169,1O9,176,176\n"
        "RU-0003,LLNP,165,165,17b,200\n"
    ),
    # wide: a third allele column for F53, filled on one row of a diploid table
    "wide_three_alleles.csv": (
        "sample,pop,FCA441_1,FCA441_2,F53_1,F53_2,F53_3,F124_1,F124_2\n"
        "RU-0001,LLNP,165,169,176,200,,203,215\n"
        "RU-0002,LLNP,169,169,176,200,204,199,203\n"
    ),
    # wide: the same sample twice, without a replicate column
    "wide_duplicate_sample.csv": (
        "sample,pop,FCA441_1,FCA441_2,F53_1,F53_2\n"
        "RU-0001,LLNP,165,169,176,200\n"
        "RU-0002,LLNP,169,169,176,176\n"
        "RU-0003,LLNP,165,165,188,200\n"
        "RU-0002,LLNP,169,169,176,180\n"
    ),
    # wide: one row with a value beyond the header, one truncated row
    "wide_ragged_row.csv": (
        "sample,pop,FCA441_1,FCA441_2,F53_1,F53_2\n"
        "RU-0001,LLNP,165,169,176,200,203\n"
        "RU-0002,LLNP,169,169,176\n"
        "RU-0003,LLNP,165,165,188,200\n"
    ),
    # wide: no sample column
    "wide_no_sample_column.csv": ("name,pop,FCA441_1,FCA441_2\nRU-0001,LLNP,165,169\n"),
    # wide: an empty file
    "wide_empty.csv": "",
    # long: the same sample, replicate and locus twice
    "long_duplicate_row.csv": (
        "sample,replicate,locus,allele_1,allele_2\n"
        "RU-0001,P1,FCA441,165,169\n"
        "RU-0001,P1,F53,176,200\n"
        "RU-0001,P2,FCA441,165,\n"
        "RU-0001,P1,FCA441,165,165\n"
    ),
    # long: a misspelt column
    "long_unknown_column.csv": (
        "sample,replicate,locus,allele_1,alele_2\nRU-0001,P1,FCA441,165,169\n"
    ),
    # long: a spare allele_3 column filled for a diploid
    "long_three_alleles.csv": (
        "sample,replicate,locus,allele_1,allele_2,allele_3\n"
        "RU-0001,P1,FCA441,165,169,\n"
        "RU-0001,P1,F53,176,200,204\n"
    ),
    # long: two populations for one sample
    "long_inconsistent_metadata.csv": (
        "sample,pop,locus,allele_1,allele_2\n"
        "RU-0001,LLNP,FCA441,165,169\n"
        "RU-0001,LLNP,F53,176,200\n"
        "RU-0002,LLNP,FCA441,169,169\n"
        "RU-0002,NETLNP,F53,176,176\n"
    ),
    # GenAlEx: a header row of names added above the counts row
    "genalex_bad_header.csv": (
        "Loci,Samples,Pops,LLNP\n"
        "2,2,1,2\n"
        "Amur test,,,LLNP\n"
        "Sample,Pop,FCA441,,F53,\n"
        "RU-0001,LLNP,165,169,176,200\n"
        "RU-0002,LLNP,169,169,0,0\n"
    ),
    # GenAlEx: row 1 counts disagree with the rows (5 samples said, 4 given; sizes 3+2 said, 2+2 given)
    "genalex_wrong_counts.csv": (
        "2,5,2,3,2\n"
        "Amur test,,,RU-LLNP,CN-NETLNP\n"
        "Sample,Pop,FCA441,,F53,\n"
        "RU-0001,RU-LLNP,165,169,176,200\n"
        "RU-0002,RU-LLNP,169,169,0,0\n"
        "CN-0010,CN-NETLNP,165,165,188,200\n"
        "CN-0011,CN-NETLNP,165,169,176,188\n"
    ),
    # allelematch: LOC2a has no LOC2b
    "allelematch_odd_columns.csv": (
        "sampleId,knownIndividual,LOC1a,LOC1b,LOC2a,LOC3a,LOC3b\n"
        "1,AAA,103,108,201,314,318\n"
        "2,AAA,103,108,201,314,318\n"
    ),
    # allelematch: a non-numeric allele
    "allelematch_non_numeric_allele.csv": (
        "sampleId,knownIndividual,LOC1a,LOC1b,LOC2a,LOC2b\n"
        "1,AAA,103,108,201,201\n"
        "2,AAB,103,x,-99,-99\n"
    ),
    # related: a row that lost its last allele
    "related_ragged_row.txt": (
        "RU-0001 165 169 176 200\nRU-0002 169 169 176\nRU-0003 165 165 188 200\n"
    ),
    # related: a negative size that is not a missing code
    "related_negative_allele.txt": ("RU-0001 165 169 176 200\nRU-0002 169 -5 176 176\n"),
}


def main() -> None:
    for name, text in FILES.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
