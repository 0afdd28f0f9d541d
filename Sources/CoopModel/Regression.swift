import CoopData
import CoopNumerics
import Foundation

/// The ONE regression pipeline of coopsim: from a data table, a formula, a family and the
/// options to a fitted regression. `coopsim fit` (`FitRunner`, which turns the result into a
/// `RegressionReport`) and `coopsim calibrate` (`Calibrator`, which turns it into a calibration
/// equation) both call `Regression.fit`, so they drop the same rows, check the same things,
/// say the same words and give the same estimates and standard errors on the same equation.
///
/// Steps (each problem an `InputError` naming file, line and field):
/// 1. The formula is parsed; an exposure column adds `offset(log(COL))` (counts per unit of COL).
/// 2. `DesignMatrix.build` makes the design (panel `lag`/`diff`/`dlog` within region in year
///    order, the column-typing rules of `ColumnTypingRules`: thousands separators refused,
///    minority-number text columns named); rows with a missing or non-finite value in a used
///    column are dropped as R's `na.omit`, and the warning names the columns, the counts and
///    the cells read as missing (`RegressionSpecification.missingMarkers`, `--na`).
/// 3. Rows with zero binomial trials or zero prior weight carry no information and are left out
///    (a warning counts them); fewer usable rows than coefficients, fewer than 2 clusters, values
///    whose squares overflow (`DesignScale.check`) and responses outside the family's support
///    (`checkResponse`) are input errors.
/// 4. The fit: gaussian by `LinearModel` (pivoted QR), other families by `GeneralizedLinearModel`
///    (IRLS; NB2 alpha by maximum likelihood), with the requested covariance, test distribution
///    (`TestDistribution.standard` by default) and NB2 information.
/// 5. Warnings for leverage-1 rows (HC2/HC3), diverging coefficients, NB2 alpha at its boundary,
///    non-convergence and aliased terms. The result keeps the fit itself: what a caller refuses
///    (calibrate refuses aliased or diverging terms, non-convergence) is its own policy.
public enum Regression {
    /// The covariance choice: `classical`, `HC0`..`HC3`, or cluster-robust by a column.
    public enum StandardErrors: Sendable, Equatable {
        case classical, hc0, hc1, hc2, hc3
        case cluster(column: String)

        /// Parses a `--se` value (`classical`/`nonrobust`, `HC0`..`HC3`, `cluster:COL`); nil otherwise.
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

    /// How the settings are named in messages: as `coopsim fit` options (`--family negbin`) or as
    /// the keys of a model file's equation (`family = "negbin"`).
    public enum SettingStyle: Sendable, Equatable {
        case commandLine, modelFile

        /// `--name value` or `name = "value"`.
        func setting(_ name: String, _ value: String? = nil) -> String {
            switch self {
            case .commandLine: return "--\(name)" + (value.map { " \($0)" } ?? "")
            case .modelFile: return name + (value.map { " = \"\($0)\"" } ?? "")
            }
        }
    }

    /// The name to write inside `offset(log(...))` for an exposure column: as is when it is a plain
    /// name, else patsy's quoting `Q("...")`.
    public static func exposureOffset(_ column: String) -> String {
        let plain = column.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
            && column.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }
        let name = plain ? column : "Q(\"\(column.replacingOccurrences(of: "\"", with: ""))\")"
        return "offset(log(\(name)))"
    }
}

/// What to fit: the formula and family and every option of `coopsim fit`.
public struct RegressionSpecification: Sendable {
    /// The formula as written (`y ~ x + offset(log(members))`).
    public var formula: String
    public var family: Family
    /// Binomial trials: a column or an expression (`lag(coops)`); nil = 0/1 outcomes.
    public var trials: String?
    /// A column of prior weights (positive; zero-weight rows are left out).
    public var weights: String?
    /// Exposure column of a count model: adds `offset(log(COL))`.
    public var exposure: String?
    public var standardErrors: Regression.StandardErrors
    /// Panel columns (needed for `lag`, `diff`, `dlog`).
    public var panel: PanelSpec?
    public var confidenceLevel: Double
    /// nil = `TestDistribution.standard(family:covariance:)`.
    public var testDistribution: TestDistribution?
    /// The cells that were read as missing (`--na`; nil = `CSVReader.missingMarkers`), for the messages.
    public var missingMarkers: [String]?
    public var negbinInformation: NegativeBinomialInformation
    /// How settings are named in messages.
    public var style: Regression.SettingStyle

