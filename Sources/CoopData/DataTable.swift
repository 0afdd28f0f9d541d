import Foundation
/// A table of named columns read from a data file: each column is numeric
/// (`Double`, NaN marks a missing cell) or text (`nil` marks a missing cell).
///
/// Columns are stored contiguously (structure of arrays), so a numeric column
/// is handed to the numeric core without copying cell by cell. `rowLines`
/// keeps the line of the source file where each row starts, so that problems
/// found later (a negative weight, a duplicate panel key) can be located.
///
/// Invariants (trapped with a sentence on violation): every column has
/// `rowCount` cells, names are unique and non-empty, `rowLines` is empty or
/// has `rowCount` entries.
public struct DataTable: Sendable, Equatable {
    /// One column's cells.
    public enum Column: Sendable, Equatable {
        /// Numbers; NaN is a missing cell.
        case numeric([Double])
        /// Text; `nil` is a missing cell.
        case text([String?])

        /// Number of cells.
        public var count: Int {
            switch self {
            case .numeric(let v): return v.count
            case .text(let v): return v.count
            }
        }

        /// True for a numeric column.
        public var isNumeric: Bool {
            if case .numeric = self { return true }
            return false
        }
    }

    /// Column names in file order.
    public private(set) var names: [String]
    /// Columns, in the order of `names`.
    public private(set) var columns: [Column]
    /// Number of data rows.
    public let rowCount: Int
    /// The file the table was read from (for messages), if any.
    public var source: String?
    /// The 1-based line where each row starts in `source` (empty when unknown).
    public var rowLines: [Int]

    private var indexByName: [String: Int]

    /// A table from named columns of equal length.
    public init(names: [String], columns: [Column], source: String? = nil, rowLines: [Int] = []) {
        precondition(names.count == columns.count,
                     "DataTable needs one name per column: got \(names.count) names and \(columns.count) columns.")
        let n = columns.first?.count ?? 0
        var index: [String: Int] = [:]
        for (j, c) in columns.enumerated() {
            precondition(c.count == n, "DataTable columns must have equal lengths: column 0 has \(n) cells, column \(j) has \(c.count).")
            precondition(!names[j].isEmpty, "DataTable column \(j) has an empty name.")
            precondition(index[names[j]] == nil, "DataTable column name '\(names[j])' appears twice.")
            index[names[j]] = j
        }
        precondition(rowLines.isEmpty || rowLines.count == n,
                     "DataTable rowLines must be empty or have one entry per row: got \(rowLines.count) for \(n) rows.")
        self.names = names
        self.columns = columns
        self.rowCount = n
        self.source = source
        self.rowLines = rowLines
        self.indexByName = index
    }

    /// Number of columns.
    public var columnCount: Int { columns.count }

    /// The position of the column called `name`, if there is one.
    public func index(of name: String) -> Int? { indexByName[name] }

    /// The column called `name`, if there is one.
    public subscript(name: String) -> Column? {
        indexByName[name].map { columns[$0] }
    }

    /// The source line of row `row` (0-based), when known.
    public func line(ofRow row: Int) -> Int? {
        precondition(row >= 0 && row < rowCount, "Row \(row) is outside a table of \(rowCount) rows.")
        return rowLines.isEmpty ? nil : rowLines[row]
    }

    /// The column called `name`, or an input error that names the closest
    /// existing column.
    public func column(named name: String, field: String? = nil) throws -> Column {
        if let j = indexByName[name] { return columns[j] }
        throw unknownColumn(name, field: field)
    }

    /// The numeric column called `name`; a text or absent column is an input error.
    public func numeric(_ name: String, field: String? = nil) throws -> [Double] {
        switch try column(named: name, field: field) {
        case .numeric(let v): return v
        case .text:
            throw textInNumericColumn(name, usedAs: field)
        }
    }

    /// The input error for the text column `name` used as a number: located at the first cell
    /// that is not a number (the one that made the column text), e.g.
    /// `data.csv:14: x: expected a number (x is used as a number in the formula), got 'abc'`.
    public func textInNumericColumn(_ name: String, usedAs use: String?, hint: String? = nil) -> InputError {
        guard let j = indexByName[name], case .text(let cells) = columns[j] else {
            return InputError(file: source, field: name, expected: "a numeric column", found: "no such column")
        }
        let context = use.map { " (\(name) is used as a number in \($0.hasPrefix("the ") || $0.hasPrefix("-") ? "" : "the ")\($0))" } ?? ""
        // Numbers written with thousands separators (ColumnTypingRules): show that cell and say so,
        // whether the column is read bare or inside an expression such as log1p(support).
        let census = ColumnTypingRules.census(cells)
        if let g = census.firstGrouped, let row = cells.firstIndex(where: { $0 == g }) {
            return InputError(file: source, line: rowLines.isEmpty ? nil : rowLines[row], field: name,
                              expected: "plain numbers (digits, '.' for decimals, no thousands separators)\(context)",
                              found: "'\(g)'" + (census.grouped > 1 ? " and \(census.grouped - 1) other cell\(census.grouped == 2 ? "" : "s") with separators" : ""),
                              hint: hint.map { "write 1045.5, not 1,045.50; or " + $0 } ?? "write 1045.5, not 1,045.50")
        }
        let numbers = cells.lazy.compactMap { $0 }.filter { CSVReader.isNumber($0) }.count
        let texts = cells.lazy.compactMap { $0 }.count - numbers
        guard let row = cells.indices.first(where: { cells[$0].map { !CSVReader.isNumber($0) } ?? false }) else {
            return InputError(file: source, field: name, expected: "a number\(context)", found: "text")
        }
        let more = numbers == 0 ? "" : texts > 1 ? " and \(texts - 1) other cell\(texts == 2 ? "" : "s") that are not numbers" : ""
        return InputError(file: source, line: rowLines.isEmpty ? nil : rowLines[row], field: name,
                          expected: numbers > 0 ? "a number in every cell\(context)" : "a numeric column\(context)",
                          found: (numbers == 0 ? "text such as " : "") + "'\(cells[row]!.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())'\(more)",
                          hint: hint ?? (numbers > 0 ? "fix the cell, or leave it empty or NA for a missing value" : nil))
    }

