#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Log probability mass functions of the count families used by the GLMs and the simulator.
///
/// All three use Loader's saddle-point forms (C. Loader, "Fast and accurate computation of binomial
/// probabilities", 2000; as in R's dpois_raw/dbinom_raw): `log p = -stirlerr terms - bd0 terms - log √(2π...)`,
/// which avoid the cancellation of `log Γ` differences for large counts (relative error about 1e-14
/// where a naive `k log μ - μ - log Γ(k+1)` loses five digits at k = 1e5). The count `k` may be any
/// real number >= 0 (the gamma-function continuation), as quasi-likelihood and fractional
/// responses need; a negative k gives `-inf`. NaN in any argument gives NaN.
public enum DiscreteLogPMF {

    /// `log P(K = k)` for the Poisson distribution with the given mean: `k log μ - μ - log Γ(k+1)`.
    ///
    /// Algorithm: `-stirlerr(k) - bd0(k, μ) - log(2πk)/2` (Loader 2000).
    /// Edge cases: `-μ` at k = 0; for μ = 0, 0 at k = 0 and `-inf` elsewhere; `-inf` for k < 0.
    /// Precondition: mean >= 0.
    public static func poisson(_ k: Double, mean: Double) -> Double {
        if k.isNaN || mean.isNaN { return .nan }
        precondition(mean >= 0, "DiscreteLogPMF.poisson needs a mean >= 0, got \(mean).")
        if k < 0 || k == .infinity || mean == .infinity { return -.infinity }
        if mean == 0 { return k == 0 ? 0 : -.infinity }
        if k == 0 { return -mean }
        return -SpecialFunctions._stirlingError(k) - SpecialFunctions._bd0(k, mean) - 0.5 * log(2 * Double.pi * k)
    }

    /// `log P(K = k)` for the binomial distribution: `log C(n, k) + k log p + (n-k) log(1-p)`.
    ///
    /// Algorithm: Loader's dbinom_raw, `stirlerr(n) - stirlerr(k) - stirlerr(n-k) - bd0(k, np) - bd0(n-k, nq)
    /// - log(2π k (n-k)/n)/2`.
    /// Edge cases: `n log(1-p)` at k = 0, `n log p` at k = n, `-inf` outside [0, n]; p = 0 or 1 puts all mass
    /// on 0 or n. Preconditions: trials >= 0, 0 <= p <= 1.
    public static func binomial(_ k: Double, trials n: Double, p: Double) -> Double {
        if k.isNaN || n.isNaN || p.isNaN { return .nan }
        precondition(n >= 0 && n.isFinite, "DiscreteLogPMF.binomial needs finite trials >= 0, got \(n).")
        precondition(p >= 0 && p <= 1, "DiscreteLogPMF.binomial needs a probability p in [0, 1], got \(p).")
        if k < 0 || k > n { return -.infinity }
        if p == 0 { return k == 0 ? 0 : -.infinity }
        if p == 1 { return k == n ? 0 : -.infinity }
        if k == 0 { return n * log1p(-p) }
        if k == n { return n * log(p) }
        let q = 1 - p
        return _logBinomialRaw(k, n, p, q)
    }

    /// Loader's dbinom_raw on the log scale for 0 < k < n, with q = 1 - p given separately.
    static func _logBinomialRaw(_ k: Double, _ n: Double, _ p: Double, _ q: Double) -> Double {
        let nk = n - k
        let lc = SpecialFunctions._stirlingError(n) - SpecialFunctions._stirlingError(k)
            - SpecialFunctions._stirlingError(nk) - SpecialFunctions._bd0(k, n * p) - SpecialFunctions._bd0(nk, n * q)
        let lf = log(2 * Double.pi) + log(k) + log(nk / n)
        return lc - 0.5 * lf
    }

    /// `log P(K = k)` for the negative binomial NB2 with mean μ and dispersion α (variance `μ + α μ²`):
    /// `log Γ(k + r) - log Γ(r) - log Γ(k+1) + r log(r/(r+μ)) + k log(μ/(r+μ))` with size r = 1/α.
    ///
    /// Algorithm: as R's dnbinom_mu, `dbinom_raw(r; k + r, r/(r+μ), μ/(r+μ)) · r/(r+k)` on the log scale
    /// (Loader 2000), accurate also when α is tiny (the Poisson limit). α = 0 gives the Poisson log-pmf.
    /// Edge cases: `-log(1 + αμ)/α` at k = 0; for μ = 0, 0 at k = 0 and `-inf` elsewhere; `-inf` for k < 0.
    /// Preconditions: mean >= 0, alpha >= 0.
    public static func negativeBinomial2(_ k: Double, mean mu: Double, alpha: Double) -> Double {
        if k.isNaN || mu.isNaN || alpha.isNaN { return .nan }
        precondition(mu >= 0, "DiscreteLogPMF.negativeBinomial2 needs a mean >= 0, got \(mu).")
        precondition(alpha >= 0, "DiscreteLogPMF.negativeBinomial2 needs a dispersion alpha >= 0, got \(alpha).")
        if alpha == 0 { return poisson(k, mean: mu) }
        if k < 0 || k == .infinity || mu == .infinity { return -.infinity }
        if mu == 0 { return k == 0 ? 0 : -.infinity }
        let r = 1 / alpha
        if k == 0 { return -log1p(alpha * mu) / alpha }
        let n = k + r
        let p = r / (r + mu)
        let q = mu / (r + mu)
        // dbinom_raw(x = r; n = k + r, p, q) with n - x = k
        let lc = SpecialFunctions._stirlingError(n) - SpecialFunctions._stirlingError(r)
            - SpecialFunctions._stirlingError(k) - SpecialFunctions._bd0(r, n * p) - SpecialFunctions._bd0(k, n * q)
        let lf = log(2 * Double.pi) + log(r) + log(k / n)
        return lc - 0.5 * lf + log(r / n)
    }
}
