// Generalised linear models by IRLS on the QR core: Poisson and NB2 (alpha by maximum likelihood)
// on designs from 10,000 x 5 to 1,000,000 x 20 (an intercept and N(0, 0.3^2) columns, counts
// drawn from the model with a fixed seed, so every run fits the same data).
import Benchmark
import CoopNumerics
import CoopRandom
import Foundation

/// Counts from a log-linear model, Poisson or NB2 (alpha > 0), with keyed streams (fixed data).
func countData(rows n: Int, columns p: Int, alpha: Double) -> (X: Matrix, y: [Double]) {
    var X = Matrix(rows: n, columns: p, repeating: 1)
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var stream = RandomStream(key: StreamKey(seed: 42, region: 0, path: UInt64(i), year: 0, equation: 0))
        var eta = 0.5
        for j in 1..<p {
            let x = 0.3 * NormalSampler.standard(using: &stream)
            X.storage[i + j * n] = x
            eta += (j % 2 == 0 ? 0.1 : -0.1) * x
        }
        y[i] = alpha > 0 ? Double(NegativeBinomial2Sampler(mean: exp(eta), alpha: alpha).next(using: &stream))
                         : Double(PoissonSampler(mean: exp(eta)).next(using: &stream))
    }
    return (X, y)
}

/// Data built in a benchmark's setup hook and released in its teardown.
final class CountCache: @unchecked Sendable {
    private let lock = NSLock()
    private var data: (X: Matrix, y: [Double])?
    func load(rows n: Int, columns p: Int, alpha: Double) {
        let d = countData(rows: n, columns: p, alpha: alpha)
        lock.withLock { data = d }
    }
    func get() -> (X: Matrix, y: [Double]) { lock.withLock { data! } }
    func release() { lock.withLock { data = nil } }
}

let cache = CountCache()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 30,
        thresholds: [
            // Static thresholds (Thresholds/*.p90.json) are checked at p90.
            .wallClock: .init(relative: [.p50: 30.0, .p90: 30.0]),
            .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 50]),
            .peakMemoryResident: .init(relative: [.p90: 25.0]),
        ]
    )
    for (n, p) in [(10_000, 5), (100_000, 10), (1_000_000, 20)] {
        var configuration = Benchmark.defaultConfiguration
        if n >= 1_000_000 { configuration.maxDuration = .seconds(30); configuration.maxIterations = 5 }
        for (name, family, alpha) in [("Poisson", Family.poisson, 0.0), ("NB2", Family.negbin, 0.5)] {
            Benchmark("\(name)_GLM_\(n)x\(p)", configuration: configuration, closure: { benchmark in
                let data = cache.get()
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations {
                    blackHole(GeneralizedLinearModel.fit(X: data.X, y: data.y, family: family).coefficients)
                }
            }, setup: { cache.load(rows: n, columns: p, alpha: alpha) }, teardown: { cache.release() })
        }
    }
}
