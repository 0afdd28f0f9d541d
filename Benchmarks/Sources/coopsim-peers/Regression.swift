import CLinearAlgebra
import CoopNumerics

/// A design and response written by peers.py: `meta.json` ({"n", "p"}), `X.f64` (column-major,
/// n * p little-endian doubles) and `y.f64` (n doubles).
struct RegressionData {
    var X: Matrix
    var y: [Double]

    init(directory: String) {
        let meta = readJSON(directory + "/meta.json")
        guard let n = meta["n"] as? Int, let p = meta["p"] as? Int else { fail("\(directory)/meta.json needs integers n and p") }
        X = Matrix(rows: n, columns: p, columnMajor: readDoubles(directory + "/X.f64", count: n * p))
        y = readDoubles(directory + "/y.f64", count: n)
    }
}

/// The bare LAPACK least-squares solve: `LAPACKE_dgels` (Householder QR, no pivoting) on a copy of
/// X (dgels overwrites its input, so any caller that keeps its data pays the copy; it is timed).
func bareQRSolve(_ X: Matrix, _ y: [Double]) -> [Double] {
    let n = X.rows, p = X.columns
    var a = X.storage
    var b = y
    let info = a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeMutableBufferPointer { bp in
            LAPACKE_dgels(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(n), Int32(p), 1,
                          ap.baseAddress, Int32(n), bp.baseAddress, Int32(max(n, 1)))
        }
    }
    if info != 0 { fail("LAPACKE_dgels returned info = \(info)", status: 1) }
    return Array(b[0..<p])
}

/// Largest |a_i - b_i| / max(|b_i|, 1e-300) over the coefficients.
func maxRelativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    zip(a, b).map { abs($0 - $1) / max(abs($1), 1e-300) }.max() ?? 0
}

/// `coopsim-peers ols --data DIR --repeat N`: coopsim's OLS (classical and HC3) and the bare
/// `LAPACKE_dgels` solve, timed in one process on the same matrix.
func runOLS(_ o: Options) {
    let data = RegressionData(directory: o.string("data"))
    let repeats = o.int("repeat", default: 5)
    var hc3Coefficients: [Double] = [], hc3Errors: [Double] = [], classicalErrors: [Double] = []
    let tHC3 = time(repeats: repeats) {
        let fit = LinearModel.fit(X: data.X, y: data.y, covariance: .hc3)
        hc3Coefficients = fit.coefficients
        hc3Errors = fit.standardErrors
    }
    let tClassical = time(repeats: repeats) {
        classicalErrors = LinearModel.fit(X: data.X, y: data.y, covariance: .classical).standardErrors
    }
    var dgels: [Double] = []
    let tDgels = time(repeats: repeats) { dgels = bareQRSolve(data.X, data.y) }
    emit([
        "n": data.X.rows, "p": data.X.columns,
        "coopsim_ols_hc3": tHC3, "coopsim_ols_classical": tClassical, "lapacke_dgels": tDgels,
        "coefficients": hc3Coefficients, "hc3_std_errors": hc3Errors, "classical_std_errors": classicalErrors,
        "max_rel_diff_vs_dgels": maxRelativeDifference(hc3Coefficients, dgels),
        "openblas_threads": Int(openblas_get_num_threads()),
        "peak_rss_bytes": peakRSSBytes(),
    ])
}

/// `coopsim-peers glm --data DIR --repeat N`: coopsim's Poisson GLM (IRLS on the QR core).
func runGLM(_ o: Options) {
    let data = RegressionData(directory: o.string("data"))
    let repeats = o.int("repeat", default: 5)
    var coefficients: [Double] = [], errors: [Double] = [], iterations = 0, converged = false
    let t = time(repeats: repeats) {
        let fit = GeneralizedLinearModel.fit(X: data.X, y: data.y, family: .poisson)
        coefficients = fit.coefficients
        errors = fit.standardErrors
        iterations = fit.iterations
        converged = fit.converged
    }
    emit([
        "n": data.X.rows, "p": data.X.columns, "coopsim_glm_poisson": t,
        "coefficients": coefficients, "std_errors": errors, "iterations": iterations, "converged": converged,
        "openblas_threads": Int(openblas_get_num_threads()),
    ])
}

/// `coopsim-peers qr --data DIR --repeat N`: `LeastSquares` with each factorisation (`dgeqrt`
/// compact WY, the default, and `dgeqp3` with fixed columns, i.e. blocked `dgeqrf`) against the
/// bare `dgels`, to show where each QR pays off.
func runQR(_ o: Options) {
    let data = RegressionData(directory: o.string("data"))
    let repeats = o.int("repeat", default: 5)
    let tWY = time(repeats: repeats) { _ = LeastSquares(X: data.X, y: data.y, factorization: .compactWY).coefficients }
    let tPivoted = time(repeats: repeats) { _ = LeastSquares(X: data.X, y: data.y, factorization: .pivoted).coefficients }
    let tDgels = time(repeats: repeats) { _ = bareQRSolve(data.X, data.y) }
    emit(["n": data.X.rows, "p": data.X.columns, "least_squares_compact_wy": tWY, "least_squares_pivoted": tPivoted,
          "lapacke_dgels": tDgels, "openblas_threads": Int(openblas_get_num_threads())])
}
