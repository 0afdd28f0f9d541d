#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPhilox
import CVecMath
import CoopData
import CoopRandom

/// Switches for tests and for `synth`.
public struct SimulationSwitches: Sendable, Equatable {
    /// Draw each path's coefficients from N(beta_hat, V_hat) (true) or use beta_hat (false).
    public var parameterUncertainty: Bool
    /// Draw outcomes (true) or use their expectation (false): gaussian residual 0, counts at their
    /// mean (then `count` domains are checked as non-negative only), `normal(m, s)` = m.
    public var processNoise: Bool
    public init(parameterUncertainty: Bool = true, processNoise: Bool = true) {
        self.parameterUncertainty = parameterUncertainty
        self.processNoise = processNoise
    }
}

/// The buffers of one worker: a pool of `bufferCount` buffers of the batch width (structure of
/// arrays), the year's path-year stream words (`slotWords` rows of the batch width), a row of
/// standard normals and the coefficient draws' words and normals (`maxCoefficients` rows). Allocated once per worker and reused for
/// every batch, year and scenario of the same model; the only class in the engine, to own the memory.
final class _Workspace {
    let width: Int
    let bufferCount: Int
    let pool: UnsafeMutablePointer<Double>
    /// `words[w * width + i]`: word w of path i's path-year stream this year.
    let words: UnsafeMutablePointer<UInt64>
    let wordCount: Int
    /// One row of the batch width: the standard normals of a `normal()` or gaussian instruction.
    let normals: UnsafeMutablePointer<Double>
    /// `coefficientWords[k * count + i]`: word k of path i's coefficient stream (k < p of one equation),
    /// and `coefficientNormals` their standard normals (`maxCoefficients` rows of the batch width).
    let coefficientWords: UnsafeMutablePointer<UInt64>
    let coefficientNormals: UnsafeMutablePointer<Double>
    /// `overflowRows` rows of the batch width: a drawing instruction's slot rows and the first overflow
    /// blocks of its rejection draws, computed for the batch (`_SlotStreams.drawMarked`).
    let overflowWords: UnsafeMutablePointer<UInt64>
    let overflowRows: Int
    /// Where each buffer id reads and writes this year: `pool + id * width` for temporaries,
    /// coefficients, levers and constants; for a variable at lag l, its row of the output in the
    /// year it refers to (or its initial-state buffer before the first simulated year).
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<Double>>

    init(model: CompiledModel, width: Int) {
        precondition(width >= 1, "A batch needs at least one path, got width \(width).")
        self.width = width
        bufferCount = model.bufferCount
        pool = .allocate(capacity: max(1, model.bufferCount) * width)
        pool.initialize(repeating: 0, count: max(1, model.bufferCount) * width)
        wordCount = max(1, model.slotWords) * width
        words = .allocate(capacity: wordCount)
        words.initialize(repeating: 0, count: wordCount)
        normals = .allocate(capacity: width)
        normals.initialize(repeating: 0, count: width)
        let coefficientCount = max(1, model.maxCoefficients) * width
        coefficientWords = .allocate(capacity: coefficientCount)
        coefficientWords.initialize(repeating: 0, count: coefficientCount)
        coefficientNormals = .allocate(capacity: coefficientCount)
        coefficientNormals.initialize(repeating: 0, count: coefficientCount)
        overflowRows = max(1, model.slotWords) + 2 * _SlotStreams.maxOverflowBlocks
        overflowWords = .allocate(capacity: overflowRows * width)
        overflowWords.initialize(repeating: 0, count: overflowRows * width)
        for c in model.constants { (pool + c.buffer * width).update(repeating: c.value, count: width) }
        pointers = .allocate(capacity: max(1, model.bufferCount))
        for id in 0..<max(1, model.bufferCount) { (pointers + id).initialize(to: pool + id * width) }
    }

    deinit {
        pool.deallocate()
        words.deallocate()
        normals.deallocate()
        coefficientWords.deallocate()
        coefficientNormals.deallocate()
        overflowWords.deallocate()
        pointers.deallocate()
    }

    @inline(__always) func buffer(_ id: Int32) -> UnsafeMutablePointer<Double> { pool + Int(id) * width }
    @inline(__always) func buffer(_ id: Int) -> UnsafeMutablePointer<Double> { pool + id * width }
}

