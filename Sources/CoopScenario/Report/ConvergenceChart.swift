import CoopData
import Foundation

/// The convergence chart of a `--mc-se` run (issue 12): for one target probability, or one
/// difference alternative − baseline, its running estimate after each block of paths with the 95%
/// band estimate ± 1.96·mc_se, read from the folder's convergence.csv.
public struct ConvergenceChart: Sendable {
    public var title: String
    /// (draws, estimate, mc_se) after each block.
    public var points: [(draws: Int, estimate: Double, se: Double)]

    /// The charts of `directory`'s convergence.csv, in file order; empty when the folder has none.
    /// Throws `InputErrors` for a convergence.csv without the schema's columns.
    public static func read(directory: String) throws -> [ConvergenceChart] {
        let path = (directory as NSString).appendingPathComponent(RunFolderSchema.convergence.name)
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let t = try CSVReader.read(path: path)
        func text(_ name: String) throws -> [String] {
            switch try t.column(named: name) {
            case .text(let v): return v.map { $0 ?? "" }
            case .numeric(let v): return v.map { $0.isNaN ? "" : CSVWriter.number($0) }
            }
        }
        let scenario = try text("scenario"), baseline = try text("baseline"), metric = try text("metric"), year = try text("year")
        let op = try text("op"), value = try text("value")
        let draws = try t.numeric("draws"), estimate = try t.numeric("estimate"), se = try t.numeric("mc_se")
        var order: [String] = []
        var byKey: [String: ConvergenceChart] = [:]
        for i in 0..<t.rowCount {
            let what = baseline[i].isEmpty ? "P(\(metric[i]) \(op[i]) \(value[i]) in \(year[i]))"
                                           : "P(\(metric[i]) \(op[i]) \(value[i]) in \(year[i])): \(scenario[i]) − \(baseline[i])"
            let key = baseline[i].isEmpty ? scenario[i] + ": " + what : what
            if byKey[key] == nil { order.append(key); byKey[key] = ConvergenceChart(title: key, points: []) }
            byKey[key]!.points.append((Int(draws[i]), estimate[i], se[i]))
        }
        return order.map { byKey[$0]! }
    }

    public func svg() -> String {
        precondition(!points.isEmpty, "A convergence chart needs at least one block.")
        let lows = points.map { $0.estimate - 1.96 * $0.se }, highs = points.map { $0.estimate + 1.96 * $0.se }
        let scale = NiceScale(lo: lows.min()!, hi: highs.max()!, maxTicks: 6)
        let xHi = Double(points.last!.draws)
        var f = ChartFrame(xLo: 0, xHi: xHi * 1.03, yScale: scale)
        let last = points.last!
        f.drawAxes(title: fitted(title, size: 16, width: ChartStyle.width - 40),
                   subtitle: String(format: "after %d draws: %.4f, Monte Carlo s.e. %.4f", last.draws, last.estimate, last.se),
                   yLabel: "estimate", xLabel: "draws", years: [], tick: { String(format: scale.step < 0.01 ? "%.3f" : "%.2f", $0) })
        let every = max(1, (points.count + 7) / 8)   // at most 8 ticks, at block ends
        for (i, p) in points.enumerated() where (points.count - 1 - i) % every == 0 {
            let d = p.draws
            f.canvas.text(String(d), x: f.x(Double(d)), y: f.bottom + 19, size: 12, anchor: .middle, fill: "#333", cls: "x-tick")
        }
        let band = points.map { (f.x(Double($0.draws)), f.y($0.estimate + 1.96 * $0.se)) }
            + points.reversed().map { (f.x(Double($0.draws)), f.y($0.estimate - 1.96 * $0.se)) }
        f.canvas.polygon(band, fill: ChartStyle.band90, opacity: ChartStyle.band90Opacity, cls: "band-95")
        f.canvas.line(f.left, f.y(last.estimate), f.right, f.y(last.estimate), stroke: "#999999", width: 1, dash: "4 3")
        f.canvas.polyline(points.map { (f.x(Double($0.draws)), f.y($0.estimate)) }, stroke: ChartStyle.median, width: 2.2, cls: "estimate")
        for p in points { f.canvas.circle(f.x(Double(p.draws)), f.y(p.estimate), r: 2.6, fill: ChartStyle.median) }
        f.drawLegend([(.line(ChartStyle.median, 2.2, nil), "running estimate"),
                      (.band(ChartStyle.band90, ChartStyle.band90Opacity), "± 1.96 Monte Carlo s.e."),
                      (.line("#999999", 1, "4 3"), "final estimate")])
        return f.canvas.document(title: title, attributes: [("class", "coopsim-chart convergence-chart")])
    }
}

extension ReportBuilder {
    /// The HTML section of convergence charts (a `--mc-se` run), or "" without convergence.csv.
    func convergenceSectionHTML() -> String {
        guard let charts = try? ConvergenceChart.read(directory: folder.directory), !charts.isEmpty else { return "" }
        var h = "<h2 id=\"convergence\">Monte Carlo convergence (--mc-se)</h2>\n"
        h += "<p>Each chart follows one probability as blocks of 1024 paths are added; the run stopped at the first block where every "
        h += "standard error was within the requested bound.</p>\n<div class=\"charts\">\n"
        for c in charts { h += "<figure>\n" + c.svg() + "</figure>\n" }
        return h + "</div>\n"
    }
}
