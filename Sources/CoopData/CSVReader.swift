#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFastFloat

/// Reads comma-separated files (RFC 4180) into a `DataTable`, with located
/// errors.
///
/// Format accepted:
/// - UTF-8, with or without a byte-order mark; invalid UTF-8 is an error that
///   gives the line and byte offset of the first bad byte.
/// - LF, CRLF or lone CR line ends; fields separated by the dialect's delimiter
///   (a comma by default, see `CSVDialect`); a field in double quotes may hold
///   delimiters, line breaks and doubled quotes (`""`).
/// - One header row of unique, non-empty names; then at least one data row,
///   each with as many fields as the header. Entirely blank lines are skipped
///   (as pandas does).
///
/// Column types (`CSVCellRules`): a column is numeric when every non-missing
/// cell is a decimal number (optional sign, digits, optional fraction, optional
/// exponent, or `inf`/`infinity` with either sign, surrounding spaces ignored);
/// otherwise it is text and keeps every cell exactly as written. Missing cells
/// are those in `CSVReader.missingMarkers`: the empty field, `NA`, `NaN`, `nan`
/// and `.` (NaN in a numeric column, `nil` in a text column).
///
/// Numbers are converted by fast_float (correctly rounded, the same double as
/// glibc's `strtod`). One pass over the bytes splits records, parses every cell
/// of the columns still numeric straight from the file's buffer and types the
/// columns; nothing is allocated per cell. Text columns are materialised as
/// `String`s in a second pass over the records, only when there are some.
/// Complexity O(bytes); memory the file's bytes plus the columns.
public enum CSVReader {
    /// Cells read as missing, whatever the column type.
    public static let missingMarkers: [String] = ["", "NA", "NaN", "nan", "."]

    /// Reads the file at `path` (`dialect`: its delimiter and decimal mark).
    public static func read(path: String, dialect: CSVDialect = .standard) throws -> DataTable {
        let bytes = try InputFile.readBytes(path)
        return try withExtendedLifetime(bytes) { try parse(bytes.pointer, count: bytes.count, source: path, dialect: dialect) }
    }

    /// Every row whose number of fields differs from the header's (at most `limit`), for
    /// `validate`, which lists every problem where `read` stops at the first. Empty when the
    /// file cannot be scanned (the reader's own error says why) or has no such row.
    public static func raggedRows(path: String, limit: Int = 100, dialect: CSVDialect = .standard) -> [InputError] {
        guard let bytes = try? InputFile.readBytes(path) else { return [] }
        return withExtendedLifetime(bytes) { () -> [InputError] in
            let p = UnsafePointer(bytes.pointer), n = bytes.count
            var start = 0
            if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
            if firstInvalidUTF8(p, from: start, to: n) != nil { return [] }
            var scanner = _CSVScanner(p: p, n: n, pos: start, line: 1, source: path, delimiter: dialect.delimiter)
            var fields: [_CSVField] = []
            guard (try? scanner.nextRecord(into: &fields)) == true else { return [] }
            let width = fields.count
            var problems: [InputError] = []
            while problems.count < limit, (try? scanner.nextRecord(into: &fields)) == true {
                if fields.count != width {
                    problems.append(InputError(file: path, line: scanner.recordLine, expected: "\(width) fields as in the header",
                                               found: "\(fields.count)"))
                }
            }
            return problems
        }
    }

    /// Parses CSV text (convenient for tests and small inputs).
    public static func parse(text: String, source: String = "<text>", dialect: CSVDialect = .standard) throws -> DataTable {
        try parse(bytes: Array(text.utf8), source: source, dialect: dialect)
    }

    /// Parses CSV bytes; `source` names the input in messages.
    public static func parse(bytes: [UInt8], source: String, dialect: CSVDialect = .standard) throws -> DataTable {
        var copy = bytes
        return try withTerminatedBytes(&copy) { p, n in try parse(p, count: n, source: source, dialect: dialect) }
    }

