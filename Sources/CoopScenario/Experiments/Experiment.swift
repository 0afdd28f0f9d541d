import CoopData
import CoopModel
import Foundation

/// An input file as it was parsed: its path and the SHA-256 (lowercase hex) of the bytes read.
public struct InputFile: Sendable, Equatable, Codable {
    public var path: String
    public var sha256: String
    public init(path: String, sha256: String) { self.path = path; self.sha256 = sha256 }
}

/// The unit of work of every simulation command: a list of cases and how their paths are run.
///
/// A **case** is one scenario (with its region, levers and assumptions) compiled into a
/// `SimulationPlan`. Cases are run in **groups**: the cases of a group share one seed and one
/// number of draws and are simulated on the same paths, block by block, so they see the same
/// random numbers (every draw is keyed by seed, region, path, year and equation): common random
/// numbers follow from the experiment's structure, not from a rebuild. With `differences`, the
/// group also accumulates case − first case on each path (what `compare` reports).
/// Paths `0 ..< draws` are cut into blocks of `MonteCarloOptions.blockSize`; any grouping of a
/// group's blocks (threads, shards) merges to the same bytes.
///
/// The phases of `coopsim run` / `compare` (`Runner.run` composes them):
///
///     let loaded = try paths.map { try ScenarioLoader.load(path: $0) }       // load: files parsed and hashed
///     try Experiment.check(loaded)                                             // check names
///     let compiled = try Experiment.compile(loaded)                           // compile each (model, calibration)
///     let experiment = try Experiment.plan(.run, compiled, seed: nil, draws: nil)  // plan the cases
///     let results = experiment.execute(threads: 2)                             // execute the blocks
///     let summary = try Runner.summarise(experiment, results, options: RunOptions())  // domain checks, provenance
///     try Runner.writeOutput(summary, to: "out", excel: false)                 // write the run folder
///
/// A custom experiment (many lever variants of one scenario on common random numbers):
///
///     let (base, spec) = try ScenarioLoader.load(path: "Scenarios/baseline.toml")
///     let compiled = try Experiment.compile([(base, spec)]).checked()
///     let variants = [0.0, 0.1, 0.2].map { v -> Scenario in var s = base; s.name = "v\(v)"; s.paths["support"] = .constant(v); return s }
///     let cases = try variants.map { try Experiment.Case(scenario: $0, model: spec, compiled: compiled.models[0]!, seed: 7) }
///     let experiment = try Experiment(kind: "sweep", cases: cases, groups: [.init(cases: Array(cases.indices), draws: 4000)],
///                                     inputs: compiled.inputs)
///     let results = experiment.execute(threads: 2)
///     results.accumulators(ofCase: 2).moments[yearIndex * results.metrics(ofCase: 2) + metric].mean
public struct Experiment: Sendable {
    /// One scenario compiled into a simulation plan.
    public struct Case: Sendable {
        public var scenario: Scenario
        public var model: ModelSpec
        public var plan: SimulationPlan
        public var region: String { scenario.region }
        public var seed: UInt64 { plan.seed }

        /// Plans `scenario` with a compiled model and the seed of the group it will run in.
        /// Throws `InputErrors` when the scenario lacks an observed value the model reads.
        public init(scenario: Scenario, model: ModelSpec, compiled: CompiledModel, seed: UInt64) throws {
            self.scenario = scenario
            self.model = model
            self.plan = try Runner.plan(scenario, compiled, seed: seed)
        }
    }

    /// Cases run together on the same paths with one seed and one number of draws.
    public struct Group: Sendable {
        /// Indexes into `Experiment.cases`; with `differences`, the first is the baseline.
        public var cases: [Int]
        /// Paths `0 ..< draws`.
        public var draws: Int
        /// Accumulate case − baseline on each path for cases[1...] (compare.csv).
        public var differences: Bool
        public init(cases: [Int], draws: Int, differences: Bool = false) {
            self.cases = cases; self.draws = draws; self.differences = differences
        }
        /// Blocks of `MonteCarloOptions.blockSize` paths.
        public var blockCount: Int { (draws + MonteCarloOptions.blockSize - 1) / MonteCarloOptions.blockSize }
    }

    /// `run`, `compare`, or a caller's name (recorded in run.json as `kind`).
    public var kind: String
    public var cases: [Case]
    public var groups: [Group]
    /// Every input file, first use first, as parsed.
    public var inputs: [InputFile]

