/// JSON text pieces written the way Python's `json` module writes them with
/// `ensure_ascii=False` (so files diff cleanly against Python's output):
/// `"`, `\`, and control characters escaped (`\n \r \t \b \f`, others as `\u00XX`),
/// everything else verbatim UTF-8; numbers in shortest round-trip form, non-finite as `null`.
public enum JSONText {
    /// Appends `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// `s` as a JSON string literal.
    public static func string(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }

    /// A number in shortest round-trip form (`663`, `0.55`, `1e-05`); NaN and infinities as `null`.
    public static func number(_ x: Double) -> String {
        x.isFinite ? CSVWriter.number(x) : "null"
    }
}
