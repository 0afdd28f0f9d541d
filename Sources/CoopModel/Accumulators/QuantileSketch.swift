#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A quantile sketch with relative accuracy: DDSketch (Masson, Rim & Lee 2019, "DDSketch: a fast
/// and fully-mergeable quantile sketch with relative-error guarantees", VLDB 12(12)).
///
/// With relative accuracy α (default 1e-3) and γ = (1 + α) / (1 − α), buckets are cut on the
/// piecewise-linear approximation of log₂ (DDSketch's "linearly interpolated" mapping, §4 of the
/// paper, which needs no call of `log`): for x = m·2^e with m in [1, 2), `s(x) = e + (m − 1)`, and
/// x goes to bucket `i = ceil(s(x) / δ)` with δ = ln γ. Since ds/d(ln x) = m >= 1, a bucket
/// (an interval of s of length δ) spans a ratio x_hi / x_lo <= e^δ = γ, so its representative 2·x_lo·x_hi / (x_lo + x_hi)
/// is within relative distance (γ − 1)/(γ + 1) = α of every value in it (at the price of up to
/// 1/ln 2 ≈ 1.44 times more buckets than the logarithmic mapping). Negative values go to a
/// mirrored store by |x|; values with |x| below `minIndexable` (1e-300) count as zero.
///
/// An integer histogram first: while every finite value added is a whole number of magnitude at
/// most 2^50 and they span at most `wholeNumberSpan` (default 4,096) consecutive integers, the
/// sketch counts each whole number exactly (`WholeNumbers`: one count per integer from the
/// smallest to the largest seen) and its buckets stay empty. The first value that is not (a
/// fraction, or a whole number that would widen the span beyond the bound) folds the counts into
/// the buckets, for good: the buckets then hold exactly what adding those values to them one by
/// one gives, so the sketch depends only on the multiset of values added, never on the order of
/// adding or merging. A count metric (cooperatives, entries, exits of a province, and compare's
/// differences of them) is thus summarised exactly, whatever the number of draws, in at most 8
/// bytes per integer of its span (32 kB); a continuous metric folds at its first fraction and
/// is the DDSketch below.
///
/// `quantile(q)` returns the value of rank ⌊q (n − 1)⌋ (0-based) in sorted order (the lower
/// empirical quantile, numpy's `quantile(method="lower")`): that very order statistic while the
/// sketch is a histogram; once folded, the representative of the bucket holding it, clamped to
/// the smallest and largest value that bucket saw, so within relative distance α of it (and
/// exact when the bucket holds one distinct value). numpy's default interpolation between the two
/// neighbouring order statistics may differ from it by the gap between them.
///
/// Counts are integers, so `merge` is exact, associative and commutative: the merged sketch
/// does not depend on the order of merging (the property shards and threads rely on).
///
/// Range: the default number of buckets per sign, `buckets(toSpan:)`, covers every magnitude from
/// `minIndexable` (1e-300) to the largest double (about 1.01 million buckets at α = 1e-3), so the
/// guarantee above holds for every finite value, whatever the span of the data (a lognormal path
/// over 30 decades, a share near 0 next to a count in millions). Values with |x| <= 1e-300 count
/// as zero (absolute error below 1e-300). Memory is the whole numbers' counts (above) and one dense run of counts (with the smallest and
/// largest magnitude in each bucket, 24 bytes a bucket) per sign over the bucket range that
/// occurred: about 1,660 buckets (40 kB) per decade of magnitudes spanned, whatever the number of
/// draws; at most 24 MB per sign for data spanning the whole double range.
///
/// A smaller `maxBuckets` bounds memory instead: the lowest buckets then collapse into one, which
/// keeps the guarantee for every quantile above the collapsed range only (smaller magnitudes are
/// reported as the collapsed bucket's bound). The collapse rule depends only on the highest index
/// seen, so it is order-independent too. NaN and infinities are counted in `nonFinite` and left out.
public struct QuantileSketch: Sendable, Equatable, Codable {
    /// A dense run of bucket counts starting at bucket `offset`, with the smallest and largest
    /// magnitude seen in each bucket (0 in empty buckets).
    public struct Store: Sendable, Equatable, Codable {
        public var offset: Int = 0
        public var counts: [Int64] = []
        public var minima: [Double] = []
        public var maxima: [Double] = []
        public var total: Int64 = 0

