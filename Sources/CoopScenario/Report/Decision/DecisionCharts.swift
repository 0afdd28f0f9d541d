import Foundation

/// A plot box with numeric x and y axes (NiceScale ticks), for the decision charts.
struct DecisionPlot {
    var canvas: SVGCanvas
    let left = ChartStyle.plotLeft, top = ChartStyle.plotTop
    let right = ChartStyle.width - ChartStyle.plotRight
    let bottom: Double
    var xs: NiceScale
    var ys: NiceScale

    /// A plot with room for `legendRows` legend entries below the x axis label; `extraHeight`
    /// (pixels) makes the plot box taller (a tornado with many wrapped factor labels).
    init(xs: NiceScale, ys: NiceScale, legendRows: Int, extraHeight: Double = 0) {
        self.xs = xs; self.ys = ys
        bottom = ChartStyle.height - ChartStyle.plotBottom + extraHeight
        canvas = SVGCanvas(width: ChartStyle.width, height: ChartStyle.height + extraHeight + 18 * Double(max(0, legendRows - 2)))
    }

    func x(_ v: Double) -> Double { left + xs.fraction(v) * (right - left) }
    func y(_ v: Double) -> Double { bottom - ys.fraction(v) * (bottom - top) }

    mutating func axes(title: String, subtitle: String, xLabel: String, yLabel: String, xTick: (Double) -> String, yTick: (Double) -> String) {
        canvas.text(title, x: 16, y: 26, size: 16, weight: "bold", cls: "chart-title")
        canvas.text(subtitle, x: 16, y: 46, size: 12.5, fill: ChartStyle.muted, cls: "chart-subtitle")
        for v in ys.ticks {
            canvas.line(left, y(v), right, y(v), stroke: ChartStyle.grid)
            canvas.text(yTick(v), x: left - 8, y: y(v) + 4, size: 12, anchor: .end, fill: "#333", cls: "y-tick")
        }
        for v in xs.ticks {
            canvas.line(x(v), bottom, x(v), bottom + 5, stroke: ChartStyle.axis)
            canvas.text(xTick(v), x: x(v), y: bottom + 19, size: 12, anchor: .middle, fill: "#333", cls: "x-tick")
        }
        canvas.line(left, bottom, right, bottom, stroke: ChartStyle.axis)
        canvas.line(left, top, left, bottom, stroke: ChartStyle.axis)
        canvas.text(xLabel, x: (left + right) / 2, y: bottom + 42, size: 13, anchor: .middle, fill: "#333", cls: "x-label")
        canvas.text(yLabel, x: 20, y: (top + bottom) / 2, size: 13, anchor: .middle, fill: "#333", rotate: -90, cls: "y-label")
    }

    /// Legend entries below the x axis label, one per line.
    mutating func legend(_ entries: [(String, String)]) {
        var yy = bottom + 62
        for (label, colour) in entries {
            canvas.rect(left, yy - 9, 14, 10, fill: colour)
            canvas.label(label, x: left + 20, y: yy, width: right - left - 20, size: 11.5, maxLines: 1, fill: "#333", cls: "legend")
            yy += 18
        }
    }

    func svg(title: String, kind: String) -> String {
        canvas.document(title: title, attributes: [("class", "coopsim-chart"), ("data-chart", kind)])
    }
}

/// Categorical colours (ColorBrewer Dark2), for lines and bars of different outputs or factors.
let decisionPalette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]

/// The decision reports' charts, their tick labels in the report's language (`ReportNumberFormat`:
/// "0,25" and "1.000" in Vietnamese).
struct DecisionCharts {
    let format: ReportNumberFormat

    func percentTick(_ v: Double) -> String { format.percent(v, decimals: 0) }
    /// A level or a value as a tick: whole numbers as integers, others to 6 significant digits
    /// (after rounding to 1e-6, so 0.30000000000000004 is "0.3").
    func plainTick(_ v: Double) -> String {
        let r = (v * 1e6).rounded() / 1e6
        return r == r.rounded() && abs(r) < 1e12 ? format.fixed(r, decimals: 0) : format.significant(r, digits: 6)
    }