    /// Adds (or replaces) a column; used by callers that derive columns.
    public mutating func setColumn(_ name: String, _ column: Column) {
        precondition(column.count == rowCount,
                     "Column '\(name)' has \(column.count) cells but the table has \(rowCount) rows.")
        precondition(!name.isEmpty, "A DataTable column name must not be empty.")
        if let j = indexByName[name] {
            columns[j] = column
        } else {
            indexByName[name] = names.count
            names.append(name)
            columns.append(column)
        }
    }

    /// The input error for a column that does not exist, with a "did you mean".
    func unknownColumn(_ name: String, field: String?) -> InputError {
        let close = closestName(to: name, among: names)
        let where_ = source.map { "a column of \($0)" } ?? "a column of the data"
        return InputError(file: source, field: field, expected: where_,
                          found: "'\(name)'", hint: columnHint(for: name) ?? close.map { "did you mean '\($0)'?" })
    }

    /// A hint for a column name that is not in the table but differs from a header only by
    /// spaces around it (a header `y, x` names its second column `' x'`): shows the exact
    /// name and what was found; else nil.
    public func columnHint(for name: String) -> String? {
        DataTable.spacedNameHint(for: name, among: names)
    }

    /// See `columnHint(for:)`; for callers holding only the names.
    public static func spacedNameHint(for name: String, among names: [String]) -> String? {
        let wanted = name.trimmingCharacters(in: .whitespaces)
        guard let c = names.first(where: { $0 != name && $0.trimmingCharacters(in: .whitespaces) == wanted }) else { return nil }
        return "the column is named '\(c)': \(DataTable.spaceDescription(c) ?? "a space") was found in the header; remove it from the header (write 'a,b', not 'a, b')"
    }

    /// "a leading space", "2 trailing spaces", ... for a name with spaces around it; nil otherwise.
    public static func spaceDescription(_ name: String) -> String? {
        let lead = name.prefix { $0 == " " || $0 == "\t" }.count
        let trail = String(name.reversed()).prefix { $0 == " " || $0 == "\t" }.count
        func words(_ k: Int, _ side: String) -> String { k == 1 ? "a \(side) space" : "\(k) \(side) spaces" }
        switch (lead, trail) {
        case (0, 0): return nil
        case (_, 0): return words(lead, "leading")
        case (0, _): return words(trail, "trailing")
        default: return words(lead, "leading") + " and " + words(trail, "trailing")
        }
    }
}

/// The candidate within edit distance 2 (or a third of the name's length) of
/// `name`, if any; used for "did you mean" hints.
func closestName(to name: String, among candidates: [String]) -> String? {
    let a = Array(name.lowercased().unicodeScalars)
    var best: (String, Int)?
    for c in candidates {
        let b = Array(c.lowercased().unicodeScalars)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            cur[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        let d = a.isEmpty ? b.count : prev[b.count]
        if d <= Swift.max(2, a.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best?.0
}

extension DataTable {
    /// The group (cluster) number of each of `rows` by the values of
    /// `column`, numbered 0, 1, ... in sorted label order (numbers
    /// numerically, text by Unicode scalars), with the labels.
    ///
    /// A missing value on one of `rows` is an input error at that row's line
    /// (`DesignMatrix.build(..., cluster:)` drops such rows instead).
    public func groupIndices(of column: String, rows: [Int]) throws -> (indices: [Int], labels: [String]) {
        let c = try self.column(named: column, field: "cluster")
        var levels: [Level] = []
        levels.reserveCapacity(rows.count)
        for r in rows {
            precondition(r >= 0 && r < rowCount, "Row \(r) is outside a table of \(rowCount) rows.")
            let level: Level?
            switch c {
            case .text(let v): level = v[r].map { .text($0) }
            case .numeric(let v): level = v[r].isNaN ? nil : .number(v[r])
            }
            guard let level else {
                throw InputError(file: source, line: rowLines.isEmpty ? nil : rowLines[r], field: column,
                                 expected: "a group label", found: "a missing value")
            }
            levels.append(level)
        }
        let distinct = Array(Set(levels)).sorted()
        var code: [Level: Int] = [:]
        for (k, l) in distinct.enumerated() { code[l] = k }
        return (levels.map { code[$0]! }, distinct.map(\.description))
    }

    /// The values of the numeric column `column` on `rows`, each checked to be
    /// finite and non-negative (prior weights, binomial trials); a bad or
    /// missing value is an input error at its row's line.
    public func nonNegativeValues(of column: String, rows: [Int], what: String = "weight") throws -> [Double] {
        let v = try numeric(column, field: column)
        return try rows.map { r in
            precondition(r >= 0 && r < rowCount, "Row \(r) is outside a table of \(rowCount) rows.")
            let x = v[r]
            guard x.isFinite && x >= 0 else {
                throw InputError(file: source, line: rowLines.isEmpty ? nil : rowLines[r], field: column,
                                 expected: "a finite, non-negative \(what)", found: x.isNaN ? "a missing value" : "\(x)")
            }
            return x
        }
    }
}
