import Foundation
import XCTest

/// Target tables name what a target measures, never its metric key: evaluated targets by their
/// variable's label, unevaluated ones (plan figures the model has no variable for) by the
/// scenario's `label_en` / `label_vi`.
final class TargetLabelTests: XCTestCase {
    /// The metric keys of a run folder's targets.csv (column 3).
    private func metricKeys(_ folder: URL) throws -> Set<String> {
        let text = try String(contentsOf: folder.appendingPathComponent("targets.csv"), encoding: .utf8)
        var keys = Set<String>()
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", maxSplits: 3, omittingEmptySubsequences: false)
            if cells.count > 2 { keys.insert(String(cells[2])) }
        }
        return keys
    }

    /// The text from `marker` to the next `<h2` (or the end).
    private func section(_ text: String, from marker: String) -> String? {
        guard let start = text.range(of: marker) else { return nil }
        let rest = text[start.upperBound...]
        let end = rest.range(of: "<h2")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    /// Every shipped report (Notebooks-export: the five plans against their baselines, HTML and
    /// notebook in English and Vietnamese, plus a Markdown report of each made here) shows no
    /// metric key in its target tables; the raw keys of the unevaluated Hai Phong and national
    /// targets would otherwise appear in the "Metric" / "Chỉ tiêu" column.
    func testNoMetricKeyInAnyShippedTargetTable() throws {
        let export = CLI.root.appendingPathComponent("Notebooks-export")
        let folders = try FileManager.default.contentsOfDirectory(atPath: export.path).filter {
            FileManager.default.fileExists(atPath: export.appendingPathComponent($0 + "/targets.csv").path)
        }.sorted()
        XCTAssertEqual(folders.count, 5, "\(folders)")
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var unevaluatedSeen = 0
        for name in folders {
            let folder = export.appendingPathComponent(name)
            let keys = try metricKeys(folder)
            let csv = try String(contentsOf: folder.appendingPathComponent("targets.csv"), encoding: .utf8)
            unevaluatedSeen += csv.split(separator: "\n").filter { $0.contains(",,,,,") }.count
            for lang in ["en", "vi"] {
                let suffix = lang == "en" ? "" : ".vi"
                let html = try String(contentsOf: folder.appendingPathComponent("report\(suffix).html"), encoding: .utf8)
                let nb = try String(contentsOf: folder.appendingPathComponent("report\(suffix).ipynb"), encoding: .utf8)
                let md = tmp.appendingPathComponent("\(name)\(suffix).md")
                let r = try CLI.run(["report", folder.path, "--format", "md", "--lang", lang, "--out", md.path])
                XCTAssertEqual(r.status, 0, r.stderr)
                let mdText = try String(contentsOf: md, encoding: .utf8)
                let tables = [("report\(suffix).html", section(html, from: "id=\"targets\"")),
                              ("report\(suffix).html side by side", section(html, from: "id=\"targets-side-by-side\"")),
                              ("report\(suffix).ipynb", section(nb, from: "def target_table"))]
                XCTAssertNotNil(tables[0].1, "\(name) \(lang): no target table")
                for (file, table) in tables {
                    guard let table else { continue }
                    for k in keys {
                        XCTAssertFalse(table.contains("<td>\(k)</td>"), "\(name)/\(file): metric key '\(k)' in the target table")
                    }
                }
                for k in keys {
                    XCTAssertFalse(mdText.contains("| \(k) |"), "\(name) \(lang) Markdown: metric key '\(k)' in a target table")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(unevaluatedSeen, 2 * 10, "the Hai Phong and national unevaluated targets are in the export")
    }

    /// No shipped report's chart says a probability of exactly 0.0% or 100.0% (0 or every path of
    /// thousands): the overlay charts' subtitles say "< 0.1%" like the tables and fan charts.
    func testNoShippedChartSaysACertainProbability() throws {
        let export = CLI.root.appendingPathComponent("Notebooks-export")
        var pages = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: export.path).sorted() {
            for (file, phrases) in [("report.html", ["P = 0.0%", "P = 100.0%", "/ 0.0%", "/ 100.0%"]),
                                    ("report.vi.html", ["xác suất 0,0%", "xác suất 100,0%", "/ 0,0%", "/ 100,0%"])] {
                guard let html = try? String(contentsOf: export.appendingPathComponent(name + "/" + file), encoding: .utf8) else { continue }
                pages += 1
                for p in phrases { XCTAssertFalse(html.contains(p), "\(name)/\(file) says '\(p)'") }
            }
        }
        XCTAssertEqual(pages, 10)
    }

    /// `label_en` / `label_vi` reach targets.csv and the reports; an empty label is refused with the
    /// file, line and key.
    func testLabelsOfAnUnevaluatedTarget() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let scenarios = work.appendingPathComponent("Scenarios")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        for f in ["hcmc-baseline.toml", "model.toml", "calibration.toml"] {
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Scenarios/" + f), to: scenarios.appendingPathComponent(f))
        }
        func scenario(_ labels: String) -> String {
            """
            name = "b"
            extends = "hcmc-baseline.toml"
            [[targets]]
            metric = "coops"
            year = 2024
            op = ">="
            value = 600
            source = "s"
            [[targets]]
            metric = "unions_in_city"
            \(labels)
            year = 2025
            op = ">="
            value = 3
            source = "s"
            evaluated = false
            reason = "no unions"
            """
        }
        try scenario("label_en = \"Unions of cooperatives\"\nlabel_vi = \"Liên hiệp HTX\"")
            .write(to: scenarios.appendingPathComponent("b.toml"), atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("out").path
        let r = try CLI.run(["run", "Scenarios/b.toml", "--draws", "50", "--out", out], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let csv = try String(contentsOfFile: out + "/targets.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasSuffix(",Unions of cooperatives,Liên hiệp HTX\n"), csv)
        XCTAssertTrue(csv.contains(",Active cooperatives,Số hợp tác xã đang hoạt động\n"), "an evaluated target gets its variable's labels: " + csv)
        for (lang, label) in [("en", "Unions of cooperatives"), ("vi", "Liên hiệp HTX")] {
            let page = work.appendingPathComponent("r.\(lang).html").path
            XCTAssertEqual(try CLI.run(["report", out, "--lang", lang, "--out", page]).status, 0)
            let html = try String(contentsOfFile: page, encoding: .utf8)
            XCTAssertTrue(html.contains("<td>\(label)</td>"), lang)
            XCTAssertFalse(html.contains("<td>unions_in_city</td>"), lang)
        }

        try scenario("label_en = \"\"\nlabel_vi = 3").write(to: scenarios.appendingPathComponent("b.toml"), atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", "Scenarios/b.toml"], cwd: work)
        XCTAssertEqual(v.status, 65, v.stderr)
        XCTAssertTrue(v.stderr.contains("b.toml:11") && v.stderr.contains("targets[2].label_en") && v.stderr.contains("an empty string"), v.stderr)
        XCTAssertTrue(v.stderr.contains("b.toml:12") && v.stderr.contains("targets[2].label_vi") && v.stderr.contains("a string in double quotes"), v.stderr)
    }
}
