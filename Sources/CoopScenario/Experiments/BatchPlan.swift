import CoopData
import Foundation

/// A batch: one experiment cut into shards, with the Slurm scripts that run it on a cluster
/// (`coopsim batch plan`). The folder holds:
///
/// - `batch.json`: the experiment's manifest (`ExperimentManifest`), the number of shards, the
///   coopsim executable and the commands of a shard and of the merge;
/// - `shard.sbatch`: a Slurm job array (`#SBATCH --array=0-(N-1)`); task I runs
///   `coopsim run ... --shard I/N` with `OPENBLAS_NUM_THREADS=1` and `--threads $SLURM_CPUS_PER_TASK`,
///   writing `parts/shard-I-of-N.part`;
/// - `merge.sbatch`: `coopsim merge parts --out result`;
/// - `submit.sh`: submits the shards not yet complete (`coopsim batch missing`) as an array, then
///   the merge with `--dependency=afterok` on it; run it again after a failure to resume;
/// - `parts/`, `logs/` (one log per task), and `result/` once merged.
///
/// A shard is complete when its part exists under its final name (written atomically), its
/// checksum matches and its manifest is this batch's.
public struct BatchPlan: Sendable, Codable, Equatable {
    public static let manifestName = "batch.json"
    /// Files and folders of a batch folder (anything else there is not replaced).
    public static let entries: Set<String> = [manifestName, "shard.sbatch", "merge.sbatch", "submit.sh", "parts", "logs", "result"]

    public var format = "coopsim-batch 1"
    public var manifest: ExperimentManifest
    public var shards: Int
    /// The batch folder (absolute).
    public var directory: String
    /// The coopsim executable the jobs run (absolute).
    public var executable: String
    /// Cores per shard (`--cpus-per-task`); each shard runs that many threads.
    public var cpusPerTask: Int
    /// Optional `--partition` and `--time` of both jobs.
    public var partition: String?
    public var time: String?

    public init(manifest: ExperimentManifest, shards: Int, directory: String, executable: String, cpusPerTask: Int = 1,
                partition: String? = nil, time: String? = nil) {
        precondition(shards >= 1 && shards <= Shard.maximumCount && cpusPerTask >= 1)
        self.manifest = manifest; self.shards = shards
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.executable = executable; self.cpusPerTask = cpusPerTask; self.partition = partition; self.time = time
    }

    public var partsFolder: String { directory + "/parts" }
    public var resultFolder: String { directory + "/result" }
    public var logsFolder: String { directory + "/logs" }

    /// The arguments of shard `index` (`index` may be a shell expression such as `${SLURM_ARRAY_TASK_ID}`).
    public func shardArguments(index: String, threads: String) -> [String] {
        var a = [manifest.kind == "compare" ? "compare" : "run"] + manifest.scenarioFiles
        if let d = manifest.draws { a += ["--draws", String(d)] }
        if let s = manifest.seed { a += ["--seed", String(s)] }
        if manifest.paths > 0 { a += ["--paths", String(manifest.paths)] }
        if manifest.excel { a.append("--excel") }
        return a + ["--shard", "\(index)/\(shards)", "--threads", threads, "--out", partsFolder]
    }

    /// The part of shard `index`.
    public func partPath(_ index: Int) -> String { partsFolder + "/" + Shard(index: index, count: shards).fileName }

    /// Shards whose part is not complete (missing, partial, altered, or of another experiment).
    public func missingShards() -> [Int] {
        (0..<shards).filter { !PartialFile.isComplete(path: partPath($0), shard: Shard(index: $0, count: shards), manifest: manifest) }
    }

    /// Slurm's array syntax for `indexes` (sorted): `0-3,5,7-9`.
    public static func arraySpec(_ indexes: [Int]) -> String {
        var out: [String] = []
        var k = 0
        let xs = indexes.sorted()
        while k < xs.count {
            var j = k
            while j + 1 < xs.count && xs[j + 1] == xs[j] + 1 { j += 1 }
            out.append(j == k ? String(xs[k]) : "\(xs[k])-\(xs[j])")
            k = j + 1
        }
        return out.joined(separator: ",")
    }

