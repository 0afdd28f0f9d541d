import CoopData
import CoopModel
import Foundation

/// `coopsim backtest`: rolling-origin evaluation of the model against an observed panel or series
/// (see `Backtest` in CoopModel for the method and Guides/Backtest.md for the output folder).
///
///     let run = try BacktestRunner.run(data: "Scenarios/data/national_coops_series.csv",
///                                      template: "Scenarios/national-baseline.toml", model: nil, calibration: nil,
///                                      options: Backtest.Options(horizon: 3, draws: 2000, seed: 2030), commandLine: [])
///     try BacktestRunner.write(run, to: "out/backtest", excel: false)
///
/// With a template scenario, the model and calibration are the scenario's, and every state variable,
/// lever or assumption the data lack is taken from it (observed values for the state at any origin,
/// paths for the years simulated): `assumed` in run.json lists them.
public enum BacktestRunner {
    public struct Run: Sendable {
        public var result: Backtest.Result
        public var options: Backtest.Options
        public var dataFile: String
        public var template: String?
        public var modelFile: String
        public var calibrationFile: String?
        public var commandLine: [String]
        public var inputs: [(path: String, sha256: String)]
        public var started: Date
        public var wallSeconds: Double
    }

    /// Loads the inputs and runs the backtest.
    /// - Parameters:
    ///   - template: a scenario whose model, calibration, observed values and paths fill what the data lack.
    ///   - model, calibration: used when no template is given (calibration may be nil with `options.recalibrate`).
    /// - Throws: `InputErrors` (exit 65) for unreadable or inconsistent inputs.
    public static func run(data: String, template: String?, model modelPath: String?, calibration calibrationPath: String?,
                           options: Backtest.Options, commandLine: [String]) throws -> Run {
        let started = Date()
        let clock = ContinuousClock.now
        var inputs: [String] = [data]
        let model: ModelSpec
        var calPath: String?
        var fallback: (String, Int) -> Double? = { _, _ in nil }
        let modelFile: String
        if let template {
            let (scenario, spec) = try ScenarioLoader.load(path: template)
            model = spec
            modelFile = scenario.modelPath
            calPath = scenario.calibrationPath
            inputs += scenario.inputFiles + [scenario.modelPath]
            let observed = scenario.observed, history = scenario.history, paths = scenario.paths
            fallback = { name, year in
                if let p = paths[name] { return p.value(at: year) }
                if let h = history[name]?.first(where: { $0.year == year }) { return h.value }
                return observed[name]
            }
        } else {
            modelFile = modelPath ?? "Scenarios/model.toml"
            model = try ModelSpec.load(path: modelFile)
            inputs.append(modelFile)
            calPath = calibrationPath ?? (options.recalibrate ? nil : "Scenarios/calibration.toml")
        }
        if let c = calibrationPath { calPath = c }
        if options.recalibrate { calPath = nil }
        let calibration = try calPath.map { try Calibration.load(path: $0) }
        if let calPath { inputs.append(calPath) }
        let panel = try CSVReader.read(path: data)
        let result = try Backtest.run(model: model, calibration: calibration, panel: panel, fallback: fallback, options: options)
        var unique: [String] = []
        for p in inputs where !unique.contains(p) { unique.append(p) }
        let hashed = try unique.map { p -> (path: String, sha256: String) in
            guard let d = FileManager.default.contents(atPath: p) else {
                throw InputErrors([InputError(file: p, expected: "a readable input file", found: "a file that cannot be read")])
            }
            return (p, SHA256.hex(d))
        }
        let elapsed = ContinuousClock.now - clock
        return Run(result: result, options: options, dataFile: data, template: template, modelFile: modelFile,
                   calibrationFile: calPath, commandLine: commandLine, inputs: hashed, started: started,
                   wallSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    /// Files of the output folder: backtest.csv (one row per forecast compared), backtest_summary.csv
    /// (per metric and horizon), observed.csv (the scored series), run.json (provenance, assumptions,
    /// what was left out).
    public static func outputFiles(_ run: Run, excel: Bool) -> [(name: String, contents: String)] {
        let num = CSVWriter.number
        func opt(_ x: Double?) -> String { x.map(num) ?? "" }
        var rows = CSVWriter(columns: ["region", "metric", "origin", "horizon", "year", "observed", "mean", "p05", "p25", "p50",
                                       "p75", "p95", "drift", "crps", "pit", "covered_50", "covered_90", "mase_scale"], excel: excel)
        for e in run.result.evaluations {
            rows.addRow([e.region, e.metric, String(e.origin), String(e.horizon), String(e.year), num(e.observed), num(e.mean)]
                        + e.quantiles.map(num)
                        + [opt(e.drift), num(e.crps), num(e.pit), e.covered50 ? "1" : "0", e.covered90 ? "1" : "0", opt(e.scale)])
        }
        var summary = CSVWriter(columns: ["metric", "horizon", "count", "bias", "mae", "mae_drift", "relative_mae", "mase",
                                          "mase_drift", "coverage_50", "coverage_90", "crps", "pit_mean"], excel: excel)
        for s in run.result.summaries {
            summary.addRow([s.metric, String(s.horizon), String(s.count), num(s.bias), num(s.mae), opt(s.maeDrift), opt(s.relativeMAE),
                            opt(s.mase), opt(s.maseDrift), num(s.coverage50), num(s.coverage90), num(s.crps), num(s.pitMean)])
        }
        var observed = CSVWriter(columns: ["region", "metric", "year", "value"], excel: excel)
        for o in run.result.observed { observed.addRow([o.region, o.metric, String(o.year), num(o.value)]) }
        return [("backtest.csv", rows.text), ("backtest_summary.csv", summary.text), ("observed.csv", observed.text),
                ("run.json", runJSON(run))]
    }

    static func runJSON(_ run: Run) -> String {
        let str = RunJSON.string, list = RunJSON.list
        let o = run.options
        let estimators = "{\"crps\": \"energy form over the paths, (1/n) sum|x-y| - (1/2n^2) sum|x-x'|\", "
            + "\"pit\": \"mid-point: (#{x<y} + #{x=y}/2)/n\", \"intervals\": \"closed [p25, p75] and [p05, p95], lower empirical quantiles\", "
            + "\"drift\": \"random walk with drift from the first and last observation up to the origin\", "
            + "\"mase\": \"|error| / in-sample mean absolute one-year change up to the origin (Hyndman & Koehler 2006), averaged\"}"
        let fields: [(key: String, json: String)] = [
            ("data", str(run.dataFile)),
            ("template", run.template.map(str) ?? "null"),
            ("model", str(run.modelFile)),
            ("calibration", run.calibrationFile.map(str) ?? "null"),
            ("recalibrate", String(o.recalibrate)),
            ("horizon", String(o.horizon)),
            ("origins", "[" + run.result.origins.map(String.init).joined(separator: ", ") + "]"),
            ("seed", String(o.seed)),
            ("draws", String(o.draws)),
            ("threads", String(o.threads)),
            ("assumed", list(run.result.assumed)),
            ("skipped", list(run.result.skipped)),
            ("estimators", estimators),
        ]
        return RunJSON(kind: "backtest", commandLine: run.commandLine, fields: fields, inputs: run.inputs,
                       started: run.started, wallSeconds: run.wallSeconds).text()
    }

    /// Writes the output folder by `Runner.writeFolder` (`RunFolderWriter`), with the same rules as
    /// `run`: atomically as a whole, replacing only the files the previous run wrote (files the user
    /// added are kept), under a lock against concurrent writers.
    /// - Throws: `OutputError` (`isUsage` when the folder is not one coopsim may write).
    public static func write(_ run: Run, to directory: String, excel: Bool) throws(OutputError) {
        try Runner.writeFolder(outputFiles(run, excel: excel), to: directory)
    }
}
