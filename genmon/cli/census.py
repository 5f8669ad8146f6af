"""``genmon census``: abundance from genetic detections."""

from __future__ import annotations

from pathlib import Path

import click

from ..census.captures import read_captures
from ..census.detectors import read_detectors
from ..census.estimate import METHODS, estimate_abundance, estimate_density, write_census
from ..provenance import make_provenance
from ._options import check_output, force_option, info, seed_option


@click.command("census")
@click.argument("captures", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for abundance.tsv, plots and run.json.")
@click.option("--method", "methods", default=",".join(METHODS), show_default=True,
              help="Comma-separated methods: capwire, closed, rarefaction.")
@click.option("--max-pop", type=click.IntRange(min=2), default=None,
              help="Upper end of capwire's grid search (default: max(200, 10 x individuals seen)).")
@click.option("--bootstraps", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Parametric bootstrap replicates for capwire CIs and the LRT.")
@click.option("--orders", type=click.IntRange(min=10), default=1000, show_default=True,
              help="Random sample orders for the rarefaction curve.")
@click.option("--detectors", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Detectors table (detector, x, y, usage…) for spatially explicit capture-recapture (SCR).")
@click.option("--buffer", type=click.FloatRange(min=0, min_open=True), default=None,
              help="SCR habitat mask buffer around the detectors, metres (at least 3-4 sigma).")
@click.option("--mask-spacing", type=click.FloatRange(min=0, min_open=True), default=None,
              help="SCR mask point spacing in metres (default: the mask's width / 64).")
@click.option("--detection-function", "detection_functions", default="HN,HR", show_default=True,
              help="SCR detection functions to fit: HN (half-normal), HR (hazard-rate).")
@click.option("--detector-type", type=click.Choice(["proximity", "count"]), default="proximity", show_default=True,
              help="proximity: at most one detection per individual, detector and occasion; count: Poisson counts.")
@click.option("--db", default=None,
              help="Read the detections of a catalogue in this database (SQLite path or URL) instead of CAPTURES.")
@click.option("--db-catalogue", default="main", show_default=True, help="With --db: the catalogue's name.")
@seed_option
@force_option
def command(captures: Path | None, out_dir: Path, methods: str, max_pop: int | None, bootstraps: int, orders: int,
            detectors: Path | None, buffer: float | None, mask_spacing: float | None, detection_functions: str,
            detector_type: str, db: str | None, db_catalogue: str, seed: int | None, force: bool) -> None:
    """Estimate abundance from CAPTURES (captures.tsv from `genmon identify`, or a
    capwire class table with columns capture.class, No.Ind).

    Writes DIR/abundance.tsv (method, model, n_hat, ci_low, ci_high, se, lnl,
    aic, details, reason), a discovery curve, a capture-frequency plot, a map
    of detections with coarsened coordinates when x/y are present, and run.json.
    With --detectors and --buffer it also fits SCR and writes DIR/density.tsv.
    """
    check_output(out_dir / "abundance.tsv", force)
    if (detectors is None) != (buffer is None):
        raise click.UsageError("SCR needs both --detectors and --buffer")
    if (captures is None) == (db is None):
        raise click.UsageError("give either CAPTURES or --db")
    chosen = [m.strip() for m in methods.split(",") if m.strip()]
    if db is not None:
        from ..db.steps import captures_from_database

        detections = captures_from_database(db, db_catalogue)
    else:
        detections = read_captures(captures)
    detector_table = read_detectors(detectors) if detectors is not None else None
    result = estimate_abundance(detections, chosen, max_pop=max_pop, n_boot=bootstraps, n_orders=orders, seed=seed)
    inputs = [captures] if captures is not None else []
    if detector_table is not None:
        fns = [f.strip().upper() for f in detection_functions.split(",") if f.strip()]
        result.density = estimate_density(detections, detector_table, buffer, fns, detector_type, mask_spacing)
        result.parameters.update(buffer=buffer, mask_spacing=mask_spacing, detection_functions=fns,
                                 detector_type=detector_type)
        inputs.append(detectors)
    if db is not None:
        result.parameters.update(database=db, catalogue=db_catalogue)
    provenance = make_provenance(parameters=result.parameters, seed=result.parameters["seed"], inputs=inputs)
    write_census(result, out_dir, provenance)
    info(f"wrote {out_dir}/abundance.tsv ({len(result.abundance)} estimates)")
