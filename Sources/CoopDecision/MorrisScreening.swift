import CoopDistributions
import CoopRandom

/// Morris elementary-effects screening: trajectories on a p-level grid and the statistics
/// mu, mu* (mean absolute effect) and sigma of each factor's elementary effects.
///
/// A trajectory starts at a random grid point of {0, 1/(p−1), …, 1}^k (base values chosen so that
/// a step of Δ = p / (2 (p − 1)) stays in the cube) and moves one factor at a time, in random
/// order, by ±Δ: k + 1 points. The elementary effect of factor i on a trajectory is
///
///     EE_i = (f(x + Δ_i e_i) − f(x)) / Δ_i        (Δ_i the signed step, in units of the factor's range)
///
/// and over r trajectories: mu_i = mean EE_i, mu*_i = mean |EE_i| (Campolongo, Cariboni & Saltelli
/// 2007), sigma_i = sd EE_i (divisor r − 1), and a bootstrap interval half-width of mu*
/// (z · sd over resamples of the trajectories). These are SALib's `morris.analyze` statistics
/// (SALib 1.5), which the tests match on SALib's own trajectories.
///
/// References: M. D. Morris (1991), Factorial sampling plans for preliminary computational
/// experiments, Technometrics 33, 161–174. F. Campolongo, J. Cariboni, A. Saltelli (2007), An
/// effective screening design for sensitivity analysis of large models, Environmental Modelling
/// & Software 22, 1509–1518.
public struct MorrisScreening: Sendable, Equatable {
    public var mu: [Double]
    public var muStar: [Double]
    public var sigma: [Double]
    public var muStarConfidence: [Double]

    /// Statistics of the trajectories `points` (row-major, `trajectories · (k + 1)` points of k
    /// coordinates in [0, 1], each consecutive pair differing in exactly one coordinate) with
    /// outputs `outputs` (one per point).
    ///
    /// - Complexity: O(r k (resamples + 1)).
    public static func analyze(points: [Double], outputs: [Double], factors k: Int, resamples: Int = 1000,
                               confidenceLevel: Double = 0.95, seed: UInt64 = 0) -> MorrisScreening {
        precondition(k >= 1, "Morris screening needs at least one factor, got \(k).")
        precondition(outputs.count % (k + 1) == 0 && !outputs.isEmpty && points.count == outputs.count * k,
                     "Morris trajectories with \(k) factors have r (k + 1) points of \(k) coordinates; got \(outputs.count) outputs and \(points.count) coordinates.")
        let r = outputs.count / (k + 1)
        // effects[i][t]: the elementary effect of factor i on trajectory t.
        var effects = [[Double]](repeating: [Double](repeating: .nan, count: r), count: k)
        for t in 0..<r {
            for s in 0..<k {
                let p = t * (k + 1) + s
                var moved = -1
                var step = 0.0
                for i in 0..<k {
                    let d = points[(p + 1) * k + i] - points[p * k + i]
                    if d != 0 {
                        precondition(moved < 0, "Morris trajectory \(t) changes more than one factor between points \(s) and \(s + 1).")
                        moved = i; step = d
                    }
                }
                precondition(moved >= 0, "Morris trajectory \(t) does not move between points \(s) and \(s + 1).")
                effects[moved][t] = (outputs[p + 1] - outputs[p]) / step
            }
        }
        var mu = [Double](), muStar = [Double](), sigma = [Double](), conf = [Double]()
        var stream = RandomStream(key: StreamKey(seed: seed, region: 0, path: 0, year: 1, equation: StreamKey.hash("morris-bootstrap")))
        let z = Normal.quantile(0.5 + confidenceLevel / 2)
        for i in 0..<k {
            let e = effects[i]
            mu.append(e.reduce(0, +) / Double(r))
            muStar.append(e.reduce(0) { $0 + abs($1) } / Double(r))
            sigma.append(SobolIndices.standardDeviation(e))
            if resamples > 1 {
                var means: [Double] = []
                for _ in 0..<resamples {
                    var s = 0.0
                    for _ in 0..<r { s += abs(e[Int(stream.next(upperBound: UInt64(r)))]) }
                    means.append(s / Double(r))
                }
                conf.append(z * SobolIndices.standardDeviation(means))
            } else { conf.append(.nan) }
        }
        return MorrisScreening(mu: mu, muStar: muStar, sigma: sigma, muStarConfidence: conf)
    }

    /// `trajectories` random Morris trajectories on a `levels`-level grid in [0, 1]^k (Morris 1991),
    /// drawn from a keyed Philox stream: `trajectories · (k + 1)` points, row-major.
    public static func trajectories(factors k: Int, trajectories r: Int, levels p: Int = 4, seed: UInt64) -> [Double] {
        precondition(k >= 1 && r >= 2, "Morris sampling needs at least one factor and two trajectories, got \(k) and \(r).")
        precondition(p >= 2 && p % 2 == 0, "Morris sampling needs an even number of grid levels (at least 2), got \(p).")
        let delta = Double(p) / Double(2 * (p - 1))
        let baseLevels = p / 2          // base values 0, 1/(p−1), …, (p/2 − 1)/(p−1): x + Δ stays ≤ 1
        var stream = RandomStream(key: StreamKey(seed: seed, region: 0, path: 0, year: 1, equation: StreamKey.hash("morris-trajectories")))
        var out: [Double] = []
        out.reserveCapacity(r * (k + 1) * k)
        for _ in 0..<r {
            var x = (0..<k).map { _ in Double(Int(stream.next(upperBound: UInt64(baseLevels)))) / Double(p - 1) }
            // Half the factors start at the upper end and step down, at random.
            var up = (0..<k).map { _ -> Bool in stream.next(upperBound: UInt64(2)) == UInt64(0) }
            for i in 0..<k where !up[i] { x[i] += delta }
            var order = Array(0..<k)
            for i in stride(from: k - 1, to: 0, by: -1) {
                let j = Int(stream.next(upperBound: UInt64(i + 1)))
                order.swapAt(i, j)
            }
            out += x
            for i in order {
                x[i] += up[i] ? delta : -delta
                up[i].toggle()
                out += x
            }
        }
        return out
    }
}
