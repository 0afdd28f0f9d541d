// Decision support: `coopsim sensitivity --method sobol` on the shipped Ho Chi Minh City 2024 plan,
// a Saltelli design of 20 base rows over three levers (promotion, training, support): 20 · (3 + 2)
// = 100 cases, each at 2,000 draws, all on the same random numbers; then the indices with 1,000
// bootstrap resamples per output. The README states the time measured here.
import Benchmark
import BenchSupport
import CoopModel
import CoopScenario
import Foundation

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        maxDuration: .seconds(60),
        maxIterations: 3,
        thresholds: [.wallClock: .init(relative: [.p50: 30.0, .p90: 30.0]), .peakMemoryResident: .init(relative: [.p90: 25.0])]
    )
    let root = BenchmarkWorkload.repositoryRoot
    let (scenario, model) = try! ScenarioLoader.load(path: root + "/Scenarios/hcmc-2024-plan.toml")
    let ranges = try! FactorRanges.load(path: root + "/Scenarios/ranges/hcmc-2024.toml", scenario: scenario, model: model)
    for threads in [1, 2] {
        Benchmark("sobol_100_cases_2000_draws_\(threads)_threads") { benchmark in
            for _ in benchmark.scaledIterations {
                let r = try! DecisionAnalysis.sensitivity(scenario: scenario, model: model, ranges: ranges, method: .sobol,
                                                          factors: ["promotion", "training", "support"], samples: 20,
                                                          settings: DecisionSettings(draws: 2000, threads: threads))
                blackHole(r.files.count)
            }
        }
    }
}
