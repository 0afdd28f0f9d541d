import CoopData
import CoopDistributions
import Foundation

/// Rolling-origin evaluation of the model's forecasts against observed series (`coopsim backtest`).
///
/// For every region of a panel and every origin year k: take the state observed at k, simulate
/// k+1 … k+h with the Monte Carlo engine (levers and assumptions of those years from the panel, or
/// from `fallback` where the panel lacks them), and compare each simulated distribution with what
/// was observed. Optionally recalibrate the model at each origin on the panel's rows up to k (all
/// regions), so no observation after the origin informs the forecast.
///
/// Scores per (region, metric, origin, horizon), `ForecastScores` conventions: the median's error,
/// the naive random walk with drift from the same origin (`ForecastScores.driftForecast`, on the
/// metric's observations up to k), CRPS of the paths (energy form), the mid-point PIT value, and
/// whether the closed central 50% and 90% intervals (the engine's p25–p75 and p05–p95) hold the
/// observation. `summarize` aggregates them per (metric, horizon): MAE of the median, MAE of the
/// drift, their ratio, MASE of both (Hyndman & Koehler 2006: each absolute error divided by the
/// in-sample mean absolute one-year change of the series up to the origin, then averaged),
/// empirical coverage, mean CRPS and mean PIT.
///
/// Randomness: each origin's plans use the seed `seed + origin · 0x9E3779B97F4A7C15` (wrapping), so
/// forecasts of the same year from different origins do not share their draws.
public enum Backtest {
    public struct Options: Sendable {
        /// Years ahead, h ≥ 1.
        public var horizon: Int
        public var draws: Int
        public var seed: UInt64
        public var threads: Int
        /// Metrics to score; nil: every model variable with a numeric column in the panel.
        public var metrics: [String]?
        /// Origins to use; nil: every year with a complete state and a later observation.
        public var origins: ClosedRange<Int>?
        /// Refit the model at each origin on the panel's rows with year ≤ origin.
        public var recalibrate: Bool
        public var switches: SimulationSwitches

        public init(horizon: Int, draws: Int, seed: UInt64, threads: Int = 1, metrics: [String]? = nil,
                    origins: ClosedRange<Int>? = nil, recalibrate: Bool = false, switches: SimulationSwitches = SimulationSwitches()) {
            precondition(horizon >= 1, "A backtest needs a horizon of at least one year, got \(horizon).")
            precondition(draws >= 1, "A backtest needs at least one draw, got \(draws).")
            self.horizon = horizon; self.draws = draws; self.seed = seed; self.threads = threads; self.metrics = metrics
            self.origins = origins; self.recalibrate = recalibrate; self.switches = switches
        }
    }

    /// One forecast of one metric in one region from one origin, against what was observed.
    public struct Evaluation: Sendable, Equatable {
        public var region: String
        public var metric: String
        public var origin: Int
        public var horizon: Int
        public var year: Int
        public var observed: Double
        public var mean: Double
        /// p05, p25, p50, p75, p95 of the paths (the engine's lower empirical quantiles).
        public var quantiles: [Double]
        /// Random walk with drift from the same origin (nil with fewer than two observations up to it).
        public var drift: Double?
        public var crps: Double
        public var pit: Double
        public var covered50: Bool
        public var covered90: Bool
        /// MASE scale: in-sample mean absolute one-year change up to the origin (nil or 0: not scaled).
        public var scale: Double?
        public var median: Double { quantiles[2] }
    }

    /// Scores of one metric at one horizon, over regions and origins.
    public struct Summary: Sendable, Equatable {
        public var metric: String
        public var horizon: Int
        public var count: Int
        /// Mean of median − observed.
        public var bias: Double
        public var mae: Double
        /// MAE of the drift forecast over the evaluations that have one (nil: none).
        public var maeDrift: Double?
        /// MAE / MAE of drift over the same evaluations.
        public var relativeMAE: Double?
        public var mase: Double?
        public var maseDrift: Double?
        public var coverage50: Double
        public var coverage90: Double
        public var crps: Double
        public var pitMean: Double
    }

    public struct Result: Sendable {
        public var evaluations: [Evaluation]
        public var summaries: [Summary]
        /// Origins simulated, in order.
        public var origins: [Int]
        /// What was taken from `fallback` rather than the panel (state variables and paths), for the report.
        public var assumed: [String]
        /// Origins or regions left out, and why.
        public var skipped: [String]
        /// The observed series scored, by region then metric then year (for charts).
        public var observed: [(region: String, metric: String, year: Int, value: Double)]
    }

