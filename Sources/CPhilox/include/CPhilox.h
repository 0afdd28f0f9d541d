#ifndef CPHILOX_H
#define CPHILOX_H
#include <stddef.h>
#include <stdint.h>

/// The first `words` words of the Philox4x32-10 streams of `count` consecutive paths under one key,
/// stored structure-of-arrays: for i < count and w < words,
///
///     out[w * stride + i] = (uint64_t)y << 32 | x   (w even)   or   (uint64_t)w3 << 32 | z   (w odd)
///
/// where (x, y, z, w3) is the Philox4x32-10 block (Salmon et al. 2011; Random123's philox4x32_R(10))
/// for counter (w / 2, yearWord, pathLow, pathHigh) of path firstPath + i under key (k0, k1).
/// This is CoopRandom's `PathYearWords.fill` (see there and Guides/Random.md); every kernel gives
/// the same bits. Requires stride >= count; count == 0 or words == 0 writes nothing; no allocation.
void coop_philox_words(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                       uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath);

/// The same from block `firstBlock` on: word w of path i is half of the block for counter
/// (firstBlock + w / 2, yearWord, pathLow, pathHigh) (the engine's coefficient normals, from block
/// 2^31 + j * 2^16 of the year-0 stream; `firstBlock + w / 2` wraps modulo 2^32).
void coop_philox_words_from(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                            uint32_t k0, uint32_t k1, uint32_t firstBlock, uint32_t yearWord, uint64_t firstPath);

/// The portable kernel (one block at a time, round keys computed once per call).
void coop_philox_words_scalar(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                              uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath);

/// The AVX2 kernel (eight paths a step); returns 0 and writes nothing when the processor lacks AVX2.
int coop_philox_words_avx2(uint64_t *out, ptrdiff_t stride, int64_t words, int64_t count,
                           uint32_t k0, uint32_t k1, uint32_t yearWord, uint64_t firstPath);

/// 1 when `coop_philox_words` uses the AVX2 kernel on this processor, 0 otherwise.
int coop_philox_has_avx2(void);

#endif
