import Foundation

/// A TOML 1.0 reader that keeps the line and column of every key and value.
///
/// Supported: comments, bare / quoted / dotted keys, `[table]`, `[[array of
/// tables]]`, basic and literal strings (single- and multi-line, with the
/// escapes `\b \t \n \f \r \" \\ \uXXXX \UXXXXXXXX`), integers (decimal with
/// `_` separators, `0x`, `0o`, `0b`), floats (exponents, `inf`, `nan`),
/// booleans, arrays (multi-line, trailing comma) and inline tables.
/// Dates and times are rejected with a message, since no coopsim file uses
/// them. Every syntax error is an `InputError` naming file, line and column.
public enum TOMLParser {
    /// Parses TOML text. `file` is used in error messages only.
    public static func parse(_ text: String, file: String) throws(InputError) -> TOMLDocument {
        var p = Parser(bytes: Array(text.utf8), file: file)
        let root = try p.parseDocument()
        return TOMLDocument(file: file, root: root)
    }

    /// Reads and parses a file; a missing file, an empty one or invalid UTF-8 is an `InputError`.
    public static func parse(contentsOf path: String) throws(InputError) -> TOMLDocument {
        let bytes: [UInt8]
        do { bytes = try CSVReader.readFile(path) } catch let e as InputError { throw e } catch {
            throw InputError.message("cannot read the file", file: path)
        }
        let doc = try parse(bytes: bytes, file: path)
        if doc.root.entries.isEmpty && String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            // Valid TOML, but never a useful coopsim file.
            throw InputError.message("the file is empty", file: path)
        }
        return doc
    }

    /// Parses a document's bytes: UTF-8 (an invalid byte is an `InputError` with its line), an
    /// optional byte-order mark, then TOML 1.0 (see the type's summary).
    public static func parse(bytes: [UInt8], file: String) throws(InputError) -> TOMLDocument {
        if let bad = firstInvalidUTF8(bytes) {
            throw InputError(file: file, line: bad.line, field: nil, expected: "UTF-8 text",
                             found: "an invalid byte 0x\(String(bytes[bad.offset], radix: 16)) at byte offset \(bad.offset)")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        var doc: TOMLDocument
        do { doc = try parse(text, file: file) } catch {
            // A file of lone carriage returns (classic Mac line endings) is one long line to TOML:
            // say what the line endings are, not only that a control character was met.
            var e = error
            if e.hint == nil, e.found.contains("carriage return"), !bytes.contains(0x0A), bytes.contains(0x0D) {
                e.hint = "the file's lines end with a lone carriage return (classic Mac line endings): save it with LF or CRLF line endings, e.g. tr '\\r' '\\n' < OLD > NEW"
            }
            throw e
        }
        doc.sha256 = SHA256.hex(bytes)
        return doc
    }

    /// The offset and line of the first byte that is not valid UTF-8, if any.
    public static func firstInvalidUTF8(_ bytes: [UInt8]) -> (offset: Int, line: Int)? {
        var i = 0
        var line = 1
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == 0x0A { line += 1 }
            if b < 0x80 { i += 1; continue }
            var need = 0
            var minValue: UInt32 = 0
            var cp: UInt32 = 0
            if b & 0xE0 == 0xC0 { need = 1; cp = UInt32(b & 0x1F); minValue = 0x80 }
            else if b & 0xF0 == 0xE0 { need = 2; cp = UInt32(b & 0x0F); minValue = 0x800 }
            else if b & 0xF8 == 0xF0 { need = 3; cp = UInt32(b & 0x07); minValue = 0x10000 }
            else { return (i, line) }
            if i + need >= n { return (i, line) }
            for k in 1...need {
                guard i + k < n, bytes[i + k] & 0xC0 == 0x80 else { return (i, line) }
                cp = (cp << 6) | UInt32(bytes[i + k] & 0x3F)
            }
            if cp < minValue || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) { return (i, line) }
            i += need + 1
        }
        return nil
    }
}

