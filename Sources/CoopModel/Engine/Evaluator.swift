#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
/// arrays), the per-path streams and a scratch vector. Allocated once per worker and reused for
/// every batch, year and scenario of the same model; the only class in the engine, to own the memory.
final class _Workspace {
    let width: Int
    let bufferCount: Int
    let pool: UnsafeMutablePointer<Double>
    let streams: UnsafeMutablePointer<RandomStream>
    let z: UnsafeMutablePointer<Double>
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
        streams = .allocate(capacity: width)
        streams.initialize(repeating: RandomStream(key: StreamKey(seed: 0, region: 0, path: 0, year: 0, equation: 0)), count: width)
        z = .allocate(capacity: max(1, model.maxCoefficients))
        z.initialize(repeating: 0, count: max(1, model.maxCoefficients))
        for c in model.constants { (pool + c.buffer * width).update(repeating: c.value, count: width) }
        pointers = .allocate(capacity: max(1, model.bufferCount))
        for id in 0..<max(1, model.bufferCount) { (pointers + id).initialize(to: pool + id * width) }
    }

    deinit {
        pool.deallocate()
        streams.deinitialize(count: width)
        streams.deallocate()
        z.deallocate()
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
    if x < 0 { let e = exp(x); return e / (1 + e) }
    return 1 / (1 + exp(-x))
}

