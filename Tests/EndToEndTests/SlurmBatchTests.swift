import Foundation
import XCTest

/// A 4-shard batch on a real Slurm (a private cluster started for the test on this machine):
/// scripts/slurm-batch-test.sh does the work and says what it checked; skipped only when Slurm
/// cannot be installed (scripts/setup.sh installs slurm-wlm and munge).
final class SlurmBatchTests: XCTestCase {
    func testFourShardBatchOnSlurmEqualsSingleRunAndResumes() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [CLI.root.appendingPathComponent("scripts/slurm-batch-test.sh").path, CLI.binary.path]
        p.currentDirectoryURL = CLI.root
        p.standardInput = FileHandle.nullDevice
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("slurm-test-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: err) }
        let handle = try FileHandle(forWritingTo: err)
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        p.waitUntilExit()
        try handle.close()
        let log = try String(contentsOf: err, encoding: .utf8)
        if p.terminationStatus == 77 { throw XCTSkip("Slurm is not installed here: " + log) }
        XCTAssertEqual(p.terminationStatus, 0, log)
        print(log)
    }
}
