import Foundation
import XCTest
@testable import CoopData
@testable import CoopScenario

/// A corpus of bad scenario files (Fixtures/bad/): each one is rejected with messages that name the
/// file, the line and the field, say what was expected and what was found.
final class BadScenarioTests: XCTestCase {
    var dir: URL { ScenarioLoaderTests.root.appendingPathComponent("Tests/CoopScenarioTests/Fixtures/bad") }

    func problems(_ name: String) -> [InputError] {
        do {
            _ = try ScenarioLoader.load(path: dir.appendingPathComponent(name).path)
            XCTFail("\(name) loaded without error")
            return []
        } catch let e as InputErrors {
            return e.errors
        } catch {
            XCTFail("\(name): unexpected error type \(error)")
            return []
        }
    }

    /// Asserts that some problem has this line (nil: any) and contains every fragment.
    func expect(_ name: String, line: Int?, _ fragments: String..., file: StaticString = #filePath, sourceLine: UInt = #line) {
        let found = problems(name)
        let ok = found.contains { p in
            (line == nil || p.line == line) && fragments.allSatisfy { p.description.contains($0) } && p.description.contains(name)
        }
        XCTAssertTrue(ok, "\(name): no problem at line \(line.map(String.init) ?? "any") containing \(fragments); got:\n" +
                      found.map(\.description).joined(separator: "\n"), file: file, line: sourceLine)
    }

    func testGoodFileLoads() throws {
        let (s, _) = try ScenarioLoader.load(path: dir.appendingPathComponent("good.toml").path)
        XCTAssertEqual(s.name, "bad")
    }

    func testCorpus() {
        expect("syntax.toml", line: 6, "end of line")
        expect("wrong-type.toml", line: 6, "horizon", "expected an integer", "\"soon\"")
        expect("unknown-key.toml", line: 20, "levers.trainning", "did you mean 'training'?")
        expect("unknown-key.toml", line: 1, "levers.training", "a path for every lever")
        expect("share-out-of-range.toml", line: 20, "levers.training", "expected a share between 0 and 1, got 1.4")
        expect("negative-count.toml", line: 8, "observed.coops", "a whole number of at least 0", "-5")
        expect("missing-extends.toml", line: 1, "extends", "does-not-exist.toml")
        expect("cycle-a.toml", line: nil, "extends", "cycle")
        expect("empty.toml", line: nil, "empty")
        expect("non-utf8.toml", line: 1, "UTF-8")
        expect("target-year.toml", line: nil, "targets[1].year", "from 2024 to 2026", "2040")
        expect("target-metric-op.toml", line: nil, "targets[1].metric", "did you mean 'coops'?")
        expect("target-metric-op.toml", line: nil, "targets[1].op", "\"=>\"")
        expect("missing-model.toml", line: 2, "model", "no-such-model.toml")
        expect("missing-lever.toml", line: nil, "levers.enforcement", "a path for every lever")
        expect("path-errors.toml", line: 19, "levers.promotion.2030", "up to the horizon (2026)")
        expect("path-errors.toml", line: 19, "levers.promotion.stepp", "did you mean 'step'?")
    }
}

/// A model, calibration or truth file given where a scenario is expected is named for what it is.
final class WrongKindOfFileTests: XCTestCase {
    func testModelAndCalibrationAreNotScenarios() {
        let dir = ScenarioLoaderTests.root.appendingPathComponent("Scenarios")
        for (file, words) in [("model.toml", "a model file"), ("calibration.toml", "a calibration file"), ("truth.toml", "a truth file")] {
            do {
                _ = try ScenarioLoader.load(path: dir.appendingPathComponent(file).path)
                XCTFail("\(file) loaded as a scenario")
            } catch let e as InputErrors {
                XCTAssertEqual(e.errors.count, 1, "\(e)")
                XCTAssertTrue(e.description.contains("expected a scenario file, got \(words)"), e.description)
            } catch {
                XCTFail("\(error)")
            }
        }
    }
}
