import Foundation
import XCTest

/// `coopsim sweep | sensitivity | optimize | discover` end to end on the shipped HCMC plan and on a
/// toy model with a closed-form answer. Small draws keep the suite fast.
final class DecisionCommandTests: XCTestCase {
    let plan = "Scenarios/hcmc-2024-plan.toml"
    let ranges = "Scenarios/ranges/hcmc-2024.toml"

    func tmp() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-decision-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    func rows(_ url: URL) throws -> [[String]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The grid point at the scenario's own lever value is the scenario: sweep's numbers equal run's, digit for digit.
    func testSweepAtTheScenarioValueEqualsRun() throws {
        let d = try tmp()
        let r1 = try CLI.run(["run", plan, "--draws", "600", "--threads", "2", "--out", d.appendingPathComponent("run").path])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r2 = try CLI.run(["sweep", plan, "--ranges", ranges, "--factor", "promotion", "--levels", "3", "--draws", "600", "--threads", "2",
                              "--out", d.appendingPathComponent("sweep").path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        // promotion: add over [-10, 30] in 3 levels (-10, 10, 30) plus the scenario's own value 0.
        let summary = try rows(d.appendingPathComponent("sweep/sweep_summary.csv"))
        XCTAssertEqual(summary[0].prefix(3), ["case", "promotion", "scenario"])
        let atZero = summary.dropFirst().filter { $0[1] == "0" }.map { Array($0.dropFirst(2)) }
        let runSummary = Array(try rows(d.appendingPathComponent("run/summary.csv")).dropFirst())
        XCTAssertFalse(atZero.isEmpty)
        XCTAssertEqual(atZero, runSummary.filter { !$0.allSatisfy(\.isEmpty) })
        XCTAssertEqual(Set(summary.dropFirst().map { $0[1] }), ["-10", "0", "10", "30"])
        // Probabilities of the targets: sweep.csv at promotion 0 against targets.csv.
        let sweep = try rows(d.appendingPathComponent("sweep/sweep.csv"))
        let targets = try rows(d.appendingPathComponent("run/targets.csv"))
        let h = targets[0]
        for t in targets.dropFirst() where t.count == h.count {
            let metric = t[h.firstIndex(of: "metric")!], p = t[h.firstIndex(of: "probability")!], value = t[h.firstIndex(of: "value")!]
            let s = sweep.first { $0.count > 8 && $0[1] == "0" && $0[2] == "probability" && $0[3] == metric && $0[6] == value }
            XCTAssertEqual(s?[7], p, "P(\(metric)) at the scenario's value")
        }
    }

    /// Same bytes whatever the threads (every CSV; run.json records the threads and time).
    func testSensitivityIsByteIdenticalAcrossThreads() throws {
        let d = try tmp()
        for threads in ["1", "2"] {
            let r = try CLI.run(["sensitivity", plan, "--ranges", ranges, "--method", "sobol", "--samples", "4", "--draws", "300",
                                 "--threads", threads, "--out", d.appendingPathComponent("t\(threads)").path])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: d.appendingPathComponent("t1").path).filter { $0.hasSuffix(".csv") }.sorted()
        XCTAssertEqual(files, ["cases.csv", "factors.csv", "metrics.csv", "scenarios.csv", "sobol.csv"])
        for f in files {
            let a = try Data(contentsOf: d.appendingPathComponent("t1/\(f)")), b = try Data(contentsOf: d.appendingPathComponent("t2/\(f)"))
            XCTAssertEqual(a, b, f)
        }
        // 6 factors, 4 base rows: 4 · (6 + 2) cases.
        let cases = try rows(d.appendingPathComponent("t1/cases.csv"))
        XCTAssertEqual(Set(cases.dropFirst().map { $0[0] }).count, 32)
    }

    /// The toy model's least-cost mix (closed form: a = 4.7197, b = 2.8131, cost 13.159) is found to
    /// the stated grid precision, and the fresh-draw probability is 0.8 within its Monte Carlo error;
    /// `coopsim run optimal.toml` reproduces it.
    func testOptimizeFindsTheClosedFormOptimum() throws {
        let d = try tmp()
        let toy = "Tests/EndToEndTests/Fixtures/decision-toy/"
        let r = try CLI.run(["optimize", toy + "toy.toml", "--ranges", toy + "ranges.toml", "--probability", "0.8", "--rounds", "6",
                             "--threads", "2", "--out", d.appendingPathComponent("opt").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let optimum = try rows(d.appendingPathComponent("opt/optimum.csv"))
        let h = optimum[0]
        let value = h.firstIndex(of: "value")!, precision = h.firstIndex(of: "precision")!
        let a = Double(optimum[1][value])!, b = Double(optimum[2][value])!
        // 10 / 4 · (1/2)^5 = 0.078 per lever; along the constraint the cost is flat, so the point may
        // slide a little: the cost is the test, within one grid step of each lever of the optimum.
        XCTAssertEqual(Double(optimum[1][precision])!, 0.078125)
        let cost = a + 3 * b
        XCTAssertGreaterThan(cost, 13.159 - 0.05, "a = \(a), b = \(b)")   // feasible up to Monte Carlo error
        XCTAssertLessThanOrEqual(cost, 13.159 * 1.02, "a = \(a), b = \(b)")   // the stated tolerance: within 2%
        let check = try rows(d.appendingPathComponent("opt/check.csv"))
        let ch = check[0]
        let p = Double(check[1][ch.firstIndex(of: "estimate")!])!, se = Double(check[1][ch.firstIndex(of: "mc_se")!])!
        XCTAssertEqual(p, 0.8, accuracy: 3 * se + 0.02)
        let rr = try CLI.run(["run", d.appendingPathComponent("opt/optimal.toml").path, "--out", d.appendingPathComponent("rerun").path])
        XCTAssertEqual(rr.status, 0, rr.stderr)
        let targets = try rows(d.appendingPathComponent("rerun/targets.csv"))
        XCTAssertEqual(targets[1][targets[0].firstIndex(of: "probability")!], check[1][ch.firstIndex(of: "estimate")!])
    }

    /// Tornado charts give each factor's label whole, in Vietnamese as in English: wrapped onto up to
    /// three lines in a label column as wide as the chart allows, the whole label also in the group's
    /// `<title>`; never cut into word stubs ("Tỷ lệ c… bộ q… lý đ…", which made the two training
    /// factors of the HCMC ranges look alike).
    func testTornadoChartsGiveEveryFactorLabelWhole() throws {
        let d = try tmp()
        let r = try CLI.run(["sensitivity", plan, "--ranges", ranges, "--method", "tornado", "--draws", "200", "--out", d.appendingPathComponent("t").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let labels = ["vi": ["Tỷ lệ cán bộ quản lý được đào tạo trong năm", "Tỷ lệ cán bộ quản lý được đào tạo ở hợp tác xã mới",
                             "Tỷ lệ hợp tác xã yếu kém được giải thể, tổ chức lại", "Số hợp tác xã vận động thành lập"],
                      "en": ["Trained share among new cooperatives' managers"]]
        for (lang, expected) in labels {
            let out = d.appendingPathComponent("r-\(lang).html")
            let rep = try CLI.run(["report", d.appendingPathComponent("t").path, "--lang", lang, "--out", out.path])
            XCTAssertEqual(rep.status, 0, rep.stderr)
            let html = try String(contentsOf: out, encoding: .utf8)
            let svgs = html.components(separatedBy: "<svg").dropFirst().map { "<svg" + $0.components(separatedBy: "</svg>")[0] + "</svg>" }
                .filter { $0.contains("data-chart=\"tornado\"") }
            XCTAssertGreaterThan(svgs.count, 3, lang)
            for svg in svgs {
                XCTAssertFalse(svg.contains("…"), "\(lang): a label was shortened")
                // The factor labels: each <g class="factor-group"> joins its lines with spaces.
                let groups = svg.components(separatedBy: "<g class=\"factor-group\">").dropFirst().map { $0.components(separatedBy: "</g>")[0] }
                let shown = groups.map { g in
                    g.components(separatedBy: "<text").dropFirst().map { t -> String in
                        let body = t.components(separatedBy: ">").dropFirst().joined(separator: ">")
                        return body.components(separatedBy: "</text")[0].replacingOccurrences(of: "&apos;", with: "'")
                    }.joined(separator: " ")
                }
                XCTAssertEqual(shown.count, 6, lang)
                for label in expected {
                    XCTAssertTrue(shown.contains(label), "\(lang): '\(label)' not whole among \(shown)")
                    let escaped = label.replacingOccurrences(of: "'", with: "&apos;")
                    XCTAssertTrue(svg.contains("<title>\(escaped)</title>") || svg.contains("<title>\(label)</title>"), "\(lang): tooltip '\(label)'")
                }
            }
        }
    }

    func testDiscoverAndReports() throws {
        let d = try tmp()
        let r = try CLI.run(["discover", plan, "--ranges", ranges, "--target", "3", "--cases", "40", "--draws", "200",
                             "--out", d.appendingPathComponent("prim").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let traj = try rows(d.appendingPathComponent("prim/prim_trajectory.csv"))
        XCTAssertEqual(traj[0], ["box", "step", "coverage", "density", "mass", "cases", "restricted", "chosen"])
        XCTAssertEqual(traj.dropFirst().filter { $0.last == "true" }.count, 1)
        for lang in ["en", "vi"] {
            let rep = try CLI.run(["report", d.appendingPathComponent("prim").path, "--lang", lang, "--out", d.appendingPathComponent("r-\(lang).html").path])
            XCTAssertEqual(rep.status, 0, rep.stderr)
        }
        let vi = try String(contentsOf: d.appendingPathComponent("r-vi.html"), encoding: .utf8)
        XCTAssertTrue(vi.contains("Khám phá kịch bản"))
        XCTAssertTrue(vi.contains("data-chart=\"prim\""))
        // Numbers in the report's language: "," marks decimals in Vietnamese (coverage 50,6%), "." in English.
        let en = try String(contentsOf: d.appendingPathComponent("r-en.html"), encoding: .utf8)
        let viBody = vi.components(separatedBy: "<h2").dropFirst().joined()
        XCTAssertNotNil(viBody.range(of: #"độ bao phủ \d+,\d%"#, options: .regularExpression), "Vietnamese coverage with a decimal comma")
        XCTAssertNil(viBody.range(of: #"\d\.\d+%"#, options: .regularExpression), "no English decimal point in a Vietnamese percentage")
        XCTAssertNotNil(en.range(of: #"coverage \d+\.\d%"#, options: .regularExpression))
    }

    func testBadRangesGiveLocatedErrors() throws {
        let d = try tmp()
        let bad = d.appendingPathComponent("bad.toml")
        try """
        [levers]
        promotoin = { add = [0, 30] }
        training = { set = [0.1, 1.4] }
        support = { add = [0, 10], scale = [1, 2] }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", plan, "--ranges", bad.path, "--factor", "training", "--out", d.appendingPathComponent("o").path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("bad.toml:2: levers.promotoin"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'promotion'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.toml:3"), r.stderr)
        XCTAssertTrue(r.stderr.contains("levers.training.set"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bad.toml:4"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: d.appendingPathComponent("o").path))
    }
}
