import CoopData
import CoopModel
import Foundation

/// The files every decision command writes beside its own (Guides/Decision.md): factors.csv,
/// scenarios.csv, metrics.csv and run.json, in the shapes `run` uses.
public struct DecisionProvenance: Sendable {
    public var kind: String
    public var method: String
    public var scenario: Scenario
    public var model: ModelSpec
    public var ranges: FactorRanges
    public var draws: Int
    public var seed: UInt64
    public var threads: Int
    public var commandLine: [String]
    public var inputs: [(path: String, sha256: String)]
    public var started: Date
    public var wallSeconds: Double
    /// Extra run.json members (name, JSON text), e.g. the cases' count.
    public var extra: [(String, String)]

    public init(kind: String, method: String, scenario: Scenario, model: ModelSpec, ranges: FactorRanges, draws: Int, seed: UInt64,
                threads: Int, commandLine: [String], inputs: [(path: String, sha256: String)], started: Date, wallSeconds: Double,
                extra: [(String, String)] = []) {
        self.kind = kind; self.method = method; self.scenario = scenario; self.model = model; self.ranges = ranges
        self.draws = draws; self.seed = seed; self.threads = threads; self.commandLine = commandLine
        self.inputs = inputs; self.started = started; self.wallSeconds = wallSeconds; self.extra = extra
    }

    public func files(excel: Bool) -> [(name: String, contents: String)] {
        let num = CSVWriter.number
        var factors = CSVWriter(columns: ["factor", "kind", "change", "low", "high", "cost", "unit", "label_en", "label_vi"], excel: excel)
        for f in ranges.factors {
            factors.addRow([f.name, f.kind.rawValue, f.change.rawValue, num(f.low), num(f.high), f.cost.map(num) ?? "", f.unit, f.labelEN, f.labelVI])
        }
        var scenarios = CSVWriter(columns: ["scenario", "title", "region", "last_observed_year", "horizon", "draws", "seed", "file", "title_vi"], excel: excel)
        scenarios.addRow([scenario.name, scenario.title, scenario.region, String(scenario.lastObservedYear), String(scenario.horizon),
                          String(draws), String(seed), scenario.file, scenario.titleVI])
        var metrics = CSVWriter(columns: ["metric", "unit", "label_en", "label_vi"], excel: excel)
        for d in model.variables { metrics.addRow([d.name, d.unit, d.labelEN, d.labelVI]) }
        return [("factors.csv", factors.text), ("scenarios.csv", scenarios.text), ("metrics.csv", metrics.text), ("run.json", runJSON())]
    }

    /// run.json: as `run`'s (tool, version, command, kind, seed, draws, threads, scenarios, inputs
    /// with SHA-256 — the ranges file included —, started, wall_seconds) plus method and extras.
    public func runJSON() -> String {
        let str = RunJSON.string
        let fields: [(key: String, json: String)] = [
            ("method", str(method)), ("seed", String(seed)), ("draws", String(draws)), ("threads", String(threads)),
            ("scenarios", "[\(str(scenario.name))]"), ("ranges", str(ranges.file)),
        ] + extra.map { (key: $0.0, json: $0.1) }
        return RunJSON(kind: kind, commandLine: commandLine, fields: fields, inputs: inputs,
                       started: started, wallSeconds: wallSeconds).text()
    }
}

extension DecisionExperiment.Result {
    /// cases.csv (or sweep.csv): one row per (case, output) with the case's factor values.
    func caseTable(factors: [FactorRanges.Factor], points: [[Double]], excel: Bool) -> String {
        let num = CSVWriter.number
        var t = CSVWriter(columns: ["case"] + factors.map(\.name) + DecisionOutput.columns + ["estimate", "mc_se"], excel: excel)
        for (k, p) in points.enumerated() {
            for (o, out) in outputs.enumerated() {
                t.addRow([String(k)] + p.map(num) + out.cells + [num(estimates[k][o]), num(standardErrors[k][o])])
            }
        }
        return t.text
    }

    /// summary.csv's rows for every case, with the case's number and factor values first.
    func summaryTable(scenario: Scenario, factors: [FactorRanges.Factor], points: [[Double]], excel: Bool) -> String {
        let q: [(String, Double)] = [("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)]
        let num = CSVWriter.number
        var t = CSVWriter(columns: ["case"] + factors.map(\.name) + ["scenario", "region", "year", "metric", "mean", "sd"] + q.map(\.0) + ["mc_se"], excel: excel)
        for (k, p) in points.enumerated() {
            let acc = accumulators[k]
            for (v, metric) in variableNames.enumerated() {
                for yi in 0..<years {
                    let c = yi * metrics + v
                    let m = acc.moments[c]
                    t.addRow([String(k)] + p.map(num) + [scenario.name, scenario.region, String(scenario.lastObservedYear + 1 + yi), metric,
                             num(m.mean), num(m.standardDeviation)] + acc.sketches[c].quantiles(q.map(\.1)).map(num) + [num(m.standardError)])
                }
            }
        }
        return t.text
    }
}
