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
        XCTAssertEqual(plan.targets.count, 4)
        XCTAssertEqual(plan.unevaluatedTargets.count, 5)
        XCTAssertEqual(plan.lastObservedYear, 2013)
    }

    /// Every numeric target of the source plans is in the shipped scenarios, evaluated or documented:
    /// Hai Phong's 9 (plan of Nov 2014), Resolution 20-NQ/TW's 9 goals for 2030, Ho Chi Minh City's 5.
    func testEveryPlanTargetIsPresent() throws {
        let dir = Self.root.appendingPathComponent("Scenarios")
        func load(_ f: String) throws -> Scenario { try ScenarioLoader.load(path: dir.appendingPathComponent(f).path).0 }
        let hp = try load("haiphong-baseline.toml"), vn = try load("national-baseline.toml"), hcm = try load("hcmc-baseline.toml")
        XCTAssertEqual(hp.targets.map(\.metric), ["gdp_share", "trained_share", "good_or_fair_share", "weak_count"])
        XCTAssertEqual(hp.unevaluatedTargets.map(\.metric),
                       ["college_share_of_trained", "staff_trained_share", "model_coops", "classified_share", "noncompliant_count"])
        XCTAssertEqual(vn.targets.map(\.metric), ["coops", "members", "groups", "good_or_fair_share"])
        XCTAssertEqual(vn.unevaluatedTargets.map(\.metric),
                       ["group_members", "unions", "union_member_coops", "value_chain_share_of_good_or_fair", "high_tech_coops"])
        XCTAssertEqual(hcm.targets.count, 5)
        for t in hp.targets + hp.unevaluatedTargets + vn.targets + vn.unevaluatedTargets + hcm.targets {
            XCTAssertFalse(t.source.isEmpty, t.metric)
        }
        for t in hp.unevaluatedTargets + vn.unevaluatedTargets { XCTAssertFalse(t.reason.isEmpty, t.metric) }
        // Every unevaluated target of every shipped scenario names what it measures in both
        // languages (reports would otherwise show its metric key).
        var files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".toml") }
        files.removeAll { ["model.toml", "truth.toml", "calibration.toml"].contains($0) }
        files += try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("regions").path)
            .filter { $0.hasSuffix(".toml") }.map { "regions/" + $0 }
        XCTAssertGreaterThanOrEqual(files.count, 22)
        var unevaluated = 0
        for f in files {
            for t in try load(f).unevaluatedTargets {
                unevaluated += 1
                XCTAssertFalse(t.labelEN.isEmpty || t.labelVI.isEmpty, "\(f): \(t.metric) has no label_en/label_vi")
            }
        }
        XCTAssertGreaterThanOrEqual(unevaluated, 20)
    }

    /// `evaluated = false` needs a reason; a reason needs `evaluated = false`; an evaluated target's
    /// metric must be a model variable (the message suggests the unevaluated form).
    func testUnevaluatedTargetRules() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("unevaluated-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = Self.root.appendingPathComponent("Scenarios/hcmc-baseline.toml").path
        func check(_ target: String) -> [String] {
            let path = dir.appendingPathComponent("t.toml").path
            try? "name = \"t\"\nextends = \"\(base)\"\n[[targets]]\n\(target)\n".write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try ScenarioLoader.load(path: path); return [] } catch { return ["\(error)"] }
        }
        let ok = "metric = \"unions\"\nyear = 2030\nop = \">=\"\nvalue = 340\nsource = \"s\"\nevaluated = false\nreason = \"no unions equation\""
        XCTAssertEqual(check(ok), [])
        let noReason = check("metric = \"unions\"\nyear = 2030\nop = \">=\"\nvalue = 340\nsource = \"s\"\nevaluated = false")
        XCTAssertTrue(noReason.first?.contains("targets[1].reason: expected why the model cannot evaluate the target") == true, "\(noReason)")
        let stray = check("metric = \"coops\"\nyear = 2024\nop = \">=\"\nvalue = 1\nsource = \"s\"\nreason = \"x\"")
        XCTAssertTrue(stray.first?.contains("targets[1].reason: expected a reason only with evaluated = false") == true, "\(stray)")
        let unknown = check("metric = \"unions\"\nyear = 2024\nop = \">=\"\nvalue = 340\nsource = \"s\"")
        XCTAssertTrue(unknown.first?.contains("evaluated = false and a reason") == true, "\(unknown)")
    }
}
