import CoopDistributions
import Glibc

/// The result of `GeneralizedLinearModel.fit`, in the vocabulary of `LinearModelFit`.
public struct GeneralizedLinearModelFit: Sendable {
    /// One row per design column (aliased rows hold NaN); z tests (t for gaussian).
    public var terms: [CoefficientRow]
    /// Covariance of the estimates (p x p, NaN for aliased terms).
    public var covariance: Matrix
    /// The covariance estimator used.
    public var covarianceType: CovarianceType
    /// The family (for `.negbin`, alpha is in `alpha`).
    public var family: Family
    /// Confidence level of the intervals.
    public var confidenceLevel: Double
    /// Number of observations (rows).
    public var nobs: Int
    /// Rank of the design.
    public var rank: Int
    /// `rank - 1` with an intercept, `rank` without.
    public var dfModel: Double
    /// `n - rank`.
    public var dfResidual: Double
    /// Unit deviance summed with prior weights (see `GeneralizedLinearModel`).
    public var deviance: Double
    /// Deviance of the intercept-only model (with the offset), or of `mu = g^-1(offset)` without an intercept.
    public var nullDeviance: Double
    /// Pearson chi-square `sum w (y - mu)^2 / V(mu)`.
    public var pearsonChi2: Double
    /// 1 for Poisson, binomial and NB2; Pearson chi2 / (n - k) for gaussian.
    public var dispersion: Double
    /// Full log-likelihood (with all constants, as statsmodels `llf`).
    public var logLikelihood: Double
    /// `-2 llf + 2 k'`, `k'` = rank (+ 1 for an estimated NB2 alpha; + 1 for the gaussian scale, as R).
    public var aic: Double
    /// `-2 llf + k' log n`: the log-likelihood based BIC (statsmodels' GLM `bic`
    /// defaults to a deviance-based formula and warns; this is its `bic_llf`).
    public var bic: Double
    /// IRLS iterations of the final fit.
    public var iterations: Int
    /// Whether the deviance criterion was met within the iteration cap (and, for
    /// NB2, the alternation for alpha converged).
    public var converged: Bool
    /// Binomial only: some fitted probabilities are numerically 0 or 1 (within
    /// 10 eps), the sign of complete or quasi-complete separation; estimates and
    /// standard errors of the separating terms are then meaningless.
    public var separationDetected: Bool
    /// NB2 alpha (var = mu + alpha mu^2); nil for other families.
    public var alpha: Double?
    /// Standard error of alpha from the observed information of the profile in
    /// theta = 1/alpha (as `glm.nb`'s `SE.theta`), by the delta method.
    public var alphaStdError: Double?
    /// NB2 only: the profile likelihood of alpha is largest at its boundary 0 (the counts are
    /// not overdispersed: the score of alpha at 0, `1/2 sum w ((y - mu)^2 - y)`, is not positive
    /// at the Poisson fit). Then alpha = 0 and the fit IS the Poisson fit (NB2 tends to Poisson
    /// as alpha -> 0); `converged` is true.
    public var alphaAtBoundary: Bool
    /// Whether tests and intervals use Student t(`inferenceDF`) (true) or the normal (false).
    public var usesT: Bool
    /// Degrees of freedom of the t tests: `n - k`, or `G - 1` under clustering; infinity with normal tests.
    public var inferenceDF: Double
    /// Number of clusters G (nil unless clustered).
    public var clusterCount: Int?
    /// HC2/HC3 rows of leverage 1 and the coefficients they alone determine (see `LeverageOneRows`).
    public var leverageOne: LeverageOneRows
    /// Coefficients without a finite maximum-likelihood estimate (see `DivergingCoefficient`):
    /// their estimate is reported as +-infinity and their standard error, test and interval as NaN.
    public var diverging: [DivergingCoefficient]
    /// Fitted means mu.
    public var fittedValues: [Double]
    /// Linear predictor eta = X b + offset.
    public var linearPredictor: [Double]
    /// Condition number of the final weighted design `W^(1/2) X` (estimable columns).
    public var conditionNumber: Double
    /// The final weighted least-squares solve (working weights at the estimate).
    public var leastSquares: LeastSquares

    /// Estimates in column order.
    public var coefficients: [Double] { terms.map(\.estimate) }
    /// Standard errors in column order.
    public var standardErrors: [Double] { terms.map(\.stdError) }
}

