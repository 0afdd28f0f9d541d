import CPhilox

/// The first words of the path-year streams of a batch of consecutive paths, computed together
/// and stored structure-of-arrays: the Monte Carlo engine's random numbers for one year.
///
/// For `i` in `0..<count` and `w` in `0..<words`:
///
///     out[w * stride + i] = word w of RandomStream(philoxKey: key, year: year, path: firstPath + i)
///
/// that is half of the Philox4x32-10 block for counter `(w / 2, year, pathLow, pathHigh)` under
/// `key` (`UInt64(y) << 32 | x` for even w, `UInt64(w3) << 32 | z` for odd w). Every element depends
/// only on its own (key, year, path, w), so the result is the same whatever the batch size.
///
/// The counters of a batch are independent, so the blocks are computed many at once, with the key
/// schedule (the ten round keys) computed once for the whole batch: eight paths per step with AVX2
/// (`vpmuludq`, four 32x32->64 products an instruction) when the processor has it, asked at run
/// time, else one block at a time (the C target `CPhilox`; both kernels give the same bits,
/// `PathYearWordsTests`).
///
/// Edge cases: `words == 0` or `count == 0` writes nothing. Traps unless `year` fits in an
/// `Int32`, `stride >= count` and `words < 2 * (2^32 - 2)`. Complexity: `ceil(words / 2) * count`
/// blocks; no allocation.
public enum PathYearWords {
    public static func fill(_ out: UnsafeMutablePointer<UInt64>, stride: Int, words: Int, count n: Int,
                            key: SIMD2<UInt32>, year: Int, firstPath: UInt64) {
        precondition(year >= Int(Int32.min) && year <= Int(Int32.max),
                     "PathYearWords year \(year) must fit in 32 bits (between \(Int32.min) and \(Int32.max)).")
        precondition(n >= 0 && stride >= n && words >= 0 && words < 2 * (Int(UInt32.max) - 1),
                     "PathYearWords.fill needs 0 <= count <= stride and a word count below 2^33, got count \(n), stride \(stride), words \(words).")
        if n == 0 || words == 0 { return }
        coop_philox_words(out, stride, Int64(words), Int64(n), key.x, key.y,
                          UInt32(bitPattern: Int32(truncatingIfNeeded: year)), firstPath)
    }
}
