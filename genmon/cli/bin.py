"""``genmon bin``: build allele bins from raw fragment sizes, or apply a saved bin set."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from pathlib import Path

import click

from ..io import detect_format, write_genotypes
from ..labqc.binning import apply_bins, build_bins, read_binset, read_sizes, write_binset
from ..labqc.binplots import plot_size_histograms
from ..labqc.calibration import shift_sizes
from ..provenance import make_provenance
from ._options import check_output, force_option, format_choice, info

_path = click.Path(dir_okay=False, path_type=Path)


def _parse_units(values: tuple[str, ...]) -> dict[str, int] | int:
    default: int | None = None
    per_locus: dict[str, int] = {}
    for value in values:
        name, sep, unit = value.rpartition("=")
        try:
            n = int(unit)
        except ValueError:
            raise click.BadParameter(f'"{value}" is not N or LOCUS=N', param_hint="--repeat-unit") from None
        if sep:
            per_locus[name.strip()] = n
        else:
            default = n
    if default is None:
        return per_locus
    return _Default(per_locus, default)


class _Default(dict):
    """Per-locus units with a default for the loci not named."""

    def __init__(self, per_locus: dict[str, int], default: int):
        super().__init__(per_locus)
        self.default = default

    def get(self, key, fallback=None):
        return super().get(key, self.default)


def _write_peaks(peaks, path: Path, prov: dict) -> None:
    import json

    text = "# " + json.dumps(prov, sort_keys=True) + "\n" + peaks.to_csv(sep="\t", index=False, na_rep="NA",
                                                                       lineterminator="\n")
    path.write_text(text, encoding="utf-8")


def _read(sizes: Path, calibration: Path | None):
    data = read_sizes(sizes)
    if calibration is not None:
        data.sizes = shift_sizes(data.sizes, data.locus_names, calibration)
    return data


@contextlib.contextmanager
def _all_or_nothing(*paths: Path | None):
    """Temporary paths beside ``paths``, moved into place only if every write succeeded."""
    tmps = [None if p is None else p.with_name(f".{p.name}.tmp-{os.getpid()}") for p in paths]
    for p in paths:
        if p is not None:
            p.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield tmps
        for p, t in zip(paths, tmps, strict=True):
            if p is not None:
                os.replace(t, p)
    finally:
        for t in tmps:
            if t is not None:
                t.unlink(missing_ok=True)


@click.group("bin")
def command() -> None:
    """Allele binning: turn raw fragment sizes (bp) into allele labels with versioned bin sets."""


@command.command("build")
@click.argument("sizes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=_path, help="Bin-set TSV to write.")
@click.option("-g", "--genotypes", required=True, type=_path, help="Called genotypes to write (format from the extension or --to).")
@click.option("--to", "to_format", type=format_choice("writer"), default=None, help="Format of the genotypes file.")
@click.option("--peaks", type=_path, default=None, help="Also write one TSV row per peak: size, allele, bin centre, status.")
@click.option("--panel", required=True, help="Panel name recorded in the bin set.")
@click.option("--version", "bin_version", default="1", show_default=True, help="Bin-set version recorded in the file.")
@click.option("--repeat-unit", "repeat_units", multiple=True, required=True, metavar="N|LOCUS=N",
              help="Repeat unit in bp: N for every locus, LOCUS=N for one locus (repeatable).")
@click.option("--half-width", type=float, default=None, help="Bin half-width in bp (default 0.4 x repeat unit).")
@click.option("--margin", type=float, default=None,
              help="Bins extend this many bp beyond the observed sizes (default one repeat unit).")
@click.option("--calibration", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Translation table from 'genmon calibrate --use-sizes': sizes are moved onto the reference "
                   "lab's before binning.")
@click.option("--plot", type=_path, default=None,
              help="Also draw the allele-size histogram of every locus with its bins (.svg or .png).")
@force_option
def build(sizes, output, genotypes, to_format, peaks, panel, bin_version, repeat_units, half_width, margin,
          calibration, plot, force):
    """Fit bins on the repeat ladder of each locus in SIZES, save them and call the alleles.

    SIZES is a GeneMapper Genotypes Table (its Size columns) or a sizing table
    with the columns sample, locus, size and optionally replicate.
    """
    for path in (output, genotypes, peaks, plot):
        if path is not None:
            check_output(path, force)
    if plot is not None and plot.suffix.lower() not in (".svg", ".png"):
        raise click.BadParameter(f"{plot}: give a .svg or .png file", param_hint="--plot")
    units = _parse_units(repeat_units)
    data = _read(sizes, calibration)
    binset = build_bins(data, units, panel=panel, version=bin_version, half_width=half_width, margin=margin)
    result = apply_bins(data, binset)
    params = {"panel": panel, "version": bin_version, "repeat_units": list(repeat_units),
              "half_width": half_width, "margin": margin, "calibration": str(calibration) if calibration else None}
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), params, None,
                           [sizes] + ([calibration] if calibration else []))
    binset = dataclasses.replace(binset, provenance=prov)
    with _all_or_nothing(output, genotypes, peaks, plot) as tmp:
        write_binset(binset, tmp[0])
        write_genotypes(result.table, tmp[1], to_format or detect_format(genotypes, kind="writer"))
        if peaks is not None:
            _write_peaks(result.peaks, tmp[2], prov)
        if plot is not None:
            plot_size_histograms(data, binset, tmp[3], fmt=plot.suffix.lstrip(".").lower())
    n_bins = sum(len(lb.bins) for lb in binset.loci.values())
    info(f"wrote {output} ({len(binset.loci)} loci, {n_bins} bins) and {genotypes}")


@command.command("apply")
@click.argument("sizes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("binset_file", metavar="BINSET", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=_path, help="Called genotypes to write.")
@click.option("--to", "to_format", type=format_choice("writer"), default=None, help="Format of the genotypes file.")
@click.option("--peaks", type=_path, default=None, help="Also write one TSV row per peak: size, allele, bin centre, status.")
@click.option("--allow-missing-loci", is_flag=True,
              help="Leave loci without bins uncalled instead of refusing the bin set as another panel's.")
@click.option("--calibration", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Translation table from 'genmon calibrate --use-sizes': sizes are moved onto the reference "
                   "lab's before binning.")
@force_option
def apply(sizes, binset_file, output, to_format, peaks, allow_missing_loci, calibration, force):
    """Call the alleles in SIZES with the bins saved in BINSET."""
    for path in (output, peaks):
        if path is not None:
            check_output(path, force)
    binset = read_binset(binset_file)
    data = _read(sizes, calibration)
    result = apply_bins(data, binset, allow_missing_loci=allow_missing_loci)
    prov = make_provenance("genmon " + " ".join(sys.argv[1:]), {"binset": str(binset_file), "calibration":
                           str(calibration) if calibration else None}, None,
                           [sizes, binset_file] + ([calibration] if calibration else []))
    with _all_or_nothing(output, peaks) as tmp:
        write_genotypes(result.table, tmp[0], to_format or detect_format(output, kind="writer"))
        if peaks is not None:
            _write_peaks(result.peaks, tmp[1], prov)
    info(f"wrote {output} ({result.table.n_samples} rows x {result.table.n_loci} loci; bin set "
               f"{binset.panel} version {binset.version})")
