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
        func str(_ s: String) -> String { JSONText.string(s) }
        func list(_ xs: [String]) -> String { "[" + xs.map(str).joined(separator: ", ") + "]" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var startedAt = run.started, wall = run.wallSeconds
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init) {
            startedAt = Date(timeIntervalSince1970: epoch); wall = 0
        }
        let o = run.options
        var s = "{\n"
        s += "  \"tool\": \"coopsim\",\n"
        s += "  \"version\": \(str(Runner.version)),\n"
        s += "  \"command\": \(list(run.commandLine)),\n"
        s += "  \"kind\": \"backtest\",\n"
        s += "  \"data\": \(str(run.dataFile)),\n"
        s += "  \"template\": \(run.template.map(str) ?? "null"),\n"
        s += "  \"model\": \(str(run.modelFile)),\n"
        s += "  \"calibration\": \(run.calibrationFile.map(str) ?? "null"),\n"
        s += "  \"recalibrate\": \(o.recalibrate),\n"
        s += "  \"horizon\": \(o.horizon),\n"
        s += "  \"origins\": [" + run.result.origins.map(String.init).joined(separator: ", ") + "],\n"
        s += "  \"seed\": \(o.seed),\n"
        s += "  \"draws\": \(o.draws),\n"
        s += "  \"threads\": \(o.threads),\n"
        s += "  \"assumed\": \(list(run.result.assumed)),\n"
        s += "  \"skipped\": \(list(run.result.skipped)),\n"
        s += "  \"estimators\": {\"crps\": \"energy form over the paths, (1/n) sum|x-y| - (1/2n^2) sum|x-x'|\", "
        s += "\"pit\": \"mid-point: (#{x<y} + #{x=y}/2)/n\", \"intervals\": \"closed [p25, p75] and [p05, p95], lower empirical quantiles\", "
        s += "\"drift\": \"random walk with drift from the first and last observation up to the origin\", "
        s += "\"mase\": \"|error| / in-sample mean absolute one-year change up to the origin (Hyndman & Koehler 2006), averaged\"},\n"
        s += "  \"inputs\": [\n" + run.inputs.map { "    {\"path\": \(str($0.path)), \"sha256\": \(str($0.sha256))}" }.joined(separator: ",\n") + "\n  ],\n"
        s += "  \"started\": \(str(formatter.string(from: startedAt))),\n"
        s += "  \"wall_seconds\": \(CSVWriter.number(wall))\n"
        s += "}\n"
        return s
    }

    /// Writes the output folder atomically (a temporary folder beside it, renamed into place), with
    /// the same rules as `run`: a folder is replaced only if it is a previous coopsim output (run.json).
    public static func write(_ run: Run, to directory: String, excel: Bool) throws(OutputError) {
        try Runner.checkOutputFolder(directory)
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        let stamp = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt64(Date().timeIntervalSince1970 * 1e6))"
        let temp = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(stamp)")
        let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(stamp)")
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
            for f in outputFiles(run, excel: excel) { try Data(f.contents.utf8).write(to: temp.appendingPathComponent(f.name)) }
        } catch {
            try? fm.removeItem(at: temp)
            throw OutputError(path: directory, reason: "cannot write into \(temp.path): \(OutputFile.reason(temp.path, error))")
        }
        var hadOld = false
        if fm.fileExists(atPath: target.path) {
            do { try fm.moveItem(at: target, to: old); hadOld = true } catch {
                try? fm.removeItem(at: temp)
                throw OutputError(path: directory, reason: "cannot move the previous folder aside: \(OutputFile.reason(old.path, error))")
            }
        }
        do { try fm.moveItem(at: temp, to: target) } catch {
            try? fm.removeItem(at: temp)
            if hadOld { try? fm.moveItem(at: old, to: target) }
            throw OutputError(path: directory, reason: "cannot rename \(temp.path) into place: \(OutputFile.reason(target.path, error))")
        }
        if hadOld { try? fm.removeItem(at: old) }
    }
}
