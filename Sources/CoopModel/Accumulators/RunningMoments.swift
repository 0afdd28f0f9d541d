/// Count, mean and sum of squared deviations (M2) of a stream of numbers, mergeable.
///
/// A block of values is summarised by the two-pass algorithm (`init(twoPass:count:)`, what the engine
/// uses per block of paths); adding one value is Welford's update (Welford 1962):
///
///     n += 1;  d = x - mean;  mean += d / n;  M2 += d * (x - mean)
///
/// Merging two summaries is the pairwise formula of Chan, Golub & LeVeque (1979/1983):
///
///     n = nA + nB;  d = meanB - meanA;  mean = meanA + d * nB / n
///     M2 = M2A + M2B + d² nA nB / n
///
/// Floating-point merging is not associative, so callers that need identical bytes must merge
/// in one fixed order (the engine folds fixed blocks of paths in block order, whatever the
/// threads or shards). Non-finite values are not added; they are counted in `nonFinite`.
///
/// Accuracy: Welford and Chan are backward stable; the relative error of the variance is
/// about n·ε·κ where κ = 1 + mean²/variance (Chan, Golub & LeVeque 1983).
public struct RunningMoments: Sendable, Equatable, Codable {
    /// Number of finite values added.
    public private(set) var count: Int = 0
    /// Their mean (0 when empty).
    public private(set) var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public private(set) var m2: Double = 0
    /// Number of NaN or infinite values offered (and left out).
    public private(set) var nonFinite: Int = 0

    public init() {}

    /// A summary from its parts (for deserialising shards).
    public init(count: Int, mean: Double, m2: Double, nonFinite: Int = 0) {
        precondition(count >= 0 && nonFinite >= 0, "RunningMoments needs non-negative counts, got \(count) and \(nonFinite).")
        self.count = count; self.mean = mean; self.m2 = m2; self.nonFinite = nonFinite
    }

    /// The moments of `count` values by the two-pass algorithm (Chan, Golub & LeVeque 1983, eq. 1.5
    /// with the correction term): mean = Σx / n, then M2 = Σ(x − mean)² − (Σ(x − mean))² / n, summed in
    /// index order. Non-finite values are left out and counted. Relative error of M2 about n·ε, without
    /// the mean²/variance factor of one-pass formulas; no division per value.
    public init(twoPass values: UnsafePointer<Double>, count n: Int) {
        var k = 0, bad = 0
        var sum = 0.0
        for i in 0..<n {
            let x = values[i]
            if x.isFinite { sum += x; k += 1 } else { bad += 1 }
        }
        guard k > 0 else { self.init(count: 0, mean: 0, m2: 0, nonFinite: bad); return }
        let mean = sum / Double(k)
        var ss = 0.0, comp = 0.0
        for i in 0..<n {
            let x = values[i]
            if x.isFinite { let d = x - mean; ss += d * d; comp += d }
        }
        self.init(count: k, mean: mean, m2: max(0, ss - comp * comp / Double(k)), nonFinite: bad)
    }

    /// Adds one value (Welford).
    public mutating func add(_ x: Double) {
        guard x.isFinite else { nonFinite += 1; return }
        count += 1
        let d = x - mean
        mean += d / Double(count)
        m2 += d * (x - mean)
    }

    /// Merges `other` into this summary (Chan et al.); `self` comes first in the fixed order.
    public mutating func merge(_ other: RunningMoments) {
        nonFinite += other.nonFinite
        if other.count == 0 { return }
        if count == 0 { count = other.count; mean = other.mean; m2 = other.m2; return }
        let n = count + other.count
        let d = other.mean - mean
        let nA = Double(count), nB = Double(other.count), nn = Double(n)
        mean += d * nB / nn
        m2 += other.m2 + d * d * nA * nB / nn
        count = n
    }

    /// The sample variance (divisor n - 1); NaN with fewer than two values.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : .nan }
    /// The sample standard deviation (divisor n - 1); NaN with fewer than two values.
    public var standardDeviation: Double { variance.squareRoot() }
    /// The Monte Carlo standard error of the mean, sd / sqrt(n); NaN with fewer than two values.
    public var standardError: Double { count > 1 ? (variance / Double(count)).squareRoot() : .nan }
}
