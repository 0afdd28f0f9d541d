import CoopData
import XCTest

/// `CSVDialect.detect` (CSVDialectDetection.swift): the rule that reads a file saved by Excel in a
/// Vietnamese locale, then `CSVReader` in that dialect gives the numbers of the standard file.
final class CSVDialectDetectionTests: XCTestCase {
    func detect(_ text: String, delimiter: UInt8? = nil, decimalMark: UInt8? = nil) throws -> CSVDialect {
        try CSVDialect.detect(Array(text.utf8), delimiter: delimiter, decimalMark: decimalMark)
    }

    func testDetectionRule() throws {
        XCTAssertEqual(try detect("region,year,y\nA,2020,1.5\n"), .standard)
        XCTAssertEqual(try detect("region;year;y\nA;2020;1,5\nB;2021;-0,25\n"), CSVDialect(delimiter: ";", decimalMark: ","))
        // ';' with points (a file from a locale that keeps '.'): decimal stays '.'.
        XCTAssertEqual(try detect("region;year;y\nA;2020;1.5\n"), CSVDialect(delimiter: ";", decimalMark: "."))
        // Mixed marks in the sample: not a decimal-comma file.
        XCTAssertEqual(try detect("a;b\n1,5;2.5\n"), CSVDialect(delimiter: ";", decimalMark: "."))
        // A comma inside quotes in the header does not make the file comma-separated.
        XCTAssertEqual(try detect("\"a,b\";c\n1,5;2\n"), CSVDialect(delimiter: ";", decimalMark: ","))
        XCTAssertEqual(try detect("a\tb\n1,5\t2\n"), CSVDialect(delimiter: "\t", decimalMark: ","))
        // A byte-order mark (Excel's "CSV UTF-8") is skipped.
        XCTAssertEqual(try detect("\u{FEFF}a;b\n1,5;2\n"), CSVDialect(delimiter: ";", decimalMark: ","))
        // Given halves override; a ',' decimal mark given alone rules the comma out as delimiter.
        XCTAssertEqual(try detect("a;b\n1.5;2\n", decimalMark: 0x2C), CSVDialect(delimiter: ";", decimalMark: ","))
        XCTAssertThrowsError(try detect("a,b\n1,2\n", delimiter: 0x2C, decimalMark: 0x2C))
    }

    func testDetectedFileReadsAsTheStandardOne() throws {
        let standard = try CSVReader.parse(text: "region,year,y\nA,2020,1.5\nB,2021,-0.25\n")
        let text = "region;year;y\nA;2020;1,5\nB;2021;-0,25\n"
        let d = try detect(text)
        let excel = try CSVReader.parse(text: text, dialect: d)
        XCTAssertEqual(excel.names, standard.names)
        XCTAssertEqual(excel["y"], standard["y"])
        XCTAssertEqual(excel["region"], standard["region"])
        XCTAssertEqual(d.plainDescription, "';'-separated with ',' decimals")
    }

    func testEveryRowRaggedNamesTheCause() throws {
        let bytes = Array("region,year,y\nA;2020;1,5\nB;2021;2,5\nC;2022;3,5\n".utf8)
        let e = try XCTUnwrap(CSVDialect.everyRowRagged(bytes, dialect: .standard, path: "p.csv"))
        XCTAssertTrue(e.description.contains("rows look ';'-separated"), e.description)
        XCTAssertNil(CSVDialect.everyRowRagged(Array("a,b\n1,2\n3,4\n5,6\n".utf8), dialect: .standard, path: "p.csv"))
    }
}
