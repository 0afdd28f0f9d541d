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
/// 1. Year `A` holds the initial state: each variable with an `[initial]` rule
///    in the truth file is drawn per region (rounded for `count` variables);
///    identities that read no lag are evaluated (e.g. `workers`, `gdp_share`);
///    behavioural outcomes are missing (empty cells).
/// 2. Every year, each lever and assumption is drawn from its `[paths]` rule.
/// 3. Years `A+1...B`: the model's equations are evaluated in file order, for
///    all regions at once (column-wise `Expression` evaluation). A behavioural
///    equation draws its outcome from its family with the true coefficients,
///    `eta = X beta`: gaussian `response = eta + sigma z` then solved for the
///    equation's variable (the left-hand side is inverted: `dlog(x) = r` gives
///    `x = lag(x) exp(r)`, `logit(x) - c = r` gives `x = invlogit(r + c)`, and
///    so on); Poisson with mean `exp(eta)`; NB2 with mean `exp(eta)` and the
///    true alpha; binomial with `trials` (evaluated) and `p = invlogit(eta)`.
///    An identity is evaluated; its `normal(m, s)` draws are process noise.
///    There is no parameter uncertainty: the coefficients are the truth.
///
/// Randomness: every draw comes from a `RandomStream` keyed by (seed, region,
/// path 0, year, name), with name the lever, assumption or equation
/// (`initial.NAME` for first-year states, `EQUATION.normalK` for the K-th
/// `normal()` of an identity), so the panel depends on the seed only, and a
/// region's history does not change when regions are added.
///
/// Edge cases: a value that is not finite (a log of zero, a variable leaving
/// its domain) is an input error naming the equation, region and year, since
/// it comes from the truth file's ranges. Lags deeper than one year are not
/// supported (the panel has one initial year).
public enum Synthesizer {
    /// The synthetic panel as a table: columns `region` (text), `year`, then the
    /// model's variables, levers and assumptions in declaration order, less the
    /// truth's `omit` list; rows by region, then year.
    ///
    /// - Precondition: `regions >= 1` and at least two years.
    /// - Throws: `InputErrors` when the truth does not fit the model (a missing
    ///   or unknown coefficient, scale, initial rule or path rule), located in
    ///   the truth file; `InputError` for a non-finite simulated value.
    public static func panel(model: ModelSpec, truth: SyntheticTruth, regions: Int, years: ClosedRange<Int>,
                             seed: UInt64) throws -> DataTable {
        precondition(regions >= 1, "A synthetic panel needs at least one region, got \(regions).")
        precondition(years.count >= 2, "A synthetic panel needs at least two years (one initial), got \(years.count).")
        let plan = try _SynthesisPlan(model: model, truth: truth)
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
                            // Reflect into [lo, hi] (a step never exceeds the width more than once when step <= hi - lo).
                            if x < lo { x = lo + (lo - x) }
                            if x > hi { x = hi - (x - hi) }
                            v = min(max(x, lo), hi)
                        }
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
                }
                if isCount { v = v.rounded() }
                history[name]![0][r] = v
            }
        }
        // First-year identities without lags.
        for eq in plan.equations {
            guard case .identity(let target, let expr) = eq.kind, !plan.initialNames.contains(target),
                  expr.maximumLag == 0 else { continue }
            let resolver = _PanelResolver(history: history, t: 0, seed: seed, regionIDs: regionIDs, year: yearList[0], equation: eq.name)
            history[target]![0] = try expr.evaluate(resolver)
        }
        // Years after the first.
        for t in 1..<T {
            for eq in plan.equations {
                let resolver = _PanelResolver(history: history, t: t, seed: seed, regionIDs: regionIDs, year: yearList[t], equation: eq.name)
                let values: [Double]
                switch eq.kind {
                case .identity(_, let expr):
                    values = try expr.evaluate(resolver)
                case .behavioural(let family, let response, let terms, let coefficients, let scale, let trials):
                    var eta = [Double](repeating: 0, count: regions)
                    for (k, term) in terms.enumerated() {
                        var x = [Double](repeating: 1, count: regions)
                        for f in term { let v = try f.evaluate(resolver); for r in 0..<regions { x[r] *= v[r] } }
                        for r in 0..<regions { eta[r] += coefficients[k] * x[r] }
                    }
                    let m = try trials?.evaluate(resolver)
                    var draws = [Double](repeating: .nan, count: regions)
                    for r in 0..<regions {
                        var s = RandomStream(key: StreamKey(seed: seed, region: regionIDs[r], path: 0, year: yearList[t],
                                                            equation: StreamKey.hash(eq.name)))
                        guard eta[r].isFinite else { continue }
                        switch family {
                        case .gaussian:
                            draws[r] = eta[r] + scale * NormalSampler.standard(using: &s)
                        case .poisson:
                            draws[r] = Double(PoissonSampler(mean: exp(eta[r])).next(using: &s))
                        case .negbin:
                            draws[r] = Double(NegativeBinomial2Sampler(mean: exp(eta[r]), alpha: scale).next(using: &s))
                        case .binomial:
                            let n = m![r]
                            guard n.isFinite, n >= 0, n == n.rounded() else { continue }
                            draws[r] = Double(BinomialSampler(trials: Int(n), probability: invlogit(eta[r])).next(using: &s))
                        }
                    }
                    values = try _ResponseSolver.solve(response, for: eq.target, equals: draws, resolver: resolver)
                }
                for r in 0..<regions where !values[r].isFinite {
                    throw InputError(file: truth.file, field: "equations." + eq.name,
                                     expected: "finite values in the synthetic panel",
                                     found: "\(values[r]) for '\(eq.target)' in region \(regionNames[r]), year \(yearList[t])",
                                     hint: "check the truth's coefficients and the ranges of [initial] and [paths]")
                }
                history[eq.target]![t] = values
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

    static func invlogit(_ x: Double) -> Double { x < 0 ? exp(x) / (1 + exp(x)) : 1 / (1 + exp(-x)) }
}

/// The model and truth checked against each other and compiled for `Synthesizer`.
struct _SynthesisPlan {
    enum Kind {
        case identity(target: String, CoopData.Expression)
        /// Terms as lists of factor expressions (empty = intercept), with their true coefficients;
        /// `scale` is sigma (gaussian), alpha (negbin) or unused.
        case behavioural(ModelSpec.Family, response: CoopData.Expression, terms: [[CoopData.Expression]], coefficients: [Double],
                         scale: Double, trials: CoopData.Expression?)
    }
    struct Step { var name: String; var target: String; var kind: Kind }

    var equations: [Step] = []
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
        var lagged: [(String, String)] = []   // (variable, equation) read at a lag
        for eq in model.equations {
            let field = "equation '\(eq.name)'"
            do {
                if eq.isIdentity {
                    let (target, expr) = try Self.splitIdentity(eq.text, field: field)
                    if expr.maximumLag > 1 {
                        throw InputError(file: model.file, line: eq.line, field: field, expected: "lags of at most one year for synth", found: "lag \(expr.maximumLag)")
                    }
                    for v in expr.variables where v.lag > 0 { lagged.append((v.name, eq.name)) }
                    equations.append(Step(name: eq.name, target: target, kind: .identity(target: target, expr)))
                    continue
                }
                let formula = try Formula.parse(eq.text, field: field)
                guard let response = formula.response else {
                    throw InputError(file: model.file, line: eq.line, field: field, expected: "a response on the left of '~'", found: "none")
                }
                let target = eq.name
                guard response.variables.contains(.init(name: target, lag: 0)) else {
                    throw InputError(file: model.file, line: eq.line, field: field,
                                     expected: "a response that reads the equation's variable '\(target)'", found: formula.responseName ?? "")
                }
                let trials = try eq.trials.map { try CoopData.Expression.parse($0, field: field + ".trials") }
                var maxLag = formula.variables.map(\.lag).max() ?? 0
                maxLag = max(maxLag, trials?.maximumLag ?? 0)
                if maxLag > 1 {
                    throw InputError(file: model.file, line: eq.line, field: field, expected: "lags of at most one year for synth", found: "lag \(maxLag)")
                }
                for v in formula.variables where v.lag > 0 { lagged.append((v.name, eq.name)) }
                for v in trials?.variables ?? [] where v.lag > 0 { lagged.append((v.name, eq.name)) }
                var names: [String] = []
                var terms: [[CoopData.Expression]] = []
                if formula.hasIntercept { names.append("Intercept"); terms.append([]) }
                for t in formula.terms {
                    for f in t.factors {
                        if case .categorical = f.kind {
                            throw InputError(file: model.file, line: eq.line, field: field,
                                             expected: "numeric terms only in a synthesised equation", found: "the categorical factor '\(f.name)'")
                        }
                    }
                    names.append(t.name)
                    terms.append(t.factors.map(\.expression))
                }
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
                var scale = 0.0
                switch family {
                case .gaussian:
                    if let s = te.sigma { scale = s } else {
                        problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).sigma",
                                                   expected: "the residual standard deviation of a gaussian equation", found: "nothing"))
                    }
                case .negbin:
                    if let a = te.alpha { scale = a } else {
                        problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name).alpha",
                                                   expected: "the NB2 dispersion alpha of a negbin equation", found: "nothing"))
                    }
                case .poisson, .binomial:
                    if te.sigma != nil || te.alpha != nil {
                        problems.append(InputError(file: tf, line: te.line, field: "equations.\(eq.name)",
                                                   expected: "no sigma or alpha for a \(family.rawValue) equation", found: te.sigma != nil ? "sigma" : "alpha"))
                    }
                }
                if family != .gaussian {
                    guard case .variable(target) = response else {
                        throw InputError(file: model.file, line: eq.line, field: field,
                                         expected: "a plain count on the left of a \(family.rawValue) equation", found: formula.responseName ?? "")
                    }
                }
                guard coefficients.count == names.count else { continue }
                equations.append(Step(name: eq.name, target: target,
                                      kind: .behavioural(family, response: response, terms: terms, coefficients: coefficients,
                                                         scale: scale, trials: trials)))
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
        var reported = Set<String>()
        for (name, eqName) in lagged where !initialNames.contains(name) && reported.insert(name).inserted {
            let isVariable = variables.contains(name)
            if isVariable {
                problems.append(InputError(file: tf, field: "initial." + name,
                                           expected: "an initial range for '\(name)' (read at a lag by equation '\(eqName)')", found: "nothing"))
            } else if model.declaration(name) == nil {
                problems.append(InputError(file: model.file, field: "equation '\(eqName)'", expected: "a declared name", found: "'\(name)'"))
            }
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

/// Solves a response expression for the variable it reads at lag 0.
enum _ResponseSolver {
    /// The values of `target` (at lag 0) that make `response` equal `r`, row by row; every other
    /// variable and every lag is read from `resolver`. `target` must appear exactly once at lag 0.
    ///
    /// Inversions: `log`, `exp`, `log1p`, `sqrt`, `logit`, `invlogit`, `dlog(x) = r` → `x = lag(x) exp(r)`,
    /// `diff(x) = r` → `x = lag(x) + r`, unary minus, and `+ - * / ^` with the other operand known.
    static func solve(_ response: CoopData.Expression, for target: String, equals r: [Double], resolver: some VariableResolver) throws -> [Double] {
        func has(_ e: CoopData.Expression) -> Bool { e.variables.contains(.init(name: target, lag: 0)) }
        func unsupported(_ what: String) -> InputError {
            InputError(field: "response", expected: "a left-hand side that can be solved for '\(target)'", found: what)
        }
        switch response {
        case .variable(let name) where name == target:
            return r
        case .negate(let a):
            return try solve(a, for: target, equals: r.map { -$0 }, resolver: resolver)
        case .call(let f, let args) where args.count == 1:
            let a = args[0]
            switch f {
            case .log: return try solve(a, for: target, equals: r.map { exp($0) }, resolver: resolver)
            case .exp: return try solve(a, for: target, equals: r.map { log($0) }, resolver: resolver)
            case .log1p: return try solve(a, for: target, equals: r.map { expm1($0) }, resolver: resolver)
            case .sqrt: return try solve(a, for: target, equals: r.map { $0 >= 0 ? $0 * $0 : .nan }, resolver: resolver)
            case .logit: return try solve(a, for: target, equals: r.map(Synthesizer.invlogit), resolver: resolver)
            case .invlogit: return try solve(a, for: target, equals: r.map { log($0 / (1 - $0)) }, resolver: resolver)
            case .dlog:
                let previous = try CoopData.Expression.call(.lag, [a]).evaluate(resolver)
                return try solve(a, for: target, equals: zip(r, previous).map { exp($0 + log($1)) }, resolver: resolver)
            case .diff:
                let previous = try CoopData.Expression.call(.lag, [a]).evaluate(resolver)
                return try solve(a, for: target, equals: zip(r, previous).map { $0 + $1 }, resolver: resolver)
            default:
                throw unsupported("\(f.rawValue)() around it")
            }
        case .binary(let op, let a, let b):
            switch (has(a), has(b)) {
            case (true, false):
                let k = try b.evaluate(resolver)
                let v: [Double]
                switch op {
                case .add: v = zip(r, k).map { $0 - $1 }
                case .subtract: v = zip(r, k).map { $0 + $1 }
                case .multiply: v = zip(r, k).map { $0 / $1 }
                case .divide: v = zip(r, k).map { $0 * $1 }
                case .power: v = zip(r, k).map { pow($0, 1 / $1) }
                }
                return try solve(a, for: target, equals: v, resolver: resolver)
            case (false, true):
                let k = try a.evaluate(resolver)
                let v: [Double]
                switch op {
                case .add: v = zip(r, k).map { $0 - $1 }
                case .subtract: v = zip(r, k).map { $1 - $0 }
                case .multiply: v = zip(r, k).map { $0 / $1 }
                case .divide: v = zip(r, k).map { $1 / $0 }
                case .power: v = zip(r, k).map { log($0) / log($1) }
                }
                return try solve(b, for: target, equals: v, resolver: resolver)
            case (true, true):
                throw unsupported("'\(target)' on both sides of '\(op.rawValue)'")
            case (false, false):
                throw unsupported("no '\(target)' in '\(response)'")
            }
        default:
            throw unsupported("'\(response)'")
        }
    }
}
