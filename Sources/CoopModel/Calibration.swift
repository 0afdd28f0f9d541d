import CoopData
import Foundation

/// The fitted behavioural equations of a model: what `coopsim calibrate`
/// writes and `coopsim run` reads. Per equation: the formula and family,
/// coefficient names and values, their covariance matrix, the residual scale
/// (gaussian) or dispersion (NB2 alpha), and sample facts.
///
/// File format (TOML, numbers in shortest round-trip form):
///
///     model = "cooperatives"
///     data_file = "Scenarios/data/synthetic_panel.csv"
///     data_sha256 = "..."
///     covariance = "cluster"
///     fitted_on = "synthetic panel ..."   # optional: what the panel is, in words (provenance)
///     fitted_on_vi = "bảng số liệu ..."  # optional: the same in Vietnamese (Vietnamese reports)
///     illustrative = true                 # optional: the coefficients only show how the tool works
///     [[equations]]
///     name = "entries"
///     family = "negbin"
///     formula = "entries ~ log(lag(coops)) + log1p(support)"
///     terms = ["Intercept", "log(lag(coops))", "log1p(support)"]
///     coefficients = [0.1, 0.5, 0.2]
///     covariance = [[...], [...], [...]]
///     alpha = 0.12
///     nobs = 400
///     groups = 30
///     ...
///     [data_range]                        # optional: [min, max] of each model column in the panel
///     training = [0.0007, 0.199]
public struct Calibration: Sendable {
    public struct Equation: Sendable {
        public var name: String
        public var family: ModelSpec.Family
        public var formula: String
        public var terms: [String]
        public var coefficients: [Double]
        /// Row-major p x p covariance of the coefficients.
        public var covariance: [[Double]]
        /// Residual standard deviation (gaussian); nil otherwise.
        public var sigma: Double?
        /// NB2 dispersion: var = mu + alpha mu^2 (negbin); nil otherwise.
        public var alpha: Double?
        public var nobs: Int
        /// Number of clusters when the covariance is cluster-robust.
        public var groups: Int?
        /// Columns used in place of missing ones (`if_missing` in the model).
        public var substituted: [String: String]
        public var line: Int

        public init(name: String, family: ModelSpec.Family, formula: String, terms: [String], coefficients: [Double],
                    covariance: [[Double]], sigma: Double?, alpha: Double?, nobs: Int, groups: Int?,
                    substituted: [String: String] = [:], line: Int = 0) {
            self.name = name; self.family = family; self.formula = formula; self.terms = terms
            self.coefficients = coefficients; self.covariance = covariance; self.sigma = sigma; self.alpha = alpha
            self.nobs = nobs; self.groups = groups; self.substituted = substituted; self.line = line
        }
    }

    public var file: String
    public var model: String
    public var dataFile: String
    public var dataSHA256: String
    public var covarianceType: String
    /// What the calibration was fitted on, in words (`fitted_on`; `calibrate --fitted-on`); "" when not said.
    public var fittedOn: String
    /// `fitted_on` in Vietnamese (`fitted_on_vi`; `calibrate --fitted-on-vi`); "" when not said.
    public var fittedOnVI: String = ""
    /// The range of each model column (variable, lever, assumption) in the panel the equations were
    /// fitted on, in model order: the smallest and largest present value (`[data_range]`; written by
    /// `calibrate`, empty in older files). Scenario plausibility warnings compare against it.
    public var dataRange: [(name: String, min: Double, max: Double)] = []
    /// The range of `name` in the panel, when recorded.
    public func range(of name: String) -> (min: Double, max: Double)? {
        dataRange.first { $0.name == name }.map { ($0.min, $0.max) }
    }
    /// True when the coefficients are illustrative, e.g. fitted on a synthetic panel (`illustrative`;
    /// `calibrate --illustrative`): reports then carry a visible caveat.
    public var illustrative: Bool
    public var equations: [Equation]
    /// SHA-256 of the file's bytes as parsed by `load(path:)` (empty otherwise).
    public var sha256: String = ""

    public init(file: String, model: String, dataFile: String, dataSHA256: String, covarianceType: String,
                fittedOn: String = "", illustrative: Bool = false, equations: [Equation]) {
        self.file = file; self.model = model; self.dataFile = dataFile; self.dataSHA256 = dataSHA256
        self.covarianceType = covarianceType; self.fittedOn = fittedOn; self.illustrative = illustrative
        self.equations = equations
    }

    public func equation(_ name: String) -> Equation? { equations.first { $0.name == name } }

    // MARK: writing

