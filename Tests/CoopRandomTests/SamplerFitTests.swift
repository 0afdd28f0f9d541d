@testable import CoopRandom
import XCTest

/// Chi-square goodness of fit of every sampler at fixed seeds.
///
/// Fixture: scripts/fixtures/sampler_bins.py (scipy.stats bin probabilities, the chi-square
/// critical value at level 1e-4 and the power against 3% and 1% relative errors spread over
/// all bins, for 200,000 draws). A correct sampler fails a case with probability 1e-4;
/// a failure message prints the seed and the statistic.
final class SamplerFitTests: XCTestCase {
    struct Case {
        var name: String
        var params: [Substring]
        var draws: Int
        var critical: Double
        var bins: [(lo: Double, hi: Double, p: Double)]
    }

    static let seed: UInt64 = 20_261_125

    func loadCases() throws -> [String: Case] {
        var cases = [String: Case]()
        var current: Case?
        for row in try fixtureLines("sampler_bins.txt") {
            if row[0] == "case" {
                if let c = current { cases[c.name] = c }
                func field(_ k: String) -> Substring { row.first { $0.hasPrefix(k + "=") }!.dropFirst(k.count + 1) }
                current = Case(name: String(row[1]), params: Array(row[2...].prefix { !$0.contains("=") }),
                               draws: Int(field("draws"))!, critical: Double(field("critical"))!, bins: [])
            } else {
                current!.bins.append((Double(row[1])!, Double(row[2])!, Double(row[3])!))
            }
        }
        if let c = current { cases[c.name] = c }
        return cases
    }

    /// The chi-square statistic of `values` over the case's bins.
    func chiSquare(_ values: [Double], _ c: Case, discrete: Bool) -> Double {
        var counts = [Double](repeating: 0, count: c.bins.count)
        let his = c.bins.map(\.hi)
        for v in values {
            // First bin whose upper end is above (continuous) or at least (discrete) v.
            var lo = 0, hi = his.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if discrete ? v <= his[mid] : v < his[mid] { hi = mid } else { lo = mid + 1 }
            }
            counts[lo] += 1
        }
        let n = Double(values.count)
        var x2 = 0.0
        for (i, b) in c.bins.enumerated() {
            let e = n * b.p
            x2 += (counts[i] - e) * (counts[i] - e) / e
        }
        return x2
    }

    func check(_ name: String, discrete: Bool, _ draw: (inout RandomStream) -> Double) throws {
        let cases = try loadCases()
        let c = try XCTUnwrap(cases[name], "no case \(name) in sampler_bins.txt")
        var stream = RandomStream(key: StreamKey(seed: Self.seed, region: StreamKey.hash(name), path: 0,
                                                 year: 2024, equation: 0))
        var values = [Double](repeating: 0, count: c.draws)
        for i in values.indices { values[i] = draw(&stream) }
        let x2 = chiSquare(values, c, discrete: discrete)
        XCTAssertLessThan(x2, c.critical,
                          "\(name): chi-square \(x2) over \(c.bins.count) bins exceeds the 1e-4 critical value \(c.critical) (seed \(Self.seed))")
    }

    func testNormal() throws {
        try check("normal", discrete: false) { NormalSampler.standard(using: &$0) }
        let s = NormalSampler(mean: 2.5, standardDeviation: 3)
        try check("normal_shifted", discrete: false) { s.next(using: &$0) }
    }

    func testGamma() throws {
        for (name, a, scale) in [("gamma_0.3", 0.3, 1.0), ("gamma_1", 1, 1), ("gamma_7.5", 7.5, 2)] {
            let g = GammaSampler(shape: a, scale: scale)
            try check(name, discrete: false) { g.next(using: &$0) }
        }
    }

    func testPoisson() throws {
        for mean in [0.5, 4, 15.99, 16, 30, 1000] {
            let p = PoissonSampler(mean: mean)
            let name = "poisson_" + (mean == mean.rounded() ? String(Int(mean)) : String(mean))
            try check(name, discrete: true) { Double(p.next(using: &$0)) }
        }
    }

    func testBinomial() throws {
        for (n, p, name) in [(10, 0.3, "binomial_10_0.3"), (663, 0.02, "binomial_663_0.02"),
                             (5000, 0.5, "binomial_5000_0.5"), (40, 0.9, "binomial_40_0.9"),
                             (200, 0.8, "binomial_200_0.8"), (1000, 0.0199, "binomial_1000_0.0199"),
                             (1000, 0.02, "binomial_1000_0.02"), (100, 0.85, "binomial_100_0.85"),
                             // Inversion and BTRS beside the limit n min(p, 1-p) = 20 at p = 1/2, inversion
                             // mirrored at large n, BTRS at a model-like mean (group exits, Hai Phong).
                             (39, 0.5, "binomial_39_0.5"), (41, 0.5, "binomial_41_0.5"),
                             (2000, 0.9905, "binomial_2000_0.9905"), (70, 0.07, "binomial_70_0.07")] {
            let b = BinomialSampler(trials: n, probability: p)
            try check(name, discrete: true) { Double(b.next(using: &$0)) }
        }
    }

    func testNegativeBinomial2() throws {
        // Inversion (mean < 40 with alpha mean < 20): small, model-like (entries), at the mean limit,
        // near the alpha mean limit (long tail), near the Poisson limit; the gamma-Poisson mixture:
        // alpha mean above its limit (with the gamma boost), at the mean limit, model-like (groups).
        for (mu, alpha, name) in [(5.0, 0.5, "nb2_5_0.5"), (17, 0.07, "nb2_17_0.07"), (39.9, 0.1, "nb2_39.9_0.1"),
                                  (1.5, 13, "nb2_1.5_13"), (0.2, 0.01, "nb2_0.2_0.01"),
                                  (15, 2, "nb2_15_2"), (40, 0.1, "nb2_40_0.1"), (100, 0.1, "nb2_100_0.1")] {
            XCTAssertEqual(NegativeBinomial2Sampler(mean: mu, alpha: alpha).useInversion, mu < 40 && mu * alpha < 20, name)
            let s = NegativeBinomial2Sampler(mean: mu, alpha: alpha)
            try check(name, discrete: true) { Double(s.next(using: &$0)) }
        }
    }
}

