"""Write the relatedness inputs with one defect each in this folder.

Run from the repository root: ``python test_data/malformed/relate_generate.py``.
tests/test_relate_inputs.py checks the warnings ``genmon relate`` gives for them.
Genotypes are made up (FCA441, F53, F124-like sizes), in the related package's format
(``0`` missing).
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent

FILES = {
    # RU-0003 is typed at no locus
    "relate_untyped_individual.txt": (
        "RU-0001 165 169 176 200 203 215\n"
        "RU-0002 169 173 176 176 199 203\n"
        "RU-0003 0 0 0 0 0 0\n"
        "RU-0004 165 173 180 200 203 207\n"
    ),
    # the second locus shows allele 176 only
    "relate_monomorphic_locus.txt": (
        "RU-0001 165 169 176 176 203 215\n"
        "RU-0002 169 173 176 176 199 203\n"
        "RU-0003 165 165 176 176 207 215\n"
        "RU-0004 165 173 176 176 203 207\n"
    ),
    # the second locus failed in every individual
    "relate_untyped_locus.txt": (
        "RU-0001 165 169 0 0 203 215\n"
        "RU-0002 169 173 0 0 199 203\n"
        "RU-0003 165 165 0 0 207 215\n"
        "RU-0004 165 173 0 0 203 207\n"
    ),
    "relate_one_typed_locus.txt": (
        "RO-0001 165 169 181 185 203 215\n"
        "RO-0002 169 173 0 0 199 203\n"
        "RO-0003 165 165 0 0 207 215\n"
        "RO-0004 165 173 0 0 203 207\n"
    ),
}

if __name__ == "__main__":
    for name, text in FILES.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