    /// Probability against a factor's level, one line per series with its 95% Monte Carlo band
    /// (estimate ± 1.96 mc_se); the scenario's own level marked by a dashed line.
    func sweep(title: String, subtitle: String, xLabel: String, yLabel: String,
                      series: [(label: String, x: [Double], y: [Double], se: [Double])], scenarioLevel: Double?, probability: Bool) -> String {
        let allX = series.flatMap(\.x), lowY = series.flatMap { zip($0.y, $0.se).map { $0 - 1.96 * $1 } }
        let highY = series.flatMap { zip($0.y, $0.se).map { $0 + 1.96 * $1 } }
        let yLo = probability ? 0 : lowY.filter(\.isFinite).min() ?? 0, yHi = probability ? 1 : highY.filter(\.isFinite).max() ?? 1
        var p = DecisionPlot(xs: NiceScale(lo: allX.min() ?? 0, hi: allX.max() ?? 1), ys: NiceScale(lo: yLo, hi: yHi, maxTicks: 6), legendRows: series.count)
        p.axes(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, xTick: plainTick, yTick: probability ? percentTick : plainTick)
        if let s = scenarioLevel {
            p.canvas.line(p.x(s), p.top, p.x(s), p.bottom, stroke: "#888", width: 1.2, dash: "5 4")
        }
        for (k, s) in series.enumerated() {
            let c = decisionPalette[k % decisionPalette.count]
            let upper = zip(s.x, zip(s.y, s.se)).map { (p.x($0), p.y(min(p.ys.hi, $1.0 + 1.96 * $1.1))) }
            let lower = zip(s.x, zip(s.y, s.se)).map { (p.x($0), p.y(max(p.ys.lo, $1.0 - 1.96 * $1.1))) }
            p.canvas.polygon(upper + lower.reversed(), fill: c, opacity: 0.2, cls: "mc-band")
            p.canvas.polyline(zip(s.x, s.y).map { (p.x($0), p.y($1)) }, stroke: c, width: 2, cls: "estimate")
            for (a, b) in zip(s.x, s.y) { p.canvas.circle(p.x(a), p.y(b), r: 2.8, fill: c) }
        }
        p.legend(series.enumerated().map { ($1.label, decisionPalette[$0 % decisionPalette.count]) })
        return p.svg(title: title, kind: "sweep")
    }

    /// Horizontal bars from the output at each factor's low end to its high end, widest swing on
    /// top, around the scenario's value (a vertical line).
    func tornado(title: String, subtitle: String, xLabel: String, base: Double,
                        bars: [(factor: String, low: Double, high: Double)], probability: Bool, lowLabel: String, highLabel: String) -> String {
        let values = bars.flatMap { [$0.low, $0.high] } + [base]
        let lo = probability ? 0 : values.min()!, hi = probability ? 1 : values.max()!
        // The label column: wide enough for the longest label on one line, from 250 up to 45% of the
        // chart; labels still wider wrap onto up to 3 lines (never cut into word stubs).
        let labelSize = 12.0, lineH = 13.5
        let widest = bars.map { SVGCanvas.textWidth($0.factor, size: labelSize) }.max() ?? 0
        let left = max(250, min(ChartStyle.width * 0.45, widest + 24))
        let lines = bars.map { wrapText($0.factor, size: labelSize, width: left - 24, maxLines: 3).count }
        let plotH = ChartStyle.height - ChartStyle.plotBottom - ChartStyle.plotTop
        // A row holds its label's lines with 8 px to spare, at most 36 px when there is room.
        let rowNeed = lines.map { Double($0 - 1) * lineH + 12 + 8 }.max() ?? 20
        let rowH = max(rowNeed, min(36.0, plotH / Double(max(1, bars.count))))
        var p = DecisionPlot(xs: NiceScale(lo: lo, hi: hi), ys: NiceScale(lo: 0, hi: 1), legendRows: 2,
                             extraHeight: max(0, rowH * Double(bars.count) - plotH))
        p.canvas.text(title, x: 16, y: 26, size: 16, weight: "bold", cls: "chart-title")
        p.canvas.text(subtitle, x: 16, y: 46, size: 12.5, fill: ChartStyle.muted, cls: "chart-subtitle")
        func xx(_ v: Double) -> Double { left + p.xs.fraction(v) * (p.right - left) }
        for v in p.xs.ticks {
            p.canvas.line(xx(v), p.top, xx(v), p.bottom, stroke: ChartStyle.grid)
            p.canvas.text(probability ? percentTick(v) : plainTick(v), x: xx(v), y: p.bottom + 19, size: 12, anchor: .middle, fill: "#333", cls: "x-tick")
        }
        for (i, b) in bars.enumerated() {
            let y0 = p.top + Double(i) * rowH + 4
            let h = rowH - 8
            let a = xx(min(b.low, base)), c = xx(max(b.low, base))
            p.canvas.rect(min(a, c), y0, max(1, abs(c - a)), h, fill: decisionPalette[1])
            let d = xx(min(b.high, base)), e = xx(max(b.high, base))
            p.canvas.rect(min(d, e), y0, max(1, abs(e - d)), h, fill: decisionPalette[0])
            p.canvas.label(b.factor, x: left - 8, y: y0 + h / 2 + 4, width: left - 24, size: labelSize, maxLines: 3, lineHeight: lineH,
                           anchor: .end, fill: "#222", cls: "factor")
        }
        p.canvas.line(xx(base), p.top, xx(base), p.bottom, stroke: "#222", width: 1.5)
        p.canvas.text(xLabel, x: (left + p.right) / 2, y: p.bottom + 42, size: 13, anchor: .middle, fill: "#333", cls: "x-label")
        p.legend([(lowLabel, decisionPalette[1]), (highLabel, decisionPalette[0])])
        return p.svg(title: title, kind: "tornado")
    }

