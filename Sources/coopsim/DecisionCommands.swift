import ArgumentParser
import CoopData
import CoopModel
import CoopScenario
import Foundation

extension DecisionAnalysis.SensitivityMethod: ExpressibleByArgument {}

/// Options shared by the decision commands: the scenario, its ranges file and run's options.
struct DecisionOptions: ParsableArguments {
    @Argument(help: "The scenario file (TOML).")
    var scenario: String

    @Option(help: "The ranges file: which levers and assumptions vary, how far, at what cost (Guides/Decision.md).")
    var ranges: String

    @Option(help: "Monte Carlo paths per case (default: the scenario's `draws`). Every case runs on the same paths.")
    var draws: Int?

    @Option(help: "Root seed (default: the scenario's `seed`). Same seed and inputs give byte-identical CSV files.")
    var seed: UInt64?

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output folder (written atomically: a failed run leaves nothing behind).")
    var out: String

    @Flag(help: "Start every CSV with a byte-order mark so Excel shows Vietnamese names correctly.")
    var excel = false

    func validate() throws {
        if let d = draws, d < 1 || d > 10_000_000 { throw ValidationError("--draws must be from 1 to 10000000, got \(d).") }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
    }

    var settings: DecisionSettings {
        DecisionSettings(draws: draws, seed: seed, threads: threads, excel: excel,
                         commandLine: ["coopsim"] + CommandLine.arguments.dropFirst(), progress: ProgressBar.callback())
    }

    /// Loads the scenario and ranges, runs `body`, writes the folder and reports on stderr.
    func execute(_ name: String, _ body: (Scenario, ModelSpec, FactorRanges) throws -> DecisionRun) throws {
        try refuseOverwriting([scenario, ranges], with: out, option: "--out")
        try reportingInputErrors { try Runner.checkOutputFolder(out) }
        let run = try reportingInputErrors { () throws -> DecisionRun in
            let (s, m) = try ScenarioLoader.load(path: scenario)
            let r = try FactorRanges.load(path: ranges, scenario: s, model: m)
            return try body(s, m, r)
        }
        try reportingInputErrors { try Runner.writeFolder(run.files, to: out) }
        printError("coopsim \(name): \(run.message), \(String(format: "%.2f", run.wallSeconds)) s -> \(out)/")
    }
}

/// `coopsim sweep SCENARIO --ranges R --factor F [--factor G] [--levels N]`.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Target probabilities and summaries over a one- or two-lever grid (common random numbers across the grid).",
        discussion: """
        Each factor takes LEVELS evenly spaced values over its range in the ranges file, plus the value that \
        leaves the scenario unchanged (so one grid point equals `coopsim run`). Writes sweep.csv (per grid point \
        and output: estimate, mc_se), sweep_summary.csv (summary.csv's rows per grid point), factors.csv, \
        scenarios.csv, metrics.csv and run.json. See Guides/Decision.md.
        """
    )
    @OptionGroup var options: DecisionOptions

    @Option(name: .customLong("factor"), help: "A lever or assumption of the ranges file to sweep (give one or two).")
    var factors: [String] = []

    @Option(help: "Grid points per factor (default: the factor's `levels` in the ranges file, else 5).")
    var levels: Int?

    func validate() throws {
        if factors.isEmpty || factors.count > 2 { throw ValidationError("sweep needs one or two --factor options, got \(factors.count).") }
        if let l = levels, l < 2 || l > 101 { throw ValidationError("--levels must be from 2 to 101, got \(l).") }
    }

    func run() throws {
        try options.execute("sweep") { s, m, r in
            try DecisionAnalysis.sweep(scenario: s, model: m, ranges: r, factors: factors, levels: levels, settings: options.settings)
        }
    }
}

