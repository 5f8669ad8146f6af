"""Census and density from genetic detections: capwire, closed-population
capture–recapture and rarefaction of the discovery curve."""

from .capwire import (
    CapwireFit,
    bootstrap_capwire,
    class_table,
    counts_from_class_table,
    fit_ecm,
    fit_tirm,
    lrt_capwire,
    simulate_ecm,
    simulate_tirm,
)
from .closed import (
    AbundanceEstimate,
    chao_mh,
    chapman,
    fit_closed_models,
    fit_m0,
    fit_mb,
    fit_mt,
    jackknife_mh,
    lincoln_petersen,
    schnabel,
)

__all__ = [
    "CapwireFit",
    "bootstrap_capwire",
    "class_table",
    "counts_from_class_table",
    "fit_ecm",
    "fit_tirm",
    "lrt_capwire",
    "simulate_ecm",
    "simulate_tirm",
    "AbundanceEstimate",
    "chao_mh",
    "chapman",
    "fit_closed_models",
    "fit_m0",
    "fit_mb",
    "fit_mt",
    "jackknife_mh",
    "lincoln_petersen",
    "schnabel",
]
