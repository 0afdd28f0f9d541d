import CoopData
import CoopModel
import Foundation

/// Which part of an experiment's paths one process runs: shard `index` of `count` (0-based, as
/// Slurm's `SLURM_ARRAY_TASK_ID` of `--array=0-(N-1)`).
///
/// Each group's blocks `0 ..< B` (of `MonteCarloOptions.blockSize` paths) are cut into `count`
/// contiguous ranges: shard `i` runs blocks `B·i/N ..< B·(i+1)/N` (possibly none when N > B).
/// Because blocks, not paths, are the unit and every draw is keyed by (seed, region, path, year,
/// equation), the shards' partial results merge to exactly the single run's.
public struct Shard: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var index: Int
    public var count: Int
    /// The most shards of one experiment.
    public static let maximumCount = 100_000

    public init(index: Int, count: Int) {
        precondition(count >= 1 && count <= Shard.maximumCount && index >= 0 && index < count, "Shard \(index)/\(count) is out of range.")
        self.index = index; self.count = count
    }

    /// Parses `I/N` with 0 ≤ I < N ≤ 100000; nil otherwise.
    public init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]),
              n >= 1, n <= Shard.maximumCount, i >= 0, i < n else { return nil }
        self.init(index: i, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The blocks of a group of `total` blocks this shard runs.
    public func blocks(of total: Int) -> Range<Int> { (total * index / count)..<(total * (index + 1) / count) }

    /// The partial's file name in a parts folder, e.g. `shard-0003-of-0008.part` (name order = shard order).
    public var fileName: String {
        let width = max(4, String(count - 1).count)
        func pad(_ n: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        return "shard-\(pad(index))-of-\(pad(count)).part"
    }
}

/// Everything that decides an experiment's output bytes, recorded in every partial and in a batch
/// plan: two partials merge only when their manifests are equal. `build` is the SHA-256 of the
/// coopsim executable, so parts computed by different code are refused.
public struct ExperimentManifest: Sendable, Equatable, Codable {
    public struct CaseEntry: Sendable, Equatable, Codable {
        public var scenario: String
        public var region: String
        public var file: String
        public var seed: UInt64
    }
    public struct GroupEntry: Sendable, Equatable, Codable {
        public var cases: [Int]
        public var draws: Int
        public var differences: Bool
        public var blocks: Int
    }
    public var tool = "coopsim"
    public var version: String
    public var build: String
    public var kind: String
    /// The folder the scenario files are relative to (where the command ran).
    public var workingDirectory: String
    /// The scenario files as given on the command line.
    public var scenarioFiles: [String]
    /// Command-line overrides (nil: each scenario's own).
    public var seed: UInt64?
    public var draws: Int?
    /// `--paths K`, `--excel`, and the simulation switches.
    public var paths: Int
    public var excel: Bool
    public var parameterUncertainty: Bool
    public var processNoise: Bool
    public var cases: [CaseEntry]
    public var groups: [GroupEntry]
    public var inputs: [InputFile]

    /// The manifest of `experiment` planned from `scenarioFiles` with `options` (run in the current folder).
    public init(experiment: Experiment, scenarioFiles: [String], options: RunOptions) {
        version = Runner.version
        build = ExperimentManifest.currentBuild
        kind = experiment.kind
        workingDirectory = FileManager.default.currentDirectoryPath
        self.scenarioFiles = scenarioFiles
        seed = options.seed; draws = options.draws; paths = options.paths; excel = options.excel
        parameterUncertainty = options.switches.parameterUncertainty; processNoise = options.switches.processNoise
        cases = experiment.cases.map { CaseEntry(scenario: $0.scenario.name, region: $0.region, file: $0.scenario.file, seed: $0.seed) }
        groups = experiment.groups.map { GroupEntry(cases: $0.cases, draws: $0.draws, differences: $0.differences, blocks: $0.blockCount) }
        inputs = experiment.inputs
    }

    /// The run options that re-plan this experiment (threads and progress are the caller's).
    public func runOptions(threads: Int = 1, commandLine: [String] = []) -> RunOptions {
        RunOptions(draws: draws, seed: seed, threads: threads, paths: paths, excel: excel, compare: kind == "compare",
                   commandLine: commandLine,
                   switches: SimulationSwitches(parameterUncertainty: parameterUncertainty, processNoise: processNoise))
    }

    /// How `other` differs from this manifest, in words (empty when equal), e.g.
    /// `seed 9 instead of 7`, `input Scenarios/model.toml with SHA-256 ab12… instead of cd34…`.
    public func differences(_ other: ExperimentManifest) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T, _ show: (T) -> String) {
            if a != b { out.append("\(name) \(show(b)) instead of \(show(a))") }
        }
        check("tool", tool, other.tool) { $0 }
        check("version", version, other.version) { $0 }
        check("coopsim build (executable SHA-256)", build, other.build) { String($0.prefix(12)) + "…" }
        check("kind", kind, other.kind) { $0 }
        check("working folder", workingDirectory, other.workingDirectory) { $0 }
        check("scenario files", scenarioFiles, other.scenarioFiles) { $0.joined(separator: " ") }
        check("--seed", seed, other.seed) { $0.map(String.init) ?? "(the scenarios')" }
        check("--draws", draws, other.draws) { $0.map(String.init) ?? "(the scenarios')" }
        check("--paths", paths, other.paths) { String($0) }
        check("--excel", excel, other.excel) { String($0) }
        check("parameter uncertainty", parameterUncertainty, other.parameterUncertainty) { String($0) }
        check("process noise", processNoise, other.processNoise) { String($0) }
        let mine = Dictionary(inputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        for f in other.inputs {
            if let h = mine[f.path] {
                if h != f.sha256 { out.append("input \(f.path) with SHA-256 \(f.sha256.prefix(12))… instead of \(h.prefix(12))… (the file changed)") }
            } else {
                out.append("input \(f.path), which the other is not made of")
            }
        }
        let theirs = Set(other.inputs.map(\.path))
        for f in inputs where !theirs.contains(f.path) { out.append("no input \(f.path)") }
        if out.isEmpty {
            check("cases (scenario, region, file, seed)", cases.map { "\($0.scenario)/\($0.region)/\($0.file)/\($0.seed)" },
                  other.cases.map { "\($0.scenario)/\($0.region)/\($0.file)/\($0.seed)" }) { $0.joined(separator: ", ") }
            check("groups (cases, draws, blocks)", groups.map { "\($0.cases)/\($0.draws)/\($0.differences)/\($0.blocks)" },
                  other.groups.map { "\($0.cases)/\($0.draws)/\($0.differences)/\($0.blocks)" }) { $0.joined(separator: ", ") }
        }
        return out
    }

    /// SHA-256 of the running executable (`/proc/self/exe`), computed once; "unknown" if unreadable.
    public static let currentBuild: String = {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard let data = FileManager.default.contents(atPath: path) else { return "unknown" }
        return SHA256.hex(data)
    }()
}

