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
        /// d = a + b * z, z the standard normal of the instruction's word slot (`normal(mean, sd)`).
        case normal
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
    /// For a drawing instruction (normal, gaussian, poisson, negbin, binomial): its first word in
    /// the path-year stream (`slot`, 0-based), how many words it owns there (`slots`), and the
    /// index of its equation (`equation`), whose keyed stream (seed, region, path, year, equation)
    /// gives the words a sampler takes beyond its slots (see `CompiledModel.slotWords`).
    var slot: Int32 = -1
    var slots: Int32 = 0
    var equation: Int32 = -1

    init(_ code: Code, d: Int, a: Int = 0, b: Int = 0, x: Double = 0) {
        self.code = code
        self.d = Int32(d)
        self.a = Int32(a)
        self.b = Int32(b)
        self.x = x
    }
}
