import Foundation
import XCTest

/// `coopsim serve` end to end: the API against the real binary (Explorer/api_test.py) and the page in a
/// real browser, Debian's chromium driven by Selenium (Explorer/browser_test.py). Both compare what the
/// explorer shows with `coopsim run` of the saved scenario file, byte for byte. Loopback only.
final class ExplorerTests: XCTestCase {
    static let folder = CLI.root.appendingPathComponent("Tests/EndToEndTests/Explorer")

    /// Runs `python3 SCRIPT BINARY`, its output kept in temporary files.
    func python(_ script: String, _ args: [String] = []) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.folder.appendingPathComponent(script).path, CLI.binary.path] + args
        p.currentDirectoryURL = CLI.root
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-explorer-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let h = try FileHandle(forWritingTo: log)
        p.standardOutput = h
        p.standardError = h
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try h.close()
        return (p.terminationStatus, String(decoding: try Data(contentsOf: log), as: UTF8.self))
    }

    func testAPIAnswersLikeTheCommandLineAndRefusesBadRequests() throws {
        let r = try python("api_test.py")
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("explorer API: all checks passed"), r.output)
    }

    func testPageInChromiumShowsWhatRunWrites() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: "/usr/bin/chromium"), fm.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            throw XCTSkip("Debian's chromium and chromium-driver are not installed (scripts/setup.sh installs them): browser test skipped")
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import selenium"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            throw XCTSkip("Selenium is not installed for python3 (scripts/setup.sh installs it): browser test skipped")
        }
        let r = try python("browser_test.py")
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("explorer in the browser: all checks passed"), r.output)
    }
}
