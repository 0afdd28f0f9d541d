import CoopRandom
import XCTest

/// Multivariate normal: Cholesky against numpy, failure reporting, jitter, sample moments.
/// Fixture: scripts/fixtures/mvn.py (numpy.linalg.cholesky).
final class MultivariateNormalTests: XCTestCase {
    func cases() throws -> (pd: [(Int, [Double], [Double])], notPD: [(Int, [Double], Int)]) {
        var pd = [(Int, [Double], [Double])](), notPD = [(Int, [Double], Int)]()
        for row in try fixtureLines("mvn.txt") {
            let n = Int(row[1])!
            if row[0] == "pd" {
                let a = row[2..<(2 + n * n)].map { Double($0)! }
                let l = row[(3 + n * n)...].map { Double($0)! }
                pd.append((n, a, l))
            } else {
                notPD.append((n, row[2..<(2 + n * n)].map { Double($0)! }, Int(row[2 + n * n])!))
            }
        }
        return (pd, notPD)
    }

    func testCholeskyMatchesNumpy() throws {
        let (pd, _) = try cases()
        XCTAssertEqual(pd.count, 6)
        for (n, a, expected) in pd {
            guard case .success(let l) = MultivariateNormal.cholesky(a, dimension: n) else {
                return XCTFail("numpy factors this \(n) x \(n) matrix but we did not")
            }
            let scale = expected.map(abs).max()!
            for i in 0..<(n * n) {
                XCTAssertEqual(l[i], expected[i], accuracy: 1e-13 * scale, "n = \(n), entry \(i)")
            }
            let mvn = try XCTUnwrap(MultivariateNormal(mean: [Double](repeating: 0, count: n), covariance: a))
            XCTAssertEqual(mvn.lowerFactor.count, n * n)
        }
    }

    func testNotPositiveDefiniteIsReported() throws {
        let (_, bad) = try cases()
        XCTAssertEqual(bad.count, 4)
        for (n, a, column) in bad {
            XCTAssertNil(MultivariateNormal(mean: [Double](repeating: 0, count: n), covariance: a))
            guard case .failure(let e) = MultivariateNormal.cholesky(a, dimension: n) else {
                return XCTFail("accepted a matrix numpy rejects: \(a)")
            }
            XCTAssertEqual(e.column, column, "\(a)")
            XCTAssertTrue(e.description.contains("not positive definite"))
        }
        XCTAssertNil(MultivariateNormal(mean: [0, 0], covariance: [1, .nan, .nan, 1]))
    }

    func testJitterRepairsASingularCovariance() throws {
        let a: [Double] = [1, 1, 1, 1]
        XCTAssertNil(MultivariateNormal(mean: [0, 0], covariance: a))
        let mvn = try XCTUnwrap(MultivariateNormal(mean: [0, 0], covariance: a, jitter: 1e-10))
        let l = mvn.lowerFactor
        // L Lᵀ = A + 1e-10 I.
        XCTAssertEqual(l[0] * l[0], 1 + 1e-10, accuracy: 1e-15)
        XCTAssertEqual(l[1] * l[0], 1, accuracy: 1e-15)
        XCTAssertEqual(l[1] * l[1] + l[3] * l[3], 1 + 1e-10, accuracy: 1e-15)
        XCTAssertEqual(l[2], 0)
    }

    /// Sample mean and covariance of 40,000 draws within 5 standard errors of the truth:
    /// SE(mean_i) = sqrt(V_ii / N), SE(cov_ij) = sqrt((V_ij² + V_ii V_jj) / N).
    func testSampleMomentsMatchTheCovariance() throws {
        let (pd, _) = try cases()
        let seed: UInt64 = 77
        for (n, a, _) in pd where n >= 3 {
            let mean = (0..<n).map { Double($0) - 1.5 }
            let mvn = try XCTUnwrap(MultivariateNormal(mean: mean, covariance: a))
            let draws = 40_000
            var buffer = [Double](repeating: 0, count: n * draws)
            var stream = RandomStream(key: StreamKey(seed: seed, region: UInt64(n), path: 0, year: 2024, equation: 0))
            mvn.fill(&buffer, using: &stream)
            var m = [Double](repeating: 0, count: n)
            for d in 0..<draws { for i in 0..<n { m[i] += buffer[d * n + i] } }
            for i in 0..<n { m[i] /= Double(draws) }
            let nd = Double(draws)
            for i in 0..<n {
                XCTAssertEqual(m[i], mean[i], accuracy: 5 * (a[i + i * n] / nd).squareRoot(), "seed \(seed), n \(n), mean \(i)")
                for j in 0...i {
                    var s = 0.0
                    for d in 0..<draws { s += (buffer[d * n + i] - m[i]) * (buffer[d * n + j] - m[j]) }
                    s /= nd - 1
                    let v = a[i + j * n]
                    let se = ((v * v + a[i + i * n] * a[j + j * n]) / nd).squareRoot()
                    XCTAssertEqual(s, v, accuracy: 5 * se, "seed \(seed), n \(n), cov(\(i), \(j))")
                }
            }
        }
    }

    func testSingleDrawsMatchFillAndUseOneUniformPerComponent() throws {
        let mvn = try XCTUnwrap(MultivariateNormal(mean: [1, 2, 3], covariance: [2, 0.5, 0.1, 0.5, 1, 0.2, 0.1, 0.2, 0.5]))
        let key = StreamKey(seed: 1, region: 2, path: 3, year: 2025, equation: 4)
        var s1 = RandomStream(key: key), s2 = RandomStream(key: key), s3 = RandomStream(key: key)
        var all = [Double](repeating: 0, count: 9)
        mvn.fill(&all, using: &s1)
        var one = [Double](repeating: 0, count: 3)
        for d in 0..<3 {
            mvn.next(into: &one, using: &s2)
            XCTAssertEqual(Array(all[(3 * d)..<(3 * d + 3)]), one)
        }
        // First component = mean + L00 z0 with z0 = Φ⁻¹ of the first uniform of the stream.
        let z0 = NormalSampler.standard(using: &s3)
        XCTAssertEqual(all[0], 1 + 2.0.squareRoot() * z0, accuracy: 1e-14)
        // A precomputed factor gives the same draws.
        let same = MultivariateNormal(mean: [1, 2, 3], lowerFactor: mvn.lowerFactor)
        var s4 = RandomStream(key: key)
        XCTAssertEqual(same.next(using: &s4), Array(all[0..<3]))
    }
}
