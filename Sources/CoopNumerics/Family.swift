/// The error distribution and link of a regression: the ONE family type that
/// `coopsim fit`, `coopsim calibrate`, `coopsim synth` and the simulation engine
/// share (model files, calibration files and the `--family` option spell it by
/// `rawValue`). A new family is added here and in the places the compiler then
/// points at (each `switch` over it).
///
/// | family | link | variance V(mu) | dispersion | response |
/// |---|---|---|---|---|
/// | `gaussian` | identity | 1 | sigma^2 = Pearson chi2 / (n - k) | any real |
/// | `poisson` | log | mu | 1 | counts 0, 1, 2, ... |
/// | `negbin` | log | mu + alpha mu^2 (NB2) | 1 (alpha by maximum likelihood) | counts |
/// | `binomial` | logit | mu (1 - mu) / m (m trials) | 1 | successes of m trials, or 0/1 |
public enum Family: String, Sendable, CaseIterable, Equatable {
    case gaussian, poisson, negbin, binomial

    /// The link function's name (`identity`, `log`, `logit`).
    public var link: String {
        switch self {
        case .gaussian: return "identity"
        case .poisson, .negbin: return "log"
        case .binomial: return "logit"
        }
    }

    /// Whether the family's scale is known (dispersion 1): Poisson, binomial, NB2 given alpha.
    /// Tests of such families use the normal distribution by default (R's `summary.glm`, Stata's `glm`).
    public var hasKnownScale: Bool { self != .gaussian }

    /// Whether the response is a count (whole, non-negative).
    public var isCount: Bool { self == .poisson || self == .negbin }
}
