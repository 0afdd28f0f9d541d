/// One instruction of the vectorised evaluator: an operation over whole buffers of the batch
/// width (structure of arrays). Operands are buffer indices into the worker's pool; `x` holds
/// a scalar parameter where the operation needs one (sigma, alpha, an equation index).
///
/// Not API: `CompiledModel` emits these and `_Evaluator` runs them.
struct _Instruction: Sendable, Equatable {
    enum Code: UInt8, Sendable {
        // d = a op b
        case add, subtract, multiply, divide, power
        // d = f(a)
        case negate, log, log1p, exp, expm1, sqrt, squareNonNegative, logit, invlogit, abs, copy
        /// d = a, d the variable `b`'s output row; counts the paths whose value left its domain.
        case store
        /// d = a + b * z, z the next standard normal of the path's stream (`normal(mean, sd)`).
        case normal
        /// Opens the keyed streams (seed, region, path, year, equation `a`) of every path in the batch.
        case beginStreams
        /// d = Σ_j coef[b + j] * col[j], the columns listed in `linearColumns[a]`.
        case linear
        /// d = a + x * z (gaussian outcome on the linear scale; sigma = x).
        case gaussian
        /// d ~ Poisson(exp(a)).
        case poisson
        /// d ~ NB2(mean exp(a), alpha x).
        case negbin
        /// d ~ Binomial(n = max(0, round(b)), p = invlogit(a)).
        case binomial
    }

    var code: Code
    var d: Int32
    var a: Int32 = 0
    var b: Int32 = 0
    var x: Double = 0
    /// All operands are the same on every path (levers, assumptions, constants): computed once, broadcast.
    var uniform = false
    /// For a drawing instruction (normal, gaussian, poisson, negbin, binomial): the index of the
    /// equation whose keyed stream it opens itself, one per path, in registers (it is the only
    /// instruction that draws after its `beginStreams`, which is then skipped); -1 when it draws
    /// from the streams `beginStreams` opened in the workspace. For `beginStreams`: -2 when skipped.
    var ownStream: Int32 = -1

    init(_ code: Code, d: Int, a: Int = 0, b: Int = 0, x: Double = 0) {
        self.code = code
        self.d = Int32(d)
        self.a = Int32(a)
        self.b = Int32(b)
        self.x = x
    }
}
