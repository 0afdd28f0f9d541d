import XCTest
@testable import CoopNumerics

/// Hostile input found by QA at the numeric core.
final class HostileInputTests: XCTestCase {
    /// NB2 on counts of 0 and 5,000,000 side by side: an intermediate IRLS produced NaN working
    /// weights and trapped in LeastSquares' precondition. IRLS now stops such an iteration
    /// unconverged and the alternation for alpha continues to the ML optimum, which agrees with
    /// statsmodels (scripts/fixtures/negbin_extreme_dispersion.py).
    func testNegativeBinomialWithExtremeDispersion() throws {
        let root = try loadFixture("negbin_extreme_dispersion")
        XCTAssertEqual(root["generator"] as? String, "scripts/fixtures/negbin_extreme_dispersion.py")
        let x = doubles(root["x"]), y = doubles(root["y"])
        let X = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
        let fit = GeneralizedLinearModel.fit(X: X, y: y, family: .negbin, columnNames: ["Intercept", "x"])
        XCTAssertTrue(fit.converged)
        let beta = doubles(root["coefficients"]), se = doubles(root["std_errors"])
        for j in 0..<2 {
            // statsmodels' own optimum is known to about 1e-5 relative here (BFGS then Newton on a flat likelihood).
            XCTAssertEqual(fit.terms[j].estimate, beta[j], accuracy: 1e-4 * abs(beta[j]))
            XCTAssertEqual(fit.terms[j].stdError, se[j], accuracy: 1e-4 * se[j])
        }
        let alpha = doubles([root["alpha"]!])[0]
        XCTAssertEqual(fit.alpha!, alpha, accuracy: 1e-4 * alpha)
        XCTAssertEqual(fit.logLikelihood, doubles([root["log_likelihood"]!])[0], accuracy: 1e-6)
    }

    /// Means that overflow from the first iteration: no trap, an unconverged result.
    func testPoissonWhoseMeansOverflowDoesNotTrap() {
        let x: [Double] = [0, 1, 2, 3, 4, 5]
        let y: [Double] = [0, 1e300, 0, 1e300, 0, 1e300]
        let X = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
        let fit = GeneralizedLinearModel.fit(X: X, y: y, family: .negbin, columnNames: ["Intercept", "x"])
        XCTAssertEqual(fit.terms.count, 2)
        XCTAssertFalse(fit.converged)
    }
}
