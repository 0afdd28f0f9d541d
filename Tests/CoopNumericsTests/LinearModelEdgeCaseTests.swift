import XCTest
@testable import CoopNumerics

final class LinearModelEdgeCaseTests: XCTestCase {
    let one = [Double](repeating: 1, count: 8)
    let x1: [Double] = [0.3, 1.7, 2.2, 3.9, 4.1, 5.6, 6.0, 7.7]
    let x2: [Double] = [5.0, 3.1, 4.4, 1.2, 0.5, 2.8, 3.3, 0.9]
    let y: [Double] = [3.2, 4.1, 6.3, 5.2, 4.8, 8.9, 9.7, 9.1]

    /// x3 = x1 + x2: x3 is reported aliased (NaN row), the rest equals the fit without x3,
    /// and the degrees of freedom count the rank, as R's lm.
    func testCollinearTermIsAliasedNotDropped() {
        let x3 = zip(x1, x2).map { $0 + $1 }
        let full = LinearModel.fit(X: Matrix(columns: [one, x1, x2, x3]), y: y, columnNames: ["Intercept", "x1", "x2", "x3"])
        let reduced = LinearModel.fit(X: Matrix(columns: [one, x1, x2]), y: y)
        XCTAssertEqual(full.terms.map(\.aliased), [false, false, false, true])
        XCTAssertEqual(full.terms[3].name, "x3")
        XCTAssertTrue(full.terms[3].estimate.isNaN && full.terms[3].stdError.isNaN)
        XCTAssertTrue(full.covariance[3, 0].isNaN && full.covariance[0, 3].isNaN)
        XCTAssertEqual(full.rank, 3)
        XCTAssertEqual(full.dfModel, 2)
        XCTAssertEqual(full.dfResidual, 5)
        for j in 0..<3 {
            XCTAssertEqual(full.terms[j].estimate, reduced.terms[j].estimate, accuracy: 1e-12)
            XCTAssertEqual(full.terms[j].stdError, reduced.terms[j].stdError, accuracy: 1e-12)
        }
        XCTAssertEqual(full.rSquared, reduced.rSquared, accuracy: 1e-14)
        XCTAssertEqual(full.fStatistic, reduced.fStatistic, accuracy: 1e-10 * reduced.fStatistic)
        XCTAssertEqual(full.aic, reduced.aic, accuracy: 1e-10)
    }

    /// n = p: an exact fit with no residual degrees of freedom. Estimates are
    /// defined; sigma, standard errors and tests are NaN (statsmodels: nan/inf), no crash.
    func testNoResidualDegreesOfFreedom() {
        let X = Matrix(rowMajor: [[1, 2, 0.5], [1, -1, 3], [1, 0.3, -2]])
        let fit = LinearModel.fit(X: X, y: [1, 2, 3])
        XCTAssertEqual(fit.dfResidual, 0)
        XCTAssertEqual(fit.rank, 3)
        XCTAssertTrue(fit.terms.allSatisfy { $0.estimate.isFinite })
        XCTAssertTrue(fit.sigma.isNaN)
        XCTAssertTrue(fit.terms.allSatisfy { $0.stdError.isNaN && $0.pValue.isNaN })
        XCTAssertTrue(fit.fStatistic.isNaN)
        // More columns than rows: the later columns are aliased.
        let wide = LinearModel.fit(X: Matrix(rowMajor: [[1, 2, 0.5, 4], [1, -1, 3, 1], [1, 0.3, -2, 7]]), y: [1, 2, 3])
        XCTAssertEqual(wide.terms.map(\.aliased), [false, false, false, true])
    }

    /// A constant response: intercept = the constant, slope 0, R^2 undefined (NaN, as
    /// statsmodels' 0/0), F NaN, everything else finite.
    func testConstantResponse() {
        let c = [Double](repeating: 2.5, count: 8)
        let fit = LinearModel.fit(X: Matrix(columns: [one, x1]), y: c)
        XCTAssertEqual(fit.terms[0].estimate, 2.5, accuracy: 1e-14)
        XCTAssertEqual(fit.terms[1].estimate, 0, accuracy: 1e-14)
        XCTAssertTrue(fit.rSquared.isNaN && fit.adjRSquared.isNaN && fit.fStatistic.isNaN)
        XCTAssertEqual(fit.deviance, 0, accuracy: 1e-26)
        XCTAssertEqual(fit.nullDeviance, 0)
    }

    /// Without an intercept, R^2 is uncentred: 1 - RSS / sum(y^2).
    func testUncentredRSquaredWithoutIntercept() {
        let fit = LinearModel.fit(X: Matrix(columns: [x1]), y: y, hasIntercept: false)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in y.indices { sxy += x1[i] * y[i]; sxx += x1[i] * x1[i]; syy += y[i] * y[i] }
        let b = sxy / sxx
        var rss = 0.0
        for i in y.indices { rss += (y[i] - b * x1[i]) * (y[i] - b * x1[i]) }
        XCTAssertEqual(fit.terms[0].estimate, b, accuracy: 1e-14)
        XCTAssertEqual(fit.rSquared, 1 - rss / syy, accuracy: 1e-14)
        XCTAssertEqual(fit.dfModel, 1)
    }
}
