import CoopRandom
import XCTest

/// Degenerate parameters give the degenerate distribution, exactly, and never loop.
final class EdgeCaseTests: XCTestCase {
    func stream(_ seed: UInt64) -> RandomStream {
        RandomStream(key: StreamKey(seed: seed, region: 0, path: 0, year: 2024, equation: 0))
    }

    func testDegenerateParameters() {
        var s = stream(1)
        for _ in 0..<1_000 {
            XCTAssertEqual(PoissonSampler(mean: 0).next(using: &s), 0)
            XCTAssertEqual(BinomialSampler(trials: 0, probability: 0.3).next(using: &s), 0)
            XCTAssertEqual(BinomialSampler(trials: 25, probability: 0).next(using: &s), 0)
            XCTAssertEqual(BinomialSampler(trials: 25, probability: 1).next(using: &s), 25)
            XCTAssertEqual(NegativeBinomial2Sampler(mean: 0, alpha: 0.7).next(using: &s), 0)
            XCTAssertEqual(NormalSampler(mean: 3, standardDeviation: 0).next(using: &s), 3)
            let b = BinomialSampler(trials: 1, probability: 0.5).next(using: &s)
            XCTAssert(b == 0 || b == 1)
        }
    }

    func testAlphaZeroIsPoissonOnTheSameStream() {
        for p in 0..<200 {
            var a = stream(UInt64(p)), b = stream(UInt64(p))
            XCTAssertEqual(NegativeBinomial2Sampler(mean: 7, alpha: 0).next(using: &a),
                           PoissonSampler(mean: 7).next(using: &b))
            a = stream(UInt64(p)); b = stream(UInt64(p))
            XCTAssertEqual(NegativeBinomial2Sampler(mean: 7, alpha: 0x1p-1070).next(using: &a),
                           PoissonSampler(mean: 7).next(using: &b))
        }
    }

    /// Inversion at the extreme uniforms ends (u = 1 - 2^-53) in the far tail, not in a loop.
    func testInversionAtTheLargestUniform() {
        struct Top: RandomNumberGenerator { mutating func next() -> UInt64 { .max } }
        struct Bottom: RandomNumberGenerator { mutating func next() -> UInt64 { 0 } }
        var top = Top(), bottom = Bottom()
        let k = PoissonSampler(mean: 9.5).next(using: &top)
        XCTAssertGreaterThan(k, 30)
        XCTAssertLessThan(k, 60)
        XCTAssertEqual(PoissonSampler(mean: 9.5).next(using: &bottom), 0)
        XCTAssertLessThanOrEqual(BinomialSampler(trials: 30, probability: 0.3).next(using: &top), 30)
        XCTAssertGreaterThan(BinomialSampler(trials: 30, probability: 0.3).next(using: &top), 20)
        XCTAssertEqual(BinomialSampler(trials: 30, probability: 0.7).next(using: &bottom), 0)
        XCTAssertEqual(BinomialSampler(trials: 30, probability: 0.7).next(using: &top), 30)
        // Quantiles of 1 - 2^-53 and 2^-54 from mpmath (Fixtures/normal_quantile.txt).
        XCTAssertEqual(NormalSampler.standard(using: &top), 8.209536151601387, accuracy: 1e-14)
        XCTAssertEqual(NormalSampler.standard(using: &bottom), -8.292361075813595, accuracy: 1e-14)
    }

    func testTinyGammaShapeAndHugeMeans() {
        var s = stream(3)
        for _ in 0..<1_000 {
            let g = GammaSampler(shape: 1e-3).next(using: &s)
            XCTAssert(g >= 0 && g.isFinite)
        }
        // Poisson(1e12): mean and sd of 2,000 draws (sd 1e6; SE of the mean 22,361).
        var sum = 0.0
        for _ in 0..<2_000 { sum += Double(PoissonSampler(mean: 1e12).next(using: &s)) }
        XCTAssertEqual(sum / 2_000, 1e12, accuracy: 5 * 22_361, "seed 3")
        var bsum = 0.0
        for _ in 0..<2_000 { bsum += Double(BinomialSampler(trials: 1_000_000_000, probability: 0.25).next(using: &s)) }
        // sd sqrt(1e9 * 0.1875) = 13,693; SE of the mean 306.
        XCTAssertEqual(bsum / 2_000, 2.5e8, accuracy: 5 * 306, "seed 3")
    }
}
