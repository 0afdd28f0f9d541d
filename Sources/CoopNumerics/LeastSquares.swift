import CLinearAlgebra

/// Weighted linear least squares by Householder QR on an equilibrated design,
/// with rank detection that reports the *later* column of a dependent set as
/// aliased (as R's `lm`).
///
/// Solves `min_b || W^(1/2) (y - X b) ||_2` for an n x p design `X`, a
/// response `y` and optional non-negative weights `w` (none = all ones):
///
/// 1. Row scaling: `A = W^(1/2) X`, `z = W^(1/2) y`.
/// 2. Equilibration: every column of `A` is divided by its 2-norm `s_j`
///    (van der Sluis 1969: the column scaling that nearly minimises the
///    condition number); the solution is unscaled by `b_j = c_j / s_j`.
///    This is what brings the NIST polynomial problems (Filip, Wampler) to
///    8 or more correct digits.
/// 3. `A = Q R` by Householder QR with the columns in formula order: LAPACK
///    `dgeqrt` (recursive compact-WY panels, level-3 BLAS; the default) or
///    `dgeqp3` with every column fixed (`.pivoted`, which LAPACK runs as the
///    blocked `dgeqrf`). Column `k` is
///    declared aliased when `|R_kk| <= rankTolerance`: after equilibration
///    `|R_kk|` is the relative distance of column k from the span of the
///    columns before it, which is exactly the test of R's limited-pivoting
///    `dqrdc2` (R uses 1e-7; we default to 1e-10 so that Filip, whose
///    smallest `|R_kk|` is 5.2e-8, keeps all 11 columns, while exact
///    dependence gives `|R_kk|` of order 1e-15). The aliased column is
///    removed and the remaining columns are factored again, until no
///    diagonal is small; when p > n the columns after the first n
///    independent ones are aliased. Aliased columns get a NaN coefficient.
/// 4. `c = R^-1 (Q'z)[0..<r]` by `dtrtrs`; weighted residuals are
///    `Q [0; (Q'z)[r..<n]]` (the backward-stable `qr.resid` of R/LINPACK,
///    which avoids the cancellation of `y - X b` on ill-conditioned designs);
///    residuals on the response scale are those divided by `sqrt(w_i)` (and
///    `y - X b` for rows of zero weight).
/// 5. `(X'WX)^-1` on the estimable columns is `D^-1 R^-1 R^-T D^-1` (`dtrtri`
///    then `dsyrk`); the normal equations are never formed.
///
/// 6. Refinement (Björck 1967, "Iterative refinement of linear least squares
///    solutions I"): the augmented system `[I A; A' 0][r; x] = [z; 0]` is
///    refined twice, its residuals computed in double-double arithmetic
///    (exact products by `fma`), the corrections solved through the same QR.
///    This removes the `kappa^2 eps ||r||` term of large-residual problems
///    (Wampler 4-5: from 5.8 to 15 digits; Longley: 10.7 to 14.6). By
///    default (`.automatic`) it runs when the equilibrated condition number
///    exceeds 100, so well-conditioned large fits pay nothing; it costs
///    about 2 x 2 passes over X in double-double arithmetic.
///
/// Accuracy: on the NIST StRD linear problems coefficients and standard
/// errors agree with the certified values to at least 7.5 significant digits
/// on Filip (limited by the rounding of x^k in the data itself), and to 11.9
/// or more on the other ten (see Guides/LeastSquares.md).
///
/// Edge cases: a column of zeros (after weighting) is aliased; p = 0 gives an
/// empty fit with all of `y` as residual; `n <= p` keeps at most `n`
/// columns; an exact fit gives zero residuals. Inputs must be finite and
/// weights non-negative (programmer errors, trapped with a sentence).
///
/// Complexity: `2 n r^2 - 2 r^3/3` flops for the QR (plus one refactorisation
/// per aliased column), `O(n r)` for the solve and residuals. Measured on
/// 1,000,000 x 50 (one OpenBLAS thread, CPU seconds, best of 3): this
/// initialiser 1.14 s, `dgels` on a copy 1.55 s; with `.pivoted` 1.98 s.
public struct LeastSquares: Sendable {
    /// Number of rows n of the design.
    public let rows: Int
    /// Number of columns p of the design.
    public let columns: Int
    /// Coefficients in column order; NaN for aliased columns.
    public let coefficients: [Double]
    /// `aliased[j]` is true when column j is (numerically) a combination of the columns before it.
    public let aliased: [Bool]
    /// Indices of the non-aliased columns, in increasing order (their count is the rank).
    public let estimableColumns: [Int]
    /// Residuals `y - X b` on the response scale (not multiplied by `sqrt(w)`).
    public let residuals: [Double]
    /// Fitted values `X b`.
    public let fittedValues: [Double]
    /// Weighted residuals `sqrt(w_i) (y_i - x_i'b)`.
    public let weightedResiduals: [Double]
    /// Weighted residual sum of squares `sum w_i r_i^2`, from the tail of `Q'z`.
    public let residualSumOfSquares: Double
    /// `(X'WX)^-1` restricted to `estimableColumns` (rank x rank, symmetric).
    public let unscaledCovariance: Matrix
    /// 2-norm condition number of `W^(1/2) X` on the estimable columns, from the
    /// singular values of `R D` (the same quantity statsmodels reports as
    /// `condition_number`, computed there over all columns).
    public let conditionNumber: Double
    /// 2-norm condition number of the equilibrated design (unit column norms)
    /// on the estimable columns: the one that governs the accuracy here.
    public let equilibratedConditionNumber: Double
    /// The rank tolerance used on `|R_kk|` of the equilibrated design.
    public let rankTolerance: Double
    /// Column scales `s_j = ||W^(1/2) X_j||_2` (1 for zero columns).
    public let columnScale: [Double]

