import CoopData
import CoopModel
import Foundation

/// An outcome a decision analysis reports per case: a target's probability, the probability that
/// every target holds on the same path (`metric == "all_targets"`), or a metric's mean in a year.
public struct DecisionOutput: Sendable, Equatable {
    public enum Kind: String, Sendable { case probability, mean }
    public var kind: Kind
    public var metric: String
    public var year: Int
    public var op: String
    public var value: Double?
    /// The index of the scenario's target, for a target probability.
    public var target: Int?

    /// The CSV columns that name an output.
    public static let columns = ["output", "metric", "year", "op", "value"]
    public var cells: [String] {
        [kind.rawValue, metric, String(year), op, value.map(CSVWriter.number) ?? ""]
    }
    /// A short English label, e.g. `P(trained_share > 0.55 in 2024)` or `mean coops 2024`.
    public var label: String {
        switch kind {
        case .probability where metric == "all_targets": return "P(all targets)"
        case .probability: return "P(\(metric) \(op) \(value.map(CSVWriter.number) ?? "") in \(year))"
        case .mean: return "mean \(metric) \(year)"
        }
    }

    /// The outputs of a scenario: each target's probability (in the scenario's order), the joint
    /// probability of all targets (when there are two or more), then the mean of each target's
    /// metric in its year. A scenario without targets: the mean of every variable at the horizon.
    public static func outputs(of s: Scenario, model: ModelSpec) -> [DecisionOutput] {
        var out: [DecisionOutput] = []
        for (k, t) in s.targets.enumerated() {
            out.append(DecisionOutput(kind: .probability, metric: t.metric, year: t.year, op: t.op.rawValue, value: t.value, target: k))
        }
        if s.targets.count >= 2 {
            out.append(DecisionOutput(kind: .probability, metric: "all_targets", year: s.targets.map(\.year).max()!, op: "", value: nil, target: nil))
        }
        var seen = Set<String>()
        for t in s.targets where seen.insert("\(t.metric) \(t.year)").inserted {
            out.append(DecisionOutput(kind: .mean, metric: t.metric, year: t.year, op: "", value: nil, target: nil))
        }
        if s.targets.isEmpty {
            for v in model.variables { out.append(DecisionOutput(kind: .mean, metric: v.name, year: s.horizon, op: "", value: nil, target: nil)) }
        }
        return out
    }
}

/// A decision experiment: one scenario, the factors that vary, and the design points (cases),
/// every case run on the same paths 0 ..< draws with the same seed (common random numbers).
///
/// Case k changes the path of factor j to `factors[j].apply(points[k][j], to: own)` in every
/// simulated year (a NaN value leaves the factor's path as the scenario has it); a case whose
/// values leave every path unchanged (add 0, scale 1, NaN) is the scenario itself and gives
/// exactly `coopsim run`'s numbers.
public struct DecisionExperiment: Sendable {
    public var scenario: Scenario
    public var model: ModelSpec
    public var factors: [FactorRanges.Factor]
    public var points: [[Double]]
    public var draws: Int
    public var seed: UInt64

    public init(scenario: Scenario, model: ModelSpec, factors: [FactorRanges.Factor], points: [[Double]], draws: Int, seed: UInt64) {
        precondition(points.allSatisfy { $0.count == factors.count }, "Every design point needs one value per factor (\(factors.count)).")
        self.scenario = scenario; self.model = model; self.factors = factors; self.points = points; self.draws = draws; self.seed = seed
    }

    /// What the cases produced: per case the engine's accumulators and the joint target hits.
    public struct Result: Sendable {
        public var outputs: [DecisionOutput]
        /// `estimates[case][output]` and its Monte Carlo standard error.
        public var estimates: [[Double]]
        public var standardErrors: [[Double]]
        public var accumulators: [ScenarioAccumulators]
        public var metrics: Int
        public var years: Int
        public var variableNames: [String]
        public var inputs: [(path: String, sha256: String)]
    }

