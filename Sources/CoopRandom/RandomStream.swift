/// A keyed random stream: a `RandomNumberGenerator` whose draws depend on its `StreamKey` only.
///
/// Draw `n` (0-based) of `next()` is half of one Philox4x32-10 block:
///
///     block = Philox4x32x10.block(counter: (n / 2, year, pathLow, pathHigh), key: key.philoxKey)
///     n even: UInt64(block.y) << 32 | block.x      n odd: UInt64(block.w) << 32 | block.z
///
/// so a stream holds at most 2 * (2^32 - 1) draws (a trap past that, far beyond any model's
/// use of one (path, year, equation)). Two streams with different keys never share a
/// (Philox key, counter) pair except with probability 2^-64 (see `StreamKey`).
///
/// The stream is a small value (40 bytes): copying it forks an identical stream. It never
/// allocates. Creating one costs three 64-bit multiplications-and-shifts rounds of mixing.
@frozen
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The Philox key derived from the stream key.
    @usableFromInline var philoxKey: SIMD2<UInt32>
    /// The next block's counter; word 0 counts blocks.
    @usableFromInline var counter: SIMD4<UInt32>
    /// The second half of the last block, when not yet returned.
    @usableFromInline var pending: UInt64
    @usableFromInline var hasPending: Bool

    /// The stream for `key`, positioned at its first draw.
    @inlinable
    public init(key: StreamKey) {
        philoxKey = key.philoxKey
        counter = key.firstCounter
        pending = 0
        hasPending = false
    }

    /// The stream's next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        if hasPending {
            hasPending = false
            return pending
        }
        precondition(counter.x != .max,
                     "RandomStream exhausted: \(UInt64(UInt32.max) * 2) draws were taken from one stream key.")
        let b = Philox4x32x10.block(counter: counter, key: philoxKey)
        counter.x &+= 1
        pending = UInt64(b.w) << 32 | UInt64(b.z)
        hasPending = true
        return UInt64(b.y) << 32 | UInt64(b.x)
    }

    /// A uniform draw in the open interval (0, 1) with 53-bit resolution; see `uniform(_:)`.
    @inlinable
    public mutating func nextUniform() -> Double {
        Self.uniform(next())
    }

    /// Maps 64 random bits to (0, 1): `k = bits >> 11` (53 bits), `u = max(k, 1/2) * 2^-53`.
    ///
    /// The results are the 2^53 - 1 grid points `k * 2^-53`, `k = 1 ... 2^53 - 1`, each with
    /// probability 2^-53, and `2^-54` (the midpoint of the cell `[0, 2^-53)`) in place of 0.
    /// So `0 < u <= 1 - 2^-53 < 1`: never exactly 0 or 1, and `Normal.quantile(u)` is finite
    /// (between about -8.3 and 8.2). One 64-bit draw per uniform, always.
    @inlinable
    public static func uniform(_ bits: UInt64) -> Double {
        Swift.max(Double(bits >> 11), 0.5) * 0x1p-53
    }
}

extension RandomNumberGenerator {
    /// A uniform draw in (0, 1) with 53-bit resolution from one `next()`; see `RandomStream.uniform(_:)`.
    @inlinable
    public mutating func nextOpenUniform() -> Double {
        RandomStream.uniform(next())
    }
}

extension RandomStream {
    /// Fills `buffer[i]` with `draw(i, &stream)` where `stream` is `RandomStream(key: key.withPath(key.path + i))`.
    ///
    /// This is the batch form the Monte Carlo engine uses over a block of paths: element `i`
    /// depends only on its own key, so the result is the same whatever the block size or the
    /// thread that computes it. `draw` gets the element index so it can read per-path parameters.
    @inlinable
    public static func fill(_ buffer: inout [Double], paths key: StreamKey,
                            _ draw: (Int, inout RandomStream) -> Double) {
        let first = key.path
        buffer.withUnsafeMutableBufferPointer { out in
            for i in out.indices {
                var stream = RandomStream(key: key.withPath(first &+ UInt64(i)))
                out[i] = draw(i, &stream)
            }
        }
    }
}