/// Values of `x[0..<n]` outside `domain` (NaN and infinities are outside every domain), with the
/// domain's test hoisted out of the loop; the same sets as `NumericDomain.contains`.
func _countOutside(_ domain: NumericDomain, _ x: UnsafeMutablePointer<Double>, _ n: Int) -> Int {
    typealias V = SIMD2<Double>
    typealias M = SIMDMask<SIMD2<Int64>>
    let zero = V(repeating: 0), one = V(repeating: 1), inf = V(repeating: .infinity)
    switch domain {
    case .real: return _countFailing(x, n) { v in v .> -inf .& v .< inf }
    case .positive: return _countFailing(x, n) { v in v .> zero .& v .< inf }
    case .nonNegative: return _countFailing(x, n) { v in v .>= zero .& v .< inf }
    case .share: return _countFailing(x, n) { v in v .>= zero .& v .<= one }
    case .openShare: return _countFailing(x, n) { v in v .> zero .& v .< one }
    case .count:
        // Whole and >= 0: below 2^52, (v + 2^52) - 2^52 is v rounded to the nearest integer (steps
        // of 1 there), equal to v only when v is whole; from 2^52 up every finite double is whole.
        // The same set as `_isCount`, without a conversion to an integer.
        let big = V(repeating: 0x1p52)
        return _countFailing(x, n) { v in
            let small = v .< big
            let whole: M = (small .& ((v + big) - big .== v)) .| (.!small .& (v .< inf))
            return v .>= zero .& whole
        }
    case .range:
        var bad = 0
        for i in 0..<n where !domain.contains(x[i]) { bad += 1 }
        return bad
    }
}

/// The number of `x[0..<n]` for which `ok` is false, two values at a time (SSE2 lanes).
@inline(__always)
func _countFailing(_ x: UnsafeMutablePointer<Double>, _ n: Int,
                   _ ok: (SIMD2<Double>) -> SIMDMask<SIMD2<Int64>>) -> Int {
    let raw = UnsafeRawPointer(x)
    var failing = SIMD2<Int64>(repeating: 0)
    var i = 0
    while i + 2 <= n {
        let v = raw.loadUnaligned(fromByteOffset: i &* 8, as: SIMD2<Double>.self)
        failing &+= SIMD2<Int64>(repeating: 1).replacing(with: 0, where: ok(v))
        i &+= 2
    }
    var bad = Int(failing[0] &+ failing[1])
    if i < n && !ok(SIMD2(repeating: x[i]))[0] { bad += 1 }
    return bad
}

/// Whether `x` is a finite whole number >= 0: the same test as
/// `x >= 0 && x.isFinite && x == x.rounded(.towardZero)` without a call of libm's `trunc`
/// (every double from 2^52 up is whole; below it the conversion to Int64 truncates exactly).
@inline(__always) func _isCount(_ x: Double) -> Bool {
    guard x >= 0 && x.isFinite else { return false }
    return x >= 0x1p52 || Double(Int64(x)) == x
}

/// `x.rounded()` (to nearest, ties away from zero) for 0 < x < 2^52 without a call of libm's
/// `round`: the fractional part `x − trunc(x)` is exact, so comparing it with 1/2 decides; other
/// values (zeros, whose sign must stay, negative, huge, NaN) go to `rounded()`.
@inline(__always) func _roundedHalfAway(_ x: Double) -> Double {
    guard x > 0 && x < 0x1p52 else { return x.rounded() }
    let f = Double(Int64(x))
    return x - f >= 0.5 ? f + 1 : f
}

@inline(__always) func _invlogit(_ x: Double) -> Double {
    coop_invlogit(x)    // e / (1 + e) with e = exp(x) below 0, 1 / (1 + exp(-x)) from 0 (CVecMath)
}

extension SimulationPlan {
    /// Simulates paths `firstPath ..< firstPath + count` (count <= the workspace width) over every
    /// simulated year. Writes each variable's value to `out[(yearIndex * variables + v) * stride + i]`
    /// and adds to `violations[yearIndex * variables + v]` the paths whose value left its domain.
    ///
    /// Per path: coefficients drawn once, standard normals of the path's stream in year 0 from the
    /// coefficient blocks (`RandomStream(philoxKey: StreamKey.pathYearKey(seed, region), year: 0, path:,
    /// firstBlock: coefficientBlock(j))` for the j-th calibrated equation in model order, its p normals
    /// consecutive; blocks from 2^31 on, which no year's slot words reach); then each year the path-year stream's first
    /// `model.slotWords` words are computed for the whole batch and the program runs in equation
    /// order, each drawing instruction reading its own word slots, then (rejection steps) its
    /// equation's keyed stream `StreamKey(seed, region, path, year, equation)`. So every draw is a
    /// function of (seed, region, path, year, equation) only.
    func simulate(firstPath: Int, count n: Int, workspace ws: _Workspace, switches: SimulationSwitches,
                  out: UnsafeMutablePointer<Double>, violations: UnsafeMutablePointer<Int>) {
        simulate(firstPath: firstPath, count: n, workspace: ws, switches: switches, out: out, stride: ws.width,
                 violations: violations)
    }

