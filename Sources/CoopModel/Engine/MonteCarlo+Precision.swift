import CoopData
import Foundation

/// When to stop drawing: every target probability's Monte Carlo standard error, and every compared
/// difference of target probabilities, at most `maxStandardError`, or `maxDraws` paths.
public struct PrecisionRule: Sendable, Equatable {
    /// X of `--mc-se X`: the largest acceptable standard error of a probability (0 < X < 0.5).
    public var maxStandardError: Double
    /// The cap on paths (rounded up to whole blocks by the caller if it wishes).
    public var maxDraws: Int

    public init(maxStandardError: Double, maxDraws: Int) {
        precondition(maxStandardError > 0 && maxStandardError < 0.5, "--mc-se must lie in (0, 0.5), got \(maxStandardError).")
        precondition(maxDraws >= 1, "The draw cap must be at least 1, got \(maxDraws).")
        self.maxStandardError = maxStandardError; self.maxDraws = maxDraws
    }
}

/// The running estimates after each block: what the convergence chart draws.
public struct ConvergenceStep: Sendable, Equatable {
    /// Paths so far (whole blocks).
    public var draws: Int
    /// Paths where each target holds so far, per plan then target.
    public var targetHits: [[Int]]
    /// Per alternative (plans 1…), per shared target: (paths where only the alternative holds it,
    /// paths where only the baseline holds it), so far.
    public var discordant: [[(up: Int, down: Int)]]
    /// The largest standard error among the target probabilities and their differences.
    public var worstStandardError: Double

    public static func == (a: ConvergenceStep, b: ConvergenceStep) -> Bool {
        a.draws == b.draws && a.targetHits == b.targetHits && a.worstStandardError == b.worstStandardError
            && a.discordant.map { $0.map { [$0.up, $0.down] } } == b.discordant.map { $0.map { [$0.up, $0.down] } }
    }
}

/// A run that drew until a precision rule held: the result (identical to `MonteCarlo.run` with
/// `draws` paths), the draws used, whether the rule held (else the cap stopped it), and the steps.
public struct PreciseRun: Sendable {
    public var result: MonteCarloResult
    public var draws: Int
    public var reached: Bool
    public var steps: [ConvergenceStep]
}

extension MonteCarlo {
    /// The standard error of a probability estimated by a share of n paths, sqrt(p(1 − p)/n).
    public static func proportionStandardError(hits: Int, draws n: Int) -> Double {
        let p = Double(hits) / Double(n)
        return (p * (1 - p) / Double(n)).squareRoot()
    }

    /// The standard error of a difference of two probabilities estimated on the same n paths
    /// (common random numbers): D_i = 1{alternative holds} − 1{baseline holds} takes +1 on `up`
    /// paths and −1 on `down` paths, so Var(D) = (up + down)/n − ((up − down)/n)² and the standard
    /// error of its mean is sqrt(Var(D)/n) (the paired, McNemar-type variance).
    public static func differenceStandardError(up: Int, down: Int, draws n: Int) -> Double {
        let N = Double(n), m = Double(up - down) / N
        return (max(0, Double(up + down) / N - m * m) / N).squareRoot()
    }

    /// Pairs each alternative's targets with the baseline's identical one (metric, year, op, value).
    public static func sharedTargets(_ plans: [SimulationPlan]) -> [[(alternative: Int, baseline: Int)]] {
        guard plans.count > 1 else { return [] }
        return plans.dropFirst().map { p in
            p.targets.enumerated().compactMap { (t, target) in
                plans[0].targets.firstIndex(of: target).map { (t, $0) }
            }
        }
    }

