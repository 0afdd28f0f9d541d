import CoopData
import CoopNumerics

/// A model file as written: its declared variables, levers and assumptions
/// (with domains, units and labels in English and Vietnamese) and its
/// equations in evaluation order. Formulas are kept as text with their line;
/// `CompiledModel` parses them.
///
/// Format (see `Scenarios/model.toml` and Guides/Models.md):
///
///     name = "cooperatives"
///     [calibration]
///     covariance = "cluster"        # or "classical"
///     region = "region"             # panel columns
///     year = "year"
///     [variables]
///     coops = { domain = "count", unit = "cooperatives", en = "...", vi = "..." }
///     [levers]
///     support = { domain = "nonnegative", unit = "billion VND per year" }
///     [assumptions]
///     grdp_growth = { domain = "real" }
///     [[equations]]
///     name = "entries"
///     family = "negbin"             # gaussian | poisson | negbin | binomial
///     formula = "entries ~ log(lag(coops)) + log1p(support)"
///     [[equations]]
///     name = "coops"
///     identity = "coops = lag(coops) + entries - exits"
public struct ModelSpec: Sendable {
    public enum Kind: String, Sendable { case variable, lever, assumption }

    /// A declared name with its domain and labels.
    public struct Declaration: Sendable {
        public var name: String
        public var kind: Kind
        public var domain: NumericDomain
        public var unit: String
        public var labelEN: String
        public var labelVI: String
        public var line: Int
    }

    /// The one family type (`CoopNumerics.Family`), shared with `fit`, `synth` and the engine.
    public typealias Family = CoopNumerics.Family

    /// One equation as written.
    public struct Equation: Sendable {
        public var name: String
        /// `nil` for an identity.
        public var family: Family?
        /// The formula (`y ~ x`) or the identity (`y = expr`), as written.
        public var text: String
        /// For binomial equations: the expression for the number of trials.
        public var trials: String?
        /// Columns substituted when missing from a calibration panel.
        public var ifMissing: [(missing: String, use: String)]
        public var line: Int
        public var isIdentity: Bool { family == nil }
    }

    public enum CovarianceChoice: String, Sendable { case classical, cluster }

    public var file: String
    /// SHA-256 of the file's bytes as parsed by `load(path:)` (empty otherwise).
    public var sha256: String = ""
    public var name: String
    public var title: String
    public var covariance: CovarianceChoice
    public var regionColumn: String
    public var yearColumn: String
    public var declarations: [Declaration]
    public var equations: [Equation]

    public var variables: [Declaration] { declarations.filter { $0.kind == .variable } }
    public var levers: [Declaration] { declarations.filter { $0.kind == .lever } }
    public var assumptions: [Declaration] { declarations.filter { $0.kind == .assumption } }
    public func declaration(_ name: String) -> Declaration? { declarations.first { $0.name == name } }

    /// Reads and checks a model file; every problem found is thrown together.
    public static func load(path: String) throws -> ModelSpec {
        let doc: TOMLDocument
        do { doc = try TOMLParser.parse(contentsOf: path) } catch { throw InputErrors([error]) }
        var checker = TOMLChecker(file: path)
        var spec = read(doc, checker: &checker)
        if !checker.problems.isEmpty { throw InputErrors(checker.problems) }
        spec!.sha256 = doc.sha256
        return spec!
    }

