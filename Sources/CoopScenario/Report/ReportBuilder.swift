import CoopData
import Foundation

/// The formats `coopsim report` writes.
public enum ReportFormat: String, Sendable, CaseIterable {
    /// One self-contained HTML file with inline SVG.
    case html
    /// A Jupyter notebook (nbformat 4.5) saved with its outputs.
    case ipynb
    /// Markdown, with the SVG charts written in a folder beside it.
    case md
    /// An Excel workbook: a sheet per CSV file of the folder, a README sheet, native charts (`RunWorkbook`).
    case xlsx

    public var fileExtension: String { rawValue }
}

/// Turns a run folder into a report: fan charts per metric, region and
/// scenario, comparison charts for `compare.csv`, a table of target
/// probabilities and the run's provenance, as HTML, Markdown or a notebook.
///
/// Output is deterministic: the same folder and language give the same bytes
/// (no clock, no absolute paths). Chart order: region, then metric in model
/// order, then scenario in `scenarios.csv` order.
public struct ReportBuilder: Sendable {
    public var folder: RunFolder
    public var language: ReportLanguage
    /// The metrics to chart (`--metrics`), in the order given; nil charts every metric. Tables keep every target.
    public var selectedMetrics: [String]?

    public init(folder: RunFolder, language: ReportLanguage, metrics: [String]? = nil) {
        self.folder = folder
        self.language = language
        self.selectedMetrics = metrics
    }

    /// The metrics charted: the selection, or every metric with summary rows in model order.
    public var chartedMetrics: [RunFolder.Metric] {
        guard let sel = selectedMetrics else { return folder.summarizedMetrics }
        return sel.map { folder.metric($0) }
    }

    /// One chart: a stable file name, its SVG text and a caption.
    public struct Chart: Sendable {
        public var fileName: String
        public var svg: String
        public var caption: String
        public var region: String
        public var metric: String
    }

    /// Fan charts, one per region × metric × scenario that has summary rows.
    public func fanCharts() -> [Chart] {
        var out: [Chart] = []
        for region in folder.regions {
            for m in chartedMetrics {
                // Every scenario's fan of one region and metric on the same y-axis, so they compare at a glance.
                let shared = folder.scenarioNames.flatMap { s in
                    folder.fan(scenario: s, region: region, metric: m.name).flatMap { [$0.p05, $0.p95] }
                        + folder.targets(scenario: s, region: region, metric: m.name).map(\.value)
                }.filter(\.isFinite)
                for s in folder.scenarioNames where !folder.fan(scenario: s, region: region, metric: m.name).isEmpty {
                    var c = FanChart(folder: folder, scenario: s, region: region, metric: m, language: language)
                    c.sharedValues = shared
                    guard !c.fan.isEmpty else { continue }
                    out.append(Chart(fileName: "fan-\(slug(s))-\(slug(region))-\(slug(m.name)).svg", svg: c.svg(),
                                     caption: "\(language.label(m)) — \(c.scenarioTitle) — \(region)", region: region, metric: m.name))
                }
            }
        }
        return out
    }

    /// Comparison charts, one per (alternative, baseline) × region × metric in `compare.csv`.
    public func comparisonCharts() -> [Chart] {
        var out: [Chart] = []
        let L = language.labels
        for (s, b) in folder.comparisons {
            for region in folder.regions {
                for m in selectedMetrics == nil ? folder.summarizedMetrics + extraCompareMetrics() : chartedMetrics {
                    let c = ComparisonChart(folder: folder, scenario: s, baseline: b, region: region, metric: m, language: language)
                    guard !c.rows.isEmpty else { continue }
                    out.append(Chart(fileName: "compare-\(slug(s))-vs-\(slug(b))-\(slug(region))-\(slug(m.name)).svg", svg: c.svg(),
                                     caption: "\(L.difference): \(language.label(m)) — \(s) \(L.differenceVersus) \(b) — \(region)",
                                     region: region, metric: m.name))
                }
            }
        }
        return out
    }

    /// Metrics that appear in `compare.csv` but not in `summary.csv` (kept so nothing is lost).
    func extraCompareMetrics() -> [RunFolder.Metric] {
        let summarized = Set(folder.summarizedMetrics.map(\.name))
        var names: [String] = []
        for d in folder.differences where !summarized.contains(d.metric) && !names.contains(d.metric) { names.append(d.metric) }
        return names.map { folder.metric($0) }
    }

    /// The report's title: "Projection report: REGION, REGION".
    public var title: String { language.labels.reportTitle + ": " + folder.regions.joined(separator: ", ") }

    // MARK: Tables

