// Philox4x32-10 over many counters at once, for CoopRandom's PathYearWords (see CPhilox.h).
//
// Written in C because the package builds for the baseline x86-64 target (SSE2): a Swift SIMD
// Philox there multiplies two 32-bit lanes per instruction and costs more instructions than the
// scalar one (Benchmarks/README.md). GCC/Clang's target attribute compiles one function for
// AVX2 (vpmuludq: four 32x32->64 products per instruction) and the processor is asked at run
// time, so the binary still runs on any x86-64 (and on other architectures, the scalar kernel).
#include "CPhilox.h"

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

static inline void round_keys(uint32_t k0, uint32_t k1, uint32_t rk0[10], uint32_t rk1[10]) {
    for (int r = 0; r < 10; r++) { rk0[r] = k0; rk1[r] = k1; k0 += W0; k1 += W1; }
}

static inline void store_words(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t b, int64_t i,
                               uint32_t x, uint32_t y, uint32_t z, uint32_t w) {
    out[(2 * b) * stride + i] = (uint64_t)y << 32 | x;
    if (2 * b + 1 < words) out[(2 * b + 1) * stride + i] = (uint64_t)w << 32 | z;
}

static void scalar_range(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t from, int64_t to,
                         const uint32_t rk0[10], const uint32_t rk1[10], uint32_t firstBlock, uint32_t yearWord,
                         uint64_t firstPath) {
    int64_t blocks = (words + 1) / 2;
    for (int64_t i = from; i < to; i++) {
        uint64_t path = firstPath + (uint64_t)i;
        for (int64_t b = 0; b < blocks; b++) {
            uint32_t c0 = firstBlock + (uint32_t)b, c1 = yearWord, c2 = (uint32_t)path, c3 = (uint32_t)(path >> 32);
            for (int r = 0; r < 10; r++) {
                uint64_t p0 = (uint64_t)M0 * c0, p1 = (uint64_t)M1 * c2;
                uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ rk0[r];
                uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ rk1[r];
                c1 = (uint32_t)p1; c3 = (uint32_t)p0; c0 = n0; c2 = n2;
            }
            store_words(out, stride, words, b, i, c0, c1, c2, c3);
        }
    }
}

static void scalar_from(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                        uint32_t k0, uint32_t k1, uint32_t firstBlock, uint32_t yearWord, uint64_t firstPath) {
    if (words <= 0 || count <= 0) return;
    uint32_t rk0[10], rk1[10];
    round_keys(k0, k1, rk0, rk1);
    scalar_range(out, stride, words, 0, count, rk0, rk1, firstBlock, yearWord, firstPath);
}

void coop_philox_words_scalar(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                              uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath) {
    scalar_from(out, stride, words, count, k0, k1, 0, yearWord, firstPath);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("avx2")))
static inline __m256i mul_lo(__m256i even, __m256i odd) {   // low 32 bits of the products, lane by lane
    return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}
