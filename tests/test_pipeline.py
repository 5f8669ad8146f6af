"""The Snakemake workflow, for real, on the demo season: it produces the report, and after
one input changes only the rules that depend on it run again."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("snakemake")

ROOT = Path(__file__).resolve().parent.parent
STEP_OUTPUTS = {
    "validate": "import/validation.txt",
    "consensus": "consensus/consensus.csv",
    "species_panel": "species/panel.fasta",
    "species": "species/species.tsv",
    "sex": "sex/sex.tsv",
    "identify": "identify/individuals.csv",
    "markers": "markers/locus_stats.tsv",
    "relate": "relate/pairs.tsv",
    "ne": "ne/ne.tsv",
    "census": "census/abundance.tsv",
    "report": "report.html",
}


def _run(config: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genmon", "pipeline", "run", str(config), "--cores", "2"],
                          cwd=cwd, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_demo_workflow_reruns_only_what_changed(tmp_path):
    # The demo configuration, with its inputs copied so the test can touch them.
    config = yaml.safe_load((ROOT / "pipelines/demo.yaml").read_text())
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for key in ("batch", "sample_sheet"):
        shutil.copy(ROOT / config[key], inputs)
        config[key] = str(inputs / Path(config[key]).name)
    shutil.copy(ROOT / config["census"]["detectors"], inputs)
    config["census"]["detectors"] = str(inputs / "detectors.tsv")
    config["output"] = str(tmp_path / "results")
    # fewer resamples keep the test quick; the rules and files are the demo's
    config["census"]["bootstraps"] = 100
    config["markers"]["ld_permutations"] = 0
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))

    first = _run(path, ROOT)
    assert first.returncode == 0, first.stderr[-3000:]
    results = tmp_path / "results"
    before = {step: (results / out).stat().st_mtime_ns for step, out in STEP_OUTPUTS.items()}
    html = (results / "report.html").read_text()
    assert "Abundance" in html and "Individual identification" in html
    # species and sex ran before identify, which used them
    assert '<h2 id="species-sex">Species and sex calls</h2>' in html
    assert before["validate"] < before["consensus"] < before["identify"]
    assert before["species"] < before["sex"] < before["identify"]
    assert "valid, 867 replicate rows x 15 loci" in (results / "import/validation.txt").read_text()
    individuals = (results / "identify/individuals.tsv").read_text()
    assert "\tF\t" in individuals and "\tM\t" in individuals
    assert (results / "identify/other_species.tsv").is_file()

    # Change one input that only the census reads: Snakemake 9 reruns a job when an input
    # is newer *and* its content changed (a bare `touch` is not enough).
    time.sleep(1.1)
    with open(inputs / "detectors.tsv", "a") as fh:
        fh.write("# detector grid re-checked in the field\n")
    second = _run(path, ROOT)
    assert second.returncode == 0, second.stderr[-3000:]
    after = {step: (results / out).stat().st_mtime_ns for step, out in STEP_OUTPUTS.items()}
    rerun = {step for step in STEP_OUTPUTS if after[step] != before[step]}
    assert rerun == {"census", "report"}, rerun
