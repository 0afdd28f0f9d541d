import CoopData
import CoopDistributions
@testable import CoopModel
import CoopRandom
import XCTest

/// The engine draws what Guides/Random.md says it draws ("The engine's path-year streams"):
/// word slots of one stream per (path, year) in model order, coefficient normals consecutive in
/// one stream per path (year 0, blocks from 2^31), recomputed here from `RandomStream` and
/// `NormalSampler.standard(bits:)` (the engine's normals come from the vector kernel of CVecMath,
/// which VecMathTests shows equal to it bit for bit).
final class StreamMappingTests: XCTestCase {
    static let text = """
    name = "slots"
    [variables]
    u = { domain = "real" }
    x = { domain = "real" }
    y = { domain = "real" }
    v = { domain = "real" }
    [levers]
    c = { domain = "real" }
    [[equations]]
    name = "u"
    identity = "u = normal(0, 1)"
    [[equations]]
    name = "x"
    family = "gaussian"
    formula = "x ~ c"
    [[equations]]
    name = "y"
    family = "gaussian"
    formula = "y ~ c"
    [[equations]]
    name = "v"
    identity = "v = normal(5, 2) + normal(0, 3)"
    """

    func model() throws -> CompiledModel {
        try CompiledModel(spec: modelSpec(Self.text), calibration: calibration([
            fixedEquation("x", .gaussian, "", terms: ["Intercept", "c"], coefficients: [0, 0], variance: 1, sigma: 1.5),
            fixedEquation("y", .gaussian, "", terms: ["Intercept", "c"], coefficients: [0, 0], variance: 1, sigma: 0.5),
        ]))
    }

    /// Runs paths 3 ... 7 over 2021-2022 and returns out[(yearIndex * 4 + variable) * 5 + i].
    func simulate(_ plan: SimulationPlan, _ switches: SimulationSwitches) -> [Double] {
        let ws = _Workspace(model: plan.model, width: 5)
        var out = [Double](repeating: .nan, count: 2 * 4 * 5)
        var violations = [Int](repeating: 0, count: 2 * 4)
        out.withUnsafeMutableBufferPointer { o in
            violations.withUnsafeMutableBufferPointer { v in
                plan.simulate(firstPath: 3, count: 5, workspace: ws, switches: switches, out: o.baseAddress!, violations: v.baseAddress!)
            }
        }
        return out
    }

    func testYearlyDrawsReadTheirWordSlotsInModelOrder() throws {
        let m = try model()
        XCTAssertEqual(m.slotWords, 5)   // u: 1, x: 1, y: 1, v: 2 (its normal() calls in reading order)
        let plan = try constantPlan(m, observed: [:], exogenous: ["c": 1], seed: 11, region: "Hải Phòng", horizon: 2022)
        let out = simulate(plan, SimulationSwitches(parameterUncertainty: false, processNoise: true))
        let key = StreamKey.pathYearKey(seed: 11, region: StreamKey.hash("Hải Phòng"))
        for (yi, year) in [2021, 2022].enumerated() {
            for i in 0..<5 {
                var s = RandomStream(philoxKey: key, year: year, path: UInt64(3 + i))
                let z = (0..<5).map { _ in NormalSampler.standard(bits: s.next()) }
                func value(_ v: Int) -> Double { out[(yi * 4 + v) * 5 + i] }
                XCTAssertEqual(value(0), z[0], "u, path \(3 + i), \(year)")
                XCTAssertEqual(value(1), 1.5 * z[1], "x, path \(3 + i), \(year)")
                XCTAssertEqual(value(2), 0.5 * z[2], "y, path \(3 + i), \(year)")
                XCTAssertEqual(value(3), (5 + 2 * z[3]) + 3 * z[4], accuracy: 1e-12, "v, path \(3 + i), \(year)")
            }
        }
    }

