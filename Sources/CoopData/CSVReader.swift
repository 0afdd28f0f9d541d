#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads comma-separated files (RFC 4180) into a `DataTable`, with located
/// errors.
///
/// Format accepted:
/// - UTF-8, with or without a byte-order mark; invalid UTF-8 is an error that
///   gives the line and byte offset of the first bad byte.
/// - LF, CRLF or lone CR line ends; fields separated by commas; a field in
///   double quotes may hold commas, line breaks and doubled quotes (`""`).
/// - One header row of unique, non-empty names; then at least one data row,
///   each with as many fields as the header. Entirely blank lines are skipped
///   (as pandas does).
///
/// Column types: a column is numeric when every non-missing cell is a decimal
/// number (optional sign, digits, optional fraction, optional exponent, or
/// `inf`/`infinity` with either sign, surrounding spaces ignored); otherwise it
/// is text and keeps every cell exactly as written. Missing cells are those in
/// `CSVReader.missingMarkers`: the empty field, `NA`, `NaN`, `nan` and `.`
/// (NaN in a numeric column, `nil` in a text column).
///
/// Numbers are converted exactly: Clinger's fast path (mantissa below 2^53,
/// power of ten at most 22) for common cells, C `strtod` (correctly rounded in
/// glibc) for the rest. Complexity O(bytes); a 1,000,000 x 20 numeric file
/// reads in about a second (one pass over the bytes, no per-cell `String`;
/// text columns are materialised in a second pass).
public enum CSVReader {
    /// Cells read as missing, whatever the column type.
    public static let missingMarkers: [String] = ["", "NA", "NaN", "nan", "."]

    /// Reads the file at `path`. `missingMarkers` replaces `CSVReader.missingMarkers` when given
    /// (`coopsim fit --na ''`: only empty cells are missing, so a province coded `NA` is kept).
    public static func read(path: String, missingMarkers: [String]? = nil) throws -> DataTable {
        let bytes = try readFile(path)
        return try parse(bytes: bytes, source: path, missingMarkers: missingMarkers)
    }