extension SimulationPlan {
    /// Simulates paths `firstPath ..< firstPath + count` (count <= the workspace width) over every
    /// simulated year. Writes each variable's value to `out[(yearIndex * variables + v) * stride + i]`
    /// and adds to `violations[yearIndex * variables + v]` the paths whose value left its domain.
    ///
    /// Per path: coefficients drawn once (stream key year 0, equation = the equation's stream id),
    /// then each year the program runs in equation order; every draw of (path, year, equation)
    /// comes from `RandomStream(StreamKey(seed, region, path, year, equation))`.
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
        // Coefficients, once per path.
        for eq in m.equations where !eq.coefficients.isEmpty {
            let p = eq.coefficients.count
            let base = ws.buffer(eq.coefficientBase)
            if switches.parameterUncertainty {
                let key = StreamKey(seed: seed, region: regionID, path: UInt64(firstPath), year: 0, equation: eq.streamID)
                let philoxKey = key.philoxKey
                eq.covarianceFactor.withUnsafeBufferPointer { l in
                    for i in 0..<n {
                        var stream = RandomStream(key: key.withPath(UInt64(firstPath + i)), philoxKey: philoxKey)
                        for j in 0..<p { ws.z[j] = NormalSampler.standard(using: &stream) }
                        for r in 0..<p {
                            var b = eq.coefficients[r]
                            for k in 0...r { b += l[r * p + k] * ws.z[k] }
                            base[r * W + i] = b
                        }
                    }
                }
            } else {
                for r in 0..<p { (base + r * W).update(repeating: eq.coefficients[r], count: n) }
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
                run(program, year: year, firstPath: firstPath, n: n, ws: ws, switches: switches,
                    violations: violations + yi * nv)
            }
        }
    }

    @inline(__always)
    private func run(_ program: UnsafeBufferPointer<_Instruction>, year: Int, firstPath: Int, n: Int,
                     ws: _Workspace, switches: SimulationSwitches, violations: UnsafeMutablePointer<Int>) {
        let noise = switches.processNoise
        let pointers = ws.pointers, streams = ws.streams
        @inline(__always) func buffer(_ id: Int32) -> UnsafeMutablePointer<Double> { pointers[Int(id)] }
        let all = n
        let yearWord = UInt32(bitPattern: Int32(truncatingIfNeeded: year))
        /// The keyed streams of an instruction that opens its own (see `_Instruction.ownStream`).
        @inline(__always) func ownStreams(_ ins: _Instruction) -> _OwnStreams {
            let id = model.equations[Int(ins.ownStream)].streamID
            let key = StreamKey(seed: seed, region: regionID, path: UInt64(firstPath), year: year, equation: id)
            return _OwnStreams(philoxKey: key.philoxKey, yearWord: yearWord, firstPath: UInt64(firstPath))
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
            case .log: let a = buffer(ins.a); for i in 0..<n { d[i] = log(a[i]) }
            case .log1p: let a = buffer(ins.a); for i in 0..<n { d[i] = log1p(a[i]) }
            case .exp: let a = buffer(ins.a); for i in 0..<n { d[i] = exp(a[i]) }
            case .expm1: let a = buffer(ins.a); for i in 0..<n { d[i] = expm1(a[i]) }
            case .sqrt: let a = buffer(ins.a); for i in 0..<n { d[i] = a[i].squareRoot() }
            case .squareNonNegative: let a = buffer(ins.a); for i in 0..<n { d[i] = a[i] >= 0 ? a[i] * a[i] : .nan }
            case .logit: let a = buffer(ins.a); for i in 0..<n { d[i] = log(a[i] / (1 - a[i])) }
            case .invlogit: let a = buffer(ins.a); for i in 0..<n { d[i] = _invlogit(a[i]) }
            case .abs: let a = buffer(ins.a); for i in 0..<n { d[i] = Swift.abs(a[i]) }
            case .copy: let a = buffer(ins.a); d.update(from: a, count: n)
            case .store:
                // The variable's value into its output row, and the paths outside its domain counted.
                let a = buffer(ins.a), v = Int(ins.b)
                d.update(from: a, count: n)
                var domain = model.variableDomains[v]
                if !noise && domain == .count { domain = .nonNegative }
                violations[v] += _countOutside(domain, d, n)
            case .beginStreams:
                if ins.ownStream == -2 { break }     // its only drawing instruction opens the streams itself
                let id = model.equations[Int(ins.a)].streamID
                let key = StreamKey(seed: seed, region: regionID, path: UInt64(firstPath), year: year, equation: id)
                if noise {
                    // Every path draws: first blocks computed together, the Philox key once.
                    RandomStream.open(streams, count: n, paths: key)
                } else {
                    let k = key.philoxKey
                    for i in 0..<n { streams[i] = RandomStream(key: key.withPath(UInt64(firstPath + i)), philoxKey: k) }
                }
            case .normal:
                let a = buffer(ins.a), b = buffer(ins.b)
                if noise {
                    if ins.ownStream >= 0 {
                        let o = ownStreams(ins)
                        for i in 0..<n { var g = o.stream(i); d[i] = _drawNormal(a[i], b[i], &g) }
                    } else {
                        for i in 0..<n { d[i] = _drawNormal(a[i], b[i], &streams[i]) }
                    }
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
                    if ins.ownStream >= 0 {
                        let o = ownStreams(ins)
                        for i in 0..<n { var g = o.stream(i); d[i] = a[i] + sigma * NormalSampler.standard(using: &g) }
                    } else {
                        for i in 0..<n { d[i] = a[i] + sigma * NormalSampler.standard(using: &streams[i]) }
                    }
                } else {
                    d.update(from: a, count: n)
                }
            case .poisson:
                let a = buffer(ins.a)
                if noise {
                    if ins.ownStream >= 0 {
                        let o = ownStreams(ins)
                        for i in 0..<n { var g = o.stream(i); d[i] = _drawPoisson(a[i], &g) }
                    } else {
                        for i in 0..<n { d[i] = _drawPoisson(a[i], &streams[i]) }
                    }
                } else {
                    for i in 0..<n { let mean = exp(a[i]); d[i] = mean.isFinite && mean <= 1e15 ? mean : .nan }
                }
            case .negbin:
                let a = buffer(ins.a), alpha = ins.x
                if noise {
                    if ins.ownStream >= 0 {
                        let o = ownStreams(ins)
                        for i in 0..<n { var g = o.stream(i); d[i] = _drawNegativeBinomial2(a[i], alpha, &g) }
                    } else {
                        for i in 0..<n { d[i] = _drawNegativeBinomial2(a[i], alpha, &streams[i]) }
                    }
                } else {
                    for i in 0..<n { let mean = exp(a[i]); d[i] = mean.isFinite && mean <= 1e15 ? mean : .nan }
                }
            case .binomial:
                let a = buffer(ins.a), t = buffer(ins.b)
                if noise {
                    if ins.ownStream >= 0 {
                        let o = ownStreams(ins)
                        for i in 0..<n { var g = o.stream(i); d[i] = _drawBinomial(a[i], t[i], &g) }
                    } else {
                        for i in 0..<n { d[i] = _drawBinomial(a[i], t[i], &streams[i]) }
                    }
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

/// The streams (seed, region, path, year, equation) of the paths of a batch, opened one at a time
/// where they are drawn: `stream(i)` is path `firstPath + i`'s, the same words as `RandomStream`.
struct _OwnStreams {
    let philoxKey: SIMD2<UInt32>
    let yearWord: UInt32
    let firstPath: UInt64
    @inline(__always) func stream(_ i: Int) -> RandomStream.Compact {
        RandomStream.Compact(philoxKey: philoxKey, yearWord: yearWord, path: firstPath &+ UInt64(i))
    }
}

/// `normal(m, s)`: m + s z, z a standard normal by inversion; NaN when s < 0 (no draw then).
@inline(__always) func _drawNormal<G: RandomNumberGenerator>(_ m: Double, _ s: Double, _ g: inout G) -> Double {
    // The draw is taken whatever s, as the stream's position must not depend on the value.
    let z = NormalSampler.standard(using: &g)
    return s >= 0 ? m + s * z : .nan
}

/// A Poisson count of mean exp(eta); NaN (no draw) when the mean is not finite or above 1e15.
@inline(__always) func _drawPoisson<G: RandomNumberGenerator>(_ eta: Double, _ g: inout G) -> Double {
    let mean = exp(eta)
    if !(mean.isFinite && mean <= 1e15) { return .nan }
    return Double(PoissonSampler(mean: mean).next(using: &g))
}

/// An NB2 count of mean exp(eta) and dispersion alpha; NaN (no draw) when the mean is not finite or above 1e15.
@inline(__always) func _drawNegativeBinomial2<G: RandomNumberGenerator>(_ eta: Double, _ alpha: Double, _ g: inout G) -> Double {
    let mean = exp(eta)
    if !(mean.isFinite && mean <= 1e15) { return .nan }
    return Double(NegativeBinomial2Sampler(mean: mean, alpha: alpha).next(using: &g))
}

/// A binomial count with max(0, round(t)) trials and probability invlogit(eta); NaN (no draw)
/// when t is NaN, the probability is not in [0, 1] or there are more than 9e15 trials.
@inline(__always) func _drawBinomial<G: RandomNumberGenerator>(_ eta: Double, _ t: Double, _ g: inout G) -> Double {
    let p = _invlogit(eta)
    if t.isNaN { return .nan }
    let trials = max(0, _roundedHalfAway(t))
    if !(p >= 0 && p <= 1 && trials <= 9e15) { return .nan }
    if trials == 0 { return 0 }                 // what the sampler returns, without setting it up
    return Double(BinomialSampler(trials: Int(trials), probability: p).next(using: &g))
}
