import Foundation

/// Every scenario of one region on one chart and one axis: for each, its 5–95% band (translucent)
/// and median line in its own colour, plus the observed history and the targets (diamonds). The
/// subtitle gives each target's probability under each scenario. The chart a reader needs to see a
/// plan against its baseline (issue: they were on separate charts with different y-axes).
public struct OverlayChart: Sendable {
    public var region: String
    public var metric: RunFolder.Metric
    public var scenarios: [(name: String, title: String, fan: [RunFolder.Quantiles])]
    public var history: [RunFolder.Observation]
    public var targets: [RunFolder.TargetResult]
    public var language: ReportLanguage

    /// Line colours (dark, readable on white; first the baseline's blue) and their band tints.
    static let colors = ["#08306b", "#d94801", "#238b45", "#6a51a3", "#b8860b", "#c51b7d"]

    public init(folder: RunFolder, region: String, metric: RunFolder.Metric, scenarios names: [String], language: ReportLanguage) {
        self.region = region
        self.metric = metric
        self.language = language
        scenarios = names.map { s in
            let t = folder.scenarioTitle(s, language: language)
            return (s, t.isEmpty ? s : t, folder.fan(scenario: s, region: region, metric: metric.name).filter {
                $0.p05.isFinite && $0.p50.isFinite && $0.p95.isFinite
            })
        }.filter { !$0.fan.isEmpty }
        // The history is the scenarios' shared past: the first scenario's.
        history = names.lazy.map { folder.observed(scenario: $0, region: region, metric: metric.name) }.first { !$0.isEmpty } ?? []
        targets = names.flatMap { folder.targets(scenario: $0, region: region, metric: metric.name) }.filter { $0.value.isFinite }
    }

    public var isDrawable: Bool { scenarios.count >= 2 }

