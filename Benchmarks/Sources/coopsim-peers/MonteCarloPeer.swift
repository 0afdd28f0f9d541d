import BenchSupport
import CoopModel
import Foundation

/// `coopsim-peers mc --draws D --years Y --threads T[,T2...] [--repeat N] [--warmup W] [--root DIR]`:
/// the engine on the benchmark workload (summaries of every variable each year, as `run`
/// computes them). With several thread counts the timed runs alternate between them, so that a
/// change in the machine's load affects each count alike.
func runMonteCarlo(_ o: Options) {
    let draws = o.int("draws", default: 100_000)
    let years = o.int("years", default: 10)
    let threadCounts = (o.values["threads"] ?? "1").split(separator: ",").map { t -> Int in
        guard let n = Int(t), n >= 1 else { fail("--threads: expected thread counts such as 1,2, got \(t)", status: 64) }
        return n
    }
    let repeats = o.int("repeat", default: 5)
    let warmup = o.int("warmup", default: 1)
    let root = o.values["root"] ?? repositoryRoot()
    let plan: SimulationPlan
    do { plan = try BenchmarkWorkload.plan(years: years, root: root) } catch { fail("the benchmark workload does not load: \(error)") }
    var result: MonteCarloResult?
    var times = [[Double]](repeating: [], count: threadCounts.count)
    var cpu = [[Double]](repeating: [], count: threadCounts.count)
    for t in threadCounts {
        for _ in 0..<warmup { result = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: draws, threads: t)) }
    }
    for _ in 0..<repeats {
        for (k, t) in threadCounts.enumerated() {
            let c0 = cpuSeconds()
            times[k] += time(repeats: 1, warmup: 0) {
                result = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: draws, threads: t))
            }
            cpu[k].append(cpuSeconds() - c0)
        }
    }
    let coops = plan.model.variableNames.firstIndex(of: "coops")!
    let r = result!
    var byThreads: [String: [Double]] = [:], cpuByThreads: [String: [Double]] = [:]
    for (k, t) in threadCounts.enumerated() { byThreads[String(t)] = times[k]; cpuByThreads[String(t)] = cpu[k] }
    emit(["draws": draws, "years": years, "coopsim_mc": byThreads, "cpu_seconds": cpuByThreads,
          "coops_mean_last_year": r.scenarios[0].moments[(years - 1) * r.metrics + coops].mean,
          "peak_rss_bytes": peakRSSBytes()])
}

/// The repository root: two folders above the Benchmarks package (found from the executable's
/// path `Benchmarks/.build/<config>/coopsim-peers`), or the current folder if that fails.
func repositoryRoot() -> String {
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    for _ in 0..<6 {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.path + "/Benchmarks/peers/mc_workload.json") { return url.path }
    }
    return FileManager.default.currentDirectoryPath
}
