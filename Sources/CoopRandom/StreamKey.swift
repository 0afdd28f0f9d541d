/// The identity of one random stream: (seed, region, path, year, equation).
///
/// Every random draw of a simulation is keyed by these five values, so a result never depends
/// on thread count, batch size, shard or scheduling, and path `i` sees the same chance in every
/// scenario (common random numbers). Region and equation identifiers are stable hashes of their
/// names, `StreamKey.hash("hcmc")`, never Swift's per-process seeded `Hasher`.
///
/// Mapping to Philox4x32-10 (see `RandomStream` and Guides/Random.md):
///
///     philoxKey (64 bits) = mix64(mix64(mix64(seed &+ G) ^ region) ^ equation)
///     counter   (128 bits) = (drawBlock, UInt32(bitPattern: Int32(year)), pathLow32, pathHigh32)
///
/// where `mix64` is the SplitMix64 finaliser (a bijection of 64-bit words) and
/// `G = 0x9E3779B97F4A7C15`. Because each step is a bijection, two keys that differ in exactly
/// one of seed, region or equation always get different Philox keys; keys that differ in two or
/// more collide with probability 2^-64. For one Philox key, distinct (path, year, drawBlock)
/// give distinct counters, so those streams are disjoint by construction.
///
/// Edge cases: `year` must fit in an `Int32` (a trap otherwise).
@frozen
public struct StreamKey: Hashable, Sendable {
    /// The run's root seed (`--seed`).
    public var seed: UInt64
    /// The region's identifier, usually `StreamKey.hash(regionName)`.
    public var region: UInt64
    /// The Monte Carlo path index.
    public var path: UInt64
    /// The simulated year.
    public var year: Int
    /// The equation's identifier, usually `StreamKey.hash(equationName)`.
    public var equation: UInt64

    /// A key from its five parts.
    @inlinable
    public init(seed: UInt64, region: UInt64, path: UInt64, year: Int, equation: UInt64) {
        precondition(year >= Int(Int32.min) && year <= Int(Int32.max),
                     "StreamKey year \(year) must fit in 32 bits (between \(Int32.min) and \(Int32.max)).")
        self.seed = seed
        self.region = region
        self.path = path
        self.year = year
        self.equation = equation
    }

    /// A stable 64-bit identifier for a name: FNV-1a 64 over its UTF-8 bytes, then the
    /// SplitMix64 finaliser.
    ///
    /// FNV-1a (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3) is
    /// stable across processes, platforms and versions; the finaliser (Steele, Lea, Flood 2014,
    /// "Fast splittable pseudorandom number generators") spreads short names over all 64 bits.
    /// Names are compared by their UTF-8 bytes exactly (no Unicode normalisation): "Hồ" written
    /// with a precomposed or a combining accent gives different identifiers.
    public static func hash(_ name: String) -> UInt64 {
        mix64(fnv1a64(name.utf8))
    }

    /// FNV-1a 64 of a byte sequence (no finaliser).
    @usableFromInline
    static func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x0000_0100_0000_01B3
        }
        return h
    }

    /// The SplitMix64 finaliser (Stafford's "Mix13"), a bijection of 64-bit words.
    @inlinable
    static func mix64(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The Philox key derived from (seed, region, equation); see the type's documentation.
    @inlinable
    public var philoxKey: SIMD2<UInt32> {
        let k = Self.mix64(Self.mix64(Self.mix64(seed &+ 0x9E37_79B9_7F4A_7C15) ^ region) ^ equation)
        return SIMD2(UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32))
    }

    /// The Philox key of the Monte Carlo engine's path-year streams, from (seed, region) only:
    ///
    ///     pathYearKey = mix64(mix64(seed &+ G) ^ region)
    ///
    /// one SplitMix64 round fewer than `philoxKey` (which mixes the equation in after it), so it is
    /// not the key of any equation's stream except with probability 2^-64 per equation name. The
    /// engine's stream of (path, year) under this key is `RandomStream(philoxKey:year:path:)`:
    /// counters `(block, year, pathLow, pathHigh)`, every random equation of the model reading
    /// fixed word slots of it (Guides/Random.md, "The engine's path-year streams").
    @inlinable
    public static func pathYearKey(seed: UInt64, region: UInt64) -> SIMD2<UInt32> {
        let k = mix64(mix64(seed &+ 0x9E37_79B9_7F4A_7C15) ^ region)
        return SIMD2(UInt32(truncatingIfNeeded: k), UInt32(truncatingIfNeeded: k >> 32))
    }

    /// The counter of the stream's first block: (0, year, low and high halves of path).
    @inlinable
    public var firstCounter: SIMD4<UInt32> {
        SIMD4(0, UInt32(bitPattern: Int32(truncatingIfNeeded: year)),
              UInt32(truncatingIfNeeded: path), UInt32(truncatingIfNeeded: path >> 32))
    }

    /// The same key for another path (the batch APIs walk paths with this).
    @inlinable
    public func withPath(_ path: UInt64) -> StreamKey {
        var k = self
        k.path = path
        return k
    }
}
