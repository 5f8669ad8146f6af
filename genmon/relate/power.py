"""How well this panel resolves relationships: simulate pairs, estimate, tabulate.

Pairs of each class (PO, FS, HS, U) are simulated by gene dropping from the
observed allele frequencies; every moment estimator and the likelihood
classifier are applied to them with the observed sample as the frequency
reference.  This is what ``related::compareestimators`` and ML-Relate's
simulations report: per-estimator means, spreads and correlation with the
true relatedness, and misclassification matrices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model import GenotypeTable
from ..tally import count_alleles
from .classes import RELATIONSHIPS, classify_pairs, pair_log_likelihoods, simulate_pairs
from .likelihood import estimate_dyadml
from .moments import ESTIMATORS, estimate_relatedness, prepare_loci
from .triadic import estimate_trioml, simulate_references

__all__ = ["EXPECTED_R", "PowerReport", "sample_frequencies", "relatedness_power", "threshold_class"]

#: Estimators the power report covers: the moment estimators and the dyadic ML.
_ESTIMATORS = (*ESTIMATORS, "dyadml", "trioml")
#: Expected relatedness of each simulated class.
EXPECTED_R = {"PO": 0.5, "FS": 0.5, "HS": 0.25, "U": 0.0}


@dataclass
class PowerReport:
    summary: pd.DataFrame  # estimator, true_class, n, mean, sd, expected, bias
    correlation: pd.DataFrame  # estimator, correlation with true r
    estimator_confusion: pd.DataFrame  # estimator, true_class, called "PO/FS", "HS", "U"
    classifier_confusion: pd.DataFrame  # true_class x called class proportions
    parameters: dict


def sample_frequencies(table: GenotypeTable) -> list[np.ndarray]:
    """Allele frequencies per locus from complete genotypes (indexed by allele index)."""
    calls = table.call_genotype.copy()
    calls[(calls < 0).any(axis=2)] = -1
    width = max(1, max((locus.n_alleles for locus in table.loci), default=1))
    counts = count_alleles(calls, n_alleles=width)
    out = []
    for j, locus in enumerate(table.loci):
        c = counts[j, : max(locus.n_alleles, 1)].astype(np.float64)
        out.append(c / c.sum() if c.sum() > 0 else np.full(c.size, np.nan))
    return out


def threshold_class(r: np.ndarray) -> np.ndarray:
    """Call a class from an estimate by the midpoints of expectations: >= 0.375 PO/FS, >= 0.125 HS, else U."""
    return np.where(r >= 0.375, "PO/FS", np.where(r >= 0.125, "HS", "U"))


def relatedness_power(
    table: GenotypeTable,
    n_pairs: int = 1000,
    seed: int | None = None,
    convention: str = "coancestry",
    error_rates: np.ndarray | None = None,
    n_reference: int = 100,
) -> PowerReport:
    """Simulate ``n_pairs`` pairs of every class and report how each method does.

    TrioML uses ``n_reference`` simulated unrelated references, drawn once from
    the same seeded generator."""
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**32))
    rng = np.random.default_rng(seed)
    freqs = sample_frequencies(table)
    usable = [j for j, f in enumerate(freqs) if np.isfinite(f).all() and (f > 0).sum() >= 2]
    sub = table.subset(loci=usable)
    freqs = [freqs[j] for j in usable]
    if error_rates is not None:
        error_rates = np.asarray(error_rates, dtype=np.float64)[usable]
    rows, conf_rows, class_rows, corr_parts = [], [], [], []
    true_r_all, estimates_all = [], {name: [] for name in _ESTIMATORS}
    references = simulate_references(prepare_loci(sub, convention), n_reference, rng)
    for rel in RELATIONSHIPS:
        x, y = simulate_pairs(freqs, rel, n_pairs, rng)
        sim = GenotypeTable(np.concatenate([x, y]).astype(np.int16), sub.loci,
                            [f"{rel}{i}x" for i in range(n_pairs)] + [f"{rel}{i}y" for i in range(n_pairs)])
        idx = np.arange(n_pairs, dtype=np.int64)
        est = estimate_relatedness(sim, pairs=(idx, idx + n_pairs), convention=convention, reference=sub)
        est["dyadml"] = estimate_dyadml(sim, error_rates=error_rates, convention=convention,
                                        pairs=(idx, idx + n_pairs), reference=sub)["dyadml"]
        est["trioml"] = estimate_trioml(sim, error_rates=error_rates, convention=convention, pairs=(idx, idx + n_pairs),
                                        reference_individuals=references, reference=sub)["trioml"]
        for name in _ESTIMATORS:
            v = est[name].to_numpy()
            estimates_all[name].append(v)
            rows.append({"estimator": name, "true_class": rel, "n": n_pairs, "mean": np.nanmean(v),
                         "sd": np.nanstd(v, ddof=1), "expected": EXPECTED_R[rel],
                         "bias": np.nanmean(v) - EXPECTED_R[rel]})
            called = threshold_class(v)
            conf_rows.append({"estimator": name, "true_class": rel,
                              **{c: float((called == c).mean()) for c in ("PO/FS", "HS", "U")}})
        true_r_all.append(np.full(n_pairs, EXPECTED_R[rel]))
        cls, _ = classify_pairs(pair_log_likelihoods(x, y, freqs, error_rates))
        class_rows.append({"true_class": rel, **{c: float((cls == c).mean()) for c in RELATIONSHIPS}})
    truth = np.concatenate(true_r_all)
    for name in _ESTIMATORS:
        v = np.concatenate(estimates_all[name])
        ok = np.isfinite(v)
        corr_parts.append({"estimator": name, "correlation": float(np.corrcoef(v[ok], truth[ok])[0, 1])})
    params = {"n_pairs": n_pairs, "n_reference": n_reference, "seed": seed, "convention": convention, "loci": sub.locus_id}
    return PowerReport(pd.DataFrame(rows), pd.DataFrame(corr_parts), pd.DataFrame(conf_rows),
                       pd.DataFrame(class_rows), params)
