// Linear algebra and least squares: the BLAS/LAPACK wrappers and OLS by pivoted QR, classical
// and HC3 standard errors, on designs from 1,000 x 10 to 1,000,000 x 50 (an intercept and
// standard normal columns, y = X b + heteroscedastic noise, from a fixed seed).
import Benchmark
import CoopNumerics
import Foundation

/// A fixed-seed design and response (SplitMix64 uniforms, Box-Muller normals): the data are the
/// same on every run and machine, so thresholds compare like with like.
func design(rows n: Int, columns p: Int, seed: UInt64 = 42) -> (X: Matrix, y: [Double]) {
    var state = seed
    func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) * 0x1p-53
    }
    func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
    var X = Matrix(rows: n, columns: p, repeating: 1)
    for j in 1..<p { for i in 0..<n { X.storage[i + j * n] = normal() } }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var mean = 0.0
        for j in 0..<p { mean += X.storage[i + j * n] * (1 - 2 * Double(j) / Double(max(p - 1, 1))) }
        y[i] = mean + (1 + 0.5 * abs(X.storage[i + n])) * normal()
    }
    return (X, y)
}

/// Designs built once per benchmark (in its setup hook) and released in its teardown, so that
/// only the running benchmark holds its data (1,000,000 x 50 is 400 MB).
final class DesignCache: @unchecked Sendable {
    private let lock = NSLock()
    private var designs: [String: (X: Matrix, y: [Double])] = [:]

    func load(rows n: Int, columns p: Int) {
        let d = design(rows: n, columns: p)
        lock.withLock { designs["\(n)x\(p)"] = d }
    }

    func get(rows n: Int, columns p: Int) -> (X: Matrix, y: [Double]) {
        lock.withLock { designs["\(n)x\(p)"]! }
    }

    func release() { lock.withLock { designs.removeAll() } }
}

let cache = DesignCache()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 50,
        thresholds: [
            // Static thresholds (Thresholds/*.p90.json) are checked at p90.
            .wallClock: .init(relative: [.p50: 30.0, .p90: 30.0]),
            .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 50]),
            .peakMemoryResident: .init(relative: [.p90: 25.0]),
        ]
    )
    for (n, p) in [(1_000, 10), (10_000, 10), (100_000, 20), (1_000_000, 50)] {
        var configuration = Benchmark.defaultConfiguration
        if n * p >= 10_000_000 { configuration.maxDuration = .seconds(20); configuration.maxIterations = 5 }
        let label = "\(n)x\(p)"
        let cases: [(String, @Sendable (Matrix, [Double]) -> Void)] = [
            ("LeastSquares", { blackHole(LeastSquares(X: $0, y: $1).coefficients) }),
            ("OLS_classical", { blackHole(LinearModel.fit(X: $0, y: $1, covariance: .classical).standardErrors) }),
            ("OLS_HC3", { blackHole(LinearModel.fit(X: $0, y: $1, covariance: .hc3).standardErrors) }),
        ]
        for (name, fit) in cases {
            Benchmark("\(name)_\(label)", configuration: configuration, closure: { benchmark in
                let data = cache.get(rows: n, columns: p)
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations { fit(data.X, data.y) }
            }, setup: { cache.load(rows: n, columns: p) }, teardown: { cache.release() })
        }
    }
    Benchmark("Leverages_100000x20", closure: { benchmark in
        let data = cache.get(rows: 100_000, columns: 20)
        let ls = LeastSquares(X: data.X, y: data.y)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(ls.leverages()) }
    }, setup: { cache.load(rows: 100_000, columns: 20) }, teardown: { cache.release() })
    Benchmark("LeastSquares_2000x200_(wide)", closure: { benchmark in
        let data = cache.get(rows: 2_000, columns: 200)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(LeastSquares(X: data.X, y: data.y).coefficients) }
    }, setup: { cache.load(rows: 2_000, columns: 200) }, teardown: { cache.release() })
}
