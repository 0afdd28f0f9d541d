// Elementary functions over arrays for the engine (see CVecMath.h).
//
// One algorithm, two kernels: `s_*` (one double at a time, portable C) and `v_*` (four doubles
// at a time, AVX2, compiled with __attribute__((target("avx2"))) and chosen at run time, so the
// package still builds for baseline x86-64). Every v_ function performs, lane by lane, exactly the
// operations of its s_ twin in the same order (add, sub, mul, div and sqrt are correctly rounded
// IEEE operations in both; selections replace branches), so the two kernels give the same bits.
// No fused multiply-add anywhere: contraction is off below, and AVX2 alone has no FMA.
//
// Algorithms: fdlibm 5.3 (Sun Microsystems, 1993; the code FreeBSD's and musl's libm derive from):
// e_exp.c (x = k ln2 + r, Cody-Waite split of ln2, the Remez rational R(r^2) of degree 5, error
// < 1 ulp) and s_log1p.c (x = 2^k (1 + f), s = f / (2 + f), log(1 + f) = f - hfsq + s (hfsq + R(s^2)),
// R of degree 7, error < 1 ulp; log is its c = 0 case). Wichura (1988), Algorithm AS 241, PPND16
// for the normal quantile (relative error about 1e-16), as CoopDistributions' Normal.quantile.
#include "CVecMath.h"
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

static inline uint64_t bits_of(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double double_of(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

// ---- constants ----------------------------------------------------------------------------
#define SHIFT      0x1.8p52                    // 1.5 * 2^52: x + SHIFT rounds x to an integer
#define SHIFT_BITS 0x4338000000000000ull
#define MANT       0x000fffffffffffffull
#define NORM_ADD   0x00095f6400000000ull        // carries into bit 52 when 1.m >= sqrt(2)
#define BIT52      0x0010000000000000ull
#define ONE_BITS   0x3ff0000000000000ull

static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
static const double invln2 = 1.44269504088896338700e+00;
static const double o_threshold = 7.09782712893383973096e+02, u_threshold = -7.45133219101941108420e+02;
static const double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                    P5 = 4.13813679705723846039e-08;
static const double Lp1 = 6.666666666666735130e-01, Lp2 = 3.999999999940941908e-01,
                    Lp3 = 2.857142874366239149e-01, Lp4 = 2.222219843214978396e-01,
                    Lp5 = 1.818357216161805012e-01, Lp6 = 1.531383769920937332e-01,
                    Lp7 = 1.479819860511658591e-01;

// AS241 PPND16 (the coefficients of CoopDistributions' Normal.quantile, highest degree first).
static const double A[8] = {2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4,
    4.5921953931549871457e+4, 1.3731693765509461125e+4, 1.9715909503065514427e+3, 1.3314166789178437745e+2,
    3.3871328727963666080e+0};
static const double B[8] = {5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4,
    2.1213794301586595867e+4, 5.3941960214247511077e+3, 6.8718700749205790830e+2, 4.2313330701600911252e+1,
    1.0};
static const double C[8] = {7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
    1.27045825245236838258e+0, 3.64784832476320460504e+0, 5.76949722146069140550e+0, 4.63033784615654529590e+0,
    1.42343711074968357734e+0};
static const double D[8] = {1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
    1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e+0, 2.05319162663775882187e+0,
    1.0};
static const double E[8] = {2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
    2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e+0, 5.46378491116411436990e+0,
    6.65790464350110377720e+0};
static const double F[8] = {2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
    7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1, 5.99832206555887937690e-1,
    1.0};

// ---- scalar kernel ------------------------------------------------------------------------
static inline double s_exp(double x) {
    double xc = x < -746.0 ? -746.0 : x;
    xc = xc > 710.0 ? 710.0 : xc;
    double t = xc * invln2;
    t = t + SHIFT;
    double kd = t - SHIFT;
    uint64_t k = bits_of(t) - SHIFT_BITS;   /* k in two's complement; unsigned: no overflow for NaN's garbage k */
    double hi = xc - kd * ln2_hi;
    double lo = kd * ln2_lo;
    double r = hi - lo;
    double z = r * r;
    double c = r - z * (P1 + z * (P2 + z * (P3 + z * (P4 + z * P5))));
    double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    uint64_t k1 = ((k + 2048) >> 1) - 1024, k2 = k - k1;   /* the same bits as the signed form */
    double res = (y * double_of((k1 + 1023) << 52)) * double_of((k2 + 1023) << 52);
    if (x > o_threshold) res = __builtin_inf();
    if (x < u_threshold) res = 0.0;
    if (x != x) res = x + x;
    return res;
}

// log(2^k (1 + f)) + c, |f| < sqrt(2) - 1 (fdlibm s_log1p.c, the general case).
static inline double s_log_core(double dk, double f, double c) {
    double hfsq = 0.5 * f * f;
    double s = f / (2.0 + f);
    double z = s * s;
    double R = z * (Lp1 + z * (Lp2 + z * (Lp3 + z * (Lp4 + z * (Lp5 + z * (Lp6 + z * Lp7))))));
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + (dk * ln2_lo + c))) - f);
}

