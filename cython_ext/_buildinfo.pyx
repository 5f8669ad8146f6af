# cython: language_level=3
"""Facts fixed when the kernels were compiled (read by genmon.provenance)."""

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define GENMON_OPENMP 1
    static int genmon_max_threads(void) { return omp_get_max_threads(); }
    #else
    #define GENMON_OPENMP 0
    static int genmon_max_threads(void) { return 1; }
    #endif
    #ifdef CYTHON_TRACE_NOGIL
    #define GENMON_DEBUG_BUILD 1
    #else
    #define GENMON_DEBUG_BUILD 0
    #endif
    """
    int GENMON_OPENMP
    int GENMON_DEBUG_BUILD
    int genmon_max_threads() noexcept nogil


def openmp_enabled() -> bool:
    """True when the kernels were compiled with OpenMP."""
    return bool(GENMON_OPENMP)


def debug_build() -> bool:
    """True for a debug build (bounds checks on)."""
    return bool(GENMON_DEBUG_BUILD)


def max_threads() -> int:
    """OpenMP's default thread count (1 without OpenMP)."""
    return genmon_max_threads()
