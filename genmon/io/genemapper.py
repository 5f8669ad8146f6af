"""GeneMapper / GeneMarker allele-calling exports ("Genotypes Table").

A GeneMapper (Applied Biosystems, v4/v5 and ID-X) *Genotypes Table* export is
tab-delimited text with **one row per sample file x marker**.  Columns are
user-configurable, so they are found by header *name*, never by position;
GeneMarker (SoftGenetics) report tables and R round trips (``Sample.Name``,
``Allele.1``) are read through the header-alias map :data:`HEADER_ALIASES`.

Conventions of the reader (all visible in real exports):

* ``Allele n`` holds the bin label (the rounded size), ``Size n`` the sized
  fragment in bp and ``Height n`` the peak height in RFU.  Any number of
  ``Allele/Size/Height`` triplets is accepted (2 by default, up to 20 or more
  in GeneMapper ID-X).
* ``?`` (GeneMapper) and ``OL`` (GeneMapper ID-X) mark an **off-ladder** peak:
  a peak outside every bin.  The allele is read as missing, its bp value is
  kept in ``call_data["call_size"]`` and one :class:`OffLadderWarning`
  summarises how many there were.  An off-ladder peak is therefore an allele
  that is missing (``call_genotype == -1``) with a finite ``call_size``.
* An empty allele cell (or a missing code such as ``-9``) is no call.
* **Single-allele convention.**  GeneMapper writes a homozygote with only one
  allele filled.  With ``single_allele="homozygote"`` (the default) a row with
  exactly one peak that is in a bin is read as a homozygote (the allele on
  every chromosome copy, its size and height in the first position only);
  with ``single_allele="partial"`` it is read as one known allele and the rest
  missing.  A row with more peaks than ``ploidy`` is an error.
* Peaks are taken in slot order (``Allele 1``, ``Allele 2``, ...) and packed
  to the front; sizes and heights follow their alleles.
* ``Sample Name`` is the field sample.  **The same Sample Name x Marker may
  appear several times** (re-injections, ``-redo`` panels, replicate PCRs);
  such rows are never merged but become separate replicate rows, see
  :func:`read_genemapper` for how ``replicate_id`` is derived.
* Process-quality values (PQV flags such as ``OS``, ``BIN``, ``PHR`` and the
  genotype quality ``GQ``) are passed through as float arrays in
  ``call_data``: ``call_GQ`` and ``call_pqv_<FLAG>`` (``true``/``false`` read
  as 1/0).  GeneMapper's ``ADO`` flag ("allele display overflow") is *not*
  allelic dropout and is kept as ``call_pqv_ADO``.

Where each call came from is kept: ``call_data["call_source"]`` (int32,
``-1`` where the export had no row) indexes ``attrs["genemapper_sources"]``,
a tuple of ``(Sample File, Sample Name, Run Name, Panel, Dye)``; the samples
table carries ``sample_name``, ``sample_file``, ``run_name`` and ``panel`` per
replicate row (several values joined by ``;``).  The writer uses these to
reproduce the rows, so ``read(write(read(f)))`` equals ``read(f)``.

References
----------
Applied Biosystems (2009) GeneMapper Software Version 4.1 Reference and
Troubleshooting Guide, "Genotypes Table" and "Process Quality Values".
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, InputWarning, ModelError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes, parse_allele
from ._text import parse_float, read_text, split_rows

__all__ = [
    "HEADER_ALIASES",
    "PQV_FLAGS",
    "OffLadderWarning",
    "ReplicateOrderWarning",
    "ReplicateNameWarning",
    "read_genemapper",
    "write_genemapper",
]

#: Normalised header (lower case, no spaces, ``_``, ``.`` or ``-``) -> field.
HEADER_ALIASES: dict[str, str] = {
    "samplefile": "file",
    "samplefilename": "file",
    "filename": "file",
    "file": "file",
    "fsafile": "file",
    "samplename": "name",
    "sample": "name",
    "sampleid": "name",
    "runname": "run",
    "run": "run",
    "runid": "run",
    "runfolder": "run",
    "panel": "panel",
    "panelname": "panel",
    "marker": "marker",
    "markername": "marker",
    "locus": "marker",
    "dye": "dye",
    "dyecolor": "dye",
    "color": "dye",
}

#: GeneMapper process-quality-value columns passed through as ``call_pqv_<FLAG>``.
#: Their codes are numbers (``-2`` seems to mean "not applicable") or ``true``/``false``.
#: Free-text columns (``DAC``, ``CV``, ``UD1``..., comments) are not read.
PQV_FLAGS = (
    "ADO", "AE", "OMIT", "OS", "SHP", "OBA", "SPA", "SP", "BIN", "PHR", "LPH",
    "MPH", "SPU", "SPK", "AN", "BD", "DP", "NB", "CC", "OVL", "XTLK", "ME",
)  # fmt: skip
_BOOL_FLAGS = ("ADO", "AE", "OMIT")
_TRIPLET = re.compile(r"^(allele|size|height)(\d+)$")
_OFF_LADDER = ("?", "OL")
_NONE_TOKENS = frozenset({"", "NA", "N/A", "na", "nan", "NaN"})


class OffLadderWarning(InputWarning):
    """Peaks outside every bin (``?``/``OL``) were read as missing alleles."""


class ReplicateOrderWarning(InputWarning):
    """Repeated rows that only their order in the file could tell apart."""


class ReplicateNameWarning(InputWarning):
    """Sample names that did not match ``replicate_pattern``."""


def _norm(header: str) -> str:
    return re.sub(r"[\s_.\-]+", "", header.strip().lower())


def _natural_key(text: str) -> tuple:
    return tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p
    )


def _parse_header(fields: list[str], log: ProblemLog, line: int) -> dict[Any, int]:
    """Map fields (``"name"``, ``("allele", 1)``, ``("pqv", "OS")``, ...) to columns."""
    cols: dict[Any, int] = {}
    names: dict[Any, str] = {}
    for k, raw in enumerate(fields):
        key: Any = None
        n = _norm(raw)
        up = raw.strip().upper()
        if n in HEADER_ALIASES:
            key = HEADER_ALIASES[n]
        elif (m := _TRIPLET.match(n)) is not None:
            key = (m.group(1), int(m.group(2)))
        elif up == "GQ":
            key = ("gq",)
        elif up in PQV_FLAGS:
            key = ("pqv", up)
        if key is None:
            continue
        if key in cols:
            log.error(
                f'columns "{names[key]}" and "{raw}" for the same field',
                "each field once",
                line=line,
            )
            continue
        cols[key] = k
        names[key] = raw
    missing = [
        label for key, label in (("name", "Sample Name"), ("marker", "Marker")) if key not in cols
    ]
    if ("allele", 1) not in cols:
        missing.append("Allele 1")
    if missing:
        log.error(
            "a header without " + ", ".join(f'"{m}"' for m in missing),
            "a GeneMapper Genotypes Table header with Sample Name, Marker and Allele 1..n columns",
            line=line,
        )
    return cols


def _cell(fields: list[str], col: int | None) -> str:
    if col is None or col >= len(fields):
        return ""
    return fields[col]


def _number(token: str, what: str, log: ProblemLog, line: int, sample: str, locus: str) -> float:
    if token in _NONE_TOKENS:
        return math.nan
    value = parse_float(token)
    if value is None and token.count(",") == 1:
        value = parse_float(token, decimal_comma=True)
    if value is None:
        log.error(f'{what} "{token}"', "a number", line=line, sample=sample, locus=locus)
        return math.nan
    return value


def _flag(token: str, name: str, log: ProblemLog, line: int, sample: str, locus: str) -> float:
    low = token.lower()
    if low == "true":
        return 1.0
    if low == "false":
        return 0.0
    return _number(token, f"{name} value", log, line, sample, locus)


def _compile_pattern(pattern: str | re.Pattern | None) -> re.Pattern | None:
    if pattern is None:
        return None
    try:
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    except re.error as exc:
        raise ModelError(f"replicate_pattern is not a valid regular expression: {exc}") from None
    if "sample" not in rx.groupindex or "rep" not in rx.groupindex:
        raise ModelError(
            "replicate_pattern needs the named groups (?P<sample>...) and (?P<rep>...)"
        )
    return rx


def read_genemapper(
    path: str | Path,
    *,
    missing: Any = None,
    single_allele: str = "homozygote",
    ploidy: int = 2,
    replicate_by: str = "run",
    replicate_pattern: str | re.Pattern | None = None,
    off_ladder: tuple[str, ...] = _OFF_LADDER,
    delimiter: str | None = "",
) -> GenotypeTable:
    """Read a GeneMapper (or GeneMarker) Genotypes Table export.

    Parameters
    ----------
    path
        The export (tab-delimited text; ``;``/``,`` and UTF-16 also read).
    missing
        Allele tokens read as no call (default: empty, ``0``, ``-9``, ``NA``,
        ...; the off-ladder tokens are never missing codes).
    single_allele
        ``"homozygote"`` (default): a row with a single in-bin peak is a
        homozygote.  ``"partial"``: one allele known, the others missing.
    ploidy
        Alleles per call; a row with more peaks is an error.
    replicate_by
        ``"run"`` (default) or ``"file"``: what makes a replicate when the
        sample name does not say (see Notes).
    replicate_pattern
        Regular expression, matched against the whole ``Sample Name``, with
        named groups ``sample`` (the field sample) and ``rep`` (the replicate),
        e.g. ``r"(?P<sample>T\\d+)(?P<rep>[a-z])"`` for ``T0153a``/``T0153b``.
        Names that do not match are taken whole as the sample id (with a
        :class:`ReplicateNameWarning`).
    off_ladder
        Allele tokens meaning an off-ladder peak (``?``, ``OL``).
    delimiter
        Field delimiter; ``""`` sniffs it.

    Returns
    -------
    GenotypeTable
        One row per (sample, replicate), sorted naturally by ``sample_id``
        then ``replicate_id``; loci sorted naturally by marker name (the row
        order of an export carries no meaning: GeneMapper sorts it by any
        column, e.g. ``GQ``).  ``call_data`` holds ``call_size`` and
        ``call_height`` (float, ``(samples, loci, ploidy)``, NaN where no
        peak), ``call_GQ``, ``call_pqv_<FLAG>`` and ``call_source``.

    Notes
    -----
    Rows are grouped into replicates per field sample ``s`` (and, with a
    pattern, per replicate label ``r`` from the name).  The replicate id is
    the coarsest of these keys under which every marker appears at most once
    in the group, tried in this order:

    1. ``r`` (only with ``replicate_pattern``);
    2. the ``Run Name`` (skipped when ``replicate_by="file"``);
    3. the ``Sample File``;
    4. ``Run Name|Sample File``;
    5. the occurrence number of the marker in file order (``1``, ``2``, ...),
       with a :class:`ReplicateOrderWarning` if it ever exceeds 1.

    With a pattern, levels 2-5 are prefixed by ``r|``.  A level whose key is
    empty on any row of the group is skipped.  So a re-run in another run
    (``Panel2Column4-redo``) becomes its own replicate named after its run,
    and rows are never merged.

    Examples
    --------
    >>> import os, tempfile, warnings
    >>> rows = ["Sample File\\tSample Name\\tRun Name\\tMarker\\tAllele 1\\tAllele 2\\tSize 1\\tSize 2",
    ...         "R1_A01.fsa\\tT0153\\tR1\\tFCA441\\t165\\t\\t165.37\\t",
    ...         "R2_A01.fsa\\tT0153\\tR2\\tFCA441\\t165\\t?\\t165.41\\t171.92"]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = open(os.path.join(d, "run.txt"), "w").write("\\n".join(rows))
    ...     with warnings.catch_warnings(record=True) as w:
    ...         warnings.simplefilter("always")
    ...         t = read_genemapper(os.path.join(d, "run.txt"))
    >>> t.samples[["sample_id", "replicate_id"]].values.tolist()
    [['T0153', 'R1'], ['T0153', 'R2']]
    >>> t.allele_values()[:, 0].tolist(), t.call_data["call_size"][1, 0].tolist()
    ([[165, 165], [165, -1]], [165.41, 171.92])
    >>> w[0].category.__name__
    'OffLadderWarning'
    """
    if single_allele not in ("homozygote", "partial"):
        raise ModelError(f'single_allele must be "homozygote" or "partial", got {single_allele!r}')
    if replicate_by not in ("run", "file"):
        raise ModelError(f'replicate_by must be "run" or "file", got {replicate_by!r}')
    if not isinstance(ploidy, int) or ploidy < 1:
        raise ModelError(f"ploidy must be a positive whole number, got {ploidy!r}")
    rx = _compile_pattern(replicate_pattern)
    off = frozenset(off_ladder)
    miss = missing_codes(missing) - off
    path = Path(path)
    source = path.name
    log = ProblemLog(source)
    rows, delim = split_rows(read_text(path), delimiter, comment="#")
    if not rows:
        raise InputError(
            Problem("an empty file", "a GeneMapper Genotypes Table with a header row", source)
        )
    head = rows[0]
    cols = _parse_header(head.fields, log, head.line)
    log.raise_if_any()
    slots = sorted(
        {n for key in cols if isinstance(key, tuple) and key[0] == "allele" for n in [key[1]]}
    )
    flags = [key[1] for key in cols if isinstance(key, tuple) and key[0] == "pqv"]
    flags.sort(key=PQV_FLAGS.index)
    has_gq = ("gq",) in cols

    recs: list[dict[str, Any]] = []
    n_off, off_rows, first_off = 0, 0, None
    unmatched: dict[str, int] = {}
    for row in rows[1:]:
        f, line = row.fields, row.line
        name = _cell(f, cols.get("name"))
        marker = _cell(f, cols.get("marker"))
        if not name:
            log.error(
                "an empty Sample Name",
                "the sample name of every row",
                line=line,
                locus=marker or None,
            )
        if not marker:
            log.error("an empty Marker", "the marker of every row", line=line, sample=name or None)
        if not name or not marker:
            continue
        peaks: list[tuple[int | None, float, float]] = []
        labels: list[str] = []
        row_off = 0
        for n in slots:
            token = _cell(f, cols.get(("allele", n)))
            size = _number(_cell(f, cols.get(("size", n))), f"Size {n}", log, line, name, marker)
            height = _number(
                _cell(f, cols.get(("height", n))), f"Height {n}", log, line, name, marker
            )
            if token in off:
                peaks.append((None, size, height))
                labels.append(token)
                row_off += 1
            elif token not in miss:
                value = parse_allele(token, miss, log, line=line, sample=name, locus=marker)
                if value is None:
                    continue
                peaks.append((value, size, height))
                labels.append(token)
        if len(peaks) > ploidy:
            log.error(
                f"{len(peaks)} alleles ({', '.join(labels)})",
                f"at most {ploidy} per row for ploidy {ploidy}",
                line=line, sample=name, locus=marker,
            )  # fmt: skip
            continue
        if row_off:
            n_off += row_off
            off_rows += 1
            first_off = first_off or (line, name, marker)
        alleles = [p[0] if p[0] is not None else -1 for p in peaks]
        if len(peaks) == 1 and peaks[0][0] is not None and single_allele == "homozygote":
            alleles = alleles * ploidy
        alleles += [-1] * (ploidy - len(alleles))
        sizes = [p[1] for p in peaks] + [math.nan] * (ploidy - len(peaks))
        heights = [p[2] for p in peaks] + [math.nan] * (ploidy - len(peaks))
        sample, rep = name, None
        if rx is not None:
            m = rx.fullmatch(name)
            if m is not None and m.group("sample"):
                sample, rep = m.group("sample"), m.group("rep") or None
            else:
                unmatched.setdefault(name, line)
        recs.append(
            {
                "line": line,
                "sample": sample,
                "rep": rep,
                "marker": marker,
                "file": _cell(f, cols.get("file")),
                "name": name,
                "run": _cell(f, cols.get("run")),
                "panel": _cell(f, cols.get("panel")),
                "dye": _cell(f, cols.get("dye")),
                "alleles": alleles,
                "sizes": sizes,
                "heights": heights,
                "gq": _number(_cell(f, cols[("gq",)]), "GQ", log, line, name, marker)
                if has_gq
                else math.nan,
                "flags": [
                    _flag(_cell(f, cols[("pqv", fl)]), fl, log, line, name, marker) for fl in flags
                ],
            }
        )
    log.raise_if_any()
    if not recs:
        raise InputError(
            Problem("a header but no data rows", "one row per sample file x marker", source)
        )
    if unmatched:
        names = list(unmatched)
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        log.warn(
            f"{len(names)} sample names that do not match replicate_pattern ({shown})",
            "names with the groups sample and rep; read whole as sample ids",
            line=unmatched[names[0]],
            category=ReplicateNameWarning,
        )
    _assign_replicates(recs, replicate_by, log)
    if n_off:
        line, name, marker = first_off
        tokens = " or ".join(f'"{t}"' for t in off_ladder)
        log.warn(
            f"{n_off} off-ladder peaks ({tokens}) on {off_rows} rows "
            f"(the first on line {line}, sample {name}, locus {marker})",
            "alleles in a bin; read as missing alleles, their sizes kept in call_size",
            category=OffLadderWarning,
        )
    return _build_table(recs, ploidy, flags, has_gq, source, single_allele)


def _assign_replicates(recs: list[dict[str, Any]], replicate_by: str, log: ProblemLog) -> None:
    """Set ``rec["replicate"]`` on every record (see :func:`read_genemapper`, Notes)."""
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for rec in recs:
        groups[(rec["sample"], rec["rep"])].append(rec)
    levels: list[tuple[str, ...]] = [("run",), ("file",), ("run", "file")]
    if replicate_by == "file":
        levels = levels[1:]
    for (sample, rep), group in groups.items():
        chosen = None
        for level in ([()] if rep is not None else []) + levels:
            if any(not rec[c] for rec in group for c in level):
                continue
            keys = [(tuple(rec[c] for c in level), rec["marker"]) for rec in group]
            if len(set(keys)) == len(keys):
                chosen = level
                break
        prefix = [rep] if rep is not None else []
        if chosen is not None:
            for rec in group:
                rec["replicate"] = "|".join(prefix + [rec[c] for c in chosen])
            continue
        count: dict[str, int] = defaultdict(int)
        repeated = None
        for rec in group:
            count[rec["marker"]] += 1
            rec["replicate"] = "|".join(prefix + [str(count[rec["marker"]])])
            if count[rec["marker"]] > 1 and repeated is None:
                repeated = rec
        if repeated is not None:
            log.warn(
                f"marker {repeated['marker']} more than once for this sample with nothing "
                "(replicate name, Run Name, Sample File) to tell the rows apart",
                "one row per replicate x marker; rows numbered as replicates 1, 2, ... in file order",
                line=repeated["line"], sample=sample, category=ReplicateOrderWarning,
            )  # fmt: skip


def _joined(values: list[str]) -> Any:
    vals = sorted({v for v in values if v}, key=lambda v: (_natural_key(v), v))
    return ";".join(vals) if vals else pd.NA


def _build_table(
    recs: list[dict[str, Any]],
    ploidy: int,
    flags: list[str],
    has_gq: bool,
    source: str,
    single_allele: str,
) -> GenotypeTable:
    row_keys = sorted(
        {(r["sample"], r["replicate"]) for r in recs},
        key=lambda k: (_natural_key(k[0]), _natural_key(k[1]), k),
    )
    loci = sorted({r["marker"] for r in recs}, key=lambda m: (_natural_key(m), m))
    row_of = {k: i for i, k in enumerate(row_keys)}
    col_of = {m: j for j, m in enumerate(loci)}
    n, n_loci = len(row_keys), len(loci)
    values = np.full((n, n_loci, ploidy), -1, dtype=np.int64)
    sizes = np.full((n, n_loci, ploidy), np.nan)
    heights = np.full((n, n_loci, ploidy), np.nan)
    gq = np.full((n, n_loci), np.nan)
    flag_arr = np.full((len(flags), n, n_loci), np.nan)
    src = np.full((n, n_loci), -1, dtype=np.int32)
    keyed = {(r["file"], r["name"], r["run"], r["panel"], r["dye"]) for r in recs}
    ordered = sorted(keyed, key=lambda k: tuple((_natural_key(x), x) for x in k))
    sources = {k: s for s, k in enumerate(ordered)}
    meta: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in recs:
        i, j = row_of[(r["sample"], r["replicate"])], col_of[r["marker"]]
        values[i, j] = r["alleles"]
        sizes[i, j] = r["sizes"]
        heights[i, j] = r["heights"]
        gq[i, j] = r["gq"]
        flag_arr[:, i, j] = r["flags"]
        key = (r["file"], r["name"], r["run"], r["panel"], r["dye"])
        src[i, j] = sources[key]
        for field in ("name", "file", "run", "panel"):
            meta[i][field].append(r[field])
    samples = pd.DataFrame(
        {
            "sample_id": [k[0] for k in row_keys],
            "replicate_id": [k[1] for k in row_keys],
            "sample_name": pd.array([_joined(meta[i]["name"]) for i in range(n)], dtype="string"),
            "sample_file": pd.array([_joined(meta[i]["file"]) for i in range(n)], dtype="string"),
            "run_name": pd.array([_joined(meta[i]["run"]) for i in range(n)], dtype="string"),
            "panel": pd.array([_joined(meta[i]["panel"]) for i in range(n)], dtype="string"),
        }
    )
    call_data: dict[str, np.ndarray] = {
        "call_size": sizes,
        "call_height": heights,
        "call_source": src,
    }
    if has_gq:
        call_data["call_GQ"] = gq
    for k, fl in enumerate(flags):
        call_data[f"call_pqv_{fl}"] = flag_arr[k]
    attrs = {
        "source_format": "genemapper",
        "source_file": source,
        "single_allele": single_allele,
        "genemapper_sources": tuple(sources),
    }
    try:
        return GenotypeTable.from_alleles(
            values.reshape(n, n_loci, ploidy),
            loci,
            samples=samples,
            call_data=call_data,
            attrs=attrs,
        )
    except ModelError as exc:  # e.g. an allele beyond int16 range
        raise InputError(Problem(str(exc), "alleles the genotype model can hold", source)) from None


# ---------------------------------------------------------------------------- writer
def _fmt(value: float, integral: bool = False) -> str:
    if not np.isfinite(value):
        return ""
    if integral and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _one(samples: pd.DataFrame, column: str, i: int) -> str | None:
    if column not in samples.columns:
        return None
    v = samples[column].iloc[i]
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    v = str(v)
    return None if ";" in v or not v else v


def write_genemapper(
    table: GenotypeTable,
    path: str | Path,
    *,
    off_ladder: str = "?",
    single_allele: str | None = None,
) -> None:
    """Write a GeneMapper-like Genotypes Table (tab-delimited, UTF-8, LF).

    Columns: ``Sample File, Sample Name, Run Name, Panel, Marker, Dye, Allele
    1..k, Size 1..k, Height 1..k`` (``k = max(2, ploidy)``), then ``GQ`` and
    the PQV flags present in ``call_data``.  One row per replicate row x
    locus; for tables read from GeneMapper only the rows the export had
    (``call_source >= 0``), with their original Sample File, Run Name, Panel
    and Dye.  Otherwise Sample File is ``<sample>_<replicate>.fsa``, Run Name
    the ``run_name`` column or the replicate id, Panel the locus panel, so a
    simulated replicate table looks like a lab export.

    A homozygote whose second peak has no size or height is written with
    ``Allele 1`` only.  Under the ``"homozygote"`` convention (the table's
    ``attrs["single_allele"]``, or ``single_allele``) a one-allele partial
    call is written with ``off_ladder`` in the empty slot, so that reading
    the file back gives the same table; under ``"partial"`` the slot is left
    empty.  An off-ladder peak (missing allele with a size) is written as
    ``off_ladder`` with its size.  Reading the file back gives the same
    table when its rows and loci are in the reader's natural order (as any
    table read from GeneMapper is); otherwise they come back sorted, and
    called alleles packed to the front of each call.

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[165, 165]], [[165, 171]]], ["FCA441"],
    ...     samples=pd.DataFrame({"sample_id": ["T1", "T1"], "replicate_id": ["1", "2"]}))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_genemapper(t, os.path.join(d, "x.txt"))
    ...     back = read_genemapper(os.path.join(d, "x.txt"))
    >>> back.same_genotypes(t), back.samples["replicate_id"].tolist()
    (True, ['1', '2'])
    """
    if any(locus.kind == "SNP" for locus in table.loci):
        raise ModelError(
            "the GeneMapper writer needs numeric (STR/SEX) loci; this table has SNP loci"
        )
    convention = single_allele or table.attrs.get("single_allele", "homozygote")
    k = max(2, table.ploidy)
    values = table.allele_values()
    n, n_loci, ploidy = table.call_genotype.shape

    def data(name: str, shape: tuple[int, ...]) -> np.ndarray:
        arr = table.call_data.get(name)
        if arr is None or np.shape(arr) != shape:
            return np.full(shape, np.nan)
        return np.asarray(arr, dtype=float)

    sizes = data("call_size", (n, n_loci, ploidy))
    heights = data("call_height", (n, n_loci, ploidy))
    gq = table.call_data.get("call_GQ")
    flags = [fl for fl in PQV_FLAGS if f"call_pqv_{fl}" in table.call_data]
    src = table.call_data.get("call_source")
    sources = table.attrs.get("genemapper_sources")
    use_src = src is not None and sources is not None and np.shape(src) == (n, n_loci)
    header = ["Sample File", "Sample Name", "Run Name", "Panel", "Marker", "Dye"]
    header += [f"{w} {s}" for w in ("Allele", "Size", "Height") for s in range(1, k + 1)]
    header += (["GQ"] if gq is not None else []) + flags
    lines = ["\t".join(header)]
    for i in range(n):
        sid = str(table.samples["sample_id"].iloc[i])
        rid = _one(table.samples, "replicate_id", i)
        for j, locus in enumerate(table.loci):
            if use_src:
                if src[i, j] < 0:
                    continue
                sfile, sname, run, panel, dye = sources[int(src[i, j])]
            else:
                sname = _one(table.samples, "sample_name", i) or sid
                run = _one(table.samples, "run_name", i) or rid or ""
                sfile = _one(table.samples, "sample_file", i) or (
                    f"{sid}_{rid}.fsa" if rid else f"{sid}.fsa"
                )
                panel = locus.panel or ""
                dye = ""
            a = [int(x) for x in values[i, j]]
            s, h = sizes[i, j], heights[i, j]
            cells_a = [
                str(x) if x >= 0 else (off_ladder if np.isfinite(s[p]) else "")
                for p, x in enumerate(a)
            ]
            known = [x for x in a if x >= 0]
            rest_empty = not np.isfinite(s[1:]).any() and not np.isfinite(h[1:]).any()
            if convention == "homozygote" and ploidy > 1:
                if len(known) == ploidy and len(set(known)) == 1 and rest_empty:
                    cells_a = [cells_a[0]] + [""] * (ploidy - 1)
                elif len(known) == 1:
                    cells_a = [c if c else off_ladder for c in cells_a]
            cells_a += [""] * (k - ploidy)
            cells_s = [_fmt(x) for x in s] + [""] * (k - ploidy)
            cells_h = [_fmt(x, integral=True) for x in h] + [""] * (k - ploidy)
            row = [sfile, sname, run, panel, locus.name, dye, *cells_a, *cells_s, *cells_h]
            if gq is not None:
                row.append(_fmt(float(gq[i, j])))
            for fl in flags:
                v = float(table.call_data[f"call_pqv_{fl}"][i, j])
                row.append(
                    ("true" if v else "false") if fl in _BOOL_FLAGS and v in (0.0, 1.0) else _fmt(v)
                )
            lines.append("\t".join(row))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sniff(path: Path, head: str) -> float:
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        delim = "\t" if "\t" in line else ("," if line.count(",") > line.count(";") else ";")
        names = {_norm(f) for f in line.split(delim)}
        if {"samplename", "marker", "allele1"} <= names:
            return 1.0 if ("samplefile" in names or "size1" in names) else 0.8
        return 0.0
    return 0.0


register_format(
    FormatSpec(
        name="genemapper",
        description="GeneMapper / GeneMarker Genotypes Table export (one row per sample file x marker)",
        reader=read_genemapper,
        writer=write_genemapper,
        extensions=(".genemapper",),
        sniff=_sniff,
        options={
            "single_allele": '"homozygote" (default) or "partial": how a row with one allele is read',
            "replicate_by": '"run" (default) or "file": what makes a replicate',
            "replicate_pattern": "regex with groups sample and rep applied to Sample Name",
            "ploidy": "alleles per call (default 2)",
        },
    )
)
