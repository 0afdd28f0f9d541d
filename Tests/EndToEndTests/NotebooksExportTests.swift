import Foundation
import XCTest

/// Notebooks-export/ is up to date: regenerating it with scripts/export-notebooks.sh gives the
/// committed files byte for byte; the exported notebooks are valid nbformat 4 and run in Jupyter.
final class NotebooksExportTests: XCTestCase {
    func listing(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in e where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.path.dropFirst(dir.path.count))] = try Data(contentsOf: url)
        }
        return out
    }

    func testExportIsUpToDate() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createSymbolicLink(at: work.appendingPathComponent("Scenarios"),
                                                   withDestinationURL: CLI.root.appendingPathComponent("Scenarios"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.root.appendingPathComponent("scripts/export-notebooks.sh").path, CLI.binary.path, work.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let fresh = try listing(work.appendingPathComponent("Notebooks-export"))
        let committed = try listing(CLI.root.appendingPathComponent("Notebooks-export"))
        XCTAssertEqual(Set(fresh.keys), Set(committed.keys), "files differ: run `make notebooks`")
        XCTAssertGreaterThanOrEqual(fresh.count, 5 * 11)
        for (k, v) in fresh where committed[k] != v {
            XCTFail("Notebooks-export\(k) is out of date: run `make notebooks`")
        }
    }

    func testExportedNotebooksValidateAndRun() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import nbformat, nbconvert, matplotlib, pandas"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        try XCTSkipIf(probe.terminationStatus != 0, "nbformat/nbconvert/matplotlib/pandas not installed (scripts/setup.sh installs them)")
        // One English and one Vietnamese notebook (every notebook shares the same code cells).
        for nb in ["hcmc/report.ipynb", "haiphong/report.vi.ipynb"] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", CLI.root.appendingPathComponent("scripts/check_notebook.py").path,
                           CLI.root.appendingPathComponent("Notebooks-export/" + nb).path]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, "\(nb): \(msg)")
        }
    }
}
