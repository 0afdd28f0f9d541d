import ArgumentParser
import CoopData
import CoopScenario
import Foundation

extension ReportFormat: ExpressibleByArgument {}
extension ReportLanguage: ExpressibleByArgument {}

/// `coopsim report DIR [--format html|ipynb|md] [--lang en|vi] [--out PATH]`:
/// charts and tables from a run's output folder. Wiring only; the work is in
/// CoopScenario's `RunFolder` and `ReportBuilder`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Charts and tables from a run's output folder (HTML, Markdown or a Jupyter notebook).",
        discussion: """
        Reads DIR (the output folder of `coopsim run` or `coopsim compare`: summary.csv, and when present \
        targets.csv, compare.csv, history.csv, metrics.csv, scenarios.csv, run.json) and writes fan charts per \
        metric, region and scenario, comparison charts, the target-probability table and the run's provenance.
        html: one self-contained file with inline SVG. md: Markdown with the SVG charts in a folder \
        STEM-figures/ beside it. ipynb: a notebook saved with its outputs that loads the CSV files with pandas \
        (by their path relative to the notebook) and redraws the charts with matplotlib.
        """
    )

    @Argument(help: "The run's output folder.")
    var dir: String

    @Option(help: "Output format: html, ipynb or md.")
    var format: ReportFormat = .html

    @Option(help: "Language of titles, labels and tables: en or vi.")
    var lang: ReportLanguage = .en

    @Option(help: "Output file (default: DIR/report.html, DIR/report.ipynb or DIR/report.md).")
    var out: String?

    func run() throws {
        // The folders of sweep, sensitivity, optimize and discover have their own report (DecisionReport).
        if DecisionFolder.kind(of: dir) != nil {
            if format == .ipynb {
                printError("error: --format ipynb: expected html or md for a decision folder (its CSV files open directly with pandas.read_csv)")
                throw ExitCode(64)
            }
            let folder = try reportingInputErrors { try DecisionFolder.read(directory: dir) }
            let path = out ?? ReportBuilder.defaultOutput(directory: dir, format: format)
            try refuseOverwriting(try FileManager.default.contentsOfDirectory(atPath: dir).map { (dir as NSString).appendingPathComponent($0) }
                                  .filter { !$0.hasSuffix("report.html") && !$0.hasSuffix("report.md") }, with: path, option: "--out")
            try reportingInputErrors { try DecisionReport(folder: folder, language: lang).write(format: format, to: path) }
            printError("coopsim report: wrote \(path)")
            return
        }
        if BacktestReport.isBacktestFolder(dir) { return try backtestReport() }   // issue 12: see BacktestReport
        let folder = try reportingInputErrors { try RunFolder.read(directory: dir) }
        let path = out ?? ReportBuilder.defaultOutput(directory: dir, format: format)
        let runFiles = ["summary.csv", "targets.csv", "compare.csv", "paths.csv", "history.csv", "metrics.csv", "scenarios.csv", "run.json"]
        try refuseOverwriting(runFiles.map { (dir as NSString).appendingPathComponent($0) }, with: path, option: "--out")
        // An output that cannot be written is not bad input data: exit 1 (64 when --out is a folder).
        try reportingInputErrors { try ReportBuilder(folder: folder, language: lang).write(format: format, to: path) }
        printError("coopsim report: wrote \(path)")
    }

    /// The report of a `coopsim backtest` folder (html or md).
    func backtestReport() throws {
        if format == .ipynb { throw ValidationError("a backtest folder is reported as html or md, not ipynb.") }
        let report = try reportingInputErrors { try BacktestReport(directory: dir) }
        let path = out ?? ReportBuilder.defaultOutput(directory: dir, format: format)
        let files = ["backtest.csv", "backtest_summary.csv", "observed.csv", "run.json"]
        try refuseOverwriting(files.map { (dir as NSString).appendingPathComponent($0) }, with: path, option: "--out")
        try reportingInputErrors { try report.write(format: format, to: path) }
        printError("coopsim report: wrote \(path)")
    }
}
