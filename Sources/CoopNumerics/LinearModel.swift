import CoopDistributions
import Glibc

/// The covariance estimator behind standard errors, tests and intervals.
///
/// With `e_i` the weighted residuals `sqrt(w_i) r_i`, `h_i` the leverages and
/// `B = (X'WX)^-1` (MacKinnon & White 1985; statsmodels `cov_type`):
/// - `.classical`: `sigma^2 B`, `sigma^2 = sum e_i^2 / (n - k)`.
/// - `.hc0`: `B (sum e_i^2 x~_i x~_i') B` with `x~_i = sqrt(w_i) x_i`.
/// - `.hc1`: HC0 times `n / (n - k)`.
/// - `.hc2`: `e_i^2 / (1 - h_i)` in place of `e_i^2`.
/// - `.hc3`: `e_i^2 / (1 - h_i)^2` in place of `e_i^2`.
/// - `.cluster(groups:)`: one-way cluster-robust (CRV1),
///   `c B (sum_g s_g s_g') B` with `s_g = sum_{i in g} x~_i e_i` and statsmodels'
///   default correction `c = G/(G-1) * (n-1)/(n-k)`; the F test (and t tests
///   when requested) then use `G - 1` denominator degrees of freedom
///   (statsmodels `df_correction=True`, the default, sets `df_resid_inference = G - 1`).
///
/// `k` is the rank (the number of estimable coefficients).
public enum CovarianceType: Sendable, Equatable {
    case classical
    case hc0
    case hc1
    case hc2
    case hc3
    /// One-way clustering; `groups[i]` labels the cluster of row i (any integers).
    case cluster(groups: [Int])

    /// A short name as statsmodels spells it (`nonrobust`, `HC0`, ..., `cluster`).
    public var name: String {
        switch self {
        case .classical: return "nonrobust"
        case .hc0: return "HC0"
        case .hc1: return "HC1"
        case .hc2: return "HC2"
        case .hc3: return "HC3"
        case .cluster: return "cluster"
        }
    }
}

/// One row of a coefficient table.
public struct CoefficientRow: Sendable, Equatable {
    /// The column (term) name.
    public var name: String
    /// The estimate; NaN when aliased.
    public var estimate: Double
    /// Its standard error; NaN when aliased.
    public var stdError: Double
    /// `estimate / stdError` (t or z statistic).
    public var statistic: Double
    /// Two-sided p-value of `statistic`.
    public var pValue: Double
    /// Lower end of the confidence interval.
    public var ciLow: Double
    /// Upper end of the confidence interval.
    public var ciHigh: Double
    /// True when the column is a linear combination of earlier columns and was not estimated.
    public var aliased: Bool
}

/// The result of `LinearModel.fit`: coefficient table and fit statistics, in
/// statsmodels' and R's definitions (see each property).
public struct LinearModelFit: Sendable {
    /// One row per design column, in column order (aliased rows hold NaN).
    public var terms: [CoefficientRow]
    /// Covariance of the estimates (p x p, NaN in the rows and columns of aliased terms).
    public var covariance: Matrix
    /// The covariance estimator used.
    public var covarianceType: CovarianceType
    /// Confidence level of `ciLow`/`ciHigh`.
    public var confidenceLevel: Double
    /// Number of observations n.
    public var nobs: Int
    /// Rank k of the design (number of estimable coefficients).
    public var rank: Int
    /// `k - 1` with an intercept, `k` without (statsmodels `df_model`).
    public var dfModel: Double
    /// `n - k` (statsmodels `df_resid`).
    public var dfResidual: Double
    /// Denominator degrees of freedom of the F test, and of the t tests when
    /// `usesT`: `n - k`, or `G - 1` under clustering.
    public var inferenceDF: Double
    /// Whether coefficient tests and intervals use Student t(`inferenceDF`) (true)
    /// or the standard normal (false).
    public var usesT: Bool
    /// Number of clusters G (nil unless clustered).
    public var clusterCount: Int?
    /// Rows of leverage 1 under HC2/HC3 and the coefficients they alone determine, whose
    /// robust standard errors are NaN (see `LeverageOneRows`); empty otherwise.
    public var leverageOne: LeverageOneRows
    /// `1 - RSS/TSS`, with TSS centred about the weighted mean when there is an
    /// intercept and uncentred (`sum w y^2`) without one, as statsmodels and R.
    public var rSquared: Double
    /// `1 - (n - k0)/(n - k) (1 - R^2)`, `k0` = 1 with an intercept, 0 without.
    public var adjRSquared: Double
    /// Residual standard error `sqrt(RSS/(n - k))`.
    public var sigma: Double
    /// F statistic of all non-constant terms: `(ESS/df_model)/(RSS/df_resid)` for the
    /// classical covariance; for robust covariances the Wald statistic
    /// `b' V^-1 b / q` on the q non-constant estimable terms, as statsmodels.
    public var fStatistic: Double
    /// Upper tail of F(q, inferenceDF) at `fStatistic`.
    public var fPValue: Double
    /// q, the numerator degrees of freedom of the F test (`dfModel`, fewer when terms without a
    /// robust variance are left out).
    public var fNumeratorDF: Double
    /// Gaussian log-likelihood at the MLE of the scale:
    /// `-n/2 (log(2 pi RSS/n) + 1) + 1/2 sum log w_i` (statsmodels OLS/WLS `llf`).
    public var logLikelihood: Double
    /// `-2 llf + 2 k`.
    public var aic: Double
    /// `-2 llf + k log n`.
    public var bic: Double
    /// Weighted residual sum of squares `RSS = sum w_i r_i^2`.
    public var deviance: Double
    /// Weighted total sum of squares (centred with an intercept, uncentred without).
    public var nullDeviance: Double
    /// `sigma^2`.
    public var dispersion: Double
    /// 2-norm condition number of `W^(1/2) X` on its estimable columns (statsmodels'
    /// `condition_number` for a full-rank design).
    public var conditionNumber: Double
    /// Residuals `y - X b`.
    public var residuals: [Double]
    /// Fitted values `X b`.
    public var fittedValues: [Double]
    /// The underlying least-squares solution (QR, leverages, unscaled covariance).
    public var leastSquares: LeastSquares

