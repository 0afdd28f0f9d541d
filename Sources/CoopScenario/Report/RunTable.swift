import CoopData
import Foundation

/// One CSV file of a run folder, read with CoopData's `CSVReader`, with the
/// accessors the report needs and errors that name the file, line and column.
///
/// `CSVReader` types each column (numeric when every present cell is a
/// number) and rejects a file with no data row; a run folder may hold a
/// header-only file (a run without targets), which is read here as zero
/// rows after its header is checked. Text columns that happen to be all
/// numbers (a scenario named "2024") come back in shortest round-trip form.
/// `CSVReader`'s missing markers (`NA`, `NaN`, `.`, empty) read as missing:
/// NaN in numbers, "" in text.
struct _RunTable {
    let file: String
    let header: [String]
    let table: DataTable?

    var rowCount: Int { table?.rowCount ?? 0 }

    static func read(path: String) throws -> _RunTable {
        do {
            let t = try CSVReader.read(path: path)
            return _RunTable(file: path, header: t.names, table: t)
        } catch let e as InputError where e.expected.hasPrefix("at least one data row") {
            // Header only: read the header line through CSVReader by giving it itself as a data row.
            let data = FileManager.default.contents(atPath: path) ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            let first = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
            let h = try CSVReader.parse(text: first + "\n" + first, source: path)
            return _RunTable(file: path, header: h.names, table: nil)
        }
    }

    /// Checks that every column in `required` is in the header (line 1), naming the first missing one.
    func require(_ required: [String]) throws {
        for name in required where !header.contains(name) {
            throw InputError(file: file, line: 1, field: name,
                             expected: "a column '\(name)' in the header (\(required.joined(separator: ", ")))",
                             found: "columns " + header.joined(separator: ", "))
        }
    }

    func line(_ row: Int) -> Int? { table.flatMap { $0.rowLines.isEmpty ? nil : $0.rowLines[row] } }

    /// A column as text ("" for missing cells).
    func text(_ name: String) -> [String] {
        guard let t = table, let c = t[name] else { return [] }
        switch c {
        case .text(let v): return v.map { $0 ?? "" }
        case .numeric(let v): return v.map(CSVWriter.number)
        }
    }

    /// A column of numbers (NaN for missing); a cell that is not a number is an error at its line,
    /// and so is one beyond ±1e300 or infinite (no run writes one; chart axes around it overflow).
    func numbers(_ name: String) throws -> [Double] {
        let v = try rawNumbers(name)
        if let row = v.firstIndex(where: { !$0.isNaN && abs($0) > 1e300 }) {
            throw InputError(file: file, line: line(row), field: name, expected: "a number between -1e300 and 1e300",
                             found: "'\(CSVWriter.number(v[row]))'")
        }
        return v
    }

    func rawNumbers(_ name: String) throws -> [Double] {
        guard let t = table, let c = t[name] else { return [] }
        switch c {
        case .numeric(let v): return v
        case .text(let v):
            var out: [Double] = []
            out.reserveCapacity(v.count)
            for (row, cell) in v.enumerated() {
                guard let s = cell else { out.append(.nan); continue }
                let trimmed = s.trimmingCharacters(in: .whitespaces)
                guard let x = Double(trimmed) else {
                    throw InputError(file: file, line: line(row), field: name, expected: "a number", found: "'\(s)'")
                }
                out.append(x)
            }
            return out
        }
    }

    /// A column of probabilities: numbers from 0 to 1 (NaN for missing); anything else (a share
    /// of 7.5 would show as 750%) is an error at its line.
    func probabilities(_ name: String) throws -> [Double] {
        let v = try numbers(name)
        if let row = v.firstIndex(where: { !$0.isNaN && !($0 >= 0 && $0 <= 1) }) {
            throw InputError(file: file, line: line(row), field: name, expected: "a probability from 0 to 1",
                             found: "'\(CSVWriter.number(v[row]))'")
        }
        return v
    }

    /// A column of years (whole numbers from 1 to 9999): charts step through every year between
    /// the first and the last, so a corrupt year such as 99999999999 is an error, not a hang.
    func years(_ name: String) throws -> [Int] {
        let v = try integers(name)
        if let row = v.firstIndex(where: { !(1...9999).contains($0) }) {
            throw InputError(file: file, line: line(row), field: name, expected: "a year from 1 to 9999", found: "'\(v[row])'")
        }
        return v
    }

    /// A column of whole numbers, such as years.
    func integers(_ name: String) throws -> [Int] {
        let v = try numbers(name)
        return try v.enumerated().map { row, x in
            guard x.isFinite, x == x.rounded(.towardZero), abs(x) < 1e15 else {
                throw InputError(file: file, line: line(row), field: name, expected: "a whole number",
                                 found: x.isNaN ? "an empty field" : "'\(CSVWriter.number(x))'")
            }
            return Int(x)
        }
    }
}
