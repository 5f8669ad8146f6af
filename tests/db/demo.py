"""The demo season in a database, with its true individuals as the catalogue (for the export tests)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from genmon.db import create_project, import_batch
from genmon.db.catalogue_store import save_catalogue
from genmon.db.records import record_run
from genmon.identify.catalogue import new_catalogue
from genmon.io import read_genotypes

DEMO = Path(__file__).resolve().parents[2] / "test_data" / "demo"
DEMO_SPECIES = "Panthera pardus orientalis"


def load_demo(engine, catalogue: str = "main") -> dict[str, str]:
    """Import the demo season and store its true individuals as catalogue ``catalogue``.

    Returns ``sample -> individual id`` of the samples assigned (the demo's
    non-dud samples).  The catalogue (true genotypes, one detection per
    sample) is written by :func:`genmon.db.catalogue_store.save_catalogue`,
    as ``genmon identify --db`` stores its own.
    """
    create_project(engine, "DEMO", name="Demo season", agency="genmon test lab", country="RU")
    import_batch(engine, DEMO / "replicates.long.csv", sample_sheet=DEMO / "sample_sheet.csv", project="DEMO")
    truth = pd.read_csv(DEMO / "truth_samples.tsv", sep="\t")
    truth = truth[~truth["dud"].astype(bool)]
    genotypes = pd.read_csv(DEMO / "truth_genotypes.csv", comment="#").drop_duplicates("individual_id")
    genotypes = genotypes.set_index("individual_id")
    cat = new_catalogue(read_genotypes(DEMO / "replicates.long.csv"), "PPO-{n:04d}", species=DEMO_SPECIES)
    true_ids = sorted(truth["individual_id"].unique())
    ident = dict(zip(true_ids, cat.issue_ids(len(true_ids)), strict=True))
    sex = truth.drop_duplicates("individual_id").set_index("individual_id")["sex"]
    n = truth["individual_id"].value_counts()
    cat.individuals = pd.DataFrame([
        {"individual": ident[t], "status": "active", "merged_into": "", "n_samples": int(n[t]), "first_seen": "",
         "last_seen": "", "sex": sex[t], "species": "",
         **{x: f"{genotypes.loc[t, f'{x}_1']}/{genotypes.loc[t, f'{x}_2']}" for x in cat.loci}}
        for t in true_ids
    ])
    assigned = {s: ident[t] for s, t in zip(truth["sample_id"], truth["individual_id"], strict=True)}
    cat.samples = pd.DataFrame([
        {"sample": s, "individual": i, "batch": "replicates.long.csv", "date": "", "status": "new"}
        for s, i in sorted(assigned.items())
    ])
    with engine.begin() as conn:
        run_id = record_run(conn, "identify", {"parameters": {"method": "likelihood"}})
        save_catalogue(conn, cat, run_id, catalogue)
    return assigned
