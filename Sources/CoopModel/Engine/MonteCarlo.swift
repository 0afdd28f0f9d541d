import CoopData
import Foundation

/// Options of a Monte Carlo run.
public struct MonteCarloOptions: Sendable {
    /// Paths are grouped in fixed blocks of this many, whatever the threads, shards or batch width.
    public static let blockSize = 1024
    /// Number of paths.
    public var draws: Int
    /// Worker threads; blocks are assigned statically (contiguous ranges) and merged in block order.
    public var threads: Int
    /// Paths evaluated together by the vectorised evaluator (does not change any result).
    public var batchWidth: Int
    /// Keep every value of paths 0 ..< keepPaths (for `paths.csv`).
    public var keepPaths: Int
    /// Also accumulate alternative − baseline differences (plans[0] is the baseline).
    public var compare: Bool
    public var switches: SimulationSwitches
    /// Relative accuracy of the quantile sketches.
    public var relativeAccuracy: Double

    public init(draws: Int, threads: Int = 1, batchWidth: Int = 256, keepPaths: Int = 0, compare: Bool = false,
                switches: SimulationSwitches = SimulationSwitches(), relativeAccuracy: Double = 1e-3) {
        precondition(draws >= 1, "A Monte Carlo run needs at least one draw, got \(draws).")
        precondition(threads >= 1, "A Monte Carlo run needs at least one thread, got \(threads).")
        precondition(batchWidth >= 1, "The batch width must be at least 1, got \(batchWidth).")
        precondition(keepPaths >= 0, "The number of paths kept must be at least 0, got \(keepPaths).")
        self.draws = draws; self.threads = threads; self.batchWidth = batchWidth; self.keepPaths = keepPaths
        self.compare = compare; self.switches = switches; self.relativeAccuracy = relativeAccuracy
    }

    public var blockCount: Int { (draws + Self.blockSize - 1) / Self.blockSize }
}

/// What one scenario's paths add up to: per (year, metric) — index `yearIndex * metrics + metric` —
/// moments and a quantile sketch; per target the number of paths where it holds; per (year, metric)
/// the paths whose value left the variable's domain; the values of the kept paths
/// (`[path][yearIndex][metric]`).
public struct ScenarioAccumulators: Sendable, Codable, Equatable {
    public var moments: [RunningMoments]
    public var sketches: [QuantileSketch]
    public var targetHits: [Int]
    public var violations: [Int]
    public var kept: [Double]
}

/// Alternative − baseline on the same path (same stream keys): moments, sketch and the number of
/// paths where the alternative is higher, per (year, metric).
public struct DifferenceAccumulators: Sendable, Codable, Equatable {
    public var moments: [RunningMoments]
    public var sketches: [QuantileSketch]
    public var increases: [Int]
}

/// The accumulators of a contiguous range of blocks: what a worker thread (or a shard) produces.
///
/// Moments are merged along a fixed binary tree over block indices (`BlockMomentTree`), because
/// Chan's merge is exact only up to rounding and must follow one fixed shape for identical bytes;
/// sketches and counts are integer-valued and merge exactly in any order.
/// `MonteCarloResult(merging:)` combines partials covering blocks 0 ..< n, in any grouping, into
/// exactly the result of a single run. Memory: O(log blocks) moment vectors.
public struct MonteCarloPartial: Sendable, Codable, Equatable {
    public var firstBlock: Int
    public var blockCount: Int
    /// Moments per (scenario, year, metric) then per (alternative, year, metric) differences:
    /// cell `s * years * metrics + yearIndex * metrics + metric`, scenarios first.
    public var moments: BlockMomentTree
    public var scenarios: [ScenarioAccumulators]
    public var differences: [DifferenceAccumulators]
}

/// The merged result of a run.
public struct MonteCarloResult: Sendable, Equatable {
    public var draws: Int
    public var years: Int
    public var metrics: Int
    /// One per plan, in plan order.
    public var scenarios: [ScenarioAccumulators]
    /// One per alternative (plans 1...), when comparing.
    public var differences: [DifferenceAccumulators]

