#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Safeguarded Newton iteration on `g(u) = log F(u) - log target`, where F is a tail probability
/// (a cdf or a survival function) written as a function of `u`, usually `u = log x`.
///
/// Working with log probabilities against log x makes the power-law tails of t and F nearly
/// linear and the exponential tails of chi-square mildly curved, so Newton converges in a few
/// steps from a rough start, in the far tails as well as the centre. A bracket of the root is
/// kept; a step that leaves it is replaced by bisection (or, while one side of the bracket is
/// still open, by a step towards it of 2, 4, 8, ... in u). Stops when a Newton step is below 1e-13 in u: by quadratic
/// convergence the remaining error is far below the error of evaluating F. The result is returned
/// as `x = e^u` with a last Newton correction applied in x itself, `x (1 - g/g')`, since u = log x
/// resolves x only to `ulp(u)` (1e-13 relative at u = -700).
///
/// - Parameters:
///   - logTarget: the log of the wanted tail probability.
///   - start: the starting point in u.
///   - increasing: whether F increases with u.
///   - evaluate: returns `(log F(u), d log F / du)`.
@usableFromInline
func _solveLogTail(
    logTarget: Double, start: Double, increasing: Bool,
    evaluate: (Double) -> (logF: Double, slope: Double)
) -> Double {
    let u = _solveLogTailInU(logTarget: logTarget, start: start, increasing: increasing, evaluate: evaluate)
    let (logF, slope) = evaluate(u)
    let correction = (logF - logTarget) / slope
    let x = exp(u)
    if correction.isFinite && abs(correction) < 1e-6 { return x * (1 - correction) }
    return x
}

/// The iteration of `_solveLogTail`, returning u.
@usableFromInline
func _solveLogTailInU(
    logTarget: Double, start: Double, increasing: Bool,
    evaluate: (Double) -> (logF: Double, slope: Double)
) -> Double {
    var u = start
    var lower = -Double.infinity
    var upper = Double.infinity
    var expansion = 2.0
    for _ in 0..<300 {
        let (logF, slope) = evaluate(u)
        let g = logF - logTarget
        if g == 0 || g.isNaN { return u }  // (an underflowed F gives g = -inf, not NaN)
        // g > 0 with F increasing means the root lies below u.
        let rootBelow = (g > 0) == increasing
        if rootBelow { upper = u } else { lower = u }
        var next = u - g / slope
        if !(next > lower && next < upper) {
            if lower.isFinite && upper.isFinite {
                next = 0.5 * (lower + upper)
            } else {
                // one side still open: walk towards it in growing steps
                next = rootBelow ? u - expansion : u + expansion
                expansion *= 2
            }
        }
        let step = next - u
        u = next
        if abs(step) < 1e-13 || (upper - lower) < 1e-15 * max(1, abs(u)) { break }
    }
    return u
}
