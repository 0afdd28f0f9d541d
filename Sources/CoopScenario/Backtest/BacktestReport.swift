import CoopData
import Foundation

/// The report of a `coopsim backtest` folder: the per-horizon score table and, for each region and
/// metric, one fan chart per horizon h: at every target year t the 5–95% and 25–75% bands and the
/// median of the forecast made at t − h, the drift forecast from the same origin (dashed), and the
/// observed series over them. `coopsim report DIR` writes it when DIR holds backtest.csv.
public struct BacktestReport: Sendable {
    public struct Row: Sendable {
        var region: String, metric: String, origin: Int, horizon: Int, year: Int
        var observed: Double, p05: Double, p25: Double, p50: Double, p75: Double, p95: Double, drift: Double?
    }
    public var directory: String
    var rows: [Row]
    var summary: DataTable
    var observed: [(region: String, metric: String, year: Int, value: Double)]
    var runJSON: String

    /// True when `directory` holds a backtest's output (backtest.csv).
    public static func isBacktestFolder(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("backtest.csv"))
    }

    /// Reads backtest.csv, backtest_summary.csv, observed.csv and run.json. Throws `InputErrors` for a
    /// missing file or column.
    public init(directory: String) throws {
        self.directory = directory
        func path(_ f: String) -> String { (directory as NSString).appendingPathComponent(f) }
        let t = try CSVReader.read(path: path("backtest.csv"))
        let region = try t.column(named: "region"), metric = try t.column(named: "metric")
        func text(_ c: DataTable.Column, _ i: Int) -> String {
            switch c { case .text(let v): return v[i] ?? ""; case .numeric(let v): return CSVWriter.number(v[i]) }
        }
        let cols = try ["origin", "horizon", "year", "observed", "p05", "p25", "p50", "p75", "p95", "drift"].map { try t.numeric($0) }
        rows = (0..<t.rowCount).map { i in
            Row(region: text(region, i), metric: text(metric, i), origin: Int(cols[0][i]), horizon: Int(cols[1][i]), year: Int(cols[2][i]),
                observed: cols[3][i], p05: cols[4][i], p25: cols[5][i], p50: cols[6][i], p75: cols[7][i], p95: cols[8][i],
                drift: cols[9][i].isFinite ? cols[9][i] : nil)
        }
        summary = try CSVReader.read(path: path("backtest_summary.csv"))
        let o = try CSVReader.read(path: path("observed.csv"))
        let oRegion = try o.column(named: "region"), oMetric = try o.column(named: "metric")
        let oYear = try o.numeric("year"), oValue = try o.numeric("value")
        observed = (0..<o.rowCount).map { (text(oRegion, $0), text(oMetric, $0), Int(oYear[$0]), oValue[$0]) }
        guard let json = FileManager.default.contents(atPath: path("run.json")) else {
            throw InputErrors([InputError(file: path("run.json"), expected: "the backtest's run.json", found: "no readable file")])
        }
        runJSON = String(decoding: json, as: UTF8.self)
    }

    /// Per region, metric and horizon, a fan chart (SVG) with its title.
    public func charts() -> [(title: String, svg: String)] {
        var out: [(String, String)] = []
        var seen: [String] = []
        for r in rows where !seen.contains(r.region + "\u{0}" + r.metric) { seen.append(r.region + "\u{0}" + r.metric) }
        for key in seen {
            let parts = key.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let (region, metric) = (parts[0], parts[1])
            let mine = rows.filter { $0.region == region && $0.metric == metric }
            for h in Set(mine.map(\.horizon)).sorted() {
                let title = "\(metric), \(region): forecasts \(h) year\(h == 1 ? "" : "s") ahead against what was observed"
                out.append((title, chart(region: region, metric: metric, horizon: h, rows: mine.filter { $0.horizon == h }, title: title)))
            }
        }
        return out
    }

    func chart(region: String, metric: String, horizon h: Int, rows: [Row], title: String) -> String {
        let series = observed.filter { $0.region == region && $0.metric == metric }.sorted { $0.year < $1.year }
        let pts = rows.sorted { $0.year < $1.year }
        let years = (pts.map(\.year) + series.map(\.year)).sorted()
        var values = pts.flatMap { [$0.p05, $0.p95] } + series.map(\.value) + pts.compactMap(\.drift)
        values = values.filter(\.isFinite)
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let pad = (hi - lo) * 0.05
        let scale = NiceScale(lo: max(lo >= 0 ? 0 : -Double.infinity, lo - pad), hi: hi + pad, maxTicks: 7)
        let xLo = Double(years.first!) - 0.6, xHi = Double(years.last!) + 0.6
        var f = ChartFrame(xLo: xLo, xHi: xHi, yScale: scale)
        let fmt = ReportNumberFormat(language: .en)
        let tick = axisFormatter(step: scale.step, isShare: false, format: fmt)
        f.drawAxes(title: fitted(title, size: 16, width: ChartStyle.width - 40),
                   subtitle: "bands: 5–95% and 25–75% of the paths simulated from the state \(h) year\(h == 1 ? "" : "s") earlier",
                   yLabel: metric, xLabel: "year", years: yearTicks(from: years.first!, to: years.last!, maxTicks: 12), tick: tick)
        let half = 0.32   // half the width of a year's bands, in years
        for p in pts {
            let x0 = f.x(Double(p.year) - half), x1 = f.x(Double(p.year) + half)
            f.canvas.rect(x0, f.y(p.p95), x1 - x0, max(0.5, f.y(p.p05) - f.y(p.p95)), fill: ChartStyle.band90, opacity: ChartStyle.band90Opacity)
            f.canvas.rect(x0, f.y(p.p75), x1 - x0, max(0.5, f.y(p.p25) - f.y(p.p75)), fill: ChartStyle.band50, opacity: ChartStyle.band50Opacity)
            f.canvas.line(x0, f.y(p.p50), x1, f.y(p.p50), stroke: ChartStyle.median, width: 2.6, cls: "median")
            if let d = p.drift { f.canvas.line(x0, f.y(d), x1, f.y(d), stroke: ChartStyle.target, width: 2, dash: "4 3", cls: "drift") }
        }
        if series.count > 1 {
            f.canvas.polyline(series.map { (f.x(Double($0.year)), f.y($0.value)) }, stroke: ChartStyle.observed, width: 1.4, cls: "observed-line")
        }
        for s in series { f.canvas.circle(f.x(Double(s.year)), f.y(s.value), r: 3.4, fill: ChartStyle.observed, cls: "observed") }
        f.drawLegend([(.band(ChartStyle.band90, ChartStyle.band90Opacity), "5–95%"), (.band(ChartStyle.band50, ChartStyle.band50Opacity), "25–75%"),
                      (.line(ChartStyle.median, 2.6, nil), "median"), (.line(ChartStyle.target, 2, "4 3"), "naive drift"),
                      (.pointLine, "observed")])
        return f.canvas.document(title: title, attributes: [("class", "coopsim-chart backtest-chart"), ("data-region", region),
                                                            ("data-metric", metric), ("data-horizon", String(h))])
    }

    /// The score table (Markdown), one row per metric and horizon.
    public func summaryTable() -> String {
        var s = "| metric | h | n | MAE | MAE drift | MAE / drift | MASE | MASE drift | 50% covers | 90% covers | CRPS | mean PIT |\n"
        s += "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        func cell(_ name: String, _ i: Int, digits: Int = 3) -> String {
            guard case .numeric(let v)? = summary[name], v[i].isFinite else {
                if case .text(let t)? = summary[name] { return t[i] ?? "" }
                return "–"
            }
            let x = v[i]
            return abs(x) >= 1000 ? String(format: "%.0f", x) : String(format: "%.\(digits)g", x)
        }
        for i in 0..<summary.rowCount {
            s += "| " + [cell("metric", i), cell("horizon", i), cell("count", i), cell("mae", i), cell("mae_drift", i), cell("relative_mae", i),
                         cell("mase", i), cell("mase_drift", i), cell("coverage_50", i), cell("coverage_90", i), cell("crps", i),
                         cell("pit_mean", i)].joined(separator: " | ") + " |\n"
        }
        return s
    }

    public func html() -> String {
        var s = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"generator\" content=\"coopsim backtest report\"><title>coopsim backtest</title>\n"
        s += "<style>body{font-family:\(SVGCanvas.fontFamily);max-width:900px;margin:24px auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}pre{background:#f6f6f6;padding:8px;overflow:auto}</style></head><body>\n"
        s += "<h1>Backtest: how past forecasts compare with what happened</h1>\n"
        s += "<p>Each forecast starts from the state observed in its origin year and is scored on the years after it. "
        s += "MASE divides each absolute error of the median by the series' mean absolute one-year change up to the origin; "
        s += "below the drift's MASE, coopsim's median beat the naive random walk with drift. A calibrated forecast covers the observation "
        s += "about 50% and 90% of the time with its 50% and 90% bands, and has PIT values averaging 0.5.</p>\n"
        s += markdownTableToHTML(summaryTable())
        for c in charts() { s += "<figure>" + c.svg + "</figure>\n" }
        s += "<h2>Provenance</h2><pre>" + SVGCanvas.escape(runJSON) + "</pre>\n</body></html>\n"
        return s
    }

    public func markdown(figuresFolder: String) -> (text: String, files: [(name: String, contents: String)]) {
        var s = "# Backtest: how past forecasts compare with what happened\n\n" + summaryTable() + "\n"
        var files: [(String, String)] = []
        for (k, c) in charts().enumerated() {
            let name = "backtest-\(k + 1).svg"
            files.append((name, c.svg))
            s += "![\(c.title)](\(figuresFolder)/\(name))\n\n"
        }
        s += "## Provenance\n\n```json\n" + runJSON + "```\n"
        return (s, files)
    }

    func markdownTableToHTML(_ md: String) -> String {
        let lines = md.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("|---") }
        var s = "<table>\n"
        for (i, l) in lines.enumerated() {
            let cells = l.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { $0.trimmingCharacters(in: .whitespaces) }
            let tag = i == 0 ? "th" : "td"
            s += "<tr>" + cells.map { "<\(tag)>" + SVGCanvas.escape($0) + "</\(tag)>" }.joined() + "</tr>\n"
        }
        return s + "</table>\n"
    }

    /// Writes html (one file) or md (with a STEM-figures folder beside it).
    public func write(format: ReportFormat, to path: String) throws {
        switch format {
        case .html: try OutputFile.write(html(), to: path)
        case .md:
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let folderName = stem + "-figures"
            let (text, files) = markdown(figuresFolder: folderName)
            try DocumentWithFigures.write(text, to: path, figuresFolder: folderName,
                                          figures: files.map { (name: $0.name, bytes: Array($0.contents.utf8)) })
        default:
            throw InputErrors([InputError(file: directory, field: "--format", expected: "html or md for a backtest folder", found: format.rawValue)])
        }
    }
}