        @inline(__always)
        mutating func add(index: Int, count: Int64, low: Double, high: Double, maxBuckets: Int) {
            if counts.isEmpty {
                offset = index
                counts = [count]
                minima = [low]
                maxima = [high]
                total += count
                return
            }
            var i = index
            if i < offset {
                let lowest = counts.count + offset - maxBuckets   // lowest index kept
                if i < lowest { i = lowest }
                if i < offset {
                    counts.insert(contentsOf: repeatElement(0, count: offset - i), at: 0)
                    minima.insert(contentsOf: repeatElement(0, count: offset - i), at: 0)
                    maxima.insert(contentsOf: repeatElement(0, count: offset - i), at: 0)
                    offset = i
                }
            } else if i >= offset + counts.count {
                let more = i - offset - counts.count + 1
                counts.append(contentsOf: repeatElement(0, count: more))
                minima.append(contentsOf: repeatElement(0, count: more))
                maxima.append(contentsOf: repeatElement(0, count: more))
                collapse(maxBuckets: maxBuckets)
            }
            let k = max(i, offset) - offset
            if counts[k] == 0 {
                minima[k] = low; maxima[k] = high
            } else {
                minima[k] = min(minima[k], low); maxima[k] = max(maxima[k], high)
            }
            counts[k] += count
            total += count
        }

        /// Folds the lowest buckets into the lowest kept one until at most `maxBuckets` remain.
        mutating func collapse(maxBuckets: Int) {
            let excess = counts.count - maxBuckets
            guard excess > 0 else { return }
            var c: Int64 = 0
            var lo = Double.infinity, hi = -Double.infinity
            for k in 0...excess where counts[k] > 0 {
                c += counts[k]; lo = min(lo, minima[k]); hi = max(hi, maxima[k])
            }
            counts.removeFirst(excess)
            minima.removeFirst(excess)
            maxima.removeFirst(excess)
            counts[0] = c
            minima[0] = c > 0 ? lo : 0
            maxima[0] = c > 0 ? hi : 0
            offset += excess
        }

        mutating func merge(_ other: Store, maxBuckets: Int) {
            for (k, c) in other.counts.enumerated() where c != 0 {
                add(index: other.offset + k, count: c, low: other.minima[k], high: other.maxima[k], maxBuckets: maxBuckets)
            }
        }

        /// Calls `body` with the buckets opened (each array uniquely referenced while it runs).
        @inline(__always)
        mutating func withBuckets<R>(_ body: (_Buckets) -> R) -> R {
            let first = offset
            return counts.withUnsafeMutableBufferPointer { c in
                minima.withUnsafeMutableBufferPointer { lo in
                    maxima.withUnsafeMutableBufferPointer { hi in
                        body(_Buckets(counts: c, minima: lo, maxima: hi, offset: first))
                    }
                }
            }
        }

        /// Bucket k's representative clamped to the magnitudes it saw: never farther from any of them.
        func value(_ k: Int, representative: Double) -> Double { min(max(representative, minima[k]), maxima[k]) }
    }

    /// The integer histogram: `counts[k]` values equal to `low + k` (k = 0 ..< counts.count, the
    /// first and last count nonzero); `folded` once a value was not a whole number or the whole
    /// numbers spanned more than `wholeNumberSpan` integers, after which every value is in the
    /// buckets (and `counts` stays empty).
    public struct WholeNumbers: Sendable, Equatable, Codable {
        public var low: Int = 0
        public var counts: [Int64] = []
        public var total: Int64 = 0
        public var folded: Bool = false
    }

    public let relativeAccuracy: Double
    public let maxBuckets: Int
    /// The most consecutive integers the values may span and still be counted exactly.
    public let wholeNumberSpan: Int
    /// A whole number of larger magnitude folds the histogram.
    public static let wholeLimit = 0x1p50
    public static let minIndexable = 1e-300
    /// 1 / δ with δ = ln γ.
    let multiplier: Double
    let delta: Double
    public private(set) var positive = Store()
    public private(set) var negative = Store()
    public private(set) var zeroCount: Int64 = 0
    public private(set) var nonFinite: Int64 = 0
    public private(set) var whole = WholeNumbers()

