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

@inline(__always) func _invlogit(_ x: Double) -> Double {
    if x < 0 { let e = exp(x); return e / (1 + e) }
    return 1 / (1 + exp(-x))
}

extension SimulationPlan {
    /// Simulates paths `firstPath ..< firstPath + count` (count <= the workspace width) over every
    /// simulated year. Writes each variable's value to `out[(yearIndex * variables + v) * width + i]`
    /// and adds to `violations[yearIndex * variables + v]` the paths whose value left its domain.
    ///
    /// Per path: coefficients drawn once (stream key year 0, equation = the equation's stream id),
    /// then each year the program runs in equation order; every draw of (path, year, equation)
    /// comes from `RandomStream(StreamKey(seed, region, path, year, equation))`.
    func simulate(firstPath: Int, count n: Int, workspace ws: _Workspace, switches: SimulationSwitches,
                  out: UnsafeMutablePointer<Double>, violations: UnsafeMutablePointer<Int>) {
        let W = ws.width
        precondition(n >= 0 && n <= W, "A batch of \(n) paths does not fit a workspace of width \(W).")
        let m = model
        let nv = m.variableNames.count
        // Coefficients, once per path.
        for eq in m.equations where !eq.coefficients.isEmpty {
            let p = eq.coefficients.count
            let base = ws.buffer(eq.coefficientBase)
            if switches.parameterUncertainty {
                eq.covarianceFactor.withUnsafeBufferPointer { l in
                    for i in 0..<n {
                        var stream = RandomStream(key: StreamKey(seed: seed, region: regionID, path: UInt64(firstPath + i),
                                                                 year: 0, equation: eq.streamID))
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
                    let dst = out + (yi * nv + v) * W
                    dst.update(from: src, count: n)
                    var domain = m.variableDomains[v]
                    if countDomainLoose && domain == .count { domain = .nonNegative }
                    var bad = 0
                    for i in 0..<n where !domain.contains(src[i]) { bad += 1 }
                    violations[yi * nv + v] += bad
                    let lags = m.variableMaxLag[v]
                    if lags > 0 {
                        for l in stride(from: lags, through: 1, by: -1) {
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
        for ins in program {
            let d = ws.buffer(ins.d)
            switch ins.code {
            case .add: let a = ws.buffer(ins.a), b = ws.buffer(ins.b); for i in 0..<n { d[i] = a[i] + b[i] }
            case .subtract: let a = ws.buffer(ins.a), b = ws.buffer(ins.b); for i in 0..<n { d[i] = a[i] - b[i] }
            case .multiply: let a = ws.buffer(ins.a), b = ws.buffer(ins.b); for i in 0..<n { d[i] = a[i] * b[i] }
            case .divide: let a = ws.buffer(ins.a), b = ws.buffer(ins.b); for i in 0..<n { d[i] = a[i] / b[i] }
            case .power:
                let a = ws.buffer(ins.a), b = ws.buffer(ins.b)
                for i in 0..<n { d[i] = b[i] == 2 ? a[i] * a[i] : pow(a[i], b[i]) }
            case .negate: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = -a[i] }
            case .log: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = log(a[i]) }
            case .log1p: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = log1p(a[i]) }
            case .exp: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = exp(a[i]) }
            case .expm1: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = expm1(a[i]) }
            case .sqrt: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = a[i].squareRoot() }
            case .squareNonNegative: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = a[i] >= 0 ? a[i] * a[i] : .nan }
            case .logit: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = log(a[i] / (1 - a[i])) }
            case .invlogit: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = _invlogit(a[i]) }
            case .abs: let a = ws.buffer(ins.a); for i in 0..<n { d[i] = Swift.abs(a[i]) }
            case .copy: let a = ws.buffer(ins.a); d.update(from: a, count: n)
            case .beginStreams:
                let id = model.equations[Int(ins.a)].streamID
                for i in 0..<n {
                    ws.streams[i] = RandomStream(key: StreamKey(seed: seed, region: regionID, path: UInt64(firstPath + i),
                                                                year: year, equation: id))
                }
            case .normal:
                let a = ws.buffer(ins.a), b = ws.buffer(ins.b)
                if noise {
                    for i in 0..<n {
                        let z = NormalSampler.standard(using: &ws.streams[i])
                        d[i] = b[i] >= 0 ? a[i] + b[i] * z : .nan
                    }
                } else {
                    for i in 0..<n { d[i] = b[i] >= 0 ? a[i] : .nan }
                }
            case .linear:
                let cols = model.linearColumns[Int(ins.a)]
                d.update(repeating: 0, count: n)
                for (j, c) in cols.enumerated() {
                    let x = ws.buffer(c), beta = ws.buffer(Int(ins.b) + j)
                    for i in 0..<n { d[i] += beta[i] * x[i] }
                }
            case .gaussian:
                let a = ws.buffer(ins.a)
                if noise && ins.x > 0 {
                    for i in 0..<n { d[i] = a[i] + ins.x * NormalSampler.standard(using: &ws.streams[i]) }
                } else {
                    d.update(from: a, count: n)
                }
            case .poisson:
                let a = ws.buffer(ins.a)
                for i in 0..<n {
                    let mean = exp(a[i])
                    if !(mean.isFinite && mean <= 1e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(PoissonSampler(mean: mean).next(using: &ws.streams[i])) : mean
                }
            case .negbin:
                let a = ws.buffer(ins.a)
                for i in 0..<n {
                    let mean = exp(a[i])
                    if !(mean.isFinite && mean <= 1e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(NegativeBinomial2Sampler(mean: mean, alpha: ins.x).next(using: &ws.streams[i])) : mean
                }
            case .binomial:
                let a = ws.buffer(ins.a), t = ws.buffer(ins.b)
                for i in 0..<n {
                    let p = _invlogit(a[i])
                    if t[i].isNaN { d[i] = .nan; continue }
                    let trials = max(0, t[i].rounded())
                    if !(p >= 0 && p <= 1 && trials <= 9e15) { d[i] = .nan; continue }
                    d[i] = noise ? Double(BinomialSampler(trials: Int(trials), probability: p).next(using: &ws.streams[i]))
                                 : trials * p
                }
            }
        }
    }
}
