import CoopNumerics

/// The response vector and model matrix of a formula on a table, with
/// patsy's column order and names.
///
/// Construction (Guides/Formulas.md has the details and examples):
/// 1. Every factor and the response are evaluated on all rows (lags within
///    each region in year order when a panel is given).
/// 2. A row is dropped when the response, a numeric factor, a categorical
///    factor, the weight, the trials or the cluster is missing or not finite
///    (after transformation, as R's `na.omit` of the model frame: `log(0) =
///    -inf` drops the row). patsy drops only NA *before* transforms and passes
///    `-inf` to statsmodels, which then refuses the data; we drop and count.
/// 3. Categorical levels are the distinct values on the rows kept, sorted
///    (numbers numerically, text by Unicode scalars as Python does); the first
///    (or `Treatment(reference=...)`) is the baseline. patsy takes levels
///    from all rows where the factor itself is present, so a level seen only
///    on dropped rows gives an all-zero column there and no column here.
/// 4. Columns follow patsy's `_make_subterm_infos`: terms grouped by their set
///    of numeric factors (the group with none first, then by first
///    appearance), by degree within a group; each term's categorical factors
///    coded by patsy's redundancy rules (full-rank `[level]` coding where the
///    lower-order term is absent, reduced `[T.level]` where present), the
///    left-most factor varying fastest. With these rules categorical
///    interactions are full rank whenever patsy's are; linear dependence
///    that comes from the data (an empty cell of a two-way table) is left to
///    the least-squares solver, which reports the aliased columns.
public struct DesignMatrix: Sendable {
    /// The model matrix, rows = `rowsUsed.count`, column-major.
    public var X: Matrix
    /// The response on the rows used (empty when the formula has no response).
    public var y: [Double]
    /// Column names, patsy style (`Intercept`, `x`, `C(g)[T.b]`, `x:C(g)[T.b]`).
    public var columnNames: [String]
    /// True when the first column is the intercept.
    public var hasIntercept: Bool
    /// The response's name as written (e.g. `dlog(workers_per_coop)`).
    public var responseName: String
    /// Term names in column order, and the columns of each.
    public var termNames: [String]
    public var termColumns: [Range<Int>]
    /// The recipe of the columns, to rebuild them on new data (simulation).
    public var layout: DesignLayout
    /// Indices into the table of the rows used, ascending.
    public var rowsUsed: [Int]
    /// Rows dropped for a missing or non-finite value.
    public var droppedRows: Int
    /// Prior weights on the rows used, when asked for.
    public var weights: [Double]?
    /// Binomial trials on the rows used, when asked for.
    public var trials: [Double]?
    /// Cluster index (0-based, in sorted label order) of each row used, when asked for.
    public var groups: [Int]?
    /// Cluster labels, indexed by `groups`.
    public var groupLabels: [String]
    /// The sum of the formula's `offset(...)` terms on the rows used (nil without any): a row
    /// where it is missing or not finite is dropped, as for a factor.
    public var offset: [Double]?
    /// What was inferred about the columns that an analyst should hear (see `ColumnTypingRules`).
    public var notes: [String] = []

