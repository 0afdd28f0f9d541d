import CoopData
import CoopRandom

/// A model compiled once with its calibration, ready to simulate: every formula and identity
/// parsed, checked against the calibration, solved for its target variable, and turned into a
/// flat list of buffer instructions (see Guides/Engine.md).
///
///     let model = try ModelSpec.load(path: "Scenarios/model.toml")
///     let calibration = try Calibration.load(path: "Scenarios/calibration.toml")
///     let compiled = try CompiledModel(spec: model, calibration: calibration)
///     compiled.requirements   // what a scenario's [observed] must give, and why
///
/// Checks (each an `InputError` located in the model or calibration file, all listed together):
/// - every behavioural equation has a calibration with the same family and the same design
///   columns (patsy names, same order: `Intercept` first unless removed, then the terms as
///   written); otherwise run `coopsim calibrate` again;
/// - the target of a behavioural equation is the model variable read at lag 0 on the left of `~`
///   (the equation's name when several are); the left-hand side of a gaussian equation contains
///   it exactly once at lag 0 and can be solved for it through `+ - * / ^`, unary minus, `log`, `log1p`, `exp`,
///   `sqrt`, `logit`, `invlogit`, `dlog`, `diff`; poisson, negbin and binomial equations have
///   the bare variable on the left; an identity reads `x = expression`;
/// - each variable is computed by exactly one equation, and is read at lag 0 only after the
///   equation that computes it (equations run in file order each year);
/// - no categorical factor (`C(...)`) in a simulated formula; `normal()` only in identities;
/// - each coefficient covariance is positive semi-definite (see `SemidefiniteCholesky`).
public struct CompiledModel: Sendable {
    /// A compiled equation.
    public struct Equation: Sendable {
        public var name: String
        public var family: ModelSpec.Family?
        /// Index of the variable it computes (in `variableNames`).
        public var target: Int
        /// Stream identifier `StreamKey.hash(name)`.
        public var streamID: UInt64
        /// Calibrated coefficients (empty for identities).
        public var coefficients: [Double]
        /// Lower factor (row-major p x p) of the coefficient covariance.
        public var covarianceFactor: [Double]
        /// First coefficient buffer.
        var coefficientBase: Int
        /// Indices (in `exogenousNames`) of levers and assumptions that feed it, directly or
        /// through the variables it reads.
        public var feeding: [Int]
        public var line: Int
    }

    /// A variable that a scenario must give because the model reads it in the past.
    public struct Requirement: Sendable, Equatable {
        /// Variable name.
        public var name: String
        /// Deepest lag read (1 = the last observed year; k > 1 also needs history for k - 1 earlier years).
        public var lag: Int
        /// The equation that reads it first, and its line in the model file.
        public var equation: String
        public var line: Int
    }

    public let spec: ModelSpec
    public let calibration: Calibration
    /// State variables in model order (the metrics of the outputs).
    public let variableNames: [String]
    public let variableDomains: [NumericDomain]
    /// Levers, then assumptions, in declaration order.
    public let exogenousNames: [String]
    public let exogenousKinds: [ModelSpec.Kind]
    public let equations: [Equation]
    /// Variables read at lag >= 1: what `[observed]` (and `[history]` for deeper lags) must hold.
    public let requirements: [Requirement]

    // Buffer layout.
    let variableMaxLag: [Int]
    let variableBase: [Int]
    let exogenousMaxLag: [Int]
    let exogenousBase: [Int]
    let constants: [(buffer: Int, value: Double)]
    let bufferCount: Int
    let program: [_Instruction]
    let linearColumns: [[Int32]]
    let maxCoefficients: Int
    /// Per variable, what its store instruction checks (`domainChecks(program:constants:domains:noise:)`):
    /// with process noise, and with every count replaced by its mean.
    let domainChecks: [_DomainCheck]
    let domainChecksWithoutNoise: [_DomainCheck]
    /// Words of the path-year stream every path draws each year when outcomes are random: the sum
    /// of the drawing instructions' slots (Guides/Random.md, "The engine's path-year streams").
    public let slotWords: Int

