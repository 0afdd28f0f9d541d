import Foundation

/// The side-by-side target table: one row per target (region, metric, year, condition), one
/// probability column per scenario that has it, and, for a comparison, the difference between the
/// alternative and its baseline with an error bound.
///
/// The bound is 2 × sqrt(se_alt² + se_base²), the standard error of a difference of two
/// independent proportions. Under common random numbers (`coopsim compare`) the two estimates are
/// positively correlated, so the true error of the difference is smaller: the bound is
/// conservative. It is labelled as such.
extension ReportBuilder {
    struct SideBySide {
        var headers: [String]
        var rows: [[String]]
        /// Columns holding numbers (right-aligned).
        var numericColumns: Set<Int>
        var note: String
    }

    /// One table per region with at least one target shared by two or more scenarios, else nil.
    func sideBySideTargets() -> [(region: String, table: SideBySide)] {
        let L = language.labels
        let vi = language == .vi
        let fmt = ReportNumberFormat(language: language)
        var out: [(String, SideBySide)] = []
        for region in folder.regions {
            let targets = folder.targets.filter { $0.region == region }
            let scenarios = folder.scenarioNames.filter { s in targets.contains { $0.scenario == s } }
            guard scenarios.count >= 2 else { continue }
            struct Key: Hashable { var metric: String; var year: Int; var op: String; var value: Double }
            var keys: [Key] = []
            var byKey: [Key: [String: RunFolder.TargetResult]] = [:]
            for t in targets {
                let k = Key(metric: t.metric, year: t.year, op: t.op, value: t.value)
                if byKey[k] == nil { keys.append(k) }
                byKey[k, default: [:]][t.scenario] = t
            }
            guard keys.contains(where: { (byKey[$0]?.count ?? 0) >= 2 }) else { continue }
            let pairs = folder.comparisons.filter { scenarios.contains($0.scenario) && scenarios.contains($0.baseline) }
            var headers = [L.metric, L.year, L.target]
            headers += scenarios.map { folder.scenarioTitle($0, language: language).isEmpty ? $0 : folder.scenarioTitle($0, language: language) }
            headers += pairs.map { vi ? "Chênh lệch \($0.scenario) − \($0.baseline) (± sai số)" : "Difference \($0.scenario) − \($0.baseline) (± error)" }
            var rows: [[String]] = []
            for k in keys {
                let m = folder.metric(k.metric)
                let op = ["<=": "≤", ">=": "≥"][k.op] ?? k.op
                let label = byKey[k]?.values.first.map { folder.targetLabel($0, language: language) } ?? language.label(m)
                var row = [label, String(k.year), "\(op) \(fmt.value(k.value, metric: m))"]
                for s in scenarios {
                    if let t = byKey[k]?[s], t.probability.isFinite { row.append(fmt.probabilityShort(t.probability, low: t.probabilityLow, high: t.probabilityHigh)) }
                    else { row.append("–") }
                }
                for p in pairs {
                    guard let a = byKey[k]?[p.scenario], let b = byKey[k]?[p.baseline], a.probability.isFinite, b.probability.isFinite else {
                        row.append("–"); continue
                    }
                    let d = (a.probability - b.probability) * 100
                    let se = (a.mcSE.isFinite && b.mcSE.isFinite) ? (a.mcSE * a.mcSE + b.mcSE * b.mcSE).squareRoot() * 100 : .nan
                    let sign = d > 0 ? "+" : d < 0 ? "−" : "±"
                    var cell = "\(sign)\(fmt.fixed(abs(d), decimals: 1))"
                    if se.isFinite { cell += " ± \(fmt.fixed(2 * se, decimals: 1))" }
                    row.append(cell + (vi ? " điểm %" : " pp"))
                }
                rows.append(row)
            }
            let numeric = Set(3..<headers.count)
            let note = pairs.isEmpty ? "" : (vi
                ? "Chênh lệch tính bằng điểm phần trăm; sai số là 2 × căn(se₁² + se₂²), một cận trên thận trọng: hai kịch bản chạy trên cùng các đường ngẫu nhiên nên sai số thực của chênh lệch nhỏ hơn."
                : "Differences in percentage points; the error is 2 × sqrt(se₁² + se₂²), a conservative bound: both scenarios run on the same random paths, so the true error of the difference is smaller.")
            out.append((region, SideBySide(headers: headers, rows: rows, numericColumns: numeric, note: note)))
        }
        return out
    }

    /// The side-by-side section as HTML (empty when no region has a shared target).
    func sideBySideHTML() -> String {
        let tables = sideBySideTargets()
        guard !tables.isEmpty else { return "" }
        let vi = language == .vi
        var h = "<h2 id=\"targets-side-by-side\">\(esc(vi ? "Mục tiêu: các kịch bản cạnh nhau" : "Targets side by side"))</h2>\n"
        for (region, t) in tables {
            if tables.count > 1 { h += "<h3>\(esc(region))</h3>\n" }
            h += "<table class=\"side-by-side\">\n<thead><tr>" + t.headers.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for r in t.rows {
                h += "<tr>" + r.enumerated().map { k, v in t.numericColumns.contains(k) ? "<td class=\"num\">\(esc(v))</td>" : "<td>\(esc(v))</td>" }.joined() + "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
            if !t.note.isEmpty { h += "<p class=\"note\">\(esc(t.note))</p>\n" }
        }
        return h
    }

    /// The side-by-side section as Markdown.
    func sideBySideMarkdown() -> String {
        let tables = sideBySideTargets()
        guard !tables.isEmpty else { return "" }
        let vi = language == .vi
        var md = "\n## \(mdEsc(vi ? "Mục tiêu: các kịch bản cạnh nhau" : "Targets side by side"))\n\n"
        for (region, t) in tables {
            if tables.count > 1 { md += "### \(mdEsc(region))\n\n" }
            md += mdTable((t.headers, t.rows))
            if !t.note.isEmpty { md += "\n" + mdEsc(t.note) + "\n" }
            md += "\n"
        }
        return md
    }
}
