"""COLONY 2 input files (``.dat``; Jones & Wang 2010), writer only.

COLONY reads free-format numbers in a fixed line order, each line optionally
followed by a ``!`` comment.  genmon writes every sample of the
table as an *offspring* (sibship and parentage reconstruction among sampled
individuals, with no candidate parents and no known relationships), with:

* per-locus allelic dropout and other-error rates from ``error_rates``
  (a DataFrame with a ``locus`` column or locus index and columns
  ``ado``/``fa`` (or ``dropout``/``error``), or ``{locus: (ado, fa)}``),
  by default :data:`DEFAULT_DROPOUT` and :data:`DEFAULT_ERROR` for every locus;
* the random seed (``seed``; drawn from the operating system and written in
  the file when ``None``);
* run settings as options (defaults: dioecious, no inbreeding, diploid,
  polygamy in both sexes, one medium-length run of the full-likelihood method,
  precision 2).

Missing alleles are written as ``0``; SNP alleles are coded as in
:func:`genmon.io.genepop.allele_codes`.  The dataset-name line's comment
carries the genmon version and where the error rates came from.

References
----------
Jones O.R. & Wang J. (2010) COLONY: a program for parentage and sibship
inference from multilocus genotype data. Molecular Ecology Resources
10:551-555.

Wang J. (2004) Sibship reconstruction from genetic data with typing errors.
Genetics 166:1963-1979.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..exceptions import InputError, Problem, ProblemLog
from ..model import GenotypeTable
from . import FormatSpec, register_format
from .genepop import allele_codes

__all__ = ["DEFAULT_DROPOUT", "DEFAULT_ERROR", "write_colony", "colony_error_rates"]

#: Default allelic dropout rate per locus when none is given: a moderate value
#: for non-invasive (scat/hair) samples; replace it with the lab's estimates.
DEFAULT_DROPOUT = 0.05
#: Default rate of other genotyping errors (false alleles, miscalls) per locus.
DEFAULT_ERROR = 0.01

_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")


def colony_error_rates(
    locus_names: list[str],
    error_rates: pd.DataFrame | Mapping[str, Any] | None,
    file: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-locus (dropout, error) rates in locus order, checked.

    Every locus of the table needs a rate in [0, 1); loci missing from
    ``error_rates`` are reported together.

    Examples
    --------
    >>> colony_error_rates(["A", "B"], {"A": (0.1, 0.02), "B": (0.0, 0.01)})
    (array([0.1, 0. ]), array([0.02, 0.01]))
    >>> colony_error_rates(["A"], None)
    (array([0.05]), array([0.01]))
    """
    n = len(locus_names)
    if error_rates is None:
        return np.full(n, DEFAULT_DROPOUT), np.full(n, DEFAULT_ERROR)
    if isinstance(error_rates, pd.DataFrame):
        df = error_rates
        if "locus" in df.columns:
            df = df.set_index("locus")
        cols = {c.lower(): c for c in df.columns}
        ado_col = cols.get("ado") or cols.get("dropout")
        fa_col = cols.get("fa") or cols.get("error")
        if ado_col is None or fa_col is None:
            raise InputError(
                Problem(
                    f"error_rates columns {', '.join(map(str, df.columns))}",
                    "columns ado and fa (or dropout and error)",
                    file,
                )
            )
        rates = {str(k): (row[ado_col], row[fa_col]) for k, row in df.iterrows()}
    else:
        rates = {str(k): tuple(v) for k, v in error_rates.items()}
    log = ProblemLog(file)
    absent = [name for name in locus_names if name not in rates]
    if absent:
        log.error(
            f"no error rates for loci {', '.join(absent)}",
            "a (dropout, error) pair for every locus",
        )
    ado = np.full(n, np.nan)
    fa = np.full(n, np.nan)
    for j, name in enumerate(locus_names):
        if name not in rates:
            continue
        pair = rates[name]
        if len(pair) != 2:
            log.error(f"{len(pair)} values", "a (dropout, error) pair", locus=name)
            continue
        for arr, v, what in ((ado, pair[0], "dropout"), (fa, pair[1], "error")):
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = float("nan")
            if not 0.0 <= x < 1.0:
                log.error(f"{what} rate {v}", "a number in [0, 1)", locus=name)
            arr[j] = x
    log.raise_if_any()
    return ado, fa


