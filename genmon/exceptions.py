"""genmon's exceptions and warnings.

Every error a user can act on derives from :class:`GenmonError`.  Bad input
raises :class:`InputError`, which carries *all* the problems found in a file as
:class:`Problem` records; each reads
``file, line N, sample S, locus L: found …, expected …``.

The command line maps these to documented exit codes (see ``genmon.cli``):
``InputError`` exits 3, any other ``GenmonError`` exits 1.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

__all__ = [
    "GenmonError",
    "InputError",
    "ModelError",
    "Problem",
    "ProblemLog",
    "GenmonWarning",
    "InputWarning",
]


@dataclass(frozen=True)
class Problem:
    """One problem in an input, with as much context as is known."""

    found: str
    expected: str | None = None
    file: str | None = None
    line: int | None = None
    sample: str | None = None
    locus: str | None = None

    def where(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(str(self.file))
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.sample is not None:
            parts.append(f"sample {self.sample}")
        if self.locus is not None:
            parts.append(f"locus {self.locus}")
        return ", ".join(parts)

    def __str__(self) -> str:
        what = f"found {self.found}"
        if self.expected is not None:
            what += f", expected {self.expected}"
        where = self.where()
        return f"{where}: {what}" if where else what


class GenmonError(Exception):
    """Root of the errors genmon raises on purpose."""


class ModelError(GenmonError, ValueError):
    """A genotype table or parameter violates the data model's invariants."""


class InputError(GenmonError):
    """An input file (or table) failed validation.

    Parameters
    ----------
    problems
        Every problem found; the message lists them one per line.
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(found=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class GenmonWarning(UserWarning):
    """Root of genmon's named warnings."""


class InputWarning(GenmonWarning):
    """A recoverable oddity in an input file; the message carries its context."""

    def __init__(self, problem: Problem | str):
        self.problem = problem if isinstance(problem, Problem) else Problem(found=problem)
        super().__init__(str(self.problem))


@dataclass
class ProblemLog:
    """Collects the problems of one file so that all are reported at once.

    Readers call :meth:`error` for each problem and :meth:`raise_if_any` when
    done; :meth:`warn` issues an :class:`InputWarning` at once.

    Examples
    --------
    >>> log = ProblemLog("batch.csv")
    >>> log.error('allele "1O4"', "a whole number", line=14, sample="PT-0231", locus="FCA441")
    >>> print(log.problems[0])
    batch.csv, line 14, sample PT-0231, locus FCA441: found allele "1O4", expected a whole number
    """

    file: str | None = None
    problems: list[Problem] = field(default_factory=list)
    max_problems: int = 200
    n_suppressed: int = 0

    def error(
        self,
        found: str,
        expected: str | None = None,
        *,
        line: int | None = None,
        sample: str | None = None,
        locus: str | None = None,
    ) -> None:
        if len(self.problems) >= self.max_problems:
            self.n_suppressed += 1
            return
        self.problems.append(Problem(found, expected, self.file, line, sample, locus))

    def warn(
        self,
        found: str,
        expected: str | None = None,
        *,
        line: int | None = None,
        sample: str | None = None,
        locus: str | None = None,
        category: type[InputWarning] = InputWarning,
    ) -> None:
        warnings.warn(
            category(Problem(found, expected, self.file, line, sample, locus)), stacklevel=3
        )

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        problems = list(self.problems)
        if self.n_suppressed:
            problems.append(
                Problem(f"{self.n_suppressed} further problems not shown", file=self.file)
            )
        raise InputError(problems)