/// The file a shard writes: its experiment's manifest, which shard it is, and one engine partial
/// per group, followed by a checksum line.
///
/// Layout:
///
///     line 1: header JSON {"format", "shard", "manifest", "threads", "command"}
///     line 2: "binary " + the payload's length in bytes
///     the payload: the engine partials, one per group, in `BinaryCoding` (doubles by their bits)
///     "\nsha256 " + SHA-256 (hex) of everything before this line's newline, "\n"
///
/// Written to a temporary name in the parts folder and renamed into place after the data reached
/// the disk (fsync), so a killed shard leaves no file under the final name; a file whose checksum
/// does not match its content (truncated, altered, not written by coopsim) is refused on reading.
public struct PartialFile: Sendable {
    public static let format = "coopsim-partial 1"

    public struct Header: Sendable, Codable, Equatable {
        public var format: String
        public var shard: Shard
        public var manifest: ExperimentManifest
        /// Worker threads of the shard's run (results do not depend on it).
        public var threads: Int
        public var command: [String]
        public init(format: String = PartialFile.format, shard: Shard, manifest: ExperimentManifest, threads: Int, command: [String]) {
            self.format = format; self.shard = shard; self.manifest = manifest; self.threads = threads; self.command = command
        }
    }

    public var header: Header
    public var partials: [MonteCarloPartial]

