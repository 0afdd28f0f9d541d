import CoopData

/// What a store instruction checks of a variable's values: the number of paths whose value is
/// outside `domain` (`NumericDomain.contains`; NaN and infinities are outside every domain) is
/// counted exactly in every case. `onlyNonFinite` says the model itself keeps every finite value
/// inside the domain (decided when the model is compiled, `CompiledModel.domainChecks`): a count
/// draw is a whole number from 0 to 2^63 or NaN, so only NaN can leave a `count` domain there.
/// The evaluator then screens the values by their sum alone (finite iff every value is finite).
struct _DomainCheck: Sendable, Equatable {
    /// The domain the values are counted against (a `count` variable is checked as `nonNegative`
    /// when the counts are replaced by their means, `SimulationSwitches.processNoise` off).
    var domain: NumericDomain
    var onlyNonFinite: Bool
}

/// What is known, when the model is compiled, of a buffer's values on every path: each is NaN or
/// lies in [low, high] (an infinite bound allows that infinity), and with `whole` every finite one
/// is a whole number. Interval arithmetic with the engine's own (rounded) operations is sound
/// because rounding to nearest is monotone: x <= h and y <= k give fl(x + y) <= fl(h + k).
struct _ValueFacts: Equatable {
    var low: Double
    var high: Double
    var whole: Bool

    static let unknown = _ValueFacts(low: -.infinity, high: .infinity, whole: false)

    /// Facts with NaN bounds (an infinity minus itself) say nothing.
    init(low: Double, high: Double, whole: Bool) {
        if low.isNaN || high.isNaN || low > high {
            self.low = -.infinity; self.high = .infinity; self.whole = false
        } else {
            self.low = low; self.high = high; self.whole = whole
        }
    }

    var isFinite: Bool { low > -.infinity && high < .infinity }

    /// Whether every value that is not NaN is inside `domain`.
    func inside(_ domain: NumericDomain) -> Bool {
        switch domain {
        case .real: return isFinite
        case .positive: return isFinite && low > 0
        case .nonNegative: return isFinite && low >= 0
        case .share: return low >= 0 && high <= 1
        case .openShare: return low > 0 && high < 1
        case .count: return isFinite && low >= 0 && whole
        case .range(let a, let b): return isFinite && low >= a && high <= b
        }
    }
}

extension CompiledModel {
    /// The largest count a Poisson or NB2 draw returns (an `Int` as a Double) and the most trials a
    /// binomial draw takes (more give NaN, `_drawBinomials`).
    static let largestCountDraw = 0x1p63
    static let mostBinomialTrials = 9e15

    /// Per variable, what its store instruction checks, with process noise (`noise`) or with every
    /// count replaced by its mean. The facts of each buffer follow the program in order (it is the
    /// same straight-line program every year): constants are known; a count draw is whole in
    /// [0, 2^63] (binomial: [0, 9e15]); its mean (noise off) is in the same range; invlogit is in
    /// [0, 1], exp in [0, ∞]; sums, differences, negations, absolute values and products of finite
    /// ranges follow by interval arithmetic (whole numbers stay whole: an exact result is whole, and
    /// a rounded one is at least 2^53, where every double is); a lagged variable, a lever, an
    /// assumption, a coefficient and everything else are unknown (a lag may hold a value that
    /// already left its domain a year before). On the shipped model the 10 count equations'
    /// draws need only the NaN screen.
    static func domainChecks(program: [_Instruction], constants: [(buffer: Int, value: Double)],
                             domains: [NumericDomain], noise: Bool) -> [_DomainCheck] {
        var checks = domains.map { d in _DomainCheck(domain: !noise && d == .count ? .nonNegative : d, onlyNonFinite: false) }
        var facts: [Int32: _ValueFacts] = [:]
        for c in constants where c.value.isFinite {
            facts[Int32(c.buffer)] = _ValueFacts(low: c.value, high: c.value, whole: c.value == c.value.rounded(.towardZero))
        }
        func of(_ id: Int32) -> _ValueFacts { facts[id] ?? .unknown }
        for ins in program {
            let a = of(ins.a), b = of(ins.b)
            let r: _ValueFacts
            switch ins.code {
            case .copy: r = a
            case .store:
                r = a
                let v = Int(ins.b)
                checks[v].onlyNonFinite = a.inside(checks[v].domain)
            case .negate: r = _ValueFacts(low: -a.high, high: -a.low, whole: a.whole)
            case .abs:
                if a.low >= 0 { r = a }
                else if a.high <= 0 { r = _ValueFacts(low: -a.high, high: -a.low, whole: a.whole) }
                else { r = _ValueFacts(low: 0, high: max(-a.low, a.high), whole: a.whole) }
            case .add: r = _ValueFacts(low: a.low + b.low, high: a.high + b.high, whole: a.whole && b.whole)
            case .subtract: r = _ValueFacts(low: a.low - b.high, high: a.high - b.low, whole: a.whole && b.whole)
            case .multiply:
                if a.isFinite && b.isFinite {
                    let corners = [a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high]
                    r = _ValueFacts(low: corners.min()!, high: corners.max()!, whole: a.whole && b.whole)
                } else {
                    r = .unknown
                }
            case .invlogit: r = _ValueFacts(low: 0, high: 1, whole: false)
            case .exp: r = _ValueFacts(low: 0, high: .infinity, whole: false)
            case .binomial: r = _ValueFacts(low: 0, high: mostBinomialTrials, whole: noise)
            case .poisson, .negbin: r = _ValueFacts(low: 0, high: largestCountDraw, whole: noise)
            default: r = .unknown
            }
            // `linear` reads `a` as a column list, not a buffer: its result is unknown (default above).
            facts[ins.d] = r
        }
        return checks
    }
}

