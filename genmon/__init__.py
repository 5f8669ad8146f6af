"""genmon: population-genetics monitoring from non-invasive DNA samples.

The library is the product; the ``genmon`` command line is a thin layer over
these functions.
"""

from . import _ext  # noqa: F401  (fails loudly with rebuild instructions if kernels are missing)
from ._version import __version__
from .exceptions import GenmonError, GenmonWarning, InputError, InputWarning, ModelError, Problem
from .io import read_genotypes, write_genotypes
from .io.samplesheet import attach_sample_sheet, read_sample_sheet
from .model import MISSING, GenotypeTable, Locus
from .provenance import make_provenance
from .tally import allele_frequencies, count_alleles, genotype_tallies

__all__ = [
    "__version__",
    "GenmonError",
    "GenmonWarning",
    "InputError",
    "InputWarning",
    "ModelError",
    "Problem",
    "MISSING",
    "GenotypeTable",
    "Locus",
    "read_genotypes",
    "write_genotypes",
    "read_sample_sheet",
    "attach_sample_sheet",
    "make_provenance",
    "count_alleles",
    "genotype_tallies",
    "allele_frequencies",
]
