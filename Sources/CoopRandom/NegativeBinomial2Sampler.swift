import Glibc
import CVecMath

/// Negative binomial NB2 draws (mean μ, dispersion α, variance μ + α μ²): inversion from one
/// uniform for moderate means, a gamma–Poisson mixture above.
///
/// P(X = k) = Γ(k + r) / (Γ(r) k!) (1 - q)^r q^k with r = 1/α and q = αμ/(1 + αμ) (the
/// parameterisation of Cameron & Trivedi's NB2 and statsmodels' `NegativeBinomial` family).
/// - μ < 40 and αμ < 20 (`usesInversion`): inversion by sequential search from k = 0 with
///   f(0) = (1 + αμ)^(-r) = exp(-r log1p(αμ)) and f(k+1) = f(k) q (k + r) / (k + 1) (the
///   recurrence of the pmf; Devroye 1986, §X.3.3 and §X.4.7): one uniform per draw, expected
///   work μ + 1 steps, and the draw is a monotone function of the uniform (common random numbers
///   stay tightly coupled). The bound on αμ keeps the longest search short: the tail decays like
///   q^k, so the quantile at 1 - 2^-53 is below about 37 (1 + αμ) + μ.
///   `invert(u:r:q:f0:)` is the search alone (the engine computes f(0) over a batch of paths).
/// - Otherwise: λ ~ Gamma(shape r, scale α μ) (mean μ, variance α μ²), then X ~ Poisson(λ)
///   (Devroye 1986, §X.4.7); the gamma step is Marsaglia–Tsang (see `GammaSampler`), the
///   Poisson step `PoissonSampler` (inversion below λ = 16, PTRS above). Two uniforms per gamma
///   try (three with the boost for α > 1), then one or two for the Poisson step.
///
/// Edge cases: α = 0 (or so small that 1/α overflows) is the Poisson limit (one Poisson
/// draw); μ = 0 gives 0. Saturates rather than traps where the mixture leaves the Poisson
/// sampler's range: a gamma draw λ above 1e15 (possible for any μ when α is large) gives
/// round(min(λ, 2^53)) (the Poisson noise there is below 3e-8 of λ), and a scale α μ that
/// overflows is taken as the largest double. Traps unless μ and α are finite and >= 0.
/// Accuracy: exact in distribution up to double rounding; checked by chi-square tests for both
/// methods, at and beside the limits ((μ, α) = (5, 0.5), (17, 0.07), (39.9, 0.1), (15, 2), (40, 0.1),
/// (100, 0.1); Guides/Random.md).
@frozen
public struct NegativeBinomial2Sampler: Sendable, Hashable {
    /// The mean μ.
    public let mean: Double
    /// The dispersion α (variance μ + α μ²).
    public let alpha: Double
    @usableFromInline let gamma: GammaSampler?
    @usableFromInline let useInversion: Bool
    @usableFromInline let r: Double     // 1/α, inversion
    @usableFromInline let q: Double     // αμ / (1 + αμ), inversion
    @usableFromInline let f0: Double    // (1 + αμ)^(-1/α), inversion

    /// Means below this use inversion (when αμ is also below `inversionSpreadLimit`); at or above,
    /// the gamma–Poisson mixture. Chosen by instruction counts in the engine (Guides/Random.md,
    /// "Speed"): a search step costs about 10 instructions, the mixture about 500 with its words.
    public static let inversionLimit = 40.0
    /// Values of αμ at or above this use the mixture whatever the mean (a long tail would make the
    /// search long for the rare uniform near 1).
    public static let inversionSpreadLimit = 20.0

    /// Whether draws of NB2(mean, alpha) use inversion (one uniform): 0 < α with 1/α finite,
    /// μ < `inversionLimit` and αμ < `inversionSpreadLimit`.
    @inlinable @inline(__always)
    public static func usesInversion(mean: Double, alpha: Double) -> Bool {
        alpha > 0 && (1 / alpha).isFinite && mean < inversionLimit && alpha * mean < inversionSpreadLimit
    }

