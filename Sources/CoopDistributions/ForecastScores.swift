#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scores of probabilistic forecasts against what was observed: the continuous ranked probability
/// score (CRPS), probability integral transform (PIT) values, central-interval coverage, and the
/// point-error scales of the naive random walk with drift (for MASE). Pure functions; `coopsim
/// backtest` and the forecast-calibration tests use them.
///
/// Conventions (stated once, used everywhere):
/// - A forecast is an ensemble of `n` draws (Monte Carlo paths) of one quantity.
/// - Quantiles are the engine's: the order statistic of 0-based rank ⌊q(n − 1)⌋ (the lower empirical
///   quantile, numpy's `method="lower"`), so an interval here is the interval `summary.csv` reports.
/// - The central c interval is [Q((1 − c)/2), Q((1 + c)/2)], closed.
public enum ForecastScores {
    /// CRPS of an ensemble against an observation, energy form (Gneiting & Raftery 2007, eq. 21):
    ///
    ///     CRPS(F_n, y) = (1/n) Σ |x_i − y| − (1/(2n²)) Σ_i Σ_j |x_i − x_j|
    ///
    /// which equals ∫ (F_n(t) − 1{y ≤ t})² dt for the empirical distribution F_n of the draws (the
    /// value `properscoring.crps_ensemble` returns). The double sum is computed from the sorted draws,
    /// Σ_i Σ_j |x_i − x_j| = 2 Σ_k (2k − n − 1) x_(k) (k = 1…n), so the cost is O(n log n).
    /// Units: those of the quantity. Lower is better; 0 only for a point mass at y.
    ///
    /// - Precondition: at least one draw; NaN draws or observation give NaN.
    public static func crps(ensemble: [Double], observation y: Double) -> Double {
        precondition(!ensemble.isEmpty, "CRPS needs at least one draw.")
        return crps(sorted: ensemble.sorted(), observation: y)
    }

    /// `crps(ensemble:observation:)` for draws already sorted ascending.
    public static func crps(sorted x: [Double], observation y: Double) -> Double {
        precondition(!x.isEmpty, "CRPS needs at least one draw.")
        if y.isNaN || x.contains(where: \.isNaN) { return .nan }
        let n = Double(x.count)
        var absolute = 0.0, spread = 0.0
        for (k, v) in x.enumerated() {
            absolute += abs(v - y)
            spread += (2 * Double(k + 1) - n - 1) * v
        }
        return absolute / n - spread / (n * n)
    }

    /// CRPS of a normal forecast N(mean, sd²) against y, closed form (Gneiting, Raftery, Westveld
    /// & Goldman 2005, eq. 5): sd · [z (2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − mean)/sd.
    /// - Precondition: sd > 0.
    public static func crpsNormal(mean: Double, sd: Double, observation y: Double) -> Double {
        precondition(sd > 0, "CRPS of a normal forecast needs sd > 0, got \(sd).")
        let z = (y - mean) / sd
        let pdf = exp(-0.5 * z * z) / (2 * Double.pi).squareRoot()
        let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
        return sd * (z * (2 * cdf - 1) + 2 * pdf - 1 / Double.pi.squareRoot())
    }

    /// PIT value of y under the ensemble's empirical distribution, mid-point form for ties:
    /// (#{x_i < y} + ½ #{x_i = y}) / n. For a continuous forecast it is F_n(y); for counts (where y
    /// may equal many draws) it is the midpoint of the PIT interval [F(y−), F(y)] (Czado, Gneiting &
    /// Held 2009), which has mean ½ under calibration.
    public static func pit(sorted x: [Double], observation y: Double) -> Double {
        precondition(!x.isEmpty, "A PIT value needs at least one draw.")
        let below = lowerBound(x, y), notAbove = upperBound(x, y)
        return (Double(below) + 0.5 * Double(notAbove - below)) / Double(x.count)
    }