    /// Reads a parsed model file, recording problems in `checker`; returns nil only when nothing usable was read.
    public static func read(_ doc: TOMLDocument, checker: inout TOMLChecker) -> ModelSpec? {
        let root = doc.root
        checker.rejectUnknownKeys(root, allowed: ["name", "title", "calibration", "variables", "levers", "assumptions", "equations"], path: "")
        let name = checker.string(root, "name", path: "", required: true, tableLine: 1) ?? "model"
        let title = checker.string(root, "title", path: "", required: false) ?? name
        var covariance = CovarianceChoice.cluster
        var region = "region", year = "year"
        if let (cal, _) = checker.table(root, "calibration", path: "", required: false) {
            checker.rejectUnknownKeys(cal, allowed: ["covariance", "region", "year"], path: "calibration")
            if let c = checker.string(cal, "covariance", path: "calibration", required: false) {
                if let v = CovarianceChoice(rawValue: c) { covariance = v } else {
                    checker.report(cal["covariance"], field: "calibration.covariance", expected: "\"classical\" or \"cluster\"", found: "\"\(c)\"")
                }
            }
            region = checker.string(cal, "region", path: "calibration", required: false) ?? region
            year = checker.string(cal, "year", path: "calibration", required: false) ?? year
        }
        var declarations: [Declaration] = []
        for (key, kind) in [("variables", Kind.variable), ("levers", .lever), ("assumptions", .assumption)] {
            guard let (table, _) = checker.table(root, key, path: "", required: kind == .variable, tableLine: 1) else { continue }
            for e in table.entries {
                let field = key + "." + e.key
                if let other = declarations.first(where: { $0.name == e.key }) {
                    checker.report(line: e.keyLine, field: field, expected: "each name declared once",
                                   found: "'\(e.key)' already declared as a \(other.kind.rawValue) on line \(other.line)")
                    continue
                }
                guard let t = e.node.tableValue else {
                    checker.report(e.node, field: field, expected: "an inline table such as { domain = \"share\", unit = \"share\" }", found: e.node.sourceText)
                    continue
                }
                checker.rejectUnknownKeys(t, allowed: ["domain", "unit", "en", "vi"], path: field)
                var domain = NumericDomain.real
                if let d = checker.string(t, "domain", path: field, required: false) {
                    if let v = NumericDomain(name: d) { domain = v } else {
                        checker.report(t["domain"], field: field + ".domain", expected: "one of \(NumericDomain.names.joined(separator: ", "))",
                                       found: "\"\(d)\"", hint: closestMatch(to: d, among: NumericDomain.names).map { "did you mean '\($0)'?" })
                    }
                }
                declarations.append(Declaration(
                    name: e.key, kind: kind, domain: domain,
                    unit: checker.string(t, "unit", path: field, required: false) ?? "",
                    labelEN: checker.string(t, "en", path: field, required: false) ?? e.key,
                    labelVI: checker.string(t, "vi", path: field, required: false) ?? e.key,
                    line: e.keyLine))
            }
        }
        var equations: [Equation] = []
        if let node = root["equations"] {
            if let list = node.arrayValue {
                for (k, item) in list.enumerated() {
                    let path = "equations[\(k + 1)]"
                    guard let t = item.tableValue else {
                        checker.report(item, field: path, expected: "a table ([[equations]])", found: item.sourceText)
                        continue
                    }
                    checker.rejectUnknownKeys(t, allowed: ["name", "family", "formula", "identity", "trials", "if_missing"], path: path)
                    let eqName = checker.string(t, "name", path: path, required: true, tableLine: item.line) ?? "?"
                    let identity = checker.string(t, "identity", path: path, required: false)
                    let formula = checker.string(t, "formula", path: path, required: false)
                    let familyText = checker.string(t, "family", path: path, required: false)
                    var family: Family?
                    if let f = familyText {
                        family = Family(rawValue: f)
                        if family == nil {
                            let names = Family.allCases.map(\.rawValue)
                            checker.report(t["family"], field: path + ".family", expected: "one of \(names.joined(separator: ", "))",
                                           found: "\"\(f)\"", hint: closestMatch(to: f, among: names).map { "did you mean '\($0)'?" })
                        }
                    }
                    var text = ""
                    var line = item.line
                    switch (identity, formula) {
                    case (let i?, nil):
                        if familyText != nil {
                            checker.report(t["family"], field: path + ".family", expected: "no family on an identity", found: "\"\(familyText!)\"")
                        }
                        text = i
                        line = t["identity"]!.line
                    case (nil, let f?):
                        if familyText == nil {
                            checker.report(line: item.line, field: path + ".family", expected: "a family (gaussian, poisson, negbin or binomial) for a behavioural equation", found: "nothing (the key is missing)")
                        }
                        text = f
                        line = t["formula"]!.line
                    case (.some, .some):
                        checker.report(t["formula"], field: path, expected: "either 'formula' (behavioural) or 'identity', not both", found: "both")
                    case (nil, nil):
                        checker.report(line: item.line, field: path, expected: "'formula' (with 'family') or 'identity'", found: "neither")
                    }
                    let trials = checker.string(t, "trials", path: path, required: false)
                    if family == .binomial && trials == nil {
                        checker.report(line: item.line, field: path + ".trials", expected: "the number of trials (an expression such as \"lag(coops)\") for a binomial equation", found: "nothing (the key is missing)")
                    }
                    var ifMissing: [(String, String)] = []
                    if let (m, _) = checker.table(t, "if_missing", path: path, required: false) {
                        for e in m.entries {
                            if let s = e.node.stringValue { ifMissing.append((e.key, s)) } else {
                                checker.report(e.node, field: path + ".if_missing." + e.key, expected: "a column name in double quotes", found: e.node.sourceText)
                            }
                        }
                    }
                    if equations.contains(where: { $0.name == eqName }) {
                        checker.report(t["name"], field: path + ".name", expected: "a name not used by another equation", found: "\"\(eqName)\"")
                    }
                    if family != nil || identity != nil {
                        equations.append(Equation(name: eqName, family: family, text: text, trials: trials,
                                                  ifMissing: ifMissing, line: line))
                    }
                }
            } else {
                checker.report(node, field: "equations", expected: "an array of tables ([[equations]])", found: node.kindDescription)
            }
        } else {
            checker.report(line: 1, field: "equations", expected: "at least one [[equations]] table", found: "none")
        }
        return ModelSpec(file: doc.file, name: name, title: title, covariance: covariance, regionColumn: region,
                         yearColumn: year, declarations: declarations, equations: equations)
    }
}