    /// Coefficients: beta = beta_hat + L z, z consecutive normals of the path's stream in year 0,
    /// the j-th calibrated equation's from block 2^31 + j * 2^16 (here L = I, beta_hat = 0, c = 1:
    /// x = z0 + z1 from block 2^31, y = z0' + z1' from block 2^31 + 65,536).
    func testCoefficientNormalsComeFromOneStreamPerPath() throws {
        let plan = try constantPlan(try model(), observed: [:], exogenous: ["c": 1], seed: 11, region: "Hải Phòng", horizon: 2022)
        let out = simulate(plan, SimulationSwitches(parameterUncertainty: true, processNoise: false))
        let key = StreamKey.pathYearKey(seed: 11, region: StreamKey.hash("Hải Phòng"))
        for i in 0..<5 {
            var s = RandomStream(philoxKey: key, year: 0, path: UInt64(3 + i), firstBlock: 0x8000_0000)
            let z = (0..<2).map { _ in NormalSampler.standard(bits: s.next()) }
            var t = RandomStream(philoxKey: key, year: 0, path: UInt64(3 + i), firstBlock: 0x8000_0000 + 1 << 16)
            let z2 = (0..<2).map { _ in NormalSampler.standard(bits: t.next()) }
            for yi in 0..<2 {
                XCTAssertEqual(out[(yi * 4 + 1) * 5 + i], z[0] + z[1], accuracy: 1e-12, "x, path \(3 + i)")
                XCTAssertEqual(out[(yi * 4 + 2) * 5 + i], z2[0] + z2[1], accuracy: 1e-12, "y, path \(3 + i)")
            }
        }
    }

    /// A simulated year 0 (a model may count years from 0) reads its slot words from blocks 0, 1, ...
    /// of the year-0 stream, and the coefficient normals come from blocks 2^31 + j * 2^16 of the same
    /// stream: distinct counters, so the coefficients and the first year's draws are independent
    /// (they shared block 0 before; here x's coefficients would have equalled u's and x's residuals).
    func testCoefficientBlocksAreDisjointFromASimulatedYearZero() throws {
        let plan = try constantPlan(try model(), observed: [:], exogenous: ["c": 1], seed: 11, region: "r",
                                    lastObservedYear: -1, horizon: 0)
        XCTAssertEqual(plan.years, 0...0)
        let ws = _Workspace(model: plan.model, width: 5)
        var out = [Double](repeating: .nan, count: 4 * 5)
        var violations = [Int](repeating: 0, count: 4)
        plan.simulate(firstPath: 3, count: 5, workspace: ws, switches: SimulationSwitches(), out: &out, violations: &violations)
        let key = StreamKey.pathYearKey(seed: 11, region: StreamKey.hash("r"))
        for i in 0..<5 {
            var year0 = RandomStream(philoxKey: key, year: 0, path: UInt64(3 + i))
            let z = (0..<5).map { _ in NormalSampler.standard(bits: year0.next()) }
            var cx = RandomStream(philoxKey: key, year: 0, path: UInt64(3 + i), firstBlock: 0x8000_0000)
            let bx = (0..<2).map { _ in NormalSampler.standard(bits: cx.next()) }
            XCTAssertEqual(out[0 * 5 + i], z[0], "u, path \(3 + i)")
            // x = (b0 + b1 c) + 1.5 z1 with c = 1, b = beta_hat + L z = (bx0, bx1).
            XCTAssertEqual(out[1 * 5 + i], (bx[0] + bx[1]) + 1.5 * z[1], accuracy: 1e-12, "x, path \(3 + i)")
            XCTAssertNotEqual(bx[0], z[0])
        }
    }