    /// Folds partials (any grouping of blocks 0 ..< n) in block order: moments by Chan's merge in
    /// block order, sketches and counts by exact addition, kept paths by concatenation.
    public init(merging partials: [MonteCarloPartial], draws: Int, years: Int, metrics: Int) {
        let ordered = partials.sorted { $0.firstBlock < $1.firstBlock }
        var next = 0
        for p in ordered {
            precondition(p.firstBlock == next, "Partial results must cover blocks without gap or overlap: expected block \(next), got \(p.firstBlock).")
            next += p.blockCount
        }
        precondition(!ordered.isEmpty, "Merging needs at least one partial result.")
        var scenarios = ordered[0].scenarios
        var differences = ordered[0].differences
        var tree = BlockMomentTree(cells: ordered[0].moments.cells)
        for p in ordered { tree.absorb(p.moments) }
        let total = tree.total
        let cells = years * metrics
        for s in scenarios.indices { scenarios[s].moments = Array(total[(s * cells)..<((s + 1) * cells)]) }
        for a in differences.indices {
            let k = scenarios.count + a
            differences[a].moments = Array(total[(k * cells)..<((k + 1) * cells)])
        }
        for (k, p) in ordered.enumerated() {
            guard k > 0 else { continue }
            MonteCarloPartial.addCounts(of: p, scenarios: &scenarios, differences: &differences)
        }
        self.draws = draws
        self.years = years
        self.metrics = metrics
        self.scenarios = scenarios
        self.differences = differences
    }

    /// The first domain violation (earliest year, then model order, then plan order) as an input
    /// error that says which levers and assumptions feed the equation, or nil when every value
    /// stayed in its domain.
    public func domainError(plans: [SimulationPlan]) -> InputError? {
        for yi in 0..<years {
            for (s, plan) in plans.enumerated() {
                let model = plan.model
                for v in 0..<metrics where scenarios[s].violations[yi * metrics + v] > 0 {
                    let k = scenarios[s].violations[yi * metrics + v]
                    let name = model.variableNames[v]
                    let year = plan.lastObservedYear + 1 + yi
                    let eq = model.equations.first { $0.target == v }
                    let levers = (eq?.feeding ?? []).map {
                        (model.exogenousKinds[$0] == .lever ? "levers." : "assumptions.") + model.exogenousNames[$0]
                    }
                    // Extreme calibration values (of any equation: an identity sums what behavioural
                    // equations draw) are named first, with the calibration file and line.
                    let cal = eq.flatMap { e in e.family == nil ? nil : model.calibration.equation(e.name) }
                    let place = cal.map { "\(model.calibration.file):\($0.line)" } ?? ""
                    let extremes = model.equations.compactMap { e -> String? in
                        guard e.family != nil, let c = model.calibration.equation(e.name), let x = Self.extremeValue(c) else { return nil }
                        return "the equation '\(c.name)' (\(model.calibration.file):\(c.line)) holds \(x)"
                    }
                    var advice = ""
                    if !extremes.isEmpty {
                        advice = "the calibration is extreme: " + Self.list(extremes, "and") + "; correct the file or run `coopsim calibrate` again; or "
                    }
                    advice += levers.isEmpty ? "" : "change " + Self.list(levers, "or") + " (they feed the equation '\(eq!.name)'), or "
                    advice += "check the observed values (observed.\(name) and those the equation reads)"
                    // The equation itself may be at fault (a division by zero, a negative sd in normal()).
                    if let eq { advice += ", or the equation '\(eq.name)' on \(model.spec.file):\(eq.line)" }
                    if cal != nil, extremes.isEmpty { advice += " and its calibration (\(place))" }
                    return InputError.message(
                        "\(name) left its domain (\(model.variableDomains[v].expectation)) in \(year) on \(k) of \(draws) paths in scenario '\(plan.scenario)': " + advice,
                        file: plan.file)
                }
            }
        }
        return nil
    }

    /// The largest magnitude a calibration value (coefficient, standard error, sigma) may have
    /// before a domain violation is blamed on the calibration first: beyond it a linear
    /// predictor of ordinary covariates overflows exp() or swamps every other term.
    public static let extremeCalibrationValue = 1e6

    /// The first value of `equation` beyond `extremeCalibrationValue` in magnitude, in words.
    static func extremeValue(_ equation: Calibration.Equation) -> String? {
        for (j, b) in equation.coefficients.enumerated() where !(abs(b) <= extremeCalibrationValue) {
            return "the coefficient of '\(j < equation.terms.count ? equation.terms[j] : "?")' = \(CSVWriter.number(b))"
        }
        for (j, row) in equation.covariance.enumerated() where j < row.count && !(row[j].squareRoot() <= extremeCalibrationValue) {
            return "a standard error of '\(j < equation.terms.count ? equation.terms[j] : "?")' = \(CSVWriter.number(row[j].squareRoot()))"
        }
        if let s = equation.sigma, !(s <= extremeCalibrationValue) { return "sigma = \(CSVWriter.number(s))" }
        return nil
    }

