import ArgumentParser
import CoopData
import CoopModel
import CoopScenario
import Foundation

/// `run ... --shard I/N` and `compare ... --shard I/N`: one shard's partial into the parts folder `--out`.
func runShard(files: [String], compare: Bool, options: SimulationOptions, shard: Shard) throws {
    let clock = ContinuousClock.now
    var runOptions = options.runOptions(compare: compare, groupDraws: [])
    runOptions.progress = nil
    let (experiment, manifest) = try reportingInputErrors { () throws -> (Experiment, ExperimentManifest) in
        let loaded = try loadAll(files)
        try Experiment.check(loaded)
        let experiment = try Experiment.plan(compare ? .compare : .run, try Experiment.compile(loaded),
                                             seed: runOptions.seed, draws: runOptions.draws)
        return (experiment, ExperimentManifest(experiment: experiment, scenarioFiles: files, options: runOptions))
    }
    let path = (options.out as NSString).appendingPathComponent(shard.fileName)
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: options.out, isDirectory: &isFolder), !isFolder.boolValue {
        printError("error: --out \(options.out): expected the folder of the shards' parts, got a file")
        throw ExitCode(64)
    }
    if FileManager.default.fileExists(atPath: path) {
        if PartialFile.isComplete(path: path, shard: shard, manifest: manifest) {
            printError("coopsim: shard \(shard) is already complete in \(path); nothing to do")
            return
        }
        if (try? PartialFile.read(path: path)) == nil, let head = FileHandle(forReadingAtPath: path)?.readData(ofLength: 40),
           !String(decoding: head, as: UTF8.self).contains("coopsim-partial") {
            printError("error: \(path): expected a partial of coopsim (or nothing), got another file; coopsim does not replace it")
            throw ExitCode(64)
        }
    }
    // Temporary files of an earlier, killed run of this shard.
    let prefix = ".\(shard.fileName).tmp-"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: options.out)) ?? [] where name.hasPrefix(prefix) {
        try? FileManager.default.removeItem(atPath: (options.out as NSString).appendingPathComponent(name))
    }
    let partials = experiment.execute(shard: shard, threads: runOptions.threads, batchWidth: runOptions.batchWidth,
                                      keepPaths: runOptions.paths, switches: runOptions.switches)
    let file = PartialFile(header: .init(format: PartialFile.format, shard: shard, manifest: manifest, threads: runOptions.threads,
                                         command: runOptions.commandLine), partials: partials)
    let written = try reportingInputErrors { try file.write(into: options.out) }
    let blocks = experiment.groups.map { shard.blocks(of: $0.blockCount) }
    let elapsed = ContinuousClock.now - clock
    let totals = experiment.groups.map(\.blockCount)
    func show(_ r: Range<Int>) -> String { r.isEmpty ? "none" : r.count == 1 ? "block \(r.lowerBound)" : "blocks \(r.lowerBound)-\(r.upperBound - 1)" }
    let what = Set(blocks).count == 1 && Set(totals).count == 1
        ? show(blocks[0]) + " of \(totals[0])" + (blocks.count > 1 ? " in each of \(blocks.count) groups" : "")
        : zip(blocks, totals).map { show($0) + " of \($1)" }.joined(separator: ", ")
    printError("coopsim \(compare ? "compare" : "run"): shard \(shard), \(what), "
               + "\(String(format: "%.2f", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)) s -> \(written)")
}

/// `coopsim merge PARTS... --out DIR`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the parts of a sharded run (run/compare --shard I/N) into the run's output folder.",
        discussion: """
        PARTS are part files or folders of them (every shard-*.part inside). The folder written is the one a \
        single run of the same experiment writes: every CSV byte for byte, whatever the number of shards and \
        the order of the parts; run.json records the merge command. Refused (exit 65, naming the part): an \
        incomplete or altered part, parts of different experiments (inputs, seed, draws, options, coopsim \
        build), a shard given twice, missing shards, input files changed since the shards ran.
        """
    )

    @Argument(help: "Part files, or folders of part files.")
    var parts: [String]

    @Option(help: "Output folder (written atomically).")
    var out: String = "out"

    func validate() throws {
        if parts.isEmpty { throw ValidationError("merge needs at least one part file or folder.") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
    }

    func run() throws {
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        let partPaths = try reportingInputErrors { try ShardMerge.expand(parts).map { URL(fileURLWithPath: $0).standardizedFileURL.path } }
        try reportingInputErrors { try Runner.checkOutputFolder(target) }
        let (summary, excel) = try reportingInputErrors {
            try ShardMerge.merge(parts: partPaths, commandLine: ["coopsim"] + CommandLine.arguments.dropFirst())
        }
        try reportingInputErrors { try Runner.writeOutput(summary, to: target, excel: excel) }
        printError("coopsim merge: \(partPaths.count) part\(partPaths.count == 1 ? "" : "s"), \(summary.scenarios.count) scenario\(summary.scenarios.count == 1 ? "" : "s"), "
                   + "\(String(format: "%.2f", summary.wallSeconds)) s -> \(out)/")
    }
}

