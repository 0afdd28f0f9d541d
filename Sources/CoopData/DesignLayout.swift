import CoopNumerics

/// The recipe of a design's columns, reusable on new data: each column is a
/// product of numeric factors and level indicators of categorical factors.
///
/// `DesignMatrix.build` fixes the layout on the estimation data (levels,
/// reference, column order); `evaluate(_:)` then rebuilds the same columns
/// from any `VariableResolver`, e.g. the simulation's state buffers, so that
/// `X_new * beta` lines up with the fitted coefficients. A value that was not
/// a level at estimation gives zeros in every indicator column of its factor
/// (patsy would refuse it); callers that must refuse it check the values.
public struct DesignLayout: Sendable, Hashable {
    /// One factor of a column: a numeric factor (`level == nil`) or the
    /// indicator of one level of a categorical factor.
    public struct Component: Sendable, Hashable {
        public var factor: Factor
        public var level: Level?
        public init(factor: Factor, level: Level?) { self.factor = factor; self.level = level }
    }

    /// One column: the product of its components (none: the intercept).
    public struct Column: Sendable, Hashable {
        public var name: String
        public var components: [Component]
        public init(name: String, components: [Component]) { self.name = name; self.components = components }
    }

    public var columns: [Column]

    public init(columns: [Column]) { self.columns = columns }

    /// Column names, patsy style.
    public var columnNames: [String] { columns.map(\.name) }

    /// Every (variable, lag) the columns read.
    public var variables: [Expression.VariableReference] {
        var seen = Set<Expression.VariableReference>()
        var out: [Expression.VariableReference] = []
        for c in columns { for k in c.components { for v in k.factor.expression.variables where seen.insert(v).inserted { out.append(v) } } }
        return out
    }

    /// The columns evaluated on every row of `resolver` (rows = `resolver.rowCount`).
    ///
    /// A missing value of a factor gives NaN in every column that uses it; no
    /// row is dropped (the caller decides). Categorical factors that are a bare
    /// variable with text values (`resolver.textValues(of:)`) compare text;
    /// others compare numbers.
    public func evaluate(_ resolver: some VariableResolver) throws -> Matrix {
        let n = resolver.rowCount
        var numericCache: [String: [Double]] = [:]
        var textCache: [String: [String?]] = [:]
        var storage = [Double](repeating: 1, count: n * columns.count)
        for (j, column) in columns.enumerated() {
            let base = j * n
            for component in column.components {
                let f = component.factor
                var text: [String?]?
                if case .variable(let name) = f.expression {
                    if let t = textCache[name] { text = t } else if let t = resolver.textValues(of: name) { textCache[name] = t; text = t }
                }
                if let level = component.level, let text {
                    for i in 0..<n {
                        guard let s = text[i] else { storage[base + i] = .nan; continue }
                        if level.description != s { storage[base + i] = 0 }
                    }
                    continue
                }
                let values: [Double]
                if let v = numericCache[f.name] { values = v } else {
                    values = try f.expression.evaluate(resolver)
                    numericCache[f.name] = values
                }
                if let level = component.level {
                    guard case .number(let target) = level else {
                        throw InputError(field: "formula", expected: "text values of '\(f.name)' for level '\(level)'",
                                         found: "numbers")
                    }
                    for i in 0..<n {
                        let v = values[i]
                        if !v.isFinite { storage[base + i] = .nan } else if v != target { storage[base + i] = 0 }
                    }
                } else {
                    for i in 0..<n { storage[base + i] *= values[i] }
                }
            }
        }
        return Matrix(rows: n, columns: columns.count, columnMajor: storage)
    }
}
