import Foundation
import XCTest
@testable import CoopData

/// Hostile input found by QA: each case used to crash, hang or mislead, and is now an
/// `InputError` that names the place and says what to change.
final class HostileInputTests: XCTestCase {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    /// 5,000 nested parentheses overflowed the stack (signal 11); now bounded by a nesting limit.
    func testDeepNestingIsAnErrorNotAStackOverflow() {
        let parens = "y ~ " + String(repeating: "(", count: 5000) + "x" + String(repeating: ")", count: 5000)
        XCTAssertTrue(message { _ = try Formula.parse(parens) }.contains("expected at most 200 nested parentheses"))
        let calls = "y ~ " + String(repeating: "log(", count: 5000) + "x" + String(repeating: ")", count: 5000)
        XCTAssertTrue(message { _ = try Formula.parse(calls) }.contains("expected at most 200 nested"))
        let signs = String(repeating: "-", count: 100_000) + "x"
        XCTAssertTrue(message { _ = try Expression.parse(signs) }.contains("expected at most 200 nested"))
        // Just inside the limits still parses.
        XCTAssertNoThrow(try Formula.parse("y ~ " + String(repeating: "(", count: 150) + "x" + String(repeating: ")", count: 150)))
    }

    /// A left-deep chain `x+x+...` has no parser recursion but a deep tree (evaluation recurses).
    func testLongOperatorChainIsBounded() throws {
        let long = "y ~ I(" + Array(repeating: "x", count: 60_000).joined(separator: "+") + ")"
        XCTAssertTrue(message { _ = try Formula.parse(long) }.contains("expected an expression at most 1000 operations deep"))
        let ok = "y ~ I(" + Array(repeating: "x", count: 900).joined(separator: "+") + ")"
        let f = try Formula.parse(ok)
        let t = try CSVReader.parse(text: "y,x\n1,1\n2,2\n3,4\n")
        let d = try DesignMatrix.build(formula: f, data: t)
        XCTAssertEqual(d.X[2, 1], 3600)  // 900 * 4, the closed form
    }

    /// `a*b*c*...` with 30 factors is 2^30 terms: it hung; now an error at the offending '*'.
    func testExponentialExpansionIsAnError() {
        let f = "y ~ " + (0..<30).map { "x\($0)" }.joined(separator: " * ")
        let m = message { _ = try Formula.parse(f) }
        XCTAssertTrue(m.contains("expected a formula of at most 10000 terms"), m)
        XCTAssertTrue(m.contains("at '*'"), m)
        XCTAssertTrue(message { _ = try Formula.parse("y ~ (a+b+c+d+e+f+g+h+i+j+k+l+m+n+o)**15") }.contains("at most 10000 terms"))
    }

