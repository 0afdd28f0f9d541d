import CoopDecision
import Foundation
import XCTest

final class SobolTests: XCTestCase {
    func testSequenceMatchesSciPyBitForBit() throws {
        let text = String(decoding: try fixture("sobol_sequence.csv"), as: UTF8.self)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",").map { Double($0)! } }
        XCTAssertEqual(rows.count, 256)
        let ours = SobolSequence(dimension: 20).points(0..<256)
        for (n, row) in rows.enumerated() {
            XCTAssertEqual(Array(ours[(n * 20)..<((n + 1) * 20)]), row, "point \(n)")
        }
    }

    func testSaltelliDesignIsSALibs() throws {
        let f = try json("ishigami_sobol.json")
        let salib = matrix(f["design_256"])
        let ours = SaltelliDesign(factors: 3, baseRows: 256)
        XCTAssertEqual(ours.count, salib.count)
        for (r, row) in salib.enumerated() { XCTAssertEqual(Array(ours.point(r)), row, "row \(r)") }
    }

    /// SALib's estimates on the same design (to rounding), and the analytic indices of Ishigami
    /// (a = 7, b = 0.1) within the bootstrap intervals.
    func testIshigamiAgainstSALibAndAnalytic() throws {
        let f = try json("ishigami_sobol.json")
        let analytic = f["analytic"] as! [String: Any]
        let s1True = doubles(analytic["first_order"]), stTrue = doubles(analytic["total"])
        for n in [256, 4096] {
            let design = SaltelliDesign(factors: 3, baseRows: n)
            let y = (0..<design.count).map { ishigamiUnit(design.point($0)) }
            let s = SobolIndices.estimate(outputs: y, factors: 3, resamples: n == 256 ? 1000 : 300, seed: 1)
            let salib = (f["estimates"] as! [String: Any])[String(n)] as! [String: Any]
            let s1 = doubles(salib["S1"]), st = doubles(salib["ST"])
            let s1c = doubles(salib["S1_conf"]), stc = doubles(salib["ST_conf"])
            for i in 0..<3 {
                XCTAssertEqual(s.firstOrder[i], s1[i], accuracy: 1e-12, "S1[\(i)] N=\(n)")
                XCTAssertEqual(s.total[i], st[i], accuracy: 1e-12, "ST[\(i)] N=\(n)")
                // Bootstrap half-widths: different resamples, same spread (within a third).
                XCTAssertEqual(s.firstOrderConfidence[i] / s1c[i], 1, accuracy: 0.34, "S1 conf[\(i)] N=\(n)")
                XCTAssertEqual(s.totalConfidence[i] / stc[i], 1, accuracy: 0.34, "ST conf[\(i)] N=\(n)")
                XCTAssertLessThanOrEqual(abs(s.firstOrder[i] - s1True[i]), s.firstOrderConfidence[i], "S1[\(i)] N=\(n) vs analytic")
                XCTAssertLessThanOrEqual(abs(s.total[i] - stTrue[i]), s.totalConfidence[i], "ST[\(i)] N=\(n) vs analytic")
            }
        }
    }

    func testAnalyticIndicesOfTheFixtureAreIshigamis() throws {
        // The closed form (Sobol' & Levitan 1999) computed here independently of the script.
        let a = 7.0, b = 0.1, pi4 = pow(Double.pi, 4), pi8 = pow(Double.pi, 8)
        let v = a * a / 8 + b * pi4 / 5 + b * b * pi8 / 18 + 0.5
        let v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5)
        let f = try json("ishigami_sobol.json")
        let s1 = doubles((f["analytic"] as! [String: Any])["first_order"])
        XCTAssertEqual(s1[0], v1 / v, accuracy: 1e-12)
        XCTAssertEqual(s1[1], a * a / 8 / v, accuracy: 1e-12)
    }

    func testConstantOutputGivesNaNNotATrap() {
        let s = SobolIndices.estimate(outputs: [Double](repeating: 3, count: 20), factors: 3, resamples: 10)
        XCTAssertTrue(s.firstOrder.allSatisfy(\.isNaN))
        XCTAssertEqual(s.variance, 0)
    }
}
