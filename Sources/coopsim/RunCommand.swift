import ArgumentParser
import CoopData
import CoopModel
import CoopScenario
import Foundation

/// Options shared by `run` and `compare`.
struct SimulationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Monte Carlo paths per scenario (default: the scenario's `draws`).")
    var draws: Int?

    // `.unconditional`: a negative number is this option's value (then refused by `validate`), not an unknown option.
    @Option(parsing: .unconditional,
            help: "Root seed from 0 to 9223372036854775807 (default: the scenario's `seed`). Same seed and inputs give byte-identical CSV files.")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Worker threads, at most 4 per core (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// The most worker threads: 4 per core (each thread holds about 0.5 MB of buffers; more
    /// threads than cores only share the cores).
    static var maximumThreads: Int { 4 * max(1, ProcessInfo.processInfo.activeProcessorCount) }

    @Option(help: "Output folder (written atomically: a failed run leaves nothing behind).")
    var out: String = "out"

    @Option(help: "Also write the first K paths (at most 10000) of every metric to paths.csv.")
    var paths: Int = 0

    @Flag(help: "Start every CSV with a byte-order mark so Excel shows Vietnamese names correctly.")
    var excel = false

    @Flag(help: "Also write results.xlsx: a sheet per table with typed numbers (no locale can misread them), a README sheet with provenance, and charts.")
    var xlsx = false

    @Option(name: .customLong("mc-se"),
            help: "Draw blocks of 1024 paths until every target probability (and compared difference) has a Monte Carlo standard error of at most this, e.g. 0.005; writes convergence.csv.")
    var mcSE: Double?

    @Option(name: .customLong("max-draws"), help: "The cap on paths with --mc-se.")
    var maxDraws: Int = 1_048_576

    @Option(help: ArgumentHelp("Run only shard I of N (0 <= I < N) and write its partial result into the folder --out, for coopsim merge.",
                               valueName: "I/N"))
    var shard: String?

    /// The parsed `--shard`.
    var shardValue: Shard? { shard.flatMap(Shard.init(argument:)) }

    func validate() throws {
        // The cap of a scenario file's `draws`: memory does not grow with draws, but time does.
        if let d = draws, d < 1 || d > 100_000_000 { throw ValidationError("--draws must be from 1 to 100000000, got \(d).") }
        if threads < 1 || threads > Self.maximumThreads {
            throw ValidationError("--threads must be from 1 to \(Self.maximumThreads) (4 per core on this machine), got \(threads).")
        }
        // The largest seed a scenario file can hold (a TOML integer is a signed 64-bit number).
        if let s = seed, s > UInt64(Int64.max) { throw ValidationError("--seed must be from 0 to \(Int64.max) (the largest seed a scenario file can hold), got \(s).") }
        // Sample paths are kept in memory and written one row per path, year and metric.
        if paths < 0 || paths > 10_000 { throw ValidationError("--paths must be from 0 to 10000, got \(paths).") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
        if let s = shard, Shard(argument: s) == nil {
            throw ValidationError("--shard must be I/N with 0 <= I < N <= \(Shard.maximumCount), got '\(s)'.")
        }
        if let x = mcSE {
            if !(x > 0 && x < 0.5) { throw ValidationError("--mc-se must lie strictly between 0 and 0.5 (a standard error of a probability), got \(x).") }
            if draws != nil { throw ValidationError("give --draws or --mc-se, not both (--mc-se chooses the draws; cap them with --max-draws).") }
        }
        if maxDraws < 1 || maxDraws > 100_000_000 { throw ValidationError("--max-draws must be from 1 to 100000000, got \(maxDraws).") }
        if shard != nil && mcSE != nil { throw ValidationError("give --shard or --mc-se, not both (a shard runs fixed blocks; --mc-se chooses the draws).") }
    }

    /// Options for the runner; `groupDraws` (the draws of each engine run, in order: each scenario
    /// for `run`, the one group for `compare`) sizes the one progress bar of the whole run.
    func runOptions(compare: Bool, groupDraws: [Int]) -> RunOptions {
        var o = RunOptions(draws: draws, seed: seed, threads: threads, paths: paths, excel: excel, compare: compare,
                           commandLine: ["coopsim"] + CommandLine.arguments.dropFirst(),
                           progress: ProgressBar.callback(groupDraws: groupDraws, what: compare ? "comparison" : "scenario"))
        o.precision = mcSE.map { PrecisionRule(maxStandardError: $0, maxDraws: maxDraws) }
        return o
    }
}

/// `coopsim run [SCENARIO.toml ...]`: Monte Carlo projection of each scenario.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Project each scenario by Monte Carlo simulation and write summary.csv, targets.csv and run.json.",
        discussion: """
        With no scenario, runs every scenario in Scenarios/ (except the model, calibration and truth files).
        Output files and columns are described in Guides/Outputs.md.
        """
    )

    @Argument(help: "Scenario files (TOML).")
    var scenarios: [String] = []

    @OptionGroup var options: SimulationOptions

    func run() throws {
        let files = scenarios.isEmpty ? try shippedScenarios() : scenarios
        if let shard = options.shardValue { return try runShard(files: files, compare: false, options: options, shard: shard) }
        try reportingInputErrors { try Runner.checkOutputFolder(options.out, xlsx: options.xlsx) }
        let summary = try reportingInputErrors { () throws -> RunSummary in
            let loaded = try loadAll(files)
            let draws = loaded.map { options.draws ?? $0.0.draws }
            return try Runner.run(scenarios: loaded, options: options.runOptions(compare: false, groupDraws: draws))
        }
        try reportingInputErrors { try Runner.writeOutput(summary, to: options.out, excel: options.excel, xlsx: options.xlsx) }
        printError("coopsim run: \(files.count) scenario\(files.count == 1 ? "" : "s"), \(drawCounts(summary.groups.map(\.draws))), "
                   + "\(String(format: "%.2f", summary.wallSeconds)) s -> \(options.out)/")
        reportPrecision(summary)
    }
}

