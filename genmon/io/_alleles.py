"""Allele tokens: missing codes and whole-number checks shared by readers."""

from __future__ import annotations

from collections.abc import Iterable

from ..exceptions import ProblemLog

__all__ = ["DEFAULT_MISSING", "missing_codes", "parse_allele"]

#: Tokens read as a missing allele unless a reader is told otherwise.
DEFAULT_MISSING = frozenset({"", "0", "-1", "-9", "-99", "?", "NA", "N/A", "na", "nan", "NaN", "."})


def missing_codes(codes: Iterable[str] | str | None) -> frozenset[str]:
    """Normalise a user's missing codes (``"0,-9"`` or a list); ``None`` gives the defaults.

    The empty string is always missing.
    """
    if codes is None:
        return DEFAULT_MISSING
    if isinstance(codes, str):
        codes = codes.split(",")
    return frozenset({str(c).strip() for c in codes} | {""})


def parse_allele(
    token: str,
    missing: frozenset[str],
    log: ProblemLog,
    *,
    line: int | None = None,
    sample: str | None = None,
    locus: str | None = None,
) -> int | None:
    """An allele size from a token: ``None`` for missing, else a non-negative int.

    A bad token is logged (not raised) so that a reader can report every
    problem of a file at once; it then reads as missing.

    Examples
    --------
    >>> log = ProblemLog("f.csv")
    >>> parse_allele("165", DEFAULT_MISSING, log), parse_allele("-9", DEFAULT_MISSING, log)
    (165, None)
    >>> parse_allele("1O4", DEFAULT_MISSING, log, line=3, sample="A", locus="F53") is None
    True
    >>> print(log.problems[0])
    f.csv, line 3, sample A, locus F53: found allele "1O4", expected a whole number or a missing code
    """
    t = token.strip()
    if t in missing:
        return None
    try:
        value = int(t)
    except ValueError:
        try:
            f = float(t)
        except ValueError:
            f = None
        if f is not None and f.is_integer():
            value = int(f)
        else:
            log.error(f'allele "{token}"', "a whole number or a missing code", line=line, sample=sample, locus=locus)
            return None
    if value < 0:
        log.error(f'allele "{token}"', "a non-negative size or a missing code", line=line, sample=sample, locus=locus)
        return None
    return value
