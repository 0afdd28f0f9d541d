import CoopData
@testable import CoopModel
import Foundation
import XCTest

/// Chi-square goodness of fit of the engine's draws, through the path-year word slots and the
/// overflow streams (Guides/Random.md, "The engine's path-year streams"): rejection samplers that
/// take more words than their one-word slot (BTRS, PTRS, NB2's gamma–Poisson mixture) must still
/// give exactly their distribution, and so must the batch inversion of binomial and NB2 draws
/// (f(0) computed over the batch, then one search per path from its slot word). Bins, critical values at level 1e-4 and the power against 3% and 1%
/// relative errors spread over all bins come from scripts/fixtures/sampler_bins.py (scipy.stats),
/// the fixture of CoopRandomTests' `SamplerFitTests`; 200,000 paths each, one year, fixed seed.
final class EngineSamplerFitTests: XCTestCase {
    static let text = """
    name = "fit"
    [variables]
    k = { domain = "count" }
    y = { domain = "count" }
    n = { domain = "count" }
    m = { domain = "count" }
    j = { domain = "count" }
    h = { domain = "count" }
    e = { domain = "count" }
    [levers]
    c = { domain = "real" }
    t = { domain = "nonnegative" }
    t2 = { domain = "nonnegative" }
    t3 = { domain = "nonnegative" }
    [[equations]]
    name = "k"
    family = "binomial"
    trials = "t"
    formula = "k ~ c"
    [[equations]]
    name = "y"
    family = "poisson"
    formula = "y ~ c"
    [[equations]]
    name = "n"
    family = "negbin"
    formula = "n ~ c"
    [[equations]]
    name = "m"
    family = "negbin"
    formula = "m ~ c"
    [[equations]]
    name = "j"
    family = "binomial"
    trials = "t2"
    formula = "j ~ c"
    [[equations]]
    name = "h"
    family = "binomial"
    trials = "t3"
    formula = "h ~ c"
    [[equations]]
    name = "e"
    family = "negbin"
    formula = "e ~ c"
    """

    struct Bins { var critical: Double; var bins: [(hi: Double, p: Double)] }

    func bins(_ name: String) throws -> Bins {
        let text = try String(contentsOfFile: repositoryRoot + "/Tests/CoopRandomTests/Fixtures/sampler_bins.txt", encoding: .utf8)
        var out: Bins?
        var inCase = false
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            if f[0] == "case" {
                if inCase { break }
                inCase = f[1] == name
                if inCase { out = Bins(critical: Double(f.first { $0.hasPrefix("critical=") }!.dropFirst(9))!, bins: []) }
            } else if inCase {
                out!.bins.append((Double(f[2])!, Double(f[3])!))
            }
        }
        return try XCTUnwrap(out, "no case \(name)")
    }

    func testEngineDrawsFitTheirDistributions() throws {
        let model = try CompiledModel(spec: modelSpec(Self.text), calibration: calibration([
            fixedEquation("k", .binomial, "", terms: ["Intercept", "c"], coefficients: [0, 0]),            // Bin(5000, 0.5): BTRS
            fixedEquation("y", .poisson, "", terms: ["Intercept", "c"], coefficients: [log(30.0), 0]),    // Poisson(30): PTRS
            fixedEquation("n", .negbin, "", terms: ["Intercept", "c"], coefficients: [log(40.0), 0], alpha: 0.1),
            fixedEquation("m", .negbin, "", terms: ["Intercept", "c"], coefficients: [log(5.0), 0], alpha: 0.5),   // inversion
            fixedEquation("j", .binomial, "", terms: ["Intercept", "c"], coefficients: [0, 0]),            // Bin(39, 0.5): inversion at the limit
            fixedEquation("h", .binomial, "", terms: ["Intercept", "c"], coefficients: [log(0.85 / 0.15), 0]),  // Bin(100, 0.85): mirrored inversion
            fixedEquation("e", .negbin, "", terms: ["Intercept", "c"], coefficients: [log(17.0), 0], alpha: 0.07), // inversion (entries-like)
        ]))
        XCTAssertEqual(model.slotWords, 7)   // one word per count draw
        let plan = try constantPlan(model, observed: [:], exogenous: ["c": 0, "t": 5000, "t2": 39, "t3": 100],
                                    seed: 20_261_130, horizon: 2021)
        let paths = 200_000, width = 1000
        let ws = _Workspace(model: model, width: width)
        let nv = 7
        var values = [[Double]](repeating: [], count: nv)
        var out = [Double](repeating: 0, count: nv * width)
        var violations = [Int](repeating: 0, count: nv)
        for first in stride(from: 0, to: paths, by: width) {
            plan.simulate(firstPath: first, count: width, workspace: ws,
                          switches: SimulationSwitches(parameterUncertainty: false, processNoise: true),
                          out: &out, violations: &violations)
            for v in 0..<nv { values[v] += out[v * width..<(v + 1) * width] }
        }
        XCTAssertEqual(violations, [Int](repeating: 0, count: nv))
        for (v, name) in ["binomial_5000_0.5", "poisson_30", "nb2_40_0.1", "nb2_5_0.5", "binomial_39_0.5",
                          "binomial_100_0.85", "nb2_17_0.07"].enumerated() {
            let b = try bins(name)
            var counts = [Double](repeating: 0, count: b.bins.count)
            let his = b.bins.map(\.hi)
            for x in values[v] {
                var lo = 0, hi = his.count - 1           // the first bin whose upper end is at least x
                while lo < hi { let mid = (lo + hi) / 2; if x <= his[mid] { hi = mid } else { lo = mid + 1 } }
                counts[lo] += 1
            }
            let n = Double(values[v].count)
            let x2 = zip(counts, b.bins).reduce(0.0) { s, cb in s + (cb.0 - n * cb.1.p) * (cb.0 - n * cb.1.p) / (n * cb.1.p) }
            XCTAssertLessThan(x2, b.critical, "\(name) through the engine: chi-square \(x2) over \(b.bins.count) bins exceeds the 1e-4 critical value \(b.critical)")
        }
    }
}
