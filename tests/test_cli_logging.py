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


def test_quiet_silences_informational_lines(genotypes, tmp_path):
    # without -q every command says what it wrote; with -q stderr stays empty
    for args in (("convert", genotypes, "-o", "{d}/g.gen", "--to", "genepop"),
                 ("identify", genotypes, "-o", "{d}/id", "--min-loci", "0"),
                 ("markers", genotypes, "-o", "{d}/m", "--plots", "none", "--ld-permutations", "0")):
        for flags, out in (((), tmp_path / f"loud-{args[0]}"), (("-q",), tmp_path / f"quiet-{args[0]}")):
            out.mkdir()
            res = _genmon(*flags, *[str(a).format(d=out) for a in args])
            assert res.returncode == 0, res.stderr
            if flags:
                assert res.stderr == "", (args[0], res.stderr)
            else:
                assert any(line.startswith("wrote ") for line in res.stderr.splitlines()), (args[0], res.stderr)


def test_quiet_still_prints_errors(test_data, tmp_path):
    res = _genmon("-q", "identify", test_data / "malformed/wide_duplicate_sample.csv", "-o", tmp_path / "m")
    assert res.returncode == 3
    assert res.stderr.startswith("error: ")


def test_commands_print_information_through_the_quiet_aware_helper():
    # a bare click.echo(..., err=True) in a command would ignore -q: only the group's error and
    # warning lines (cli/__init__.py) and the helper itself may write to stderr that way
    import ast
    from pathlib import Path

    import genmon.cli

    offenders = []
    for path in sorted(Path(genmon.cli.__file__).parent.glob("*.py")):
        if path.name in ("__init__.py", "_options.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "echo"
                    and any(k.arg == "err" for k in node.keywords)):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
