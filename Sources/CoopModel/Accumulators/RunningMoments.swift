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

    /// The two-pass moments of each of `rows` rows of `count` values (row r at `values + r * stride`):
    /// `out[r]` gets exactly the bits of `RunningMoments(twoPass: values + r * stride, count: count)`.
    ///
    /// Each row's sums run in index order as in `init(twoPass:count:)`; rows are taken four at a
    /// time so that their four chains of dependent additions overlap in the processor instead of
    /// following one another. A non-finite value adds +0 and no count, which leaves every sum's
    /// bits unchanged (the sums start at +0 and a sum of doubles is −0 only when both terms are −0).
    public static func twoPass(rows: Int, values: UnsafePointer<Double>, stride: Int, count n: Int,
                               into out: UnsafeMutablePointer<RunningMoments>) {
        precondition(rows >= 0 && n >= 0 && (rows <= 1 || stride >= n),
                     "Moments of \(rows) rows of \(n) values need a stride of at least \(n), got \(stride).")
        var r = 0
        while r + 4 <= rows {
            let x0 = values + r * stride, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride
            // First the plain sums (rows r, r + 1 in the lanes of `sA`, r + 2, r + 3 in `sB`; a lane-wise
            // addition is the same IEEE addition, in index order). A non-finite value makes its row's
            // sum non-finite for good (inf + finite = inf, inf − inf = NaN, NaN + x = NaN), so finite
            // sums mean every value was finite: the masked sums below would be these very bits, and the
            // second pass needs no mask either. Otherwise the four rows take the masked passes.
            var sA = SIMD2<Double>(repeating: 0), sB = SIMD2<Double>(repeating: 0)
            for i in 0..<n {
                sA += SIMD2(x0[i], x1[i])
                sB += SIMD2(x2[i], x3[i])
            }
            if sA[0].isFinite && sA[1].isFinite && sB[0].isFinite && sB[1].isFinite {
                let k = Double(n)
                let mA = n > 0 ? sA / k : SIMD2(repeating: 0), mB = n > 0 ? sB / k : SIMD2(repeating: 0)
                var qA = SIMD2<Double>(repeating: 0), qB = SIMD2<Double>(repeating: 0)
                var cA = SIMD2<Double>(repeating: 0), cB = SIMD2<Double>(repeating: 0)
                for i in 0..<n {
                    let dA = SIMD2(x0[i], x1[i]) - mA, dB = SIMD2(x2[i], x3[i]) - mB
                    qA += dA * dA; cA += dA
                    qB += dB * dB; cB += dB
                }
                out[r] = Self(finiteCount: n, of: n, mean: mA[0], ss: qA[0], comp: cA[0])
                out[r + 1] = Self(finiteCount: n, of: n, mean: mA[1], ss: qA[1], comp: cA[1])
                out[r + 2] = Self(finiteCount: n, of: n, mean: mB[0], ss: qB[0], comp: cB[0])
                out[r + 3] = Self(finiteCount: n, of: n, mean: mB[1], ss: qB[1], comp: cB[1])
                r += 4
                continue
            }
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var k0 = 0, k1 = 0, k2 = 0, k3 = 0
            for i in 0..<n {
                let a = x0[i], b = x1[i], c = x2[i], d = x3[i]
                let fa = a.isFinite, fb = b.isFinite, fc = c.isFinite, fd = d.isFinite
                s0 += fa ? a : 0; k0 &+= fa ? 1 : 0
                s1 += fb ? b : 0; k1 &+= fb ? 1 : 0
                s2 += fc ? c : 0; k2 &+= fc ? 1 : 0
                s3 += fd ? d : 0; k3 &+= fd ? 1 : 0
            }
            let m0 = k0 > 0 ? s0 / Double(k0) : 0, m1 = k1 > 0 ? s1 / Double(k1) : 0
            let m2 = k2 > 0 ? s2 / Double(k2) : 0, m3 = k3 > 0 ? s3 / Double(k3) : 0
            var q0 = 0.0, q1 = 0.0, q2 = 0.0, q3 = 0.0
            var c0 = 0.0, c1 = 0.0, c2 = 0.0, c3 = 0.0
            for i in 0..<n {
                let a = x0[i], b = x1[i], c = x2[i], d = x3[i]
                let da = a.isFinite ? a - m0 : 0, db = b.isFinite ? b - m1 : 0
                let dc = c.isFinite ? c - m2 : 0, dd = d.isFinite ? d - m3 : 0
                q0 += da * da; c0 += da
                q1 += db * db; c1 += db
                q2 += dc * dc; c2 += dc
                q3 += dd * dd; c3 += dd
            }
            out[r] = Self(finiteCount: k0, of: n, mean: m0, ss: q0, comp: c0)
            out[r + 1] = Self(finiteCount: k1, of: n, mean: m1, ss: q1, comp: c1)
            out[r + 2] = Self(finiteCount: k2, of: n, mean: m2, ss: q2, comp: c2)
            out[r + 3] = Self(finiteCount: k3, of: n, mean: m3, ss: q3, comp: c3)
            r += 4
        }
        while r < rows {
            out[r] = RunningMoments(twoPass: values + r * stride, count: n)
            r += 1
        }
    }

    /// The summary `init(twoPass:count:)` builds from its sums.
    @inline(__always)
    init(finiteCount k: Int, of n: Int, mean: Double, ss: Double, comp: Double) {
        if k == 0 { self.init(count: 0, mean: 0, m2: 0, nonFinite: n); return }
        self.init(count: k, mean: mean, m2: max(0, ss - comp * comp / Double(k)), nonFinite: n - k)
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
