"""``genmon report``: one self-contained HTML report of a batch's results."""

from __future__ import annotations

from pathlib import Path

import click

from ..reports import write_report
from ._options import check_output, force_option


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (a .summary.tsv is written beside it).")
@click.option("--title", default="genmon batch report", show_default=True, help="Report title.")
@force_option
def command(run_dir: Path, output: Path, title: str, force: bool) -> None:
    """Render the step outputs under RUN_DIR (consensus/, identify/, markers/, relate/,
    ne/, census/) into one HTML file with embedded plots and a provenance block.

    The same inputs give the same bytes apart from the one 'Generated' line.
    """
    check_output(output, force)
    written = write_report(run_dir, output, title)
    click.echo(f"wrote {written[0]}", err=True)
