#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal distribution N(0, 1).
///
/// `cdf` and `sf` are each computed directly from the complementary error function, so both
/// tails keep full relative accuracy (`sf(37)` is 5.7e-300, not 0); `quantile` is Wichura's AS241.
/// Everything here is `@inlinable`, so samplers in other modules (normal draws by inversion)
/// inline these into their loops.
public enum Normal {

    /// `log √(2π)`.
    @usableFromInline static let _logSqrt2Pi = 0.91893853320467274178
    /// `1/√2` rounded to double, and the remainder `1/√2 - invSqrt2Hi` (from mpmath).
    @usableFromInline static let _invSqrt2Hi = 0.7071067811865476
    @usableFromInline static let _invSqrt2Lo = -4.833646656726457e-17

    /// `erfc(x/√2)` with the rounding error of the product `x/√2` corrected to first order:
    /// with `z + dz = x/√2` exactly, `erfc(z + dz) ≈ erfc(z) - (2/√π) e^(-z²) dz`. Without this,
    /// the rounding of x/√2 alone costs a relative error of about `x² · 1e-16` in the far tail.
    @inlinable
    static func _erfcScaled(_ x: Double) -> Double {
        let z = x * _invSqrt2Hi
        if !z.isFinite { return erfc(z) }
        let dz = fma(x, _invSqrt2Hi, -z) + x * _invSqrt2Lo
        let e = erfc(z)
        if e == 0 { return 0 }
        return e - 1.1283791670955125739 * exp(-z * z) * dz
    }

    /// The cumulative distribution function `Φ(x) = P(X <= x) = erfc(-x/√2) / 2`.
    ///
    /// Algorithm: the C library's `erfc` (glibc, within a few ulp; Cody-style rational
    /// approximations), with the rounding of `x/√2` corrected.
    /// Edge cases: 0 at `-inf` (and below about -38.5, where Φ underflows), 1 at `+inf`, NaN for NaN.
    /// Accuracy: relative error below 1e-14 in both tails.
    @inlinable
    public static func cdf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return 0.5 * _erfcScaled(-x)
    }

    /// The survival function `1 - Φ(x) = P(X > x) = erfc(x/√2) / 2`, computed directly.
    ///
    /// Edge cases: 1 at `-inf`, 0 at `+inf`, NaN for NaN.
    /// Accuracy: relative error below 1e-14; `sf(37) = 5.72e-300`.
    @inlinable
    public static func sf(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        return 0.5 * _erfcScaled(x)
    }

    /// The log density `-x²/2 - log √(2π)`.
    ///
    /// Edge cases: `-inf` at ±inf, NaN for NaN.
    @inlinable
    public static func logPDF(_ x: Double) -> Double {
        -0.5 * x * x - _logSqrt2Pi
    }

    /// The density `exp(-x²/2) / √(2π)`.
    @inlinable
    public static func pdf(_ x: Double) -> Double {
        exp(logPDF(x))
    }

    /// The quantile function Φ⁻¹(p).
    ///
    /// Algorithm: Wichura's AS241 (PPND16), rational approximations in three ranges
    /// (M. J. Wichura, "The percentage points of the normal distribution", Applied Statistics 37,
    /// 477–484, 1988); relative accuracy about 1e-16. The tail ranges use `min(p, 1 - p)`; for p
    /// close to 1 the subtraction `1 - p` is exact but the input itself carries only absolute
    /// precision, so use `inverseSF(q)` when the upper-tail probability q is what you have.
    ///
    /// Edge cases: `-inf` at p = 0, `+inf` at p = 1, NaN for NaN or p outside [0, 1].
    @inlinable
    public static func quantile(_ p: Double) -> Double {
        if p.isNaN || p < 0 || p > 1 { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            let num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
                + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0)
            let den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
                + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                + 4.2313330701600911252e+1) * r + 1.0)
            return q * num / den
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        var value: Double
        if r <= 5 {
            r -= 1.6
            let num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
                + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
            let den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r + 1.0)
            value = num / den
        } else {
            r -= 5
            let num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
            let den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
            value = num / den
        }
        return q < 0 ? -value : value
    }

    /// The inverse survival function: the x with `sf(x) = q`, that is `-quantile(q)` by symmetry,
    /// accurate for tiny upper-tail probabilities (q = 1e-300 gives 37.05).
    @inlinable
    public static func inverseSF(_ q: Double) -> Double {
        -quantile(q)
    }
}
