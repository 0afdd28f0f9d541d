import Foundation
import XCTest

/// What a user reads lives in the repository (README.md, Guides/, comments, scenario files):
/// no file the repository tracks may point at material outside it, such as the planning folder
/// beside the checkout or its product contract, which a user of a clone never has.
final class RepositoryTextTests: XCTestCase {
    /// Names that only make sense outside the repository, each with the reason a user would stumble.
    static let outsideReferences: [(pattern: String, why: String)] = [
        ("../shared", "a folder beside the checkout"),
        ("/work/shared", "a folder on the developers' machine"),
        ("SPEC.md", "a contract that is not in the repository (the README and Guides/ are)"),
        ("DOMAIN.md", "a domain note that is not in the repository"),
        ("STYLE.md", "a style note that is not in the repository"),
    ]

    /// Every tracked text file (`git ls-files`), except this test itself, is free of the names above.
    func testNoFileReferencesMaterialOutsideTheRepository() throws {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", CLI.root.path, "ls-files", "-z"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        do { try git.run() } catch { throw XCTSkip("git is not available: \(error)") }
        let listing = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { throw XCTSkip("not a git checkout (an exported tree): nothing to list") }
        let files = listing.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertGreaterThan(files.count, 100, "git ls-files listed too few files")
        var found: [String] = []
        for file in files where !file.hasSuffix("RepositoryTextTests.swift") {
            guard let data = FileManager.default.contents(atPath: CLI.root.appendingPathComponent(file).path),
                  !data.contains(0), let text = String(data: data, encoding: .utf8) else { continue }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for r in Self.outsideReferences where line.contains(r.pattern) {
                    found.append("\(file):\(number + 1): '\(r.pattern)' names \(r.why)")
                }
            }
        }
        XCTAssertEqual(found, [], "files point outside the repository:\n" + found.joined(separator: "\n"))
    }
}
