"""genmon report: sections as the data allow, embedded figures, determinism."""

import re

import pytest
from click.testing import CliRunner

from genmon import GenotypeTable, write_genotypes
from genmon.cli import cli
from genmon.reports import TIMESTAMP_PREFIX, render_report


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A small run: relate on 25 individuals and census on the wombat class table."""
    import numpy as np

    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(3)
    vals = rng.choice([150, 152, 156, 160], size=(25, 6, 2))
    table = GenotypeTable.from_alleles(vals, [f"L{i}" for i in range(6)], sample_ids=[f"PPO-{i:03d}" for i in range(25)])
    write_genotypes(table, root / "individuals.csv", "wide")
    runner = CliRunner()
    for args in (["relate", str(root / "individuals.csv"), "-o", str(root / "relate")],
                 ["census", "test_data/capwire/wombat.csv", "-o", str(root / "census"), "--seed", "1",
                  "--bootstraps", "50", "--orders", "50"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.stderr
    return root


def _strip_timestamp(html: str) -> str:
    return "\n".join(line for line in html.splitlines() if TIMESTAMP_PREFIX not in line)


def test_sections_figures_and_no_external_resources(run_dir):
    html = render_report(run_dir)
    assert '<h2 id="relate">' in html and '<h2 id="census">' in html
    assert '<h2 id="markers">' not in html  # no markers step in this run
    # every figure the steps wrote is embedded inline
    expected = len(list((run_dir / "relate").glob("*.svg"))) + len(list((run_dir / "census").glob("*.svg")))
    assert html.count("<svg") == expected
    # nothing is loaded from elsewhere: no src/href pointing outside the document
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_deterministic_apart_from_timestamp(run_dir, tmp_path):
    runner = CliRunner()
    for name in ("a.html", "b.html"):
        result = runner.invoke(cli, ["report", str(run_dir), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.stderr
    a = (tmp_path / "a.html").read_text()
    b = (tmp_path / "b.html").read_text()
    assert sum(TIMESTAMP_PREFIX in line for line in a.splitlines()) == 1
    # the report's own command line names its output file; everything else is identical
    assert _strip_timestamp(a).replace("a.html", "X") == _strip_timestamp(b).replace("b.html", "X")
    assert (tmp_path / "a.summary.tsv").read_text() == (tmp_path / "b.summary.tsv").read_text()


def test_empty_run_directory_is_an_input_error(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 3
    assert "no genmon step outputs" in result.stderr
