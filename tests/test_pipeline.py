"""The Snakemake workflow, for real, on the demo season: it produces the report, and after
one input changes only the rules that depend on it run again; the config template, the bin
set, catalogue and database paths and the run manifest."""

import hashlib
import json
import re
import shutil
import sqlite3
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
    "manifest": "run.json",
}


def _run(config: Path, cwd: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "genmon", "pipeline", "run", str(config), "--cores", "2", *extra],
                          cwd=cwd, capture_output=True, text=True, timeout=900)


def _write_config(config: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


def _planned(result: subprocess.CompletedProcess) -> set[str]:
    """The rules a dry run would run (its job table)."""
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout + result.stderr
    if "Nothing to be done" in table:
        return set()
    block = table.split("Job stats:", 1)[1].split("total", 1)[0]
    return {m.group(1) for m in re.finditer(r"^(\w+)\s+\d+$", block, re.M)} - {"all"}


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
    assert rerun == {"census", "report", "manifest"}, rerun

    # the run manifest: version, the config as run, every input's SHA-256, every step's record
    manifest = json.loads((results / "run.json").read_text())
    assert manifest["software"] == "genmon" and manifest["version"]
    assert manifest["parameters"] == config
    assert manifest["seed"] == config["seed"]
    sha = {Path(i["path"]).name: i["sha256"] for i in manifest["inputs"]}
    assert sha["detectors.tsv"] == hashlib.sha256((inputs / "detectors.tsv").read_bytes()).hexdigest()
    assert {"replicates.long.csv", "sample_sheet.csv", "mtdna_reads.fastq", "sex_markers.tsv"} <= set(sha)
    assert set(manifest["steps"]) == {"consensus", "species", "sex", "identify", "markers", "relate", "ne",
                                      "census", "report"}
    for record in manifest["steps"].values():
        assert Path(record).is_file(), record
    assert json.loads(Path(manifest["steps"]["census"]).read_text())["seed"] == config["seed"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", manifest["timestamp"])


def test_config_template_documents_every_key(tmp_path):
    # every key the workflow reads is in pipelines/config.yaml (set or commented out)
    snakefile = (ROOT / "pipelines/Snakefile").read_text()
    template = (ROOT / "pipelines/config.yaml").read_text()
    documented = set(re.findall(r"^\s*#?\s*(\w+):", template, re.M))
    top = set(re.findall(r"config(?:\.get\(|\[)\"(\w+)\"", snakefile))
    sections = {"CON": "consensus", "IDN": "identify", "MRK": "markers", "NE": "ne", "CEN": "census",
                "SPC": "species", "SEX or {}": "sex"}
    nested = set()
    for call in re.findall(r"(?<!def )opts\((\w+(?: or \{\})?), ([^)]*)\)", snakefile):
        assert call[0] in sections, call
        nested |= set(re.findall(r"\"(\w+)\"", call[1]))
    nested |= set(re.findall(r"(?:CEN|SPC|IDN)\.get\(\"(\w+)\"", snakefile))
    assert top and nested
    assert (top | nested) - {"save_catalogue"} <= documented, (top | nested) - documented
    # the template itself runs (dry) once its paths point at real files
    config = yaml.safe_load(template)
    config.update(batch=str(ROOT / "test_data/demo/replicates.long.csv"),
                  sample_sheet=str(ROOT / "test_data/demo/sample_sheet.csv"), output=str(tmp_path / "out"))
    planned = _planned(_run(_write_config(config, tmp_path / "c.yaml"), ROOT, "--dry-run"))
    assert planned == {"validate", "consensus", "identify", "markers", "relate", "ne", "census", "report",
                       "manifest"}


def test_bin_set_calls_raw_sizes_before_consensus(tmp_path):
    # a bin set built on the GeneMapper test batch, then the workflow with raw sizes
    gm = ROOT / "test_data/genemapper/test.genemapper"
    bins, calls = tmp_path / "bins.tsv", tmp_path / "calls.long.csv"
    built = subprocess.run([sys.executable, "-m", "genmon", "bin", "build", str(gm), "--panel", "gm",
                            "--repeat-unit", "1", "-o", str(bins), "-g", str(calls), "--to", "long"],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    config = {"output": str(tmp_path / "out"), "batch": str(gm), "bin_set": str(bins),
              "sample_sheet": str(ROOT / "test_data/demo/sample_sheet.csv"), "batch_format": "genemapper"}
    path = _write_config(config, tmp_path / "c.yaml")
    dry = _run(path, ROOT, "--dry-run")
    assert _planned(dry) >= {"bin", "validate", "consensus", "identify", "report", "manifest"}
    assert f"genmon -v bin apply {gm} {bins} -o {tmp_path}/out/bin/batch0.long.csv --to long" in dry.stdout
    # the called file, not the raw one, goes on (and --from applies to raw files only)
    assert f"genmon -v consensus {tmp_path}/out/bin/batch0.long.csv  --sample-sheet" in dry.stdout
    # without a bin set there is no bin rule
    del config["bin_set"]
    assert "bin" not in _planned(_run(_write_config(config, tmp_path / "c2.yaml"), ROOT, "--dry-run"))
    # the bin rule for real: the same calls as `genmon bin build` made
    real = _run(path, ROOT, "--snakemake-args", f"{tmp_path}/out/bin/batch0.long.csv")
    assert real.returncode == 0, real.stderr[-3000:]
    from genmon import read_genotypes

    assert read_genotypes(tmp_path / "out/bin/batch0.long.csv").same_genotypes(read_genotypes(calls))


def _quick_demo_config(tmp_path: Path) -> dict:
    """The demo config without species calls and with few resamples (the rules are the demo's)."""
    config = yaml.safe_load((ROOT / "pipelines/demo.yaml").read_text())
    for key in ("mtdna_reads", "species"):
        del config[key]
    config["census"]["bootstraps"] = 100
    config["markers"]["ld_permutations"] = 0
    config["output"] = str(tmp_path / "results")
    return config


@pytest.mark.slow
def test_catalogue_is_an_input_of_identify_and_is_not_changed(tmp_path):
    # season 1 starts a catalogue (written to <output>/catalogue/) ...
    first = _quick_demo_config(tmp_path)
    first["identify"]["species"] = "Panthera pardus orientalis"
    first["output"] = str(tmp_path / "season1")
    target = "{out}/identify/individuals.csv"
    res = _run(_write_config(first, tmp_path / "s1.yaml"), ROOT, "--snakemake-args",
               target.format(out=first["output"]))
    assert res.returncode == 0, res.stderr[-3000:]
    catalogue = tmp_path / "catalogue"
    shutil.copytree(tmp_path / "season1/catalogue", catalogue)
    digest = {f.name: f.read_bytes() for f in catalogue.iterdir()}
    # ... which the second run matches against, saving the update in its own output folder
    second = _quick_demo_config(tmp_path)
    second["catalogue"] = str(catalogue)
    second["output"] = str(tmp_path / "season2")
    path = _write_config(second, tmp_path / "s2.yaml")
    res = _run(path, ROOT, "--snakemake-args", target.format(out=second["output"]))
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"--catalogue {catalogue} --save-catalogue {tmp_path}/season2/catalogue" in res.stdout + res.stderr
    assert {f.name: f.read_bytes() for f in catalogue.iterdir()} == digest  # the input is left as it was
    saved = json.loads((tmp_path / "season2/catalogue/catalogue.json").read_text())
    assert len(saved["batches"]) == 2
    summary = json.loads((tmp_path / "season2/identify/run.json").read_text())
    assert str(catalogue / "catalogue.json") in {i["path"] for i in summary["inputs"]}
    # a changed catalogue reruns identify and what follows it, not consensus
    time.sleep(1.1)
    cat_json = catalogue / "catalogue.json"
    cat_json.write_text(json.dumps(json.loads(cat_json.read_text()), indent=1))
    planned = _planned(_run(path, ROOT, "--dry-run", "--snakemake-args", target.format(out=second["output"])))
    assert planned == {"identify"}, planned


@pytest.mark.slow
def test_database_workflow_on_sqlite(tmp_path):
    config = _quick_demo_config(tmp_path)
    db = tmp_path / "monitoring.sqlite"
    config.update(database=str(db), project="RU-LLNP-2024")
    path = _write_config(config, tmp_path / "db.yaml")
    res = _run(path, ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    results = tmp_path / "results"
    log = res.stdout + res.stderr
    assert "genmon -v db init --db" in log and "--project RU-LLNP-2024" in log
    assert "genmon -v consensus --db" in log and "genmon -v identify --db" in log
    assert "genmon -v census --db" in log
    with sqlite3.connect(db) as conn:
        n_individuals = conn.execute("select count(*) from individuals").fetchone()[0]
        n_batches = conn.execute("select count(*) from batches").fetchone()[0]
    assert n_batches == 1
    individuals = (results / "identify/individuals.tsv").read_text().splitlines()
    assert n_individuals == len(individuals) - 1 > 10
    html = (results / "report.html").read_text()
    assert "Abundance" in html and "Individual identification" in html
    assert json.loads((results / "identify/run.json").read_text())["parameters"]["catalogue"] == "main"
    manifest = json.loads((results / "run.json").read_text())
    assert manifest["parameters"]["database"] == str(db)
    steps = {step: out for step, out in STEP_OUTPUTS.items() if step not in ("species", "species_panel")}
    before = {step: (results / out).stat().st_mtime_ns for step, out in steps.items()}
    # the import again: a no-op in the database, its marker the same, so nothing after it reruns
    marker = (results / "db/import.txt").read_text()
    time.sleep(1.1)
    again = _run(path, ROOT, "--snakemake-args", "--forcerun db_import --until db_import")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "is already in the database: nothing imported" in (results / "logs/db_import.log").read_text()
    assert (results / "db/import.txt").read_text() == marker
    rest = _run(path, ROOT)
    assert rest.returncode == 0, rest.stderr[-3000:]
    after = {step: (results / out).stat().st_mtime_ns for step, out in steps.items()}
    assert {step for step in steps if after[step] != before[step]} == set()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from batches").fetchone()[0] == 1
        assert conn.execute("select count(*) from individuals").fetchone()[0] == n_individuals
