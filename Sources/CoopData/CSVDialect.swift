/// The separator and decimal mark of a CSV file, detected or given, and the rule that reads a file
/// saved by Excel in a locale such as vi-VN (fields separated by `;`, decimals written `0,52`).
///
/// Detection rule (from the header line and the first 200 data lines, outside double quotes):
/// - separator: `,` when the header holds a comma; else `;` when it holds a semicolon; else a tab
///   when it holds a tab; else `,` (a one-column file);
/// - decimal mark: `,` when the separator is not `,` and some field of the sampled lines is a
///   number written with a decimal comma (`-?digits,digits`) while none is written with a decimal
///   point; else `.`.
/// A file in the standard dialect (`,` and `.`) is read by `CSVReader` as it is; another is first
/// rewritten to the standard dialect (fields re-quoted, decimal commas in number fields turned into
/// points; other text unchanged), so every rule of `CSVReader` (types, missing values, located
/// errors with the file's own line numbers) applies unchanged.
///
/// The byte-level reader is `CSVReader` (owned by the reader's code); this file only decides the
/// dialect and rewrites bytes.
public struct CSVDialect: Sendable, Equatable, CustomStringConvertible {
    public var separator: UInt8
    public var decimal: UInt8

    public static let standard = CSVDialect(separator: 0x2C, decimal: 0x2E)

    public init(separator: UInt8, decimal: UInt8) {
        self.separator = separator
        self.decimal = decimal
    }

    public var isStandard: Bool { self == .standard }

    /// "';'-separated with ',' decimals".
    public var description: String {
        let sep = separator == 0x09 ? "tab" : "'\(Character(UnicodeScalar(separator)))'"
        return "\(sep)-separated with '\(Character(UnicodeScalar(decimal)))' decimals"
    }

    /// Parses a `--delimiter` / `--decimal` value: one character, or `tab`.
    public static func mark(_ text: String) -> UInt8? {
        if text == "tab" || text == "\\t" { return 0x09 }
        guard text.utf8.count == 1, let b = text.utf8.first, b != 0x22, b != 0x0A, b != 0x0D else { return nil }
        return b
    }

    /// The dialect of `bytes` by the rule above; `separator` / `decimal` override what is detected.
    public static func detect(_ bytes: [UInt8], separator given: UInt8? = nil, decimal givenDecimal: UInt8? = nil) -> CSVDialect {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        let lines = records(bytes, from: start, limit: 201)
        var sep: UInt8 = given ?? 0x2C
        if given == nil, let header = lines.first {
            let marks = Set(header.separatorsSeen)
            if marks.contains(0x2C) { sep = 0x2C } else if marks.contains(0x3B) { sep = 0x3B } else if marks.contains(0x09) { sep = 0x09 }
        }
        var dec: UInt8 = 0x2E
        if let g = givenDecimal { dec = g } else if sep != 0x2C {
            var comma = false, point = false
            for line in lines.dropFirst() {
                for f in split(line.bytes, separator: sep) {
                    if isDecimalNumber(f, mark: 0x2C) { comma = true }
                    if isDecimalNumber(f, mark: 0x2E) { point = true }
                }
            }
            if comma && !point { dec = 0x2C }
        }
        return CSVDialect(separator: sep, decimal: dec)
    }

