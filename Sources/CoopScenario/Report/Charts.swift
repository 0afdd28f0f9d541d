import Foundation

/// Colours and sizes shared by the report's charts (ColorBrewer "Blues" for
/// the fan, an orange that stays readable on it for targets).
enum ChartStyle {
    static let width = 760.0
    static let height = 440.0
    static let band90 = "#9ecae1"
    static let band50 = "#4292c6"
    static let band90Opacity = 0.45
    static let band50Opacity = 0.55
    static let median = "#08306b"
    static let observed = "#252525"
    static let target = "#d94801"
    static let grid = "#e3e3e3"
    static let axis = "#555555"
    static let muted = "#555555"
    static let plotLeft = 86.0
    static let plotRight = 24.0
    static let plotTop = 66.0
    static let plotBottom = 92.0
}

/// A legend entry's swatch.
enum LegendSwatch {
    case band(String, Double)
    case line(String, Double, String?)
    case pointLine
    case diamond
}

/// The plot box, axes and legend common to both charts.
///
/// Text is never cut: the title wraps onto up to two lines and the subtitle three (at " · " between
/// parts first, then between words) and the plot box moves down to make room; the plot box moves
/// right when the widest tick label would reach the y-axis title. `ChartTextLayout` checks that
/// every text of a finished chart lies inside the chart.
struct ChartFrame {
    /// The y scale of a chart of `values` (finite, at least one): their range padded by 4% each
    /// side, never below 0 for non-negative data nor outside [0, 1] for shares; a constant series
    /// is widened by 10% (at least one unit, or one percentage point for shares). One rule for the
    /// fan and overlay charts, so charts of one metric read alike.
    static func valueScale(_ values: [Double], isShare: Bool) -> NiceScale {
        let vLo = values.min()!, vHi = values.max()!
        let pad = (vHi - vLo) * 0.04
        var lo = vLo - pad, hi = vHi + pad
        if isShare || vLo >= 0 { lo = max(lo, 0) }
        if isShare && vHi <= 1 { hi = min(hi, 1) }
        if hi - lo <= 1e-12 * max(1, abs(hi)) {
            let w = max(abs(lo) * 0.1, isShare ? 0.01 : 1)
            lo = vLo >= 0 ? max(0, lo - w) : lo - w
            hi += w
        }
        return NiceScale(lo: lo, hi: hi, maxTicks: 7)
    }

    var canvas = SVGCanvas(width: ChartStyle.width, height: ChartStyle.height)
    var left = ChartStyle.plotLeft
    var top = ChartStyle.plotTop
    let right = ChartStyle.width - ChartStyle.plotRight
    let bottom = ChartStyle.height - ChartStyle.plotBottom
    var xLo: Double
    var xHi: Double
    var yScale: NiceScale

    static let titleSize = 16.0, subtitleSize = 12.5, tickSize = 12.0, labelSize = 12.5

    func x(_ year: Double) -> Double { left + (year - xLo) / (xHi - xLo) * (right - left) }
    func y(_ v: Double) -> Double { bottom - yScale.fraction(v) * (bottom - top) }

