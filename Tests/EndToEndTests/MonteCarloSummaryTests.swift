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
        // The plan's targets run to 2025, past this one-year horizon; the quantile checks need none.
        if let cut = s.range(of: "\n[[targets]]") { s = String(s[..<cut.lowerBound]) + "\n" }
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
        // The city's 2024 plan moved to another region: same years, same model, other chance.
        var plan = try String(contentsOfFile: scenario("hcmc-2024-plan"), encoding: .utf8)
        plan = plan.replacingOccurrences(of: "extends = \"hcmc-baseline.toml\"",
                                         with: "extends = \"\(scenario("hcmc-baseline"))\"\nregion = \"Thành phố Hải Phòng\"")
        let moved = dir.appendingPathComponent("moved-plan.toml").path
        try plan.write(toFile: moved, atomically: true, encoding: .utf8)
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), moved, "--draws", "10", "--out", out.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("moved-plan.toml: region: expected the baseline's region 'Thành phố Hồ Chí Minh'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("draws are keyed by region"), r.stderr)
        XCTAssertTrue(r.stderr.contains("got 'Thành phố Hải Phòng'"), r.stderr)
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

    /// probability_low/high in targets.csv and prob_increase_low/high in compare.csv equal scipy's
    /// Clopper-Pearson interval on the same counts (scripts/fixtures/clopper_pearson.py wrote every
    /// count of 1,000 draws); a probability of 0 or 1 has a bound, not a zero standard error.
    func testIntervalColumnsEqualScipy() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var scipy: [Int: (Double, Double)] = [:]
        let fixture = CLI.root.appendingPathComponent("Tests/CoopDistributionsTests/Fixtures/clopper_pearson.csv")
        for r in try rows(fixture).dropFirst() where r.count == 4 && r[1] == "1000" { scipy[Int(r[0])!] = (Double(r[2])!, Double(r[3])!) }
        XCTAssertEqual(scipy.count, 1001)
        let out = dir.appendingPathComponent("c")
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "1000", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        var checked = 0, edges = 0
        for (file, p, lo, hi) in [("targets.csv", "probability", "probability_low", "probability_high"),
                                  ("compare.csv", "prob_increase", "prob_increase_low", "prob_increase_high")] {
            let t = try rows(out.appendingPathComponent(file))
            let h = t[0]
            let (pi, li, hi2) = (h.firstIndex(of: p)!, h.firstIndex(of: lo)!, h.firstIndex(of: hi)!)
            for row in t.dropFirst() where row.count >= h.count {   // only the last column (source) may hold commas
                guard let share = Double(row[pi]) else { XCTAssertEqual(row[li], ""); continue }   // a target the model cannot evaluate
                let k = Int((share * 1000).rounded())
                let (wantLo, wantHi) = scipy[k]!
                XCTAssertEqual(Double(row[li])!, wantLo, accuracy: 2e-11 * max(wantLo, 1e-300), "\(file) k = \(k)")
                XCTAssertEqual(Double(row[hi2])!, wantHi, accuracy: 2e-11 * wantHi, "\(file) k = \(k)")
                if k == 0 || k == 1000 { edges += 1; XCTAssertGreaterThan(Double(row[hi2])! - Double(row[li])!, 0.003) }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20)
        XCTAssertGreaterThan(edges, 0, "some probability of 0 or 1 must be checked")
    }
}