    /// The calibration as TOML text.
    public func toml(header: String = "") -> String {
        var s = header.isEmpty ? "" : header.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(separator: "\n") + "\n\n"
        s += "model = \(quoted(model))\n"
        s += "data_file = \(quoted(dataFile))\n"
        s += "data_sha256 = \(quoted(dataSHA256))\n"
        s += "covariance = \(quoted(covarianceType))\n"
        if !fittedOn.isEmpty { s += "fitted_on = \(quoted(fittedOn))\n" }
        if !fittedOnVI.isEmpty { s += "fitted_on_vi = \(quoted(fittedOnVI))\n" }
        if illustrative { s += "illustrative = true\n" }
        for e in equations {
            s += "\n[[equations]]\n"
            s += "name = \(quoted(e.name))\n"
            s += "family = \(quoted(e.family.rawValue))\n"
            s += "formula = \(quoted(e.formula))\n"
            s += "terms = [" + e.terms.map(quoted).joined(separator: ", ") + "]\n"
            s += "coefficients = [" + e.coefficients.map(num).joined(separator: ", ") + "]\n"
            s += "covariance = [\n" + e.covariance.map { "  [" + $0.map(num).joined(separator: ", ") + "]," }.joined(separator: "\n") + "\n]\n"
            if let sigma = e.sigma { s += "sigma = \(num(sigma))\n" }
            if let alpha = e.alpha { s += "alpha = \(num(alpha))\n" }
            s += "nobs = \(e.nobs)\n"
            if let g = e.groups { s += "groups = \(g)\n" }
            if !e.substituted.isEmpty {
                s += "substituted = { " + e.substituted.sorted { $0.key < $1.key }.map { "\($0.key) = \(quoted($0.value))" }.joined(separator: ", ") + " }\n"
            }
        }
        if !dataRange.isEmpty {
            s += "\n# The smallest and largest value of each model column in the panel (missing cells left out):\n"
            s += "# validate and run warn when a scenario gives a share, a growth rate or a per-unit value far outside it.\n"
            s += "[data_range]\n"
            for r in dataRange { s += "\(r.name) = [\(num(r.min)), \(num(r.max))]\n" }
        }
        return s
    }