def write_colony(
    table: GenotypeTable,
    path: str | Path,
    *,
    error_rates: pd.DataFrame | Mapping[str, Any] | None = None,
    seed: int | None = None,
    dataset_name: str | None = None,
    dioecious: bool = True,
    inbreeding: bool = False,
    monogamous: tuple[bool, bool] = (False, False),
    n_runs: int = 1,
    run_length: int = 2,
    method: int = 1,
    precision: int = 2,
) -> None:
    """Write a COLONY 2 ``.dat`` file with every sample as an offspring.

    Parameters
    ----------
    table
        Diploid genotypes (one row per individual: use consensus genotypes).
    path
        Output file.
    error_rates
        Per-locus allelic dropout and other error rates (see the module notes).
    seed
        Seed for COLONY's random number generator; drawn and written when
        ``None``.
    dataset_name
        Dataset and output name (letters, digits, ``_ . -``; at most 40);
        default the file's stem.
    dioecious, inbreeding, monogamous
        Mating-system settings (males, females).
    n_runs, run_length, method, precision
        Number of runs; run length 1-4 (short to very long); 0
        pair-likelihood score, 1 full likelihood, 2 FPLS; full-likelihood
        precision 0-3 (low, medium, high, very high as in COLONY 2.0.6;
        older versions documented 1-3 for low-high).

    Examples
    --------
    >>> import tempfile, os
    >>> t = GenotypeTable.from_alleles([[[165, 169]], [[169, -1]]], ["FCA441"],
    ...                                sample_ids=["RU-1", "RU-2"])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "o.dat")
    ...     write_colony(t, p, seed=7, dataset_name="demo")
    ...     print(open(p).read().splitlines()[4])
    7                                        ! Seed for random number generator

    References
    ----------
    Jones O.R. & Wang J. (2010) Molecular Ecology Resources 10:551-555.
    """
    path = Path(path)
    file = str(path)
    if table.ploidy != 2:
        raise InputError(Problem(f"ploidy {table.ploidy}", "diploid genotypes (COLONY)", file))
    name = dataset_name if dataset_name is not None else path.stem
    log = ProblemLog(file)
    if not _NAME.match(name):
        log.error(f'dataset name "{name}"', "1-40 letters, digits, _ . or -")
    for sid in table.sample_id:
        if not _NAME.match(str(sid)):
            log.error(
                f'sample name "{sid}"',
                "1-40 letters, digits, _ . or - (COLONY splits on spaces)",
                sample=str(sid),
            )
    for locus in table.locus_id:
        if not _NAME.match(locus):
            log.error(f'marker name "{locus}"', "1-40 letters, digits, _ . or -", locus=locus)
    ids = [str(s) for s in table.sample_id]
    dup = sorted({s for s in ids if ids.count(s) > 1})
    if dup:
        log.error(
            f"repeated sample names {', '.join(dup[:5])}",
            "one row per individual (use consensus genotypes)",
        )
    checks = [
        (run_length in (1, 2, 3, 4), f"run_length={run_length}", "1, 2, 3 or 4"),
        (method in (0, 1, 2), f"method={method}", "0 (PLS), 1 (FL) or 2 (FPLS)"),
        (precision in (0, 1, 2, 3), f"precision={precision}", "0, 1, 2 or 3"),
        (n_runs >= 1, f"n_runs={n_runs}", "at least 1"),
        (
            seed is None or 0 < int(seed) < 2**31,
            f"seed={seed}",
            "a whole number from 1 to 2^31 - 1",
        ),
    ]
    for ok, found, expected in checks:
        if not ok:
            log.error(found, expected)
    log.raise_if_any()
    ado, fa = colony_error_rates(list(table.locus_id), error_rates, file)
    codes = allele_codes(table, file, np.iinfo(np.int32).max, "COLONY")
    if seed is None:
        seed = int(np.random.default_rng().integers(1, 2**31 - 1))
    source = (
        "given" if error_rates is not None else f"genmon defaults {DEFAULT_DROPOUT}/{DEFAULT_ERROR}"
    )

    def line(value: str, comment: str) -> str:
        return f"{value:<40} ! {comment}"

    def rates(x: np.ndarray) -> str:
        return " ".join(f"{v:.4f}" for v in x)

    out = [
        line(f"'{name}'", f"Dataset name; written by genmon {__version__}; error rates: {source}"),
        line(f"'{name}'", "Output file name"),
        line(str(table.n_samples), "Number of offspring in the sample"),
        line(str(table.n_loci), "Number of loci"),
        line(str(int(seed)), "Seed for random number generator"),
        line("0", "0/1=Not updating/updating allele frequency"),
        line("2" if dioecious else "1", "2/1=Dioecious/Monoecious species"),
        line("1" if inbreeding else "0", "0/1=No inbreeding/inbreeding"),
        line("0", "0/1=Diploid species/HaploDiploid species"),
        line(
            f"{int(monogamous[0])} {int(monogamous[1])}",
            "0/1=Polygamy/Monogamy for males & females",
        ),
        line("0", "0/1=Clone inference =No/Yes"),
        line("1", "0/1=Full sibship size scaling =No/Yes"),
        line("0", "0,1,2,3=No,weak,medium,strong sibship size prior"),
        line("0", "0/1=Unknown/Known population allele frequency"),
        line(str(n_runs), "Number of runs"),
        line(str(run_length), "Length of run (1..4)"),
        line("0", "0/1=Monitor method by Iterate#/Time in second"),
        line("100000", "Monitor interval"),
        line("0", "0/1=DOS/Windows version"),
        line(str(method), "0/1/2=PairLikelihood score/Fulllikelihood/FPLS"),
        line(str(precision), "0/1/2/3=Low/Medium/High/VeryHigh precision"),
        "",
        line(" ".join(table.locus_id), "Marker IDs"),
        line(" ".join("0" for _ in table.locus_id), "Marker types, 0=codominant"),
        line(rates(ado), "Allelic dropout rate per locus"),
        line(rates(fa), "Other genotyping error rate per locus"),
        "",
    ]
    for i, sid in enumerate(ids):
        out.append(sid + " " + " ".join(str(int(v)) for v in codes[i].reshape(-1)))
    out += [
        "",
        line("0.0 0.0", "Prob. that father / mother is among the candidates"),
        line("0 0", "Numbers of candidate males / females"),
        "",
        line("0 0", "Number of offspring with known paternity, exclusion threshold"),
        line("0 0", "Number of offspring with known maternity, exclusion threshold"),
        "",
        line("0", "Number of known paternal sibships"),
        line("0", "Number of known maternal sibships"),
        "",
        line("0", "Number of offspring with known excluded paternity"),
        line("0", "Number of offspring with known excluded maternity"),
        "",
        line("0", "Number of offspring with known excluded paternal sibships"),
        line("0", "Number of offspring with known excluded maternal sibships"),
    ]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(out) + "\n")


register_format(
    FormatSpec(
        "colony",
        "COLONY 2 .dat input (all samples as offspring; per-locus dropout/error rates); writer only",
        None,
        write_colony,
        (),
        None,
        {"error_rates": "{locus: (dropout, error)} or a DataFrame", "seed": "COLONY's random seed"},
    )
)
