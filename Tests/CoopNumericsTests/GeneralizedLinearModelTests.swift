import XCTest
import Foundation
@testable import CoopNumerics

final class GeneralizedLinearModelTests: XCTestCase {
    /// statsmodels GLM (scripts/fixtures/statsmodels_glm.py): Poisson and binomial to 1e-6
    /// relative for every reported quantity, NB2 coefficients and alpha to 1e-4.
    func testMatchesStatsmodels() throws {
        let root = try loadFixture("statsmodels_glm")
        XCTAssertEqual(root["generator"] as? String, "scripts/fixtures/statsmodels_glm.py")
        let X = Matrix(columns: (root["X"] as! [Any]).map { doubles($0) })
        let names = root["names"] as! [String]
        let groups = (root["groups"] as! [Any]).map { ($0 as! NSNumber).intValue }
        let trials = doubles(root["trials"])
        var worst: [String: Double] = [:]
        for f in root["fits"] as! [[String: Any]] {
            let familyName = f["family"] as! String, covName = f["cov_type"] as! String
            let cov: CovarianceType
            switch covName {
            case "HC0": cov = .hc0
            case "HC3": cov = .hc3
            case "cluster": cov = .cluster(groups: groups)
            default: cov = .classical
            }
            let fit: GeneralizedLinearModelFit
            var tol = 1e-6
            switch familyName {
            case "poisson":
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_poisson"]), family: .poisson, columnNames: names, covariance: cov)
            case "binomial_trials":
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_binomial"]), family: .binomial, trials: trials,
                                                 columnNames: names, covariance: cov)
            case "poisson_weighted":
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_poisson"]), family: .poisson,
                                                 weights: doubles(root["var_weights"]), columnNames: names, covariance: cov)
            case "binomial_trials_weighted":
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_binomial"]), family: .binomial,
                                                 weights: doubles(root["var_weights"]), trials: trials, columnNames: names, covariance: cov)
            case "binomial_01":
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_bernoulli"]), family: .binomial, columnNames: names, covariance: cov)
            default:
                fit = GeneralizedLinearModel.fit(X: X, y: doubles(root["y_negbin"]), family: .negbin, columnNames: names, covariance: cov)
                tol = 1e-4
            }
            let label = "\(familyName) \(covName)"
            XCTAssertTrue(fit.converged, label)
            XCTAssertFalse(fit.separationDetected, label)
            func check(_ ours: [Double], _ key: String, _ t: Double) {
                guard fitKeyExists(f, key) else { return }
                let theirs = doubles(f[key])
                XCTAssertEqual(ours.count, theirs.count, "\(label) \(key)")
                for (a, b) in zip(ours, theirs) {
                    let e = relErr(a, b)
                    worst[familyName, default: 0] = max(worst[familyName, default: 0], e)
                    XCTAssertLessThanOrEqual(e, t, "\(label) \(key): ours \(a), statsmodels \(b)")
                }
            }
            func scalar(_ ours: Double, _ key: String, _ t: Double) {
                guard let s = f[key] as? String else { return }
                let e = relErr(ours, Double(s)!)
                worst[familyName, default: 0] = max(worst[familyName, default: 0], e)
                XCTAssertLessThanOrEqual(e, t, "\(label) \(key): ours \(ours), statsmodels \(s)")
            }
            if familyName == "negbin" {
                check(fit.coefficients, "discrete_params", 1e-4)
                scalar(fit.alpha!, "alpha", 1e-4)
                scalar(fit.logLikelihood, "discrete_llf", 1e-6)
                scalar(fit.aic, "discrete_aic", 1e-6)
                scalar(fit.bic, "discrete_bic", 1e-6)
                check(fit.standardErrors, "bse", tol)
                scalar(fit.deviance, "deviance", tol)
                scalar(fit.pearsonChi2, "pearson_chi2", tol)
                scalar(fit.nullDeviance, "null_deviance", tol)
                continue
            }
            check(fit.coefficients, "params", tol)
            check(fit.standardErrors, "bse", tol)
            check(fit.terms.map(\.statistic), "tvalues", tol)
            check(fit.terms.map(\.pValue), "pvalues", tol)
            check(fit.terms.map(\.ciLow), "ci_low", tol)
            check(fit.terms.map(\.ciHigh), "ci_high", tol)
            check(fit.fittedValues, "fitted", tol)
            scalar(fit.deviance, "deviance", tol)
            scalar(fit.nullDeviance, "null_deviance", tol)
            scalar(fit.pearsonChi2, "pearson_chi2", tol)
            scalar(fit.logLikelihood, "llf", tol)
            scalar(fit.aic, "aic", tol)
            scalar(fit.bic, "bic_llf", tol)
            scalar(fit.dispersion, "scale", tol)
            scalar(fit.dfResidual, "df_resid", 0)
            scalar(fit.dfModel, "df_model", 0)
        }
        print("statsmodels GLM worst relative differences: \(worst)")
    }

    /// Complete separation in a logistic regression: the fit returns, flags it, and reports no crash.
    func testSeparationIsFlagged() {
        let x: [Double] = [-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]
        let y: [Double] = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        let X = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
        let fit = GeneralizedLinearModel.fit(X: X, y: y, family: .binomial)
        XCTAssertTrue(fit.separationDetected)
        XCTAssertGreaterThan(fit.coefficients[1], 5)
        XCTAssertLessThan(fit.deviance, 1e-6)
    }

    /// The Gaussian family with identity link is least squares: IRLS agrees with LinearModel.
    func testGaussianFamilyEqualsLeastSquares() {
        let x: [Double] = [0.5, 1.5, 2.0, 3.5, 4.0, 5.5, 6.1]
        let y: [Double] = [1.0, 2.2, 2.9, 5.1, 5.5, 7.9, 8.0]
        let X = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
        let glm = GeneralizedLinearModel.fit(X: X, y: y, family: .gaussian)
        let lm = LinearModel.fit(X: X, y: y)
        for j in 0..<2 {
            XCTAssertEqual(glm.coefficients[j], lm.coefficients[j], accuracy: 1e-12)
            XCTAssertEqual(glm.standardErrors[j], lm.standardErrors[j], accuracy: 1e-12)
            XCTAssertEqual(glm.terms[j].pValue, lm.terms[j].pValue, accuracy: 1e-12)
        }
        XCTAssertEqual(glm.deviance, lm.deviance, accuracy: 1e-12)
        XCTAssertEqual(glm.logLikelihood, lm.logLikelihood, accuracy: 1e-10)
    }

    /// Poisson with an exact log-linear mean and saturated design: the MLE is
    /// the closed form mu = y for a one-way layout (group means).
    func testPoissonOneWayLayoutHasClosedForm() {
        // Two groups: log mu = b0 + b1 * g; MLE: exp(b0) = mean of group 0, exp(b0 + b1) = mean of group 1.
        let g: [Double] = [0, 0, 0, 0, 1, 1, 1]
        let y: [Double] = [2, 5, 3, 6, 10, 7, 13]
        let X = Matrix(columns: [[Double](repeating: 1, count: g.count), g])
        let fit = GeneralizedLinearModel.fit(X: X, y: y, family: .poisson)
        XCTAssertEqual(fit.coefficients[0], log(4.0), accuracy: 1e-9)
        XCTAssertEqual(fit.coefficients[1], log(10.0 / 4.0), accuracy: 1e-9)
        // Var(b0) = 1/(n0 mu0) = 1/16; Var(b1) = 1/16 + 1/30.
        XCTAssertEqual(fit.standardErrors[0], (1.0 / 16).squareRoot(), accuracy: 1e-8)
        XCTAssertEqual(fit.standardErrors[1], (1.0 / 16 + 1.0 / 30).squareRoot(), accuracy: 1e-8)
        XCTAssertEqual(fit.iterations > 0, true)
    }
}

