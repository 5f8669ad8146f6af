"""Compiled kernels (built from ``cython_ext/`` by ``setup.py``).

Only capability modules import from here.  If the extension modules are
missing or fail to load, importing genmon fails with rebuild instructions:
there is deliberately no slow pure-Python fallback.
"""

_REBUILD = (
    "genmon's compiled kernels could not be loaded ({error}). "
    "Rebuild them from the repository root with:\n"
    "    python -m pip install -e .\n"
    "or, for a development tree, `python setup.py build_ext --inplace`."
)

try:
    from . import _buildinfo, tally  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only on broken installs
    raise ImportError(_REBUILD.format(error=exc)) from exc