    public init(formula: String, family: Family = .gaussian, trials: String? = nil, weights: String? = nil, exposure: String? = nil,
                standardErrors: Regression.StandardErrors = .classical, panel: PanelSpec? = nil, confidenceLevel: Double = 0.95,
                testDistribution: TestDistribution? = nil, missingMarkers: [String]? = nil,
                negbinInformation: NegativeBinomialInformation = .expected, style: Regression.SettingStyle = .commandLine) {
        self.formula = formula; self.family = family; self.trials = trials; self.weights = weights; self.exposure = exposure
        self.standardErrors = standardErrors; self.panel = panel; self.confidenceLevel = confidenceLevel
        self.testDistribution = testDistribution; self.missingMarkers = missingMarkers
        self.negbinInformation = negbinInformation; self.style = style
    }

    /// The formula fitted: as written, plus `offset(log(COL))` for an exposure column.
    public var fittedFormula: String {
        formula + (exposure.map { " + " + Regression.exposureOffset($0) } ?? "")
    }
}

/// The result of `Regression.fit`: the fitter's result and what the pipeline did to the rows.
public struct FittedRegression: Sendable {
    public enum Fit: Sendable {
        case linear(LinearModelFit)
        case generalized(GeneralizedLinearModelFit)
    }

    public var specification: RegressionSpecification
    /// The formula fitted (with an exposure's offset written out).
    public var formula: String
    public var fit: Fit
    /// Design column names (the terms' names), in order.
    public var columnNames: [String]
    public var responseName: String
    /// Rows dropped for a missing or non-finite value (na.omit).
    public var droppedRows: Int
    /// Table rows of the fitted rows, in fit order.
    public var rowsUsed: [Int]
    /// The covariance estimator used and its name in reports (`classical`, `HC1`, `cluster-robust by tinh`).
    public var covariance: CovarianceType
    public var covarianceName: String
    public var testDistribution: TestDistribution
    /// Words for the analyst, in order (dropped rows, typing notes, leverage 1, divergence, boundary, aliasing).
    public var warnings: [String]

    public var terms: [CoefficientRow] {
        switch fit { case .linear(let f): return f.terms; case .generalized(let f): return f.terms }
    }
    /// The covariance of the estimates (p x p).
    public var covarianceMatrix: Matrix {
        switch fit { case .linear(let f): return f.covariance; case .generalized(let f): return f.covariance }
    }
    public var nobs: Int {
        switch fit { case .linear(let f): return f.nobs; case .generalized(let f): return f.nobs }
    }
    public var clusterCount: Int? {
        switch fit { case .linear(let f): return f.clusterCount; case .generalized(let f): return f.clusterCount }
    }
    /// Gaussian: the residual standard error; nil otherwise.
    public var sigma: Double? {
        if case .linear(let f) = fit { return f.sigma }
        return nil
    }
    /// NB2: alpha; nil otherwise.
    public var alpha: Double? {
        if case .generalized(let f) = fit { return f.alpha }
        return nil
    }
}