    /// Title, subtitle, grid, ticks and axis labels. `tick` formats a y value. Sets the plot box
    /// (`top` below the wrapped title and subtitle, `left` clear of the tick labels), so call it
    /// before drawing data.
    mutating func drawAxes(title: String, subtitle: String, yLabel: String, xLabel: String, years: [Int], tick: (Double) -> String) {
        let room = ChartStyle.width - 32
        let titleLines = wrapText(title, size: Self.titleSize * 1.05, width: room, maxLines: 2)
        let subtitleLines = wrapText(subtitle, size: Self.subtitleSize, width: room, maxLines: 3)
        var yy = 26.0
        for line in titleLines {
            canvas.text(line, x: 16, y: yy, size: Self.titleSize, weight: "bold", cls: "chart-title")
            yy += 20
        }
        for line in subtitleLines {
            canvas.text(line, x: 16, y: yy, size: Self.subtitleSize, fill: ChartStyle.muted, cls: "chart-subtitle")
            yy += 16
        }
        top = max(ChartStyle.plotTop, yy + 4)
        // The y-axis title's glyphs reach about 0.3 em right of its baseline at x = 18; tick labels end 8 px left of the axis.
        let tickLabels = yScale.ticks.map(tick)
        let widest = tickLabels.map { SVGCanvas.textWidth($0, size: Self.tickSize) }.max() ?? 0
        left = max(ChartStyle.plotLeft, 18 + 0.3 * Self.labelSize + 6 + widest + 8)
        for (v, label) in zip(yScale.ticks, tickLabels) {
            let yy = y(v)
            canvas.line(left, yy, right, yy, stroke: ChartStyle.grid)
            canvas.text(label, x: left - 8, y: yy + 4, size: Self.tickSize, anchor: .end, fill: "#333", cls: "y-tick")
        }
        for yr in years {
            let xx = x(Double(yr))
            canvas.line(xx, bottom, xx, bottom + 5, stroke: ChartStyle.axis)
            canvas.text(String(yr), x: xx, y: bottom + 19, size: Self.tickSize, anchor: .middle, fill: "#333", cls: "x-tick")
        }
        canvas.line(left, bottom, right, bottom, stroke: ChartStyle.axis)
        canvas.line(left, top, left, bottom, stroke: ChartStyle.axis)
        canvas.text(xLabel, x: (left + right) / 2, y: bottom + 38, size: Self.labelSize, anchor: .middle, fill: "#333", cls: "x-label")
        let yLabelLines = wrapText(yLabel, size: Self.labelSize, width: bottom - top, maxLines: 1)
        canvas.text(yLabelLines[0], x: 18, y: (top + bottom) / 2, size: Self.labelSize, anchor: .middle, fill: "#333", rotate: -90, cls: "y-label")
    }

    /// The rows a legend of `labels` takes (see `drawLegend`).
    static func legendRows(_ labels: [String]) -> Int {
        legendLayout(labels.map { (LegendSwatch.diamond, $0) }).count
    }

    static func legendLayout(_ items: [(LegendSwatch, String)]) -> [[(LegendSwatch, String, Double)]] {
        let size = 12.0, swatch = 22.0, gap = 18.0
        var rows: [[(LegendSwatch, String, Double)]] = [[]]
        var rowWidth = 0.0
        let maxWidth = ChartStyle.width - 32
        for (s, label) in items {
            let w = swatch + 6 + SVGCanvas.textWidth(label, size: size)
            if rowWidth > 0 && rowWidth + gap + w > maxWidth { rows.append([]); rowWidth = 0 }
            rowWidth += (rowWidth > 0 ? gap : 0) + w
            rows[rows.count - 1].append((s, label, w))
        }
        return rows
    }

    /// A legend under the x-axis label, centred, wrapping onto more rows when needed (a chart with
    /// more than two rows is made taller: see `OverlayChart`).
    mutating func drawLegend(_ items: [(LegendSwatch, String)]) {
        let size = 12.0, swatch = 22.0, gap = 18.0
        let rows = Self.legendLayout(items)
        var yy = bottom + 60
        for row in rows {
            let total = row.map(\.2).reduce(0, +) + gap * Double(row.count - 1)
            var xx = (ChartStyle.width - total) / 2
            for (s, label, w) in row {
                switch s {
                case .band(let c, let o): canvas.rect(xx, yy - 9, swatch, 11, fill: c, opacity: o)
                case .line(let c, let lw, let dash): canvas.line(xx, yy - 3.5, xx + swatch, yy - 3.5, stroke: c, width: lw, dash: dash)
                case .pointLine:
                    canvas.line(xx, yy - 3.5, xx + swatch, yy - 3.5, stroke: ChartStyle.observed, width: 1.2)
                    canvas.circle(xx + swatch / 2, yy - 3.5, r: 3.2, fill: ChartStyle.observed)
                case .diamond: canvas.diamond(xx + swatch / 2, yy - 3.5, r: 5, fill: "#ffffff", stroke: ChartStyle.target)
                }
                canvas.text(label, x: xx + swatch + 6, y: yy, size: size, fill: "#333", cls: "legend")
                xx += w + gap
            }
            yy += 18
        }
    }
}