    /// Calls `body` with a pointer to `bytes` followed by a 0 byte (the scanner's sentinel),
    /// appended in place.
    static func withTerminatedBytes<R>(_ bytes: inout [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
        let n = bytes.count
        bytes.append(0)
        defer { bytes.removeLast() }
        return try bytes.withUnsafeBufferPointer { try body($0.baseAddress!, n) }
    }

    /// Parses `p[0..<n]` (with `p[n] == 0`); `source` names the input in messages. The bytes
    /// (with the sentinel) are read, never written.
    public static func parse(_ p: UnsafePointer<UInt8>, count n: Int, source: String, dialect: CSVDialect) throws -> DataTable {
        var start = 0
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
        if let bad = firstInvalidUTF8(p, from: start, to: n) {
            var line = 1
            for i in 0..<bad where p[i] == 0x0A { line += 1 }
            throw InputError(file: source, line: line, expected: "UTF-8 text",
                             found: "the invalid byte 0x\(String(p[bad], radix: 16, uppercase: true)) at byte offset \(bad)",
                             hint: "save the file as UTF-8")
        }
        var scanner = _CSVScanner(p: p, n: n, pos: start, line: 1, source: source, delimiter: dialect.delimiter)
        var fields: [_CSVField] = []
        fields.reserveCapacity(64)
        guard try scanner.nextRecord(into: &fields) else {
            throw InputError(file: source, expected: "a header row", found: "an empty file")
        }
        let headerLine = scanner.recordLine
        var names: [String] = []
        var seen: [String: Int] = [:]
        for (j, f) in fields.enumerated() {
            let name = f.string(p)
            if name.trimmingSpaces.isEmpty {
                throw InputError(file: source, line: headerLine, field: "header",
                                 expected: "a name for column \(j + 1)", found: "an empty name")
            }
            if let k = seen[name] {
                throw InputError(file: source, line: headerLine, field: "header",
                                 expected: "unique column names",
                                 found: "'\(name)' as both column \(k + 1) and column \(j + 1)")
            }
            seen[name] = j
            names.append(name)
        }
        let width = names.count
        let dataStart = scanner.pos
        let dataStartLine = scanner.line
        let mark = dialect.decimalMark
        // Numeric cells go to a block of rows (in cache), appended column by column to the
        // final arrays when full; the arrays are reserved from the first data row's length.
        let firstRow = _CSVScanner.endOfUnquotedField(p, from: dataStart, count: n, delimiter: 0x0A) - dataStart + 1
        // (At most the file's size in numbers reserved, as the arrays grow past a low guess.)
        let rowsGuess = Swift.min(n / (8 * width) + 16, (n - dataStart) / firstRow * 5 / 4 + 16)
        var store = _ColumnStore(width: width, rowsGuess: rowsGuess)
        defer { store.deallocate() }
        var rowLines: [Int] = []
        rowLines.reserveCapacity(rowsGuess)
        var numericLeft = width
        let delimiter = dialect.delimiter
        while true {
            // Fast path: a record of unquoted cells on one line. Each cell of a numeric column is
            // parsed where it stands, and the parser's end is where the cell must end, so the
            // bytes are read once. Anything else (a quote, a cell that is not a number followed by
            // a delimiter, a line with too few or too many fields) takes the general path below
            // for the whole record, which gives the same values and the located errors.
            if scanner.pos < n && p[scanner.pos] != 0x0A && p[scanner.pos] != 0x0D {
                let row = rowLines.count
                store.ensure(rows: row + 1)
                var pos = scanner.pos
                var j = 0
                var ok = true
                while true {
                    if p[pos] == 0x22 { ok = false; break }
                    var end = pos
                    if store.isNumeric[j] {
                        var v = 0.0
                        let used = UnsafeRawPointer(p + pos).withMemoryRebound(to: CChar.self, capacity: n - pos) { c in
                            coopsim_parse_double_prefix(c, c + (n - pos), CChar(bitPattern: mark), &v)
                        }
                        end = pos + used
                        let next = p[end]  // p[n] is the 0 sentinel
                        // A zero-padded code (08123) is not a number (ColumnTypingRules, corners).
                        if used > 1 && p[pos] == 0x30 && p[pos + 1] >= 0x30 && p[pos + 1] <= 0x39 {
                            end = _CSVScanner.endOfUnquotedField(p, from: pos, count: n, delimiter: delimiter)
                            store.markText(j)
                            numericLeft -= 1
                        } else if used > 0 && (next == delimiter || next == 0x0A || next == 0x0D || end == n) {
                            store.set(j, row, v)
                        } else {
                            end = _CSVScanner.endOfUnquotedField(p, from: pos, count: n, delimiter: delimiter)
                            let f = _CSVField(start: pos, end: end, quoted: false, escapedQuote: false)
                            if let v = CSVCellRules.number(p, f, decimalMark: mark), !(v.isFinite && ColumnTypingRules.isZeroPaddedCode(p, f)) {
                                store.set(j, row, v)
                            } else {
                                store.markText(j)
                                numericLeft -= 1
                            }
                        }
                    } else {
                        end = _CSVScanner.endOfUnquotedField(p, from: pos, count: n, delimiter: delimiter)
                    }
                    if j == width - 1 {
                        if end < n && p[end] == delimiter { ok = false }  // more fields than the header
                        pos = end
                        break
                    }
                    if end >= n || p[end] != delimiter { ok = false; break }  // fewer fields
                    pos = end + 1
                    j += 1
                }
                if ok {
                    rowLines.append(scanner.line)
                    if pos < n {
                        pos += (p[pos] == 0x0D && p[pos + 1] == 0x0A) ? 2 : 1
                        scanner.line += 1
                    }
                    scanner.pos = pos
                    continue
                }
            }
            guard try scanner.nextRecord(into: &fields) else { break }
            if fields.count != width {
                throw InputError(file: source, line: scanner.recordLine,
                                 expected: "\(width) fields as in the header",
                                 found: "\(fields.count)")
            }
            let row = rowLines.count
            rowLines.append(scanner.recordLine)
            if numericLeft == 0 { continue }
            store.ensure(rows: row + 1)
            fields.withUnsafeBufferPointer { fb in
                for j in 0..<width where store.isNumeric[j] {
                    if let v = CSVCellRules.number(p, fb[j], decimalMark: mark), !(v.isFinite && ColumnTypingRules.isZeroPaddedCode(p, fb[j])) {
                        store.set(j, row, v)
                    } else {
                        store.markText(j)
                        numericLeft -= 1
                    }
                }
            }
        }
        if rowLines.isEmpty {
            throw InputError(file: source, line: headerLine, expected: "at least one data row after the header",
                             found: "none")
        }
        let rows = rowLines.count
        var text = [[String?]](repeating: [], count: width)
        if numericLeft < width {
            var second = _CSVScanner(p: p, n: n, pos: dataStart, line: dataStartLine, source: source, delimiter: dialect.delimiter)
            for j in 0..<width where !store.isNumeric[j] { text[j].reserveCapacity(rows) }
            while try second.nextRecord(into: &fields) {
                for j in 0..<width where !store.isNumeric[j] {
                    let f = fields[j]
                    text[j].append(CSVCellRules.isMissing(p, f.start, f.end, quoted: f.quoted) ? nil : f.string(p))
                }
            }
        }
        var numbers = store.finish(rows: rows)
        var columns: [DataTable.Column] = []
        columns.reserveCapacity(width)
        for j in 0..<width {
            if store.isNumeric[j] {
                columns.append(.numeric(numbers[j]))
                numbers[j] = []
            } else {
                columns.append(.text(text[j]))
            }
        }
        return DataTable(names: names, columns: columns, source: source, rowLines: rowLines)
    }

    // MARK: - Cells

    /// True when `text` reads as a number under the rules of a numeric cell (missing markers excluded).
    public static func isNumber(_ text: String) -> Bool {
        CSVCellRules.isNumber(text)
    }

    // MARK: - Files and UTF-8

    /// The bytes of the file at `path`: a regular file or a pipe, within the limits of
    /// `InputFile` (size, kind, a FIFO's writer); anything else is an `InputError` naming it.
    public static func readFile(_ path: String) throws -> [UInt8] {
        try InputFile.read(path)
    }

    /// The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, from: Int, to n: Int) -> Int? {
        var i = from
        while i < n {
            // ASCII runs 32 and then eight bytes at a time (most CSV files are ASCII but for some
            // text cells).
            while i + 32 <= n {
                let r = UnsafeRawPointer(p + i)
                let any = r.loadUnaligned(as: UInt64.self) | r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                    | r.loadUnaligned(fromByteOffset: 16, as: UInt64.self) | r.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
                if any & 0x8080_8080_8080_8080 != 0 { break }
                i += 32
            }
            while i + 8 <= n, UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            guard i < n else { break }
            let b = p[i]
            if b < 0x80 { i += 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            for k in 1...need {
                guard i + k < n else { return i }
                let c = p[i + k]
                if k == 1 {
                    if c < lo || c > hi { return i }
                } else if c < 0x80 || c > 0xBF {
                    return i
                }
            }
            i += need + 1
        }
        return nil
    }
}

/// The byte range of one field (inside the quotes for a quoted field).
struct _CSVField {
    var start: Int
    var end: Int
    var quoted: Bool
    var escapedQuote: Bool

