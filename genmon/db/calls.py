"""Storing species and sex calls (``genmon species call`` / ``genmon sex`` tables) in the database.

The tables those commands write start with a ``# `` provenance line, then a
header; :func:`import_calls` recognises which kind a table is by its
columns, checks that every sample is in the database, and writes the calls
under a new run in one transaction.  The same file again is a no-op (its
SHA-256 is recorded in the run).  The individual's sex in the catalogue is
not changed here: ``genmon identify`` reads it from the samples it matches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from ..exceptions import InputError, Problem
from ..provenance import make_provenance, sha256_file
from .engine import write_transaction
from .records import lookup_ids, record_run
from .schema import runs, samples, sex_calls, species_calls

__all__ = ["import_calls", "store_bin_set"]

_KINDS = {
    "species": {"sample", "call", "species", "identity", "margin", "best_accession"},
    "sex": {"sample", "sex", "male_replicates", "female_replicates", "reason"},
}


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    with open(path, encoding="utf-8") as fh:
        skip = 0
        for line in fh:
            if not line.startswith("#"):
                break
            skip += 1
    frame = pd.read_csv(path, sep="\t", skiprows=skip, dtype=str, keep_default_na=False)
    frame.attrs["first_line"] = skip + 2  # file line of the first data row
    cols = set(frame.columns)
    for kind, need in _KINDS.items():
        if need <= cols:
            return frame, kind
    raise InputError(
        Problem(
            f"columns {', '.join(frame.columns)}",
            "a table written by `genmon species call` (sample, call, species, identity, margin, ...) or "
            "`genmon sex` (sample, sex, male_replicates, female_replicates, reason)",
            str(path),
            line=skip + 1,
        )
    )


def _float(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def import_calls(engine: Engine, path: str | Path, command: str | None = None) -> tuple[str, int]:
    """Store the species or sex calls of ``path``; returns (kind, rows written; 0 for a known file)."""
    path = Path(path)
    frame, kind = _read(path)
    sha = sha256_file(path)
    with write_transaction(engine) as conn:
        for text in conn.execute(select(runs.c.inputs).where(runs.c.kind == f"{kind}-calls")).scalars():
            if any(i.get("sha256") == sha for i in json.loads(text)):
                return kind, 0
        ids = lookup_ids(conn, samples, "sample_id", frame["sample"])
        unknown = [s for s in frame["sample"] if s not in ids]
        if unknown:
            raise InputError(
                [
                    Problem("a sample not in the database", "samples imported with `genmon db import`", str(path),
                            line=k + frame.attrs["first_line"], sample=s)
                    for k, s in enumerate(frame["sample"])
                    if s not in ids
                ]
            )
        run_id = record_run(conn, f"{kind}-calls", make_provenance(command, {"kind": kind}, None, [path]))
        if kind == "species":
            rows = [
                {
                    "run_id": run_id,
                    "sample_pk": ids[r["sample"]],
                    "species": r["call"],
                    "identity": _float(r["identity"]),
                    "margin": _float(r["margin"]),
                    "reference": r["best_accession"] or None,
                    "status": "uncertain" if r["call"] == "uncertain" else "called",
                }
                for r in frame.to_dict("records")
            ]
            table = species_calls
        else:
            rows = [
                {
                    "run_id": run_id,
                    "sample_pk": ids[r["sample"]],
                    "sex": r["sex"],
                    "evidence": f"male {r['male_replicates']}, female {r['female_replicates']}; {r['reason']}".rstrip("; "),
                }
                for r in frame.to_dict("records")
            ]
            table = sex_calls
        if rows:
            conn.execute(insert(table), rows)
    return kind, len(rows)


def store_bin_set(engine: Engine, path: str | Path) -> tuple[str, str, bool]:
    """Keep a bin set file (``genmon bin build``) in ``bin_sets``; returns (panel, version, newly stored).

    The file is read (and so validated) first; the same content again is a no-op.
    """
    from ..labqc.binning import read_binset
    from .records import insert_ignore, now
    from .schema import bin_sets

    path = Path(path)
    binset = read_binset(path)
    sha = sha256_file(path)
    with write_transaction(engine) as conn:
        before = conn.execute(select(bin_sets.c.id).where(bin_sets.c.sha256 == sha)).scalar()
        insert_ignore(
            conn,
            bin_sets,
            [{"name": binset.panel, "version": str(binset.version), "sha256": sha,
              "content": path.read_text(encoding="utf-8"), "created_at": now()}],
            ["sha256"],
        )
    return binset.panel, str(binset.version), before is None
