import Foundation
import XCTest

/// Lines of a committed fixture file, without comments and blank lines.
func fixtureLines(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[Substring]] {
    let url = try XCTUnwrap(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/\(name)"),
                            "no resource folder", file: file, line: line)
    let text = try String(contentsOf: url, encoding: .utf8)
    return text.split(separator: "\n")
        .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        .map { $0.split(separator: " ") }
}

func hex32(_ s: Substring) -> UInt32 { UInt32(s, radix: 16)! }
func hex64(_ s: Substring) -> UInt64 { UInt64(s, radix: 16)! }
