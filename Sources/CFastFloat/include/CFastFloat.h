// C interface to fast_float (Lemire et al., "Number Parsing at a Gigabyte per Second",
// Software: Practice and Experience 51(8), 2021; Debian package libfast-float-dev), the
// correctly rounded decimal-to-double conversion that CoopData's CSV reader uses.
#ifndef COOPSIM_CFASTFLOAT_H
#define COOPSIM_CFASTFLOAT_H

#ifdef __cplusplus
extern "C" {
#endif

/// Parses the bytes [first, last) as one decimal number and stores it in *out.
///
/// Grammar (the whole range must match, no surrounding spaces):
///   [+|-] digits [decimal_mark digits] [(e|E) [+|-] digits]   (at least one mantissa digit)
///   [+|-] (inf | infinity), any case
/// `decimal_mark` is the byte used as the decimal point ('.' or ','). NaN spellings are refused
/// (the CSV reader treats its missing markers itself). Values beyond the double range give
/// +/-infinity, values below the smallest subnormal +/-0, as strtod does.
/// Returns 1 on success, 0 when the range is not a number (then *out is unchanged).
/// Correctly rounded (round to nearest, ties to even) whatever the number of digits.
int coopsim_parse_double(const char *first, const char *last, char decimal_mark, double *out);

/// Parses the longest number of the grammar above at the start of [first, last) and stores it in
/// *out; returns the number of bytes it takes, 0 when [first, last) does not start with one.
/// The CSV reader's fast path: it parses a cell and finds where it ends in one pass, then checks
/// that a delimiter or a line end follows.
long coopsim_parse_double_prefix(const char *first, const char *last, char decimal_mark, double *out);

#ifdef __cplusplus
}
#endif

#endif
