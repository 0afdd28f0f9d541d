// Monte Carlo: the engine on the default model (Scenarios/model.toml, the shipped calibration
// Scenarios/calibration.toml, constant HCMC-baseline levers; see peers/mc_workload.json), over a
// grid of draws x years x regions, on 1 and 2 threads. The work is draws * years * regions
// path-years: wall time should grow linearly in each, and halve from 1 to 2 threads.
import Benchmark
import BenchSupport
import CoopModel

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
    let model: CompiledModel
    let workload: [String: Any]
    do { (model, workload) = try BenchmarkWorkload.compiledModel() } catch {
        fatalError("The Monte Carlo benchmarks need Benchmarks/peers/mc_workload.json and its model and calibration: \(error)")
    }
    /// (draws, years, regions, threads): a base point, then each factor varied on its own.
    let grid: [(Int, Int, Int, Int)] = [
        (32_768, 10, 1, 1), (32_768, 10, 1, 2),
        (8_192, 10, 1, 2), (131_072, 10, 1, 2),
        (32_768, 5, 1, 2), (32_768, 20, 1, 2),
        (32_768, 10, 4, 1), (32_768, 10, 4, 2),
    ]
    for (draws, years, regions, threads) in grid {
        let plans = (0..<regions).map { r in
            try! BenchmarkWorkload.plan(model: model, workload: workload, years: years, region: "benchmark-\(r)")
        }
        let options = MonteCarloOptions(draws: draws, threads: threads)
        Benchmark("MC_\(draws)_draws_x_\(years)_years_x_\(regions)_regions_\(threads)_threads") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(MonteCarlo.run(plans: plans, options: options)) }
        }
    }
    let plans = [try! BenchmarkWorkload.plan(model: model, workload: workload, years: 10)]
    Benchmark("MC_32768_draws_x_10_years_keep_100_paths_2_threads") { benchmark in
        let options = MonteCarloOptions(draws: 32_768, threads: 2, keepPaths: 100)
        for _ in benchmark.scaledIterations { blackHole(MonteCarlo.run(plans: plans, options: options)) }
    }
    Benchmark("Compile_default_model_+_bind_plan") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! BenchmarkWorkload.plan(years: 10)) }
    }
}
