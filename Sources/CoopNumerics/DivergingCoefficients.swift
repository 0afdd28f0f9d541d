import Glibc

/// A GLM coefficient whose maximum-likelihood estimate is infinite.
///
/// Happens when a term lets a subset of rows be fitted at the boundary of the mean's
/// range: binomial logit with (quasi-)complete separation (every row with `d = 1` has
/// `y = 1`: `b_d -> +inf`), Poisson or NB2 with a category whose counts are all zero
/// (`b -> -inf`). IRLS then "converges" on the deviance criterion at a large finite value
/// (R's `glm` prints e.g. 18.4 with a tiny robust error), and every further iteration adds
/// about one unit to the linear predictor of those rows.
///
/// Detection (`GeneralizedLinearModel.fit`), after the fit, as fixest's and R's
/// diagnostics do: (1) some rows are fitted at the boundary, `min(mu, 1 - mu) < 1e-6`
/// for the binomial, `mu < 1e-6 max(1, mean y)` with `y = 0` for Poisson/NB2; (2) then
/// 8 more IRLS iterations are run from the estimate without a stopping rule; a
/// coefficient diverges when its contribution to the linear predictor moved by more
/// than 0.5 (`|delta b_j| max_i |x_ij| > 0.5`; a converged coefficient moves by ~1e-8,
/// a diverging one by ~8). Its estimate is reported as +-infinity (the sign of the
/// drift), its standard error, test and interval as NaN (not available). The other
/// coefficients are the limits of the fit: the estimates and errors of the model
/// without the boundary rows and the diverging terms (the test checks this against
/// statsmodels on that reduced data).
public struct DivergingCoefficient: Sendable, Equatable {
    /// The design column.
    public var column: Int
    /// +1 when the estimate runs off to +infinity, -1 to -infinity.
    public var direction: Double
    /// Number of rows fitted at the boundary (0/1 probabilities, zero means).
    public var boundaryRows: Int
}

extension GeneralizedLinearModel {
    /// Finds diverging coefficients (see `DivergingCoefficient`); empty for the gaussian family.
    static func divergingColumns(X: Matrix, response: [Double], prior: [Double], offset: [Double], state: IRLSState,
                                 ls: LeastSquares, rankTolerance: Double) -> [DivergingCoefficient] {
        let n = X.rows
        let mu = state.mu
        var boundary = 0
        switch state.kind {
        case .gaussian:
            return []
        case .binomial:
            for i in 0..<n where min(mu[i], 1 - mu[i]) < 1e-6 { boundary += 1 }
        case .poisson, .negativeBinomial:
            var mean = 0.0
            for v in response { mean += v }
            mean /= Double(max(n, 1))
            let floor = 1e-6 * max(1, mean)
            for i in 0..<n where response[i] == 0 && mu[i] < floor { boundary += 1 }
        }
        if boundary == 0 { return [] }
        let more = irls(X: X, response: response, prior: prior, offset: offset, kind: state.kind, start: state.eta,
                        maxIterations: 8, tolerance: 0, rankTolerance: rankTolerance)
        var out: [DivergingCoefficient] = []
        for j in ls.estimableColumns {
            let b0 = state.coefficients[j], b1 = more.coefficients[j]
            guard b0.isFinite, b1.isFinite else { continue }
            var largest = 0.0
            for i in 0..<n { largest = max(largest, abs(X.storage[i + j * n])) }
            if abs(b1 - b0) * largest > 0.5 {
                out.append(DivergingCoefficient(column: j, direction: b1 > b0 ? 1 : -1, boundaryRows: boundary))
            }
        }
        return out
    }
}

extension GeneralizedLinearModel.VarianceKind {
    var isGaussian: Bool { if case .gaussian = self { return true } else { return false } }
}