/// `coopsim sensitivity SCENARIO --ranges R --method tornado|morris|sobol`.
struct SensitivityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensitivity",
        abstract: "Which lever or assumption moves the target probabilities most: tornado, Morris or Sobol indices.",
        discussion: """
        tornado: each factor at its low and high end, the others as in the scenario (tornado.csv). \
        morris: SAMPLES elementary-effect trajectories on a 4-level grid (morris.csv: mu, mu_star, sigma). \
        sobol: a Saltelli design with SAMPLES base rows (sobol.csv: first-order S1 and total ST with bootstrap \
        intervals). Every design point is a case; all cases share random numbers. cases.csv holds every case's \
        outputs. See Guides/Decision.md.
        """
    )
    @OptionGroup var options: DecisionOptions

    @Option(help: "tornado, morris or sobol.")
    var method: DecisionAnalysis.SensitivityMethod = .tornado

    @Option(name: .customLong("factor"), help: "Factors to vary (default: every factor of the ranges file).")
    var factors: [String] = []

    @Option(help: "Morris trajectories (default 20) or Sobol base rows (default 64).")
    var samples: Int?

    func validate() throws {
        if let n = samples, n < 2 || n > 100_000 { throw ValidationError("--samples must be from 2 to 100000, got \(n).") }
    }

    func run() throws {
        try options.execute("sensitivity") { s, m, r in
            try DecisionAnalysis.sensitivity(scenario: s, model: m, ranges: r, method: method, factors: factors, samples: samples,
                                             settings: options.settings)
        }
    }
}

/// `coopsim optimize SCENARIO --ranges R --probability P [--target N]`.
struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "The least-cost lever mix (levers with a cost in the ranges file) reaching P(targets) >= p.",
        discussion: """
        Grid search with refinement over the levers' ranges, every grid point a case on common random numbers; \
        the chosen mix is re-run on fresh draws (seed + 1) for the probabilities reported. Writes search.csv, \
        optimum.csv, check.csv, optimal.toml (run it with `coopsim run` to reproduce check.csv) and run.json. \
        When no mix in the ranges reaches p, says so and reports the most likely mix. See Guides/Decision.md.
        """
    )
    @OptionGroup var options: DecisionOptions

    @Option(help: "The probability to reach (0 < p < 1).")
    var probability: Double = 0.8

    @Option(help: "Only this target (its number in the scenario, from 1) instead of all targets on the same path.")
    var target: Int?

    @Option(help: "Grid points per lever in each round.")
    var levels: Int = 5

    @Option(help: "Rounds of refinement (each halves the grid spacing with 5 levels).")
    var rounds: Int = 4

    func validate() throws {
        if !(probability > 0 && probability < 1) { throw ValidationError("--probability must be between 0 and 1, got \(probability).") }
        if let t = target, t < 1 { throw ValidationError("--target must be a target number from 1, got \(t).") }
        if levels < 2 || levels > 21 { throw ValidationError("--levels must be from 2 to 21, got \(levels).") }
        if rounds < 1 || rounds > 20 { throw ValidationError("--rounds must be from 1 to 20, got \(rounds).") }
    }

    func run() throws {
        try options.execute("optimize") { s, m, r in
            try DecisionAnalysis.optimize(scenario: s, model: m, ranges: r, probability: probability, target: target.map { $0 - 1 },
                                          levels: levels, rounds: rounds, settings: options.settings)
        }
    }
}

/// `coopsim discover SCENARIO --ranges R --target N`.
struct DiscoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "discover",
        abstract: "Scenario discovery by PRIM: the ranges of the assumptions under which a target is missed.",
        discussion: """
        Runs CASES points of a Sobol sequence over the assumptions of the ranges file (or the --factor ones), \
        all on the same random numbers; a case's outcome is the share of its paths missing the target. PRIM \
        (peeling, pasting) gives the coverage-density trade-off (prim_trajectory.csv) and box limits \
        (prim_box.csv); the box reported is the densest covering at least --min-coverage of the misses. \
        See Guides/Decision.md.
        """
    )
    @OptionGroup var options: DecisionOptions

    @Option(help: "The target (its number in the scenario, from 1) whose failure to explain.")
    var target: Int = 1

    @Option(name: .customLong("factor"), help: "Factors to explore (default: every assumption of the ranges file).")
    var factors: [String] = []

    @Option(help: "Cases (points of the Sobol sequence).")
    var cases: Int = 200

    @Option(help: "The least share of the misses the reported box must cover.")
    var minCoverage: Double = 0.5

    func validate() throws {
        if target < 1 { throw ValidationError("--target must be a target number from 1, got \(target).") }
        if cases < 10 || cases > 100_000 { throw ValidationError("--cases must be from 10 to 100000, got \(cases).") }
        if !(minCoverage >= 0 && minCoverage <= 1) { throw ValidationError("--min-coverage must be from 0 to 1, got \(minCoverage).") }
    }

    func run() throws {
        try options.execute("discover") { s, m, r in
            try DecisionAnalysis.discover(scenario: s, model: m, ranges: r, target: target - 1, factors: factors, cases: cases,
                                          minimumCoverage: minCoverage, settings: options.settings)
        }
    }
}
