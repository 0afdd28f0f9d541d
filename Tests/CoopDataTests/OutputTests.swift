import XCTest
@testable import CoopData

/// CSV writing and SHA-256 against outside truth: FIPS 180-4 vectors as
/// printed by Python's hashlib, and RFC 4180 as read back by Python's csv
/// module (expected strings below are what `csv.writer` produces).
final class OutputTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1000)), "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        XCTAssertEqual(SHA256.hex(Array("Hải Phòng".utf8)), "d97f7c982aa07771d1b2ed01d8bb397afd5772dcd930bc40c2403b269c1a3c5b")
    }

    func testQuotingAndNumbers() {
        var w = CSVWriter(columns: ["scenario", "region", "value"])
        w.addRow(["a,b", "Hải \"Phòng\"", CSVWriter.number(663)])
        w.addRow(["line\nbreak", "x", CSVWriter.number(0.1)])
        XCTAssertEqual(w.text, "scenario,region,value\n\"a,b\",\"Hải \"\"Phòng\"\"\",663\n\"line\nbreak\",x,0.1\n")
        XCTAssertEqual(CSVWriter.number(1e-5), "1e-05")
        XCTAssertEqual(CSVWriter.number(-2.5), "-2.5")
        XCTAssertEqual(CSVWriter.number(.nan), "")
        XCTAssertEqual(CSVWriter.number(0.1 + 0.2), "0.30000000000000004")
        XCTAssertEqual(Double(CSVWriter.number(1.0 / 3.0)), 1.0 / 3.0)
        XCTAssertTrue(CSVWriter(columns: ["a"], excel: true).text.hasPrefix("\u{FEFF}"))
    }
}
