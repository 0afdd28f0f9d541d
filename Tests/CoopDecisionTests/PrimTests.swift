@testable import CoopDecision
import Foundation
import XCTest

final class PrimTests: XCTestCase {
    /// The whole peeling and pasting trajectory of EMA Workbench's Prim.find_box on the same data:
    /// box limits, coverage, density, mass and restricted dimensions at every step.
    func testTrajectoryMatchesEMAWorkbench() throws {
        let f = try json("prim.json")
        let x = matrix(f["x"])
        let y = doubles(f["y"])
        let prim = PatientRuleInduction(x: x, y: y, peelAlpha: 0.05, pasteAlpha: 0.05, massMin: 0.05)
        let ours = prim.trajectory()
        let ema = f["trajectory"] as! [[String: Any]]
        XCTAssertEqual(ours.count, ema.count, "number of boxes")
        for (i, (o, e)) in zip(ours, ema).enumerated() {
            // Limits to the last bits (Foundation's JSON reader may round the fixture's 17-digit numbers by an ulp).
            for (a, b) in zip(o.lower + o.upper, doubles(e["lower"]) + doubles(e["upper"])) {
                XCTAssertEqual(a, b, accuracy: 1e-14, "box \(i) limits")
            }
            XCTAssertEqual(o.coverage, (e["coverage"] as! NSNumber).doubleValue, accuracy: 1e-12, "box \(i) coverage")
            XCTAssertEqual(o.density, (e["density"] as! NSNumber).doubleValue, accuracy: 1e-12, "box \(i) density")
            XCTAssertEqual(o.mass, (e["mass"] as! NSNumber).doubleValue, accuracy: 1e-12, "box \(i) mass")
            XCTAssertEqual(o.restricted.count, (e["res_dim"] as! NSNumber).intValue, "box \(i) restricted inputs")
        }
        // The box found is where the failures were planted: x1 > 0.6 and x2 < 0.4.
        let last = ours.last!
        XCTAssertEqual(last.lower[0], 0.6, accuracy: 0.02)
        XCTAssertEqual(last.upper[1], 0.4, accuracy: 0.08)
    }

    func testQuantileIsSdtoolkits() {
        // Rank (m − 1) q; the midpoint of the nearest distinct neighbours.
        XCTAssertEqual(PatientRuleInduction.quantile([1, 2, 3, 4, 5], 0.05), 1.5)
        XCTAssertEqual(PatientRuleInduction.quantile([1, 2, 3, 4, 5], 0.95), 4.5)
        XCTAssertEqual(PatientRuleInduction.quantile([1, 1, 1, 2, 3], 0.05), 1.5)
        XCTAssertEqual(PatientRuleInduction.quantile([1, 2, 3, 3, 3], 0.95), 2.5)
    }

    func testChoiceTradesCoverageForDensity() {
        func box(_ c: Double, _ d: Double) -> PatientRuleInduction.Box {
            .init(lower: [0], upper: [1], coverage: c, density: d, mass: 0.1, restricted: [], count: 10, step: "peel")
        }
        let t = [box(1, 0.2), box(0.8, 0.5), box(0.6, 0.7), box(0.4, 0.9)]
        XCTAssertEqual(PatientRuleInduction.choose(t, minimumCoverage: 0.5), 2)
        XCTAssertEqual(PatientRuleInduction.choose(t, minimumCoverage: 0.0), 3)
        XCTAssertEqual(PatientRuleInduction.choose(t, minimumCoverage: 1.1), 0)
    }
}
