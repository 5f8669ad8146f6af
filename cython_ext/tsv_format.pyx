# cython: language_level=3
"""Text rows of a table, formatted in C: what pandas' ``to_csv`` writes, for millions of rows.

Columns are described by kind: 0 int64, 1 float64 printed as ``%.<d>f`` (NaN as the
missing-value text), 2 codes into a list of pre-encoded labels (-1 missing).  Fixed-point
floats are rounded from ``|x| * 10^d`` when that product is far from a rounding tie (the
product's own rounding error then cannot change the digits); near a tie, or for large
values, infinities and subnormal-sized magnitudes, C's ``snprintf`` decides, so the text
is always what ``printf("%.<d>f")`` (and Python's ``%`` operator) gives.
"""

from libc.math cimport fabs, floor, isfinite, isnan, signbit
from libc.stdint cimport int64_t
from libc.stdio cimport snprintf
from libc.string cimport memcpy


cdef double[19] _POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                          1e16, 1e17, 1e18]


cdef inline Py_ssize_t _put_uint(char *out, unsigned long long v) noexcept nogil:
    cdef char tmp[24]
    cdef Py_ssize_t k = 0, m
    while True:
        tmp[k] = <char>(48 + v % 10)
        v //= 10
        k += 1
        if v == 0:
            break
    for m in range(k):
        out[m] = tmp[k - 1 - m]
    return k


cdef inline Py_ssize_t _put_int(char *out, int64_t v) noexcept nogil:
    if v < 0:
        out[0] = 45  # '-'
        return 1 + _put_uint(out + 1, <unsigned long long>(-(v + 1)) + 1)
    return _put_uint(out, <unsigned long long>v)


cdef inline Py_ssize_t _put_fixed(char *out, double x, int digits, const char *fmt) noexcept nogil:
    """``%.<digits>f`` of a finite ``x``."""
    cdef double scale = _POW10[digits]
    cdef double v = fabs(x) * scale
    cdef double whole, frac
    cdef unsigned long long r, ip, fp
    cdef Py_ssize_t k = 0, m, w
    if v >= 1e12 or fabs(x) < 1e-300:
        return snprintf(out, 360, fmt, x)
    whole = floor(v)
    frac = v - whole
    # v is within 2^-13 of the exact product below 10^12: only a tie can be decided wrongly
    if fabs(frac - 0.5) < 1e-3:
        return snprintf(out, 360, fmt, x)
    r = <unsigned long long>whole + (1 if frac > 0.5 else 0)
    if signbit(x):
        out[0] = 45
        k = 1
    if digits == 0:
        return k + _put_uint(out + k, r)
    ip = r // <unsigned long long>scale
    fp = r % <unsigned long long>scale
    k += _put_uint(out + k, ip)
    out[k] = 46  # '.'
    k += 1
    for m in range(digits - 1, -1, -1):
        out[k + m] = <char>(48 + fp % 10)
        fp //= 10
    return k + digits


cdef unsigned char _EMPTY[8]


cdef const unsigned char *_address(object arr) except NULL:
    """Address of a C-contiguous array's data (kept alive by the caller)."""
    if arr.nbytes == 0:
        return _EMPTY
    cdef const unsigned char[::1] raw = arr.view("uint8").reshape(-1)
    return &raw[0]


cdef Py_ssize_t _rows(Py_ssize_t n_cols, const int *kinds, const void **data, const unsigned char **text,
                      const int64_t **offsets, int digits, const char *fmt, const char *na, Py_ssize_t na_len,
                      Py_ssize_t start, Py_ssize_t stop, char *out) noexcept nogil:
    cdef Py_ssize_t c, row, pos = 0, lo, hi
    cdef double x
    cdef int64_t code
    for row in range(start, stop):
        for c in range(n_cols):
            if c:
                out[pos] = 9
                pos += 1
            if kinds[c] == 1:
                x = (<const double *>data[c])[row]
                if isnan(x):
                    memcpy(out + pos, na, na_len)
                    pos += na_len
                elif not isfinite(x):
                    pos += snprintf(out + pos, 360, fmt, x)
                else:
                    pos += _put_fixed(out + pos, x, digits, fmt)
            elif kinds[c] == 0:
                pos += _put_int(out + pos, (<const int64_t *>data[c])[row])
            else:
                code = (<const int64_t *>data[c])[row]
                if code < 0:
                    memcpy(out + pos, na, na_len)
                    pos += na_len
                else:
                    lo = offsets[c][code]
                    hi = offsets[c][code + 1]
                    memcpy(out + pos, text[c] + lo, hi - lo)
                    pos += hi - lo
        out[pos] = 10
        pos += 1
    return pos


def _format_rows(list kinds, list columns, list labels, list label_offsets, int digits, bytes na_rep,
                 Py_ssize_t start, Py_ssize_t stop, bytearray buffer):
    """Rows ``start:stop`` as tab-separated lines into ``buffer``; returns the bytes used.

    ``columns[c]`` is a C-contiguous int64 array (kinds 0 and 2) or float64 array (kind 1);
    for kind 2, ``labels[c]`` is a uint8 array of the concatenated encoded labels and
    ``label_offsets[c]`` their int64 offsets (one more than the labels).  The caller checks
    codes, lengths and dtypes, and sizes ``buffer`` for the widest possible rows.
    """
    cdef Py_ssize_t n_cols = len(kinds), c, used
    cdef char fmt[8]
    cdef int c_kinds[256]
    cdef const void *data[256]
    cdef const unsigned char *text[256]
    cdef const int64_t *offsets[256]
    cdef char *out = buffer
    cdef const char *na = na_rep
    cdef Py_ssize_t na_len = len(na_rep)
    if digits < 0 or digits > 18:
        raise ValueError("digits must be 0..18")
    if n_cols > 256:
        raise ValueError("at most 256 columns")
    if stop <= start:
        return 0
    snprintf(fmt, 8, "%%.%df", digits)
    for c in range(n_cols):
        c_kinds[c] = kinds[c]
        data[c] = _address(columns[c])
        if c_kinds[c] == 2:
            text[c] = _address(labels[c])
            offsets[c] = <const int64_t *>_address(label_offsets[c])
    with nogil:
        used = _rows(n_cols, c_kinds, data, text, offsets, digits, fmt, na, na_len, start, stop, out)
    return used
