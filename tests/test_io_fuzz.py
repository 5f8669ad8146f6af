"""Fuzz every registered reader: bad input may only raise InputError.

For each format in :data:`genmon.io.FORMATS` that has a reader (looked up
when the tests are collected, so formats added later are fuzzed too),
hypothesis feeds

* random bytes,
* random text in a random encoding (UTF-8 with/without BOM, UTF-16 with/without
  BOM, Windows-1251),
* mutations of real files from ``test_data/`` (truncation, deleted or
  duplicated lines, swapped delimiters, injected non-numeric tokens, emptied
  fields, inserted junk lines), re-encoded the same random way,

and checks that the reader either returns a :class:`~genmon.model.GenotypeTable`
or raises :class:`genmon.InputError`, and that every warning it issues is an
:class:`genmon.InputWarning` (``DeprecationWarning``/``ResourceWarning`` from
libraries are not the reader's and are ignored).

The runs are derandomised (the same examples every run) and small; set
``GENMON_FUZZ_EXAMPLES=500`` (and ``GENMON_FUZZ_RANDOM=1`` for fresh examples)
to fuzz harder.  A format whose reader is known to fail is listed in
:data:`KNOWN_FAILURES` with its minimal input and marked xfail until fixed.
"""

from __future__ import annotations

import codecs
import os
import tempfile
import warnings
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genmon import GenotypeTable, InputError, InputWarning
from genmon.io import FORMATS
from genmon.io.samplesheet import read_sample_sheet

TEST_DATA = Path(__file__).resolve().parent.parent / "test_data"
N_EXAMPLES = int(os.environ.get("GENMON_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("GENMON_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

#: format -> (minimal input, exception it raises, why).  A fuzz test of such a format
#: that hits that exception is marked xfail (with the input) instead of failing.  Add an
#: entry when the fuzz tests find a bug in a reader you do not own; remove it once fixed.
KNOWN_FAILURES: dict[str, tuple[bytes, type[Exception], str]] = {}

#: Minimal inputs of bugs these tests found (now fixed), replayed against every reader.
REGRESSIONS: dict[str, bytes] = {
    # genmon/io/_text.py: the cp1251 fallback raised UnicodeDecodeError (0x98 is undefined).
    "byte_undefined_in_cp1251": b"\x98",
    # genmon/io/widecsv.py load_grid: a quote opening a field across a line break made the
    # row mask and the line numbers differ in length (IndexError); wide, long, genalex,
    # allelematch were affected.
    "quote_across_line_break": b'\t"\n\t',
}


READERS = sorted(name for name, spec in FORMATS.items() if spec.reader is not None)
_SKIP_SUFFIXES = {".md", ".py", ".R", ".bam", ".bai", ".gz", ".xlsx", ".gb", ".fna"}
_ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1251")


@cache
def _seed_files() -> tuple[Path, ...]:
    files = [
        p
        for p in sorted(TEST_DATA.rglob("*"))
        if p.is_file() and p.suffix not in _SKIP_SUFFIXES and p.stat().st_size < 200_000
        and "reference" not in p.relative_to(TEST_DATA).parts
    ]  # fmt: skip
    return tuple(files)


@cache
def _seeds(fmt: str) -> tuple[str, ...]:
    """Heads (<= 80 lines) of real files: this format's first, then a few others."""
    spec = FORMATS[fmt]
    own, other = [], []
    for p in _seed_files():
        text = p.read_bytes()[:20_000].decode("utf-8", errors="replace")
        head = "\n".join(text.splitlines()[:80]) + "\n"
        score = spec.sniff(p, head) if spec.sniff is not None else 0.0
        if score >= 0.5 or any(str(p).endswith(ext) for ext in spec.extensions):
            own.append(head)
        else:
            other.append(head)
    return tuple(own + other[:: max(1, len(other) // 4)])


def _suffix(fmt: str) -> str:
    exts = [e for e in FORMATS[fmt].extensions if not e.endswith((".gz", ".bgz"))]
    return exts[0] if exts else ".txt"


def _check(fmt: str, data: bytes) -> None:
    spec = FORMATS[fmt]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"fuzz{_suffix(fmt)}"
        path.write_bytes(data)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                result = spec.reader(path)
            except InputError:
                result = None
            except Exception as exc:
                known = KNOWN_FAILURES.get(fmt)
                if known is not None and isinstance(exc, known[1]):
                    pytest.xfail(f"{known[2]} (input {data[:200]!r})")
                raise
    if result is not None:
        assert isinstance(result, GenotypeTable)
    for w in record:
        if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | ResourceWarning):
            continue
        assert issubclass(w.category, InputWarning), f"{fmt}: {w.category.__name__}: {w.message}"


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\t,; \n\r\"'#?-.0123456789AaCGTpopPOPNA/|:")),
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
    ),
    max_size=600,
)


