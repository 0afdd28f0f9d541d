import Foundation
import XCTest

/// Issue 18 from the command line: quantiles of a metric spanning many decades against the exact
/// order statistics of the same paths, and comparisons that would lose common random numbers.
final class MonteCarloSummaryTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    /// The default model plus a variable `wide = exp(normal(0, 5))` (17 decades over 10,000 paths),
    /// and a scenario of it, in `dir`.
    func wideModel(in dir: URL) throws -> String {
        var model = try String(contentsOfFile: scenario("model"), encoding: .utf8)
        model = model.replacingOccurrences(of: "[levers]\n",
            with: "wide = { domain = \"positive\", unit = \"x\", en = \"Wide\", vi = \"Rộng\" }\n\n[levers]\n")
        model += "\n[[equations]]\nname = \"wide\"\nidentity = \"wide = exp(normal(0, 5))\"\n"
        try model.write(to: dir.appendingPathComponent("model.toml"), atomically: true, encoding: .utf8)
        var s = try String(contentsOfFile: scenario("hcmc-baseline"), encoding: .utf8)
        s = s.replacingOccurrences(of: "calibration = \"calibration.toml\"",
                                   with: "calibration = \"\(CLI.root.appendingPathComponent("Scenarios/calibration.toml").path)\"")
        s = s.replacingOccurrences(of: "horizon = 2026", with: "horizon = 2024")
        let path = dir.appendingPathComponent("wide.toml").path
        try s.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func rows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// summary.csv's p05 ... p95 of `exp(normal(0, 5))` over 10,000 paths are within 1e-3 of the
    /// exact order statistics of rank floor(q (n - 1)) of the same paths (paths.csv); before, the
    /// low end collapsed (p05 = p25 = p50 = p75 = 830.77 where the truth was 0.00035 ... 25.6).
    func testWideMetricQuantilesMatchThePaths() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try wideModel(in: dir)
        let out = dir.appendingPathComponent("o")
        let n = 10_000
        let r = try CLI.run(["run", file, "--draws", String(n), "--paths", String(n), "--seed", "11", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let paths = try rows(out.appendingPathComponent("paths.csv"))
        let h = paths[0]
        let (yi, mi, vi) = (h.firstIndex(of: "year")!, h.firstIndex(of: "metric")!, h.firstIndex(of: "value")!)
        let values = paths.dropFirst().filter { $0[yi] == "2024" && $0[mi] == "wide" }.map { Double($0[vi])! }.sorted()
        XCTAssertEqual(values.count, n)
        XCTAssertGreaterThan(log10(values.last!) - log10(values.first!), 12, "the metric must span at least 12 decades")
        let summary = try rows(out.appendingPathComponent("summary.csv"))
        let sh = summary[0]
        let row = try XCTUnwrap(summary.first { $0[sh.firstIndex(of: "metric")!] == "wide" && $0[sh.firstIndex(of: "year")!] == "2024" })
        for (name, q) in [("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)] {
            let exact = values[Int((q * Double(n - 1)).rounded(.down))]
            let got = Double(row[sh.firstIndex(of: name)!])!
            XCTAssertLessThanOrEqual(abs(got - exact) / exact, 1e-3 * (1 + 1e-9), "\(name): \(got) against the exact \(exact)")
        }
    }

    /// A comparison across regions shares no chance: refused, naming the field; so is an
    /// alternative whose model draws from other equations. Nothing is written.
    func testComparisonsThatBreakThePairingAreRefused() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("c")
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("haiphong-2014-plan"), "--draws", "10", "--out", out.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("haiphong-2014-plan.toml: region: expected the baseline's region 'Thành phố Hồ Chí Minh'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("draws are keyed by region"), r.stderr)
        XCTAssertTrue(r.stderr.contains("found 'Thành phố Hải Phòng'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // Another random equation in the alternative's model.
        let wide = try wideModel(in: dir)
        let r2 = try CLI.run(["compare", scenario("hcmc-baseline"), wide, "--draws", "10", "--out", out.path])
        XCTAssertEqual(r2.status, 65, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("wide.toml"), r2.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // Levers alone keep the pairing.
        let ok = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "10", "--out", out.path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }
}
