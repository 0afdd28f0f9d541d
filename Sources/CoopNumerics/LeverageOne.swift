import Glibc

/// Rows of leverage 1 and the HC2/HC3 convention for them.
///
/// A row whose leverage `h_ii` is 1 (to rounding: `1 - h_ii < 1e-10`) is fitted exactly
/// whatever its response, for instance the only row of a category: its residual is 0
/// and the HC2 and HC3 weights `1/(1 - h)` and `1/(1 - h)^2` are infinite, so the
/// sandwich holds 0/0 (NaN everywhere for HC2, an arbitrary number for HC3).
///
/// coopsim's convention (as dropping that row and the coefficient it alone determines,
/// which is what the remaining standard errors then equal):
/// - the row contributes nothing to the middle of the sandwich;
/// - the coefficients that row alone determines, those j with
///   `|[(X'WX)^-1 x~_i]_j| > 1e-6 sqrt([(X'WX)^-1]_jj)` (the row's influence on them; it is 0 for
///   coefficients the other rows determine, and at most `sqrt(B_jj)` by Cauchy-Schwarz since
///   `h_ii = 1`), get no robust variance: their standard error, test and interval are NaN
///   ("not available") and the F test covers the other terms;
/// - every other coefficient's robust standard error is computed as usual.
public struct LeverageOneRows: Sendable, Equatable {
    /// The rows (0-based, in the design's order) with leverage 1.
    public var rows: [Int]
    /// Positions in `estimableColumns` of the coefficients these rows alone determine.
    public var determined: [Int]
    /// Leverage tolerance: `1 - h < tolerance` counts as leverage 1.
    public static let tolerance = 1e-10
}

extension LeastSquares {
    /// Finds the rows of leverage 1 (see `LeverageOneRows`), given the leverages.
    public func leverageOneRows(leverages h: [Double]) -> LeverageOneRows {
        let rowsAtOne = h.indices.filter { 1 - h[$0] < LeverageOneRows.tolerance }
        if rowsAtOne.isEmpty { return LeverageOneRows(rows: [], determined: []) }
        let r = rank
        let wanted = Set(rowsAtOne)
        // sum over those rows of q_i q_i' in the Q basis, mapped to the coefficient basis:
        // its diagonal is sum_i [(X'WX)^-1 x~_i]_j^2.
        var m = Matrix(rows: r, columns: r)
        forEachQBlock { start, rowsInBlock, q in
            for i in 0..<rowsInBlock where wanted.contains(start + i) {
                for a in 0..<r {
                    let qa = q[i + a * rowsInBlock]
                    for b in 0..<r { m.storage[a + b * r] += qa * q[i + b * rowsInBlock] }
                }
            }
        }
        let influence = fromQBasis(m)
        let bread = unscaledCovariance
        var determined: [Int] = []
        for j in 0..<r {
            let ratio = influence[j, j].squareRoot() / bread[j, j].squareRoot()
            if ratio > 1e-6 { determined.append(j) }
        }
        return LeverageOneRows(rows: rowsAtOne, determined: determined)
    }
}

extension LeastSquares {
    /// The HC0..HC3 sandwich with the leverage-1 convention of `LeverageOneRows`: the
    /// covariance (rank x rank, NaN in the rows and columns of the coefficients that
    /// leverage-1 rows alone determine under HC2/HC3) and those rows. HC1's factor
    /// `n/(n - k)` is applied. `residuals` as in `heteroscedasticSandwich`.
    public func robustSandwich(_ type: CovarianceType, residuals: [Double]? = nil) -> (covariance: Matrix, leverageOne: LeverageOneRows) {
        let none = LeverageOneRows(rows: [], determined: [])
        switch type {
        case .hc0, .hc1:
            var cov = heteroscedasticSandwich(leverageFactor: { _ in 1 }, needsLeverage: false, residuals: residuals)
            if case .hc1 = type {
                let c = Double(rows) / Double(rows - rank)
                for i in cov.storage.indices { cov.storage[i] *= c }
            }
            return (cov, none)
        case .hc2, .hc3:
            let power = type == .hc2 ? 1.0 : 2.0
            let tol = LeverageOneRows.tolerance
            var cov = heteroscedasticSandwich(leverageFactor: { h in 1 - h < tol ? 0 : 1 / pow(1 - h, power) },
                                              needsLeverage: true, residuals: residuals)
            let one = leverageOneRows(leverages: leverages())
            for j in one.determined {
                for i in 0..<rank { cov[i, j] = .nan; cov[j, i] = .nan }
            }
            return (cov, one)
        case .classical, .cluster:
            preconditionFailure("robustSandwich computes HC0..HC3 only, got \(type.name).")
        }
    }
}
