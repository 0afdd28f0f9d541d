import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import CoopData

/// The CSV reader's number conversion (fast_float through CFastFloat) against glibc's `strtod`,
/// which is correctly rounded: the outside truth here.
final class CSVNumberTests: XCTestCase {
    /// strtod of the whole string, or nil when it does not consume it all.
    func strtodValue(_ s: String) -> Double? {
        s.withCString { c -> Double? in
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(c, &end)
            return end! - UnsafeMutablePointer(mutating: c) == strlen(c) ? v : nil
        }
    }

    func assertSame(_ cells: [String], decimalMark: Character = ".", file: StaticString = #filePath, line: UInt = #line) throws {
        let dialect = decimalMark == "." ? CSVDialect.standard : CSVDialect(delimiter: ";", decimalMark: ",")
        let text = "v\n" + cells.map { decimalMark == "." ? $0 : $0.replacingOccurrences(of: ".", with: ",") }.joined(separator: "\n") + "\n"
        let t = try CSVReader.parse(text: text, source: "n.csv", dialect: dialect)
        guard case .numeric(let parsed)? = t["v"] else { return XCTFail("column should be numeric", file: file, line: line) }
        XCTAssertEqual(parsed.count, cells.count, file: file, line: line)
        for (cell, value) in zip(cells, parsed) {
            guard let expected = strtodValue(cell) else { return XCTFail("strtod refuses '\(cell)'", file: file, line: line) }
            XCTAssertEqual(value.bitPattern, expected.bitPattern, "'\(cell)': read \(value), strtod \(expected)", file: file, line: line)
        }
    }

    /// 20,000 random 17-significant-digit values as pandas writes them (repr), plus 15- to
    /// 25-digit mantissas with random exponents: every one bit for bit equal to strtod's.
    func testRandomManyDigitValuesMatchStrtod() throws {
        var g = SplitMix64(seed: 20261129)
        var cells: [String] = []
        for _ in 0..<10_000 {
            // A finite double from random bits, printed with 17 significant digits.
            var v = Double(bitPattern: g.next())
            if !v.isFinite { v = 1.5 }
            cells.append(String(format: "%.16e", v))
            // 17 digits in fixed notation near 1, as in a column of pandas' output.
            let u = Double(g.next() >> 11) * 0x1p-53 * 20 - 10
            cells.append(String(format: "%.17g", u))
        }
        for _ in 0..<5_000 {
            let digits = 15 + Int(g.next() % 11)
            var m = String(g.next() % 9 + 1)
            for _ in 1..<digits { m += String(g.next() % 10) }
            let e = Int(g.next() % 660) - 340
            cells.append(m + "e" + String(e))
            let dot = Int(g.next() % UInt64(digits))
            cells.append((g.next() & 1 == 0 ? "-" : "") + String(m.prefix(dot)) + "." + String(m.dropFirst(dot)))
        }
        try assertSame(cells)
    }

    func testEdgeCasesMatchStrtod() throws {
        try assertSame([
            "0", "-0", "+0", "-0.0", "0e999", "1e308", "1.7976931348623157e308", "1.7976931348623158e308",
            "1.7976931348623159e308", "1e309", "-1e400", "2.2250738585072014e-308", "2.2250738585072011e-308",
            "4.9406564584124654e-324", "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400",
            "9007199254740993", "9007199254740992.5", "18446744073709551616", "0.1", "0.3", "+.5", "5.", "-.5e-3",
            "123456789012345678901234567890123456789012345678901234567890e-40",
            "0.00000000000000000000000000000000000000000000000000000000000000000000000001",
            "1.00000000000000011102230246251565404236316680908203125",  // exactly halfway: ties to even
            "1.00000000000000011102230246251565404236316680908203126",  // just above halfway
            "7.2057594037927933e16", "1e22", "1e23", "8.98846567431158e307", "inf", "-Infinity", "+INF",
        ])
        let t = try CSVReader.parse(text: "v\n-0\n")
        guard case .numeric(let v)? = t["v"] else { return XCTFail("numeric") }
        XCTAssertEqual(v[0].sign, .minus, "-0 keeps its sign")
    }

    func testCommaDecimalMark() throws {
        try assertSame(["1.5", "-0.25", "3", "1.0000000000000002", "6.02214076e23"], decimalMark: ",")
        let t = try CSVReader.parse(text: "a;b\n1,5;x\n\"2,25\";y\n", dialect: CSVDialect(delimiter: ";", decimalMark: ","))
        XCTAssertEqual(t["a"], .numeric([1.5, 2.25]))
        XCTAssertEqual(t["b"], .text(["x", "y"]))
        // With the standard dialect the same cells are text (a comma is not a decimal point there).
        XCTAssertFalse(CSVReader.isNumber("1,5"))
        XCTAssertTrue(CSVCellRules.isNumber("1,5", decimalMark: 0x2C))
    }

    func testNotNumbers() {
        for s in ["+-1", "--1", "-", "+", "1e", "1e+", "e5", "0x1p3", "nan", "NAN", "-nan", "nan(1)", "infin", "1.2.3",
                  "1 2", "1_000", "١٢", "1e5x", "′1"] {
            XCTAssertFalse(CSVReader.isNumber(s), s)
        }
    }

