import Foundation
@testable import CoopData
import XCTest

/// The libFuzzer targets' seed corpora (Fuzz/Corpus/, run for minutes by `make fuzz`) replayed
/// through the same parsers in the ordinary test run, with every one-byte truncation and a few
/// byte flips of each seed: each input gives a value or a located `InputError`, never a trap.
/// About 0.5 s.
final class FuzzCorpusTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    func inputs(_ target: String) throws -> [[UInt8]] {
        let dir = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertFalse(names.isEmpty, "no seeds in \(dir.path)")
        var out: [[UInt8]] = []
        for n in names {
            let seed = [UInt8](try Data(contentsOf: dir.appendingPathComponent(n)))
            out.append(seed)
            // Truncations at 16 points and bytes replaced by the characters parsers treat specially.
            for k in stride(from: 0, to: seed.count, by: max(1, seed.count / 16)) {
                out.append(Array(seed[..<k]))
                for b: UInt8 in [0x00, 0x0D, 0x22, 0x2C, 0x3B, 0x5B, 0x7B, 0x5C, 0xFF, 0x28] {
                    var m = seed
                    m[k] = b
                    out.append(m)
                }
            }
        }
        return out
    }

    /// An error, if any, must be an `InputError` (a located message), never anything else.
    func located(_ body: () throws -> Void) {
        do { try body() } catch is InputError {} catch is InputErrors {} catch { XCTFail("not a located error: \(error)") }
    }

    func testCSVCorpus() throws {
        for bytes in try inputs("csv") {
            for dialect in [CSVDialect.standard, CSVDialect(delimiter: ";", decimalMark: ",")] {
                located {
                    let t = try CSVReader.parse(bytes: bytes, source: "fuzz.csv", dialect: dialect)
                    for (j, c) in t.columns.enumerated() { if case .text(let cells) = c { _ = ColumnTypingRules.categoricalNote(column: t.names[j], cells: cells) } }
                }
            }
        }
    }

    func testTOMLCorpus() throws {
        for bytes in try inputs("toml") {
            located { _ = try TOMLParser.parse(bytes: bytes, file: "fuzz.toml") }
        }
    }

    func testFormulaCorpus() throws {
        for bytes in try inputs("formula") {
            let text = String(decoding: bytes, as: UTF8.self)
            located { _ = try Formula.parse(text) }
            located { _ = try CoopData.Expression.parse(text) }
        }
    }
}