    /// Builds the design of `formula` on `data`.
    ///
    /// - Parameters:
    ///   - panel: region and year columns; needed for `lag`, `diff`, `dlog`.
    ///   - weights: a column of prior weights (finite, non-negative; missing drops the row).
    ///   - trials: an expression for binomial trials, e.g. `lag(coops)` (same rules).
    ///   - cluster: a column whose values group rows for cluster-robust errors (missing drops the row).
    /// - Throws: `InputError` for unknown or text columns used as numbers, lags
    ///   without a panel, bad panel keys, bad weights or trials, an unknown
    ///   reference level, or no row left.
    public static func build(formula: Formula, data: DataTable, panel: PanelSpec? = nil,
                             weights: String? = nil, trials: Expression? = nil,
                             cluster: String? = nil) throws -> DesignMatrix {
        let n = data.rowCount
        let panelIndex = try panel.map { try PanelIndex(table: data, spec: $0) }
        let resolver = TableResolver(table: data, panel: panelIndex, field: "formula")
        func lineOf(_ row: Int) -> Int? { data.rowLines.isEmpty ? nil : data.rowLines[row] }

        // 1. Factors.
        var factors: [Factor] = []
        var seenFactors = Set<Factor>()
        for t in formula.terms { for f in t.factors where seenFactors.insert(f).inserted { factors.append(f) } }
        var numeric: [String: [Double]] = [:]
        var categorical: [String: _Categorical] = [:]
        var notes: [String] = []
        for f in factors {
            var textColumn: [String?]?
            if case .variable(let name) = f.expression, case .text(let v)? = data[name] { textColumn = v }
            switch f.kind {
            case .expression:
                if let textColumn {
                    // A bare text column is categorical (patsy), unless most of its cells are numbers:
                    // then a stray cell made a numeric column text, and that cell is the problem.
                    // Numbers with thousands separators count as numbers here (ColumnTypingRules).
                    let census = ColumnTypingRules.census(textColumn)
                    if case .variable(let name) = f.expression, (census.plain + census.grouped) * 2 > census.present {
                        if let say = ColumnTypingRules.unreadableNumbers(census, column: name, categoricalHint: true) {
                            let row = textColumn.firstIndex { $0 == say.cell }!
                            throw InputError(file: data.source, line: data.line(ofRow: row), field: name,
                                             expected: say.expected, found: say.found, hint: say.hint)
                        }
                        throw data.textInNumericColumn(name, usedAs: "the formula",
                                                       hint: "fix the cell, or write C(\(name)) to treat the column as categorical")
                    }
                    if case .variable(let name) = f.expression, let note = ColumnTypingRules.categoricalNote(column: name, cells: textColumn) {
                        notes.append(note)
                    }
                    categorical[f.name] = _Categorical(text: textColumn, reference: nil)
                } else {
                    numeric[f.name] = try f.expression.evaluate(resolver)
                }
            case .categorical(let reference):
                if let textColumn {
                    categorical[f.name] = _Categorical(text: textColumn, reference: reference)
                } else {
                    categorical[f.name] = _Categorical(numbers: try f.expression.evaluate(resolver), reference: reference)
                }
            case .offset:
                break  // taken out of the terms by Formula.parse
            }
        }
        var y: [Double] = []
        if let response = formula.response {
            if case .variable(let name) = response, case .text? = data[name] {
                throw data.textInNumericColumn(name, usedAs: "the response")
            }
            y = try response.evaluate(resolver)
        }
        var offsetValues: [Double]?
        for o in formula.offsets {
            let v = try o.evaluate(resolver)
            offsetValues = offsetValues.map { zip($0, v).map { $0 + $1 } } ?? v
        }
        var weightValues: [Double]?
        if let weights { weightValues = try data.numeric(weights, field: "weights") }
        let trialValues = try trials.map { try $0.evaluate(TableResolver(table: data, panel: panelIndex, field: "trials")) }
        var clusterCodes: [Int]?
        var clusterLabels: [String] = []
        if let cluster {
            let c = try data.column(named: cluster, field: "cluster")
            let cat: _Categorical
            switch c {
            case .text(let v): cat = _Categorical(text: v, reference: nil)
            case .numeric(let v): cat = _Categorical(numbers: v, reference: nil)
            }
            clusterCodes = cat.codes
            clusterLabels = cat.rawLevels.map(\.description)
        }

        // 2. Rows kept.
        var keep = [Bool](repeating: true, count: n)
        if formula.response != nil { for i in 0..<n where !y[i].isFinite { keep[i] = false } }
        for (_, v) in numeric { for i in 0..<n where !v[i].isFinite { keep[i] = false } }
        if let o = offsetValues { for i in 0..<n where !o[i].isFinite { keep[i] = false } }
        for (_, c) in categorical { for i in 0..<n where c.codes[i] < 0 { keep[i] = false } }
        for (label, values) in [("weights", weightValues), ("trials", trialValues)] {
            guard let values else { continue }
            for i in 0..<n {
                let v = values[i]
                if v.isNaN { keep[i] = false; continue }
                if !(v.isFinite && v >= 0) {
                    throw InputError(file: data.source, line: lineOf(i), field: label == "weights" ? weights! : label,
                                     expected: "a finite, non-negative \(label == "weights" ? "weight" : "number of trials")",
                                     found: "\(v)")
                }
            }
        }
        if let clusterCodes { for i in 0..<n where clusterCodes[i] < 0 { keep[i] = false } }
        let rowsUsed = (0..<n).filter { keep[$0] }
        guard !rowsUsed.isEmpty else {
            throw InputError(file: data.source, field: "formula",
                             expected: "at least one row where every value used is present and finite",
                             found: "none of the \(n) rows", hint: "check for missing values, log of zero and lags")
        }
        let m = rowsUsed.count

        // 3. Levels on the rows kept.
        for (name, var c) in categorical {
            try c.settleLevels(rows: rowsUsed, factorName: name)
            categorical[name] = c
        }

        // 4. Columns in patsy's order.
        var allTerms: [Term] = formula.hasIntercept ? [Term(factors: [])] : []
        allTerms += formula.terms
        var bucketOrder: [Set<String>] = []
        var buckets: [Set<String>: [Term]] = [:]
        for t in allTerms {
            let key = Set(t.factors.filter { numeric[$0.name] != nil }.map(\.name))
            if buckets[key] == nil { bucketOrder.append(key) }
            buckets[key, default: []].append(t)
        }
        if let k = bucketOrder.firstIndex(of: []) { bucketOrder.remove(at: k); bucketOrder.insert([], at: 0) }

        var names: [String] = []
        var storage: [Double] = []
        var termNames: [String] = []
        var termColumns: [Range<Int>] = []
        var layoutColumns: [DesignLayout.Column] = []
        for key in bucketOrder {
            let terms = _stableSorted(buckets[key]!) { $0.factors.count < $1.factors.count }
            var used = Set<Set<String>>()
            for term in terms {
                let first = names.count
                let cats = term.factors.filter { categorical[$0.name] != nil }.map(\.name)
                for coding in _pickContrasts(categoricalFactors: cats, used: &used) {
                    // The factors of this subterm, in term order: a numeric column, or
                    // indicators of the chosen levels of a categorical factor.
                    var pieces: [_Piece] = []
                    for f in term.factors {
                        if let v = numeric[f.name] {
                            pieces.append(_Piece(factor: f, numeric: v, codes: [], levelIndices: [0], levels: [nil], labels: [f.name]))
                        } else if let full = coding[f.name], let c = categorical[f.name] {
                            let levelIndices = full ? Array(0..<c.levels.count)
                                : (0..<c.levels.count).filter { $0 != c.referenceIndex }
                            let prefix = full ? "[" : "[T."
                            pieces.append(_Piece(factor: f, numeric: nil, codes: c.codes, levelIndices: levelIndices,
                                                 levels: levelIndices.map { c.levels[$0] },
                                                 labels: levelIndices.map { "\(f.name)\(prefix)\(c.levels[$0])]" }))
                        }
                    }
                    let total = pieces.reduce(1) { $0 * $1.levelIndices.count }
                    for combo in 0..<total {
                        var idx: [Int] = []
                        var rest = combo
                        for piece in pieces { idx.append(rest % piece.levelIndices.count); rest /= piece.levelIndices.count }
                        names.append(pieces.isEmpty ? "Intercept"
                                     : zip(pieces, idx).map { $0.labels[$1] }.joined(separator: ":"))
                        layoutColumns.append(DesignLayout.Column(
                            name: names[names.count - 1],
                            components: zip(pieces, idx).map { DesignLayout.Component(factor: $0.factor, level: $0.levels[$1]) }))
                        let base = storage.count
                        storage.append(contentsOf: repeatElement(1.0, count: m))
                        storage.withUnsafeMutableBufferPointer { out in
                            for (piece, j) in zip(pieces, idx) {
                                if let v = piece.numeric {
                                    for r in 0..<m { out[base + r] *= v[rowsUsed[r]] }
                                } else {
                                    let level = piece.levelIndices[j]
                                    for r in 0..<m where piece.codes[rowsUsed[r]] != level { out[base + r] = 0 }
                                }
                            }
                        }
                    }
                }
                termNames.append(term.name)
                termColumns.append(first..<names.count)
            }
        }
        let X = Matrix(rows: m, columns: names.count, columnMajor: storage)
        var groups: [Int]?
        if let clusterCodes { groups = rowsUsed.map { clusterCodes[$0] } }
        return DesignMatrix(
            X: X, y: formula.response == nil ? [] : rowsUsed.map { y[$0] }, columnNames: names,
            hasIntercept: formula.hasIntercept, responseName: formula.responseName ?? "",
            termNames: termNames, termColumns: termColumns, layout: DesignLayout(columns: layoutColumns), rowsUsed: rowsUsed, droppedRows: n - m,
            weights: weightValues.map { w in rowsUsed.map { w[$0] } },
            trials: trialValues.map { t in rowsUsed.map { t[$0] } },
            groups: groups, groupLabels: clusterLabels, offset: offsetValues.map { o in rowsUsed.map { o[$0] } }, notes: notes)
    }
}

