import CoopDistributions
import Glibc

/// Which information matrix NB2 standard errors use.
///
/// - `.expected` (default; R: `MASS::glm.nb` with `summary` and `sandwich::vcovHC`/`vcovCL`):
///   the GLM at the estimated alpha, alpha held fixed: bread `(X'WX)^-1` with the working
///   weights `mu/(1 + alpha mu)`, scores `x_i (y_i - mu_i)/(1 + alpha mu_i)`.
/// - `.observed` (Stata: `nbreg`, and statsmodels' `NegativeBinomial`): the observed information
///   of the joint log-likelihood in (beta, alpha), inverted jointly, so that the uncertainty
///   of alpha enters the errors of beta; sandwiches use that bread and the joint scores
///   (beta's and alpha's), and report the beta block.
///
/// Both are consistent; they differ in finite samples (by a few per cent to a few tens of per
/// cent on some 30-row data sets) because the observed Hessian of beta, `mu (1 + alpha y)/(1 + alpha mu)^2`,
/// replaces its expectation and because beta and alpha are correlated in the observed information.
/// Small-sample factors are coopsim's in both cases: HC1 `n/(n - k)`, cluster
/// `G/(G - 1) (n - 1)/(n - k)` with k the rank of X (alpha not counted).
public enum NegativeBinomialInformation: String, Sendable, CaseIterable, Equatable {
    case expected
    case observed
}

extension GeneralizedLinearModel {
    /// The NB2 covariance of beta (estimable columns, rank x rank) from the observed joint
    /// information in (beta, alpha), and the standard error of alpha from it.
    ///
    /// Per row (prior weight w, theta = 1/alpha, psi digamma, psi' trigamma):
    /// - score of eta: `(y - mu)/(1 + alpha mu)`;
    /// - score of alpha: `alpha^-2 [log(1 + alpha mu) - psi(y + theta) + psi(theta)] + (y - mu)/(alpha (1 + alpha mu))`;
    /// - Hessian: `d2/deta2 = -mu (1 + alpha y)/(1 + alpha mu)^2`, `d2/deta dalpha = -mu (y - mu)/(1 + alpha mu)^2`,
    ///   `d2/dalpha2 = -2 alpha^-3 [log(1 + alpha mu) - psi(y + theta) + psi(theta)] + alpha^-2 mu/(1 + alpha mu)
    ///   + alpha^-4 [psi'(y + theta) - psi'(theta)] - (y - mu)(1 + 2 alpha mu)/(alpha (1 + alpha mu))^2`
    /// (Cameron & Trivedi 2013, section 3.3; Hilbe 2011, ch. 8). Returns nil when the information
    /// is not positive definite.
    static func observedNegativeBinomialCovariance(X: Matrix, columns: [Int], y: [Double], mu: [Double], prior: [Double],
                                                   alpha: Double, covariance: CovarianceType) -> (beta: Matrix, alphaStdError: Double)? {
        let n = X.rows, r = columns.count, m = r + 1
        let theta = 1 / alpha
        var info = [Double](repeating: 0, count: m * m)   // -Hessian, column-major
        var scores = [Double](repeating: 0, count: n * m)  // row i, parameter a at i + a * n
        let psiTheta = SpecialFunctions.digamma(theta), triTheta = SpecialFunctions.trigamma(theta)
        for i in 0..<n {
            let yi = y[i], mi = mu[i], w = prior[i]
            let d = 1 + alpha * mi
            let lg = log(d) - SpecialFunctions.digamma(yi + theta) + psiTheta
            let sEta = (yi - mi) / d
            let sAlpha = lg / (alpha * alpha) + (yi - mi) / (alpha * d)
            let hEta = -mi * (1 + alpha * yi) / (d * d)
            let hEtaAlpha = -mi * (yi - mi) / (d * d)
            let hAlpha = -2 * lg / (alpha * alpha * alpha) + mi / (alpha * alpha * d)
                + (SpecialFunctions.trigamma(yi + theta) - triTheta) / (alpha * alpha * alpha * alpha)
                - (yi - mi) * (1 + 2 * alpha * mi) / ((alpha * d) * (alpha * d))
            for (a, ja) in columns.enumerated() {
                let xa = X.storage[i + ja * n]
                scores[i + a * n] = w * xa * sEta
                for (b, jb) in columns.enumerated() where b <= a {
                    info[a + b * m] -= w * xa * X.storage[i + jb * n] * hEta
                }
                info[r + a * m] -= w * xa * hEtaAlpha
            }
            scores[i + r * n] = w * sAlpha
            info[r + r * m] -= w * hAlpha
        }
        // Symmetrise (lower triangle filled above) and invert by Cholesky.
        for a in 0..<m { for b in 0..<a { info[b + a * m] = info[a + b * m] } }
        var inv = info
        let ok = inv.withUnsafeMutableBufferPointer { p -> Bool in
            LAPACK.potrf(uplo: "L", n: m, a: p.baseAddress!, lda: m) == 0 && LAPACK.potri(uplo: "L", n: m, a: p.baseAddress!, lda: m) == 0
        }
        guard ok else { return nil }
        for a in 0..<m { for b in 0..<a { inv[b + a * m] = inv[a + b * m] } }
        var full = inv
        switch covariance {
        case .classical:
            break
        case .hc2, .hc3:
            preconditionFailure("HC2/HC3 need leverages of the joint information; the caller refuses them with observed information.")
        case .hc0, .hc1, .cluster:
            // Meat: sum of outer products of row (or cluster) scores.
            var meat = [Double](repeating: 0, count: m * m)
            var rowsOfScores: [[Double]]
            var factor = 1.0
            let k = Double(r), nD = Double(n)
            if case .cluster(let groups) = covariance {
                var index: [Int: Int] = [:]
                for g in groups where index[g] == nil { index[g] = index.count }
                rowsOfScores = [[Double]](repeating: [Double](repeating: 0, count: m), count: index.count)
                for i in 0..<n { let g = index[groups[i]]!; for a in 0..<m { rowsOfScores[g][a] += scores[i + a * n] } }
                let gD = Double(index.count)
                factor = gD / (gD - 1) * (nD - 1) / (nD - k)
            } else {
                rowsOfScores = (0..<n).map { i in (0..<m).map { scores[i + $0 * n] } }
                if covariance == .hc1 { factor = nD / (nD - k) }
            }
            for s in rowsOfScores { for a in 0..<m { for b in 0..<m { meat[a + b * m] += s[a] * s[b] } } }
            // full = inv * meat * inv
            var tmp = [Double](repeating: 0, count: m * m)
            for a in 0..<m { for b in 0..<m { var v = 0.0; for c in 0..<m { v += inv[a + c * m] * meat[c + b * m] }; tmp[a + b * m] = v } }
            for a in 0..<m { for b in 0..<m { var v = 0.0; for c in 0..<m { v += tmp[a + c * m] * inv[c + b * m] }; full[a + b * m] = factor * v } }
        }
        var beta = Matrix(rows: r, columns: r)
        for a in 0..<r { for b in 0..<r { beta[a, b] = full[a + b * m] } }
        return (beta, full[r + r * m].squareRoot())
    }
}
