/// Detecting the `CSVDialect` of a file saved by a spreadsheet, and the messages that name it.
///
/// Excel in a locale such as vi-VN saves "CSV" with `;` between fields and `,` as the decimal
/// point (`0,52`). `CSVReader` reads any one dialect it is given; this file decides which one a
/// file is written in, so commands can read such a file without options and say what they read.
///
/// Detection rule (from the header line and the first 200 data lines, outside double quotes):
/// - delimiter: `,` when the header holds a comma; else `;` when it holds a semicolon; else a tab
///   when it holds a tab; else `,` (a one-column file);
/// - decimal mark: `,` when the delimiter is not `,` and some field of the sampled lines is a
///   number written with a decimal comma (`-?digits,digits`) while none is written with a decimal
///   point; else `.`.
/// `--delimiter` / `--decimal` (the `delimiter:` / `decimalMark:` arguments) override either half.
extension CSVDialect {
    /// The default delimiter and decimal point (`,` and `.`).
    public var isStandard: Bool { self == .standard }

    /// How a message names the dialect: "';'-separated with ',' decimals".
    public var plainDescription: String {
        let sep = delimiter == 0x09 ? "tab" : "'\(Character(Unicode.Scalar(delimiter)))'"
        return "\(sep)-separated with '\(Character(Unicode.Scalar(decimalMark)))' decimals"
    }

    /// Parses a `--delimiter` / `--decimal` value: one ASCII character other than a double quote,
    /// CR or LF, or `tab`; nil otherwise.
    public static func mark(_ text: String) -> UInt8? {
        if text == "tab" || text == "\\t" { return 0x09 }
        guard text.utf8.count == 1, let b = text.utf8.first, b < 0x80, b != 0x22, b != 0x0A, b != 0x0D else { return nil }
        return b
    }

    /// The dialect of `bytes` by the rule above; `delimiter` / `decimalMark` override what is
    /// detected. Throws (naming `path`) when a given decimal mark is the delimiter the file uses,
    /// or a given decimal mark is neither `.` nor `,`.
    public static func detect(_ bytes: [UInt8], delimiter given: UInt8? = nil, decimalMark givenDecimal: UInt8? = nil,
                              path: String = "<text>") throws -> CSVDialect {
        try detect(bytes[...], delimiter: given, decimalMark: givenDecimal, path: path)
    }

    /// `detect` over any byte collection indexed from 0 (an array, a file's buffer).
    static func detect<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, delimiter given: UInt8? = nil, decimalMark givenDecimal: UInt8? = nil,
                                                           path: String = "<text>") throws -> CSVDialect where Bytes.Index == Int {
        let lines = records(bytes, from: bomLength(bytes), limit: 201)
        let header = Set(lines.first?.separatorsSeen ?? [])
        var sep: UInt8 = given ?? 0x2C
        if given == nil {
            // A comma decimal mark given by the user rules out the comma as delimiter.
            let candidates: [UInt8] = givenDecimal == 0x2C ? [0x3B, 0x09] : [0x2C, 0x3B, 0x09]
            if let found = candidates.first(where: header.contains) { sep = found }
            else if givenDecimal == 0x2C { sep = 0x3B }
        }
        var dec: UInt8 = 0x2E
        if let g = givenDecimal {
            guard g == 0x2E || g == 0x2C else {
                throw InputError(file: path, expected: "a decimal mark '.' or ','", found: "'\(Character(Unicode.Scalar(g)))'")
            }
            dec = g
        } else if sep != 0x2C {
            var comma = false, point = false
            for line in lines.dropFirst() {
                for f in split(line.bytes, separator: sep) {
                    if isDecimalNumber(f, mark: 0x2C) { comma = true }
                    if isDecimalNumber(f, mark: 0x2E) { point = true }
                }
            }
            if comma && !point { dec = 0x2C }
        }
        guard sep != dec else {
            throw InputError(file: path, line: 1, expected: "a delimiter other than the decimal mark",
                             found: "'\(Character(Unicode.Scalar(sep)))' for both",
                             hint: "a file with ',' decimals separates its fields with ';' or a tab: give --delimiter ';'")
        }
        return CSVDialect(delimiter: sep, decimalMark: dec)
    }

    /// Reads `path` in its detected (or given) dialect with `CSVReader`. Returns the table and the
    /// dialect used; throws `CSVReader`'s located errors. When every data row has a different
    /// number of fields from the header, throws one error with the likely cause instead of the
    /// first row's.
    public static func read(path: String, delimiter: UInt8? = nil, decimalMark: UInt8? = nil) throws -> (table: DataTable, dialect: CSVDialect) {
        // Read once, detected and parsed in place (no copy of the file's bytes).
        let bytes = try InputFile.readBytes(path)
        return try withExtendedLifetime(bytes) {
            let dialect = try detect(bytes.buffer, delimiter: delimiter, decimalMark: decimalMark, path: path)
            do {
                return (try CSVReader.parse(bytes.pointer, count: bytes.count, source: path, dialect: dialect), dialect)
            } catch let e as InputError {
                if let everyRow = everyRowRagged(Array(bytes.buffer), dialect: dialect, path: path) { throw everyRow }
                throw e
            }
        }
    }

    /// One message when every data row's field count differs from the header's (the symptom of a
    /// delimiter the header and the rows do not share), naming the likely cause. Nil otherwise.
    public static func everyRowRagged(_ bytes: [UInt8], dialect: CSVDialect, path: String) -> InputError? {
        let lines = records(bytes, from: bomLength(bytes), limit: Int.max).filter { !$0.bytes.isEmpty }
        guard lines.count >= 3 else { return nil }
        let width = split(lines[0].bytes, separator: dialect.delimiter).count
        let rows = lines.dropFirst()
        let counts = rows.map { split($0.bytes, separator: dialect.delimiter).count }
        guard counts.allSatisfy({ $0 != width }) else { return nil }
        // Which delimiter would the rows agree on?
        var cause = "the header and the rows are not separated the same way"
        for (mark, name) in [(UInt8(0x3B), "';'"), (UInt8(0x2C), "','"), (UInt8(0x09), "a tab")] where mark != dialect.delimiter {
            let w = split(rows.first!.bytes, separator: mark).count
            guard w > 1, rows.allSatisfy({ split($0.bytes, separator: mark).count == w }) else { continue }
            let hw = split(lines[0].bytes, separator: mark).count
            cause = hw == w ? "the file looks \(name)-separated (every line has \(w) fields that way)"
                            : "the rows look \(name)-separated (\(w) fields each) but the header does not"
            break
        }
        return InputError(file: path, line: rows.first!.line,
                          expected: "\(width) fields on every row, as in the header (read as \(dialect.plainDescription))",
                          found: "a different number on all \(rows.count) data rows (\(Set(counts).sorted().map(String.init).joined(separator: ", ")))",
                          hint: "\(cause); give --delimiter and --decimal (for a file saved by Excel in Vietnamese: --delimiter ';' --decimal ',') or save it as CSV UTF-8 (comma delimited)")
    }

    // MARK: Scanning (detection only; the reader has its own scanner)

    struct Record { var bytes: [UInt8]; var line: Int; var separatorsSeen: [UInt8] }

    static func bomLength<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Int where Bytes.Index == Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Records (lines outside quotes) from `start`, with their first line number and the candidate
    /// delimiters seen outside quotes.
    static func records<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, from start: Int, limit: Int) -> [Record] where Bytes.Index == Int {
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