func fitKeyExists(_ f: [String: Any], _ key: String) -> Bool { f[key] != nil }

final class GeneralizedLinearModelEdgeCaseTests: XCTestCase {
    /// NB2 on under-dispersed counts: alpha's MLE is at the boundary (theta -> infinity).
    /// The fit must return finite estimates close to Poisson's, a tiny alpha, and no crash.
    func testNegativeBinomialOnUnderdispersedCountsApproachesPoisson() {
        let x: [Double] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
        let y: [Double] = [1, 1, 2, 2, 3, 3, 4, 5, 5, 6]
        let X = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
        let nb = GeneralizedLinearModel.fit(X: X, y: y, family: .negbin, maxIterations: 50)
        let pois = GeneralizedLinearModel.fit(X: X, y: y, family: .poisson)
        XCTAssertNotNil(nb.alpha)
        XCTAssertLessThan(nb.alpha!, 1e-3)
        for j in 0..<2 { XCTAssertEqual(nb.coefficients[j], pois.coefficients[j], accuracy: 1e-3) }
        XCTAssertTrue(nb.coefficients.allSatisfy(\.isFinite))
    }

    /// Poisson with all-zero counts: the MLE does not exist (eta -> -infinity);
    /// the fit stops without crashing and the fitted means are numerically 0.
    func testPoissonAllZeroCounts() {
        let X = Matrix(columns: [[Double](repeating: 1, count: 5), [0, 1, 2, 3, 4]])
        let fit = GeneralizedLinearModel.fit(X: X, y: [0, 0, 0, 0, 0], family: .poisson)
        XCTAssertTrue(fit.fittedValues.allSatisfy { $0 < 1e-6 })
        XCTAssertLessThan(fit.deviance, 1e-5)
    }

    /// Rank deficiency in a GLM: the later collinear column is aliased, the rest fitted.
    func testAliasedColumnInPoisson() {
        let x1: [Double] = [0.1, 0.5, 0.9, 1.3, 1.8, 2.2, 2.9, 3.1]
        let X = Matrix(columns: [[Double](repeating: 1, count: 8), x1, x1.map { 2 * $0 }])
        let y: [Double] = [1, 0, 2, 3, 2, 5, 8, 7]
        let fit = GeneralizedLinearModel.fit(X: X, y: y, family: .poisson)
        let reduced = GeneralizedLinearModel.fit(X: Matrix(columns: [[Double](repeating: 1, count: 8), x1]), y: y, family: .poisson)
        XCTAssertEqual(fit.terms.map(\.aliased), [false, false, true])
        XCTAssertEqual(fit.coefficients[1], reduced.coefficients[1], accuracy: 1e-10)
        XCTAssertEqual(fit.standardErrors[1], reduced.standardErrors[1], accuracy: 1e-10)
        XCTAssertEqual(fit.aic, reduced.aic, accuracy: 1e-9)
    }
}