    /// Checks the groups: every case in exactly one group, one seed per group, the same number of
    /// variables in a group, and with `differences` the same variables and years as the baseline
    /// and the pairing of paths (`Pairing`: same region, same random equations) (an `InputErrors`
    /// naming the case's file and field otherwise; a programming error for bad indexes).
    public init(kind: String, cases: [Case], groups: [Group], inputs: [InputFile]) throws {
        let covered = groups.flatMap(\.cases).sorted()
        precondition(covered == Array(cases.indices), "Every case must be in exactly one group.")
        var problems: [InputError] = []
        for g in groups {
            precondition(!g.cases.isEmpty && g.draws >= 1, "A group needs cases and at least one draw.")
            let first = cases[g.cases[0]].plan
            for k in g.cases.dropFirst() {
                let p = cases[k].plan
                precondition(p.seed == first.seed, "The cases of a group share their seed (common random numbers).")
                if g.differences && (p.model.variableNames != first.model.variableNames || p.years != first.years) {
                    problems.append(InputError(file: p.file, line: nil, field: "last_observed_year, horizon, model",
                        expected: "the same model variables and simulated years as the baseline \(first.file) (\(first.years.lowerBound)-\(first.years.upperBound))",
                        found: "\(p.years.lowerBound)-\(p.years.upperBound) with variables \(p.model.variableNames.joined(separator: ", "))"))
                } else if g.differences {
                    // Differences are the policy's only if path p meets the same chance in both (Pairing).
                    let base = cases[g.cases[0]]
                    problems += Pairing.problems(baseline: base.scenario, alternative: cases[k].scenario,
                                                 baselineModel: base.model, alternativeModel: cases[k].model)
                } else if p.model.variableNames.count != first.model.variableNames.count {
                    problems.append(InputError(file: p.file, field: "model",
                        expected: "as many model variables as \(first.file) (\(first.model.variableNames.count)), to run on the same paths",
                        found: "\(p.model.variableNames.count)"))
                }
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        self.kind = kind; self.cases = cases; self.groups = groups; self.inputs = inputs
    }

    // MARK: Phase 1: check the loaded inputs

    /// Output rows are keyed by scenario name: two different files of one name would be
    /// indistinguishable (the same file twice is a null comparison, and allowed). Throws `InputErrors`.
    public static func check(_ loaded: [(Scenario, ModelSpec)]) throws {
        var problems: [InputError] = []
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
    }

    // MARK: Phase 2: compile

    /// Loaded scenarios with their compiled models (one compilation per model and calibration pair).
    public struct Compiled: Sendable {
        public var scenarios: [Scenario]
        public var specs: [ModelSpec]
        /// The compiled model of each scenario; nil where compiling failed (then `checked()` and
        /// `plan` throw the problems).
        public var models: [CompiledModel?]
        /// Scenario files (and what they extend), models and calibrations, first use first, as parsed.
        public var inputs: [InputFile]
        /// Problems found while compiling, by scenario, reported with planning's (every problem at once).
        var problems: [(Int, InputError)] = []

        /// Throws the problems of compiling (`InputErrors`), else returns self: every model is compiled.
        public func checked() throws -> Compiled {
            if !problems.isEmpty { throw InputErrors(problems.map(\.1)) }
            return self
        }
    }

    /// Reads each calibration (hashing it as it is parsed) and compiles it with its model.
    /// Problems are kept for `plan`, which throws them with its own, in scenario order.
    public static func compile(_ loaded: [(Scenario, ModelSpec)]) throws -> Compiled {
        var inputs: [InputFile] = []
        func use(_ path: String, _ sha: String) throws {
            guard !inputs.contains(where: { $0.path == path }) else { return }
            var sha = sha
            if sha.isEmpty {   // a scenario or model built in memory: hash the file now
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw InputErrors([InputError(file: path, expected: "a readable input file", found: "a file that cannot be read")])
                }
                sha = SHA256.hex(data)
            }
            inputs.append(InputFile(path: path, sha256: sha))
        }
        var cache: [String: CompiledModel] = [:]
        var models: [CompiledModel?] = []
        var problems: [(Int, InputError)] = []
        var pending: [(String, String)] = []   // inputs, hashed once every file has been read
        for (k, (scenario, spec)) in loaded.enumerated() {
            for (i, f) in scenario.inputFiles.enumerated() {
                pending.append((f, i < scenario.inputHashes.count ? scenario.inputHashes[i] : ""))
            }
            pending.append((scenario.modelPath, spec.file == scenario.modelPath ? spec.sha256 : ""))
            let key = scenario.modelPath + "\u{0}" + scenario.calibrationPath
            var calibrationHash = ""
            if cache[key] == nil {
                do {
                    let cal = try Calibration.load(path: scenario.calibrationPath)
                    calibrationHash = cal.sha256
                    cache[key] = try CompiledModel(spec: spec, calibration: cal)
                } catch let e as InputErrors { problems += e.errors.map { (k, $0) } }
                catch let e as InputError { problems.append((k, e)) }
            }
            pending.append((scenario.calibrationPath, calibrationHash))
            models.append(cache[key])
        }
        if problems.isEmpty { for (p, h) in pending { try use(p, h) } }
        return Compiled(scenarios: loaded.map(\.0), specs: loaded.map(\.1),
                        models: models, inputs: inputs, problems: problems)
    }

    // MARK: Phase 3: plan the cases

    /// How `plan` groups the scenarios.
    public enum Design: Sendable {
        /// Each scenario on its own: its own seed and draws unless overridden (`coopsim run`).
        case run
        /// The first scenario is the baseline, the others alternatives on its paths, with its seed
        /// and draws unless overridden (`coopsim compare`).
        case compare
    }

    /// The experiment of `run` or `compare`. Throws `InputErrors` with every problem of compiling
    /// and planning, in scenario order, then any alternative whose variables or years differ
    /// from the baseline's.
    public static func plan(_ design: Design, _ compiled: Compiled, seed: UInt64?, draws: Int?) throws -> Experiment {
        let scenarios = compiled.scenarios
        precondition(!scenarios.isEmpty, "An experiment needs at least one scenario.")
        var problems = compiled.problems
        var cases: [Case] = []
        let failed = Set(compiled.problems.map(\.0))
        for (k, s) in scenarios.enumerated() where !failed.contains(k) {
            let caseSeed = design == .compare ? (seed ?? scenarios[0].seed) : (seed ?? s.seed)
            do { cases.append(try Case(scenario: s, model: compiled.specs[k], compiled: compiled.models[k]!, seed: caseSeed)) }
            catch let e as InputErrors { problems += e.errors.map { (k, $0) } }
        }
        if !problems.isEmpty {
            // Stable: the problems of scenario 0 first, compile's before plan's.
            throw InputErrors(problems.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1))
        }
        switch design {
        case .run:
            return try Experiment(kind: "run", cases: cases,
                                  groups: scenarios.indices.map { Group(cases: [$0], draws: draws ?? scenarios[$0].draws) },
                                  inputs: compiled.inputs)
        case .compare:
            return try Experiment(kind: "compare", cases: cases,
                                  groups: [Group(cases: Array(cases.indices), draws: draws ?? scenarios[0].draws, differences: true)],
                                  inputs: compiled.inputs)
        }
    }

