import CoopDistributions
@testable import CoopRandom
import XCTest

/// The special functions the samplers rely on, against mpmath: `Normal.quantile` (from
/// CoopDistributions) over the whole range the uniforms reach, and the internal log-factorial.
final class InternalsTests: XCTestCase {
    /// Fixture: scripts/fixtures/normal_quantile.py (mpmath erfinv at 400 digits).
    func testNormalQuantileAgainstMpmath() throws {
        let rows = try fixtureLines("normal_quantile.txt")
        XCTAssertGreaterThanOrEqual(rows.count, 80)
        var worst = 0.0
        for row in rows {
            let p = try XCTUnwrap(Double(String(row[0])), "bad p \(row[0])")
            let expected = Double(row[1])!
            let got = Normal.quantile(p)
            let rel = expected == 0 ? abs(got) : abs(got - expected) / abs(expected)
            worst = max(worst, rel)
            XCTAssertLessThan(rel, 1e-15, "p = \(p): got \(got), mpmath \(expected)")
        }
        print("Normal.quantile (AS 241) worst relative error against mpmath: \(worst)")
        XCTAssertEqual(Normal.quantile(0), -.infinity)
        XCTAssertEqual(Normal.quantile(1), .infinity)
        XCTAssertTrue(Normal.quantile(.nan).isNaN)
        XCTAssertEqual(Normal.quantile(0.5), 0)
    }

    /// Fixture: scripts/fixtures/log_factorial.py (mpmath loggamma at 40 digits).
    func testLogFactorialAgainstMpmath() throws {
        let rows = try fixtureLines("log_factorial.txt")
        for row in rows {
            let k = Double(row[0])!, expected = Double(row[1])!
            let got = _logFactorial(k)
            // Absolute 2e-14 near zero, relative 1e-14 elsewhere.
            XCTAssertEqual(got, expected, accuracy: max(2e-14, 1e-14 * abs(expected)), "k = \(k)")
        }
    }

    /// The table of log(k!) from 16 up holds the series' own values: a table read returns exactly
    /// the bits the series gives (so samplers' accept/reject decisions do not change).
    func testLogFactorialTableEqualsSeries() {
        for k in 16..<4096 {
            XCTAssertEqual(_logFactorial(Double(k)).bitPattern, _logFactorialSeries(Double(k)).bitPattern, "k = \(k)")
        }
        for k in [16.5, 100.25, 4095.5, 4096, 5000, 1e6] {
            XCTAssertEqual(_logFactorial(k).bitPattern, _logFactorialSeries(k).bitPattern, "k = \(k)")
        }
    }
}
