/// A lower factor L with L Lᵀ = A for a symmetric positive semi-definite matrix, allowing
/// zero variances (a coefficient fixed by the calibration).
///
/// Algorithm: the column-by-column Cholesky–Banachiewicz recursion (Golub & Van Loan,
/// *Matrix Computations*, 4th ed., Alg. 4.2.1) with the semidefinite rule of Higham
/// (*Accuracy and Stability of Numerical Algorithms*, 2nd ed., §10.3): a pivot
/// `d_j = a_jj − Σ_k l_jk²` with `|d_j| <= tol`, `tol = n · 1e-13 · max_i a_ii`, gives a zero
/// column, provided every remaining entry of that column is also negligible
/// (`|a_ij − Σ_k l_ik l_jk| <= 1e-6 · sqrt(a_ii a_jj) + tol`), as it must be for a
/// semi-definite matrix; a pivot below `−tol`, a non-finite entry, or a non-negligible entry in a
/// zero column means A is not positive semi-definite, reported with the column.
///
/// No pivoting: the column order (the calibration's term order) is kept so that z_j feeds
/// coefficient j the same way in every run. Matrices are row-major n × n; the result is
/// row-major with zeros above the diagonal. Cost n³/6 multiply-adds, done once per run.
public enum SemidefiniteCholesky {
    /// Where the factorisation failed: 0-based column and its pivot.
    public struct Failure: Error, Sendable, Equatable {
        public var column: Int
        public var pivot: Double
    }

    /// The lower factor of the row-major `dimension` × `dimension` matrix `a`, or the failing column.
    /// Traps when `a.count != dimension²`.
    public static func factor(_ a: [Double], dimension n: Int) -> Result<[Double], Failure> {
        precondition(a.count == n * n, "A \(n) x \(n) matrix needs \(n * n) entries, got \(a.count).")
        var l = [Double](repeating: 0, count: n * n)
        var maxDiagonal = 0.0
        for j in 0..<n {
            guard a[j * n + j].isFinite else { return .failure(Failure(column: j, pivot: a[j * n + j])) }
            maxDiagonal = max(maxDiagonal, a[j * n + j])
        }
        let tol = Double(max(n, 1)) * 1e-13 * maxDiagonal
        for j in 0..<n {
            var pivot = a[j * n + j]
            for k in 0..<j { pivot -= l[j * n + k] * l[j * n + k] }
            if pivot > tol {
                let d = pivot.squareRoot()
                l[j * n + j] = d
                for i in (j + 1)..<max(j + 1, n) {
                    var s = a[i * n + j]
                    guard s.isFinite else { return .failure(Failure(column: j, pivot: s)) }
                    for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                    l[i * n + j] = s / d
                }
            } else if pivot >= -tol {
                for i in (j + 1)..<max(j + 1, n) {
                    var s = a[i * n + j]
                    for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                    let scale = (max(a[i * n + i], 0) * max(a[j * n + j], 0)).squareRoot()
                    guard s.isFinite, abs(s) <= 1e-6 * scale + tol else { return .failure(Failure(column: j, pivot: pivot)) }
                }
            } else {
                return .failure(Failure(column: j, pivot: pivot))
            }
        }
        return .success(l)
    }
}
