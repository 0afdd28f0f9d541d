// See include/CFastFloat.h. fast_float is header-only: this file is the whole shim.
#include "CFastFloat.h"

#include <fast_float/fast_float.h>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {

// fast_float's own entry point: the whole grammar, every corner (inf, more than 19 digits,
// the rare inputs that need its big-integer digit comparison).
long parse_prefix_general(const char *first, const char *last, char decimal_mark, double *out) {
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

inline uint64_t load8(const char *p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// The value of the first k (1...8) digits of v: shifted so that they are the last k of eight,
// zeros before them, then fast_float's eight-digit SWAR step (parse_eight_digits_unrolled).
inline uint64_t digits_value(uint64_t v, int k) {
    v -= 0x3030303030303030ULL;
    v <<= (8 - k) * 8;
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFULL) * 0x000F424000000064ULL)
         + (((v >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
    return uint32_t(v);
}

const uint64_t powers_of_ten[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

// Digits from p: appended to w (it may wrap past 19 digits: the caller then uses the general
// path), counted in count; returns the first byte that is not a digit. Eight at a time while
// eight bytes are left (a run of eight digits without the shift), then one at a time.
inline const char *scan_digits(const char *p, const char *last, uint64_t &w, int &count) {
    while (last - p >= 8) {
        uint64_t v = load8(p);
        uint64_t m = ((v + 0x4646464646464646ULL) | (v - 0x3030303030303030ULL)) & 0x8080808080808080ULL;
        if (m == 0) {
            w = w * 100000000 + fast_float::parse_eight_digits_unrolled(v);
            count += 8;
            p += 8;
            continue;
        }
        int k = __builtin_ctzll(m) >> 3;
        if (k > 0) {
            w = w * powers_of_ten[k] + digits_value(v, k);
            count += k;
            p += k;
        }
        return p;
    }
    while (p != last && (unsigned char)(*p - '0') < 10) {
        w = w * 10 + uint64_t(*p - '0');
        ++count;
        ++p;
    }
    return p;
}

}  // namespace

extern "C" long coopsim_parse_double_prefix(const char *first, const char *last, char decimal_mark, double *out) {
    // The common case read here, eight digits at a time: [sign] digits [mark digits]
    // [(e|E) [sign] digits] with 1 to 19 significant digits in all. Its value is what
    // fast_float computes from the same (mantissa, exponent): Clinger's exact fast path, or
    // fast_float's Eisel-Lemire step `compute_float`; everything else (inf, more digits, an
    // `e` without digits, a sign not followed by a digit or the mark, the rare values whose
    // rounding needs fast_float's digit comparison) is handed to fast_float's own parser.
    const char *p = first;
    if (p == last) return 0;
    bool negative = false;
    if (*p == '-' || *p == '+') {
        negative = *p == '-';
        ++p;
    }
    uint64_t w = 0;
    int digits = 0;
    p = scan_digits(p, last, w, digits);
    int64_t exponent = 0;
    if (p != last && *p == decimal_mark) {
        const char *before = ++p;
        p = scan_digits(p, last, w, digits);
        exponent = before - p;
    }
    if (digits == 0 || digits > 19) return parse_prefix_general(first, last, decimal_mark, out);
    if (p != last && (*p | 0x20) == 'e') {
        const char *q = p + 1;
        bool negative_exponent = false;
        if (q != last && (*q == '-' || *q == '+')) {
            negative_exponent = *q == '-';
            ++q;
        }
        if (q == last || (unsigned char)(*q - '0') >= 10) return parse_prefix_general(first, last, decimal_mark, out);
        int64_t e = 0;
        while (q != last && (unsigned char)(*q - '0') < 10) {
            if (e < 0x10000000) e = 10 * e + (*q - '0');
            ++q;
        }
        exponent += negative_exponent ? -e : e;
        p = q;
    }
    using binary = fast_float::binary_format<double>;
    double value;
    if (binary::min_exponent_fast_path() <= exponent && exponent <= binary::max_exponent_fast_path()
        && w <= binary::max_mantissa_fast_path() && fast_float::detail::rounds_to_nearest()) {
        value = double(w);
        if (exponent < 0) value = value / binary::exact_power_of_ten(-exponent);
        else value = value * binary::exact_power_of_ten(exponent);
    } else {
        fast_float::adjusted_mantissa am = fast_float::compute_float<binary>(exponent, w);
        if (am.power2 < 0) return parse_prefix_general(first, last, decimal_mark, out);
        fast_float::to_float(false, am, value);
    }
    *out = negative ? -value : value;
    return p - first;
}

extern "C" int coopsim_parse_double(const char *first, const char *last, char decimal_mark, double *out) {
    // The whole range must be one number: the prefix above, ending at `last`.
    double value = 0;
    long used = coopsim_parse_double_prefix(first, last, decimal_mark, &value);
    if (used == 0 || used != last - first) return 0;
    *out = value;
    return 1;
}