private struct Parser {
    let bytes: [UInt8]
    let file: String
    var i = 0
    var line = 1
    var lineStart = 0
    /// Arrays and inline tables open around the current value.
    var nesting = 0

    /// Deepest nesting of arrays and inline tables, and most parts of a dotted key, accepted:
    /// the parser and the tables it builds recurse, so deeper input is an error, not a stack overflow.
    static let maximumNesting = 100
    static let maximumKeyParts = 100

    /// Enters an array or inline table; throws beyond `maximumNesting`.
    mutating func enterNested() throws(InputError) {
        nesting += 1
        if nesting > Self.maximumNesting {
            throw error("arrays and inline tables nested at most \(Self.maximumNesting) deep", "deeper nesting")
        }
    }

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    // MARK: positions and errors

    /// The last column computed, to count on from it: without it a line of 20,000 values
    /// took quadratic time (every value counts its column from the line start).
    final class ColumnCache { var lineStart = -1, index = 0, column = 1 }
    let columnCache = ColumnCache()

    var column: Int {
        // Count characters, not bytes, from the line start (continuation bytes do not count).
        var c = 1
        var k = lineStart
        if columnCache.lineStart == lineStart && columnCache.index <= i {
            c = columnCache.column
            k = columnCache.index
        }
        while k < i && k < bytes.count {
            if bytes[k] & 0xC0 != 0x80 { c += 1 }
            k += 1
        }
        columnCache.lineStart = lineStart
        columnCache.index = k
        columnCache.column = c
        return c
    }

    func error(_ expected: String, _ found: String? = nil, line l: Int? = nil, column c: Int? = nil) -> InputError {
        InputError(file: file, line: l ?? line, column: c ?? column, field: nil,
                   expected: expected, found: found ?? describeHere())
    }

    func describeHere() -> String {
        guard i < bytes.count else { return "end of file" }
        let b = bytes[i]
        if b == 0x0A || b == 0x0D { return "end of line" }
        var end = i
        while end < bytes.count, end - i < 20, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
        return "'" + String(decoding: bytes[i..<end], as: UTF8.self) + "'"
    }