extension Regression {
    /// Fits `spec` on `data`.
    ///
    /// - Parameters:
    ///   - source: the data file named in messages (default: `data.source`).
    /// - Returns: the fit with its warnings; see `Regression` for the steps.
    /// - Throws: `InputError` naming the file, line and field of the first problem.
    public static func fit(_ spec: RegressionSpecification, data table: DataTable, source: String? = nil) throws -> FittedRegression {
        let file = source ?? table.source ?? "the data"
        let style = spec.style
        let family = spec.family
        let formulaField = style.setting("formula")
        if let e = spec.exposure {
            guard family.isCount else {
                throw InputError(field: style.setting("exposure"), expected: "the poisson or negbin family",
                                 found: style.setting("family", family.rawValue),
                                 hint: "for other families write offset(...) in the formula")
            }
            if table.index(of: e) == nil {
                throw InputError(file: file, line: 1, field: style.setting("exposure"), expected: "a column of \(file)", found: "no column '\(e)'",
                                 hint: table.columnHint(for: e) ?? closestMatch(to: e, among: table.names).map { "did you mean '\($0)'?" })
            }
        }
        let formulaText = spec.fittedFormula
        let formula = try Formula.parse(formulaText, field: formulaField)
        guard formula.response != nil else {
            throw InputError(field: formulaField, expected: "a response on the left of '~', such as \"y ~ x\"", found: "\"\(spec.formula)\"")
        }
        var trialsExpression: CoopData.Expression?
        if let t = spec.trials {
            guard family == .binomial else {
                throw InputError(field: style.setting("trials"), expected: "trials only with the binomial family",
                                 found: style.setting("family", family.rawValue))
            }
            trialsExpression = try CoopData.Expression.parse(t, field: style.setting("trials"))
        }
        let clusterField: String
        var clusterColumn: String?
        switch (spec.standardErrors, style) {
        case (.cluster(let c), .commandLine): clusterField = "--se cluster:\(c)"
        case (.cluster(let c), .modelFile): clusterField = "covariance = \"cluster\" (by \(c))"
        default: clusterField = ""
        }
        if case .cluster(let c) = spec.standardErrors {
            guard table.index(of: c) != nil else {
                throw InputError(file: file, line: 1, field: clusterField, expected: "a column of \(file) (\(table.names.joined(separator: ", ")))",
                                 found: "no column '\(c)'", hint: table.columnHint(for: c) ?? closestMatch(to: c, among: table.names).map { "did you mean '\($0)'?" })
            }
            clusterColumn = c
        }
        if let w = spec.weights, table.index(of: w) == nil {
            throw InputError(file: file, line: 1, field: style.setting("weights"), expected: "a column of \(file)", found: "no column '\(w)'",
                             hint: table.columnHint(for: w) ?? closestMatch(to: w, among: table.names).map { "did you mean '\($0)'?" })
        }
        let design = try DesignMatrix.build(formula: formula, data: table, panel: spec.panel, weights: spec.weights,
                                            trials: trialsExpression, cluster: clusterColumn)
        let n = design.X.rows, p = design.X.columns
        var warnings: [String] = []
        if design.droppedRows > 0 {
            // Name the columns and what was read as missing.
            let used = Set(design.rowsUsed)
            let dropped = (0..<table.rowCount).filter { !used.contains($0) }
            var columns = formula.variables.map(\.name)
            if let w = spec.weights { columns.append(w) }
            if let c = clusterColumn { columns.append(c) }
            if let t = trialsExpression { columns += t.variables.map(\.name) }
            if let panel = spec.panel { columns += [panel.regionColumn, panel.yearColumn] }
            let census = table.droppedRowsCensus(columns: columns, droppedRows: dropped)
            warnings.append("\(design.droppedRows) row\(design.droppedRows == 1 ? "" : "s") dropped for a missing or non-finite value in a used column (as R's na.omit)"
                            + (census.isEmpty ? "" : ": " + census.joined(separator: "; "))
                            + " (cells read as missing: " + (spec.missingMarkers ?? CSVReader.missingMarkers).map { $0.isEmpty ? "empty" : "'\($0)'" }.joined(separator: ", ")
                            + (spec.missingMarkers == nil ? "; --na '' keeps every other cell, e.g. a code NA" : "") + ")")
        }
        warnings += design.notes
        if n <= p {
            throw InputError(file: file, field: formulaField,
                             expected: "more rows than coefficients (\(p) columns: \(Self.shortList(design.columnNames)))",
                             found: "\(n) usable row\(n == 1 ? "" : "s")" + (design.droppedRows > 0 ? " after dropping \(design.droppedRows) with missing values" : ""),
                             hint: "use fewer terms or more data")
        }
        if design.offset != nil && family == .gaussian {
            throw InputError(field: formulaField, expected: "offset(...) with a GLM family (poisson, negbin, binomial)",
                             found: style.setting("family", "gaussian"),
                             hint: "for least squares subtract it from the response: I(y - o) ~ ...")
        }
        var X = design.X, y = design.y, trials = design.trials, groups = design.groups, offset = design.offset
        var weights = design.weights
        var rowsUsed = design.rowsUsed  // table rows of X's rows, for the lines in messages
        func keepRows(_ keep: [Int]) {
            X = Self.rows(X, keep)
            y = keep.map { y[$0] }
            weights = weights.map { w in keep.map { w[$0] } }
            trials = trials.map { t in keep.map { t[$0] } }
            groups = groups.map { g in keep.map { g[$0] } }
            offset = offset.map { o in keep.map { o[$0] } }
            rowsUsed = keep.map { rowsUsed[$0] }
        }
        /// Rows whose trials or prior weight is 0 carry no information: left out of the fit with a
        /// warning; more rows than coefficients must remain (else an error naming the setting).
        func leaveOutZeros(_ v: [Double], noun: String, positive: String, field: String) throws {
            guard v.contains(0) else { return }
            let keep = v.indices.filter { v[$0] > 0 }
            let left = v.count - keep.count
            warnings.append("\(left) row\(left == 1 ? "" : "s") with zero \(noun) left out of the fit")
            keepRows(keep)
            if keep.count <= p {
                throw InputError(file: file, field: field, expected: "more rows with \(positive) than coefficients (\(p))",
                                 found: "\(keep.count) row\(keep.count == 1 ? "" : "s") with \(positive)",
                                 hint: "rows of zero \(noun) carry no information; check the \(noun) column")
            }
        }
        if let t = trials {
            // The binomial likelihood counts successes of whole trials.
            if let k = t.firstIndex(where: { $0 != $0.rounded() || $0 < 0 }) {
                throw InputError(file: file, line: table.line(ofRow: rowsUsed[k]), field: style.setting("trials", spec.trials),
                                 expected: "a whole number of trials (0, 1, 2, ...)", found: CSVWriter.number(t[k]))
            }
            // Rows of zero trials carry no information (and the binomial needs trials > 0).
            try leaveOutZeros(t, noun: "trials", positive: "positive trials", field: style.setting("trials", spec.trials))
        }
        if let w = weights {
            try leaveOutZeros(w, noun: "weight", positive: "a positive weight", field: style.setting("weights", spec.weights))
        }
        if case .cluster(let c) = spec.standardErrors, let g = groups, Set(g).count < 2 {
            throw InputError(file: file, field: clusterField,
                             expected: "at least 2 clusters for cluster-robust standard errors",
                             found: "\(Set(g).count) distinct value\(Set(g).count == 1 ? "" : "s") of '\(c)' on the rows used",
                             hint: style == .commandLine ? "cluster by a column with several groups, or use --se HC1"
                                                         : "set covariance = \"classical\" in [calibration]")
        }
        // Squares must be finite (a cell of 1e308 made inf and NaN estimates): DesignScale, at the line of the largest value.
        try DesignScale.check(X: X, y: y, names: design.columnNames, response: design.responseName, file: file,
                              line: { table.line(ofRow: rowsUsed[$0]) }, countResponse: family != .gaussian)
        try checkResponse(y, family: family, trials: trials, trialsText: spec.trials, responseName: design.responseName,
                          rows: rowsUsed, table: table, file: file, style: style)

        let covariance: CovarianceType
        switch spec.standardErrors {
        case .classical: covariance = .classical
        case .hc0: covariance = .hc0
        case .hc1: covariance = .hc1
        case .hc2: covariance = .hc2
        case .hc3: covariance = .hc3
        case .cluster: covariance = .cluster(groups: groups ?? [])
        }
        let seName: String
        switch spec.standardErrors {
        case .cluster(let c): seName = "cluster-robust by \(c)"
        case .classical: seName = "classical"
        default: seName = covariance.name
        }
        if spec.negbinInformation == .observed {
            let field = style.setting("nb-information", "observed")
            guard family == .negbin else {
                throw InputError(field: field, expected: "--family negbin", found: style.setting("family", family.rawValue))
            }
            if covariance == .hc2 || covariance == .hc3 {
                throw InputError(field: field, expected: "--se classical, HC0, HC1 or cluster:COL with the observed information",
                                 found: "--se \(covariance.name)",
                                 hint: "no package defines HC2/HC3 leverages for the joint (beta, alpha) information (Stata's nbreg offers "
                                     + "robust and cluster; statsmodels' NegativeBinomial computes HC0 for them); --nb-information expected "
                                     + "gives HC2/HC3 with the GLM's leverages at alpha, as R's sandwich::vcovHC on glm.nb")
            }
        }
        let distribution = spec.testDistribution ?? .standard(family: family, covariance: covariance)
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
        let fitted: FittedRegression.Fit
        if family == .gaussian {
            let f = LinearModel.fit(X: X, y: y, weights: weights, columnNames: design.columnNames, hasIntercept: design.hasIntercept,
                                    covariance: covariance, confidenceLevel: spec.confidenceLevel, useT: useT)
            leverageWarning(f.leverageOne, f.leastSquares)
            fitted = .linear(f)
        } else {
            let f = GeneralizedLinearModel.fit(X: X, y: y, family: family, weights: weights, trials: trials, offset: offset,
                                               columnNames: design.columnNames, hasIntercept: design.hasIntercept,
                                               covariance: covariance, confidenceLevel: spec.confidenceLevel, useT: useT,
                                               negbinInformation: spec.negbinInformation)
            leverageWarning(f.leverageOne, f.leastSquares)
            if !f.converged && f.terms.contains(where: { !$0.aliased && !($0.estimate.isFinite && $0.stdError.isFinite) }) {
                throw InputError(file: file, field: style.setting("family", family.rawValue),
                                 expected: "an IRLS fit that converges to finite estimates",
                                 found: "non-finite estimates after \(f.iterations) iteration\(f.iterations == 1 ? "" : "s") (the fitted means overflowed)",
                                 hint: "the response may be too large or too spread for this family: check its values, simplify the formula, or rescale the predictors")
            }
            if f.alphaAtBoundary {
                warnings.append("NB2 alpha is at its boundary 0: the counts are not overdispersed (their variance is not above the mean), "
                                + "so the negative binomial fit is the Poisson fit; the estimates shown are Poisson's: use "
                                + style.setting("family", "poisson"))
            }
            if !f.converged {
                warnings.append("IRLS did not converge in \(f.iterations) iterations: the estimates are not reliable; simplify the formula, rescale the predictors, or check for separation")
            }
            if !f.diverging.isEmpty {
                let names = f.diverging.map { "'\(design.columnNames[$0.column])' (\($0.direction > 0 ? "+" : "-")Inf)" }
                let what = family == .binomial
                    ? "fitted probabilities of exactly 0 or 1 for \(f.diverging[0].boundaryRows) rows (complete or quasi-complete separation)"
                    : "fitted means of 0 for \(f.diverging[0].boundaryRows) rows whose counts are all zero (e.g. a category with only zeros)"
                warnings.append("no finite estimate for " + names.joined(separator: ", ") + ": " + what
                                + "; more iterations keep moving \(names.count == 1 ? "it" : "them") (the estimate is infinite), so \(names.count == 1 ? "its" : "their")"
                                + " standard error, test and interval are not available; the other terms are reported (they equal a fit without those rows and terms)")
            } else if f.separationDetected {
                warnings.append("fitted probabilities numerically 0 or 1 occurred, but every coefficient settled: check the fit")
            }
            fitted = .generalized(f)
        }
        var result = FittedRegression(specification: spec, formula: formulaText, fit: fitted, columnNames: design.columnNames,
                                      responseName: design.responseName, droppedRows: design.droppedRows, rowsUsed: rowsUsed,
                                      covariance: covariance, covarianceName: seName, testDistribution: distribution, warnings: warnings)
        let aliased = result.terms.filter(\.aliased).map(\.name)
        if !aliased.isEmpty {
            result.warnings.append("aliased (linearly dependent on earlier terms, not estimable): \(aliased.joined(separator: ", ")); their estimates are reported as NaN")
        }
        return result
    }

