"""Write the malformed GeneMapper exports and sample sheets in this folder.

Run from the repository root: ``python test_data/malformed/genemapper_samplesheet_generate.py``.
Each file holds exactly one defect (named after the file) in an otherwise
valid, GeneMapper-like Genotypes Table or field sample sheet; tests in
tests/test_io_genemapper.py and tests/test_samplesheet.py check the exact
messages.  Sample names follow the Amur tiger scat naming of DOMAIN notes
(RU-LLNP-2024-0153); genotypes are made up.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
GM_HEADER = [
    "Sample File", "Sample Name", "Run Name", "Panel", "Marker", "Dye",
    "Allele 1", "Allele 2", "Size 1", "Size 2", "Height 1", "Height 2", "GQ",
]  # fmt: skip
GOOD = [
    ["R1_T0153_A01.fsa", "RU-LLNP-2024-0153", "R1", "Tig1", "FCA441", "B", "165", "169", "165.37", "169.41", "1520", "1388", "0.91"],
    ["R1_T0153_A01.fsa", "RU-LLNP-2024-0153", "R1", "Tig1", "F53", "G", "176", "", "176.02", "", "2210", "", "0.88"],
    ["R1_T0154_A02.fsa", "RU-LLNP-2024-0154", "R1", "Tig1", "FCA441", "B", "169", "173", "169.35", "173.5", "990", "870", "0.86"],
    ["R1_T0154_A02.fsa", "RU-LLNP-2024-0154", "R1", "Tig1", "F53", "G", "?", "", "181.7", "", "450", "", "0.2"],
]  # fmt: skip


def table(header, rows, sep="\t"):
    return "\n".join(sep.join(r) for r in [header, *rows]) + "\n"


def main() -> None:
    # Marker and Allele 1 columns absent (an export with the wrong table setting).
    keep = [k for k, h in enumerate(GM_HEADER) if h not in ("Marker", "Allele 1")]
    (HERE / "genemapper_missing_columns.txt").write_text(
        table([GM_HEADER[k] for k in keep], [[r[k] for k in keep] for r in GOOD])
    )
    # Size 1 on line 3 typed with a letter O: "17O.02".
    rows = [list(r) for r in GOOD]
    rows[1][8] = "17O.02"
    (HERE / "genemapper_non_numeric_size.txt").write_text(table(GM_HEADER, rows))
    # Three Allele/Size/Height triplets and a row with three alleles (diploid).
    h3 = GM_HEADER[:8] + [
        "Allele 3",
        "Size 1",
        "Size 2",
        "Size 3",
        "Height 1",
        "Height 2",
        "Height 3",
        "GQ",
    ]
    rows3 = []
    for r in GOOD:
        rows3.append(r[:8] + [""] + r[8:10] + [""] + r[10:12] + [""] + r[12:])
    rows3[2][6:9] = ["165", "169", "173"]
    rows3[2][9:12] = ["165.3", "169.4", "173.4"]
    rows3[2][12:15] = ["900", "850", "610"]
    (HERE / "genemapper_three_alleles_diploid.txt").write_text(table(h3, rows3))
    # An allele label that is not a whole number ("1O4", letter O).
    rows = [list(r) for r in GOOD]
    rows[2][7] = "1O4"
    (HERE / "genemapper_bad_allele.txt").write_text(table(GM_HEADER, rows))

    sheet_header = [
        "Sample ID",
        "Sample type",
        "Date",
        "Latitude",
        "Longitude",
        "Collector",
        "Reserve",
        "Country",
    ]
    sheet = [
        [
            "RU-LLNP-2024-0153",
            "scat",
            "2024-01-14",
            "43.1032",
            "131.5561",
            "Ivanov",
            "Land of the Leopard",
            "RU",
        ],
        [
            "RU-LLNP-2024-0154",
            "hair",
            "15.01.2024",
            "43.0871",
            "131.4920",
            "Petrova",
            "Land of the Leopard",
            "RU",
        ],
        [
            "RU-LLNP-2024-0155",
            "scat",
            "2024-01-16",
            "43.2230",
            "131.6012",
            "Ivanov",
            "Land of the Leopard",
            "RU",
        ],
    ]

    def write_sheet(name, rows, header=sheet_header):
        (HERE / name).write_text(table(header, rows, sep=","))

    bad = [list(r) for r in sheet]
    bad[1][2] = "2024-02-30"
    write_sheet("samplesheet_bad_date.csv", bad)
    bad = [list(r) for r in sheet]
    bad[2][0] = "RU-LLNP-2024-0153"
    write_sheet("samplesheet_duplicate_id.csv", bad)
    bad = [list(r) for r in sheet]
    bad[0][3] = "143.1032"
    write_sheet("samplesheet_bad_latitude.csv", bad)
    bad = [list(r) for r in sheet]
    bad[2][1] = "urine"
    write_sheet("samplesheet_unknown_type.csv", bad)
    write_sheet("samplesheet_no_id_column.csv", [r[1:] for r in sheet], sheet_header[1:])


if __name__ == "__main__":
    main()
