"""Print the HTML report to PDF.

Two engines, both installable on a fresh Debian machine:

``chromium``
    Headless Chromium's ``--print-to-pdf`` (Debian package ``chromium``, the
    browser the report's browser test already uses), so the PDF looks like the
    page on screen.  The binary is ``$GENMON_CHROMIUM`` or the first of
    ``chromium``, ``chromium-browser``, ``google-chrome`` on the ``PATH``.
``weasyprint``
    WeasyPrint (``pip install 'genmon[report]'``; needs Pango, Debian
    ``libpango-1.0-0 libpangoft2-1.0-0``), pure Python, no browser.

``auto`` takes Chromium when one is found, else WeasyPrint.  The HTML's
``@media print`` rules set A4 pages.  A PDF records its creation time, so two
PDFs of the same report differ in those bytes; the HTML is the document that
is reproducible bit for bit.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..exceptions import GenmonError

__all__ = ["PDF_ENGINES", "find_chromium", "html_to_pdf"]

PDF_ENGINES = ("auto", "chromium", "weasyprint")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or ``None``."""
    env = os.environ.get("GENMON_CHROMIUM")
    if env:
        return env if Path(env).is_file() else shutil.which(env)
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium(binary: str, html: Path, pdf: Path, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="genmon-chromium-") as profile:
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={profile}",
               f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise GenmonError(f"Chromium did not print {html} within {timeout:g} s") from None
    if proc.returncode or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise GenmonError(f"Chromium could not print {html} to PDF (exit status {proc.returncode}): "
                          + " / ".join(tail))


def _weasyprint(html: Path, pdf: Path) -> None:
    import weasyprint

    weasyprint.HTML(filename=str(html)).write_pdf(str(pdf))


def html_to_pdf(html: str | Path, pdf: str | Path, engine: str = "auto", timeout: float = 120.0) -> str:
    """Print ``html`` (a file) to ``pdf``; returns the engine used.

    Raises
    ------
    GenmonError
        When the engine asked for (or, with ``auto``, either engine) is not
        installed, or printing fails.
    """
    html, pdf = Path(html), Path(pdf)
    if engine not in PDF_ENGINES:
        raise GenmonError(f"unknown PDF engine {engine!r}; one of {', '.join(PDF_ENGINES)}")
    chromium = find_chromium() if engine in ("auto", "chromium") else None
    has_weasyprint = importlib.util.find_spec("weasyprint") is not None
    if engine == "chromium" and chromium is None:
        raise GenmonError("no Chromium found for PDF output: apt-get install chromium (or set GENMON_CHROMIUM)")
    if engine == "weasyprint" and not has_weasyprint:
        raise GenmonError("WeasyPrint is not installed: python3 -m pip install 'genmon[report]'")
    if engine == "auto" and chromium is None and not has_weasyprint:
        raise GenmonError("PDF output needs headless Chromium (apt-get install chromium) or WeasyPrint "
                          "(python3 -m pip install 'genmon[report]')")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(f".{pdf.name}.tmp.pdf")
    try:
        if chromium is not None:
            _chromium(chromium, html, tmp, timeout)
            used = "chromium"
        else:
            _weasyprint(html, tmp)
            used = "weasyprint"
        tmp.replace(pdf)
    finally:
        tmp.unlink(missing_ok=True)
    return used
