import Foundation
import XCTest

/// run.json records each calibration a run used (file, SHA-256, fitted_on in English and
/// Vietnamese, illustrative, panel), reports take the caveat from there, and values far outside
/// the calibration panel's range are warned about.
final class CalibrationProvenanceTests: XCTestCase {
    /// A scratch copy of Scenarios/ (model, calibration, the HCMC baseline), so files can be removed.
    private func workdir() throws -> URL {
        let work = try CLI.temporaryDirectory()
        let scenarios = work.appendingPathComponent("Scenarios")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        for f in ["hcmc-baseline.toml", "model.toml", "calibration.toml"] {
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Scenarios/" + f), to: scenarios.appendingPathComponent(f))
        }
        return work
    }

    private func json(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func testRunJSONRecordsTheCalibrationAndReportsReadIt() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out").path
        let r = try CLI.run(["run", "Scenarios/hcmc-baseline.toml", "--draws", "50", "--out", out], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try json(out + "/run.json")
        let cals = try XCTUnwrap(run["calibrations"] as? [[String: Any]])
        XCTAssertEqual(cals.count, 1)
        let c = cals[0]
        XCTAssertEqual(c["path"] as? String, "Scenarios/calibration.toml")
        let shipped = try Data(contentsOf: work.appendingPathComponent("Scenarios/calibration.toml"))
        let inputs = try XCTUnwrap(run["inputs"] as? [[String: Any]])
        XCTAssertEqual(c["sha256"] as? String, inputs.first { $0["path"] as? String == "Scenarios/calibration.toml" }?["sha256"] as? String)
        XCTAssertEqual((c["sha256"] as? String)?.count, 64)
        XCTAssertEqual(c["illustrative"] as? Bool, true)
        XCTAssertEqual(c["data_file"] as? String, "Scenarios/data/synthetic_panel.csv")
        let fittedOn = try XCTUnwrap(c["fitted_on"] as? String), fittedOnVI = try XCTUnwrap(c["fitted_on_vi"] as? String)
        XCTAssertTrue(fittedOn.contains("synthetic panel") && fittedOnVI.contains("bảng số liệu mô phỏng"), "\(c)")
        XCTAssertTrue(String(decoding: shipped, as: UTF8.self).contains("fitted_on_vi = \"\(fittedOnVI)\""))

        // The report reads run.json: the caveat stays when the calibration file is gone, and the
        // Vietnamese one is wholly Vietnamese (no word of the English fitted_on).
        try FileManager.default.removeItem(at: work.appendingPathComponent("Scenarios/calibration.toml"))
        for (lang, expected, foreign) in [("vi", "ước lượng trên " + fittedOnVI, "synthetic panel"), ("en", "fitted on " + fittedOn, "bảng số liệu")] {
            let md = work.appendingPathComponent("r.\(lang).md").path
            XCTAssertEqual(try CLI.run(["report", out, "--format", "md", "--lang", lang, "--out", md], cwd: work).status, 0)
            // (Markdown escapes the underscores of file names.)
            let text = try String(contentsOfFile: md, encoding: .utf8).replacingOccurrences(of: "\\_", with: "_")
            let caveat = try XCTUnwrap(text.split(separator: "\n").first { $0.hasPrefix("> **") }, "\(lang): no caveat")
            XCTAssertTrue(caveat.contains(expected), "\(lang): \(caveat)")
            XCTAssertFalse(caveat.contains(foreign), "\(lang): \(caveat)")
            for word in ["fitted", "made-up", "not observed", "seed"] where lang == "vi" {
                XCTAssertFalse(caveat.contains(word), "English '\(word)' in the Vietnamese caveat: \(caveat)")
            }
        }

        // A folder written before "calibrations": without the key the report reads the file, and
        // with the file gone there is nothing to say.
        var old = try String(contentsOfFile: out + "/run.json", encoding: .utf8)
        let start = try XCTUnwrap(old.range(of: "  \"calibrations\": ["))
        let end = try XCTUnwrap(old.range(of: "  ],\n", range: start.upperBound..<old.endIndex))
        old.removeSubrange(start.lowerBound..<end.upperBound)
        try old.write(toFile: out + "/run.json", atomically: true, encoding: .utf8)
        let md = work.appendingPathComponent("old.md").path
        XCTAssertEqual(try CLI.run(["report", out, "--format", "md", "--out", md], cwd: work).status, 0)
        XCTAssertFalse(try String(contentsOfFile: md, encoding: .utf8).contains("> **Caveat"), "no calibration file, no record: no caveat")
        try shipped.write(to: work.appendingPathComponent("Scenarios/calibration.toml"))
        XCTAssertEqual(try CLI.run(["report", out, "--format", "md", "--out", md], cwd: work).status, 0)
        XCTAssertTrue(try String(contentsOfFile: md, encoding: .utf8).contains("> **Caveat: the model's coefficients (Scenarios/calibration.toml (fitted on synthetic panel"),
                      "older folder: read from the file with the recorded SHA-256")
    }

    /// A share, a per-cooperative value and a growth rate far outside the panel's range are warned
    /// about with file, line, key, value and range; a national-sized budget (extensive) is not;
    /// the run goes on.
    func testValuesFarOutsideTheCalibrationPanelAreWarned() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        try """
        name = "far"
        extends = "hcmc-baseline.toml"

        [observed]
        workers_per_coop = 394

        [levers]
        training = { 2024 = 0.1, 2025 = 0.6 }
        support = 600

        [assumptions]
        grdp_growth = 0.2
        """.write(to: work.appendingPathComponent("Scenarios/far.toml"), atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", "Scenarios/far.toml"], cwd: work)
        XCTAssertEqual(v.status, 0, v.stderr)
        let warnings = v.stderr.split(separator: "\n").filter { $0.contains("far outside the range of the calibration panel") }
        XCTAssertEqual(warnings.count, 3, v.stderr)
        XCTAssertTrue(v.stderr.contains("warning: Scenarios/far.toml:5: observed.workers_per_coop = 394 in 2023 is far outside the range of the calibration panel, 15.3 to 76.2 (persons per cooperative) in Scenarios/data/synthetic_panel.csv (warned outside -22.7 to 114)"), v.stderr)
        XCTAssertTrue(v.stderr.contains("warning: Scenarios/far.toml:8: levers.training = 0.6 in 2025 is far outside the range of the calibration panel, 0.000672 to 0.199 (share per year)"), v.stderr)
        XCTAssertTrue(v.stderr.contains("warning: Scenarios/far.toml:12: assumptions.grdp_growth = 0.2 is far outside"), v.stderr)
        XCTAssertFalse(v.stderr.contains("levers.support"), "an extensive lever is not checked: " + v.stderr)
        let r = try CLI.run(["run", "Scenarios/far.toml", "--draws", "20", "--out", work.appendingPathComponent("o").path], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("far outside") }.count, 3, r.stderr)
    }

    /// No shipped scenario is far outside the panel's range (the rule is quiet where it should be).
    func testNoShippedScenarioIsWarned() throws {
        let dir = CLI.root.appendingPathComponent("Scenarios")
        var files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.hasSuffix(".toml") && !["model.toml", "truth.toml", "calibration.toml"].contains($0)
        }.map { "Scenarios/" + $0 }
        files += try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("regions").path)
            .filter { $0.hasSuffix(".toml") }.map { "Scenarios/regions/" + $0 }
        XCTAssertGreaterThanOrEqual(files.count, 22)
        let v = try CLI.run(["validate"] + files.sorted())
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertFalse(v.stderr.contains("warning"), v.stderr)
    }
}
