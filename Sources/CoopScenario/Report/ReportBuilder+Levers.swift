import Foundation

/// "Levers and assumptions": what each projection assumed, from `levers.csv`. A table per region
/// (one row per lever or assumption, one column per scenario: the value when it is the same every
/// simulated year, else "first → last (first year–last year)"), and a small chart per lever or
/// assumption that differs between scenarios or over the years: each scenario's path in its
/// colour, on one axis.
extension ReportBuilder {
    /// Rows of the table for one region: (kind, label, unit, one cell per scenario).
    func leverTable(region: String) -> (headers: [String], rows: [[String]]) {
        let vi = language == .vi
        let fmt = ReportNumberFormat(language: language)
        let values = folder.levers.filter { $0.region == region }
        let scenarios = folder.scenarioNames.filter { s in values.contains { $0.scenario == s } }
        var names: [String] = []
        for v in values where !names.contains(v.name) { names.append(v.name) }
        let headers = [vi ? "Loại" : "Kind", vi ? "Đòn bẩy / giả định" : "Lever / assumption", vi ? "Đơn vị" : "Unit"]
            + scenarios.map { folder.scenarioLabel($0, language: language) }
        var rows: [[String]] = []
        for n in names {
            guard let first = values.first(where: { $0.name == n }) else { continue }
            let kind = first.kind == "lever" ? (vi ? "đòn bẩy" : "lever") : (vi ? "giả định" : "assumption")
            let label = (vi ? first.labelVI : first.labelEN).isEmpty ? n : (vi ? first.labelVI : first.labelEN)
            let unit = vi ? (ReportLanguage.vietnameseUnits[first.unit] ?? first.unit) : first.unit
            var row = [kind, label, unit]
            for s in scenarios {
                let path = values.filter { $0.scenario == s && $0.name == n }.sorted { $0.year < $1.year }
                guard let a = path.first, let b = path.last else { row.append("–"); continue }
                let d = ReportNumberFormat.decimals(forStep: Self.step(of: path.map(\.value)))
                if path.allSatisfy({ $0.value == a.value }) {
                    row.append(fmt.fixed(a.value, decimals: d))
                } else {
                    row.append("\(fmt.fixed(a.value, decimals: d)) → \(fmt.fixed(b.value, decimals: d)) (\(a.year)–\(b.year))")
                }
            }
            rows.append(row)
        }
        return (headers, rows)
    }

    /// Decimals that show a path's values distinctly: from the smallest non-zero magnitude.
    static func step(of values: [Double]) -> Double {
        let m = values.map(abs).filter { $0 > 0 && $0.isFinite }.min() ?? 1
        return m >= 100 ? 1 : m >= 1 ? 0.1 : m >= 0.01 ? 0.001 : 0.00001
    }

    /// Small charts (380 × 230) of the levers and assumptions that differ between scenarios or over the years.
    func leverCharts(region: String) -> [Chart] {
        let values = folder.levers.filter { $0.region == region }
        let scenarios = folder.scenarioNames.filter { s in values.contains { $0.scenario == s } }
        var names: [String] = []
        for v in values where !names.contains(v.name) { names.append(v.name) }
        var out: [Chart] = []
        for n in names {
            let mine = values.filter { $0.name == n }
            guard Set(mine.map(\.value)).count > 1 else { continue }
            let first = mine[0]
            let label = (language == .vi ? first.labelVI : first.labelEN).isEmpty ? n : (language == .vi ? first.labelVI : first.labelEN)
            // Legends name scenarios by their short identifiers (titles are in the table above).
            let paths = scenarios.map { s in (s, mine.filter { $0.scenario == s }.sorted { $0.year < $1.year }) }
            let svg = LeverPathChart(label: label, unit: language == .vi ? (ReportLanguage.vietnameseUnits[first.unit] ?? first.unit) : first.unit,
                                     paths: paths, language: language).svg()
            out.append(Chart(fileName: "lever-\(slug(region))-\(slug(n)).svg", svg: svg, caption: "\(label) — \(region)", region: region, metric: n))
        }
        return out
    }

