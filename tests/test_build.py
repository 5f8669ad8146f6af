"""The build: every kernel is compiled and listed, and the version line is honest."""

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import genmon
from genmon._ext import KERNELS, _buildinfo
from genmon.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_every_pyx_is_a_listed_kernel():
    pyx = {p.stem for p in (ROOT / "cython_ext").glob("*.pyx")}
    assert pyx == set(KERNELS)


def test_version_reports_openmp():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"genmon {genmon.__version__} (kernels: ")
    assert ("OpenMP on" in result.stdout) == _buildinfo.openmp_enabled()


def test_missing_kernel_fails_import_with_rebuild_hint(tmp_path):
    # A copy of the package without its compiled modules must refuse to import.
    import shutil

    pkg = tmp_path / "genmon"
    shutil.copytree(ROOT / "genmon", pkg, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    proc = subprocess.run(
        [sys.executable, "-c", "import genmon"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "python -m pip install -e ." in proc.stderr
