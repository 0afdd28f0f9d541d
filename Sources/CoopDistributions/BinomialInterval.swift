#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Confidence intervals for a binomial proportion: the probability behind `successes` hits in
/// `trials` independent draws (a target's probability, a comparison's `prob_increase`).
public enum BinomialInterval {
    /// The exact (Clopper & Pearson 1934, Biometrika 26(4)) two-sided interval at `level`
    /// (default 0.95): with k successes in n trials and a = 1 − level,
    ///
    ///     lower = Beta⁻¹(a/2; k, n − k + 1)      (0 when k = 0)
    ///     upper = Beta⁻¹(1 − a/2; k + 1, n − k)  (1 when k = n)
    ///
    /// the bounds for which observing at most (at least) k has probability a/2. Matches
    /// `scipy.stats.binomtest(k, n).proportion_ci(0.95, method="exact")`. Closed forms at the edges:
    /// k = 0 gives upper = 1 − (a/2)^(1/n) (0 hits in 10,000 draws: below 3.69e-4), k = n gives
    /// lower = (a/2)^(1/n). The Beta quantile comes from the F quantile (`FDistribution.quantile`,
    /// relative error about 1e-14): X ~ Beta(α, β) is α F / (α F + β) with F ~ F(2α, 2β).
    ///
    /// Returns (NaN, NaN) when trials < 1 or successes is outside 0 ... trials, or the level is not
    /// strictly between 0 and 1.
    public static func clopperPearson(successes k: Int, trials n: Int, level: Double = 0.95) -> (lower: Double, upper: Double) {
        guard n >= 1, k >= 0, k <= n, level > 0, level < 1 else { return (.nan, .nan) }
        let tail = (1 - level) / 2
        let lower: Double, upper: Double
        if k == 0 { lower = 0 } else if k == n { lower = pow(tail, 1 / Double(n)) } else {
            lower = betaQuantile(tail, Double(k), Double(n - k + 1))
        }
        if k == n { upper = 1 } else if k == 0 { upper = -expm1(log(tail) / Double(n)) } else {
            upper = betaQuantile(1 - tail, Double(k + 1), Double(n - k))
        }
        return (lower, upper)
    }

    /// The p-quantile of Beta(a, b), through F(2a, 2b).
    static func betaQuantile(_ p: Double, _ a: Double, _ b: Double) -> Double {
        let f = FDistribution.quantile(p, df1: 2 * a, df2: 2 * b)
        if f == .infinity { return 1 }
        return a * f / (a * f + b)
    }
}