    /// Words owned by one draw of each family: one each. A normal (an identity's `normal()` or a
    /// gaussian residual) takes exactly one uniform (inversion); a Poisson, binomial or NB2 draw
    /// takes one where it inverts (Poisson below mean 16, binomial below n·min(p, 1-p) = 20, NB2
    /// below mean 40 with αμ < 20: the model's usual case), and its first word otherwise. Draws
    /// beyond the slot (PTRS/BTRS's second word and rejected tries, NB2's gamma–Poisson mixture
    /// above its limit) continue from the equation's keyed stream.
    static let poissonSlots = 1
    static let binomialSlots = 1
    static let negativeBinomialSlots = 1

    /// Compiles `spec` with `calibration`; throws `InputErrors` listing every problem found.
    public init(spec: ModelSpec, calibration: Calibration) throws {
        var problems: [InputError] = []
        let variables = spec.variables
        let exogenous = spec.levers + spec.assumptions
        let varIndex = Dictionary(uniqueKeysWithValues: variables.enumerated().map { ($1.name, $0) })
        let exoIndex = Dictionary(uniqueKeysWithValues: exogenous.enumerated().map { ($1.name, $0) })

        // 1. Parse every equation.
        struct Parsed {
            var spec: ModelSpec.Equation
            var index: Int
            var lhs: Expression
            var rhs: Expression?          // identity
            var columns: [[Expression]]   // behavioural: factors of each design column
            var columnNames: [String]
            var trials: Expression?
            /// Behavioural: `offset(expr)` terms, added to the linear predictor with coefficient 1.
            var offsets: [Expression] = []
            var target: Int
            var field: String
        }
        var parsed: [Parsed] = []
        for (k, eq) in spec.equations.enumerated() {
            let field = "equations[\(k + 1)]." + (eq.isIdentity ? "identity" : "formula")
            func fail(_ expected: String, _ found: String, hint: String? = nil) {
                problems.append(InputError(file: spec.file, line: eq.line, field: field, expected: expected, found: found, hint: hint))
            }
            do {
                if eq.isIdentity {
                    guard let eqSign = eq.text.firstIndex(of: "=") else {
                        fail("an identity 'variable = expression'", "'\(eq.text)'"); continue
                    }
                    let left = eq.text[..<eqSign]._trimmed()
                    let right = String(eq.text[eq.text.index(after: eqSign)...])
                    guard let t = varIndex[left] else {
                        fail("a declared variable on the left of '='", "'\(left)'",
                             hint: closestMatch(to: left, among: variables.map(\.name)).map { "did you mean '\($0)'?" })
                        continue
                    }
                    let rhs = try Expression.parse(right, field: field)
                    parsed.append(Parsed(spec: eq, index: k, lhs: .variable(left), rhs: rhs, columns: [], columnNames: [],
                                         trials: nil, target: t, field: field))
                } else {
                    let formula = try Formula.parse(eq.text, field: field)
                    guard let lhs = formula.response else { fail("a response on the left of '~'", "none"); continue }
                    if !formula.offsets.isEmpty && eq.family == .gaussian {
                        fail("offset(...) only in a poisson, negbin or binomial equation", "'\(eq.text)' (family gaussian)",
                             hint: "for least squares subtract it from the response: I(y - o) ~ ...")
                        continue
                    }
                    if formula.offsets.contains(where: \.usesNormalDraws) {
                        fail("no normal() in a behavioural formula", "normal() in an offset of '\(eq.text)'")
                        continue
                    }
                    var columns: [[Expression]] = formula.hasIntercept ? [[]] : []
                    var names: [String] = formula.hasIntercept ? ["Intercept"] : []
                    var ok = true
                    for term in formula.terms {
                        var factors: [Expression] = []
                        for f in term.factors {
                            if case .categorical = f.kind {
                                fail("numeric terms only in a simulated equation", "the categorical factor '\(f.name)'",
                                     hint: "a scenario simulates one region; drop C(...) from the formula or recode it")
                                ok = false
                            }
                            if f.expression.usesNormalDraws {
                                fail("no normal() in a behavioural formula", "normal() in '\(f.name)'"); ok = false
                            }
                            factors.append(f.expression)
                        }
                        columns.append(factors)
                        names.append(term.name)
                    }
                    // The target: the variable read at lag 0 on the left.
                    let lag0 = lhs.variables.filter { $0.lag == 0 }.map(\.name)
                    let lhsVars = lag0.filter { varIndex[$0] != nil }
                    // The equation's own name when it is one of them, else the only one.
                    let targetName = lhsVars.contains(eq.name) ? eq.name : (lhsVars.count == 1 ? lhsVars[0] : nil)
                    guard let targetName, let t = varIndex[targetName] else {
                        fail("one model variable at lag 0 on the left of '~' (the variable the equation computes), or the equation's name among them",
                             lhsVars.isEmpty ? "none in '\(formula.responseName ?? "")'" : "\(lhsVars.joined(separator: ", "))")
                        continue
                    }
                    if eq.family != .gaussian, lhs != .variable(targetName) {
                        fail("the bare variable on the left of a \(eq.family!.rawValue) equation", "'\(formula.responseName ?? "")'")
                        continue
                    }
                    var trials: Expression?
                    if eq.family == .binomial, let tt = eq.trials {
                        trials = try Expression.parse(tt, field: "equations[\(k + 1)].trials")
                    }
                    if ok {
                        parsed.append(Parsed(spec: eq, index: k, lhs: lhs, rhs: nil, columns: columns, columnNames: names,
                                             trials: trials, offsets: formula.offsets, target: t, field: field))
                    }
                }
            } catch let e as InputError {
                var located = e
                located.file = spec.file
                located.line = eq.line
                problems.append(located)
            } catch {
                problems.append(InputError(file: spec.file, line: eq.line, field: field, expected: "a valid formula", found: "\(error)"))
            }
        }

        // 2. One equation per variable, computed before it is read at lag 0; lags.
        var computedBy = [Int?](repeating: nil, count: variables.count)
        var variableMaxLag = [Int](repeating: 0, count: variables.count)
        var exogenousMaxLag = [Int](repeating: 0, count: exogenous.count)
        var requirements: [Requirement] = []
        var feedsDirect = [Set<Int>](repeating: [], count: parsed.count)      // exogenous read
        var readsVariables = [Set<Int>](repeating: [], count: parsed.count)   // variables read (any lag)
        // Variables each equation reads in the current year (its own target on the left excepted), and
        // the first equation computing each variable: what a cycle is traced through.
        var firstComputer = [Int?](repeating: nil, count: variables.count)
        var currentReads = [[Int]](repeating: [], count: parsed.count)
        for (pi, p) in parsed.enumerated() {
            if firstComputer[p.target] == nil { firstComputer[p.target] = pi }
            let exprs = [p.lhs] + (p.rhs.map { [$0] } ?? []) + p.columns.flatMap { $0 } + (p.trials.map { [$0] } ?? [])
            for (ei, e) in exprs.enumerated() {
                for ref in e.variables where ref.lag == 0 {
                    if let v = varIndex[ref.name], !(ei == 0 && v == p.target), !currentReads[pi].contains(v) { currentReads[pi].append(v) }
                }
            }
        }
        /// The shortest chain target -> read -> ... -> target of current-year reads, if `read` leads back.
        func cycle(_ target: Int, _ read: Int) -> [Int]? {
            var previous: [Int: Int] = [read: target]
            var queue = [read], k = 0
            while k < queue.count {
                let v = queue[k]; k += 1
                if v == target {
                    var chain = [target], w = v
                    repeat { w = previous[w]!; chain.append(w) } while w != target
                    return chain.reversed()
                }
                guard let q = firstComputer[v] else { continue }
                for r in currentReads[q] where previous[r] == nil || r == target {
                    if previous[r] == nil { previous[r] = v }
                    if r == target { previous[r] = v; queue.append(r); break }
                    queue.append(r)
                }
            }
            return nil
        }
        for (pi, p) in parsed.enumerated() {
            if let other = computedBy[p.target] {
                problems.append(InputError(file: spec.file, line: p.spec.line, field: p.field,
                                           expected: "one equation per variable",
                                           found: "'\(variables[p.target].name)' is also computed by equation '\(parsed[other].spec.name)' on line \(parsed[other].spec.line)"))
            }
            var exprs: [Expression] = [p.lhs]
            if let r = p.rhs { exprs.append(r) }
            for c in p.columns { exprs += c }
            if let t = p.trials { exprs.append(t) }
            exprs += p.offsets
            for (ei, e) in exprs.enumerated() {
                for ref in e.variables {
                    if let v = varIndex[ref.name] {
                        readsVariables[pi].insert(v)
                        variableMaxLag[v] = max(variableMaxLag[v], ref.lag)
                        if ref.lag == 0 && !(ei == 0 && v == p.target) && (computedBy[v] == nil || v == p.target),
                           let chain = cycle(p.target, v) {
                            // No order of the equations computes these: each needs the next in the same year.
                            let names = chain.map { variables[$0].name }
                            let lagged = names.count == 2 ? "lag(\(ref.name)) on the right of '\(p.spec.name)'"
                                : "lag(\(ref.name)) in '\(p.spec.name)' (last year's value)"
                            problems.append(InputError(file: spec.file, line: p.spec.line, field: p.field,
                                expected: "variables read in the current year computed without a cycle",
                                found: "a cycle in the current year: " + names.joined(separator: " -> ")
                                    + (names.count == 2 ? " ('\(ref.name)' reads itself)" : " (each is computed from the next)"),
                                hint: "no order of the equations can compute \(names.count == 2 ? "it" : "these"): read \(lagged)"
                                    + (names.count == 2 ? "" : ", or compute one of them from levers, assumptions and lagged values only")))
                        } else if ref.lag == 0 && !(ei == 0 && v == p.target) && (computedBy[v] == nil || v == p.target) {
                            problems.append(InputError(file: spec.file, line: p.spec.line, field: p.field,
                                expected: "variables read in the current year to be computed by an earlier equation",
                                found: "'\(ref.name)' is read before any equation computes it",
                                hint: "move the equation that computes '\(ref.name)' above '\(p.spec.name)', or read lag(\(ref.name))"))
                        }
                        if ref.lag >= 1 {
                            if let k = requirements.firstIndex(where: { $0.name == ref.name }) {
                                requirements[k].lag = max(requirements[k].lag, ref.lag)
                            } else {
                                requirements.append(Requirement(name: ref.name, lag: ref.lag, equation: p.spec.name, line: p.spec.line))
                            }
                        }
                    } else if let x = exoIndex[ref.name] {
                        feedsDirect[pi].insert(x)
                        exogenousMaxLag[x] = max(exogenousMaxLag[x], ref.lag)
                    } else {
                        problems.append(InputError(file: spec.file, line: p.spec.line, field: p.field,
                            expected: "names declared under [variables], [levers] or [assumptions]", found: "'\(ref.name)'",
                            hint: closestMatch(to: ref.name, among: (variables + exogenous).map(\.name)).map { "did you mean '\($0)'?" }))
                    }
                }
            }
            computedBy[p.target] = pi
        }
        for (v, d) in variables.enumerated() where computedBy[v] == nil {
            problems.append(InputError(file: spec.file, line: d.line, field: "variables." + d.name,
                                       expected: "an equation that computes each variable",
                                       found: "no equation computes '\(d.name)'",
                                       hint: "add an identity, or declare it under [assumptions] if a scenario gives it"))
        }

        // 3. Calibration: same equations, families and design columns; covariance factors.
        var calibrated: [Int: (Calibration.Equation, [Double])] = [:]
        for (pi, p) in parsed.enumerated() where !p.spec.isIdentity {
            let rerun = "run `coopsim calibrate` again with this model"
            guard let c = calibration.equation(p.spec.name) else {
                problems.append(InputError(file: calibration.file, line: 1, field: "equations",
                                           expected: "a calibration for the model's equation '\(p.spec.name)'", found: "none", hint: rerun))
                continue
            }
            let field = "equations[\((calibration.equations.firstIndex { $0.name == c.name } ?? 0) + 1)]"
            if c.family != p.spec.family {
                problems.append(InputError(file: calibration.file, line: c.line, field: field + ".family",
                                           expected: "'\(p.spec.family!.rawValue)' as in \(spec.file) line \(p.spec.line)",
                                           found: "'\(c.family.rawValue)'", hint: rerun))
                continue
            }
            if c.terms != p.columnNames {
                problems.append(InputError(file: calibration.file, line: c.line, field: field + ".terms",
                                           expected: "the design columns of the model's formula: " + p.columnNames.joined(separator: ", "),
                                           found: c.terms.joined(separator: ", "), hint: rerun))
                continue
            }
            if p.spec.family == .gaussian && c.sigma == nil || p.spec.family == .negbin && c.alpha == nil {
                problems.append(InputError(file: calibration.file, line: c.line, field: field + (p.spec.family == .gaussian ? ".sigma" : ".alpha"),
                                           expected: "the fitted scale of the equation", found: "nothing", hint: rerun))
                continue
            }
            let n = c.terms.count
            var flat = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { flat[i * n + j] = c.covariance[i][j] } }
            switch SemidefiniteCholesky.factor(flat, dimension: n) {
            case .success(let l): calibrated[pi] = (c, l)
            case .failure(let f):
                problems.append(InputError(file: calibration.file, line: c.line, field: field + ".covariance",
                    expected: "a positive semi-definite covariance of the coefficients",
                    found: "a matrix that is not (pivot \(f.pivot) at term '\(c.terms[f.column])')",
                    hint: "run `coopsim calibrate` again; if the design is nearly collinear, drop a term from the formula"))
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }

        // 4. Buffer layout: state (per lag), exogenous (per lag), coefficients, then constants and temporaries.
        var cursor = 0
        var variableBase: [Int] = []
        for v in variables.indices { variableBase.append(cursor); cursor += variableMaxLag[v] + 1 }
        var exogenousBase: [Int] = []
        for x in exogenous.indices { exogenousBase.append(cursor); cursor += exogenousMaxLag[x] + 1 }
        var coefficientBase = [Int](repeating: 0, count: parsed.count)
        var maxCoefficients = 0
        for pi in parsed.indices { if let (c, _) = calibrated[pi] {
            coefficientBase[pi] = cursor; cursor += c.terms.count; maxCoefficients = max(maxCoefficients, c.terms.count)
        } }
        let fixed = cursor

        // 5. Code generation.
        var gen = _CodeGenerator(variableIndex: varIndex, exogenousIndex: exoIndex,
                                 variableBase: variableBase, exogenousBase: exogenousBase)
        var compiled: [Equation] = []
        // First instruction of each compiled equation (its draws get the equation's index below).
        var equationStarts: [Int] = []
        for (pi, p) in parsed.enumerated() {
            gen.beginEquation()
            let eqStart = gen.instructions.count
            let targetName = variables[p.target].name
            let result: Int
            do {
                if let rhs = p.rhs {
                    result = try gen.emit(rhs, lag: 0)
                } else {
                    let (c, _) = calibrated[pi]!
                    var cols: [Int32] = []
                    for factors in p.columns {
                        if factors.isEmpty { cols.append(Int32(gen.constant(1))); continue }
                        var acc = try gen.emit(factors[0], lag: 0)
                        for f in factors.dropFirst() {
                            let b = try gen.emit(f, lag: 0)
                            let t = gen.temp()
                            gen.emit(.multiply, d: t, a: acc, b: b)
                            acc = t
                        }
                        cols.append(Int32(acc))
                    }
                    var trialsBuffer = 0
                    if let t = p.trials { trialsBuffer = try gen.emit(t, lag: 0) }
                    let offsetBuffers = try p.offsets.map { try gen.emit($0, lag: 0) }
                    var eta = gen.temp()
                    gen.linearColumns.append(cols)
                    gen.emit(.linear, d: eta, a: gen.linearColumns.count - 1, b: coefficientBase[pi])
                    // offset(expr): eta + expr (coefficient 1), as the fit's linear predictor.
                    for o in offsetBuffers {
                        let sum = gen.temp()
                        gen.emit(.add, d: sum, a: eta, b: o)
                        eta = sum
                    }
                    let y = gen.temp()
                    switch p.spec.family! {
                    case .gaussian:
                        gen.emit(.gaussian, d: y, a: eta, x: c.sigma ?? 0)
                        result = try gen.invert(p.lhs, value: y, target: targetName, lag: 0, field: p.field,
                                                file: spec.file, line: p.spec.line)
                    case .poisson: gen.emit(.poisson, d: y, a: eta); result = y
                    case .negbin: gen.emit(.negbin, d: y, a: eta, x: c.alpha ?? 0); result = y
                    case .binomial: gen.emit(.binomial, d: y, a: eta, b: trialsBuffer); result = y
                    }
                }
            } catch let e as InputError {
                problems.append(e); continue
            }
            gen.emit(.store, d: variableBase[p.target], a: result, b: p.target)
            // Levers and assumptions feeding this equation, directly or through variables it reads.
            var feeding = feedsDirect[pi]
            var seen = Set<Int>([p.target])
            var stack = Array(readsVariables[pi])
            while let v = stack.popLast() {
                guard seen.insert(v).inserted, let q = computedBy[v] else { continue }
                feeding.formUnion(feedsDirect[q])
                stack += readsVariables[q]
            }
            let cal = calibrated[pi]
            equationStarts.append(eqStart)
            compiled.append(Equation(name: p.spec.name, family: p.spec.family, target: p.target,
                                     streamID: StreamKey.hash(p.spec.name),
                                     coefficients: cal?.0.coefficients ?? [], covarianceFactor: cal?.1 ?? [],
                                     coefficientBase: coefficientBase[pi], feeding: feeding.sorted(), line: p.spec.line))
        }
        if !problems.isEmpty { throw InputErrors(problems) }

        // 6. Resolve constant and temporary buffers after the fixed ones.
        let constantBase = fixed
        let tempBase = fixed + gen.constantValues.count
        func resolve(_ id: Int32) -> Int32 {
            if id >= 0 { return id }
            let k = Int(-id - 1)
            return Int32(k % 2 == 0 ? constantBase + k / 2 : tempBase + k / 2)
        }
        var program = gen.instructions
        for i in program.indices {
            switch program[i].code {
            case .linear: program[i].d = resolve(program[i].d)
            default:
                program[i].d = resolve(program[i].d); program[i].a = resolve(program[i].a); program[i].b = resolve(program[i].b)
            }
        }
        // Uniform instructions: arithmetic on levers, assumptions and constants only has the same
        // value on every path, so the evaluator computes it once per batch and broadcasts it.
        var uniform = Set<Int32>()
        for x in exogenous.indices { for l in 0...exogenousMaxLag[x] { uniform.insert(Int32(exogenousBase[x] + l)) } }
        for k in gen.constantValues.indices { uniform.insert(Int32(constantBase + k)) }
        for i in program.indices {
            let ins = program[i]
            switch ins.code {
            case .add, .subtract, .multiply, .divide, .power:
                program[i].uniform = uniform.contains(ins.a) && uniform.contains(ins.b)
            case .negate, .log, .log1p, .exp, .expm1, .sqrt, .squareNonNegative, .logit, .invlogit, .abs, .copy, .store:
                program[i].uniform = uniform.contains(ins.a)
            case .normal, .linear, .gaussian, .poisson, .negbin, .binomial: program[i].uniform = false
            }
            if program[i].uniform { uniform.insert(ins.d) } else { uniform.remove(ins.d) }
        }
        // Word slots of the path-year stream, in program order (equations in model order, an
        // identity's `normal()` calls in reading order): the same model always gives the same slots.
        var slotWords = 0
        var eq = -1
        for i in program.indices {
            while eq + 1 < equationStarts.count && equationStarts[eq + 1] <= i { eq += 1 }
            let words: Int
            switch program[i].code {
            case .normal, .gaussian: words = 1
            case .poisson: words = Self.poissonSlots
            case .binomial: words = Self.binomialSlots
            case .negbin: words = Self.negativeBinomialSlots
            default: continue
            }
            program[i].slot = Int32(slotWords)
            program[i].slots = Int32(words)
            program[i].equation = Int32(eq)
            slotWords += words
        }
        self.spec = spec
        self.calibration = calibration
        self.variableNames = variables.map(\.name)
        self.variableDomains = variables.map(\.domain)
        self.exogenousNames = exogenous.map(\.name)
        self.exogenousKinds = exogenous.map(\.kind)
        self.equations = compiled
        self.requirements = requirements
        self.variableMaxLag = variableMaxLag
        self.variableBase = variableBase
        self.exogenousMaxLag = exogenousMaxLag
        self.exogenousBase = exogenousBase
        self.constants = gen.constantValues.enumerated().map { (constantBase + $0.offset, $0.element) }
        self.bufferCount = tempBase + gen.maxTemps
        self.program = program
        self.linearColumns = gen.linearColumns.map { $0.map(resolve) }
        // Coefficient normals: equation j's from block 2^31 + j << 16 of the path's year-0 stream, above
        // every year's slot blocks (SimulationPlan.coefficientBlock, Evaluator).
        precondition(compiled.filter { !$0.coefficients.isEmpty }.count < 1 << 15 && maxCoefficients <= 1 << 17
                     && slotWords < 1 << 32,
                     "A model may have at most 32,767 calibrated equations of at most 131,072 terms each.")
        self.maxCoefficients = maxCoefficients
        self.slotWords = slotWords
        self.domainChecks = Self.domainChecks(program: program, constants: constants, domains: variableDomains, noise: true)
        self.domainChecksWithoutNoise = Self.domainChecks(program: program, constants: constants, domains: variableDomains,
                                                          noise: false)
    }
}

