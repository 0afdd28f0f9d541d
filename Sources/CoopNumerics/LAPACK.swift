import CLinearAlgebra

/// Thin wrappers over the LAPACKE (`*_work`, column-major) and CBLAS routines
/// the regression core uses.
///
/// Every wrapper works on column-major storage given by a base pointer, its
/// sizes and its leading dimension, checks the sizes it is given (a mismatch
/// is a programmer error and traps with a sentence naming both sizes), and
/// returns LAPACK's `info` where LAPACK has one (0 = success, > 0 = a
/// numerical condition such as a zero pivot, documented per routine).
/// Routines that need a workspace take it `inout` and grow it with LAPACK's
/// own workspace query (`lwork = -1`), so a caller in a loop (IRLS) reuses
/// one buffer. Reference: Anderson et al., *LAPACK Users' Guide*, 3rd ed.,
/// SIAM 1999.
public enum LAPACK {
    /// Converts a size to LAPACK's 32-bit integer, trapping when it does not fit.
    @inlinable
    static func int32(_ value: Int, _ what: String) -> Int32 {
        precondition(value >= 0 && value <= Int(Int32.max),
                     "LAPACK size \(what) must lie in 0...\(Int32.max), got \(value).")
        return Int32(value)
    }

    @inlinable
    static func checkLeading(_ ld: Int, rows: Int, _ what: String) {
        precondition(ld >= max(1, rows),
                     "Leading dimension of \(what) must be at least max(1, rows) = \(max(1, rows)), got \(ld).")
    }

    /// Grows `work` to at least `count` elements (never shrinks it).
    @inlinable
    static func ensure(_ work: inout [Double], _ count: Int) {
        if work.count < count { work = [Double](repeating: 0, count: count) }
    }

    // MARK: QR