    // Kept for leverages and sandwich covariances.
    let design: Matrix
    let sqrtWeights: [Double]?
    /// R of the equilibrated estimable columns (rank x rank, upper triangle).
    let rFactor: Matrix

    /// When to refine the solution by the augmented-system iteration.
    public enum Refinement: Sendable {
        /// Two steps when the equilibrated condition number exceeds 100 (the default).
        case automatic
        /// Always two steps.
        case always
        /// Never.
        case never
    }

    /// Which LAPACK Householder QR factors the (equilibrated) columns. Both keep
    /// the columns in formula order; rank detection is the same (see the type's
    /// documentation), so they give the same R up to rounding.
    public enum Factorization: Sendable {
        /// The faster of the two for the design's shape (the default): `.pivoted` (blocked
        /// `dgeqrf`) for narrow designs (at most 12 columns, or fewer than 40 columns with fewer
        /// than 500,000 rows), `.compactWY` otherwise. Measured with `coopsim-peers qr`
        /// (Benchmarks/README.md): `dgeqrt`'s recursive panels pay level-3 call overhead on
        /// blocks a few columns wide (2.1x slower at 20,000 x 10) but win on wide designs
        /// (1.9x faster at 1,000,000 x 50). Both are Householder QR in column order.
        case automatic
        /// `dgeqrt` (recursive compact WY, level-3 BLAS): about 2x faster than `dgeqrf` on
        /// tall designs with many columns.
        case compactWY
        /// `dgeqp3` with every column fixed (which LAPACK runs as the blocked `dgeqrf`).
        case pivoted
    }

    /// Whether `factorization` resolves to `dgeqrt` for an n x k design.
    static func usesCompactWY(_ factorization: Factorization, rows n: Int, columns k: Int) -> Bool {
        switch factorization {
        case .compactWY: return true
        case .pivoted: return false
        case .automatic: return !(k <= 12 || (k < 40 && n < 500_000))
        }
    }

    /// Panel width (block size) for `dgeqrt`.
    static let panelWidth = 32

    /// The number of estimable columns.
    public var rank: Int { estimableColumns.count }

    /// The default rank tolerance on `|R_kk|` after column equilibration.
    public static let defaultRankTolerance = 1e-10

