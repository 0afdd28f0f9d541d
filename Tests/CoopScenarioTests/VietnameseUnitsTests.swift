import CoopModel
import XCTest
@testable import CoopScenario

/// Every unit of the shipped model reads in Vietnamese in `--lang vi` reports (levers table, lever
/// path charts, fan charts, notebooks): the report showed "share per year" and "log growth per
/// year" in English.
final class VietnameseUnitsTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testEveryUnitOfTheShippedModelHasAVietnameseRendering() throws {
        let model = try ModelSpec.load(path: Self.root.appendingPathComponent("Scenarios/model.toml").path)
        let units = Set(model.declarations.map(\.unit)).filter { !$0.isEmpty }
        XCTAssertGreaterThan(units.count, 5)
        for unit in units.sorted() {
            let vi = try XCTUnwrap(ReportLanguage.vietnameseUnits[unit], "no Vietnamese for the unit '\(unit)'")
            XCTAssertNotEqual(vi, unit, unit)
            // Vietnamese words, not the English ones left in place.
            for word in ["share", "year", "growth", "persons", "groups", "cooperatives", "billion", "million", "worker"] {
                XCTAssertFalse(vi.lowercased().contains(word), "'\(vi)' (for '\(unit)') still says '\(word)'")
            }
        }
    }
}