    /// The section as HTML (empty without `levers.csv`).
    func leversHTML() -> String {
        guard !folder.levers.isEmpty else { return "" }
        let vi = language == .vi
        var h = "<h2 id=\"levers\">\(esc(vi ? "Đòn bẩy chính sách và giả định" : "Levers and assumptions"))</h2>\n"
        h += "<p class=\"note\">\(esc(vi ? "Giá trị dùng cho mỗi năm mô phỏng; \"a → b (năm–năm)\": thay đổi từ a đến b trong các năm đó." : "Values used in each simulated year; \"a → b (year–year)\": changing from a to b over those years."))</p>\n"
        let regions = folder.regions.filter { r in folder.levers.contains { $0.region == r } }
        for region in regions {
            if regions.count > 1 { h += "<h3>\(esc(region))</h3>\n" }
            h += htmlTable(leverTable(region: region))
            let charts = leverCharts(region: region)
            if !charts.isEmpty {
                h += "<div class=\"charts\">\n" + charts.map { "<figure>\n" + $0.svg + "</figure>\n" }.joined() + "</div>\n"
            }
        }
        return h
    }

    /// The section as Markdown, and its chart files.
    func leversMarkdown(figuresFolder: String) -> (text: String, files: [(String, String)]) {
        guard !folder.levers.isEmpty else { return ("", []) }
        let vi = language == .vi
        var md = "\n## \(mdEsc(vi ? "Đòn bẩy chính sách và giả định" : "Levers and assumptions"))\n\n"
        var files: [(String, String)] = []
        let regions = folder.regions.filter { r in folder.levers.contains { $0.region == r } }
        for region in regions {
            if regions.count > 1 { md += "### \(mdEsc(region))\n\n" }
            md += mdTable(leverTable(region: region)) + "\n"
            for c in leverCharts(region: region) {
                md += "![\(mdEsc(c.caption))](\(figuresFolder)/\(c.fileName))\n\n"
                files.append((c.fileName, c.svg))
            }
        }
        return (md, files)
    }
}

/// A small chart of one lever's or assumption's path in each scenario, on one axis.
struct LeverPathChart {
    var label: String
    var unit: String
    var paths: [(String, [RunFolder.LeverValue])]
    var language: ReportLanguage

    func svg() -> String {
        let width = 380.0, height = 230.0
        var c = SVGCanvas(width: width, height: height)
        let fmt = ReportNumberFormat(language: language)
        let all = paths.flatMap { $0.1 }
        let years = all.map(\.year), values = all.map(\.value).filter(\.isFinite)
        let y0 = years.min() ?? 0, y1 = max(years.max() ?? 1, y0 + 1)
        let lo = min(values.min() ?? 0, 0), hi = values.max() ?? 1
        let scale = NiceScale(lo: lo, hi: hi == lo ? lo + 1 : hi, maxTicks: 4)
        let d = ReportNumberFormat.decimals(forStep: scale.step)
        let ticks = scale.ticks.map { fmt.fixed($0, decimals: d) }
        let left = 12 + (ticks.map { SVGCanvas.textWidth($0, size: 10.5) }.max() ?? 20) + 6, right = width - 14
        let titleLines = wrapText(label, size: 12.5 * 1.05, width: width - 24, maxLines: 2)
        var yy = 18.0
        for l in titleLines { c.text(l, x: 12, y: yy, size: 12.5, weight: "bold", cls: "chart-title"); yy += 16 }
        let unitLine = wrapText(unit, size: 10.5, width: width - 24, maxLines: 1)[0]
        c.text(unitLine, x: 12, y: yy, size: 10.5, fill: ChartStyle.muted, cls: "chart-subtitle")
        let top = yy + 12
        let legendRows = ChartFrame.legendLayout(paths.map { (LegendSwatch.diamond, $0.0) }).count
        let bottom = height - 26 - 16 * Double(min(legendRows, 2))
        func x(_ year: Int) -> Double { left + Double(year - y0) / Double(y1 - y0) * (right - left) }
        func y(_ v: Double) -> Double { bottom - scale.fraction(v) * (bottom - top) }
        for (v, t) in zip(scale.ticks, ticks) {
            c.line(left, y(v), right, y(v), stroke: ChartStyle.grid)
            c.text(t, x: left - 5, y: y(v) + 3.5, size: 10.5, anchor: .end, fill: "#333", cls: "y-tick")
        }
        for yr in [y0, y1] { c.text(String(yr), x: x(yr), y: bottom + 14, size: 10.5, anchor: yr == y0 ? .start : .end, fill: "#333", cls: "x-tick") }
        c.line(left, bottom, right, bottom, stroke: ChartStyle.axis)
        var lx = 12.0, ly = height - 10 - 16 * Double(min(legendRows, 2) - 1)
        for (k, (name, path)) in paths.enumerated() {
            let color = OverlayChart.colors[k % OverlayChart.colors.count]
            if path.count == 1 { c.circle(x(path[0].year), y(path[0].value), r: 3, fill: color) }
            c.polyline(path.map { (x($0.year), y($0.value)) }, stroke: color, width: 2.2, cls: "lever-path", dash: k == 0 ? nil : (k % 2 == 1 ? nil : "5 3"))
            let shown = name
            let w = 18 + 4 + SVGCanvas.textWidth(shown, size: 10.5)
            if lx + w > width - 12 { lx = 12; ly += 16 }
            c.line(lx, ly - 3.5, lx + 18, ly - 3.5, stroke: color, width: 2.2)
            c.text(shown, x: lx + 22, y: ly, size: 10.5, fill: "#333", cls: "legend")
            lx += w + 14
        }
        return c.document(title: label, attributes: [("class", "coopsim-chart lever-chart")])
    }
}