    /// Same, with rows of `stride` values in `out` (the engine writes whole blocks).
    func simulate(firstPath: Int, count n: Int, workspace ws: _Workspace, switches: SimulationSwitches,
                  out: UnsafeMutablePointer<Double>, stride: Int, violations: UnsafeMutablePointer<Int>) {
        let W = ws.width
        precondition(n >= 0 && n <= W, "A batch of \(n) paths does not fit a workspace of width \(W).")
        let m = model
        let nv = m.variableNames.count
        // Coefficients, once per path: the path's stream in year 0, the j-th calibrated equation's
        // normals consecutive from block 2^31 + j * 2^16 (so an equation with more or fewer terms in
        // another model moves no other equation's draws, and no simulated year's slot words, which
        // are blocks 0 ..< slotWords / 2 of their year, share a counter with them, even a year 0).
        let pathYearKey = StreamKey.pathYearKey(seed: seed, region: regionID)
        if switches.parameterUncertainty {
            var j = 0
            let words = ws.coefficientWords, z = ws.coefficientNormals
            for eq in m.equations where !eq.coefficients.isEmpty {
                let p = eq.coefficients.count
                let base = ws.buffer(eq.coefficientBase)
                let block = Self.coefficientBlock(equation: j)
                // The words of every path (row k = word k of its stream from `block`: the same words as
                // RandomStream.Compact(philoxKey:yearWord: 0, path:, firstBlock: block)), by CPhilox's
                // kernel (eight paths a step with AVX2), then their normals in one vector pass.
                coop_philox_words_from(words, n, Int64(p), Int64(n), pathYearKey.x, pathYearKey.y, block, 0,
                                       UInt64(firstPath))
                coop_vnormal_bits(words, z, Int64(p * n))
                // beta_r = beta_hat_r + sum_k<=r L_rk z_k, the terms added in k order for each path (so
                // the same sums as path by path), a row of paths at a time.
                eq.covarianceFactor.withUnsafeBufferPointer { l in
                    eq.coefficients.withUnsafeBufferPointer { beta in
                        for r in 0..<p {
                            let row = base + r * W
                            row.update(repeating: beta[r], count: n)
                            for k in 0...r {
                                let c = l[r * p + k], zk = z + k * n
                                for i in 0..<n { row[i] += c * zk[i] }
                            }
                        }
                    }
                }
                j += 1
            }
        } else {
            for eq in m.equations where !eq.coefficients.isEmpty {
                let base = ws.buffer(eq.coefficientBase)
                for r in 0..<eq.coefficients.count { (base + r * W).update(repeating: eq.coefficients[r], count: n) }
            }
        }
        for s in initialState { ws.buffer(s.buffer).update(repeating: s.value, count: n) }
        let exoBase = m.exogenousBase.first ?? 0
        let pointers = ws.pointers
        m.program.withUnsafeBufferPointer { program in
            for (yi, year) in years.enumerated() {
                for s in 0..<exogenousSlots {
                    ws.buffer(exoBase + s).update(repeating: exogenousValues[yi * exogenousSlots + s], count: n)
                }
                // Lags as indices: variable v at lag l is its output row of year yi - l (its
                // initial-state buffer for the years before the first), so nothing is copied.
                for v in 0..<nv {
                    let base = m.variableBase[v]
                    pointers[base] = out + (yi * nv + v) * stride
                    let lags = m.variableMaxLag[v]
                    if lags > 0 {
                        for l in 1...lags {
                            pointers[base + l] = yi >= l ? out + ((yi - l) * nv + v) * stride : ws.buffer(base + l - yi)
                        }
                    }
                }
                if switches.processNoise && m.slotWords > 0 {
                    PathYearWords.fill(ws.words, stride: W, words: m.slotWords, count: n, key: pathYearKey,
                                       year: year, firstPath: UInt64(firstPath))
                }
                run(program, year: year, firstPath: firstPath, n: n, ws: ws, switches: switches,
                    violations: violations + yi * nv)
            }
        }
    }

