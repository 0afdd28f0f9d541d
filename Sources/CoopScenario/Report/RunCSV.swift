import CoopData
import Foundation

/// A minimal RFC 4180 reader for the report layer's inputs (the run folder's
/// CSV files), kept private to the report until CoopData's `CSVReader` lands.
///
/// Accepts UTF-8 with or without a byte-order mark, LF or CRLF line ends,
/// quoted fields with doubled quotes and embedded line breaks. Every record
/// keeps the line it starts on, so errors can name it.
struct _RunCSV {
    var file: String
    var header: [String]
    /// Records after the header, each with its 1-based starting line.
    var records: [(line: Int, fields: [String])]

    /// Reads `path`; throws `InputError` naming the file (and line) when it is
    /// missing, not UTF-8, empty, or has a record whose field count differs
    /// from the header's.
    static func read(path: String, displayName: String) throws -> _RunCSV {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: displayName, field: nil, expected: "a readable file", found: "no such file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw InputError(file: displayName, expected: "UTF-8 text", found: "bytes that are not UTF-8")
        }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let rows = try parse(text, file: displayName)
        guard let first = rows.first else {
            throw InputError(file: displayName, line: 1, expected: "a header row", found: "an empty file")
        }
        let body = Array(rows.dropFirst())
        for r in body where r.fields.count != first.fields.count {
            throw InputError(file: displayName, line: r.line,
                             expected: "\(first.fields.count) fields like the header", found: "\(r.fields.count) fields")
        }
        return _RunCSV(file: displayName, header: first.fields, records: body)
    }

    /// Splits CSV text into records (RFC 4180), skipping blank lines.
    static func parse(_ text: String, file: String) throws -> [(line: Int, fields: [String])] {
        var out: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var inQuotes = false, quotedField = false, afterQuote = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quotedField = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { out.append((recordLine, fields)) }
            fields.removeAll()
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 2; continue }
                    inQuotes = false
                    afterQuote = true
                } else {
                    if b == 0x0A { line += 1 }
                    field.append(b)
                }
                i += 1
                continue
            }
            switch b {
            case 0x2C: endField()
            case 0x0D: break
            case 0x0A:
                endRecord()
                line += 1
                recordLine = line
            case 0x22 where field.isEmpty && !quotedField:
                inQuotes = true
                quotedField = true
            default:
                if afterQuote {
                    throw InputError(file: file, line: line, expected: "a comma or line end after a closing quote",
                                     found: "'\(String(decoding: [b], as: UTF8.self))'")
                }
                field.append(b)
            }
            i += 1
        }
        if inQuotes {
            throw InputError(file: file, line: recordLine, expected: "a closing double quote", found: "the end of the file")
        }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        return out
    }

    /// Checks that every column in `required` is present; returns their indexes.
    func columns(_ required: [String]) throws -> [String: Int] {
        var index: [String: Int] = [:]
        for (k, name) in header.enumerated() where index[name] == nil { index[name] = k }
        for name in required where index[name] == nil {
            throw InputError(file: file, line: 1, field: name,
                             expected: "a column '\(name)' in the header (\(required.joined(separator: ", ")))",
                             found: "columns " + header.joined(separator: ", "))
        }
        return index
    }

    /// Parses a number field; empty means missing (NaN).
    func number(_ text: String, line: Int, column: String) throws -> Double {
        if text.isEmpty { return .nan }
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        default: break
        }
        guard let v = Double(text) else {
            throw InputError(file: file, line: line, field: column, expected: "a number", found: "'\(text)'")
        }
        return v
    }

    /// Parses an integer field such as a year.
    func integer(_ text: String, line: Int, column: String) throws -> Int {
        guard let v = Int(text) else {
            throw InputError(file: file, line: line, field: column, expected: "a whole number", found: "'\(text)'")
        }
        return v
    }
}
