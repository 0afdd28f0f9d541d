/// Rules about whole columns that look like numbers but are not read as numbers (issue 14):
/// the reader types a column numeric only when every present cell is a plain decimal number
/// (`CSVReader`), so a column written with thousands separators (`"1,045.50"`) or with a few
/// stray cells is text. When such a column is used in a formula, these rules decide what to
/// say rather than silently turning it into a categorical with one dummy per "number".
///
/// - A cell "has separators" when it is a number written with digit groups: optional sign,
///   1-3 digits, then groups of exactly 3 digits each after the same separator (`,` `.` space,
///   no-break space, `'`), then optionally a decimal part after the other mark:
///   `1,045.50`, `12.345.678`, `1.045,5`, `10 000`. Plain numbers (`1045.5`) do not count.
/// - A bare text column in a formula whose present cells are mostly numbers (plain or with
///   separators) is an error (`DesignMatrix` throws at the first bad cell); when some cells have
///   separators the message says so and asks to remove them.
/// - A bare text column used as a categorical although some of its cells (a minority) are
///   numbers gets a note: its type was decided by the other cells.
/// - A cell "has a decimal comma" when it is a number written with `,` as the decimal point:
///   optional sign, digits, `,`, digits (`0,52`, `-12,5`), and not a thousands group (`1,045` is
///   counted as separators). In a comma-separated file such a cell is necessarily quoted
///   (`"0,52"`, as a spreadsheet with a Vietnamese or European locale writes it); a column mostly
///   of them is an error like separators, with a hint to save the file with '.' decimals.
public enum ColumnTypingRules {
    /// True when `text` is a number with a decimal comma (see above).
    public static func hasDecimalComma(_ text: String) -> Bool {
        var s = Substring(text.trimmingSpacesAndTabs)
        if s.hasPrefix("-") || s.hasPrefix("+") { s = s.dropFirst() }
        guard let comma = s.firstIndex(of: ","), comma != s.startIndex else { return false }
        let whole = s[..<comma], fraction = s[s.index(after: comma)...]
        guard !fraction.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
        return !hasThousandsSeparators(text)
    }

