import CoopData
import CoopNumerics
import Foundation

/// `coopsim fit`: reads a data file, builds the design of a formula, fits it
/// by family, and returns a `RegressionReport`. Every problem with the input
/// is an `InputError` naming file, line and field.
public enum FitRunner {
    /// The one family type (`CoopNumerics.Family`), shared with `calibrate`, `synth` and the engine.
    public typealias Family = CoopNumerics.Family

    /// The covariance choice as written on the command line: `classical`, `HC0`..`HC3`, `cluster:COL`.
    public enum StandardErrors: Sendable, Equatable {
        case classical, hc0, hc1, hc2, hc3
        case cluster(column: String)

        /// Parses the `--se` value; nil when it is not one of the choices.
        public init?(argument: String) {
            switch argument.lowercased() {
            case "classical", "nonrobust": self = .classical
            case "hc0": self = .hc0
            case "hc1": self = .hc1
            case "hc2": self = .hc2
            case "hc3": self = .hc3
            default:
                guard argument.lowercased().hasPrefix("cluster:") else { return nil }
                let col = String(argument.dropFirst("cluster:".count))
                guard !col.isEmpty else { return nil }
                self = .cluster(column: col)
            }
        }
    }

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

    /// Fits on an already read table (`request.dataPath` is used in messages).
    public static func fit(_ request: Request, table: DataTable) throws -> RegressionReport {
        let file = request.dataPath
        let formula: Formula
        var formulaText = request.formula
        if let e = request.exposure {
            guard request.family.isCount else {
                throw InputError(field: "--exposure", expected: "--family poisson or negbin", found: "--family \(request.family.rawValue)",
                                 hint: "for other families write offset(...) in the formula")
            }
            formulaText += " + offset(log(Q(\"\(e.replacingOccurrences(of: "\"", with: ""))\")))"
        }
        do { formula = try Formula.parse(formulaText, field: "--formula") } catch var e as InputError {
            if e.file == nil { e.file = nil }
            throw e
        }
        guard formula.response != nil else {
            throw InputError(field: "--formula", expected: "a response on the left of '~', such as \"y ~ x\"", found: "\"\(request.formula)\"")
        }
        var trialsExpression: CoopData.Expression?
        if let t = request.trials {
            guard request.family == .binomial else {
                throw InputError(field: "--trials", expected: "--trials only with --family binomial", found: "--family \(request.family.rawValue)")
            }
            trialsExpression = try CoopData.Expression.parse(t, field: "--trials")
        }
        var clusterColumn: String?
        if case .cluster(let c) = request.standardErrors {
            guard table.index(of: c) != nil else {
                throw InputError(file: file, line: 1, field: "--se cluster:\(c)", expected: "a column of \(file) (\(table.names.joined(separator: ", ")))",
                                 found: "no column '\(c)'", hint: table.columnHint(for: c) ?? closestMatch(to: c, among: table.names).map { "did you mean '\($0)'?" })
            }
            clusterColumn = c
        }
        if let w = request.weights, table.index(of: w) == nil {
            throw InputError(file: file, line: 1, field: "--weights", expected: "a column of \(file)", found: "no column '\(w)'",
                             hint: table.columnHint(for: w) ?? closestMatch(to: w, among: table.names).map { "did you mean '\($0)'?" })
        }
        let design = try DesignMatrix.build(formula: formula, data: table, panel: request.panel, weights: request.weights,
                                            trials: trialsExpression, cluster: clusterColumn)
        let n = design.X.rows, p = design.X.columns
        var warnings: [String] = []
        if design.droppedRows > 0 {
            // Name the columns and what was read as missing.
            let used = Set(design.rowsUsed)
            let dropped = (0..<table.rowCount).filter { !used.contains($0) }
            var columns = formula.variables.map(\.name)
            if let w = request.weights { columns.append(w) }
            if let c = clusterColumn { columns.append(c) }
            if let t = trialsExpression { columns += t.variables.map(\.name) }
            let census = table.droppedRowsCensus(columns: columns, droppedRows: dropped)
            warnings.append("\(design.droppedRows) row\(design.droppedRows == 1 ? "" : "s") dropped for a missing or non-finite value in a used column (as R's na.omit)"
                            + (census.isEmpty ? "" : ": " + census.joined(separator: "; "))
                            + " (cells read as missing: " + (request.missingMarkers ?? CSVReader.missingMarkers).map { $0.isEmpty ? "empty" : "'\($0)'" }.joined(separator: ", ")
                            + (request.missingMarkers == nil ? "; --na '' keeps every other cell, e.g. a code NA" : "") + ")")
        }
        warnings += design.notes
        if n <= p {
            throw InputError(file: file, field: "--formula",
                             expected: "more rows than coefficients (\(p) columns: \(Self.shortList(design.columnNames)))",
                             found: "\(n) usable row\(n == 1 ? "" : "s")" + (design.droppedRows > 0 ? " after dropping \(design.droppedRows) with missing values" : ""),
                             hint: "use fewer terms or more data")
        }
        // Weights: zero-weight rows carry no information; negative ones are errors (checked by the design builder).
        var weights = design.weights
        if design.offset != nil && request.family == .gaussian {
            throw InputError(field: "--formula", expected: "offset(...) with a GLM family (poisson, negbin, binomial)", found: "--family gaussian",
                             hint: "for least squares subtract it from the response: I(y - o) ~ ...")
        }
        var X = design.X, y = design.y, trials = design.trials, groups = design.groups, offset = design.offset
        var rowsUsed = design.rowsUsed  // table rows of X's rows, for the lines in messages
        // Rows of zero trials carry no information either (and the binomial needs trials > 0).
        if let t = trials, t.contains(where: { $0 == 0 }) {
            let keep = t.indices.filter { t[$0] > 0 }
            warnings.append("\(n - keep.count) row\(n - keep.count == 1 ? "" : "s") with zero trials left out of the fit")
            X = Self.rows(X, keep)
            y = keep.map { y[$0] }
            weights = weights.map { w in keep.map { w[$0] } }
            trials = keep.map { t[$0] }
            groups = groups.map { g in keep.map { g[$0] } }
            offset = offset.map { o in keep.map { o[$0] } }
            rowsUsed = keep.map { rowsUsed[$0] }
            if keep.count <= p {
                throw InputError(file: file, field: "--trials \(request.trials ?? "")",
                                 expected: "more rows with positive trials than coefficients (\(p))",
                                 found: "\(keep.count) row\(keep.count == 1 ? "" : "s") with positive trials",
                                 hint: "rows of zero trials carry no information; check the trials column")
            }
        }
        if let w = weights, w.contains(where: { $0 == 0 }) {
            let keep = w.indices.filter { w[$0] > 0 }
            warnings.append("\(w.count - keep.count) row\(w.count - keep.count == 1 ? "" : "s") with zero weight left out of the fit")
            X = Self.rows(X, keep)
            y = keep.map { y[$0] }
            weights = keep.map { w[$0] }
            trials = trials.map { t in keep.map { t[$0] } }
            groups = groups.map { g in keep.map { g[$0] } }
            offset = offset.map { o in keep.map { o[$0] } }
            rowsUsed = keep.map { rowsUsed[$0] }
            if keep.count <= p {
                throw InputError(file: file, field: "--weights \(request.weights ?? "")",
                                 expected: "more rows with a positive weight than coefficients (\(p))",
                                 found: "\(keep.count) row\(keep.count == 1 ? "" : "s") with a positive weight",
                                 hint: "rows of zero weight carry no information; check the weight column")
            }
        }
        if case .cluster(let c) = request.standardErrors, let g = groups, Set(g).count < 2 {
            throw InputError(file: file, field: "--se cluster:\(c)",
                             expected: "at least 2 clusters for cluster-robust standard errors",
                             found: "\(Set(g).count) distinct value\(Set(g).count == 1 ? "" : "s") of '\(c)' on the rows used",
                             hint: "cluster by a column with several groups, or use --se HC1")
        }
        try checkScale(X: X, y: y, names: design.columnNames, response: design.responseName, file: file)
        try checkResponse(y, family: request.family, trials: trials, design: design, rows: rowsUsed, table: table, file: file)

        let covariance: CovarianceType
        switch request.standardErrors {
        case .classical: covariance = .classical
        case .hc0: covariance = .hc0
        case .hc1: covariance = .hc1
        case .hc2: covariance = .hc2
        case .hc3: covariance = .hc3
        case .cluster: covariance = .cluster(groups: groups ?? [])
        }
        let seName: String
        switch request.standardErrors {
        case .cluster(let c): seName = "cluster-robust by \(c)"
        case .classical: seName = "classical"
        default: seName = covariance.name
        }
        if request.negbinInformation == .observed {
            guard request.family == .negbin else {
                throw InputError(field: "--nb-information observed", expected: "--family negbin", found: "--family \(request.family.rawValue)")
            }
            if covariance == .hc2 || covariance == .hc3 {
                throw InputError(field: "--nb-information observed", expected: "--se classical, HC0, HC1 or cluster:COL with the observed information",
                                 found: "--se \(covariance.name)", hint: "HC2/HC3 leverages are those of the GLM at alpha: use --nb-information expected")
            }
        }
        let distribution = request.testDistribution ?? .standard(family: request.family, covariance: covariance)
        let useT = distribution == .t
        func lines(_ rows: [Int]) -> String {
            let ls = rows.prefix(6).compactMap { table.line(ofRow: rowsUsed[$0]) }.map(String.init)
            return (rows.count == 1 ? "line " : "lines ") + ls.joined(separator: ", ") + (rows.count > 6 ? ", ..." : "")
        }
        func leverageWarning(_ one: LeverageOneRows, _ ls: LeastSquares) {
            guard !one.rows.isEmpty else { return }
            let names = one.determined.map { "'\(design.columnNames[ls.estimableColumns[$0]])'" }
            warnings.append("\(covariance.name): \(one.rows.count) row\(one.rows.count == 1 ? " has" : "s have") leverage 1 (\(lines(one.rows)): "
                            + "fitted exactly whatever the response, e.g. the only row of a category); the robust standard error of "
                            + (names.isEmpty ? "no term" : names.joined(separator: ", "))
                            + " is not available (0/0: \(names.count == 1 ? "that row alone determines it" : "those rows alone determine them"))"
                            + "; the other terms' errors are computed without those rows' residuals (as dropping them), and the F test covers the other terms")
        }
        var report: RegressionReport
        if request.family == .gaussian {
            let f = LinearModel.fit(X: X, y: y, weights: weights, columnNames: design.columnNames, hasIntercept: design.hasIntercept,
                                    covariance: covariance, confidenceLevel: request.confidenceLevel, useT: useT)
            leverageWarning(f.leverageOne, f.leastSquares)
            report = RegressionReport(formula: request.formula, family: "gaussian", covarianceType: seName, nobs: f.nobs,
                                      droppedRows: design.droppedRows, dfModel: f.dfModel, dfResidual: f.dfResidual, terms: f.terms,
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
        } else {
            let f = GeneralizedLinearModel.fit(X: X, y: y, family: request.family, weights: weights, trials: trials, offset: offset,
                                               columnNames: design.columnNames, hasIntercept: design.hasIntercept,
                                               covariance: covariance, confidenceLevel: request.confidenceLevel, useT: useT,
                                               negbinInformation: request.negbinInformation)
            leverageWarning(f.leverageOne, f.leastSquares)
            report = RegressionReport(formula: request.formula, family: request.family.rawValue, covarianceType: seName, nobs: f.nobs,
                                      droppedRows: design.droppedRows, dfModel: f.dfModel, dfResidual: f.dfResidual, terms: f.terms,
                                      logLikelihood: f.logLikelihood, aic: f.aic, bic: f.bic, deviance: f.deviance,
                                      nullDeviance: f.nullDeviance, dispersion: f.dispersion, iterations: f.iterations,
                                      converged: f.converged, conditionNumber: f.conditionNumber)
            report.usesT = f.usesT
            report.inferenceDF = f.inferenceDF
            if let g = f.clusterCount { report.extra.append(("clusters", Double(g))) }
            report.extra.append(("pearson_chi2", f.pearsonChi2))
            if let a = f.alpha { report.extra.append(("alpha", a)) }
            if let s = f.alphaStdError { report.extra.append(("alpha_std_error", s)) }
            if request.family == .negbin { report.negbinInformation = request.negbinInformation }
            if !f.converged && f.terms.contains(where: { !$0.aliased && !($0.estimate.isFinite && $0.stdError.isFinite) }) {
                throw InputError(file: file, field: "--family \(request.family.rawValue)",
                                 expected: "an IRLS fit that converges to finite estimates",
                                 found: "non-finite estimates after \(f.iterations) iteration\(f.iterations == 1 ? "" : "s") (the fitted means overflowed)",
                                 hint: "the response may be too large or too spread for this family: check its values, simplify the formula, or rescale the predictors")
            }
            if f.alphaAtBoundary {
                warnings.append("NB2 alpha is at its boundary 0: the counts are not overdispersed (their variance is not above the mean), "
                                + "so the negative binomial fit is the Poisson fit; the estimates shown are Poisson's: use --family poisson")
            }
            if !f.converged {
                warnings.append("IRLS did not converge in \(f.iterations) iterations: the estimates are not reliable; simplify the formula, rescale the predictors, or check for separation")
            }
            if !f.diverging.isEmpty {
                let names = f.diverging.map { "'\(design.columnNames[$0.column])' (\($0.direction > 0 ? "+" : "-")Inf)" }
                let what = request.family == .binomial
                    ? "fitted probabilities of exactly 0 or 1 for \(f.diverging[0].boundaryRows) rows (complete or quasi-complete separation)"
                    : "fitted means of 0 for \(f.diverging[0].boundaryRows) rows whose counts are all zero (e.g. a category with only zeros)"
                warnings.append("no finite estimate for " + names.joined(separator: ", ") + ": " + what
                                + "; more iterations keep moving \(names.count == 1 ? "it" : "them") (the estimate is infinite), so \(names.count == 1 ? "its" : "their")"
                                + " standard error, test and interval are not available; the other terms are reported (they equal a fit without those rows and terms)")
                report.diverging = f.diverging.map { design.columnNames[$0.column] }
            } else if f.separationDetected {
                warnings.append("fitted probabilities numerically 0 or 1 occurred, but every coefficient settled: check the fit")
            }
        }
        report.confidenceLevel = request.confidenceLevel
        report.testDistribution = distribution
        let aliased = report.terms.filter(\.aliased).map(\.name)
        if !aliased.isEmpty {
            warnings.append("aliased (linearly dependent on earlier terms, not estimable): \(aliased.joined(separator: ", ")); their estimates are reported as NaN")
        }
        report.warnings = warnings
        return report
    }

    /// Names for a message: all of them up to 12, else the first 10 and how many more.
    static func shortList(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", ... (\(names.count - 10) more)"
    }

    /// The scale check of `DesignScale.check` (shared with `coopsim calibrate`).
    static func checkScale(X: Matrix, y: [Double], names: [String], response: String, file: String) throws {
        try DesignScale.check(X: X, y: y, names: names, response: response, file: file)
    }

    static func rows(_ X: Matrix, _ keep: [Int]) -> Matrix {
        var out = Matrix(rows: keep.count, columns: X.columns)
        for j in 0..<X.columns {
            for (k, i) in keep.enumerated() { out.storage[k + j * keep.count] = X.storage[i + j * X.rows] }
        }
        return out
    }

    /// The response must lie in the family's support; the message names the first bad line.
    static func checkResponse(_ y: [Double], family: Family, trials: [Double]?, design: DesignMatrix, rows: [Int], table: DataTable,
                              file: String) throws {
        func line(_ k: Int) -> Int? { table.line(ofRow: rows[k]) }
        let name = design.responseName
        switch family {
        case .gaussian:
            if let first = y.first, y.allSatisfy({ $0 == first }) {
                throw InputError(file: file, field: name, expected: "a response that varies", found: "the constant \(CSVWriter.number(first)) on every row used",
                                 hint: "there is nothing to explain")
            }
        case .poisson, .negbin:
            if let k = y.firstIndex(where: { $0 < 0 || $0 != $0.rounded() }) {
                throw InputError(file: file, line: line(k), field: name, expected: "a count (a whole number of at least 0) for --family \(family.rawValue)",
                                 found: CSVWriter.number(y[k]))
            }
            if y.allSatisfy({ $0 == 0 }) {
                throw InputError(file: file, field: name, expected: "some non-zero counts", found: "0 on every row used")
            }
        case .binomial:
            if let m = trials {
                if let k = y.indices.first(where: { y[$0] < 0 || y[$0] > m[$0] || y[$0] != y[$0].rounded() }) {
                    throw InputError(file: file, line: line(k), field: name,
                                     expected: "a whole number of successes between 0 and the trials (\(CSVWriter.number(m[k])))", found: CSVWriter.number(y[k]))
                }
            } else if let k = y.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw InputError(file: file, line: line(k), field: name, expected: "a 0/1 outcome (or give --trials COL)", found: CSVWriter.number(y[k]))
            }
        }
    }
}