    /// Runs the backtest.
    ///
    /// - Parameters:
    ///   - model: the model; its `[calibration]` region and year columns name the panel's (a panel
    ///     without the region column is one series).
    ///   - calibration: used at every origin unless `options.recalibrate`.
    ///   - panel: observed values; a missing cell (NaN) is not observed.
    ///   - fallback: value of a state variable, lever or assumption in a year when the panel lacks it
    ///     (e.g. a template scenario's observed values and paths); nil if unknown.
    /// - Throws: `InputErrors` for a calibration that does not fit the model, a calibration that
    ///   fails at an origin, a simulated value leaving its domain, or nothing to evaluate.
    public static func run(model: ModelSpec, calibration: Calibration?, panel: DataTable,
                           fallback: @escaping (String, Int) -> Double?, options: Options) throws -> Result {
        precondition(options.recalibrate || calibration != nil, "Backtest.run needs a calibration unless it recalibrates.")
        let source = panel.source ?? "<panel>"
        let years = try panel.numeric(model.yearColumn, field: "the panel's year column (model.toml [calibration] year)")
        var regionOfRow: [String]
        if panel.index(of: model.regionColumn) != nil, case .text(let cells)? = panel[model.regionColumn] {
            regionOfRow = cells.map { $0 ?? "" }
        } else if let col = panel[model.regionColumn], case .numeric(let v) = col {
            regionOfRow = v.map { Self.format($0) }
        } else {
            regionOfRow = Array(repeating: "series", count: panel.rowCount)
        }
        // (region, year) -> row; duplicates are an error.
        var rowOf: [String: [Int: Int]] = [:]
        var regionOrder: [String] = []
        for r in 0..<panel.rowCount {
            guard years[r].isFinite, years[r] == years[r].rounded() else {
                throw InputErrors([InputError(file: source, line: panel.rowLines.isEmpty ? nil : panel.line(ofRow: r),
                                              field: model.yearColumn, expected: "a whole year", found: Self.format(years[r]))])
            }
            let region = regionOfRow[r], year = Int(years[r])
            if rowOf[region] == nil { regionOrder.append(region); rowOf[region] = [:] }
            if rowOf[region]![year] != nil {
                throw InputErrors([InputError(file: source, line: panel.rowLines.isEmpty ? nil : panel.line(ofRow: r),
                                              field: "\(model.regionColumn), \(model.yearColumn)",
                                              expected: "one row per region and year", found: "a second row for \(region) \(year)")])
            }
            rowOf[region]![year] = r
        }
        var numericColumns: [String: [Double]] = [:]
        for (j, name) in panel.names.enumerated() { if case .numeric(let v) = panel.columns[j] { numericColumns[name] = v } }
        func observed(_ name: String, _ region: String, _ year: Int) -> Double? {
            guard let col = numericColumns[name], let r = rowOf[region]?[year], col[r].isFinite else { return nil }
            return col[r]
        }
        let variables = model.variables.map(\.name)
        /// The scored metric with the same unit as `name` observed in (region, year), if any (not `name` itself).
        func scaleStock(for name: String, _ region: String, _ year: Int) -> (name: String, value: Double)? {
            guard let unit = model.declaration(name)?.unit, !unit.isEmpty else { return nil }
            for m in options.metrics ?? variables where m != name && model.declaration(m)?.unit == unit {
                if let v = observed(m, region, year) { return (m, v) }
            }
            return nil
        }
        let metrics = options.metrics ?? variables.filter { numericColumns[$0] != nil }
        var problems: [InputError] = []
        for m in metrics where !variables.contains(m) {
            problems.append(InputError(file: model.file, field: "--metric", expected: "a variable of the model (\(variables.joined(separator: ", ")))", found: m))
        }
        for m in metrics where variables.contains(m) && numericColumns[m] == nil {
            problems.append(InputError(file: source, field: m, expected: "a numeric column '\(m)' with the observed values to score", found: "no such column"))
        }
        if metrics.isEmpty {
            problems.append(InputError(file: source, expected: "at least one column named as a model variable (\(variables.joined(separator: ", ")))", found: "none"))
        }
        if !problems.isEmpty { throw InputErrors(problems) }

        var assumed: Set<String> = []
        var skipped: [String] = []
        let allYears = Set(rowOf.values.flatMap(\.keys)).sorted()
        let candidateOrigins = allYears.filter { k in options.origins.map { $0.contains(k) } ?? true }
        var compiledFixed: CompiledModel?
        if !options.recalibrate, let calibration {
            compiledFixed = try CompiledModel(spec: model, calibration: calibration)
        }
        var evaluations: [Evaluation] = []
        var usedOrigins: [Int] = []
        for k in candidateOrigins {
            // Regions with an observation of a metric after k (within the horizon) and a state at k.
            let targets = regionOrder.filter { region in
                metrics.contains { m in (1...options.horizon).contains { observed(m, region, k + $0) != nil } }
                    && rowOf[region]?[k] != nil
            }
            if targets.isEmpty { continue }
            let compiled: CompiledModel
            if let compiledFixed { compiled = compiledFixed } else {
                let rows = (0..<panel.rowCount).filter { Int(years[$0]) <= k }
                do {
                    let cal = try Calibrator.calibrate(model: model, data: panel.selecting(rows: rows)).calibration
                    compiled = try CompiledModel(spec: model, calibration: cal)
                } catch let e as InputErrors {
                    skipped.append("origin \(k): calibration on the rows up to \(k) failed (\(e.errors.first?.description ?? "")); origin left out")
                    continue
                }
            }
            var plans: [SimulationPlan] = []
            let seed = options.seed &+ UInt64(bitPattern: Int64(k)) &* 0x9E37_79B9_7F4A_7C15
            for region in targets {
                var state: [String: Double] = [:]
                var history: [String: [(year: Int, value: Double)]] = [:]
                var missing: [String] = []
                var seen: Set<String> = []
                for r in compiled.requirements where seen.insert(r.name).inserted {
                    let v = compiled.variableNames.firstIndex(of: r.name)!
                    for lag in 1...compiled.variableMaxLag[v] {
                        let year = k - (lag - 1)
                        var v = observed(r.name, region, year)
                        if v == nil, var f = fallback(r.name, year) {
                            // A part of a scored stock (same unit, e.g. cooperatives rated good out of all
                            // cooperatives) keeps the template's share of that stock, not its level.
                            if let stock = scaleStock(for: r.name, region, year), let t = fallback(stock.name, year), t > 0 {
                                f *= stock.value / t
                                if model.declaration(r.name)?.domain == .count { f = f.rounded() }
                                assumed.insert("observed.\(r.name) (template share of \(stock.name))")
                            } else {
                                assumed.insert("observed.\(r.name)")
                            }
                            v = f
                        }
                        guard let v else { missing.append("\(r.name) in \(year)"); continue }
                        if lag == 1 { state[r.name] = v } else { history[r.name, default: []].append((year, v)) }
                    }
                }
                if !missing.isEmpty {
                    skipped.append("\(region) from \(k): no value of \(missing.joined(separator: ", "))")
                    continue
                }
                let exogenous: (String, Int) -> Double? = { name, year in
                    if let v = observed(name, region, year) { return v }
                    return fallback(name, year)
                }
                for name in compiled.exogenousNames where (1...options.horizon).contains(where: { observed(name, region, k + $0) == nil }) {
                    let kind = model.declaration(name)?.kind == .lever ? "levers" : "assumptions"
                    assumed.insert("\(kind).\(name)")
                }
                do {
                    plans.append(try SimulationPlan(model: compiled, scenario: "backtest-\(k)", file: source, region: region, seed: seed,
                                                    lastObservedYear: k, horizon: k + options.horizon, observed: state,
                                                    history: history, exogenous: exogenous, targets: []))
                } catch let e as InputErrors {
                    skipped.append("\(region) from \(k): \(e.errors.map(\.description).joined(separator: "; "))")
                }
            }
            if plans.isEmpty { continue }
            let result = MonteCarlo.run(plans: plans, options: MonteCarloOptions(draws: options.draws, threads: options.threads,
                                                                                keepPaths: options.draws, switches: options.switches))
            if let e = result.domainError(plans: plans) { throw InputErrors([e]) }
            usedOrigins.append(k)
            let cells = result.years * result.metrics
            for (s, plan) in plans.enumerated() {
                let kept = result.scenarios[s].kept
                for m in metrics {
                    guard let mi = compiled.variableNames.firstIndex(of: m) else { continue }
                    var pastYears: [Int] = [], pastValues: [Double] = []
                    for y in allYears where y <= k { if let v = observed(m, plan.region, y) { pastYears.append(y); pastValues.append(v) } }
                    for j in 1...options.horizon {
                        guard let y = observed(m, plan.region, k + j) else { continue }
                        var draws = [Double](repeating: 0, count: options.draws)
                        var sum = 0.0
                        for p in 0..<options.draws {
                            let v = kept[p * cells + (j - 1) * result.metrics + mi]
                            draws[p] = v; sum += v
                        }
                        draws.sort()
                        let q = [0.05, 0.25, 0.5, 0.75, 0.95].map { ForecastScores.quantile(sorted: draws, $0) }
                        let drift = pastYears.count >= 2
                            ? ForecastScores.driftForecast(years: pastYears, values: pastValues, at: k + j) : nil
                        evaluations.append(Evaluation(
                            region: plan.region, metric: m, origin: k, horizon: j, year: k + j, observed: y,
                            mean: sum / Double(options.draws), quantiles: q, drift: drift,
                            crps: ForecastScores.crps(sorted: draws, observation: y),
                            pit: ForecastScores.pit(sorted: draws, observation: y),
                            covered50: y >= q[1] && y <= q[3], covered90: y >= q[0] && y <= q[4],
                            scale: ForecastScores.maseScale(years: pastYears, values: pastValues)))
                    }
                }
            }
        }
        if evaluations.isEmpty {
            throw InputErrors([InputError(file: source, expected: "at least one origin year with the model's state and a later observation of \(metrics.joined(separator: ", ")) within \(options.horizon) years",
                                          found: "none" + (skipped.isEmpty ? "" : " (" + skipped.prefix(3).joined(separator: "; ") + ")"))])
        }
        var series: [(region: String, metric: String, year: Int, value: Double)] = []
        for region in regionOrder {
            for m in metrics { for y in allYears { if let v = observed(m, region, y) { series.append((region, m, y, v)) } } }
        }
        return Result(evaluations: evaluations, summaries: summarize(evaluations, metrics: metrics, horizon: options.horizon),
                      origins: usedOrigins, assumed: assumed.sorted(), skipped: skipped, observed: series)
    }