    /// 10,000 distinct terms took quadratic time (4 s for 2,000 in debug); now linear.
    func testTenThousandTermsParseQuickly() throws {
        let text = "y ~ " + (0..<10_000).map { "I(x + \($0))" }.joined(separator: " + ")
        let start = Date()
        let f = try Formula.parse(text)
        XCTAssertEqual(f.terms.count, 10_000)
        XCTAssertEqual(f.terms[9_999].name, "I(x + 9999)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    /// A numeric column with one stray cell became a text column and then a categorical
    /// (`x[T.abc]`) or "text such as '2'": now the stray cell is named with its line.
    func testStrayTextCellInNumericColumnIsLocated() throws {
        let t = try CSVReader.parse(text: "y,x\n1,2\n2,abc\n3,5\n4,4\n5,7\n", source: "d.csv")
        let bare = message { _ = try DesignMatrix.build(formula: Formula.parse("y ~ x"), data: t) }
        XCTAssertEqual(bare, "d.csv:3: x: expected a number in every cell (x is used as a number in the formula), got 'abc' (fix the cell, or write C(x) to treat the column as categorical)")
        let inside = message { _ = try DesignMatrix.build(formula: Formula.parse("y ~ log(x)"), data: t) }
        XCTAssertTrue(inside.hasPrefix("d.csv:3: x: expected a number in every cell"), inside)
        let response = message { _ = try DesignMatrix.build(formula: Formula.parse("x ~ y"), data: t) }
        XCTAssertTrue(response.hasPrefix("d.csv:3: x: expected a number in every cell (x is used as a number in the response)"), response)
        // C(x) asks for a categorical: accepted, levels as text.
        let d = try DesignMatrix.build(formula: Formula.parse("y ~ C(x)"), data: t)
        XCTAssertTrue(d.columnNames.contains("C(x)[T.abc]"))
        // A genuine text column used bare stays categorical (patsy).
        let g = try CSVReader.parse(text: "y,g\n1,a\n2,b\n3,a\n", source: "g.csv")
        XCTAssertEqual(try DesignMatrix.build(formula: Formula.parse("y ~ g"), data: g).columnNames, ["Intercept", "g[T.b]"])
        // Control characters are shown escaped.
        let nul = try CSVReader.parse(text: "y,x\n1,2\n2,3\u{0}3\n3,5\n", source: "n.csv")
        XCTAssertTrue(message { _ = try DesignMatrix.build(formula: Formula.parse("y ~ x"), data: nul) }.contains("got '3\\u{0}3'"))
    }

    func testIsNumberFollowsTheCellRules() {
        for s in ["1", "-2.5e3", " 7 ", "inf", "-Infinity", "1e400", ".5"] { XCTAssertTrue(CSVReader.isNumber(s), s) }
        for s in ["", "NA", "nan", ".", "abc", "1,5", "1e", "0x10"] { XCTAssertFalse(CSVReader.isNumber(s), s) }
    }

    /// /dev/zero never ends: reading it allocated 4 GB and aborted. Folders and devices are errors.
    func testDevicesAndFoldersAreNotRead() {
        XCTAssertEqual(message { _ = try CSVReader.read(path: "/dev/zero") }, "/dev/zero: expected a regular file, got a device or socket")
        XCTAssertEqual(message { _ = try TOMLParser.parse(contentsOf: "/dev/zero") }, "/dev/zero: expected a regular file, got a device or socket")
        let dir = FileManager.default.temporaryDirectory.path
        XCTAssertEqual(message { _ = try CSVReader.read(path: dir) }, "\(dir): expected a file, got a folder")
        XCTAssertTrue(message { _ = try TOMLParser.parse(contentsOf: "/no/such/file.toml") }.contains("no such file"))
    }

    /// Arrays or inline tables nested 100,000 deep overflowed the stack; 50,000 dotted key parts hung.
    func testDeepTOMLIsAnError() {
        let arrays = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertEqual(message { _ = try TOMLParser.parse(arrays, file: "t.toml") },
                       "t.toml:1:105: a: expected arrays and inline tables nested at most 100 deep, got deeper nesting")
        let tables = "a = " + String(repeating: "{b=", count: 1000) + "1" + String(repeating: "}", count: 1000)
        XCTAssertTrue(message { _ = try TOMLParser.parse(tables, file: "t.toml") }.contains("nested at most 100 deep"))
        let keys = String(repeating: "a.", count: 50_000) + "b = 1"
        XCTAssertEqual(message { _ = try TOMLParser.parse(keys, file: "t.toml") }, "t.toml:1:201: expected a key of at most 100 dotted parts, got more")
        // A line of 50,000 values parses in linear time (it took minutes: columns were counted from the line start).
        let start = Date()
        let long = "a = [" + Array(repeating: "1", count: 50_000).joined(separator: ",") + ", x]"
        XCTAssertEqual(message { _ = try TOMLParser.parse(long, file: "t.toml") },
                       "t.toml:1:100007: a: expected a value (a number, a string in quotes, true/false, an array or an inline table), got 'x' (put text in double quotes)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        // A malformed value names its key.
        XCTAssertEqual(message { _ = try TOMLParser.parse("[run]\nseed = 18446744073709551615\n", file: "t.toml") },
                       "t.toml:2:8: run.seed: expected an integer that fits in 64 bits, got '18446744073709551615'")
        // Within the limits: parsed.
        XCTAssertNoThrow(try TOMLParser.parse("a = " + String(repeating: "[", count: 50) + "1" + String(repeating: "]", count: 50), file: "t.toml"))
    }
}
