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
        var c0 = counter.x, c1 = counter.y, c2 = counter.z, c3 = counter.w
        var k0 = key.x, k1 = key.y
        @inline(__always)
        func round(_ c0: inout UInt32, _ c1: inout UInt32, _ c2: inout UInt32, _ c3: inout UInt32,
                   _ k0: UInt32, _ k1: UInt32) {
            let p0 = (0xD251_1F53 as UInt32).multipliedFullWidth(by: c0)
            let p1 = (0xCD9E_8D57 as UInt32).multipliedFullWidth(by: c2)
            let n0 = p1.high ^ c1 ^ k0
            let n2 = p0.high ^ c3 ^ k1
            c0 = n0
            c1 = p1.low
            c2 = n2
            c3 = p0.low
        }
        round(&c0, &c1, &c2, &c3, k0, k1)
        for _ in 1..<10 {
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
            round(&c0, &c1, &c2, &c3, k0, k1)
        }
        return SIMD4(c0, c1, c2, c3)
    }
}