/// `coopsim batch plan|missing`.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run an experiment as a Slurm job array: plan the shards, see which are missing.",
        subcommands: [BatchPlanCommand.self, BatchMissingCommand.self]
    )
}

/// `coopsim batch plan SCENARIOS... --shards N --out DIR`.
struct BatchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write a batch folder: batch.json, a Slurm job array of N shards, a dependent merge job, submit.sh.",
        discussion: """
        Checks the scenarios (as run would), then writes DIR/batch.json (the experiment's manifest), \
        DIR/shard.sbatch (sbatch --array=0-(N-1): each task runs one shard with OPENBLAS_NUM_THREADS=1 and \
        --threads from SLURM_CPUS_PER_TASK), DIR/merge.sbatch (coopsim merge into DIR/result) and DIR/submit.sh, \
        which submits the shards not yet complete and the merge with --dependency=afterok. Run submit.sh again \
        to resume after a failed or cancelled task: complete shards are skipped.
        """
    )

    @Argument(help: "Scenario files (TOML); with --compare the first is the baseline.")
    var scenarios: [String]

    @Option(help: "Number of shards (Slurm array tasks), 1 to 100000 (Slurm's MaxArraySize, 1001 by default, caps it).")
    var shards: Int

    @Option(help: "The batch folder.")
    var out: String

    @Flag(help: "Compare: the first scenario is the baseline, the others alternatives (as coopsim compare).")
    var compare = false

    @Option(help: "Monte Carlo paths per scenario (default: the scenario's `draws`).")
    var draws: Int?

    @Option(help: "Root seed (default: the scenario's `seed`).")
    var seed: UInt64?

    @Option(help: "Also write the first K paths (at most 10000) to paths.csv.")
    var paths: Int = 0

    @Flag(help: "Start every CSV with a byte-order mark (Excel).")
    var excel = false

    @Option(name: .customLong("cpus-per-task"), help: "Cores (and threads) per shard.")
    var cpusPerTask: Int = 1

    @Option(help: "Slurm partition of both jobs.")
    var partition: String?

    @Option(help: "Slurm time limit of each job (e.g. 01:00:00).")
    var time: String?

    func validate() throws {
        if scenarios.isEmpty { throw ValidationError("batch plan needs at least one scenario file.") }
        if compare && scenarios.count < 2 { throw ValidationError("--compare needs a baseline and at least one alternative scenario.") }
        if shards < 1 || shards > Shard.maximumCount { throw ValidationError("--shards must be from 1 to \(Shard.maximumCount), got \(shards).") }
        if let d = draws, d < 1 || d > 100_000_000 { throw ValidationError("--draws must be from 1 to 100000000, got \(d).") }
        if paths < 0 || paths > 10_000 { throw ValidationError("--paths must be from 0 to 10000, got \(paths).") }
        if cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1, got \(cpusPerTask).") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
    }

    func run() throws {
        let options = RunOptions(draws: draws, seed: seed, paths: paths, excel: excel, compare: compare)
        let manifest = try reportingInputErrors { () throws -> ExperimentManifest in
            let loaded = try loadAll(scenarios)
            try Experiment.check(loaded)
            let experiment = try Experiment.plan(compare ? .compare : .run, try Experiment.compile(loaded), seed: seed, draws: draws)
            if let e = experiment.groups.first(where: { $0.blockCount < shards }) {
                printError("warning: \(e.blockCount) block\(e.blockCount == 1 ? "" : "s") of \(MonteCarloOptions.blockSize) paths in a group and \(shards) shards: some shards run nothing there")
            }
            return ExperimentManifest(experiment: experiment, scenarioFiles: scenarios, options: options)
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let plan = BatchPlan(manifest: manifest, shards: shards, directory: out, executable: executable, cpusPerTask: cpusPerTask,
                             partition: partition, time: time)
        try reportingInputErrors { try plan.write() }
        let missing = plan.missingShards()
        printError("coopsim batch plan: \(shards) shard\(shards == 1 ? "" : "s") of \(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s"), "
                   + "\(shards - missing.count) complete -> \(out)/ (submit with \(plan.directory)/submit.sh)")
    }
}

/// `coopsim batch missing DIR`: the shards not yet complete, in Slurm's array syntax on stdout.
struct BatchMissingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "missing",
        abstract: "Print the shards of a batch not yet complete, in Slurm's --array syntax (empty when all are).",
        discussion: "A shard is complete when its part exists, its checksum matches and it belongs to the batch's experiment."
    )

    @Argument(help: "The batch folder (made by coopsim batch plan).")
    var dir: String

    func run() throws {
        let plan = try reportingInputErrors { try BatchPlan.load(directory: dir) }
        let missing = plan.missingShards()
        print(BatchPlan.arraySpec(missing))
        printError("coopsim batch missing: \(plan.shards - missing.count) of \(plan.shards) shards complete")
    }
}
