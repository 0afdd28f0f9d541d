import CoopData
import CoopNumerics
import Foundation

/// The result of `coopsim fit` in the field's vocabulary (estimate, std_error, ...), whatever the family:
/// the coefficient table and the fit statistics, ready to print as a table,
/// CSV or JSON.
public struct RegressionReport: Sendable {
    public var formula: String
    public var family: String
    public var covarianceType: String
    public var nobs: Int
    public var droppedRows: Int
    public var dfModel: Double
    public var dfResidual: Double
    public var terms: [CoefficientRow]
    /// Gaussian only (NaN otherwise).
    public var rSquared: Double = .nan
    public var adjRSquared: Double = .nan
    public var sigma: Double = .nan
    public var fStatistic: Double = .nan
    public var fPValue: Double = .nan
    /// Numerator degrees of freedom of the F test (NaN: `dfModel`).
    public var fNumeratorDF: Double = .nan
    public var logLikelihood: Double
    public var aic: Double
    public var bic: Double
    public var deviance: Double
    public var nullDeviance: Double
    public var dispersion: Double
    public var iterations: Int
    public var converged: Bool
    public var conditionNumber: Double
    /// Extra statistics by name (e.g. NB2 `alpha`, `pearson_chi2`), printed after the standard ones.
    public var extra: [(String, Double)] = []
    /// Words for the analyst (dropped rows, aliased terms, non-convergence, separation).
    public var warnings: [String] = []
    /// Whether tests use t (true) or the normal distribution (false).
    public var usesT: Bool = true
    /// The test distribution (`--df`) and the degrees of freedom of the t tests and the F test
    /// (`n - k`, or `G - 1` with clusters; infinity with normal tests).
    public var testDistribution: TestDistribution = .t
    public var inferenceDF: Double = .nan
    /// NB2 only: the information behind the standard errors (nil for other families).
    public var negbinInformation: NegativeBinomialInformation?
    /// Terms without a finite estimate (see `DivergingCoefficient`), by name.
    public var diverging: [String] = []
    public var confidenceLevel: Double = 0.95

    public init(formula: String, family: String, covarianceType: String, nobs: Int, droppedRows: Int, dfModel: Double,
                dfResidual: Double, terms: [CoefficientRow], logLikelihood: Double, aic: Double, bic: Double,
                deviance: Double, nullDeviance: Double, dispersion: Double, iterations: Int, converged: Bool,
                conditionNumber: Double) {
        self.formula = formula; self.family = family; self.covarianceType = covarianceType; self.nobs = nobs
        self.droppedRows = droppedRows; self.dfModel = dfModel; self.dfResidual = dfResidual; self.terms = terms
        self.logLikelihood = logLikelihood; self.aic = aic; self.bic = bic; self.deviance = deviance
        self.nullDeviance = nullDeviance; self.dispersion = dispersion; self.iterations = iterations
        self.converged = converged; self.conditionNumber = conditionNumber
    }

    // MARK: JSON

    /// JSON with the field names and order of the README's `fit` section; non-finite numbers as null.
    public func json() -> String {
        var parts: [String] = []
        func add(_ k: String, _ v: String) { parts.append("\"\(k)\": \(v)") }
        add("nobs", String(nobs))
        add("df_model", Self.jsonNumber(dfModel))
        add("df_residual", Self.jsonNumber(dfResidual))
        add("family", Self.jsonString(family))
        add("formula", Self.jsonString(formula))
        add("covariance_type", Self.jsonString(covarianceType))
        let termsJSON = terms.map { t in
            "{\"name\": \(Self.jsonString(t.name)), \"estimate\": \(Self.jsonNumber(t.estimate)), \"std_error\": \(Self.jsonNumber(t.stdError)), "
                + "\"statistic\": \(Self.jsonNumber(t.statistic)), \"p_value\": \(Self.jsonNumber(t.pValue)), "
                + "\"ci_low\": \(Self.jsonNumber(t.ciLow)), \"ci_high\": \(Self.jsonNumber(t.ciHigh)), \"aliased\": \(t.aliased)}"
        }
        add("terms", "[\n    " + termsJSON.joined(separator: ",\n    ") + "\n  ]")
        add("r_squared", Self.jsonNumber(rSquared))
        add("adj_r_squared", Self.jsonNumber(adjRSquared))
        add("sigma", Self.jsonNumber(sigma))
        add("f_statistic", Self.jsonNumber(fStatistic))
        add("f_p_value", Self.jsonNumber(fPValue))
        add("log_likelihood", Self.jsonNumber(logLikelihood))
        add("aic", Self.jsonNumber(aic))
        add("bic", Self.jsonNumber(bic))
        add("deviance", Self.jsonNumber(deviance))
        add("null_deviance", Self.jsonNumber(nullDeviance))
        add("dispersion", Self.jsonNumber(dispersion))
        add("iterations", String(iterations))
        add("converged", String(converged))
        add("condition_number", Self.jsonNumber(conditionNumber))
        add("dropped_rows", String(droppedRows))
        add("test_distribution", Self.jsonString(testDistribution.rawValue))
        add("df_inference", Self.jsonNumber(inferenceDF))
        if let i = negbinInformation { add("negbin_information", Self.jsonString(i.rawValue)) }
        add("diverging_terms", "[" + diverging.map(Self.jsonString).joined(separator: ", ") + "]")
        for (k, v) in extra { add(k, Self.jsonNumber(v)) }
        add("warnings", "[" + warnings.map(Self.jsonString).joined(separator: ", ") + "]")
        return "{\n  " + parts.joined(separator: ",\n  ") + "\n}\n"
    }