/// With --mc-se: the draws used and whether the rule held, on stderr.
func reportPrecision(_ summary: RunSummary) {
    guard let p = summary.precision else { return }
    let draws = summary.groups.first?.draws ?? 0
    if p.reached {
        printError("--mc-se \(p.rule.maxStandardError): every Monte Carlo standard error is at most \(p.rule.maxStandardError) with \(draws) draws (rerun with --draws \(draws) for the same output)")
    } else {
        printError("warning: --mc-se \(p.rule.maxStandardError) not reached: stopped at the cap of \(draws) draws (--max-draws); see convergence.csv")
    }
}

/// `coopsim compare BASELINE.toml ALTERNATIVE.toml ...`: differences with common random numbers.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run a baseline and alternatives on the same random paths and write their differences (compare.csv).",
        discussion: """
        Every random draw is keyed by (seed, region, path, year, equation), so path i sees the same chance
        in every scenario: the differences reflect the policies, not the luck of the draw.
        """
    )

    @Argument(help: "The baseline scenario, then one or more alternatives.")
    var scenarios: [String]

    @OptionGroup var options: SimulationOptions

    func validate() throws {
        if scenarios.count < 2 { throw ValidationError("compare needs a baseline and at least one alternative scenario.") }
    }

    func run() throws {
        if let shard = options.shardValue { return try runShard(files: scenarios, compare: true, options: options, shard: shard) }
        try reportingInputErrors { try Runner.checkOutputFolder(options.out, xlsx: options.xlsx) }
        let summary = try reportingInputErrors { () throws -> RunSummary in
            let loaded = try loadAll(scenarios)
            return try Runner.run(scenarios: loaded, options: options.runOptions(compare: true, groupDraws: [options.draws ?? loaded[0].0.draws]))
        }
        try reportingInputErrors { try Runner.writeOutput(summary, to: options.out, excel: options.excel, xlsx: options.xlsx) }
        printError("coopsim compare: \(scenarios.count - 1) alternative\(scenarios.count == 2 ? "" : "s") against \(scenarios[0]), "
                   + "\(String(format: "%.2f", summary.wallSeconds)) s -> \(options.out)/")
        reportPrecision(summary)
    }
}

/// The draws of a run in words: "4000 draws" when every scenario ran the same number, else
/// "2000 to 4000 draws per scenario (28000 in all)".
func drawCounts(_ draws: [Int]) -> String {
    guard let lo = draws.min(), let hi = draws.max() else { return "0 draws" }
    if lo == hi { return "\(lo) draws" + (draws.count > 1 ? " each" : "") }
    return "\(lo) to \(hi) draws per scenario (\(draws.reduce(0, +)) in all)"
}

/// Loads every scenario, collecting the problems of all files before failing.
func loadAll(_ files: [String]) throws -> [(Scenario, ModelSpec)] {
    var loaded: [(Scenario, ModelSpec)] = []
    var problems: [InputError] = []
    for f in files {
        do { loaded.append(try ScenarioLoader.load(path: f)) } catch let e as InputErrors { problems += e.errors }
    }
    if problems.isEmpty {
        for (s, m) in loaded { for w in ScenarioPlausibility.warnings(s, model: m) { printError("warning: " + w) } }
    }
    if !problems.isEmpty { throw InputErrors(problems) }
    return loaded
}

/// The scenarios shipped in Scenarios/, in name order.
func shippedScenarios() throws -> [String] {
    let dir = "Scenarios"
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
        printError("error: no scenario given and no Scenarios/ folder here; run from the coopsim checkout or name scenario files")
        throw ExitCode(64)
    }
    let files = names.filter { $0.hasSuffix(".toml") && !["model.toml", "calibration.toml", "truth.toml"].contains($0) }.sorted()
    if files.isEmpty {
        printError("error: Scenarios/ holds no scenario file")
        throw ExitCode(64)
    }
    return files.map { dir + "/" + $0 }
}
