"""``-v``/``-vv``/``-q``: genmon's log lines on stderr, and only genmon's."""

import subprocess
import sys

import numpy as np
import pytest

from genmon import GenotypeTable, write_genotypes


@pytest.fixture(scope="module")
def genotypes(tmp_path_factory):
    path = tmp_path_factory.mktemp("log") / "g.csv"
    vals = np.random.default_rng(1).choice([150, 152, 156], size=(12, 4, 2))
    write_genotypes(GenotypeTable.from_alleles(vals, ["A", "B", "C", "D"],
                                               sample_ids=[f"S{i:02d}" for i in range(12)]), path, "wide")
    return path


def _genmon(*args):
    return subprocess.run([sys.executable, "-m", "genmon", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_verbosity_levels(genotypes, tmp_path):
    quiet = _genmon("identify", genotypes, "-o", tmp_path / "a", "--min-loci", "0")
    assert quiet.returncode == 0, quiet.stderr
    assert "INFO:" not in quiet.stderr and "DEBUG:" not in quiet.stderr
    info = _genmon("-v", "identify", genotypes, "-o", tmp_path / "b", "--min-loci", "0")
    assert f"INFO: read {genotypes} (wide): 12 rows x 4 loci" in info.stderr
    assert "INFO: genmon identify: done in " in info.stderr
    assert "DEBUG:" not in info.stderr
    debug = _genmon("-vv", "identify", genotypes, "-o", tmp_path / "c", "--min-loci", "0")
    assert f"DEBUG: input {genotypes}: sha256 " in debug.stderr
    # other libraries' debug logs (matplotlib's font search) are not let through
    assert all(line.startswith(("INFO: ", "DEBUG: ", "wrote ")) for line in debug.stderr.splitlines())
    assert "findfont" not in debug.stderr
    silent = _genmon("-q", "-v", "identify", genotypes, "-o", tmp_path / "d", "--min-loci", "0")
    assert "INFO:" not in silent.stderr


def test_failed_command_logs_that_it_stopped(test_data, tmp_path):
    res = _genmon("-v", "identify", test_data / "malformed/wide_duplicate_sample.csv", "-o", tmp_path / "m")
    assert res.returncode == 3
    assert "INFO: genmon identify: stopped after " in res.stderr and "(InputError)" in res.stderr
    assert "error: " in res.stderr.splitlines()[-1]