extension SamplerFitTests {
    /// The test has teeth: slightly wrong samplers are rejected at the same seed and size.
    func testChiSquareRejectsSlightlyWrongSamplers() throws {
        let cases = try loadCases()
        func statistic(_ name: String, discrete: Bool, _ draw: (inout RandomStream) -> Double) -> (Double, Double) {
            let c = cases[name]!
            var stream = RandomStream(key: StreamKey(seed: Self.seed, region: 1, path: 0, year: 0, equation: 9))
            let values = (0..<c.draws).map { _ in draw(&stream) }
            return (chiSquare(values, c, discrete: discrete), c.critical)
        }
        let wrong: [(String, Bool, (inout RandomStream) -> Double)] = [
            ("poisson_30", true, { [p = PoissonSampler(mean: 30.3)] in Double(p.next(using: &$0)) }),
            ("poisson_4", true, { [p = PoissonSampler(mean: 4.05)] in Double(p.next(using: &$0)) }),
            ("gamma_7.5", false, { [g = GammaSampler(shape: 7.6, scale: 2)] in g.next(using: &$0) }),
            ("binomial_663_0.02", true, { [b = BinomialSampler(trials: 663, probability: 0.0205)] in Double(b.next(using: &$0)) }),
            ("nb2_5_0.5", true, { [s = NegativeBinomial2Sampler(mean: 5, alpha: 0.45)] in Double(s.next(using: &$0)) }),
            ("nb2_17_0.07", true, { [s = NegativeBinomial2Sampler(mean: 17.5, alpha: 0.07)] in Double(s.next(using: &$0)) }),
            ("nb2_100_0.1", true, { [s = NegativeBinomial2Sampler(mean: 100, alpha: 0.11)] in Double(s.next(using: &$0)) }),
            ("binomial_39_0.5", true, { [b = BinomialSampler(trials: 39, probability: 0.51)] in Double(b.next(using: &$0)) }),
            ("normal", false, { [s = NormalSampler(mean: 0, standardDeviation: 1.02)] in s.next(using: &$0) }),
        ]
        for (name, discrete, draw) in wrong {
            let (x2, critical) = statistic(name, discrete: discrete, draw)
            XCTAssertGreaterThan(x2, critical, "\(name): a deliberately wrong sampler passed (seed \(Self.seed))")
        }
    }
}