    /// The first Philox block (counter word 0) of the j-th calibrated equation's coefficient normals
    /// in a path's year-0 stream: 2^31 + j * 2^16. A year's slot words use blocks 0 ..< ceil(slotWords / 2)
    /// (slotWords < 2^32, checked when the model is compiled), so the two never share a counter; each
    /// equation has 2^16 blocks (2^17 normals; at most 2^15 - 1 calibrated equations, checked there too).
    @inline(__always) static func coefficientBlock(equation j: Int) -> UInt32 {
        0x8000_0000 | UInt32(truncatingIfNeeded: j) << 16
    }

    @inline(__always)
    private func run(_ program: UnsafeBufferPointer<_Instruction>, year: Int, firstPath: Int, n: Int,
                     ws: _Workspace, switches: SimulationSwitches, violations: UnsafeMutablePointer<Int>) {
        let noise = switches.processNoise
        let checks = noise ? model.domainChecks : model.domainChecksWithoutNoise
        let pointers = ws.pointers, W = ws.width
        @inline(__always) func buffer(_ id: Int32) -> UnsafeMutablePointer<Double> { pointers[Int(id)] }
        let all = n
        let yearWord = UInt32(bitPattern: Int32(truncatingIfNeeded: year))
        /// The word slots of a drawing instruction, then its equation's keyed stream (see `_SlotStreams`).
        @inline(__always) func slotStreams(_ ins: _Instruction) -> _SlotStreams {
            let id = model.equations[Int(ins.equation)].streamID
            let key = StreamKey(seed: seed, region: regionID, path: UInt64(firstPath), year: year, equation: id)
            return _SlotStreams(words: ws.words + Int(ins.slot) * W, stride: W, slots: Int(ins.slots),
                                buffer: ws.overflowWords, bufferRows: ws.overflowRows,
                                philoxKey: key.philoxKey, year: year, yearWord: yearWord, firstPath: UInt64(firstPath))
        }
        for ins in program {
            let d = buffer(ins.d)
            // A uniform value is computed once and broadcast (a store copies whole rows, broadcast already).
            let once = ins.uniform && ins.code != .store
            let n = once ? min(1, all) : all
            defer { if once && all > 1 { (d + 1).update(repeating: d[0], count: all - 1) } }
            switch ins.code {
            case .add: let a = buffer(ins.a), b = buffer(ins.b); for i in 0..<n { d[i] = a[i] + b[i] }
            case .subtract: let a = buffer(ins.a), b = buffer(ins.b); for i in 0..<n { d[i] = a[i] - b[i] }
            case .multiply: let a = buffer(ins.a), b = buffer(ins.b); for i in 0..<n { d[i] = a[i] * b[i] }
            case .divide: let a = buffer(ins.a), b = buffer(ins.b); for i in 0..<n { d[i] = a[i] / b[i] }
            case .power:
                let a = buffer(ins.a), b = buffer(ins.b)
                for i in 0..<n { d[i] = b[i] == 2 ? a[i] * a[i] : pow(a[i], b[i]) }
            case .negate: let a = buffer(ins.a); for i in 0..<n { d[i] = -a[i] }
            // Elementary functions: the engine's own (CVecMath), four paths at a time with AVX2, the
            // same bits on every processor (Guides/Random.md).
            case .log: coop_vlog(buffer(ins.a), d, Int64(n))
            case .log1p: coop_vlog1p(buffer(ins.a), d, Int64(n))
            case .exp: coop_vexp(buffer(ins.a), d, Int64(n))
            case .expm1: let a = buffer(ins.a); for i in 0..<n { d[i] = expm1(a[i]) }
            case .sqrt: let a = buffer(ins.a); for i in 0..<n { d[i] = a[i].squareRoot() }
            case .squareNonNegative: let a = buffer(ins.a); for i in 0..<n { d[i] = a[i] >= 0 ? a[i] * a[i] : .nan }
            case .logit: coop_vlogit(buffer(ins.a), d, Int64(n))
            case .invlogit: coop_vinvlogit(buffer(ins.a), d, Int64(n))
            case .abs: let a = buffer(ins.a); for i in 0..<n { d[i] = Swift.abs(a[i]) }
            case .copy: let a = buffer(ins.a); d.update(from: a, count: n)
            case .store:
                // The variable's value into its output row, and the paths outside its domain counted
                // in the same pass (what the compiled model says the values need checked).
                let a = buffer(ins.a), v = Int(ins.b)
                violations[v] += _copyCountingOutside(checks[v], from: a, to: d, n)
            case .normal:
                let a = buffer(ins.a), b = buffer(ins.b)
                if noise {
                    // The batch's standard normals from the slot's words in one vector pass
                    // (each = NormalSampler.standard(bits:) of its word).
                    let z = ws.normals
                    coop_vnormal_bits(ws.words + Int(ins.slot) * W, z, Int64(n))
                    for i in 0..<n { d[i] = b[i] >= 0 ? a[i] + b[i] * z[i] : .nan }
                } else {
                    for i in 0..<n { d[i] = b[i] >= 0 ? a[i] : .nan }
                }
            case .linear:
                let cols = model.linearColumns[Int(ins.a)]
                d.update(repeating: 0, count: n)
                for (j, c) in cols.enumerated() {
                    let x = buffer(c), beta = buffer(ins.b + Int32(j))
                    for i in 0..<n { d[i] += beta[i] * x[i] }
                }
            case .gaussian:
                let a = buffer(ins.a), sigma = ins.x
                if noise && sigma > 0 {
                    let z = ws.normals
                    coop_vnormal_bits(ws.words + Int(ins.slot) * W, z, Int64(n))
                    for i in 0..<n { d[i] = a[i] + sigma * z[i] }
                } else {
                    d.update(from: a, count: n)
                }
            case .poisson:
                let a = buffer(ins.a)
                if noise {
                    let o = slotStreams(ins)
                    for i in 0..<n { var g = o.stream(i); d[i] = _drawPoisson(a[i], &g) }
                } else {
                    _countMeans(eta: a, into: d, count: n)
                }
            case .negbin:
                let a = buffer(ins.a), alpha = ins.x
                if noise {
                    _drawNegativeBinomials2(eta: a, alpha: alpha, into: d, count: n, streams: slotStreams(ins))
                } else {
                    _countMeans(eta: a, into: d, count: n)
                }
            case .binomial:
                let a = buffer(ins.a), t = buffer(ins.b)
                if noise {
                    _drawBinomials(eta: a, trials: t, into: d, count: n, streams: slotStreams(ins))
                } else {
                    for i in 0..<n {
                        let p = _invlogit(a[i])
                        if t[i].isNaN { d[i] = .nan; continue }
                        let trials = max(0, _roundedHalfAway(t[i]))
                        d[i] = p >= 0 && p <= 1 && trials <= 9e15 ? trials * p : .nan
                    }
                }
            }
        }
    }
}