    public func svg() -> String {
        precondition(isDrawable, "An overlay chart of \(metric.name) in \(region) needs two scenarios with summary rows.")
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        var years = scenarios.flatMap { $0.fan.map(\.year) } + history.map(\.year) + targets.map(\.year)
        years.sort()
        var values = scenarios.flatMap { $0.fan.flatMap { [$0.p05, $0.p95, $0.p50] } } + history.map(\.value) + targets.map(\.value)
        values = values.filter(\.isFinite)
        let scale = ChartFrame.valueScale(values, isShare: metric.isShare)
        let xLo = Double(years.first!) - 0.4, xHi = Double(years.last!) + 0.4
        var f = ChartFrame(xLo: xLo, xHi: xHi, yScale: scale)
        // Legend: the fixed entries first, then one per scenario (titles can be long); the chart grows
        // 18 px for each legend row beyond two.
        var fixed: [(LegendSwatch, String)] = [(.line("#777777", 1, "3 3"), L.band5to95)]
        if !history.isEmpty { fixed.append((.pointLine, L.observed)) }
        if !targets.isEmpty { fixed.append((.diamond, L.target)) }
        let names: [(LegendSwatch, String)] = scenarios.enumerated().map { k, s in (.line(Self.colors[k % Self.colors.count], 2.6, nil), s.title) }
        let legend = fixed + names
        let rows = ChartFrame.legendLayout(legend).count
        if rows > 2 { f.canvas = SVGCanvas(width: ChartStyle.width, height: ChartStyle.height + 18 * Double(rows - 2)) }
        let tick = axisFormatter(step: scale.step, isShare: metric.isShare, format: fmt)
        let unit = language.unit(metric)
        let metricLabel = language.label(metric)
        // Subtitle: the region, then each target with its probability under each scenario.
        var parts = [region]
        var seen = Set<String>()
        for t in targets {
            let key = "\(t.year)\(t.op)\(t.value)"
            guard seen.insert(key).inserted else { continue }
            let op = ["<=": "≤", ">=": "≥"][t.op] ?? t.op
            let probs = scenarios.compactMap { s -> String? in
                guard let r = targets.first(where: { $0.scenario == s.name && $0.year == t.year && $0.op == t.op && $0.value == t.value }),
                      r.probability.isFinite else { return nil }
                // 0 and 1 by the bound they do not exceed ("< 0.04%"), near them "< 0.1%" / "> 99.9%",
                // as the fan charts say them.
                return fmt.probabilityShort(r.probability, low: r.probabilityLow, high: r.probabilityHigh)
            }
            parts.append("\(op) \(fmt.value(t.value, metric: metric)) (\(t.year)): \(L.probabilityShort) " + probs.joined(separator: " / "))
        }
        f.drawAxes(title: metricLabel, subtitle: parts.joined(separator: " · "), yLabel: unit.isEmpty ? metricLabel : unit,
                   xLabel: L.year, years: yearTicks(from: years.first!, to: years.last!, maxTicks: 12), tick: tick)
        for (k, s) in scenarios.enumerated() {
            let color = Self.colors[k % Self.colors.count]
            var pts = s.fan.map { (Double($0.year), $0.p05, $0.p50, $0.p95) }
            if let first = s.fan.first, let anchor = history.last(where: { $0.year == first.year - 1 }) {
                pts.insert((Double(anchor.year), anchor.value, anchor.value, anchor.value), at: 0)
            }
            let band = pts.map { (f.x($0.0), f.y($0.3)) } + pts.reversed().map { (f.x($0.0), f.y($0.1)) }
            f.canvas.polygon(band, fill: color, opacity: 0.13, cls: "band-5-95")
            f.canvas.polyline(pts.map { (f.x($0.0), f.y($0.1)) }, stroke: color, width: 1, cls: "band-edge", dash: "3 3")
            f.canvas.polyline(pts.map { (f.x($0.0), f.y($0.3)) }, stroke: color, width: 1, cls: "band-edge", dash: "3 3")
            f.canvas.polyline(pts.map { (f.x($0.0), f.y($0.2)) }, stroke: color, width: 2.6, cls: "median")
        }
        if !history.isEmpty {
            if history.count > 1 {
                f.canvas.polyline(history.map { (f.x(Double($0.year)), f.y($0.value)) }, stroke: ChartStyle.observed, width: 1.4, cls: "observed-line")
            }
            for h in history { f.canvas.circle(f.x(Double(h.year)), f.y(h.value), r: 3.4, fill: ChartStyle.observed, cls: "observed") }
        }
        var drawn = Set<String>()
        for t in targets where drawn.insert("\(t.year) \(t.value)").inserted {
            f.canvas.diamond(f.x(Double(t.year)), f.y(t.value), r: 6, fill: "#ffffff", stroke: "#000000", cls: "target")
        }
        f.drawLegend(legend)
        return f.canvas.document(title: metricLabel + " — " + scenarios.map(\.title).joined(separator: " / ") + " — " + region, attributes: [
            ("class", "coopsim-chart overlay-chart"), ("data-scenarios", scenarios.map(\.name).joined(separator: " ")),
            ("data-region", region), ("data-metric", metric.name),
            ("data-y-domain", "\(scale.lo) \(scale.hi)"),
            ("data-plot-box", "\(f.left) \(f.top) \(f.right) \(f.bottom)"),
            ("data-x-domain", "\(xLo) \(xHi)"),
        ])
    }
}

extension ReportBuilder {
    /// Overlay charts: one per region × charted metric with two or more scenarios.
    public func overlayCharts() -> [Chart] {
        folder.regions.flatMap { r in chartedMetrics.compactMap { overlayChart(region: r, metric: $0.name) } }
    }

    /// The overlay chart of one region and metric, when two or more scenarios have it.
    func overlayChart(region: String, metric: String) -> Chart? {
        let m = folder.metric(metric)
        let c = OverlayChart(folder: folder, region: region, metric: m, scenarios: folder.scenarioNames, language: language)
        guard c.isDrawable else { return nil }
        return Chart(fileName: "overlay-\(slug(region))-\(slug(metric)).svg", svg: c.svg(),
                     caption: "\(language.label(m)) — \(c.scenarios.map(\.title).joined(separator: " / ")) — \(region)",
                     region: region, metric: metric)
    }
}
