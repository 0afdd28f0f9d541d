import XCTest
@testable import CoopData

final class CSVReaderTests: XCTestCase {
    func testBOMQuotesCRLFAndVietnameseText() throws {
        let text = "\u{FEFF}name,value,note\r\n\"Hải Phòng\",1.5,\"a, b\"\r\n\"Thành phố Hồ Chí Minh\",2,\"line1\r\nline2 \"\"q\"\"\"\r\nĐà Nẵng,NA,x\r\n"
        let t = try CSVReader.parse(text: text, source: "t.csv")
        XCTAssertEqual(t.names, ["name", "value", "note"])
        XCTAssertEqual(t.rowCount, 3)
        XCTAssertEqual(t["name"], .text(["Hải Phòng", "Thành phố Hồ Chí Minh", "Đà Nẵng"]))
        XCTAssertEqual(t["note"], .text(["a, b", "line1\r\nline2 \"q\"", "x"]))
        guard case .numeric(let v)? = t["value"] else { return XCTFail("value should be numeric") }
        XCTAssertEqual(v[0], 1.5)
        XCTAssertEqual(v[1], 2)
        XCTAssertTrue(v[2].isNaN)
        XCTAssertEqual(t.rowLines, [2, 3, 5], "rows start on lines 2, 3 and 5 (row 2 spans two lines)")
    }

    func testLFWithoutFinalNewlineAndBlankLines() throws {
        let t = try CSVReader.parse(text: "a,b\n1,2\n\n3,4")
        XCTAssertEqual(t.rowCount, 2)
        XCTAssertEqual(t["b"], .numeric([2, 4]))
        XCTAssertEqual(t.rowLines, [2, 4])
        let lonelyCR = try CSVReader.parse(text: "a,b\r1,2\r3,4\r")
        XCTAssertEqual(lonelyCR["a"], .numeric([1, 3]))
    }

    func testMissingMarkersAndTypeInference() throws {
        let t = try CSVReader.parse(text: "m,t,q\n,x,\"7\"\nNA,NA,8\nNaN,,9\nnan,y,\" 10 \"\n.,z,1e3\n4, 5 ,-2.5E-1\n")
        guard case .numeric(let m)? = t["m"] else { return XCTFail("m should be numeric") }
        XCTAssertEqual(m.prefix(5).filter(\.isNaN).count, 5, "'', NA, NaN, nan and . are missing")
        XCTAssertEqual(m[5], 4)
        XCTAssertEqual(t["t"], .text(["x", nil, nil, "y", "z", " 5 "]), "a text column keeps cells as written")
        XCTAssertEqual(t["q"], .numeric([7, 8, 9, 10, 1000, -0.25]), "quoted numbers and spaces around numbers")
    }

    func testAllMissingColumnIsNumeric() throws {
        let t = try CSVReader.parse(text: "a,b\n1,\n2,NA\n")
        XCTAssertTrue(t["b"]!.isNumeric)
    }

    func testNumbersAreCorrectlyRounded() throws {
        // Outside truth: Swift's Double(String), a correctly rounded parser independent of ours.
        var rng = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
        var g = SplitMix64(seed: seed)
        var cells: [String] = ["0.1", "-0", "4.9e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
                               "1e400", "-inf", "Infinity", "123456789012345678901234567890", "0.000000000000000000000000001",
                               "9007199254740993", "1e22", "1e23", "3.14159265358979323846264338327950288"]
        for _ in 0..<3000 {
            let bits = g.next()
            let v = Double(bitPattern: bits)
            guard v.isFinite else { continue }
            cells.append("\(v)")
            let digits = Int(g.next() % 17) + 1
            cells.append(String(format: "%.\(digits)e", v))
            cells.append(String(format: "%.\(digits)f", Double(Int64(bitPattern: g.next()) % 1_000_000_000) / 1000))
        }
        let t = try CSVReader.parse(text: "v\n" + cells.joined(separator: "\n"))
        guard case .numeric(let parsed)? = t["v"] else { return XCTFail("seed \(seed): column should be numeric") }
        for (cell, value) in zip(cells, parsed) {
            let expected = Double(cell)!
            XCTAssertEqual(value.bitPattern, expected.bitPattern, "seed \(seed): '\(cell)' read as \(value), expected \(expected)")
        }
    }

    func testRaggedRowNamesTheLine() {
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,2\n\"x\ny\",4,5\n", source: "d.csv")) { e in
            let e = e as! InputError
            XCTAssertEqual(e.line, 3)
            XCTAssertEqual(e.description, "d.csv:3: expected 2 fields as in the header, got 3")
        }
    }

    func testInvalidUTF8GivesLineAndOffset() {
        let bytes: [UInt8] = Array("a,b\n1,x\n2,".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        XCTAssertThrowsError(try CSVReader.parse(bytes: bytes, source: "bad.csv")) { e in
            let e = e as! InputError
            XCTAssertEqual(e.line, 3)
            XCTAssertTrue(e.description.contains("0xC3 at byte offset 10"), e.description)
        }
        // Overlong encoding and surrogates are invalid too.
        XCTAssertThrowsError(try CSVReader.parse(bytes: Array("a\n".utf8) + [0xC0, 0xAF], source: "o.csv"))
        XCTAssertThrowsError(try CSVReader.parse(bytes: Array("a\n".utf8) + [0xED, 0xA0, 0x80], source: "s.csv"))
    }

    func testStructuralErrors() {
        func message(_ text: String) -> String {
            do { _ = try CSVReader.parse(text: text, source: "f.csv"); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(""), "f.csv: expected a header row, got an empty file")
        XCTAssertEqual(message("\u{FEFF}"), "f.csv: expected a header row, got an empty file")
        XCTAssertEqual(message("a,b\n"), "f.csv:1: expected at least one data row after the header, got none")
        XCTAssertEqual(message("a,b,a\n1,2,3\n"), "f.csv:1: header: expected unique column names, got 'a' as both column 1 and column 3")
        XCTAssertEqual(message("a,,c\n1,2,3\n"), "f.csv:1: header: expected a name for column 2, got an empty name")
        XCTAssertEqual(message("a,b\n\"1,2\n"), "f.csv:2: field 1: expected a closing double quote, got the end of the file")
        XCTAssertEqual(message("a,b\n\"1\"x,2\n"), "f.csv:2: field 1: expected a comma or the end of the line after a closing quote, got 'x'")
    }

    func testReadFromFileAndMissingFile() throws {
        let path = NSTemporaryDirectory() + "coopdata-\(UInt32.random(in: 0...UInt32.max)).csv"
        try "tỉnh,năm\nHải Phòng,2020\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t = try CSVReader.read(path: path)
        XCTAssertEqual(t.source, path)
        XCTAssertEqual(t["tỉnh"], .text(["Hải Phòng"]))
        XCTAssertThrowsError(try CSVReader.read(path: path + ".absent")) { e in
            XCTAssertTrue("\(e)".hasSuffix("expected a readable file, got no such file or directory"), "\(e)")
        }
    }

    func testUnknownColumnSuggestsClosest() throws {
        let t = try CSVReader.parse(text: "support,coops\n1,2\n", source: "p.csv")
        XCTAssertThrowsError(try t.numeric("suport", field: "formula")) { e in
            XCTAssertEqual("\(e)", "p.csv: formula: expected a column of p.csv, got 'suport' (did you mean 'support'?)")
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014), for seeded test sweeps.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
