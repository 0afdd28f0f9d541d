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
}

/// Runs scenarios through the Monte Carlo engine and writes the output folder (Guides/Outputs.md).
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

    public static func run(scenarios loaded: [(Scenario, ModelSpec)], options: RunOptions) throws -> RunSummary {
        precondition(!loaded.isEmpty, "Runner.run needs at least one scenario.")
        precondition(options.threads >= 1, "Runner.run needs at least one thread, got \(options.threads).")
        let started = Date()
        let clock = ContinuousClock.now
        var inputs: [String] = []
        func use(_ p: String) { if !inputs.contains(p) { inputs.append(p) } }
        // Compile each (model, calibration) pair once.
        var compiled: [String: CompiledModel] = [:]
        var plans: [SimulationPlan] = []
        var problems: [InputError] = []
        // Output rows are keyed by scenario name: two different files of one name would be
        // indistinguishable (the same file twice is a null comparison, and allowed).
        var firstFile: [String: String] = [:]
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        for (scenario, _) in loaded {
            if let other = firstFile[scenario.name], canonical(other) != canonical(scenario.file) {
                problems.append(InputError(file: scenario.file, field: "name",
                                           expected: "a scenario name not used by another scenario of this run",
                                           found: "'\(scenario.name)', the name of \(other) too",
                                           hint: "rename one of them (output rows are keyed by the scenario's name)"))
            } else if firstFile[scenario.name] == nil {
                firstFile[scenario.name] = scenario.file
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        for (scenario, model) in loaded {
            scenario.inputFiles.forEach(use)
            use(scenario.modelPath)
            use(scenario.calibrationPath)
            let key = scenario.modelPath + "\u{0}" + scenario.calibrationPath
            if compiled[key] == nil {
                do {
                    let cal = try Calibration.load(path: scenario.calibrationPath)
                    compiled[key] = try CompiledModel(spec: model, calibration: cal)
                } catch let e as InputErrors { problems += e.errors; continue }
                catch let e as InputError { problems.append(e); continue }
            }
            guard let cm = compiled[key] else { continue }
            do { plans.append(try plan(scenario, cm, seed: options.seed ?? scenario.seed)) }
            catch let e as InputErrors { problems += e.errors }
        }
        if !problems.isEmpty { throw InputErrors(problems) }

        var groups: [RunSummary.Group] = []
        if options.compare {
            let base = loaded[0].0
            let seed = options.seed ?? base.seed
            let draws = options.draws ?? base.draws
            for (k, (s, _)) in loaded.enumerated().dropFirst() {
                if plans[k].model.variableNames != plans[0].model.variableNames || plans[k].years != plans[0].years {
                    problems.append(InputError(file: s.file, line: nil, field: "last_observed_year, horizon, model",
                        expected: "the same model variables and simulated years as the baseline \(base.file) (\(plans[0].years.lowerBound)-\(plans[0].years.upperBound))",
                        found: "\(plans[k].years.lowerBound)-\(plans[k].years.upperBound) with variables \(plans[k].model.variableNames.joined(separator: ", "))"))
                }
                problems += Pairing.problems(baseline: base, alternative: s, baselineModel: loaded[0].1, alternativeModel: loaded[k].1)
            }
            if !problems.isEmpty { throw InputErrors(problems) }
            // Same seed for all: common random numbers.
            let samePlans = try loaded.enumerated().map { k, l in
                try plan(l.0, plans[k].model, seed: seed)
            }
            let result = MonteCarlo.run(plans: samePlans, options: engineOptions(options, draws: draws, compare: true),
                                        progress: options.progress)
            if let e = result.domainError(plans: samePlans) { throw InputErrors([e]) }
            groups.append(.init(scenarios: Array(loaded.indices), plans: samePlans, draws: draws, seed: seed, result: result))
        } else {
            for (k, (s, _)) in loaded.enumerated() {
                let draws = options.draws ?? s.draws
                let result = MonteCarlo.run(plans: [plans[k]], options: engineOptions(options, draws: draws, compare: false),
                                            progress: options.progress)
                if let e = result.domainError(plans: [plans[k]]) { throw InputErrors([e]) }
                groups.append(.init(scenarios: [k], plans: [plans[k]], draws: draws, seed: plans[k].seed, result: result))
            }
        }
        var hashed: [(String, String)] = []
        for p in inputs {
            guard let data = FileManager.default.contents(atPath: p) else {
                throw InputErrors([InputError(file: p, expected: "a readable input file", found: "a file that cannot be read")])
            }
            hashed.append((p, SHA256.hex(data)))
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return RunSummary(kind: options.compare ? "compare" : "run", scenarios: loaded.map(\.0), models: loaded.map(\.1),
                          groups: groups, threads: options.threads, paths: options.paths, commandLine: options.commandLine,
                          inputs: hashed.map { (path: $0.0, sha256: $0.1) }, started: started, wallSeconds: seconds)
    }

    static func engineOptions(_ o: RunOptions, draws: Int, compare: Bool) -> MonteCarloOptions {
        MonteCarloOptions(draws: draws, threads: o.threads, batchWidth: o.batchWidth, keepPaths: min(o.paths, draws),
                          compare: compare, switches: o.switches)
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
