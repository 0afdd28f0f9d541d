import Foundation
import XCTest

@testable import CoopDistributions

/// The numerical contract case by case: NaN in gives NaN out, the ends of the support, p = 0 and 1,
/// df = infinity, identities that hold exactly (symmetry, closed forms), and the required tail values.
/// Closed forms come from Abramowitz & Stegun; tail values from mpmath (see the comments).
final class EdgeCaseTests: XCTestCase {

    func assertRelative(_ actual: Double, _ expected: Double, _ tolerance: Double = 1e-13,
                        file: StaticString = #filePath, line: UInt = #line) {
        let e = abs(actual - expected) / abs(expected)
        XCTAssert(e <= tolerance, "\(actual) vs \(expected): relative error \(e)", file: file, line: line)
    }

    func testNaNPropagates() {
        XCTAssert(Normal.cdf(.nan).isNaN)
        XCTAssert(Normal.sf(.nan).isNaN)
        XCTAssert(Normal.quantile(.nan).isNaN)
        XCTAssert(Normal.logPDF(.nan).isNaN)
        XCTAssert(StudentT.cdf(.nan, df: 3).isNaN)
        XCTAssert(StudentT.sf(.nan, df: 3).isNaN)
        XCTAssert(StudentT.quantile(.nan, df: 3).isNaN)
        XCTAssert(ChiSquared.cdf(.nan, df: 3).isNaN)
        XCTAssert(ChiSquared.sf(.nan, df: 3).isNaN)
        XCTAssert(ChiSquared.quantile(.nan, df: 3).isNaN)
        XCTAssert(FDistribution.cdf(.nan, df1: 2, df2: 3).isNaN)
        XCTAssert(FDistribution.sf(.nan, df1: 2, df2: 3).isNaN)
        XCTAssert(FDistribution.quantile(.nan, df1: 2, df2: 3).isNaN)
        XCTAssert(SpecialFunctions.logGamma(.nan).isNaN)
        XCTAssert(SpecialFunctions.digamma(.nan).isNaN)
        XCTAssert(SpecialFunctions.trigamma(.nan).isNaN)
        XCTAssert(SpecialFunctions.regularizedGammaP(2, .nan).isNaN)
        XCTAssert(SpecialFunctions.regularizedGammaQ(2, .nan).isNaN)
        XCTAssert(SpecialFunctions.regularizedBeta(2, 3, .nan).isNaN)
        XCTAssert(DiscreteLogPMF.poisson(.nan, mean: 2).isNaN)
        XCTAssert(DiscreteLogPMF.binomial(1, trials: 3, p: .nan).isNaN)
        XCTAssert(DiscreteLogPMF.negativeBinomial2(1, mean: .nan, alpha: 0.5).isNaN)
    }

    func testQuantileEnds() {
        XCTAssertEqual(Normal.quantile(0), -.infinity)
        XCTAssertEqual(Normal.quantile(1), .infinity)
        XCTAssertEqual(Normal.quantile(0.5), 0)
        XCTAssert(Normal.quantile(-0.1).isNaN)
        XCTAssert(Normal.quantile(1.1).isNaN)
        for df in [0.5, 1, 2, 7.5, 1e6] {
            XCTAssertEqual(StudentT.quantile(0, df: df), -.infinity)
            XCTAssertEqual(StudentT.quantile(1, df: df), .infinity)
            XCTAssertEqual(StudentT.quantile(0.5, df: df), 0)
            XCTAssertEqual(ChiSquared.quantile(0, df: df), 0)
            XCTAssertEqual(ChiSquared.quantile(1, df: df), .infinity)
            XCTAssertEqual(FDistribution.quantile(0, df1: df, df2: 3), 0)
            XCTAssertEqual(FDistribution.quantile(1, df1: df, df2: 3), .infinity)
        }
    }

