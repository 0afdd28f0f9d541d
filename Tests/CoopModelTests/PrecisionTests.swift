import CoopData
@testable import CoopModel
import Foundation
import XCTest

/// `MonteCarlo.runToPrecision` (`--mc-se`): stops at the first block where every standard error is
/// within the rule, and its result is exactly `MonteCarlo.run` with that many draws.
final class PrecisionTests: XCTestCase {
    func model() throws -> CompiledModel {
        try CompiledModel(spec: modelSpec(EngineTests.birthDeath), calibration: calibration([
            fixedEquation("entries", .poisson, "entries ~ log(promotion)", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1]),
            fixedEquation("exits", .binomial, "exits ~ enforcement", terms: ["Intercept", "enforcement"], coefficients: [-2, 10]),
        ]))
    }

    /// Targets near 1/2 need about 0.25/X² draws: for X = 0.01 that is 2500, i.e. the third block.
    func testStopsAtTheFirstPreciseBlockAndEqualsAFixedRun() throws {
        let m = try model()
        let coops = m.variableNames.firstIndex(of: "coops")!
        // Mean stock in 2021 is 100 + 20 - 100·invlogit(-1.5) ≈ 101.8: a target at 102 holds on about half the paths.
        let targets = [SimulationPlan.TargetCheck(metric: coops, yearIndex: 0, comparison: .ge, value: 102),
                       SimulationPlan.TargetCheck(metric: coops, yearIndex: 4, comparison: .ge, value: 50)]
        let plan = try constantPlan(m, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05], targets: targets)
        for threads in [1, 3] {
            let precise = MonteCarlo.runToPrecision(plans: [plan], options: MonteCarloOptions(draws: 1, threads: threads, keepPaths: 5),
                                                    rule: PrecisionRule(maxStandardError: 0.01, maxDraws: 100_000))
            XCTAssertTrue(precise.reached)
            XCTAssertEqual(precise.draws % MonteCarloOptions.blockSize, 0)
            XCTAssertLessThanOrEqual(precise.steps.last!.worstStandardError, 0.01)
            for step in precise.steps.dropLast() { XCTAssertGreaterThan(step.worstStandardError, 0.01) }
            XCTAssertEqual(precise.steps.map(\.draws), Array(stride(from: 1024, through: precise.draws, by: 1024)))
            let fixed = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: precise.draws, threads: 2, keepPaths: 5))
            XCTAssertEqual(precise.result, fixed, "threads \(threads)")
            // The reported hits are the fixed run's, and the s.e. is sqrt(p(1-p)/n).
            let hits = fixed.scenarios[0].targetHits[0]
            XCTAssertEqual(precise.steps.last!.targetHits[0][0], hits)
            let p = Double(hits) / Double(precise.draws)
            XCTAssertEqual(MonteCarlo.proportionStandardError(hits: hits, draws: precise.draws), (p * (1 - p) / Double(precise.draws)).squareRoot())
        }
        // The cap stops it, with the rule not reached.
        let capped = MonteCarlo.runToPrecision(plans: [plan], options: MonteCarloOptions(draws: 1, threads: 2),
                                               rule: PrecisionRule(maxStandardError: 0.001, maxDraws: 3000))
        XCTAssertFalse(capped.reached)
        XCTAssertEqual(capped.draws, 3000)
        XCTAssertEqual(capped.result, MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 3000, threads: 1)))
    }

    /// Compared differences: the discordant counts give the paired standard error of p_alt − p_base,
    /// which equals the sample standard error of D_i = 1{alt holds} − 1{base holds} computed from the
    /// kept paths directly (divisor n, as for a proportion).
    func testDifferenceStandardErrorFromDiscordantPaths() throws {
        let m = try model()
        let coops = m.variableNames.firstIndex(of: "coops")!
        let target = SimulationPlan.TargetCheck(metric: coops, yearIndex: 2, comparison: .ge, value: 104)
        let base = try constantPlan(m, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05], targets: [target])
        let alt = try constantPlan(m, observed: ["coops": 100], exogenous: ["promotion": 21, "enforcement": 0.05], targets: [target])
        let precise = MonteCarlo.runToPrecision(plans: [base, alt], options: MonteCarloOptions(draws: 1, threads: 2, compare: true),
                                                rule: PrecisionRule(maxStandardError: 0.008, maxDraws: 50_000))
        XCTAssertTrue(precise.reached)
        let n = precise.draws
        let all = MonteCarlo.run(plans: [base, alt], options: MonteCarloOptions(draws: n, threads: 2, keepPaths: n, compare: true))
        let cells = all.years * all.metrics
        var d: [Double] = []
        for i in 0..<n {
            let b = all.scenarios[0].kept[i * cells + 2 * all.metrics + coops] >= 104 ? 1.0 : 0
            let a = all.scenarios[1].kept[i * cells + 2 * all.metrics + coops] >= 104 ? 1.0 : 0
            d.append(a - b)
        }
        let mean = d.reduce(0, +) / Double(n)
        let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let step = precise.steps.last!
        let disc = step.discordant[0][0]
        XCTAssertEqual(Double(disc.up - disc.down) / Double(n), mean, accuracy: 1e-15)
        XCTAssertEqual(MonteCarlo.differenceStandardError(up: disc.up, down: disc.down, draws: n), (variance / Double(n)).squareRoot(),
                       accuracy: 1e-15)
        // Common random numbers: the paired s.e. is well below that of independent estimates (measured ratio about 0.5).
        let pa = Double(all.scenarios[1].targetHits[0]) / Double(n), pb = Double(all.scenarios[0].targetHits[0]) / Double(n)
        XCTAssertLessThan((variance / Double(n)).squareRoot(), 0.75 * ((pa * (1 - pa) + pb * (1 - pb)) / Double(n)).squareRoot())
        // The result is the fixed run's (kept paths aside: none were asked for).
        XCTAssertEqual(precise.result, MonteCarlo.run(plans: [base, alt], options: MonteCarloOptions(draws: n, threads: 1, compare: true)))
    }
}
