import CoopDistributions
import CoopRandom

/// Variance-based sensitivity indices (Sobol' first-order and total) from a Saltelli design.
///
/// The design (`SaltelliDesign`) evaluates the model at `N` rows of two independent sample
/// matrices `A` and `B` and at the `k` matrices `AB_i` (A with column i taken from B):
/// `N (k + 2)` points. With `f_A`, `f_B`, `f_ABi` the outputs centred on the mean of all of them
/// (as SALib normalises them) and `V = Var(f_A ∪ f_B)` (divisor 2N, as SALib):
///
///     S_i  = mean(f_B (f_ABi − f_A)) / V                 first order, Saltelli et al. (2010), Table 2 (b)
///     ST_i = mean((f_A − f_ABi)²) / (2 V)               total, Jansen (1999), Saltelli et al. (2010) Table 2 (f)
///
/// These are the estimators of SALib's `sobol.analyze` (SALib 1.5), which the tests match on the
/// same samples to rounding. Confidence intervals: `resamples` bootstrap resamples of the N rows
/// (rows drawn with replacement from a keyed Philox stream), and the interval
/// `estimate ± z_(1+level)/2 · sd_bootstrap` (SALib's normal-approximation convention).
///
/// References: A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola (2010),
/// Variance based sensitivity analysis of model output. Design and estimator for the total
/// sensitivity index, Computer Physics Communications 181, 259–270. M. J. W. Jansen (1999),
/// Analysis of variance designs for model output, Computer Physics Communications 117, 35–43.
public struct SobolIndices: Sendable, Equatable {
    /// First-order index S_i per factor.
    public var firstOrder: [Double]
    /// Half-width of the bootstrap interval of S_i.
    public var firstOrderConfidence: [Double]
    /// Total index ST_i per factor.
    public var total: [Double]
    public var totalConfidence: [Double]
    /// The variance of the output over A and B (0: a constant output, indices NaN).
    public var variance: Double

    /// Indices from outputs laid out as the design's rows: `outputs[r]` is f at design row r
    /// (`SaltelliDesign.row(_:kind:)` gives the layout: for each base row j, A_j, AB_1j … AB_kj, B_j,
    /// as SALib with `calc_second_order=False`). `outputs.count` must be `N (k + 2)`.
    ///
    /// - Complexity: O(N k (resamples + 1)).
    public static func estimate(outputs: [Double], factors k: Int, resamples: Int = 1000, confidenceLevel: Double = 0.95,
                                seed: UInt64 = 0) -> SobolIndices {
        precondition(k >= 1, "Sobol indices need at least one factor, got \(k).")
        precondition(outputs.count % (k + 2) == 0 && outputs.count > 0,
                     "A Saltelli design with \(k) factors has N (k + 2) rows; got \(outputs.count) outputs.")
        precondition(resamples >= 0, "The number of bootstrap resamples cannot be negative, got \(resamples).")
        let n = outputs.count / (k + 2)
        let stride = k + 2
        // Centred on the mean of all outputs first, as SALib does: the first-order estimator's
        // variance grows with the squared mean of f (its expectation does not change).
        let centre = outputs.reduce(0, +) / Double(outputs.count)
        let y = outputs.map { $0 - centre }
        func a(_ j: Int) -> Double { y[j * stride] }
        func b(_ j: Int) -> Double { y[j * stride + k + 1] }
        func ab(_ j: Int, _ i: Int) -> Double { y[j * stride + 1 + i] }
        let rows = Array(0..<n)
        let (s1, st, v) = indices(rows: rows, k: k, a: a, b: b, ab: ab)
        var s1c = [Double](repeating: .nan, count: k), stc = [Double](repeating: .nan, count: k)
        if resamples > 1 {
            var draws1 = [[Double]](repeating: [], count: k), drawsT = [[Double]](repeating: [], count: k)
            var stream = RandomStream(key: StreamKey(seed: seed, region: 0, path: 0, year: 1, equation: StreamKey.hash("sobol-bootstrap")))
            var sample = [Int](repeating: 0, count: n)
            for _ in 0..<resamples {
                for j in 0..<n { sample[j] = Int(stream.next(upperBound: UInt64(n))) }
                let (r1, rt, _) = indices(rows: sample, k: k, a: a, b: b, ab: ab)
                for i in 0..<k { draws1[i].append(r1[i]); drawsT[i].append(rt[i]) }
            }
            let z = Normal.quantile(0.5 + confidenceLevel / 2)
            for i in 0..<k {
                s1c[i] = z * standardDeviation(draws1[i])
                stc[i] = z * standardDeviation(drawsT[i])
            }
        }
        return SobolIndices(firstOrder: s1, firstOrderConfidence: s1c, total: st, totalConfidence: stc, variance: v)
    }