    static func list(_ items: [String], _ conjunction: String) -> String {
        if items.count <= 1 { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items.last!
    }
}

/// The Monte Carlo engine: runs plans over fixed blocks of paths on worker threads and merges.
///
///     let plans = [try SimulationPlan(model: compiled, scenario: ..., ...)]
///     let result = MonteCarlo.run(plans: plans, options: MonteCarloOptions(draws: 2000, threads: 2))
///     result.scenarios[0].moments[yearIndex * result.metrics + metric].mean
///
/// Determinism: every draw is keyed by (seed, region, path, year, equation); blocks of
/// `MonteCarloOptions.blockSize` paths are assigned to threads as contiguous ranges and their
/// moments folded in block order, so the result is identical for any thread count and batch width.
public enum MonteCarlo {
    /// Runs every plan on paths 0 ..< draws; plans run together must have as many variables (their
    /// simulated years may differ). With `options.compare`, plans[1...] are alternatives
    /// to plans[0] on the same paths (common random numbers): they must share the simulated years
    /// and the variables (a trap otherwise; `Runner` checks this as an input error first).
    /// `progress(done, total)` is called after each block, from worker threads, serialised.
    public static func run(plans: [SimulationPlan], options: MonteCarloOptions,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) -> MonteCarloResult {
        precondition(!plans.isEmpty, "A Monte Carlo run needs at least one plan.")
        let years = plans.map(\.yearCount).max()!
        let metrics = plans.map { $0.model.variableNames.count }.max()!
        for p in plans.dropFirst() {
            precondition(p.model.variableNames.count == plans[0].model.variableNames.count,
                         "Plans run together must have as many variables: '\(p.scenario)' has \(p.model.variableNames.count), '\(plans[0].scenario)' \(plans[0].model.variableNames.count).")
        }
        if options.compare {
            for p in plans.dropFirst() {
                precondition(p.years == plans[0].years && p.model.variableNames == plans[0].model.variableNames,
                             "Compared plans must share years and variables: '\(p.scenario)' differs from '\(plans[0].scenario)'.")
            }
        }
        let blocks = options.blockCount
        let workers = min(options.threads, blocks)
        let slots = UnsafeMutablePointer<MonteCarloPartial?>.allocate(capacity: workers)
        slots.initialize(repeating: nil, count: workers)
        defer { slots.deinitialize(count: workers); slots.deallocate() }
        let counter = _ProgressCounter(total: blocks, progress: progress)
        let slotAddress = UInt(bitPattern: slots)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let first = blocks * w / workers, end = blocks * (w + 1) / workers
            let partial = runBlocks(plans: plans, options: options, blocks: first..<end, years: years, metrics: metrics,
                                    counter: counter)
            UnsafeMutablePointer<MonteCarloPartial?>(bitPattern: slotAddress)![w] = partial
        }
        let partials = (0..<workers).map { slots[$0]! }
        return MonteCarloResult(merging: partials, draws: options.draws, years: years, metrics: metrics)
    }

    /// Simulates blocks `blocks` (of `MonteCarloOptions.blockSize` paths, the last one possibly
    /// shorter) of every plan: the unit a worker thread or a shard computes.
    public static func runBlocks(plans: [SimulationPlan], options: MonteCarloOptions, blocks: Range<Int>,
                                 years: Int, metrics: Int) -> MonteCarloPartial {
        runBlocks(plans: plans, options: options, blocks: blocks, years: years, metrics: metrics, counter: nil)
    }

