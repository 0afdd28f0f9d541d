// End to end: `coopsim run` of every shipped scenario (Scenarios/*.toml but the model,
// calibration and truth files) through the same Runner calls as the CLI, output folder
// included, at the scenarios' own draws and seeds. Until a shipped calibration exists
// (Scenarios/calibration.toml), the scenarios use the benchmark calibration instead.
import Benchmark
import BenchSupport
import CoopModel
import CoopScenario
import Foundation

/// Every shipped scenario, loaded once, in name order.
func shippedScenarios() -> [(Scenario, ModelSpec)] {
    let root = BenchmarkWorkload.repositoryRoot
    let folder = root + "/Scenarios"
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
        .filter { $0.hasSuffix(".toml") && !["model.toml", "calibration.toml", "truth.toml"].contains($0) }.sorted()
    let shippedCalibration = FileManager.default.fileExists(atPath: folder + "/calibration.toml")
    return names.map { name in
        do {
            var (scenario, model) = try ScenarioLoader.load(path: folder + "/" + name)
            if !shippedCalibration { scenario.calibrationPath = root + "/Benchmarks/peers/calibration.toml" }
            return (scenario, model)
        } catch {
            fatalError("Shipped scenario \(name) does not load: \(error)")
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(10),
        maxIterations: 20,
        thresholds: [
            // Static thresholds (Thresholds/*.p90.json) are checked at p90.
            .wallClock: .init(relative: [.p50: 30.0, .p90: 30.0]),
            .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 50]),
            .peakMemoryResident: .init(relative: [.p90: 25.0]),
        ]
    )
    let scenarios = shippedScenarios()
    for threads in [1, 2] {
        Benchmark("run_shipped_scenarios_\(threads)_threads") { benchmark in
            let out = NSTemporaryDirectory() + "coopsim-bench-\(getpid())-\(threads)"
            for _ in benchmark.scaledIterations {
                let summary = try! Runner.run(scenarios: scenarios, options: RunOptions(threads: threads))
                try! Runner.writeOutput(summary, to: out, excel: false)
                try? FileManager.default.removeItem(atPath: out)
            }
        }
    }
    Benchmark("load_and_validate_shipped_scenarios") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(shippedScenarios().count) }
    }
}