// x = 2^k m with m in [sqrt(2)/2, sqrt(2)) for x > 0 normal: m and k (as a double).
static inline double s_split(uint64_t ix, double *dk, int64_t kadj) {
    uint64_t m = ix & MANT;
    uint64_t i = (m + NORM_ADD) & BIT52;
    int64_t k = (int64_t)(ix >> 52) - 1023 + (int64_t)(i >> 52) - kadj;
    *dk = double_of(SHIFT_BITS + (uint64_t)k) - SHIFT;
    return double_of(m | (i ^ ONE_BITS));
}

static inline double s_log(double x) {
    int sub = x < 0x1p-1022;
    double xs = sub ? x * 0x1p54 : x;
    double dk;
    double m = s_split(bits_of(xs), &dk, sub ? 54 : 0);
    double res = s_log_core(dk, m - 1.0, 0.0);
    if (x == __builtin_inf()) res = x;
    if (x == 0.0) res = -__builtin_inf();
    if (x < 0.0) res = __builtin_nan("");
    if (x != x) res = x + x;
    return res;
}

static inline double s_log1p(double x) {
    int big = x >= 0x1p53;
    double u = big ? x : 1.0 + x;
    double c = u >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0);
    c = c / u;
    c = big ? 0.0 : c;
    double dk;
    double m = s_split(bits_of(u), &dk, 0);
    double f = m - 1.0;
    int k0 = dk == 0.0;
    f = k0 ? x : f;
    c = k0 ? 0.0 : c;
    double res = s_log_core(dk, f, c);
    if (x == __builtin_inf()) res = x;
    if (x == -1.0) res = -__builtin_inf();
    if (x < -1.0) res = __builtin_nan("");
    if (x == 0.0) res = x;
    if (x != x) res = x + x;
    return res;
}

static inline double s_invlogit(double x) {
    // 0 - x rather than -x, as the AVX2 kernel: the same bits for NaN (a negation flips its sign).
    double ax = x < 0.0 ? 0.0 - x : x;
    double e = s_exp(0.0 - ax);
    double num = x < 0.0 ? e : 1.0;
    return num / (1.0 + e);
}

static inline double s_logit(double x) { return s_log(x / (1.0 - x)); }

static inline double s_horner8(const double *a, double r) {
    double v = a[0];
    for (int j = 1; j < 8; j++) v = v * r + a[j];
    return v;
}

static inline double s_normal(uint64_t w) {
    double d = (double)(w >> 11);
    d = d < 0.5 ? 0.5 : d;
    double p = d * 0x1p-53;
    double q = p - 0.5;
    double aq = q < 0.0 ? 0.0 - q : q;
    if (aq <= 0.425) {
        double r = 0.180625 - q * q;
        return q * s_horner8(A, r) / s_horner8(B, r);
    }
    double r = q < 0.0 ? p : 1.0 - p;
    r = __builtin_sqrt(-s_log(r));
    double value;
    if (r <= 5.0) { r = r - 1.6; value = s_horner8(C, r) / s_horner8(D, r); }
    else { r = r - 5.0; value = s_horner8(E, r) / s_horner8(F, r); }
    return q < 0.0 ? 0.0 - value : value;
}

double coop_exp(double x) { return s_exp(x); }
double coop_log(double x) { return s_log(x); }
double coop_log1p(double x) { return s_log1p(x); }
double coop_invlogit(double x) { return s_invlogit(x); }
double coop_logit(double x) { return s_logit(x); }
double coop_normal_bits(uint64_t w) { return s_normal(w); }