/// Emits buffer instructions for expressions. Constants and temporaries get provisional negative
/// ids (constant k: -(2k + 1), temporary k: -(2k + 2)) resolved once the fixed buffers are counted.
struct _CodeGenerator {
    let variableIndex: [String: Int]
    let exogenousIndex: [String: Int]
    let variableBase: [Int]
    let exogenousBase: [Int]
    var instructions: [_Instruction] = []
    var linearColumns: [[Int32]] = []
    var constantValues: [Double] = []
    var constantIDs: [Double: Int] = [:]
    var nextTemp = 0
    var maxTemps = 0

    init(variableIndex: [String: Int], exogenousIndex: [String: Int], variableBase: [Int], exogenousBase: [Int]) {
        self.variableIndex = variableIndex; self.exogenousIndex = exogenousIndex
        self.variableBase = variableBase; self.exogenousBase = exogenousBase
    }

    mutating func beginEquation() { nextTemp = 0 }

    mutating func temp() -> Int {
        let k = nextTemp
        nextTemp += 1
        maxTemps = max(maxTemps, nextTemp)
        return -(2 * k + 2)
    }

    mutating func constant(_ v: Double) -> Int {
        if let k = constantIDs[v] { return -(2 * k + 1) }
        constantValues.append(v)
        constantIDs[v] = constantValues.count - 1
        return -(2 * (constantValues.count - 1) + 1)
    }