/// The random words of one drawing instruction for the paths of a batch: `stream(i)` gives path
/// `firstPath + i` its `slots` words of the path-year stream (`words[k * stride + i]`, k = 0..<slots),
/// then the words of its equation's keyed stream (seed, region, path, year, equation), opened only
/// if the sampler needs more (`RandomStream.Compact`).
struct _SlotStreams {
    let words: UnsafeMutablePointer<UInt64>
    let stride: Int
    let slots: Int
    /// Scratch rows of the workspace (`bufferRows` rows of at least the batch width) for `drawMarked`.
    let buffer: UnsafeMutablePointer<UInt64>
    let bufferRows: Int
    let philoxKey: SIMD2<UInt32>
    let year: Int
    let yearWord: UInt32
    let firstPath: UInt64
    @inline(__always) func stream(_ i: Int) -> _SlotStream {
        _SlotStream(word: words + i, stride: stride, left: slots,
                    overflow: RandomStream.Compact(philoxKey: philoxKey, yearWord: yearWord, path: firstPath &+ UInt64(i)))
    }

    /// The rejection tail of a batch sampler: `d[i] = draw(i, &stream)` for every path i < n with
    /// `d[i] == -1` (`marked` of them, set by the batch pass), the stream giving `stream(i)`'s words.
    /// When at least a quarter of the paths are marked, their first `blocks` overflow blocks are
    /// computed for the whole batch at once (`PathYearWords.fill` with the equation's key, the AVX2
    /// kernel) into a buffer after a copy of the slot rows, and each stream reads the slots and those
    /// blocks there, then continues from block `blocks` of its overflow stream. The words are the same
    /// either way (each depends only on its key, year, path and counter). (Reading the slot rows in
    /// place instead of copying them would give each marked path's stream a second segment to switch
    /// to; the copy is `slots` rows per batch, under one instruction a path.)
    @inline(__always)
    func drawMarked(_ d: UnsafeMutablePointer<Double>, marked: Int, blocks: Int, count n: Int,
                    _ draw: (Int, inout _SlotStream) -> Double) {
        guard marked > 0 else { return }
        precondition(blocks <= Self.maxOverflowBlocks && slots + 2 * blocks <= bufferRows,
                     "drawMarked: \(slots) slots and \(blocks) overflow blocks exceed the workspace's \(bufferRows) rows.")
        var source = words, sourceStride = stride, left = slots, firstBlock: UInt32 = 0
        if 4 * marked >= n {
            for w in 0..<slots { (buffer + w * n).update(from: words + w * stride, count: n) }
            PathYearWords.fill(buffer + slots * n, stride: n, words: 2 * blocks, count: n, key: philoxKey,
                               year: year, firstPath: firstPath)
            source = buffer; sourceStride = n; left = slots + 2 * blocks; firstBlock = UInt32(blocks)
        }
        for i in 0..<n where d[i] == -1 {
            var g = _SlotStream(word: source + i, stride: sourceStride, left: left,
                                overflow: RandomStream.Compact(philoxKey: philoxKey, yearWord: yearWord,
                                                               path: firstPath &+ UInt64(i), firstBlock: firstBlock))
            d[i] = draw(i, &g)
        }
    }

