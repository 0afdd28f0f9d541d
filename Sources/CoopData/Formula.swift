#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regression formula in R / patsy notation: `response ~ terms`.
///
/// `Formula.parse("y ~ log(x) + C(region) + x:z - 1")` gives the response
/// expression, the intercept flag and the terms in patsy's model order (terms
/// as written, duplicates removed, first occurrence kept). `DesignMatrix`
/// then orders the columns exactly as patsy does (see Guides/Formulas.md).
///
/// Operators on terms (loosest first): `~`; `+`, `-` (remove terms; `- 1`,
/// `+ 0`, `0 +`, `-1 +` remove the intercept, `+ 1` restores it); `*` (`a*b` =
/// `a + b + a:b`), `/` (`a/b` = `a + a:b`); `:` (interaction); `**` with a
/// whole number (`(a + b)**2` = `a + b + a:b`); parentheses group terms.
public struct Formula: Sendable, Hashable, CustomStringConvertible {
    /// The text the formula was parsed from.
    public let text: String
    /// The left-hand side, if any (`I(...)` is unwrapped).
    public let response: Expression?
    /// The left-hand side as written, with patsy spacing (e.g. `dlog(workers_per_coop)`).
    public let responseName: String?
    /// True unless the intercept was removed.
    public let hasIntercept: Bool
    /// The terms other than the intercept, in order of first appearance.
    public let terms: [Term]
    /// `offset(e)` terms (R, patsy): added to the linear predictor with coefficient 1, e.g.
    /// `offset(log(members))` for counts per member. Not columns of the design.
    public let offsets: [Expression]

    public var description: String { text }

    /// Every variable read by the response and the terms, in order of first use.
    public var variables: [Expression.VariableReference] {
        var seen = Set<Expression.VariableReference>()
        var out: [Expression.VariableReference] = []
        var exprs: [Expression] = response.map { [$0] } ?? []
        for t in terms { for f in t.factors { exprs.append(f.expression) } }
        exprs += offsets
        for e in exprs { for v in e.variables where seen.insert(v).inserted { out.append(v) } }
        return out
    }

    /// Parses a formula; errors name the column:
    /// `formula: expected a term after '+', got end of input at column 12`.
    public static func parse(_ text: String, field: String = "formula") throws -> Formula {
        var p = try _FormulaParser(text, field: field)
        guard p.tokens.contains(where: { $0.kind == .op && $0.text == "~" }) else {
            throw InputError(field: field, expected: "'~' between the response and the terms", found: "'\(text)'")
        }
        var response: Expression?
        var responseName: String?
        if !p.isOp("~") {
            let start = p.index
            let e = try p.parseArithmetic()
            try e.validateNesting(field: field)
            if e.usesNormalDraws {
                throw InputError(field: field, expected: "a response without normal()", found: "normal() on the left of '~'")
            }
            response = e
            responseName = _prettyText(p.tokens[start..<p.index])
        }
        try p.expectOp("~", "'~' after the response")
        guard p.current.kind != .end else { throw p.error(expected: "terms after '~'") }
        let rhs = try p.parseTermSum()
        try p.expectEnd()
        var unique: [Term] = []
        var offsets: [Expression] = []
        var seen = Set<Term>()
        for t in rhs.terms where seen.insert(t).inserted {
            if let o = t.factors.first(where: { $0.kind == .offset }) {
                guard t.factors.count == 1 else {
                    throw InputError(field: field, expected: "offset(...) as a term of its own", found: "'\(t.name)'",
                                     hint: "an offset enters the linear predictor with coefficient 1; it cannot interact")
                }
                offsets.append(o.expression)
                continue
            }
            unique.append(t)
        }
        return Formula(text: text, response: response, responseName: responseName,
                       hasIntercept: !rhs.interceptRemoved, terms: unique, offsets: offsets)
    }
}

/// A product of factors (`a:b`); the empty product is the intercept.
/// Two terms are equal when they have the same set of factors, whatever the order.
public struct Term: Sendable, Hashable, CustomStringConvertible {
    /// The factors, in the order written (which sets the column names' order).
    public let factors: [Factor]

