#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Snedecor's F distribution with `df1` and `df2` degrees of freedom (both > 0; `df2 = .infinity`
/// gives chi-square(df1)/df1).
///
/// `cdf(x) = I_z(df1/2, df2/2)` with `z = df1 x / (df1 x + df2)` (A&S 26.6.2), and `sf` is the
/// other tail of the same incomplete beta with `1 - z = df2 / (df1 x + df2)` formed directly.
public enum FDistribution {

    /// `z = d1 x/(d1 x + d2)` and `1 - z = d2/(d1 x + d2)` without overflow or cancellation.
    @inline(__always)
    static func _betaArguments(_ x: Double, _ d1: Double, _ d2: Double) -> (z: Double, w: Double) {
        let r = (d1 / d2) * x
        if r.isFinite && r <= 1 { return (r / (1 + r), 1 / (1 + r)) }
        let s = (d2 / d1) / x
        return (1 / (1 + s), s / (1 + s))
    }

    static func _check(_ df1: Double, _ df2: Double) {
        precondition(df1 > 0 && df2 > 0, "FDistribution needs positive degrees of freedom, got df1 = \(df1) and df2 = \(df2).")
        precondition(df1.isFinite, "FDistribution needs a finite df1, got df1 = \(df1).")
    }

    /// (cdf, sf, x times the density) at x.
    static func _tails(_ x: Double, _ d1: Double, _ d2: Double) -> (cdf: Double, sf: Double, prefactor: Double) {
        if x.isNaN { return (.nan, .nan, .nan) }
        if x <= 0 { return (0, 1, 0) }
        if x == .infinity { return (1, 0, 0) }
        if d2 == .infinity {
            let r = SpecialFunctions._gammaTails(0.5 * d1, 0.5 * d1 * x)
            return (r.p, r.q, r.prefactor)
        }
        let (z, w) = _betaArguments(x, d1, d2)
        let r = SpecialFunctions._betaTails(0.5 * d1, 0.5 * d2, z, w)
        return (r.lower, r.upper, r.prefactor)
    }

    /// The cumulative distribution function `P(F <= x) = I_z(df1/2, df2/2)`.
    ///
    /// Algorithm: the incomplete beta of `SpecialFunctions` (continued fraction, Loader prefactor).
    /// Edge cases: 0 for x <= 0, 1 at `+inf`, NaN for NaN. Preconditions: df1, df2 > 0, df1 finite.
    /// Accuracy: relative error below 2e-13 (measured 1.8e-13 max against mpmath for df up to (1000, 10000)).
    public static func cdf(_ x: Double, df1: Double, df2: Double) -> Double {
        _check(df1, df2)
        return _tails(x, df1, df2).cdf
    }

    /// The survival function `P(F > x)`, computed directly (the p-value of an F test).
    ///
    /// Edge cases: 1 for x <= 0, 0 at `+inf`, NaN for NaN. Preconditions: df1, df2 > 0, df1 finite.
    public static func sf(_ x: Double, df1: Double, df2: Double) -> Double {
        _check(df1, df2)
        return _tails(x, df1, df2).sf
    }

    /// The quantile function: the x with `cdf(x, df1:, df2:) = p`.
    ///
    /// Algorithm: a start at x = 1 or from the power-law tails `cdf ≈ z^a / (a B(a, b))` and
    /// `sf ≈ (1-z)^b / (b B(a, b))` (a = df1/2, b = df2/2), whichever fits better, then safeguarded
    /// Newton steps on the log of the relevant tail against log x (upper tail for p > 1/2).
    /// Edge cases: 0 at p = 0 and where the quantile is below the normal range (2.2e-308), `+inf` at p = 1,
    /// NaN for NaN or p outside [0, 1].
    /// Accuracy: relative error about 1e-14 in x (measured 5e-14 max; the cdf error divided by the tail elasticity).
    public static func quantile(_ p: Double, df1: Double, df2: Double) -> Double {
        _check(df1, df2)
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        if df2 == .infinity { return ChiSquared.quantile(p, df: df1) / df1 }
        let a = 0.5 * df1
        let b = 0.5 * df2
        let upper = p > 0.5
        let logTarget = upper ? log(1 - p) : log(p)
        let evaluate: (Double) -> (logF: Double, slope: Double) = { u in
            let r = _tails(exp(u), df1, df2)
            return upper ? (log(r.sf), -r.prefactor / r.sf) : (log(r.cdf), r.prefactor / r.cdf)
        }
        let logBeta = SpecialFunctions.logGamma(a) + SpecialFunctions.logGamma(b) - SpecialFunctions.logGamma(a + b)
        var candidates: [Double] = [0]
        if upper {
            // 1 - z ≈ exp((log q + log b + log B)/b), x ≈ d2 / (d1 (1 - z))
            candidates.append(log(df2 / df1) - (logTarget + log(b) + logBeta) / b)
        } else {
            candidates.append(log(df2 / df1) + (logTarget + log(a) + logBeta) / a)
        }
        var start = 0.0
        var best = Double.infinity
        for cand in candidates where cand.isFinite {
            let g = abs(evaluate(cand).logF - logTarget)
            if g < best { best = g; start = cand }
        }
        let x = _solveLogTail(logTarget: logTarget, start: start, increasing: !upper, evaluate: evaluate)
        // The solver cannot step below the smallest positive double; a root under it is 0 in double.
        if !upper && x < Double.leastNormalMagnitude && _tails(Double.leastNormalMagnitude, df1, df2).cdf > p { return 0 }
        return x
    }
}
