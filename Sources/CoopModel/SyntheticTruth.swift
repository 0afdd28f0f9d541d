import CoopData

/// The known answer behind a synthetic panel: the true coefficients of every
/// behavioural equation of a model, their residual scale or dispersion, and
/// the design of the panel (initial states per region, rules for levers and
/// assumptions per region-year). Read from a truth file such as
/// `Scenarios/truth.toml`; used by `Synthesizer` (`coopsim synth`) and by the
/// recovery tests.
///
/// Format (Guides/Models.md has the full description):
///
///     model = "cooperatives"              # the model's name (checked against the model file)
///     omit = ["trained_incumbent"]        # columns left out of the panel (optional)
///
///     [equations.entries]                 # one table per behavioural equation, by name
///     coefficients = { Intercept = -3.912, "log(lag(coops))" = 1.0, "log1p(support)" = 0.1 }
///     alpha = 0.08                        # negbin: NB2 dispersion (var = mu + alpha mu^2)
///     [equations.workers_per_coop]
///     coefficients = { Intercept = 0.0, "log1p(support)" = 0.003 }
///     sigma = 0.03                        # gaussian: residual standard deviation
///
///     [initial]                           # first-year state of each region
///     coops = { uniform = [50, 1500] }    # a uniform draw per region (rounded for count variables)
///     good_count = { share = [0.05, 0.25], of = "coops" }   # round(uniform share x the region's coops)
///
///     [paths]                             # levers and assumptions, per region and year
///     support = { walk = [0, 60], step = 10 }   # random walk: start uniform in the range,
///                                               # then +uniform(-step, step) a year, reflected into the range
///     training = { uniform = [0, 0.2] }         # independent uniform draws per region-year
///     grdp_sd = { value = 0.01 }                # a constant
///
/// Coefficients are keyed by the design's column names (patsy naming, as
/// `coopsim calibrate` writes them), so a truth file and a calibration can be
/// compared term by term.
public struct SyntheticTruth: Sendable {
    /// A rule that draws one value per region (initial states) or per region-year (paths).
    public enum Rule: Sendable, Equatable {
        /// A fixed value.
        case value(Double)
        /// Independent uniform draws on [low, high].
        case uniform(Double, Double)
        /// A reflected random walk on [low, high]: uniform start, then steps uniform on [-step, step].
        case walk(low: Double, high: Double, step: Double)
        /// Initial states only: a uniform share on [low, high] of another variable's initial value
        /// (drawn earlier in the file), rounded for count variables; e.g. a rating class as a share of
        /// the region's cooperatives, so that the classes never exceed the stock.
        case share(low: Double, high: Double, of: String)
    }

    /// The true parameters of one behavioural equation.
    public struct Equation: Sendable {
        public var name: String
        /// Coefficients by design column name.
        public var coefficients: [String: Double]
        /// Residual standard deviation (gaussian).
        public var sigma: Double?
        /// NB2 dispersion (negbin).
        public var alpha: Double?
        /// The line of the equation's coefficients in the truth file.
        public var line: Int

        public init(name: String, coefficients: [String: Double], sigma: Double? = nil, alpha: Double? = nil, line: Int = 0) {
            self.name = name; self.coefficients = coefficients; self.sigma = sigma; self.alpha = alpha; self.line = line
        }
    }

    public var file: String
    /// The model's name, when given (checked against the model file by `Synthesizer`).
    public var model: String?
    /// Columns left out of the synthetic panel.
    public var omit: [String]
    public var equations: [Equation]
    /// First-year rules by variable name, in file order.
    public var initial: [(name: String, rule: Rule, line: Int)]
    /// Lever and assumption rules by name, in file order.
    public var paths: [(name: String, rule: Rule, line: Int)]

    public init(file: String = "<truth>", model: String? = nil, omit: [String] = [], equations: [Equation],
                initial: [(name: String, rule: Rule, line: Int)], paths: [(name: String, rule: Rule, line: Int)]) {
        self.file = file; self.model = model; self.omit = omit; self.equations = equations
        self.initial = initial; self.paths = paths
    }

    public func equation(_ name: String) -> Equation? { equations.first { $0.name == name } }
    public func initialRule(_ name: String) -> Rule? { initial.first { $0.name == name }?.rule }
    public func pathRule(_ name: String) -> Rule? { paths.first { $0.name == name }?.rule }

    /// Reads and checks a truth file; every problem found is thrown together (`InputErrors`).
    public static func load(path: String) throws -> SyntheticTruth {
        let doc: TOMLDocument
        do { doc = try TOMLParser.parse(contentsOf: path) } catch { throw InputErrors([error]) }
        return try read(doc)
    }

    /// Parses truth-file text (`file` names it in messages).
    public static func parse(_ text: String, file: String = "<truth>") throws -> SyntheticTruth {
        let doc: TOMLDocument
        do { doc = try TOMLParser.parse(text, file: file) } catch { throw InputErrors([error]) }
        return try read(doc)
    }