    /// Rows of the target-probability table as display strings, with headers.
    func targetTable() -> (headers: [String], rows: [[String]]) {
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        let headers = [L.scenario, L.region, L.metric, L.year, L.target, L.probability, L.mcSE, L.source]
        let rows = folder.targets.map { t -> [String] in
            let m = folder.metric(t.metric)
            let op = ["<=": "≤", ">=": "≥"][t.op] ?? t.op
            if !t.reason.isEmpty {   // a plan target the model cannot evaluate: shown, with the reason
                return [folder.scenarioLabel(t.scenario, language: language), t.region, folder.targetLabel(t, language: language), String(t.year), "\(op) \(fmt.value(t.value, metric: m))",
                        L.notEvaluated, "–", t.source(language) + " — " + L.notEvaluated + ": " + t.reason(language)]
            }
            return [folder.scenarioLabel(t.scenario, language: language), t.region, folder.targetLabel(t, language: language), String(t.year), "\(op) \(fmt.value(t.value, metric: m))",
                    fmt.probability(t.probability, low: t.probabilityLow, high: t.probabilityHigh), fmt.standardErrorPercent(t.mcSE), t.source(language)]
        }
        return (headers, rows)
    }

    func scenarioTable() -> (headers: [String], rows: [[String]]) {
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        let headers = [L.scenario, L.title, L.region, L.years, L.draws, L.seed, L.file]
        let rows = folder.scenarioNames.map { name -> [String] in
            if let s = folder.scenarioInfo(name) {
                return [s.name, folder.scenarioTitle(s.name, language: language), s.region, "\(s.lastObservedYear + 1)–\(s.horizon)", fmt.fixed(Double(s.draws), decimals: 0), s.seed, s.file]
            }
            let years = folder.summary.filter { $0.scenario == name }.map(\.year)
            let region = folder.summary.first { $0.scenario == name }?.region ?? ""
            return [name, "", region, years.isEmpty ? "" : "\(years.min()!)–\(years.max()!)", "", "", ""]
        }
        return (headers, rows)
    }

    /// Provenance as (label, value) pairs, and the input files.
    func provenanceItems() -> [(String, String)] {
        guard let p = folder.provenance else { return [] }
        let L = language.labels
        var items: [(String, String)] = [(L.tool, [p.tool, p.version].filter { !$0.isEmpty }.joined(separator: " ")), (L.kind, p.kind),
                                         (L.seed, p.seed), (L.draws, p.draws), (L.threads, p.threads), (L.started, p.started),
                                         (L.wallSeconds, p.wallSeconds)]
        items = items.filter { !$0.1.isEmpty }
        if !p.command.isEmpty { items.append((L.command, p.command.map(shellQuote).joined(separator: " "))) }
        return items
    }

    // MARK: HTML

