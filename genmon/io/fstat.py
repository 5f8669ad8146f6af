"""FSTAT ``.dat`` files (Goudet 1995), as read by FSTAT, hierfstat and NeEstimator.

Layout: a first line ``npop nloci maxallele digits``; ``nloci`` lines of locus
names; then one row per individual, ``pop g_1 ... g_nloci``, where ``pop`` is
an integer 1..npop and each genotype is a number of up to ``2 * digits``
digits: ``0912`` with ``digits=2`` is alleles 9 and 12.  Leading zeros may be
dropped (``912``); ``0`` is a missing allele (``0000``/``0`` a missing
genotype, ``0012`` a partially missing one).

FSTAT carries neither sample names nor population names: samples are named
``S1``, ``S2``, ... in row order and populations by their numbers, unless
``pop_names=`` is given or a sidecar ``<file>.pops.tsv`` (written by
:func:`write_fstat` when labels are not numbers) sits next to the file.

Alleles are codes (in ``nancycats.dat``, 2-digit allele indices); map them to
sizes with ``allele_map=`` as for Genepop (see
:func:`genmon.io.genepop.read_genetix_allele_map`).

References
----------
Goudet J. (1995) FSTAT (Version 1.2): a computer program to calculate
F-statistics. Journal of Heredity 86:485-486.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._text import read_text
from .genepop import _build_table, _missing_codes, allele_codes, apply_allele_map
from .structure import population_numbers, read_pop_sidecar, sidecar_path, write_pop_sidecar

__all__ = ["read_fstat", "write_fstat"]

_DIGITS = re.compile(r"^\d+$")


def read_fstat(
    path: str | Path,
    *,
    pop_names: Sequence[str] | Mapping[Any, str] | str | Path | None = None,
    allele_map: Mapping[str, Mapping[Any, Any]] | None = None,
    kind: str = "STR",
    missing: Any = None,
) -> GenotypeTable:
    """Read an FSTAT ``.dat`` file.

    Parameters
    ----------
    path
        The file.
    pop_names
        Names of populations 1..npop (a sequence), ``{number: name}``, or a
        sidecar file; by default ``<file>.pops.tsv`` when it exists, else the
        numbers.
    allele_map
        ``{locus: {code: size}}`` (see :func:`genmon.io.genepop.read_genepop`).
    kind
        ``"STR"`` (default) or ``"SNP"`` for unmapped codes.
    missing
        Allele codes read as missing (default ``0``).

    Examples
    --------
    >>> import tempfile, os
    >>> text = "2 2 12 2\\nfca8\\nfca23\\n1 0912 0404\\n2 912 0\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "x.dat")
    ...     _ = open(p, "w").write(text)
    ...     t = read_fstat(p)
    >>> t.allele_values().tolist(), list(t.samples["population"])
    ([[[9, 12], [4, 4]], [[9, 12], [-1, -1]]], ['1', '2'])

    References
    ----------
    Goudet J. (1995) Journal of Heredity 86:485-486.
    """
    path = Path(path)
    file = str(path)
    if kind not in ("STR", "SNP"):
        raise InputError(Problem(f'kind "{kind}"', '"STR" or "SNP"', file))
    missing_set = _missing_codes(missing)
    lines = [
        (i, ln.split()) for i, ln in enumerate(read_text(path).splitlines(), start=1) if ln.strip()
    ]
    if not lines:
        raise InputError(Problem("an empty file", "an FSTAT file", file))
    hline, header = lines[0]
    if len(header) != 4 or not all(_DIGITS.match(t) for t in header):
        raise InputError(
            Problem(
                f'first line "{" ".join(header)}"',
                "4 whole numbers: npop nloci maxallele digits",
                file,
                hline,
            )
        )
    npop, n_loci, maxallele, digits = (int(t) for t in header)
    if digits not in (1, 2, 3) or n_loci < 1 or npop < 1:
        raise InputError(
            Problem(
                f"npop {npop}, nloci {n_loci}, digits {digits}",
                "npop >= 1, nloci >= 1 and 1, 2 or 3 digits per allele",
                file,
                hline,
            )
        )
    if len(lines) < 1 + n_loci:
        raise InputError(
            Problem(
                f"{len(lines) - 1} lines after the header",
                f"{n_loci} locus names then genotype rows",
                file,
            )
        )
    loci = [" ".join(f) for _, f in lines[1 : 1 + n_loci]]
    log = ProblemLog(file)
    dup = sorted({x for x in loci if loci.count(x) > 1})
    if dup:
        log.error(f"duplicate locus names {', '.join(dup)}", "unique locus names", line=lines[1][0])
    rows = lines[1 + n_loci :]
    if not rows:
        log.error("no genotype rows", "rows 'pop genotype ...' after the locus names")
    codes = np.full((len(rows), n_loci, 2), -1, dtype=np.int64)
    pops: list[int] = []
    row_lines: list[int] = []
    scale = 10**digits
    for i, (lineno, f) in enumerate(rows):
        sample = f"S{i + 1}"
        row_lines.append(lineno)
        if len(f) != n_loci + 1:
            log.error(
                f"{len(f)} fields",
                f"{n_loci + 1}: the population then one genotype per locus",
                line=lineno,
                sample=sample,
            )
            pops.append(0)
            continue
        if not _DIGITS.match(f[0]) or not 1 <= int(f[0]) <= npop:
            log.error(
                f'population "{f[0]}"',
                f"a number from 1 to {npop} (npop in line {hline})",
                line=lineno,
                sample=sample,
            )
            pops.append(0)
        else:
            pops.append(int(f[0]))
        for j, tok in enumerate(f[1:]):
            if not _DIGITS.match(tok) or len(tok) > 2 * digits:
                log.error(
                    f'genotype "{tok}"',
                    f"a number of up to {2 * digits} digits ({digits} per allele)",
                    line=lineno,
                    sample=sample,
                    locus=loci[j],
                )
                continue
            v = int(tok)
            pair = (v // scale, v % scale)
            for k, a in enumerate(pair):
                if a > maxallele:
                    log.error(
                        f"allele {a}",
                        f"at most {maxallele} (maxallele in line {hline})",
                        line=lineno,
                        sample=sample,
                        locus=loci[j],
                    )
                codes[i, j, k] = -1 if a in missing_set else a
    log.raise_if_any()
    ids = [f"S{i + 1}" for i in range(len(rows))]
    values, kinds = apply_allele_map(codes, loci, allele_map, kind, log, ids, row_lines)
    log.raise_if_any()
    attrs: dict[str, Any] = {"source_file": file, "source_format": "fstat", "fstat_digits": digits}
    if pop_names is None and sidecar_path(path).exists():
        pop_names = sidecar_path(path)
    if isinstance(pop_names, str | Path):
        attrs["population_map"] = str(pop_names)
        pop_names = read_pop_sidecar(pop_names)
    if pop_names is None:
        labels = [str(p) for p in pops]
    elif isinstance(pop_names, Mapping):
        m = {str(k): v for k, v in pop_names.items()}
        labels = [m.get(str(p)) or pd.NA if str(p) in m else str(p) for p in pops]
    else:
        if len(pop_names) < max(pops):
            raise InputError(
                Problem(
                    f"{len(pop_names)} names in pop_names",
                    f"at least {max(pops)} (populations 1..{max(pops)})",
                    file,
                )
            )
        labels = [str(pop_names[p - 1]) for p in pops]
    samples = pd.DataFrame({"sample_id": ids, "population": labels})
    return _build_table(values, loci, kinds, samples, attrs)


def write_fstat(table: GenotypeTable, path: str | Path, *, digits: int | None = None) -> None:
    """Write an FSTAT ``.dat`` file.

    Parameters
    ----------
    table
        Diploid genotypes.
    path
        Output file.
    digits
        Digits per allele; by default 2 when every allele code is below 100,
        else 3.

    Notes
    -----
    Sample names are not part of FSTAT and are lost.  Population numbers are
    the labels when these are positive integers; otherwise populations are
    numbered in order of first appearance and the mapping goes to the sidecar
    ``<file>.pops.tsv`` that :func:`read_fstat` reads back.  SNP alleles are
    coded as in :func:`genmon.io.genepop.allele_codes`.

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[9, 12], [4, -1]]], ["fca8", "fca23"], sample_ids=["a"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "o.dat")
    ...     write_fstat(t, p)
    ...     print(open(p).read(), end="")
    1 2 12 2
    fca8
    fca23
    1 0912 0400
    """
    path = Path(path)
    file = str(path)
    if table.ploidy != 2:
        raise InputError(Problem(f"ploidy {table.ploidy}", "diploid genotypes (FSTAT)", file))
    codes = allele_codes(table, file, 999, "FSTAT")
    top = int(codes.max(initial=0))
    if digits is None:
        digits = 2 if top < 100 else 3
    if digits not in (1, 2, 3) or top >= 10**digits:
        raise InputError(
            Problem(
                f"digits={digits} for allele codes up to {top}",
                f"digits 1-3 and codes below {10**digits}",
                file,
            )
        )
    nums, mapping = population_numbers(table)
    lines = [f"{int(nums.max(initial=1))} {table.n_loci} {top} {digits}"]
    lines += list(table.locus_id)
    for i in range(table.n_samples):
        toks = [
            f"{int(codes[i, j, 0]):0{digits}d}{int(codes[i, j, 1]):0{digits}d}"
            for j in range(table.n_loci)
        ]
        lines.append(f"{int(nums[i])} " + " ".join(toks))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(lines) + "\n")
    side = sidecar_path(path)
    if mapping is not None:
        write_pop_sidecar(path, mapping, "FSTAT population numbers")
    elif side.exists():
        side.unlink()


def _sniff(path: Path, head: str) -> float:
    lines = [ln.split() for ln in head.splitlines() if ln.strip()]
    if not lines or len(lines[0]) != 4 or not all(_DIGITS.match(t) for t in lines[0]):
        return 0.0
    npop, n_loci = int(lines[0][0]), int(lines[0][1])
    if len(lines) <= n_loci + 1 or any(len(ln) != 1 for ln in lines[1 : n_loci + 1]):
        return 0.0
    row = lines[n_loci + 1]
    if len(row) == n_loci + 1 and all(_DIGITS.match(t) for t in row) and 1 <= int(row[0]) <= npop:
        return 0.6
    return 0.0


register_format(
    FormatSpec(
        "fstat",
        "FSTAT .dat: 'npop nloci maxallele digits', locus names, 'pop 0912 ...' rows",
        read_fstat,
        write_fstat,
        (".dat", ".fstat"),
        _sniff,
        {"pop_names": "names of populations 1..npop", "allele_map": "{locus: {code: size}}"},
    )
)
