#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Supplies the values of variables to `Expression.evaluate`, column-wise.
///
/// The same evaluator serves a data table (fit, calibrate: `TableResolver`)
/// and the simulation's state buffers (run).
public protocol VariableResolver {
    /// The number of rows every returned column must have.
    var rowCount: Int { get }
    /// The values of `name` lagged by `lag` periods (0 = current), one per
    /// row; NaN where the lagged value does not exist. Throws an `InputError`
    /// for an unknown variable.
    func values(of name: String, lag: Int) throws -> [Double]
    /// `rowCount` standard normal draws for the `occurrence`-th call of
    /// `normal()` in the expression (0-based, in reading order). Resolvers
    /// that have no source of draws throw.
    func standardNormals(occurrence: Int) throws -> [Double]
    /// The values of a text variable, one per row (`nil` = missing), or nil
    /// when `name` is not a text variable. Used for categorical factors.
    func textValues(of name: String) -> [String?]?
}

extension VariableResolver {
    /// The default: `normal()` is not available (e.g. in a regression formula).
    public func standardNormals(occurrence: Int) throws -> [Double] {
        throw InputError(expected: "no random draws in a regression formula",
                         found: "a call of normal()", hint: "normal() belongs in model identities")
    }

    /// The default: no text variables.
    public func textValues(of name: String) -> [String?]? { nil }
}

extension Expression {
    /// Evaluates the expression for every row, column-wise.
    ///
    /// Semantics per row: IEEE arithmetic (so `log(0) = -inf`, `0/0 = NaN`);
    /// `log1p`, `exp`, `sqrt`, `abs` from the C library; `logit(p) = log(p /
    /// (1 - p))`; `invlogit(x) = 1 / (1 + exp(-x))` evaluated as `exp(x) / (1 +
    /// exp(x))` for `x < 0` so neither branch overflows; `lag(e, k)` is `e`
    /// evaluated with every variable read `k` periods earlier (so `lag(log(x))
    /// = log(lag(x))`); `diff(e) = e - lag(e)`; `dlog(e) = log(e) - log(lag(e))`;
    /// `normal(m, s) = m + s * z` with `z` from the resolver. Missing values
    /// propagate as NaN. Accuracy: each operation is the correctly rounded or
    /// libm result; no cancellation control beyond that (`log1p` is the
    /// accurate form of `log(1 + x)`).
    public func evaluate(_ resolver: some VariableResolver) throws -> [Double] {
        var occurrence = 0
        return try evaluate(resolver, lag: 0, occurrence: &occurrence)
    }

    private func evaluate(_ r: some VariableResolver, lag: Int, occurrence: inout Int) throws -> [Double] {
        let n = r.rowCount
        switch self {
        case .number(let v):
            return [Double](repeating: v, count: n)
        case .variable(let name):
            let v = try r.values(of: name, lag: lag)
            precondition(v.count == n, "The resolver returned \(v.count) values of '\(name)' for \(n) rows.")
            return v
        case .negate(let a):
            var v = try a.evaluate(r, lag: lag, occurrence: &occurrence)
            for i in 0..<n { v[i] = -v[i] }
            return v
        case .binary(let op, let a, let b):
            var x = try a.evaluate(r, lag: lag, occurrence: &occurrence)
            let y = try b.evaluate(r, lag: lag, occurrence: &occurrence)
            x.withUnsafeMutableBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    switch op {
                    case .add: for i in 0..<n { xs[i] += ys[i] }
                    case .subtract: for i in 0..<n { xs[i] -= ys[i] }
                    case .multiply: for i in 0..<n { xs[i] *= ys[i] }
                    case .divide: for i in 0..<n { xs[i] /= ys[i] }
                    case .power:
                        for i in 0..<n {
                            let e = ys[i]
                            xs[i] = e == 2 ? xs[i] * xs[i] : pow(xs[i], e)
                        }
                    }
                }
            }
            return x
        case .call(let f, let args):
            switch f {
            case .lag:
                return try args[0].evaluate(r, lag: lag + args.lagCount, occurrence: &occurrence)
            case .diff, .dlog:
                var now = try args[0].evaluate(r, lag: lag, occurrence: &occurrence)
                let before = try args[0].evaluate(r, lag: lag + 1, occurrence: &occurrence)
                if f == .diff {
                    for i in 0..<n { now[i] -= before[i] }
                } else {
                    for i in 0..<n { now[i] = log(now[i]) - log(before[i]) }
                }
                return now
            case .normal:
                var mean = try args[0].evaluate(r, lag: lag, occurrence: &occurrence)
                let sd = try args[1].evaluate(r, lag: lag, occurrence: &occurrence)
                let z = try r.standardNormals(occurrence: occurrence)
                occurrence += 1
                precondition(z.count == n, "The resolver returned \(z.count) normal draws for \(n) rows.")
                for i in 0..<n { mean[i] += sd[i] * z[i] }
                return mean
            default:
                var v = try args[0].evaluate(r, lag: lag, occurrence: &occurrence)
                v.withUnsafeMutableBufferPointer { xs in
                    switch f {
                    case .log: for i in 0..<n { xs[i] = log(xs[i]) }
                    case .log1p: for i in 0..<n { xs[i] = log1p(xs[i]) }
                    case .exp: for i in 0..<n { xs[i] = exp(xs[i]) }
                    case .sqrt: for i in 0..<n { xs[i] = xs[i].squareRoot() }
                    case .abs: for i in 0..<n { xs[i] = Swift.abs(xs[i]) }
                    case .logit: for i in 0..<n { xs[i] = log(xs[i] / (1 - xs[i])) }
                    case .invlogit:
                        for i in 0..<n {
                            let x = xs[i]
                            if x >= 0 { xs[i] = 1 / (1 + exp(-x)) } else { let e = exp(x); xs[i] = e / (1 + e) }
                        }
                    default: preconditionFailure("Function \(f) is handled above.")
                    }
                }
                return v
            }
        }
    }
}