    func testSupportEnds() {
        XCTAssertEqual(Normal.cdf(-.infinity), 0)
        XCTAssertEqual(Normal.cdf(.infinity), 1)
        XCTAssertEqual(Normal.sf(.infinity), 0)
        XCTAssertEqual(Normal.cdf(0), 0.5)
        XCTAssertEqual(StudentT.cdf(-.infinity, df: 4), 0)
        XCTAssertEqual(StudentT.sf(.infinity, df: 4), 0)
        XCTAssertEqual(StudentT.cdf(0, df: 4), 0.5)
        XCTAssertEqual(ChiSquared.cdf(0, df: 4), 0)
        XCTAssertEqual(ChiSquared.sf(0, df: 4), 1)
        XCTAssertEqual(ChiSquared.cdf(-1, df: 4), 0)
        XCTAssertEqual(ChiSquared.sf(.infinity, df: 4), 0)
        XCTAssertEqual(FDistribution.cdf(0, df1: 2, df2: 5), 0)
        XCTAssertEqual(FDistribution.sf(0, df1: 2, df2: 5), 1)
        XCTAssertEqual(FDistribution.cdf(.infinity, df1: 2, df2: 5), 1)
        XCTAssertEqual(SpecialFunctions.regularizedBeta(2, 3, 0), 0)
        XCTAssertEqual(SpecialFunctions.regularizedBeta(2, 3, 1), 1)
        XCTAssertEqual(SpecialFunctions.regularizedGammaP(2, 0), 0)
        XCTAssertEqual(SpecialFunctions.regularizedGammaQ(2, .infinity), 0)
        XCTAssertEqual(SpecialFunctions.logGamma(0), .infinity)
        XCTAssertEqual(SpecialFunctions.logGamma(-3), .infinity)
        XCTAssertEqual(SpecialFunctions.logGamma(1), 0)
        XCTAssertEqual(SpecialFunctions.logGamma(2), 0)
    }

    func testInfiniteDegreesOfFreedomIsNormal() {
        for t in [-40.0, -3, -0.2, 0, 1.5, 8, 37] {
            XCTAssertEqual(StudentT.cdf(t, df: .infinity), Normal.cdf(t))
            XCTAssertEqual(StudentT.sf(t, df: .infinity), Normal.sf(t))
        }
        for p in [1e-300, 0.025, 0.5, 0.975] {
            XCTAssertEqual(StudentT.quantile(p, df: .infinity), Normal.quantile(p))
        }
        // F(d1, inf) = chi2(d1)/d1
        for x in [0.1, 1, 3, 20] {
            assertRelative(FDistribution.sf(x, df1: 4, df2: .infinity), ChiSquared.sf(4 * x, df: 4))
        }
    }

    /// The tail values the other modules rely on for p-values (printed by mpmath at 40 digits:
    /// `betainc(2.5, 0.5, 0, 5/1605)/2`, `ncdf(-37)`, `gammainc(1.5, 250, inf)`, the root of `log ncdf(-x) = log 1e-300`).
    func testRequiredTails() {
        assertRelative(StudentT.sf(40, df: 5), 9.2059810858864772e-8)
        assertRelative(Normal.sf(37), 5.7255712225245768e-300)
        assertRelative(ChiSquared.sf(500, df: 3), 4.7716720319127585e-108)
        assertRelative(Normal.inverseSF(1e-300), 37.047096299361199)
    }

    /// Closed forms (A&S 26.7.x, 26.4.x): Cauchy, t with 2 df, chi-square with 2 df (exponential),
    /// F(2, 2), Poisson, binomial and NB2 at small counts.
    func testClosedForms() {
        for t in [-1e8, -30.0, -2, -0.3, 0.7, 4, 1e5] {
            // Cauchy: sf(t) = atan2(1, t)/π, exact in both tails
            assertRelative(StudentT.sf(t, df: 1), atan2(1, t) / Double.pi)
            // df = 2: cdf(t) = 1/2 + t / (2 √(t² + 2)); lower tail as 1/(2 √(t²+2) (√(t²+2) - t)) ... use sf for t > 0
            if t > 0 {
                let s = (t * t + 2).squareRoot()
                assertRelative(StudentT.sf(t, df: 2), 1 / (s * (s + t)))
            }
        }
        for x in [1e-8, 0.3, 2, 50, 700] {
            assertRelative(ChiSquared.sf(x, df: 2), exp(-x / 2))
            assertRelative(ChiSquared.cdf(x, df: 2), -expm1(-x / 2))
            // F(2, 2): sf(x) = 1 / (1 + x)
            assertRelative(FDistribution.sf(x, df1: 2, df2: 2), 1 / (1 + x))
        }
        for p in [1e-300, 1e-10, 0.2, 0.7, 1 - 1e-10] {
            assertRelative(ChiSquared.quantile(p, df: 2), -2 * log1p(-p), 1e-12)
            // Cauchy quantile: -1/tan(πp) below 1/2, 1/tan(π(1-p)) above (1 - p exact there)
            let cauchy = p < 0.5 ? -1 / tan(Double.pi * p) : 1 / tan(Double.pi * (1 - p))
            assertRelative(StudentT.quantile(p, df: 1), cauchy)
        }
        assertRelative(DiscreteLogPMF.poisson(3, mean: 2.5), 3 * log(2.5) - 2.5 - log(6.0))
        assertRelative(DiscreteLogPMF.binomial(2, trials: 5, p: 0.3), log(10.0) + 2 * log(0.3) + 3 * log(0.7))
        // NB2 with alpha = 1 is geometric: P(k) = (1/(1+mu)) (mu/(1+mu))^k
        assertRelative(DiscreteLogPMF.negativeBinomial2(4, mean: 3, alpha: 1), -log(4.0) + 4 * log(0.75))
        XCTAssertEqual(DiscreteLogPMF.negativeBinomial2(4, mean: 3, alpha: 0), DiscreteLogPMF.poisson(4, mean: 3))
        XCTAssertEqual(DiscreteLogPMF.poisson(-1, mean: 3), -.infinity)
        XCTAssertEqual(DiscreteLogPMF.poisson(0, mean: 0), 0)
        XCTAssertEqual(DiscreteLogPMF.binomial(6, trials: 5, p: 0.5), -.infinity)
        XCTAssertEqual(DiscreteLogPMF.binomial(0, trials: 5, p: 0), 0)
        XCTAssertEqual(DiscreteLogPMF.binomial(5, trials: 5, p: 1), 0)
    }

