"""Compiled kernels (built from ``cython_ext/`` by ``setup.py``).

Only capability modules import from here.  If any extension module is
missing or fails to load, importing genmon fails with rebuild instructions:
there is deliberately no slow pure-Python fallback.
"""

import importlib

#: Every kernel module built from ``cython_ext/<name>.pyx`` (a test checks the list is complete).
KERNELS = (
    "_buildinfo",
    "tally",
    "markers_ld",
    "mismatch",
    "ld_ne",
    "relatedness",
    "king",
    "tsv_format",
    "relate_ml",
)

_REBUILD = (
    "genmon's compiled kernels could not be loaded ({error}). "
    "Rebuild them from the repository root with:\n"
    "    python -m pip install -e .\n"
    "or, for a development tree, `python setup.py build_ext --inplace`."
)

for _name in KERNELS:
    try:
        importlib.import_module(f"{__name__}.{_name}")
    except ImportError as exc:  # pragma: no cover - exercised only on broken installs
        raise ImportError(_REBUILD.format(error=exc)) from exc

from . import _buildinfo, tally  # noqa: E402,F401