    /// An NB2 distribution with mean `mean` and dispersion `alpha`.
    @inlinable @inline(__always)
    public init(mean: Double, alpha: Double) {
        precondition(mean.isFinite && mean >= 0, "NegativeBinomial2Sampler mean must be finite and >= 0, got \(mean).")
        precondition(alpha.isFinite && alpha >= 0, "NegativeBinomial2Sampler alpha must be finite and >= 0, got \(alpha).")
        self.mean = mean
        self.alpha = alpha
        useInversion = mean > 0 && Self.usesInversion(mean: mean, alpha: alpha)
        if useInversion {
            r = 1 / alpha
            let am = alpha * mean
            q = am / (1 + am)
            f0 = coop_exp(-r * coop_log1p(am))   // CVecMath, as the engine's batch pass: the same f(0) bits
            gamma = nil
        } else {
            r = 0; q = 0; f0 = 0
            // An α so small that 1/α overflows is the Poisson limit to double precision.
            gamma = (alpha > 0 && mean > 0 && (1 / alpha).isFinite)
                ? GammaSampler(shape: 1 / alpha, scale: min(alpha * mean, .greatestFiniteMagnitude)) : nil
        }
    }

    /// A draw from this distribution.
    @inlinable
    public func next<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        if mean == 0 { return 0 }
        if useInversion { return Self.invert(u: generator.nextOpenUniform(), r: r, q: q, f0: f0) }
        guard let gamma else { return mean <= 1e15 ? PoissonSampler(mean: mean).next(using: &generator) : Int(min(mean, 0x1p53).rounded()) }
        let lambda = gamma.next(using: &generator)
        if !(lambda <= 1e15) { return Int(min(lambda, 0x1p53).rounded()) }
        return PoissonSampler(mean: lambda).next(using: &generator)
    }

    /// The inversion search: the smallest k with F(k) >= u, given r = 1/α, q = αμ/(1 + αμ) and
    /// f0 = exp(-r log1p(αμ)); F is summed upward from f(0) by f(k) = f(k-1) q (k - 1 + r) / k.
    /// The search stops at k = 1,500 whatever the sum: for μ < 40 and αμ < 20 the mass above 1,500
    /// is below 1e-29 (scipy), so the sum falls short of u there only when u is within rounding
    /// of 1. Monotone in u. Cost: about 12 instructions a step, k + 1 steps.
    @inlinable @inline(__always)
    public static func invert(u: Double, r: Double, q: Double, f0: Double) -> Int {
        Int(invertedCount(u: u, r: r, q: q, f0: f0))
    }

    /// `invert(u:r:q:f0:)` with the draw as a whole `Double`: the same operations, so the same draw,
    /// without the conversion to and from `Int` (the engine keeps its counts as doubles).
    @inlinable @inline(__always)
    public static func invertedCount(u: Double, r: Double, q: Double, f0: Double) -> Double {
        var k = 0.0
        var f = f0
        var cdf = f0
        while cdf < u && k < 1500 {
            f *= q * (k + r) / (k + 1)        // k + r in one rounding, also for r < 1
            k += 1
            cdf += f
        }
        if cdf < u {                           // u above the rounded total: where the sum stops changing
            k = 0; f = f0; cdf = f0
            while k < 1500 {
                let next = f * (q * (k + r) / (k + 1))
                if cdf + next == cdf { break }
                k += 1; f = next; cdf += next
            }
        }
        return k
    }

    /// A draw using the system's generator (not reproducible).
    public func next() -> Int {
        var g = SystemRandomNumberGenerator()
        return next(using: &g)
    }

    /// Fills the whole buffer with independent draws (as `Double`), in order, from one generator.
    @inlinable
    public func fill<G: RandomNumberGenerator>(_ buffer: inout [Double], using generator: inout G) {
        buffer.withUnsafeMutableBufferPointer { out in
            for i in out.indices { out[i] = Double(next(using: &generator)) }
        }
    }
}