    // MARK: Phase 4: execute the blocks

    /// The engine options of group `g`.
    public func engineOptions(group g: Int, threads: Int = 1, batchWidth: Int = 256, keepPaths: Int = 0,
                              switches: SimulationSwitches = SimulationSwitches()) -> MonteCarloOptions {
        let group = groups[g]
        return MonteCarloOptions(draws: group.draws, threads: threads, batchWidth: batchWidth,
                                 keepPaths: min(keepPaths, group.draws), compare: group.differences, switches: switches)
    }

    /// The plans of group `g`, in the group's case order.
    public func plans(group g: Int) -> [SimulationPlan] { groups[g].cases.map { cases[$0].plan } }

    /// The merged accumulators of every group, in group order.
    public struct Results: Sendable {
        public var groups: [MonteCarloResult]
        /// Where each case's accumulators are: (group, position in the group).
        let location: [(group: Int, index: Int)]
        /// The accumulators of case `k`: per (yearIndex, metric) cell `yearIndex * metrics + metric`.
        public func accumulators(ofCase k: Int) -> ScenarioAccumulators {
            groups[location[k].group].scenarios[location[k].index]
        }
        /// The number of metrics per year in case `k`'s accumulators.
        public func metrics(ofCase k: Int) -> Int { groups[location[k].group].metrics }
        /// Case `k` − its group's baseline, when the group has `differences` and `k` is not the baseline.
        public func differences(ofCase k: Int) -> DifferenceAccumulators? {
            let (g, i) = location[k]
            return i > 0 && i - 1 < groups[g].differences.count ? groups[g].differences[i - 1] : nil
        }
    }

    /// Runs every group over all its paths (blocks spread over `threads`; results do not depend on
    /// threads or batch width). `progress(done, total)` is called per block of each group.
    /// The first `keepPaths` paths' values are kept (paths.csv).
    public func execute(threads: Int = 1, batchWidth: Int = 256, keepPaths: Int = 0,
                        switches: SimulationSwitches = SimulationSwitches(),
                        progress: (@Sendable (Int, Int) -> Void)? = nil) -> Results {
        let results = groups.indices.map { g in
            MonteCarlo.run(plans: plans(group: g),
                           options: engineOptions(group: g, threads: threads, batchWidth: batchWidth, keepPaths: keepPaths,
                                                  switches: switches),
                           progress: progress)
        }
        return Results(groups: results, location: caseLocations)
    }

    var caseLocations: [(group: Int, index: Int)] {
        var location = Array(repeating: (group: 0, index: 0), count: cases.count)
        for (g, group) in groups.enumerated() { for (i, k) in group.cases.enumerated() { location[k] = (g, i) } }
        return location
    }

    /// The first value that left its variable's domain, group by group (an `InputError` naming the
    /// levers and assumptions that feed its equation), or nil.
    public func domainError(_ results: Results) -> InputError? {
        for (g, r) in results.groups.enumerated() {
            if let e = r.domainError(plans: plans(group: g)) { return e }
        }
        return nil
    }
}
