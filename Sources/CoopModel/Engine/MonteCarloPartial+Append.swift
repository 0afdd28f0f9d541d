/// Folding partials one at a time: what `coopsim merge` needs to combine any number of shards in
/// the memory of one partial (moments: O(log blocks) vectors; sketches and counts: one per cell).
extension MonteCarloPartial {
    /// Appends the partial of the blocks that follow this one's (`next.firstBlock == firstBlock +
    /// blockCount`; either may cover no block). The same fold as `MonteCarloResult(merging:)`:
    /// moment trees absorbed in block order, sketches merged, counts added, kept paths concatenated,
    /// so `MonteCarloResult(merging: [a.appending(b)...])` equals `MonteCarloResult(merging: [a, b, ...])`
    /// bit for bit.
    public mutating func append(_ next: MonteCarloPartial) {
        precondition(next.firstBlock == firstBlock + blockCount,
                     "Partials must be appended in block order: expected block \(firstBlock + blockCount), got \(next.firstBlock).")
        precondition(next.scenarios.count == scenarios.count && next.differences.count == differences.count,
                     "Partials of different plans cannot be appended.")
        // An empty partial (a shard with no block of this group) adds nothing.
        if next.blockCount == 0 { return }
        if blockCount == 0 { self = next; return }
        moments.absorb(next.moments)
        addCounts(of: next)
        blockCount += next.blockCount
    }

    /// Adds `other`'s order-free accumulators into this partial's: quantile sketches merged, target
    /// hits, domain violations, kept paths and increases summed (moments are the caller's: they
    /// merge in block order).
    mutating func addCounts(of other: MonteCarloPartial) {
        Self.addCounts(of: other, scenarios: &scenarios, differences: &differences)
    }

    /// The same on bare accumulator arrays (`MonteCarlo.init(merging:)` folds into its own).
    static func addCounts(of other: MonteCarloPartial, scenarios: inout [ScenarioAccumulators],
                          differences: inout [DifferenceAccumulators]) {
        for s in scenarios.indices {
            for c in scenarios[s].sketches.indices { scenarios[s].sketches[c].merge(other.scenarios[s].sketches[c]) }
            for t in scenarios[s].targetHits.indices { scenarios[s].targetHits[t] += other.scenarios[s].targetHits[t] }
            for c in scenarios[s].violations.indices { scenarios[s].violations[c] += other.scenarios[s].violations[c] }
            scenarios[s].kept += other.scenarios[s].kept
        }
        for a in differences.indices {
            for c in differences[a].sketches.indices { differences[a].sketches[c].merge(other.differences[a].sketches[c]) }
            for c in differences[a].increases.indices { differences[a].increases[c] += other.differences[a].increases[c] }
        }
    }
}