    /// Always 1 for a Gaussian linear model (one weighted QR solve).
    public var iterations: Int { 1 }
    /// Always true for a Gaussian linear model.
    public var converged: Bool { true }
    /// Estimates in column order.
    public var coefficients: [Double] { terms.map(\.estimate) }
    /// Standard errors in column order.
    public var standardErrors: [Double] { terms.map(\.stdError) }
}

/// Gaussian linear models (OLS and WLS) fitted by `LeastSquares` (pivoted QR).
public enum LinearModel {
    /// Fits `y = X b + e` by (weighted) least squares and computes the coefficient
    /// table and fit statistics.
    ///
    /// - Parameters:
    ///   - X: n x p design, including the intercept column when there is one.
    ///   - y: n responses.
    ///   - weights: positive weights (statsmodels `WLS(weights=)`, R `lm(weights=)`):
    ///     `Var(e_i) = sigma^2 / w_i`; nil for OLS.
    ///   - columnNames: p names (default `x0`, `x1`, ...).
    ///   - hasIntercept: whether the model contains a constant (centres R^2 and
    ///     removes the constant column from the F test; the constant column is the
    ///     first column whose entries are all equal and non-zero).
    ///   - covariance: the covariance estimator (see `CovarianceType`).
    ///   - confidenceLevel: level of the intervals, default 0.95.
    ///   - rankTolerance: passed to `LeastSquares`.
    ///
    /// Distributions, as statsmodels' defaults (`OLS(...).fit(cov_type=...)`, read
    /// from its source, v0.15): with the classical covariance, t(n - k) tests and
    /// intervals; with any robust covariance statsmodels sets `use_t=False`, so
    /// coefficient tests and intervals use the standard normal, while the F test
    /// of all non-constant terms always uses F(q, n - k), or F(q, G - 1) under
    /// clustering (`df_resid_inference`). `useT: true` forces t tests with those
    /// degrees of freedom (statsmodels `use_t=True`; R's `coeftest` with a
    /// sandwich uses t(n - k)); `useT: false` forces normal tests, and the F test
    /// then takes its p-value from chi2(q) of the Wald statistic `q F` (the large-sample
    /// form, consistent with the normal tests). `coopsim fit` always passes its
    /// convention explicitly (see `TestDistribution`).
    ///
    /// HC2/HC3 with rows of leverage 1: see `LeverageOneRows` (the coefficients those rows
    /// alone determine get NaN standard errors; the F test covers the others).
    ///
    /// Edge cases: with `n - k = 0` sigma, standard errors and tests are NaN
    /// (statsmodels gives NaN or infinity); a zero total sum of squares (constant
    /// response with an intercept) gives R^2, adjusted R^2 and F = NaN (statsmodels'
    /// 0/0); an exact fit
    /// gives zero standard errors and infinite or NaN statistics; with `df_model = 0`
    /// the F statistic and its p-value are NaN; if a robust covariance of the
    /// non-constant terms is singular (for instance fewer clusters than terms) the
    /// F statistic is NaN; with a single cluster (G - 1 = 0 degrees of freedom)
    /// p-values and intervals are NaN.
    public static func fit(X: Matrix, y: [Double], weights: [Double]? = nil, columnNames: [String]? = nil,
                           hasIntercept: Bool = true, covariance: CovarianceType = .classical,
                           confidenceLevel: Double = 0.95, useT: Bool? = nil,
                           rankTolerance: Double = LeastSquares.defaultRankTolerance) -> LinearModelFit {
        let n = X.rows, p = X.columns
        if let names = columnNames {
            precondition(names.count == p, "columnNames must name every column: X has \(p) columns, got \(names.count) names.")
        }
        precondition(confidenceLevel > 0 && confidenceLevel < 1, "The confidence level must lie in (0, 1), got \(confidenceLevel).")
        if let w = weights {
            precondition(w.count == n, "Weights must number one per row: X has \(n) rows, weights has \(w.count) values.")
            for (i, v) in w.enumerated() {
                precondition(v > 0 && v.isFinite, "Linear model weights must be positive and finite, got \(v) at row \(i); drop zero-weight rows first.")
            }
        }
        if case .cluster(let g) = covariance {
            precondition(g.count == n, "Cluster labels must number one per row: X has \(n) rows, got \(g.count) labels.")
        }
        let names = columnNames ?? (0..<p).map { "x\($0)" }
        let ls = LeastSquares(X: X, y: y, weights: weights, rankTolerance: rankTolerance)
        let k = ls.rank
        let kConst = hasIntercept ? 1 : 0
        let nD = Double(n)
        let dfResid = Double(n - k)
        let rss = ls.residualSumOfSquares
        let scale = dfResid > 0 ? rss / dfResid : .nan

        // Total sum of squares.
        var tss = 0.0
        if hasIntercept {
            var sw = 0.0, swy = 0.0
            for i in 0..<n { let wi = weights?[i] ?? 1; sw += wi; swy += wi * y[i] }
            let mean = swy / sw
            for i in 0..<n { let wi = weights?[i] ?? 1; let d = y[i] - mean; tss += wi * d * d }
        } else {
            for i in 0..<n { tss += (weights?[i] ?? 1) * y[i] * y[i] }
        }
        // A zero total sum of squares (constant response with an intercept) leaves R^2 undefined.
        let r2 = tss > 0 ? 1 - rss / tss : .nan
        let adj = 1 - (nD - Double(kConst)) / dfResid * (1 - r2)

        // Covariance of the estimable block.
        var cov: Matrix
        var inferenceDF = dfResid
        var clusterCount: Int? = nil
        var leverageOne = LeverageOneRows(rows: [], determined: [])
        switch covariance {
        case .classical:
            cov = ls.unscaledCovariance
            for i in cov.storage.indices { cov.storage[i] *= scale }
        case .hc0, .hc1, .hc2, .hc3:
            (cov, leverageOne) = ls.robustSandwich(covariance)
        case .cluster(let groups):
            let (c0, g) = ls.clusterSandwich(groups: groups)
            cov = c0
            let gD = Double(g)
            let c = gD / (gD - 1) * (nD - 1) / dfResid
            for i in cov.storage.indices { cov.storage[i] *= c }
            inferenceDF = gD - 1
            clusterCount = g
        }

        // Full covariance with NaN for aliased terms.
        var full = Matrix(rows: p, columns: p, repeating: .nan)
        let est = ls.estimableColumns
        for (a, ja) in est.enumerated() { for (b, jb) in est.enumerated() { full[ja, jb] = cov[a, b] } }

        let alpha = 1 - confidenceLevel
        let usesT = useT ?? (covariance == .classical)
        let q: Double
        if usesT { q = inferenceDF > 0 ? StudentT.quantile(1 - alpha / 2, df: inferenceDF) : .nan } else { q = Normal.quantile(1 - alpha / 2) }
        var terms: [CoefficientRow] = []
        for j in 0..<p {
            let b = ls.coefficients[j]
            if ls.aliased[j] {
                terms.append(CoefficientRow(name: names[j], estimate: .nan, stdError: .nan, statistic: .nan,
                                            pValue: .nan, ciLow: .nan, ciHigh: .nan, aliased: true))
                continue
            }
            let se = full[j, j].squareRoot()
            let t = b / se
            let pv: Double
            if t.isNaN || (usesT && !(inferenceDF > 0)) { pv = .nan } else if usesT { pv = 2 * StudentT.sf(abs(t), df: inferenceDF) } else { pv = 2 * Normal.sf(abs(t)) }
            terms.append(CoefficientRow(name: names[j], estimate: b, stdError: se, statistic: t, pValue: pv,
                                        ciLow: b - q * se, ciHigh: b + q * se, aliased: false))
        }

        // F test of the non-constant terms.
        let constantColumn = hasIntercept ? findConstantColumn(X) : nil
        let dfModel = Double(k - kConst)
        var fStat = Double.nan, fP = Double.nan
        var fQ = dfModel
        if case .classical = covariance {
            if dfModel > 0 && dfResid > 0 && tss > 0 {
                fStat = ((tss - rss) / dfModel) / (rss / dfResid)
                fP = useT == false ? ChiSquared.sf(fStat * dfModel, df: dfModel) : FDistribution.sf(fStat, df1: dfModel, df2: dfResid)
            }
        } else if !(hasIntercept && constantColumn == nil) {
            // Terms without a robust variance (leverage-1 rows under HC2/HC3) are left out of the test.
            let tested = est.filter { $0 != constantColumn && !full[$0, $0].isNaN }
            if !tested.isEmpty {
                let w = waldStatistic(coefficients: ls.coefficients, covariance: full, indices: tested)
                fQ = Double(tested.count)
                if w.isFinite && inferenceDF > 0 {
                    fStat = w / Double(tested.count)
                    fP = useT == false ? ChiSquared.sf(w, df: Double(tested.count))
                        : FDistribution.sf(fStat, df1: Double(tested.count), df2: inferenceDF)
                }
            }
        }

        var llf = -nD / 2 * (log(2 * Double.pi * rss / nD) + 1)
        if let w = weights { var s = 0.0; for v in w { s += log(v) }; llf += 0.5 * s }
        let kD = Double(k)

        return LinearModelFit(
            terms: terms, covariance: full, covarianceType: covariance, confidenceLevel: confidenceLevel,
            nobs: n, rank: k, dfModel: dfModel, dfResidual: dfResid, inferenceDF: inferenceDF, usesT: usesT,
            clusterCount: clusterCount, leverageOne: leverageOne, rSquared: r2, adjRSquared: adj, sigma: scale.squareRoot(),
            fStatistic: fStat, fPValue: fP, fNumeratorDF: fQ, logLikelihood: llf, aic: -2 * llf + 2 * kD,
            bic: -2 * llf + kD * log(nD), deviance: rss, nullDeviance: tss, dispersion: scale,
            conditionNumber: ls.conditionNumber, residuals: ls.residuals, fittedValues: ls.fittedValues,
            leastSquares: ls)
    }