    /// A word quoted for bash.
    static func quote(_ s: String) -> String {
        if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }) && s.unicodeScalars.allSatisfy(\.isASCII) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    func sbatchHeader(job: String, output: String, array: String? = nil) -> String {
        var s = "#!/bin/bash\n"
        s += "#SBATCH --job-name=\(job)\n"
        if let array { s += "#SBATCH --array=\(array)\n" }
        s += "#SBATCH --ntasks=1\n"
        s += "#SBATCH --cpus-per-task=\(array == nil ? 1 : cpusPerTask)\n"
        s += "#SBATCH --chdir=\(BatchPlan.quote(manifest.workingDirectory))\n"
        s += "#SBATCH --output=\(BatchPlan.quote(output))\n"
        if let partition { s += "#SBATCH --partition=\(partition)\n" }
        if let time { s += "#SBATCH --time=\(time)\n" }
        return s
    }

    /// The files of the batch folder: name, contents, executable.
    public func files() throws -> [(name: String, contents: String, executable: Bool)] {
        let coopsim = BatchPlan.quote(executable)
        var shard = sbatchHeader(job: "coopsim-shard", output: logsFolder + "/shard-%a.out", array: "0-\(shards - 1)")
        shard += """
        # One shard of the experiment in batch.json per array task; a shard already complete exits at once.
        set -euo pipefail
        export OPENBLAS_NUM_THREADS=1

        """
        shard += "exec \(coopsim) " + shardArguments(index: "${SLURM_ARRAY_TASK_ID}", threads: "${SLURM_CPUS_PER_TASK:-1}")
            .map { $0.contains("${") ? "\"\($0)\"" : BatchPlan.quote($0) }.joined(separator: " ") + "\n"
        var merge = sbatchHeader(job: "coopsim-merge", output: logsFolder + "/merge.out")
        merge += """
        # Combines the shards' parts into the run folder a single run writes (byte for byte).
        set -euo pipefail
        export OPENBLAS_NUM_THREADS=1
        exec \(coopsim) merge \(BatchPlan.quote(partsFolder)) --out \(BatchPlan.quote(resultFolder))

        """
        let dir = BatchPlan.quote(directory)
        let submit = """
        #!/bin/bash
        # Submits the shards not yet complete as a Slurm job array, then the merge as a job that starts
        # when they all succeed (--dependency=afterok). Run it again after a failure: complete shards
        # (written atomically, checksum matching) are skipped.
        set -euo pipefail
        missing=$(\(coopsim) batch missing \(dir))
        dependency=()
        if [ -n "$missing" ]; then
            job=$(sbatch --parsable --array="$missing" \(dir)/shard.sbatch)
            job=${job%%;*}
            echo "shards to run: $missing (job $job)"
            dependency=(--dependency=afterok:$job)
        else
            echo "every shard is complete"
        fi
        merge=$(sbatch --parsable "${dependency[@]}" \(dir)/merge.sbatch)
        echo "merge: job ${merge%%;*} -> \(resultFolder)"

        """
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
        return [(BatchPlan.manifestName, json, false), ("shard.sbatch", shard, true), ("merge.sbatch", merge, true),
                ("submit.sh", submit, true)]
    }

    /// Writes the batch folder (scripts replaced, parts kept). Refuses (`OutputError`, usage) a
    /// file, or a folder holding anything a batch folder does not.
    public func write() throws(OutputError) {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw OutputError(path: directory, reason: "it is a file, not a folder", hint: "give --out a new folder", isUsage: true)
            }
            let others = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter { !BatchPlan.entries.contains($0) }.sorted()
            if !others.isEmpty {
                throw OutputError(path: directory, reason: "the folder holds files that are not a batch's (\(others.prefix(3).joined(separator: ", ")))",
                                  hint: "give --out a new folder or an earlier batch folder", isUsage: true)
            }
        }
        for f in [directory, partsFolder, logsFolder] {
            do { try fm.createDirectory(atPath: f, withIntermediateDirectories: true) } catch {
                throw OutputError(path: f, reason: OutputFile.reason(f, error))
            }
        }
        let files: [(name: String, contents: String, executable: Bool)]
        do { files = try self.files() } catch { throw OutputError(path: directory, reason: "cannot encode batch.json: \(error)") }
        for f in files {
            let path = directory + "/" + f.name
            try OutputFile.write(f.contents, to: path, replacing: .ownedByCaller)   // the folder holds only a batch's entries (above)
            if f.executable { chmod(path, 0o755) }
        }
    }

    /// Reads `DIR/batch.json`. Throws `InputError`.
    public static func load(directory: String) throws(InputError) -> BatchPlan {
        let path = (directory as NSString).appendingPathComponent(manifestName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(file: path, expected: "the batch.json of a folder made by coopsim batch plan", found: "no such file")
        }
        do {
            let plan = try JSONDecoder().decode(BatchPlan.self, from: data)
            guard plan.format == "coopsim-batch 1", plan.shards >= 1 else { throw InputError(file: path, expected: "", found: "") }
            return plan
        } catch {
            throw InputError(file: path, expected: "a batch manifest written by coopsim batch plan (format coopsim-batch 1)",
                             found: "JSON that does not parse as one")
        }
    }
}