    /// Morris mu* (x) against sigma (y), each factor a labelled point with mu*'s interval; the
    /// line sigma = mu* marks where interactions or non-linearity dominate.
    func morris(title: String, subtitle: String, xLabel: String, yLabel: String,
                       points: [(factor: String, muStar: Double, sigma: Double, conf: Double)]) -> String {
        let xm = points.map { $0.muStar + ($0.conf.isFinite ? $0.conf : 0) }.max() ?? 1
        let ym = points.map(\.sigma).filter(\.isFinite).max() ?? 1
        let m = max(xm, ym, 1e-12)
        var p = DecisionPlot(xs: NiceScale(lo: 0, hi: m), ys: NiceScale(lo: 0, hi: m), legendRows: points.count)
        p.axes(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, xTick: plainTick, yTick: plainTick)
        p.canvas.line(p.x(0), p.y(0), p.x(min(p.xs.hi, p.ys.hi)), p.y(min(p.xs.hi, p.ys.hi)), stroke: "#aaa", width: 1, dash: "4 4")
        for (k, q) in points.enumerated() {
            let c = decisionPalette[k % decisionPalette.count]
            if q.conf.isFinite {
                p.canvas.line(p.x(max(0, q.muStar - q.conf)), p.y(q.sigma), p.x(q.muStar + q.conf), p.y(q.sigma), stroke: c, width: 1.5)
            }
            p.canvas.circle(p.x(q.muStar), p.y(q.sigma.isFinite ? q.sigma : 0), r: 5, fill: c, cls: "factor")
            p.canvas.text(String(k + 1), x: p.x(q.muStar) + 7, y: p.y(q.sigma.isFinite ? q.sigma : 0) - 6, size: 11.5, fill: "#222", cls: "factor-label")
        }
        p.legend(points.enumerated().map { ("\($0 + 1)  \($1.factor)", decisionPalette[$0 % decisionPalette.count]) })
        return p.svg(title: title, kind: "morris")
    }

