import CoopDecision
import Foundation
import XCTest

final class MorrisTests: XCTestCase {
    /// mu, mu* and sigma equal SALib's morris.analyze on SALib's own trajectories.
    func testIshigamiAgainstSALib() throws {
        let f = try json("ishigami_morris.json")
        let points = matrix(f["points"]).flatMap { $0 }
        let y = doubles(f["outputs"])
        let m = MorrisScreening.analyze(points: points, outputs: y, factors: 3, resamples: 1000, seed: 7)
        let mu = doubles(f["mu"]), muStar = doubles(f["mu_star"]), sigma = doubles(f["sigma"]), conf = doubles(f["mu_star_conf"])
        for i in 0..<3 {
            XCTAssertEqual(m.mu[i], mu[i], accuracy: 1e-9 * max(1, abs(mu[i])), "mu[\(i)]")
            XCTAssertEqual(m.muStar[i], muStar[i], accuracy: 1e-9 * max(1, muStar[i]), "mu*[\(i)]")
            XCTAssertEqual(m.sigma[i], sigma[i], accuracy: 1e-9 * max(1, sigma[i]), "sigma[\(i)]")
            // Different resamples, same spread (x2's |EE| is constant, 7.875: both intervals are rounding noise).
            XCTAssertEqual(m.muStarConfidence[i], conf[i], accuracy: 0.25 * conf[i] + 1e-9, "mu* conf[\(i)]")
        }
    }

    /// Our trajectories: one factor moves per step, by ±Δ = p / (2 (p − 1)), inside the unit cube;
    /// on a linear function every elementary effect is the coefficient (mu* = |b|, sigma = 0).
    func testTrajectoriesAndLinearFunction() {
        let k = 4, r = 30
        let pts = MorrisScreening.trajectories(factors: k, trajectories: r, levels: 4, seed: 11)
        XCTAssertEqual(pts.count, r * (k + 1) * k)
        XCTAssertTrue(pts.allSatisfy { $0 >= 0 && $0 <= 1 + 1e-12 })
        let b = [2.0, -1.0, 0.5, 0.0]
        let y = (0..<(r * (k + 1))).map { p in (0..<k).reduce(0.0) { $0 + b[$1] * pts[p * k + $1] } }
        let m = MorrisScreening.analyze(points: pts, outputs: y, factors: k, resamples: 0)
        for i in 0..<k {
            XCTAssertEqual(m.mu[i], b[i], accuracy: 1e-12)
            XCTAssertEqual(m.muStar[i], abs(b[i]), accuracy: 1e-12)
            XCTAssertEqual(m.sigma[i], 0, accuracy: 1e-12)
        }
    }

    /// On Ishigami, our own trajectories rank the factors as SALib's do (x1 and x3 interact: sigma high).
    func testOwnTrajectoriesOnIshigami() {
        let pts = MorrisScreening.trajectories(factors: 3, trajectories: 200, levels: 4, seed: 3)
        let y = (0..<(200 * 4)).map { ishigamiUnit(pts[($0 * 3)..<($0 * 3 + 3)]) }
        let m = MorrisScreening.analyze(points: pts, outputs: y, factors: 3, resamples: 200, seed: 3)
        XCTAssertGreaterThan(m.muStar[0], m.muStar[2])
        XCTAssertGreaterThan(m.sigma[2], m.sigma[1])
    }
}