/// Generalised linear models by iteratively reweighted least squares (IRLS,
/// Fisher scoring; McCullagh & Nelder 1989, ch. 2) on the `LeastSquares` QR core.
///
/// Each iteration solves the weighted least-squares problem with working
/// response `z = eta - offset + (y - mu) g'(mu)` and working weights
/// `w = prior / (V(mu) g'(mu)^2)`; it stops when
/// `|dev - dev_old| / (|dev| + 0.1) < tolerance` (R's `glm.fit` rule, default
/// 1e-8), halving the step while the deviance is not finite, and reports
/// `converged = false` after `maxIterations` (default 100). Starting values as R:
/// `mu = y + 0.1` (Poisson, NB2), `(m y + 0.5)/(m + 1)` (binomial), `y` (gaussian).
///
/// Unit deviances (times prior weights): gaussian `(y - mu)^2`; Poisson
/// `2 (y log(y/mu) - (y - mu))`; binomial with m trials and proportion p = y/m
/// `2 m (p log(p/mu) + (1-p) log((1-p)/(1-mu)))`; NB2
/// `2 (y log(y/mu) - (y + 1/alpha) log((1 + alpha y)/(1 + alpha mu)))`.
///
/// NB2's alpha: R's `glm.nb` alternation — a Poisson fit, then alternately
/// theta = 1/alpha by Newton's method on the profile score (digamma/trigamma;
/// start `n / sum (y/mu - 1)^2`) and the IRLS fit at that theta, until the
/// log-likelihood and theta settle (relative changes below 1e-10, tighter than
/// R's 1e-4 on theta, so that the estimates match a joint maximum likelihood
/// such as statsmodels' `NegativeBinomial` to ~1e-8).
///
/// Standard errors: `.classical` is `dispersion (X'WX)^-1` with W the working
/// weights at the estimate (expected information, as R's `summary.glm` and
/// statsmodels' GLM); `.hc0`..`.hc3` and `.cluster` are sandwiches with that
/// bread and the scores `x_i w_i (z_i - eta_i)` (statsmodels' GLM sandwiches
/// use the observed Hessian as bread, which equals this one for the canonical
/// links Poisson/log and binomial/logit; for NB2 with the log link this is the
/// expected-information bread of R's `sandwich`). HC1 multiplies by n/(n-k),
/// cluster by G/(G-1) (n-1)/(n-k) as statsmodels. Tests use the standard normal
/// (statsmodels' GLM default `use_t=False`, R for dispersion-1 families), except
/// the gaussian family, which uses t with n - k degrees of freedom as R.
public enum GeneralizedLinearModel {
    /// Fits a GLM.
    ///
    /// - Parameters:
    ///   - family: the family (see `Family`); `.negbin` estimates alpha by maximum likelihood
    ///     unless `fixedAlpha` is given (statsmodels `families.NegativeBinomial(alpha=)`).
    ///   - y: responses: counts (Poisson, NB2), successes (binomial with `trials`)
    ///     or 0/1 outcomes (binomial without `trials`).
    ///   - weights: prior weights (R's `weights`, statsmodels' `var_weights`), positive.
    ///   - trials: binomial numbers of trials m_i (successes `y_i <= m_i`); nil = 1.
    ///   - offset: added to the linear predictor (e.g. log exposure); nil = 0.
    ///   - maxIterations: IRLS iteration cap (also the cap on NB2 alternations).
    ///   - tolerance: the deviance criterion.
    ///   - useT: t tests (t(n - k), t(G - 1) with clusters) or normal; nil = t for gaussian only.
    ///   - negbinInformation: NB2 standard errors from the expected information at alpha (R) or the
    ///     observed joint information in (beta, alpha) (Stata's nbreg); see `NegativeBinomialInformation`.
    ///     HC2/HC3 need `.expected`.
    public static func fit(X: Matrix, y: [Double], family: Family, fixedAlpha: Double? = nil, weights: [Double]? = nil,
                           trials: [Double]? = nil, offset: [Double]? = nil, columnNames: [String]? = nil,
                           hasIntercept: Bool = true, covariance: CovarianceType = .classical,
                           confidenceLevel: Double = 0.95, useT: Bool? = nil,
                           negbinInformation: NegativeBinomialInformation = .expected, maxIterations: Int = 100, tolerance: Double = 1e-8,
                           rankTolerance: Double = LeastSquares.defaultRankTolerance) -> GeneralizedLinearModelFit {
        let n = X.rows, p = X.columns
        precondition(y.count == n, "A GLM needs one response per row: X has \(n) rows, y has \(y.count) values.")
        if let names = columnNames {
            precondition(names.count == p, "columnNames must name every column: X has \(p) columns, got \(names.count) names.")
        }
        if let w = weights {
            precondition(w.count == n, "Weights must number one per row: X has \(n) rows, weights has \(w.count) values.")
            for (i, v) in w.enumerated() { precondition(v > 0 && v.isFinite, "GLM weights must be positive and finite, got \(v) at row \(i).") }
        }
        if let o = offset { precondition(o.count == n, "The offset must have one value per row: X has \(n) rows, offset has \(o.count).") }
        precondition(maxIterations >= 1, "maxIterations must be at least 1, got \(maxIterations).")
        if case .cluster(let g) = covariance {
            precondition(g.count == n, "Cluster labels must number one per row: X has \(n) rows, got \(g.count) labels.")
        }
        // Response on the model scale (binomial: proportions) and prior weights.
        var prior = weights ?? [Double](repeating: 1, count: n)
        var response = y
        switch family {
        case .binomial:
            if let m = trials {
                precondition(m.count == n, "Trials must number one per row: X has \(n) rows, trials has \(m.count) values.")
                for i in 0..<n {
                    precondition(m[i] > 0 && y[i] >= 0 && y[i] <= m[i],
                                 "Binomial row \(i) needs 0 <= successes <= trials and trials > 0, got \(y[i]) of \(m[i]).")
                    response[i] = y[i] / m[i]
                    prior[i] *= m[i]
                }
            } else {
                for i in 0..<n { precondition(y[i] >= 0 && y[i] <= 1, "Binomial outcomes without trials must lie in [0, 1], got \(y[i]) at row \(i).") }
            }
        case .poisson, .negbin:
            precondition(trials == nil, "Trials are only meaningful for the binomial family.")
            for i in 0..<n { precondition(y[i] >= 0 && y[i].isFinite, "Count responses must be non-negative, got \(y[i]) at row \(i).") }
        case .gaussian:
            precondition(trials == nil, "Trials are only meaningful for the binomial family.")
        }
        if let a = fixedAlpha {
            precondition(family == .negbin, "A fixed alpha goes with the negbin family only.")
            precondition(a > 0 && a.isFinite, "NB2 alpha must be positive, got \(a).")
        }
        let off = offset ?? [Double](repeating: 0, count: n)

        // The working family (NB2 with a current alpha).
        var alpha: Double? = nil
        var alphaSE: Double? = nil
        var state: IRLSState
        var allConverged = true
        var alphaAtBoundary = false
        nbFit: switch family {
        case .negbin where fixedAlpha == nil:
            // glm.nb: Poisson fit, then alternate theta by ML and IRLS at theta.
            var s = irls(X: X, response: response, prior: prior, offset: off, kind: .poisson, start: nil,
                         maxIterations: maxIterations, tolerance: tolerance, rankTolerance: rankTolerance)
            allConverged = s.converged
            // The score of alpha at alpha = 0 (Cameron & Trivedi 2013, 3.4): not positive means the
            // likelihood is largest at the boundary alpha = 0, where NB2 is the Poisson model.
            var score0 = 0.0
            for i in 0..<n { let d = response[i] - s.mu[i]; score0 += prior[i] * (d * d - response[i]) }
            if score0 <= 0 {
                alphaAtBoundary = true
                alpha = 0
                alphaSE = .nan
                state = s
                break nbFit
            }
            var theta = thetaML(y: response, mu: s.mu, prior: prior, start: nil)
            var llOld = -Double.infinity
            var alternationConverged = false
            for _ in 0..<maxIterations {
                s = irls(X: X, response: response, prior: prior, offset: off, kind: .negativeBinomial(alpha: 1 / theta.value),
                         start: s.eta, maxIterations: maxIterations, tolerance: min(tolerance, 1e-10), rankTolerance: rankTolerance)
                let newTheta = thetaML(y: response, mu: s.mu, prior: prior, start: theta.value)
                let ll = logLikelihood(kind: .negativeBinomial(alpha: 1 / newTheta.value), response: response, trials: trials,
                                       prior: prior, mu: s.mu)
                let dTheta = abs(newTheta.value - theta.value) / newTheta.value
                let dLL = abs(ll - llOld) / max(1, abs(ll))
                theta = newTheta
                llOld = ll
                if dTheta < 1e-10 && dLL < 1e-12 { alternationConverged = true; break }
            }
            // Final IRLS at the final theta.
            s = irls(X: X, response: response, prior: prior, offset: off, kind: .negativeBinomial(alpha: 1 / theta.value),
                     start: s.eta, maxIterations: maxIterations, tolerance: min(tolerance, 1e-10), rankTolerance: rankTolerance)
            allConverged = allConverged && alternationConverged && s.converged && theta.converged
            alpha = 1 / theta.value
            alphaSE = theta.stdError / (theta.value * theta.value)
            state = s
        default:
            let kind: VarianceKind
            switch family {
            case .gaussian: kind = .gaussian
            case .poisson: kind = .poisson
            case .binomial: kind = .binomial
            case .negbin: kind = .negativeBinomial(alpha: fixedAlpha!); alpha = fixedAlpha
            }
            state = irls(X: X, response: response, prior: prior, offset: off, kind: kind, start: nil,
                         maxIterations: maxIterations, tolerance: tolerance, rankTolerance: rankTolerance)
            allConverged = state.converged
        }
        let kind = state.kind
        let mu = state.mu, eta = state.eta

        // Final working weights and working residuals at the estimate.
        var ww = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n)
        var scoreResid = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let d = kind.dmuDeta(eta[i], mu[i])
            let v = kind.variance(mu[i])
            ww[i] = prior[i] * d * d / v
            let wr = (response[i] - mu[i]) / d
            z[i] = eta[i] - off[i] + wr
            scoreResid[i] = ww[i].squareRoot() * wr
        }
        // Rows whose mean overflowed (the fit diverged) carry no valid weight: left out of the
        // inference, and the fit is reported as not converged.
        for i in 0..<n where !(ww[i].isFinite && ww[i] >= 0 && z[i].isFinite && scoreResid[i].isFinite) {
            ww[i] = 0; z[i] = 0; scoreResid[i] = 0
            allConverged = false
        }
        let ls = LeastSquares(X: X, y: z, weights: ww, rankTolerance: rankTolerance, refinement: .never)
        let k = ls.rank
        let nD = Double(n)
        let dfResid = Double(n - k)
        var pearson = 0.0
        for i in 0..<n { let r = response[i] - mu[i]; pearson += prior[i] * r * r / kind.variance(mu[i]) }
        let dispersion: Double
        if case .gaussian = kind { dispersion = pearson / dfResid } else { dispersion = 1 }

        var cov: Matrix
        var inferenceDF = Double.infinity
        var clusterCount: Int? = nil
        var leverageOne = LeverageOneRows(rows: [], determined: [])
        switch covariance {
        case .classical:
            cov = ls.unscaledCovariance
            for i in cov.storage.indices { cov.storage[i] *= dispersion }
        case .hc0, .hc1, .hc2, .hc3:
            (cov, leverageOne) = ls.robustSandwich(covariance, residuals: scoreResid)
        case .cluster(let groups):
            let (c0, g) = ls.clusterSandwich(groups: groups, residuals: scoreResid)
            cov = c0
            let gD = Double(g)
            let c = gD / (gD - 1) * (nD - 1) / dfResid
            for i in cov.storage.indices { cov.storage[i] *= c }
            clusterCount = g
        }
        // NB2 with the observed joint information in (beta, alpha) (Stata's nbreg) when asked.
        if family == .negbin && fixedAlpha == nil && !alphaAtBoundary && negbinInformation == .observed, let a = alpha {
            if let o = observedNegativeBinomialCovariance(X: X, columns: ls.estimableColumns, y: response, mu: mu, prior: prior,
                                                          alpha: a, covariance: covariance) {
                cov = o.beta
                alphaSE = o.alphaStdError
            } else {
                for i in cov.storage.indices { cov.storage[i] = .nan }
            }
        }
        // Test distribution: `useT` when given, else t(n - k) for the gaussian family and the normal
        // otherwise (statsmodels' GLM default, R's summary.glm). With t, clustering uses G - 1 df.
        let usesT = useT ?? (kind.isGaussian)
        if usesT { inferenceDF = clusterCount.map { Double($0 - 1) } ?? dfResid }
        // Diverging coefficients (separation; a category with only zero counts): no finite estimate.
        let diverging = divergingColumns(X: X, response: response, prior: prior, offset: off, state: state, ls: ls,
                                         rankTolerance: rankTolerance)
        for (a, j) in ls.estimableColumns.enumerated() where diverging.contains(where: { $0.column == j }) {
            for b in 0..<ls.rank { cov[a, b] = .nan; cov[b, a] = .nan }
        }
        var full = Matrix(rows: p, columns: p, repeating: .nan)
        let est = ls.estimableColumns
        for (a, ja) in est.enumerated() { for (b, jb) in est.enumerated() { full[ja, jb] = cov[a, b] } }

        let names = columnNames ?? (0..<p).map { "x\($0)" }
        let alphaLevel = 1 - confidenceLevel
        let q = inferenceDF.isFinite
            ? (inferenceDF > 0 ? StudentT.quantile(1 - alphaLevel / 2, df: inferenceDF) : .nan)
            : Normal.quantile(1 - alphaLevel / 2)
        var terms: [CoefficientRow] = []
        for j in 0..<p {
            if ls.aliased[j] {
                terms.append(CoefficientRow(name: names[j], estimate: .nan, stdError: .nan, statistic: .nan, pValue: .nan,
                                            ciLow: .nan, ciHigh: .nan, aliased: true))
                continue
            }
            var b = state.coefficients[j]
            if let d = diverging.first(where: { $0.column == j }) { b = d.direction > 0 ? .infinity : -.infinity }
            let se = full[j, j].squareRoot()
            let t = b / se
            let pv: Double
            if t.isNaN || !(inferenceDF > 0) { pv = .nan } else if inferenceDF.isFinite { pv = 2 * StudentT.sf(abs(t), df: inferenceDF) } else { pv = 2 * Normal.sf(abs(t)) }
            terms.append(CoefficientRow(name: names[j], estimate: b, stdError: se, statistic: t, pValue: pv,
                                        ciLow: b - q * se, ciHigh: b + q * se, aliased: false))
        }

        // Null deviance: intercept-only fit (with the offset) or mu = g^-1(offset).
        let nullDev: Double
        if hasIntercept {
            let ones = Matrix(rows: n, columns: 1, repeating: 1)
            let s0 = irls(X: ones, response: response, prior: prior, offset: off, kind: kind, start: nil,
                          maxIterations: maxIterations, tolerance: min(tolerance, 1e-10), rankTolerance: rankTolerance)
            nullDev = s0.deviance
        } else {
            let mu0 = off.map { kind.linkInverse($0) }
            nullDev = kind.deviance(response: response, prior: prior, mu: mu0)
        }

        let llf = logLikelihood(kind: kind, response: response, trials: trials, prior: prior, mu: mu)
        var kPrime = Double(k)
        if family == .negbin && fixedAlpha == nil { kPrime += 1 }
        if case .gaussian = kind { kPrime += 1 }
        var separation = false
        if case .binomial = kind {
            let eps = 10 * Double.ulpOfOne
            separation = mu.contains { $0 < eps || $0 > 1 - eps }
        }
        return GeneralizedLinearModelFit(
            terms: terms, covariance: full, covarianceType: covariance, family: family, confidenceLevel: confidenceLevel,
            nobs: n, rank: k, dfModel: Double(k - (hasIntercept ? 1 : 0)), dfResidual: dfResid,
            deviance: state.deviance, nullDeviance: nullDev, pearsonChi2: pearson, dispersion: dispersion,
            logLikelihood: llf, aic: -2 * llf + 2 * kPrime, bic: -2 * llf + kPrime * log(nD),
            iterations: state.iterations, converged: allConverged, separationDetected: separation,
            alpha: alpha, alphaStdError: alphaSE, alphaAtBoundary: alphaAtBoundary, usesT: usesT, inferenceDF: inferenceDF,
            clusterCount: clusterCount, leverageOne: leverageOne, diverging: diverging, fittedValues: mu, linearPredictor: eta,
            conditionNumber: ls.conditionNumber, leastSquares: ls)
    }

    // MARK: Internals

    /// Variance function and link of a family with its parameters fixed.
    enum VarianceKind: Sendable {
        case gaussian, poisson, binomial
        case negativeBinomial(alpha: Double)

        func variance(_ mu: Double) -> Double {
            switch self {
            case .gaussian: return 1
            case .poisson: return mu
            case .binomial: return mu * (1 - mu)
            case .negativeBinomial(let a): return mu + a * mu * mu
            }
        }

        func link(_ mu: Double) -> Double {
            switch self {
            case .gaussian: return mu
            case .poisson, .negativeBinomial: return log(mu)
            case .binomial: return log(mu / (1 - mu))
            }
        }

        /// Inverse link; the logit is clamped as R's `binomial()$linkinv`
        /// (eta beyond +-30 gives eps or 1 - eps).
        func linkInverse(_ eta: Double) -> Double {
            switch self {
            case .gaussian: return eta
            case .poisson, .negativeBinomial: return exp(eta)
            case .binomial:
                let e = eta < -30 ? Double.ulpOfOne : (eta > 30 ? 1 / Double.ulpOfOne : exp(eta))
                return e / (1 + e)
            }
        }

        /// d mu / d eta.
        func dmuDeta(_ eta: Double, _ mu: Double) -> Double {
            switch self {
            case .gaussian: return 1
            case .poisson, .negativeBinomial: return max(mu, Double.ulpOfOne)
            case .binomial:
                let e = exp(-abs(eta))
                return max(e / ((1 + e) * (1 + e)), Double.ulpOfOne)
            }
        }

        /// Deviance `sum prior * unit deviance`.
        func deviance(response: [Double], prior: [Double], mu: [Double]) -> Double {
            var d = 0.0
            for i in response.indices {
                let y = response[i], m = mu[i]
                let u: Double
                switch self {
                case .gaussian: u = (y - m) * (y - m)
                case .poisson: u = 2 * ((y > 0 ? y * log(y / m) : 0) - (y - m))
                case .binomial:
                    u = 2 * ((y > 0 ? y * log(y / m) : 0) + (y < 1 ? (1 - y) * log((1 - y) / (1 - m)) : 0))
                case .negativeBinomial(let a):
                    u = 2 * ((y > 0 ? y * log(y / m) : 0) - (y + 1 / a) * log((1 + a * y) / (1 + a * m)))
                }
                d += prior[i] * u
            }
            return d
        }
    }

    struct IRLSState {
        var kind: VarianceKind
        var coefficients: [Double]
        var eta: [Double]
        var mu: [Double]
        var deviance: Double
        var iterations: Int
        var converged: Bool
    }

    /// IRLS with R's deviance criterion and step halving on a non-finite deviance.
    static func irls(X: Matrix, response: [Double], prior: [Double], offset: [Double], kind: VarianceKind,
                     start: [Double]?, maxIterations: Int, tolerance: Double, rankTolerance: Double) -> IRLSState {
        let n = X.rows, p = X.columns
        var eta = [Double](repeating: 0, count: n)
        var mu = [Double](repeating: 0, count: n)
        if let s = start {
            eta = s
            for i in 0..<n { mu[i] = kind.linkInverse(eta[i]) }
        } else {
            for i in 0..<n {
                let y = response[i]
                switch kind {
                case .gaussian: mu[i] = y
                case .poisson, .negativeBinomial: mu[i] = y + 0.1
                case .binomial: mu[i] = (prior[i] * y + 0.5) / (prior[i] + 1)
                }
                eta[i] = kind.link(mu[i])
            }
        }
        var dev = kind.deviance(response: response, prior: prior, mu: mu)
        var coef = [Double](repeating: .nan, count: p)
        var converged = false
        var iter = 0
        var z = [Double](repeating: 0, count: n)
        var w = [Double](repeating: 0, count: n)
        while iter < maxIterations {
            iter += 1
            for i in 0..<n {
                let d = kind.dmuDeta(eta[i], mu[i])
                z[i] = eta[i] - offset[i] + (response[i] - mu[i]) / d
                w[i] = prior[i] * d * d / kind.variance(mu[i])
            }
            // Means that overflowed or collapsed (e.g. NB2 with an extreme dispersion) leave no
            // valid working weights: stop, unconverged, with the last finite iterate.
            if w.contains(where: { !($0.isFinite && $0 >= 0) }) || z.contains(where: { !$0.isFinite }) { break }
            let ls = LeastSquares(X: X, y: z, weights: w, rankTolerance: rankTolerance, refinement: .never)
            var newCoef = ls.coefficients
            var newEta = [Double](repeating: 0, count: n)
            var newMu = [Double](repeating: 0, count: n)
            var newDev = Double.nan
            // Step halving while the deviance is not finite (R's glm.fit), once a
            // previous iterate with coefficients exists.
            for i in 0..<n { newEta[i] = offset[i] + ls.fittedValues[i] }
            for _ in 0..<30 {
                for i in 0..<n { newMu[i] = kind.linkInverse(newEta[i]) }
                newDev = kind.deviance(response: response, prior: prior, mu: newMu)
                if newDev.isFinite || iter == 1 { break }
                for i in 0..<n { newEta[i] = (newEta[i] + eta[i]) / 2 }
                for j in 0..<p where !newCoef[j].isNaN && !coef[j].isNaN { newCoef[j] = (newCoef[j] + coef[j]) / 2 }
            }
            let change = abs(newDev - dev) / (abs(newDev) + 0.1)
            coef = newCoef
            eta = newEta
            mu = newMu
            dev = newDev
            if change < tolerance { converged = true; break }
        }
        return IRLSState(kind: kind, coefficients: coef, eta: eta, mu: mu, deviance: dev, iterations: iter, converged: converged)
    }

    /// Full log-likelihood, summed with prior weights (binomial: the weights
    /// without the trials, whose log-pmf carries them).
    static func logLikelihood(kind: VarianceKind, response: [Double], trials: [Double]?, prior: [Double], mu: [Double]) -> Double {
        let n = response.count
        var ll = 0.0
        switch kind {
        case .gaussian:
            var rss = 0.0, sumLogW = 0.0
            for i in 0..<n { let r = response[i] - mu[i]; rss += prior[i] * r * r; sumLogW += log(prior[i]) }
            let nD = Double(n)
            ll = -nD / 2 * (log(2 * Double.pi * rss / nD) + 1) + 0.5 * sumLogW
        case .poisson:
            for i in 0..<n { ll += prior[i] * DiscreteLogPMF.poisson(response[i], mean: mu[i]) }
        case .binomial:
            for i in 0..<n {
                let m = trials?[i] ?? 1
                let w = prior[i] / m
                ll += w * DiscreteLogPMF.binomial((response[i] * m).rounded(), trials: m, p: mu[i])
            }
        case .negativeBinomial(let a):
            for i in 0..<n { ll += prior[i] * DiscreteLogPMF.negativeBinomial2(response[i], mean: mu[i], alpha: a) }
        }
        return ll
    }

    /// Maximum-likelihood theta = 1/alpha of NB2 given the means (R's `MASS::theta.ml`):
    /// Newton's method on the score
    /// `sum w [psi(theta + y) - psi(theta) + log theta + 1 - log(theta + mu) - (y + theta)/(mu + theta)]`,
    /// started at `n / sum w (y/mu - 1)^2` (or `start`), until the relative step is below 1e-12.
    /// Also returns the standard error `1/sqrt(information)`.
    static func thetaML(y: [Double], mu: [Double], prior: [Double], start: Double?) -> (value: Double, stdError: Double, converged: Bool) {
        let n = y.count
        var theta: Double
        if let s = start, s > 0, s.isFinite {
            theta = s
        } else {
            var sw = 0.0, s = 0.0
            for i in 0..<n { let d = y[i] / mu[i] - 1; s += prior[i] * d * d; sw += prior[i] }
            theta = s > 0 ? sw / s : 1e6
        }
        func scoreInfo(_ t: Double) -> (Double, Double) {
            var score = 0.0, info = 0.0
            for i in 0..<n {
                let yi = y[i], m = mu[i], w = prior[i]
                score += w * (SpecialFunctions.digamma(t + yi) - SpecialFunctions.digamma(t) + log(t) + 1
                              - log(t + m) - (yi + t) / (m + t))
                info += w * (-SpecialFunctions.trigamma(t + yi) + SpecialFunctions.trigamma(t) - 1 / t
                             + 2 / (m + t) - (yi + t) / ((m + t) * (m + t)))
            }
            return (score, info)
        }
        var converged = false
        for _ in 0..<100 {
            let (score, info) = scoreInfo(theta)
            var step = score / info
            if !step.isFinite { break }
            // Newton in theta, kept positive by halving.
            var next = theta + step
            while next <= 0 { step /= 2; next = theta + step }
            let rel = abs(next - theta) / next
            theta = next
            if rel < 1e-12 { converged = true; break }
        }
        let (_, info) = scoreInfo(theta)
        return (theta, 1 / info.squareRoot(), converged)
    }
}

