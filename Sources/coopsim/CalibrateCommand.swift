import ArgumentParser
import CoopData
import CoopModel
import Foundation

/// `coopsim calibrate PANEL.csv --model MODEL.toml --out CALIBRATION.toml`.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit every behavioural equation of a model on panel data and write a calibration file.",
        discussion: """
        Fits each behavioural equation by its family (gaussian: least squares; poisson, binomial, negbin: IRLS) on the region-year panel through the same regression pipeline as `coopsim fit` (same rows dropped, same column-typing rules and messages, same estimates and standard errors), with the covariance the model's [calibration] table asks for (classical or cluster-robust by region). An offset(expr) in a poisson, negbin or binomial equation (e.g. offset(log(lag(coops))): entries per existing cooperative) is fitted with coefficient 1, shown in the table as fixed, and simulated by `coopsim run`. --na sets the cells read as missing (as for fit: --na '' keeps a region coded NA).

        Writes coefficients, their covariance, sigma or alpha, nobs and groups; prints a short table of estimates and standard errors. Substituted columns (if_missing) and dropped rows are reported as warnings on stderr. The file is reproducible: it records the data file's SHA-256, not the date.
        """
    )

    @Argument(help: "The panel CSV (one row per region and year).")
    var panel: String

    @Option(name: .long, help: "The model file (e.g. Scenarios/model.toml).")
    var model: String

    @Option(name: .long, help: "The calibration file to write (e.g. Scenarios/calibration.toml).")
    var out: String

    @OptionGroup var csv: CSVOptions

    @Option(name: .customLong("fitted-on"), help: "What the panel is, in words; written as fitted_on (provenance shown by reports).")
    var fittedOn: String?

    @Option(name: .customLong("fitted-on-vi"), help: "The same in Vietnamese; written as fitted_on_vi (Vietnamese reports' caveat).")
    var fittedOnVI: String?

    @Option(name: .customLong("na"), help: missingMarkersHelp)
    var na: String?

    @Flag(name: .long, help: "Mark the calibration illustrative (e.g. fitted on a synthetic panel): reports then carry a caveat.")
    var illustrative = false

    /// The provenance options as given, for the file's header comment.
    var provenanceArguments: String {
        (fittedOn.map { " --fitted-on '\($0)'" } ?? "") + (fittedOnVI.map { " --fitted-on-vi '\($0)'" } ?? "") + (na.map { " --na '\($0)'" } ?? "") + (illustrative ? " --illustrative" : "")
    }

    func run() throws {
        try refuseOverwriting([panel, model], with: out, option: "--out")
        try reportingInputErrors {
            let spec = try ModelSpec.load(path: model)
            let table = try csv.read(panel, missingMarkers: missingMarkers(na))
            guard let bytes = FileManager.default.contents(atPath: panel) else {
                throw InputError.message("cannot read the file", file: panel)
            }
            var result = try Calibrator.calibrate(model: spec, data: table, dataFile: panel,
                                                  dataSHA256: SHA256.hex([UInt8](bytes)), missingMarkers: missingMarkers(na))
            result.calibration.fittedOn = fittedOn ?? ""
            result.calibration.fittedOnVI = fittedOnVI ?? ""
            result.calibration.illustrative = illustrative
            for w in result.warnings { printError("warning: " + w) }
            let header = """
            Calibration of the model '\(spec.name)' (\(model)) on \(panel).
            Written by coopsim \(CoopSim.configuration.version): coopsim calibrate \(panel) --model \(model) --out \(out)\(provenanceArguments)
            """
            let text = result.calibration.toml(header: header)
            try OutputFile.write(text, to: out)
            print(result.summaryTable())
            printError("calibrate: \(result.calibration.equations.count) equations written to \(out)")
        }
    }
}
