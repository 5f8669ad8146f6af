"""Write the malformed parentage inputs in this folder.

Run from the repository root: ``python test_data/malformed/parentage_generate.py``.
Each file holds one defect (named after the file); tests/test_relate_parentage.py
checks the exact messages and the exit code 3 of ``genmon parentage``.
Genotypes are made up (FCA441, F53, F124 sizes as in the DOMAIN examples).
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    # an offspring id (O99) that is not in the genotype table the test writes (O0 ... O19)
    "parentage_unknown_offspring.txt": "id\nO0\nO99\n",
    # known mothers without the offspring/mother header
    "parentage_mothers_no_header.tsv": "O0\tF1\nO1\tF2\n",
    # a genotype file where candidate T3 has no sex call, for --sex F
    "parentage_candidate_no_sex.csv": (
        "sample,sex,is_offspring,FCA441_1,FCA441_2,F53_1,F53_2,F124_1,F124_2\n"
        "T1,F,,165,169,176,200,203,215\n"
        "T2,M,,169,173,180,200,199,203\n"
        "T3,,,165,173,176,184,203,207\n"
        "T4,F,yes,165,169,176,180,203,203\n"
        "T5,M,yes,169,173,200,184,199,215\n"
    ),
}

if __name__ == "__main__":
    for name, text in FILES.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
