"""``genmon report``: one self-contained HTML report of a batch's results, optionally as PDF."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ..reports import write_report
from ..reports.pdf import PDF_ENGINES, html_to_pdf
from ._options import check_output, force_option, info


@click.command("report")
@click.argument("run_dir", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write (a .summary.tsv and a <name>_tables/ folder of TSVs are written beside "
                   "it); a name ending in .pdf writes the PDF and the .html it is printed from.")
@click.option("--title", default="genmon batch report", show_default=True, help="Report title.")
@click.option("--db", default=None,
              help="Report the latest consensus and catalogue stored in this database (SQLite path or URL) "
                   "instead of RUN_DIR.")
@click.option("--pdf", "pdf", is_flag=True, help="Also print the report to PDF (<name>.pdf beside the HTML).")
@click.option("--pdf-engine", type=click.Choice(PDF_ENGINES), default="auto", show_default=True,
              help="auto: headless Chromium when installed, else WeasyPrint (extra 'report').")
@force_option
def command(run_dir: Path | None, output: Path, title: str, db: str | None, pdf: bool, pdf_engine: str,
            force: bool) -> None:
    """Render the step outputs under RUN_DIR (species/, sex/, consensus/, identify/, markers/,
    relate/, ne/, census/), or the latest results stored in a database (--db), into one HTML
    file with embedded plots and a provenance block.

    The same inputs give the same HTML bytes apart from the one 'Generated' line.
    """
    if output.suffix.lower() == ".pdf":
        pdf, pdf_path, output = True, output, output.with_suffix(".html")
    else:
        pdf_path = output.with_suffix(".pdf")
    check_output(output, force)
    if pdf:
        check_output(pdf_path, force)
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
    info(f"wrote {written[0]}")
    if pdf:
        engine = html_to_pdf(output, pdf_path, pdf_engine)
        info(f"wrote {pdf_path} ({engine})")