    /// The field's text, with doubled quotes undone.
    func string(_ p: UnsafePointer<UInt8>) -> String {
        let buffer = UnsafeBufferPointer(start: p + start, count: end - start)
        if !escapedQuote { return String(decoding: buffer, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            out.append(p[i])
            i += (p[i] == 0x22 && i + 1 < end && p[i + 1] == 0x22) ? 2 : 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Splits a byte buffer into records of fields (RFC 4180).
struct _CSVScanner {
    let p: UnsafePointer<UInt8>
    let n: Int
    var pos: Int
    var line: Int
    let source: String
    /// The byte between fields (a comma unless the dialect says otherwise).
    var delimiter: UInt8 = 0x2C
    /// The line where the last record returned starts.
    var recordLine = 0

    /// Reads the next non-blank record into `fields`; false at end of input.
    mutating func nextRecord(into fields: inout [_CSVField]) throws -> Bool {
        while pos < n {
            recordLine = line
            fields.removeAll(keepingCapacity: true)
            try readRecord(into: &fields)
            if fields.count == 1 && !fields[0].quoted && fields[0].start == fields[0].end { continue }  // blank line
            return true
        }
        return false
    }

    /// The end of the unquoted field starting at `from`: the next delimiter, CR, LF or `count`.
    @inline(__always)
    static func endOfUnquotedField(_ p: UnsafePointer<UInt8>, from: Int, count n: Int, delimiter: UInt8) -> Int {
        var i = from
        while i < n {
            let c = p[i]
            if c == delimiter || c == 0x0A || c == 0x0D { break }
            i += 1
        }
        return i
    }

    @inline(__always)
    private mutating func endOfLine() -> Bool {
        // At pos: CR, LF, CRLF or end; consumes it and returns true.
        if pos >= n { return true }
        let c = p[pos]
        if c == 0x0A { pos += 1; line += 1; return true }
        if c == 0x0D {
            pos += (pos + 1 < n && p[pos + 1] == 0x0A) ? 2 : 1
            line += 1
            return true
        }
        return false
    }

    private mutating func readRecord(into fields: inout [_CSVField]) throws {
        while true {
            if pos < n && p[pos] == 0x22 {
                let openLine = line
                let openColumn = fields.count + 1
                pos += 1
                let s = pos
                var escaped = false
                while true {
                    if pos >= n {
                        throw InputError(file: source, line: openLine,
                                         field: "field \(openColumn)",
                                         expected: "a closing double quote", found: "the end of the file")
                    }
                    let c = p[pos]
                    if c == 0x22 {
                        if pos + 1 < n && p[pos + 1] == 0x22 { escaped = true; pos += 2; continue }
                        break
                    }
                    if c == 0x0A || (c == 0x0D && !(pos + 1 < n && p[pos + 1] == 0x0A)) { line += 1 }
                    pos += 1
                }
                fields.append(_CSVField(start: s, end: pos, quoted: true, escapedQuote: escaped))
                pos += 1
                if pos < n && p[pos] == delimiter { pos += 1; continue }
                if endOfLine() { return }
                let found = Character(Unicode.Scalar(p[pos] < 0x80 ? p[pos] : 0x3F))
                throw InputError(file: source, line: line, field: "field \(fields.count)",
                                 expected: delimiter == 0x2C ? "a comma or the end of the line after a closing quote" : "the delimiter '\(Character(Unicode.Scalar(delimiter)))' or the end of the line after a closing quote",
                                 found: "'\(found)'")
            } else {
                let s = pos
                while pos < n {
                    let c = p[pos]
                    if c == delimiter || c == 0x0A || c == 0x0D { break }
                    pos += 1
                }
                fields.append(_CSVField(start: s, end: pos, quoted: false, escapedQuote: false))
                if pos < n && p[pos] == delimiter {
                    pos += 1
                    if pos >= n { fields.append(_CSVField(start: pos, end: pos, quoted: false, escapedQuote: false)); return }
                    continue
                }
                _ = endOfLine()
                return
            }
        }
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

/// The numeric columns being read: the current block of rows (`blockRows` rows of every column,
/// column after column: small enough to stay in cache, so the cells are written once to fast
/// memory), appended to each numeric column's final array when full. A column that turns out
/// to be text drops its array. Rows are written by index, any number of times, until the block
/// moves on (the general path rewrites the cells of a record the fast path began).
struct _ColumnStore {
    var isNumeric: [Bool]
    private var finals: [[Double]]
    private let block: UnsafeMutablePointer<Double>
    private let blockRows: Int
    private var blockStart = 0

    init(width: Int, rowsGuess: Int) {
        // 512 KiB of cells at most (16 to 4,096 rows).
        blockRows = Swift.max(16, Swift.min(4096, 65536 / Swift.max(width, 1)))
        block = .allocate(capacity: blockRows * width)
        isNumeric = Array(repeating: true, count: width)
        finals = (0..<width).map { _ in
            var a: [Double] = []
            a.reserveCapacity(rowsGuess)
            return a
        }
    }

    /// Room for `rows` rows: when row `rows - 1` is past the block, the full block is appended.
    @inline(__always)
    mutating func ensure(rows: Int) {
        if rows - blockStart <= blockRows { return }
        flush(blockRows)
        blockStart += blockRows
    }

    /// Cell (`row`, `j`) (`row` in the current block).
    @inline(__always)
    func set(_ j: Int, _ row: Int, _ v: Double) {
        block[j &* blockRows &+ (row &- blockStart)] = v
    }

    /// Column `j` is text: its numbers are dropped.
    mutating func markText(_ j: Int) {
        isNumeric[j] = false
        finals[j] = []
    }

    @inline(never)
    private mutating func flush(_ count: Int) {
        for j in 0..<isNumeric.count where isNumeric[j] {
            finals[j].append(contentsOf: UnsafeBufferPointer(start: block + j * blockRows, count: count))
        }
    }

    /// The numeric columns of `rows` rows (empty arrays for text columns).
    mutating func finish(rows: Int) -> [[Double]] {
        flush(rows - blockStart)
        blockStart = rows
        let out = finals
        finals = []
        return out
    }

    func deallocate() {
        block.deallocate()
    }
}
