#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// Issue 16, items 1, 2, 4 and 6 from the command line: coopsim never deletes or replaces what it
/// did not write, every output is whole or absent, inputs cannot block or exhaust it. Each case
/// checks the exit status, the message (file and what is wrong) and that every file that was
/// there before is byte-identical afterwards.
final class OutputSafetyTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    @discardableResult
    func expect(_ args: [String], _ status: Int32, _ fragments: String..., cwd: URL? = nil, env: [String: String] = [:],
                file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try CLI.run(args, cwd: cwd, env: env)
        XCTAssertEqual(r.status, status, "\(args): \(r.stderr)", file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(args): stderr lacks '\(f)': \(r.stderr)", file: file, line: line) }
        for bad in ["Fatal error", "Program crashed", "Backtracing"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(args) crashed: \(r.stderr)", file: file, line: line)
        }
        return r
    }

    /// Every entry under `dir` (relative path -> bytes, or the link target / kind for others).
    func snapshot(_ dir: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        for case let rel as String in e {
            let p = dir.appendingPathComponent(rel).path
            if let dest = try? fm.destinationOfSymbolicLink(atPath: p) { out[rel] = Data(("link:" + dest).utf8); continue }
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: p, isDirectory: &isDir)
            out[rel] = isDir.boolValue ? Data("folder".utf8) : (fm.contents(atPath: p) ?? Data("unreadable".utf8))
        }
        return out
    }

    func synthArgs(_ out: String) -> [String] {
        ["synth", "--model", scenario("model"), "--truth", scenario("truth"), "--regions", "2", "--years", "2010:2012",
         "--seed", "1", "--out", out]
    }

    /// The single-file outputs (report in every format, calibrate) refuse a file the user wrote at
    /// --out: exit 64, a message naming it, the file byte for byte as it was and nothing beside it;
    /// coopsim's own earlier output at the path (its mark: the HTML generator meta, the Markdown
    /// comment, the notebook's metadata, the workbook's zip comment, the TOML header) is replaced.
    /// Fails on the main of 2026-11-30 06:00 (it exited 0 and wrote HTML/TOML over the notes).
    /// And README's workbook command (`report DIR --format xlsx`) works; naming the run folder's
    /// results.xlsx says what is wrong (not "the input": it did not exist).
    func testUsersFileAtASingleFileOutputSurvives() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("c").path
        try expect(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "50", "--out", run], 0)
        let notes = dir.appendingPathComponent("notes.txt")
        try "my notes\n".write(to: notes, atomically: true, encoding: .utf8)
        let before = snapshot(dir)
        let panel = CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv").path
        for format in ["html", "md", "ipynb", "xlsx"] {
            try expect(["report", run, "--format", format, "--out", notes.path], 64,
                       "notes.txt: cannot write: expected a new file or one coopsim wrote, found a file coopsim did not write",
                       "coopsim never replaces files it did not write")
            XCTAssertEqual(snapshot(dir), before, "report --format \(format) changed the folder")
        }
        try expect(["calibrate", panel, "--model", scenario("model"), "--out", notes.path], 64,
                   "notes.txt: cannot write: expected a new file or one coopsim wrote")
        XCTAssertEqual(snapshot(dir), before)
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "my notes\n")
        // A re-run replaces coopsim's own earlier output at the same path.
        for format in ["html", "md", "ipynb", "xlsx"] {
            let out = dir.appendingPathComponent("mine.\(format)").path
            try expect(["report", run, "--format", format, "--out", out], 0)
            try expect(["report", run, "--format", format, "--lang", "vi", "--out", out], 0)
        }
        let cal = dir.appendingPathComponent("cal.toml").path
        try expect(["calibrate", panel, "--model", scenario("model"), "--out", cal], 0)
        try expect(["calibrate", panel, "--model", scenario("model"), "--out", cal, "--na", ""], 0)
        // An output replaces only its own kind: a report never replaces a calibration; a user's JSON
        // that mentions a "coopsim-like" generator is not a notebook (a review found both replaced).
        try expect(["report", run, "--format", "md", "--out", cal], 64, "found coopsim's calibration")
        XCTAssertTrue(try String(contentsOfFile: cal, encoding: .utf8).contains("# Written by coopsim"))
        let json = dir.appendingPathComponent("data.json")
        try #"{"mydata": 1, "tool": {"generator": "coopsim-like"}}"#.write(to: json, atomically: true, encoding: .utf8)
        try expect(["report", run, "--format", "ipynb", "--out", json.path], 64, "found a file coopsim did not write")
        XCTAssertEqual(try String(contentsOf: json, encoding: .utf8), #"{"mydata": 1, "tool": {"generator": "coopsim-like"}}"#)
        // README: `coopsim report out/hcmc-compare --format xlsx` writes DIR/report.xlsx.
        try expect(["report", run, "--format", "xlsx"], 0, "wrote \(run)/report.xlsx")
        let r = try expect(["report", run, "--format", "xlsx", "--out", run + "/results.xlsx"], 64,
                           "results.xlsx, the name `run` and `compare` give the run folder's workbook", "the default is \(run)/report.xlsx")
        XCTAssertFalse(r.stderr.contains("the input"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/results.xlsx"))
    }

    /// Item 1: a symbolic link is followed (its target written, the link kept), a loop refused;
    /// /dev/null is written as a stream and stays a device; a FIFO with no reader is refused.
    func testSymlinksDevicesAndFIFOs() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("panel.csv"), link = dir.appendingPathComponent("latest.csv")
        // (The link leads to a new name: a user's file at its end would be refused, below.)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "panel.csv")
        try expect(synthArgs(link.path), 0)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), "panel.csv")
        XCTAssertTrue(try String(contentsOf: target, encoding: .utf8).hasPrefix("region,year"))
        let a = dir.appendingPathComponent("a.csv"), b = dir.appendingPathComponent("b.csv")
        try FileManager.default.createSymbolicLink(atPath: a.path, withDestinationPath: "b.csv")
        try FileManager.default.createSymbolicLink(atPath: b.path, withDestinationPath: "a.csv")
        let before = snapshot(dir)
        try expect(synthArgs(a.path), 64, "a.csv: cannot write: it is a symbolic link in a loop")
        XCTAssertEqual(snapshot(dir), before)
        // A device is written as a stream, never replaced.
        try expect(synthArgs("/dev/null"), 0)
        var st = stat()
        XCTAssertEqual(lstat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null must stay a character device")
        // A FIFO nobody reads: refused at once instead of blocking.
        let fifo = dir.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        try expect(synthArgs(fifo.path), 64, "pipe: cannot write: it is a FIFO (named pipe) that no process is reading")
        try expect(["calibrate", CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv").path, "--model", scenario("model"),
                    "--out", fifo.path], 64, "that no process is reading")
        XCTAssertEqual(lstat(fifo.path, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO)
        // A FIFO where a folder should be; a failed write leaves no folder it created (a file
        // name too long for the file system fails after the parents were made).
        try expect(synthArgs(fifo.path + "/x.csv"), 1, "pipe is a FIFO (named pipe), not a folder")
        try FileManager.default.removeItem(at: fifo)
        let long = dir.appendingPathComponent("made/for/it/" + String(repeating: "x", count: 300) + ".csv")
        try expect(synthArgs(long.path), 1, "cannot write")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("made").path), "a parent folder was left behind")
        let nested = dir.appendingPathComponent("n1/n2/x.csv")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("blocker"), withIntermediateDirectories: true)
        try expect(synthArgs(dir.appendingPathComponent("blocker").path), 64, "it is a folder")
        try expect(synthArgs(nested.path), 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested.path))
        let hidden = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(hidden, [], "temporaries left behind")
    }

    /// Item 1: re-running into a run folder keeps the user's files (the README's report.vi.html,
    /// notes, a sub-folder) byte-identical; `--out .` or a folder with a foreign run.json is refused.
    func testRerunKeepsTheUsersFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "20", "--paths", "2", "--out", out.path], 0)
        try expect(["report", out.path, "--lang", "vi", "--out", out.appendingPathComponent("report.vi.html").path], 0)
        try "my notes\n".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: out.appendingPathComponent("mine/deep"), withIntermediateDirectories: true)
        try "x".write(to: out.appendingPathComponent("mine/deep/x.txt"), atomically: true, encoding: .utf8)
        let user = snapshot(out).filter { !["summary.csv", "targets.csv", "paths.csv", "history.csv", "levers.csv", "metrics.csv", "scenarios.csv", "run.json"].contains($0.key) }
        XCTAssertEqual(user.count, 5)   // report.vi.html, notes.txt, mine, mine/deep, mine/deep/x.txt
        try expect(["run", scenario("hcmc-baseline"), "--draws", "30", "--out", out.path], 0)
        let after = snapshot(out)
        for (k, v) in user { XCTAssertEqual(after[k], v, "\(k) changed") }
        XCTAssertNil(after["paths.csv"], "the first run's paths.csv was the run's own")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out"])
        // A project folder with a stray run.json: nothing touched.
        let project = dir.appendingPathComponent("project")
        try FileManager.default.createDirectory(at: project.appendingPathComponent("data"), withIntermediateDirectories: true)
        try "{}".write(to: project.appendingPathComponent("run.json"), atomically: true, encoding: .utf8)
        try "a,b\n1,2\n".write(to: project.appendingPathComponent("data/panel.csv"), atomically: true, encoding: .utf8)
        let before = snapshot(project)
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", project.path], 64,
                   "project: cannot write: the folder exists and is not the output of an earlier run (its run.json was not written by coopsim")
        try expect(["run", CLI.root.appendingPathComponent("Scenarios/hcmc-baseline.toml").path, "--draws", "10", "--out", "."], 64,
                   "it is the current folder", cwd: project)
        XCTAssertEqual(snapshot(project), before)
        // A run folder where the user put a file named like an output the run did not write.
        try "mine".write(to: out.appendingPathComponent("compare.csv"), atomically: true, encoding: .utf8)
        try expect(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "10", "--out", out.path], 64,
                   "compare.csv exists in the folder and the earlier run did not write it")
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("compare.csv"), encoding: .utf8), "mine")
    }

    /// Item 2, fault injection: `run` killed with SIGKILL at each step of the swap (test hook) and
    /// at random moments, over 200 rounds; then two concurrent runs into one folder over 200
    /// rounds. After every round the folder is the old complete output or the new complete one
    /// with the user's file, and after the next run no temporary is left.
    func testKilledAndConcurrentRunsLeaveAWholeFolder() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let model = scenario("hcmc-baseline")
        func args(_ seed: Int) -> [String] { ["run", model, "--draws", "3", "--threads", "1", "--seed", String(seed), "--out", out.path] }
        // The two complete outputs (seeds 1 and 2), without run.json's timing.
        var expected: [Int: [String: Data]] = [:]
        for seed in [1, 2] {
            try expect(args(seed), 0)
            expected[seed] = snapshot(out).filter { $0.key != "run.json" }
        }
        XCTAssertNotEqual(expected[1], expected[2])
        try "mine\n".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        for seed in [1, 2] { expected[seed]!["notes.txt"] = Data("mine\n".utf8) }
        func check(_ round: Int) {
            let now = snapshot(out).filter { $0.key != "run.json" && $0.key != ".coopsim-incoming" }
            XCTAssertTrue(now == expected[1] || now == expected[2], "round \(round): a mixed or missing folder: \(now.keys.sorted())")
            XCTAssertNotNil(FileManager.default.contents(atPath: out.appendingPathComponent("run.json").path), "round \(round): no run.json")
        }
        var g = SystemRandomNumberGenerator()
        let hooks = ["built", "exchanged", "cleaned", ""]
        var killed = 0
        for round in 0..<200 {
            let seed = 1 + round % 2
            let p = Process()
            p.executableURL = CLI.binary
            p.arguments = args(seed)
            p.currentDirectoryURL = dir
            var env = ProcessInfo.processInfo.environment
            env["COOPSIM_TEST_KILL_AT"] = hooks[round % hooks.count]
            p.environment = env
            p.standardError = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            if hooks[round % hooks.count].isEmpty {
                usleep(UInt32.random(in: 0..<60_000, using: &g))
                kill(p.processIdentifier, SIGKILL)
            }
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal { killed += 1 }
            check(round)
        }
        XCTAssertGreaterThanOrEqual(killed, 150, "the hook and the timer must actually kill most rounds")
        try expect(args(1), 0)
        check(200)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "out" }
        XCTAssertEqual(leftovers, [], "temporaries left after the next run")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".coopsim-incoming").path))
        // Two concurrent writers into one folder: they take turns.
        for round in 0..<200 {
            let ps = (0..<2).map { k -> Process in
                let p = Process()
                p.executableURL = CLI.binary
                p.arguments = args(1 + (round + k) % 2)
                p.currentDirectoryURL = dir
                p.standardError = FileHandle.nullDevice
                p.standardOutput = FileHandle.nullDevice
                return p
            }
            for p in ps { try p.run() }
            for p in ps { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0, "round \(round)") }
            check(1000 + round)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out"])
    }

    /// Items 4 and 6: a FIFO with no writer is refused within the stated 2 s instead of blocking;
    /// an endless device is refused; --threads is bounded.
    func testInputsThatBlockedOrExhausted() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("panel.csv")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        try expect(["fit", fifo.path, "--formula", "y ~ x"], 65,
                   "panel.csv", "a named pipe (FIFO) that no process wrote to within 2 seconds")
        try expect(["validate", fifo.path], 65, "no process wrote to within 2 seconds")
        try expect(["fit", "/dev/zero", "--formula", "y ~ x"], 65, "/dev/zero", "a device or socket")
        // A sparse file beyond the 1 GiB input limit is refused before anything is read.
        let sparse = dir.appendingPathComponent("huge.csv")
        XCTAssertTrue(FileManager.default.createFile(atPath: sparse.path, contents: Data("y,x\n".utf8)))
        XCTAssertEqual(truncate(sparse.path, 4 << 30), 0)
        try expect(["fit", sparse.path, "--formula", "y ~ x"], 65, "huge.csv", "an input file of at most 1024 MiB", "4294967296 bytes")
        // A symlink loop is a loop, not a missing file.
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("l1.csv").path, withDestinationPath: "l2.csv")
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("l2.csv").path, withDestinationPath: "l1.csv")
        try expect(["fit", dir.appendingPathComponent("l1.csv").path, "--formula", "y ~ x"], 65, "l1.csv", "a symbolic link in a loop")
    }
}