extension SamplerFitTests {
    /// At the extreme uniforms (2^-54 and 1 - 2^-53) the rounded sum of the pmf can stay below u
    /// (or the mirrored 1 - u is exactly 1): the search then stops where the sum stops changing, near
    /// the exact quantile (scipy's nbinom/binom.ppf at those u: 271, 799, 65, 50, 14; the rounded sum
    /// stops a little below), never at its cap (1,500, min(n, 150)) nor at 0 for a mirrored draw.
    func testInversionAtTheExtremeUniformsStaysNearTheQuantile() {
        struct Fixed: RandomNumberGenerator { var word: UInt64
            mutating func next() -> UInt64 { word } }
        func nb2(_ mu: Double, _ a: Double, _ w: UInt64) -> Int { var g = Fixed(word: w); return NegativeBinomial2Sampler(mean: mu, alpha: a).next(using: &g) }
        func bin(_ n: Int, _ p: Double, _ w: UInt64) -> Int { var g = Fixed(word: w); return BinomialSampler(trials: n, probability: p).next(using: &g) }
        XCTAssertTrue((240...290).contains(nb2(39.9, 0.1, .max)), "\(nb2(39.9, 0.1, .max))")
        XCTAssertTrue((700...820).contains(nb2(35, 0.55, .max)), "\(nb2(35, 0.55, .max))")
        XCTAssertTrue((60...70).contains(bin(1000, 0.0199, .max)), "\(bin(1000, 0.0199, .max))")
        XCTAssertTrue((48...52).contains(bin(100, 0.85, 0)), "\(bin(100, 0.85, 0))")
        XCTAssertTrue((13...16).contains(bin(40, 0.9, 0)), "\(bin(40, 0.9, 0))")
    }

    /// Where binomial and NB2 draws invert, a draw is a nondecreasing function of its one uniform
    /// (common random numbers), for every uniform up to the largest one (1 - 2^-53), where the
    /// search must still stop (binomial: at most n).
    func testInversionIsMonotoneInItsOneUniform() {
        struct Fixed: RandomNumberGenerator { var word: UInt64; var calls = 0
            mutating func next() -> UInt64 { calls += 1; return word } }
        let binomials = [(39, 0.5), (100, 0.85), (2000, 0.9905), (1000, 0.0199), (5, 0.999999)]
        let nb2 = [(17.0, 0.07), (39.9, 0.1), (1.5, 13), (0.2, 0.01), (35, 0.55)]
        var draws: [(String, (inout Fixed) -> Int, Int)] = binomials.map { n, p in
            let s = BinomialSampler(trials: n, probability: p)
            return ("binomial \(n) \(p)", { s.next(using: &$0) }, n)
        }
        draws += nb2.map { mu, a in
            let s = NegativeBinomial2Sampler(mean: mu, alpha: a)
            XCTAssertTrue(s.useInversion, "NB2 \(mu) \(a)")
            return ("NB2 \(mu) \(a)", { s.next(using: &$0) }, Int.max)
        }
        for (name, draw, most) in draws {
            var last = -1
            for j in 0...20_000 {
                // 20,001 uniforms evenly spaced from 2^-54 up, the last the largest (1 - 2^-53).
                let word: UInt64 = j == 20_000 ? .max : UInt64(Double(UInt64.max >> 11) * (Double(j) / 20_000)) << 11
                var g = Fixed(word: word)
                let k = draw(&g)
                XCTAssertEqual(g.calls, 1, "\(name): inversion takes one word")
                XCTAssertGreaterThanOrEqual(k, last, "\(name): not monotone at word \(word)")
                XCTAssertLessThanOrEqual(k, most, name)
                last = k
            }
        }
    }
}