    static func jsonNumber(_ x: Double) -> String { JSONText.number(x) }

    static func jsonString(_ s: String) -> String { JSONText.string(s) }

    // MARK: CSV

    /// The terms table with the JSON field names as columns.
    public func csv() -> String {
        var w = CSVWriter(columns: ["name", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high", "aliased"])
        for t in terms {
            w.addRow([t.name, CSVWriter.number(t.estimate), CSVWriter.number(t.stdError), CSVWriter.number(t.statistic),
                      CSVWriter.number(t.pValue), CSVWriter.number(t.ciLow), CSVWriter.number(t.ciHigh), t.aliased ? "true" : "false"])
        }
        return w.text
    }

    // MARK: table

    /// A readable summary in the manner of R's `summary(lm)` and statsmodels' `summary()`.
    public func table() -> String {
        var lines: [String] = []
        let familyName = family == "gaussian" ? "Gaussian (least squares, pivoted QR)" : "\(family) GLM (IRLS)"
        lines.append("Formula:      \(formula)")
        lines.append("Family:       \(familyName)")
        lines.append("Covariance:   \(covarianceType)" + (negbinInformation.map {
            $0 == .expected ? " (NB2: expected information at alpha, as R's glm.nb)" : " (NB2: observed information, alpha jointly, as Stata's nbreg)" } ?? ""))
        lines.append("Tests:        " + (usesT ? "t with \(CSVWriter.number(inferenceDF)) df" + (covarianceType.hasPrefix("cluster") ? " (clusters - 1)" : " (n - k)") : "normal (z)")
                     + (family == "gaussian" ? (usesT ? ", F test on the same df" : ", F test as chi2(q) / q") : ""))
        lines.append("Observations: \(nobs)" + (droppedRows > 0 ? " (\(droppedRows) dropped for missing values)" : ""))
        lines.append("")
        let stat = usesT ? "t" : "z"
        let pct = Int((confidenceLevel * 100).rounded())
        let header = ["term", "estimate", "std.error", stat, "p-value", "[\(100 - pct)/2%", "\(100 - (100 - pct) / 2)%]"]
        var rows: [[String]] = [header]
        for t in terms {
            if t.aliased {
                rows.append([t.name, "aliased", "", "", "", "", ""])
            } else if diverging.contains(t.name) || t.stdError.isNaN {
                // No finite estimate, or no (robust) variance: inference not available.
                rows.append([t.name, Self.fmt(t.estimate), "n/a", "n/a", "n/a", "n/a", "n/a"])
            } else {
                rows.append([t.name, Self.fmt(t.estimate), Self.fmt(t.stdError), Self.fmt(t.statistic, digits: 3),
                             Self.fmtP(t.pValue), Self.fmt(t.ciLow), Self.fmt(t.ciHigh)])
            }
        }
        rows[0][5] = "[\(String(format: "%.3g", (1 - confidenceLevel) / 2 * 100))%"
        rows[0][6] = "\(String(format: "%.4g", (1 - (1 - confidenceLevel) / 2) * 100))%]"
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (j, c) in r.enumerated() { widths[j] = max(widths[j], c.count) } }
        for (i, r) in rows.enumerated() {
            var s = ""
            for (j, c) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[j] - c.count)
                s += j == 0 ? c + pad : "  " + pad + c
            }
            lines.append(s)
            if i == 0 { lines.append(String(repeating: "-", count: s.count)) }
        }
        lines.append("")
        var stats: [(String, String)] = []
        if family == "gaussian" {
            stats.append(("R-squared", Self.fmt(rSquared)))
            stats.append(("Adj. R-squared", Self.fmt(adjRSquared)))
            stats.append(("Residual std. error", Self.fmt(sigma) + " on \(CSVWriter.number(dfResidual)) df"))
            let q = fNumeratorDF.isNaN ? dfModel : fNumeratorDF
            stats.append(("F statistic", Self.fmt(fStatistic) + " on \(CSVWriter.number(q)) and \(CSVWriter.number(usesT ? inferenceDF : .infinity)) df, p = " + Self.fmtP(fPValue)))
        } else {
            stats.append(("Deviance", Self.fmt(deviance) + " on \(CSVWriter.number(dfResidual)) df"))
            stats.append(("Null deviance", Self.fmt(nullDeviance)))
            stats.append(("Dispersion", Self.fmt(dispersion)))
            stats.append(("Iterations", "\(iterations)" + (converged ? " (converged)" : " (NOT converged)")))
        }
        for (k, v) in extra { stats.append((k, Self.fmt(v))) }
        stats.append(("Log-likelihood", Self.fmt(logLikelihood)))
        stats.append(("AIC / BIC", Self.fmt(aic) + " / " + Self.fmt(bic)))
        stats.append(("Condition number", Self.fmt(conditionNumber, digits: 3)))
        let kw = stats.map(\.0.count).max() ?? 0
        for (k, v) in stats { lines.append(k + ":" + String(repeating: " ", count: kw - k.count + 1) + v) }
        return lines.joined(separator: "\n") + "\n"
    }

    static func fmt(_ x: Double, digits: Int = 6) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "Inf" : "-Inf") }
        return String(format: "%.\(digits)g", x)
    }

    static func fmtP(_ p: Double) -> String {
        guard p.isFinite else { return "NaN" }
        return p < 1e-16 ? "<1e-16" : String(format: "%.3g", p)
    }
}
