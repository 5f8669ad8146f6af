"""Benchmarks for the catalogue exchange between labs (plain script, not a test).

    python benchmarks/bench_exchange.py [--individuals 10000] [--method likelihood] [--db-dir DIR]

Two simulated SQLite catalogues of 15 microsatellite loci (12 alleles each,
2 % missing loci): the local lab's holds ``--individuals`` individuals; the
partner's holds half of them under its own ids, sized 2 bp longer at one
locus, and as many new ones.  Times, with a translation table bringing the
partner's sizes back:

1. ``genmon db export-catalogue`` of the partner's catalogue;
2. ``genmon db import-catalogue``: verifying the package, translating,
   matching every foreign individual against the local catalogue and writing
   the merge report;
3. ``genmon db apply-merge --accept all``.

and checks that every shared individual is found.  Writes
benchmarks/results/exchange.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import peak_rss_mb, write_results

from genmon.db import init_database, write_transaction
from genmon.db.catalogue_store import save_catalogue
from genmon.db.exchange import export_catalogue
from genmon.db.merge import apply_merge, plan_merge, write_merge_report
from genmon.db.records import record_run
from genmon.identify.catalogue import Catalogue, format_genotype
from genmon.labqc.calibration import Translation

LOCI = [f"L{j:02d}" for j in range(15)]
SHIFTED = "L03"


def simulate(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Local genotypes (n, loci, 2) and partner genotypes (n // 2 shared + n // 2 new), bp sizes, -1 missing."""
    rng = np.random.default_rng(seed)
    sizes = 100 + 4 * np.arange(12)
    p = rng.dirichlet(np.full(12, 2.0), size=len(LOCI))
    total = n + n // 2
    inds = np.stack([rng.choice(12, size=(total, 2), p=p[j]) for j in range(len(LOCI))], axis=1)
    values = sizes[np.sort(inds, axis=2)]
    values[rng.random((total, len(LOCI))) < 0.02] = -1
    partner = values[n // 2 :].copy()  # local individuals n//2..n-1, then n//2 new ones
    j = LOCI.index(SHIFTED)
    partner[:, j][partner[:, j] >= 0] += 2
    return values[:n], partner


def store(url: str, values: np.ndarray, pattern: str) -> None:
    ids = [pattern.format(n=k + 1) for k in range(len(values))]
    frame = pd.DataFrame({"individual": ids, "status": "active", "merged_into": "", "n_samples": 1,
                          "first_seen": "2024-01-12", "last_seen": "2024-01-12", "sex": "", "species": ""})
    for j, locus in enumerate(LOCI):
        frame[locus] = [format_genotype(v) for v in values[:, j]]
    cat = Catalogue(loci=LOCI, kinds=["STR"] * len(LOCI), id_pattern=pattern, next_number=len(ids) + 1,
                    individuals=frame)
    engine = init_database(url, project="P")
    with write_transaction(engine) as conn:
        save_catalogue(conn, cat, record_run(conn, "benchmark", {"command": "bench_exchange"}))
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--individuals", type=int, default=10000)
    ap.add_argument("--method", choices=["likelihood", "mismatch"], default="likelihood")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--db-dir", default=None, help="Folder for the two SQLite files (default: a temporary one).")
    args = ap.parse_args()
    n = args.individuals
    with tempfile.TemporaryDirectory(dir=args.db_dir) as tmp:
        tmp = Path(tmp)
        local, partner = simulate(n, args.seed)
        store(str(tmp / "ru.sqlite"), local, "PPO-RU-{n:05d}")
        store(str(tmp / "cn.sqlite"), partner, "PPO-CN-{n:05d}")
        out = {"parameters": vars(args), "loci": len(LOCI)}

        engine = init_database(str(tmp / "cn.sqlite"))
        t0 = time.perf_counter()
        with engine.connect() as conn:
            export_catalogue(conn, tmp / "cn.zip", lab="NEFU", country="CN", provenance={"command": "bench"})
        out["export_s"] = round(time.perf_counter() - t0, 2)
        out["package_bytes"] = (tmp / "cn.zip").stat().st_size
        engine.dispose()

        table = pd.DataFrame({"locus": LOCI, "offset_bp": [2.0 if x == SHIFTED else 0.0 for x in LOCI],
                              "n_alleles_compared": 100, "fits": True, "note": ""})
        cal = Translation("RU-VLAD", "NEFU", table, source="bench")
        engine = init_database(str(tmp / "ru.sqlite"))
        t0 = time.perf_counter()
        with engine.connect() as conn:
            plan = plan_merge(conn, tmp / "cn.zip", calibration=cal, method=args.method)
        write_merge_report(plan, tmp / "report", {"command": "bench"})
        out["import_catalogue_s"] = round(time.perf_counter() - t0, 2)
        rows = plan.rows.set_index("foreign_id")
        shared = [f"PPO-CN-{k + 1:05d}" for k in range(n - n // 2)]
        expected = [f"PPO-RU-{n // 2 + k + 1:05d}" for k in range(n - n // 2)]
        found = rows.loc[shared]
        out["relations"] = plan.summary
        out["shared_found"] = int(((found["relation"] == "same-individual") & (found["local_id"] == expected)).sum())
        out["shared"] = len(shared)
        t0 = time.perf_counter()
        result = apply_merge(engine, tmp / "report", "all", {"command": "bench"})
        out["apply_merge_s"] = round(time.perf_counter() - t0, 2)
        out["applied"] = result.actions["action"].value_counts().to_dict()
        engine.dispose()
        out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("exchange", out)


if __name__ == "__main__":
    main()