    /// Fits `y ~ X` by least squares, weighted when `weights` is given.
    public init(X: Matrix, y: [Double], weights: [Double]? = nil,
                rankTolerance: Double = LeastSquares.defaultRankTolerance,
                refinement: Refinement = .automatic, factorization: Factorization = .automatic) {
        let n = X.rows, p = X.columns
        precondition(y.count == n, "Least squares needs one response per row: X has \(n) rows, y has \(y.count) values.")
        precondition(rankTolerance >= 0 && rankTolerance < 1, "The rank tolerance must lie in [0, 1), got \(rankTolerance).")
        var sw: [Double]? = nil
        if let w = weights {
            precondition(w.count == n, "Least squares needs one weight per row: X has \(n) rows, weights has \(w.count) values.")
            var s = [Double](repeating: 0, count: n)
            for i in 0..<n {
                precondition(w[i] >= 0 && w[i].isFinite, "Weights must be finite and non-negative, got \(w[i]) at row \(i).")
                s[i] = w[i].squareRoot()
            }
            sw = s
        }
        for i in 0..<n { precondition(y[i].isFinite, "The response must be finite, got \(y[i]) at row \(i).") }

        self.rows = n
        self.columns = p
        self.design = X
        self.sqrtWeights = sw
        self.rankTolerance = rankTolerance

        // Weighted response.
        var z = y
        if let sw { for i in 0..<n { z[i] *= sw[i] } }

        // Copy W^(1/2) X once, measure and scale its columns in place (a non-finite
        // norm means a non-finite entry, reported with its position).
        var scale = [Double](repeating: 1, count: p)
        var keep: [Int] = []
        var a = [Double](repeating: 0, count: n * p)
        a.withUnsafeMutableBufferPointer { ap in
            X.storage.withUnsafeBufferPointer { xs in
                for j in 0..<p {
                    let dst = ap.baseAddress! + j * n, src = xs.baseAddress! + j * n
                    if let sw {
                        sw.withUnsafeBufferPointer { wp in for i in 0..<n { dst[i] = src[i] * wp[i] } }
                    } else {
                        dst.update(from: src, count: n)
                    }
                    let norm = n > 0 ? cblas_dnrm2(Int32(n), dst, 1) : 0
                    if !norm.isFinite {
                        for i in 0..<n { precondition(src[i].isFinite, "The design matrix must be finite, found \(src[i]) at row \(i), column \(j).") }
                        preconditionFailure("Column \(j) of the design is too large to scale (its 2-norm overflows).")
                    }
                    if norm > 0 {
                        scale[j] = norm
                        keep.append(j)
                        cblas_dscal(Int32(n), 1 / norm, dst, 1)
                    }
                }
            }
        }
        self.columnScale = scale

        // Factor, drop the first small diagonal, repeat (refilling from X after a drop).
        var tau: [Double] = []
        var work: [Double] = []
        var usedCompactWY = false
        var needsRefill = keep.count != p
        while true {
            let k = keep.count
            if needsRefill {
                a = [Double](repeating: 0, count: n * k)
                a.withUnsafeMutableBufferPointer { ap in
                    X.storage.withUnsafeBufferPointer { xs in
                        for (c, j) in keep.enumerated() {
                            let inv = 1 / scale[j]
                            let dst = ap.baseAddress! + c * n, src = xs.baseAddress! + j * n
                            if let sw {
                                sw.withUnsafeBufferPointer { wp in for i in 0..<n { dst[i] = src[i] * wp[i] } }
                            } else {
                                dst.update(from: src, count: n)
                            }
                            cblas_dscal(Int32(n), inv, dst, 1)
                        }
                    }
                }
            }
            needsRefill = true
            a.withUnsafeMutableBufferPointer { ap in
                if !LeastSquares.usesCompactWY(factorization, rows: n, columns: k) || k > n {
                    var pivots = [Int32](repeating: 1, count: k)
                    _ = LAPACK.geqp3(m: n, n: k, a: ap.baseAddress!, lda: max(1, n), pivots: &pivots, tau: &tau, work: &work)
                } else {
                    _ = LAPACK.geqrt(m: n, n: k, nb: LeastSquares.panelWidth, a: ap.baseAddress!, lda: max(1, n), t: &tau, work: &work)
                }
            }
            usedCompactWY = LeastSquares.usesCompactWY(factorization, rows: n, columns: k) && k <= n
            var firstSmall: Int? = nil
            for c in 0..<min(n, k) where abs(a[c + c * n]) <= rankTolerance {
                firstSmall = c
                break
            }
            if let c = firstSmall {
                keep.remove(at: c)
                continue
            }
            if k > n {
                keep.removeLast(k - n)
                continue
            }
            break
        }
        let r = keep.count
        var isAliased = [Bool](repeating: true, count: p)
        for j in keep { isAliased[j] = false }
        self.aliased = isAliased
        self.estimableColumns = keep

        // R factor (r x r).
        var rf = Matrix(rows: r, columns: r)
        for j in 0..<r { for i in 0...j { rf.storage[i + j * r] = a[i + j * n] } }
        self.rFactor = rf

        // Q'z, solution, residuals.
        func applyQ(_ v: inout [Double], _ trans: Character) {
            if r == 0 { return }
            a.withUnsafeBufferPointer { ap in
                v.withUnsafeMutableBufferPointer { q in
                    if usedCompactWY {
                        _ = LAPACK.gemqrt(side: "L", trans: trans, m: n, n: 1, k: r, nb: LeastSquares.panelWidth,
                                          v: ap.baseAddress!, ldv: max(1, n), t: tau, c: q.baseAddress!, ldc: max(1, n), work: &work)
                    } else {
                        _ = LAPACK.ormqr(side: "L", trans: trans, m: n, n: 1, k: r, a: ap.baseAddress!, lda: max(1, n),
                                         tau: tau, c: q.baseAddress!, ldc: max(1, n), work: &work)
                    }
                }
            }
        }
        var qtz = z
        applyQ(&qtz, "T")
        var c = Array(qtz[0..<r])
        if r > 0 {
            rf.storage.withUnsafeBufferPointer { rp in
                c.withUnsafeMutableBufferPointer { cp in
                    _ = LAPACK.trtrs(uplo: "U", trans: "N", n: r, nrhs: 1, a: rp.baseAddress!, lda: r,
                                     b: cp.baseAddress!, ldb: r)
                }
            }
        }
        var coef = [Double](repeating: .nan, count: p)
        for (idx, j) in keep.enumerated() { coef[j] = c[idx] / scale[j] }

        // Weighted residuals Q [0; (Q'z)[r..<n]].
        var wres = qtz
        for i in 0..<r { wres[i] = 0 }
        applyQ(&wres, "N")

        // Condition numbers from singular values of R and R D.
        if r > 0 {
            let sv = LAPACK.singularValues(rf)
            self.equilibratedConditionNumber = sv.last! > 0 ? sv.first! / sv.last! : .infinity
            var rd = rf
            for j in 0..<r { for i in 0...j { rd.storage[i + j * r] *= scale[keep[j]] } }
            let svd = LAPACK.singularValues(rd)
            self.conditionNumber = svd.last! > 0 ? svd.first! / svd.last! : .infinity
        } else {
            self.equilibratedConditionNumber = .nan
            self.conditionNumber = .nan
        }

        // Refinement of the augmented system [I A; A' 0][r; x] = [z; 0]
        // (Björck 1967), residuals of both equations in double-double.
        let steps: Int
        switch refinement {
        case .never: steps = 0
        case .always: steps = 2
        case .automatic: steps = equilibratedConditionNumber > 100 ? 6 : 0
        }
        // The coefficients are carried as double-double (coef + coefLow) during the
        // refinement: rounding b to double perturbs X b by ~eps sum|x_ij b_j|,
        // which the correction would amplify by ||A^+|| and so stall at kappa*eps.
        var coefLow = [Double](repeating: 0, count: p)
        if r > 0 && n > 0 {
            for _ in 0..<steps {
                // f = z - r - W^(1/2) X b, in double-double per row.
                var hi = [Double](repeating: 0, count: n)
                var lo = [Double](repeating: 0, count: n)
                X.storage.withUnsafeBufferPointer { xs in
                    for j in keep {
                        let bj = coef[j], bl = coefLow[j]
                        let col = xs.baseAddress! + j * n
                        for i in 0..<n {
                            _ddAddProduct(&hi[i], &lo[i], col[i], bj)
                            lo[i] += col[i] * bl
                        }
                    }
                }
                var f = [Double](repeating: 0, count: n)
                for i in 0..<n {
                    let s = sw?[i] ?? 1
                    // z_i - wres_i - s * (hi + lo)
                    var h = 0.0, l = 0.0
                    _ddAddProduct(&h, &l, y[i], s)
                    _ddAddProduct(&h, &l, -hi[i], s)
                    _ddAddProduct(&h, &l, -lo[i], s)
                    _ddAddProduct(&h, &l, -wres[i], 1)
                    f[i] = h + l
                }
                // g = -A' r = -D^-1 X' W^(1/2) r.
                var g = [Double](repeating: 0, count: r)
                X.storage.withUnsafeBufferPointer { xs in
                    for (idx, j) in keep.enumerated() {
                        let col = xs.baseAddress! + j * n
                        var h = 0.0, l = 0.0
                        if let sw {
                            for i in 0..<n { _ddAddProduct(&h, &l, col[i] * sw[i], wres[i]) }
                        } else {
                            for i in 0..<n { _ddAddProduct(&h, &l, col[i], wres[i]) }
                        }
                        g[idx] = -(h + l) / scale[j]
                    }
                }
                // d = Q'f; h = R^-T g; dx = R^-1 (d1 - h); dr = Q [h; d2].
                var d = f
                applyQ(&d, "T")
                var hv = g
                rf.storage.withUnsafeBufferPointer { rp in
                    hv.withUnsafeMutableBufferPointer { hp in
                        _ = LAPACK.trtrs(uplo: "U", trans: "T", n: r, nrhs: 1, a: rp.baseAddress!, lda: r,
                                         b: hp.baseAddress!, ldb: r)
                    }
                }
                var dx = [Double](repeating: 0, count: r)
                for i in 0..<r { dx[i] = d[i] - hv[i] }
                rf.storage.withUnsafeBufferPointer { rp in
                    dx.withUnsafeMutableBufferPointer { xp in
                        _ = LAPACK.trtrs(uplo: "U", trans: "N", n: r, nrhs: 1, a: rp.baseAddress!, lda: r,
                                         b: xp.baseAddress!, ldb: r)
                    }
                }
                var dr = d
                for i in 0..<r { dr[i] = hv[i] }
                applyQ(&dr, "N")
                for (idx, j) in keep.enumerated() {
                    // (coef, coefLow) += dx / s_j in double-double.
                    let d = dx[idx] / scale[j]
                    let sum = coef[j] + d
                    let bb = sum - coef[j]
                    let err = (coef[j] - (sum - bb)) + (d - bb)
                    let low = coefLow[j] + err
                    coef[j] = sum + low
                    coefLow[j] = low - (coef[j] - sum)
                }
                for i in 0..<n { wres[i] += dr[i] }
            }
        }
        self.coefficients = coef
        var rss = 0.0
        for v in wres { rss += v * v }
        self.residualSumOfSquares = rss
        self.weightedResiduals = wres
        var res = [Double](repeating: 0, count: n)
        var fit = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let s = sw?[i] ?? 1
            if s > 0 {
                res[i] = wres[i] / s
                fit[i] = y[i] - res[i]
            } else {
                var f = 0.0
                for j in keep { f += X.storage[i + j * n] * coef[j] }
                fit[i] = f
                res[i] = y[i] - f
            }
        }
        self.residuals = res
        self.fittedValues = fit