    /// An empty sketch. `maxBuckets` per sign defaults to `buckets(toSpan:)` for this accuracy (no
    /// collapse ever). Traps unless 0 < relativeAccuracy < 1, maxBuckets >= 16 and
    /// 1 <= wholeNumberSpan <= 2^24.
    public init(relativeAccuracy: Double = 1e-3, maxBuckets: Int? = nil, wholeNumberSpan: Int = 4096) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1,
                     "QuantileSketch relative accuracy must be between 0 and 1, got \(relativeAccuracy).")
        let buckets = maxBuckets ?? Self.buckets(toSpan: relativeAccuracy)
        precondition(buckets >= 16, "QuantileSketch needs at least 16 buckets per sign, got \(buckets).")
        precondition(wholeNumberSpan >= 1 && wholeNumberSpan <= 1 << 24,
                     "QuantileSketch counts whole numbers over a span of 1 to 2^24, got \(wholeNumberSpan).")
        self.relativeAccuracy = relativeAccuracy
        self.maxBuckets = buckets
        self.wholeNumberSpan = wholeNumberSpan
        delta = log((1 + relativeAccuracy) / (1 - relativeAccuracy))
        multiplier = 1 / delta
    }

    /// The number of buckets per sign that spans every indexable magnitude, from `minIndexable`
    /// to `Double.greatestFiniteMagnitude`, at relative accuracy α: the index range
    /// ceil(s(max)/δ) − ceil(s(1e-300)/δ) + 1 with s(x) ≈ log₂ x (1,010,263 at α = 1e-3).
    public static func buckets(toSpan relativeAccuracy: Double) -> Int {
        let m = 1 / log((1 + relativeAccuracy) / (1 - relativeAccuracy))
        return index(.greatestFiniteMagnitude, multiplier: m) - index(minIndexable, multiplier: m) + 1
    }

    /// Number of finite values added.
    public var count: Int64 { positive.total + negative.total + zeroCount + whole.total }

    /// The bucket of a positive finite magnitude: ceil(s(x) / δ) with s(x) = e + (m − 1).
    @inline(__always)
    func index(_ magnitude: Double) -> Int { Self.index(magnitude, multiplier: multiplier) }

    /// Same, from the bits of a normal double (every magnitude above `minIndexable` is normal).
    @inline(__always)
    static func index(_ x: Double, multiplier: Double) -> Int {
        let bits = x.bitPattern
        let e = Int((bits >> 52) & 0x7FF) - 1023
        let m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        return _ceilToInt((Double(e) + (m - 1)) * multiplier)
    }

    /// ⌈v⌉ as an Int for |v| < 2^62, without a call of libm's `ceil` (the default x86-64 target has
    /// no rounding instruction): truncate, then add one when the truncation fell below `v`. Exact:
    /// the same integer as `Int(v.rounded(.up))` for every such `v`.
    @inline(__always)
    static func _ceilToInt(_ v: Double) -> Int {
        let t = Int(v)
        return Double(t) < v ? t + 1 : t
    }

    /// ⌈v⌉ for |v| < 2^51 without a conversion instruction or its range checks: `v + 1.5·2^52` is
    /// rounded by the addition itself to the nearest whole number r (its ulp is 1), subtracting
    /// 1.5·2^52 again is exact, and the bits of the sum hold r as an integer plus those of 1.5·2^52;
    /// one more when r fell below v. The same integer as `_ceilToInt(v)` for every such v (tested on
    /// rounding boundaries and random values).
    @inline(__always)
    static func _ceilToIntSmall(_ v: Double) -> Int { _ceilToIntSmall(v, minus: 0) }

    /// ⌈v⌉ − `offset` (the same trick; the subtraction folded into the constant).
    @inline(__always)
    static func _ceilToIntSmall(_ v: Double, minus offset: Int) -> Int {
        let magic = 0x1.8p52
        let t = v + magic
        return Int(Int64(bitPattern: t.bitPattern) &- (Int64(bitPattern: magic.bitPattern) &+ Int64(offset))) &+ (t - magic < v ? 1 : 0)
    }

    /// The largest |s(x) / δ| of an indexable magnitude (s(x) < 1024), below which the batch add may
    /// use `_ceilToIntSmall` (|v| < 2^50 leaves a wide margin).
    var _smallIndices: Bool { 1100 * multiplier < 0x1p50 }

    /// The inverse of s: 2^floor(s) · (1 + frac(s)).
    func inverseS(_ s: Double) -> Double {
        let e = s.rounded(.down)
        return Double(sign: .plus, exponent: Int(e), significand: 1 + (s - e))
    }

    /// Adds one value.
    public mutating func add(_ x: Double) {
        if !x.isFinite { nonFinite += 1; return }
        if !whole.folded {
            if let v = Self.wholeNumber(x) { addWhole(v, count: 1); return }
            foldWholeNumbers()
        }
        addToBuckets(x, count: 1)
    }

    /// `count` copies of the finite value x, to the buckets.
    mutating func addToBuckets(_ x: Double, count c: Int64) {
        if x > QuantileSketch.minIndexable {
            positive.add(index: index(x), count: c, low: x, high: x, maxBuckets: maxBuckets)
        } else if x < -QuantileSketch.minIndexable {
            negative.add(index: index(-x), count: c, low: -x, high: -x, maxBuckets: maxBuckets)
        } else {
            zeroCount += c
        }
    }

    /// x as an integer when it is a whole number of magnitude at most `wholeLimit` (−0 as 0), else
    /// nil: x + 1.5·2^52 rounds to the nearest integer r (ulp 1 there) and holds r in its bits.
    @inline(__always)
    static func wholeNumber(_ x: Double) -> Int? {
        guard abs(x) <= wholeLimit else { return nil }      // NaN fails too
        let magic = 0x1.8p52, t = x + magic
        guard t - magic == x else { return nil }
        return Int(Int64(bitPattern: t.bitPattern) &- Int64(bitPattern: magic.bitPattern))
    }

    /// `count` copies of the whole number v (not folded): counted exactly, or the histogram folded
    /// into the buckets when v widens its span beyond `wholeNumberSpan`.
    mutating func addWhole(_ v: Int, count c: Int64) {
        if whole.counts.isEmpty {
            whole.low = v; whole.counts = [c]; whole.total += c
            return
        }
        let high = whole.low + whole.counts.count - 1
        if max(high, v) - min(whole.low, v) >= wholeNumberSpan {
            foldWholeNumbers()
            addToBuckets(Double(v), count: c)
            return
        }
        if v < whole.low {
            whole.counts.insert(contentsOf: repeatElement(0, count: whole.low - v), at: 0)
            whole.low = v
        } else if v > high {
            whole.counts.append(contentsOf: repeatElement(0, count: v - high))
        }
        whole.counts[v - whole.low] += c
        whole.total += c
    }

    /// Moves every counted whole number into the buckets (exactly what adding them there one by
    /// one gives); every later value goes there too.
    mutating func foldWholeNumbers() {
        let w = whole
        whole = WholeNumbers()
        whole.folded = true
        for (k, c) in w.counts.enumerated() where c != 0 { addToBuckets(Double(w.low + k), count: c) }
    }

    /// Adds `count` values read from `values` (the engine's batch form; the same sketch as adding
    /// them one by one). While the sketch is a histogram, whole numbers within its span take one
    /// fast path; once folded, values whose bucket is already in range another; any other value
    /// the one-value `add`.
    public mutating func add(_ values: UnsafePointer<Double>, count n: Int) {
        guard _smallIndices else { for j in 0..<n { add(values[j]) }; return }
        var i = 0
        while i < n {
            var j = i
            if !whole.folded {
                if !whole.counts.isEmpty {
                    let low = whole.low
                    whole.counts.withUnsafeMutableBufferPointer { c in
                        QuantileSketch._addWholeInRange(values, from: &j, to: n, counts: c.baseAddress!, size: c.count, low: low)
                    }
                    whole.total += Int64(j - i)
                }
            } else {
                let stop = min(n, i + (1 << 31))      // `_addInRange` tallies zeros and negatives in one word
                var zeros: Int64 = 0, negatives: Int64 = 0
                var up = positive, down = negative    // moved out and back: their arrays stay uniquely referenced
                positive = Store(); negative = Store()
                up.withBuckets { up in
                    down.withBuckets { down in
                        QuantileSketch._addInRange(values, from: &j, to: stop, zeros: &zeros, negatives: &negatives,
                                                   multiplier: multiplier, positive: up, negative: down)
                    }
                }
                positive = up; negative = down
                up = Store(); down = Store()          // so that the stores' arrays grow in place below, not by copy
                positive.total += Int64(j - i) - zeros - negatives
                negative.total += negatives
                zeroCount += zeros
            }
            if j < n { add(values[j]); j += 1 }      // the value the fast path stopped at
            i = j
        }
    }

    /// The batch add's loop for whole numbers: values[j...] while each is a whole number in
    /// `low ..< low + size` (its count `counts[x − low]` incremented); stops at the first other value
    /// (j is then its position) or at `end`. x + 1.5·2^52 rounds x to the nearest integer r and
    /// holds r in its bits (for |x| < 2^51; larger magnitudes, infinities and NaN give bits that
    /// differ from those of 1.5·2^52 by at least 2^51, outside any counted span), and x is whole when
    /// subtracting 1.5·2^52 again gives x (−0 counts as 0). Four values a step with SSE2, the span
    /// tested in doubles (|x − mid| <= half), then the rest one at a time with the span tested on r.
    @inline(__always)
    static func _addWholeInRange(_ values: UnsafePointer<Double>, from j: inout Int, to end: Int,
                                 counts: UnsafeMutablePointer<Int64>, size: Int, low: Int) {
        typealias D = SIMD2<Double>
        typealias K = SIMD2<Int64>
        let magic = D(repeating: 0x1.8p52)
        // low <= x <= low + size − 1 ⟺ |x − mid| <= half for a whole x (mid and half multiples of 1/2
        // below 2^51: x − mid is exact while |x| < 2^51, and a larger |x| stays far outside).
        let half = D(repeating: Double(size - 1) / 2), mid = D(repeating: Double(low) + Double(size - 1) / 2)
        let magnitude = SIMD2<UInt64>(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        let lowBits = K(repeating: Int64(bitPattern: (0x1.8p52 + Double(low)).bitPattern))
        let raw = UnsafeRawPointer(values)
        var i = j
        // Four values a step (a step with a value that does not fit is redone one by one below):
        // t = x + 1.5·2^52 rounds x to the nearest integer r and holds r in its bits (|x| < 2^51);
        // x is whole when t − 1.5·2^52 == x, and counted at r − low when it is in the span (NaN
        // fails every comparison).
        while i &+ 3 < end {
            let x0 = raw.loadUnaligned(fromByteOffset: i &* 8, as: D.self)
            let x1 = raw.loadUnaligned(fromByteOffset: i &* 8 &+ 16, as: D.self)
            let t0 = x0 + magic, t1 = x1 + magic
            let d0 = unsafeBitCast(unsafeBitCast(x0 - mid, to: SIMD2<UInt64>.self) & magnitude, to: D.self)
            let d1 = unsafeBitCast(unsafeBitCast(x1 - mid, to: SIMD2<UInt64>.self) & magnitude, to: D.self)
            let ok = (t0 - magic .== x0) .& (d0 .<= half) .& (t1 - magic .== x1) .& (d1 .<= half)
            guard all(ok) else { break }
            let k0 = unsafeBitCast(t0, to: K.self) &- lowBits, k1 = unsafeBitCast(t1, to: K.self) &- lowBits
            counts[Int(truncatingIfNeeded: k0[0])] &+= 1
            counts[Int(truncatingIfNeeded: k0[1])] &+= 1
            counts[Int(truncatingIfNeeded: k1[0])] &+= 1
            counts[Int(truncatingIfNeeded: k1[1])] &+= 1
            i &+= 4
        }
        let m = magic[0], lowBits0 = UInt64(bitPattern: lowBits[0]), n = UInt64(size)
        while i < end {
            let x = values[i], t = x + m
            let k = t.bitPattern &- lowBits0
            guard k < n, t - m == x else { break }
            counts[Int(truncatingIfNeeded: k)] &+= 1
            i &+= 1
        }
        j = i
    }

    /// A store's buckets opened for the batch add: counts, smallest and largest magnitudes, and the
    /// index of the first bucket.
    struct _Buckets {
        var counts: UnsafeMutableBufferPointer<Int64>
        var minima: UnsafeMutableBufferPointer<Double>
        var maxima: UnsafeMutableBufferPointer<Double>
        var offset: Int

        /// Adds magnitude x (above `minIndexable`) to bucket k (the index minus `offset`), which must be in range.
        @inline(__always)
        func add(_ k: Int, _ x: Double) {
            let c = counts[k]
            if c == 0 {
                minima[k] = x; maxima[k] = x
            } else {
                if x < minima[k] { minima[k] = x }
                if x > maxima[k] { maxima[k] = x }
            }
            counts[k] = c &+ 1
        }
    }

    /// The batch add's loop: values[j...] while each is zero (counted in `zeros`) or a nonzero
    /// finite value whose bucket (by magnitude, in `positive` or, counted in `negatives`, in
    /// `negative`) is already in its store's range; stops at the first other value (j is then its
    /// position) or at `end`. Magnitudes above `minIndexable` are told by one unsigned comparison of
    /// their bits (positive doubles order as their bits; a negative value's magnitude is its bits
    /// with the sign flipped); the bucket is `index` by its own roundings: s(x)·2^52 is the integer
    /// `bits − 1023·2^52` (exponent and mantissa fields side by side), so Double(that) · (multiplier ·
    /// 2^-52) rounds the same real numbers as `index` does (e + m − 1, then its product by the
    /// multiplier; scaling by 2^52 is exact), and the ceiling is `_ceilToIntSmall`'s.
    @inline(__always)
    static func _addInRange(_ values: UnsafePointer<Double>, from j: inout Int, to end: Int, zeros: inout Int64,
                            negatives: inout Int64, multiplier: Double, positive: _Buckets, negative: _Buckets) {
        let low = QuantileSketch.minIndexable.bitPattern &+ 1                 // bits of the smallest indexable magnitude
        let span = (0x7FF0_0000_0000_0000 as UInt64) &- low                  // bits − low < span ⟺ minIndexable < x < ∞
        let sign: UInt64 = 0x8000_0000_0000_0000
        let up = UInt(bitPattern: positive.counts.count), down = UInt(bitPattern: negative.counts.count)
        let scaled = multiplier * 0x1p-52
        var i = j
        var tally: Int64 = 0                 // zeros in the low 32 bits, negative values above (end − j <= 2^31)
        while i < end {
            let x = values[i], b = x.bitPattern
            if (b &- low) < span {
                let v = Double(Int64(bitPattern: b) &- 0x3FF0_0000_0000_0000) * scaled
                let k = QuantileSketch._ceilToIntSmall(v, minus: positive.offset)
                guard UInt(bitPattern: k) < up else { break }
                positive.add(k, x)
            } else if ((b ^ sign) &- low) < span {
                let v = Double(Int64(bitPattern: b ^ sign) &- 0x3FF0_0000_0000_0000) * scaled
                let k = QuantileSketch._ceilToIntSmall(v, minus: negative.offset)
                guard UInt(bitPattern: k) < down else { break }
                negative.add(k, -x)
                tally &+= 1 << 32
            } else if x >= -QuantileSketch.minIndexable && x <= QuantileSketch.minIndexable {
                tally &+= 1
            } else {
                break
            }
            i &+= 1
        }
        zeros &+= tally & 0xFFFF_FFFF
        negatives &+= tally >> 32
        j = i
    }

    /// Adds every count of `other` (exact; any merge order gives the same sketch).
    /// Traps when the two sketches have different parameters.
    public mutating func merge(_ other: QuantileSketch) {
        precondition(relativeAccuracy == other.relativeAccuracy && maxBuckets == other.maxBuckets
                     && wholeNumberSpan == other.wholeNumberSpan,
                     "QuantileSketch merge needs equal parameters, got accuracy \(relativeAccuracy) and \(other.relativeAccuracy), buckets \(maxBuckets) and \(other.maxBuckets), whole-number spans \(wholeNumberSpan) and \(other.wholeNumberSpan).")
        positive.merge(other.positive, maxBuckets: maxBuckets)
        negative.merge(other.negative, maxBuckets: maxBuckets)
        zeroCount += other.zeroCount
        nonFinite += other.nonFinite
        // The histograms: folded when either side was or their union spans too much (the state one
        // sketch of all the values would be in), else counts added. Unfolded, a sketch's buckets are empty.
        let theirs = other.whole
        if theirs.folded && !whole.folded { foldWholeNumbers() }
        guard !theirs.counts.isEmpty else { return }
        if !whole.folded && !whole.counts.isEmpty {
            let low = min(whole.low, theirs.low)
            let high = max(whole.low + whole.counts.count, theirs.low + theirs.counts.count) - 1
            if high - low >= wholeNumberSpan {
                foldWholeNumbers()
            } else {
                if low < whole.low {
                    whole.counts.insert(contentsOf: repeatElement(0, count: whole.low - low), at: 0)
                    whole.low = low
                }
                if high >= whole.low + whole.counts.count {
                    whole.counts.append(contentsOf: repeatElement(0, count: high - whole.low - whole.counts.count + 1))
                }
                let shift = theirs.low - whole.low
                for (k, c) in theirs.counts.enumerated() { whole.counts[shift + k] += c }
                whole.total += theirs.total
                return
            }
        }
        if whole.folded {
            for (k, c) in theirs.counts.enumerated() where c != 0 { addToBuckets(Double(theirs.low + k), count: c) }
        } else {
            whole = theirs
        }
    }

    /// The value of bucket i: 2·lo·hi / (lo + hi) over its bounds lo = s⁻¹((i − 1)δ), hi = s⁻¹(iδ).
    func representative(_ i: Int) -> Double {
        let lo = inverseS(Double(i - 1) * delta), hi = inverseS(Double(i) * delta)
        return 2 * lo * (hi / (lo + hi))
    }

    /// The value of rank ⌊q (n − 1)⌋ within relative accuracy (see the type's documentation);
    /// NaN when the sketch is empty. Traps unless 0 <= q <= 1. For several levels, `quantiles(_:)`
    /// reads the buckets once.
    public func quantile(_ q: Double) -> Double { quantiles([q])[0] }

    /// `quantile(q)` for every level of `levels`, in their order, from one walk over the buckets in
    /// ascending order of value (levels in any order, repeats allowed). Traps unless every level is
    /// in [0, 1].
    public func quantiles(_ levels: [Double]) -> [Double] {
        for q in levels { precondition(q >= 0 && q <= 1, "A quantile level must be between 0 and 1, got \(q).") }
        var out = [Double](repeating: .nan, count: levels.count)
        let n = count
        if n == 0 || levels.isEmpty { return out }
        let ranks = levels.map { Int64(($0 * Double(n - 1)).rounded(.down)) }
        let order = levels.indices.sorted { ranks[$0] < ranks[$1] }
        var next = 0                         // order[next] is the lowest rank not yet reached
        var seen: Int64 = 0
        // Counts `c` more values, the value of each being `value()`; true once every level is answered.
        func take(_ c: Int64, _ value: () -> Double) -> Bool {
            guard c != 0 else { return false }
            seen += c
            if next < order.count && ranks[order[next]] < seen {
                let v = value()
                while next < order.count && ranks[order[next]] < seen { out[order[next]] = v; next += 1 }
            }
            return next == order.count
        }
        // The histogram: every value is its own order statistic.
        if !whole.folded {
            for (k, c) in whole.counts.enumerated() {
                if take(c, { Double(whole.low + k) }) { return out }
            }
            return out
        }
        // Negative values, most negative first: highest |x| index first.
        for k in stride(from: negative.counts.count - 1, through: 0, by: -1) {
            if take(negative.counts[k], { -negative.value(k, representative: representative(negative.offset + k)) }) { return out }
        }
        if take(zeroCount, { 0 }) { return out }
        for k in 0..<positive.counts.count {
            if take(positive.counts[k], { positive.value(k, representative: representative(positive.offset + k)) }) { return out }
        }
        return out
    }
}
