/// A dense matrix of `Double` in column-major order over contiguous storage,
/// the layout BLAS and LAPACK expect (leading dimension = `rows`).
///
/// Element (i, j) lives at `storage[i + j * rows]`. Dimension mismatches are
/// programmer errors and trap with a sentence that states both sizes.
public struct Matrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major elements, `rows * columns` of them.
    public var storage: [Double]

    /// A `rows` x `columns` matrix with every element equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative, got \(rows) x \(columns).")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    public init(rows: Int, columns: Int, columnMajor storage: [Double]) {
        precondition(storage.count == rows * columns,
                     "Matrix of \(rows) x \(columns) needs \(rows * columns) elements, got \(storage.count).")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from its columns, each of the same length.
    public init(columns cols: [[Double]]) {
        let r = cols.first?.count ?? 0
        for (j, c) in cols.enumerated() {
            precondition(c.count == r, "Matrix columns must have equal lengths: column 0 has \(r), column \(j) has \(c.count).")
        }
        self.init(rows: r, columns: cols.count, columnMajor: cols.flatMap { $0 })
    }

    /// A matrix from its rows, each of the same length (convenient in tests).
    public init(rowMajor rowsArray: [[Double]]) {
        let r = rowsArray.count
        let c = rowsArray.first?.count ?? 0
        var s = [Double](repeating: 0, count: r * c)
        for (i, row) in rowsArray.enumerated() {
            precondition(row.count == c, "Matrix rows must have equal lengths: row 0 has \(c), row \(i) has \(row.count).")
            for j in 0..<c { s[i + j * r] = row[j] }
        }
        self.init(rows: r, columns: c, columnMajor: s)
    }

    /// The n x n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns,
                         "Matrix index (\(i), \(j)) is outside a \(rows) x \(columns) matrix.")
            return storage[i + j * rows]
        }
        set {
            precondition(i >= 0 && i < rows && j >= 0 && j < columns,
                         "Matrix index (\(i), \(j)) is outside a \(rows) x \(columns) matrix.")
            storage[i + j * rows] = newValue
        }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Column \(j) is outside a matrix with \(columns) columns.")
        return Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns {
            for i in 0..<rows { t.storage[j + i * columns] = storage[i + j * rows] }
        }
        return t
    }
}
