"""A batch through the database: import -> consensus -> identify -> census, on both engines.

The database path must give the same numbers as the file path on the same
batch; every derived row must name the run that made it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from genmon.cli import cli
from genmon.db import current_revision, head_revision, open_engine
from genmon.db.catalogue_store import load_catalogue, save_catalogue
from genmon.db.records import record_run
from genmon.db.schema import (
    catalogue_events,
    consensus_genotypes,
    detections,
    error_rates,
    individuals,
    metadata,
    runs,
)
from genmon.identify.catalogue import read_catalogue

DATA = Path(__file__).resolve().parents[2] / "test_data"
BATCH = DATA / "db" / "batch_a.long.csv"
BATCH_B = DATA / "db" / "batch_b.long.csv"
SHEET = DATA / "db" / "sample_sheet.csv"


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def test_schema_matches_the_migrations(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert current_revision(engine) == head_revision() == "0001"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_init_twice_is_harmless(db_url):
    invoke("db", "init", "--db", db_url, "--project", "RU-LLNP-2024", "--country", "RU")
    invoke("db", "init", "--db", db_url, "--project", "RU-LLNP-2024")
    assert current_revision(open_engine(db_url)) == head_revision()


def test_a_database_without_tables_is_refused(tmp_path):
    result = CliRunner().invoke(cli, ["db", "status", "--db", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 1
    assert f"no genmon database at {tmp_path / 'none.sqlite'}; create it with `genmon db init`" in result.stderr


def test_consensus_identify_census_through_the_database(engine, db_url, tmp_path):
    invoke("db", "import", BATCH, "--db", db_url, "--sample-sheet", SHEET)
    invoke("consensus", "--db", db_url, "--rule", "ml", "-o", tmp_path / "cons_db")
    invoke("consensus", BATCH, "--sample-sheet", SHEET, "--rule", "ml", "-o", tmp_path / "cons_file")
    # the database path computes exactly what the file path computes
    for name in ("consensus_long.tsv", "samples.tsv", "error_rates.tsv", "consensus.csv"):
        assert (tmp_path / "cons_db" / name).read_text() == (tmp_path / "cons_file" / name).read_text(), name
    with engine.connect() as conn:
        n_cons = conn.execute(select(func.count()).select_from(consensus_genotypes)).scalar_one()
        cons_runs = set(conn.execute(select(consensus_genotypes.c.run_id).distinct()).scalars())
        rate_runs = set(conn.execute(select(error_rates.c.run_id).distinct()).scalars())
        kinds = dict(conn.execute(select(runs.c.id, runs.c.kind)).tuples().all())
    assert n_cons == 12 * 15
    assert cons_runs == rate_runs and [kinds[r] for r in cons_runs] == ["consensus"]

    invoke("identify", "--db", db_url, "-o", tmp_path / "ident_db", "--id-pattern", "PPO-CN-{n:04d}")
    invoke("identify", tmp_path / "cons_file" / "consensus.csv", "-o", tmp_path / "ident_file",
           "--id-pattern", "PPO-CN-{n:04d}", "--species", "x", "--save-catalogue", tmp_path / "cat")
    a_db = read_tsv(tmp_path / "ident_db" / "assignments.tsv")
    a_file = read_tsv(tmp_path / "ident_file" / "assignments.tsv")
    assert a_db[["sample", "individual", "status"]].equals(a_file[["sample", "individual", "status"]])
    file_cat = read_catalogue(tmp_path / "cat")
    with engine.connect() as conn:
        stored = load_catalogue(conn)
        ind_runs = set(conn.execute(select(individuals.c.created_run_id).distinct()).scalars())
        det_runs = set(conn.execute(select(detections.c.run_id).distinct()).scalars())
        ev_runs = set(conn.execute(select(catalogue_events.c.run_id).distinct()).scalars())
    cols = ["individual", "n_samples", *file_cat.loci]
    assert stored.individuals[cols].astype(str).equals(file_cat.individuals[cols].astype(str))
    assert sorted(stored.samples["sample"]) == sorted(file_cat.samples["sample"])
    assert ind_runs == det_runs == ev_runs and len(ind_runs) == 1
    run = json.loads((tmp_path / "ident_db" / "run.json").read_text())
    assert run["run_id"] == next(iter(ind_runs))
    assert run["database_changes"]["detections_new"] == len(stored.samples)

    # matching again changes nothing for samples the catalogue already holds
    out = invoke("identify", "--db", db_url, "-o", tmp_path / "ident_again")
    with engine.connect() as conn:
        again = load_catalogue(conn)
    first = dict(zip(stored.samples["sample"], stored.samples["individual"], strict=True))
    assert {s: i for s, i in zip(again.samples["sample"], again.samples["individual"], strict=True) if s in first} == first
    assert len(again.samples) == len(set(again.samples["sample"])), out

    invoke("census", "--db", db_url, "-o", tmp_path / "census", "--method", "capwire,closed",
           "--bootstraps", "20")
    abundance = read_tsv(tmp_path / "census" / "abundance.tsv")
    assert set(abundance["method"]) == {"capwire", "closed"}


def test_second_batch_recaptures_individuals_of_the_first(engine, db_url, tmp_path):
    invoke("db", "import", BATCH, "--db", db_url, "--sample-sheet", SHEET)
    invoke("consensus", "--db", db_url, "--rule", "ml", "-o", tmp_path / "c1")
    invoke("identify", "--db", db_url, "-o", tmp_path / "i1")
    invoke("db", "import", BATCH_B, "--db", db_url, "--sample-sheet", SHEET)
    invoke("consensus", "--db", db_url, "--batch", "batch_b.long.csv", "--rule", "ml", "-o", tmp_path / "c2")
    invoke("identify", "--db", db_url, "--batch", "batch_b.long.csv", "-o", tmp_path / "i2")
    a2 = read_tsv(tmp_path / "i2" / "assignments.tsv")
    # samples 9-12 are in both batches: the catalogue holds them already, so only 13-20 are matched
    assert sorted(a2["sample"]) == [f"CN-NTLNP-2024-{i:04d}" for i in range(13, 21)]
    with engine.connect() as conn:
        cat = load_catalogue(conn)
    assert len(cat.samples) == len(set(cat.samples["sample"]))


def test_catalogue_store_round_trip(engine, tmp_path):
    invoke("identify", DATA / "demo" / "truth_genotypes.csv", "-o", tmp_path / "i", "--species", "Panthera pardus",
           "--id-pattern", "PPO-{n:03d}", "--save-catalogue", tmp_path / "cat")
    cat = read_catalogue(tmp_path / "cat")
    with engine.begin() as conn:
        run_id = record_run(conn, "test", {"command": "test"})
        save_catalogue(conn, cat, run_id)
    with engine.connect() as conn:
        back = load_catalogue(conn)
    cols = ["individual", "status", "n_samples", "first_seen", "last_seen", "sex", "species", *cat.loci]
    assert back.individuals[cols].astype(str).equals(cat.individuals[cols].astype(str))
    scol = ["sample", "individual", "batch", "date", "status", *cat.loci]
    assert back.samples[scol].astype(str).equals(cat.samples[scol].astype(str))
    assert (back.id_pattern, back.next_number, back.loci, back.kinds) == (cat.id_pattern, cat.next_number, cat.loci, cat.kinds)
    assert len(back.events) == len(cat.events)
    assert back.batches == cat.batches  # the settings of earlier batches (e.g. allele_mismatch) are kept


@pytest.mark.parametrize("args", [("consensus", "-o", "x"), ("identify", "-o", "x"), ("census", "-o", "x")])
def test_file_or_database_not_both_nor_neither(args, tmp_path):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 2


def test_report_from_the_database(engine, db_url, tmp_path):
    from genmon.reports import TIMESTAMP_PREFIX

    invoke("db", "import", BATCH, "--db", db_url, "--sample-sheet", SHEET)
    invoke("consensus", "--db", db_url, "--rule", "ml", "-o", tmp_path / "c")
    invoke("identify", "--db", db_url, "-o", tmp_path / "i")
    pages = []
    for k in range(2):
        invoke("report", "--db", db_url, "-o", tmp_path / f"r{k}.html")
        text = (tmp_path / f"r{k}.html").read_text()
        pages.append("\n".join(x for x in text.splitlines() if TIMESTAMP_PREFIX not in x))
    assert pages[0] == pages[1]
    assert "Allelic dropout and false-allele rates per locus" in pages[0]
    assert "Individuals" in pages[0] and "CN-NTLNP-2024-0001" in pages[0]


def test_schema_revision_checked(engine, db_url):
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d'")
    result = CliRunner().invoke(cli, ["db", "status", "--db", db_url])
    assert result.exit_code == 1
    assert "has schema revision f00d, unknown to this genmon (newest 0001)" in result.stderr


def test_species_and_sex_calls_stored_once(engine, db_url):
    from genmon.db.schema import sex_calls, species_calls

    invoke("db", "import", BATCH, "--db", db_url, "--sample-sheet", SHEET)
    out = invoke("db", "import-calls", DATA / "db" / "species_calls.tsv", DATA / "db" / "sex_calls.tsv", "--db", db_url)
    assert "2 species calls stored" in out and "2 sex calls stored" in out
    again = invoke("db", "import-calls", DATA / "db" / "sex_calls.tsv", "--db", db_url)
    assert "already stored, nothing written" in again
    with engine.connect() as conn:
        sp = conn.execute(select(species_calls.c.species, species_calls.c.status, species_calls.c.identity)
                          .order_by(species_calls.c.id)).all()
        sx = conn.execute(select(sex_calls.c.sex).order_by(sex_calls.c.id)).scalars().all()
    assert [tuple(r) for r in sp] == [("Panthera pardus", "called", 0.998), ("uncertain", "uncertain", 0.95)]
    assert sx == ["M", "unknown"]
    bad = DATA / "malformed" / "db_sex_calls_unknown_sample.tsv"
    result = CliRunner().invoke(cli, ["db", "import-calls", str(bad), "--db", db_url])
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        f"error: {bad}, line 4, sample RU-X-0009: found a sample not in the database, "
        "expected samples imported with `genmon db import`"
    )


def test_bin_set_kept_once(engine, db_url, tmp_path):
    import numpy as np

    from genmon.db.schema import bin_sets
    from genmon.labqc.binning import SizeData, build_bins, write_binset

    sizes = np.array([[[100.9, 103.1]], [[107.2, np.nan]], [[101.1, 106.8]]])
    data = SizeData(sizes, ["FCA441"], pd.DataFrame({"sample_id": ["a", "b", "c"], "replicate_id": [None] * 3}))
    path = tmp_path / "bins.tsv"
    write_binset(build_bins(data, 2, panel="amur-14", version="3"), path)
    assert "bin set amur-14 version 3: stored" in invoke("db", "add-bin-set", path, "--db", db_url)
    assert "already stored" in invoke("db", "add-bin-set", path, "--db", db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(bin_sets.c.name, bin_sets.c.version, bin_sets.c.content)).all()
    assert [(r.name, r.version) for r in rows] == [("amur-14", "3")]
    assert rows[0].content == path.read_text()
    bad = DATA / "malformed" / "labqc_bins_overlap.tsv"
    result = CliRunner().invoke(cli, ["db", "add-bin-set", str(bad), "--db", db_url])
    assert result.exit_code == 3 and "overlap" in result.stderr
