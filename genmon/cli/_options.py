"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import click

from ..io import FORMATS

missing_option = click.option(
    "--missing",
    metavar="CODES",
    default=None,
    help="Comma-separated tokens read as a missing allele (default: empty, 0, -1, -9, -99, ?, NA, N/A, .).",
)
force_option = click.option("--force", is_flag=True, help="Overwrite existing output files.")
threads_option = click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Threads for the compiled kernels (results do not depend on it).",
)
seed_option = click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Random seed (one is drawn and recorded when omitted)."
)


def format_choice(kind: str) -> click.Choice:
    names = sorted(n for n, s in FORMATS.items() if (s.reader if kind == "reader" else s.writer))
    return click.Choice(names, case_sensitive=False)


def check_output(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing output without ``--force``."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to overwrite it")


def reader_options(missing: str | None) -> dict:
    return {} if missing is None else {"missing": missing}


def info(message: str) -> None:
    """Print an informational line ("wrote ...") on stderr, unless ``genmon -q`` asked for errors only.

    Errors and warnings do not go through here: they are printed by the command group.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and (ctx.find_root().obj or {}).get("quiet"):
        return
    click.echo(message, err=True)