    static func runBlocks(plans: [SimulationPlan], options: MonteCarloOptions, blocks: Range<Int>,
                          years: Int, metrics: Int, counter: _ProgressCounter?) -> MonteCarloPartial {
        let W = options.batchWidth
        let cells = years * metrics
        let S = plans.count
        let A = options.compare ? S - 1 : 0
        // One workspace per plan (its constants are the plan's model's), reused for every block and batch.
        let workspaces = plans.map { _Workspace(model: $0.model, width: W) }
        // Each plan's values over a whole block: cell c, path i at outs[s][c * B + i].
        let B = MonteCarloOptions.blockSize
        let outs = (0..<S).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: max(1, cells * B)) }
        for o in outs { o.initialize(repeating: .nan, count: max(1, cells * B)) }
        // Alternative − baseline over a whole block (cell c, path i at scratch[c * B + i]), when comparing.
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: A > 0 ? cells * B : 1)
        scratch.initialize(repeating: 0, count: A > 0 ? cells * B : 1)
        defer { for o in outs { o.deallocate() }; scratch.deallocate() }
        let sketch = QuantileSketch(relativeAccuracy: options.relativeAccuracy)
        var scen = plans.map { p in
            ScenarioAccumulators(moments: [], sketches: Array(repeating: sketch, count: cells),
                                 targetHits: Array(repeating: 0, count: p.targets.count),
                                 violations: Array(repeating: 0, count: cells), kept: [])
        }
        var diffs = (0..<A).map { _ in
            DifferenceAccumulators(moments: [], sketches: Array(repeating: sketch, count: cells),
                                   increases: Array(repeating: 0, count: cells))
        }
        var tree = BlockMomentTree(cells: (S + A) * cells)
        var blockMoments = Array(repeating: RunningMoments(), count: (S + A) * cells)
        for b in blocks {
            let start = b * B
            let end = min(options.draws, start + B)
            let m = end - start
            for k in blockMoments.indices { blockMoments[k] = RunningMoments() }
            for s in 0..<S {
                let plan = plans[s]
                let nv = plan.model.variableNames.count
                let used = plan.yearCount * nv
                // Simulate the block in batches of the batch width (any width gives the same values).
                var first = start
                while first < end {
                    let n = min(W, end - first)
                    scen[s].violations.withUnsafeMutableBufferPointer { v in
                        plan.simulate(firstPath: first, count: n, workspace: workspaces[s], switches: options.switches,
                                      out: outs[s] + (first - start), stride: B, violations: v.baseAddress!)
                    }
                    first += n
                }
                let out = outs[s]
                blockMoments.withUnsafeMutableBufferPointer { bm in
                    RunningMoments.twoPass(rows: used, values: out, stride: B, count: m, into: bm.baseAddress! + s * cells)
                }
                scen[s].sketches.withUnsafeMutableBufferPointer { sk in
                    for c in 0..<used { sk[c].add(out + c * B, count: m) }
                }
                for (t, target) in plan.targets.enumerated() {
                    let row = out + (target.yearIndex * nv + target.metric) * B
                    var hits = 0
                    for i in 0..<m where target.holds(row[i]) { hits += 1 }
                    scen[s].targetHits[t] += hits
                }
                if start < options.keepPaths {
                    for i in 0..<min(m, options.keepPaths - start) {
                        for c in 0..<cells { scen[s].kept.append(c < used ? out[c * B + i] : .nan) }
                    }
                }
            }
            for a in 0..<A {
                let base = outs[0], alt = outs[a + 1]
                diffs[a].increases.withUnsafeMutableBufferPointer { inc in
                    for c in 0..<cells {
                        let x = alt + c * B, y = base + c * B, d = scratch + c * B
                        var up = 0
                        for i in 0..<m {
                            d[i] = x[i] - y[i]
                            up &+= x[i] > y[i] ? 1 : 0
                        }
                        inc[c] += up
                    }
                }
                // Every cell's moments four rows at a time (the bits of the one-row two-pass form), then the sketches.
                blockMoments.withUnsafeMutableBufferPointer { bm in
                    RunningMoments.twoPass(rows: cells, values: scratch, stride: B, count: m, into: bm.baseAddress! + (S + a) * cells)
                }
                var sketches = diffs[a].sketches       // moved out and back: stays uniquely referenced
                diffs[a].sketches = []
                sketches.withUnsafeMutableBufferPointer { sk in
                    for c in 0..<cells { sk[c].add(UnsafePointer(scratch + c * B), count: m) }
                }
                diffs[a].sketches = sketches
            }
            tree.push(block: b, moments: blockMoments)
            counter?.blockDone()
        }
        return MonteCarloPartial(firstBlock: blocks.lowerBound, blockCount: blocks.count, moments: tree,
                                 scenarios: scen, differences: diffs)
    }
}

/// Counts finished blocks and reports them, one call at a time.
final class _ProgressCounter: @unchecked Sendable {
    let total: Int
    let progress: (@Sendable (Int, Int) -> Void)?
    let lock = NSLock()
    var done = 0
    init(total: Int, progress: (@Sendable (Int, Int) -> Void)?) { self.total = total; self.progress = progress }
    func blockDone() {
        guard let progress else { return }
        lock.lock()
        done += 1
        progress(done, total)
        lock.unlock()
    }
}
