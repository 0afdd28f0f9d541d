import ArgumentParser
import CoopData
import CoopNumerics
import CoopScenario
import Foundation

/// `coopsim fit DATA.csv --formula F ...`: one regression, its coefficient table and fit statistics.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a regression (least squares or GLM) and print the coefficient table and fit statistics.",
        discussion: """
        Formulas follow R / statsmodels (patsy): y ~ a + b, - 1 for no intercept, a:b, a*b, C(region), I(expr), log, log1p, exp, sqrt, logit; with --panel REGION,YEAR also lag(x), diff(x), dlog(x); offset(expr) adds expr to the linear predictor with coefficient 1 (GLM families; --exposure COL is offset(log(COL)) for poisson and negbin: rates per member or per cooperative). Rows with a missing or non-finite value in a used column are dropped and counted.

        Tests and intervals (--df auto, the default): gaussian with classical or HC0-HC3 errors uses t(n - k) and the F test F(q, n - k); cluster:COL uses t(G - 1) and F(q, G - 1) in every family (G clusters; Stata, fixest); poisson, binomial and negbin with classical or HC errors use the normal (z). --df t forces t (n - k, or G - 1 with clusters); --df normal forces z tests and a chi2(q) p-value for the F test. Small-sample factors: HC1 multiplies HC0 by n/(n - k), cluster by G/(G - 1) (n - 1)/(n - k), in every family (Stata's glm and poisson use n/(n - 1) for HC1). HC2/HC3 with a row of leverage 1 (the only row of a category): that term's robust error is not available, the others are computed. A coefficient with no finite estimate (separation, a category with only zero counts) is reported as +-Inf with its inference not available.

        NB2 (--family negbin) standard errors: --nb-information expected (default; R's glm.nb with sandwich: the GLM at the estimated alpha, alpha held fixed) or observed (Stata's nbreg and statsmodels' NegativeBinomial: observed information of beta and alpha jointly; classical, HC0, HC1 and cluster; HC2/HC3 are refused, since no package defines their leverages for the joint information: nbreg offers robust and cluster only, statsmodels computes HC0 for them; with expected, HC2/HC3 use the GLM's leverages at alpha, as R's sandwich). They differ in small samples, by a few to tens of per cent. When alpha is at its boundary 0 (counts not overdispersed) the fit is the Poisson fit and says so.

        Example: coopsim fit panel.csv --formula "entries ~ log(lag(coops)) + log1p(support)" \\
                 --family negbin --panel region,year --se cluster:region
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable { case table, csv, json }

    @Argument(help: "The data file (CSV, UTF-8, one header row).")
    var data: String

    @Option(help: "The model formula, e.g. \"y ~ x1 + log(x2)\".")
    var formula: String

    @Option(help: "gaussian, poisson, negbin or binomial.")
    var family: FitRunner.Family = .gaussian

    @Option(help: "Binomial trials: a column or an expression such as lag(coops).")
    var trials: String?

    @Option(help: "A column of prior weights (weighted least squares / GLM prior weights).")
    var weights: String?

    @Option(name: .customLong("se"), help: "Standard errors: classical, HC0, HC1, HC2, HC3 or cluster:COL.")
    var se: String = "classical"

    @Option(help: "Panel columns REGION_COL,YEAR_COL (needed for lag, diff, dlog).")
    var panel: String?

    @Option(help: "Test distribution: auto (t for gaussian, t(G-1) with clusters, z for other GLMs), t or normal.")
    var df: String = "auto"

    @Option(name: .customLong("na"), help: missingMarkersHelp)
    var na: String?

    @Option(help: "Exposure column of a count model: adds offset(log(COL)) (counts per member, per cooperative).")
    var exposure: String?

    @Option(name: .customLong("nb-information"),
            help: "NB2 standard errors: expected (R's glm.nb, alpha held fixed) or observed (Stata's nbreg, alpha jointly).")
    var nbInformation: String = "expected"

    @Option(help: "Confidence level of the intervals.")
    var level: Double = 0.95

    @Option(help: "Output: table, csv or json.")
    var format: OutputFormat = .table

    @OptionGroup var csv: CSVOptions

    func validate() throws {
        if FitRunner.StandardErrors(argument: se) == nil {
            throw ValidationError("--se must be classical, HC0, HC1, HC2, HC3 or cluster:COL, got '\(se)'.")
        }
        if let p = panel, p.split(separator: ",").count != 2 {
            throw ValidationError("--panel must be REGION_COL,YEAR_COL, got '\(p)'.")
        }
        if trials != nil && family != .binomial {
            throw ValidationError("--trials goes with --family binomial only, got --family \(family.rawValue).")
        }
        if !["auto", "t", "normal", "z"].contains(df.lowercased()) {
            throw ValidationError("--df must be auto, t or normal, got '\(df)'.")
        }
        if NegativeBinomialInformation(rawValue: nbInformation.lowercased()) == nil {
            throw ValidationError("--nb-information must be expected or observed, got '\(nbInformation)'.")
        }
        if !(level > 0 && level < 1) { throw ValidationError("--level must lie strictly between 0 and 1, got \(level).") }
    }

    func run() throws {
        let spec = panel.map { p -> PanelSpec in
            let parts = p.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            return PanelSpec(regionColumn: parts[0], yearColumn: parts[1])
        }
        let request = FitRunner.Request(dataPath: data, formula: formula, family: family, trials: trials, weights: weights,
                                        standardErrors: FitRunner.StandardErrors(argument: se)!, panel: spec, confidenceLevel: level,
                                        testDistribution: df.lowercased() == "auto" ? nil : df.lowercased() == "t" ? .t : .normal)
        var request2 = request
        request2.negbinInformation = NegativeBinomialInformation(rawValue: nbInformation.lowercased())!
        request2.exposure = exposure
        request2.missingMarkers = missingMarkers(na)
        let report = try reportingInputErrors { try FitRunner.fit(request2, table: try csv.read(data, missingMarkers: request2.missingMarkers)) }
        switch format {
        case .table: print(report.table(), terminator: "")
        case .csv: print(report.csv(), terminator: "")
        case .json: print(report.json(), terminator: "")
        }
        // Warnings go to standard error whatever the format (data on stdout, messages on stderr).
        for w in report.warnings { printError("warning: " + w) }
    }
}

extension FitRunner.Family: ExpressibleByArgument {}
