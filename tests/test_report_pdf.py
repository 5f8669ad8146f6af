"""``genmon report --pdf``: the report printed to PDF by headless Chromium or WeasyPrint.

Each engine's test runs where the engine is installed (Chromium: Debian ``chromium``, which
``.ci/run`` installs; WeasyPrint: the ``report`` extra).  Pages and text are read back with
poppler's ``pdfinfo``/``pdftotext`` (Debian ``poppler-utils``).
"""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, write_genotypes
from genmon.cli import cli
from genmon.reports.pdf import find_chromium

POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
ENGINES = [
    pytest.param("chromium", marks=pytest.mark.skipif(find_chromium() is None, reason="no Chromium")),
    pytest.param("weasyprint", marks=pytest.mark.skipif(
        __import__("importlib").util.find_spec("weasyprint") is None, reason="WeasyPrint not installed")),
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Relatedness of 25 individuals (two figures) and a hand-written species table."""
    root = tmp_path_factory.mktemp("pdfrun")
    rng = np.random.default_rng(3)
    vals = rng.choice([150, 152, 156, 160], size=(25, 6, 2))
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(6)], sample_ids=[f"PPO-{i:03d}" for i in range(25)])
    write_genotypes(table, root / "individuals.csv", "wide")
    result = CliRunner().invoke(cli, ["relate", str(root / "individuals.csv"), "-o", str(root / "run/relate")])
    assert result.exit_code == 0, result.stderr
    (root / "run/species").mkdir()
    (root / "run/species/species.tsv").write_text(
        "sample\tcall\tspecies\tgroup\tidentity\tmargin\talignment_length\n"
        "S1\tPanthera pardus\tPanthera pardus\tleopard\t0.99\t0.07\t400\n"
        "S2\tuncertain\tNA\tNA\tNA\tNA\t0\n")
    return root / "run"


def _pdf_text(pdf: Path) -> tuple[int, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


@pytest.mark.parametrize("engine", ENGINES)
def test_pdf_has_pages_and_the_section_titles(run_dir, tmp_path, engine):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(run_dir), "-o", str(out), "--pdf", "--pdf-engine", engine])
    assert result.exit_code == 0, result.stderr
    assert f"report.pdf ({engine})" in result.stderr
    pdf = tmp_path / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000
    if not POPPLER:
        pytest.skip("poppler-utils (pdftotext, pdfinfo) not installed")
    pages, text = _pdf_text(pdf)
    assert pages >= 2
    for title in ("Batch summary", "Species and sex calls", "Uncertain species calls", "Relatedness",
                  "Most related pairs", "Provenance"):
        assert title in text, title


def test_output_named_pdf_writes_the_html_too(run_dir, tmp_path):
    if find_chromium() is None and __import__("importlib").util.find_spec("weasyprint") is None:
        pytest.skip("no PDF engine installed")
    result = CliRunner().invoke(cli, ["report", str(run_dir), "-o", str(tmp_path / "season.pdf")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "season.pdf").stat().st_size > 0
    assert "Species and sex calls" in (tmp_path / "season.html").read_text()
    # and it does not overwrite without --force
    again = CliRunner().invoke(cli, ["report", str(run_dir), "-o", str(tmp_path / "season.pdf")])
    assert again.exit_code == 2 and "exists; use --force" in again.output


def test_missing_engine_is_a_clear_error(run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("GENMON_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = CliRunner().invoke(cli, ["report", str(run_dir), "-o", str(tmp_path / "r.html"), "--pdf",
                                      "--pdf-engine", "chromium"])
    assert result.exit_code == 1
    assert "no Chromium found for PDF output: apt-get install chromium (or set GENMON_CHROMIUM)" in result.stderr
