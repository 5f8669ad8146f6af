"""Lab-QC benchmark (issue targets: consensus and error rates for 20,000 samples x 4 replicates
x 15 loci in < 10 s; species calls for 1,000 sequences in < 30 s).

The batch is simulated with the seeded generator of ``tests/reference/labqc.py``
(ADO 0-0.4 and FA 0-0.05 over the loci, 2-8 alleles per locus, 5% failed PCRs).
Timed: grouping replicates, each consensus rule, count-based rates (per locus,
sample and run) and the ML rates with profile-likelihood intervals.

Species: 1,000 query fragments (300-800 bp, 1% random substitutions, either
strand, seeded) cut from the sequences of the multi-region panel
(test_data/felid-cytb and test_data/felid-mitogenomes: 434 cytb records and 14
complete mitogenomes), called against that whole panel.

Run: python benchmarks/bench_labqc.py   ->  benchmarks/results/labqc.json
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from _common import best_of, peak_rss_mb, write_results  # noqa: E402

from genmon.labqc import (  # noqa: E402
    call_consensus,
    count_error_rates,
    estimate_error_rates_ml,
    group_replicates,
)
from tests.reference.labqc import simulate_replicates  # noqa: E402

N_SAMPLES, N_REPLICATES, N_LOCI = 20_000, 4, 15


def bench_species(n_queries: int = 1000) -> dict:
    from genmon.labqc.species import build_reference, identify_species

    # the multi-region panel: 434 cytb records and 14 complete mitogenomes
    data = ROOT / "test_data"
    panel = build_reference([data / "felid-cytb" / "felidae_cytb.gb",
                             data / "felid-cytb" / "amur_leopard_cytb_AB817078_AB817079.gb",
                             data / "felid-mitogenomes" / "panthera_neofelis_mitogenomes.fasta",
                             data / "felid-mitogenomes" / "uk_mammal_mitogenomes.fasta"])
    rng = np.random.default_rng(7)
    queries, truth = [], []
    comp = str.maketrans("ACGT", "TGCA")
    for q in range(n_queries):
        i = int(rng.integers(len(panel)))
        seq = panel.sequence[i]
        length = int(rng.integers(300, 801))
        start = int(rng.integers(0, max(len(seq) - length, 0) + 1))
        frag = np.array(list(seq[start : start + length]))
        hit = rng.random(frag.size) < 0.01
        frag[hit] = rng.choice(list("ACGT"), hit.sum())
        frag = "".join(frag)
        if rng.random() < 0.5:
            frag = frag.translate(comp)[::-1]
        queries.append((f"q{q}", frag))
        truth.append(panel.species[i])
    identify_species(queries[:5], panel)  # builds the k-mer index once
    t0 = time.perf_counter()
    calls = identify_species(queries, panel)
    elapsed = time.perf_counter() - t0
    called = calls["call"] != "uncertain"
    right = (calls["call"] == np.array(truth)) & called
    return {
        "species_n_queries": n_queries,
        "species_s": round(elapsed, 3),
        "species_target_s": 30.0,
        "species_meets_target": bool(elapsed < 30.0),
        "species_fraction_called": round(float(called.mean()), 4),
        "species_fraction_called_right": round(float(right.sum() / max(called.sum(), 1)), 4),
    }


def main() -> None:
    t0 = time.perf_counter()
    table, truth = simulate_replicates(
        N_SAMPLES,
        N_LOCI,
        N_REPLICATES,
        ado=np.linspace(0.0, 0.4, N_LOCI),
        fa=np.linspace(0.0, 0.05, N_LOCI),
        n_alleles=np.arange(N_LOCI) % 7 + 2,
        seed=20261124,
    )
    simulate_s = time.perf_counter() - t0
    results = {
        "n_samples": N_SAMPLES,
        "n_replicates": N_REPLICATES,
        "n_loci": N_LOCI,
        "simulate_s": round(simulate_s, 3),
        "group_replicates_s": round(best_of(lambda: group_replicates(table), 3), 3),
    }
    for rule in ("taberlet", "majority", "ml"):
        results[f"consensus_{rule}_s"] = round(best_of(lambda rule=rule: call_consensus(table, rule), 3), 3)
    result = call_consensus(table, "taberlet")
    results["count_rates_s"] = round(
        best_of(lambda: [count_error_rates(result, by) for by in ("locus", "sample", "run")], 3), 3
    )
    results["ml_rates_with_intervals_s"] = round(best_of(lambda: estimate_error_rates_ml(result), 2), 3)

    def pipeline():
        r = call_consensus(table, "taberlet")
        for by in ("locus", "sample", "run"):
            count_error_rates(r, by)
        estimate_error_rates_ml(r)

    total = best_of(pipeline, 2)
    results["consensus_plus_error_rates_s"] = round(total, 3)
    results["target_s"] = 10.0
    results["meets_target"] = bool(total < 10.0)
    results.update(bench_species())
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("labqc", results)


if __name__ == "__main__":
    main()