    /// The first column whose entries are all equal and non-zero, if any.
    static func findConstantColumn(_ X: Matrix) -> Int? {
        let n = X.rows
        guard n > 0 else { return nil }
        for j in 0..<X.columns {
            let v = X.storage[j * n]
            if v == 0 { continue }
            var constant = true
            for i in 1..<max(1, n) where X.storage[i + j * n] != v { constant = false; break }
            if constant { return j }
        }
        return nil
    }

    /// The Wald statistic `b_S' V_SS^-1 b_S` over the coefficient subset S,
    /// by Cholesky (`dpotrf`/`dpotrs` through `dtrtrs`); NaN when `V_SS` is not
    /// positive definite.
    static func waldStatistic(coefficients: [Double], covariance: Matrix, indices: [Int]) -> Double {
        let q = indices.count
        var v = Matrix(rows: q, columns: q)
        var b = [Double](repeating: 0, count: q)
        for (a, ia) in indices.enumerated() {
            b[a] = coefficients[ia]
            for (c, ic) in indices.enumerated() { v[a, c] = covariance[ia, ic] }
        }
        let info = v.storage.withUnsafeMutableBufferPointer { LAPACK.potrf(uplo: "U", n: q, a: $0.baseAddress!, lda: q) }
        if info != 0 { return .nan }
        // Solve U' z = b; W = z'z.
        v.storage.withUnsafeBufferPointer { vp in
            b.withUnsafeMutableBufferPointer { bp in
                _ = LAPACK.trtrs(uplo: "U", trans: "T", n: q, nrhs: 1, a: vp.baseAddress!, lda: q, b: bp.baseAddress!, ldb: q)
            }
        }
        var w = 0.0
        for z in b { w += z * z }
        return w
    }
}