    /// The one-pass fast path (unquoted cells parsed where they stand) and the general record
    /// path (taken for quoted cells) read the same table: every cell quoted forces the general path.
    func testFastPathAgreesWithGeneralPath() throws {
        var g = SplitMix64(seed: 7)
        let choices = ["1", "-2.5", " 3 ", "NA", "", ".", "4e-3", "inf", "1e", "x", "0x10", "1.5e+300", "-0", "nan", "12a"]
        for trial in 0..<200 {
            let width = Int(g.next() % 4) + 1, rows = Int(g.next() % 6) + 1
            var cells: [[String]] = []
            for _ in 0..<rows { cells.append((0..<width).map { _ in choices[Int(g.next() % UInt64(choices.count))] }) }
            // A first column of 1s keeps rows from being blank lines (an unquoted lone empty cell).
            let header = "k," + (0..<width).map { "c\($0)" }.joined(separator: ",")
            let ends = ["\n", "\r\n", "\r"]
            let end = ends[trial % 3]
            let plain = header + end + cells.map { "1," + $0.joined(separator: ",") }.joined(separator: end) + (trial % 2 == 0 ? end : "")
            let quoted = header + end + cells.map { "\"1\"," + $0.map { "\"\($0)\"" }.joined(separator: ",") }.joined(separator: end) + end
            let a = try CSVReader.parse(text: plain, source: "a.csv"), b = try CSVReader.parse(text: quoted, source: "b.csv")
            XCTAssertEqual(a.names, b.names)
            for name in a.names {
                switch (a[name]!, b[name]!) {
                case (.numeric(let x), .numeric(let y)):
                    XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), "trial \(trial) column \(name): \(plain.debugDescription)")
                case (.text(let x), .text(let y)):
                    // Quoted cells keep their spaces and a quoted "" is missing too: compare trimmed.
                    XCTAssertEqual(x.map { $0?.trimmingCharacters(in: .whitespaces) }, y.map { $0?.trimmingCharacters(in: .whitespaces) },
                                   "trial \(trial) column \(name)")
                default:
                    XCTFail("trial \(trial) column \(name): types differ for \(plain.debugDescription)")
                }
            }
            XCTAssertEqual(a.rowLines.count, rows)
        }
        // Ragged rows after fast-path rows are still located.
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,2\n3,4\n5\n", source: "r.csv")) { e in
            XCTAssertEqual((e as! InputError).description, "r.csv:4: expected 2 fields as in the header, got 1")
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,2\n3,4,\n", source: "r.csv")) { e in
            XCTAssertEqual((e as! InputError).description, "r.csv:3: expected 2 fields as in the header, got 3")
        }
        // A trailing delimiter at the very end of the file is an empty last field.
        guard case .numeric(let last)? = try CSVReader.parse(text: "a,b\n1,2\n3,")["b"] else { return XCTFail("b numeric") }
        XCTAssertEqual(last.count, 2)
        XCTAssertEqual(last[0], 2)
        XCTAssertTrue(last[1].isNaN)
    }

    /// The eight-digits-at-a-time scan (CFastFloat): every split of 1 to 19 digits around the
    /// mark, with and without sign and exponent, as the last cell (fewer than eight bytes left,
    /// one digit at a time) and followed by other cells (eight at a time, the run's end found
    /// inside a word); 20 and more digits go to fast_float's own parser. Each equal to strtod.
    func testDigitRunsOfEveryLengthMatchStrtod() throws {
        var g = SplitMix64(seed: 13)
        var cells: [String] = []
        for total in 1...22 {
            for before in 0...total {
                var d = ""
                for k in 0..<total { d += String(k == 0 && total > 1 ? g.next() % 9 + 1 : g.next() % 10) }
                let m = before == total ? d : String(d.prefix(before)) + "." + String(d.dropFirst(before))
                let sign = ["", "-", "+"][Int(g.next() % 3)]
                cells.append(sign + m)
                cells.append(sign + m + "e" + String(Int(g.next() % 80) - 40))
                cells.append(sign + m + "E+" + String(g.next() % 300))
            }
        }
        // As the only column, one cell a line (each followed by a line end).
        try assertSame(cells)
        // In the first of two columns: each cell followed by a delimiter and more digits.
        let text = "a,b\n" + cells.map { $0 + ",12345678901234567" }.joined(separator: "\n") + "\n"
        let t = try CSVReader.parse(text: text, source: "two.csv")
        guard case .numeric(let a)? = t["a"] else { return XCTFail("column a should be numeric") }
        for (cell, value) in zip(cells, a) {
            XCTAssertEqual(value.bitPattern, strtodValue(cell)?.bitPattern, "'\(cell)'")
        }
        // The same cells at the very end of the bytes (no line end): fewer than eight bytes left.
        for cell in cells.prefix(200) {
            let t = try CSVReader.parse(text: "v\n" + cell, source: "end.csv")
            guard case .numeric(let v)? = t["v"] else { return XCTFail("'\(cell)' should be numeric") }
            XCTAssertEqual(v[0].bitPattern, strtodValue(cell)?.bitPattern, "'\(cell)' at the end")
        }
    }

}
