import CoopData
import CoopModel
import Foundation

/// Options of `coopsim run` and `coopsim compare`.
public struct RunOptions: Sendable {
    /// Paths per scenario; nil uses the scenario's `draws` (the baseline's when comparing).
    public var draws: Int?
    /// Root seed; nil uses the scenario's `seed` (the baseline's when comparing).
    public var seed: UInt64?
    public var threads: Int
    /// Write the values of paths 0 ..< paths to `paths.csv` (0: no file).
    public var paths: Int
    /// Byte-order mark in every CSV, for Excel.
    public var excel: Bool
    /// Compare: the first scenario is the baseline, the others alternatives (common random numbers).
    public var compare: Bool
    /// The command line recorded in run.json.
    public var commandLine: [String]
    /// Paths evaluated together (results do not depend on it).
    public var batchWidth: Int
    public var switches: SimulationSwitches
    /// Called with (blocks done, blocks in total) for each scenario group, serialised.
    public var progress: (@Sendable (Int, Int) -> Void)?
    /// `--mc-se X`: draw block by block until every target probability (and compared difference)
    /// has a Monte Carlo standard error of at most X, or the cap; overrides `draws` (issue 12).
    public var precision: PrecisionRule? = nil

    public init(draws: Int? = nil, seed: UInt64? = nil, threads: Int = 1, paths: Int = 0, excel: Bool = false,
                compare: Bool = false, commandLine: [String] = [], batchWidth: Int = 256,
                switches: SimulationSwitches = SimulationSwitches(), progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.draws = draws; self.seed = seed; self.threads = threads; self.paths = paths; self.excel = excel
        self.compare = compare; self.commandLine = commandLine; self.batchWidth = batchWidth
        self.switches = switches; self.progress = progress
    }
}

/// What a run produced: the scenarios, their plans and merged accumulators, and provenance.
public struct RunSummary: Sendable {
    /// One run of the engine: a scenario alone (`run`), or the baseline with its alternatives (`compare`).
    public struct Group: Sendable {
        public var scenarios: [Int]
        public var plans: [SimulationPlan]
        public var draws: Int
        public var seed: UInt64
        public var result: MonteCarloResult
    }

    public var kind: String
    public var scenarios: [Scenario]
    public var models: [ModelSpec]
    public var groups: [Group]
    public var threads: Int
    public var paths: Int
    public var commandLine: [String]
    /// Every input file (scenarios and what they extend, models, calibrations), first use first, with its SHA-256.
    public var inputs: [(path: String, sha256: String)]
    public var started: Date
    public var wallSeconds: Double
    /// With `--mc-se`: the rule, whether it held, and each group's running estimates (convergence.csv).
    public var precision: PrecisionReport? = nil
}

/// Runs scenarios through the Monte Carlo engine and writes the output folder (Guides/Outputs.md):
/// thin wiring over the phases of `Experiment`.
///
///     let loaded = try paths.map { try ScenarioLoader.load(path: $0) }
///     let summary = try Runner.run(scenarios: loaded, options: RunOptions(threads: 2, commandLine: CommandLine.arguments))
///     try Runner.writeOutput(summary, to: "out", excel: false)
///
/// `run` runs each scenario on its own (its draws and seed unless overridden); `compare`
/// (`options.compare`) runs the first scenario as the baseline and the others as alternatives
/// on the same paths with the same seed and draws (the baseline's unless overridden), which
/// requires the same variables and simulated years. Errors are `InputErrors` (exit status 65):
/// unreadable calibration, a model that does not compile with it, a scenario lacking an observed
/// value the model reads, a simulated value leaving its variable's domain.
public enum Runner {
    public static let version = "0.1.0"

    /// `run` or `compare` (by `options.compare`): the phases of `Experiment` in order — check the
    /// loaded inputs, compile, plan the cases, execute the blocks, summarise (domain checks and
    /// provenance). Write the result with `writeOutput`.
    public static func run(scenarios loaded: [(Scenario, ModelSpec)], options: RunOptions) throws -> RunSummary {
        precondition(!loaded.isEmpty, "Runner.run needs at least one scenario.")
        precondition(options.threads >= 1, "Runner.run needs at least one thread, got \(options.threads).")
        let started = Date()
        let clock = ContinuousClock.now
        try Experiment.check(loaded)
        let compiled = try Experiment.compile(loaded)
        let experiment = try Experiment.plan(options.compare ? .compare : .run, compiled, seed: options.seed, draws: options.draws)
        if let rule = options.precision {
            let precise = experiment.executeToPrecision(rule: rule, threads: options.threads, batchWidth: options.batchWidth,
                                                        keepPaths: options.paths, switches: options.switches, progress: options.progress)
            var summary = try summarise(precise.experiment, precise.results, options: options, started: started, since: clock)
            summary.precision = PrecisionReport(rule: rule, reached: precise.reached, steps: precise.convergence)
            return summary
        }
        let results = experiment.execute(threads: options.threads, batchWidth: options.batchWidth, keepPaths: options.paths,
                                         switches: options.switches, progress: options.progress)
        return try summarise(experiment, results, options: options, started: started, since: clock)
    }

    /// The summary of an executed experiment: throws the first domain violation (`InputErrors`),
    /// else pairs each group's cases and merged accumulators with the provenance of run.json.
    /// `started` and `since` time the run (wall seconds: from `since` to now).
    public static func summarise(_ experiment: Experiment, _ results: Experiment.Results, options: RunOptions,
                                 started: Date = Date(), since clock: ContinuousClock.Instant = .now) throws -> RunSummary {
        if let e = experiment.domainError(results) { throw InputErrors([e]) }
        let groups = experiment.groups.enumerated().map { g, group in
            RunSummary.Group(scenarios: group.cases, plans: experiment.plans(group: g), draws: group.draws,
                             seed: experiment.cases[group.cases[0]].seed, result: results.groups[g])
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return RunSummary(kind: experiment.kind, scenarios: experiment.cases.map(\.scenario), models: experiment.cases.map(\.model),
                          groups: groups, threads: options.threads, paths: options.paths, commandLine: options.commandLine,
                          inputs: experiment.inputs.map { (path: $0.path, sha256: $0.sha256) }, started: started, wallSeconds: seconds)
    }

    /// The simulation plan of a scenario with a compiled model.
    static func plan(_ s: Scenario, _ model: CompiledModel, seed: UInt64) throws -> SimulationPlan {
        let targets = s.targets.map { t in
            SimulationPlan.TargetCheck(metric: model.variableNames.firstIndex(of: t.metric)!, yearIndex: t.year - s.lastObservedYear - 1,
                                       comparison: SimulationPlan.TargetCheck.Comparison(rawValue: t.op.rawValue)!, value: t.value)
        }
        return try SimulationPlan(model: model, scenario: s.name, file: s.file, region: s.region, seed: seed,
                                  lastObservedYear: s.lastObservedYear, horizon: s.horizon, observed: s.observed,
                                  history: s.history, exogenous: { name, year in s.paths[name]?.value(at: year) },
                                  targets: targets)
    }
}
