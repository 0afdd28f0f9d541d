#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The chi-square distribution with `df` degrees of freedom (df > 0): a gamma distribution with
/// shape df/2 and scale 2, so `cdf(x) = P(df/2, x/2)` and `sf(x) = Q(df/2, x/2)`.
public enum ChiSquared {

    /// The cumulative distribution function `P(X <= x) = P(df/2, x/2)` (regularized lower incomplete gamma).
    ///
    /// Edge cases: 0 for x <= 0, 1 at `+inf`, NaN for NaN. Precondition: df > 0.
    /// Accuracy: relative error below 1e-13 (measured 7.5e-14 max against mpmath for df up to 2000).
    public static func cdf(_ x: Double, df: Double) -> Double {
        precondition(df > 0, "ChiSquared needs positive degrees of freedom, got df = \(df).")
        return SpecialFunctions._gammaTails(0.5 * df, 0.5 * x).p
    }

    /// The survival function `P(X > x) = Q(df/2, x/2)`, computed directly: `sf(500, df: 3)` is 6.6e-108.
    ///
    /// Edge cases: 1 for x <= 0, 0 at `+inf`, NaN for NaN. Precondition: df > 0.
    public static func sf(_ x: Double, df: Double) -> Double {
        precondition(df > 0, "ChiSquared needs positive degrees of freedom, got df = \(df).")
        return SpecialFunctions._gammaTails(0.5 * df, 0.5 * x).q
    }

    /// The quantile function: the x with `cdf(x, df:) = p`.
    ///
    /// Algorithm: a start from the Wilson–Hilferty cube-root normal approximation, or from the tail
    /// forms `P(k, y) ≈ y^k / Γ(k+1)` (lower) and `log Q(k, y) ≈ -y + (k-1) log y - log Γ(k)` (upper),
    /// whichever fits better, then safeguarded Newton steps on the log of the relevant tail against
    /// log x (the upper tail for p > 1/2, with 1 - p exact there).
    /// Edge cases: 0 at p = 0 and where the quantile is below the normal range (2.2e-308), `+inf` at p = 1,
    /// NaN for NaN or p outside [0, 1]. Precondition: df > 0.
    /// Accuracy: relative error about 1e-14 in x (measured 1.9e-14 max; the cdf error divided by the tail elasticity).
    public static func quantile(_ p: Double, df: Double) -> Double {
        precondition(df > 0, "ChiSquared needs positive degrees of freedom, got df = \(df).")
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return 0 }
        if p == 1 { return .infinity }
        let k = 0.5 * df
        let upper = p > 0.5
        let logTarget = upper ? log(1 - p) : log(p)
        // u = log x; d tail / du = ± x f(x) = ± (x/2)^k e^(-x/2) / Γ(k) = ± prefactor.
        let evaluate: (Double) -> (logF: Double, slope: Double) = { u in
            let r = SpecialFunctions._gammaTails(k, 0.5 * exp(u))
            return upper ? (log(r.q), -r.prefactor / r.q) : (log(r.p), r.prefactor / r.p)
        }
        var candidates: [Double] = []
        let z = Normal.quantile(p)
        let c = 2 / (9 * df)
        let wh = 1 - c + z * c.squareRoot()
        if wh > 0 { candidates.append(log(df) + 3 * log(wh)) }
        if upper {
            let t = -logTarget
            let y = t + (k - 1) * log(max(t, 1)) - SpecialFunctions.logGamma(k)
            if y > 0 { candidates.append(log(2 * y)) }
        } else {
            let logY = (logTarget + SpecialFunctions.logGamma(k + 1)) / k
            candidates.append(log(2) + logY)
        }
        var start = candidates[0]
        var best = Double.infinity
        for cand in candidates {
            let g = abs(evaluate(cand).logF - logTarget)
            if g < best { best = g; start = cand }
        }
        let x = _solveLogTail(logTarget: logTarget, start: start, increasing: !upper, evaluate: evaluate)
        // The solver cannot step below the smallest positive double; a root under it is 0 in double.
        if !upper && x < Double.leastNormalMagnitude
            && SpecialFunctions._gammaTails(k, 0.5 * Double.leastNormalMagnitude).p > p { return 0 }
        return x
    }
}
