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

    /// A sampler that needs more words than its slots continues from its equation's keyed stream:
    /// an NB2 draw (four slots) with alpha = 2 (gamma shape 1/2, the boost takes a fifth word).
    func testWordsBeyondTheSlotsComeFromTheEquationsKeyedStream() throws {
        let text = """
        name = "nb"
        [variables]
        n = { domain = "count" }
        [levers]
        c = { domain = "real" }
        [[equations]]
        name = "n"
        family = "negbin"
        formula = "n ~ c"
        """
        let m = try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("n", .negbin, "", terms: ["Intercept", "c"], coefficients: [log(30), 0], alpha: 2),
        ]))
        XCTAssertEqual(m.slotWords, 4)
        let plan = try constantPlan(m, observed: [:], exogenous: ["c": 0], seed: 5, region: "r", horizon: 2021)
        let ws = _Workspace(model: m, width: 64)
        var out = [Double](repeating: .nan, count: 64)
        var violations = [0]
        plan.simulate(firstPath: 0, count: 64, workspace: ws, switches: SimulationSwitches(parameterUncertainty: false, processNoise: true),
                      out: &out, violations: &violations)
        let key = StreamKey.pathYearKey(seed: 5, region: StreamKey.hash("r"))
        var overflowed = 0
        for i in 0..<64 {
            // The documented sequence: four words of the path-year stream, then the keyed stream (seed, region, path, year, "n").
            var slots = RandomStream(philoxKey: key, year: 2021, path: UInt64(i))
            let words = (0..<4).map { _ in slots.next() }
            let overflow = RandomStream(key: StreamKey(seed: 5, region: StreamKey.hash("r"), path: UInt64(i), year: 2021,
                                                       equation: StreamKey.hash("n")))
            var g = _Sequence(words: words, then: overflow)
            let want = Double(NegativeBinomial2Sampler(mean: exp(log(30.0)), alpha: 2).next(using: &g))
            XCTAssertEqual(out[i], want, "path \(i)")
            if g.taken > 4 { overflowed += 1 }
        }
        // Gamma(1/2) with the boost takes three words a try; a Poisson step by PTRS (lambda >= 16,
        // about half the paths) two more: many paths go past their four slots.
        XCTAssertGreaterThan(overflowed, 10)
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