    /// Count draws read one word of the path-year stream each (their slot, in model order), then
    /// their equation's keyed stream if the sampler needs more: the engine's batch forms (f(0) over
    /// the batch, then a search per path) give exactly the samplers' draws on those words, for
    /// inversion, the mirrored inversion (p > 1/2), BTRS, NB2 inversion and NB2's gamma–Poisson
    /// mixture (alpha 2: alpha mean above the inversion limit, the gamma boost takes extra words).
    func testCountDrawsReadOneSlotThenTheEquationsKeyedStream() throws {
        let text = """
        name = "counts"
        [variables]
        a = { domain = "count" }
        b = { domain = "count" }
        c = { domain = "count" }
        n = { domain = "count" }
        m = { domain = "count" }
        [levers]
        x = { domain = "real" }
        t = { domain = "nonnegative" }
        [[equations]]
        name = "a"
        family = "binomial"
        trials = "t"
        formula = "a ~ x"
        [[equations]]
        name = "b"
        family = "binomial"
        trials = "t"
        formula = "b ~ x"
        [[equations]]
        name = "c"
        family = "binomial"
        trials = "t"
        formula = "c ~ x"
        [[equations]]
        name = "n"
        family = "negbin"
        formula = "n ~ x"
        [[equations]]
        name = "m"
        family = "negbin"
        formula = "m ~ x"
        """
        // x = 0: each equation is in one regime (probabilities by the engine's invlogit formula).
        let m = try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("a", .binomial, "", terms: ["Intercept", "x"], coefficients: [-3, 1]),      // n p = 4.7: inversion
            fixedEquation("b", .binomial, "", terms: ["Intercept", "x"], coefficients: [2.5, 1]),     // p > 1/2, n (1 - p) = 7.6: mirrored inversion
            fixedEquation("c", .binomial, "", terms: ["Intercept", "x"], coefficients: [-0.5, 1]),    // n p = 37.8: BTRS
            fixedEquation("n", .negbin, "", terms: ["Intercept", "x"], coefficients: [log(17), 1], alpha: 0.07),  // inversion
            fixedEquation("m", .negbin, "", terms: ["Intercept", "x"], coefficients: [log(30), 0], alpha: 2),     // alpha mean 60: mixture
        ]))
        XCTAssertEqual(m.slotWords, 5)
        let width = 64
        let plan = try constantPlan(m, observed: [:], exogenous: ["x": 0, "t": 100], seed: 5, region: "r", horizon: 2021)
        let ws = _Workspace(model: m, width: width)
        var out = [Double](repeating: .nan, count: 5 * width)
        var violations = [Int](repeating: 0, count: 5)
        plan.simulate(firstPath: 0, count: width, workspace: ws, switches: SimulationSwitches(parameterUncertainty: false, processNoise: true),
                      out: &out, violations: &violations)
        let key = StreamKey.pathYearKey(seed: 5, region: StreamKey.hash("r"))
        let samplers: [(String, (inout _Sequence) -> Int)] = [
            ("a", { [s = BinomialSampler(trials: 100, probability: exp(-3.0) / (1 + exp(-3.0)))] in s.next(using: &$0) }),
            ("b", { [s = BinomialSampler(trials: 100, probability: 1 / (1 + exp(-2.5)))] in s.next(using: &$0) }),
            ("c", { [s = BinomialSampler(trials: 100, probability: exp(-0.5) / (1 + exp(-0.5)))] in s.next(using: &$0) }),
            ("n", { [s = NegativeBinomial2Sampler(mean: exp(log(17.0)), alpha: 0.07)] in s.next(using: &$0) }),
            ("m", { [s = NegativeBinomial2Sampler(mean: exp(log(30.0)), alpha: 2)] in s.next(using: &$0) }),
        ]
        var overflowed = [Int](repeating: 0, count: 5)
        for i in 0..<width {
            var slots = RandomStream(philoxKey: key, year: 2021, path: UInt64(i))
            let words = (0..<5).map { _ in slots.next() }
            for (v, (name, draw)) in samplers.enumerated() {
                let overflow = RandomStream(key: StreamKey(seed: 5, region: StreamKey.hash("r"), path: UInt64(i), year: 2021,
                                                           equation: StreamKey.hash(name)))
                var g = _Sequence(words: [words[v]], then: overflow)
                XCTAssertEqual(out[v * width + i], Double(draw(&g)), "\(name), path \(i)")
                if g.taken > 1 { overflowed[v] += 1 }
            }
        }
        // Inversion takes exactly its one word; BTRS always a second; the mixture several.
        XCTAssertEqual(overflowed[0], 0)
        XCTAssertEqual(overflowed[1], 0)
        XCTAssertEqual(overflowed[2], width)
        XCTAssertEqual(overflowed[3], 0)
        XCTAssertEqual(overflowed[4], width)
        XCTAssertEqual(violations, [0, 0, 0, 0, 0])
    }
}

/// Given words, then another generator.
struct _Sequence: RandomNumberGenerator {
    var words: [UInt64]
    var then: RandomStream
    var taken = 0
    mutating func next() -> UInt64 {
        taken += 1
        return taken <= words.count ? words[taken - 1] : then.next()
    }
}
