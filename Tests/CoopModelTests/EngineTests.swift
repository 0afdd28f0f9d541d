import CoopData
@testable import CoopModel
import Foundation
import XCTest

final class EngineTests: XCTestCase {
    static let birthDeath = """
    name = "birth-death"
    [variables]
    coops = { domain = "count" }
    entries = { domain = "count" }
    exits = { domain = "count" }
    [levers]
    promotion = { domain = "nonnegative" }
    enforcement = { domain = "share" }
    [[equations]]
    name = "entries"
    family = "poisson"
    formula = "entries ~ log(promotion)"
    [[equations]]
    name = "exits"
    family = "binomial"
    trials = "lag(coops)"
    formula = "exits ~ enforcement"
    [[equations]]
    name = "coops"
    identity = "coops = lag(coops) + entries - exits"
    """

    func birthDeathModel() throws -> CompiledModel {
        try CompiledModel(spec: modelSpec(Self.birthDeath), calibration: calibration([
            fixedEquation("entries", .poisson, "entries ~ log(promotion)", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1]),
            fixedEquation("exits", .binomial, "exits ~ enforcement", terms: ["Intercept", "enforcement"], coefficients: [-2, 10]),
        ]))
    }

    /// (a) Closed form: entries ~ Poisson(mu) with mu = promotion, exits ~ Binomial(c_{t-1}, p) with
    /// p = invlogit(-2 + 10 enforcement). Then E[c_t] = E[c_{t-1}] + mu - p E[c_{t-1}] exactly;
    /// the simulated mean must be within 4 Monte Carlo standard errors every year.
    func testBirthDeathMeanMatchesClosedForm() throws {
        let model = try birthDeathModel()
        XCTAssertEqual(model.requirements.map(\.name), ["coops"])
        let plan = try constantPlan(model, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05])
        let draws = 4000
        let result = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: draws, threads: 2))
        let mu = 20.0, p = 1 / (1 + exp(-(-2 + 10 * 0.05)))
        var expected = 100.0
        let coops = model.variableNames.firstIndex(of: "coops")!
        for yi in 0..<plan.yearCount {
            expected = expected + mu - p * expected
            let m = result.scenarios[0].moments[yi * result.metrics + coops]
            XCTAssertEqual(m.count, draws)
            let z = (m.mean - expected) / m.standardError
            XCTAssertLessThan(abs(z), 4, "year \(plan.years.lowerBound + yi): mean \(m.mean), expected \(expected), se \(m.standardError)")
        }
        // Var of entries is mu (Poisson): a second closed-form check on the sd.
        let entries = model.variableNames.firstIndex(of: "entries")!
        let sd = result.scenarios[0].moments[entries].standardDeviation
        XCTAssertEqual(sd, mu.squareRoot(), accuracy: 0.1 * mu.squareRoot())
        XCTAssertNil(result.domainError(plans: [plan]))
    }

    /// offset(expr) is added to the simulated linear predictor with coefficient 1: entries ~
    /// Poisson(lag(coops) * 0.001 * promotion) per year and coops = lag(coops) + entries, so
    /// E[c_t] = c_0 (1 + 0.001 promotion)^t exactly (the mean within 4 Monte Carlo standard errors
    /// every year; without the offset it would grow by 0.02 a year, not 2%). A gaussian equation
    /// with an offset is refused, as by fit.
    func testOffsetIsAddedToTheLinearPredictor() throws {
        let text = """
        name = "rate"
        [variables]
        coops = { domain = "count" }
        entries = { domain = "count" }
        [levers]
        promotion = { domain = "nonnegative" }
        [[equations]]
        name = "entries"
        family = "poisson"
        formula = "entries ~ log(promotion) + offset(log(lag(coops)))"
        [[equations]]
        name = "coops"
        identity = "coops = lag(coops) + entries"
        """
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("entries", .poisson, "", terms: ["Intercept", "log(promotion)"], coefficients: [log(0.001), 1]),
        ]))
        let plan = try constantPlan(model, observed: ["coops": 1000], exogenous: ["promotion": 20])
        let draws = 2000
        let result = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: draws))
        let coops = model.variableNames.firstIndex(of: "coops")!
        var expected = 1000.0
        for yi in 0..<plan.yearCount {
            expected *= 1.02
            let m = result.scenarios[0].moments[yi * result.metrics + coops]
            XCTAssertLessThan(abs(m.mean - expected) / m.standardError, 4, "year \(yi): mean \(m.mean), expected \(expected)")
        }
        let gaussian = text.replacingOccurrences(of: "family = \"poisson\"", with: "family = \"gaussian\"")
            .replacingOccurrences(of: "entries = { domain = \"count\" }", with: "entries = { domain = \"real\" }")
        XCTAssertThrowsError(try CompiledModel(spec: modelSpec(gaussian), calibration: calibration([
            fixedEquation("entries", .gaussian, "", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1], sigma: 1),
        ]))) { error in
            XCTAssertTrue("\(error)".contains("offset(...) only in a poisson, negbin or binomial equation"), "\(error)")
        }
    }

    /// (b) Determinism at the engine level: identical accumulators for 1 and 3 threads and batch widths 256 and 7.
    func testResultsDoNotDependOnThreadsOrBatchWidth() throws {
        let model = try birthDeathModel()
        let plan = try constantPlan(model, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05])
        let a = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 2500, threads: 1, batchWidth: 256, keepPaths: 3))
        let b = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 2500, threads: 3, batchWidth: 7, keepPaths: 3))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.scenarios[0].kept.count, 3 * a.years * a.metrics)
    }

    /// Shards: partial results for block ranges, serialised to JSON and merged, equal a single run.
    func testShardPartialsMergeToTheSingleRun() throws {
        let model = try birthDeathModel()
        let plan = try constantPlan(model, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05])
        let options = MonteCarloOptions(draws: 3000, threads: 2, keepPaths: 2, compare: true)
        let alt = try constantPlan(model, observed: ["coops": 100], exogenous: ["promotion": 25, "enforcement": 0.05])
        let single = MonteCarlo.run(plans: [plan, alt], options: options)
        let ranges = [2..<3, 0..<1, 1..<2]
        let partials = try ranges.map { r -> MonteCarloPartial in
            let p = MonteCarlo.runBlocks(plans: [plan, alt], options: options, blocks: r, years: single.years, metrics: single.metrics)
            return try JSONDecoder().decode(MonteCarloPartial.self, from: JSONEncoder().encode(p))
        }
        let merged = MonteCarloResult(merging: partials, draws: 3000, years: single.years, metrics: single.metrics)
        XCTAssertEqual(merged, single)
    }

    /// The hoisted domain test counts exactly the values NumericDomain.contains rejects.
    func testHoistedDomainCheckAgreesWithDomainDefinition() {
        var xs: [Double] = [0, -0.0, 1, 0.5, -1, 2.5, 3, 1e300, .infinity, -.infinity, .nan, 1e-320, 1 - 1e-16, 7]
        for d: NumericDomain in [.real, .positive, .nonNegative, .share, .openShare, .count, .range(-1, 2.5)] {
            let expected = xs.filter { !d.contains($0) }.count
            let got = xs.withUnsafeMutableBufferPointer { _countOutside(d, $0.baseAddress!, $0.count) }
            XCTAssertEqual(got, expected, "\(d)")
        }
    }

    /// The progress callback sees every block once, in increasing order, ending at (total, total).
    func testProgressReportsEveryBlock() throws {
        let model = try birthDeathModel()
        let plan = try constantPlan(model, observed: ["coops": 100], exogenous: ["promotion": 20, "enforcement": 0.05])
        final class Log: @unchecked Sendable { var calls: [(Int, Int)] = [] }
        let log = Log()
        _ = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 5000, threads: 2)) { done, total in
            log.calls.append((done, total))   // calls are serialised by the engine
        }
        XCTAssertEqual(log.calls.map(\.0), Array(1...5))
        XCTAssertTrue(log.calls.allSatisfy { $0.1 == 5 })
    }

    /// A covariance that is not positive semi-definite names the calibration equation and term and
    /// suggests recalibrating; zero variances (a fixed coefficient) are accepted.
    func testIndefiniteCovarianceIsAnInputError() throws {
        var exits = fixedEquation("exits", .binomial, "", terms: ["Intercept", "enforcement"], coefficients: [-2, 10])
        exits.covariance = [[1, 2], [2, 1]]
        XCTAssertThrowsError(try CompiledModel(spec: modelSpec(Self.birthDeath), calibration: calibration([
            fixedEquation("entries", .poisson, "", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1]), exits,
        ]))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("test-calibration.toml"), message)
            XCTAssertTrue(message.contains("equations[2].covariance"), message)
            XCTAssertTrue(message.contains("'enforcement'"), message)
            XCTAssertTrue(message.contains("coopsim calibrate"), message)
        }
        exits.covariance = [[0.01, 0], [0, 0]]
        XCTAssertNoThrow(try CompiledModel(spec: modelSpec(Self.birthDeath), calibration: calibration([
            fixedEquation("entries", .poisson, "", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1]), exits,
        ])))
    }

    /// A variable read two years back needs the history of the year before the last observed one:
    /// missing, it is named as history.<name>.<year>; given, the simulation uses it (closed form).
    func testDeeperLagsNeedHistory() throws {
        let text = """
        name = "lag2"
        [variables]
        x = { domain = "real" }
        [[equations]]
        name = "x"
        identity = "x = lag(x) + lag(x, 2)"
        """
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([]))
        XCTAssertEqual(model.requirements, [.init(name: "x", lag: 2, equation: "x", line: 6)])
        XCTAssertThrowsError(try constantPlan(model, observed: ["x": 1], exogenous: [:])) { error in
            XCTAssertTrue("\(error)".contains("history.x.2019"), "\(error)")
        }
        // Fibonacci: x_2019 = 1, x_2020 = 1 -> 2, 3, 5, 8, 13 in 2021 ... 2025.
        let plan = try constantPlan(model, observed: ["x": 1], exogenous: [:], history: ["x": [(year: 2019, value: 1)]])
        let r = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 2, keepPaths: 1))
        XCTAssertEqual(r.scenarios[0].kept, [2, 3, 5, 8, 13])
    }

    /// Parameter uncertainty alone (noise off): with dlog(x) ~ c and c = 2, log(x_1 / x_0) = b0 + 2 b1
    /// with (b0, b1) ~ N(beta_hat, V), so its mean is b0 + 2 b1 and its variance V00 + 4 V01 + 4 V11
    /// (closed form); checked within 4 standard errors, with a correlated V.
    func testCoefficientDrawsFollowTheirCovariance() throws {
        let text = """
        name = "params"
        [variables]
        x = { domain = "positive" }
        [levers]
        c = { domain = "real" }
        [[equations]]
        name = "x"
        family = "gaussian"
        formula = "dlog(x) ~ c"
        """
        var eq = fixedEquation("x", .gaussian, "", terms: ["Intercept", "c"], coefficients: [0.1, -0.02], sigma: 0.3)
        eq.covariance = [[0.004, -0.001], [-0.001, 0.002]]
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([eq]))
        let plan = try constantPlan(model, observed: ["x": 50], exogenous: ["c": 2], horizon: 2021)
        let draws = 4000
        let r = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(
            draws: draws, keepPaths: draws, switches: SimulationSwitches(parameterUncertainty: true, processNoise: false)))
        var m = RunningMoments()
        for x in r.scenarios[0].kept { m.add(log(x / 50)) }
        let mean = 0.1 + 2 * -0.02, variance = 0.004 + 4 * -0.001 + 4 * 0.002
        XCTAssertLessThan(abs(m.mean - mean) / (variance / Double(draws)).squareRoot(), 4, "mean \(m.mean)")
        let seVariance = variance * (2 / Double(draws - 1)).squareRoot()
        XCTAssertLessThan(abs(m.variance - variance) / seVariance, 4, "variance \(m.variance)")
        // Process noise alone: variance sigma² = 0.09 around the same mean.
        let noisy = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(
            draws: draws, keepPaths: draws, switches: SimulationSwitches(parameterUncertainty: false, processNoise: true)))
        var n = RunningMoments()
        for x in noisy.scenarios[0].kept { n.add(log(x / 50)) }
        XCTAssertLessThan(abs(n.mean - mean) / (0.09 / Double(draws)).squareRoot(), 4, "mean \(n.mean)")
        XCTAssertLessThan(abs(n.variance - 0.09) / (0.09 * (2 / Double(draws - 1)).squareRoot()), 4, "variance \(n.variance)")
    }

    /// NB2 outcome: mean mu = exp(x'b) = promotion, variance mu + alpha mu² (closed form), within 4 se.
    func testNegativeBinomialMoments() throws {
        let text = """
        name = "nb"
        [variables]
        entries = { domain = "count" }
        [levers]
        promotion = { domain = "nonnegative" }
        [[equations]]
        name = "entries"
        family = "negbin"
        formula = "entries ~ log(promotion)"
        """
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("entries", .negbin, "", terms: ["Intercept", "log(promotion)"], coefficients: [0, 1], alpha: 0.1),
        ]))
        let plan = try constantPlan(model, observed: [:], exogenous: ["promotion": 20], horizon: 2021)
        let draws = 8000
        let m = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: draws)).scenarios[0].moments[0]
        let mu = 20.0, variance = mu + 0.1 * mu * mu
        XCTAssertLessThan(abs(m.mean - mu) / (variance / Double(draws)).squareRoot(), 4, "mean \(m.mean)")
        // se of the sample variance: sigma² sqrt(2/(n-1) + g2/n) with the NB2 excess kurtosis
        // g2 = kappa4 / kappa2² = (1 + 6 alpha mu (1 + alpha mu)) / (mu (1 + alpha mu)).
        let g2 = (1 + 6 * 0.1 * mu * (1 + 0.1 * mu)) / (mu * (1 + 0.1 * mu))
        let seVariance = variance * (2 / Double(draws - 1) + g2 / Double(draws)).squareRoot()
        XCTAssertLessThan(abs(m.variance - variance) / seVariance, 4, "variance \(m.variance)")
    }

    /// (d) LHS inversion round trips: with zero noise and zero covariance, the simulated target x
    /// satisfies LHS(x) = intercept, checked by evaluating the LHS forward with CoopData's evaluator.
    func testLeftHandSideInversionRoundTrips() throws {
        let lhsList = [
            "dlog(x)", "I(logit(x) - logit(lag(s)))", "I(log(x) + 2)", "I(3 - x)", "I(x * s)", "I(s / x)", "I(x / s)",
            "I(-x + 1)", "sqrt(x)", "I(x ^ 2)", "I(2 ^ x)", "log1p(x)", "exp(x)", "diff(x)", "I(logit(x))", "I(invlogit(x))",
            "I(log(x / lag(x)) * 2)",
        ]
        for lhs in lhsList {
            let text = """
            name = "inv"
            [variables]
            x = { domain = "real" }
            s = { domain = "real" }
            [levers]
            c = { domain = "real" }
            [[equations]]
            name = "s"
            identity = "s = lag(s) + 0.1"
            [[equations]]
            name = "x"
            family = "gaussian"
            formula = "\(lhs) ~ c"
            """
            let value = 0.3
            let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([
                fixedEquation("x", .gaussian, "", terms: ["Intercept", "c"], coefficients: [value, 0], sigma: 0.5),
            ]))
            let x0 = 0.4, s0 = 0.6
            let plan = try constantPlan(model, observed: ["x": x0, "s": s0], exogenous: ["c": 1], horizon: 2021)
            let r = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(
                draws: 1, keepPaths: 1, switches: SimulationSwitches(parameterUncertainty: false, processNoise: false)))
            let x = r.scenarios[0].kept[model.variableNames.firstIndex(of: "x")!]
            let s = r.scenarios[0].kept[model.variableNames.firstIndex(of: "s")!]
            let formula = try Formula.parse(lhs + " ~ c")
            struct Resolver: VariableResolver {
                var values: [String: [Double]]
                var rowCount: Int { 1 }
                func values(of name: String, lag: Int) throws -> [Double] { values["\(name)@\(lag)"] ?? [.nan] }
            }
            let forward = try formula.response!.evaluate(Resolver(values: ["x@0": [x], "x@1": [x0], "s@0": [s], "s@1": [s0]]))
            XCTAssertEqual(forward[0], value, accuracy: 1e-12, "\(lhs): x = \(x)")
        }
    }

    /// Left-hand sides that cannot be solved are refused with the model file, line and field.
    func testUnsolvableLeftHandSideIsLocated() throws {
        let text = """
        name = "bad"
        [variables]
        x = { domain = "real" }
        [levers]
        c = { domain = "real" }
        [[equations]]
        name = "x"
        family = "gaussian"
        formula = "I(x * x) ~ c"
        """
        XCTAssertThrowsError(try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("x", .gaussian, "", terms: ["Intercept", "c"], coefficients: [0, 0], sigma: 1),
        ]))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("test-model.toml:9: equations[1].formula"), message)
            XCTAssertTrue(message.contains("'x' 2 times"), message)
        }
    }

    /// Calibration terms that differ from the formula's design columns ask to recalibrate.
    func testCalibrationTermsMustMatchDesign() throws {
        XCTAssertThrowsError(try CompiledModel(spec: modelSpec(Self.birthDeath), calibration: calibration([
            fixedEquation("entries", .poisson, "", terms: ["Intercept", "promotion"], coefficients: [0, 1]),
            fixedEquation("exits", .binomial, "", terms: ["Intercept", "enforcement"], coefficients: [-2, 10]),
        ]))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("test-calibration.toml"), message)
            XCTAssertTrue(message.contains("Intercept, log(promotion)"), message)
            XCTAssertTrue(message.contains("coopsim calibrate"), message)
        }
    }

    /// A missing observed value is named with the scenario file, observed.<name> and the equation that needs it.
    func testMissingObservedValueIsExplained() throws {
        let model = try birthDeathModel()
        XCTAssertThrowsError(try constantPlan(model, observed: [:], exogenous: ["promotion": 20, "enforcement": 0.05])) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("test-scenario.toml: observed.coops"), message)
            XCTAssertTrue(message.contains("lag(coops)"), message)
            XCTAssertTrue(message.contains("'exits'"), message)
        }
    }

    /// (e) A lever that pushes a share out of (0, 1) is reported with the variable, year, paths and levers.
    func testDomainViolationIsReported() throws {
        let text = """
        name = "share"
        [variables]
        share = { domain = "open_share" }
        [levers]
        training = { domain = "share" }
        [[equations]]
        name = "share"
        identity = "share = lag(share) + training"
        """
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([]))
        let plan = try constantPlan(model, observed: ["share": 0.5], exogenous: ["training": 0.3])
        let r = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 50))
        let error = try XCTUnwrap(r.domainError(plans: [plan]))
        let message = "\(error)"
        XCTAssertTrue(message.contains("share left its domain (a share strictly between 0 and 1) in 2022 on 50 of 50 paths"), message)
        XCTAssertTrue(message.contains("levers.training"), message)
        XCTAssertTrue(message.hasPrefix("test-scenario.toml"), message)
    }
}
