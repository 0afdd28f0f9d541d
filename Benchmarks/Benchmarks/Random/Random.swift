// Random generation: the raw Philox4x32-10 generator through a keyed stream, and every sampler
// the engine uses, each drawing `drawsPerIteration` values per iteration (throughput =
// drawsPerIteration / wall time). The raw-stream figure is the physical limit of the Monte
// Carlo workload (see peers/ for the path-years per second it is compared with).
import Benchmark
import CoopRandom

/// Values drawn per benchmark iteration (a scaled iteration is this many draws).
let drawsPerIteration = 100_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(2),
        maxIterations: 200,
        thresholds: [
            // Static thresholds (Thresholds/*.p90.json) are checked at p90.
            .wallClock: .init(relative: [.p50: 30.0, .p90: 30.0]),
            .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 50]),
            .peakMemoryResident: .init(relative: [.p90: 25.0]),
        ]
    )
    let key = StreamKey(seed: 20_241_125, region: StreamKey.hash("bench"), path: 0, year: 2025,
                        equation: StreamKey.hash("entries"))

    Benchmark("Philox4x32x10_block_x100k") { benchmark in
        let philox = Philox4x32x10(key: key.philoxKey)
        var counter = key.firstCounter
        var acc = SIMD4<UInt32>()
        for _ in benchmark.scaledIterations {
            for _ in 0..<drawsPerIteration {
                acc &+= philox.block(counter)
                counter.x &+= 1
            }
        }
        blackHole(acc)
    }

    Benchmark("RandomStream_next()_UInt64_x100k") { benchmark in
        var acc: UInt64 = 0
        for _ in benchmark.scaledIterations {
            var stream = RandomStream(key: key)
            for _ in 0..<drawsPerIteration { acc &+= stream.next() }
        }
        blackHole(acc)
    }

    Benchmark("RandomStream_fresh_stream_per_draw_x100k") { benchmark in
        // The engine's access pattern: one short keyed stream per (path, year, equation).
        var acc: UInt64 = 0
        for _ in benchmark.scaledIterations {
            for path in 0..<UInt64(drawsPerIteration) {
                var stream = RandomStream(key: key.withPath(path))
                acc &+= stream.next()
            }
        }
        blackHole(acc)
    }

    func samplerBenchmark(_ name: String, _ draw: @escaping @Sendable (inout RandomStream) -> Double) {
        Benchmark("\(name)_x100k") { benchmark in
            var acc = 0.0
            for _ in benchmark.scaledIterations {
                var stream = RandomStream(key: key)
                for _ in 0..<drawsPerIteration { acc += draw(&stream) }
            }
            blackHole(acc)
        }
    }

    samplerBenchmark("Normal") { NormalSampler.standard(using: &$0) }
    let gamma = GammaSampler(shape: 2.5)
    samplerBenchmark("Gamma(2.5)") { gamma.next(using: &$0) }
    let gammaSmall = GammaSampler(shape: 0.3)
    samplerBenchmark("Gamma(0.3)") { gammaSmall.next(using: &$0) }
    let poissonSmall = PoissonSampler(mean: 4)
    samplerBenchmark("Poisson(4)_inversion") { Double(poissonSmall.next(using: &$0)) }
    let poissonLarge = PoissonSampler(mean: 60)
    samplerBenchmark("Poisson(60)_PTRS") { Double(poissonLarge.next(using: &$0)) }
    let binomialSmall = BinomialSampler(trials: 600, probability: 0.01)
    samplerBenchmark("Binomial(600,0.01)_inversion") { Double(binomialSmall.next(using: &$0)) }
    let binomialLarge = BinomialSampler(trials: 600, probability: 0.05)
    samplerBenchmark("Binomial(600,0.05)_BTRS") { Double(binomialLarge.next(using: &$0)) }
    let nb2 = NegativeBinomial2Sampler(mean: 60, alpha: 0.05)
    samplerBenchmark("NB2(60,0.05)") { Double(nb2.next(using: &$0)) }
    samplerBenchmark("NB2(60,0.05)_built_per_draw") { stream in
        // The engine builds each sampler from the path's coefficients, so construction counts.
        Double(NegativeBinomial2Sampler(mean: 60, alpha: 0.05).next(using: &stream))
    }

    var covariance = [Double](repeating: 0, count: 16)
    for i in 0..<4 { for j in 0..<4 { covariance[i + 4 * j] = i == j ? 1 : 0.3 } }
    let mvn = MultivariateNormal(mean: [0.1, 0.2, 0.3, 0.4], covariance: covariance)!
    Benchmark("MultivariateNormal_dim_4_x100k") { benchmark in
        var out = [Double](repeating: 0, count: 4)
        var acc = 0.0
        for _ in benchmark.scaledIterations {
            var stream = RandomStream(key: key)
            for _ in 0..<drawsPerIteration {
                mvn.next(into: &out, using: &stream)
                acc += out[0]
            }
        }
        blackHole(acc)
    }
}
