import Foundation

/// Checks the text of one of our SVG charts against its box: every `<text>` (by its position,
/// anchor, rotation and estimated width, `SVGCanvas.textWidth`) lies inside the chart; no text was
/// shortened with "…"; the y-axis title keeps clear of the tick labels. Used by the tests on every
/// chart of every shipped report in both languages.
public enum ChartTextLayout {
    public struct Item: Sendable, Equatable {
        public var cls: String
        public var text: String
        /// Box in chart coordinates: x0, y0, x1, y1.
        public var box: (Double, Double, Double, Double)
        public static func == (a: Item, b: Item) -> Bool { a.cls == b.cls && a.text == b.text }
    }

    /// The text items of an SVG written by `SVGCanvas` (its own attribute order), with their boxes.
    public static func items(svg: String) -> [Item] {
        var out: [Item] = []
        var rest = svg[...]
        while let open = rest.range(of: "<text") {
            guard let close = rest.range(of: "</text>", range: open.upperBound..<rest.endIndex),
                  let gt = rest.range(of: ">", range: open.upperBound..<close.lowerBound) else { break }
            let attrs = String(rest[open.upperBound..<gt.lowerBound])
            let body = unescape(String(rest[gt.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
            func attr(_ name: String) -> String? {
                guard let r = attrs.range(of: " \(name)=\"") else { return nil }
                guard let e = attrs.range(of: "\"", range: r.upperBound..<attrs.endIndex) else { return nil }
                return String(attrs[r.upperBound..<e.lowerBound])
            }
            let x = Double(attr("x") ?? "") ?? 0, y = Double(attr("y") ?? "") ?? 0
            let size = Double(attr("font-size") ?? "") ?? 12
            let w = SVGCanvas.textWidth(body, size: size)
            let anchor = attr("text-anchor") ?? "start"
            let start = anchor == "middle" ? -w / 2 : anchor == "end" ? -w : 0
            // Glyphs span from the ascent (0.8 em above the baseline) to the descent (0.25 em below).
            var box = (x + start, y - 0.8 * size, x + start + w, y + 0.25 * size)
            if let t = attr("transform"), t.hasPrefix("rotate(-90") {
                // Rotated a quarter turn counter-clockwise about (x, y): the run goes up the page.
                box = (x - 0.8 * size, y - start - w, x + 0.25 * size, y - start)
            }
            out.append(Item(cls: attr("class") ?? "", text: body, box: box))
        }
        return out
    }

    /// Problems of one chart: text outside `width` × `height`, shortened text, a y-axis title that
    /// overlaps a tick label. Empty when the chart's text fits.
    public static func problems(svg: String) -> [String] {
        let items = items(svg: svg)
        // The chart's own size, from the root's width and height attributes.
        func rootAttribute(_ name: String) -> Double? {
            guard let open = svg.range(of: "<svg"), let close = svg.range(of: ">", range: open.upperBound..<svg.endIndex),
                  let r = svg.range(of: " \(name)=\"", range: open.upperBound..<close.lowerBound),
                  let e = svg.range(of: "\"", range: r.upperBound..<close.lowerBound) else { return nil }
            return Double(svg[r.upperBound..<e.lowerBound])
        }
        let width = rootAttribute("width") ?? 760, height = rootAttribute("height") ?? 440
        var out: [String] = []
        for i in items {
            if i.box.0 < -0.5 || i.box.1 < -0.5 || i.box.2 > width + 0.5 || i.box.3 > height + 0.5 {
                out.append("\(i.cls) '\(i.text)' reaches outside the chart (box \(Int(i.box.0)),\(Int(i.box.1))–\(Int(i.box.2)),\(Int(i.box.3)))")
            }
            if i.text.contains("…") { out.append("\(i.cls) '\(i.text)' is shortened") }
        }
        if let yl = items.first(where: { $0.cls == "y-label" }) {
            for t in items where t.cls == "y-tick" && t.box.0 < yl.box.2 + 2 {
                out.append("y-axis title '\(yl.text)' overlaps the tick label '\(t.text)'")
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
