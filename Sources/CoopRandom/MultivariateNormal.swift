/// Multivariate normal draws `mean + L z`, with L the lower Cholesky factor of the covariance
/// computed once, and z a vector of standard normals by inversion (one uniform each).
///
/// The simulation draws each path's coefficient vector from N(β̂, V̂) this way (parameter
/// uncertainty). Draw `j` uses the generator's uniforms `j·n ..< (j+1)·n` in order, so a path
/// gets the same z whatever the scenario (common random numbers).
///
/// Cholesky: the plain column-by-column (Cholesky–Banachiewicz) algorithm on the lower
/// triangle, in Double, O(n³/3) flops (Golub & Van Loan, "Matrix Computations", alg. 4.2.1).
/// A covariance is accepted when every pivot `a_jj - Σ l_jk²` is finite and > 0.
/// Its relative accuracy is about n·ε·cond(V); it is meant for the small matrices of model
/// coefficients (a few dozen rows), not for large problems (use LAPACK `dpotrf` there).
@frozen
public struct MultivariateNormal: Sendable, Hashable {
    /// The mean vector (length n).
    public let mean: [Double]
    /// The lower Cholesky factor L (column-major n × n, upper triangle zero), `L Lᵀ = covariance`.
    public let lowerFactor: [Double]
    /// The dimension n.
    @inlinable public var dimension: Int { mean.count }

    /// The factorisation failed: the pivot of `column` (0-based) was `pivot` (<= 0 or not finite).
    public struct NotPositiveDefinite: Error, Sendable, Hashable, CustomStringConvertible {
        /// The first column whose pivot was not positive.
        public let column: Int
        /// The failing pivot value.
        public let pivot: Double
        public var description: String {
            "covariance matrix is not positive definite: the Cholesky pivot of column \(column + 1) is \(pivot)"
        }
    }

    /// A distribution from its mean and a column-major n × n covariance; nil when the covariance
    /// is not (numerically) positive definite. Only the lower triangle is read.
    ///
    /// `jitter` (default 0) adds `jitter * max(diagonal)` to the diagonal before factoring, the
    /// usual remedy for a covariance that is positive semi-definite up to rounding (for example
    /// 1e-10); it changes the distribution by that much, so keep it tiny and report it.
    /// Traps when the sizes disagree or jitter is negative.
    public init?(mean: [Double], covariance: [Double], jitter: Double = 0) {
        switch Self.cholesky(covariance, dimension: mean.count, jitter: jitter) {
        case .success(let l): self.init(mean: mean, lowerFactor: l)
        case .failure: return nil
        }
    }

    /// A distribution from its mean and a precomputed lower factor L (column-major n × n; only
    /// the lower triangle is used). Traps when the sizes disagree.
    public init(mean: [Double], lowerFactor: [Double]) {
        let n = mean.count
        precondition(lowerFactor.count == n * n,
                     "MultivariateNormal lower factor has \(lowerFactor.count) entries but the mean has \(n), so it needs \(n * n).")
        var l = lowerFactor
        for j in 0..<n { for i in 0..<j { l[i + j * n] = 0 } }
        self.mean = mean
        self.lowerFactor = l
    }

    /// The lower Cholesky factor of a column-major n × n symmetric matrix (lower triangle read),
    /// or the first failing pivot. See the type's documentation for the algorithm.
    public static func cholesky(_ a: [Double], dimension n: Int, jitter: Double = 0)
        -> Result<[Double], NotPositiveDefinite> {
        precondition(a.count == n * n,
                     "MultivariateNormal covariance has \(a.count) entries but the mean has \(n), so it needs \(n * n).")
        precondition(jitter >= 0 && jitter.isFinite, "MultivariateNormal jitter must be finite and >= 0, got \(jitter).")
        var l = [Double](repeating: 0, count: n * n)
        var maxDiagonal = 0.0
        for j in 0..<n { maxDiagonal = Swift.max(maxDiagonal, a[j + j * n]) }
        let added = jitter * maxDiagonal
        for j in 0..<n {
            var pivot = a[j + j * n] + added
            for k in 0..<j { pivot -= l[j + k * n] * l[j + k * n] }
            guard pivot > 0 && pivot.isFinite else { return .failure(NotPositiveDefinite(column: j, pivot: pivot)) }
            let d = pivot.squareRoot()
            l[j + j * n] = d
            for i in (j + 1)..<n {
                var s = a[i + j * n]
                for k in 0..<j { s -= l[i + k * n] * l[j + k * n] }
                l[i + j * n] = s / d
            }
        }
        return .success(l)
    }

    /// Writes one draw into `out[0..<n]` without allocating. Traps when `out` is shorter than n.
    @inlinable
    public func next<G: RandomNumberGenerator>(into out: inout [Double], using generator: inout G) {
        let n = dimension
        precondition(out.count >= n, "MultivariateNormal draw needs a buffer of \(n) values, got \(out.count).")
        out.withUnsafeMutableBufferPointer { o in
            draw(into: UnsafeMutablePointer(o.baseAddress!), using: &generator)
        }
    }

    /// One draw as a new array.
    @inlinable
    public func next<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        next(into: &out, using: &generator)
        return out
    }

    /// One draw using the system's generator (not reproducible).
    public func next() -> [Double] {
        var g = SystemRandomNumberGenerator()
        return next(using: &g)
    }

    /// Fills `buffer` with `buffer.count / n` draws stored one after another (column-major
    /// n × count). Traps unless `buffer.count` is a multiple of n.
    @inlinable
    public func fill<G: RandomNumberGenerator>(_ buffer: inout [Double], using generator: inout G) {
        let n = dimension
        precondition(n > 0 && buffer.count % n == 0,
                     "MultivariateNormal fill needs a buffer whose size is a multiple of \(n), got \(buffer.count).")
        buffer.withUnsafeMutableBufferPointer { o in
            var p = o.baseAddress!
            for _ in 0..<(o.count / n) {
                draw(into: p, using: &generator)
                p += n
            }
        }
    }

    /// out = mean + L z, computed in place: z is written first, then rows are formed from the
    /// last to the first, so row i reads z[0...i] before they are overwritten.
    @inlinable
    func draw<G: RandomNumberGenerator>(into out: UnsafeMutablePointer<Double>, using generator: inout G) {
        let n = dimension
        for i in 0..<n { out[i] = NormalSampler.standard(using: &generator) }
        mean.withUnsafeBufferPointer { m in
            lowerFactor.withUnsafeBufferPointer { l in
                var i = n - 1
                while i >= 0 {
                    var s = m[i]
                    for j in 0...i { s += l[i + j * n] * out[j] }
                    out[i] = s
                    i -= 1
                }
            }
        }
    }
}
