"""The ``genmon`` command line: a Click group over the library.

Each command lives in its own module of this package and exposes ``command``;
the group adds every such module it finds.

Exit codes (stable, documented in the README):

=====  ==========================================================
0      success
1      runtime error (a GenmonError that is not about the input)
2      usage error (bad options or arguments; Click's default)
3      input failed validation (every problem is listed on stderr)
=====  ==========================================================
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
import warnings

import click

from ..exceptions import GenmonError, GenmonWarning, InputError

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3

logger = logging.getLogger("genmon")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, GenmonWarning):
        click.echo(f"warning: {message}", err=True)
    else:
        click.echo(f"warning: {category.__name__}: {message}", err=True)


class GenmonGroup(click.Group):
    """Turns genmon's own errors into one line per problem and an exit code.

    Command modules are imported only when their command is used (or help is
    listed), so ``genmon convert`` does not pay for matplotlib or scipy.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_command_modules()))

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None and name in _command_modules():
            command = importlib.import_module(f"{__name__}.{_command_modules()[name]}").command
            self.add_command(command, name)
        return command

    def invoke(self, ctx: click.Context):
        # genmon's warnings are messages for the user: always shown (one line each on
        # stderr), never turned into errors by an outer filter, and the filter
        # change is undone when the command returns.
        with warnings.catch_warnings():
            warnings.simplefilter("always", GenmonWarning)
            warnings.showwarning = _show_warning
            return self._invoke_reporting_errors(ctx)

    def _invoke_reporting_errors(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GenmonError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            problems = exc.problems if isinstance(exc, InputError) else [exc]
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
            ctx.exit(EXIT_INVALID_INPUT if isinstance(exc, InputError) else EXIT_RUNTIME)
        except Exception as exc:
            # Database failures (server gone, locked file, schema drift) are runtime errors
            # with one line, like genmon's own; sqlalchemy is only loaded by --db commands.
            sa_exc = sys.modules.get("sqlalchemy.exc")
            if sa_exc is None or not isinstance(exc, sa_exc.SQLAlchemyError) or (ctx.obj and ctx.obj.get("debug")):
                raise
            orig = getattr(exc, "orig", None) or exc
            click.echo(f"error: database: {type(orig).__name__}: {str(orig).splitlines()[0]}", err=True)
            ctx.exit(EXIT_RUNTIME)


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from ..provenance import version_string

    click.echo(version_string())
    ctx.exit(0)


@click.group(cls=GenmonGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print genmon's version and how its kernels were built, then exit.",
)
@click.option("-v", "--verbose", count=True, help="Log more on stderr (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """genmon: population-genetics monitoring from scat and hair DNA.

    Exit codes: 0 success, 1 runtime error, 2 usage error, 3 input failed
    validation.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(verbose=verbose, quiet=quiet, debug=debug)
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr, force=True)
    if quiet:
        warnings.simplefilter("ignore", GenmonWarning)


def _command_modules() -> dict[str, str]:
    """Command name -> module name for every public module of this package."""
    return {info.name.replace("_", "-"): info.name for info in pkgutil.iter_modules(__path__)
            if not info.name.startswith("_")}


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="genmon")