    /// True when `text` is a number written with digit-group separators (see above).
    public static func hasThousandsSeparators(_ text: String) -> Bool {
        var s = Substring(text.trimmingSpacesAndTabs)
        if s.hasPrefix("-") || s.hasPrefix("+") { s = s.dropFirst() }
        let chars = Array(s)
        var i = 0
        while i < chars.count, chars[i].isASCII, chars[i].isNumber { i += 1 }
        guard i >= 1, i <= 3, i < chars.count else { return false }
        let sep = chars[i]
        guard [",", ".", " ", "\u{00A0}", "\u{202F}", "'"].contains(sep) else { return false }
        var groups = 0
        while i < chars.count, chars[i] == sep {
            let start = i + 1
            var j = start
            while j < chars.count, chars[j].isASCII, chars[j].isNumber { j += 1 }
            guard j - start == 3 else { return false }
            groups += 1
            i = j
        }
        guard groups >= 1 else { return false }
        if i == chars.count { return true }
        // A decimal part after the other mark.
        let mark = chars[i]
        guard (mark == "." || mark == ","), mark != sep, i + 1 < chars.count else { return false }
        return chars[(i + 1)...].allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// How many present cells are plain numbers and how many are numbers with separators,
    /// with the first of each.
    /// Numbers with a decimal comma count as `grouped` (numbers the reader cannot read as they
    /// are written); `decimalComma` says how many of those they are, `firstDecimalComma` the first.
    public static func census(_ cells: [String?]) -> (present: Int, plain: Int, grouped: Int, firstPlain: String?, firstGrouped: String?,
                                                       decimalComma: Int, firstDecimalComma: String?) {
        var present = 0, plain = 0, grouped = 0, comma = 0
        var firstPlain: String?, firstGrouped: String?, firstComma: String?
        for c in cells {
            guard let c else { continue }
            present += 1
            if CSVReader.isNumber(c) { plain += 1; if firstPlain == nil { firstPlain = c } }
            else if hasThousandsSeparators(c) { grouped += 1; if firstGrouped == nil { firstGrouped = c } }
            else if hasDecimalComma(c) { comma += 1; grouped += 1; if firstComma == nil { firstComma = c }; if firstGrouped == nil { firstGrouped = c } }
        }
        return (present, plain, grouped, firstPlain, firstGrouped, comma, firstComma)
    }

    /// What to say about a mostly numeric text column whose numbers the reader cannot read as
    /// written: the first such cell, the expectation, that cell and the others like it, the hint.
    public static func unreadableNumbers(_ census: (present: Int, plain: Int, grouped: Int, firstPlain: String?, firstGrouped: String?,
                                                    decimalComma: Int, firstDecimalComma: String?),
                                         column name: String, categoricalHint: Bool) -> (cell: String, expected: String, found: String, hint: String)? {
        guard var g = census.firstGrouped else { return nil }
        let others = census.grouped - 1
        let keep = categoricalHint ? "; or write C(\(name)) to treat the column as categorical" : ""
        if census.decimalComma * 2 >= census.grouped, let d = census.firstDecimalComma {
            g = d
            return (g, "numbers with '.' as the decimal point",
                    "'\(g)' (a decimal comma)" + (others > 0 ? " and \(others) other cell\(others == 1 ? "" : "s") like it" : ""),
                    "the file writes decimals with a comma (in quotes, so the comma is not a separator) and the column is read as text: "
                        + "save it with '.' as the decimal point (a spreadsheet set to a Vietnamese or European locale writes ','), write 0.52 not \"0,52\"" + keep)
        }
        return (g, "plain numbers (digits, '.' for decimals, no thousands separators)",
                "'\(g)'" + (others > 0 ? " and \(others) other cell\(others == 1 ? "" : "s") with separators" : ""),
                "write 1045.5, not 1,045.50" + keep)
    }

    /// The note for a text column used as a categorical although some cells are numbers, or nil.
    public static func categoricalNote(column name: String, cells: [String?]) -> String? {
        let c = census(cells)
        guard c.plain + c.grouped > 0 else { return nil }
        let levels = Set(cells.compactMap { $0 }).count
        var why = "\(c.plain + c.grouped) of its \(c.present) cells are numbers"
        if let d = c.firstDecimalComma { why += " (\(c.decimalComma) written with a decimal comma, such as '\(d)')" }
        else if let g = c.firstGrouped { why += " (\(c.grouped) written with thousands separators, such as '\(g)')" }
        else if let p = c.firstPlain { why += " (such as '\(p)')" }
        return "'\(name)' is read as text and used as a categorical with \(levels) levels, although \(why): the other cells decided its type; "
            + (c.decimalComma > 0 ? "write '.' as the decimal point (0.52, not \"0,52\") to use it as a number, or "
               : c.grouped > 0 ? "remove the separators (write 1045.5, not 1,045.50) to use it as a number, or " : "fix the cells that are not numbers to use it as a number, or ")
            + "write C(\(name)) to keep it categorical"
    }
}

extension String {
    var trimmingSpacesAndTabs: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension DataTable {
    /// Why rows were dropped, column by column: for each of `columns` (in order, each once), the
    /// number of `droppedRows` whose cell in it is missing (NaN or empty text); e.g.
    /// `tinh: 6 missing cells`. Rows dropped with every listed cell present (a lag in the first
    /// year of a region, log of 0) are counted last. Empty when no row was dropped.
    public func droppedRowsCensus(columns: [String], droppedRows: [Int]) -> [String] {
        guard !droppedRows.isEmpty else { return [] }
        var parts: [String] = []
        var explained = Set<Int>()
        var seen = Set<String>()
        for name in columns where seen.insert(name).inserted {
            guard let column = self[name] else { continue }
            var count = 0
            for r in droppedRows {
                let missing: Bool
                switch column {
                case .numeric(let v): missing = v[r].isNaN
                case .text(let t): missing = t[r] == nil
                }
                if missing { count += 1; explained.insert(r) }
            }
            if count > 0 { parts.append("\(name): \(count) missing cell\(count == 1 ? "" : "s")") }
        }
        let other = droppedRows.count - explained.count
        if other > 0 {
            parts.append("\(other) row\(other == 1 ? "" : "s") with a non-finite value computed from present cells (a lag or difference in a region's first year, log of 0 or a negative number)")
        }
        return parts
    }
}

extension ColumnTypingRules {
    /// A zero-padded code: after optional spaces, a `0` followed by another digit (`08123`, `007`).
    /// A column holding one is kept as text (codes such as commune or cooperative ids keep their
    /// leading zeros and stay distinct: read as numbers, `08123` and `8123` would merge).
    /// `0`, `0.5`, `-0.25` are numbers.
    @inline(__always)
    static func isZeroPaddedCode(_ p: UnsafePointer<UInt8>, _ f: _CSVField) -> Bool {
        var s = f.start
        while s < f.end && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
        return s + 1 < f.end && p[s] == 0x30 && p[s + 1] >= 0x30 && p[s + 1] <= 0x39
    }

