/// The least-cost point of a box subject to a probability constraint, by grid search with
/// refinement (a pattern search over shrinking grids), for objectives evaluated in batches.
///
/// Problem: minimise `cost · x` over `lower ≤ x ≤ upper` subject to `P(x) ≥ p`, where `P` is
/// estimated by simulation. With common random numbers `P` is the same function of `x` at every
/// evaluation (a step function on the paths, smooth in the aggregate), so comparing grid points is
/// not disturbed by fresh noise. Round 1 evaluates the full grid of `levels` points per factor;
/// each later round centres a grid of the same size on the best feasible point so far, spanning
/// one previous spacing either side (clipped to the box). The answer is the cheapest feasible point
/// among all evaluated (ties: the higher probability, then the first evaluated). After `rounds`
/// rounds the grid spacing is `(upper − lower) / (levels − 1) · (2 / (levels − 1))^(rounds − 1)` per
/// factor (with 5 levels: halved each round): the stated precision of the answer.
///
/// Why not Nelder–Mead or COBYLA: `P` is piecewise constant on a finite set of paths, so local
/// derivative-free methods stall on its flats; a grid over the whole box also shows when no point
/// reaches `p` (`best == nil`), and every grid point of a round is one case of one experiment
/// (evaluated together, on the same random numbers).
public struct LeastCostSearch: Sendable {
    public struct Evaluation: Sendable, Equatable {
        public var point: [Double]
        public var probability: Double
        public var cost: Double
        public var round: Int
    }
    public var lower: [Double]
    public var upper: [Double]
    public var cost: [Double]
    public var levels: Int
    public var rounds: Int

    public init(lower: [Double], upper: [Double], cost: [Double], levels: Int = 5, rounds: Int = 4) {
        precondition(!lower.isEmpty && lower.count == upper.count && cost.count == lower.count,
                     "The bounds and costs need one value per factor: got \(lower.count), \(upper.count) and \(cost.count).")
        precondition(zip(lower, upper).allSatisfy { $0 <= $1 }, "Each lower bound must be at most its upper bound.")
        precondition(levels >= 2 && rounds >= 1, "A grid search needs at least 2 levels and 1 round, got \(levels) and \(rounds).")
        self.lower = lower; self.upper = upper; self.cost = cost; self.levels = levels; self.rounds = rounds
    }

    public struct Result: Sendable {
        /// Every point evaluated, in order.
        public var evaluations: [Evaluation]
        /// The index in `evaluations` of the cheapest point with probability ≥ p, or nil when none reached p.
        public var best: Int?
        /// The highest probability seen (the point to report when no point is feasible).
        public var mostLikely: Int
        /// Grid spacing per factor in the last round.
        public var precision: [Double]
    }

    /// Runs the search. `evaluate` gets a round's grid points and returns P at each, in order.
    public func minimize(probabilityAtLeast p: Double, evaluate: ([[Double]]) throws -> [Double]) rethrows -> Result {
        let k = lower.count
        var evaluations: [Evaluation] = []
        var best: Int?
        var lo = lower, hi = upper
        var spacing = [Double](repeating: 0, count: k)
        for round in 1...rounds {
            for i in 0..<k { spacing[i] = (hi[i] - lo[i]) / Double(levels - 1) }
            let axes = (0..<k).map { i in (0..<levels).map { j in j == levels - 1 ? hi[i] : lo[i] + Double(j) * spacing[i] } }
            var grid: [[Double]] = []
            var index = [Int](repeating: 0, count: k)
            repeat {
                grid.append((0..<k).map { axes[$0][index[$0]] })
                var d = k - 1
                while d >= 0 { index[d] += 1; if index[d] < levels { break }; index[d] = 0; d -= 1 }
                if d < 0 { break }
            } while true
            // Points already evaluated are not evaluated again.
            let fresh = grid.filter { g in !evaluations.contains { $0.point == g } }
            let probabilities = try evaluate(fresh)
            precondition(probabilities.count == fresh.count, "evaluate must return one probability per point.")
            for (g, pr) in zip(fresh, probabilities) {
                evaluations.append(Evaluation(point: g, probability: pr, cost: zip(cost, g).reduce(0) { $0 + $1.0 * $1.1 }, round: round))
                let e = evaluations.count - 1
                if pr >= p {
                    if let b = best {
                        let eb = evaluations[b]
                        if evaluations[e].cost < eb.cost || (evaluations[e].cost == eb.cost && pr > eb.probability) { best = e }
                    } else { best = e }
                }
            }
            guard let b = best else { break }
            // Next round: half the extent around the best point, clipped to the box.
            let centre = evaluations[b].point
            for i in 0..<k {
                let half = spacing[i]
                lo[i] = max(lower[i], centre[i] - half)
                hi[i] = min(upper[i], centre[i] + half)
            }
        }
        var most = 0
        for (e, ev) in evaluations.enumerated() where ev.probability > evaluations[most].probability { most = e }
        return Result(evaluations: evaluations, best: best, mostLikely: most, precision: spacing)
    }
}