        // (X'WX)^-1 on the estimable block: D^-1 R^-1 R^-T D^-1.
        var rinv = rf
        var cov = Matrix(rows: r, columns: r)
        if r > 0 {
            rinv.storage.withUnsafeMutableBufferPointer { rp in
                _ = LAPACK.trtri(uplo: "U", n: r, a: rp.baseAddress!, lda: r)
            }
            for j in 0..<r { for i in (j + 1)..<max(j + 1, r) { rinv.storage[i + j * r] = 0 } }
            LAPACK.syrk(transposed: false, rinv, into: &cov)
            for j in 0..<r {
                for i in 0..<r { cov.storage[i + j * r] /= scale[keep[i]] * scale[keep[j]] }
            }
        }
        self.unscaledCovariance = cov

    }

    /// Rows per block in the leverage and sandwich passes (a block of
    /// `blockRows x rank` doubles stays in cache while BLAS-3 works on it).
    static let blockRows = 1024

    /// Visits the rows of the thin Q of the estimable, weighted, equilibrated
    /// design in blocks: `Q = W^(1/2) X_E D^-1 R^-1`, computed per block of
    /// rows by one `dtrsm` (level-3 BLAS, `n r^2` flops in all), never stored whole.
    /// The closure receives the first row index, the number of rows `m` and the
    /// m x r block (column-major, leading dimension m), which it may overwrite.
    func forEachQBlock(_ body: (Int, Int, UnsafeMutablePointer<Double>) -> Void) {
        let n = rows, r = rank
        if r == 0 || n == 0 { return }
        let keep = estimableColumns
        var block = [Double](repeating: 0, count: LeastSquares.blockRows * r)
        var start = 0
        design.storage.withUnsafeBufferPointer { xs in
            rFactor.storage.withUnsafeBufferPointer { rp in
                block.withUnsafeMutableBufferPointer { bp in
                    let b = bp.baseAddress!
                    while start < n {
                        let m = min(LeastSquares.blockRows, n - start)
                        for (c, j) in keep.enumerated() {
                            let inv = 1 / columnScale[j]
                            let src = xs.baseAddress! + j * n + start
                            let dst = b + c * m
                            if let sw = sqrtWeights {
                                for i in 0..<m { dst[i] = src[i] * sw[start + i] * inv }
                            } else {
                                for i in 0..<m { dst[i] = src[i] * inv }
                            }
                        }
                        LAPACK.trsm(side: "R", uplo: "U", transA: "N", m: m, n: r, alpha: 1,
                                    a: rp.baseAddress!, lda: r, b: b, ldb: m)
                        body(start, m, b)
                        start += m
                    }
                }
            }
        }
    }

    /// Leverages `h_ii`: the squared row norms of the thin Q of `W^(1/2) X`
    /// (estimable columns), the diagonal of the weighted hat matrix.
    ///
    /// Computed blockwise (see `forEachQBlock`); each lies in [0, 1] up to
    /// rounding, and they sum to the rank.
    public func leverages() -> [Double] {
        var h = [Double](repeating: 0, count: rows)
        let r = rank
        forEachQBlock { start, m, q in
            for c in 0..<r {
                let col = q + c * m
                for i in 0..<m { h[start + i] += col[i] * col[i] }
            }
        }
        return h
    }

    /// Maps a rank x rank matrix M given in the Q basis to the coefficient
    /// basis: `D^-1 R^-1 M R^-T D^-1` (the bread of every sandwich).
    func fromQBasis(_ meat: Matrix) -> Matrix {
        let r = rank
        precondition(meat.rows == r && meat.columns == r, "The middle matrix must be \(r) x \(r), got \(meat.rows) x \(meat.columns).")
        if r == 0 { return meat }
        var m = meat
        rFactor.storage.withUnsafeBufferPointer { rp in
            m.storage.withUnsafeMutableBufferPointer { mp in
                // M := R^-1 M, then M := M R^-T.
                LAPACK.trsm(side: "L", uplo: "U", transA: "N", m: r, n: r, alpha: 1, a: rp.baseAddress!, lda: r,
                            b: mp.baseAddress!, ldb: r)
                LAPACK.trsm(side: "R", uplo: "U", transA: "T", m: r, n: r, alpha: 1, a: rp.baseAddress!, lda: r,
                            b: mp.baseAddress!, ldb: r)
            }
        }
        for j in 0..<r {
            for i in 0..<r { m.storage[i + j * r] /= columnScale[estimableColumns[i]] * columnScale[estimableColumns[j]] }
        }
        // Symmetrise against rounding.
        for j in 0..<r {
            for i in 0..<j {
                let v = 0.5 * (m.storage[i + j * r] + m.storage[j + i * r])
                m.storage[i + j * r] = v
                m.storage[j + i * r] = v
            }
        }
        return m
    }

    /// The heteroscedasticity-consistent sandwich `(X'WX)^-1 X'W Omega W X (X'WX)^-1`
    /// on the estimable block, with `Omega_ii = e_i^2 * f(h_ii)` for weighted residuals
    /// `e_i` and leverages `h_ii` (f = 1 for HC0/HC1, 1/(1-h) for HC2, 1/(1-h)^2 for HC3;
    /// MacKinnon & White 1985). Computed in one blockwise pass over the thin Q:
    /// the middle matrix `Q' Omega Q` by `dsyrk` on rows scaled by `sqrt(Omega_ii)`.
    ///
    /// `residuals` replaces the weighted residuals `e_i` when given (IRLS passes
    /// `sqrt(w_i)` times the working residuals, so that `x~_i e_i` is the score).
    public func heteroscedasticSandwich(leverageFactor: (Double) -> Double, needsLeverage: Bool,
                                        residuals: [Double]? = nil) -> Matrix {
        let r = rank
        var meat = Matrix(rows: r, columns: r)
        if r == 0 { return meat }
        let e = residuals ?? weightedResiduals
        precondition(e.count == rows, "Sandwich residuals must number one per row: \(rows) rows, \(e.count) residuals.")
        var rowScale = [Double](repeating: 0, count: LeastSquares.blockRows)
        meat.storage.withUnsafeMutableBufferPointer { mp in
            rowScale.withUnsafeMutableBufferPointer { sp in
                let sc = sp.baseAddress!
                e.withUnsafeBufferPointer { ep in
                    forEachQBlock { start, m, q in
                        // Leverages column by column (contiguous), then sqrt(Omega_ii).
                        if needsLeverage {
                            for i in 0..<m { sc[i] = 0 }
                            for c in 0..<r {
                                let col = q + c * m
                                for i in 0..<m { sc[i] += col[i] * col[i] }
                            }
                            for i in 0..<m { sc[i] = abs(ep[start + i]) * leverageFactor(sc[i]).squareRoot() }
                        } else {
                            for i in 0..<m { sc[i] = abs(ep[start + i]) }
                        }
                        for c in 0..<r {
                            let col = q + c * m
                            for i in 0..<m { col[i] *= sc[i] }
                        }
                        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, Int32(r), Int32(m), 1, q, Int32(m), 1,
                                    mp.baseAddress!, Int32(r))
                    }
                }
            }
        }
        LAPACK.symmetrizeFromUpper(&meat)
        return fromQBasis(meat)
    }

    /// The one-way cluster-robust sandwich without small-sample factor:
    /// `(X'WX)^-1 (sum_g s_g s_g') (X'WX)^-1` with group scores
    /// `s_g = sum_{i in g} sqrt(w_i) x_i e_i` (Liang & Zeger 1986; Cameron & Miller 2015).
    /// `groups[i]` is any integer label; returns the matrix and the number of groups.
    /// `residuals` replaces the weighted residuals as in `heteroscedasticSandwich`.
    public func clusterSandwich(groups: [Int], residuals: [Double]? = nil) -> (covariance: Matrix, groupCount: Int) {
        precondition(groups.count == rows, "Cluster labels must number one per row: \(rows) rows, \(groups.count) labels.")
        var index: [Int: Int] = [:]
        var gid = [Int](repeating: 0, count: rows)
        for i in 0..<rows {
            if let g = index[groups[i]] { gid[i] = g } else { let g = index.count; index[groups[i]] = g; gid[i] = g }
        }
        let nG = index.count
        let r = rank
        if r == 0 { return (Matrix(rows: 0, columns: 0), nG) }
        var scores = Matrix(rows: nG, columns: r)
        let e = residuals ?? weightedResiduals
        precondition(e.count == rows, "Sandwich residuals must number one per row: \(rows) rows, \(e.count) residuals.")
        scores.storage.withUnsafeMutableBufferPointer { sp in
            forEachQBlock { start, m, q in
                for c in 0..<r {
                    let col = q + c * m
                    let dst = sp.baseAddress! + c * nG
                    for i in 0..<m { dst[gid[start + i]] += col[i] * e[start + i] }
                }
            }
        }
        var meat = Matrix(rows: r, columns: r)
        LAPACK.syrk(transposed: true, scores, into: &meat)
        return (fromQBasis(meat), nG)
    }
}

/// Adds the product `a * b` exactly (by `fma`) to the double-double `(hi, lo)`
/// (TwoProduct and TwoSum of Ogita, Rump & Oishi 2005, "Accurate sum and dot product").
@inline(__always)
func _ddAddProduct(_ hi: inout Double, _ lo: inout Double, _ a: Double, _ b: Double) {
    let p = a * b
    let pe = (-p).addingProduct(a, b)
    let s = hi + p
    let bb = s - hi
    let se = (hi - (s - bb)) + (p - bb)
    hi = s
    lo += se + pe
}