    /// The most overflow blocks a sampler's batch tail asks `drawMarked` for (the NB2 mixture: 2).
    static let maxOverflowBlocks = 2
}

/// One path's draws of one instruction: its slot words, then its overflow stream.
struct _SlotStream: RandomNumberGenerator {
    var word: UnsafeMutablePointer<UInt64>
    let stride: Int
    var left: Int
    var overflow: RandomStream.Compact
    @inline(__always) mutating func next() -> UInt64 {
        if left > 0 {
            left &-= 1
            let w = word.pointee
            word += stride
            return w
        }
        return overflow.next()
    }
}

/// The mean exp(eta) of a count equation, NaN (no draw) when it is not finite or above 1e15.
@inline(__always) func _countMean(_ eta: Double) -> Double {
    let mean = coop_exp(eta)
    return mean.isFinite && mean <= 1e15 ? mean : .nan
}

/// `d[i] = _countMean(eta[i])` for i < n: a Poisson or NB2 equation without process noise.
func _countMeans(eta: UnsafeMutablePointer<Double>, into d: UnsafeMutablePointer<Double>, count n: Int) {
    for i in 0..<n { d[i] = _countMean(eta[i]) }
}

/// A Poisson count of mean exp(eta); NaN (no draw) when the mean is not finite or above 1e15.
@inline(__always) func _drawPoisson<G: RandomNumberGenerator>(_ eta: Double, _ g: inout G) -> Double {
    let mean = _countMean(eta)
    if mean.isNaN { return .nan }
    return Double(PoissonSampler(mean: mean).next(using: &g))
}

/// NB2 counts for a batch: `d[i]` ~ NB2(mean exp(eta[i]), alpha); NaN (no draw) where the mean
/// is not finite or above 1e15. Path i's draws are exactly `NegativeBinomial2Sampler(mean:alpha:)`
/// driven by `streams.stream(i)`: batch passes compute the means, and for the paths that invert
/// f(0) = exp(-log1p(αμ)/α) (`_log1pInPlace`, `_expInPlace`), q = αμ/(1 + αμ) and the uniform of
/// the slot word; then a loop does only the searches (`NegativeBinomial2Sampler.invertedCount`);
/// paths above the inversion limit draw the gamma–Poisson mixture from their slot and overflow
/// stream (`_SlotStreams.drawMarked`).
func _drawNegativeBinomials2(eta: UnsafeMutablePointer<Double>, alpha: Double, into d: UnsafeMutablePointer<Double>,
                             count n: Int, streams o: _SlotStreams) {
    guard n > 0 else { return }
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * n) { tmp in
        let mean = tmp.baseAddress!, f0 = mean + n, q = mean + 2 * n, u = mean + 3 * n
        mean.update(from: eta, count: n)
        _expInPlace(mean, n)
        let r = 1 / alpha
        // Per path: what to do (d[i] = NaN: no draw, 0: mean 0, -1: the mixture below, NaN-free
        // u[i] > 0 with d[i] = 0: search) and the search's q, u and log1p(αμ) for f(0).
        var mixture = 0
        for i in 0..<n {
            let m = mean[i]
            let drawn = m.isFinite && m <= 1e15
            let inverts = drawn && m > 0 && NegativeBinomial2Sampler.usesInversion(mean: m, alpha: alpha)
            let am = alpha * m
            f0[i] = inverts ? am : 0
            q[i] = am / (1 + am)
            u[i] = inverts ? RandomStream.uniform(o.words[i]) : 0
            let marked = drawn && m > 0 && !inverts
            d[i] = !drawn ? .nan : marked ? -1 : 0
            mixture += marked ? 1 : 0
        }
        _log1pInPlace(f0, n)
        for i in 0..<n { f0[i] = -r * f0[i] }
        _expInPlace(f0, n)
        for i in 0..<n where u[i] > 0 {
            d[i] = NegativeBinomial2Sampler.invertedCount(u: u[i], r: r, q: q[i], f0: f0[i])
        }
        // The gamma–Poisson mixture: its words beyond the slot (a gamma try of two, a Poisson step
        // of one or two) from the first two blocks of the overflow streams, computed for the batch.
        o.drawMarked(d, marked: mixture, blocks: 2, count: n) { i, g in
            Double(NegativeBinomial2Sampler(mean: mean[i], alpha: alpha).next(using: &g))
        }
    }
}

