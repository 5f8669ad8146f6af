"""Genepop files (Rousset 2008), and Genepop as NeEstimator v2 reads it.

Layout: a free-text title line; locus names one per line or
comma-separated; each population starts with a line ``Pop`` (any case); an
individual line is ``name ,`` then one token per locus with 2 or 3 digits per
allele (``165169``, ``0409``), the same width for every locus.  ``000`` (or
``00``) is a missing allele, so ``000000`` is a missing genotype and
``165000`` a partially missing one.  Tokens of 2 or 3 digits are read as
haploid genotypes.

Population names are not part of the format.  The reader names each
population after its first individual (the convention of many readers) unless
``pop_names=`` gives one name per ``Pop`` line; the name is stored in
``samples["population"]``.

Alleles are *codes*: often sizes in bp, sometimes allele indices (adegenet's
``nancycats.gen`` uses 2-digit indices whose sizes are listed in the GENETIX
file ``nancycats.gtx``).  ``allele_map=`` maps codes to sizes (or to SNP
bases) per locus; :func:`read_genetix_allele_map` builds such a map from a
GENETIX ``.gtx`` file.

The writer writes 3-digit codes (``digits=2`` is allowed), one locus name per
line, and one ``Pop`` block per value of ``samples["population"]`` in order of
first appearance (rows of a population that are not contiguous are moved next
to its first row).  SNP loci are coded A=001, C=002, G=003, T=004 when their
alleles are single bases, otherwise by allele index + 1 (REF=001); see
:func:`allele_codes`.

References
----------
Rousset F. (2008) GENEPOP'007: a complete re-implementation of the GENEPOP
software for Windows and Linux. Molecular Ecology Resources 8:103-106.

Do C., Waples R.S., Peel D., Macbeth G.M., Tillett B.J. & Ovenden J.R. (2014)
NeEstimator v2: re-implementation of software for the estimation of
contemporary effective population size (Ne) from genetic data. Molecular
Ecology Resources 14:209-214.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, InputWarning, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._text import read_text

__all__ = [
    "NUCLEOTIDE_CODES",
    "NameChangedWarning",
    "allele_codes",
    "population_groups",
    "read_genepop",
    "read_genetix_allele_map",
    "write_genepop",
    "write_neestimator",
]

#: Numeric codes of single-base SNP alleles (the usual Genepop/NeEstimator coding).
NUCLEOTIDE_CODES: dict[str, int] = {"A": 1, "C": 2, "G": 3, "T": 4}


class NameChangedWarning(InputWarning):
    """A writer changed sample or locus names so that the target program can read them."""


# ---------------------------------------------------------------------- shared helpers
def allele_codes(table: GenotypeTable, file: str | None, limit: int, program: str) -> np.ndarray:
    """Genotypes as positive integer allele codes, ``0`` for missing.

    ``STR``/``SEX`` loci are written as their sizes; ``SNP`` loci as
    :data:`NUCLEOTIDE_CODES` when every allele is one of A, C, G, T, otherwise
    as allele index + 1 (REF = 1).  Every locus with a code above ``limit`` or a
    size of 0 (which would read back as missing) is reported.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[["A", "G"]], [["G", None]]], ["rs1"], kinds="SNP",
    ...                                missing=None)
    >>> allele_codes(t, None, 999, "Genepop").tolist()
    [[[1, 3]], [[3, 0]]]
    """
    out = np.zeros(table.call_genotype.shape, dtype=np.int64)
    log = ProblemLog(file)
    for j, locus in enumerate(table.loci):
        if locus.kind == "SNP":
            if all(a.upper() in NUCLEOTIDE_CODES for a in locus.alleles):
                codes = np.array(
                    [NUCLEOTIDE_CODES[a.upper()] for a in locus.alleles], dtype=np.int64
                )
            else:
                codes = np.arange(1, locus.n_alleles + 1, dtype=np.int64)
        else:
            codes = np.asarray(locus.alleles, dtype=np.int64)
        g = table.call_genotype[:, j]
        used = np.unique(g[g >= 0])
        if used.size:
            top = int(codes[used].max())
            if top > limit:
                log.error(
                    f"allele {top}",
                    f"codes of at most {len(str(limit))} digits ({program} limit {limit}); "
                    "recode this locus (e.g. subtract a constant from its sizes, or use allele indices)",
                    locus=locus.name,
                )
            if int(codes[used].min()) == 0:
                log.error(
                    "allele 0",
                    f"positive allele codes (0 means missing in {program})",
                    locus=locus.name,
                )
            ok = g >= 0
            out[:, j][ok] = codes[g[ok]]
    log.raise_if_any()
    return out


def population_groups(table: GenotypeTable) -> list[tuple[str | None, np.ndarray]]:
    """Rows grouped by ``samples["population"]``, groups in order of first appearance.

    Missing populations form one group named ``None``.

    Examples
    --------
    >>> t = GenotypeTable.from_alleles([[[1, 1]]] * 3, ["L"], samples=pd.DataFrame(
    ...     {"sample_id": ["a", "b", "c"], "population": ["P2", "P1", "P2"]}))
    >>> [(name, rows.tolist()) for name, rows in population_groups(t)]
    [('P2', [0, 2]), ('P1', [1])]
    """
    pops = table.samples["population"]
    keys = [None if pd.isna(p) else str(p) for p in pops]
    order = list(dict.fromkeys(keys))
    return [(k, np.array([i for i, p in enumerate(keys) if p == k], dtype=np.intp)) for k in order]


def _missing_codes(missing: Any) -> frozenset[int]:
    """Integer allele codes read as missing (Genepop and FSTAT: 0)."""
    if missing is None:
        return frozenset({0})
    if isinstance(missing, str):
        missing = missing.split(",")
    out = set()
    for m in missing:
        m = str(m).strip()
        if m == "":
            continue
        try:
            out.add(int(m))
        except ValueError:
            raise InputError(
                Problem(
                    f'missing code "{m}"',
                    "whole-number codes (allele codes in this format are numbers)",
                )
            ) from None
    return frozenset(out or {0})


def apply_allele_map(
    codes: np.ndarray,
    locus_names: Sequence[str],
    allele_map: Mapping[str, Mapping[Any, Any]] | None,
    kind: str,
    log: ProblemLog,
    sample_ids: Sequence[str],
    lines: Sequence[int],
) -> tuple[np.ndarray, list[str]]:
    """Map integer allele codes (``-1`` missing) to alleles, per locus.

    Returns an array of allele values (int64, or object when some locus maps to
    strings or ``kind == "SNP"``) and the kind of each locus.  Codes absent from
    a locus's map are logged with the first sample and line that carry them.
    """
    n, n_loci, _ = codes.shape
    allele_map = dict(allele_map or {})
    unknown = sorted(set(allele_map) - set(locus_names))
    if unknown:
        log.error(
            f"allele_map entries for unknown loci {', '.join(map(str, unknown))}",
            "loci of the file",
        )
    kinds = [kind] * n_loci
    maps: dict[int, dict[int, Any]] = {}
    for j, name in enumerate(locus_names):
        if name in allele_map:
            m = {int(k): v for k, v in allele_map[name].items()}
            maps[j] = m
            if any(isinstance(v, str) for v in m.values()):
                kinds[j] = "SNP"
    as_object = any(k == "SNP" for k in kinds)
    values = np.full(
        codes.shape, None if as_object else -1, dtype=object if as_object else np.int64
    )
    for j in range(n_loci):
        col = codes[:, j]
        ok = col >= 0
        if j in maps:
            m = maps[j]
            for code in np.unique(col[ok]):
                if int(code) not in m:
                    i = int(np.nonzero((col == code).any(axis=1))[0][0])
                    log.error(
                        f"allele code {int(code)} with no entry in allele_map",
                        f"one of {min(m)}-{max(m)}" if m else "a code listed in allele_map",
                        line=lines[i],
                        sample=sample_ids[i],
                        locus=locus_names[j],
                    )
            mapped = [[m.get(int(c)) if c >= 0 else None for c in row] for row in col]
            for i in range(n):
                for k, v in enumerate(mapped[i]):
                    if v is None:
                        continue
                    values[i, j, k] = v if kinds[j] == "SNP" else int(v)
        elif kinds[j] == "SNP":
            for i, k in zip(*np.nonzero(ok), strict=True):
                values[i, j, k] = str(int(col[i, k]))
        else:
            values[:, j][ok] = col[ok]
    return values, kinds


def _build_table(
    values: np.ndarray, locus_names, kinds, samples: pd.DataFrame, attrs: dict
) -> GenotypeTable:
    if values.dtype == object:
        return GenotypeTable.from_alleles(
            values, locus_names, samples=samples, kinds=kinds, missing=None, attrs=attrs
        )
    return GenotypeTable.from_alleles(
        values, locus_names, samples=samples, kinds=kinds, missing=-1, attrs=attrs
    )


# ---------------------------------------------------------------------- reader
_DIGITS = re.compile(r"^\d+$")


def _is_pop_line(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0].lower() == "pop" and "," not in text


def read_genepop(
    path: str | Path,
    *,
    pop_names: Sequence[str] | None = None,
    allele_map: Mapping[str, Mapping[Any, Any]] | None = None,
    kind: str = "STR",
    missing: Any = None,
) -> GenotypeTable:
    """Read a Genepop file.

    Parameters
    ----------
    path
        The file.
    pop_names
        One name per ``Pop`` line.  By default each population is named after
        its first individual (Genepop files carry no population names).
    allele_map
        ``{locus: {code: allele}}``: sizes in bp (or SNP bases) for the codes of
        the file; loci not listed keep their codes.  See
        :func:`read_genetix_allele_map`.
    kind
        Locus kind of unmapped codes: ``"STR"`` (numbers) or ``"SNP"`` (the
        codes become allele labels such as ``"120"``).
    missing
        Allele codes read as missing (default ``0``, i.e. ``00``/``000``).

    Returns
    -------
    GenotypeTable
        ``samples["sample_id"]`` holds the names as written (they may repeat),
        ``samples["population"]`` the population names, ``attrs["title"]`` the
        title line.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "demo\\nFCA441, F53\\nPop\\nRU-0001 , 165169 176000\\npop\\nCN-0010 , 165165 000000\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "demo.gen")
    ...     _ = open(p, "w").write(text)
    ...     t = read_genepop(p)
    >>> t.allele_values().tolist()
    [[[165, 169], [176, -1]], [[165, 165], [-1, -1]]]
    >>> list(t.samples["population"])
    ['RU-0001', 'CN-0010']

    References
    ----------
    Rousset F. (2008) GENEPOP'007. Molecular Ecology Resources 8:103-106.
    """
    path = Path(path)
    file = str(path)
    if kind not in ("STR", "SNP"):
        raise InputError(Problem(f'kind "{kind}"', '"STR" or "SNP"', file))
    missing_set = _missing_codes(missing)
    lines = read_text(path).splitlines()
    log = ProblemLog(file)
    if not lines:
        raise InputError(
            Problem("an empty file", "a Genepop file (title, loci, Pop, individuals)", file)
        )
    title = lines[0].strip()
    loci: list[str] = []
    first_pop = None
    for lineno in range(2, len(lines) + 1):
        text = lines[lineno - 1].strip()
        if not text:
            continue
        if _is_pop_line(text):
            first_pop = lineno
            break
        loci.extend(x.strip() for x in text.split(",") if x.strip())
    if first_pop is None:
        for lineno in range(2, len(lines) + 1):
            text = lines[lineno - 1]
            if "," in text:
                name, rest = text.split(",", 1)
                toks = rest.split()
                if toks and all(_DIGITS.match(t) for t in toks):
                    raise InputError(
                        Problem(
                            f'individual "{name.strip()}" before any "Pop" line',
                            'a line "Pop" before the first individual of each population',
                            file,
                            lineno,
                        )
                    )
        raise InputError(
            Problem(
                'no "Pop" line', 'a line "Pop" before the first individual of each population', file
            )
        )
    if not loci:
        raise InputError(
            Problem(
                "no locus names before the first Pop line",
                "locus names after the title line",
                file,
                first_pop,
            )
        )
    n_loci = len(loci)
    dup = sorted({x for x in loci if loci.count(x) > 1})
    if dup:
        log.error(f"duplicate locus names {', '.join(dup)}", "unique locus names", line=2)

    names: list[str] = []
    pop_index: list[int] = []
    row_lines: list[int] = []
    tokens: list[list[str]] = []
    pops: list[tuple[int, int]] = []  # (line of Pop, number of individuals)
    width = None  # (digits per token, line where it was set)
    for lineno in range(first_pop, len(lines) + 1):
        text = lines[lineno - 1].strip()
        if not text:
            continue
        if _is_pop_line(text):
            pops.append((lineno, 0))
            continue
        pops[-1] = (pops[-1][0], pops[-1][1] + 1)
        if "," not in text:
            log.error(
                f'line "{text[:40]}" without a comma',
                '"name , genotype genotype ..." or "Pop"',
                line=lineno,
            )
            continue
        name, rest = text.split(",", 1)
        name = name.strip()
        toks = rest.split()
        if not name:
            log.error("an individual with no name", "a name before the comma", line=lineno)
        if len(toks) != n_loci:
            log.error(
                f"{len(toks)} genotypes",
                f"{n_loci}, one per locus",
                line=lineno,
                sample=name or None,
            )
            continue
        bad = False
        for j, tok in enumerate(toks):
            if not _DIGITS.match(tok):
                log.error(
                    f'genotype "{tok}"',
                    "digits only (e.g. 165169; 000000 for missing)",
                    line=lineno,
                    sample=name,
                    locus=loci[j],
                )
                bad = True
            elif width is None:
                if len(tok) not in (2, 3, 4, 6):
                    log.error(
                        f'genotype "{tok}" of {len(tok)} digits',
                        "4 or 6 digits (2 or 3 per allele; 2 or 3 for haploid data)",
                        line=lineno,
                        sample=name,
                        locus=loci[j],
                    )
                    bad = True
                else:
                    width = (len(tok), lineno)
            elif len(tok) != width[0]:
                log.error(
                    f'genotype "{tok}" of {len(tok)} digits',
                    f"{width[0]} digits like the first genotype of the file (line {width[1]})",
                    line=lineno,
                    sample=name,
                    locus=loci[j],
                )
                bad = True
        if bad:
            continue
        names.append(name)
        pop_index.append(len(pops) - 1)
        row_lines.append(lineno)
        tokens.append(toks)
    for lineno, count in pops:
        if count == 0:
            log.error(
                'a "Pop" line with no individuals after it',
                "at least one individual per population",
                line=lineno,
            )
    if pop_names is not None and len(pop_names) != len(pops):
        log.error(f"{len(pop_names)} names in pop_names", f"{len(pops)}, one per Pop line")
    if width is None and not log:
        log.error("no individuals", "individual lines after a Pop line")
    log.raise_if_any()

    ploidy = 2 if width[0] in (4, 6) else 1
    digits = width[0] // ploidy
    # A token is a number: 165169 -> 165 * 1000 + 169 (3 digits per allele).
    whole = np.array(tokens, dtype=np.int64).reshape(len(names), n_loci)
    codes = np.empty((len(names), n_loci, ploidy), dtype=np.int64)
    for k in range(ploidy):
        codes[:, :, k] = (whole // 10 ** (digits * (ploidy - 1 - k))) % 10**digits
    if missing_set:
        codes[np.isin(codes, list(missing_set))] = -1
    values, kinds = apply_allele_map(codes, loci, allele_map, kind, log, names, row_lines)
    log.raise_if_any()
    if pop_names is None:
        first = {}
        for name, p in zip(names, pop_index, strict=True):
            first.setdefault(p, name)
        labels = [first[p] for p in pop_index]
    else:
        labels = [str(pop_names[p]) for p in pop_index]
    samples = pd.DataFrame({"sample_id": names, "population": labels})
    attrs = {
        "title": title,
        "source_file": file,
        "source_format": "genepop",
        "genepop_digits": digits,
    }
    return _build_table(values, loci, kinds, samples, attrs)


def read_genetix_allele_map(path: str | Path) -> dict[str, dict[int, int]]:
    """Allele-size lists of a GENETIX ``.gtx`` file as ``{locus: {index: size}}``.

    A GENETIX file starts with the number of loci and the number of
    populations (first token of lines 1 and 2), then, per locus, a name line
    and a line ``k size_1 ... size_k``.  Allele index ``i`` (1-based) is
    ``size_i``; files such as adegenet's ``nancycats.gen`` and ``.dat`` code
    alleles by these indices.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.gtx")
    ...     _ = open(p, "w").write("1\\n1\\nfca8\\n3 117 119 121\\n")
    ...     read_genetix_allele_map(p)
    {'fca8': {1: 117, 2: 119, 3: 121}}

    References
    ----------
    Belkhir K., Borsa P., Chikhi L., Raufaste N. & Bonhomme F. (1996-2004)
    GENETIX 4.05, logiciel sous Windows pour la génétique des populations.
    Université de Montpellier II.
    """
    path = Path(path)
    file = str(path)
    lines = read_text(path).splitlines()

    def first_int(lineno: int, what: str) -> int:
        if lineno > len(lines) or not lines[lineno - 1].split():
            raise InputError(Problem("the end of the file", what, file, lineno))
        tok = lines[lineno - 1].split()[0]
        if not _DIGITS.match(tok):
            raise InputError(Problem(f'"{tok}"', what, file, lineno))
        return int(tok)

    n_loci = first_int(1, "the number of loci")
    first_int(2, "the number of populations")
    out: dict[str, dict[int, int]] = {}
    lineno = 3
    for _ in range(n_loci):
        if lineno > len(lines):
            raise InputError(
                Problem(
                    "the end of the file",
                    f"{n_loci} locus blocks (name, allele sizes)",
                    file,
                    lineno,
                )
            )
        name = lines[lineno - 1].strip()
        lineno += 1
        count = first_int(lineno, f"the number of alleles of locus {name}")
        sizes = lines[lineno - 1].split()[1:]
        while len(sizes) < count and lineno < len(lines):
            lineno += 1
            sizes += lines[lineno - 1].split()
        if len(sizes) < count or not all(_DIGITS.match(s) for s in sizes[:count]):
            raise InputError(
                Problem(
                    f"allele sizes {' '.join(sizes[:count])}",
                    f"{count} whole numbers",
                    file,
                    lineno,
                    locus=name,
                )
            )
        out[name] = {i + 1: int(s) for i, s in enumerate(sizes[:count])}
        lineno += 1
    return out


# ---------------------------------------------------------------------- writers
_NE_NAME = re.compile(r"[^A-Za-z0-9_.\-]")


def _format_token(codes: np.ndarray, digits: int) -> str:
    return "".join(f"{int(c):0{digits}d}" for c in codes)


def write_genepop(
    table: GenotypeTable,
    path: str | Path,
    *,
    title: str | None = None,
    digits: int = 3,
    neestimator: bool = False,
) -> None:
    """Write a Genepop file.

    Parameters
    ----------
    table
        Haploid or diploid genotypes.
    path
        Output file.
    title
        Title line (default: ``attrs["title"]``, or one naming the source file).  The
        title always ends with ``[genmon <version>]`` as provenance.
    digits
        Digits per allele, 3 (default) or 2.
    neestimator
        Write for NeEstimator v2 (see :func:`write_neestimator`).

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[165, 169], [176, -1]]], ["FCA441", "F53"],
    ...                                sample_ids=["RU-0001"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "o.gen")
    ...     write_genepop(t, p, title="demo")
    ...     print(open(p).read(), end="")  # doctest: +ELLIPSIS
    demo [genmon ...]
    FCA441
    F53
    Pop
    RU-0001 ,  165169 176000
    """
    path = Path(path)
    file = str(path)
    if digits not in (2, 3):
        raise InputError(Problem(f"digits={digits}", "2 or 3", file))
    if table.ploidy > 2:
        raise InputError(
            Problem(f"ploidy {table.ploidy}", "haploid or diploid genotypes (Genepop)", file)
        )
    program = "NeEstimator" if neestimator else "Genepop"
    codes = allele_codes(table, file, 10**digits - 1, program)
    log = ProblemLog(file)
    locus_names = list(table.locus_id)
    sample_names = [str(s) for s in table.sample_id]
    changed = []
    if neestimator:
        new_loci = [_NE_NAME.sub("_", n) for n in locus_names]
        new_samples = [_NE_NAME.sub("_", n) or "_" for n in sample_names]
        changed = [
            (a, b)
            for a, b in zip(locus_names + sample_names, new_loci + new_samples, strict=True)
            if a != b
        ]
        locus_names, sample_names = new_loci, new_samples
    for name in locus_names:
        if "," in name:
            log.error(
                f'locus name "{name}" with a comma',
                "names without commas (Genepop splits locus lists on commas)",
                locus=name,
            )
    for name in sample_names:
        if "," in name or not name.strip() or _is_pop_line(name):
            log.error(
                f'sample name "{name}"', 'a name without commas that is not "Pop"', sample=name
            )
    log.raise_if_any()
    if changed:
        a, b = changed[0]
        warnings.warn(
            NameChangedWarning(
                Problem(
                    f"{len(changed)} name{'s' if len(changed) != 1 else ''} with characters NeEstimator "
                    f'may misread (e.g. "{a}" written as "{b}")',
                    "letters, digits, _ . -",
                    file,
                )
            ),
            stacklevel=2,
        )
    if title is None:
        source = table.attrs.get("source_file")
        title = str(
            table.attrs.get("title")
            or (f"Genotypes from {Path(source).name}" if source else "Genotypes")
        )
    title = re.sub(r"\s*\[genmon [^\]]*\]$", "", " ".join(title.split()))
    if neestimator:
        title = title.encode("ascii", "replace").decode("ascii")
    lines = [f"{title} [genmon {__version__}]"]
    lines += locus_names
    for _, rows in population_groups(table):
        lines.append("Pop")
        for i in rows:
            toks = " ".join(_format_token(codes[i, j], digits) for j in range(table.n_loci))
            lines.append(f"{sample_names[i]} ,  {toks}")
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")


def write_neestimator(
    table: GenotypeTable, path: str | Path, *, title: str | None = None, sort_loci: bool = True
) -> None:
    """Write Genepop the way NeEstimator v2 reads it.

    Same as :func:`write_genepop` with 3-digit codes and one locus name per
    line, plus: sample and locus names keep only letters, digits, ``_``, ``.``
    and ``-`` (others become ``_``, with a :class:`NameChangedWarning`), and
    the title is plain ASCII.  Populations are written one ``Pop`` block each,
    in order of first appearance of ``samples["population"]``.

    With ``sort_loci`` (the default) loci are written in decreasing order of
    the number of alleles seen (ties keep their order): NeEstimator v2.x
    (``Ne2x.c``) overruns a buffer when the last locus has the most alleles,
    which shows as a wrong count of non-polymorphic loci.  Locus order changes
    no estimate: for nancycats (bp sizes), ``Ne2x`` run on this writer's
    output (LD + heterozygote excess, Pcrit 0.05/0.02/0.01/singletons,
    random mating) printed the same numbers, line for line, as on adegenet's
    original file with its loci so ordered; in the original order it printed
    8 instead of 4 non-polymorphic loci.

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[165, 169], [176, 200]], [[167, 169], [176, 176]]],
    ...                                ["F53", "FCA441"], sample_ids=["RU 1", "RU-2"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "ne.gen")
    ...     with warnings.catch_warnings(record=True) as w:
    ...         warnings.simplefilter("always")
    ...         write_neestimator(t, p, title="demo")
    ...     print(open(p).read(), end="")  # doctest: +ELLIPSIS
    demo [genmon ...]
    F53
    FCA441
    Pop
    RU_1 ,  165169 176200
    RU-2 ,  167169 176176
    >>> [str(x.message) for x in w]  # doctest: +ELLIPSIS
    ['...found 1 name with characters NeEstimator may misread (e.g. "RU 1" written as "RU_1")...']

    References
    ----------
    Do C. et al. (2014) NeEstimator v2. Molecular Ecology Resources 14:209-214.
    """
    if sort_loci and table.n_loci > 1:
        seen = [
            len(np.unique(table.call_genotype[:, j][table.call_genotype[:, j] >= 0]))
            for j in range(table.n_loci)
        ]
        order = sorted(range(table.n_loci), key=lambda j: -seen[j])
        if order != list(range(table.n_loci)):
            table = table.subset(loci=order)
    write_genepop(table, path, title=title, digits=3, neestimator=True)


def _sniff(path: Path, head: str) -> float:
    lines = [ln.strip() for ln in head.splitlines()[1:] if ln.strip()]
    if not any(_is_pop_line(ln) for ln in lines):
        return 0.0
    after = False
    for ln in lines:
        if _is_pop_line(ln):
            after = True
        elif after:
            if "," not in ln:
                return 0.1
            toks = ln.split(",", 1)[1].split()
            return 0.6 if toks and all(_DIGITS.match(t) for t in toks) else 0.1
    return 0.3


register_format(
    FormatSpec(
        "genepop",
        "Genepop: title, locus names, Pop blocks, 'name , 165169 ...' (2 or 3 digits per allele)",
        read_genepop,
        write_genepop,
        (".gen", ".genepop"),
        _sniff,
        {
            "pop_names": "one name per Pop line (default: each population's first individual)",
            "allele_map": "{locus: {code: size}} (see read_genetix_allele_map)",
            "kind": "STR (default) or SNP",
        },
    )
)
register_format(
    FormatSpec(
        "neestimator",
        "Genepop for NeEstimator v2 (3-digit codes, one locus per line, plain names); writer only",
        None,
        write_neestimator,
        (),
        None,
    )
)
