import Foundation
import XCTest
@testable import CoopData

/// The toml-test suite (TOML 1.0.0 list; MIT licence in Fixtures/toml-test/LICENSE): every
/// valid document outside dates and times parses to its expected value, every invalid one is
/// rejected with a message that names its line (see `TOMLSuite`).
final class TOMLSuiteTests: XCTestCase {
    func testTOMLTestSuite() throws {
        let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/toml-test")
        let outcome = try TOMLSuite.run(root: root)
        for f in outcome.failures { XCTFail("\(f.file): \(f.why)") }
        // 205 valid and 473 invalid documents in the 1.0.0 list; those with dates or times are skipped.
        XCTAssertEqual(outcome.passed.count + outcome.skipped.count + outcome.failures.count, 678)
        XCTAssertEqual(outcome.passed.filter { $0.hasPrefix("valid/") }.count, 186)
        XCTAssertEqual(outcome.passed.filter { $0.hasPrefix("invalid/") }.count, 403)
        // Skipped: 19 valid documents holding a date or time, 70 invalid ones in the date and time folders.
        XCTAssertEqual(outcome.skipped.filter { $0.hasPrefix("valid/") }.count, 19)
        XCTAssertEqual(outcome.skipped.filter { $0.hasPrefix("invalid/") }.count, 70)
    }

    /// A few messages the suite only checks for a line: they name the place and what was wrong.
    func testLocatedMessages() throws {
        func message(_ text: String) -> String {
            do { _ = try TOMLParser.parse(text, file: "t.toml"); return "accepted" } catch { return error.description }
        }
        XCTAssertTrue(message("a = 0x-1\n").hasPrefix("t.toml:1:5: a: expected a value"), message("a = 0x-1\n"))
        XCTAssertTrue(message("a = 1\nb = 03.14\n").hasPrefix("t.toml:2:5: b:"), message("a = 1\nb = 03.14\n"))
        XCTAssertTrue(message("# ok\n# bad \u{7F}\n").contains("t.toml:2:7") && message("# ok\n# bad \u{7F}\n").contains("U+007F"), message("# ok\n# bad \u{7F}\n"))
        XCTAssertTrue(message("[a.b]\n[a]\nb.c = 1\n").contains("t.toml:3:1") && message("[a.b]\n[a]\nb.c = 1\n").contains("defined by a header"),
                      message("[a.b]\n[a]\nb.c = 1\n"))
        XCTAssertTrue(message("a = \"\"\"x\"\"\"\"\"\"\n").hasPrefix("t.toml:1:"), message("a = \"\"\"x\"\"\"\"\"\"\n"))
        XCTAssertEqual(try TOMLParser.parse("m = -9223372036854775808\n", file: "t").root["m"]?.value, .integer(Int64.min))
    }
}