    /// Names for a message: all of them up to 12, else the first 10 and how many more.
    static func shortList(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + ", ... (\(names.count - 10) more)"
    }

    static func rows(_ X: Matrix, _ keep: [Int]) -> Matrix {
        var out = Matrix(rows: keep.count, columns: X.columns)
        for j in 0..<X.columns {
            for (k, i) in keep.enumerated() { out.storage[k + j * keep.count] = X.storage[i + j * X.rows] }
        }
        return out
    }

    /// The response must lie in the family's support; the message names the first bad line.
    static func checkResponse(_ y: [Double], family: Family, trials: [Double]?, trialsText: String?, responseName name: String,
                              rows: [Int], table: DataTable, file: String, style: SettingStyle) throws {
        func line(_ k: Int) -> Int? { table.line(ofRow: rows[k]) }
        switch family {
        case .gaussian:
            if let first = y.first, y.allSatisfy({ $0 == first }) {
                throw InputError(file: file, field: name, expected: "a response that varies", found: "the constant \(CSVWriter.number(first)) on every row used",
                                 hint: "there is nothing to explain")
            }
        case .poisson, .negbin:
            if let k = y.firstIndex(where: { $0 < 0 || $0 != $0.rounded() }) {
                throw InputError(file: file, line: line(k), field: name, expected: "a count (a whole number of at least 0) for the \(family.rawValue) family",
                                 found: CSVWriter.number(y[k]))
            }
            if y.allSatisfy({ $0 == 0 }) {
                throw InputError(file: file, field: name, expected: "some non-zero counts", found: "0 on every row used")
            }
        case .binomial:
            if let m = trials {
                if let k = y.indices.first(where: { y[$0] < 0 || y[$0] > m[$0] || y[$0] != y[$0].rounded() }) {
                    throw InputError(file: file, line: line(k), field: name,
                                     expected: "a whole number of successes between 0 and the trials \(trialsText ?? "") = \(CSVWriter.number(m[k]))",
                                     found: CSVWriter.number(y[k]))
                }
            } else if let k = y.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw InputError(file: file, line: line(k), field: name, expected: "a 0/1 outcome (or give \(style.setting("trials")) with the number of trials)", found: CSVWriter.number(y[k]))
            }
        }
    }
}
