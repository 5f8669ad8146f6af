"""One lab batch, end to end: read replicates, build the consensus, estimate error rates, write.

:func:`run_consensus` does the work and :func:`write_consensus_outputs`
writes the output folder atomically (into a temporary folder beside it, then
renamed), so that an error never leaves a partial folder behind.

Files written (tab-separated unless noted; ``NA`` marks missing values):

``consensus.csv``
    The consensus genotypes in genmon's canonical wide CSV (one row per field
    sample; confirmed calls only unless provisional calls are asked for;
    rejected samples left out).
``consensus_long.tsv``
    sample, locus, allele_1, allele_2, status, n_replicates, quality,
    n_amplified, posterior.
``samples.tsv``
    sample, quality_index, loci_typed, status (accepted, regenotype,
    rejected), n_replicates, loci_confirmed, reason.
``regenotype.tsv``
    Calls still short of the rule, with the PCRs that would reach it.
``rejects.tsv``
    Rejected samples and why.
``error_rates.tsv``
    locus, n_replicates, ado_rate, fa_rate, ado_ci_low, ado_ci_high,
    fa_ci_low, fa_ci_high, method; per locus by both methods
    (``consensus-wilson`` with a pooled ``ALL`` row, and ``ml-profile``);
    ``n_replicates`` is the number of successful amplifications used.
    Report and reuse the ``ml-profile`` rates (``--error-rates`` of a later
    batch reads those rows): the counts against the consensus are biased
    low, FA most, because the replicates that show an error are the ones
    that keep a call from being confirmed (see :mod:`genmon.labqc.errors`);
    they are kept for comparison with GIMLET-style counts.
``error_rates_samples.tsv``, ``error_rates_runs.tsv``
    Count-based rates per field sample and per run.
``loci.tsv``
    Per locus: quality index, calls by status, Ho, He, null-allele
    frequency estimates and Micro-Checker-style stutter and large-allele
    dropout flags (on the confirmed and provisional calls of samples not
    rejected).
``run.json``
    Provenance (genmon version, parameters, input checksums) and a summary.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import GenmonError, InputError, Problem
from ..io import FORMATS, read_genotypes, write_genotypes
from ..model import GenotypeTable
from ._replicates import merge_replicate_tables
from .consensus import ConsensusResult, call_consensus
from .errors import (
    count_error_rates,
    error_rates_table,
    microchecker_flags,
    null_allele_frequencies,
    read_error_rates,
)

__all__ = ["ConsensusRun", "consensus_from_table", "read_rates_for", "run_consensus", "write_consensus_outputs", "OUTPUT_FILES"]

OUTPUT_FILES = (
    "consensus.csv",
    "consensus_long.tsv",
    "samples.tsv",
    "regenotype.tsv",
    "rejects.tsv",
    "error_rates.tsv",
    "error_rates_samples.tsv",
    "error_rates_runs.tsv",
    "loci.tsv",
    "run.json",
)


@dataclass
class ConsensusRun:
    """Everything :func:`write_consensus_outputs` writes."""

    result: ConsensusResult
    error_rates: pd.DataFrame
    sample_rates: pd.DataFrame
    run_rates: pd.DataFrame
    loci: pd.DataFrame
    inputs: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    include_provisional: bool = False

    def consensus_table(self) -> GenotypeTable:
        return self.result.to_table(include_provisional=self.include_provisional)

    def summary(self) -> dict[str, Any]:
        r = self.result
        status = pd.Series(r.sample_status).value_counts()
        calls = pd.Series(np.asarray(["failed", "provisional", "confirmed"])[r.status.ravel()]).value_counts()
        return {
            "n_samples": int(len(r.sample_id)),
            "n_replicate_rows": int(r.replicates.n_replicates.sum()),
            "n_loci": int(len(r.locus_id)),
            "samples": {k: int(status.get(k, 0)) for k in ("accepted", "regenotype", "rejected")},
            "calls": {k: int(calls.get(k, 0)) for k in ("confirmed", "provisional", "failed")},
        }


def run_consensus(
    batches: Sequence[str | Path] | str | Path,
    *,
    sample_sheet: str | Path | None = None,
    from_format: str | None = None,
    reader_options: dict[str, Any] | None = None,
    rule: str = "taberlet",
    error_rates_file: str | Path | None = None,
    include_provisional: bool = False,
    confidence: float = 0.95,
    **consensus_options: Any,
) -> ConsensusRun:
    """Read replicate batch file(s), build the consensus and the error rates.

    Parameters
    ----------
    batches
        One or more genotype files with one row per PCR replicate.  Several
        files (e.g. one per PCR run) are stacked; every replicate of a sample
        must cover the same loci.
    sample_sheet
        Field metadata joined on ``sample_id`` (see
        :func:`genmon.io.samplesheet.attach_sample_sheet`).
    from_format, reader_options
        Passed to :func:`genmon.io.read_genotypes`.
    rule, **consensus_options
        Passed to :func:`~genmon.labqc.call_consensus`.
    error_rates_file
        ML rule: per-locus rates from an earlier (larger) batch's
        ``error_rates.tsv`` (see :func:`~genmon.labqc.errors.read_error_rates`)
        instead of estimating them from this batch.
    include_provisional
        Keep provisional calls in ``consensus.csv``.
    confidence
        Level of the error-rate intervals.
    """
    if isinstance(batches, str | Path):
        batches = [batches]
    paths = [Path(b) for b in batches]
    if not paths:
        raise GenmonError("no batch file given")
    tables = [read_genotypes(p, from_format, **(reader_options or {})) for p in paths]
    table = merge_replicate_tables(tables, [str(p) for p in paths]) if len(tables) > 1 else tables[0]
    if sample_sheet is not None:
        from ..io.samplesheet import attach_sample_sheet

        table = attach_sample_sheet(table, sample_sheet)
    if error_rates_file is not None:
        consensus_options["error_rates"] = read_rates_for(table, error_rates_file)
    params = {
        "from_format": from_format,
        "sample_sheet": str(sample_sheet) if sample_sheet is not None else None,
        "error_rates_file": str(error_rates_file) if error_rates_file is not None else None,
    }
    inputs = [str(p) for p in paths] + [str(f) for f in (sample_sheet, error_rates_file) if f is not None]
    return consensus_from_table(
        table,
        rule=rule,
        include_provisional=include_provisional,
        confidence=confidence,
        inputs=inputs,
        extra_parameters=params,
        **consensus_options,
    )


def read_rates_for(table: GenotypeTable, error_rates_file: str | Path) -> pd.DataFrame:
    """Per-locus rates from an ``error_rates.tsv``, refusing one that lacks a locus of ``table``."""
    rates_given = read_error_rates(error_rates_file)
    lacking = [name for name in table.locus_id if name not in set(rates_given["locus"])]
    if lacking:
        raise InputError(
            [Problem("no rates for this locus", "a row for every locus of the batch", str(error_rates_file),
                     locus=name) for name in lacking]
        )
    return rates_given


def consensus_from_table(
    table: GenotypeTable,
    *,
    rule: str = "taberlet",
    include_provisional: bool = False,
    confidence: float = 0.95,
    inputs: Sequence[str] = (),
    extra_parameters: dict[str, Any] | None = None,
    **consensus_options: Any,
) -> ConsensusRun:
    """Consensus, error rates and locus checks of a replicate table already read.

    What :func:`run_consensus` does after reading the files; the database
    workflow (``genmon consensus --db``) calls it on replicates loaded from
    the database.
    """
    result = call_consensus(table, rule, **consensus_options)
    rates = error_rates_table(result, confidence)
    sample_rates = count_error_rates(result, "sample", confidence)
    run_col = next((c for c in ("run", "run_name") if c in table.samples.columns), "run")
    run_rates = count_error_rates(result, "run", confidence, run_column=run_col)
    nulls = null_allele_frequencies(result)
    flags = microchecker_flags(result).drop(columns=["n_typed"])
    loci = result.loci_frame().merge(nulls, on="locus", how="left").merge(flags, on="locus", how="left")
    params = dict(result.parameters)
    params.update({"include_provisional": include_provisional, "confidence": confidence})
    params.update(extra_parameters or {})
    return ConsensusRun(result, rates, sample_rates, run_rates, loci, list(inputs), params, include_provisional)


def _tsv(df: pd.DataFrame, path: Path, float_format: str = "%.6g") -> None:
    df.to_csv(path, sep="\t", index=False, na_rep="NA", float_format=float_format, lineterminator="\n")


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_consensus_outputs(
    run: ConsensusRun, out_dir: str | Path, provenance: dict[str, Any] | None = None, force: bool = False
) -> list[Path]:
    """Write :data:`OUTPUT_FILES` into ``out_dir``, all or nothing.

    The files are written into a temporary folder beside ``out_dir`` that is
    renamed into place at the end; on any error the temporary folder is
    removed and ``out_dir`` is left as it was.  An existing ``out_dir`` is
    replaced only with ``force``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise GenmonError(f"{out_dir} exists; use --force to replace it")
    if "wide" not in FORMATS or FORMATS["wide"].writer is None:
        raise GenmonError("the canonical wide CSV writer (format 'wide') is not available in genmon.io")
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    try:
        r = run.result
        write_genotypes(run.consensus_table(), tmp / "consensus.csv", "wide")
        long = r.to_long()
        _tsv(long, tmp / "consensus_long.tsv")
        _tsv(r.samples_frame(), tmp / "samples.tsv")
        _tsv(r.regenotype_frame(), tmp / "regenotype.tsv")
        _tsv(r.reject_frame(), tmp / "rejects.tsv")
        _tsv(run.error_rates, tmp / "error_rates.tsv")
        _tsv(run.sample_rates, tmp / "error_rates_samples.tsv")
        _tsv(run.run_rates, tmp / "error_rates_runs.tsv")
        _tsv(run.loci, tmp / "loci.tsv")
        record = {
            "provenance": provenance or {},
            "parameters": run.parameters,
            "inputs": run.inputs,
            "summary": run.summary(),
            "files": list(OUTPUT_FILES),
        }
        with open(tmp / "run.json", "w", encoding="utf-8") as fh:
            json.dump(_json_safe(record), fh, indent=2, sort_keys=True)
            fh.write("\n")
        backup = None
        if out_dir.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.rename(out_dir, backup / out_dir.name)
        try:
            os.rename(tmp, out_dir)
        except BaseException:
            if backup is not None:  # put the old folder back
                os.rename(backup / out_dir.name, out_dir)
                shutil.rmtree(backup, ignore_errors=True)
            raise
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / name for name in OUTPUT_FILES]
