import Foundation
import XCTest
@testable import CoopData

/// The TOML reader against Python's tomllib (scripts/fixtures/toml_reference.py
/// wrote the JSON beside each fixture), and its error locations.
final class TOMLTests: XCTestCase {
    func fixture(_ name: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/toml").appendingPathComponent(name)
    }

    /// Converts a parsed node to the same plain shape as JSONSerialization's output.
    func plain(_ node: TOMLNode) -> Any {
        switch node.value {
        case .string(let s): return s
        case .integer(let i): return NSNumber(value: i)
        case .float(let d): return NSNumber(value: d)
        case .boolean(let b): return NSNumber(value: b)
        case .array(let a): return a.map(plain)
        case .table(let t): return plainTable(t)
        }
    }

    func plainTable(_ t: TOMLTable) -> [String: Any] {
        var d: [String: Any] = [:]
        for e in t.entries { d[e.key] = plain(e.node) }
        return d
    }

    func testAgreesWithTomllib() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture("").path).filter { $0.hasSuffix(".toml") }
        XCTAssertFalse(files.isEmpty)
        for f in files {
            let doc = try TOMLParser.parse(contentsOf: fixture(f).path)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture(f.replacingOccurrences(of: ".toml", with: ".json"))))
            let ours = plainTable(doc.root) as NSDictionary
            XCTAssertEqual(ours, json as? NSDictionary, "\(f) differs from tomllib")
        }
    }

    func testKeepsLinesOfKeys() throws {
        let doc = try TOMLParser.parse(contentsOf: fixture("scenario_like.toml").path)
        let levers = try XCTUnwrap(doc.root["levers"]?.tableValue)
        XCTAssertEqual(levers.entry("promotion")?.keyLine, 20)
        let targets = try XCTUnwrap(doc.root["targets"]?.arrayValue)
        XCTAssertEqual(targets.count, 2)
        XCTAssertEqual(targets[1].tableValue?.entry("value")?.keyLine, 35)
        XCTAssertEqual(doc.root.entry("draws")?.node.numberValue, 10_000)
    }

    func assertError(_ text: String, line: Int, contains: String, file: StaticString = #filePath, sourceLine: UInt = #line) {
        do {
            _ = try TOMLParser.parse(text, file: "x.toml")
            XCTFail("expected an error for \(text.debugDescription)", file: file, line: sourceLine)
        } catch {
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: sourceLine)
            XCTAssertTrue(error.description.hasPrefix("x.toml:\(line):"), error.description, file: file, line: sourceLine)
            XCTAssertTrue(error.description.contains(contains), error.description, file: file, line: sourceLine)
        }
    }

    func testErrorsAreLocated() {
        assertError("a = 1\nb = \n", line: 2, contains: "expected a value")
        assertError("a = 1\na = 2\n", line: 2, contains: "the first is on line 1")
        assertError("[t]\nx=1\n[t]\n", line: 3, contains: "each table defined once")
        assertError("name = hcmc\n", line: 1, contains: "put text in double quotes")
        assertError("s = \"open\n", line: 1, contains: "closing")
        assertError("l = [1, 2\n", line: 2, contains: "array opened on line 1")
        assertError("x = 1 2\n", line: 1, contains: "end of line")
        assertError("d = 2024-01-01\n", line: 1, contains: "dates")
        assertError("t = { a = 1\n", line: 1, contains: "inline table")
        assertError("v = 1.\n", line: 1, contains: "'1.'")
    }

    func testRejectsInvalidUTF8AndEmptyFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-toml-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.toml")
        try Data([0x61, 0x20, 0x3D, 0x20, 0x22, 0xC3, 0x28, 0x22, 0x0A]).write(to: bad)
        XCTAssertThrowsError(try TOMLParser.parse(contentsOf: bad.path)) { e in
            XCTAssertTrue("\(e)".contains("UTF-8"), "\(e)")
        }
        let empty = dir.appendingPathComponent("empty.toml")
        try Data("  \n# only a comment? no: blank\n".utf8).write(to: empty)
        try Data("\n \n".utf8).write(to: empty)
        XCTAssertThrowsError(try TOMLParser.parse(contentsOf: empty.path)) { e in
            XCTAssertTrue("\(e)".contains("empty"), "\(e)")
        }
    }
}
