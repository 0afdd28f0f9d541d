#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Names the columns that identify a panel's unit (region) and period (year).
public struct PanelSpec: Sendable, Hashable {
    public var regionColumn: String
    public var yearColumn: String
    public init(regionColumn: String, yearColumn: String) {
        self.regionColumn = regionColumn
        self.yearColumn = yearColumn
    }
}

/// The panel structure of a table: which row holds (region, year - k) for
/// every row, whatever the order of rows in the file.
///
/// Built by sorting a permutation of the rows by (region, year); O(n log n).
/// Rules: every row needs a region and a whole-number year (else an input
/// error at that row's line); a (region, year) pair may appear only once (an
/// error names both lines). `lag k` is the row of the same region whose year
/// is exactly `year - k`: the first year of a region has no lag, and neither
/// does a year after a gap (with 2019 and 2021 only, 2021 has no `lag(x)`,
/// its `lag(x, 2)` is 2019), so a lag is never silently taken from a year that
/// is not the one asked for.
public struct PanelIndex: Sendable {
    /// The region label of every row.
    public let regions: [Level]
    /// The year of every row.
    public let years: [Int]
    /// Rows sorted by (region, year).
    public let sortedRows: [Int]
    /// Region number of every row (0-based, in sorted region order).
    public let regionCodes: [Int]

    public init(table: DataTable, spec: PanelSpec) throws {
        let n = table.rowCount
        let regionColumn = try table.column(named: spec.regionColumn, field: "panel")
        let yearValues = try table.numeric(spec.yearColumn, field: "panel")
        var regions: [Level] = []
        regions.reserveCapacity(n)
        var years: [Int] = []
        years.reserveCapacity(n)
        for i in 0..<n {
            let region: Level?
            switch regionColumn {
            case .text(let v): region = v[i].map { .text($0) }
            case .numeric(let v): region = v[i].isNaN ? nil : .number(v[i])
            }
            guard let region else {
                throw InputError(file: table.source, line: table.rowLines.isEmpty ? nil : table.rowLines[i],
                                 field: spec.regionColumn, expected: "a region", found: "a missing value",
                                 hint: "by default empty cells and NA, NaN, nan, . are read as missing: if a region is coded NA (Nghệ An), give --na '' (only empty cells missing)")
            }
            let y = yearValues[i]
            guard y.isFinite, y == y.rounded(.towardZero), Swift.abs(y) < 1e9 else {
                throw InputError(file: table.source, line: table.rowLines.isEmpty ? nil : table.rowLines[i],
                                 field: spec.yearColumn, expected: "a whole-number year",
                                 found: y.isNaN ? "a missing value" : "\(y)")
            }
            regions.append(region)
            years.append(Int(y))
        }
        let distinct = Array(Set(regions)).sorted()
        var code: [Level: Int] = [:]
        for (k, r) in distinct.enumerated() { code[r] = k }
        let regionCodes = regions.map { code[$0]! }
        let sorted = (0..<n).sorted { (a: Int, b: Int) -> Bool in
            let ra = regionCodes[a], rb = regionCodes[b]
            if ra != rb { return ra < rb }
            let ya = years[a], yb = years[b]
            if ya != yb { return ya < yb }
            return a < b
        }
        for k in stride(from: 1, to: n, by: 1) {
            let a = sorted[k - 1], b = sorted[k]
            if regionCodes[a] == regionCodes[b] && years[a] == years[b] {
                let la = table.rowLines.isEmpty ? a + 1 : table.rowLines[a]
                let lb = table.rowLines.isEmpty ? b + 1 : table.rowLines[b]
                throw InputError(file: table.source, line: lb, field: "panel",
                                 expected: "one row per (\(spec.regionColumn), \(spec.yearColumn))",
                                 found: "a second row for (\(regions[b]), \(years[b])); the first is on line \(la)")
            }
        }
        self.regions = regions
        self.years = years
        self.sortedRows = sorted
        self.regionCodes = regionCodes
    }

    /// For every row, the row of the same region `k` years earlier, or -1.
    public func laggedRows(_ k: Int) -> [Int] {
        precondition(k >= 0, "A lag must be non-negative, got \(k).")
        let n = years.count
        var out = [Int](repeating: -1, count: n)
        if k == 0 { for i in 0..<n { out[i] = i }; return out }
        for p in 0..<n {
            let row = sortedRows[p]
            let target = years[row] - k
            var q = p - 1
            while q >= 0 {
                let other = sortedRows[q]
                if regionCodes[other] != regionCodes[row] || years[other] < target { break }
                if years[other] == target { out[row] = other; break }
                q -= 1
            }
        }
        return out
    }
}

/// Resolves variables to the numeric columns of a table; lags go through the
/// panel index (and are an input error without one).
public struct TableResolver: VariableResolver {
    public let table: DataTable
    public let panel: PanelIndex?
    /// Names the input in messages (e.g. "formula").
    public let field: String

    public init(table: DataTable, panel: PanelIndex? = nil, field: String = "formula") {
        self.table = table
        self.panel = panel
        self.field = field
    }

    public var rowCount: Int { table.rowCount }

    public func textValues(of name: String) -> [String?]? {
        if case .text(let v)? = table[name] { return v }
        return nil
    }

    public func values(of name: String, lag: Int) throws -> [Double] {
        let column = try table.numeric(name, field: field)
        if lag == 0 { return column }
        guard let panel else {
            throw InputError(file: table.source, field: field,
                             expected: "a panel (region and year columns) for lag(), diff() and dlog()",
                             found: "a lagged use of '\(name)' without one", hint: "give --panel REGION,YEAR")
        }
        let rows = panel.laggedRows(lag)
        return rows.map { $0 < 0 ? .nan : column[$0] }
    }
}
