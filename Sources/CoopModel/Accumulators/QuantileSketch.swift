#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A quantile sketch with relative accuracy: DDSketch (Masson, Rim & Lee 2019, "DDSketch: a fast
/// and fully-mergeable quantile sketch with relative-error guarantees", VLDB 12(12)).
///
/// With relative accuracy α (default 1e-3) and γ = (1 + α) / (1 − α), a positive value x goes to
/// bucket `i = ceil(log(x) / log(γ))`, which covers (γ^(i−1), γ^i]; its representative value
/// 2γ^i / (γ + 1) is within relative distance α of every value in the bucket. Negative values
/// go to a mirrored store by |x|; values with |x| below `minIndexable` (1e-300) count as zero.
///
/// `quantile(q)` returns the representative of the bucket holding the value of rank
/// ⌊q (n − 1)⌋ (0-based) in sorted order, so it is within relative distance α of that order
/// statistic (the lower empirical quantile; numpy's default interpolation between the two
/// neighbouring order statistics may differ from it by the gap between them).
///
/// Counts are integers, so `merge` is exact, associative and commutative: the merged sketch
/// does not depend on the order of merging (the property shards and threads rely on).
/// Memory: one dense array of counts per sign spanning the occupied bucket range; at most
/// `maxBuckets` (default 8192) per sign: beyond that the lowest buckets collapse into one,
/// which keeps the guarantee for every quantile above the collapsed range (values spread over
/// less than γ^8192 ≈ 1.3e7 times the smallest never collapse). The collapse rule depends only
/// on the highest index seen, so it is order-independent too. NaN and infinities are counted
/// in `nonFinite` and left out.
public struct QuantileSketch: Sendable, Equatable, Codable {
    /// A dense run of bucket counts starting at bucket `offset`.
    public struct Store: Sendable, Equatable, Codable {
        public var offset: Int = 0
        public var counts: [Int64] = []
        public var total: Int64 = 0

        @inline(__always)
        mutating func add(index: Int, count: Int64, maxBuckets: Int) {
            if counts.isEmpty {
                offset = index
                counts = [count]
                total += count
                return
            }
            var i = index
            if i < offset {
                let lowest = counts.count + offset - maxBuckets   // lowest index kept
                if i < lowest { i = lowest }
                if i < offset {
                    counts.insert(contentsOf: repeatElement(0, count: offset - i), at: 0)
                    offset = i
                }
            } else if i >= offset + counts.count {
                counts.append(contentsOf: repeatElement(0, count: i - offset - counts.count + 1))
                collapse(maxBuckets: maxBuckets)
            }
            let k = max(i, offset) - offset
            counts[k] += count
            total += count
        }

        /// Folds the lowest buckets into the lowest kept one until at most `maxBuckets` remain.
        mutating func collapse(maxBuckets: Int) {
            let excess = counts.count - maxBuckets
            guard excess > 0 else { return }
            var s: Int64 = 0
            for k in 0...excess { s += counts[k] }
            counts.removeFirst(excess)
            counts[0] = s
            offset += excess
        }

        mutating func merge(_ other: Store, maxBuckets: Int) {
            for (k, c) in other.counts.enumerated() where c != 0 {
                add(index: other.offset + k, count: c, maxBuckets: maxBuckets)
            }
        }
    }

    public let relativeAccuracy: Double
    public let maxBuckets: Int
    public static let minIndexable = 1e-300
    let logGamma: Double
    let gamma: Double
    public private(set) var positive = Store()
    public private(set) var negative = Store()
    public private(set) var zeroCount: Int64 = 0
    public private(set) var nonFinite: Int64 = 0

    /// An empty sketch; traps unless 0 < relativeAccuracy < 1 and maxBuckets >= 16.
    public init(relativeAccuracy: Double = 1e-3, maxBuckets: Int = 8192) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1,
                     "QuantileSketch relative accuracy must be between 0 and 1, got \(relativeAccuracy).")
        precondition(maxBuckets >= 16, "QuantileSketch needs at least 16 buckets per sign, got \(maxBuckets).")
        self.relativeAccuracy = relativeAccuracy
        self.maxBuckets = maxBuckets
        gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        logGamma = log(gamma)
    }

    /// Number of finite values added.
    public var count: Int64 { positive.total + negative.total + zeroCount }

    @inline(__always)
    func index(_ magnitude: Double) -> Int { Int((log(magnitude) / logGamma).rounded(.up)) }

    /// Adds one value.
    public mutating func add(_ x: Double) {
        if !x.isFinite { nonFinite += 1; return }
        if x > QuantileSketch.minIndexable {
            positive.add(index: index(x), count: 1, maxBuckets: maxBuckets)
        } else if x < -QuantileSketch.minIndexable {
            negative.add(index: index(-x), count: 1, maxBuckets: maxBuckets)
        } else {
            zeroCount += 1
        }
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

    func representative(_ i: Int) -> Double { 2 * exp(Double(i) * logGamma) / (gamma + 1) }

    /// The value of rank ⌊q (n − 1)⌋ within relative accuracy (see the type's documentation);
    /// NaN when the sketch is empty. Traps unless 0 <= q <= 1.
    public func quantile(_ q: Double) -> Double {
        precondition(q >= 0 && q <= 1, "A quantile level must be between 0 and 1, got \(q).")
        let n = count
        if n == 0 { return .nan }
        let rank = Int64((q * Double(n - 1)).rounded(.down))
        var seen: Int64 = 0
        // Negative values, most negative first: highest |x| index first.
        for k in stride(from: negative.counts.count - 1, through: 0, by: -1) {
            seen += negative.counts[k]
            if seen > rank { return -representative(negative.offset + k) }
        }
        seen += zeroCount
        if seen > rank { return 0 }
        for k in 0..<positive.counts.count {
            seen += positive.counts[k]
            if seen > rank { return representative(positive.offset + k) }
        }
        return representative(positive.offset + positive.counts.count - 1)
    }
}