    /// QR factorisation with column pivoting, `A P = Q R` (LAPACK `dgeqp3`).
    ///
    /// On entry `pivots[j] != 0` fixes column `j` to the front (in its
    /// original order) and `pivots[j] == 0` leaves it free; with every column
    /// fixed `dgeqp3` factors them in order by the blocked `dgeqrf` (level-3
    /// BLAS). On exit `pivots[j]` is the 1-based original index of the column
    /// now in position `j`, `a` holds R above the diagonal and the Householder
    /// vectors below, `tau` their scalar factors (`min(m, n)` of them).
    @discardableResult
    public static func geqp3(m: Int, n: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             pivots: inout [Int32], tau: inout [Double], work: inout [Double]) -> Int {
        checkLeading(lda, rows: m, "A in dgeqp3")
        precondition(pivots.count == n, "dgeqp3 needs \(n) pivot entries (one per column), got \(pivots.count).")
        let k = min(m, n)
        if tau.count < k { tau = [Double](repeating: 0, count: k) }
        if m == 0 || n == 0 { return 0 }
        var query = 0.0
        _ = pivots.withUnsafeMutableBufferPointer { jp in
            LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, int32(m, "m"), int32(n, "n"), a, int32(lda, "lda"),
                                jp.baseAddress, nil, &query, -1)
        }
        ensure(&work, max(1, Int(query)))
        let lwork = int32(work.count, "lwork")
        let info = pivots.withUnsafeMutableBufferPointer { jp in
            tau.withUnsafeMutableBufferPointer { t in
                work.withUnsafeMutableBufferPointer { w in
                    LAPACKE_dgeqp3_work(LAPACK_COL_MAJOR, int32(m, "m"), int32(n, "n"), a, int32(lda, "lda"),
                                        jp.baseAddress, t.baseAddress, w.baseAddress, lwork)
                }
            }
        }
        return Int(info)
    }

    /// QR factorisation without pivoting in compact WY form, `A = Q R` (LAPACK
    /// `dgeqrt`, recursive panels by `dgeqrt3`: level-3 BLAS throughout, about
    /// twice as fast as `dgeqrf` on tall, skinny matrices here).
    ///
    /// Requires m >= n. On exit `a` holds R above the diagonal and the
    /// Householder vectors below; `t` (nb x n, leading dimension nb) the
    /// triangular block-reflector factors. `nb` is clamped to 1...max(1, n).
    @discardableResult
    public static func geqrt(m: Int, n: Int, nb: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             t: inout [Double], work: inout [Double]) -> Int {
        precondition(m >= n, "dgeqrt needs at least as many rows as columns, got \(m) x \(n).")
        checkLeading(lda, rows: m, "A in dgeqrt")
        let b = max(1, min(nb, n))
        if t.count < b * n { t = [Double](repeating: 0, count: b * n) }
        ensure(&work, b * n)
        if m == 0 || n == 0 { return 0 }
        let info = t.withUnsafeMutableBufferPointer { tp in
            work.withUnsafeMutableBufferPointer { w in
                LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, int32(m, "m"), int32(n, "n"), int32(b, "nb"), a, int32(lda, "lda"),
                                    tp.baseAddress, int32(b, "ldt"), w.baseAddress)
            }
        }
        return Int(info)
    }

    /// Applies Q or Q' of a `dgeqrt` factorisation (k reflectors, block size nb) to C (LAPACK `dgemqrt`).
    @discardableResult
    public static func gemqrt(side: Character, trans: Character, m: Int, n: Int, k: Int, nb: Int,
                              v: UnsafePointer<Double>, ldv: Int, t: [Double],
                              c: UnsafeMutablePointer<Double>, ldc: Int, work: inout [Double]) -> Int {
        precondition(side == "L" || side == "R", "dgemqrt side must be L or R, got \(side).")
        precondition(trans == "N" || trans == "T", "dgemqrt trans must be N or T, got \(trans).")
        let nq = side == "L" ? m : n
        precondition(k <= nq, "dgemqrt needs k <= \(nq) reflectors for this side, got \(k).")
        let b = max(1, min(nb, k))
        precondition(t.count >= b * k, "dgemqrt needs an nb x k = \(b) x \(k) T factor, got \(t.count) values.")
        checkLeading(ldv, rows: nq, "V in dgemqrt")
        checkLeading(ldc, rows: m, "C in dgemqrt")
        if m == 0 || n == 0 || k == 0 { return 0 }
        ensure(&work, b * (side == "L" ? n : m))
        let info = work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dgemqrt_work(LAPACK_COL_MAJOR, Int8(side.asciiValue!), Int8(trans.asciiValue!), int32(m, "m"),
                                 int32(n, "n"), int32(k, "k"), int32(b, "nb"), v, int32(ldv, "ldv"), t, int32(b, "ldt"),
                                 c, int32(ldc, "ldc"), w.baseAddress)
        }
        return Int(info)
    }

    /// Applies Q or Q' from a QR factorisation to C (LAPACK `dormqr`).
    ///
    /// `side` is `"L"` (C := op(Q) C, C is m x n, Q is m x m) or `"R"`
    /// (C := C op(Q), Q is n x n); `trans` is `"N"` or `"T"`; `k` reflectors
    /// are stored in the columns of `a` (leading dimension `lda`).
    @discardableResult
    public static func ormqr(side: Character, trans: Character, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Double>, lda: Int, tau: [Double],
                             c: UnsafeMutablePointer<Double>, ldc: Int, work: inout [Double]) -> Int {
        precondition(side == "L" || side == "R", "dormqr side must be L or R, got \(side).")
        precondition(trans == "N" || trans == "T", "dormqr trans must be N or T, got \(trans).")
        let nq = side == "L" ? m : n
        precondition(k <= nq, "dormqr needs k <= \(nq) reflectors for this side, got \(k).")
        precondition(tau.count >= k, "dormqr needs \(k) tau values, got \(tau.count).")
        checkLeading(lda, rows: nq, "A in dormqr")
        checkLeading(ldc, rows: m, "C in dormqr")
        if m == 0 || n == 0 || k == 0 { return 0 }
        let s = Int8(side.asciiValue!), t = Int8(trans.asciiValue!)
        var query = 0.0
        _ = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, s, t, int32(m, "m"), int32(n, "n"), int32(k, "k"),
                                a, int32(lda, "lda"), tau, c, int32(ldc, "ldc"), &query, -1)
        ensure(&work, max(1, Int(query)))
        let lwork = int32(work.count, "lwork")
        let info = work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dormqr_work(LAPACK_COL_MAJOR, s, t, int32(m, "m"), int32(n, "n"), int32(k, "k"),
                                a, int32(lda, "lda"), tau, c, int32(ldc, "ldc"), w.baseAddress, lwork)
        }
        return Int(info)
    }

    /// Forms the first `n` columns of Q from `k` reflectors in place (LAPACK `dorgqr`).
    @discardableResult
    public static func orgqr(m: Int, n: Int, k: Int, a: UnsafeMutablePointer<Double>, lda: Int,
                             tau: [Double], work: inout [Double]) -> Int {
        precondition(m >= n && n >= k, "dorgqr needs m >= n >= k, got m = \(m), n = \(n), k = \(k).")
        checkLeading(lda, rows: m, "A in dorgqr")
        if n == 0 { return 0 }
        var query = 0.0
        _ = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, int32(m, "m"), int32(n, "n"), int32(k, "k"),
                                a, int32(lda, "lda"), tau, &query, -1)
        ensure(&work, max(1, Int(query)))
        let lwork = int32(work.count, "lwork")
        let info = work.withUnsafeMutableBufferPointer { w in
            LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, int32(m, "m"), int32(n, "n"), int32(k, "k"),
                                a, int32(lda, "lda"), tau, w.baseAddress, lwork)
        }
        return Int(info)
    }

    // MARK: Triangular

    /// Solves op(A) X = B for triangular A (n x n) and `nrhs` right-hand sides (LAPACK `dtrtrs`).
    ///
    /// Returns `i > 0` when `A[i-1, i-1]` is exactly zero (no solution computed).
    @discardableResult
    public static func trtrs(uplo: Character, trans: Character, n: Int, nrhs: Int,
                             a: UnsafePointer<Double>, lda: Int,
                             b: UnsafeMutablePointer<Double>, ldb: Int) -> Int {
        checkLeading(lda, rows: n, "A in dtrtrs")
        checkLeading(ldb, rows: n, "B in dtrtrs")
        if n == 0 || nrhs == 0 { return 0 }
        return Int(LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, Int8(uplo.asciiValue!), Int8(trans.asciiValue!),
                                       Int8(UInt8(ascii: "N")), int32(n, "n"), int32(nrhs, "nrhs"),
                                       a, int32(lda, "lda"), b, int32(ldb, "ldb")))
    }

    /// Inverts a triangular matrix in place (LAPACK `dtrtri`); `i > 0` flags a zero diagonal.
    @discardableResult
    public static func trtri(uplo: Character, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        checkLeading(lda, rows: n, "A in dtrtri")
        if n == 0 { return 0 }
        return Int(LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, Int8(uplo.asciiValue!), Int8(UInt8(ascii: "N")),
                                       int32(n, "n"), a, int32(lda, "lda")))
    }

    /// Reciprocal condition number of a triangular matrix in the 1-norm or
    /// infinity norm (LAPACK `dtrcon`, an estimate within a factor of a few).
    public static func trcon(norm: Character, uplo: Character, n: Int, a: UnsafePointer<Double>, lda: Int) -> Double {
        checkLeading(lda, rows: n, "A in dtrcon")
        if n == 0 { return 1 }
        var rcond = 0.0
        var work = [Double](repeating: 0, count: 3 * n)
        var iwork = [Int32](repeating: 0, count: n)
        _ = LAPACKE_dtrcon_work(LAPACK_COL_MAJOR, Int8(norm.asciiValue!), Int8(uplo.asciiValue!),
                                Int8(UInt8(ascii: "N")), int32(n, "n"), a, int32(lda, "lda"),
                                &rcond, &work, &iwork)
        return rcond
    }

    /// B := alpha op(A)^-1 B (side L) or alpha B op(A)^-1 (side R), A triangular (BLAS `dtrsm`).
    public static func trsm(side: Character, uplo: Character, transA: Character, m: Int, n: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafeMutablePointer<Double>, ldb: Int) {
        let na = side == "L" ? m : n
        checkLeading(lda, rows: na, "A in dtrsm")
        checkLeading(ldb, rows: m, "B in dtrsm")
        if m == 0 || n == 0 { return }
        cblas_dtrsm(CblasColMajor, side == "L" ? CblasLeft : CblasRight, uplo == "U" ? CblasUpper : CblasLower,
                    transA == "T" ? CblasTrans : CblasNoTrans, CblasNonUnit,
                    int32(m, "m"), int32(n, "n"), alpha, a, int32(lda, "lda"), b, int32(ldb, "ldb"))
    }

    // MARK: Cholesky

    /// Cholesky factorisation of a symmetric positive definite matrix (LAPACK `dpotrf`).
    ///
    /// Returns `i > 0` when the leading minor of order `i` is not positive definite.
    @discardableResult
    public static func potrf(uplo: Character, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        checkLeading(lda, rows: n, "A in dpotrf")
        if n == 0 { return 0 }
        return Int(LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Int8(uplo.asciiValue!), int32(n, "n"), a, int32(lda, "lda")))
    }

    /// Inverse of a symmetric positive definite matrix from its Cholesky factor (LAPACK `dpotri`);
    /// only the `uplo` triangle is set.
    @discardableResult
    public static func potri(uplo: Character, n: Int, a: UnsafeMutablePointer<Double>, lda: Int) -> Int {
        checkLeading(lda, rows: n, "A in dpotri")
        if n == 0 { return 0 }
        return Int(LAPACKE_dpotri_work(LAPACK_COL_MAJOR, Int8(uplo.asciiValue!), int32(n, "n"), a, int32(lda, "lda")))
    }

    // MARK: SVD

    /// Singular values of an m x n matrix in decreasing order (LAPACK `dgesdd`, `jobz = N`);
    /// the matrix is copied, not destroyed. Each value is accurate to about
    /// eps * largest singular value (absolute).
    public static func singularValues(_ matrix: Matrix) -> [Double] {
        let m = matrix.rows, n = matrix.columns, k = min(m, n)
        if k == 0 { return [] }
        var a = matrix.storage
        var s = [Double](repeating: 0, count: k)
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var query = 0.0
        _ = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), int32(m, "m"), int32(n, "n"),
                                &a, int32(max(1, m), "lda"), &s, nil, 1, nil, 1, &query, -1, &iwork)
        var work = [Double](repeating: 0, count: max(1, Int(query)))
        let info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), int32(m, "m"), int32(n, "n"),
                                       &a, int32(max(1, m), "lda"), &s, nil, 1, nil, 1,
                                       &work, int32(work.count, "lwork"), &iwork)
        if info != 0 { return [Double](repeating: .nan, count: k) }
        return s
    }

    // MARK: Level-3 BLAS on Matrix values

    /// C := alpha op(A) op(B) + beta C (BLAS `dgemm`).
    public static func gemm(transA: Bool = false, transB: Bool = false, alpha: Double = 1,
                            _ a: Matrix, _ b: Matrix, beta: Double = 0, into c: inout Matrix) {
        let m = transA ? a.columns : a.rows
        let k = transA ? a.rows : a.columns
        let kb = transB ? b.columns : b.rows
        let n = transB ? b.rows : b.columns
        precondition(k == kb, "dgemm inner dimensions differ: op(A) is \(m) x \(k), op(B) is \(kb) x \(n).")
        precondition(c.rows == m && c.columns == n, "dgemm result must be \(m) x \(n), got \(c.rows) x \(c.columns).")
        if m == 0 || n == 0 { return }
        if k == 0 { for i in c.storage.indices { c.storage[i] *= beta }; return }
        cblas_dgemm(CblasColMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    int32(m, "m"), int32(n, "n"), int32(k, "k"), alpha, a.storage, int32(max(1, a.rows), "lda"),
                    b.storage, int32(max(1, b.rows), "ldb"), beta, &c.storage, int32(max(1, m), "ldc"))
    }

    /// The matrix product op(A) op(B).
    public static func multiply(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false) -> Matrix {
        var c = Matrix(rows: transA ? a.columns : a.rows, columns: transB ? b.rows : b.columns)
        gemm(transA: transA, transB: transB, a, b, into: &c)
        return c
    }

    /// C := alpha A'A + beta C (trans = true) or alpha A A' + beta C, upper triangle,
    /// then mirrored so C is fully symmetric (BLAS `dsyrk`).
    public static func syrk(transposed: Bool, alpha: Double = 1, _ a: Matrix, beta: Double = 0, into c: inout Matrix) {
        let n = transposed ? a.columns : a.rows
        let k = transposed ? a.rows : a.columns
        precondition(c.rows == n && c.columns == n, "dsyrk result must be \(n) x \(n), got \(c.rows) x \(c.columns).")
        if n == 0 { return }
        if k > 0 {
            cblas_dsyrk(CblasColMajor, CblasUpper, transposed ? CblasTrans : CblasNoTrans, int32(n, "n"), int32(k, "k"),
                        alpha, a.storage, int32(max(1, a.rows), "lda"), beta, &c.storage, int32(n, "ldc"))
        } else {
            for i in c.storage.indices { c.storage[i] *= beta }
        }
        symmetrizeFromUpper(&c)
    }

    /// Copies the upper triangle of a square matrix onto its lower triangle.
    public static func symmetrizeFromUpper(_ c: inout Matrix) {
        precondition(c.rows == c.columns, "Only a square matrix can be symmetrised, got \(c.rows) x \(c.columns).")
        let n = c.rows
        for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { c.storage[i + j * n] = c.storage[j + i * n] } }
    }
}
