import CoopModel
import Foundation

/// The Monte Carlo workload shared with peers/mc_numpy.py (peers/mc_workload.json): the default
/// model and the benchmark calibration bound to one region with constant levers and assumptions.
func benchmarkPlan(root: String, years: Int) -> SimulationPlan {
    let w = readJSON(root + "/Benchmarks/peers/mc_workload.json")
    guard let modelPath = w["model"] as? String, let calibrationPath = w["calibration"] as? String,
          let region = w["region"] as? String, let seed = w["seed"] as? Int, let last = w["last_observed_year"] as? Int,
          let observed = w["observed"] as? [String: Double], let exogenous = w["exogenous"] as? [String: Double] else {
        fail("Benchmarks/peers/mc_workload.json lacks model, calibration, region, seed, last_observed_year, observed or exogenous")
    }
    do {
        let spec = try ModelSpec.load(path: root + "/" + modelPath)
        let calibration = try Calibration.load(path: root + "/" + calibrationPath)
        let model = try CompiledModel(spec: spec, calibration: calibration)
        return try SimulationPlan(model: model, scenario: "benchmark", file: "mc_workload.json", region: region,
                                  seed: UInt64(seed), lastObservedYear: last, horizon: last + years,
                                  observed: observed, history: [:], exogenous: { name, _ in exogenous[name] }, targets: [])
    } catch {
        fail("the benchmark workload does not load: \(error)")
    }
}

/// `coopsim-peers mc --draws D --years Y --threads T [--repeat N] [--warmup W] [--root DIR]`: the
/// engine on the benchmark workload (summaries of every variable each year, as `run` computes them).
func runMonteCarlo(_ o: Options) {
    let draws = o.int("draws", default: 100_000)
    let years = o.int("years", default: 10)
    let threads = o.int("threads", default: 1)
    let repeats = o.int("repeat", default: 5)
    let warmup = o.int("warmup", default: 1)
    let root = o.values["root"] ?? repositoryRoot()
    let plan = benchmarkPlan(root: root, years: years)
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
