// See include/CFastFloat.h. fast_float is header-only: this file is the whole shim.
#include "CFastFloat.h"

#include <fast_float/fast_float.h>
#include <cmath>

extern "C" long coopsim_parse_double_prefix(const char *first, const char *last, char decimal_mark, double *out) {
    const char *start = first;
    if (first == last) return 0;
    bool negative = false;
    if (*first == '+' || *first == '-') {
        negative = *first == '-';
        ++first;
        if (first == last || *first == '+' || *first == '-') return 0;
    }
    double value = 0;
    fast_float::parse_options options(fast_float::chars_format::general, decimal_mark);
    fast_float::from_chars_result r = fast_float::from_chars_advanced(first, last, value, options);
    if (r.ec != std::errc() || std::isnan(value)) return 0;
    *out = negative ? -value : value;
    return r.ptr - start;
}

extern "C" int coopsim_parse_double(const char *first, const char *last, char decimal_mark, double *out) {
    if (first == last) return 0;
    bool negative = false;
    // fast_float (like std::from_chars) refuses a leading '+'; CSV files and strtod accept it.
    if (*first == '+') {
        ++first;
        if (first == last || *first == '+' || *first == '-') return 0;
    } else if (*first == '-') {
        // Handled here too so that "-+1" and "--1" are refused the same way.
        negative = true;
        ++first;
        if (first == last || *first == '+' || *first == '-') return 0;
    }
    double value = 0;
    fast_float::parse_options options(fast_float::chars_format::general, decimal_mark);
    fast_float::from_chars_result r = fast_float::from_chars_advanced(first, last, value, options);
    if (r.ec != std::errc() || r.ptr != last || std::isnan(value)) return 0;
    *out = negative ? -value : value;
    return 1;
}
