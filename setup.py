"""Build genmon's Cython kernels.

Every ``cython_ext/<name>.pyx`` becomes the private extension module
``genmon._ext.<name>``, compiled with ``-O3``.

Environment variables read at build time:

``GENMON_NO_OPENMP=1``
    Do not probe for or use OpenMP; kernels then run ``prange`` loops serially.
``GENMON_BUILD_ONLY=name1,name2``
    Compile only these kernels (developers iterating on one ``.pyx``).
``GENMON_DEBUG_BUILD=1``
    Bounds checks, wraparound checks and line tracing on, ``-O0 -g``: for the
    debug CI job and for chasing a crash in a kernel.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent
KERNEL_DIR = HERE / "cython_ext"

_OPENMP_PROBE = r"""
#include <omp.h>
int main(void) {
    int n = 0;
    #pragma omp parallel reduction(+:n)
    n += 1;
    return n > 0 ? 0 : 1;
}
"""


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _openmp_works() -> bool:
    """Compile and run a tiny OpenMP program with the C compiler Python was built with."""
    if _env_flag("GENMON_NO_OPENMP"):
        print("genmon: OpenMP disabled by GENMON_NO_OPENMP", file=sys.stderr)
        return False
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.c"
        exe = Path(tmp) / "probe"
        src.write_text(_OPENMP_PROBE)
        try:
            subprocess.run(
                [*cc.split(), "-fopenmp", str(src), "-o", str(exe)],
                check=True,
                capture_output=True,
            )
            subprocess.run([str(exe)], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            print("genmon: OpenMP probe failed; building kernels without it", file=sys.stderr)
            return False
    return True


def _extensions() -> list[Extension]:
    debug = _env_flag("GENMON_DEBUG_BUILD")
    only = {n.strip() for n in os.environ.get("GENMON_BUILD_ONLY", "").split(",") if n.strip()}
    openmp = _openmp_works()
    compile_args = ["-O0", "-g"] if debug else ["-O3"]
    link_args: list[str] = []
    macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
    if openmp:
        compile_args.append("-fopenmp")
        link_args.append("-fopenmp")
    if debug:
        macros.append(("CYTHON_TRACE_NOGIL", "1"))
    extensions = [
        Extension(
            f"genmon._ext.{pyx.stem}",
            [str(pyx.relative_to(HERE))],
            include_dirs=[np.get_include(), str(KERNEL_DIR.relative_to(HERE))],
            extra_compile_args=compile_args,
            extra_link_args=link_args,
            define_macros=macros,
        )
        for pyx in sorted(KERNEL_DIR.glob("*.pyx"))
        if not only or pyx.stem in only
    ]
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "linetrace": debug,
        "embedsignature": True,
    }
    return cythonize(extensions, compiler_directives=directives, include_path=[str(KERNEL_DIR)])


setup(ext_modules=_extensions())