static void scalar_run(int op, const void *x, double *y, int64_t from, int64_t n) {
    const double *xd = (const double *)x;
    const uint64_t *xw = (const uint64_t *)x;
    switch (op) {
    case 0: for (int64_t i = from; i < n; i++) y[i] = s_exp(xd[i]); break;
    case 1: for (int64_t i = from; i < n; i++) y[i] = s_log(xd[i]); break;
    case 2: for (int64_t i = from; i < n; i++) y[i] = s_log1p(xd[i]); break;
    case 3: for (int64_t i = from; i < n; i++) y[i] = s_invlogit(xd[i]); break;
    case 4: for (int64_t i = from; i < n; i++) y[i] = s_logit(xd[i]); break;
    case 5: for (int64_t i = from; i < n; i++) y[i] = s_normal(xw[i]); break;
    default: break;
    }
}

// ---- AVX2 kernel --------------------------------------------------------------------------
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
typedef __m256d V;
typedef __m256i VI;

AVX2 static inline V vset(double a) { return _mm256_set1_pd(a); }
AVX2 static inline VI vseti(uint64_t a) { return _mm256_set1_epi64x((long long)a); }
AVX2 static inline V vsel(V mask, V yes, V no) { return _mm256_blendv_pd(no, yes, mask); }
#define ADD _mm256_add_pd
#define SUB _mm256_sub_pd
#define MUL _mm256_mul_pd
#define DIV _mm256_div_pd
#define CMP(a, b, op) _mm256_cmp_pd(a, b, op)
#define ASI _mm256_castpd_si256
#define APD _mm256_castsi256_pd

AVX2 static inline V v_exp(V x) {
    V xc = vsel(CMP(x, vset(-746.0), _CMP_LT_OQ), vset(-746.0), x);
    xc = vsel(CMP(xc, vset(710.0), _CMP_GT_OQ), vset(710.0), xc);
    V t = MUL(xc, vset(invln2));
    t = ADD(t, vset(SHIFT));
    V kd = SUB(t, vset(SHIFT));
    VI k = _mm256_sub_epi64(ASI(t), vseti(SHIFT_BITS));
    V hi = SUB(xc, MUL(kd, vset(ln2_hi)));
    V lo = MUL(kd, vset(ln2_lo));
    V r = SUB(hi, lo);
    V z = MUL(r, r);
    V p = ADD(vset(P4), MUL(z, vset(P5)));
    p = ADD(vset(P3), MUL(z, p));
    p = ADD(vset(P2), MUL(z, p));
    p = ADD(vset(P1), MUL(z, p));
    V c = SUB(r, MUL(z, p));
    V y = SUB(vset(1.0), SUB(SUB(lo, DIV(MUL(r, c), SUB(vset(2.0), c))), hi));
    VI k1 = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_add_epi64(k, vseti(2048)), 1), vseti(1024));
    VI k2 = _mm256_sub_epi64(k, k1);
    V s1 = APD(_mm256_slli_epi64(_mm256_add_epi64(k1, vseti(1023)), 52));
    V s2 = APD(_mm256_slli_epi64(_mm256_add_epi64(k2, vseti(1023)), 52));
    V res = MUL(MUL(y, s1), s2);
    res = vsel(CMP(x, vset(o_threshold), _CMP_GT_OQ), vset(__builtin_inf()), res);
    res = vsel(CMP(x, vset(u_threshold), _CMP_LT_OQ), vset(0.0), res);
    res = vsel(CMP(x, x, _CMP_UNORD_Q), ADD(x, x), res);
    return res;
}

AVX2 static inline V v_log_core(V dk, V f, V c) {
    V hfsq = MUL(MUL(vset(0.5), f), f);
    V s = DIV(f, ADD(vset(2.0), f));
    V z = MUL(s, s);
    V p = ADD(vset(Lp6), MUL(z, vset(Lp7)));
    p = ADD(vset(Lp5), MUL(z, p));
    p = ADD(vset(Lp4), MUL(z, p));
    p = ADD(vset(Lp3), MUL(z, p));
    p = ADD(vset(Lp2), MUL(z, p));
    p = ADD(vset(Lp1), MUL(z, p));
    V R = MUL(z, p);
    V inner = ADD(MUL(s, ADD(hfsq, R)), ADD(MUL(dk, vset(ln2_lo)), c));
    return SUB(MUL(dk, vset(ln2_hi)), SUB(SUB(hfsq, inner), f));
}

AVX2 static inline V v_split(VI ix, V *dk, VI kadj) {
    VI m = _mm256_and_si256(ix, vseti(MANT));
    VI i = _mm256_and_si256(_mm256_add_epi64(m, vseti(NORM_ADD)), vseti(BIT52));
    VI k = _mm256_add_epi64(_mm256_sub_epi64(_mm256_srli_epi64(ix, 52), vseti(1023)), _mm256_srli_epi64(i, 52));
    k = _mm256_sub_epi64(k, kadj);
    *dk = SUB(APD(_mm256_add_epi64(vseti(SHIFT_BITS), k)), vset(SHIFT));
    return APD(_mm256_or_si256(m, _mm256_xor_si256(i, vseti(ONE_BITS))));
}

