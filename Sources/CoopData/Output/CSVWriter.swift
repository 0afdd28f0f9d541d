import Foundation

/// Writes tidy CSV as Guides/Outputs.md documents it: UTF-8, RFC 4180 quoting (fields with
/// a comma, a double quote, CR or LF are quoted, quotes doubled), `.` as the
/// decimal mark, one header row, numbers in shortest round-trip form
/// (integers without a fraction, missing values as empty fields), LF line
/// ends, and with `excel` a UTF-8 byte-order mark so Excel shows Vietnamese.
public struct CSVWriter: Sendable {
    public private(set) var text: String = ""
    public let columns: [String]

    public init(columns: [String], excel: Bool = false) {
        self.columns = columns
        if excel { text = "\u{FEFF}" }
        text += columns.map(CSVWriter.quote).joined(separator: ",") + "\n"
    }

    /// One row of already formatted fields; the count must match the header.
    public mutating func addRow(_ fields: [String]) {
        precondition(fields.count == columns.count,
                     "A CSV row must have \(columns.count) fields like its header, got \(fields.count).")
        var first = true
        for f in fields {
            if !first { text += "," }
            text += CSVWriter.quote(f)
            first = false
        }
        text += "\n"
    }

    /// Quotes a field when RFC 4180 requires it.
    public static func quote(_ s: String) -> String {
        var needs = false
        for u in s.utf8 where u == 0x2C || u == 0x22 || u == 0x0A || u == 0x0D { needs = true; break }
        if !needs { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A number in shortest round-trip form: `663`, `0.55`, `1e-05`, `-2.5`;
    /// NaN as an empty field; infinities as `inf` / `-inf`.
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded(.towardZero) && abs(x) < 1e15 {
            return x == 0 ? "0" : String(Int64(x))
        }
        return x.description
    }
}
