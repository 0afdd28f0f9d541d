import Foundation
import XCTest
@testable import CoopScenario

/// Scenario files: the shipped plans load against the shipped model; bad files give located messages.
final class ScenarioLoaderTests: XCTestCase {
    /// The package root, found from this file's path (Tests/CoopScenarioTests/...).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShippedScenariosLoad() throws {
        let dir = Self.root.appendingPathComponent("Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".toml") && $0 != "model.toml" && !$0.hasPrefix("calibration") && !$0.hasPrefix("truth") }
        XCTAssertGreaterThanOrEqual(files.count, 8)
        for f in files {
            do {
                let (s, model) = try ScenarioLoader.load(path: dir.appendingPathComponent(f).path)
                XCTAssertEqual(model.name, "cooperatives")
                for lever in model.levers { XCTAssertNotNil(s.paths[lever.name], "\(f): \(lever.name)") }
            } catch {
                XCTFail("\(f): \(error)")
            }
        }
    }

    func testPlanOverridesBaselineAndInterpolates() throws {
        let dir = Self.root.appendingPathComponent("Scenarios")
        let (plan, _) = try ScenarioLoader.load(path: dir.appendingPathComponent("haiphong-2014-plan.toml").path)
        XCTAssertEqual(plan.inputFiles.count, 2)
        XCTAssertEqual(plan.paths["enforcement"]?.value(at: 2015), 0.12)
        XCTAssertEqual(plan.paths["enforcement"]?.value(at: 2018), 0.03)
        XCTAssertEqual(plan.paths["training"]?.value(at: 2015), 0.1)      // linear between 2014 and 2016
        XCTAssertEqual(plan.paths["grdp_growth"]?.value(at: 2019), 0.07)  // inherited, held flat
        XCTAssertEqual(plan.targets.count, 2)
        XCTAssertEqual(plan.lastObservedYear, 2013)
    }
}
