"""``genmon report``: one self-contained HTML report of a batch's results."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ..reports import write_report
from ._options import check_output, force_option


@click.command("report")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (a .summary.tsv is written beside it).")
@click.option("--title", default="genmon batch report", show_default=True, help="Report title.")
@click.option("--db", default=None,
              help="Report the latest consensus and catalogue stored in this database (SQLite path or URL) "
                   "instead of RUN_DIR.")
@force_option
def command(run_dir: Path | None, output: Path, title: str, db: str | None, force: bool) -> None:
    """Render the step outputs under RUN_DIR (consensus/, identify/, markers/, relate/,
    ne/, census/) into one HTML file with embedded plots and a provenance block.

    The same inputs give the same bytes apart from the one 'Generated' line.
    """
    check_output(output, force)
    if (run_dir is None) == (db is None):
        raise click.UsageError("give either RUN_DIR or --db")
    if db is not None:
        from ..db import open_engine
        from ..db.snapshot import write_run_dir

        with tempfile.TemporaryDirectory(prefix="genmon-report-") as tmp:
            snapshot = Path(tmp) / "database"
            write_run_dir(open_engine(db), snapshot)
            written = write_report(snapshot, output, title)
    else:
        written = write_report(run_dir, output, title)
    click.echo(f"wrote {written[0]}", err=True)
