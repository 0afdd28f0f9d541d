import XCTest
@testable import CoopData

/// Bad input never traps: random formulas and random CSV bytes either parse or throw `InputError`.
final class RobustnessTests: XCTestCase {
    func testRandomFormulasParseOrThrowInputError() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = SplitMix64(seed: seed)
        let pieces = ["y", "x", "g", "~", "+", "-", "*", "/", ":", "^", "**", "(", ")", ",", "=", "0", "1", "2.5",
                      "log", "lag", "C", "I", "Q", "Treatment", "reference", "'a'", "\"b\"", "normal", " ", "diff", "e", "$"]
        let data = try CSVReader.parse(text: "y,x,g\n1,2,a\n2,3,b\n3,5,a\n4,4,b\n")
        for _ in 0..<4000 {
            let count = Int(g.next() % 12) + 1
            var text = ""
            for _ in 0..<count { text += pieces[Int(g.next() % UInt64(pieces.count))] }
            do {
                let f = try Formula.parse(text)
                _ = try? DesignMatrix.build(formula: f, data: data)
            } catch is InputError {
            } catch {
                XCTFail("seed \(seed): '\(text)' threw \(error), not an InputError")
            }
            do { _ = try Expression.parse(text) } catch is InputError {} catch {
                XCTFail("seed \(seed): expression '\(text)' threw \(error)")
            }
        }
    }

    func testRandomCSVBytesParseOrThrowInputError() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var g = SplitMix64(seed: seed)
        let alphabet: [[UInt8]] = [[0x2C], [0x22], [0x0A], [0x0D], [0x0D, 0x0A], Array("1".utf8), Array("-2.5e3".utf8),
                                   Array("NA".utf8), Array("ả".utf8), [0xFF], [0xE1, 0xBA], Array("a".utf8), [0x20], [0xEF, 0xBB, 0xBF]]
        for _ in 0..<4000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(g.next() % 24) { bytes += alphabet[Int(g.next() % UInt64(alphabet.count))] }
            do {
                let t = try CSVReader.parse(bytes: bytes, source: "r.csv")
                XCTAssertGreaterThan(t.rowCount, 0, "seed \(seed)")
            } catch is InputError {
            } catch {
                XCTFail("seed \(seed): \(bytes) threw \(error)")
            }
        }
    }
}
