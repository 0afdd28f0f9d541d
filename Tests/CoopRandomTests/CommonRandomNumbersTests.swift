import CoopRandom
import XCTest

/// Determinism and common-random-number coupling: the properties `run` and `compare` rely on.
final class CommonRandomNumbersTests: XCTestCase {
    static let seed: UInt64 = 424_242

    func key(_ path: Int, equation: UInt64 = 1) -> StreamKey {
        StreamKey(seed: Self.seed, region: StreamKey.hash("hcmc"), path: UInt64(path), year: 2026, equation: equation)
    }

    func testEverySamplerIsDeterministicPerKey() {
        func twice<T: Equatable>(_ draw: (inout RandomStream) -> T, file: StaticString = #filePath, line: UInt = #line) {
            for p in 0..<50 {
                var a = RandomStream(key: key(p)), b = RandomStream(key: key(p))
                let x = (0..<20).map { _ in draw(&a) }, y = (0..<20).map { _ in draw(&b) }
                XCTAssertEqual(x, y, "seed \(Self.seed), path \(p)", file: file, line: line)
            }
        }
        twice { NormalSampler(mean: 1, standardDeviation: 2).next(using: &$0) }
        twice { GammaSampler(shape: 0.3).next(using: &$0) }
        twice { PoissonSampler(mean: 3).next(using: &$0) }
        twice { PoissonSampler(mean: 300).next(using: &$0) }
        twice { BinomialSampler(trials: 663, probability: 0.02).next(using: &$0) }
        twice { NegativeBinomial2Sampler(mean: 40, alpha: 0.1).next(using: &$0) }
    }

    func testFillEqualsRepeatedNext() {
        var a = RandomStream(key: key(1)), b = RandomStream(key: key(1))
        var buffer = [Double](repeating: 0, count: 500)
        PoissonSampler(mean: 25).fill(&buffer, using: &a)
        XCTAssertEqual(buffer, (0..<500).map { _ in Double(PoissonSampler(mean: 25).next(using: &b)) })
        GammaSampler(shape: 2, scale: 3).fill(&buffer, using: &a)
        XCTAssertEqual(buffer, (0..<500).map { _ in GammaSampler(shape: 2, scale: 3).next(using: &b) })
        BinomialSampler(trials: 50, probability: 0.7).fill(&buffer, using: &a)
        XCTAssertEqual(buffer, (0..<500).map { _ in Double(BinomialSampler(trials: 50, probability: 0.7).next(using: &b)) })
        NegativeBinomial2Sampler(mean: 5, alpha: 0.5).fill(&buffer, using: &a)
        XCTAssertEqual(buffer, (0..<500).map { _ in Double(NegativeBinomial2Sampler(mean: 5, alpha: 0.5).next(using: &b)) })
        NormalSampler().fill(&buffer, using: &a)
        XCTAssertEqual(buffer, (0..<500).map { _ in NormalSampler.standard(using: &b) })
    }

    /// Splitting a block of paths into chunks (threads, shards) changes nothing.
    func testPathBatchesDoNotDependOnChunking() {
        let means = (0..<100).map { 0.5 + Double($0) * 0.7 }
        var whole = [Double](repeating: 0, count: 100)
        RandomStream.fill(&whole, paths: key(0)) { i, s in Double(PoissonSampler(mean: means[i]).next(using: &s)) }
        var first = [Double](repeating: 0, count: 37), second = [Double](repeating: 0, count: 63)
        RandomStream.fill(&first, paths: key(0)) { i, s in Double(PoissonSampler(mean: means[i]).next(using: &s)) }
        RandomStream.fill(&second, paths: key(37)) { i, s in Double(PoissonSampler(mean: means[37 + i]).next(using: &s)) }
        XCTAssertEqual(whole, first + second)
    }

    /// Inversion makes draws monotone in the parameter when the stream is shared.
    func testInversionIsMonotoneInTheParameter() {
        for p in 0..<5_000 {
            var a = RandomStream(key: key(p)), b = RandomStream(key: key(p))
            XCTAssertLessThanOrEqual(PoissonSampler(mean: 3).next(using: &a), PoissonSampler(mean: 3.4).next(using: &b),
                                     "seed \(Self.seed), path \(p)")
            a = RandomStream(key: key(p)); b = RandomStream(key: key(p))
            XCTAssertLessThanOrEqual(BinomialSampler(trials: 663, probability: 0.010).next(using: &a),
                                     BinomialSampler(trials: 663, probability: 0.012).next(using: &b),
                                     "seed \(Self.seed), path \(p)")
            // Across p = 1/2, where the sampler mirrors the uniform.
            a = RandomStream(key: key(p)); b = RandomStream(key: key(p))
            XCTAssertLessThanOrEqual(BinomialSampler(trials: 12, probability: 0.49).next(using: &a),
                                     BinomialSampler(trials: 12, probability: 0.51).next(using: &b),
                                     "seed \(Self.seed), path \(p)")
        }
    }

    /// Var(X(θ1) - X(θ0)) with a shared stream is far below the independent-streams value
    /// Var X(θ1) + Var X(θ0): the variance reduction `compare` relies on.
    func testCommonRandomNumbersReduceTheVarianceOfDifferences() {
        func ratio(_ draw: (Bool, inout RandomStream) -> Double) -> Double {
            let n = 20_000
            var crn = [Double](), indep = [Double]()
            for p in 0..<n {
                var a = RandomStream(key: key(p)), b = RandomStream(key: key(p))
                var c = RandomStream(key: key(p, equation: 2))
                let x0 = draw(false, &a)
                crn.append(draw(true, &b) - x0)
                indep.append(draw(true, &c) - x0)
            }
            func variance(_ v: [Double]) -> Double {
                let m = v.reduce(0, +) / Double(v.count)
                return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
            }
            return variance(crn) / variance(indep)
        }
        let normal = ratio { alt, s in NormalSampler(mean: alt ? 0.1 : 0, standardDeviation: alt ? 1.1 : 1).next(using: &s) }
        let poissonInv = ratio { alt, s in Double(PoissonSampler(mean: alt ? 6 : 5).next(using: &s)) }
        let poissonPTRS = ratio { alt, s in Double(PoissonSampler(mean: alt ? 105 : 100).next(using: &s)) }
        let binomialBTRS = ratio { alt, s in Double(BinomialSampler(trials: 663, probability: alt ? 0.05 : 0.045).next(using: &s)) }
        let nb2 = ratio { alt, s in Double(NegativeBinomial2Sampler(mean: alt ? 44 : 40, alpha: 0.1).next(using: &s)) }
        print("CRN variance ratios: normal \(normal), Poisson inversion \(poissonInv), PTRS \(poissonPTRS), BTRS \(binomialBTRS), NB2 \(nb2)")
        XCTAssertLessThan(normal, 0.02, "seed \(Self.seed)")
        XCTAssertLessThan(poissonInv, 0.05, "seed \(Self.seed)")
        XCTAssertLessThan(poissonPTRS, 0.15, "seed \(Self.seed)")
        XCTAssertLessThan(binomialBTRS, 0.15, "seed \(Self.seed)")
        XCTAssertLessThan(nb2, 0.1, "seed \(Self.seed)")
    }
}
