/// A keyed random stream: a `RandomNumberGenerator` whose draws depend on its `StreamKey` only.
///
/// Draw `n` (0-based) of `next()` is half of one Philox4x32-10 block:
///
///     block = Philox4x32x10.block(counter: (n / 2, year, pathLow, pathHigh), key: key.philoxKey)
///     n even: UInt64(block.y) << 32 | block.x      n odd: UInt64(block.w) << 32 | block.z
///
/// so a stream holds at most 2 * (2^32 - 2) draws (a trap past that, far beyond any model's
/// use of one (path, year, equation)). Two streams with different keys never share a
/// (Philox key, counter) pair except with probability 2^-64 (see `StreamKey`).
///
/// The first two blocks are computed one at a time (most streams serve at most four draws);
/// after them, blocks are computed two at a time (counters n/2 and n/2 + 1 interleaved, so the
/// processor overlaps their serial chains of multiplications) and four draws are buffered.
///
/// The stream is a small value (64 bytes): copying it forks an identical stream. It never
/// allocates. Creating one costs three rounds of SplitMix64 mixing; no block is computed
/// until the first draw.
@frozen
public struct RandomStream: RandomNumberGenerator, Sendable {
    /// The Philox key words derived from the stream key.
    @usableFromInline var k0: UInt32, k1: UInt32
    /// The next block's counter (c1, c2, c3 fixed by the key; c0 counts blocks).
    @usableFromInline var c0: UInt32, c1: UInt32, c2: UInt32, c3: UInt32
    /// The last two blocks as four draws, and the index of the next one to return (4: empty).
    @usableFromInline var buffer: (UInt64, UInt64, UInt64, UInt64)
    @usableFromInline var position: UInt32

    /// The stream for `key`, positioned at its first draw.
    @inlinable
    public init(key: StreamKey) {
        let k = key.philoxKey, c = key.firstCounter
        k0 = k.x; k1 = k.y
        c0 = c.x; c1 = c.y; c2 = c.z; c3 = c.w
        buffer = (0, 0, 0, 0)
        position = 4
    }

    /// The stream for `key` when its Philox key is already known: the same stream as
    /// `init(key:)`, bit for bit. `philoxKey` must be `key.philoxKey`; it depends on
    /// (seed, region, equation) only, so a loop over paths or years computes it once.
    @inlinable
    public init(key: StreamKey, philoxKey k: SIMD2<UInt32>) {
        let c = key.firstCounter
        k0 = k.x; k1 = k.y
        c0 = c.x; c1 = c.y; c2 = c.z; c3 = c.w
        buffer = (0, 0, 0, 0)
        position = 4
    }

    /// The stream with Philox key `k` and counters `(block, year, pathLow, pathHigh)` for blocks
    /// `firstBlock, firstBlock + 1, ...`: the engine's path-year stream when `k` is
    /// `StreamKey.pathYearKey(seed:region:)` (and, from block `2^31 + j << 16`, the coefficient normals of
    /// the j-th calibrated equation, in year 0). With `firstBlock` 0, the same words as `init(key:)`
    /// for any key whose `philoxKey` is `k` (draw n is half of block n / 2).
    /// Traps unless `year` fits in an `Int32`.
    @inlinable
    public init(philoxKey k: SIMD2<UInt32>, year: Int, path: UInt64, firstBlock: UInt32 = 0) {
        precondition(year >= Int(Int32.min) && year <= Int(Int32.max),
                     "RandomStream year \(year) must fit in 32 bits (between \(Int32.min) and \(Int32.max)).")
        self.init(k0: k.x, k1: k.y, c1: UInt32(bitPattern: Int32(truncatingIfNeeded: year)),
                  c2: UInt32(truncatingIfNeeded: path), c3: UInt32(truncatingIfNeeded: path >> 32))
        c0 = firstBlock
    }

    /// Opens the streams of `count` consecutive paths, `streams[i]` for `key.withPath(key.path + i)`,
    /// each with its first Philox block already computed: the same draws as
    /// `RandomStream(key: key.withPath(key.path + i))`, bit for bit.
    ///
    /// The Philox key is derived once for all paths, and the first blocks are computed in one
    /// tight loop whose iterations are independent (the processor overlaps their chains of
    /// multiplications), instead of one at a time inside the samplers.
    /// Use it when every stream will be drawn from; an unused stream costs a block.
    @inlinable
    public static func open(_ streams: UnsafeMutablePointer<RandomStream>, count n: Int, paths key: StreamKey) {
        let k = key.philoxKey
        let c1 = UInt32(bitPattern: Int32(truncatingIfNeeded: key.year))
        let first = key.path
        for i in 0..<n {
            let path = first &+ UInt64(i)
            let c2 = UInt32(truncatingIfNeeded: path), c3 = UInt32(truncatingIfNeeded: path >> 32)
            let a = Philox4x32x10.block(0, c1, c2, c3, k.x, k.y)
            var s = RandomStream(k0: k.x, k1: k.y, c1: c1, c2: c2, c3: c3)
            // The state `next()` leaves after a fresh stream's first block, before its first draw.
            s.c0 = 1
            s.buffer.2 = UInt64(a.1) << 32 | UInt64(a.0)
            s.buffer.3 = UInt64(a.3) << 32 | UInt64(a.2)
            s.position = 2
            streams[i] = s
        }
    }

    @inlinable
    init(k0: UInt32, k1: UInt32, c1: UInt32, c2: UInt32, c3: UInt32) {
        self.k0 = k0; self.k1 = k1
        c0 = 0; self.c1 = c1; self.c2 = c2; self.c3 = c3
        buffer = (0, 0, 0, 0)
        position = 4
    }

