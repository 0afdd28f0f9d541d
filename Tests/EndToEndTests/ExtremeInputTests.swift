import Foundation
import XCTest

/// Issue 16 items 3 and 5: values `validate` accepted that crashed the engine or were misread
/// with exit 0. Each is now refused where it enters, naming the file and the field, with the
/// exact exit status, and no output folder is written.
final class ExtremeInputTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    @discardableResult
    func expect(_ args: [String], _ status: Int32, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, status, "\(args): \(r.stderr)", file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(args): stderr lacks '\(f)': \(r.stderr)", file: file, line: line) }
        for bad in ["Fatal error", "Program crashed", "Backtracing"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(args) crashed: \(r.stderr)", file: file, line: line)
        }
        return r
    }

    /// hcmc-baseline with absolute model and calibration paths and `edit` applied, in `dir`.
    func baseline(in dir: URL, calibration: String? = nil, _ edit: (String) -> String = { $0 }) throws -> String {
        var s = try String(contentsOfFile: scenario("hcmc-baseline"), encoding: .utf8)
        s = s.replacingOccurrences(of: "model = \"model.toml\"", with: "model = \"\(scenario("model"))\"")
        s = s.replacingOccurrences(of: "calibration = \"calibration.toml\"",
                                   with: "calibration = \"\(calibration ?? CLI.root.appendingPathComponent("Scenarios/calibration.toml").path)\"")
        let path = dir.appendingPathComponent("s-\(UUID().uuidString.prefix(8)).toml").path
        try edit(s).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testExtremeValuesAreRefusedWhereTheyEnter() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o").path
        // A stock of 5e16 cooperatives: the negative-binomial draw overflowed the Poisson sampler (signal).
        // Refused where it enters (the samplers also saturate, for values the simulation itself reaches).
        let stock = try baseline(in: dir) { text in
            guard let r = text.range(of: #"\ncoops = [0-9]+"#, options: .regularExpression) else { return text }
            return text.replacingCharacters(in: r, with: "\ncoops = 50000000000000000")
        }
        XCTAssertTrue(try String(contentsOfFile: stock, encoding: .utf8).contains("coops = 50000000000000000"))
        try expect(["validate", stock], 65, URL(fileURLWithPath: stock).lastPathComponent, "observed.coops",
                   "a whole number from 0 to 1e15", "50000000000000000")
        try expect(["run", stock, "--draws", "10", "--out", out], 65, "observed.coops", "a whole number from 0 to 1e15")
        // 1e15 itself is allowed: a result or a located message, never a signal.
        let edge = try baseline(in: dir) { text in
            guard let r = text.range(of: #"\ncoops = [0-9]+"#, options: .regularExpression) else { return text }
            return text.replacingCharacters(in: r, with: "\ncoops = 1000000000000000")
        }
        try expect(["validate", edge], 0)
        let ran = try CLI.run(["run", edge, "--draws", "10", "--out", out])
        XCTAssertTrue([0, 65].contains(ran.status), "\(ran.status): \(ran.stderr)")
        for bad in ["Fatal error", "Program crashed", "Backtracing"] { XCTAssertFalse(ran.stderr.contains(bad), ran.stderr) }
        try? FileManager.default.removeItem(atPath: out)
        // An absurd dispersion in a calibration file (signal in the gamma sampler).
        var cal = try String(contentsOfFile: CLI.root.appendingPathComponent("Scenarios/calibration.toml").path, encoding: .utf8)
        cal = cal.replacingOccurrences(of: "alpha = 0.07623021201574912", with: "alpha = 1e300")
        let calPath = dir.appendingPathComponent("calibration.toml").path
        try cal.write(toFile: calPath, atomically: true, encoding: .utf8)
        let absurd = try baseline(in: dir, calibration: calPath)
        try expect(["run", absurd, "--draws", "10", "--out", out], 65, "calibration.toml", "equations[1].alpha",
                   "a dispersion from 0 to 10000")
        // A calibration equation given twice: one was silently used.
        var twice = try String(contentsOfFile: CLI.root.appendingPathComponent("Scenarios/calibration.toml").path, encoding: .utf8)
        let first = twice.range(of: "[[equations]]")!.lowerBound
        let second = twice.range(of: "[[equations]]", range: twice.index(after: first)..<twice.endIndex)!.lowerBound
        twice += "\n" + twice[first..<second]
        let twicePath = dir.appendingPathComponent("twice.toml").path
        try twice.write(toFile: twicePath, atomically: true, encoding: .utf8)
        try expect(["run", try baseline(in: dir, calibration: twicePath), "--draws", "10", "--out", out], 65,
                   "twice.toml", ".name: expected each equation once", "'entries', also given at line")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no output for refused input")
    }

    /// History years of 0 or below passed `validate` and `run`, then `report` refused the run's
    /// own output; a year written twice (2022 and "02022") mixed two values.
    func testMisreadYearsAreRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let zero = try baseline(in: dir) { $0 + "\n[history]\nworkers = { 0 = 100 }\n" }
        try expect(["validate", zero], 65, "history.workers.0", "a year from 1 to last_observed_year (2023)")
        let twice = try baseline(in: dir) { $0 + "\n[history]\nworkers = { 2022 = 100, \"02022\" = 200 }\n" }
        try expect(["validate", twice], 65, "history.workers.02022", "written once, without leading zeros")
        let lever = try baseline(in: dir) { $0.replacingOccurrences(of: "promotion = 20 ", with: "promotion = { 2024 = 20, \"02024\" = 40 } ") }
        try expect(["validate", lever], 65, "levers.promotion.02024", "each year written once")
    }

    /// One ±1e308 cell in a calibrate panel made inf and NaN estimates (or a signal); `fit`
    /// refused the same data; `calibrate` accepted a share of 5. Now each is refused with the
    /// panel's file and line and the column (and the equation when the fit's scale check finds it).
    func testCalibrateRefusesExtremeAndOutOfDomainCells() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let panel = try String(contentsOfFile: CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv").path, encoding: .utf8)
        let lines = panel.components(separatedBy: "\n")
        let header = lines[0].components(separatedBy: ",")
        let cases: [(column: String, value: String, expected: [String])] = [
            // A count of 1e308 is whole and >= 0: the scale check of the fit names it.
            ("entries", "1e308", ["equation 'entries': entries", "values between 1e-150 and 1e150", "check the cell"]),
            ("enforcement", "1e308", ["enforcement: expected a share between 0 and 1 (the domain of enforcement on", "got 1e+308"]),
            ("support", "-1e308", ["support: expected a number of at least 0", "got -1e+308"]),
            ("trained_share", "5", ["trained_share: expected a share strictly between 0 and 1", "got 5", "a share is written 0.52"]),
        ]
        for (k, c) in cases.enumerated() {
            let j = try XCTUnwrap(header.firstIndex(of: c.column))
            var cells = lines[5].components(separatedBy: ",")
            cells[j] = c.value
            var edited = lines
            edited[5] = cells.joined(separator: ",")
            let path = dir.appendingPathComponent("panel\(k).csv").path
            try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("cal\(k).toml").path
            let r = try CLI.run(["calibrate", path, "--model", scenario("model"), "--out", out])
            XCTAssertEqual(r.status, 65, "\(c): \(r.stderr)")
            for f in ["panel\(k).csv:6"] + c.expected { XCTAssertTrue(r.stderr.contains(f), "\(c): stderr lacks '\(f)': \(r.stderr)") }
            for bad in ["Fatal error", "Program crashed", "Backtracing"] { XCTAssertFalse(r.stderr.contains(bad), r.stderr) }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no calibration written")
            XCTAssertFalse(r.stdout.contains("inf") || r.stdout.lowercased().contains("nan"), r.stdout)
        }
    }

    /// Extreme values in a calibration file were blamed on the levers without naming the file:
    /// the domain error now names the calibration file, its line and the value first.
    func testExtremeCalibrationIsBlamedOnTheCalibration() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var cal = try String(contentsOfFile: CLI.root.appendingPathComponent("Scenarios/calibration.toml").path, encoding: .utf8)
        // The first coefficient of the first equation (entries, NB2 with a log link) set to 1e10.
        let start = try XCTUnwrap(cal.range(of: "coefficients = ["))
        let end = try XCTUnwrap(cal.range(of: ",", range: start.upperBound..<cal.endIndex))
        cal.replaceSubrange(start.upperBound..<end.lowerBound, with: "1e10")
        let calPath = dir.appendingPathComponent("extreme.toml").path
        try cal.write(toFile: calPath, atomically: true, encoding: .utf8)
        let s = try baseline(in: dir, calibration: calPath)
        let out = dir.appendingPathComponent("o").path
        let r = try expect(["run", s, "--draws", "10", "--out", out], 65, "the calibration is extreme: the equation 'entries' (", "extreme.toml:", "holds the coefficient of 'Intercept' = 10000000000",
                           "correct the file or run `coopsim calibrate` again")
        // The calibration comes before the levers in the advice.
        let calAt = try XCTUnwrap(r.stderr.range(of: "extreme.toml")).lowerBound
        if let leverAt = r.stderr.range(of: "levers.")?.lowerBound { XCTAssertLessThan(calAt, leverAt, r.stderr) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
