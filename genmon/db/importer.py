"""Importing a lab batch of PCR replicates into the monitoring database.

:func:`import_batch` first reads and validates everything (the batch through
:func:`genmon.io.read_genotypes`, the field sample sheet, and the stored
samples the sheet must agree with): every problem is reported at once and
nothing is written.  Then one transaction writes the batch, its samples,
extractions, PCR replicates and allele calls; it either commits whole or
leaves the database as it was (a killed process included).

A batch is identified by the SHA-256 of its file: importing the same file
again is a no-op.  A file with the same batch name but other content is a
corrected re-import: it becomes the next version of the batch, and the
previous version is kept and marked as superseded.  Two imports at once are
serialised by the database (SQLite's writer lock, PostgreSQL's row locks
and unique keys); both succeed, and a sample that both batches share is
stored once.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from ..exceptions import GenmonError, InputError, Problem
from ..io import read_genotypes
from ..model import GenotypeTable
from ..provenance import sha256_file
from .engine import write_transaction
from .records import (
    bulk_insert,
    get_or_create,
    insert_ignore,
    json_text,
    lookup_ids,
    now,
    record_run,
    select_in_chunks,
)
from .schema import (
    allele_calls,
    batches,
    calibrations,
    extractions,
    labs,
    panels,
    pcr_replicates,
    projects,
    samples,
)

__all__ = ["ImportResult", "import_batch", "SAMPLE_COLUMNS", "panel_sha256"]

#: Sample-sheet columns stored in ``samples`` (sheet name -> column).
SAMPLE_COLUMNS = {
    "sample_type": "sample_type",
    "date": "collected",
    "timezone": "timezone",
    "latitude": "latitude",
    "longitude": "longitude",
    "coordinate_uncertainty_m": "coordinate_uncertainty_m",
    "x": "x",
    "y": "y",
    "collector": "collector",
    "site": "site",
    "country": "country",
    "population": "population",
    "occasion": "occasion",
    "sex": "field_sex",
    "permit": "permit",
    "chain_of_custody": "chain_of_custody",
}
_SHEET_ALIASES = {
    "tz": "timezone",
    "time_zone": "timezone",
    "coordinateuncertaintyinmeters": "coordinate_uncertainty_m",
    "coordinate_uncertainty": "coordinate_uncertainty_m",
    "uncertainty_m": "coordinate_uncertainty_m",
    "permit_number": "permit",
    "custody": "chain_of_custody",
}
_FLOATS = {"latitude", "longitude", "coordinate_uncertainty_m", "x", "y"}
#: Attempts of the write transaction when PostgreSQL reports a conflict with a concurrent import.
_RETRIES = 5
#: Test hook: file written (and process paused) just before the import commits.
PAUSE_ENV = "GENMON_DB_PAUSE_BEFORE_COMMIT"


@dataclass
class ImportResult:
    """What one import did."""

    status: str  # "imported", "new-version" or "unchanged"
    batch: str
    version: int
    batch_pk: int
    sha256: str
    n_samples: int = 0
    n_new_samples: int = 0
    n_replicates: int = 0
    n_calls: int = 0
    run_id: int | None = None

    def message(self) -> str:
        if self.status == "unchanged":
            return f"batch {self.batch} (version {self.version}) is already in the database: nothing imported"
        what = "imported" if self.status == "imported" else f"imported as version {self.version} of"
        return (
            f"{what} batch {self.batch}: {self.n_samples} samples ({self.n_new_samples} new), "
            f"{self.n_replicates} PCR replicates, {self.n_calls} allele calls"
        )


def panel_sha256(table: GenotypeTable) -> str:
    """Checksum of a panel: locus names, kinds and ploidy in order."""
    text = json_text({"loci": [[x.name, x.kind] for x in table.loci], "ploidy": table.ploidy})
    return hashlib.sha256(text.encode()).hexdigest()


def _sheet_frame(sheet: pd.DataFrame) -> pd.DataFrame:
    renamed = {}
    for col in sheet.columns:
        key = str(col).strip().lower().replace(" ", "_")
        renamed[col] = _SHEET_ALIASES.get(key.replace("_", ""), _SHEET_ALIASES.get(key, key))
    return sheet.rename(columns=renamed)


def _sample_rows(table: GenotypeTable, sheet: pd.DataFrame | None) -> dict[str, dict[str, Any]]:
    """One dict of ``samples`` columns per field sample of the batch."""
    meta = table.samples.drop_duplicates("sample_id").set_index("sample_id")
    if sheet is not None:
        sheet = _sheet_frame(sheet).drop_duplicates("sample_id").set_index("sample_id")
        meta = sheet.combine_first(meta) if len(meta) else sheet
    out: dict[str, dict[str, Any]] = {}
    ids = table.samples["sample_id"].astype(str).unique()
    for sid in ids:
        row = meta.loc[sid] if sid in meta.index else pd.Series(dtype=object)
        rec: dict[str, Any] = {"sample_id": sid}
        extra = {}
        for name, col in SAMPLE_COLUMNS.items():
            v = row.get(name) if name in row.index else None
            rec[col] = None if v is None or pd.isna(v) else (float(v) if name in _FLOATS else str(v))
        for name in row.index:
            if name not in SAMPLE_COLUMNS and name not in ("replicate_id", "individual_id") and pd.notna(row[name]):
                extra[str(name)] = str(row[name])
        rec["extra"] = json_text(extra) if extra else None
        out[sid] = rec
    return out


def _stored_conflicts(conn: Connection, rows: dict[str, dict[str, Any]], sheet_name: str) -> list[Problem]:
    """Stored samples whose metadata the new sheet contradicts (raw data are never overwritten)."""
    problems = []
    cols = [samples.c.sample_id] + [samples.c[c] for c in SAMPLE_COLUMNS.values()]
    stored_rows = select_in_chunks(
        conn, lambda chunk: select(*cols).where(samples.c.sample_id.in_(chunk)), rows, mappings=True
    )
    for stored in stored_rows:
        new = rows[stored["sample_id"]]
        for col in SAMPLE_COLUMNS.values():
            old, val = stored[col], new[col]
            if old is None or val is None:
                continue
            same = np.isclose(old, val) if isinstance(old, float) else str(old) == str(val)
            if not same:
                problems.append(
                    Problem(
                        f'{col} "{val}" but the database holds "{old}"',
                        "the stored value (correct a sample record with a new sample sheet only for "
                        "fields still empty)",
                        sheet_name,
                        sample=stored["sample_id"],
                    )
                )
    return problems


def _validate_replicates(table: GenotypeTable, source: str) -> list[Problem]:
    problems = []
    s = table.samples
    rep = s["replicate_id"].astype("string")
    if rep.isna().any():
        bad = s.loc[rep.isna().to_numpy(), "sample_id"].astype(str).unique()[:20]
        problems += [Problem("a row without a replicate id", "one row per PCR replicate", source, sample=b) for b in bad]
    dup = s.duplicated(["sample_id", "replicate_id"], keep="first") & rep.notna()
    for sid, r in s.loc[dup.to_numpy(), ["sample_id", "replicate_id"]].itertuples(index=False):
        problems.append(Problem(f"replicate {r} twice", "each replicate once per batch", source, sample=str(sid)))
    return problems


def _pause_for_fault_test() -> None:
    path = os.environ.get(PAUSE_ENV)
    if path:
        Path(path).write_text("paused before commit\n")
        time.sleep(float(os.environ.get("GENMON_DB_PAUSE_SECONDS", "60")))


def import_batch(
    engine: Engine,
    batch_file: str | Path,
    *,
    sample_sheet: str | Path | pd.DataFrame | None = None,
    project: str | None = None,
    lab: str | None = None,
    name: str | None = None,
    from_format: str | None = None,
    reader_options: dict[str, Any] | None = None,
    calibration: str | Path | None = None,
    provenance: dict[str, Any] | None = None,
) -> ImportResult:
    """Validate ``batch_file`` and write it in one transaction.

    Parameters
    ----------
    engine
        The database (:func:`genmon.db.open_engine`).
    batch_file
        One row per PCR replicate (long lab CSV, GeneMapper export, ...).
    sample_sheet
        Field metadata for the batch's samples (path or a frame from
        :func:`genmon.io.samplesheet.read_sample_sheet`).
    project
        Project code; may be omitted when the database holds one project.
    lab
        Lab code (created when new).
    name
        Batch name (default: the file name); a file with a known name but new
        content becomes that batch's next version.
    calibration
        A translation table from ``genmon calibrate`` (lab B = the lab that
        typed this batch): its sizes are stored translated onto lab A's, and
        the table is kept in ``calibrations`` and named by the batch.
    provenance
        The run record stored in ``runs``.

    Raises
    ------
    InputError
        Every problem of the batch, the sheet, or their disagreement with
        stored samples; nothing is written.
    """
    batch_file = Path(batch_file)
    sha = sha256_file(batch_file)
    table = read_genotypes(batch_file, from_format, **(reader_options or {}))
    translation = None
    if calibration is not None:
        from ..labqc.calibration import apply_calibration, read_translation

        found = read_translation(calibration)
        table = apply_calibration(table, found)
        translation = (found, Path(calibration).read_text(encoding="utf-8"), sha256_file(calibration))
    sheet_sha = None
    sheet = None
    sheet_name = "the sample sheet"
    if sample_sheet is not None:
        from ..io.samplesheet import read_sample_sheet

        if isinstance(sample_sheet, pd.DataFrame):
            sheet = sample_sheet
        else:
            sheet_name = str(sample_sheet)
            sheet_sha = sha256_file(sample_sheet)
            sheet = read_sample_sheet(sample_sheet)
    problems = _validate_replicates(table, str(batch_file))
    sample_rows = _sample_rows(table, sheet)
    name = name or batch_file.name
    with engine.connect() as conn:
        problems += _stored_conflicts(conn, sample_rows, sheet_name)
    if problems:
        raise InputError(problems)
    last_error: Exception | None = None
    for _ in range(_RETRIES):
        try:
            return _write(engine, table, batch_file, sha, sheet_sha, sample_rows, project, lab, name, translation,
                          provenance or {})
        except (IntegrityError, OperationalError) as exc:  # a concurrent import took the same key first
            if engine.dialect.name != "postgresql":
                raise
            last_error = exc
            time.sleep(0.2)
    raise GenmonError(f"could not import {batch_file} after {_RETRIES} attempts: {last_error}")


def _project_id(conn: Connection, project: str | None) -> int:
    if project is None:
        ids = conn.execute(select(projects.c.id, projects.c.code)).all()
        if len(ids) != 1:
            codes = ", ".join(sorted(c for _, c in ids)) or "none"
            raise GenmonError(f"the database holds projects {codes}; name one with --project")
        return int(ids[0][0])
    found = conn.execute(select(projects.c.id).where(projects.c.code == project)).scalar()
    if found is None:
        raise GenmonError(f'no project "{project}" in the database; create it with `genmon db init --project {project}`')
    return int(found)


def _write(
    engine: Engine,
    table: GenotypeTable,
    batch_file: Path,
    sha: str,
    sheet_sha: str | None,
    sample_rows: dict[str, dict[str, Any]],
    project: str | None,
    lab: str | None,
    name: str,
    translation: Any,
    provenance: dict[str, Any],
) -> ImportResult:
    with write_transaction(engine) as conn:
        project_id = _project_id(conn, project)
        known = conn.execute(
            select(batches.c.id, batches.c.name, batches.c.version).where(
                batches.c.project_id == project_id, batches.c.sha256 == sha
            )
        ).first()
        if known is not None:
            return ImportResult("unchanged", known.name, known.version, known.id, sha)
        if translation is not None and lab is None:
            lab = translation[0].lab_b  # the lab whose sizes are translated typed the batch
        lab_id = get_or_create(conn, labs, "code", lab) if lab else None
        calibration_id = _store_calibration(conn, lab_id, translation) if translation is not None else None
        panel_id = get_or_create(
            conn,
            panels,
            "sha256",
            panel_sha256(table),
            name="+".join(table.locus_id)[:128],
            loci=json_text([{"name": x.name, "kind": x.kind} for x in table.loci]),
            ploidy=table.ploidy,
            created_at=now(),
        )
        previous = conn.execute(
            select(batches.c.id, batches.c.version)
            .where(batches.c.project_id == project_id, batches.c.name == name, batches.c.superseded_by.is_(None))
            .order_by(batches.c.version.desc())
        ).first()
        top = conn.execute(
            select(func.max(batches.c.version)).where(batches.c.project_id == project_id, batches.c.name == name)
        ).scalar()
        version = (top or 0) + 1
        run_id = record_run(conn, "db-import", provenance)
        batch_pk = int(
            conn.execute(
                insert(batches).values(
                    project_id=project_id,
                    lab_id=lab_id,
                    panel_id=panel_id,
                    calibration_id=calibration_id,
                    name=name,
                    version=version,
                    sha256=sha,
                    source_file=batch_file.name,
                    sample_sheet_sha256=sheet_sha,
                    n_replicates=table.n_samples,
                    n_calls=table.n_samples * table.n_loci,
                    imported_at=now(),
                    run_id=run_id,
                )
            ).inserted_primary_key[0]
        )
        if previous is not None:
            conn.execute(update(batches).where(batches.c.id == previous.id).values(superseded_by=batch_pk))
        before = lookup_ids(conn, samples, "sample_id", sample_rows)
        insert_ignore(
            conn,
            samples,
            # in key order, so that concurrent imports lock shared samples in the same order
            [
                dict(sample_rows[sid], project_id=project_id, first_batch_id=batch_pk)
                for sid in sorted(sample_rows)
                if sid not in before
            ],
            ["sample_id"],
        )
        sample_pk = lookup_ids(conn, samples, "sample_id", sample_rows)
        ext_col = "extraction_id" if "extraction_id" in table.samples.columns else None
        sids = table.samples["sample_id"].astype(str).to_numpy()
        ext_ids = (
            table.samples[ext_col].astype(str).to_numpy() if ext_col else np.char.add(sids.astype(str), "-X1")
        )
        ext_rows = {
            e: {"extraction_id": e, "sample_pk": sample_pk[s], "lab_id": lab_id, "first_batch_id": batch_pk}
            for e, s in zip(ext_ids, sids, strict=True)
        }
        insert_ignore(conn, extractions, [ext_rows[e] for e in sorted(ext_rows)], ["extraction_id"])
        ext_pk = lookup_ids(conn, extractions, "extraction_id", ext_rows)
        reps = table.samples["replicate_id"].astype(str).to_numpy()
        bulk_insert(
            conn,
            pcr_replicates,
            ("batch_id", "extraction_pk", "replicate", "line"),
            [(batch_pk, ext_pk[e], r, k) for k, (e, r) in enumerate(zip(ext_ids, reps, strict=True))],
        )
        rep_pk = np.array(
            conn.execute(
                select(pcr_replicates.c.id).where(pcr_replicates.c.batch_id == batch_pk).order_by(pcr_replicates.c.line)
            ).scalars().all(),
            dtype=np.int64,
        )
        values = table.allele_values()  # (rows, loci, ploidy); -1 missing
        n_calls = _insert_calls(conn, rep_pk, table.locus_id, values)
        _pause_for_fault_test()
    return ImportResult(
        "imported" if previous is None else "new-version",
        name,
        version,
        batch_pk,
        sha,
        n_samples=len(sample_rows),
        n_new_samples=len(sample_rows) - len(before),
        n_replicates=table.n_samples,
        n_calls=n_calls,
        run_id=run_id,
    )


def _store_calibration(conn: Connection, lab_id: int, translation: tuple) -> int:
    """The ``calibrations`` row of a (translation, file text, SHA-256); a new version when the content is new."""
    tr, text, sha = translation
    name = f"{tr.lab_b} -> {tr.lab_a}"
    same = conn.execute(
        select(calibrations.c.id).where(calibrations.c.lab_id == lab_id, calibrations.c.sha256 == sha)
    ).scalar()
    if same is not None:
        return int(same)
    top = conn.execute(
        select(func.max(calibrations.c.version)).where(calibrations.c.lab_id == lab_id, calibrations.c.name == name)
    ).scalar()
    return int(
        conn.execute(
            insert(calibrations).values(
                lab_id=lab_id,
                name=name,
                version=(top or 0) + 1,
                sha256=sha,
                content=text,
                reference_samples=json_text(tr.provenance.get("parameters", {})) if tr.provenance else None,
                created_at=now(),
            )
        ).inserted_primary_key[0]
    )


def _insert_calls(conn: Connection, rep_pk: np.ndarray, loci: list[str], values: np.ndarray) -> int:
    """One ``allele_calls`` row per replicate and locus; missing alleles are NULL."""
    n, m, _ = values.shape
    a1 = values[:, :, 0].astype(object)
    a2 = values[:, :, 1].astype(object) if values.shape[2] > 1 else np.full((n, m), None, dtype=object)
    a1[values[:, :, 0] < 0] = None
    if values.shape[2] > 1:
        a2[values[:, :, 1] < 0] = None
    reps = np.repeat(rep_pk, m).tolist()
    locus = loci * n
    rows = zip(reps, locus, a1.ravel().tolist(), a2.ravel().tolist(), strict=True)
    return bulk_insert(conn, allele_calls, ("replicate_pk", "locus", "allele_1", "allele_2"), rows)
