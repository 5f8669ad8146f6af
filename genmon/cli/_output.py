"""Writing the one-table outputs of ``genmon species call`` and ``genmon sex``."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_json_path(table_path: Path) -> Path:
    """``species.tsv`` -> ``species.run.json``: one manifest per table, so tables can share a folder."""
    return table_path.with_name(table_path.stem + ".run.json")


def write_table_with_provenance(path: Path, table: pd.DataFrame, provenance: dict, **to_csv) -> list[Path]:
    """The table as TSV headed by a ``# {provenance}`` line, and its run manifest beside it.

    The header leaves out the timestamp, so the same inputs and command give the
    same table bytes (and the steps that read it record the same SHA-256); the
    timestamp is in ``<stem>.run.json``, as in every other command's run.json.
    """
    stable = {k: v for k, v in provenance.items() if k != "timestamp"}
    text = "# " + json.dumps(stable, sort_keys=True) + "\n" + table.to_csv(
        sep="\t", index=False, na_rep="NA", lineterminator="\n", **to_csv)
    _write_atomic(path, text)
    manifest = run_json_path(path)
    _write_atomic(manifest, json.dumps({"provenance": provenance, "outputs": [path.name]}, indent=2, sort_keys=True)
                  + "\n")
    return [path, manifest]