    /// Every row whose number of fields differs from the header's (at most `limit`), for
    /// `validate`, which lists every problem where `read` stops at the first. Empty when the
    /// file cannot be scanned (the reader's own error says why) or has no such row.
    public static func raggedRows(path: String, limit: Int = 100) -> [InputError] {
        guard var bytes = try? readFile(path) else { return [] }
        let n = bytes.count
        var start = 0
        if n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer -> [InputError] in
            let p = buffer.baseAddress!
            if firstInvalidUTF8(p, from: start, to: n) != nil { return [] }
            var scanner = _CSVScanner(p: p, n: n, pos: start, line: 1, source: path)
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
    public static func parse(text: String, source: String = "<text>") throws -> DataTable {
        try parse(bytes: Array(text.utf8), source: source)
    }

    /// Parses CSV bytes; `source` names the input in messages.
    public static func parse(bytes input: [UInt8], source: String, missingMarkers: [String]? = nil) throws -> DataTable {
        let custom: Set<String>? = missingMarkers.map { Set($0) }
        var bytes = input
        let n = bytes.count
        bytes.append(0)  // sentinel: keeps look-ahead and strtod inside the buffer
        return try bytes.withUnsafeBufferPointer { buffer -> DataTable in
            let p = buffer.baseAddress!
            var start = 0
            if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { start = 3 }
            if let bad = firstInvalidUTF8(p, from: start, to: n) {
                var line = 1
                for i in 0..<bad where p[i] == 0x0A { line += 1 }
                throw InputError(file: source, line: line, expected: "UTF-8 text",
                                 found: "the invalid byte 0x\(String(p[bad], radix: 16, uppercase: true)) at byte offset \(bad)",
                                 hint: "save the file as UTF-8")
            }
            var scanner = _CSVScanner(p: p, n: n, pos: start, line: 1, source: source)
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
            var numeric = [[Double]](repeating: [], count: width)
            var isNumeric = [Bool](repeating: true, count: width)
            var rowLines: [Int] = []
            if n > 0 {
                let guess = n / Swift.max(1, 8 * width)
                for j in 0..<width { numeric[j].reserveCapacity(guess) }
                rowLines.reserveCapacity(guess)
            }
            while try scanner.nextRecord(into: &fields) {
                if fields.count != width {
                    throw InputError(file: source, line: scanner.recordLine,
                                     expected: "\(width) fields as in the header",
                                     found: "\(fields.count)")
                }
                rowLines.append(scanner.recordLine)
                for j in 0..<width where isNumeric[j] {
                    let f = fields[j]
                    let cell: Double?
                    if let custom {
                        cell = custom.contains(ColumnTypingRules.trimmedText(p, f)) ? .nan
                            : (isMissing(p, f) || f.escapedQuote ? nil : parseCell(p, f))
                    } else {
                        cell = parseCell(p, f)
                    }
                    // Zero-padded codes keep their column text (ColumnTypingRules).
                    if let v = cell, !(v.isFinite && ColumnTypingRules.isZeroPaddedCode(p, f)) {
                        numeric[j].append(v)
                    } else {
                        isNumeric[j] = false
                        numeric[j] = []
                    }
                }
            }
            if rowLines.isEmpty {
                throw InputError(file: source, line: headerLine, expected: "at least one data row after the header",
                                 found: "none")
            }
            var text = [[String?]](repeating: [], count: width)
            if isNumeric.contains(false) {
                var second = _CSVScanner(p: p, n: n, pos: dataStart, line: dataStartLine, source: source)
                for j in 0..<width where !isNumeric[j] { text[j].reserveCapacity(rowLines.count) }
                while try second.nextRecord(into: &fields) {
                    for j in 0..<width where !isNumeric[j] {
                        let f = fields[j]
                        let missing = custom.map { $0.contains(ColumnTypingRules.trimmedText(p, f)) } ?? isMissing(p, f)
                        text[j].append(missing ? nil : f.string(p))
                    }
                }
            }
            var columns: [DataTable.Column] = []
            columns.reserveCapacity(width)
            for j in 0..<width {
                columns.append(isNumeric[j] ? .numeric(numeric[j]) : .text(text[j]))
            }
            return DataTable(names: names, columns: columns, source: source, rowLines: rowLines)
        }
    }

    // MARK: - Cells

    /// True when `text` reads as a number under the rules of a numeric cell (missing markers excluded).
    public static func isNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)
        let n = bytes.count
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { b in
            let f = _CSVField(start: 0, end: n, quoted: false, escapedQuote: false)
            return !isMissing(b.baseAddress!, f) && parseCell(b.baseAddress!, f) != nil
        }
    }

    /// True when the field is one of the missing markers.
    @inline(__always)
    static func isMissing(_ p: UnsafePointer<UInt8>, _ f: _CSVField) -> Bool {
        var s = f.start, e = f.end
        if !f.quoted {
            while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
            while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        }
        switch e - s {
        case 0: return true
        case 1: return p[s] == 0x2E  // "."
        case 2: return p[s] == 0x4E && p[s + 1] == 0x41  // "NA"
        case 3: return (p[s] == 0x4E || p[s] == 0x6E) && p[s + 1] == 0x61 && (p[s + 2] == 0x4E || p[s + 2] == 0x6E)
            && !(p[s] == 0x4E && p[s + 2] == 0x6E) && !(p[s] == 0x6E && p[s + 2] == 0x4E)  // "NaN" or "nan"
        default: return false
        }
    }

    /// The cell as a number (NaN when missing), or nil when it is text.
    @inline(__always)
    static func parseCell(_ p: UnsafePointer<UInt8>, _ f: _CSVField) -> Double? {
        if isMissing(p, f) { return .nan }
        if f.escapedQuote { return nil }
        var s = f.start, e = f.end
        while s < e && (p[s] == 0x20 || p[s] == 0x09) { s += 1 }
        while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x09) { e -= 1 }
        return parseDouble(p, s, e)
    }

    static let powersOfTen: [Double] = (0...22).map { k in
        var v = 1.0
        for _ in 0..<k { v *= 10 }  // exact: every 10^k with k <= 22 is a double
        return v
    }

    /// Parses `p[s..<e]` as a decimal number; nil when it is not one.
    ///
    /// Grammar: `[+-] digits [. digits] [(e|E) [+-] digits]` (at least one
    /// digit in the mantissa) or `[+-](inf|infinity)` in any case. Exact
    /// (correctly rounded): Clinger's fast path when the decimal mantissa fits
    /// in 2^53 and the power of ten is at most 22 in size, else `strtod`.
    static func parseDouble(_ p: UnsafePointer<UInt8>, _ s0: Int, _ e: Int) -> Double? {
        var i = s0
        guard i < e else { return nil }
        var negative = false
        if p[i] == 0x2B || p[i] == 0x2D { negative = p[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var sawDigit = false
        var inexact = false
        while i < e, p[i] &- 0x30 < 10 {
            sawDigit = true
            let d = UInt64(p[i] &- 0x30)
            if significant < 19 {
                mantissa = mantissa &* 10 &+ d
                if mantissa != 0 { significant += 1 }
            } else {
                exponent += 1
                if d != 0 { inexact = true }
            }
            i += 1
        }
        if i < e && p[i] == 0x2E {
            i += 1
            while i < e, p[i] &- 0x30 < 10 {
                sawDigit = true
                let d = UInt64(p[i] &- 0x30)
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ d
                    if mantissa != 0 { significant += 1 }
                    exponent -= 1
                } else if d != 0 {
                    inexact = true
                }
                i += 1
            }
        }
        if !sawDigit { return parseInfinity(p, i, e, negative: negative) }
        if i < e && (p[i] == 0x65 || p[i] == 0x45) {
            i += 1
            var expNegative = false
            if i < e && (p[i] == 0x2B || p[i] == 0x2D) { expNegative = p[i] == 0x2D; i += 1 }
            var sawExpDigit = false
            var value = 0
            while i < e, p[i] &- 0x30 < 10 {
                sawExpDigit = true
                if value < 100_000 { value = value * 10 + Int(p[i] &- 0x30) }
                i += 1
            }
            if !sawExpDigit { return nil }
            exponent += expNegative ? -value : value
        }
        if i != e { return nil }
        if !inexact && mantissa <= (1 << 53) && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            if exponent >= 0 { v *= powersOfTen[exponent] } else { v /= powersOfTen[-exponent] }
            return negative ? -v : v
        }
        return slowParse(p, s0, e)
    }

    static func parseInfinity(_ p: UnsafePointer<UInt8>, _ i: Int, _ e: Int, negative: Bool) -> Double? {
        let word = (i..<e).map { Character(Unicode.Scalar(p[$0] | 0x20)) }
        let s = String(word)
        if s == "inf" || s == "infinity" { return negative ? -.infinity : .infinity }
        return nil
    }

    static func slowParse(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
        var chars = [CChar](repeating: 0, count: e - s + 1)
        for k in s..<e { chars[k - s] = CChar(bitPattern: p[k]) }
        return chars.withUnsafeBufferPointer { b -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(b.baseAddress!, &end)
            guard let end, end - UnsafeMutablePointer(mutating: b.baseAddress!) == e - s else { return nil }
            return v
        }
    }

    // MARK: - Files and UTF-8

    /// The bytes of the file at `path`: a regular file or a pipe; a folder, a device (such as
    /// `/dev/zero`, which never ends) or an unreadable path is an `InputError` naming it.
    public static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            let reason = String(cString: strerror(errno))
            throw InputError(file: path, expected: "a readable file", found: reason.lowercased())
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            throw InputError(file: path, expected: "a readable file", found: String(cString: strerror(errno)).lowercased())
        }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw InputError(file: path, expected: "a file", found: "a folder")
        case S_IFREG, S_IFIFO:
            break  // regular files, and pipes such as <(command)
        default:
            // Devices such as /dev/zero never end: reading them would exhaust memory.
            throw InputError(file: path, expected: "a regular file", found: "a device or socket")
        }
        var result: [UInt8] = []
        let size = Int(st.st_size)
        result.reserveCapacity(size + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw InputError(file: path, expected: "a readable file", found: String(cString: strerror(errno)).lowercased())
            }
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }

    /// The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong
    /// forms, no surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ p: UnsafePointer<UInt8>, from: Int, to n: Int) -> Int? {
        var i = from
        while i < n {
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
                if pos < n && p[pos] == 0x2C { pos += 1; continue }
                if endOfLine() { return }
                let found = Character(Unicode.Scalar(p[pos] < 0x80 ? p[pos] : 0x3F))
                throw InputError(file: source, line: line, field: "field \(fields.count)",
                                 expected: "a comma or the end of the line after a closing quote",
                                 found: "'\(found)'")
            } else {
                let s = pos
                while pos < n {
                    let c = p[pos]
                    if c == 0x2C || c == 0x0A || c == 0x0D { break }
                    pos += 1
                }
                fields.append(_CSVField(start: s, end: pos, quoted: false, escapedQuote: false))
                if pos < n && p[pos] == 0x2C {
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