def _mutated(fmt: str) -> st.SearchStrategy[bytes]:
    return _mutated_from(_seeds(fmt))


@st.composite
def _mutated_from(draw, seeds: tuple[str, ...]) -> bytes:
    lines = draw(st.sampled_from(seeds)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(
                ["truncate", "delete", "duplicate", "swap", "token", "empty", "insert", "cut_line"]
            )
        )
        k = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "truncate":
            text = "\n".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].split("\n")
        elif op == "delete" and lines:
            del lines[k]
        elif op == "duplicate" and lines:
            lines.insert(k, lines[k])
        elif op == "swap":
            a, b = draw(
                st.sampled_from(
                    [("\t", ","), (",", "\t"), (",", ";"), (" ", "\t"), ("\t", " "), (";", ",")]
                )
            )
            lines = [ln.replace(a, b) for ln in lines]
        elif op in ("token", "empty") and lines:
            sep = draw(st.sampled_from(["\t", ",", " ", ";"]))
            fields = lines[k].split(sep)
            i = draw(st.integers(0, len(fields) - 1))
            fields[i] = (
                ""
                if op == "empty"
                else draw(
                    st.sampled_from(
                        ["x", "1O4", "NaN", "inf", "-", "?", "1e999", "½", "--9", "١٢٣"]
                    )
                )
            )
            lines[k] = sep.join(fields)
        elif op == "insert":
            lines.insert(k, draw(_text))
        elif op == "cut_line" and lines:
            lines[k] = lines[k][: draw(st.integers(0, len(lines[k])))]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return _encode(newline.join(lines), draw(st.sampled_from(_ENCODINGS)))


@pytest.mark.parametrize("fmt", READERS)
@FUZZ
@given(data=st.binary(max_size=1500))
def test_random_bytes(fmt, data):
    _check(fmt, data)


@pytest.mark.parametrize("fmt", READERS)
@FUZZ
@given(text=_text, encoding=st.sampled_from(_ENCODINGS))
def test_random_text(fmt, text, encoding):
    _check(fmt, _encode(text, encoding))


@pytest.mark.parametrize("fmt", READERS)
@FUZZ
@given(data=st.data())
def test_mutated_real_files(fmt, data):
    _check(fmt, data.draw(_mutated(fmt)))


@pytest.mark.parametrize("fmt", READERS)
def test_boms_and_utf16_of_real_files(fmt):
    """The first seed files re-encoded every way (BOMs, UTF-16, cp1251) read or fail cleanly."""
    for seed in _seeds(fmt)[:3]:
        for encoding in _ENCODINGS:
            _check(fmt, _encode(seed, encoding))
            _check(fmt, codecs.BOM_UTF8 + seed.encode("utf-8"))


def _check_sheet(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"sheet{suffix}"
        path.write_bytes(data)
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                read_sample_sheet(path)
            except InputError:
                pass
    for w in record:
        if not issubclass(
            w.category, DeprecationWarning | PendingDeprecationWarning | ResourceWarning
        ):
            assert issubclass(w.category, InputWarning), f"{w.category.__name__}: {w.message}"


@cache
def _sheet_seeds() -> tuple[str, ...]:
    return tuple(p.read_text() for p in sorted((TEST_DATA / "malformed").glob("samplesheet_*.csv")))


@FUZZ
@given(data=st.data(), suffix=st.sampled_from([".csv", ".tsv", ".xlsx"]))
def test_sample_sheet_reader(data, suffix):
    """The sample-sheet reader (not a genotype format) under the same mutations."""
    kind = data.draw(st.sampled_from(["bytes", "text", "mutated"]))
    if kind == "bytes":
        raw = data.draw(st.binary(max_size=1500))
    elif kind == "text":
        raw = _encode(data.draw(_text), data.draw(st.sampled_from(_ENCODINGS)))
    else:
        raw = data.draw(_mutated_from(_sheet_seeds()))
    _check_sheet(raw, suffix)


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
@pytest.mark.parametrize("fmt", READERS)
def test_regressions(fmt, name):
    """Inputs that once crashed a reader are read or refused with an InputError."""
    _check(fmt, REGRESSIONS[name])


@pytest.mark.parametrize("name", sorted(REGRESSIONS))
def test_regressions_sample_sheet(name):
    _check_sheet(REGRESSIONS[name], ".csv")


def test_every_reader_is_fuzzed():
    # Guards the parametrisation: formats are read from the registry, not listed by hand.
    assert set(READERS) == {n for n, s in FORMATS.items() if s.reader is not None}
    assert "genemapper" in READERS
