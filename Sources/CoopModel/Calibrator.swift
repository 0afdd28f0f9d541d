import CoopData
import CoopNumerics
import CoopRandom
import Foundation

/// What `Calibrator.calibrate` returns: the calibration to write, the
/// warnings to show (substituted columns, dropped rows) and the standard
/// errors for the summary table.
public struct CalibrationResult: Sendable {
    public var calibration: Calibration
    /// One line per warning, without a "warning:" prefix.
    public var warnings: [String]
    /// Per equation, the coefficients' standard errors in term order.
    public var standardErrors: [[Double]]

    /// A short per-equation table: equation, family, nobs, groups, then each
    /// term's estimate and standard error, and sigma or alpha.
    public func summaryTable() -> String {
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let n = s.count
            if n >= w { return s }
            let fill = String(repeating: " ", count: w - n)
            return right ? fill + s : s + fill
        }
        func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
        let termWidth = max(20, calibration.equations.flatMap(\.terms).map(\.count).max() ?? 0) + 2
        var lines = [pad("equation", 20) + pad("family", 10) + pad("nobs", 7, right: true) + pad("groups", 8, right: true)
                     + "  " + pad("term", termWidth) + pad("estimate", 14, right: true) + pad("std.error", 14, right: true)]
        for (k, e) in calibration.equations.enumerated() {
            for (j, term) in e.terms.enumerated() {
                let head = j == 0
                    ? pad(e.name, 20) + pad(e.family.rawValue, 10) + pad(String(e.nobs), 7, right: true)
                        + pad(e.groups.map(String.init) ?? "-", 8, right: true)
                    : String(repeating: " ", count: 45)
                lines.append(head + "  " + pad(term, termWidth) + pad(fmt(e.coefficients[j]), 14, right: true)
                             + pad(fmt(standardErrors[k][j]), 14, right: true))
            }
            let blank = String(repeating: " ", count: 45) + "  "
            // offset(expr) terms: in the linear predictor with coefficient 1, not estimated.
            for o in (try? Formula.parse(e.formula))?.offsets ?? [] {
                lines.append(blank + pad("offset(\(o))", termWidth) + pad("1", 14, right: true) + pad("(fixed)", 14, right: true))
            }
            if let s = e.sigma { lines.append(blank + pad("sigma", termWidth) + pad(fmt(s), 14, right: true)) }
            if let a = e.alpha { lines.append(blank + pad("alpha (NB2)", termWidth) + pad(fmt(a), 14, right: true)) }
            if !e.substituted.isEmpty {
                lines.append(blank + "(" + e.substituted.sorted { $0.key < $1.key }.map { "\($0.value) used for \($0.key)" }.joined(separator: ", ") + ")")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// Fits every behavioural equation of a model on a region-year panel
/// (`coopsim calibrate`).
///
/// For each behavioural equation, in model order:
/// 1. Columns the formula or the binomial `trials` read that the panel lacks
///    are replaced by the equation's `if_missing` substitutes (a warning says
///    so and the calibration records it under `substituted`); a column missing
///    without a substitute is an input error.
/// 2. The equation goes through the one regression pipeline, `Regression.fit`, as
///    `coopsim fit` would fit it (same rows dropped, same column-typing rules,
///    same checks and messages, same estimates and standard errors): the
///    model's panel columns (`lag`, `diff`, `dlog` within region in year order),
///    the trials expression of a binomial equation, covariance `classical` or
///    `cluster` (cluster-robust by the region column: the Liang-Zeger (1986)
///    sandwich with statsmodels' small-sample factor G/(G-1) (n-1)/(n-k); see
///    Cameron & Miller 2015 on few clusters) as the model's `[calibration]`
///    says. NB2 follows R's `glm.nb` (Venables & Ripley 2002): IRLS at alpha,
///    alpha by profile maximum likelihood, the expected information as bread.
///    Its warnings (dropped rows with the columns and cells read as missing,
///    zero trials) are shown prefixed with the equation.
/// 3. Refusals, each an input error naming the equation and what to change
///    (the engine simulates from these numbers): a GLM that does not converge,
///    NB2 alpha at its boundary 0, a coefficient without a finite estimate
///    (separation, all-zero counts), an aliased (linearly dependent) term, a
///    covariance that is not positive definite (Cholesky). An `offset(expr)` in a
///    poisson, negbin or binomial equation is fitted with coefficient 1 (the
///    engine adds it to the simulated linear predictor).
///
/// Accuracy: that of the fitters. On the test panel (CalibrationTests,
/// fixture by scripts/fixtures/calibrate_statsmodels.py) coefficients,
/// covariances and sigma agree with statsmodels to 1e-13 (OLS, binomial GLM)
/// and NB2 coefficients, covariance and alpha to 1.4e-11 (alpha by statsmodels'
/// joint maximum likelihood).
public enum Calibrator {
    /// Calibrates `model` on `data`.
    ///
    /// - Parameters:
    ///   - dataFile, dataSHA256: recorded in the calibration (provenance).
    ///   - missingMarkers: the cells the panel was read with as missing (`--na`; nil = `CSVReader.missingMarkers`),
    ///     named in the dropped-rows warnings.
    /// - Throws: `InputErrors` with every equation's problems.
    public static func calibrate(model: ModelSpec, data: DataTable, dataFile: String = "", dataSHA256: String = "",
                                 missingMarkers: [String]? = nil) throws -> CalibrationResult {
        var equations: [Calibration.Equation] = []
        var ses: [[Double]] = []
        var warnings: [String] = []
        // Panel values outside the model's domains (a share of 5, a negative count) are refused
        // with their line before anything is fitted: a fit would take them as they are.
        let outside = domainProblems(model: model, data: data)
        if !outside.isEmpty { throw InputErrors(outside) }
        var problems: [InputError] = []
        // The panel's region and year columns are every equation's: a problem there is said once,
        // naming the model's [calibration] keys when the panel calls its columns otherwise.
        let keys = [("region", model.regionColumn), ("year", model.yearColumn)].filter { data.index(of: $0.1) == nil }
        if !keys.isEmpty {
            let said = keys.map { "\($0.0) = \"\($0.1)\"" }.joined(separator: " and ")
            let guesses = keys.compactMap { key, column in closestMatch(to: column, among: data.names).map { "\(key) = \"\($0)\"" } }
            let shown = data.names.prefix(8).map { "'\($0)'" }.joined(separator: ", ") + (data.names.count > 8 ? ", ..." : "")
            throw InputErrors([InputError(
                file: data.source, line: 1, field: "header",
                expected: "the region and year columns the model's [calibration] names (\(said) in \(model.file))",
                found: keys.count == 1 ? "no column '\(keys[0].1)' among \(shown)" : "neither column among \(shown)",
                hint: (guesses.isEmpty ? "" : "did you mean \(guesses.joined(separator: " and "))? ")
                    + "set \(keys.map { $0.0 }.joined(separator: " and ")) under [calibration] in \(model.file) to the panel's column names, or rename the panel's columns")])
        }
        _ = try PanelIndex(table: data, spec: PanelSpec(regionColumn: model.regionColumn, yearColumn: model.yearColumn))
        for eq in model.equations where !eq.isIdentity {
            do {
                let (e, se, w) = try fit(eq, model: model, data: data, missingMarkers: missingMarkers)
                equations.append(e)
                ses.append(se)
                warnings += w
            } catch let e as InputError {
                problems.append(e)
            } catch let e as InputErrors {
                problems += e.errors
            }
        }
        if !problems.isEmpty { throw InputErrors(Self.mergingEquations(problems)) }
        var cal = Calibration(file: "", model: model.name, dataFile: dataFile, dataSHA256: dataSHA256,
                              covarianceType: model.covariance.rawValue, equations: equations)
        cal.dataRange = dataRange(model: model, data: data)
        return CalibrationResult(calibration: cal, warnings: warnings, standardErrors: ses)
    }

    /// The smallest and largest finite value of each panel column named like a declaration of the
    /// model (variable, lever or assumption), in model order; missing cells are left out.
    static func dataRange(model: ModelSpec, data: DataTable) -> [(name: String, min: Double, max: Double)] {
        var out: [(name: String, min: Double, max: Double)] = []
        for d in model.declarations {
            guard case .numeric(let values)? = data[d.name] else { continue }
            var lo = Double.infinity, hi = -Double.infinity
            for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
            if lo <= hi { out.append((d.name, lo, hi)) }
        }
        return out
    }

    /// One problem per panel column named like a declaration of the model (variable, lever or
    /// assumption) with a present value outside the declaration's domain: the first such value's
    /// line and how many more there are. Missing cells (NaN) are not checked.
    static func domainProblems(model: ModelSpec, data: DataTable) -> [InputError] {
        var out: [InputError] = []
        for d in model.declarations {
            guard case .numeric(let values)? = data[d.name] else { continue }
            let bad = values.indices.filter { !values[$0].isNaN && !d.domain.contains(values[$0]) }
            guard let k = bad.first else { continue }
            out.append(InputError(file: data.source, line: data.line(ofRow: k), field: d.name,
                                  expected: "\(d.domain.expectation) (the domain of \(d.name) on \(model.file):\(d.line))",
                                  found: CSVWriter.number(values[k]) + (bad.count > 1 ? " and \(bad.count - 1) other value\(bad.count == 2 ? "" : "s") outside it" : ""),
                                  hint: "correct the panel (a share is written 0.52, not 52 or 5)"))
        }
        return out
    }

    /// Fits one behavioural equation.
    static func fit(_ eq: ModelSpec.Equation, model: ModelSpec, data: DataTable, missingMarkers: [String]?) throws
        -> (Calibration.Equation, [Double], [String]) {
        let label = "equation '\(eq.name)'"
        let modelPlace = "\(model.file):\(eq.line)"
        func located(_ error: InputError) -> InputError {
            var e = error
            if e.file == nil { e.file = model.file; e.line = eq.line }
            e.field = label + (e.field.map { ": " + $0 } ?? "")
            return e
        }
        func fail(_ expected: String, _ found: String, hint: String? = nil, dataLine: Int? = nil) -> InputError {
            if let dataLine {
                return InputError(file: data.source, line: dataLine, field: label, expected: expected, found: found, hint: hint)
            }
            return InputError(file: model.file, line: eq.line, field: label, expected: expected, found: found, hint: hint)
        }
        let family = eq.family!
        let formula: Formula
        let trials: CoopData.Expression?
        do {
            formula = try Formula.parse(eq.text, field: "formula")
            trials = try eq.trials.map { try CoopData.Expression.parse($0, field: "trials") }
        } catch let e as InputError { throw located(e) }

        // 1. Missing columns and if_missing substitutions.
        var table = data
        var substituted: [String: String] = [:]
        var warnings: [String] = []
        var needed: [String] = []
        for v in formula.variables + (trials?.variables ?? []) where !needed.contains(v.name) { needed.append(v.name) }
        for name in needed where data.index(of: name) == nil {
            if let sub = eq.ifMissing.first(where: { $0.missing == name }) {
                guard let column = data[sub.use] else {
                    throw InputError(file: data.source, field: label,
                                     expected: "a column '\(name)' or its substitute '\(sub.use)' (if_missing on \(modelPlace))",
                                     found: "neither in the panel")
                }
                table.setColumn(name, column)
                substituted[name] = sub.use
                warnings.append("\(label): the panel has no column '\(name)'; using '\(sub.use)' in its place (if_missing on \(modelPlace))")
            } else {
                let hint = closestMatch(to: name, among: data.names).map { "did you mean '\($0)'? or add if_missing = { \(name) = \"COLUMN\" } to the equation" }
                    ?? "add the column to the panel, or if_missing = { \(name) = \"COLUMN\" } to the equation"
                throw InputError(file: data.source, field: label,
                                 expected: "a column '\(name)' in the panel (the equation on \(modelPlace) reads it)",
                                 found: "no such column", hint: hint)
            }
        }

        // 2. The one regression pipeline (as `coopsim fit`): rows dropped, checks, messages, the fit.
        let spec = RegressionSpecification(formula: eq.text, family: family, trials: family == .binomial ? eq.trials : nil,
                                           standardErrors: model.covariance == .cluster ? .cluster(column: model.regionColumn) : .classical,
                                           panel: PanelSpec(regionColumn: model.regionColumn, yearColumn: model.yearColumn),
                                           missingMarkers: missingMarkers, style: .modelFile)
        let fitted: FittedRegression
        do { fitted = try Regression.fit(spec, data: table, source: data.source) } catch let e as InputError { throw located(e) }
        warnings += fitted.warnings.map { "\(label): " + $0 }
        let names = fitted.columnNames
        let p = names.count
        let n = fitted.nobs
        let groupCount = fitted.clusterCount

        // 3. What a calibration refuses (the engine simulates from these numbers): no convergence,
        // NB2 at its Poisson boundary, diverging coefficients or separation.
        let rows = fitted.terms
        let cov = fitted.covarianceMatrix
        if case .generalized(let f) = fitted.fit {
            if !f.converged {
                var hint = "check that every term varies and that no term predicts the outcome perfectly"
                if f.separationDetected { hint = "a term or combination separates the outcomes (fitted probabilities reach 0 or 1): remove it or pool categories" }
                if family == .negbin { hint += "; if the counts are not overdispersed, use family = \"poisson\"" }
                throw fail("a \(family.rawValue) fit that converges", "no convergence (stopped after \(f.iterations) IRLS iteration\(f.iterations == 1 ? "" : "s"))", hint: hint)
            }
            if f.alphaAtBoundary {
                throw fail("overdispersed counts for a negbin equation (NB2 alpha > 0)",
                           "alpha at its boundary 0: the counts' variance is not above their mean, so NB2 is the Poisson model",
                           hint: "use family = \"poisson\" for this equation")
            }
            if !f.diverging.isEmpty {
                let terms = f.diverging.map { "'\(names[$0.column])' (\($0.direction > 0 ? "+" : "-")Inf)" }.joined(separator: ", ")
                throw fail("a \(family.rawValue) fit with finite estimates",
                           (family == .binomial ? "separation (fitted probabilities of 0 or 1" : "only zero counts (fitted means of 0")
                           + " for \(f.diverging[0].boundaryRows) rows): no finite estimate for \(terms)",
                           hint: "remove the term, pool its categories, or give data where it does not predict the outcome perfectly")
            }
            if f.separationDetected {
                throw fail("a binomial fit with finite estimates",
                           "separation: fitted probabilities of 0 or 1, so some estimates run off to infinity",
                           hint: "a term (or combination) predicts the outcome perfectly; remove it or give data where it does not")
            }
        }

        // 4. Checks.
        let aliased = rows.filter(\.aliased).map(\.name)
        if !aliased.isEmpty {
            throw fail("terms that are not linear combinations of other terms (a full-rank design)",
                       "aliased term\(aliased.count == 1 ? "" : "s") " + aliased.map { "'\($0)'" }.joined(separator: ", "),
                       hint: "remove \(aliased.count == 1 ? "it" : "them") from the formula on \(modelPlace), or use data in which \(aliased.count == 1 ? "it varies" : "they vary") independently")
        }
        var covRows: [[Double]] = []
        var flat = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            var row: [Double] = []
            for j in 0..<p {
                let v = 0.5 * (cov[i, j] + cov[j, i])
                row.append(v)
                flat[i + j * p] = v
            }
            covRows.append(row)
        }
        let coefficients = rows.map(\.estimate)
        if coefficients.contains(where: { !$0.isFinite }) || flat.contains(where: { !$0.isFinite }) {
            throw fail("finite coefficients and covariance", "a non-finite value", hint: "check the panel for extreme values")
        }
        if case .failure(let bad) = MultivariateNormal.cholesky(flat, dimension: p) {
            let extra = groupCount.map { g in g <= p ? ": cluster-robust with \(g) regions for \(p) coefficients needs more regions than coefficients, or set covariance = \"classical\"" : "" } ?? ""
            throw fail("a positive definite covariance of the coefficients",
                       "a covariance that is not (pivot \(bad.pivot) at term '\(names[bad.column])')\(extra)",
                       hint: "drop terms that barely vary or give more data")
        }
        let se = (0..<p).map { covRows[$0][$0].squareRoot() }
        let result = Calibration.Equation(name: eq.name, family: family, formula: eq.text, terms: names, coefficients: coefficients,
                                          covariance: covRows, sigma: fitted.sigma, alpha: fitted.alpha, nobs: n, groups: groupCount,
                                          substituted: substituted)
        return (result, se, warnings)
    }
}

extension Calibrator {
    /// One error per problem in the panel, not one per equation that reads it: errors equal but for
    /// their `equation 'name': ` prefix (a bad cell of `support`, read by 13 equations) become one,
    /// whose field names the equations ("equations 'entries', 'exits' and 11 more: support"). Order:
    /// where each problem was first reported.
    static func mergingEquations(_ errors: [InputError]) -> [InputError] {
        func split(_ e: InputError) -> (equation: String, rest: String)? {
            guard let f = e.field, f.hasPrefix("equation '"), let close = f.dropFirst(10).firstIndex(of: "'") else { return nil }
            let name = String(f[f.index(f.startIndex, offsetBy: 10)..<close])
            let rest = f[f.index(after: close)...]
            return (name, rest.hasPrefix(": ") ? String(rest.dropFirst(2)) : String(rest))
        }
        var order: [String] = [], merged: [String: (error: InputError, equations: [String])] = [:]
        for e in errors {
            guard let (name, rest) = split(e), !rest.isEmpty else {
                let key = "\(order.count)"; order.append(key); merged[key] = (e, []); continue
            }
            let key = [e.file ?? "", e.line.map(String.init) ?? "", e.column.map(String.init) ?? "", rest, e.expected, e.found, e.hint ?? ""].joined(separator: "\u{1}")
            if merged[key] == nil { order.append(key); merged[key] = (e, []) }
            if merged[key]!.equations.last != name { merged[key]!.equations.append(name) }
        }
        return order.map { key in
            var (e, names) = merged[key]!
            guard names.count > 1, let (_, rest) = split(e) else { return e }
            let quoted = names.map { "'\($0)'" }
            let list = names.count <= 3 ? quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
                : quoted.prefix(2).joined(separator: ", ") + " and \(names.count - 2) more"
            e.field = "equations " + list + ": " + rest
            return e
        }
    }
}
