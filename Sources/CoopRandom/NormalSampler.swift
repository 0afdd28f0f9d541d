import CoopDistributions
import CVecMath

/// Normal draws by inversion: `mean + standardDeviation * Φ⁻¹(u)` with one uniform `u` per draw.
///
/// Inversion (rather than Box–Muller or the ziggurat) makes each normal a monotone function
/// of exactly one uniform, so two scenarios that read the same keyed stream get draws that move
/// together and stay aligned draw by draw, which is what common random numbers need.
/// `u` comes from `nextOpenUniform()`, in [2^-54, 1 - 2^-53], so draws are finite and lie
/// within about 8.3 standard deviations of the mean. Φ⁻¹ is CVecMath's `coop_normal_bits`
/// (Wichura's AS 241 with the rational forms of `CoopDistributions.Normal.quantile`, within 1e-15
/// relative; checked against mpmath in CoopModelTests' VecMathTests and at the uniforms' extremes
/// in this module's tests).
///
/// Cost: one 64-bit draw, one rational function (and a log and square root in the tails).
@frozen
public struct NormalSampler: Sendable, Hashable {
    /// The mean.
    public var mean: Double
    /// The standard deviation (>= 0).
    public var standardDeviation: Double

    /// A normal distribution; traps unless `standardDeviation` is finite and >= 0 and `mean` is finite.
    @inlinable
    public init(mean: Double = 0, standardDeviation: Double = 1) {
        precondition(mean.isFinite, "NormalSampler mean must be finite, got \(mean).")
        precondition(standardDeviation.isFinite && standardDeviation >= 0,
                     "NormalSampler standard deviation must be finite and >= 0, got \(standardDeviation).")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// A standard normal draw by inversion of one uniform.
    @inlinable
    public static func standard<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        standard(bits: generator.next())
    }

    /// The standard normal draw of one 64-bit random word: `Φ⁻¹(RandomStream.uniform(bits))`, the
    /// same value `standard(using:)` returns when the generator's next word is `bits` (the engine
    /// reads its path-year stream's words directly, and turns a whole batch of them into normals
    /// with `coop_vnormal_bits`, which gives these bits).
    ///
    /// Φ⁻¹ is CVecMath's `coop_normal_bits`: Wichura's AS 241 with the rational forms of
    /// `CoopDistributions.Normal.quantile` (the same value in the centre, |u − 1/2| <= 0.425) and
    /// CVecMath's own logarithm in the tails (within 1e-15 relative of the exact quantile; the same
    /// bits on every processor, with or without AVX2; Guides/Random.md).
    @inlinable @inline(__always)
    public static func standard(bits: UInt64) -> Double {
        coop_normal_bits(bits)
    }

    /// A draw from this distribution.
    @inlinable
    public func next<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        mean + standardDeviation * Self.standard(using: &generator)
    }

    /// A draw using the system's generator (not reproducible; tests and simulations pass a `RandomStream`).
    public func next() -> Double {
        var g = SystemRandomNumberGenerator()
        return next(using: &g)
    }

    /// Fills the whole buffer with independent draws, in order, from one generator.
    @inlinable
    public func fill<G: RandomNumberGenerator>(_ buffer: inout [Double], using generator: inout G) {
        buffer.withUnsafeMutableBufferPointer { out in
            for i in out.indices { out[i] = next(using: &generator) }
        }
    }
}