    /// One self-contained HTML page: inline CSS and SVG, no scripts, no external resources.
    public func html() -> String {
        let L = language.labels
        var h = "<!DOCTYPE html>\n<html lang=\"\(language.rawValue)\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<meta name=\"generator\" content=\"coopsim report\"/>\n"
        h += "<title>\(esc(title))</title>\n<style>\n" + Self.css + "</style>\n</head>\n<body>\n<main>\n"
        h += "<h1>\(esc(title))</h1>\n" + calibrationCaveatHTML()
        h += "<h2>\(esc(L.scenarios))</h2>\n" + htmlTable(scenarioTable())
        h += "<h2 id=\"targets\">\(esc(L.targetProbabilityTitle))</h2>\n"
        h += folder.targets.isEmpty ? "<p>\(esc(L.noTargets))</p>\n" : htmlTable(targetTable(), numericFrom: 5, numericTo: 6)
        h += sideBySideHTML()
        h += leversHTML()
        h += "<h2 id=\"projections\">\(esc(L.fanCharts))</h2>\n"
        var lastRegion = "", lastMetric = ""
        for c in fanCharts() {
            if c.region != lastRegion {
                if !lastMetric.isEmpty { h += "</div>\n" }
                h += "<h3>\(esc(c.region))</h3>\n"
                lastRegion = c.region
                lastMetric = ""
            }
            if c.metric != lastMetric {
                if !lastMetric.isEmpty { h += "</div>\n" }
                h += "<h4>\(esc(language.label(folder.metric(c.metric))))</h4>\n<div class=\"charts\">\n"
                if let o = overlayChart(region: c.region, metric: c.metric) { h += "<figure>\n" + o.svg + "</figure>\n" }
                lastMetric = c.metric
            }
            h += "<figure>\n" + c.svg + "</figure>\n"
        }
        if !lastMetric.isEmpty { h += "</div>\n" }
        let comps = comparisonCharts()
        if !comps.isEmpty {
            h += "<h2 id=\"comparison\">\(esc(L.comparisons))</h2>\n<div class=\"charts\">\n"
            for c in comps { h += "<figure>\n" + c.svg + "</figure>\n" }
            h += "</div>\n"
        }
        h += convergenceSectionHTML()   // --mc-se runs only (issue 12; Report/ConvergenceChart.swift)
        let items = provenanceItems()
        if !items.isEmpty {
            h += "<h2 id=\"provenance\">\(esc(L.provenance))</h2>\n<dl>\n"
            for (k, v) in items { h += "<dt>\(esc(k))</dt><dd>\(k == L.command ? "<code>\(esc(v))</code>" : esc(v))</dd>\n" }
            h += "</dl>\n"
            if let p = folder.provenance, !p.inputs.isEmpty {
                h += "<h3>\(esc(L.inputs))</h3>\n"
                h += htmlTable(([L.file, "SHA-256"], p.inputs.map { [$0.path, $0.sha256] }), codeColumn: 1)
            }
        }
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    static let css = """
    body{font-family:"DejaVu Sans","Noto Sans",Arial,Helvetica,sans-serif;color:#222;margin:0;background:#fafafa}
    main{max-width:1580px;margin:0 auto;padding:16px 24px 48px;background:#fff}
    h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:4px}
    table{border-collapse:collapse;margin:8px 0;font-size:0.92em}
    th,td{border:1px solid #d0d0d0;padding:4px 8px;text-align:left;vertical-align:top}
    th{background:#f0f4f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
    .charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}
    svg.coopsim-chart{max-width:100%;height:auto;border:1px solid #eee}
    dt{font-weight:bold;float:left;clear:left;width:14em}dd{margin-left:15em;margin-bottom:4px}
    code{font-size:0.9em;word-break:break-all}
    p.note{color:#555;font-size:0.9em;max-width:60em}
    p.caveat{background:#fff4e5;border-left:4px solid #d94801;padding:8px 12px;max-width:70em}

    """

    func htmlTable(_ t: (headers: [String], rows: [[String]]), numericFrom: Int = -1, numericTo: Int = -1, codeColumn: Int = -1) -> String {
        var h = "<table>\n<thead><tr>" + t.headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for r in t.rows {
            h += "<tr>"
            for (k, v) in r.enumerated() {
                if k == codeColumn { h += "<td><code>\(esc(v))</code></td>" }
                else if k >= numericFrom && k <= numericTo { h += "<td class=\"num\">\(esc(v))</td>" }
                else { h += "<td>\(esc(v))</td>" }
            }
            h += "</tr>\n"
        }
        return h + "</tbody>\n</table>\n"
    }

    // MARK: Markdown

    /// Markdown text whose images point into `figuresFolder` (relative to the
    /// Markdown file), and the SVG files to write there (name, contents).
    public func markdown(figuresFolder: String) -> (text: String, files: [(name: String, contents: String)]) {
        let L = language.labels
        var md = "# \(mdEsc(title))\n\n" + (calibrationCaveat().map { "> **\(mdEsc($0))**\n\n" } ?? "")
            + "## \(mdEsc(L.scenarios))\n\n" + mdTable(scenarioTable())
        md += "\n## \(mdEsc(L.targetProbabilityTitle))\n\n"
        md += folder.targets.isEmpty ? "\(mdEsc(L.noTargets))\n" : mdTable(targetTable())
        md += sideBySideMarkdown()
        let (leverText, leverFiles) = leversMarkdown(figuresFolder: figuresFolder)
        md += leverText
        md += "\n## \(mdEsc(L.fanCharts))\n"
        var files: [(String, String)] = leverFiles
        var lastRegion = "", lastMetric = ""
        for c in fanCharts() {
            if c.region != lastRegion { md += "\n### \(mdEsc(c.region))\n"; lastRegion = c.region; lastMetric = "" }
            if c.metric != lastMetric {
                md += "\n#### \(mdEsc(language.label(folder.metric(c.metric))))\n\n"
                lastMetric = c.metric
                if let o = overlayChart(region: c.region, metric: c.metric) {
                    md += "![\(mdEsc(o.caption))](\(figuresFolder)/\(o.fileName))\n\n"
                    files.append((o.fileName, o.svg))
                }
            }
            md += "![\(mdEsc(c.caption))](\(figuresFolder)/\(c.fileName))\n\n"
            files.append((c.fileName, c.svg))
        }
        let comps = comparisonCharts()
        if !comps.isEmpty {
            md += "\n## \(mdEsc(L.comparisons))\n\n"
            for c in comps {
                md += "![\(mdEsc(c.caption))](\(figuresFolder)/\(c.fileName))\n\n"
                files.append((c.fileName, c.svg))
            }
        }
        let items = provenanceItems()
        if !items.isEmpty {
            md += "\n## \(mdEsc(L.provenance))\n\n"
            for (k, v) in items { md += "- **\(mdEsc(k))**: " + (k == L.command ? "`\(v.replacingOccurrences(of: "`", with: "'"))`" : mdEsc(v)) + "\n" }
            if let p = folder.provenance, !p.inputs.isEmpty {
                md += "\n### \(mdEsc(L.inputs))\n\n" + mdTable(([L.file, "SHA-256"], p.inputs.map { [$0.path, $0.sha256] }))
            }
        }
        return (md, files)
    }

    func mdTable(_ t: (headers: [String], rows: [[String]])) -> String {
        var s = "| " + t.headers.map(mdCell).joined(separator: " | ") + " |\n"
        s += "|" + String(repeating: " --- |", count: t.headers.count) + "\n"
        for r in t.rows { s += "| " + r.map(mdCell).joined(separator: " | ") + " |\n" }
        return s
    }

    func mdCell(_ s: String) -> String { mdEsc(s).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }

    /// Escapes characters Markdown would read as markup (and `<`, `&` for HTML in Markdown).
    func mdEsc(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\", "*", "_", "[", "]", "`", "#": out += "\\" + String(ch)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(ch)
            }
        }
        return out
    }

    func esc(_ s: String) -> String { SVGCanvas.escape(s) }

    // MARK: Writing

    /// The default output path for `directory` and `format`: `DIR/report.html`, `DIR/report.ipynb`, `DIR/report.md`.
    public static func defaultOutput(directory: String, format: ReportFormat) -> String {
        (directory as NSString).appendingPathComponent("report." + format.fileExtension)
    }

    /// Writes the report to `path`. Markdown writes its SVGs into `STEM-figures/`
    /// beside the file; a notebook refers to the run folder by its path relative
    /// to the notebook's folder. Throws `OutputError` when a file cannot be written.
    public func write(format: ReportFormat, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent   // parents are created (and removed on failure) by the writers
        func put(_ text: String, _ p: String) throws { try OutputFile.write(text, to: p) }
        switch format {
        case .html:
            try put(html(), path)
        case .md:
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let figures = stem + "-figures"
            let (text, files) = markdown(figuresFolder: figures)
            try DocumentWithFigures.write(text, to: path, figuresFolder: figures,
                                          figures: files.map { (name: $0.name, bytes: Array($0.contents.utf8)) })
        case .ipynb:
            let rel = Self.relativePath(from: dir.isEmpty ? "." : dir, to: folder.directory)
            try put(notebook(runFolderPath: rel), path)
        case .xlsx:
            // Made in a scratch folder, then written like every single-file output (SafeOutput: atomic for a
            // regular file, through a symbolic link, streamed into a FIFO or device); a failure leaves no partial workbook.
            let bytes: [UInt8]
            do { bytes = try RunWorkbook(directory: folder.directory, language: language).bytes() } catch {
                if let e = error as? OutputError { throw OutputError(path: path, reason: e.reason, hint: e.hint, isUsage: e.isUsage) }
                if error is InputError || error is InputErrors { throw error }
                throw OutputError(path: path, reason: OutputFile.reason(path, error))
            }
            try SafeOutput.write(bytes, to: path)
        }
    }

    /// The path of `target` relative to the folder `base` ("." when they are the same folder).
    public static func relativePath(from base: String, to target: String) -> String {
        func parts(_ p: String) -> [String] {
            let abs = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
            return URL(fileURLWithPath: abs).standardizedFileURL.resolvingSymlinksInPath().pathComponents.filter { $0 != "/" }
        }
        let b = parts(base), t = parts(target)
        var k = 0
        while k < b.count && k < t.count && b[k] == t[k] { k += 1 }
        let up = Array(repeating: "..", count: b.count - k)
        let comps = up + t[k...]
        return comps.isEmpty ? "." : comps.joined(separator: "/")
    }
}

/// A file-name-safe ASCII slug: diacritics removed (đ -> d), lower case, runs of other characters as "-".
/// "Thành phố Hồ Chí Minh" -> "thanh-pho-ho-chi-minh".
func slug(_ s: String) -> String {
    var out = ""
    var dash = false
    for u in s.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        .decomposedStringWithCanonicalMapping.unicodeScalars {
        if u.properties.generalCategory == .nonspacingMark { continue }
        if u.isASCII && (u.properties.isAlphabetic || ("0"..."9").contains(u)) {
            if dash && !out.isEmpty { out += "-" }
            dash = false
            out += String(u).lowercased()
        } else {
            dash = true
        }
    }
    return out.isEmpty ? "x" : out
}

/// Quotes a command-line argument for display when it holds spaces or shell characters.
func shellQuote(_ s: String) -> String {
    let safe = s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_./=:,+@%".unicodeScalars.contains($0) }
    return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