    mutating func emit(_ code: _Instruction.Code, d: Int, a: Int = 0, b: Int = 0, x: Double = 0) {
        instructions.append(_Instruction(code, d: d, a: a, b: b, x: x))
    }

    mutating func unary(_ code: _Instruction.Code, _ a: Int) -> Int {
        let t = temp(); emit(code, d: t, a: a); return t
    }

    mutating func binary(_ code: _Instruction.Code, _ a: Int, _ b: Int) -> Int {
        let t = temp(); emit(code, d: t, a: a, b: b); return t
    }

    /// Emits `e` read `lag` years back; returns the buffer holding its value.
    mutating func emit(_ e: Expression, lag: Int) throws -> Int {
        switch e {
        case .number(let v): return constant(v)
        case .variable(let name):
            if let v = variableIndex[name] { return variableBase[v] + lag }
            if let x = exogenousIndex[name] { return exogenousBase[x] + lag }
            preconditionFailure("Unknown name '\(name)' reached code generation after the model was checked.")
        case .negate(let a): return unary(.negate, try emit(a, lag: lag))
        case .binary(let op, let a, let b):
            let x = try emit(a, lag: lag), y = try emit(b, lag: lag)
            switch op {
            case .add: return binary(.add, x, y)
            case .subtract: return binary(.subtract, x, y)
            case .multiply: return binary(.multiply, x, y)
            case .divide: return binary(.divide, x, y)
            case .power: return binary(.power, x, y)
            }
        case .call(let f, let args):
            switch f {
            case .log: return unary(.log, try emit(args[0], lag: lag))
            case .log1p: return unary(.log1p, try emit(args[0], lag: lag))
            case .exp: return unary(.exp, try emit(args[0], lag: lag))
            case .sqrt: return unary(.sqrt, try emit(args[0], lag: lag))
            case .logit: return unary(.logit, try emit(args[0], lag: lag))
            case .invlogit: return unary(.invlogit, try emit(args[0], lag: lag))
            case .abs: return unary(.abs, try emit(args[0], lag: lag))
            case .lag: return try emit(args[0], lag: lag + args.lagCountValue)
            case .diff: return binary(.subtract, try emit(args[0], lag: lag), try emit(args[0], lag: lag + 1))
            case .dlog:
                let now = unary(.log, try emit(args[0], lag: lag))
                let before = unary(.log, try emit(args[0], lag: lag + 1))
                return binary(.subtract, now, before)
            case .normal:
                let m = try emit(args[0], lag: lag), s = try emit(args[1], lag: lag)
                return binary(.normal, m, s)
            }
        }
    }