    /// Draws in blocks of `MonteCarloOptions.blockSize` paths until `rule` holds for every target
    /// probability (and, with `options.compare`, every difference alternative − baseline of a target
    /// both plans share), checked after each block in block order, or until `rule.maxDraws`.
    ///
    /// Blocks are computed `threads` at a time, but the stopping block depends only on the counts in
    /// block order, and the result is merged from exactly the blocks 0 ..< b, so it is the result of
    /// `MonteCarlo.run` with `draws = min(b · blockSize, maxDraws)`: byte-identical outputs.
    /// A probability of 0 or 1 has standard error 0 by this formula (the plug-in estimate); the
    /// first block is always drawn in full.
    public static func runToPrecision(plans: [SimulationPlan], options: MonteCarloOptions, rule: PrecisionRule,
                                      progress: (@Sendable (Int, Int) -> Void)? = nil) -> PreciseRun {
        precondition(!plans.isEmpty, "A Monte Carlo run needs at least one plan.")
        var opts = options
        opts.draws = rule.maxDraws
        let years = plans.map(\.yearCount).max()!
        let metrics = plans.map { $0.model.variableNames.count }.max()!
        let B = MonteCarloOptions.blockSize
        let capBlocks = opts.blockCount
        let shared = opts.compare ? sharedTargets(plans) : []
        var hits = plans.map { [Int](repeating: 0, count: $0.targets.count) }
        var discordant = shared.map { [(up: Int, down: Int)](repeating: (0, 0), count: $0.count) }
        var accumulated: MonteCarloPartial?
        var steps: [ConvergenceStep] = []
        var done = 0, reached = false
        let counter = _ProgressCounter(total: capBlocks, progress: progress)
        while done < capBlocks && !reached {
            let round = done..<min(capBlocks, done + max(1, opts.threads))
            let slots = UnsafeMutablePointer<(MonteCarloPartial, [[(Int, Int)]])?>.allocate(capacity: round.count)
            slots.initialize(repeating: nil, count: round.count)
            defer { slots.deinitialize(count: round.count); slots.deallocate() }
            let address = UInt(bitPattern: slots)
            DispatchQueue.concurrentPerform(iterations: round.count) { k in
                let b = round.lowerBound + k
                let start = b * B, count = min(opts.draws, start + B) - start
                var run = opts
                // With shared targets, keep the block's paths to count discordant pairs, then trim the
                // kept paths back to what a fixed run keeps (paths < options.keepPaths).
                if !shared.isEmpty { run.keepPaths = max(opts.keepPaths, start + count) }
                var part = runBlocks(plans: plans, options: run, blocks: b..<(b + 1), years: years, metrics: metrics, counter: counter)
                var disc: [[(Int, Int)]] = []
                if !shared.isEmpty {
                    let cells = years * metrics
                    disc = blockDiscordance(plans: plans, kept: part.scenarios.map(\.kept), count: count, cells: cells,
                                            metrics: metrics, shared: shared)
                    let keep = max(0, min(count, opts.keepPaths - start))
                    for s in part.scenarios.indices { part.scenarios[s].kept = Array(part.scenarios[s].kept.prefix(keep * cells)) }
                }
                UnsafeMutablePointer<(MonteCarloPartial, [[(Int, Int)]])?>(bitPattern: address)![k] = (part, disc)
            }
            for k in 0..<round.count {
                let (part, disc) = slots[k]!
                let b = round.lowerBound + k
                for s in hits.indices { for t in hits[s].indices { hits[s][t] += part.scenarios[s].targetHits[t] } }
                for a in discordant.indices {
                    for j in discordant[a].indices {
                        discordant[a][j].up += disc[a][j].0; discordant[a][j].down += disc[a][j].1
                    }
                }
                if accumulated == nil { accumulated = part } else { accumulated!.append(part) }
                let n = min((b + 1) * B, opts.draws)
                var worst = 0.0
                for s in hits.indices { for h in hits[s] { worst = max(worst, proportionStandardError(hits: h, draws: n)) } }
                for a in discordant.indices {
                    for d in discordant[a] { worst = max(worst, differenceStandardError(up: d.up, down: d.down, draws: n)) }
                }
                steps.append(ConvergenceStep(draws: n, targetHits: hits, discordant: discordant, worstStandardError: worst))
                done = b + 1
                if worst <= rule.maxStandardError { reached = true; break }
            }
        }
        let draws = steps.last!.draws
        let result = MonteCarloResult(merging: [accumulated!], draws: draws, years: years, metrics: metrics)
        return PreciseRun(result: result, draws: draws, reached: reached, steps: steps)
    }

    /// Per alternative and shared target, the paths of a block where only the alternative, or only
    /// the baseline, meets the target; `kept[s]` holds plan s's values of the block's `count` paths
    /// (`[path][yearIndex][metric]`).
    static func blockDiscordance(plans: [SimulationPlan], kept: [[Double]], count: Int, cells: Int, metrics: Int,
                                 shared: [[(alternative: Int, baseline: Int)]]) -> [[(Int, Int)]] {
        var out: [[(Int, Int)]] = []
        for (a, pairs) in shared.enumerated() {
            let alt = plans[a + 1], base = plans[0]
            var row: [(Int, Int)] = []
            for (ta, tb) in pairs {
                let targetA = alt.targets[ta], targetB = base.targets[tb]
                var up = 0, down = 0
                for i in 0..<count {
                    let ha = targetA.holds(kept[a + 1][i * cells + targetA.yearIndex * metrics + targetA.metric])
                    let hb = targetB.holds(kept[0][i * cells + targetB.yearIndex * metrics + targetB.metric])
                    if ha && !hb { up += 1 } else if hb && !ha { down += 1 }
                }
                row.append((up, down))
            }
            out.append(row)
        }
        return out
    }
}

// MonteCarloPartial.append(_:) is in MonteCarloPartial+Append.swift (one fold, shared with coopsim merge).
