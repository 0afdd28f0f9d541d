import CoopData
import CoopRandom
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws a synthetic region-year panel from a model with known coefficients
/// (`coopsim synth`): the data behind the recovery tests, the demos and the
/// shipped illustrative calibration.
///
/// Algorithm, for regions `R01...RNN` and years `A...B`:
/// 1. The truth's coefficients become a `Calibration` with zero covariance, and
///    the model is compiled with it (`CompiledModel`): the simulation is the
///    Monte Carlo engine's own, so synth and `run` cannot disagree.
/// 2. Every year, each lever and assumption is drawn per region from its
///    `[paths]` rule.
/// 3. Year `A` holds the initial state: each variable with an `[initial]` rule
///    is drawn per region (rounded for `count` variables); identities that read
///    no lag are evaluated (e.g. `workers`, `gdp_share`); behavioural outcomes
///    are missing (empty cells).
/// 4. Years `A+1...B`: one engine path per region (`SimulationPlan.simulate`,
///    path 0) with parameter uncertainty off and process noise on: each
///    behavioural equation draws its outcome from its family with the true
///    coefficients (gaussian residual with the true sigma, solved for the
///    equation's variable; Poisson; NB2 with the true alpha; binomial with the
///    trials), identities are evaluated with their `normal()` noise.
///
/// Randomness: every draw comes from a `RandomStream` keyed by (seed, region,
/// path 0, year, name): the engine's keys for the equations, and the lever or
/// assumption name (`initial.NAME` for first-year states) for the design. So
/// the panel depends on the seed only, and a region's history does not change
/// when regions are added.
///
/// Edge cases: a simulated value outside its variable's domain or not finite
/// (a log of zero, a share leaving (0, 1)) is an input error naming the
/// variable, region and year, since it comes from the truth file's ranges.
/// Lags deeper than one year are not supported (the panel has one initial year).
public enum Synthesizer {
    /// The synthetic panel as a table: columns `region` (text), `year`, then the
    /// model's variables, levers and assumptions in declaration order, less the
    /// truth's `omit` list; rows by region, then year.
    ///
    /// - Precondition: `regions >= 1` and at least two years.
    /// - Throws: `InputErrors` when the truth does not fit the model (a missing
    ///   or unknown coefficient, scale, initial rule or path rule), located in
    ///   the truth file; `InputError` for a simulated value outside its domain.
    public static func panel(model: ModelSpec, truth: SyntheticTruth, regions: Int, years: ClosedRange<Int>,
                             seed: UInt64) throws -> DataTable {
        precondition(regions >= 1, "A synthetic panel needs at least one region, got \(regions).")
        precondition(years.count >= 2, "A synthetic panel needs at least two years (one initial), got \(years.count).")
        let plan = try _SynthesisPlan(model: model, truth: truth)
        let compiled = try CompiledModel(spec: model, calibration: plan.calibration)
        var problems: [InputError] = []
        for r in compiled.requirements {
            if r.lag > 1 {
                problems.append(InputError(file: model.file, line: r.line, field: "equation '\(r.equation)'",
                                           expected: "lags of at most one year for synth (the panel has one initial year)",
                                           found: "lag(\(r.name), \(r.lag))"))
            } else if !plan.initialNames.contains(r.name) {
                problems.append(InputError(file: truth.file, field: "initial." + r.name,
                                           expected: "an initial rule for '\(r.name)' (equation '\(r.equation)' on \(model.file):\(r.line) reads its lag)",
                                           found: "nothing"))
            }
        }
        // Every value a rule can draw must lie in its variable's domain (a share above 1, or a
        // negative count, would otherwise be written to the panel as if valid).
        for (section, rules) in [("initial", truth.initial), ("paths", truth.paths)] {
            for (name, rule, line) in rules {
                guard let domain = model.declaration(name)?.domain else { continue }
                let (low, high): (Double, Double)
                switch rule {
                case .value(let v): (low, high) = (v, v)
                case .uniform(let a, let b): (low, high) = (a, b)
                case .walk(let a, let b, _): (low, high) = (a, b)
                case .share(let a, let b, _): (low, high) = (a, b)
                }
                if case .share(_, _, let of) = rule {
                    // The referenced variable's initial rule must come earlier in the file; the share's
                    // values lie in its variable's domain when the referenced variable's do.
                    let earlier = truth.initial.prefix { $0.name != name }.map(\.name)
                    if !earlier.contains(of) {
                        problems.append(InputError(file: truth.file, line: line, field: "\(section).\(name).of",
                                                   expected: "a variable with an initial rule earlier in [initial]",
                                                   found: "\"\(of)\"",
                                                   hint: closestMatch(to: of, among: earlier).map { "did you mean '\($0)'?" }))
                    }
                    continue
                }
                let ok: Bool
                switch domain {
                case .real: ok = low.isFinite && high.isFinite
                case .positive: ok = low > 0 && high.isFinite
                case .nonNegative, .count: ok = low >= 0 && high.isFinite
                case .share, .openShare: ok = low >= 0 && high <= 1 && (domain == .share || low < 1 && high > 0)
                case .range(let a, let b): ok = low >= a && high <= b
                }
                if !ok {
                    problems.append(InputError(file: truth.file, line: line, field: "\(section).\(name)",
                                               expected: "values in the domain of \(name) (\(domain.expectation))",
                                               found: low == high ? "\(low)" : "the range [\(low), \(high)]"))
                }
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }

        let width = max(2, String(regions).count)
        let regionNames = (1...regions).map { n -> String in
            let s = String(n)
            return "R" + String(repeating: "0", count: width - s.count) + s
        }
        let regionIDs = regionNames.map(StreamKey.hash)
        let yearList = Array(years)
        let T = yearList.count
        // history[name][t][region]
        var history: [String: [[Double]]] = [:]
        for d in model.declarations {
            history[d.name] = [[Double]](repeating: [Double](repeating: .nan, count: regions), count: T)
        }
        func uniform(_ stream: inout RandomStream, _ lo: Double, _ hi: Double) -> Double {
            let u = Double(stream.next() >> 11) * 0x1p-53
            return lo + (hi - lo) * u
        }
        // Levers and assumptions, all years.
        for (name, rule, _) in plan.pathRules {
            for r in 0..<regions {
                var previous = Double.nan
                for t in 0..<T {
                    var s = RandomStream(key: StreamKey(seed: seed, region: regionIDs[r], path: 0, year: yearList[t],
                                                        equation: StreamKey.hash(name)))
                    let v: Double
                    switch rule {
                    case .value(let x): v = x
                    case .uniform(let lo, let hi): v = uniform(&s, lo, hi)
                    case .walk(let lo, let hi, let step):
                        if t == 0 { v = uniform(&s, lo, hi) } else {
                            var x = previous + uniform(&s, -step, step)
                            if x < lo { x = lo + (lo - x) }   // reflect into [lo, hi]
                            if x > hi { x = hi - (x - hi) }
                            v = min(max(x, lo), hi)
                        }
                    case .share: preconditionFailure("Paths have no share rule (rejected when reading).")
                    }
                    previous = v
                    history[name]![t][r] = v
                }
            }
        }
        // Initial states.
        for (name, rule, _) in plan.initialRules {
            let isCount = model.declaration(name)?.domain == .count
            for r in 0..<regions {
                var s = RandomStream(key: StreamKey(seed: seed, region: regionIDs[r], path: 0, year: yearList[0],
                                                    equation: StreamKey.hash("initial." + name)))
                var v: Double
                switch rule {
                case .value(let x): v = x
                case .uniform(let lo, let hi): v = uniform(&s, lo, hi)
                case .walk: preconditionFailure("Initial states have no walk rule (rejected when reading).")
                case .share(let lo, let hi, let of): v = uniform(&s, lo, hi) * history[of]![0][r]
                }
                if isCount { v = v.rounded() }
                history[name]![0][r] = v
            }
        }
        // First-year identities without lags.
        for (name, target, expr) in plan.identities where !plan.initialNames.contains(target) && expr.maximumLag == 0 {
            let resolver = _PanelResolver(history: history, t: 0, seed: seed, regionIDs: regionIDs, year: yearList[0], equation: name)
            history[target]![0] = try expr.evaluate(resolver)
        }
        // Years after the first: one engine path per region.
        let workspace = _Workspace(model: compiled, width: 1)
        let nv = compiled.variableNames.count
        let steps = T - 1
        var out = [Double](repeating: .nan, count: steps * nv)
        var violations = [Int](repeating: 0, count: steps * nv)
        let switches = SimulationSwitches(parameterUncertainty: false, processNoise: true)
        for r in 0..<regions {
            var observed: [String: Double] = [:]
            for req in compiled.requirements { observed[req.name] = history[req.name]![0][r] }
            let path = try SimulationPlan(
                model: compiled, scenario: "synth", file: truth.file, region: regionNames[r], seed: seed,
                lastObservedYear: yearList[0], horizon: yearList[T - 1], observed: observed, history: [:],
                exogenous: { name, year in
                    let t = year - yearList[0]
                    return t >= 0 && t < T ? history[name]?[t][r] : nil
                }, targets: [])
            for k in violations.indices { violations[k] = 0 }
            out.withUnsafeMutableBufferPointer { o in
                violations.withUnsafeMutableBufferPointer { v in
                    path.simulate(firstPath: 0, count: 1, workspace: workspace, switches: switches,
                                  out: o.baseAddress!, violations: v.baseAddress!)
                }
            }
            for yi in 0..<steps {
                for v in 0..<nv {
                    let value = out[yi * nv + v]
                    let name = compiled.variableNames[v]
                    if violations[yi * nv + v] > 0 || !value.isFinite {
                        let domain = model.declaration(name)?.domain ?? .real
                        throw InputError(file: truth.file, field: "synth",
                                         expected: "\(name) within its domain (\(domain.expectation))",
                                         found: "\(value) in region \(regionNames[r]), year \(yearList[yi + 1])",
                                         hint: "check the truth's coefficients and the ranges of [initial] and [paths]")
                    }
                    history[name]![yi + 1][r] = value
                }
            }
        }
        // The table.
        let names = model.declarations.map(\.name).filter { !truth.omit.contains($0) }
        var regionColumn: [String?] = []
        var yearColumn: [Double] = []
        for r in 0..<regions { for t in 0..<T { regionColumn.append(regionNames[r]); yearColumn.append(Double(yearList[t])) } }
        var columns: [DataTable.Column] = [.text(regionColumn), .numeric(yearColumn)]
        for name in names {
            var c: [Double] = []
            c.reserveCapacity(regions * T)
            for r in 0..<regions { for t in 0..<T { c.append(history[name]![t][r]) } }
            columns.append(.numeric(c))
        }
        return DataTable(names: [model.regionColumn, model.yearColumn] + names, columns: columns, source: "synth")
    }

    /// The panel as CSV text (CSVWriter: shortest round-trip numbers, empty cells for missing values).
    public static func csv(_ table: DataTable) -> String {
        var w = CSVWriter(columns: table.names)
        for i in 0..<table.rowCount {
            w.addRow(table.columns.map { col in
                switch col {
                case .text(let v): return v[i] ?? ""
                case .numeric(let v): return CSVWriter.number(v[i])
                }
            })
        }
        return w.text
    }
}

/// The model and truth checked against each other: the truth as a calibration
/// (zero covariance) for `CompiledModel`, and the identities for the first year.
struct _SynthesisPlan {
    var calibration: Calibration
    var identities: [(name: String, target: String, expression: CoopData.Expression)] = []
    var initialRules: [(name: String, rule: SyntheticTruth.Rule, line: Int)]
    var pathRules: [(name: String, rule: SyntheticTruth.Rule, line: Int)]
    var initialNames: Set<String>

