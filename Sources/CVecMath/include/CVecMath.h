#ifndef CVECMATH_H
#define CVECMATH_H
#include <stddef.h>
#include <stdint.h>

// Elementary functions over arrays for the Monte Carlo engine, with an AVX2 kernel chosen at run
// time and a portable scalar kernel that give IDENTICAL bits for every input (the same IEEE
// operations in the same order, no fused multiply-add), so a simulation's output does not depend
// on the processor it ran on. See vecmath.c and Guides/Random.md ("Why the engine has its own
// exp and log").
//
// Accuracy (tests: CoopModelTests/VecMathTests against mpmath at 60 digits, fixture made by
// scripts/fixtures/vecmath.py): exp, log, log1p within 1 ulp (fdlibm's algorithms: Cody-Waite
// reduction, the Remez rational of exp, the series in s = f / (2 + f) of log); invlogit within 2 ulp;
// logit within 1 ulp + 2^-52 (the rounding of x / (1 - x)); the normal within 1e-15 relative (Wichura's
// AS241 PPND16, the rational forms of CoopDistributions' Normal.quantile, this log in the tails).
//
// Every array function accepts y == x (in place); n <= 0 writes nothing; no allocation.

/// y[i] = e^x[i]: +inf above 709.782712893384, +0 below -745.1332191019411, NaN for NaN.
void coop_vexp(const double *x, double *y, int64_t n);
/// y[i] = ln x[i]: -inf at +-0, NaN below 0 (and -inf), +inf at +inf; subnormals exact in the exponent.
void coop_vlog(const double *x, double *y, int64_t n);
/// y[i] = ln(1 + x[i]): -inf at -1, NaN below -1, x itself at +-0.
void coop_vlog1p(const double *x, double *y, int64_t n);
/// y[i] = 1 / (1 + e^-x[i]) in the two-sided form e / (1 + e) for x < 0 (e = e^x), 1 / (1 + e^-x)
/// otherwise: 0 < y <= 1 for every finite x, exactly 0 or 1 only where the exact value rounds there.
void coop_vinvlogit(const double *x, double *y, int64_t n);
/// y[i] = ln(x[i] / (1 - x[i])) (NaN outside [0, 1], -inf at 0, +inf at 1).
void coop_vlogit(const double *x, double *y, int64_t n);
/// z[i] = the standard normal of the 64-bit random word w[i]: Phi^-1(u) with
/// u = max(w >> 11, 1/2) * 2^-53 (CoopRandom's RandomStream.uniform; 0 < u < 1), by AS241.
/// Finite, between about -8.3 and 8.2.
void coop_vnormal_bits(const uint64_t *w, double *z, int64_t n);

/// The same functions of one value (the scalar kernel; equal bit for bit to the array forms).
double coop_exp(double x);
double coop_log(double x);
double coop_log1p(double x);
double coop_invlogit(double x);
double coop_logit(double x);
double coop_normal_bits(uint64_t w);

/// Tests: which kernel the array functions use on this processor (1 = AVX2, 0 = scalar).
int coop_vecmath_has_avx2(void);

/// Tests: run one function with a chosen kernel. op: 0 exp, 1 log, 2 log1p, 3 invlogit, 4 logit,
/// 5 normal (x is then a uint64_t array). kernel: 0 scalar, 1 AVX2 (the AVX2 kernel does the first
/// n - n % 4 values, the scalar one the rest, as the array functions). Returns 0 and writes nothing
/// when the kernel is not available or op is unknown, 1 otherwise.
int coop_vecmath_run(int op, int kernel, const void *x, double *y, int64_t n);

#endif