    /// The cell text without surrounding spaces and tabs (unquoted cells), for a marker lookup.
    static func trimmedText(_ p: UnsafePointer<UInt8>, _ f: _CSVField) -> String {
        var s = f.start, e = f.end
        if !f.quoted {
            while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
            while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        }
        return String(decoding: UnsafeBufferPointer(start: p + s, count: e - s), as: UTF8.self)
    }
}

extension CSVReader {
    /// Reads `path` with `missingMarkers` in place of `CSVReader.missingMarkers` (`fit --na ''`: only
    /// empty cells are missing, so a province coded `NA` is a province). nil: `read(path:)`.
    /// A second pass over the cells (this path only): a column is numeric when every cell that is
    /// not a marker is a number and no cell is a zero-padded code; text cells keep their text.
    public static func read(path: String, missingMarkers: [String]?) throws -> DataTable {
        guard let markers = missingMarkers else { return try read(path: path) }
        var bytes = try readFile(path)  // read once: the path may be a pipe
        let table = try parse(bytes: bytes, source: path)
        let custom = Set(markers)
        let raw: [[(trimmed: String, text: String)]] = try withTerminatedBytes(&bytes) { p, n in
            var start = 0
            if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
            var scanner = _CSVScanner(p: p, n: n, pos: start, line: 1, source: path, delimiter: 0x2C)
            var fields: [_CSVField] = []
            _ = try scanner.nextRecord(into: &fields)
            var cols = [[(trimmed: String, text: String)]](repeating: [], count: table.names.count)
            while try scanner.nextRecord(into: &fields) {
                for j in 0..<min(fields.count, cols.count) {
                    cols[j].append((ColumnTypingRules.trimmedText(p, fields[j]), fields[j].string(p)))
                }
            }
            return cols
        }
        var columns: [DataTable.Column] = []
        for cells in raw {
            let present = cells.filter { !custom.contains($0.trimmed) }
            let numeric = present.allSatisfy { CSVReader.isNumber($0.trimmed) && !($0.trimmed.first == "0" && ($0.trimmed.dropFirst().first?.isNumber ?? false)) }
            if numeric {
                columns.append(.numeric(cells.map { custom.contains($0.trimmed) ? .nan : Double($0.trimmed) ?? .nan }))
            } else {
                columns.append(.text(cells.map { custom.contains($0.trimmed) ? nil : $0.text }))
            }
        }
        return DataTable(names: table.names, columns: columns, source: path, rowLines: table.rowLines)
    }
}