/// One factor's contribution to the columns of a subterm.
struct _Piece {
    var factor: Factor
    /// The values of a numeric factor (nil for a categorical one).
    var numeric: [Double]?
    /// Level numbers of a categorical factor, per table row.
    var codes: [Int]
    /// The levels that get a column (one entry, unused, for a numeric factor).
    var levelIndices: [Int]
    /// The level of each entry of `levelIndices` (nil for a numeric factor).
    var levels: [Level?]
    /// Column name pieces, one per entry of `levelIndices`.
    var labels: [String]
}

/// A categorical factor's values coded as level numbers.
struct _Categorical {
    /// Level number of every row in `rawLevels` (then in `levels` after
    /// `settleLevels`), -1 when missing.
    var codes: [Int]
    var rawLevels: [Level]
    var levels: [Level] = []
    var reference: Level?
    var referenceIndex = 0

    init(text: [String?], reference: Level?) {
        var index: [String: Int] = [:]
        var raw: [Level] = []
        codes = text.map { s -> Int in
            guard let s else { return -1 }
            if let k = index[s] { return k }
            index[s] = raw.count
            raw.append(.text(s))
            return raw.count - 1
        }
        (codes, rawLevels) = _Categorical.sortedCodes(codes, raw)
        self.reference = reference
    }

