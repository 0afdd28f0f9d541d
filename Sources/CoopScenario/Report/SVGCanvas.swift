import Foundation

/// XML text for our own SVG charts: escaping, fixed-precision coordinates,
/// and a handful of elements. Output is deterministic (same input, same bytes).
struct SVGCanvas {
    private(set) var body: String = ""
    let width: Double
    let height: Double
    static let fontFamily = "DejaVu Sans, Noto Sans, Arial, Helvetica, sans-serif"

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Escapes text for XML content and attribute values (`& < > " '`).
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Characters XML 1.0 forbids (C0 controls other than tab, LF, CR) are dropped.
                if ch.value < 0x20 && ch != "\t" && ch != "\n" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A coordinate with two decimals, no trailing zeros ("12.5", "40", "-3.25").
    static func n(_ x: Double) -> String {
        precondition(x.isFinite, "An SVG coordinate must be finite, got \(x).")
        var r = (x * 100).rounded() / 100
        if r == 0 { r = 0 }
        if r == r.rounded() { return String(Int(r)) }
        var s = String(format: "%.2f", r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }

    static func points(_ pts: [(Double, Double)]) -> String {
        pts.map { n($0.0) + "," + n($0.1) }.joined(separator: " ")
    }

    /// Approximate width of `text` at `size` px in DejaVu Sans (mean advance ≈ 0.6 em; used to place labels).
    static func textWidth(_ text: String, size: Double) -> Double {
        var w = 0.0
        for ch in text {
            if ch == " " || ch == "." || ch == "," || ch == ":" || ch == "i" || ch == "l" || ch == "j" || ch == "t" || ch == "f" { w += 0.34 }
            else if ch.isNumber { w += 0.64 }
            else if ch.isUppercase || ch == "m" || ch == "w" || ch == "%" || ch == "–" || ch == "≥" || ch == "≤" { w += 0.84 }
            else { w += 0.62 }
        }
        // 6% margin: renderers substitute fonts whose advances differ slightly from DejaVu Sans.
        return w * size * 1.06
    }

    mutating func raw(_ s: String) { body += s }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width w: Double = 1,
                       dash: String? = nil, cls: String? = nil) {
        body += "<line" + (cls.map { " class=\"\($0)\"" } ?? "") + " x1=\"\(Self.n(x1))\" y1=\"\(Self.n(y1))\" x2=\"\(Self.n(x2))\" y2=\"\(Self.n(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(w))\""
        if let dash { body += " stroke-dasharray=\"\(dash)\"" }
        body += "/>\n"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, opacity: Double? = nil,
                       stroke: String? = nil, rx: Double? = nil) {
        body += "<rect x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" width=\"\(Self.n(w))\" height=\"\(Self.n(h))\" fill=\"\(fill)\""
        if let opacity { body += " fill-opacity=\"\(Self.n(opacity))\"" }
        if let stroke { body += " stroke=\"\(stroke)\"" }
        if let rx { body += " rx=\"\(Self.n(rx))\"" }
        body += "/>\n"
    }

    mutating func polygon(_ pts: [(Double, Double)], fill: String, opacity: Double, cls: String) {
        body += "<polygon class=\"\(cls)\" points=\"\(Self.points(pts))\" fill=\"\(fill)\" fill-opacity=\"\(Self.n(opacity))\" stroke=\"none\"/>\n"
    }

    mutating func polyline(_ pts: [(Double, Double)], stroke: String, width w: Double, cls: String, dash: String? = nil) {
        body += "<polyline class=\"\(cls)\" points=\"\(Self.points(pts))\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.n(w))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dash { body += " stroke-dasharray=\"\(dash)\"" }
        body += "/>\n"
    }

    mutating func circle(_ cx: Double, _ cy: Double, r: Double, fill: String, stroke: String? = nil, cls: String? = nil) {
        body += "<circle" + (cls.map { " class=\"\($0)\"" } ?? "") + " cx=\"\(Self.n(cx))\" cy=\"\(Self.n(cy))\" r=\"\(Self.n(r))\" fill=\"\(fill)\""
        if let stroke { body += " stroke=\"\(stroke)\" stroke-width=\"1.2\"" }
        body += "/>\n"
    }

    /// A diamond marker centred on (cx, cy).
    mutating func diamond(_ cx: Double, _ cy: Double, r: Double, fill: String, stroke: String, cls: String? = nil) {
        let pts = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
        body += "<polygon" + (cls.map { " class=\"\($0)\"" } ?? "") + " points=\"\(Self.points(pts))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.5\"/>\n"
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ s: String, x: Double, y: Double, size: Double, anchor: Anchor = .start, fill: String = "#222",
                       weight: String? = nil, rotate: Double? = nil, cls: String? = nil) {
        body += "<text" + (cls.map { " class=\"\($0)\"" } ?? "") + " x=\"\(Self.n(x))\" y=\"\(Self.n(y))\" font-size=\"\(Self.n(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(fill)\""
        if let weight { body += " font-weight=\"\(weight)\"" }
        if let rotate { body += " transform=\"rotate(\(Self.n(rotate)) \(Self.n(x)) \(Self.n(y)))\"" }
        body += ">" + Self.escape(s) + "</text>\n"
    }

    /// The finished document: an `<svg>` root with `attributes` (already escaped), a `<title>`, and the body.
    func document(title: String, attributes: [(String, String)]) -> String {
        var head = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" viewBox=\"0 0 \(Self.n(width)) \(Self.n(height))\" role=\"img\""
        for (k, v) in attributes { head += " \(k)=\"\(Self.escape(v))\"" }
        head += " font-family=\"\(Self.fontFamily)\">\n"
        head += "<title>" + Self.escape(title) + "</title>\n"
        head += "<rect x=\"0\" y=\"0\" width=\"\(Self.n(width))\" height=\"\(Self.n(height))\" fill=\"#ffffff\"/>\n"
        return head + body + "</svg>\n"
    }
}
