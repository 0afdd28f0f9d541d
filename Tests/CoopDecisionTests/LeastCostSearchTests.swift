import CoopDecision
import CoopDistributions
import Foundation
import XCTest

final class LeastCostSearchTests: XCTestCase {
    /// P(x) = Φ((a1 log(1 + x1) + a2 log(1 + x2) − t) / s) ≥ p at least cost c·x has the closed form
    /// 1 + x_i = λ a_i / c_i with (a1 + a2) log λ = T − Σ a_i log(a_i / c_i), T = t + s z_p
    /// (Lagrange conditions; the constraint is concave, the cost linear).
    func testClosedFormOptimum() {
        let a = [1.0, 2.0], c = [1.0, 3.0], t = 4.0, s = 0.5, p = 0.8
        let T = t + s * Normal.quantile(p)
        let logLambda = (T - zip(a, c).reduce(0) { $0 + $1.0 * log($1.0 / $1.1) }) / (a[0] + a[1])
        let xStar = (0..<2).map { exp(logLambda) * a[$0] / c[$0] - 1 }
        let costStar = zip(c, xStar).reduce(0) { $0 + $1.0 * $1.1 }
        func prob(_ x: [Double]) -> Double { Normal.cdf((a[0] * log1p(x[0]) + a[1] * log1p(x[1]) - t) / s) }
        let search = LeastCostSearch(lower: [0, 0], upper: [10, 10], cost: c, levels: 5, rounds: 8)
        var batches = 0
        let r = search.minimize(probabilityAtLeast: p) { pts in batches += 1; return pts.map(prob) }
        XCTAssertEqual(batches, 8)
        let best = r.evaluations[r.best!]
        XCTAssertGreaterThanOrEqual(best.probability, p)
        // The stated tolerance (Guides/Decision.md): feasible, and the cost within 2% of the optimum.
        // Grid refinement may stall along the nearly flat constraint (here it ends at b = 2.5), so the
        // point itself is not pinned.
        XCTAssertGreaterThanOrEqual(best.cost, costStar - 1e-9)
        XCTAssertLessThanOrEqual(best.cost, costStar * 1.02, "cost \(best.cost) vs closed form \(costStar)")
    }

    func testInfeasibleReportsTheMostLikelyPoint() {
        let search = LeastCostSearch(lower: [0], upper: [1], cost: [1], levels: 5, rounds: 3)
        let r = search.minimize(probabilityAtLeast: 0.9) { $0.map { 0.5 * $0[0] } }
        XCTAssertNil(r.best)
        XCTAssertEqual(r.evaluations[r.mostLikely].point, [1])
    }
}