/// Binomial counts for a batch: `d[i]` ~ Bin(max(0, round(t[i])), invlogit(eta[i])); NaN (no draw)
/// where t[i] is NaN, the probability is not in [0, 1] or there are more than 9e15 trials. Path i's
/// draw is exactly `BinomialSampler(trials:probability:)` driven by `streams.stream(i)`. Batch
/// passes do every per-path step but the search: the probabilities, the rounded trials and their
/// validity, p' = min(p, 1-p), the ratio p'/(1-p'), the (mirrored) uniform of the slot word, and for
/// the paths that invert (n·p' < 20) f(0) = exp(n log1p(-p')) (`_log1pInPlace`, `_expInPlace`);
/// then a loop does only the searches (`BinomialSampler.invertedCount`), and the paths at or above
/// the limit draw by BTRS from their slot and overflow stream (`_SlotStreams.drawMarked`).
func _drawBinomials(eta: UnsafeMutablePointer<Double>, trials t: UnsafeMutablePointer<Double>,
                    into d: UnsafeMutablePointer<Double>, count n: Int, streams o: _SlotStreams) {
    guard n > 0 else { return }
    withUnsafeTemporaryAllocation(of: Double.self, capacity: 6 * n) { tmp in
        let prob = tmp.baseAddress!, trials = prob + n, f0 = prob + 2 * n, ratio = prob + 3 * n
        let u = prob + 4 * n, sign = prob + 5 * n
        coop_vinvlogit(eta, prob, Int64(n))
        // Per path, two paths a step: d[i] = NaN (no draw), the draw itself when it needs no search
        // (no trials, or p' = 0), -1 (BTRS below), or for a search its base (n when p > 1/2, else 0)
        // with sign[i] = -1 or +1 (the draw is base + sign · k); sign[i] = 0 when there is no search.
        var rejections = SIMD2<Int64>(repeating: 0)
        var i = 0
        while i + 2 <= n {
            let w = SIMD2(RandomStream.uniform(o.words[i]), RandomStream.uniform(o.words[i + 1]))
            rejections &+= _binomialSetup(p: _load2(prob + i), t: _load2(t + i), uniform: w,
                                          trials: trials + i, f0: f0 + i, ratio: ratio + i, u: u + i,
                                          sign: sign + i, d: d + i, lanes: 2)
            i &+= 2
        }
        if i < n {
            let w = SIMD2(repeating: RandomStream.uniform(o.words[i]))
            rejections &+= _binomialSetup(p: SIMD2(repeating: prob[i]), t: SIMD2(repeating: t[i]), uniform: w,
                                          trials: trials + i, f0: f0 + i, ratio: ratio + i, u: u + i,
                                          sign: sign + i, d: d + i, lanes: 1)
        }
        let rejection = Int(rejections[0] &+ rejections[1])
        _log1pInPlace(f0, n)
        for i in 0..<n { f0[i] = trials[i] * f0[i] }
        _expInPlace(f0, n)
        for i in 0..<n where sign[i] != 0 {
            d[i] += sign[i] * BinomialSampler.invertedCount(u: u[i], trials: trials[i], ratio: ratio[i], f0: f0[i])
        }
        // BTRS: its second uniform (and a rejected try's first) from the first block of the
        // overflow streams, computed for the batch.
        o.drawMarked(d, marked: rejection, blocks: 1, count: n) { i, g in
            Double(BinomialSampler(trials: Int(trials[i]), probability: prob[i]).next(using: &g))
        }
    }
}