    /// Randomised PIT: F(y−) + v (F(y) − F(y−)) for a uniform v in [0, 1) (Czado et al. 2009): exactly
    /// uniform under calibration, also for counts. With no tie at y it is F_n(y) whatever v is.
    public static func randomizedPIT(sorted x: [Double], observation y: Double, uniform v: Double) -> Double {
        precondition(!x.isEmpty, "A PIT value needs at least one draw.")
        let below = lowerBound(x, y), notAbove = upperBound(x, y)
        return (Double(below) + v * Double(notAbove - below)) / Double(x.count)
    }

    /// The engine's quantile of sorted draws: the order statistic of 0-based rank ⌊q(n − 1)⌋.
    /// The floor is taken of q(n − 1) + 1e-9, so that a level computed with rounding error, such as
    /// (1 − 0.9)/2 = 0.04999999999999999, gives the rank of 0.05.
    /// - Precondition: 0 ≤ q ≤ 1 and at least one draw.
    public static func quantile(sorted x: [Double], _ q: Double) -> Double {
        precondition(!x.isEmpty, "A quantile needs at least one draw.")
        precondition(q >= 0 && q <= 1, "A quantile level must lie in [0, 1], got \(q).")
        return x[min(x.count - 1, Int((q * Double(x.count - 1) + 1e-9).rounded(.down)))]
    }

    /// The central interval of level `coverage` (0.5 for the 25–75% band, 0.9 for 5–95%).
    public static func centralInterval(sorted x: [Double], coverage: Double) -> (low: Double, high: Double) {
        precondition(coverage > 0 && coverage < 1, "An interval level must lie in (0, 1), got \(coverage).")
        return (quantile(sorted: x, (1 - coverage) / 2), quantile(sorted: x, (1 + coverage) / 2))
    }

    /// Whether y lies in the closed central interval of level `coverage`.
    public static func covers(sorted x: [Double], observation y: Double, coverage: Double) -> Bool {
        let (lo, hi) = centralInterval(sorted: x, coverage: coverage)
        return y >= lo && y <= hi
    }

    /// The naive random walk with drift from the last observation (Hyndman & Athanasopoulos, FPP3
    /// §5.2): ŷ(t) = y_T + (t − T) · (y_T − y_1)/(T − t_1), with the drift per year estimated from the
    /// first and last observation up to the origin T. Years may have gaps (the slope is per year).
    /// - Precondition: at least two observations in increasing years; `year` after the last one.
    public static func driftForecast(years: [Int], values: [Double], at year: Int) -> Double {
        precondition(years.count == values.count && years.count >= 2, "A drift forecast needs at least two observations.")
        let t1 = years.first!, tT = years.last!
        precondition(tT > t1 && year > tT, "A drift forecast needs increasing years and a later target year.")
        let slope = (values.last! - values.first!) / Double(tT - t1)
        return values.last! + Double(year - tT) * slope
    }

    /// MASE scale (Hyndman & Koehler 2006, non-seasonal): the in-sample mean absolute one-year change of
    /// the series up to the origin, Σ |y_j − y_{j−1}| / Σ (t_j − t_{j−1}) over consecutive observations (a
    /// per-year change where years have gaps). Nil with fewer than two observations; 0 for a flat series.
    public static func maseScale(years: [Int], values: [Double]) -> Double? {
        precondition(years.count == values.count, "Years and values must have the same length.")
        guard years.count >= 2 else { return nil }
        var change = 0.0, span = 0
        for j in 1..<years.count {
            change += abs(values[j] - values[j - 1])
            span += years[j] - years[j - 1]
        }
        return span > 0 ? change / Double(span) : nil
    }

    /// Index of the first element ≥ y.
    static func lowerBound(_ x: [Double], _ y: Double) -> Int {
        var lo = 0, hi = x.count
        while lo < hi { let mid = (lo + hi) / 2; if x[mid] < y { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    /// Index of the first element > y.
    static func upperBound(_ x: [Double], _ y: Double) -> Int {
        var lo = 0, hi = x.count
        while lo < hi { let mid = (lo + hi) / 2; if x[mid] <= y { lo = mid + 1 } else { hi = mid } }
        return lo
    }
}