AVX2 static inline V v_log(V x) {
    V sub = CMP(x, vset(0x1p-1022), _CMP_LT_OQ);
    V xs = vsel(sub, MUL(x, vset(0x1p54)), x);
    VI kadj = _mm256_and_si256(ASI(sub), vseti(54));
    V dk;
    V m = v_split(ASI(xs), &dk, kadj);
    V res = v_log_core(dk, SUB(m, vset(1.0)), vset(0.0));
    res = vsel(CMP(x, vset(__builtin_inf()), _CMP_EQ_OQ), x, res);
    res = vsel(CMP(x, vset(0.0), _CMP_EQ_OQ), vset(-__builtin_inf()), res);
    res = vsel(CMP(x, vset(0.0), _CMP_LT_OQ), vset(__builtin_nan("")), res);
    res = vsel(CMP(x, x, _CMP_UNORD_Q), ADD(x, x), res);
    return res;
}

AVX2 static inline V v_log1p(V x) {
    V big = CMP(x, vset(0x1p53), _CMP_GE_OQ);
    V u = vsel(big, x, ADD(vset(1.0), x));
    V c = vsel(CMP(u, vset(2.0), _CMP_GE_OQ), SUB(vset(1.0), SUB(u, x)), SUB(x, SUB(u, vset(1.0))));
    c = DIV(c, u);
    c = vsel(big, vset(0.0), c);
    V dk;
    V m = v_split(ASI(u), &dk, _mm256_setzero_si256());
    V f = SUB(m, vset(1.0));
    V k0 = CMP(dk, vset(0.0), _CMP_EQ_OQ);
    f = vsel(k0, x, f);
    c = vsel(k0, vset(0.0), c);
    V res = v_log_core(dk, f, c);
    res = vsel(CMP(x, vset(__builtin_inf()), _CMP_EQ_OQ), x, res);
    res = vsel(CMP(x, vset(-1.0), _CMP_EQ_OQ), vset(-__builtin_inf()), res);
    res = vsel(CMP(x, vset(-1.0), _CMP_LT_OQ), vset(__builtin_nan("")), res);
    res = vsel(CMP(x, vset(0.0), _CMP_EQ_OQ), x, res);
    res = vsel(CMP(x, x, _CMP_UNORD_Q), ADD(x, x), res);
    return res;
}

AVX2 static inline V v_invlogit(V x) {
    V neg = CMP(x, vset(0.0), _CMP_LT_OQ);
    V ax = vsel(neg, SUB(vset(0.0), x), x);    // -x of a negative x: exact, as the scalar negation
    V e = v_exp(SUB(vset(0.0), ax));
    return DIV(vsel(neg, e, vset(1.0)), ADD(vset(1.0), e));
}

AVX2 static inline V v_logit(V x) { return v_log(DIV(x, SUB(vset(1.0), x))); }

AVX2 static inline V v_horner8(const double *a, V r) {
    V v = vset(a[0]);
    for (int j = 1; j < 8; j++) v = ADD(MUL(v, r), vset(a[j]));
    return v;
}

AVX2 static inline V v_normal(VI w) {
    VI v = _mm256_srli_epi64(w, 11);                                   // < 2^53
    V low = SUB(APD(_mm256_or_si256(_mm256_and_si256(v, vseti(MANT)), vseti(0x4330000000000000ull))), vset(0x1p52));
    V top = APD(_mm256_and_si256(_mm256_sub_epi64(_mm256_setzero_si256(), _mm256_srli_epi64(v, 52)),
                                 vseti(0x4330000000000000ull)));        // 2^52 when bit 52 of v is set
    V d = ADD(low, top);                                               // exactly (double)v
    d = vsel(CMP(d, vset(0.5), _CMP_LT_OQ), vset(0.5), d);
    V p = MUL(d, vset(0x1p-53));
    V q = SUB(p, vset(0.5));
    V neg = CMP(q, vset(0.0), _CMP_LT_OQ);
    V aq = vsel(neg, SUB(vset(0.0), q), q);
    V central = CMP(aq, vset(0.425), _CMP_LE_OQ);
    V r = SUB(vset(0.180625), MUL(q, q));
    V res = DIV(MUL(q, v_horner8(A, r)), v_horner8(B, r));
    if (_mm256_movemask_pd(central) != 0xF) {
        V rt = vsel(neg, p, SUB(vset(1.0), p));
        rt = _mm256_sqrt_pd(SUB(vset(0.0), v_log(rt)));
        V near = CMP(rt, vset(5.0), _CMP_LE_OQ);
        V tail = CMP(aq, vset(0.425), _CMP_GT_OQ);
        V value = vset(0.0);
        if (_mm256_movemask_pd(_mm256_and_pd(tail, near)) != 0) {
            V r1 = SUB(rt, vset(1.6));
            value = vsel(near, DIV(v_horner8(C, r1), v_horner8(D, r1)), value);
        }
        if (_mm256_movemask_pd(_mm256_andnot_pd(near, tail)) != 0) {
            V r2 = SUB(rt, vset(5.0));
            value = vsel(near, value, DIV(v_horner8(E, r2), v_horner8(F, r2)));
        }
        value = vsel(neg, SUB(vset(0.0), value), value);
        res = vsel(tail, value, res);
    }
    return res;
}

