"""The README's main job, ``bash pipelines/demo.sh OUT``, twice: every file it writes is the
same apart from one timestamp line (the ``timestamp`` of each run manifest and the report's
``Generated`` line)."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from genmon.reports import TIMESTAMP_PREFIX

ROOT = Path(__file__).resolve().parent.parent
TIMESTAMP_LINE = re.compile(r'^\s*"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",?$')


def _demo(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(ROOT / "pipelines/demo.sh"), "demo_out"], cwd=cwd, capture_output=True,
                          text=True, timeout=1200, env=dict(os.environ))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_demo_twice_identical_but_for_timestamps(tmp_path):
    first = _demo(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    before = _files(tmp_path / "demo_out")
    second = _demo(tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    after = _files(tmp_path / "demo_out")
    assert sorted(before) == sorted(after)
    for step in ("species/species.tsv", "species/species.run.json", "sex/sex.tsv", "sex/sex.run.json",
                 "consensus/run.json", "identify/run.json",
                 "markers/run.json", "relate/run.json", "ne/run.json", "census/run.json", "report.html",
                 "report.summary.tsv", "report_tables/species-sex_05_calls_per_sample.tsv"):
        assert step in before, step
    differing = {}
    for name, old in before.items():
        new = after[name]
        if old == new:
            continue
        a, b = old.decode().splitlines(), new.decode().splitlines()
        assert len(a) == len(b), name
        changed = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        differing[name] = changed
        assert len(changed) == 1, (name, changed)
        line = changed[0][1]
        assert TIMESTAMP_LINE.match(line) or line.startswith(f'<p class="note">{TIMESTAMP_PREFIX}'), (name, line)
    # only the run manifests and the report carry a timestamp
    assert all(n.endswith("run.json") or n == "report.html" for n in differing), sorted(differing)