    public init(header: Header, partials: [MonteCarloPartial]) { self.header = header; self.partials = partials }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
    static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// The file's bytes: header, payload, checksum.
    public func encoded() throws -> Data {
        var body = [UInt8](try PartialFile.encoder().encode(header))
        let payload = try BinaryCoding.encode(partials)
        body.append(0x0A)
        body += Array("binary \(payload.count)\n".utf8)
        body += payload
        body += Array("\nsha256 \(SHA256.hex(body))\n".utf8)
        return Data(body)
    }

    /// Writes the file atomically into `folder` under `header.shard.fileName` (temporary file,
    /// fsync, rename). Returns the final path. Throws `OutputError`.
    @discardableResult
    public func write(into folder: String) throws(OutputError) -> String {
        let fm = FileManager.default
        let final = (folder as NSString).appendingPathComponent(header.shard.fileName)
        let data: Data
        do { data = try encoded() } catch { throw OutputError(path: final, reason: "cannot encode the partial: \(error)") }
        do { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw OutputError(path: folder, reason: OutputFile.reason(folder, error))
        }
        let temp = (folder as NSString).appendingPathComponent(".\(header.shard.fileName).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: temp, reason: String(cString: strerror(errno)).lowercased()) }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let reason = String(cString: strerror(errno)).lowercased()
        close(fd)
        guard ok, rename(temp, final) == 0 else {
            let why = ok ? String(cString: strerror(errno)).lowercased() : reason
            unlink(temp)
            throw OutputError(path: final, reason: why)
        }
        // The rename itself reaches the disk with the folder.
        let dfd = open(folder, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
        return final
    }

    /// Reads and checks a partial's bytes: the checksum line must match, the header must parse and
    /// carry this format. Returns the header and the partials' JSON (decoded by `partials(from:)`
    /// only when needed). Throws `InputError` naming the file.
    public static func read(path: String) throws(InputError) -> (header: Header, payload: Data) {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isFolder: ObjCBool = false
            let there = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            throw InputError(file: path, expected: "a partial written by coopsim run --shard",
                             found: there ? (isFolder.boolValue ? "a folder" : "a file that cannot be read") : "no such file")
        }
        let bytes = [UInt8](data)
        let incomplete = InputError(file: path, expected: "a complete partial written by coopsim run --shard (its last line a SHA-256 checksum of the rest)",
                                    found: "a truncated, altered or foreign file (\(bytes.count) bytes)",
                                    hint: "re-run this shard; a shard killed while writing leaves only a temporary file")
        // Header line, "binary N" line, N bytes, "\nsha256 " + 64 hex digits + "\n".
        guard let end1 = bytes.firstIndex(of: 0x0A), end1 + 1 < bytes.count,
              let end2 = bytes[(end1 + 1)...].firstIndex(of: 0x0A) else { throw incomplete }
        let sizeLine = String(decoding: bytes[(end1 + 1)..<end2], as: UTF8.self)
        guard sizeLine.hasPrefix("binary "), let n = Int(sizeLine.dropFirst(7)), n >= 0,
              n <= bytes.count, end2 + 1 + n + 73 == bytes.count else { throw incomplete }
        let payloadEnd = end2 + 1 + n
        let sumLine = String(decoding: bytes[payloadEnd...], as: UTF8.self)
        guard sumLine == "\nsha256 " + SHA256.hex(bytes[0..<payloadEnd]) + "\n" else { throw incomplete }
        let header: Header
        do { header = try decoder().decode(Header.self, from: Data(bytes[0..<end1])) } catch {
            throw InputError(file: path, line: 1, expected: "the header of a partial (\(format))", found: "JSON that does not parse as one")
        }
        guard header.format == format else {
            throw InputError(file: path, line: 1, field: "format", expected: format, found: header.format)
        }
        return (header, Data(bytes[(end2 + 1)..<payloadEnd]))
    }

    /// Decodes the partials of a payload returned by `read(path:)`.
    public static func partials(from payload: Data, path: String) throws(InputError) -> [MonteCarloPartial] {
        do { return try BinaryCoding.decode([MonteCarloPartial].self, from: [UInt8](payload)) } catch {
            throw InputError(file: path, line: 3, expected: "the engine partials of a shard", found: "data that does not decode as them (\(error))")
        }
    }

    /// Whether `path` holds a complete partial of `manifest` for `shard` (checksum verified).
    public static func isComplete(path: String, shard: Shard, manifest: ExperimentManifest) -> Bool {
        guard let (h, _) = try? read(path: path) else { return false }
        return h.shard == shard && h.manifest == manifest
    }
}

extension Experiment {
    /// Runs the blocks of `shard` in every group (spread over `threads`; results do not depend on
    /// threads): one partial per group, covering `shard.blocks(of: group.blockCount)`.
    public func execute(shard: Shard, threads: Int = 1, batchWidth: Int = 256, keepPaths: Int = 0,
                        switches: SimulationSwitches = SimulationSwitches()) -> [MonteCarloPartial] {
        groups.indices.map { g in
            let plans = plans(group: g)
            let options = engineOptions(group: g, threads: threads, batchWidth: batchWidth, keepPaths: keepPaths, switches: switches)
            let years = plans.map(\.yearCount).max()!, metrics = plans.map { $0.model.variableNames.count }.max()!
            let range = shard.blocks(of: groups[g].blockCount)
            let workers = max(1, min(threads, range.count))
            let pieces = (0..<workers).map { w in
                (range.lowerBound + range.count * w / workers)..<(range.lowerBound + range.count * (w + 1) / workers)
            }
            let box = _PartialSlots(count: workers)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                box.set(w, MonteCarlo.runBlocks(plans: plans, options: options, blocks: pieces[w], years: years, metrics: metrics))
            }
            var folded = box.take(0)
            for w in 1..<workers { folded.append(box.take(w)) }
            return folded
        }
    }

    /// The merged accumulators of groups whose partials were folded over all their blocks.
    public func results(merging partials: [MonteCarloPartial]) -> Results {
        precondition(partials.count == groups.count, "One folded partial per group is needed.")
        let merged = groups.indices.map { g -> MonteCarloResult in
            let plans = plans(group: g)
            precondition(partials[g].firstBlock == 0 && partials[g].blockCount == groups[g].blockCount,
                         "Group \(g)'s partial covers blocks \(partials[g].firstBlock)..<\(partials[g].firstBlock + partials[g].blockCount), not all \(groups[g].blockCount).")
            return MonteCarloResult(merging: [partials[g]], draws: groups[g].draws, years: plans.map(\.yearCount).max()!,
                                    metrics: plans.map { $0.model.variableNames.count }.max()!)
        }
        return Results(groups: merged, location: caseLocations)
    }
}

/// Per-worker results, each slot written by one worker only.
final class _PartialSlots: @unchecked Sendable {
    private var slots: [MonteCarloPartial?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ p: MonteCarloPartial) { lock.lock(); slots[i] = p; lock.unlock() }
    func take(_ i: Int) -> MonteCarloPartial { lock.lock(); defer { lock.unlock() }; return slots[i]! }
}