AVX2 static void avx2_run(int op, const void *x, double *y, int64_t n4) {
    const double *xd = (const double *)x;
    const uint64_t *xw = (const uint64_t *)x;
    switch (op) {
    case 0: for (int64_t i = 0; i < n4; i += 4) _mm256_storeu_pd(y + i, v_exp(_mm256_loadu_pd(xd + i))); break;
    case 1: for (int64_t i = 0; i < n4; i += 4) _mm256_storeu_pd(y + i, v_log(_mm256_loadu_pd(xd + i))); break;
    case 2: for (int64_t i = 0; i < n4; i += 4) _mm256_storeu_pd(y + i, v_log1p(_mm256_loadu_pd(xd + i))); break;
    case 3: for (int64_t i = 0; i < n4; i += 4) _mm256_storeu_pd(y + i, v_invlogit(_mm256_loadu_pd(xd + i))); break;
    case 4: for (int64_t i = 0; i < n4; i += 4) _mm256_storeu_pd(y + i, v_logit(_mm256_loadu_pd(xd + i))); break;
    case 5:
        for (int64_t i = 0; i < n4; i += 4)
            _mm256_storeu_pd(y + i, v_normal(_mm256_loadu_si256((const __m256i *)(xw + i))));
        break;
    default: break;
    }
}

static int has_avx2_cached = -1;
int coop_vecmath_has_avx2(void) {
    int h = __atomic_load_n(&has_avx2_cached, __ATOMIC_RELAXED);
    if (h < 0) {
        h = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&has_avx2_cached, h, __ATOMIC_RELAXED);
    }
    return h;
}

static inline void dispatch(int op, const void *x, double *y, int64_t n) {
    if (n <= 0) return;
    int64_t n4 = 0;
    if (n >= 4 && coop_vecmath_has_avx2()) { n4 = n - n % 4; avx2_run(op, x, y, n4); }
    scalar_run(op, x, y, n4, n);
}

int coop_vecmath_run(int op, int kernel, const void *x, double *y, int64_t n) {
    if (op < 0 || op > 5) return 0;
    if (kernel == 0) { if (n > 0) scalar_run(op, x, y, 0, n); return 1; }
    if (kernel != 1 || !coop_vecmath_has_avx2()) return 0;
    if (n <= 0) return 1;
    int64_t n4 = n - n % 4;
    avx2_run(op, x, y, n4);
    scalar_run(op, x, y, n4, n);
    return 1;
}
#else
int coop_vecmath_has_avx2(void) { return 0; }
static inline void dispatch(int op, const void *x, double *y, int64_t n) { if (n > 0) scalar_run(op, x, y, 0, n); }
int coop_vecmath_run(int op, int kernel, const void *x, double *y, int64_t n) {
    if (op < 0 || op > 5 || kernel != 0) return 0;
    if (n > 0) scalar_run(op, x, y, 0, n);
    return 1;
}
#endif

void coop_vexp(const double *x, double *y, int64_t n) { dispatch(0, x, y, n); }
void coop_vlog(const double *x, double *y, int64_t n) { dispatch(1, x, y, n); }
void coop_vlog1p(const double *x, double *y, int64_t n) { dispatch(2, x, y, n); }
void coop_vinvlogit(const double *x, double *y, int64_t n) { dispatch(3, x, y, n); }
void coop_vlogit(const double *x, double *y, int64_t n) { dispatch(4, x, y, n); }
void coop_vnormal_bits(const uint64_t *w, double *z, int64_t n) { dispatch(5, w, z, n); }