    /// First-order (S1) and total (ST) Sobol indices per factor as paired bars with their
    /// bootstrap intervals.
    func sobol(title: String, subtitle: String, yLabel: String, bars: [(factor: String, s1: Double, s1c: Double, st: Double, stc: Double)],
                      firstLabel: String, totalLabel: String) -> String {
        // Indices lie in [0, 1] up to estimation error: the axis shows [−0.2, 1.2] at most, whiskers are clipped to it.
        let values = bars.flatMap { [$0.s1, $0.st] }.filter(\.isFinite)
        let top = min(1.2, max(1, values.max() ?? 1)), bottom = max(-0.2, min(0, values.min() ?? 0))
        var p = DecisionPlot(xs: NiceScale(lo: 0, hi: 1), ys: NiceScale(lo: bottom, hi: top, maxTicks: 8), legendRows: 2)
        p.canvas.text(title, x: 16, y: 26, size: 16, weight: "bold", cls: "chart-title")
        p.canvas.text(subtitle, x: 16, y: 46, size: 12.5, fill: ChartStyle.muted, cls: "chart-subtitle")
        for v in p.ys.ticks {
            p.canvas.line(p.left, p.y(v), p.right, p.y(v), stroke: ChartStyle.grid)
            p.canvas.text(plainTick(v), x: p.left - 8, y: p.y(v) + 4, size: 12, anchor: .end, fill: "#333", cls: "y-tick")
        }
        p.canvas.text(yLabel, x: 20, y: (p.top + p.bottom) / 2, size: 13, anchor: .middle, fill: "#333", rotate: -90, cls: "y-label")
        let slot = (p.right - p.left) / Double(max(1, bars.count))
        for (i, b) in bars.enumerated() {
            let x0 = p.left + Double(i) * slot
            let w = slot * 0.32
            for (j, (raw, c)) in [(b.s1, b.s1c), (b.st, b.stc)].enumerated() where raw.isFinite {
                let v = min(p.ys.hi, max(p.ys.lo, raw))
                func clip(_ u: Double) -> Double { min(p.ys.hi, max(p.ys.lo, u)) }
                let bx = x0 + slot * 0.16 + Double(j) * w
                let y0 = p.y(max(0, v)), y1 = p.y(min(0, v))
                p.canvas.rect(bx, y0, w * 0.92, max(1, y1 - y0), fill: decisionPalette[j == 0 ? 2 : 0])
                if c.isFinite {
                    let cx = bx + w * 0.46
                    p.canvas.line(cx, p.y(clip(raw - c)), cx, p.y(clip(raw + c)), stroke: "#222", width: 1.3)
                    if raw - c >= p.ys.lo { p.canvas.line(cx - 4, p.y(raw - c), cx + 4, p.y(raw - c), stroke: "#222", width: 1.3) }
                    if raw + c <= p.ys.hi { p.canvas.line(cx - 4, p.y(raw + c), cx + 4, p.y(raw + c), stroke: "#222", width: 1.3) }
                }
            }
            p.canvas.label(b.factor, x: x0 + slot / 2, y: p.bottom + 19, width: slot - 6, size: 12, maxLines: 3, lineHeight: 13,
                           centred: false, anchor: .middle, fill: "#333", cls: "x-tick")
        }
        p.canvas.line(p.left, p.y(0), p.right, p.y(0), stroke: ChartStyle.axis)
        p.legend([(firstLabel, decisionPalette[2]), (totalLabel, decisionPalette[0])])
        return p.svg(title: title, kind: "sobol")
    }

    /// A scatter of points (x, y) with one highlighted, and an optional horizontal reference line.
    func scatter(title: String, subtitle: String, xLabel: String, yLabel: String, x: [Double], y: [Double],
                        highlight: Int?, reference: Double?, xPercent: Bool, yPercent: Bool, kind: String,
                        pointLabel: String, highlightLabel: String) -> String {
        let fx = x.filter(\.isFinite), fy = y.filter(\.isFinite)
        var p = DecisionPlot(xs: NiceScale(lo: xPercent ? 0 : fx.min() ?? 0, hi: xPercent ? 1 : fx.max() ?? 1),
                             ys: NiceScale(lo: yPercent ? 0 : min(fy.min() ?? 0, reference ?? .infinity), hi: yPercent ? 1 : fy.max() ?? 1, maxTicks: 6),
                             legendRows: 2)
        p.axes(title: title, subtitle: subtitle, xLabel: xLabel, yLabel: yLabel, xTick: xPercent ? percentTick : plainTick,
               yTick: yPercent ? percentTick : plainTick)
        if let r = reference { p.canvas.line(p.left, p.y(r), p.right, p.y(r), stroke: ChartStyle.target, width: 1.3, dash: "6 4") }
        for i in x.indices where x[i].isFinite && y[i].isFinite && i != highlight {
            p.canvas.circle(p.x(x[i]), p.y(y[i]), r: 3, fill: "#6baed6", cls: "point")
        }
        if let h = highlight, x[h].isFinite, y[h].isFinite {
            p.canvas.diamond(p.x(x[h]), p.y(y[h]), r: 7, fill: ChartStyle.target, stroke: "#222", cls: "chosen")
        }
        p.legend([(pointLabel, "#6baed6"), (highlightLabel, ChartStyle.target)])
        return p.svg(title: title, kind: kind)
    }
}
