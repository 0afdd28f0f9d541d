import CoopRandom
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
                             (1000, 0.02, "binomial_1000_0.02"), (100, 0.85, "binomial_100_0.85")] {
            let b = BinomialSampler(trials: n, probability: p)
            try check(name, discrete: true) { Double(b.next(using: &$0)) }
        }
    }

    func testNegativeBinomial2() throws {
        for (mu, alpha, name) in [(5.0, 0.5, "nb2_5_0.5"), (40, 0.1, "nb2_40_0.1")] {
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
            ("normal", false, { [s = NormalSampler(mean: 0, standardDeviation: 1.02)] in s.next(using: &$0) }),
        ]
        for (name, discrete, draw) in wrong {
            let (x2, critical) = statistic(name, discrete: discrete, draw)
            XCTAssertGreaterThan(x2, critical, "\(name): a deliberately wrong sampler passed (seed \(Self.seed))")
        }
    }
}
