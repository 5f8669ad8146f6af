"""Progress bars on stderr for long steps, shown only on an interactive terminal.

A bar is drawn only when the stream (stderr by default) is a TTY and the
running ``genmon`` command was not given ``--quiet``; otherwise the helper
yields the items unchanged and prints nothing, so tests, pipelines and log
files stay clean.

Examples
--------
>>> import io
>>> list(progress(range(3), "boot", stream=io.StringIO()))
[0, 1, 2]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

import click

T = TypeVar("T")

__all__ = ["progress", "progress_enabled"]


def _quiet() -> bool:
    """Return True when the current Click context asked for ``--quiet``."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("quiet"):
            return True
        ctx = ctx.parent
    return False


def progress_enabled(stream: IO[str] | None = None) -> bool:
    """Whether a progress bar would be drawn on `stream` (default stderr).

    Parameters
    ----------
    stream : file-like, optional
        Stream the bar would be written to; ``sys.stderr`` when None.

    Returns
    -------
    bool
        True only if `stream` is a TTY and the CLI is not ``--quiet``.
    """
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        tty = False
    return tty and not _quiet()


def progress(
    iterable: Iterable[T],
    label: str,
    total: int | None = None,
    stream: IO[str] | None = None,
) -> Iterator[T]:
    """Iterate over `iterable`, drawing a progress bar when interactive.

    Parameters
    ----------
    iterable : iterable
        Items to yield unchanged.
    label : str
        Text shown before the bar.
    total : int, optional
        Number of items; taken from ``len(iterable)`` when possible.
    stream : file-like, optional
        Where the bar goes; ``sys.stderr`` when None.

    Yields
    ------
    object
        The items of `iterable`, in order.
    """
    stream = sys.stderr if stream is None else stream
    if not progress_enabled(stream):
        yield from iterable
        return
    if total is None:
        try:
            total = len(iterable)  # type: ignore[arg-type]
        except TypeError:
            total = None
    with click.progressbar(iterable, length=total, label=label, file=stream) as bar:
        yield from bar