/// `text` in at most `maxLines` lines of estimated width `width` at `size`: broken at " · " between
/// parts first, then between words. Only when the whole words still do not fit is the text
/// shortened, and then by whole words: a run of words in the middle gives way to one "…", so the
/// head and the tail stay readable and no word is cut into a stub; a word holding a digit never
/// gives way, so numbers always show whole. Charts that shorten a label also give it whole in a
/// `<title>` tooltip (`SVGCanvas.label`).
func wrapText(_ text: String, size: Double, width: Double, maxLines: Int) -> [String] {
    func fits(_ s: String) -> Bool { SVGCanvas.textWidth(s, size: size) <= width }
    func greedy(_ words: [String]) -> [String] {
        var lines: [String] = []
        var current = ""
        for w in words {
            let candidate = current.isEmpty ? w : current + " " + w
            if current.isEmpty || fits(candidate) { current = candidate } else { lines.append(current); current = w }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
    if fits(text) { return [text] }
    // Parts separated by " · " stay whole on a line when they can.
    let parts = text.components(separatedBy: " · ")
    if parts.count > 1 && parts.allSatisfy(fits) {
        var lines: [String] = [], current = ""
        for p in parts {
            let candidate = current.isEmpty ? p : current + " · " + p
            if current.isEmpty || fits(candidate) { current = candidate } else { lines.append(current); current = p }
        }
        lines.append(current)
        if lines.count <= maxLines { return lines }
    }
    let words = text.split(separator: " ").map(String.init)
    var lines = greedy(words)
    if lines.count <= maxLines && lines.allSatisfy(fits) { return lines }
    // Last resort: drop whole words without a digit from the middle outwards, one "…" in their place.
    let removable = words.indices.filter { !words[$0].contains(where: \.isNumber) }
        .sorted { abs(Double($0) - Double(words.count - 1) / 2) < abs(Double($1) - Double(words.count - 1) / 2) }
    var dropped = Set<Int>()
    for k in removable where dropped.count + 1 < words.count {   // never every word: "…" alone says nothing
        dropped.insert(k)
        var kept: [String] = []
        for i in words.indices {
            if !dropped.contains(i) { kept.append(words[i]) } else if kept.last != "…" { kept.append("…") }
        }
        lines = greedy(kept)
        if lines.count <= maxLines && lines.allSatisfy(fits) { break }
    }
    // Still too long (one long word such as an identifier, or words with digits): the last line shown
    // says that more follows, and a line wider than the room is cut by characters before a "…".
    if lines.count > maxLines {
        lines = Array(lines.prefix(maxLines))
        if !lines[maxLines - 1].hasSuffix("…") { lines[maxLines - 1] += " …" }
    }
    return lines.map { line in
        guard !fits(line) else { return line }
        var cut = line.hasSuffix("…") ? String(line.dropLast()) : line
        while cut.count > 1 && !fits(cut + "…") { cut.removeLast() }
        return cut.trimmingCharacters(in: .whitespaces) + "…"
    }
}

/// `text` on one line: whole when it fits `width` at `size`, else shortened by whole words
/// (`wrapText` with one line: a run of words in the middle gives way to "…", numbers whole).
func fitted(_ text: String, size: Double, width: Double) -> String {
    wrapText(text, size: size, width: width, maxLines: 1)[0]
}

extension SVGCanvas {
    /// The one way our charts write a label that may be long (a factor, a series): `text` wrapped
    /// into at most `maxLines` lines of `width` at `size` (`wrapText`), line `lineHeight` apart and
    /// centred on `y` (the baseline a single line would have), or the first line on `y` when
    /// `centred` is false. The lines sit in one `<g>` whose
    /// `<title>` holds the whole text, a tooltip in browsers. Returns the number of lines.
    @discardableResult
    mutating func label(_ text: String, x: Double, y: Double, width: Double, size: Double, maxLines: Int,
                        lineHeight: Double? = nil, centred: Bool = true, anchor: Anchor = .start, fill: String = "#222", cls: String) -> Int {
        var lines = wrapText(text, size: size, width: width, maxLines: maxLines)
        // Balanced lines: the narrowest width that keeps the same number of whole-word lines, so a
        // wrapped label does not leave one short word alone on its last line.
        if lines.count > 1 && !lines.contains(where: { $0.contains("…") }) {
            var lo = width / 2, hi = width
            for _ in 0..<12 {
                let mid = (lo + hi) / 2, l = wrapText(text, size: size, width: mid, maxLines: maxLines)
                if l.count == lines.count && !l.contains(where: { $0.contains("…") }) { hi = mid } else { lo = mid }
            }
            lines = wrapText(text, size: size, width: hi, maxLines: maxLines)
        }
        let step = lineHeight ?? (size * 1.15).rounded()
        let first = centred ? y - step * Double(lines.count - 1) / 2 : y
        raw("<g class=\"\(cls)-group\"><title>" + Self.escape(text) + "</title>\n")
        for (k, l) in lines.enumerated() {
            self.text(l, x: x, y: first + step * Double(k), size: size, anchor: anchor, fill: fill, cls: cls)
        }
        raw("</g>\n")
        return lines.count
    }
}

/// How a metric's values print on an axis: shares as percent, others as
/// grouped decimals, with as many decimals as the tick step needs.
func axisFormatter(step: Double, isShare: Bool, format: ReportNumberFormat) -> (Double) -> String {
    if isShare {
        let d = ReportNumberFormat.decimals(forStep: step * 100)
        return { format.percent($0, decimals: d) }
    }
    let d = ReportNumberFormat.decimals(forStep: step)
    return { format.fixed($0, decimals: d) }
}

/// A fan chart of one metric for one scenario and region: the 5–95% and
/// 25–75% bands and the median of `summary.csv`, the observed history of
/// `history.csv` as points joined by a line, and the targets of `targets.csv`
/// as diamonds labelled with their probability.
///
/// The fan is anchored at the last observed value when the history reaches
/// the year before the first simulated year (the simulation starts there).
/// The y-axis spans every band, observation and target, widened to nice ticks.
/// Shares (unit "share") use a percent axis.
public struct FanChart: Sendable {
    public var scenario: String
    public var scenarioTitle: String
    public var region: String
    public var metric: RunFolder.Metric
    public var fan: [RunFolder.Quantiles]
    public var history: [RunFolder.Observation]
    public var targets: [RunFolder.TargetResult]
    public var language: ReportLanguage
    /// Values the y-axis must also span (the other scenarios' bands, so fans of one metric share an axis).
    public var sharedValues: [Double] = []

    public init(folder: RunFolder, scenario: String, region: String, metric: RunFolder.Metric, language: ReportLanguage) {
        self.scenario = scenario
        self.scenarioTitle = folder.scenarioTitle(scenario, language: language)
        self.region = region
        self.metric = metric
        self.fan = folder.fan(scenario: scenario, region: region, metric: metric.name).filter {
            $0.p05.isFinite && $0.p25.isFinite && $0.p50.isFinite && $0.p75.isFinite && $0.p95.isFinite
        }
        self.history = folder.observed(scenario: scenario, region: region, metric: metric.name)
        self.targets = folder.targets(scenario: scenario, region: region, metric: metric.name).filter { $0.value.isFinite }
        self.language = language
    }

    /// The chart as a standalone SVG document (no XML declaration, so it also inlines into HTML).
    public func svg() -> String {
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        precondition(!fan.isEmpty || !history.isEmpty,
                     "A fan chart of \(metric.name) for \(scenario) needs summary or history rows; it has 0 of each.")
        var years = fan.map(\.year) + history.map(\.year) + targets.map(\.year)
        years.sort()
        let firstYear = years.first!, lastYear = years.last!
        var values: [Double] = []
        for q in fan { values += [q.p05, q.p95, q.p50] }
        values += history.map(\.value) + targets.map(\.value) + sharedValues.filter(\.isFinite)
        let scale = ChartFrame.valueScale(values, isShare: metric.isShare)
        let xLo = Double(firstYear) - 0.4, xHi = Double(lastYear) + 0.4
        var f = ChartFrame(xLo: xLo, xHi: xHi, yScale: scale)
        let tick = axisFormatter(step: scale.step, isShare: metric.isShare, format: fmt)
        let unit = language.unit(metric)
        let metricLabel = language.label(metric)
        f.drawAxes(title: metricLabel, subtitle: scenarioTitle + " · " + region,
                   yLabel: unit.isEmpty ? metricLabel : unit, xLabel: L.year,
                   years: yearTicks(from: firstYear, to: lastYear, maxTicks: 12), tick: tick)

        // Fan, anchored at the last observation just before the simulation.
        var fanPts = fan.map { (Double($0.year), $0.p05, $0.p25, $0.p50, $0.p75, $0.p95) }
        if let first = fan.first, let anchor = history.last(where: { $0.year == first.year - 1 }) {
            let v = anchor.value
            fanPts.insert((Double(anchor.year), v, v, v, v, v), at: 0)
            let xx = f.x(Double(anchor.year))
            f.canvas.line(xx, f.top, xx, f.bottom, stroke: "#bdbdbd", width: 1, dash: "4 3")
        }
        if !fanPts.isEmpty {
            let outer = fanPts.map { (f.x($0.0), f.y($0.5)) } + fanPts.reversed().map { (f.x($0.0), f.y($0.1)) }
            f.canvas.polygon(outer, fill: ChartStyle.band90, opacity: ChartStyle.band90Opacity, cls: "band-5-95")
            let inner = fanPts.map { (f.x($0.0), f.y($0.4)) } + fanPts.reversed().map { (f.x($0.0), f.y($0.2)) }
            f.canvas.polygon(inner, fill: ChartStyle.band50, opacity: ChartStyle.band50Opacity, cls: "band-25-75")
            f.canvas.polyline(fanPts.map { (f.x($0.0), f.y($0.3)) }, stroke: ChartStyle.median, width: 2.6, cls: "median")
        }
        if !history.isEmpty {
            if history.count > 1 {
                f.canvas.polyline(history.map { (f.x(Double($0.year)), f.y($0.value)) }, stroke: ChartStyle.observed, width: 1.4, cls: "observed-line")
            }
            for h in history { f.canvas.circle(f.x(Double(h.year)), f.y(h.value), r: 3.4, fill: ChartStyle.observed, cls: "observed") }
        }

        // Targets: diamonds, labels placed where they overlap nothing placed before.
        var placed: [(Double, Double, Double, Double)] = []
        for t in targets.sorted(by: { ($0.year, $0.value) < ($1.year, $1.value) }) {
            let cx = f.x(Double(t.year)), cy = f.y(t.value)
            f.canvas.diamond(cx, cy, r: 6, fill: "#ffffff", stroke: ChartStyle.target, cls: "target")
            let label = targetLabel(t, fmt: fmt)
            let w = SVGCanvas.textWidth(label, size: 12) + 10, h = 17.0
            // Above the marker first (centred, then ending or starting at it), then below, then beside, then further out.
            let candidates: [(Double, Double)] = [
                (cx - w / 2, cy - 12 - h), (cx + 8 - w, cy - 12 - h), (cx - 8, cy - 12 - h),
                (cx - w / 2, cy + 12), (cx + 8 - w, cy + 12), (cx - 8, cy + 12),
                (cx + 11, cy - h / 2), (cx - 11 - w, cy - h / 2),
                (cx + 8 - w, cy - 14 - 2 * h), (cx + 8 - w, cy + 14 + h),
            ]
            var chosen = candidates[0]
            for c in candidates {
                let inside = c.0 >= f.left + 2 && c.0 + w <= f.right - 2 && c.1 >= f.top - 4 && c.1 + h <= f.bottom - 2
                let free = !placed.contains { c.0 < $0.0 + $0.2 && $0.0 < c.0 + w && c.1 < $0.1 + $0.3 && $0.1 < c.1 + h }
                if inside && free { chosen = c; break }
            }
            chosen.0 = min(max(chosen.0, f.left + 2), f.right - 2 - w)
            chosen.1 = min(max(chosen.1, 4), f.bottom - 2 - h)
            placed.append((chosen.0, chosen.1, w, h))
            f.canvas.rect(chosen.0, chosen.1, w, h, fill: "#ffffff", opacity: 0.88, stroke: ChartStyle.target, rx: 3)
            f.canvas.text(label, x: chosen.0 + 5, y: chosen.1 + 12.5, size: 12, fill: "#8c2d04", cls: "target-label")
        }

        var legend: [(LegendSwatch, String)] = [
            (.band(ChartStyle.band90, ChartStyle.band90Opacity), L.band5to95),
            (.band(ChartStyle.band50, ChartStyle.band50Opacity), L.band25to75),
            (.line(ChartStyle.median, 2.6, nil), L.median),
        ]
        if !history.isEmpty { legend.append((.pointLine, L.observed)) }
        if !targets.isEmpty { legend.append((.diamond, L.targetLegend)) }
        f.drawLegend(legend)
        return f.canvas.document(title: metricLabel + " — " + scenarioTitle + " — " + region, attributes: [
            ("class", "coopsim-chart fan-chart"), ("data-scenario", scenario), ("data-region", region), ("data-metric", metric.name),
            ("data-y-domain", "\(scale.lo) \(scale.hi)"),
            ("data-plot-box", "\(f.left) \(f.top) \(f.right) \(f.bottom)"),
            ("data-x-domain", "\(xLo) \(xHi)"),
        ])
    }

    func targetLabel(_ t: RunFolder.TargetResult, fmt: ReportNumberFormat) -> String {
        let op = ["<=": "≤", ">=": "≥"][t.op] ?? t.op
        let p = fmt.probabilityShort(t.probability, low: t.probabilityLow, high: t.probabilityHigh)
        return "\(op) \(fmt.value(t.value, metric: metric)): \(language.labels.probabilityShort) \(p)"
    }
}

/// A comparison chart for `compare.csv`: alternative minus baseline, year by
/// year, as the median difference with its 5–95% band and a zero line.
/// Share metrics are drawn in percentage points. The subtitle gives the
/// probability of an increase in the last year. The band is anchored at 0 in
/// the last observed year when `scenarios.csv` gives it (both runs share it).
public struct ComparisonChart: Sendable {
    public var scenario: String
    public var baseline: String
    public var region: String
    public var metric: RunFolder.Metric
    public var rows: [RunFolder.Difference]
    public var lastObservedYear: Int?
    public var language: ReportLanguage
    /// The scenarios' titles in the report's language (their names when untitled).
    public var scenarioTitle: String
    public var baselineTitle: String

    public init(folder: RunFolder, scenario: String, baseline: String, region: String, metric: RunFolder.Metric, language: ReportLanguage) {
        self.scenario = scenario
        self.baseline = baseline
        self.region = region
        self.metric = metric
        self.rows = folder.differences(scenario: scenario, baseline: baseline, region: region, metric: metric.name).filter {
            $0.p05Diff.isFinite && $0.p50Diff.isFinite && $0.p95Diff.isFinite
        }
        self.lastObservedYear = folder.scenarioInfo(scenario)?.lastObservedYear
        self.language = language
        self.scenarioTitle = folder.scenarioLabel(scenario, language: language)
        self.baselineTitle = folder.scenarioLabel(baseline, language: language)
    }

    public func svg() -> String {
        precondition(!rows.isEmpty, "A comparison chart of \(metric.name) for \(scenario) against \(baseline) needs compare rows; it has none.")
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        let k = metric.isShare ? 100.0 : 1.0
        var pts = rows.map { (Double($0.year), $0.p05Diff * k, $0.p50Diff * k, $0.p95Diff * k) }
        if let lo = lastObservedYear, lo == rows[0].year - 1 { pts.insert((Double(lo), 0, 0, 0), at: 0) }
        let vals: [Double] = pts.flatMap { [$0.1, $0.2, $0.3] } + [0.0]
        let vLo = vals.min()!, vHi = vals.max()!
        let pad = (vHi - vLo) * 0.04
        let scale = NiceScale(lo: vLo - (vLo < 0 ? pad : 0), hi: vHi + (vHi > 0 ? pad : 0), maxTicks: 7)
        let firstYear = Int(pts.first!.0), lastYear = Int(pts.last!.0)
        let xLo = Double(firstYear) - 0.4, xHi = Double(lastYear) + 0.4
        var f = ChartFrame(xLo: xLo, xHi: xHi, yScale: scale)
        let d = ReportNumberFormat.decimals(forStep: scale.step)
        let tick: (Double) -> String = { v in (v > 0 ? "+" : "") + fmt.fixed(v, decimals: d) }
        let unit = metric.isShare ? L.percentagePoints : language.unit(metric)
        let last = rows.last!
        let pInc = fmt.probability(last.probIncrease, low: last.probIncreaseLow, high: last.probIncreaseHigh)
        let metricLabel = language.label(metric)
        f.drawAxes(title: "\(L.difference): \(metricLabel)",
                   subtitle: "\(L.probIncrease) \(last.year): \(pInc) · \(scenarioTitle) \(L.differenceVersus) \(baselineTitle) · \(region)",
                   yLabel: unit.isEmpty ? metricLabel : unit, xLabel: L.year,
                   years: yearTicks(from: firstYear, to: lastYear, maxTicks: 12), tick: tick)
        let band = pts.map { (f.x($0.0), f.y($0.3)) } + pts.reversed().map { (f.x($0.0), f.y($0.1)) }
        f.canvas.polygon(band, fill: ChartStyle.band90, opacity: 0.6, cls: "band-5-95")
        f.canvas.line(f.left, f.y(0), f.right, f.y(0), stroke: "#000000", width: 1.2, dash: "6 4", cls: "zero-line")
        f.canvas.polyline(pts.map { (f.x($0.0), f.y($0.2)) }, stroke: ChartStyle.median, width: 2.6, cls: "median")
        f.drawLegend([
            (LegendSwatch.band(ChartStyle.band90, 0.6), L.band5to95),
            (LegendSwatch.line(ChartStyle.median, 2.6, nil), L.medianDifference),
            (LegendSwatch.line("#000000", 1.2, "6 4"), L.zero),
        ])
        return f.canvas.document(title: "\(L.difference): \(metricLabel) — \(scenario) \(L.differenceVersus) \(baseline) — \(region)", attributes: [
            ("class", "coopsim-chart comparison-chart"), ("data-scenario", scenario), ("data-baseline", baseline),
            ("data-region", region), ("data-metric", metric.name),
            ("data-y-domain", "\(scale.lo) \(scale.hi)"),
            ("data-plot-box", "\(f.left) \(f.top) \(f.right) \(f.bottom)"),
            ("data-x-domain", "\(xLo) \(xHi)"),
        ])
    }
}
