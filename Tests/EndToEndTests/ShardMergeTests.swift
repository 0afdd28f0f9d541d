import Foundation
import XCTest

/// `run --shard I/N`, `merge` and `batch plan|missing` end to end: merged folders equal single runs
/// byte for byte; wrong, duplicated, missing, altered and killed parts are refused.
final class ShardMergeTests: XCTestCase {
    /// Every shipped scenario: Scenarios/*.toml (but the model, calibration and truth) and Scenarios/regions/*.toml.
    static func shippedScenarios() throws -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for (dir, prefix) in [("Scenarios", "Scenarios/"), ("Scenarios/regions", "Scenarios/regions/")] {
            let names = try fm.contentsOfDirectory(atPath: CLI.root.appendingPathComponent(dir).path)
                .filter { $0.hasSuffix(".toml") && !["model.toml", "calibration.toml", "truth.toml"].contains($0) }.sorted()
            out += names.map { prefix + $0 }
        }
        return out
    }

    /// The CSV files of a folder, and run.json without the fields that describe the process
    /// (command, threads, start, wall time).
    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let data = try Data(contentsOf: dir.appendingPathComponent(f))
            if f == "run.json" {
                let kept = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { l in !["\"command\"", "\"threads\"", "\"started\"", "\"wall_seconds\""].contains { l.contains($0) } }
                out[f] = Data(kept.joined(separator: "\n").utf8)
            } else {
                out[f] = data
            }
        }
        return out
    }

    func assertSameFolder(_ a: URL, _ b: URL, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fa = try contents(a), fb = try contents(b)
        XCTAssertEqual(Set(fa.keys), Set(fb.keys), what, file: file, line: line)
        for (k, v) in fa where v != fb[k] { XCTFail("\(what): \(k) differs", file: file, line: line) }
    }

    /// Runs shards 0..<n of `args` into `parts`, returns the part paths.
    func shards(_ args: [String], _ n: Int, into parts: URL) throws -> [String] {
        try (0..<n).map { i in
            let r = try CLI.run(args + ["--shard", "\(i)/\(n)", "--out", parts.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            return parts.appendingPathComponent(String(format: "shard-%04d-of-%04d.part", i, n)).path
        }
    }

    /// N = 1, 2, 3, 7 (7 > the 3 blocks of 2500 draws: some shards run nothing), parts in shuffled
    /// order, every shipped scenario, with --paths and --excel; and compare on the national pair.
    func testMergedEqualsSingleRunForAnyShardCountAndOrder() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let args = ["run"] + (try Self.shippedScenarios()) + ["--draws", "2500", "--paths", "2", "--excel", "--threads", "2"]
        let single = tmp.appendingPathComponent("single")
        let r = try CLI.run(args + ["--out", single.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        var generator = SystemRandomNumberGenerator()
        for n in [1, 2, 3, 7] {
            let parts = try shards(args, n, into: tmp.appendingPathComponent("parts\(n)"))
            let merged = tmp.appendingPathComponent("merged\(n)")
            let m = try CLI.run(["merge"] + parts.shuffled(using: &generator) + ["--out", merged.path])
            XCTAssertEqual(m.status, 0, m.stderr)
            try assertSameFolder(single, merged, "run, \(n) shards")
        }
        let cmp = ["compare", "Scenarios/national-baseline.toml", "Scenarios/national-20nqtw.toml", "--draws", "3100", "--seed", "11"]
        let cmpSingle = tmp.appendingPathComponent("cmp-single")
        XCTAssertEqual(try CLI.run(cmp + ["--out", cmpSingle.path]).status, 0)
        for n in [2, 3] {
            let parts = tmp.appendingPathComponent("cmp-parts\(n)")
            _ = try shards(cmp, n, into: parts)
            let merged = tmp.appendingPathComponent("cmp-merged\(n)")
            let m = try CLI.run(["merge", parts.path, "--out", merged.path])   // a folder of parts
            XCTAssertEqual(m.status, 0, m.stderr)
            try assertSameFolder(cmpSingle, merged, "compare, \(n) shards")
        }
    }

    /// Parts of another experiment, a shard twice, a missing shard, an altered part: exit 65 naming the part.
    func testWrongDuplicateMissingAndAlteredPartsAreRefused() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let args = ["run", "Scenarios/hcmc-baseline.toml", "--draws", "3000"]
        let parts = try shards(args, 3, into: tmp.appendingPathComponent("a"))
        let other = try shards(args + ["--seed", "99"], 3, into: tmp.appendingPathComponent("b"))
        let out = tmp.appendingPathComponent("out").path

        var r = try CLI.run(["merge", parts[0], other[1], parts[2], "--out", out])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains(other[1]) && r.stderr.contains("--seed 99 instead of (the scenarios')"), r.stderr)

        r = try CLI.run(["merge", parts[0], parts[1], parts[1], parts[2], "--out", out])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("shard 1/3 again"), r.stderr)

        r = try CLI.run(["merge", parts[0], parts[2], "--out", out])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("1 missing: shard 1/3 (shard-0001-of-0003.part)"), r.stderr)

        var bytes = try Data(contentsOf: URL(fileURLWithPath: parts[1]))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: parts[1]))
        r = try CLI.run(["merge", parts[0], parts[1], parts[2], "--out", out])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains(parts[1]) && r.stderr.contains("truncated, altered or foreign"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a refused merge writes nothing")
    }

    /// An input changed after the shards ran: the merge refuses, naming the file.
    func testChangedInputIsRefused() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let scen = tmp.appendingPathComponent("s.toml")
        let base = try String(contentsOf: CLI.root.appendingPathComponent("Scenarios/hcmc-baseline.toml"), encoding: .utf8)
            .replacingOccurrences(of: "model = \"model.toml\"", with: "model = \"\(CLI.root.path)/Scenarios/model.toml\"")
            .replacingOccurrences(of: "calibration = \"calibration.toml\"", with: "calibration = \"\(CLI.root.path)/Scenarios/calibration.toml\"")
        try base.write(to: scen, atomically: true, encoding: .utf8)
        let parts = try shards(["run", scen.path, "--draws", "2000"], 2, into: tmp.appendingPathComponent("p"))
        try (base + "\n# edited\n").write(to: scen, atomically: true, encoding: .utf8)
        let r = try CLI.run(["merge"] + parts + ["--out", tmp.appendingPathComponent("o").path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("input \(scen.path) with SHA-256"), r.stderr)
    }

    /// A shard killed (SIGKILL) while running leaves no part that merge or `batch missing` accepts;
    /// re-submitting (submit.sh, here with an `sbatch` that runs tasks in place) runs only that shard.
    func testKilledShardIsRerunAloneOnResubmission() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let batch = tmp.appendingPathComponent("batch")
        let scen = ["Scenarios/regions/central-highlands-baseline.toml", "Scenarios/regions/central-highlands-20nqtw.toml"]
        let plan = try CLI.run(["batch", "plan"] + scen + ["--shards", "3", "--draws", "300000", "--compare", "--out", batch.path])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        for f in ["batch.json", "shard.sbatch", "merge.sbatch", "submit.sh"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: batch.appendingPathComponent(f).path), f)
        }
        let script = try String(contentsOf: batch.appendingPathComponent("shard.sbatch"), encoding: .utf8)
        XCTAssertTrue(script.contains("#SBATCH --array=0-2\n") && script.contains("export OPENBLAS_NUM_THREADS=1")
                      && script.contains("--threads \"${SLURM_CPUS_PER_TASK:-1}\""), script)

        // Shards 0 and 2 complete; shard 1 killed midway.
        let args = ["compare"] + scen + ["--draws", "300000"]
        for i in [0, 2] { XCTAssertEqual(try CLI.run(args + ["--shard", "\(i)/3", "--out", batch.appendingPathComponent("parts").path]).status, 0) }
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args + ["--shard", "1/3", "--threads", "1", "--out", batch.appendingPathComponent("parts").path]
        p.currentDirectoryURL = CLI.root
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.0)
        XCTAssertTrue(p.isRunning, "the shard should still be running after 1 s (300,000 draws)")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: batch.appendingPathComponent("parts/shard-0001-of-0003.part").path))
        let missing = try CLI.run(["batch", "missing", batch.path])
        XCTAssertEqual(missing.stdout, "1\n", missing.stderr)
        let m = try CLI.run(["merge", batch.appendingPathComponent("parts").path, "--out", tmp.appendingPathComponent("o").path])
        XCTAssertEqual(m.status, 65)
        XCTAssertTrue(m.stderr.contains("shard 1/3"), m.stderr)

        // Re-submit with an sbatch that runs the array's tasks here and logs which.
        let bin = tmp.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let log = tmp.appendingPathComponent("sbatch.log")
        let stub = """
        #!/bin/bash
        # A stand-in for sbatch: runs the script's tasks in place (in order), ignoring dependencies.
        array=""; script=""
        for a in "$@"; do case "$a" in --array=*) array=${a#--array=} ;; --*) ;; *) script=$a ;; esac; done
        echo "sbatch array=$array script=$(basename "$script")" >> \(log.path)
        cd \(CLI.root.path)
        if [ -n "$array" ]; then
            for i in $(echo "$array" | tr ',' ' '); do SLURM_ARRAY_TASK_ID=$i SLURM_CPUS_PER_TASK=1 bash "$script" || exit 1; done
        else
            bash "$script" || exit 1
        fi
        echo 42
        """
        try stub.write(to: bin.appendingPathComponent("sbatch"), atomically: true, encoding: .utf8)
        chmod(bin.appendingPathComponent("sbatch").path, 0o755)
        let submit = Process()
        submit.executableURL = URL(fileURLWithPath: "/bin/bash")
        submit.arguments = [batch.appendingPathComponent("submit.sh").path]
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = bin.path + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        submit.environment = env
        submit.standardOutput = FileHandle.nullDevice
        try submit.run()
        submit.waitUntilExit()
        XCTAssertEqual(submit.terminationStatus, 0)
        let calls = try String(contentsOf: log, encoding: .utf8)
        XCTAssertEqual(calls, "sbatch array=1 script=shard.sbatch\nsbatch array= script=merge.sbatch\n")
        XCTAssertEqual(try CLI.run(["batch", "missing", batch.path]).stdout, "\n")

        // The resumed batch equals a single run.
        let single = tmp.appendingPathComponent("single")
        XCTAssertEqual(try CLI.run(args + ["--out", single.path]).status, 0)
        try assertSameFolder(single, batch.appendingPathComponent("result"), "resumed batch")
    }
}
