import Foundation
import XCTest

/// `coopsim backtest` and its report end to end (issue 12).
final class BacktestCommandTests: XCTestCase {
    func path(_ p: String) -> String { CLI.root.appendingPathComponent(p).path }

    func rows(_ url: URL) throws -> [[String: String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.map { l in
            let f = l.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, f))
        }
    }

    /// The shipped national series with the national baseline as template: every horizon scored,
    /// the same bytes for 1 and 2 threads, the assumptions listed, drift recomputed by hand from
    /// observed.csv, and a report with one chart per horizon.
    func testNationalSeriesBacktest() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let args = ["backtest", path("Scenarios/data/national_coops_series.csv"), "--scenario", path("Scenarios/national-baseline.toml"),
                    "--horizon", "3", "--draws", "400"]
        let a = tmp.appendingPathComponent("a"), b = tmp.appendingPathComponent("b")
        let r1 = try CLI.run(args + ["--threads", "1", "--out", a.path])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r2 = try CLI.run(args + ["--threads", "2", "--out", b.path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        for f in ["backtest.csv", "backtest_summary.csv", "observed.csv"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
        let summary = try rows(a.appendingPathComponent("backtest_summary.csv"))
        XCTAssertEqual(summary.map { $0["horizon"]! }, ["1", "2", "3"])
        for s in summary {
            XCTAssertEqual(s["metric"], "coops")
            for k in ["coverage_50", "coverage_90", "pit_mean"] { XCTAssertTrue((0...1).contains(Double(s[k]!)!), "\(k) \(s)") }
            XCTAssertGreaterThan(Double(s["mase_drift"]!)!, 0)
        }
        let forecasts = try rows(a.appendingPathComponent("backtest.csv"))
        let observed = try rows(a.appendingPathComponent("observed.csv"))
        let series = observed.map { (Int($0["year"]!)!, Double($0["value"]!)!) }.sorted { $0.0 < $1.0 }
        XCTAssertEqual(series.count, 10)
        // Drift from origin 2020 to 2023: the line through 2013 and 2020.
        let row = try XCTUnwrap(forecasts.first { $0["origin"] == "2020" && $0["year"] == "2023" })
        let (y0, v0) = series[0], v2020 = series.first { $0.0 == 2020 }!.1
        XCTAssertEqual(Double(row["drift"]!)!, v2020 + 3 * (v2020 - v0) / Double(2020 - y0), accuracy: 1e-9)
        XCTAssertEqual(Double(row["observed"]!)!, 31364)
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("run.json"))) as! [String: Any]
        let assumed = run["assumed"] as! [String]
        XCTAssertTrue(assumed.contains("levers.promotion") && assumed.contains("observed.workers_per_coop"), "\(assumed)")
        XCTAssertEqual(run["kind"] as? String, "backtest")

        let report = try CLI.run(["report", a.path])
        XCTAssertEqual(report.status, 0, report.stderr)
        let html = try String(contentsOf: a.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "class=\"coopsim-chart backtest-chart\"").count - 1, 3)
        XCTAssertTrue(html.contains("observed-line") && html.contains("MASE"))

        // A re-run replaces only what the backtest wrote (run.json's manifest): the report and a
        // file of the user's stay; the folder's outputs are those of the new run.
        let files = run["files"] as? [String] ?? []
        XCTAssertEqual(Set(files), ["backtest.csv", "backtest_summary.csv", "observed.csv", "run.json"])
        let notes = a.appendingPathComponent("my notes.txt")
        try Data("kept".utf8).write(to: notes)
        let r3 = try CLI.run(["backtest", path("Scenarios/data/national_coops_series.csv"), "--scenario", path("Scenarios/national-baseline.toml"),
                              "--horizon", "2", "--draws", "400", "--out", a.path])
        XCTAssertEqual(r3.status, 0, r3.stderr)
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "kept")
        XCTAssertTrue(FileManager.default.fileExists(atPath: a.appendingPathComponent("report.html").path))
        XCTAssertEqual(try rows(a.appendingPathComponent("backtest_summary.csv")).map { $0["horizon"]! }, ["1", "2"])
    }

    /// A synthetic panel recalibrated at each origin: out-of-sample forecasts of every variable.
    func testSyntheticPanelWithRecalibration() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let panel = tmp.appendingPathComponent("panel.csv").path
        let s = try CLI.run(["synth", "--model", path("Scenarios/model.toml"), "--truth", path("Scenarios/truth.toml"),
                             "--regions", "12", "--years", "2010:2018", "--seed", "5", "--out", panel])
        XCTAssertEqual(s.status, 0, s.stderr)
        let out = tmp.appendingPathComponent("bt")
        let r = try CLI.run(["backtest", panel, "--recalibrate", "--horizon", "2", "--origins", "2015:2016", "--draws", "300",
                             "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let forecasts = try rows(out.appendingPathComponent("backtest.csv"))
        XCTAssertEqual(Set(forecasts.map { $0["origin"]! }), ["2015", "2016"])
        XCTAssertEqual(Set(forecasts.map { $0["region"]! }).count, 12)
        XCTAssertTrue(Set(forecasts.map { $0["metric"]! }).isSuperset(of: ["coops", "entries", "exits", "productivity", "gdp_share"]))
        for f in forecasts {
            let q = ["p05", "p25", "p50", "p75", "p95"].map { Double(f[$0]!)! }
            XCTAssertEqual(q, q.sorted(), "\(f)")
            let y = Double(f["observed"]!)!
            XCTAssertEqual(f["covered_90"] == "1", y >= q[0] && y <= q[4])
        }
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
        XCTAssertEqual(run["assumed"] as? [String], [])
        XCTAssertEqual(run["recalibrate"] as? Bool, true)
    }

    func testBadInputs() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.appendingPathComponent("d.csv")
        try "region,year,cooperatives\nA,2020,5\nA,2021,6\n".write(to: data, atomically: true, encoding: .utf8)
        let r = try CLI.run(["backtest", data.path, "--scenario", path("Scenarios/national-baseline.toml"), "--out", tmp.appendingPathComponent("o").path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains(data.path) && r.stderr.contains("model variable"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("o").path))
        let u = try CLI.run(["backtest", data.path, "--horizon", "0"])
        XCTAssertEqual(u.status, 64, u.stderr)
    }
}