__attribute__((target("avx2")))
static inline __m256i mul_hi(__m256i even, __m256i odd) {   // high 32 bits of the products
    return _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

__attribute__((target("avx2")))
static void avx2_kernel(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                        uint32_t k0, uint32_t k1, uint32_t firstBlock, uint32_t yearWord, uint64_t firstPath) {
    uint32_t rk0[10], rk1[10];
    round_keys(k0, k1, rk0, rk1);
    __m256i vk0[10], vk1[10];
    for (int r = 0; r < 10; r++) { vk0[r] = _mm256_set1_epi32((int)rk0[r]); vk1[r] = _mm256_set1_epi32((int)rk1[r]); }
    const __m256i m0 = _mm256_set1_epi64x(M0), m1 = _mm256_set1_epi64x(M1);
    const __m256i year = _mm256_set1_epi32((int)yearWord);
    int64_t blocks = (words + 1) / 2;
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint32_t lo[8], hi[8];
        for (int l = 0; l < 8; l++) {
            uint64_t path = firstPath + (uint64_t)(i + l);
            lo[l] = (uint32_t)path; hi[l] = (uint32_t)(path >> 32);
        }
        const __m256i plo = _mm256_loadu_si256((const __m256i *)lo), phi = _mm256_loadu_si256((const __m256i *)hi);
        for (int64_t b = 0; b < blocks; b++) {
            __m256i c0 = _mm256_set1_epi32((int)(firstBlock + (uint32_t)b)), c1 = year, c2 = plo, c3 = phi;
            for (int r = 0; r < 10; r++) {
                __m256i e0 = _mm256_mul_epu32(c0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
                __m256i e1 = _mm256_mul_epu32(c2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
                __m256i hi0 = mul_hi(e0, o0), lo0 = mul_lo(e0, o0);
                __m256i hi1 = mul_hi(e1, o1), lo1 = mul_lo(e1, o1);
                c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), vk0[r]);
                c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), vk1[r]);
                c1 = lo1; c3 = lo0;
            }
            // (x, y) lane pairs -> 64-bit words y << 32 | x for paths i ... i + 7, in order.
            __m256i a = _mm256_unpacklo_epi32(c0, c1), a2 = _mm256_unpackhi_epi32(c0, c1);
            uint64_t *even = out + (2 * b) * stride + i;
            _mm256_storeu_si256((__m256i *)even, _mm256_permute2x128_si256(a, a2, 0x20));
            _mm256_storeu_si256((__m256i *)(even + 4), _mm256_permute2x128_si256(a, a2, 0x31));
            if (2 * b + 1 < words) {
                __m256i c = _mm256_unpacklo_epi32(c2, c3), c2b = _mm256_unpackhi_epi32(c2, c3);
                uint64_t *odd = out + (2 * b + 1) * stride + i;
                _mm256_storeu_si256((__m256i *)odd, _mm256_permute2x128_si256(c, c2b, 0x20));
                _mm256_storeu_si256((__m256i *)(odd + 4), _mm256_permute2x128_si256(c, c2b, 0x31));
            }
        }
    }
    scalar_range(out, stride, words, i, count, rk0, rk1, firstBlock, yearWord, firstPath);
}

int coop_philox_has_avx2(void) { return __builtin_cpu_supports("avx2") ? 1 : 0; }

int coop_philox_words_avx2(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                           uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath) {
    if (!coop_philox_has_avx2()) return 0;
    if (words > 0 && count > 0) avx2_kernel(out, stride, words, count, k0, k1, 0, yearWord, firstPath);
    return 1;
}

void coop_philox_words_from(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                            uint32_t k0, uint32_t k1, uint32_t firstBlock, uint32_t yearWord, uint64_t firstPath) {
    if (words <= 0 || count <= 0) return;
    if (count >= 8 && coop_philox_has_avx2()) avx2_kernel(out, stride, words, count, k0, k1, firstBlock, yearWord, firstPath);
    else scalar_from(out, stride, words, count, k0, k1, firstBlock, yearWord, firstPath);
}

void coop_philox_words(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                       uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath) {
    coop_philox_words_from(out, stride, words, count, k0, k1, 0, yearWord, firstPath);
}
#else
int coop_philox_has_avx2(void) { return 0; }
int coop_philox_words_avx2(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                           uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath) {
    (void)out; (void)stride; (void)words; (void)count; (void)k0; (void)k1; (void)yearWord; (void)firstPath;
    return 0;
}
void coop_philox_words_from(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                            uint32_t k0, uint32_t k1, uint32_t firstBlock, uint32_t yearWord, uint64_t firstPath) {
    scalar_from(out, stride, words, count, k0, k1, firstBlock, yearWord, firstPath);
}
void coop_philox_words(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                       uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath) {
    coop_philox_words_scalar(out, stride, words, count, k0, k1, yearWord, firstPath);
}
#endif