    static func indices(rows: [Int], k: Int, a: (Int) -> Double, b: (Int) -> Double,
                        ab: (Int, Int) -> Double) -> ([Double], [Double], Double) {
        // Variance of A ∪ B, two-pass, divisor 2N.
        var mean = 0.0
        for j in rows { mean += a(j) + b(j) }
        mean /= Double(2 * rows.count)
        var v = 0.0
        for j in rows { v += (a(j) - mean) * (a(j) - mean) + (b(j) - mean) * (b(j) - mean) }
        v /= Double(2 * rows.count)
        var s1 = [Double](repeating: 0, count: k), st = [Double](repeating: 0, count: k)
        let n = Double(rows.count)
        for i in 0..<k {
            var f = 0.0, t = 0.0
            for j in rows {
                let d = ab(j, i) - a(j)
                f += b(j) * d
                t += d * d
            }
            s1[i] = (f / n) / v
            st[i] = 0.5 * (t / n) / v
        }
        return (s1, st, v)
    }

    static func standardDeviation(_ x: [Double]) -> Double {
        guard x.count > 1 else { return .nan }
        let m = x.reduce(0, +) / Double(x.count)
        return (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)).squareRoot()
    }
}

/// The Saltelli (2010) design for first-order and total Sobol indices: `N` base rows of a
/// 2k-dimensional low-discrepancy sequence (`SobolSequence`), A = its first k columns and B the
/// last k, and for each base row j the points A_j, AB_1j, …, AB_kj, B_j (`N (k + 2)` points in
/// [0, 1)^k, as SALib's `sobol.sample` with `calc_second_order=False`; SALib skips the first
/// `skip` points of the sequence too).
public struct SaltelliDesign: Sendable, Equatable {
    public var factors: Int
    public var baseRows: Int
    /// Points in the unit cube, row-major: `points[r * factors + i]`.
    public var points: [Double]

    /// - Parameters: `baseRows` N (a power of two keeps the sequence balanced), `skip` points of the
    ///   sequence skipped first (SALib's default for N = 2^m is N).
    public init(factors k: Int, baseRows n: Int, skip: Int? = nil) {
        precondition(k >= 1 && k <= SobolSequence.maximumDimension / 2,
                     "A Saltelli design supports 1 to \(SobolSequence.maximumDimension / 2) factors, got \(k).")
        precondition(n >= 2, "A Saltelli design needs at least 2 base rows, got \(n).")
        let seq = SobolSequence(dimension: 2 * k)
        let first = skip ?? n
        let base = seq.points(first..<(first + n))
        var pts: [Double] = []
        pts.reserveCapacity(n * (k + 2) * k)
        for j in 0..<n {
            let row = Array(base[(j * 2 * k)..<((j + 1) * 2 * k)])
            let a = Array(row[0..<k]), b = Array(row[k..<(2 * k)])
            pts += a
            for i in 0..<k { var x = a; x[i] = b[i]; pts += x }
            pts += b
        }
        factors = k; baseRows = n; points = pts
    }

    public var count: Int { baseRows * (factors + 2) }
    public func point(_ r: Int) -> ArraySlice<Double> { points[(r * factors)..<((r + 1) * factors)] }
}
