import Foundation
import XCTest

/// Runs the real `coopsim` binary and captures what it prints and its exit status.
enum CLI {
    /// The package root (Tests/EndToEndTests/CLI.swift is two folders down).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `COOPSIM_BIN` when set (the Makefile points it at the release build), else the debug build.
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["COOPSIM_BIN"], FileManager.default.isExecutableFile(atPath: p) {
            return URL(fileURLWithPath: p)
        }
        return root.appendingPathComponent(".build/debug/coopsim")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:], shell: String? = nil) throws -> Result {
        let p = Process()
        // With `shell`, /bin/sh runs that command line instead (a limit or a trap before `exec`).
        p.executableURL = shell == nil ? binary : URL(fileURLWithPath: "/bin/sh")
        p.arguments = shell.map { ["-c", $0] } ?? args
        p.currentDirectoryURL = cwd ?? root
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        // Output goes to temporary files (no pipe can fill up and block the child).
        let dir = FileManager.default.temporaryDirectory
        let outURL = dir.appendingPathComponent("coopsim-out-\(UUID().uuidString)")
        let errURL = dir.appendingPathComponent("coopsim-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let outHandle = try FileHandle(forWritingTo: outURL), errHandle = try FileHandle(forWritingTo: errURL)
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Tests/EndToEndTests/Fixtures").appendingPathComponent(name).path
    }

    static func temporaryDirectory() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

/// Relative difference with a floor for values near zero.
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(b), 1e-8)
}
