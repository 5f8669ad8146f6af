"""Report plots: files are written, in the requested format, reproducibly."""

import warnings

from genmon import GenotypeTable
from genmon.markers import (
    PanelPowerWarning,
    plot_allele_frequencies,
    plot_identity_curve,
    probability_of_identity,
)


def _table():
    return GenotypeTable.from_alleles(
        [[[100, 102], [150, 150], [-1, -1]], [[100, 100], [150, 154], [-1, -1]], [[102, 104], [154, 154], [-1, -1]]],
        ["A", "B", "untyped"])


def test_plots_written_and_deterministic(tmp_path):
    t = _table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PanelPowerWarning)
        identity = probability_of_identity(t).table
    for fmt in ("svg", "png"):
        a = plot_identity_curve(identity, tmp_path / f"a.{fmt}")
        b = plot_identity_curve(identity, tmp_path / f"b.{fmt}")
        assert a.read_bytes() == b.read_bytes()
        c = plot_allele_frequencies(t, tmp_path / f"c.{fmt}")
        d = plot_allele_frequencies(t, tmp_path / f"d.{fmt}")
        assert c.read_bytes() == d.read_bytes()
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "c.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "untyped (n=0)" in svg
