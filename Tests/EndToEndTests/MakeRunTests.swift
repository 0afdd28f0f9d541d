import Foundation
import XCTest

/// `make run` (scripts/run-shipped.sh) and the README's first session fit together: running the
/// script, then every `$ coopsim ...` command of the README's "A first session", then the script
/// again leaves every file the session wrote in place, byte for byte (issue: `make run` twice
/// removed the README's example folders under out/). Also: the script's message gives the true
/// draw counts.
final class MakeRunTests: XCTestCase {
    func listing(_ dir: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        guard let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey]) else { return out }
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            out[String(url.path.dropFirst(dir.path.count))] = try? Data(contentsOf: url)
        }
        return out
    }

    /// The README's first-session commands, continuation lines joined, `coopsim` as the program.
    func readmeSession() throws -> [[String]] {
        let readme = try String(contentsOf: CLI.root.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "## A first session"))
        let end = readme.range(of: "\n## ", range: start.upperBound..<readme.endIndex)?.lowerBound ?? readme.endIndex
        var commands: [[String]] = []
        var pending: String?
        for raw in readme[start.upperBound..<end].split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if var p = pending {
                p += " " + line
                if line.hasSuffix("\\") { pending = String(p.dropLast()) } else { commands.append(words(p)); pending = nil }
                continue
            }
            guard line.hasPrefix("$ coopsim ") else { continue }
            let body = String(line.dropFirst(2))
            if body.hasSuffix("\\") { pending = String(body.dropLast()) } else { commands.append(words(body)) }
        }
        return commands
    }

    /// Splits a shell command line on spaces, honouring double quotes.
    func words(_ s: String) -> [String] {
        var out: [String] = [], cur = "", quoted = false, any = false
        for ch in s {
            if ch == "\"" { quoted.toggle(); any = true; continue }
            if ch == " " && !quoted { if any || !cur.isEmpty { out.append(cur) }; cur = ""; any = false; continue }
            cur.append(ch)
        }
        if any || !cur.isEmpty { out.append(cur) }
        return out
    }

    func runScript(_ work: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.root.appendingPathComponent("scripts/run-shipped.sh").path, CLI.binary.path, work.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func testMakeRunTwiceKeepsTheReadmeSessionsFiles() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        for d in ["Scenarios", "Tests"] {
            try FileManager.default.createSymbolicLink(at: work.appendingPathComponent(d), withDestinationURL: CLI.root.appendingPathComponent(d))
        }
        let (s1, e1) = try runScript(work)
        XCTAssertEqual(s1, 0, e1)
        // The true draw counts: the shipped scenarios do not all run the same number.
        XCTAssertTrue(e1.range(of: #"coopsim run: \d+ scenarios, (\d+ draws each|\d+ to \d+ draws per scenario \(\d+ in all\))"#,
                               options: .regularExpression) != nil, e1)
        let commands = try readmeSession()
        XCTAssertGreaterThanOrEqual(commands.count, 4, "\(commands)")
        for c in commands {
            _ = try CLI.run(Array(c.dropFirst()), cwd: work)
        }
        let out = work.appendingPathComponent("out")
        let session = listing(out).filter { !$0.key.hasPrefix("/shipped/") }
        XCTAssertFalse(session.isEmpty, "the README session wrote nothing under out/")
        XCTAssertTrue(session.keys.contains("/hcmc/targets.csv") && session.keys.contains("/hcmc-compare/report.vi.html"), "\(session.keys.sorted())")
        let (s2, e2) = try runScript(work)
        XCTAssertEqual(s2, 0, e2)
        let after = listing(out)
        for (k, v) in session { XCTAssertEqual(after[k], v, "out\(k) was changed or removed by the second make run") }
        XCTAssertTrue(after.keys.contains("/shipped/all/summary.csv"))
    }
}