    public init(factors: [Factor]) {
        var unique: [Factor] = []
        for f in factors where !unique.contains(f) { unique.append(f) }
        self.factors = unique
    }

    /// patsy's term name: the factor names joined by `:`, or `Intercept`.
    public var name: String { factors.isEmpty ? "Intercept" : factors.map(\.name).joined(separator: ":") }
    public var description: String { name }

    public static func == (a: Term, b: Term) -> Bool { Set(a.factors) == Set(b.factors) }
    public func hash(into h: inout Hasher) { h.combine(Set(factors)) }
}

/// One factor of a term: a numeric expression or a categorical variable.
/// Factors are identified by their name (the user's text with patsy spacing),
/// as patsy identifies them by their code.
public struct Factor: Sendable, Hashable, CustomStringConvertible {
    /// How the factor enters the design.
    public enum Kind: Sendable, Hashable {
        /// A numeric expression; a bare name of a text column becomes categorical when the design is built.
        case expression
        /// `C(e)` or `C(e, Treatment(reference=...))`: treatment-coded categorical.
        case categorical(reference: Level?)
        /// `offset(e)`: added to the linear predictor (taken out of the terms by `Formula.parse`).
        case offset
    }

    /// The factor's name, e.g. `log(x)`, `I(x ** 2)`, `C(region)`.
    public let name: String
    /// The expression evaluated (the argument of `C()` or `I()` for those).
    public let expression: Expression
    public let kind: Kind

    public init(name: String, expression: Expression, kind: Kind) {
        self.name = name
        self.expression = expression
        self.kind = kind
    }

    public var description: String { name }
    public static func == (a: Factor, b: Factor) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
}

/// A level of a categorical variable: text, or a number (for `C()` of a numeric column).
public enum Level: Sendable, Hashable, Comparable, CustomStringConvertible {
    case text(String)
    case number(Double)

    /// The level as patsy prints it: text as is, whole numbers without a
    /// decimal point (`2`, as pandas' integer columns), others in shortest
    /// round-trip form.
    public var description: String {
        switch self {
        case .text(let s): return s
        case .number(let v):
            if v == v.rounded(.towardZero) && Swift.abs(v) < 1e15 { return String(Int64(v)) }
            return "\(v)"
        }
    }

    /// Numbers before text; text by Unicode scalar values (Python's order).
    public static func < (a: Level, b: Level) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.number, .text): return true
        case (.text, .number): return false
        case (.text(let x), .text(let y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
        }
    }
}

/// patsy's IntermediateExpr: the terms of a sub-formula plus intercept flags.
struct _TermExpr {
    var intercept = false
    var interceptRemoved = false
    var terms: [Term] = []
    /// 0 or 1 when the sub-formula is that bare number; -1 for `-1`.
    var literal: Int?
}

extension _FormulaParser {
    /// An operand of `+`/`-`, with patsy's unary signs: `-1` and `-0` are
    /// the only terms a minus sign may precede.
    mutating func parseTermSigned(after previous: String?) throws -> _TermExpr {
        guard isOp("-") || isOp("+") else { return try parseTermProduct(after: previous) }
        let op = current
        try enter(op)
        defer { nesting -= 1 }
        index += 1
        let operand = try parseTermSigned(after: op.text)
        if op.text == "+" { return operand }
        guard let lit = operand.literal else {
            throw InputError(column: op.column, field: field, expected: "0 or 1 after a leading '-'",
                             found: "a term at column \(op.column + 1)")
        }
        return lit == 0 ? _TermExpr(intercept: true) : _TermExpr(interceptRemoved: true, literal: -1)
    }

