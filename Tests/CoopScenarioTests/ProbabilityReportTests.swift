@testable import CoopScenario
import Foundation
import XCTest

/// Issue 18 item 2 in reports, and issue 16 item 5 for what `report` reads: probabilities carry
/// their exact interval, 0 and 1 are shown by their bound, impossible values are refused.
final class ProbabilityReportTests: XCTestCase {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/run-sample").path

    func copy() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-prob-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: Self.sample, toPath: d)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    /// The display rule: bounds at 0 and 1 (rounded outwards), the interval elsewhere.
    func testDisplay() {
        let en = ReportNumberFormat(language: .en)
        // 0 hits in 10,000 draws: Clopper-Pearson upper bound 3.688e-4 (scipy).
        XCTAssertEqual(en.probability(0, low: 0, high: 0.000368819914622022), "< 0.04%")
        XCTAssertEqual(en.probability(1, low: 1 - 0.000368819914622022, high: 1), "> 99.96%")
        XCTAssertEqual(en.probability(0, low: 0, high: 0.975), "< 97.5%")          // --draws 1
        XCTAssertEqual(en.probability(0.412, low: 0.381, high: 0.443), "41.2% (38.1–44.3%)")
        XCTAssertEqual(en.probability(0.412, low: .nan, high: .nan), "41.2%")     // a folder written before the interval
        XCTAssertEqual(ReportNumberFormat(language: .vi).probability(0, low: 0, high: 0.000368819914622022), "< 0,04%")
    }

    /// A run folder with a target that never held: the report says "< 0.04%", not "0.0%".
    func testReportShowsTheBoundForZero() throws {
        let d = try copy()
        try """
        scenario,region,metric,year,op,value,probability,mc_se,probability_low,probability_high,source
        hcmc-baseline,Thành phố Hồ Chí Minh,coops,2025,>=,700,0,0,0,0.000368819914622022,never reached
        hcmc-2024-plan,Thành phố Hồ Chí Minh,coops,2024,>=,663,0.429,0.011067,0.398,0.46,HCMC 2024 plan

        """.write(toFile: d + "/targets.csv", atomically: true, encoding: .utf8)
        let f = try RunFolder.read(directory: d)
        XCTAssertEqual(f.targets[0].probabilityHigh, 0.000368819914622022)
        let html = ReportBuilder(folder: f, language: .en).html()
        XCTAssertTrue(html.contains("&lt; 0.04%") || html.contains("< 0.04%"), "the bound for 0 hits is missing")
        XCTAssertTrue(html.contains("42.9% (39.8–46.0%)"))
    }

    /// A probability of 7.5 (shown as 750%) and an infinite mean were accepted; now refused at their line and field.
    func testImpossibleValuesAreRefused() throws {
        let d = try copy()
        var t = try String(contentsOfFile: d + "/targets.csv", encoding: .utf8)
        t = t.replacingOccurrences(of: ",0.429,", with: ",7.5,")
        try t.write(toFile: d + "/targets.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.read(directory: d)) { e in
            XCTAssertEqual("\(e)", d + "/targets.csv:3: probability: expected a probability from 0 to 1, got '7.5'")
        }
        let e2 = try copy()
        var s = try String(contentsOfFile: e2 + "/summary.csv", encoding: .utf8)
        s = s.replacingOccurrences(of: ",636.071,", with: ",inf,")
        try s.write(toFile: e2 + "/summary.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.read(directory: e2)) { e in
            XCTAssertEqual("\(e)", e2 + "/summary.csv:2: mean: expected a number between -1e300 and 1e300, got 'inf'")
        }
    }
}
