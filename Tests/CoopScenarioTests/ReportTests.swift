import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import CoopData
@testable import CoopScenario

/// Reports from a run folder. The folder is a synthetic fixture of the report
/// layer written by scripts/fixtures/report_folder.py (a toy numpy Monte
/// Carlo); `run-sample-expected.json` is what Python's csv module reads back
/// from it, the outside truth for the reader and for the plotted medians.
/// The notebook is checked by scripts/check_notebook.py (nbformat.validate,
/// then executed with nbconvert).
final class ReportTests: XCTestCase {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let sample = testsDir.appendingPathComponent("Fixtures/run-sample").path
    static let repoRoot = testsDir.deletingLastPathComponent().deletingLastPathComponent()

    func folder() throws -> RunFolder { try RunFolder.read(directory: Self.sample) }

    /// Rows of one file as Python's csv module read them.
    func expected(_ file: String) throws -> (header: [String], rows: [[String]]) {
        let data = try Data(contentsOf: Self.testsDir.appendingPathComponent("Fixtures/run-sample-expected.json"))
        let all = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
        let f = all[file]!
        return (f["header"] as! [String], f["rows"] as! [[String]])
    }

    func tempDir() throws -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: d) }
        return d
    }

    /// Every `<svg ...>...</svg>` element in a text.
    func svgs(in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let a = rest.range(of: "<svg "), let b = rest.range(of: "</svg>", range: a.upperBound..<rest.endIndex) {
            out.append(String(rest[a.lowerBound..<b.upperBound]))
            rest = rest[b.upperBound...]
        }
        return out
    }

    func attribute(_ name: String, in svg: String) -> String? {
        guard let r = svg.range(of: " \(name)=\"") else { return nil }
        let tail = svg[r.upperBound...]
        return tail.firstIndex(of: "\"").map { String(tail[..<$0]) }
    }

    /// Parses XML with Foundation's XMLParser; returns the error, if any.
    func xmlError(_ xml: String) -> Error? {
        let p = XMLParser(data: Data(xml.utf8))
        return p.parse() ? nil : (p.parserError ?? NSError(domain: "xml", code: 1))
    }

    // MARK: Reader

    func testReaderAgreesWithPythonCSV() throws {
        let f = try folder()
        let s = try expected("summary.csv")
        XCTAssertEqual(f.summary.count, s.rows.count)
        XCTAssertEqual(f.summary.count, 2 * 4 * 7)
        for (q, r) in zip(f.summary, s.rows) {
            XCTAssertEqual([q.scenario, q.region, String(q.year), q.metric], Array(r[0..<4]))
            XCTAssertEqual([q.mean, q.sd, q.p05, q.p25, q.p50, q.p75, q.p95, q.mcSE], r[4...].map { Double($0)! })
        }
        let t = try expected("targets.csv")
        XCTAssertEqual(f.targets.map { [$0.scenario, $0.region, $0.metric, String($0.year), $0.op, $0.source] },
                       t.rows.map { [$0[0], $0[1], $0[2], $0[3], $0[4], $0[8]] })
        XCTAssertEqual(f.targets.map(\.probability), t.rows.map { Double($0[6])! })
        let c = try expected("compare.csv")
        XCTAssertEqual(f.differences.map { [$0.p05Diff, $0.p50Diff, $0.p95Diff, $0.probIncrease] },
                       c.rows.map { [Double($0[7])!, Double($0[8])!, Double($0[9])!, Double($0[10])!] })
        XCTAssertEqual(f.history.count, try expected("history.csv").rows.count)
        let sc = try expected("scenarios.csv")
        XCTAssertEqual(f.scenarios.map(\.title), sc.rows.map { $0[1] })
        XCTAssertTrue(f.scenarios[0].title.contains(","), "the fixture has a quoted title with a comma")
        XCTAssertEqual(f.metrics.map(\.labelVI), try expected("metrics.csv").rows.map { $0[3] })
        XCTAssertEqual(f.provenance?.seed, "2024")
        XCTAssertEqual(f.provenance?.inputs.count, 4)
        XCTAssertEqual(f.regions, ["Thành phố Hồ Chí Minh"])
        XCTAssertEqual(f.scenarioNames, ["hcmc-baseline", "hcmc-2024-plan"])
    }

    func testNotARunFolderNamesFileAndColumn() throws {
        let d = try tempDir()
        XCTAssertThrowsError(try RunFolder.read(directory: d)) { e in
            XCTAssertTrue("\(e)".contains("summary.csv"), "\(e)")
        }
        try "scenario,region,year,metric,mean,sd,p05,p25,p75,p95,mc_se\n".write(toFile: d + "/summary.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.read(directory: d)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("summary.csv:1") && text.contains("p50"), text)
        }
        try "scenario,region,year,metric,mean,sd,p05,p25,p50,p75,p95,mc_se\na,b,2024,coops,1,x,1,1,1,1,1,0\n"
            .write(toFile: d + "/summary.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.read(directory: d)) { e in
            XCTAssertEqual("\(e)", d + "/summary.csv:2: sd: expected a number, got 'x'")
        }
        XCTAssertThrowsError(try RunFolder.read(directory: d + "/nope")) { e in
            XCTAssertTrue("\(e)".contains("no such folder"), "\(e)")
        }
    }

    /// A run without targets writes targets.csv with its header only; optional files may be absent.
    func testHeaderOnlyAndMissingOptionalFiles() throws {
        let d = try tempDir() + "/out"
        try FileManager.default.copyItem(atPath: Self.sample, toPath: d)
        try "scenario,region,metric,year,op,value,probability,mc_se,source\n".write(toFile: d + "/targets.csv", atomically: true, encoding: .utf8)
        for f in ["compare.csv", "run.json", "metrics.csv"] { try FileManager.default.removeItem(atPath: d + "/" + f) }
        let f = try RunFolder.read(directory: d)
        XCTAssertTrue(f.targets.isEmpty && f.differences.isEmpty && f.provenance == nil)
        XCTAssertEqual(f.summarizedMetrics.map(\.name), ["coops", "workers", "trained_share", "gdp_share"])
        let html = ReportBuilder(folder: f, language: .en).html()
        XCTAssertTrue(html.contains("No targets in this run."))
        XCTAssertEqual(svgs(in: html).count, 8 + 4, "8 fan charts and, per metric, the two scenarios overlaid")
        try "scenario,region,metric,year,op,value,probability,source\n".write(toFile: d + "/targets.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunFolder.read(directory: d)) { e in
            XCTAssertTrue("\(e)".hasPrefix(d + "/targets.csv:1: mc_se: expected a column 'mc_se'"), "\(e)")
        }
    }

    // MARK: HTML and SVG

    func testHTMLHasOneWellFormedSVGPerFanChart() throws {
        let f = try folder()
        let html = ReportBuilder(folder: f, language: .en).html()
        let all = svgs(in: html)
        let fans = all.filter { $0.contains("class=\"coopsim-chart fan-chart\"") }
        let comps = all.filter { $0.contains("class=\"coopsim-chart comparison-chart\"") }
        XCTAssertEqual(fans.count, f.summarizedMetrics.count * f.regions.count * f.scenarioNames.count)
        XCTAssertEqual(fans.count, 8)
        XCTAssertEqual(comps.count, 4)
        let overlays = all.filter { $0.contains("class=\"coopsim-chart overlay-chart\"") }
        XCTAssertEqual(overlays.count, f.summarizedMetrics.count * f.regions.count, "both scenarios of a region on one axis, per metric")
        XCTAssertEqual(all.count, fans.count + comps.count + overlays.count)
        var keys = Set<String>()
        for s in all {
            XCTAssertNil(xmlError(s), "not well-formed XML: \(s.prefix(300))")
        }
        for s in fans {
            keys.insert(attribute("data-scenario", in: s)! + "/" + attribute("data-metric", in: s)!)
            XCTAssertTrue(s.contains(">Median<") && s.contains(">5–95% range<") && s.contains(">25–75% range<") && s.contains(">Year<"))
            XCTAssertTrue(s.contains("class=\"observed\""), "history points are drawn")
        }
        XCTAssertEqual(keys.count, 8)
        // Targets: one diamond per target row, labelled with its probability.
        let plan = fans.first { attribute("data-scenario", in: $0) == "hcmc-2024-plan" && attribute("data-metric", in: $0) == "coops" }!
        XCTAssertEqual(plan.components(separatedBy: "class=\"target\"").count - 1, 2)
        XCTAssertTrue(plan.contains("≥ 663: P = 42.9%"), "target label with probability")
        XCTAssertTrue(plan.contains(">1,000<"), "thousands separator on the y axis")
        let share = fans.first { attribute("data-metric", in: $0) == "gdp_share" }!
        XCTAssertTrue(share.contains("%</text>"), "percent axis for shares")
        XCTAssertTrue(html.contains("<h2 id=\"targets\">Probability of reaching the target</h2>"))
        XCTAssertTrue(html.contains("<dt>Seed</dt><dd>2024</dd>"))
        XCTAssertTrue(html.contains(try XCTUnwrap(f.provenance?.inputs.first?.sha256)))
        XCTAssertNil(xmlError(html), "the page is polyglot HTML: well-formed XML as a whole")
        // The target table against targets.csv as Python read it: probability in percent with one decimal.
        for r in try expected("targets.csv").rows {
            XCTAssertTrue(html.contains("<td class=\"num\">" + String(format: "%.1f%%", Double(r[6])! * 100) + "</td>"), "\(r)")
        }
        XCTAssertFalse(html.contains("<script"), "self-contained, no scripts")
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
    }

    /// The median line, mapped back through the axis, gives summary.csv's p50
    /// (and the last observed value at the anchor), to the 0.01 px resolution of the coordinates.
    func testMedianLineMapsBackToSummaryMedians() throws {
        let f = try folder()
        let rows = try expected("summary.csv").rows
        for s in ReportBuilder(folder: f, language: .en).fanCharts().map(\.svg) {
            let scen = attribute("data-scenario", in: s)!, metric = attribute("data-metric", in: s)!
            let dom = attribute("data-y-domain", in: s)!.split(separator: " ").map { Double($0)! }
            let box = attribute("data-plot-box", in: s)!.split(separator: " ").map { Double($0)! }
            let r = s.range(of: "class=\"median\" points=\"")!
            let pts = s[r.upperBound...].prefix { $0 != "\"" }.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            let values = pts.map { dom[0] + (box[3] - $0[1]) / (box[3] - box[1]) * (dom[1] - dom[0]) }
            let truth = rows.filter { $0[0] == scen && $0[3] == metric }.map { Double($0[8])! }
            let last = try expected("history.csv").rows.filter { $0[0] == scen && $0[3] == metric && $0[2] == "2023" }.map { Double($0[4])! }
            XCTAssertEqual(values.count, truth.count + 1, "\(scen)/\(metric): anchor + one point per year")
            let tol = 0.006 / (box[3] - box[1]) * (dom[1] - dom[0])
            for (v, t) in zip(values, last + truth) { XCTAssertEqual(v, t, accuracy: tol, "\(scen)/\(metric)") }
        }
    }

    func testVietnameseLabelsWithDiacritics() throws {
        let html = ReportBuilder(folder: try folder(), language: .vi).html()
        let bytes = Array(html.utf8)
        // Precomposed (NFC) bytes, as Vietnamese text is normally stored.
        for s in ["Xác suất đạt mục tiêu", "Năm", "Trung vị", "Khoảng 5–95%", "Khoảng 25–75%", "Số liệu thực tế",
                  "Số hợp tác xã đang hoạt động", "Kịch bản", "Nguồn gốc kết quả", "Hạt giống ngẫu nhiên", "Chênh lệch"] {
            let needle = Array(s.precomposedStringWithCanonicalMapping.utf8)
            XCTAssertTrue(bytes.indices.contains { i in bytes[i...].starts(with: needle) }, "missing \(s)")
        }
        XCTAssertTrue(html.contains("<html lang=\"vi\">"))
        XCTAssertTrue(html.contains("≥ 663: xác suất 42,9%"), "Vietnamese decimal comma")
        XCTAssertTrue(html.contains(">1.000<"), "Vietnamese thousands separator")
        XCTAssertFalse(html.contains(">Median<") || html.contains(">Year<"))
        for s in svgs(in: html) { XCTAssertNil(xmlError(s)) }
    }

    func testXMLEscapingOfNames() throws {
        let q = RunFolder.Quantiles(scenario: "a<b & \"c\" 'd'", region: "Hải Phòng <&>", year: 2024, metric: "coops",
                                    mean: 1, sd: 1, p05: 1, p25: 2, p50: 3, p75: 4, p95: 5, mcSE: 0.1)
        var q2 = q
        q2.year = 2025
        let f = RunFolder(directory: "/tmp", summary: [q, q2],
                          targets: [.init(scenario: q.scenario, region: q.region, metric: "coops", year: 2025, op: ">=", value: 4,
                                          probability: 0.25, mcSE: 0.01, source: "plan <draft> & co")])
        let html = ReportBuilder(folder: f, language: .en).html()
        let all = svgs(in: html)
        XCTAssertEqual(all.count, 1)
        XCTAssertNil(xmlError(all[0]))
        XCTAssertTrue(all[0].contains("data-scenario=\"a&lt;b &amp; &quot;c&quot; &apos;d&apos;\""))
        XCTAssertTrue(html.contains("plan &lt;draft&gt; &amp; co"))
        let (md, files) = ReportBuilder(folder: f, language: .en).markdown(figuresFolder: "fig")
        XCTAssertEqual(files.count, 1)
        XCTAssertTrue(md.contains("plan &lt;draft&gt; &amp; co"))
    }

    /// Awkward but legal inputs: a constant metric, a metric whose quantiles are missing, negative values,
    /// no history, several regions, a comparison that is all below zero. Every chart stays well-formed XML.
    func testAwkwardFoldersGiveWellFormedCharts() throws {
        var rows: [RunFolder.Quantiles] = []
        var diffs: [RunFolder.Difference] = []
        for region in ["Hà Nội", "Cần Thơ", "Đà Nẵng"] {
            for year in 2025...2027 {
                for (metric, v) in [("zero", 0.0), ("flat", 42.0), ("neg", -3.0 * Double(year - 2024))] {
                    for sc in ["base", "plan"] {
                        rows.append(.init(scenario: sc, region: region, year: year, metric: metric, mean: v, sd: 0,
                                          p05: v - 1e-13, p25: v, p50: v, p75: v, p95: v, mcSE: 0))
                    }
                }
                rows.append(.init(scenario: "base", region: region, year: year, metric: "missing", mean: .nan, sd: .nan,
                                  p05: .nan, p25: .nan, p50: .nan, p75: .nan, p95: .nan, mcSE: .nan))
                diffs.append(.init(scenario: "plan", baseline: "base", region: region, year: year, metric: "neg",
                                   meanDiff: -2, sdDiff: 0.5, p05Diff: -3, p50Diff: -2, p95Diff: -1, probIncrease: 0))
            }
        }
        rows = rows.map { var q = $0; q.scenario += String(repeating: " very long scenario name", count: q.scenario == "plan" ? 8 : 0); return q }
        diffs = diffs.map { var d = $0; d.scenario += String(repeating: " very long scenario name", count: 8); return d }
        let f = RunFolder(directory: "/tmp", summary: rows, differences: diffs,
                          metrics: [.init(name: "zero", unit: "share", labelEN: "Zero share", labelVI: "Tỷ lệ bằng không")])
        for lang in ReportLanguage.allCases {
            let b = ReportBuilder(folder: f, language: lang)
            XCTAssertEqual(b.fanCharts().count, 3 * 3 * 2, "the all-missing metric has no chart")
            XCTAssertEqual(b.comparisonCharts().count, 3)
            for c in b.fanCharts() + b.comparisonCharts() {
                XCTAssertNil(xmlError(c.svg), c.fileName)
                let sub = c.svg.components(separatedBy: "class=\"chart-subtitle\"")[1].components(separatedBy: "</text>")[0]
                    .components(separatedBy: ">").last!
                XCTAssertLessThan(sub.count, 110, "long subtitles are cut: \(sub)")
            }
            XCTAssertEqual(Set(b.fanCharts().map(\.fileName)).count, 18, "file names are distinct")
        }
    }

    // MARK: Axes and numbers

    func testNiceTicksAreOneTwoFiveSteps() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let mag = pow(10, Double.random(in: -5...7, using: &g))
            let a = Double.random(in: -1...1, using: &g) * mag
            let b = a + Double.random(in: 0.001...3, using: &g) * mag
            let s = NiceScale(lo: a, hi: b, maxTicks: 7)
            let m = s.step / pow(10, floor(log10(s.step)))
            XCTAssertTrue([1, 2, 5].contains { abs(m - $0) < 1e-9 }, "step \(s.step) for [\(a), \(b)]")
            XCTAssertLessThanOrEqual(s.ticks.count, 7, "[\(a), \(b)]")
            XCTAssertGreaterThanOrEqual(s.ticks.count, 2)
            XCTAssertLessThanOrEqual(s.lo, a + 1e-9 * mag)
            XCTAssertGreaterThanOrEqual(s.hi, b - 1e-9 * mag)
            XCTAssertLessThan(s.lo, a + s.step)
            XCTAssertGreaterThan(s.hi, b - s.step)
        }
        XCTAssertEqual(NiceScale(lo: 0, hi: 1000, maxTicks: 7).ticks, [0, 200, 400, 600, 800, 1000])
        let flat = NiceScale(lo: 5, hi: 5)
        XCTAssertTrue(flat.lo <= 4.5 && flat.hi >= 5.5 && flat.lo > 4, "a flat range is widened by 10%: \(flat)")
        XCTAssertEqual(yearTicks(from: 2018, to: 2030, maxTicks: 12), [2018, 2020, 2022, 2024, 2026, 2028, 2030])
    }

    func testNumberFormats() {
        let en = ReportNumberFormat(language: .en), vi = ReportNumberFormat(language: .vi)
        XCTAssertEqual(en.fixed(25000, decimals: 0), "25,000")
        XCTAssertEqual(vi.fixed(25000, decimals: 0), "25.000")
        XCTAssertEqual(en.fixed(1234567.891, decimals: 2), "1,234,567.89")
        XCTAssertEqual(vi.fixed(1234567.891, decimals: 2), "1.234.567,89")
        XCTAssertEqual(en.fixed(-0.0004, decimals: 2), "0.00")
        XCTAssertEqual(en.fixed(-12.5, decimals: 0), "−12", "ties as Python's format (exact binary value, half to even): f\"{-12.5:.0f}\" == \"-12\"")
        XCTAssertEqual(en.fixed(47.65, decimals: 1), "47.6", "47.65 is 47.649999... in binary, as Python prints it")
        XCTAssertEqual(en.percent(0.3456, decimals: 1), "34.6%")
        XCTAssertEqual(vi.percent(0.0035, decimals: 2), "0,35%")
        XCTAssertEqual(ReportNumberFormat.decimals(forStep: 200), 0)
        XCTAssertEqual(ReportNumberFormat.decimals(forStep: 0.5), 1)
        XCTAssertEqual(ReportNumberFormat.decimals(forStep: 0.05), 2)
        XCTAssertEqual(ReportNumberFormat.decimals(forStep: 1), 0)
        XCTAssertEqual(slug("Thành phố Hồ Chí Minh"), "thanh-pho-ho-chi-minh")
        XCTAssertEqual(slug("Đà Nẵng"), "da-nang")
    }

    /// `significant` (decision reports' numbers) against C's `%.Ng`: the same digits wherever printf
    /// does not switch to an exponent, in fixed notation with grouping where it does for large
    /// values; `cell` and `standardErrorPercent` on the cases the reports show.
    func testSignificantDigitsMatchPrintfG() {
        let en = ReportNumberFormat(language: .en), vi = ReportNumberFormat(language: .vi)
        XCTAssertEqual(en.significant(0.51234, digits: 3), "0.512")
        XCTAssertEqual(en.significant(12345.6, digits: 4), "12,346")
        XCTAssertEqual(vi.significant(12345.6, digits: 4), "12.346")
        XCTAssertEqual(en.significant(0.5, digits: 4), "0.5")
        XCTAssertEqual(en.significant(0.5, digits: 4, trimZeros: false), "0.5000")
        XCTAssertEqual(vi.significant(-0.03, digits: 3), "−0,03")
        XCTAssertEqual(en.significant(9.9996, digits: 4), "10")
        XCTAssertEqual(en.significant(1.25e-12, digits: 2), "1.2e-12")
        XCTAssertEqual(vi.significant(1.25e-12, digits: 2), "1,2e-12")
        XCTAssertEqual(en.significant(0, digits: 3), "0")
        XCTAssertEqual(en.significant(.nan, digits: 3), "–")
        XCTAssertEqual(en.cell("0.25"), "0.25")
        XCTAssertEqual(vi.cell("0.25"), "0,25")
        XCTAssertEqual(vi.cell("1e3"), "1.000")
        XCTAssertEqual(en.cell("0.30000000000000004"), "0.3")
        XCTAssertEqual(en.cell("promotion"), "promotion")
        XCTAssertEqual(en.standardErrorPercent(0.00025), "0.025%", "one path in 4,000 is not 0.0%")
        XCTAssertEqual(en.standardErrorPercent(0.01), "1.0%")
        XCTAssertEqual(en.standardErrorPercent(0.000998), "0.10%", "two digits after rounding up to a power of ten, as %g")
        XCTAssertEqual(vi.standardErrorPercent(0.0048), "0,48%")
        var generator = SystemRandomNumberGenerator()
        var compared = 0
        for _ in 0 ..< 2000 {
            let x = (Bool.random(using: &generator) ? 1.0 : -1.0) * pow(10, Double.random(in: -4 ..< 5, using: &generator))
            let digits = Int.random(in: 1 ... 6, using: &generator)
            let c = String(format: "%.\(digits)g", x)
            guard !c.contains("e") else { continue }
            compared += 1
            let ours = en.significant(x, digits: digits).replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "−", with: "-")
            XCTAssertEqual(ours, c, "x = \(x), digits = \(digits)")
        }
        XCTAssertGreaterThan(compared, 1000)
    }

    // MARK: Markdown and notebook

    func testMarkdownWritesItsSVGsBeside() throws {
        let d = try tempDir()
        let out = d + "/sub/report.md"
        try ReportBuilder(folder: try folder(), language: .en).write(format: .md, to: out)
        let md = try String(contentsOfFile: out, encoding: .utf8)
        let refs = md.components(separatedBy: "](").dropFirst().map { String($0.prefix { $0 != ")" }) }
        XCTAssertEqual(refs.count, 12 + 4)
        for r in refs {
            XCTAssertTrue(r.hasPrefix("report-figures/"))
            let svg = try String(contentsOfFile: d + "/sub/" + r, encoding: .utf8)
            XCTAssertNil(xmlError(svg), r)
        }
        XCTAssertTrue(md.contains("| Ho Chi Minh City: collective economy plan for 2024 | Thành phố Hồ Chí Minh | Active cooperatives | 2024 | ≥ 663 | 42.9% |"))
    }

    func testNotebookStructureAndByteIdenticalReexport() throws {
        let f = try folder()
        let a = ReportBuilder(folder: f, language: .vi).notebook(runFolderPath: ".")
        XCTAssertEqual(a, ReportBuilder(folder: try folder(), language: .vi).notebook(runFolderPath: "."))
        let nb = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(a.utf8)) as? [String: Any])
        XCTAssertEqual(nb["nbformat"] as? Int, 4)
        XCTAssertEqual(nb["nbformat_minor"] as? Int, 5)
        let cells = try XCTUnwrap(nb["cells"] as? [[String: Any]])
        XCTAssertEqual(cells.compactMap { $0["id"] as? String }, (1...cells.count).map { "cell-\($0)" })
        XCTAssertEqual(cells.first?["cell_type"] as? String, "markdown")
        let code = cells.filter { $0["cell_type"] as? String == "code" }
        let outputs = code.flatMap { $0["outputs"] as! [[String: Any]] }
        let svgOutputs = outputs.filter { (($0["data"] as? [String: Any])?["image/svg+xml"]) != nil }
        XCTAssertEqual(svgOutputs.count, 12)
        XCTAssertEqual(outputs.filter { (($0["data"] as? [String: Any])?["text/html"]) != nil }.count, 1)
        for o in svgOutputs {
            let svg = ((o["data"] as! [String: Any])["image/svg+xml"] as! [String]).joined()
            XCTAssertNil(xmlError(svg))
        }
        let source = code.map { ($0["source"] as! [String]).joined() }.joined(separator: "\n")
        XCTAssertTrue(source.contains("RUN = Path(\".\")"))
        XCTAssertTrue(source.contains("pd.read_csv"))
        XCTAssertTrue(source.contains("\"median\": \"Trung vị\""))
        XCTAssertTrue(a.hasPrefix("{\n \"cells\": [\n"), "nbformat's own layout: indent 1, sorted keys")
    }

    func testRelativePathFromNotebookToRunFolder() {
        XCTAssertEqual(ReportBuilder.relativePath(from: "/a/b/out", to: "/a/b/out"), ".")
        XCTAssertEqual(ReportBuilder.relativePath(from: "/a/b/notebooks", to: "/a/b/out"), "../out")
        XCTAssertEqual(ReportBuilder.relativePath(from: "/a", to: "/a/b/out"), "b/out")
    }

    /// nbformat.validate and a full run with nbconvert, through scripts/check_notebook.py,
    /// for the notebook written into a copy of the run folder and for one written beside it.
    func testNotebookValidatesAndRunsInJupyter() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import nbformat, nbconvert, ipykernel, matplotlib, pandas"]
        probe.standardError = FileHandle.nullDevice
        probe.standardOutput = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("python3 with nbformat, nbconvert, ipykernel, matplotlib and pandas is not available (scripts/setup.sh installs them)")
        }
        let d = try tempDir()
        let run = d + "/out"
        try FileManager.default.copyItem(atPath: Self.sample, toPath: run)
        let folder = try RunFolder.read(directory: run)
        let inside = ReportBuilder.defaultOutput(directory: run, format: .ipynb)
        try ReportBuilder(folder: folder, language: .vi).write(format: .ipynb, to: inside)
        let beside = d + "/notebooks/report-en.ipynb"
        try ReportBuilder(folder: folder, language: .en).write(format: .ipynb, to: beside)
        XCTAssertTrue(try String(contentsOfFile: beside, encoding: .utf8).contains("RUN = Path(\\\"../out\\\")"))
        for nb in [inside, beside] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", Self.repoRoot.appendingPathComponent("scripts/check_notebook.py").path, nb]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "check_notebook.py \(nb): \(msg.suffix(2000))")
        }
    }
}