    /// Occurrences of `target` read at lag 0 in `e` read `lag` years back.
    static func occurrences(of target: String, in e: Expression, lag: Int) -> Int {
        switch e {
        case .number: return 0
        case .variable(let n): return n == target && lag == 0 ? 1 : 0
        case .negate(let a): return occurrences(of: target, in: a, lag: lag)
        case .binary(_, let a, let b): return occurrences(of: target, in: a, lag: lag) + occurrences(of: target, in: b, lag: lag)
        case .call(let f, let args):
            switch f {
            case .lag: return occurrences(of: target, in: args[0], lag: lag + args.lagCountValue)
            case .diff, .dlog: return occurrences(of: target, in: args[0], lag: lag) + occurrences(of: target, in: args[0], lag: lag + 1)
            default: return args.reduce(0) { $0 + occurrences(of: target, in: $1, lag: lag) }
            }
        }
    }

    /// Emits the solution for `target` of `e = value` (buffer); returns the buffer holding it.
    ///
    /// Walks from the root to the single occurrence of `target` at lag 0, applying the inverse
    /// of each operation: x + a = v -> x = v - a; a - x = v -> x = a - v; x * a -> v / a;
    /// a / x -> a / v; x ^ a -> v ^ (1/a); a ^ x -> log(v) / log(a); log -> exp; log1p -> expm1;
    /// exp -> log; sqrt -> v² (NaN for v < 0); logit <-> invlogit; dlog(e) = v -> e = lag(e)·exp(v);
    /// diff(e) = v -> e = lag(e) + v.
    mutating func invert(_ e: Expression, value v: Int, target: String, lag: Int, field: String,
                         file: String, line: Int) throws -> Int {
        func reject(_ what: String) -> InputError {
            InputError(file: file, line: line, field: field,
                       expected: "a left-hand side that can be solved for '\(target)' (built from + - * / ^, log, log1p, exp, sqrt, logit, invlogit, dlog, diff, with '\(target)' once at lag 0)",
                       found: what)
        }
        let count = Self.occurrences(of: target, in: e, lag: lag)
        guard count == 1 else {
            throw reject(count == 0 ? "'\(e)' without '\(target)' in the current year" : "'\(target)' \(count) times in '\(e)'")
        }
        switch e {
        case .number: throw reject("a number")
        case .variable: return v
        case .negate(let a):
            return try invert(a, value: unary(.negate, v), target: target, lag: lag, field: field, file: file, line: line)
        case .binary(let op, let a, let b):
            let inLeft = Self.occurrences(of: target, in: a, lag: lag) == 1
            let other = try emit(inLeft ? b : a, lag: lag)
            let next: Int
            switch (op, inLeft) {
            case (.add, _): next = binary(.subtract, v, other)
            case (.subtract, true): next = binary(.add, v, other)
            case (.subtract, false): next = binary(.subtract, other, v)
            case (.multiply, _): next = binary(.divide, v, other)
            case (.divide, true): next = binary(.multiply, v, other)
            case (.divide, false): next = binary(.divide, other, v)
            case (.power, true): next = binary(.power, v, binary(.divide, constant(1), other))
            case (.power, false): next = binary(.divide, unary(.log, v), unary(.log, other))
            }
            return try invert(inLeft ? a : b, value: next, target: target, lag: lag, field: field, file: file, line: line)
        case .call(let f, let args):
            let next: Int
            switch f {
            case .log: next = unary(.exp, v)
            case .log1p: next = unary(.expm1, v)
            case .exp: next = unary(.log, v)
            case .sqrt: next = unary(.squareNonNegative, v)
            case .logit: next = unary(.invlogit, v)
            case .invlogit: next = unary(.logit, v)
            case .dlog: next = binary(.multiply, try emit(args[0], lag: lag + 1), unary(.exp, v))
            case .diff: next = binary(.add, try emit(args[0], lag: lag + 1), v)
            case .abs: throw reject("abs(), which has two solutions")
            case .normal: throw reject("normal() on the left")
            case .lag: throw reject("lag() around the current year's value")
            }
            return try invert(args[0], value: next, target: target, lag: lag, field: field, file: file, line: line)
        }
    }
}

extension Array where Element == Expression {
    /// The k of `lag(x, k)` (1 when absent).
    var lagCountValue: Int {
        if count < 2 { return 1 }
        if case .number(let k) = self[1] { return Int(k) }
        preconditionFailure("lag() takes a whole number of years as its second argument.")
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    func _trimmed() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
