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
        abstract: "Charts and tables from a run's output folder (HTML, Markdown, a Jupyter notebook or an Excel workbook).",
        discussion: """
        Reads DIR (the output folder of `coopsim run` or `coopsim compare`: summary.csv, and when present \
        targets.csv, compare.csv, history.csv, metrics.csv, scenarios.csv, run.json) and writes fan charts per \
        metric, region and scenario, comparison charts, the target-probability table and the run's provenance.
        html: one self-contained file with inline SVG. md: Markdown with the SVG charts in a folder \
        STEM-figures/ beside it. ipynb: a notebook saved with its outputs that loads the CSV files with pandas \
        (by their path relative to the notebook) and redraws the charts with matplotlib. xlsx: an Excel workbook \
        with a sheet per CSV file (typed numbers, frozen header), a README sheet with provenance, and native charts.
        """
    )

    @Argument(help: "The run's output folder.")
    var dir: String

    @Option(help: "Output format: html, ipynb, md or xlsx.")
    var format: ReportFormat = .html

    @Option(help: "Language of titles, labels and tables: en or vi.")
    var lang: ReportLanguage = .en

    @Option(help: "Output file (default: DIR/report.html, DIR/report.ipynb, DIR/report.md or DIR/report.xlsx).")
    var out: String?

    @Option(help: "Metrics to chart, comma-separated (e.g. coops,workers); default: every metric. Tables keep every target.")
    var metrics: String?

    @Flag(help: "Also write every chart as a standalone SVG file into STEM-figures/ beside the output (for pasting into documents).")
    var svg = false

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
        let runFiles = RunFolderSchema.files.map(\.name) + [RunWorkbook.fileName]
        try refuseFolderFileName(dir, names: runFiles, kind: "run folder", with: path, option: "--out",
                                 defaultOut: ReportBuilder.defaultOutput(directory: dir, format: format))
        // An output that cannot be written is not bad input data: exit 1 (64 when --out is a folder).
        var selection: [String]?
        if let m = metrics {
            let names = m.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let known = folder.summarizedMetrics.map(\.name)
            for n in names where !known.contains(n) {
                let hint = closestMatch(to: n, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                printError("error: --metrics: expected metrics of the run folder (\(known.joined(separator: ", "))), got '\(n)'\(hint)")
                throw ExitCode(64)
            }
            if names.isEmpty { printError("error: --metrics: expected at least one metric"); throw ExitCode(64) }
            selection = names
        }
        let builder = ReportBuilder(folder: folder, language: lang, metrics: selection)
        try reportingInputErrors { try builder.write(format: format, to: path) }
        printError("coopsim report: wrote \(path)")
        if svg {
            let dir = (path as NSString).deletingLastPathComponent
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + "-figures"
            let figures = dir.isEmpty ? stem : (dir as NSString).appendingPathComponent(stem)
            let charts = builder.overlayCharts() + builder.fanCharts() + builder.comparisonCharts()
            try reportingInputErrors {
                try? FileManager.default.createDirectory(atPath: figures, withIntermediateDirectories: true)
                for c in charts { try OutputFile.write(c.svg, to: (figures as NSString).appendingPathComponent(c.fileName)) }
            }
            printError("coopsim report: wrote \(charts.count) SVG charts to \(figures)/")
        }
    }

    /// The report of a `coopsim backtest` folder (html or md).
    func backtestReport() throws {
        if format == .ipynb { throw ValidationError("a backtest folder is reported as html or md, not ipynb.") }
        let report = try reportingInputErrors { try BacktestReport(directory: dir) }
        let path = out ?? ReportBuilder.defaultOutput(directory: dir, format: format)
        let files = ["backtest.csv", "backtest_summary.csv", "observed.csv", "run.json"]
        try refuseFolderFileName(dir, names: files, kind: "backtest folder", with: path, option: "--out",
                                 defaultOut: ReportBuilder.defaultOutput(directory: dir, format: format))
        try reportingInputErrors { try report.write(format: format, to: path) }
        printError("coopsim report: wrote \(path)")
    }
}