    func quoted(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    func num(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        let d = x.description
        // TOML floats need a digit after '.', and integers-as-floats keep '.0' to stay floats.
        return d
    }

    // MARK: reading

    /// Reads a calibration file, checking shapes (terms, coefficients and covariance agree),
    /// finiteness, symmetry and positive semi-definiteness of each covariance.
    /// The largest NB2 dispersion a calibration file may give.
    public static let maximumAlpha = 1e4

    public static func load(path: String) throws -> Calibration {
        let doc: TOMLDocument
        do { doc = try TOMLParser.parse(contentsOf: path) } catch { throw InputErrors([error]) }
        var c = TOMLChecker(file: path)
        let root = doc.root
        c.rejectUnknownKeys(root, allowed: ["model", "data_file", "data_sha256", "covariance", "fitted_on", "fitted_on_vi", "illustrative",
                                          "equations", "data_range"], path: "")
        let model = c.string(root, "model", path: "", required: true, tableLine: 1) ?? ""
        let dataFile = c.string(root, "data_file", path: "", required: false) ?? ""
        let sha = c.string(root, "data_sha256", path: "", required: false) ?? ""
        let cov = c.string(root, "covariance", path: "", required: false) ?? "classical"
        let fittedOn = c.string(root, "fitted_on", path: "", required: false) ?? ""
        let fittedOnVI = c.string(root, "fitted_on_vi", path: "", required: false) ?? ""
        let illustrative = c.bool(root, "illustrative", path: "") ?? false
        var dataRange: [(name: String, min: Double, max: Double)] = []
        if let (t, _) = c.table(root, "data_range", path: "", required: false) {
            for e in t.entries {
                let f = "data_range." + e.key
                let v = numbers(e.node, field: f, checker: &c)
                guard v.count == 2, v.allSatisfy(\.isFinite), v[0] <= v[1] else {
                    if !v.isEmpty { c.report(e.node, field: f, expected: "[min, max]: two finite numbers, min <= max", found: e.node.sourceText) }
                    continue
                }
                dataRange.append((e.key, v[0], v[1]))
            }
        }
        var eqs: [Equation] = []
        if let list = root["equations"]?.arrayValue {
            for (k, item) in list.enumerated() {
                let p = "equations[\(k + 1)]"
                guard let t = item.tableValue else { c.report(item, field: p, expected: "a table", found: item.sourceText); continue }
                c.rejectUnknownKeys(t, allowed: ["name", "family", "formula", "terms", "coefficients", "covariance", "sigma", "alpha",
                                                 "nobs", "groups", "substituted"], path: p)
                let name = c.string(t, "name", path: p, required: true, tableLine: item.line) ?? "?"
                let familyText = c.string(t, "family", path: p, required: true, tableLine: item.line) ?? "gaussian"
                guard let family = ModelSpec.Family(rawValue: familyText) else {
                    c.report(t["family"], field: p + ".family", expected: "gaussian, poisson, negbin or binomial", found: "\"\(familyText)\"")
                    continue
                }
                let formula = c.string(t, "formula", path: p, required: true, tableLine: item.line) ?? ""
                let terms = (t["terms"]?.arrayValue ?? []).compactMap(\.stringValue)
                let coefs = numbers(t["coefficients"], field: p + ".coefficients", checker: &c)
                var covRows: [[Double]] = []
                if let rows = t["covariance"]?.arrayValue {
                    for (r, row) in rows.enumerated() { covRows.append(numbers(row, field: "\(p).covariance[\(r + 1)]", checker: &c)) }
                } else {
                    c.report(line: item.line, field: p + ".covariance", expected: "a square array of arrays", found: "nothing")
                }
                let n = terms.count
                if coefs.count != n {
                    c.report(t["coefficients"], field: p + ".coefficients", expected: "\(n) values, one per term", found: "\(coefs.count)")
                }
                if covRows.count != n || covRows.contains(where: { $0.count != n }) {
                    c.report(t["covariance"], field: p + ".covariance", expected: "a \(n) x \(n) matrix",
                             found: "\(covRows.count) rows of lengths \(covRows.map(\.count))")
                } else {
                    for i in 0..<n { for j in 0..<i where abs(covRows[i][j] - covRows[j][i]) > 1e-9 * max(1, abs(covRows[i][j])) {
                        c.report(t["covariance"], field: p + ".covariance", expected: "a symmetric matrix",
                                 found: "entry (\(i + 1),\(j + 1)) = \(covRows[i][j]) but (\(j + 1),\(i + 1)) = \(covRows[j][i])")
                    } }
                    let before = c.problems.count
                    for i in 0..<n where !(covRows[i][i] >= 0) {
                        c.report(t["covariance"], field: p + ".covariance", expected: "non-negative variances on the diagonal",
                                 found: "\(covRows[i][i]) for term '\(i < terms.count ? terms[i] : "?")'")
                    }
                    // Symmetric with a sound diagonal: the simulation needs a Cholesky factor.
                    if c.problems.count == before && !covRows.joined().contains(where: { !$0.isFinite }) {
                        if case .failure(let f) = SemidefiniteCholesky.factor(Array(covRows.joined()), dimension: n) {
                            c.report(t["covariance"], field: p + ".covariance",
                                     expected: "a positive semi-definite covariance of the coefficients",
                                     found: "a matrix that is not (pivot \(f.pivot) at term '\(f.column < terms.count ? terms[f.column] : "?")')",
                                     hint: "run `coopsim calibrate` again; if the design is nearly collinear, drop a term from the formula")
                        }
                    }
                }
                let sigma = c.number(t, "sigma", path: p, required: family == .gaussian, tableLine: item.line, domain: .nonNegative)
                let alpha = c.number(t, "alpha", path: p, required: family == .negbin, tableLine: item.line, domain: .positive)
                // The NB2 mixture draws Gamma(1/alpha, alpha mu): beyond this, almost every draw is 0 and the rest astronomic.
                if let a = alpha, a > Self.maximumAlpha {
                    c.report(t["alpha"], field: p + ".alpha", expected: "a dispersion from 0 to \(Int(Self.maximumAlpha)) (variance mu + alpha mu^2)",
                             found: CSVWriter.number(a), hint: "run `coopsim calibrate` again on the panel")
                }
                if let first = eqs.first(where: { $0.name == name }) {
                    c.report(t["name"], field: p + ".name", expected: "each equation once",
                             found: "'\(name)', also given at line \(first.line)", hint: "delete one of the two [[equations]] tables")
                }
                let nobs = c.integer(t, "nobs", path: p, required: false) ?? 0
                let groups = c.integer(t, "groups", path: p, required: false)
                var subs: [String: String] = [:]
                if let (st, _) = c.table(t, "substituted", path: p, required: false) {
                    for e in st.entries { if let s = e.node.stringValue { subs[e.key] = s } }
                }
                eqs.append(Equation(name: name, family: family, formula: formula, terms: terms, coefficients: coefs,
                                    covariance: covRows, sigma: sigma, alpha: alpha, nobs: nobs, groups: groups,
                                    substituted: subs, line: item.line))
            }
        } else {
            c.report(line: 1, field: "equations", expected: "[[equations]] tables", found: "none")
        }
        if !c.problems.isEmpty { throw InputErrors(c.problems) }
        var calibration = Calibration(file: path, model: model, dataFile: dataFile, dataSHA256: sha, covarianceType: cov,
                                      fittedOn: fittedOn, illustrative: illustrative, equations: eqs)
        calibration.fittedOnVI = fittedOnVI
        calibration.dataRange = dataRange
        calibration.sha256 = doc.sha256
        return calibration
    }

    static func numbers(_ node: TOMLNode?, field: String, checker: inout TOMLChecker) -> [Double] {
        guard let node else { checker.report(line: nil, field: field, expected: "an array of numbers", found: "nothing"); return [] }
        guard let arr = node.arrayValue else { checker.report(node, field: field, expected: "an array of numbers", found: node.sourceText); return [] }
        var out: [Double] = []
        for (i, x) in arr.enumerated() {
            if let v = checker.number(x, field: "\(field)[\(i + 1)]") { out.append(v) } else { out.append(.nan) }
        }
        return out
    }
}