    /// `bytes` rewritten in the standard dialect (a no-op copy for the standard dialect).
    public func normalized(_ bytes: [UInt8]) -> [UInt8] {
        if isStandard { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var i = start
        let n = bytes.count
        var field: [UInt8] = []
        var quoted = false
        func flush() {
            var f = field
            if decimal != 0x2E && !quoted && Self.isDecimalNumber(f, mark: decimal) {
                for k in f.indices where f[k] == decimal { f[k] = 0x2E }
            }
            let needs = quoted || f.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
            if needs {
                out.append(0x22)
                for b in f { if b == 0x22 { out.append(0x22) }; out.append(b) }
                out.append(0x22)
            } else {
                out += f
            }
            field.removeAll(keepingCapacity: true)
            quoted = false
        }
        while i < n {
            let b = bytes[i]
            if b == 0x22 && field.isEmpty && !quoted {
                // A quoted field: copy to the closing quote (doubled quotes are one quote).
                quoted = true
                i += 1
                while i < n {
                    if bytes[i] == 0x22 {
                        if i + 1 < n && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                        i += 1
                        break
                    }
                    field.append(bytes[i]); i += 1
                }
                continue
            }
            if b == separator { flush(); out.append(0x2C); i += 1; continue }
            if b == 0x0A || b == 0x0D { flush(); out.append(b); i += 1; continue }
            field.append(b)
            i += 1
        }
        if !field.isEmpty || quoted { flush() }
        return out
    }

    /// Reads `path` in its detected (or given) dialect. Returns the table and the dialect used;
    /// throws `CSVReader`'s located errors. When every data row has a different number of fields
    /// from the header, throws one error with the likely cause instead of the first row's.
    public static func read(path: String, separator: UInt8? = nil, decimal: UInt8? = nil) throws -> (table: DataTable, dialect: CSVDialect) {
        let bytes = try CSVReader.readFile(path)
        let dialect = detect(bytes, separator: separator, decimal: decimal)
        do {
            return (try CSVReader.parse(bytes: dialect.normalized(bytes), source: path), dialect)
        } catch let e as InputError {
            if let everyRow = everyRowRagged(bytes, dialect: dialect, path: path) { throw everyRow }
            throw e
        }
    }

    /// One message when every data row's field count differs from the header's (the symptom of a
    /// separator the header and the rows do not share), naming the likely cause. Nil otherwise.
    public static func everyRowRagged(_ bytes: [UInt8], dialect: CSVDialect, path: String) -> InputError? {
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        let lines = records(bytes, from: start, limit: Int.max).filter { !$0.bytes.isEmpty }
        guard lines.count >= 3 else { return nil }
        let width = split(lines[0].bytes, separator: dialect.separator).count
        let rows = lines.dropFirst()
        let counts = rows.map { split($0.bytes, separator: dialect.separator).count }
        guard counts.allSatisfy({ $0 != width }) else { return nil }
        // Which separator would the rows agree on?
        var cause = "the header and the rows are not separated the same way"
        for (mark, name) in [(UInt8(0x3B), "';'"), (UInt8(0x2C), "','"), (UInt8(0x09), "a tab")] where mark != dialect.separator {
            let w = split(rows.first!.bytes, separator: mark).count
            guard w > 1, rows.allSatisfy({ split($0.bytes, separator: mark).count == w }) else { continue }
            let hw = split(lines[0].bytes, separator: mark).count
            cause = hw == w ? "the file looks \(name)-separated (every line has \(w) fields that way)"
                            : "the rows look \(name)-separated (\(w) fields each) but the header does not"
            break
        }
        return InputError(file: path, line: rows.first!.line,
                          expected: "\(width) fields on every row, as in the header (read as \(dialect))",
                          found: "a different number on all \(rows.count) data rows (\(Set(counts).sorted().map(String.init).joined(separator: ", ")))",
                          hint: "\(cause); give --delimiter and --decimal (for a file saved by Excel in Vietnamese: --delimiter ';' --decimal ',') or save it as CSV UTF-8 (comma delimited)")
    }

    // MARK: Scanning

    struct Record { var bytes: [UInt8]; var line: Int; var separatorsSeen: [UInt8] }

    /// Records (lines outside quotes) from `start`, with their first line number and the candidate
    /// separators seen outside quotes.
    static func records(_ bytes: [UInt8], from start: Int, limit: Int) -> [Record] {
        var out: [Record] = []
        var i = start, line = 1, recordLine = 1
        var cur: [UInt8] = [], seen: [UInt8] = []
        var quoted = false
        while i < bytes.count && out.count < limit {
            let b = bytes[i]
            if b == 0x22 { quoted.toggle() }
            if !quoted && (b == 0x0A || b == 0x0D) {
                out.append(Record(bytes: cur, line: recordLine, separatorsSeen: seen))
                if b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A { i += 1 }
                line += 1; recordLine = line
                cur = []; seen = []
                i += 1
                continue
            }
            if b == 0x0A { line += 1 }
            if !quoted && (b == 0x2C || b == 0x3B || b == 0x09) { seen.append(b) }
            cur.append(b)
            i += 1
        }
        if !cur.isEmpty && out.count < limit { out.append(Record(bytes: cur, line: recordLine, separatorsSeen: seen)) }
        return out
    }

    /// Fields of one record split at `separator` outside quotes (quotes kept).
    static func split(_ record: [UInt8], separator: UInt8) -> [[UInt8]] {
        var out: [[UInt8]] = [], cur: [UInt8] = [], quoted = false
        for b in record {
            if b == 0x22 { quoted.toggle() }
            if b == separator && !quoted { out.append(cur); cur = [] } else { cur.append(b) }
        }
        out.append(cur)
        return out
    }

    /// `-?digits MARK digits` (surrounding spaces allowed): a number with a decimal mark.
    static func isDecimalNumber(_ f: [UInt8], mark: UInt8) -> Bool {
        var s = f[...]
        while s.first == 0x20 { s = s.dropFirst() }
        while s.last == 0x20 { s = s.dropLast() }
        if s.first == 0x2D || s.first == 0x2B { s = s.dropFirst() }
        guard let k = s.firstIndex(of: mark) else { return false }
        let a = s[..<k], b = s[s.index(after: k)...]
        func digits(_ x: ArraySlice<UInt8>) -> Bool { !x.isEmpty && x.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        return digits(a) && digits(b)
    }
}
