import CFastFloat

/// What one CSV cell is: missing, a number, or text. The byte-level reader (`CSVReader`) calls
/// these rules on every cell of a column still numeric, with the cell's bytes already split
/// from the record (inside the quotes for a quoted cell), and types each column in that
/// same pass: a column is numeric when every non-missing cell reads as a number.
///
/// - Missing: after trimming spaces and tabs (unquoted cells), one of
///   `CSVReader.missingMarkers`: the empty field, `NA`, `NaN`, `nan`, `.`.
/// - Number: optional spaces/tabs, `[+-] digits [mark digits] [(e|E) [+-] digits]` (at least
///   one digit before or after the mark) or `[+-](inf|infinity)` in any case, optional spaces;
///   `mark` is the dialect's decimal mark. A cell with a doubled quote inside is text.
///
/// Numbers are converted by fast_float (Lemire 2021; Debian's libfast-float-dev, through the
/// `CFastFloat` shim): correctly rounded (ties to even) whatever the number of digits, the same
/// double as glibc's `strtod`, including subnormals; beyond the double range ±infinity.
///
/// Rules about whole columns (thousands separators, zero-padded codes, more NA spellings) belong
/// beside these, in their own file, as functions of the cell bytes.
public enum CSVCellRules {
    /// True when `p[s..<e]` (a field of the given quoting) is a missing marker.
    @inline(__always)
    public static func isMissing(_ p: UnsafePointer<UInt8>, _ s0: Int, _ e0: Int, quoted: Bool) -> Bool {
        var s = s0, e = e0
        if !quoted {
            while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
            while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        }
        switch e - s {
        case 0: return true
        case 1: return p[s] == 0x2E  // "."
        case 2: return p[s] == 0x4E && p[s + 1] == 0x41  // "NA"
        case 3: return (p[s] == 0x4E && p[s + 1] == 0x61 && p[s + 2] == 0x4E)   // "NaN"
            || (p[s] == 0x6E && p[s + 1] == 0x61 && p[s + 2] == 0x6E)         // "nan"
        default: return false
        }
    }

    /// The cell as a number (NaN when missing), or nil when it is text.
    @inline(__always)
    static func number(_ p: UnsafePointer<UInt8>, _ f: _CSVField, decimalMark: UInt8) -> Double? {
        var s = f.start, e = f.end
        while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
        while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        if let v = parseDouble(p, s, e, decimalMark: decimalMark) { return f.escapedQuote ? nil : v }
        return isMissing(p, f.start, f.end, quoted: f.quoted) ? .nan : nil
    }

    /// `p[s..<e]` as a number under the grammar above (no spaces), or nil.
    @inline(__always)
    public static func parseDouble(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, decimalMark: UInt8 = 0x2E) -> Double? {
        var v = 0.0
        let ok = UnsafeRawPointer(p + s).withMemoryRebound(to: CChar.self, capacity: e - s) { c in
            coopsim_parse_double(c, c + (e - s), CChar(bitPattern: decimalMark), &v)
        }
        return ok != 0 ? v : nil
    }

    /// True when `text` reads as a number under these rules (missing markers excluded).
    public static func isNumber(_ text: String, decimalMark: UInt8 = 0x2E) -> Bool {
        var bytes = Array(text.utf8)
        let n = bytes.count
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { b in
            let f = _CSVField(start: 0, end: n, quoted: false, escapedQuote: false)
            guard let v = number(b.baseAddress!, f, decimalMark: decimalMark) else { return false }
            return !v.isNaN
        }
    }
}
