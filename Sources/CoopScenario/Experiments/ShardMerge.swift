import CoopData
import CoopModel
import Foundation

/// Combines the partials of a sharded run (`coopsim run ... --shard I/N`) into the run folder a
/// single run writes: every CSV byte for byte, whatever N and whatever order the parts come in.
///
/// Checks first, reading only headers: every part complete (checksum), all of one experiment
/// (equal `ExperimentManifest`: inputs, seed, draws, paths, switches, code build), no shard twice,
/// none missing. Then re-plans the experiment from the manifest in its working folder (the input
/// files must still hash as recorded) and folds the parts' partials in shard order, one part in
/// memory at a time: memory is that of one partial (the summary's size), not of the draws.
/// Errors are `InputErrors` naming the part (exit 65).
public enum ShardMerge {
    /// The parts named by `arguments`: files as given, folders replaced by the `*.part` files
    /// they hold (in name order). A folder holding none is an error.
    public static func expand(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        for a in arguments {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isFolder), isFolder.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: a)) ?? [])
                    .filter { $0.hasSuffix(".part") && !$0.hasPrefix(".") }.sorted()
                if names.isEmpty {
                    throw InputErrors([InputError(file: a, expected: "a folder of partials (shard-*.part) written by coopsim run --shard",
                                                  found: "a folder without any .part file")])
                }
                out += names.map { (a as NSString).appendingPathComponent($0) }
            } else {
                out.append(a)
            }
        }
        return out
    }

    /// Checks the parts and returns their common manifest and the part of each shard, in shard order.
    public static func check(parts: [String]) throws -> (manifest: ExperimentManifest, parts: [String]) {
        precondition(!parts.isEmpty, "Merging needs at least one part.")
        var problems: [InputError] = []
        var headers: [(path: String, header: PartialFile.Header)] = []
        for p in parts {
            do { headers.append((p, try PartialFile.read(path: p).header)) } catch { problems.append(error) }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        let first = headers[0]
        let manifest = first.header.manifest
        let count = first.header.shard.count
        var byShard: [Int: String] = [:]
        for (path, h) in headers {
            let diff = manifest.differences(h.manifest)
            if !diff.isEmpty {
                problems.append(InputError(file: path, field: "manifest",
                                           expected: "a part of the same experiment as \(first.path)",
                                           found: "a part of another experiment: " + diff.joined(separator: "; ")))
                continue
            }
            if h.shard.count != count {
                problems.append(InputError(file: path, field: "shard", expected: "a shard of \(count) (as \(first.path))",
                                           found: "shard \(h.shard)"))
                continue
            }
            if let other = byShard[h.shard.index] {
                problems.append(InputError(file: path, field: "shard", expected: "each shard once",
                                           found: "shard \(h.shard) again (also \(other))",
                                           hint: "give each part once"))
                continue
            }
            byShard[h.shard.index] = path
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        let missing = (0..<count).filter { byShard[$0] == nil }
        if !missing.isEmpty {
            let folder = (first.path as NSString).deletingLastPathComponent
            let names = missing.prefix(20).map { Shard(index: $0, count: count).fileName }
            throw InputErrors([InputError(file: folder.isEmpty ? "." : folder, field: "shards",
                                          expected: "all \(count) shards of the experiment",
                                          found: "\(missing.count) missing: shard\(missing.count == 1 ? "" : "s") "
                                              + missing.prefix(20).map { "\($0)/\(count)" }.joined(separator: ", ")
                                              + (missing.count > 20 ? ", ..." : "")
                                              + " (" + names.joined(separator: ", ") + (missing.count > 20 ? ", ..." : "") + ")",
                                          hint: "run the missing shards (coopsim batch missing tells which), then merge again")])
        }
        return (manifest, (0..<count).map { byShard[$0]! })
    }

    /// Checks, re-plans and folds the parts; returns the summary a single run of the experiment
    /// gives (its run.json records `commandLine` and the shards' thread count) and whether the CSV
    /// files take a byte-order mark (`--excel` of the run). Changes the working folder to the
    /// experiment's while re-planning, then restores it.
    public static func merge(parts: [String], commandLine: [String]) throws -> (summary: RunSummary, excel: Bool) {
        let started = Date()
        let clock = ContinuousClock.now
        let (manifest, ordered) = try check(parts: parts)
        let fm = FileManager.default
        let here = fm.currentDirectoryPath
        guard fm.changeCurrentDirectoryPath(manifest.workingDirectory) else {
            throw InputErrors([InputError(file: ordered[0], field: "manifest.workingDirectory",
                                          expected: "the folder the shards ran in, with their scenario files",
                                          found: "\(manifest.workingDirectory), which cannot be entered here")])
        }
        defer { _ = fm.changeCurrentDirectoryPath(here) }
        // Re-plan from the inputs as they are now: they must be the ones the shards read.
        let firstHeader = try PartialFile.read(path: ordered[0]).header
        let options = manifest.runOptions(threads: firstHeader.threads, commandLine: commandLine)
        let loaded: [(Scenario, ModelSpec)]
        var problems: [InputError] = []
        var l: [(Scenario, ModelSpec)] = []
        for f in manifest.scenarioFiles {
            do { l.append(try ScenarioLoader.load(path: f)) } catch let e as InputErrors { problems += e.errors }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        loaded = l
        try Experiment.check(loaded)
        let experiment = try Experiment.plan(manifest.kind == "compare" ? .compare : .run, try Experiment.compile(loaded),
                                             seed: manifest.seed, draws: manifest.draws)
        let now = ExperimentManifest(experiment: experiment, scenarioFiles: manifest.scenarioFiles, options: options)
        let diff = manifest.differences(now)
        if !diff.isEmpty {
            throw InputErrors([InputError(file: ordered[0], field: "manifest",
                                          expected: "the experiment the parts were computed for",
                                          found: "inputs or code that changed since: " + diff.joined(separator: "; "),
                                          hint: "re-run the shards with the current files, or restore the files")])
        }
        // Fold in shard order, one part at a time.
        var folded: [MonteCarloPartial]? = nil
        for path in ordered {
            let (_, payload) = try PartialFile.read(path: path)
            let partials = try PartialFile.partials(from: payload, path: path)
            guard partials.count == experiment.groups.count else {
                throw InputErrors([InputError(file: path, line: 2, expected: "\(experiment.groups.count) partials (one per group)",
                                              found: "\(partials.count)")])
            }
            let shard = Shard(index: ordered.firstIndex(of: path)!, count: ordered.count)
            for (g, p) in partials.enumerated() {
                let expected = shard.blocks(of: experiment.groups[g].blockCount)
                if p.firstBlock != expected.lowerBound || p.blockCount != expected.count || p.scenarios.count != experiment.groups[g].cases.count {
                    throw InputErrors([InputError(file: path, line: 2, field: "partials[\(g)]",
                                                  expected: "blocks \(expected.lowerBound)..<\(expected.upperBound) of group \(g) for shard \(shard)",
                                                  found: "blocks \(p.firstBlock)..<\(p.firstBlock + p.blockCount)")])
                }
            }
            if folded == nil { folded = partials } else {
                for g in partials.indices { folded![g].append(partials[g]) }
            }
        }
        let results = experiment.results(merging: folded!)
        let summary = try Runner.summarise(experiment, results, options: options, started: started, since: clock)
        return (summary, manifest.excel)
    }
}