/// Two doubles from `x` (any alignment).
@inline(__always) func _load2(_ x: UnsafeMutablePointer<Double>) -> SIMD2<Double> {
    UnsafeRawPointer(x).loadUnaligned(as: SIMD2<Double>.self)
}

/// The per-path work of `_drawBinomials` before the search, for two paths (the first `lanes` of
/// them stored): probability p, trials t, uniform w of the slot word. The same operations per lane
/// as the sampler's scalar form: n = max(0, round(t)) with ties away from zero (`_roundedHalfAway`:
/// below 2^52 the floor by the 2^52 rounding, one below where that rounds up, then + 1 if the
/// remainder is at least 1/2; from 2^52 up t itself; t <= 0 gives 0), valid when t is not NaN,
/// 0 <= p <= 1 and n <= 9e15; p' = min(p, 1 - p); inversion when n p' < 20. Writes trials (n or -1),
/// f0 (-p' where it inverts, else 0; then n log1p(-p') and its exp in the next passes), ratio
/// p'/(1 - p'), u (w, or 1 - w when p > 1/2), sign and d (see `_drawBinomials`). Returns 1 per
/// stored lane that needs BTRS.
@inline(__always)
func _binomialSetup(p: SIMD2<Double>, t: SIMD2<Double>, uniform w: SIMD2<Double>,
                    trials: UnsafeMutablePointer<Double>, f0: UnsafeMutablePointer<Double>,
                    ratio: UnsafeMutablePointer<Double>, u: UnsafeMutablePointer<Double>,
                    sign: UnsafeMutablePointer<Double>, d: UnsafeMutablePointer<Double>, lanes: Int) -> SIMD2<Int64> {
    typealias V = SIMD2<Double>
    let zero = V(repeating: 0), one = V(repeating: 1), big = V(repeating: 0x1p52)
    let ok = t .== t .& p .>= zero .& p .<= one
    let r = (t + big) - big                                     // t rounded to an integer (0 < t < 2^52)
    let floor = r.replacing(with: r - one, where: r .> t)
    var nt = floor.replacing(with: floor + one, where: t - floor .>= V(repeating: 0.5))
    nt.replace(with: t, where: t .>= big)
    nt.replace(with: zero, where: .!(t .> zero))
    let valid = ok .& nt .<= V(repeating: 9e15)
    let flipped = p .> V(repeating: 0.5)
    let ps = p.replacing(with: one - p, where: flipped)
    let inverts = valid .& nt * ps .< V(repeating: BinomialSampler.inversionLimit)
    let searches = inverts .& nt .> zero .& ps .!= zero
    let base = zero.replacing(with: nt, where: flipped .& nt .> zero)
    let outTrials = nt.replacing(with: -one, where: .!valid)
    let outF0 = zero.replacing(with: -ps, where: inverts)
    let outRatio = ps / (one - ps)
    let outU = w.replacing(with: one - w, where: flipped)
    let outSign = zero.replacing(with: one.replacing(with: -one, where: flipped), where: searches)
    let outD = base.replacing(with: -one, where: .!inverts).replacing(with: .nan, where: .!valid)
    let rejects = valid .& .!inverts
    if lanes == 2 {
        let raw = UnsafeMutableRawPointer.self
        raw.init(trials).storeBytes(of: outTrials, as: V.self)
        raw.init(f0).storeBytes(of: outF0, as: V.self)
        raw.init(ratio).storeBytes(of: outRatio, as: V.self)
        raw.init(u).storeBytes(of: outU, as: V.self)
        raw.init(sign).storeBytes(of: outSign, as: V.self)
        raw.init(d).storeBytes(of: outD, as: V.self)
        return SIMD2<Int64>(repeating: 0).replacing(with: 1, where: rejects)
    }
    trials[0] = outTrials[0]; f0[0] = outF0[0]; ratio[0] = outRatio[0]
    u[0] = outU[0]; sign[0] = outSign[0]; d[0] = outD[0]
    return SIMD2<Int64>(rejects[0] ? 1 : 0, 0)
}

/// x[i] = exp(x[i]) for i < n (CVecMath's `coop_vexp`, as the evaluator's exp; the samplers' batch passes call it).
func _expInPlace(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
    coop_vexp(x, x, Int64(n))
}

/// x[i] = log1p(x[i]) for i < n (CVecMath's `coop_vlog1p`; the samplers' batch passes call it).
func _log1pInPlace(_ x: UnsafeMutablePointer<Double>, _ n: Int) {
    coop_vlog1p(x, x, Int64(n))
}