    mutating func parseTermSum() throws -> _TermExpr {
        var left = try parseTermSigned(after: nil)
        while isOp("+") || isOp("-") {
            let op = current.text
            index += 1
            let right = try parseTermSigned(after: op)
            if op == "+" {
                if right.literal == 0 || right.literal == -1 {
                    left = _TermExpr(intercept: false, interceptRemoved: true, terms: left.terms)
                } else if right.intercept {
                    left.intercept = true
                    left.interceptRemoved = false
                    left.literal = nil
                    try appendTerms(right.terms, to: &left.terms, at: current)
                } else {
                    left.literal = nil
                    try appendTerms(right.terms, to: &left.terms, at: current)
                }
            } else {
                if right.literal == 0 {
                    left = _TermExpr(intercept: true, interceptRemoved: false, terms: left.terms)
                } else if right.literal == 1 {
                    left = _TermExpr(intercept: false, interceptRemoved: true, terms: left.terms)
                } else {
                    let removed = Set(right.terms)
                    let kept = left.terms.filter { !removed.contains($0) }
                    left = right.intercept
                        ? _TermExpr(intercept: false, interceptRemoved: true, terms: kept)
                        : _TermExpr(intercept: left.intercept, interceptRemoved: left.interceptRemoved, terms: kept)
                }
            }
        }
        return left
    }

    mutating func parseTermProduct(after previous: String?) throws -> _TermExpr {
        var left = try parseTermInteraction(after: previous)
        while isOp("*") || isOp("/") {
            let op = current
            index += 1
            let right = try parseTermInteraction(after: op.text)
            try checkInteractable(left, right, op)
            if op.text == "*" {
                var terms = left.terms
                try appendTerms(right.terms, to: &terms, at: op)
                try appendTerms(try interact(left.terms, right.terms, at: op), to: &terms, at: op)
                left = _TermExpr(terms: terms)
            } else {
                let all = Term(factors: left.terms.flatMap(\.factors))
                var terms = left.terms
                try appendTerms(try interact([all], right.terms, at: op), to: &terms, at: op)
                left = _TermExpr(terms: terms)
            }
        }
        return left
    }

    mutating func parseTermInteraction(after previous: String?) throws -> _TermExpr {
        var left = try parseTermPower(after: previous)
        while isOp(":") {
            let op = current
            index += 1
            let right = try parseTermPower(after: ":")
            try checkInteractable(left, right, op)
            left = _TermExpr(terms: try interact(left.terms, right.terms, at: op))
        }
        return left
    }

    mutating func parseTermPower(after previous: String?) throws -> _TermExpr {
        let base = try parseTermAtom(after: previous)
        guard isOp("**") || isOp("^") else { return base }
        let op = current
        index += 1
        guard current.kind == .number, current.value >= 1, current.value == current.value.rounded(.towardZero) else {
            throw error(expected: "a whole number of at least 1 after '\(op.text)'")
        }
        // Beyond the number of distinct factors a power adds no new term.
        let n = Int(Swift.min(current.value, Double(Swift.max(1, Set(base.terms.flatMap(\.factors)).count))))
        index += 1
        if base.intercept || base.literal != nil {
            throw InputError(column: op.column, field: field, expected: "terms before '\(op.text)'",
                             found: "the intercept at column \(op.column)")
        }
        var all = base.terms
        var big = base.terms
        if n > 1 {
            for _ in 1..<n {
                big = try interact(big, base.terms, at: op)
                try appendTerms(big, to: &all, at: op)
            }
        }
        return _TermExpr(terms: all)
    }

    func checkInteractable(_ a: _TermExpr, _ b: _TermExpr, _ op: _Token) throws {
        if a.intercept || b.intercept || a.literal != nil || b.literal != nil {
            throw InputError(column: op.column, field: field, expected: "terms on both sides of '\(op.text)'",
                             found: "the intercept (0 or 1) at column \(op.column)",
                             hint: "the intercept cannot interact with anything else")
        }
    }

    /// The most terms a formula may expand to (`a*b*c*...` doubles the count with each factor):
    /// beyond it the formula is an input error, not an endless expansion.
    static let maximumTerms = 10_000

    /// The error for a formula that expands past `maximumTerms` at `token`.
    func tooManyTerms(at token: _Token) -> InputError {
        InputError(column: token.column, field: field, expected: "a formula of at most \(Self.maximumTerms) terms",
                   found: "more at '\(token.text)' (column \(token.column))",
                   hint: "each '*' doubles the terms: use fewer factors, or ':' for a single interaction")
    }

