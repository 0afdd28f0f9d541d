import Foundation
import XCTest

/// Issue 16, item 2 for `report --format md`: the figures and the .md are one output. A failing
/// write (here a file-size limit: EFBIG, as a full disk gives ENOSPC) leaves every file that was
/// there byte-identical and no temporary; a report killed at each step leaves the old or the new
/// complete report (every link of the .md names a figure that is there); the user's files in
/// the figures folder are never touched.
final class MarkdownReportSafetyTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    /// Every entry under `dir` (relative path -> bytes, "folder" for folders).
    func snapshot(_ dir: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        for case let rel as String in e {
            let p = dir.appendingPathComponent(rel).path
            var isDir: ObjCBool = false
            _ = fm.fileExists(atPath: p, isDirectory: &isDir)
            out[rel] = isDir.boolValue ? Data("folder".utf8) : (fm.contents(atPath: p) ?? Data("unreadable".utf8))
        }
        return out
    }

    /// The figure links of a Markdown report.
    func links(_ md: String) -> [String] {
        md.components(separatedBy: "](").dropFirst().map { String($0.prefix { $0 != ")" }) }.filter { $0.hasSuffix(".svg") }
    }

    /// Runs `args` through /bin/sh with `shell` before it (a limit, an environment variable).
    func sh(_ shell: String, _ args: [String], cwd: URL) throws -> CLI.Result {
        let quoted = ([CLI.binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try CLI.run([], cwd: cwd, shell: "\(shell) exec \(quoted)")
    }

    func testMarkdownReportIsWholeOrAbsent() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        // Two different runs to report on.
        for seed in ["1", "2"] {
            let r = try CLI.run(["run", scenario("hcmc-2024-plan"), "--draws", "20", "--seed", seed, "--out", dir.appendingPathComponent("run\(seed)").path])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let reports = dir.appendingPathComponent("reports")
        let md = reports.appendingPathComponent("report.md").path
        func report(_ seed: String, _ shell: String = "") throws -> CLI.Result {
            try sh(shell, ["report", dir.appendingPathComponent("run\(seed)").path, "--format", "md", "--out", md], cwd: dir)
        }
        // A write that fails at its first figure into a folder that did not exist: nothing is left. The
        // limit (3 KB: sh counts 512-byte blocks) lets the list of figure names (about 2 KB) through
        // and stops every figure (3.5 KB and more).
        let limit = "ulimit -f 6; trap '' XFSZ;"
        let refused = try report("1", limit)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("report-figures/") && refused.stderr.contains(".svg: cannot write: file too large"), refused.stderr)
        XCTAssertFalse(fm.fileExists(atPath: reports.path), "a folder created for the failed report was left")

        var r = try report("1")
        XCTAssertEqual(r.status, 0, r.stderr)
        let first = try String(contentsOfFile: md, encoding: .utf8)
        XCTAssertFalse(links(first).isEmpty)
        for l in links(first) {
            XCTAssertTrue(l.hasPrefix("report-figures/"), l)
            XCTAssertTrue(fm.fileExists(atPath: reports.appendingPathComponent(l).path), l)
        }
        // The user's own files beside and inside the figures folder.
        try "notes\n".write(to: reports.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try "<svg/>".write(to: reports.appendingPathComponent("report-figures/mine.svg"), atomically: true, encoding: .utf8)
        let before = snapshot(reports)

        // The second report fails at its first figure: every file byte-identical, no temporary.
        let failed = try report("2", limit)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertEqual(snapshot(reports), before, "a failed report changed the folder")

        // Killed at each step: the old or the new complete report, the user's files intact.
        var seen: Set<String> = [first]
        for hook in ["report-listed", "report-figures", "report-written"] {
            let k = try report("2", "COOPSIM_TEST_KILL_AT=\(hook); export COOPSIM_TEST_KILL_AT;")
            XCTAssertNotEqual(k.status, 0, hook)
            let now = try String(contentsOfFile: md, encoding: .utf8)
            seen.insert(now)
            for l in links(now) { XCTAssertTrue(fm.fileExists(atPath: reports.appendingPathComponent(l).path), "\(hook): \(l) missing") }
            XCTAssertEqual(snapshot(reports)["notes.txt"], Data("notes\n".utf8))
            XCTAssertEqual(snapshot(reports)["report-figures/mine.svg"], Data("<svg/>".utf8))
        }
        XCTAssertEqual(seen.count, 2, "the kill after the .md was written leaves the new report")
        // The next report cleans up: only its figures, the list and the user's file remain.
        r = try report("2")
        XCTAssertEqual(r.status, 0, r.stderr)
        let second = try String(contentsOfFile: md, encoding: .utf8)
        XCTAssertNotEqual(second, first)
        let figures = Set(try fm.contentsOfDirectory(atPath: reports.appendingPathComponent("report-figures").path))
        XCTAssertEqual(figures, Set(links(second).map { String($0.dropFirst("report-figures/".count)) } + ["mine.svg", ".coopsim-figures"]))
        XCTAssertEqual(Set(try fm.contentsOfDirectory(atPath: reports.path)), ["report.md", "report-figures", "notes.txt"])
        // A user's file with the name of a new figure is never replaced (exit 64, nothing changed).
        let name = try XCTUnwrap(links(first).first { !links(second).contains($0) }).dropFirst("report-figures/".count)
        try "theirs".write(to: reports.appendingPathComponent("report-figures/\(name)"), atomically: true, encoding: .utf8)
        let held = snapshot(reports)
        let clash = try report("1")
        XCTAssertEqual(clash.status, 64, clash.stderr)
        XCTAssertTrue(clash.stderr.contains("\(name): cannot write: it exists and coopsim did not write it"), clash.stderr)
        XCTAssertEqual(snapshot(reports), held)
    }
}
