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
    }

    deinit {
        pool.deallocate()
        streams.deinitialize(count: width)
        streams.deallocate()
        z.deallocate()
    }

    @inline(__always) func buffer(_ id: Int32) -> UnsafeMutablePointer<Double> { pool + Int(id) * width }
    @inline(__always) func buffer(_ id: Int) -> UnsafeMutablePointer<Double> { pool + id * width }
}

/// Values of `x[0..<n]` outside `domain` (NaN and infinities are outside every domain), with the
/// domain's test hoisted out of the loop; the same sets as `NumericDomain.contains`.
func _countOutside(_ domain: NumericDomain, _ x: UnsafeMutablePointer<Double>, _ n: Int) -> Int {
    // Branch-free counts (a comparison per value, no jump): each loop vectorises.
    var bad = 0
    switch domain {
    case .real: for i in 0..<n { bad &+= x[i].isFinite ? 0 : 1 }
    case .positive: for i in 0..<n { let v = x[i]; bad &+= v > 0 && v < .infinity ? 0 : 1 }
    case .nonNegative: for i in 0..<n { let v = x[i]; bad &+= v >= 0 && v < .infinity ? 0 : 1 }
    case .share: for i in 0..<n { let v = x[i]; bad &+= v >= 0 && v <= 1 ? 0 : 1 }
    case .openShare: for i in 0..<n { let v = x[i]; bad &+= v > 0 && v < 1 ? 0 : 1 }
    case .count: for i in 0..<n { bad &+= _isCount(x[i]) ? 0 : 1 }
    case .range: for i in 0..<n where !domain.contains(x[i]) { bad += 1 }
    }
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
        let countDomainLoose = !switches.processNoise
        m.program.withUnsafeBufferPointer { program in
            for (yi, year) in years.enumerated() {
                for s in 0..<exogenousSlots {
                    ws.buffer(exoBase + s).update(repeating: exogenousValues[yi * exogenousSlots + s], count: n)
                }
                run(program, year: year, firstPath: firstPath, n: n, ws: ws, switches: switches)
                for v in 0..<nv {
                    let src = ws.buffer(m.variableBase[v])
                    let dst = out + (yi * nv + v) * stride
                    dst.update(from: src, count: n)
                    var domain = m.variableDomains[v]
                    if countDomainLoose && domain == .count { domain = .nonNegative }
                    let bad = _countOutside(domain, src, n)
                    violations[yi * nv + v] += bad
                    let lags = m.variableMaxLag[v]
                    if lags > 0 {
                        for l in Swift.stride(from: lags, through: 1, by: -1) {
                            ws.buffer(m.variableBase[v] + l).update(from: ws.buffer(m.variableBase[v] + l - 1), count: n)
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private func run(_ program: UnsafeBufferPointer<_Instruction>, year: Int, firstPath: Int, n: Int,
                     ws: _Workspace, switches: SimulationSwitches) {
        let noise = switches.processNoise
        let pool = ws.pool, W = ws.width, streams = ws.streams
        @inline(__always) func buffer(_ id: Int32) -> UnsafeMutablePointer<Double> { pool + Int(id) * W }
        let all = n
        for ins in program {
            let d = buffer(ins.d)
            let n = ins.uniform ? min(1, all) : all
            defer { if ins.uniform && all > 1 { (d + 1).update(repeating: d[0], count: all - 1) } }
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
            case .beginStreams:
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
                    for i in 0..<n {
                        let z = NormalSampler.standard(using: &streams[i])
                        d[i] = b[i] >= 0 ? a[i] + b[i] * z : .nan
                    }
                } else {
                    for i in 0..<n { d[i] = b[i] >= 0 ? a[i] : .nan }
                }
            case .linear:
                let cols = model.linearColumns[Int(ins.a)]
                d.update(repeating: 0, count: n)
                for (j, c) in cols.enumerated() {
                    let x = buffer(c), beta = pool + (Int(ins.b) + j) * W
                    for i in 0..<n { d[i] += beta[i] * x[i] }
                }
            case .gaussian:
                let a = buffer(ins.a)
                if noise && ins.x > 0 {
                    for i in 0..<n { d[i] = a[i] + ins.x * NormalSampler.standard(using: &streams[i]) }
                } else {
                    d.update(from: a, count: n)
                }
            case .poisson:
                let a = buffer(ins.a)
                for i in 0..<n {
                    let mean = exp(a[i])
                    if !(mean.isFinite && mean <= 1e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(PoissonSampler(mean: mean).next(using: &streams[i])) : mean
                }
            case .negbin:
                let a = buffer(ins.a)
                for i in 0..<n {
                    let mean = exp(a[i])
                    if !(mean.isFinite && mean <= 1e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(NegativeBinomial2Sampler(mean: mean, alpha: ins.x).next(using: &streams[i])) : mean
                }
            case .binomial:
                let a = buffer(ins.a), t = buffer(ins.b)
                for i in 0..<n {
                    let p = _invlogit(a[i])
                    if t[i].isNaN { d[i] = .nan; continue }
                    let trials = max(0, _roundedHalfAway(t[i]))
                    if !(p >= 0 && p <= 1 && trials <= 9e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(BinomialSampler(trials: Int(trials), probability: p).next(using: &streams[i]))
                                 : trials * p
                }
            }
        }
    }
}
