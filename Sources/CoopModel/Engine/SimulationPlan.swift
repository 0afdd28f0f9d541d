import CoopData
import CoopRandom

/// A compiled model bound to one scenario's numbers: region, seed, simulated years, the
/// initial state (observed values and history for deeper lags), the lever and assumption
/// values of every year (per lag read), and the targets to count.
///
/// CoopModel knows nothing of scenario files; `CoopScenario.Runner` builds plans from
/// `Scenario` values:
///
///     let plan = try SimulationPlan(model: compiled, scenario: "hcmc-baseline", file: "Scenarios/hcmc-baseline.toml",
///                                   region: "Thành phố Hồ Chí Minh", seed: 2024, lastObservedYear: 2023, horizon: 2026,
///                                   observed: ["coops": 650, ...], history: [:],
///                                   exogenous: { name, year in paths[name]?.value(at: year) }, targets: [])
public struct SimulationPlan: Sendable {
    /// A target: `metric op value` in a year, counted on every path.
    public struct TargetCheck: Sendable, Equatable {
        public enum Comparison: String, Sendable { case ge = ">=", gt = ">", le = "<=", lt = "<" }
        public var metric: Int
        public var yearIndex: Int
        public var comparison: Comparison
        public var value: Double
        public init(metric: Int, yearIndex: Int, comparison: Comparison, value: Double) {
            self.metric = metric; self.yearIndex = yearIndex; self.comparison = comparison; self.value = value
        }
        @inline(__always)
        func holds(_ x: Double) -> Bool {
            switch comparison {
            case .ge: return x >= value
            case .gt: return x > value
            case .le: return x <= value
            case .lt: return x < value
            }
        }
    }

    public let model: CompiledModel
    public let scenario: String
    public let file: String
    public let region: String
    public let regionID: UInt64
    public let seed: UInt64
    public let lastObservedYear: Int
    public let horizon: Int
    public let targets: [TargetCheck]
    /// Lever and assumption values: `exogenousValues[yearIndex * exoSlots + slot]`, one slot per (name, lag).
    let exogenousValues: [Double]
    let exogenousSlots: Int
    /// Value of every state buffer (variable, lag >= 1) at the start of the first simulated year, by buffer index.
    let initialState: [(buffer: Int, value: Double)]

    /// Simulated years: lastObservedYear + 1 ... horizon.
    public var years: ClosedRange<Int> { (lastObservedYear + 1)...horizon }
    public var yearCount: Int { horizon - lastObservedYear }

    /// Binds `model` to a scenario. `exogenous(name, year)` gives a lever or assumption in a year
    /// (years before the first simulated one are asked for when the model reads lags).
    /// Throws `InputErrors` naming `file` and `observed.<name>` (or `history.<name>`) for each value
    /// the model needs and the scenario lacks, with the equation that reads it.
    public init(model: CompiledModel, scenario: String, file: String, region: String, seed: UInt64,
                lastObservedYear: Int, horizon: Int, observed: [String: Double],
                history: [String: [(year: Int, value: Double)]],
                exogenous: (String, Int) -> Double?, targets: [TargetCheck]) throws {
        precondition(horizon > lastObservedYear, "A plan needs a horizon (\(horizon)) after the last observed year (\(lastObservedYear)).")
        var problems: [InputError] = []
        var initial: [(Int, Double)] = []
        for r in model.requirements {
            let v = model.variableNames.firstIndex(of: r.name)!
            for lag in 1...model.variableMaxLag[v] {
                let year = lastObservedYear - (lag - 1)
                var value: Double?
                if lag == 1 { value = observed[r.name] ?? history[r.name]?.first { $0.year == year }?.value }
                else { value = history[r.name]?.first { $0.year == year }?.value }
                if let value {
                    initial.append((model.variableBase[v] + lag, value))
                } else {
                    let reads = lag == 1 ? "lag(\(r.name))" : "lag(\(r.name), \(lag))"
                    problems.append(InputError(file: file, line: nil, field: lag == 1 ? "observed.\(r.name)" : "history.\(r.name).\(year)",
                        expected: "the value of \(r.name) in \(year): the model reads \(reads) in equation '\(r.equation)' (\(model.spec.file) line \(r.line))",
                        found: "nothing (add it here or in a file this scenario extends)"))
                }
            }
        }
        let slots = zip(model.exogenousMaxLag, model.exogenousNames).reduce(0) { $0 + $1.0 + 1 }
        var values = [Double](repeating: 0, count: slots * (horizon - lastObservedYear))
        for (yi, year) in ((lastObservedYear + 1)...horizon).enumerated() {
            var slot = 0
            for (x, name) in model.exogenousNames.enumerated() {
                for lag in 0...model.exogenousMaxLag[x] {
                    if let v = exogenous(name, year - lag) { values[yi * slots + slot] = v } else if yi == 0 {
                        let kind = model.exogenousKinds[x] == .lever ? "levers" : "assumptions"
                        problems.append(InputError(file: file, line: nil, field: "\(kind).\(name)",
                                                   expected: "a path for \(name) (the model reads it)", found: "nothing"))
                    }
                    slot += 1
                }
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        self.model = model
        self.scenario = scenario
        self.file = file
        self.region = region
        self.regionID = StreamKey.hash(region)
        self.seed = seed
        self.lastObservedYear = lastObservedYear
        self.horizon = horizon
        self.targets = targets
        self.exogenousValues = values
        self.exogenousSlots = slots
        self.initialState = initial
    }
}
