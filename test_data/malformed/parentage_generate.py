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
    # a catalogue of the same individuals T1-T5 for --catalogue with the date rules, in which T2's
    # first_seen is not a date (month 13)
    "parentage_catalogue_bad_date/catalogue.json": (
        '{"format": "genmon-catalogue", "format_version": 1, "species": null, "id_pattern": "T{n:d}",\n'
        ' "next_number": 6, "panel": {"loci": ["FCA441", "F53", "F124"], "kinds": ["STR", "STR", "STR"],\n'
        ' "ploidy": 2, "calibration": null}, "created": "2026-12-01T00:00:00+00:00",\n'
        ' "updated": "2026-12-01T00:00:00+00:00", "batches": []}\n'
    ),
    "parentage_catalogue_bad_date/individuals.tsv": (
        "individual\tstatus\tmerged_into\tn_samples\tfirst_seen\tlast_seen\tsex\tspecies\tFCA441\tF53\tF124\n"
        "T1\tactive\t\t2\t2021-04-02\t2024-10-11\tF\t\t165/169\t176/200\t203/215\n"
        "T2\tactive\t\t1\t2021-13-05\t2021-13-05\tM\t\t169/173\t180/200\t199/203\n"
        "T3\tactive\t\t3\t2022-01-20\t2024-02-01\tF\t\t165/173\t176/184\t203/207\n"
        "T4\tactive\t\t1\t2024-06-30\t2024-06-30\t\t\t165/169\t176/180\t203/203\n"
        "T5\tactive\t\t2\t2024-07-15\t2024-11-02\t\t\t169/173\t200/184\t199/215\n"
    ),
    # population allele frequencies for parentage_candidate_no_sex.csv that lack allele 184 of F53
    # (carried by T3 and T5)
    "parentage_frequencies_missing_allele.tsv": (
        "locus\tallele\tfrequency\n"
        "FCA441\t165\t0.4\nFCA441\t169\t0.35\nFCA441\t173\t0.25\n"
        "F53\t176\t0.5\nF53\t180\t0.2\nF53\t200\t0.3\n"
        "F124\t199\t0.2\nF124\t203\t0.4\nF124\t207\t0.1\nF124\t215\t0.3\n"
    ),
    "parentage_catalogue_bad_date/samples.tsv": "sample\tindividual\tbatch\tdate\tstatus\n",
    "parentage_catalogue_bad_date/events.tsv": "time\tbatch\tevent\tindividual\tother\tsample\tdetails\n",
}

if __name__ == "__main__":
    for name, text in FILES.items():
        (HERE / name).parent.mkdir(exist_ok=True)
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