    /// Runs every case through the experiment pipeline (`Experiment`: one group of cases per call
    /// of the engine, at most 64 cases and about 64 MB of kept paths per group, all with the same
    /// seed and draws, so every case sees the same paths whatever the grouping). Throws
    /// `InputErrors`: a calibration that does not load or compile, a case whose values take a
    /// variable out of its domain (named with the case's factor values).
    public func run(threads: Int, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Result {
        let compiled = try Experiment.compile([(scenario, model)]).checked()
        let cm = compiled.models[0]!
        let names = cm.variableNames
        let metrics = names.count, years = scenario.horizon - scenario.lastObservedYear, cells = metrics * years
        let outputs = DecisionOutput.outputs(of: scenario, model: model)
        let joint = scenario.targets.count >= 2
        let targetCells = scenario.targets.map { (t: Target) in (t.year - scenario.lastObservedYear - 1) * metrics + names.firstIndex(of: t.metric)! }
        // Groups of cases: kept paths (for the joint probability) and block buffers stay under ~64 MB.
        let perCase = (joint ? draws * cells : 0) + cells * MonteCarloOptions.blockSize
        let group = max(1, min(64, 8_000_000 / max(1, perCase)))
        let totalBlocks = MonteCarloOptions(draws: draws).blockCount * ((points.count + group - 1) / group)
        let counter = _DecisionProgress(total: totalBlocks, progress: progress)
        var onBlock: (@Sendable (Int, Int) -> Void)?
        if progress != nil { onBlock = { @Sendable (_: Int, _: Int) in counter.step() } }
        var accumulators: [ScenarioAccumulators] = []
        var estimates: [[Double]] = [], errors: [[Double]] = []
        var start = 0
        while start < points.count {
            let range = start..<min(points.count, start + group)
            let cases = try range.map { k in
                try Experiment.Case(scenario: scenario(case: k), model: model, compiled: cm, seed: seed)
            }
            let experiment = try Experiment(kind: "decision", cases: cases, groups: [.init(cases: Array(cases.indices), draws: draws)],
                                            inputs: compiled.inputs)
            let results = experiment.execute(threads: threads, keepPaths: joint ? draws : 0, progress: onBlock)
            if let e = experiment.domainError(results) {
                let text = e.description
                let k = start + (cases.firstIndex { text.contains("'" + $0.scenario.name + "'") } ?? 0)
                throw InputErrors([InputError.message(e.found + " (factor values " + describe(points[k]) + ")", file: e.file,
                                                      hint: "narrow the ranges in the ranges file")])
            }
            for c in cases.indices {
                var acc = results.accumulators(ofCase: c)
                var row: [Double] = [], se: [Double] = []
                var jointHits = 0
                if joint {
                    for p in 0..<draws {
                        let base = p * cells
                        var all = true
                        for (t, target) in scenario.targets.enumerated() where !target.op.holds(acc.kept[base + targetCells[t]], target.value) {
                            all = false; break
                        }
                        if all { jointHits += 1 }
                    }
                    acc.kept = []
                }
                for o in outputs {
                    switch o.kind {
                    case .probability:
                        let hits = o.target.map { acc.targetHits[$0] } ?? jointHits
                        let p = Double(hits) / Double(draws)
                        row.append(p); se.append((p * (1 - p) / Double(draws)).squareRoot())
                    case .mean:
                        let m = acc.moments[(o.year - scenario.lastObservedYear - 1) * metrics + names.firstIndex(of: o.metric)!]
                        row.append(m.mean); se.append(m.standardError)
                    }
                }
                estimates.append(row); errors.append(se)
                accumulators.append(acc)
            }
            start = range.upperBound
        }
        return Result(outputs: outputs, estimates: estimates, standardErrors: errors, accumulators: accumulators,
                      metrics: metrics, years: years, variableNames: names,
                      inputs: compiled.inputs.map { (path: $0.path, sha256: $0.sha256) })
    }

    func describe(_ point: [Double]) -> String {
        zip(factors, point).map { "\($0.name) \($0.change.rawValue) \(CSVWriter.number($1))" }.joined(separator: ", ")
    }

    /// The scenario of case k: each factor's path changed in the simulated years, written as a path
    /// with a point per year (the scenario's own values up to the last observed year, which lags read).
    func scenario(case k: Int) -> Scenario {
        var s = scenario
        s.name = "\(scenario.name) case \(k)"
        let last = scenario.lastObservedYear
        for (f, x) in zip(factors, points[k]) where !x.isNaN {
            guard let own = scenario.paths[f.name] else { continue }
            var pts: [YearPath.Point] = []
            for year in (last - 10)...last { pts.append(.init(year: year, value: own.value(at: year), line: own.line)) }
            for year in scenario.years { pts.append(.init(year: year, value: f.apply(x, to: own.value(at: year)), line: own.line)) }
            s.paths[f.name] = YearPath(points: pts, step: false, line: own.line)
        }
        return s
    }
}

/// Counts blocks over the groups of an experiment and reports them, one call at a time.
final class _DecisionProgress: @unchecked Sendable {
    let total: Int
    let progress: (@Sendable (Int, Int) -> Void)?
    let lock = NSLock()
    var done = 0
    init(total: Int, progress: (@Sendable (Int, Int) -> Void)?) { self.total = total; self.progress = progress }
    func step() {
        guard let progress else { return }
        lock.lock(); done += 1; progress(min(done, total), total); lock.unlock()
    }
}
