import XCTest
@testable import CoopNumerics

final class LeastSquaresTests: XCTestCase {
    /// Simple regression has closed forms: b1 = Sxy/Sxx, b0 = ybar - b1 xbar,
    /// h_ii = 1/n + (x_i - xbar)^2/Sxx, (X'X)^-1 = [[1/n + xbar^2/Sxx, -xbar/Sxx], [., 1/Sxx]].
    func testSimpleRegressionMatchesClosedForms() {
        let x: [Double] = [1, 2, 4, 7, 11, 16, 22]
        let y: [Double] = [2.1, 2.9, 5.2, 7.1, 11.8, 15.9, 23.5]
        let n = Double(x.count)
        let xbar = x.reduce(0, +) / n, ybar = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for i in x.indices { sxx += (x[i] - xbar) * (x[i] - xbar); sxy += (x[i] - xbar) * (y[i] - ybar) }
        let b1 = sxy / sxx, b0 = ybar - b1 * xbar
        let ls = LeastSquares(X: Matrix(columns: [[Double](repeating: 1, count: x.count), x]), y: y)
        XCTAssertEqual(ls.rank, 2)
        XCTAssertEqual(ls.coefficients[0], b0, accuracy: 1e-13 * abs(b0))
        XCTAssertEqual(ls.coefficients[1], b1, accuracy: 1e-13 * abs(b1))
        XCTAssertEqual(ls.unscaledCovariance[1, 1], 1 / sxx, accuracy: 1e-13 / sxx)
        XCTAssertEqual(ls.unscaledCovariance[0, 1], -xbar / sxx, accuracy: 1e-13 * xbar / sxx)
        XCTAssertEqual(ls.unscaledCovariance[0, 0], 1 / n + xbar * xbar / sxx, accuracy: 1e-13)
        let h = ls.leverages()
        for i in x.indices {
            XCTAssertEqual(h[i], 1 / n + (x[i] - xbar) * (x[i] - xbar) / sxx, accuracy: 1e-13)
            XCTAssertEqual(ls.fittedValues[i], b0 + b1 * x[i], accuracy: 1e-12)
            XCTAssertEqual(ls.residuals[i] + ls.fittedValues[i], y[i], accuracy: 1e-12)
        }
    }

    /// x3 = x1 + x2 exactly: the later column (x3) is aliased, the others are
    /// fitted as if x3 were absent (R's lm behaviour).
    func testExactCollinearityAliasesTheLaterColumn() {
        let x1: [Double] = [0.3, 1.7, 2.2, 3.9, 4.1, 5.6, 6.0, 7.7]
        let x2: [Double] = [5.0, 3.1, 4.4, 1.2, 0.5, 2.8, 3.3, 0.9]
        let x3 = zip(x1, x2).map { $0 + $1 }
        let one = [Double](repeating: 1, count: x1.count)
        let y: [Double] = [3.2, 4.1, 6.3, 5.2, 4.8, 8.9, 9.7, 9.1]
        let full = LeastSquares(X: Matrix(columns: [one, x1, x2, x3]), y: y)
        let reduced = LeastSquares(X: Matrix(columns: [one, x1, x2]), y: y)
        XCTAssertEqual(full.aliased, [false, false, false, true])
        XCTAssertEqual(full.rank, 3)
        XCTAssertTrue(full.coefficients[3].isNaN)
        for j in 0..<3 {
            XCTAssertEqual(full.coefficients[j], reduced.coefficients[j], accuracy: 1e-12 * max(1, abs(reduced.coefficients[j])))
        }
        XCTAssertEqual(full.residualSumOfSquares, reduced.residualSumOfSquares, accuracy: 1e-12)
        // The same dependency with x3 placed first: now x2 (the later one) is aliased.
        let reordered = LeastSquares(X: Matrix(columns: [one, x3, x1, x2]), y: y)
        XCTAssertEqual(reordered.aliased, [false, false, false, true])
        // A column of zeros and a duplicated intercept are aliased too.
        let zeros = [Double](repeating: 0, count: x1.count)
        let odd = LeastSquares(X: Matrix(columns: [one, zeros, x1, one]), y: y)
        XCTAssertEqual(odd.aliased, [false, true, false, true])
        XCTAssertEqual(odd.estimableColumns, [0, 2])
    }

    /// More columns than rows: the first n independent columns are kept, the fit is exact.
    func testMoreColumnsThanRowsKeepsTheFirstIndependentOnes() {
        let X = Matrix(rowMajor: [[1, 2, 3, 4, 5], [1, -1, 0.5, 2, 7], [1, 0.3, -2, 1, 1]])
        let y: [Double] = [1, 2, 3]
        let ls = LeastSquares(X: X, y: y)
        XCTAssertEqual(ls.rank, 3)
        XCTAssertEqual(ls.aliased, [false, false, false, true, true])
        XCTAssertEqual(ls.residualSumOfSquares, 0, accuracy: 1e-24)
        for i in 0..<3 { XCTAssertEqual(ls.fittedValues[i], y[i], accuracy: 1e-13) }
        XCTAssertEqual(ls.leverages().reduce(0, +), 3, accuracy: 1e-12)
    }

