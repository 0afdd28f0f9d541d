@testable import CoopDistributions
import Foundation
import XCTest

/// Clopper-Pearson intervals against scipy (`scripts/fixtures/clopper_pearson.py` wrote
/// `Fixtures/clopper_pearson.csv` from `scipy.stats.beta.ppf`, cross-checked there against
/// `scipy.stats.binomtest(k, n).proportion_ci(method="exact")` to 1e-10).
final class BinomialIntervalTests: XCTestCase {
    func testClopperPearsonMatchesScipy() throws {
        guard let url = Bundle.module.url(forResource: "clopper_pearson", withExtension: "csv", subdirectory: "Fixtures")
        else { return XCTFail("Fixtures/clopper_pearson.csv is missing; run scripts/fixtures/clopper_pearson.py") }
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertGreaterThan(lines.count, 80)
        var worst = 0.0
        for line in lines {
            let f = line.split(separator: ",").map(String.init)
            let k = Int(f[0])!, n = Int(f[1])!, lower = Double(f[2])!, upper = Double(f[3])!
            let ci = BinomialInterval.clopperPearson(successes: k, trials: n)
            for (got, want, side) in [(ci.lower, lower, "lower"), (ci.upper, upper, "upper")] {
                let err = want == 0 ? abs(got) : abs(got - want) / want
                worst = max(worst, err)
                XCTAssertLessThanOrEqual(err, 2e-11, "\(k) of \(n), \(side): \(got) against scipy's \(want)")
            }
        }
        print("Clopper-Pearson: largest relative difference from scipy \(worst)")
    }

    /// The closed forms at the edges and the refusals.
    func testEdges() {
        XCTAssertEqual(BinomialInterval.clopperPearson(successes: 0, trials: 10_000).upper, 1 - pow(0.025, 1e-4), accuracy: 1e-15)
        XCTAssertEqual(BinomialInterval.clopperPearson(successes: 0, trials: 10_000).lower, 0)
        XCTAssertEqual(BinomialInterval.clopperPearson(successes: 7, trials: 7).upper, 1)
        XCTAssertEqual(BinomialInterval.clopperPearson(successes: 1, trials: 1).lower, 0.025, accuracy: 1e-15)
        XCTAssertTrue(BinomialInterval.clopperPearson(successes: 3, trials: 2).lower.isNaN)
        XCTAssertTrue(BinomialInterval.clopperPearson(successes: 0, trials: 0).upper.isNaN)
    }
}
