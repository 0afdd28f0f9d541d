/// The Philox4x32-10 counter-based random bijection of Salmon, Moraes, Dror and Shaw (2011).
///
/// A *counter-based* generator has no sequential state: the output block is a pure function
/// `block(counter, key)` of a 128-bit counter and a 64-bit key, so any draw can be computed
/// without computing the ones before it, and streams keyed by independent identifiers never
/// overlap. This is what makes Monte Carlo results independent of threads, batches and shards.
///
/// Algorithm (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11, §3.3;
/// constants as in Random123's `philox.h`). With counter words `(c0, c1, c2, c3)` and key
/// words `(k0, k1)`, each of the 10 rounds computes
///
///     (hi0, lo0) = M0 * c0      (full 64-bit product), M0 = 0xD2511F53
///     (hi1, lo1) = M1 * c2,                             M1 = 0xCD9E8D57
///     (c0, c1, c2, c3) <- (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
///
/// and between rounds the key is bumped by the Weyl constants
/// `(k0, k1) += (0x9E3779B9, 0xBB67AE85)` (mod 2^32).
///
/// For a fixed key the map counter -> block is a bijection of the 2^128 counters. The generator
/// passes BigCrush (Salmon et al., table 2). Known-answer tests: the Random123 `kat_vectors`
/// (for example counter = 0, key = 0 gives `6627e8d5 e169c58d bc57ac4c 9b00dbd8`) and vectors
/// cross-checked with randomgen's `Philox(number=4, width=32)` (`scripts/fixtures/philox.py`).
///
/// Complexity: 20 32x32->64 multiplications per 128 output bits; no allocation.
@frozen
public struct Philox4x32x10: Sendable, Hashable {
    /// The key `(k0, k1)`.
    public var key: SIMD2<UInt32>

    /// A generator with the given key.
    @inlinable
    public init(key: SIMD2<UInt32>) {
        self.key = key
    }

    /// The block for `counter` under this generator's key (see the type's documentation).
    @inlinable
    public func block(_ counter: SIMD4<UInt32>) -> SIMD4<UInt32> {
        Self.block(counter: counter, key: key)
    }

    /// The Philox4x32-10 block: 10 rounds of the Philox S-box on `counter` under `key`.
    ///
    /// Words are numbered as in Random123: `counter.x` is word 0 (`c0`), `key.x` is `k0`,
    /// and the result's `.x` is output word 0.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        let r = block(counter.x, counter.y, counter.z, counter.w, key.x, key.y)
        return SIMD4(r.0, r.1, r.2, r.3)
    }

    /// Blocks for counters (c0, c1, c2, c3) and (c0 + 1, c1, c2, c3), computed together.
    ///
    /// The two chains are independent, so the processor overlaps their multiplications: two
    /// blocks cost little more than the latency of one (the rounds are a serial chain).
    @inlinable @inline(__always)
    static func twoBlocks(_ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32,
                          _ k0: UInt32, _ k1: UInt32)
        -> ((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32)) {
        var x = (c0, c1, c2, c3)
        var y = (c0 &+ 1, c1, c2, c3)
        @inline(__always)
        func round(_ x: inout (UInt32, UInt32, UInt32, UInt32), _ y: inout (UInt32, UInt32, UInt32, UInt32),
                   _ k0: UInt32, _ k1: UInt32) {
            let p0 = UInt64(0xD251_1F53) &* UInt64(x.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(x.2)
            let q0 = UInt64(0xD251_1F53) &* UInt64(y.0)
            let q1 = UInt64(0xCD9E_8D57) &* UInt64(y.2)
            x = (UInt32(truncatingIfNeeded: p1 >> 32) ^ x.1 ^ k0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ x.3 ^ k1, UInt32(truncatingIfNeeded: p0))
            y = (UInt32(truncatingIfNeeded: q1 >> 32) ^ y.1 ^ k0, UInt32(truncatingIfNeeded: q1),
                 UInt32(truncatingIfNeeded: q0 >> 32) ^ y.3 ^ k1, UInt32(truncatingIfNeeded: q0))
        }
        let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85
        round(&x, &y, k0, k1)
        round(&x, &y, k0 &+ w0, k1 &+ w1)
        round(&x, &y, k0 &+ 2 &* w0, k1 &+ 2 &* w1)
        round(&x, &y, k0 &+ 3 &* w0, k1 &+ 3 &* w1)
        round(&x, &y, k0 &+ 4 &* w0, k1 &+ 4 &* w1)
        round(&x, &y, k0 &+ 5 &* w0, k1 &+ 5 &* w1)
        round(&x, &y, k0 &+ 6 &* w0, k1 &+ 6 &* w1)
        round(&x, &y, k0 &+ 7 &* w0, k1 &+ 7 &* w1)
        round(&x, &y, k0 &+ 8 &* w0, k1 &+ 8 &* w1)
        round(&x, &y, k0 &+ 9 &* w0, k1 &+ 9 &* w1)
        return (x, y)
    }

    /// The block on scalar words (the form the hot paths use; the rounds are unrolled).
    @inlinable @inline(__always)
    public static func block(_ c0: UInt32, _ c1: UInt32, _ c2: UInt32, _ c3: UInt32,
                             _ k0: UInt32, _ k1: UInt32) -> (UInt32, UInt32, UInt32, UInt32) {
        var x = (c0, c1, c2, c3)
        @inline(__always)
        func round(_ x: inout (UInt32, UInt32, UInt32, UInt32), _ k0: UInt32, _ k1: UInt32) {
            let p0 = UInt64(0xD251_1F53) &* UInt64(x.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(x.2)
            x = (UInt32(truncatingIfNeeded: p1 >> 32) ^ x.1 ^ k0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ x.3 ^ k1, UInt32(truncatingIfNeeded: p0))
        }
        let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85
        round(&x, k0, k1)
        round(&x, k0 &+ w0, k1 &+ w1)
        round(&x, k0 &+ 2 &* w0, k1 &+ 2 &* w1)
        round(&x, k0 &+ 3 &* w0, k1 &+ 3 &* w1)
        round(&x, k0 &+ 4 &* w0, k1 &+ 4 &* w1)
        round(&x, k0 &+ 5 &* w0, k1 &+ 5 &* w1)
        round(&x, k0 &+ 6 &* w0, k1 &+ 6 &* w1)
        round(&x, k0 &+ 7 &* w0, k1 &+ 7 &* w1)
        round(&x, k0 &+ 8 &* w0, k1 &+ 8 &* w1)
        round(&x, k0 &+ 9 &* w0, k1 &+ 9 &* w1)
        return x
    }
}