    /// The stream's next 64 random bits.
    ///
    /// A buffered draw is returned inline; computing blocks is `refill()`, kept out of line so that
    /// the common case costs a few instructions and no call.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        switch position {
        case 0: position = 1; return buffer.0
        case 1: position = 2; return buffer.1
        case 2: position = 3; return buffer.2
        case 3: position = 4; return buffer.3
        default: return refill()
        }
    }

    /// Computes the next block(s) when the buffer is empty and returns the first new draw.
    @inlinable @inline(never)
    mutating func refill() -> UInt64 {
        if c0 <= 1 {
            // A fresh stream's first or second block: most keyed streams serve at most four draws
            // (a gamma-Poisson mixture or a rejection step takes three or four), so one block at a time.
            let a = Philox4x32x10.block(c0, c1, c2, c3, k0, k1)
            c0 &+= 1
            buffer.3 = UInt64(a.3) << 32 | UInt64(a.2)
            position = 3
            return UInt64(a.1) << 32 | UInt64(a.0)
        }
        precondition(c0 < UInt32.max - 1,
                     "RandomStream exhausted: \((UInt64(UInt32.max) - 1) * 2) draws were taken from one stream key.")
        let (a, b) = Philox4x32x10.twoBlocks(c0, c1, c2, c3, k0, k1)
        c0 &+= 2
        buffer = (UInt64(a.1) << 32 | UInt64(a.0), UInt64(a.3) << 32 | UInt64(a.2),
                  UInt64(b.1) << 32 | UInt64(b.0), UInt64(b.3) << 32 | UInt64(b.2))
        position = 1
        return buffer.0
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

extension RandomStream {
    /// The stream of one key as a register-sized value: the same words as `RandomStream(key:)`,
    /// bit for bit (draw `n` is half of the block for counter `(n / 2, year, pathLow, pathHigh)`),
    /// computed one block at a time when first needed, with only the block's second half kept.
    ///
    /// This is the form for a stream that lives inside one sampler call: opening it computes
    /// nothing (no block, no 64-byte state written to memory), a sampler that draws nothing
    /// (a binomial with no trials) costs no block, and every draw is inlined (no call).
    /// `RandomStream` buffers two blocks at a time and stays the form for long streams.
    ///
    /// Edge case: traps past 2 * (2^32 - 2) draws, like `RandomStream`.
    @frozen
    public struct Compact: RandomNumberGenerator, Sendable {
        @usableFromInline let k0: UInt32, k1: UInt32, c1: UInt32, c2: UInt32, c3: UInt32
        /// The next block's counter word c0.
        @usableFromInline var c0: UInt32 = 0
        /// The second half of the last block, when not yet drawn.
        @usableFromInline var spare: UInt64 = 0
        @usableFromInline var hasSpare = false

        /// The stream of `key.withPath(path)` given the Philox key of `key` (see `StreamKey.philoxKey`)
        /// and the counter word of its year, `UInt32(bitPattern: Int32(key.year))`.
        @inlinable @inline(__always)
        public init(philoxKey k: SIMD2<UInt32>, yearWord: UInt32, path: UInt64) {
            k0 = k.x; k1 = k.y
            c1 = yearWord
            c2 = UInt32(truncatingIfNeeded: path); c3 = UInt32(truncatingIfNeeded: path >> 32)
        }

        /// The stream with Philox key `k`, counters `(block, yearWord, pathLow, pathHigh)` from
        /// block `firstBlock` on: the same words as `RandomStream(philoxKey:year:path:firstBlock:)`.
        @inlinable @inline(__always)
        public init(philoxKey k: SIMD2<UInt32>, yearWord: UInt32, path: UInt64, firstBlock: UInt32) {
            self.init(philoxKey: k, yearWord: yearWord, path: path)
            c0 = firstBlock
        }

        /// The stream for `key`: the same draws as `RandomStream(key: key)`.
        @inlinable
        public init(key: StreamKey) {
            self.init(philoxKey: key.philoxKey, yearWord: key.firstCounter.y, path: key.path)
        }

        /// The stream's next 64 random bits.
        @inlinable @inline(__always)
        public mutating func next() -> UInt64 {
            if hasSpare { hasSpare = false; return spare }
            precondition(c0 < UInt32.max - 1,
                         "RandomStream exhausted: \((UInt64(UInt32.max) - 1) * 2) draws were taken from one stream key.")
            let a = Philox4x32x10.block(c0, c1, c2, c3, k0, k1)
            c0 &+= 1
            spare = UInt64(a.3) << 32 | UInt64(a.2)
            hasSpare = true
            return UInt64(a.1) << 32 | UInt64(a.0)
        }
    }
}

extension RandomNumberGenerator {
    /// A uniform draw in (0, 1) with 53-bit resolution from one `next()`; see `RandomStream.uniform(_:)`.
    @inlinable @inline(__always)
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
        buffer.withUnsafeMutableBufferPointer { fill($0, paths: key, draw) }
    }

    /// The same as `fill(_:paths:_:)` on a caller-owned buffer (a column of a structure-of-arrays batch).
    @inlinable
    public static func fill(_ buffer: UnsafeMutableBufferPointer<Double>, paths key: StreamKey,
                            _ draw: (Int, inout RandomStream) -> Double) {
        let first = key.path
        for i in buffer.indices {
            var stream = RandomStream(key: key.withPath(first &+ UInt64(i)))
            buffer[i] = draw(i, &stream)
        }
    }
}
