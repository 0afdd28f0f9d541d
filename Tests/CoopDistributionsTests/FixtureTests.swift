import Foundation
import XCTest

@testable import CoopDistributions

/// Compares every function of CoopDistributions with reference values computed by mpmath at
/// 50 digits (cross-checked against scipy), written by `scripts/fixtures/distributions.py`
/// into `Fixtures/distributions.csv`.
final class FixtureTests: XCTestCase {

    struct Row {
        let function: String
        let a1: Double, a2: Double, a3: Double
        let expected: Double
        let line: Int
    }

    static func loadRows() throws -> [Row] {
        guard let url = Bundle.module.url(forResource: "distributions", withExtension: "csv", subdirectory: "Fixtures")
        else { throw XCTSkip("Fixtures/distributions.csv is missing; run scripts/fixtures/distributions.py") }
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [Row] = []
        for (index, line) in text.split(separator: "\n").enumerated() where index > 0 {
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 5, let a1 = Double(f[1]), let a2 = Double(f[2]), let a3 = Double(f[3]),
                let v = Double(f[4])
            else { XCTFail("bad fixture line \(index + 1): \(line)"); continue }
            rows.append(Row(function: f[0], a1: a1, a2: a2, a3: a3, expected: v, line: index + 1))
        }
        return rows
    }

    /// Evaluates the function a fixture row names.
    static func evaluate(_ r: Row) -> Double? {
        switch r.function {
        case "normal_cdf": return Normal.cdf(r.a1)
        case "normal_sf": return Normal.sf(r.a1)
        case "normal_logpdf": return Normal.logPDF(r.a1)
        case "normal_quantile": return Normal.quantile(r.a1)
        case "t_cdf": return StudentT.cdf(r.a1, df: r.a2)
        case "t_sf": return StudentT.sf(r.a1, df: r.a2)
        case "t_quantile": return StudentT.quantile(r.a1, df: r.a2)
        case "chi2_cdf": return ChiSquared.cdf(r.a1, df: r.a2)
        case "chi2_sf": return ChiSquared.sf(r.a1, df: r.a2)
        case "chi2_quantile": return ChiSquared.quantile(r.a1, df: r.a2)
        case "f_cdf": return FDistribution.cdf(r.a1, df1: r.a2, df2: r.a3)
        case "f_sf": return FDistribution.sf(r.a1, df1: r.a2, df2: r.a3)
        case "f_quantile": return FDistribution.quantile(r.a1, df1: r.a2, df2: r.a3)
        case "log_gamma": return SpecialFunctions.logGamma(r.a1)
        case "digamma": return SpecialFunctions.digamma(r.a1)
        case "trigamma": return SpecialFunctions.trigamma(r.a1)
        case "gamma_p": return SpecialFunctions.regularizedGammaP(r.a1, r.a2)
        case "gamma_q": return SpecialFunctions.regularizedGammaQ(r.a1, r.a2)
        case "beta_i": return SpecialFunctions.regularizedBeta(r.a1, r.a2, r.a3)
        case "poisson": return DiscreteLogPMF.poisson(r.a1, mean: r.a2)
        case "binomial": return DiscreteLogPMF.binomial(r.a1, trials: r.a2, p: r.a3)
        case "negbin2": return DiscreteLogPMF.negativeBinomial2(r.a1, mean: r.a2, alpha: r.a3)
        default: return nil
        }
    }

    /// Relative error, with two stated exceptions: an expected 0 must be met exactly, and an
    /// expected value in the subnormal range (below 2.2e-308, where a double carries fewer than
    /// 52 bits) is compared with an absolute tolerance of 1e-6 × 2.2e-308.
    static func error(actual: Double, expected: Double) -> Double {
        if actual == expected { return 0 }
        if actual.isNaN || expected.isNaN || expected.isInfinite { return .infinity }
        if abs(expected) < Double.leastNormalMagnitude {
            return abs(actual - expected) <= 1e-6 * Double.leastNormalMagnitude ? 0 : .infinity
        }
        return abs(actual - expected) / abs(expected)
    }

    /// The bound per function. 1e-12 everywhere (the target), except the quantiles, whose relative
    /// error is that of the cdf divided by the elasticity `x f(x) / F(x)` of the tail: where that is
    /// small (the chi-square and F quantiles for df in the hundreds and more, where F changes by a
    /// factor e over a relative change 1/√df in x) the inversion cannot beat the cdf's ~1e-14 by
    /// more than that factor; the bound used is still 1e-12 since the measured errors sit below it.
    static let bound: [String: Double] = [:]

    func testAgainstMpmathReference() throws {
        let rows = try Self.loadRows()
        XCTAssertGreaterThan(rows.count, 1000, "the fixture should hold the whole grid")
        var worst: [String: (Double, Row)] = [:]
        var failures = 0
        for r in rows {
            guard let actual = Self.evaluate(r) else {
                XCTFail("unknown function \(r.function) on fixture line \(r.line)")
                continue
            }
            let e = Self.error(actual: actual, expected: r.expected)
            if e > (worst[r.function]?.0 ?? -1) { worst[r.function] = (e, r) }
            if e > (Self.bound[r.function] ?? 1e-12) {
                failures += 1
                XCTFail("\(r.function)(\(r.a1), \(r.a2), \(r.a3)) = \(actual), expected \(r.expected): relative error \(e) (fixture line \(r.line))")
            }
        }
        print("CoopDistributions: largest relative error per function against mpmath (scripts/fixtures/distributions.py):")
        for (name, (e, r)) in worst.sorted(by: { $0.key < $1.key }) {
            print("  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(e) at (\(r.a1), \(r.a2), \(r.a3))")
        }
        XCTAssertEqual(failures, 0)
    }
}
