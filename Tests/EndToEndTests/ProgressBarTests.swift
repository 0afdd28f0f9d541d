import Foundation
import XCTest

/// The progress bar on a terminal (run under `script`, which gives the program a pseudo-terminal):
/// one bar for the whole run with "scenario k of n" and the elapsed time, cleared at the end, and
/// cleared on Ctrl-C (SIGINT) with exit status 130. Issue: the bar restarted at 0% for every
/// scenario, said nothing of how many, and was left on the line when interrupted.
final class ProgressBarTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    /// Runs `coopsim ARGS` under script(1); returns the bytes the terminal received and the status.
    func underTerminal(_ args: [String], interruptAfter: Double? = nil) throws -> (String, Int32) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script(1) not installed") }
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let log = tmp.appendingPathComponent("tty.log")
        let command = ([CLI.binary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qefc", command, log.path]
        p.currentDirectoryURL = tmp
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        if let t = interruptAfter {
            Thread.sleep(forTimeInterval: t)
            // Interrupt the coopsim process (a descendant of script), by its id, as Ctrl-C does.
            let target = try XCTUnwrap(descendant(of: p.processIdentifier, running: CLI.binary.path))
            kill(target, SIGINT)
        }
        p.waitUntilExit()
        let bytes = (try? Data(contentsOf: log)) ?? Data()
        return (String(decoding: bytes, as: UTF8.self), p.terminationStatus)
    }

    /// The id of the descendant of `pid` whose executable is `path`.
    func descendant(of pid: Int32, running path: String) -> Int32? {
        var queue = [pid]
        let want = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        while !queue.isEmpty {
            let p = queue.removeFirst()
            let children = (try? String(contentsOfFile: "/proc/\(p)/task/\(p)/children", encoding: .utf8)) ?? ""
            for c in children.split(separator: " ").compactMap({ Int32($0) }) {
                if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(c)/exe"), exe == want { return c }
                queue.append(c)
            }
        }
        return nil
    }

    func testOneBarForTheWholeRunIsClearedAtTheEnd() throws {
        let (tty, status) = try underTerminal(["run", scenario("hcmc-baseline"), scenario("haiphong-baseline"), scenario("national-baseline"),
                                               "--draws", "20000", "--threads", "1", "--out", "o"])
        XCTAssertEqual(status, 0, tty)
        XCTAssertTrue(tty.contains("scenario 1 of 3"), tty)
        XCTAssertTrue(tty.contains("elapsed"), tty)
        XCTAssertFalse(tty.contains("] 0%  scenario 2") && tty.contains("] 100%  scenario 1"), "the bar restarted per scenario")
        // The last bar is erased before the summary line.
        let lastBar = try XCTUnwrap(tty.range(of: "elapsed", options: .backwards))
        let summary = try XCTUnwrap(tty.range(of: "coopsim run: 3 scenarios"))
        XCTAssertTrue(tty[lastBar.upperBound..<summary.lowerBound].contains("\r\u{1B}[K"), tty)
    }

    func testInterruptClearsTheBarAndExits130() throws {
        let (tty, status) = try underTerminal(["run", scenario("national-baseline"), "--draws", "3000000", "--threads", "1", "--out", "o"],
                                              interruptAfter: 1.5)
        XCTAssertEqual(status, 130, tty)
        XCTAssertTrue(tty.contains("elapsed"), tty)
        // After the last bar, the line is cleared (script(1) appends its own "Script done" line after that).
        let lastBar = try XCTUnwrap(tty.range(of: "elapsed", options: .backwards))
        let rest = tty[lastBar.upperBound...]
        XCTAssertTrue(rest.contains("\r\u{1B}[K\r\n") || rest.contains("\r\u{1B}[K\n"), String(rest).debugDescription)
    }
}
