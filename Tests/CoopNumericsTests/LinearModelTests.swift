import XCTest
import Foundation
@testable import CoopNumerics

/// Relative difference, with an absolute floor for values near zero.
func relErr(_ a: Double, _ b: Double, floor: Double = 1e-300) -> Double {
    if a == b { return 0 }
    return abs(a - b) / max(abs(b), floor)
}

final class LinearModelTests: XCTestCase {
    /// statsmodels OLS and WLS for nonrobust, HC0-HC3 and cluster covariances
    /// (scripts/fixtures/statsmodels_ols.py), to 1e-7 relative.
    func testMatchesStatsmodelsForEveryCovarianceType() throws {
        let root = try loadFixture("statsmodels_ols")
        XCTAssertEqual(root["generator"] as? String, "scripts/fixtures/statsmodels_ols.py")
        let cols = (root["X"] as! [Any]).map { doubles($0) }
        let allNames = root["names"] as! [String]
        let y = doubles(root["y"]), w = doubles(root["weights"])
        let groups = (root["groups"] as! [Any]).map { ($0 as! NSNumber).intValue }
        var worst = 0.0
        for fitDict in root["fits"] as! [[String: Any]] {
            let model = fitDict["model"] as! String, covName = fitDict["cov_type"] as! String
            let idx = (fitDict["columns"] as! [Any]).map { ($0 as! NSNumber).intValue }
            let hasIntercept = fitDict["has_intercept"] as! Bool
            let X = Matrix(columns: idx.map { cols[$0] })
            let cov: CovarianceType
            switch covName {
            case "HC0": cov = .hc0
            case "HC1": cov = .hc1
            case "HC2": cov = .hc2
            case "HC3": cov = .hc3
            case "cluster": cov = .cluster(groups: groups)
            default: cov = .classical
            }
            let useT = fitDict["use_t"] as? Bool
            let label = "\(model) \(covName)\(hasIntercept ? "" : " no intercept")\(useT == true ? " use_t" : "")"
            let fit = LinearModel.fit(X: X, y: y, weights: model == "WLS" ? w : nil,
                                      columnNames: idx.map { allNames[$0] }, hasIntercept: hasIntercept, covariance: cov,
                                      useT: useT)
            let fit90 = LinearModel.fit(X: X, y: y, weights: model == "WLS" ? w : nil, hasIntercept: hasIntercept,
                                        covariance: cov, confidenceLevel: 0.90, useT: useT)
            XCTAssertEqual(fit.usesT, useT ?? (covName == "nonrobust"), label)
            if covName == "cluster" { XCTAssertEqual(fit.inferenceDF, 24, label) }
            XCTAssertEqual(fit.covarianceType.name, covName)
            func check(_ ours: [Double], _ key: String, _ tol: Double = 1e-7) {
                let theirs = doubles(fitDict[key])
                XCTAssertEqual(ours.count, theirs.count, "\(label) \(key)")
                for (a, b) in zip(ours, theirs) {
                    let e = relErr(a, b)
                    worst = max(worst, e)
                    XCTAssertLessThanOrEqual(e, tol, "\(label) \(key): ours \(a), statsmodels \(b)")
                }
            }
            func scalar(_ key: String) -> Double { Double(fitDict[key] as! String)! }
            check(fit.coefficients, "params")
            check(fit.standardErrors, "bse")
            check(fit.terms.map(\.statistic), "tvalues")
            check(fit.terms.map(\.pValue), "pvalues")
            check(fit.terms.map(\.ciLow), "ci_low")
            check(fit.terms.map(\.ciHigh), "ci_high")
            check(fit90.terms.map(\.ciLow), "ci90_low")
            check(fit90.terms.map(\.ciHigh), "ci90_high")
            check(fit.covariance.storage, "cov_params")
            XCTAssertEqual(Double(fit.nobs), scalar("nobs"))
            XCTAssertEqual(fit.dfModel, scalar("df_model"))
            XCTAssertEqual(fit.dfResidual, scalar("df_resid"))
            for (ours, key) in [(fit.rSquared, "rsquared"), (fit.adjRSquared, "rsquared_adj"),
                                (fit.fStatistic, "fvalue"), (fit.fPValue, "f_pvalue"), (fit.logLikelihood, "llf"),
                                (fit.aic, "aic"), (fit.bic, "bic"), (fit.deviance, "ssr"), (fit.dispersion, "scale"),
                                (fit.conditionNumber, "condition_number")] {
                let e = relErr(ours, scalar(key))
                worst = max(worst, e)
                XCTAssertLessThanOrEqual(e, 1e-7, "\(label) \(key): ours \(ours), statsmodels \(scalar(key))")
            }
        }
        print("statsmodels OLS/WLS: worst relative difference \(worst)")
    }
}