    /// Asserts that the quantile x solves `cdf(x) = p` to a relative error of 1e-13 in x: the root
    /// is bracketed by `x (1 ∓ 1e-13)`. (Comparing cdf(x) with p instead would multiply the error by
    /// the elasticity `x f(x) / F(x)`, which reaches 1e3 in the tails.)
    /// Where the elasticity is below 1 (lower tails with df/2 < 1, where F ≈ C x^(df/2)), the error of
    /// the cdf is itself magnified by 1/elasticity in x; `slack` passes that factor.
    func assertBracketsRoot(_ x: Double, _ p: Double, increasing: Bool = true, slack: Double = 1,
                            _ cdf: (Double) -> Double, file: StaticString = #filePath, line: UInt = #line) {
        let d = 1e-13 * slack
        let lo = cdf(x - abs(x) * d), hi = cdf(x + abs(x) * d)
        let ok = increasing ? (lo <= p && p <= hi) : (hi <= p && p <= lo)
        XCTAssert(ok, "quantile \(x) for p = \(p): F(x(1-1e-13)) = \(lo), F(x(1+1e-13)) = \(hi)", file: file, line: line)
    }

    /// Symmetries and complements: t is symmetric, cdf + sf = 1, quantile inverts cdf over a seeded sweep.
    func testSymmetryAndRoundTrip() {
        var rng = SplitMix64(seed: 42)
        for i in 0..<400 {
            let df = pow(10, Double.random(in: -0.3...5, using: &rng))
            let t = Double.random(in: -50...50, using: &rng)
            XCTAssertEqual(StudentT.cdf(t, df: df), StudentT.sf(-t, df: df), "seed 42, draw \(i)")
            let s = StudentT.cdf(t, df: df) + StudentT.sf(t, df: df)
            XCTAssertEqual(s, 1, accuracy: 4e-16, "seed 42, draw \(i), df \(df), t \(t)")
            let p = pow(10, Double.random(in: -200 ... -0.31, using: &rng))
            let q = StudentT.quantile(p, df: df)
            if q.isFinite { assertBracketsRoot(q, p) { StudentT.cdf($0, df: df) } }
            else { XCTAssertGreaterThan(StudentT.cdf(-Double.greatestFiniteMagnitude, df: df), p, "df \(df), p \(p)") }
            let k = pow(10, Double.random(in: -0.5...3, using: &rng))
            let x = ChiSquared.quantile(p, df: k)
            if x > Double.leastNormalMagnitude { assertBracketsRoot(x, p, slack: max(1, 2 / k)) { ChiSquared.cdf($0, df: k) } }
            else { XCTAssertEqual(x, 0, "df \(k), p \(p)") }
            let pu = max(p, 1e-12)  // upper tail: sf(y) = 1 - (1 - pu), exact
            let y = ChiSquared.quantile(1 - pu, df: k)
            assertBracketsRoot(y, 1 - (1 - pu), increasing: false) { ChiSquared.sf($0, df: k) }
            let d2 = pow(10, Double.random(in: -0.3...4, using: &rng))
            let f = FDistribution.quantile(p, df1: k, df2: d2)
            if f > Double.leastNormalMagnitude {
                assertBracketsRoot(f, p, slack: max(1, 2 / k)) { FDistribution.cdf($0, df1: k, df2: d2) }
            }
        }
    }
}

/// A small seeded generator for test sweeps (Steele, Lea & Flood 2014).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
