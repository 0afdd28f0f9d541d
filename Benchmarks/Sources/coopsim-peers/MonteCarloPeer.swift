import BenchSupport
import CoopModel
import Foundation

/// `coopsim-peers mc --draws D --years Y --threads T [--repeat N] [--warmup W] [--root DIR]`: the
/// engine on the benchmark workload (summaries of every variable each year, as `run` computes them).
func runMonteCarlo(_ o: Options) {
    let draws = o.int("draws", default: 100_000)
    let years = o.int("years", default: 10)
    let threads = o.int("threads", default: 1)
    let repeats = o.int("repeat", default: 5)
    let warmup = o.int("warmup", default: 1)
    let root = o.values["root"] ?? repositoryRoot()
    let plan: SimulationPlan
    do { plan = try BenchmarkWorkload.plan(years: years, root: root) } catch { fail("the benchmark workload does not load: \(error)") }
    let options = MonteCarloOptions(draws: draws, threads: threads)
    var result: MonteCarloResult?
    let t = time(repeats: repeats, warmup: warmup) { result = MonteCarlo.run(plans: [plan], options: options) }
    let coops = plan.model.variableNames.firstIndex(of: "coops")!
    let r = result!
    emit(["draws": draws, "years": years, "threads": threads, "coopsim_mc": t,
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