/// Copies `a[0..<n]` to `d` and returns how many of the values are outside `check.domain`: exactly
/// `_countOutside(check.domain, d, n)`. The copy screens the values as it goes (two SSE2 vectors a
/// step: the domain's bounds by ordered comparisons, which NaN fails, and finiteness by the running
/// sums, which stay finite only when every value is); only when the screen cannot vouch for every
/// value (some value is outside, or a sum overflowed) does `_countOutside` count them one by one.
/// `onlyNonFinite` screens by the sums alone.
func _copyCountingOutside(_ check: _DomainCheck, from a: UnsafePointer<Double>, to d: UnsafeMutablePointer<Double>,
                          _ n: Int) -> Int {
    typealias V = SIMD2<Double>
    let zero = V(repeating: 0), one = V(repeating: 1)
    let passed: Bool
    if check.onlyNonFinite {
        passed = _copyScreening(a, d, n, sums: true) { _ in SIMDMask(repeating: true) }
    } else {
        switch check.domain {
        case .real: passed = _copyScreening(a, d, n, sums: true) { _ in SIMDMask(repeating: true) }
        case .positive: passed = _copyScreening(a, d, n, sums: true) { v in v .> zero }
        case .nonNegative: passed = _copyScreening(a, d, n, sums: true) { v in v .>= zero }
        case .share: passed = _copyScreening(a, d, n, sums: false) { v in v .>= zero .& v .<= one }
        case .openShare: passed = _copyScreening(a, d, n, sums: false) { v in v .> zero .& v .< one }
        case .count:
            // Whole below 2^52 ((v + 2^52) − 2^52 rounds v to the nearest integer); a larger whole
            // number may fail the screen, and is then counted by `_countOutside`, which accepts it.
            let big = V(repeating: 0x1p52)
            passed = _copyScreening(a, d, n, sums: true) { v in v .>= zero .& ((v + big) - big .== v) }
        case .range:
            d.update(from: a, count: n)
            passed = false
        }
    }
    return passed ? 0 : _countOutside(check.domain, d, n)
}

/// Copies `a[0..<n]` to `d`; true when `ok` holds for every value and (with `sums`) the values'
/// running sums stayed finite, so that every value is finite (a NaN or an infinity keeps a sum
/// non-finite). False says nothing.
@inline(__always)
func _copyScreening(_ a: UnsafePointer<Double>, _ d: UnsafeMutablePointer<Double>, _ n: Int, sums: Bool,
                    _ ok: (SIMD2<Double>) -> SIMDMask<SIMD2<Int64>>) -> Bool {
    typealias V = SIMD2<Double>
    let from = UnsafeRawPointer(a), to = UnsafeMutableRawPointer(d)
    var good0 = SIMDMask<SIMD2<Int64>>(repeating: true), good1 = good0
    var s0 = V(repeating: 0), s1 = V(repeating: 0)
    var i = 0
    while i &+ 4 <= n {
        let v0 = from.loadUnaligned(fromByteOffset: i &* 8, as: V.self)
        let v1 = from.loadUnaligned(fromByteOffset: i &* 8 &+ 16, as: V.self)
        to.storeBytes(of: v0, toByteOffset: i &* 8, as: V.self)
        to.storeBytes(of: v1, toByteOffset: i &* 8 &+ 16, as: V.self)
        good0 = good0 .& ok(v0)
        good1 = good1 .& ok(v1)
        if sums { s0 += v0; s1 += v1 }
        i &+= 4
    }
    while i < n {
        let x = a[i]
        d[i] = x
        let v = V(x, 0)
        good0 = good0 .& ok(V(repeating: x))
        if sums { s0 += v }
        i &+= 1
    }
    let s = s0 + s1
    return all(good0 .& good1) && (!sums || (s[0] + s[1]).isFinite)
}