    var atEnd: Bool { i >= bytes.count }
    var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
    func peek(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

    mutating func advance() {
        if bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
        i += 1
    }

    mutating func skipSpaces() {
        while let b = peek, b == 0x20 || b == 0x09 { i += 1 }
    }

    /// Skips a comment; control characters other than tab (and CR of a CRLF) are errors in it.
    mutating func skipComment() throws(InputError) {
        if peek == UInt8(ascii: "#") {
            while let b = peek, b != 0x0A {
                if b == 0x0D && peek(1) == 0x0A { break }
                if isControl(b) { throw error("no control character in a comment", controlName(b)) }
                i += 1
            }
        }
    }

    /// Control characters TOML forbids in comments and strings: U+0000-U+001F but tab, and U+007F.
    func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != 0x09) || b == 0x7F }

    func controlName(_ b: UInt8) -> String {
        b == 0x0D ? "a carriage return (U+000D) not followed by a line feed" : "the control character U+\(String(format: "%04X", Int(b)))"
    }

    /// Skips whitespace, newlines and comments (inside arrays, between statements).
    mutating func skipBlank() throws(InputError) {
        while let b = peek {
            if b == 0x20 || b == 0x09 { i += 1 }
            else if b == 0x0D {
                guard peek(1) == 0x0A else { throw error("a line feed after a carriage return", controlName(b)) }
                i += 1
            }
            else if b == 0x0A { advance() }
            else if b == UInt8(ascii: "#") { try skipComment() }
            else { break }
        }
    }

    mutating func expectLineEnd() throws(InputError) {
        skipSpaces()
        try skipComment()
        if atEnd { return }
        if peek == 0x0D { i += 1 }
        guard peek == 0x0A else {
            var e = error("end of line after a value", describeHere())
            // A decimal comma (as written in Vietnamese): `0,52` stops after `0` at `,52`.
            if peek == UInt8(ascii: ","), i + 1 < bytes.count, (0x30...0x39).contains(bytes[i + 1]), i > 0, (0x30...0x39).contains(bytes[i - 1]) {
                var a = i - 1
                while a > 0, (0x30...0x39).contains(bytes[a - 1]) || bytes[a - 1] == UInt8(ascii: "-") { a -= 1 }
                var b = i + 1
                while b < bytes.count, (0x30...0x39).contains(bytes[b]) { b += 1 }
                let written = String(decoding: bytes[a..<b], as: UTF8.self)
                e.hint = "the decimal mark is a point: write \(written.replacingOccurrences(of: ",", with: ".")), not \(written)"
            }
            throw e
        }
        advance()
    }

    // MARK: document

    mutating func parseDocument() throws(InputError) -> TOMLTable {
        var root = TOMLTable()
        root.explicitlyDefined = true
        var current: [KeyPart] = []   // path of the current table
        while true {
            try skipBlank()
            guard let b = peek else { break }
            if b == UInt8(ascii: "[") {
                let hl = line, hc = column
                if peek(1) == UInt8(ascii: "[") {
                    i += 2
                    skipSpaces()
                    let key = try parseKey()
                    skipSpaces()
                    guard peek == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
                        throw error("']]' to close the array-of-tables header")
                    }
                    i += 2
                    try expectLineEnd()
                    try appendArrayTable(&root, key, line: hl, column: hc)
                    current = key + [KeyPart(name: "", line: hl, column: hc, arrayLast: true)]
                } else {
                    i += 1
                    skipSpaces()
                    let key = try parseKey()
                    skipSpaces()
                    guard peek == UInt8(ascii: "]") else { throw error("']' to close the table header") }
                    i += 1
                    try expectLineEnd()
                    try defineTable(&root, key, line: hl, column: hc)
                    current = key
                }
            } else {
                let key = try parseKey()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw error("'=' after the key '\(key.map(\.name).joined(separator: "."))'") }
                i += 1
                skipSpaces()
                let value: TOMLNode
                do { value = try parseValue() } catch {
                    // Name the key whose value is malformed (e.g. `seed: expected an integer that fits in 64 bits`).
                    var located = error
                    if located.field == nil {
                        located.field = (current.filter { !$0.arrayLast } + key).map(\.name).joined(separator: ".")
                    }
                    throw located
                }
                try insert(&root, path: current, key: key, value: value)
                try expectLineEnd()
            }
        }
        return root
    }

    struct KeyPart {
        var name: String
        var line: Int
        var column: Int
        var arrayLast = false   // refers to the last element of an array of tables
    }

    // MARK: keys

    mutating func parseKey() throws(InputError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            skipSpaces()
            let l = line, c = column
            guard let b = peek else { throw error("a key") }
            let name: String
            if b == UInt8(ascii: "\"") {
                name = try parseBasicString()
            } else if b == UInt8(ascii: "'") {
                name = try parseLiteralString()
            } else if isBareKeyByte(b) {
                let start = i
                while let x = peek, isBareKeyByte(x) { i += 1 }
                name = String(decoding: bytes[start..<i], as: UTF8.self)
            } else {
                throw error("a key", describeHere())
            }
            parts.append(KeyPart(name: name, line: l, column: c))
            if parts.count > Self.maximumKeyParts {
                throw error("a key of at most \(Self.maximumKeyParts) dotted parts", "more", line: l, column: c)
            }
            skipSpaces()
            if peek == UInt8(ascii: ".") { i += 1; continue }
            return parts
        }
    }

    func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    // MARK: tables

    func describe(_ key: [KeyPart]) -> String { key.map(\.name).joined(separator: ".") }

    /// Walks `path` from `table`, creating implicit tables, and calls `body` on the target.
    /// The first `headerParts` parts come from a table header (they may enter tables made by
    /// headers or dotted keys, and the last element of an array of tables); the rest are the
    /// dotted parts of a key, which may only enter or create tables made by dotted keys (TOML 1.0:
    /// a dotted key cannot add to a table defined by a header, an inline table or an array).
    func walk(_ table: inout TOMLTable, _ path: ArraySlice<KeyPart>, full: [KeyPart], headerParts: Int = Int.max,
              _ body: (inout TOMLTable) throws(InputError) -> Void) throws(InputError) {
        guard let head = path.first else { try body(&table); return }
        if head.arrayLast {
            // Handled by the caller: arrayLast parts only follow an array key.
            try body(&table)
            return
        }
        let rest = path.dropFirst()
        let fromHeader = headerParts > 0
        let restHeader = headerParts == Int.max ? Int.max : max(0, headerParts - 1)
        if let idx = table.entries.firstIndex(where: { $0.key == head.name }) {
            var node = table.entries[idx].node
            switch node.value {
            case .table(var t):
                if t.isInline { throw error("a new key, not one inside the inline table '\(head.name)'", "'\(describe(full))'", line: head.line, column: head.column) }
                if !fromHeader && !t.isDottedKeyTable {
                    throw error("a dotted key that adds to a table made by dotted keys",
                                "'\(describe(full))' adding to the table '\(head.name)' defined by a header on line \(node.line)",
                                line: head.line, column: head.column)
                }
                try walk(&t, rest, full: full, headerParts: restHeader, body)
                node.value = .table(t)
            case .array(var arr):
                // An array of tables: descend into its last element.
                guard fromHeader, let last = arr.indices.last, case .table(var t) = arr[last].value, t.isArrayElement else {
                    throw error(fromHeader ? "a table or an array of tables at '\(head.name)'" : "a dotted key that does not enter an array",
                                "\(node.kindDescription) defined on line \(node.line)", line: head.line, column: head.column)
                }
                let next = rest.first?.arrayLast == true ? rest.dropFirst() : rest
                try walk(&t, next, full: full, headerParts: restHeader, body)
                arr[last].value = .table(t)
                node.value = .array(arr)
            default:
                throw error("'\(head.name)' to be a table", "\(node.kindDescription) defined on line \(node.line)", line: head.line, column: head.column)
            }
            table.entries[idx].node = node
        } else {
            var t = TOMLTable()
            t.isDottedKeyTable = !fromHeader
            try walk(&t, rest, full: full, headerParts: restHeader, body)
            table.set(head.name, TOMLNode(.table(t), line: head.line, column: head.column), keyLine: head.line, keyColumn: head.column)
        }
    }

    mutating func defineTable(_ root: inout TOMLTable, _ key: [KeyPart], line: Int, column: Int) throws(InputError) {
        let parent = key.dropLast()
        let last = key[key.count - 1]
        let full = key
        let msg = describe(key)
        try walk(&root, parent[...], full: full) { (t: inout TOMLTable) throws(InputError) in
            if let idx = t.entries.firstIndex(where: { $0.key == last.name }) {
                guard case .table(var existing) = t.entries[idx].node.value, !existing.isInline, !existing.isDottedKeyTable else {
                    throw InputError(file: file, line: line, column: column, field: msg,
                                     expected: "a table header for a new table", found: "a key already defined on line \(t.entries[idx].node.line)")
                }
                if existing.explicitlyDefined {
                    throw InputError(file: file, line: line, column: column, field: msg,
                                     expected: "each table defined once", found: "a second [\(msg)] (the first is on line \(t.entries[idx].node.line))")
                }
                existing.explicitlyDefined = true
                t.entries[idx].node = TOMLNode(.table(existing), line: line, column: column)
            } else {
                var nt = TOMLTable()
                nt.explicitlyDefined = true
                t.set(last.name, TOMLNode(.table(nt), line: line, column: column), keyLine: last.line, keyColumn: last.column)
            }
        }
    }

    mutating func appendArrayTable(_ root: inout TOMLTable, _ key: [KeyPart], line: Int, column: Int) throws(InputError) {
        let parent = key.dropLast()
        let last = key[key.count - 1]
        let msg = describe(key)
        try walk(&root, parent[...], full: key) { (t: inout TOMLTable) throws(InputError) in
            var nt = TOMLTable()
            nt.explicitlyDefined = true
            nt.isArrayElement = true
            let element = TOMLNode(.table(nt), line: line, column: column)
            if let idx = t.entries.firstIndex(where: { $0.key == last.name }) {
                guard case .array(var arr) = t.entries[idx].node.value, !arr.isEmpty,
                      arr.allSatisfy({ $0.tableValue?.isArrayElement == true }) else {
                    throw InputError(file: file, line: line, column: column, field: msg,
                                     expected: "an array of tables", found: "\(t.entries[idx].node.kindDescription) defined on line \(t.entries[idx].node.line)")
                }
                arr.append(element)
                t.entries[idx].node.value = .array(arr)
            } else {
                t.set(last.name, TOMLNode(.array([element]), line: line, column: column), keyLine: last.line, keyColumn: last.column)
            }
        }
    }

    mutating func insert(_ root: inout TOMLTable, path: [KeyPart], key: [KeyPart], value: TOMLNode) throws(InputError) {
        let full = path + key
        let last = key[key.count - 1]
        let msg = describe(key)
        try walk(&root, (path + key.dropLast())[...], full: full, headerParts: path.filter { !$0.arrayLast }.count) { (t: inout TOMLTable) throws(InputError) in
            if let e = t.entry(last.name) {
                throw InputError(file: file, line: last.line, column: last.column, field: msg,
                                 expected: "each key once", found: "a second '\(last.name)' (the first is on line \(e.keyLine))")
            }
            t.set(last.name, value, keyLine: last.line, keyColumn: last.column)
        }
    }

    // MARK: values

    mutating func parseValue() throws(InputError) -> TOMLNode {
        let l = line, c = column
        guard let b = peek else { throw error("a value") }
        switch b {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                return TOMLNode(.string(try parseMultilineBasicString()), line: l, column: c)
            }
            return TOMLNode(.string(try parseBasicString()), line: l, column: c)
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                return TOMLNode(.string(try parseMultilineLiteralString()), line: l, column: c)
            }
            return TOMLNode(.string(try parseLiteralString()), line: l, column: c)
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "{"):
            return try parseInlineTable()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if matchWord("true") { return TOMLNode(.boolean(true), line: l, column: c) }
            if matchWord("false") { return TOMLNode(.boolean(false), line: l, column: c) }
            throw error("a value (a number, a string in quotes, true/false, an array or an inline table)")
        default:
            return try parseNumber()
        }
    }

    mutating func matchWord(_ w: String) -> Bool {
        let wb = Array(w.utf8)
        guard i + wb.count <= bytes.count, Array(bytes[i..<(i + wb.count)]) == wb else { return false }
        if i + wb.count < bytes.count, isBareKeyByte(bytes[i + wb.count]) { return false }
        i += wb.count
        return true
    }

    mutating func parseNumber() throws(InputError) -> TOMLNode {
        let l = line, c = column
        let start = i
        while let b = peek, isBareKeyByte(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") {
            // '+'/'-' only at the start or after an exponent marker.
            i += 1
        }
        let raw = String(decoding: bytes[start..<i], as: UTF8.self)
        if raw.isEmpty {
            throw error("a value (a number, a string in quotes, true/false, an array or an inline table)")
        }
        func bad() -> InputError {
            InputError(file: file, line: l, column: c, field: nil,
                       expected: "a value (a number, a string in quotes, true/false, an array or an inline table)",
                       found: "'\(raw)'", hint: raw.first?.isLetter == true ? "put text in double quotes" : nil)
        }
        if raw.contains(":") || (raw.count >= 10 && raw.dropFirst(4).first == "-" && raw.first?.isNumber == true) {
            throw InputError(file: file, line: l, column: c, field: nil, expected: "a number (dates and times are not used in coopsim files)", found: "'\(raw)'")
        }
        var body = Substring(raw)
        var signText = ""
        if body.hasPrefix("+") || body.hasPrefix("-") { signText = String(body.removeFirst()) }
        switch body {
        case "inf": return TOMLNode(.float(signText == "-" ? -.infinity : .infinity), line: l, column: c)
        case "nan": return TOMLNode(.float(.nan), line: l, column: c)
        default: break
        }
        // Integers with a radix prefix: no sign, digits of the radix, '_' only between digits.
        if body.hasPrefix("0x") || body.hasPrefix("0o") || body.hasPrefix("0b") {
            let radix = body.hasPrefix("0x") ? 16 : body.hasPrefix("0o") ? 8 : 2
            let digits = body.dropFirst(2)
            guard signText.isEmpty, Self.isDigitRun(digits, radix: radix),
                  let v = Int64(digits.replacingOccurrences(of: "_", with: ""), radix: radix) else {
                if signText.isEmpty, Self.isDigitRun(digits, radix: radix) {
                    throw InputError(file: file, line: l, column: c, field: nil, expected: "an integer that fits in 64 bits", found: "'\(raw)'")
                }
                throw bad()
            }
            return TOMLNode(.integer(v), line: l, column: c)
        }
        // Decimal: int part (no leading zero), optional fraction, optional exponent.
        var intPart = body, frac: Substring? = nil, exp: Substring? = nil
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            intPart = body[..<e]
            var x = body[body.index(after: e)...]
            if x.hasPrefix("+") || x.hasPrefix("-") { x = x.dropFirst() }
            exp = x
        }
        if let dot = intPart.firstIndex(of: ".") {
            frac = intPart[intPart.index(after: dot)...]
            intPart = intPart[..<dot]
        }
        guard Self.isDigitRun(intPart, radix: 10), !(intPart.count > 1 && intPart.hasPrefix("0")),
              frac.map({ Self.isDigitRun($0, radix: 10) }) ?? true, exp.map({ Self.isDigitRun($0, radix: 10) }) ?? true else { throw bad() }
        let plain = signText + body.replacingOccurrences(of: "_", with: "")
        if frac == nil && exp == nil {
            guard let v = Int64(plain) else {
                throw InputError(file: file, line: l, column: c, field: nil, expected: "an integer that fits in 64 bits", found: "'\(raw)'")
            }
            return TOMLNode(.integer(v), line: l, column: c)
        }
        guard let v = Double(plain) else { throw bad() }
        return TOMLNode(.float(v), line: l, column: c)
    }

    /// Digits of `radix` with single '_' between digits (TOML 1.0), at least one digit.
    static func isDigitRun(_ s: Substring, radix: Int) -> Bool {
        guard let first = s.first, let last = s.last, first != "_", last != "_" else { return false }
        var previousUnderscore = false
        for ch in s {
            if ch == "_" {
                if previousUnderscore { return false }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard ch.isASCII, let d = ch.hexDigitValue, d < radix else { return false }
        }
        return true
    }

    func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    mutating func parseArray() throws(InputError) -> TOMLNode {
        let l = line, c = column
        try enterNested()
        defer { nesting -= 1 }
        i += 1
        var items: [TOMLNode] = []
        while true {
            try skipBlank()
            guard let b = peek else { throw error("']' to close the array opened on line \(l)", "end of file") }
            if b == UInt8(ascii: "]") { i += 1; break }
            items.append(try parseValue())
            try skipBlank()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            try skipBlank()
            if peek == UInt8(ascii: "]") { i += 1; break }
            throw error("',' or ']' in the array opened on line \(l)")
        }
        return TOMLNode(.array(items), line: l, column: c)
    }

    mutating func parseInlineTable() throws(InputError) -> TOMLNode {
        let l = line, c = column
        try enterNested()
        defer { nesting -= 1 }
        i += 1
        var table = TOMLTable()
        skipSpaces()
        if peek == UInt8(ascii: "}") {
            i += 1
            table.isInline = true
            table.explicitlyDefined = true
            return TOMLNode(.table(table), line: l, column: c)
        }
        while true {
            skipSpaces()
            let key = try parseKey()
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw error("'=' after the key '\(describe(key))'") }
            i += 1
            skipSpaces()
            let v = try parseValue()
            try insert(&table, path: [], key: key, value: v)
            skipSpaces()
            if peek == UInt8(ascii: ",") { i += 1; continue }
            if peek == UInt8(ascii: "}") { i += 1; break }
            throw error("',' or '}' in the inline table opened on line \(l) (an inline table must stay on one line)")
        }
        table.isInline = true
        table.explicitlyDefined = true
        return TOMLNode(.table(table), line: l, column: c)
    }

    // MARK: strings

    mutating func parseBasicString() throws(InputError) -> String {
        let l = line, c = column
        i += 1
        var out: [UInt8] = []
        while true {
            guard let b = peek, b != 0x0A else {
                throw InputError(file: file, line: l, column: c, field: nil, expected: "a closing '\"' on the same line", found: "end of line")
            }
            if b == UInt8(ascii: "\"") { i += 1; break }
            if b == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
                continue
            }
            if isControl(b) { throw error("no control character in a string (write it as an escape such as \\t or \\u0007)", controlName(b)) }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(InputError) {
        i += 1
        guard let e = peek else { throw error("an escape sequence") }
        i += 1
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard i + n <= bytes.count, bytes[i..<(i + n)].allSatisfy(isHexDigit),
                  let v = UInt32(String(decoding: bytes[i..<(i + n)], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(v) else {
                throw error("\(n) hexadecimal digits of a Unicode escape")
            }
            i += n
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            i -= 1
            throw error("a valid escape (\\n, \\t, \\\", \\\\, \\uXXXX)", "'\\\(String(UnicodeScalar(e)))'")
        }
    }

    mutating func parseLiteralString() throws(InputError) -> String {
        let l = line, c = column
        i += 1
        let start = i
        while true {
            guard let b = peek, b != 0x0A else {
                throw InputError(file: file, line: l, column: c, field: nil, expected: "a closing \"'\" on the same line", found: "end of line")
            }
            if b == UInt8(ascii: "'") { break }
            if isControl(b) { throw error("no control character in a literal string", controlName(b)) }
            i += 1
        }
        let s = String(decoding: bytes[start..<i], as: UTF8.self)
        i += 1
        return s
    }

    mutating func parseMultilineBasicString() throws(InputError) -> String {
        let l = line
        i += 3
        if peek == 0x0D { i += 1 }
        if peek == 0x0A { advance() }
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("'\"\"\"' to close the string opened on line \(l)", "end of file") }
            if b == UInt8(ascii: "\""), peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                i += 3
                // Up to two quotes right before the closing three belong to the string.
                var extra = 0
                while peek == UInt8(ascii: "\""), extra < 2 { out.append(0x22); i += 1; extra += 1 }
                break
            }
            try checkMultilineByte(b)
            if b == UInt8(ascii: "\\") {
                // Line-ending backslash trims the newline and following whitespace.
                var k = i + 1
                while k < bytes.count, bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0D { k += 1 }
                if k < bytes.count, bytes[k] == 0x0A {
                    i = k
                    skipBlankNoComments()
                    continue
                }
                try parseEscape(into: &out)
                continue
            }
            out.append(b)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// In a multi-line string: line feeds, CRLF and tabs, but no other control character.
    func checkMultilineByte(_ b: UInt8) throws(InputError) {
        if b == 0x0A || b == 0x09 { return }
        if b == 0x0D && peek(1) == 0x0A { return }
        if isControl(b) { throw error("no control character in a multi-line string", controlName(b)) }
    }

    mutating func skipBlankNoComments() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A { advance() }
    }

    mutating func parseMultilineLiteralString() throws(InputError) -> String {
        let l = line
        i += 3
        if peek == 0x0D { i += 1 }
        if peek == 0x0A { advance() }
        var out: [UInt8] = []
        while true {
            guard let b = peek else { throw error("\"'''\" to close the string opened on line \(l)", "end of file") }
            if b == UInt8(ascii: "'"), peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                i += 3
                var extra = 0
                while peek == UInt8(ascii: "'"), extra < 2 { out.append(0x27); i += 1; extra += 1 }
                break
            }
            try checkMultilineByte(b)
            out.append(b)
            advance()
        }
        return String(decoding: out, as: UTF8.self)
    }
}
