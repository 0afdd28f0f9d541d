import CoopData
import CoopModel
import CoopNumerics
import Foundation

/// `coopsim fit`: reads a data file, builds the design of a formula, fits it
/// by family, and returns a `RegressionReport`. Every problem with the input
/// is an `InputError` naming file, line and field.
public enum FitRunner {
    /// The one family type (`CoopNumerics.Family`), shared with `calibrate`, `synth` and the engine.
    public typealias Family = CoopNumerics.Family

    /// The covariance choice as written on the command line: `classical`, `HC0`..`HC3`, `cluster:COL`.
    public typealias StandardErrors = Regression.StandardErrors

    public struct Request: Sendable {
        public var dataPath: String
        public var formula: String
        public var family: Family
        public var trials: String?
        public var weights: String?
        public var standardErrors: StandardErrors
        public var panel: PanelSpec?
        public var confidenceLevel: Double
        /// `--df`: the test distribution; nil = `TestDistribution.standard(family:covariance:)`.
        public var testDistribution: TestDistribution?
        /// `--na`: the cells read as missing (nil = `CSVReader.missingMarkers`).
        public var missingMarkers: [String]?
        /// `--exposure COL`: adds `offset(log(COL))` (counts per unit of COL: members, cooperatives).
        public var exposure: String?
        /// `--nb-information`: NB2 standard errors from the expected (R) or observed joint (Stata) information.
        public var negbinInformation: NegativeBinomialInformation = .expected

        public init(dataPath: String, formula: String, family: Family = .gaussian, trials: String? = nil, weights: String? = nil,
                    standardErrors: StandardErrors = .classical, panel: PanelSpec? = nil, confidenceLevel: Double = 0.95,
                    testDistribution: TestDistribution? = nil) {
            self.dataPath = dataPath; self.formula = formula; self.family = family; self.trials = trials
            self.weights = weights; self.standardErrors = standardErrors; self.panel = panel; self.confidenceLevel = confidenceLevel
            self.testDistribution = testDistribution
        }
    }

    /// Runs a fit end to end.
    public static func run(_ request: Request) throws -> RegressionReport {
        let table = try CSVReader.read(path: request.dataPath, missingMarkers: request.missingMarkers)
        return try fit(request, table: table)
    }

    /// The pipeline's specification of a request (`Regression.fit`, shared with `calibrate`).
    public static func specification(_ request: Request) -> RegressionSpecification {
        RegressionSpecification(formula: request.formula, family: request.family, trials: request.trials, weights: request.weights,
                                exposure: request.exposure, standardErrors: request.standardErrors, panel: request.panel,
                                confidenceLevel: request.confidenceLevel, testDistribution: request.testDistribution,
                                missingMarkers: request.missingMarkers, negbinInformation: request.negbinInformation)
    }

    /// Fits on an already read table (`request.dataPath` is used in messages) through the one
    /// regression pipeline (`Regression.fit`) and turns the result into a report.
    public static func fit(_ request: Request, table: DataTable) throws -> RegressionReport {
        let r = try Regression.fit(specification(request), data: table, source: request.dataPath)
        return report(r)
    }

    /// The report of a fitted regression: coefficient table, fit statistics, warnings.
    /// The formula shown is the one fitted (an exposure's `offset(log(COL))` written out).
    public static func report(_ r: FittedRegression) -> RegressionReport {
        var report: RegressionReport
        switch r.fit {
        case .linear(let f):
            report = RegressionReport(formula: r.formula, family: "gaussian", covarianceType: r.covarianceName, nobs: f.nobs,
                                      droppedRows: r.droppedRows, dfModel: f.dfModel, dfResidual: f.dfResidual, terms: f.terms,
                                      logLikelihood: f.logLikelihood, aic: f.aic, bic: f.bic, deviance: f.deviance,
                                      nullDeviance: f.nullDeviance, dispersion: f.dispersion, iterations: 1, converged: true,
                                      conditionNumber: f.conditionNumber)
            report.rSquared = f.rSquared
            report.adjRSquared = f.adjRSquared
            report.sigma = f.sigma
            report.fStatistic = f.fStatistic
            report.fPValue = f.fPValue
            report.fNumeratorDF = f.fNumeratorDF
            report.usesT = f.usesT
            report.inferenceDF = f.usesT ? f.inferenceDF : .infinity
            if let g = f.clusterCount { report.extra.append(("clusters", Double(g))) }
        case .generalized(let f):
            report = RegressionReport(formula: r.formula, family: f.family.rawValue, covarianceType: r.covarianceName, nobs: f.nobs,
                                      droppedRows: r.droppedRows, dfModel: f.dfModel, dfResidual: f.dfResidual, terms: f.terms,
                                      logLikelihood: f.logLikelihood, aic: f.aic, bic: f.bic, deviance: f.deviance,
                                      nullDeviance: f.nullDeviance, dispersion: f.dispersion, iterations: f.iterations,
                                      converged: f.converged, conditionNumber: f.conditionNumber)
            report.usesT = f.usesT
            report.inferenceDF = f.inferenceDF
            if let g = f.clusterCount { report.extra.append(("clusters", Double(g))) }
            report.extra.append(("pearson_chi2", f.pearsonChi2))
            if let a = f.alpha { report.extra.append(("alpha", a)) }
            if let s = f.alphaStdError { report.extra.append(("alpha_std_error", s)) }
            if f.family == .negbin { report.negbinInformation = r.specification.negbinInformation }
            report.diverging = f.diverging.map { r.columnNames[$0.column] }
        }
        report.confidenceLevel = r.specification.confidenceLevel
        report.testDistribution = r.testDistribution
        report.warnings = r.warnings
        return report
    }
}