    /// Appends `extra` to `terms`, bounded by `maximumTerms` (duplicates are removed later, in order).
    func appendTerms(_ extra: [Term], to terms: inout [Term], at token: _Token) throws {
        if terms.count + extra.count > Self.maximumTerms { throw tooManyTerms(at: token) }
        terms.append(contentsOf: extra)
    }

    /// Every product of a term of `a` with a term of `b`, without duplicates, in order.
    func interact(_ a: [Term], _ b: [Term], at token: _Token) throws -> [Term] {
        if a.count * b.count > Self.maximumTerms { throw tooManyTerms(at: token) }
        var out: [Term] = []
        var seen = Set<Term>()
        for l in a {
            for r in b {
                let t = Term(factors: l.factors + r.factors)
                if seen.insert(t).inserted { out.append(t) }
            }
        }
        return out
    }

    mutating func parseTermAtom(after previous: String?) throws -> _TermExpr {
        let t = current
        switch t.kind {
        case .op where t.text == "(":
            try enter(t)
            defer { nesting -= 1 }
            index += 1
            let inner = try parseTermSum()
            try expectOp(")", "')' to close the '(' at column \(t.column)")
            return inner  // patsy has no node for parentheses: `(0)` is still the literal 0
        case .number:
            guard t.value == 0 || t.value == 1 else {
                throw InputError(column: t.column, field: field, expected: "0 or 1 (the intercept) or a term",
                                 found: "'\(t.text)' at column \(t.column)", hint: "write I(\(t.text)) for a constant")
            }
            index += 1
            return t.value == 1 ? _TermExpr(intercept: true, literal: 1) : _TermExpr(interceptRemoved: true, literal: 0)
        case .name:
            return _TermExpr(terms: [Term(factors: [try parseFactor()])])
        default:
            throw error(expected: previous.map { "a term after '\($0)'" } ?? "a term")
        }
    }

    /// A factor: a name, `C(...)`, `I(...)`, `offset(...)` or a function call.
    mutating func parseFactor() throws -> Factor {
        let start = index
        let t = current
        if t.text == "offset" && tokens[index + 1].kind == .op && tokens[index + 1].text == "(" {
            index += 2
            let e = try parseArithmetic()
            try e.validateNesting(field: field)
            try expectOp(")", "')' to close offset( opened at column \(t.column)")
            return Factor(name: _prettyText(tokens[start..<index]), expression: e, kind: .offset)
        }
        if t.text == "C" && tokens[index + 1].kind == .op && tokens[index + 1].text == "(" {
            index += 2
            let e = try parseArithmetic()
            try e.validateNesting(field: field)
            var reference: Level?
            if isOp(",") {
                index += 1
                guard current.kind == .name && current.text == "Treatment" else {
                    throw error(expected: "Treatment(reference=...) as the coding of C()")
                }
                index += 1
                if isOp("(") {
                    index += 1
                    if current.kind == .name && current.text == "reference" {
                        index += 1
                        try expectOp("=", "'=' after 'reference'")
                    }
                    let lit = current
                    switch lit.kind {
                    case .string: reference = .text(lit.stringValue)
                    case .number: reference = .number(lit.value)
                    case .name: reference = .text(lit.text)
                    default: throw error(expected: "a reference level (a quoted name or a number)")
                    }
                    index += 1
                    try expectOp(")", "')' to close Treatment(")
                }
            }
            try expectOp(")", "')' to close C( opened at column \(t.column)")
            return Factor(name: _prettyText(tokens[start..<index]), expression: e, kind: .categorical(reference: reference))
        }
        let e = try parsePrimary(after: nil)
        try e.validateNesting(field: field)
        if e.usesNormalDraws {
            throw InputError(column: t.column, field: field, expected: "a term without normal()",
                             found: "normal() at column \(t.column)", hint: "normal() belongs in model identities")
        }
        return Factor(name: _prettyText(tokens[start..<index]), expression: e, kind: .expression)
    }
}
