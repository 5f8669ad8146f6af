"""Genotype files of the R package related and of COANCESTRY.

Layout (white-space delimited, no header; Pew et al. 2015, Wang 2011)::

    RU-0001 165 169 176 200 203 215
    RU-0002 169 169 0 0 199 203

Column 1 is the individual, then two columns per locus; ``0`` is a missing
allele (the other :data:`~genmon.io._alleles.DEFAULT_MISSING` codes are
accepted unless ``missing`` says otherwise).  The files carry no locus
names: loci are named ``L1`` … ``Ln`` unless ``locus_names`` gives them.
Every row must have the same number of fields.

The writer writes single-space-separated rows, ``0`` for missing alleles,
UTF-8 with LF line ends; sample ids containing white space cannot be
written.

References
----------
Pew J., Muir P.H., Wang J., Frasier T.R. (2015) related: an R package for
analysing pairwise relatedness from codominant molecular markers. Molecular
Ecology Resources 15:557-561.

Wang J. (2011) COANCESTRY: a program for simulating, estimating and analysing
relatedness and inbreeding coefficients. Molecular Ecology Resources
11:141-145.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from ._alleles import missing_codes
from ._tabular import (
    allele_text,
    check_sample_ids,
    empty_file,
    format_value,
    load_grid,
    parse_allele_cells,
    refuse_replicates,
    sample_frame,
)

__all__ = ["read_related", "write_related"]

_NUMBER = re.compile(r"^-?\d+$")


def read_related(
    path: str | Path,
    *,
    missing: str | Sequence[str] | None = None,
    locus_names: Sequence[str] | str | None = None,
    ploidy: int = 2,
) -> GenotypeTable:
    """Read a related / COANCESTRY genotype file (see the module docstring).

    Parameters
    ----------
    path
        The file.
    missing
        Tokens read as a missing allele; default
        :data:`genmon.io._alleles.DEFAULT_MISSING` (includes ``0``).
    locus_names
        Names of the loci, in column order (a list or ``"A,B,C"``); ``L1`` …
        ``Ln`` by default.
    ploidy
        Allele columns per locus.

    Raises
    ------
    InputError
        Listing every problem: rows with a different number of fields,
        repeated ids, bad alleles, a wrong number of locus names.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); f = os.path.join(d, "g.txt")
    >>> _ = Path(f).write_text("A 176 200 203 215\\nB 0 0 199 203\\n")
    >>> t = read_related(f, locus_names="F53,F124")
    >>> t.locus_id, t.allele_values().tolist()
    (['F53', 'F124'], [[[176, 200], [203, 215]], [[-1, -1], [199, 203]]])
    """
    path = Path(path)
    file = str(path)
    codes = missing_codes(missing)
    grid = load_grid(path, None, comment=None)
    if grid.n_rows == 0:
        raise empty_file(file, "one row per individual: id, then 2 allele columns per locus")
    log = ProblemLog(file)
    width = int(grid.widths[0])
    first_line = int(grid.lines[0])
    if (width - 1) % ploidy or width < 1 + ploidy:
        raise InputError(
            Problem(
                f"{width} fields",
                f"an id and {ploidy} allele columns per locus (1 + {ploidy} x loci fields)",
                file,
                first_line,
                str(grid.cells[0, 0]),
            )
        )
    n_loci = (width - 1) // ploidy
    if locus_names is None:
        names = [f"L{i + 1}" for i in range(n_loci)]
    else:
        names = (
            [s.strip() for s in locus_names.split(",")]
            if isinstance(locus_names, str)
            else [str(s) for s in locus_names]
        )
        if len(names) != n_loci:
            raise InputError(
                Problem(
                    f"{len(names)} locus names ({', '.join(names)})",
                    f"{n_loci}, the loci in the file ({width} fields on line {first_line})",
                    file,
                )
            )
    for i in np.nonzero(grid.widths != width)[0]:
        log.error(
            f"{int(grid.widths[i])} fields",
            f"{width} as on line {first_line} (an id and {ploidy} allele columns per locus)",
            line=int(grid.lines[i]),
            sample=str(grid.cells[i, 0]),
        )
    lines = grid.lines
    sample_ids = grid.column(0)
    check_sample_ids(sample_ids, lines, log, column="1")
    tokens = grid.cells[:, 1:width].reshape(grid.n_rows, n_loci, ploidy)

    def where(flat: int) -> tuple[int, str, str]:
        i, rest = divmod(flat, n_loci * ploidy)
        return int(lines[i]), str(sample_ids[i]), names[rest // ploidy]

    values = parse_allele_cells(tokens, codes, log, where)
    samples = sample_frame(sample_ids, lines, log)
    log.raise_if_any()
    return GenotypeTable.from_alleles(
        values, names, samples=samples, missing=-1, attrs={"source": file, "format": "related"}
    )


def write_related(table: GenotypeTable, path: str | Path, *, missing: str = "0") -> None:
    """Write a related / COANCESTRY genotype file (see the module docstring).

    Locus names are not written (the format has none); pass them back to
    :func:`read_related` as ``locus_names``.
    """
    file = str(path)
    refuse_replicates(table, "related", file)
    alleles = allele_text(table, missing, "related", file)
    ids = [format_value(v) for v in table.samples["sample_id"]]
    bad = [s for s in ids if not s or any(c.isspace() for c in s)]
    if bad:
        raise InputError(
            Problem(f'sample id "{bad[0]}"', "ids without white space for the related format", file)
        )
    flat = alleles.reshape(table.n_samples, -1)
    text = "".join(
        " ".join([sid, *row]) + "\n" for sid, row in zip(ids, flat.tolist(), strict=True)
    )
    Path(path).write_text(text, encoding="utf-8", newline="")


def _sniff(path: Path, head: str) -> float:
    rows = [ln.split() for ln in head.splitlines()[:50] if ln.strip()]
    if len(rows) < 2 and not head.endswith("\n"):
        rows = rows[:-1]
    if not rows:
        return 0.0
    if len(rows) > 1 and len(head) >= 16000:
        rows = rows[:-1]  # the head may end in the middle of a line
    widths = Counter(len(r) for r in rows)
    width, count = widths.most_common(1)[0]
    if width < 3 or width % 2 == 0 or count * 2 < len(rows):
        return 0.0
    tokens = [t for r in rows for t in r[1:]]
    if all(_NUMBER.match(t) for t in tokens) and "-9" not in tokens:
        return (
            0.6 if len(widths) == 1 else 0.4
        )  # ragged rows: still related, with an error to report
    return 0.0


register_format(
    FormatSpec(
        "related",
        "related / COANCESTRY genotypes: 'ID a1 a2 a1 a2 ...', no header, 0 missing, loci named L1..Ln",
        read_related,
        write_related,
        (".related.txt",),
        _sniff,
        {
            "locus_names": "reader: names of the loci in column order (default L1..Ln)",
            "missing": "reader: tokens read as missing; writer: text for a missing allele (default 0)",
        },
    )
)