    init(model: ModelSpec, truth: SyntheticTruth) throws {
        var problems: [InputError] = []
        let tf = truth.file
        initialRules = truth.initial
        pathRules = truth.paths
        initialNames = Set(truth.initial.map(\.name))
        if let m = truth.model, m != model.name {
            problems.append(InputError(file: tf, line: 1, field: "model", expected: "the model's name \"\(model.name)\" (from \(model.file))", found: "\"\(m)\""))
        }
        var equations: [Calibration.Equation] = []
        for eq in model.equations {
            let field = "equation '\(eq.name)'"
            do {
                if eq.isIdentity {
                    let (target, expr) = try Self.splitIdentity(eq.text, field: field)
                    identities.append((eq.name, target, expr))
                    continue
                }
                let formula = try Formula.parse(eq.text, field: field)
                // Design column names as calibrate writes them (numeric terms: the terms as written).
                let names = (formula.hasIntercept ? ["Intercept"] : []) + formula.terms.map(\.name)
                guard let te = truth.equation(eq.name) else {
                    problems.append(InputError(file: tf, field: "equations." + eq.name,
                                               expected: "a table [equations.\(eq.name)] with the coefficients of \(names.joined(separator: ", "))",
                                               found: "nothing"))
                    continue
                }
                var coefficients: [Double] = []
                for n in names {
                    if let v = te.coefficients[n] { coefficients.append(v) } else {
                        problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).coefficients",
                                                   expected: "a coefficient for every term (\(names.joined(separator: ", ")))",
                                                   found: "none for '\(n)'"))
                    }
                }
                for k in te.coefficients.keys.sorted() where !names.contains(k) {
                    problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).coefficients.\(k)",
                                               expected: "a term of the formula (\(names.joined(separator: ", ")))", found: "'\(k)'",
                                               hint: closestMatch(to: k, among: names).map { "did you mean '\($0)'?" }))
                }
                let family = eq.family!
                switch family {
                case .gaussian where te.sigma == nil:
                    problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).sigma",
                                               expected: "the residual standard deviation of a gaussian equation", found: "nothing"))
                case .negbin where te.alpha == nil:
                    problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).alpha",
                                               expected: "the NB2 dispersion alpha of a negbin equation", found: "nothing"))
                case .poisson, .binomial:
                    if te.sigma != nil || te.alpha != nil {
                        problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name)",
                                                   expected: "no sigma or alpha for a \(family.rawValue) equation", found: te.sigma != nil ? "sigma" : "alpha"))
                    }
                default:
                    break
                }
                guard coefficients.count == names.count else { continue }
                let p = names.count
                equations.append(Calibration.Equation(
                    name: eq.name, family: family, formula: eq.text, terms: names, coefficients: coefficients,
                    covariance: [[Double]](repeating: [Double](repeating: 0, count: p), count: p),
                    sigma: family == .gaussian ? te.sigma : nil, alpha: family == .negbin ? te.alpha : nil, nobs: 0, groups: nil))
            } catch let e as InputError {
                var e = e
                if e.file == nil { e.file = model.file; e.line = eq.line }
                problems.append(e)
            }
        }
        for te in truth.equations where !model.equations.contains(where: { $0.name == te.name && !$0.isIdentity }) {
            problems.append(InputError(file: tf, line: te.line, field: "equations." + te.name,
                                       expected: "a behavioural equation of the model", found: "'\(te.name)'",
                                       hint: closestMatch(to: te.name, among: model.equations.filter { !$0.isIdentity }.map(\.name)).map { "did you mean '\($0)'?" }))
        }
        let variables = model.variables.map(\.name)
        for (name, _, line) in truth.initial where !variables.contains(name) {
            problems.append(InputError(file: tf, line: line, field: "initial." + name, expected: "a variable of the model", found: "'\(name)'",
                                       hint: closestMatch(to: name, among: variables).map { "did you mean '\($0)'?" }))
        }
        let inputs = (model.levers + model.assumptions).map(\.name)
        for (name, _, line) in truth.paths where !inputs.contains(name) {
            problems.append(InputError(file: tf, line: line, field: "paths." + name, expected: "a lever or assumption of the model", found: "'\(name)'",
                                       hint: closestMatch(to: name, among: inputs).map { "did you mean '\($0)'?" }))
        }
        for name in inputs where !truth.paths.contains(where: { $0.name == name }) {
            problems.append(InputError(file: tf, field: "paths." + name, expected: "a rule for the \(model.declaration(name)!.kind.rawValue) '\(name)'", found: "nothing"))
        }
        let declared = model.declarations.map(\.name)
        for name in truth.omit where !declared.contains(name) {
            problems.append(InputError(file: tf, field: "omit", expected: "names declared in the model", found: "'\(name)'",
                                       hint: closestMatch(to: name, among: declared).map { "did you mean '\($0)'?" }))
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        calibration = Calibration(file: tf, model: model.name, dataFile: "", dataSHA256: "", covarianceType: "classical",
                                  equations: equations)
    }

    /// `target = expression` split at the first '='.
    static func splitIdentity(_ text: String, field: String) throws -> (String, CoopData.Expression) {
        guard let eq = text.firstIndex(of: "=") else {
            throw InputError(field: field, expected: "an identity 'name = expression'", found: "'\(text)'")
        }
        let lhs = text[..<eq].trimmingCharacters(in: .whitespaces)
        guard case .variable(let target) = try CoopData.Expression.parse(String(lhs), field: field) else {
            throw InputError(field: field, expected: "a variable name on the left of '='", found: "'\(lhs)'")
        }
        let rhs = try CoopData.Expression.parse(String(text[text.index(after: eq)...]), field: field)
        return (target, rhs)
    }
}

/// Values of the panel being synthesised at year index `t`, for all regions.
struct _PanelResolver: VariableResolver {
    var history: [String: [[Double]]]
    var t: Int
    var seed: UInt64
    var regionIDs: [UInt64]
    var year: Int
    var equation: String

    var rowCount: Int { regionIDs.count }

    func values(of name: String, lag: Int) throws -> [Double] {
        guard let h = history[name] else {
            throw InputError(field: "equation '\(equation)'", expected: "a declared variable, lever or assumption", found: "'\(name)'",
                             hint: closestMatch(to: name, among: Array(history.keys).sorted()).map { "did you mean '\($0)'?" })
        }
        return t - lag >= 0 ? h[t - lag] : [Double](repeating: .nan, count: regionIDs.count)
    }

    func standardNormals(occurrence: Int) throws -> [Double] {
        regionIDs.map { id in
            var s = RandomStream(key: StreamKey(seed: seed, region: id, path: 0, year: year,
                                                equation: StreamKey.hash(equation + ".normal" + String(occurrence))))
            return NormalSampler.standard(using: &s)
        }
    }
}

