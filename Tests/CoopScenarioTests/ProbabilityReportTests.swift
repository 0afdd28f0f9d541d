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
        // 0 and all of 4,000 draws: bounds 9.2179e-4 (scipy beta.ppf(0.975, 1, 4000)) round up to 0.10, said
        // "0.1" (one spelling with the "< 0.1%" of 1 path in 4,000); the MC s.e. of 1 in 4,000 to 2 digits.
        XCTAssertEqual(en.probability(0, low: 0, high: 0.0009217947494830555), "< 0.1%")
        XCTAssertEqual(ReportNumberFormat(language: .vi).probability(1, low: 1 - 0.0009217947494830555, high: 1), "> 99,9%")
        XCTAssertEqual(en.probability(0, low: 0, high: 0.0000985), "< 0.01%", "carry from 0.00985 to 0.010")
        XCTAssertEqual(en.standardErrorPercent((0.00025 * 0.99975 / 4000).squareRoot()), "0.025%")
        XCTAssertEqual(en.probability(1, low: 1 - 0.000368819914622022, high: 1), "> 99.96%")
        XCTAssertEqual(en.probability(0, low: 0, high: 0.975), "< 97.5%")          // --draws 1
        XCTAssertEqual(en.probability(0.412, low: 0.381, high: 0.443), "41.2% (38.1–44.3%)")
        XCTAssertEqual(en.probability(0.412, low: .nan, high: .nan), "41.2%")     // a folder written before the interval
        XCTAssertEqual(ReportNumberFormat(language: .vi).probability(0, low: 0, high: 0.000368819914622022), "< 0,04%")
        // Bounds closer to 0 or 1 than 1e-14 (only from an edited targets.csv) print with 12 decimals,
        // the most `fixed` takes, rounded outwards; they used to trap in `fixed`'s precondition.
        XCTAssertEqual(en.probability(0.5, low: 1e-20, high: 0.6), "50.0% (0.000000000000–60.0%)")
        XCTAssertEqual(en.probability(0.5, low: 0.4, high: 1 - 1e-15), "50.0% (40.0–100.000000000000%)")
        XCTAssertEqual(en.probability(0, low: 0, high: 1e-20), "< 0.000000000001%")
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

    /// Tables say what charts say near 0 and 1: 3,999, 1 and 19,999 hits (Clopper-Pearson bounds
    /// from scipy's beta.ppf) read "> 99.9%" / "< 0.1%" in both, never "100.0%" or "0.0%"; the
    /// table's interval bounds get the digits that keep them off 0 and 100. English and Vietnamese,
    /// and in a report's target table.
    func testTablesSayWhatChartsSay() throws {
        let cases: [(p: Double, low: Double, high: Double, en: String, vi: String, short: String)] = [
            (0.99975, 0.9986078848780338, 0.9999936705680349, "> 99.9% (99.9–99.9994%)", "> 99,9% (99,9–99,9994%)", "> 99.9%"),
            (0.00025, 6.3294319651334455e-06, 0.0013921151219662678, "< 0.1% (0.0006–0.1%)", "< 0,1% (0,0006–0,1%)", "< 0.1%"),
            (0.99995, 0.9997214496678255, 0.9999987341104021, "> 99.9% (99.97–99.9999%)", "> 99,9% (99,97–99,9999%)", "> 99.9%"),
            (0.412, 0.381, 0.443, "41.2% (38.1–44.3%)", "41,2% (38,1–44,3%)", "41.2%"),
        ]
        let en = ReportNumberFormat(language: .en), vi = ReportNumberFormat(language: .vi)
        for c in cases {
            XCTAssertEqual(en.probability(c.p, low: c.low, high: c.high), c.en)
            XCTAssertEqual(vi.probability(c.p, low: c.low, high: c.high), c.vi)
            XCTAssertEqual(en.probabilityShort(c.p, low: c.low, high: c.high), c.short)
            XCTAssertTrue(c.en.hasPrefix(c.short + " ("), "the table's figure is the chart's")
        }
        let d = try copy()
        try """
        scenario,region,metric,year,op,value,probability,mc_se,probability_low,probability_high,source
        hcmc-baseline,Thành phố Hồ Chí Minh,coops,2025,>=,700,0.99975,0.00025,0.9986078848780338,0.9999936705680349,nearly always
        hcmc-2024-plan,Thành phố Hồ Chí Minh,coops,2024,>=,663,0.429,0.011067,0.398,0.46,HCMC 2024 plan

        """.write(toFile: d + "/targets.csv", atomically: true, encoding: .utf8)
        let f = try RunFolder.read(directory: d)
        for (language, text) in [(ReportLanguage.en, "99.9% (99.9–99.9994%)"), (.vi, "99,9% (99,9–99,9994%)")] {
            let html = ReportBuilder(folder: f, language: language).html()
            XCTAssertTrue(html.contains("&gt; " + text) || html.contains("> " + text), "\(language): the table's figure is missing")
            XCTAssertFalse(html.contains("100.0% (99.9") || html.contains("100,0% (99,9"), "\(language): the table says a certain 100%")
        }
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
