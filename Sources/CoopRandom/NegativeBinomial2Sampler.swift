/// Negative binomial NB2 draws (mean μ, dispersion α, variance μ + α μ²) as a gamma–Poisson mixture.
///
/// λ ~ Gamma(shape 1/α, scale α μ) (mean μ, variance α μ²), then X ~ Poisson(λ)
/// (Devroye 1986, §X.4.7; the parameterisation of Cameron & Trivedi's NB2 and statsmodels'
/// `NegativeBinomial` family). P(X = k) = Γ(k + 1/α) / (Γ(1/α) k!) (1/(1 + αμ))^(1/α)
/// (αμ/(1 + αμ))^k.
///
/// Edge cases: α = 0 (or so small that 1/α overflows) is the Poisson limit (one Poisson
/// draw); μ = 0 gives 0. Saturates rather than traps where the mixture leaves the Poisson
/// sampler's range: a gamma draw λ above 1e15 (possible for any μ when α is large) gives
/// round(min(λ, 2^53)) (the Poisson noise there is below 3e-8 of λ), and a scale α μ that
/// overflows is taken as the largest double. Traps unless μ and α are finite and >= 0. The gamma step uses Marsaglia–Tsang (see `GammaSampler`).
/// Accuracy: exact in distribution up to double rounding; checked by chi-square tests at
/// (μ, α) = (5, 0.5) and (40, 0.1).
@frozen
public struct NegativeBinomial2Sampler: Sendable, Hashable {
    /// The mean μ.
    public let mean: Double
    /// The dispersion α (variance μ + α μ²).
    public let alpha: Double
    @usableFromInline let gamma: GammaSampler?

    /// An NB2 distribution with mean `mean` and dispersion `alpha`.
    @inlinable
    public init(mean: Double, alpha: Double) {
        precondition(mean.isFinite && mean >= 0, "NegativeBinomial2Sampler mean must be finite and >= 0, got \(mean).")
        precondition(alpha.isFinite && alpha >= 0, "NegativeBinomial2Sampler alpha must be finite and >= 0, got \(alpha).")
        self.mean = mean
        self.alpha = alpha
        // An α so small that 1/α overflows is the Poisson limit to double precision.
        gamma = (alpha > 0 && mean > 0 && (1 / alpha).isFinite)
            ? GammaSampler(shape: 1 / alpha, scale: min(alpha * mean, .greatestFiniteMagnitude)) : nil
    }

    /// A draw from this distribution.
    @inlinable
    public func next<G: RandomNumberGenerator>(using generator: inout G) -> Int {
        if mean == 0 { return 0 }
        guard let gamma else { return mean <= 1e15 ? PoissonSampler(mean: mean).next(using: &generator) : Int(min(mean, 0x1p53).rounded()) }
        let lambda = gamma.next(using: &generator)
        if !(lambda <= 1e15) { return Int(min(lambda, 0x1p53).rounded()) }
        return PoissonSampler(mean: lambda).next(using: &generator)
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
