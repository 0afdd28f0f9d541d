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
/// `quantile(q)` returns the representative of the bucket holding the value of rank ⌊q (n − 1)⌋
/// (0-based) in sorted order, clamped to the smallest and largest value that bucket saw; so it is
/// within relative distance α of that order statistic, and exact when the bucket holds one
/// distinct value (whole numbers below about 1/(2α) = 500 always are). This is the lower empirical
/// quantile; numpy's default interpolation between the two neighbouring order statistics may
/// differ from it by the gap between them.
///
/// Counts are integers, so `merge` is exact, associative and commutative: the merged sketch
/// does not depend on the order of merging (the property shards and threads rely on).
///
/// Range: the default number of buckets per sign, `buckets(toSpan:)`, covers every magnitude from
/// `minIndexable` (1e-300) to the largest double (about 1.01 million buckets at α = 1e-3), so the
/// guarantee above holds for every finite value, whatever the span of the data (a lognormal path
/// over 30 decades, a share near 0 next to a count in millions). Values with |x| <= 1e-300 count
/// as zero (absolute error below 1e-300). Memory is one dense run of counts (with the smallest and
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

    public let relativeAccuracy: Double
    public let maxBuckets: Int
    public static let minIndexable = 1e-300
    /// 1 / δ with δ = ln γ.
    let multiplier: Double
    let delta: Double
    public private(set) var positive = Store()
    public private(set) var negative = Store()
    public private(set) var zeroCount: Int64 = 0
    public private(set) var nonFinite: Int64 = 0

    /// An empty sketch. `maxBuckets` per sign defaults to `buckets(toSpan:)` for this accuracy (no
    /// collapse ever). Traps unless 0 < relativeAccuracy < 1 and maxBuckets >= 16.
    public init(relativeAccuracy: Double = 1e-3, maxBuckets: Int? = nil) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1,
                     "QuantileSketch relative accuracy must be between 0 and 1, got \(relativeAccuracy).")
        let buckets = maxBuckets ?? Self.buckets(toSpan: relativeAccuracy)
        precondition(buckets >= 16, "QuantileSketch needs at least 16 buckets per sign, got \(buckets).")
        self.relativeAccuracy = relativeAccuracy
        self.maxBuckets = buckets
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
    public var count: Int64 { positive.total + negative.total + zeroCount }

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
        if x > QuantileSketch.minIndexable {
            positive.add(index: index(x), count: 1, low: x, high: x, maxBuckets: maxBuckets)
        } else if x < -QuantileSketch.minIndexable {
            negative.add(index: index(-x), count: 1, low: -x, high: -x, maxBuckets: maxBuckets)
        } else {
            zeroCount += 1
        }
    }

    /// Adds `count` values read from `values` (the engine's batch form; the same sketch as adding
    /// them one by one). Positive values whose bucket is already in range take a fast path.
    public mutating func add(_ values: UnsafePointer<Double>, count n: Int) {
        guard _smallIndices else { for j in 0..<n { add(values[j]) }; return }
        var i = 0
        while i < n {
            var j = i
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
            if j < n { add(values[j]); j += 1 }
            i = j
        }
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
        precondition(relativeAccuracy == other.relativeAccuracy && maxBuckets == other.maxBuckets,
                     "QuantileSketch merge needs equal parameters, got accuracy \(relativeAccuracy) and \(other.relativeAccuracy), buckets \(maxBuckets) and \(other.maxBuckets).")
        positive.merge(other.positive, maxBuckets: maxBuckets)
        negative.merge(other.negative, maxBuckets: maxBuckets)
        zeroCount += other.zeroCount
        nonFinite += other.nonFinite
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