    init(numbers: [Double], reference: Level?) {
        var index: [Double: Int] = [:]
        var raw: [Level] = []
        codes = numbers.map { v -> Int in
            guard v.isFinite else { return -1 }
            let key = v == 0 ? 0 : v  // one level for -0 and +0
            if let k = index[key] { return k }
            index[key] = raw.count
            raw.append(.number(key))
            return raw.count - 1
        }
        (codes, rawLevels) = _Categorical.sortedCodes(codes, raw)
        self.reference = reference
    }

    /// Renumbers levels in sorted order.
    static func sortedCodes(_ codes: [Int], _ raw: [Level]) -> ([Int], [Level]) {
        let order = raw.indices.sorted { raw[$0] < raw[$1] }
        var remap = [Int](repeating: -1, count: raw.count)
        for (new, old) in order.enumerated() { remap[old] = new }
        return (codes.map { $0 < 0 ? -1 : remap[$0] }, order.map { raw[$0] })
    }

    /// Keeps only the levels present on `rows` and finds the reference.
    mutating func settleLevels(rows: [Int], factorName: String) throws {
        var present = [Bool](repeating: false, count: rawLevels.count)
        for r in rows { present[codes[r]] = true }
        var remap = [Int](repeating: -1, count: rawLevels.count)
        levels = []
        for k in rawLevels.indices where present[k] {
            remap[k] = levels.count
            levels.append(rawLevels[k])
        }
        codes = codes.map { $0 < 0 ? -1 : remap[$0] }
        if let reference {
            guard let k = levels.firstIndex(where: { $0 == reference || $0.description == reference.description }) else {
                throw InputError(field: "formula",
                                 expected: "a reference level of \(factorName) among \(levels.map { "'\($0)'" }.joined(separator: ", "))",
                                 found: "'\(reference)'")
            }
            referenceIndex = k
        }
    }
}

/// patsy's `pick_contrasts_for_term` (redundancy.py): the subterms a term
/// adds given those already used in its bucket, simplified greedily; each
/// subterm maps a categorical factor to true (full coding) or false (reduced).
func _pickContrasts(categoricalFactors cats: [String], used: inout Set<Set<String>>) -> [[String: Bool]] {
    // Subsets, shortest first, ties in order of the factors' positions.
    var subsets: [[Int]] = [[]]
    for k in cats.indices { subsets += subsets.map { $0 + [k] } }
    subsets.sort { a, b in a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b) }
    struct Expanded: Hashable { var factor: String; var full: Bool }
    var subterms: [Set<Expanded>] = []
    for s in subsets {
        let key = Set(s.map { cats[$0] })
        if used.insert(key).inserted { subterms.append(Set(s.map { Expanded(factor: cats[$0], full: false) })) }
    }
    var changed = true
    while changed {
        changed = false
        search: for shortIndex in subterms.indices {
            for longIndex in (shortIndex + 1)..<subterms.count {
                let short = subterms[shortIndex], long = subterms[longIndex]
                if long.count - short.count == 1 && long.isSuperset(of: short) {
                    let extra = long.subtracting(short).first!
                    var merged = short
                    merged.insert(Expanded(factor: extra.factor, full: true))
                    subterms[longIndex] = merged
                    subterms.remove(at: shortIndex)
                    changed = true
                    break search
                }
            }
        }
    }
    return subterms.map { s in Dictionary(uniqueKeysWithValues: s.map { ($0.factor, $0.full) }) }
}

func _stableSorted<T>(_ a: [T], by less: (T, T) -> Bool) -> [T] {
    a.enumerated().sorted { x, y in less(x.element, y.element) || (!less(y.element, x.element) && x.offset < y.offset) }
        .map(\.element)
}
