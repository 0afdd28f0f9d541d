import CoopData
import CoopModel
@testable import CoopScenario
import Foundation
import XCTest

/// The ratings block of the default model (Scenarios/model.toml): the four class counts sum to the
/// stock and the shares stay in [0, 1] on every path and year, also at extreme lever values
/// (everything at zero; enforcement, training, support and promotion far beyond any plan; a stock
/// driven to zero by enforcement 1 with no founding). Uses the hand-made calibration of
/// `RunFixture` (round coefficients with parameter uncertainty on) and keeps every path.
final class RatingsTests: XCTestCase {
    var fixture = RunFixture()
    override func setUpWithError() throws { fixture = try RunFixture.make() }
    override func tearDownWithError() throws { fixture.remove() }

    func scenario(_ name: String, support: Double, promotion: Double, training: Double, enforcement: Double,
                  coops: Int = 650, good: Int = 98, fair: Int = 260, weak: Int = 78) throws -> (Scenario, ModelSpec) {
        let text = """
        name = "\(name)"
        model = "\(EngineRunTests.root)/Scenarios/model.toml"
        calibration = "calibration.toml"
        region = "R"
        last_observed_year = 2023
        horizon = 2033
        draws = 200
        seed = 7
        [observed]
        coops = \(coops)
        workers_per_coop = 40
        trained_share = 0.5
        productivity = 300
        grdp = 1600000
        good_count = \(good)
        fair_count = \(fair)
        weak_count = \(weak)
        members_per_coop = 200
        groups = 4000
        [assumptions]
        grdp_growth = 0.06
        grdp_sd = 0.01
        entrant_trained_share = 0.45
        [levers]
        support = \(support)
        promotion = \(promotion)
        training = \(training)
        enforcement = \(enforcement)
        """
        let path = fixture.folder + "/\(name).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ScenarioLoader.load(path: path)
    }

    func testClassCountsSumToTheStockAndSharesStayInUnitIntervalAtExtremeLevers() throws {
        let cases: [(String, Double, Double, Double, Double)] = [
            ("zero", 0, 0, 0, 0),
            ("everything", 1e6, 1e5, 1, 1),
            ("collapse", 0, 0, 0, 1),
            ("plan", 40, 30, 0.15, 0.05),
        ]
        var checked = 0
        for (name, support, promotion, training, enforcement) in cases {
            let s = try scenario(name, support: support, promotion: promotion, training: training, enforcement: enforcement)
            let summary = try Runner.run(scenarios: [s], options: RunOptions(draws: 200, paths: 200))
            let r = summary.groups[0].result
            let names = summary.groups[0].plans[0].model.variableNames
            func v(_ metric: String, _ path: Int, _ yi: Int) -> Double {
                r.scenarios[0].kept[path * r.years * r.metrics + yi * r.metrics + names.firstIndex(of: metric)!]
            }
            var minCoops = Double.infinity, maxGood = 0.0
            var problems: [String] = []
            for path in 0..<200 {
                for yi in 0..<r.years {
                    let coops = v("coops", path, yi)
                    let classes = ["good_count", "fair_count", "average_count", "weak_count"].map { v($0, path, yi) }
                    let exits = ["exits_weak", "exits_average", "exits_fair", "exits_good"].map { v($0, path, yi) }
                    let shares = ["good_share", "good_or_fair_share", "weak_share"].map { v($0, path, yi) }
                    let at = "\(name): path \(path), year \(2024 + yi)"
                    if classes.reduce(0, +) != coops { problems.append("\(at): classes \(classes) do not sum to coops \(coops)") }
                    if !classes.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) { problems.append("\(at): class counts \(classes)") }
                    if exits.reduce(0, +) != v("exits", path, yi) || !exits.allSatisfy({ $0 >= 0 }) {
                        problems.append("\(at): exits by class \(exits), exits \(v("exits", path, yi))")
                    }
                    if !shares.allSatisfy({ $0 >= 0 && $0 <= 1 }) { problems.append("\(at): shares \(shares)") }
                    if abs(shares[1] * max(coops, 1) - (classes[0] + classes[1])) > 1e-9 * max(coops, 1) {
                        problems.append("\(at): good_or_fair_share \(shares[1]) against classes \(classes)")
                    }
                    minCoops = min(minCoops, coops)
                    maxGood = max(maxGood, shares[0])
                    checked += 1
                }
            }
            XCTAssertEqual(problems.count, 0, problems.prefix(5).joined(separator: "\n"))
            if name == "collapse" { XCTAssertEqual(minCoops, 0, "enforcement 1 without founding should empty the stock on some path") }
            if name == "everything" { XCTAssertGreaterThan(maxGood, 0.5, "training and support at their limits should raise the good share") }
        }
        XCTAssertEqual(checked, 4 * 200 * 10)
    }

    /// The levers move the ratings the way the model says: over 400 common-random paths,
    /// more training and support raise the share rated good or fair in 2028, and more enforcement
    /// lowers the weak count (exits take the weak class first, restructuring lifts it).
    func testLeversMoveRatingsInTheirDirection() throws {
        let base = try scenario("base", support: 30, promotion: 20, training: 0.05, enforcement: 0.02)
        let train = try scenario("train", support: 60, promotion: 20, training: 0.3, enforcement: 0.02)
        let enforce = try scenario("enforce", support: 30, promotion: 20, training: 0.05, enforcement: 0.3)
        let summary = try Runner.run(scenarios: [base, train, enforce], options: RunOptions(draws: 400, compare: true))
        let r = summary.groups[0].result
        let names = summary.groups[0].plans[0].model.variableNames
        let yi = 4   // 2028
        let gf = yi * r.metrics + names.firstIndex(of: "good_or_fair_share")!
        let weak = yi * r.metrics + names.firstIndex(of: "weak_count")!
        XCTAssertGreaterThan(r.differences[0].moments[gf].mean, 0.05)
        XCTAssertLessThan(r.differences[1].moments[weak].mean, -3)
    }
}