    /// A constant response with an intercept: intercept = the constant, slopes 0, residuals 0.
    func testConstantResponseIsFittedExactly() {
        let x: [Double] = [1, 2, 3, 4, 5, 6]
        let y = [Double](repeating: 2.5, count: 6)
        let ls = LeastSquares(X: Matrix(columns: [[Double](repeating: 1, count: 6), x]), y: y)
        XCTAssertEqual(ls.coefficients[0], 2.5, accuracy: 1e-14)
        XCTAssertEqual(ls.coefficients[1], 0, accuracy: 1e-14)
        XCTAssertEqual(ls.residualSumOfSquares, 0, accuracy: 1e-26)
    }

    /// Weighted least squares equals ordinary least squares on rows scaled by sqrt(w)
    /// (the definition), and with integer weights equals repeating rows.
    func testIntegerWeightsEqualRepeatedRows() {
        let x: [Double] = [0.5, 1.5, 2.0, 3.5, 4.0]
        let y: [Double] = [1.0, 2.2, 2.9, 5.1, 5.5]
        let w: [Double] = [1, 3, 2, 1, 4]
        var xr: [Double] = [], yr: [Double] = []
        for i in x.indices { for _ in 0..<Int(w[i]) { xr.append(x[i]); yr.append(y[i]) } }
        let one = [Double](repeating: 1, count: x.count)
        let wls = LeastSquares(X: Matrix(columns: [one, x]), y: y, weights: w)
        let rep = LeastSquares(X: Matrix(columns: [[Double](repeating: 1, count: xr.count), xr]), y: yr)
        for j in 0..<2 {
            XCTAssertEqual(wls.coefficients[j], rep.coefficients[j], accuracy: 1e-13)
            for k in 0..<2 { XCTAssertEqual(wls.unscaledCovariance[j, k], rep.unscaledCovariance[j, k], accuracy: 1e-13) }
        }
        XCTAssertEqual(wls.residualSumOfSquares, rep.residualSumOfSquares, accuracy: 1e-12)
    }

    /// The LAPACK wrappers: Cholesky inverse of a known SPD matrix and singular values of a diagonal one.
    func testCholeskyInverseAndSingularValues() {
        // A = [[4, 2], [2, 3]], A^-1 = [[3, -2], [-2, 4]] / 8.
        var a: [Double] = [4, 2, 2, 3]
        XCTAssertEqual(a.withUnsafeMutableBufferPointer { LAPACK.potrf(uplo: "U", n: 2, a: $0.baseAddress!, lda: 2) }, 0)
        XCTAssertEqual(a.withUnsafeMutableBufferPointer { LAPACK.potri(uplo: "U", n: 2, a: $0.baseAddress!, lda: 2) }, 0)
        XCTAssertEqual(a[0], 3.0 / 8, accuracy: 1e-15)
        XCTAssertEqual(a[2], -2.0 / 8, accuracy: 1e-15)
        XCTAssertEqual(a[3], 4.0 / 8, accuracy: 1e-15)
        let sv = LAPACK.singularValues(Matrix(rowMajor: [[3, 0], [0, -5], [0, 0]]))
        XCTAssertEqual(sv, [5, 3])
        let t = Matrix(rowMajor: [[2, 1], [0, 4]])
        let rc = t.storage.withUnsafeBufferPointer { LAPACK.trcon(norm: "1", uplo: "U", n: 2, a: $0.baseAddress!, lda: 2) }
        // ||T||_1 = 5, ||T^-1||_1 = max(0.5, 0.125 + 0.25) = 0.5 -> rcond = 1 / 2.5.
        XCTAssertEqual(rc, 0.4, accuracy: 1e-12)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014), for reproducible test sweeps.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class RankDetectionSweepTests: XCTestCase {
    /// Seeded sweep: a random design in which column k is a combination of two
    /// earlier columns must report exactly k aliased, and the remaining fit must
    /// equal the fit without column k. Prints the failing seed.
    func testDependentColumnIsAlwaysTheOneReported() {
        for seed in UInt64(1)...200 {
            var g = SplitMix64(state: seed)
            let p = Int.random(in: 3...8, using: &g)
            let n = Int.random(in: (p + 2)...60, using: &g)
            var cols: [[Double]] = [[Double](repeating: 1, count: n)]
            for _ in 1..<p { cols.append((0..<n).map { _ in Double.random(in: -5...5, using: &g) * pow(10, Double(Int.random(in: -2...3, using: &g))) }) }
            let k = Int.random(in: 2..<p, using: &g)
            let i = Int.random(in: 0..<k, using: &g), j = Int.random(in: 0..<k, using: &g)
            let a = Double.random(in: -3...3, using: &g), b = Double.random(in: -3...3, using: &g)
            cols[k] = (0..<n).map { a * cols[i][$0] + b * cols[j][$0] }
            let y = (0..<n).map { _ in Double.random(in: -10...10, using: &g) }
            let ls = LeastSquares(X: Matrix(columns: cols), y: y)
            var expected = [Bool](repeating: false, count: p)
            expected[k] = true
            XCTAssertEqual(ls.aliased, expected, "seed \(seed): n = \(n), p = \(p), column \(k) = \(a) col\(i) + \(b) col\(j)")
            var reducedCols = cols
            reducedCols.remove(at: k)
            let reduced = LeastSquares(X: Matrix(columns: reducedCols), y: y)
            XCTAssertEqual(ls.residualSumOfSquares, reduced.residualSumOfSquares,
                           accuracy: 1e-9 * max(1, reduced.residualSumOfSquares), "seed \(seed)")
        }
    }
}