    static func read(_ doc: TOMLDocument) throws -> SyntheticTruth {
        var c = TOMLChecker(file: doc.file)
        let root = doc.root
        c.rejectUnknownKeys(root, allowed: ["model", "omit", "equations", "initial", "paths"], path: "")
        let model = c.string(root, "model", path: "", required: false)
        var omit: [String] = []
        if let node = root["omit"] {
            if let list = node.arrayValue {
                for (i, item) in list.enumerated() {
                    if let s = item.stringValue { omit.append(s) } else {
                        c.report(item, field: "omit[\(i + 1)]", expected: "a column name in double quotes", found: item.sourceText)
                    }
                }
            } else {
                c.report(node, field: "omit", expected: "an array of column names such as [\"trained_incumbent\"]", found: node.sourceText)
            }
        }
        var equations: [Equation] = []
        if let (t, _) = c.table(root, "equations", path: "", required: true, tableLine: 1) {
            for e in t.entries {
                let p = "equations." + e.key
                guard let et = e.node.tableValue else {
                    c.report(e.node, field: p, expected: "a table with coefficients", found: e.node.sourceText)
                    continue
                }
                c.rejectUnknownKeys(et, allowed: ["coefficients", "sigma", "alpha"], path: p)
                var coefs: [String: Double] = [:]
                if let (ct, _) = c.table(et, "coefficients", path: p, required: true, tableLine: e.keyLine) {
                    for ce in ct.entries {
                        if let v = c.number(ce.node, field: p + ".coefficients." + ce.key) { coefs[ce.key] = v }
                    }
                }
                let sigma = c.number(et, "sigma", path: p, required: false, domain: .nonNegative)
                let alpha = c.number(et, "alpha", path: p, required: false, domain: .positive)
                equations.append(Equation(name: e.key, coefficients: coefs, sigma: sigma, alpha: alpha, line: et["coefficients"]?.line ?? e.keyLine))
            }
        }
        var initial: [(String, Rule, Int)] = []
        var paths: [(String, Rule, Int)] = []
        for (key, isInitial) in [("initial", true), ("paths", false)] {
            guard let (t, _) = c.table(root, key, path: "", required: true, tableLine: 1) else { continue }
            for e in t.entries {
                if let rule = readRule(e.node, field: key + "." + e.key, checker: &c, allowWalk: !isInitial) {
                    if isInitial { initial.append((e.key, rule, e.keyLine)) } else { paths.append((e.key, rule, e.keyLine)) }
                }
            }
        }
        if !c.problems.isEmpty { throw InputErrors(c.problems) }
        return SyntheticTruth(file: doc.file, model: model, omit: omit, equations: equations,
                              initial: initial.map { (name: $0.0, rule: $0.1, line: $0.2) },
                              paths: paths.map { (name: $0.0, rule: $0.1, line: $0.2) })
    }

    static func readRule(_ node: TOMLNode, field: String, checker c: inout TOMLChecker, allowWalk: Bool) -> Rule? {
        let expected = allowWalk
            ? "{ value = X }, { uniform = [LOW, HIGH] } or { walk = [LOW, HIGH], step = S }"
            : "{ value = X }, { uniform = [LOW, HIGH] } or { share = [LOW, HIGH], of = \"VARIABLE\" }"
        guard let t = node.tableValue else {
            c.report(node, field: field, expected: expected, found: node.sourceText)
            return nil
        }
        c.rejectUnknownKeys(t, allowed: allowWalk ? ["value", "uniform", "walk", "step"] : ["value", "uniform", "share", "of"], path: field)
        func range(_ key: String) -> (Double, Double)? {
            guard let n = t[key] else { return nil }
            guard let a = n.arrayValue, a.count == 2, let lo = a[0].numberValue, let hi = a[1].numberValue,
                  lo.isFinite, hi.isFinite, lo <= hi else {
                c.report(n, field: field + "." + key, expected: "[LOW, HIGH] with finite LOW <= HIGH", found: n.sourceText)
                return nil
            }
            return (lo, hi)
        }
        let present = ["value", "uniform", "walk", "share"].filter { t[$0] != nil }
        guard present.count == 1 else {
            c.report(node, field: field, expected: expected, found: present.isEmpty ? node.sourceText : "both '\(present[0])' and '\(present[1])'")
            return nil
        }
        switch present[0] {
        case "value":
            return c.number(t, "value", path: field, required: true).map { .value($0) }
        case "share":
            guard let (lo, hi) = range("share") else { return nil }
            guard lo >= 0, hi <= 1 else {
                c.report(t["share"], field: field + ".share", expected: "shares between 0 and 1", found: t["share"]!.sourceText)
                return nil
            }
            guard let of = c.string(t, "of", path: field, required: true, tableLine: node.line) else { return nil }
            return .share(low: lo, high: hi, of: of)
        case "uniform":
            if t["step"] != nil { c.report(t["step"], field: field + ".step", expected: "'step' only with 'walk'", found: "step with uniform") }
            return range("uniform").map { .uniform($0.0, $0.1) }
        default:
            guard let (lo, hi) = range("walk"),
                  let step = c.number(t, "step", path: field, required: true, tableLine: node.line, domain: .nonNegative) else { return nil }
            return .walk(low: lo, high: hi, step: step)
        }
    }
}