    /// Per (metric, horizon) aggregates of evaluations, metrics in the given order.
    public static func summarize(_ evaluations: [Evaluation], metrics: [String], horizon: Int) -> [Summary] {
        var out: [Summary] = []
        for m in metrics {
            for h in 1...horizon {
                let e = evaluations.filter { $0.metric == m && $0.horizon == h }
                guard !e.isEmpty else { continue }
                let n = Double(e.count)
                let withDrift = e.filter { $0.drift != nil }
                let maeSame = withDrift.isEmpty ? nil : withDrift.map { abs($0.median - $0.observed) }.reduce(0, +) / Double(withDrift.count)
                let maeDrift = withDrift.isEmpty ? nil : withDrift.map { abs($0.drift! - $0.observed) }.reduce(0, +) / Double(withDrift.count)
                let scaled = e.filter { ($0.scale ?? 0) > 0 }
                let scaledDrift = scaled.filter { $0.drift != nil }
                out.append(Summary(
                    metric: m, horizon: h, count: e.count,
                    bias: e.map { $0.median - $0.observed }.reduce(0, +) / n,
                    mae: e.map { abs($0.median - $0.observed) }.reduce(0, +) / n,
                    maeDrift: maeDrift,
                    relativeMAE: (maeSame != nil && maeDrift! > 0) ? maeSame! / maeDrift! : nil,
                    mase: scaled.isEmpty ? nil : scaled.map { abs($0.median - $0.observed) / $0.scale! }.reduce(0, +) / Double(scaled.count),
                    maseDrift: scaledDrift.isEmpty ? nil : scaledDrift.map { abs($0.drift! - $0.observed) / $0.scale! }.reduce(0, +) / Double(scaledDrift.count),
                    coverage50: Double(e.filter(\.covered50).count) / n,
                    coverage90: Double(e.filter(\.covered90).count) / n,
                    crps: e.map(\.crps).reduce(0, +) / n,
                    pitMean: e.map(\.pit).reduce(0, +) / n))
            }
        }
        return out
    }

    static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
    }
}

extension DataTable {
    /// The table of the given rows (in the given order), with their source lines.
    public func selecting(rows: [Int]) -> DataTable {
        let cols: [Column] = columns.map { c in
            switch c {
            case .numeric(let v): return .numeric(rows.map { v[$0] })
            case .text(let v): return .text(rows.map { v[$0] })
            }
        }
        return DataTable(names: names, columns: cols, source: source, rowLines: rowLines.isEmpty ? [] : rows.map { rowLines[$0] })
    }
}
