"""Write test_data/demo/detectors.tsv: the demo's scat-search grid as SCR detectors.

5 km x 5 km search cells over the simulated 60 x 45 km study area (x/y metres from its
south-west corner, as in sample_sheet.csv), each searched on all 4 occasions.
Run from the repository root: python test_data/demo/make_detectors.py
"""

from pathlib import Path

CELL = 5000
WIDTH, HEIGHT, OCCASIONS = 60000, 45000, 4

lines = ["# written by: python test_data/demo/make_detectors.py", "detector\tx\ty\tusage"]
for row, y in enumerate(range(CELL // 2, HEIGHT, CELL)):
    for col, x in enumerate(range(CELL // 2, WIDTH, CELL)):
        lines.append(f"G{row:02d}{col:02d}\t{x}\t{y}\t{'1' * OCCASIONS}")
(Path(__file__).resolve().parent / "detectors.tsv").write_text("\n".join(lines) + "\n")
