import Foundation
import XCTest

/// Issue 16, items 5 and 7: input that was misread with exit 0, or refused with a message that
/// sent the analyst the wrong way. Each case asserts the exit status and that the message names
/// the file (and line) and the field, and says what would work.
final class MisleadingMessageTests: XCTestCase {
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

    /// The shipped model with `edit` applied, and hcmc-baseline pointing at it (absolute paths).
    func withModel(in dir: URL, _ edit: (String) -> String) throws -> (model: String, scenario: String) {
        let model = dir.appendingPathComponent("model.toml").path
        try edit(try String(contentsOfFile: scenario("model"), encoding: .utf8)).write(toFile: model, atomically: true, encoding: .utf8)
        var s = try String(contentsOfFile: scenario("hcmc-baseline"), encoding: .utf8)
        s = s.replacingOccurrences(of: "model = \"model.toml\"", with: "model = \"\(model)\"")
        s = s.replacingOccurrences(of: "calibration = \"calibration.toml\"",
                                   with: "calibration = \"\(CLI.root.appendingPathComponent("Scenarios/calibration.toml").path)\"")
        let path = dir.appendingPathComponent("s.toml").path
        try s.write(toFile: path, atomically: true, encoding: .utf8)
        return (model, path)
    }

    /// An identity cycle was told to move an equation above the other, which cannot work (the
    /// other then reads the first before it is computed). Now the cycle is named and the advice
    /// is to read a lag.
    func testIdentityCycleIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // workers reads va, va reads workers (both in the current year).
        let two = try withModel(in: dir) {
            $0.replacingOccurrences(of: "identity = \"workers = coops * workers_per_coop\"",
                                    with: "identity = \"workers = va * 1000 / productivity\"")
        }
        let r = try expect(["validate", two.scenario], 65, "model.toml:", "equations[", "a cycle in the current year: workers -> va -> workers",
                           "no order of the equations can compute these", "lag(va)")
        XCTAssertFalse(r.stderr.contains("move the equation"), r.stderr)
        // An identity reading its own variable on the right.
        let own = try withModel(in: dir) {
            $0.replacingOccurrences(of: "identity = \"gdp_share = va / grdp\"", with: "identity = \"gdp_share = va / grdp + 0 * gdp_share\"")
        }
        let r2 = try expect(["validate", own.scenario], 65, "a cycle in the current year: gdp_share -> gdp_share", "reads itself",
                            "lag(gdp_share) on the right of 'gdp_share'")
        XCTAssertFalse(r2.stderr.contains("move the equation"), r2.stderr)
        // A plain order problem keeps its advice (moving the equation works there).
        let order = try withModel(in: dir) {
            $0.replacingOccurrences(of: "identity = \"coops = lag(coops) + entries - exits\"",
                                    with: "identity = \"coops = lag(coops) + entries - exits + 0 * workers_per_coop\"")
        }
        try expect(["validate", order.scenario], 65, "'workers_per_coop' is read before any equation computes it",
                   "move the equation that computes 'workers_per_coop' above 'coops'")
    }

    /// A model file with lone-CR line endings (classic Mac) was reported as "model missing".
    func testLoneCarriageReturnsAreNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cr = try withModel(in: dir) { $0.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r") }
        let r = try expect(["validate", cr.scenario], 65, "model.toml:1", "carriage return", "classic Mac line endings")
        XCTAssertFalse(r.stderr.lowercased().contains("missing"), r.stderr)
    }

    /// Quoted decimal-comma numbers ("0,52", as a spreadsheet in a Vietnamese locale writes
    /// them) were fitted as a categorical without a word.
    func testQuotedDecimalCommaIsNamed() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = "region,year,y,x\n"
        for i in 0..<12 { csv += "R\(i % 3),\(2010 + i),\(i * 2 + (i % 4)),\"\(i % 3),\(i % 3 == 0 ? "25" : "75")\"\n" }
        let path = dir.appendingPathComponent("comma.csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        try expect(["fit", path, "--formula", "y ~ x"], 65, "comma.csv:2", "x", "'0,25' (a decimal comma) and 11 other cells like it",
                   "'.' as the decimal point", "C(x)")
        try expect(["validate", path], 65, "comma.csv:2", "'0,25' (a decimal comma)")
        // Kept categorical on request: C(x) fits.
        try expect(["fit", path, "--formula", "y ~ C(x)"], 0)
    }

    /// NUL and ESC characters inside TOML strings were accepted (and shown raw in reports).
    func testControlCharactersInTOMLStrings() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try String(contentsOfFile: scenario("hcmc-2024-plan"), encoding: .utf8)
        for (label, byte) in [("U+0000", "\u{0}"), ("U+001B", "\u{1B}")] {
            guard let r = base.range(of: #"title = ""#) else { return XCTFail("no title in the plan") }
            var s = base
            s.insert(contentsOf: "a" + byte + "b", at: r.upperBound)
            s = s.replacingOccurrences(of: "extends = \"", with: "extends = \"\(CLI.root.path)/Scenarios/")
            let path = dir.appendingPathComponent("ctl.toml").path
            try s.write(toFile: path, atomically: true, encoding: .utf8)
            let line = s[..<r.upperBound].filter { $0 == "\n" }.count + 1
            try expect(["validate", path], 65, "ctl.toml:\(line)", label)
        }
    }
}
