import ArgumentParser
import CoopData
import CoopModel
import CoopScenario
import Foundation

/// `coopsim backtest DATA.csv`: rolling-origin evaluation of the model's forecasts.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Rolling-origin evaluation: forecast k+1..k+h from each year k of observed data and score the forecasts.",
        discussion: """
        For each region of DATA.csv and each origin year k, simulates the next --horizon years from the state
        observed at k (levers and assumptions from the data, or from --scenario where the data lack them) and
        compares with what was observed: error of the median and of the naive random walk with drift from the
        same origin (MAE, MASE), coverage of the 50% and 90% intervals, CRPS and PIT values.
        Writes backtest.csv, backtest_summary.csv and run.json to --out; `coopsim report` draws the fan charts.

        Examples:
          coopsim backtest Scenarios/data/national_coops_series.csv --scenario Scenarios/national-baseline.toml
          coopsim backtest Scenarios/data/synthetic_panel.csv --recalibrate --horizon 3 --origins 2016:2020
        See Guides/Backtest.md.
        """
    )

    @Argument(help: "Observed data: one row per region and year, columns named as the model's variables (a series without a region column is one region).")
    var data: String

    @Option(help: "A scenario whose model, calibration, observed values and paths fill in what the data lack.")
    var scenario: String?

    @Option(help: "The model file when no --scenario is given.")
    var model: String?

    @Option(help: "The calibration (default: the scenario's, or Scenarios/calibration.toml).")
    var calibration: String?

    @Flag(help: "Refit the model at each origin on the data's rows up to that year (needs every column the model's equations read).")
    var recalibrate = false

    @Option(help: "Years ahead to forecast from each origin.")
    var horizon: Int = 3

    @Option(help: "Origin years as FIRST:LAST (default: every year with a state and a later observation).")
    var origins: String?

    @Option(name: .customLong("metric"), help: "A metric to score (repeatable; default: every model variable in the data).")
    var metrics: [String] = []

    @Option(help: "Monte Carlo paths per forecast.")
    var draws: Int = 2000

    @Option(help: "Root seed.")
    var seed: UInt64 = 2030

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output folder (written atomically).")
    var out: String = "out/backtest"

    @Flag(help: "Start every CSV with a byte-order mark for Excel.")
    var excel = false

    var originRange: ClosedRange<Int>? {
        guard let origins else { return nil }
        let p = origins.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2, let a = Int(p[0]), let b = Int(p[1]), a <= b else { return nil }
        return a...b
    }

    func validate() throws {
        if horizon < 1 || horizon > 50 { throw ValidationError("--horizon must be from 1 to 50, got \(horizon).") }
        if draws < 1 || draws > 1_000_000 { throw ValidationError("--draws must be from 1 to 1000000 (every path is kept to score it), got \(draws).") }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads).") }
        if origins != nil && originRange == nil { throw ValidationError("--origins must be FIRST:LAST with FIRST <= LAST, e.g. 2016:2022; got '\(origins!)'.") }
        if scenario != nil && model != nil { throw ValidationError("give --scenario or --model, not both (the scenario names its model).") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
    }

    func run() throws {
        try reportingInputErrors { try Runner.checkOutputFolder(out) }
        let options = Backtest.Options(horizon: horizon, draws: draws, seed: seed, threads: threads,
                                       metrics: metrics.isEmpty ? nil : metrics, origins: originRange, recalibrate: recalibrate)
        let result = try reportingInputErrors {
            try BacktestRunner.run(data: data, template: scenario, model: model, calibration: calibration, options: options,
                                   commandLine: ["coopsim"] + CommandLine.arguments.dropFirst())
        }
        try reportingInputErrors { try BacktestRunner.write(result, to: out, excel: excel) }
        for line in result.result.skipped.prefix(5) { printError("note: " + line) }
        if !result.result.assumed.isEmpty {
            printError("note: taken from \(scenario ?? "nowhere") where the data have no value: " + result.result.assumed.joined(separator: ", "))
        }
        printError("coopsim backtest: \(result.result.evaluations.count) forecasts from \(result.result.origins.count) origins, "
                   + "\(String(format: "%.2f", result.wallSeconds)) s -> \(out)/")
    }
}
