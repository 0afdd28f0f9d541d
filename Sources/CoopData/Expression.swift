#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An arithmetic expression over named yearly variables: the AST shared by
/// formulas (terms, responses) and model identities.
///
/// Grammar (see Guides/Formulas.md), loosest binding first:
///
///     expr    := term (('+' | '-') term)*
///     term    := unary (('*' | '/') unary)*
///     unary   := '-' unary | '+' unary | power
///     power   := primary (('^' | '**') unary)?        right-associative
///     primary := number | name | name '(' args ')' | '(' expr ')'
///
/// As in R, unary minus binds looser than `^`: `-2^2` is `-(2^2) = -4`, and
/// `2^-1` is `0.5`. Functions: `log`, `log1p`, `exp`, `sqrt`, `logit`,
/// `invlogit` (alias `expit`), `abs`, the panel operators `lag(x)`,
/// `lag(x, k)`, `diff(x)`, `dlog(x)`, and `normal(mean, sd)` (model identities
/// only). `I(e)` is accepted and means `e` (patsy's identity wrapper);
/// `Q("any name")` names a column whose name is not a valid name (patsy's `Q`).
public indirect enum Expression: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    case variable(String)
    case negate(Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(Function, [Expression])

    /// The binary arithmetic operators.
    public enum BinaryOperator: String, Sendable, Hashable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"

        var precedence: Int {
            switch self {
            case .add, .subtract: return 1
            case .multiply, .divide: return 2
            case .power: return 4
            }
        }
    }

    /// The functions an expression may call.
    public enum Function: String, Sendable, Hashable, CaseIterable {
        case log, log1p, exp, sqrt, logit, invlogit, abs, lag, diff, dlog, normal

        /// Accepted argument counts.
        var arity: ClosedRange<Int> {
            switch self {
            case .lag: return 1...2
            case .normal: return 2...2
            default: return 1...1
            }
        }

        /// True for the operators that look back in time.
        public var isPanelOperator: Bool { self == .lag || self == .diff || self == .dlog }

        /// The function called `name` in source text (`expit` is `invlogit`).
        public init?(name: String) {
            if name == "expit" { self = .invlogit; return }
            self.init(rawValue: name)
        }
    }

    /// Parses `text` as an expression; `field` names the input in messages.
    ///
    /// Errors carry the 1-based column: `expression: expected a value after
    /// '*', got end of input at column 5`.
    public static func parse(_ text: String, field: String = "expression") throws -> Expression {
        var parser = try _FormulaParser(text, field: field)
        let e = try parser.parseArithmetic()
        try parser.expectEnd()
        try e.validateNesting(field: field)
        return e
    }

    /// A variable used by an expression, at a lag (0 = the current year).
    public struct VariableReference: Sendable, Hashable, CustomStringConvertible {
        public var name: String
        public var lag: Int
        public init(name: String, lag: Int) { self.name = name; self.lag = lag }
        public var description: String { lag == 0 ? name : "lag(\(name), \(lag))" }
    }

    /// Every (variable, lag) the expression reads, in order of first use;
    /// `diff(x)` reads `x` at lags 0 and 1.
    public var variables: [VariableReference] {
        var out: [VariableReference] = []
        var seen = Set<VariableReference>()
        collect(lag: 0, into: &out, seen: &seen)
        return out
    }

    /// The names of the variables read, in order of first use.
    public var variableNames: [String] {
        var seen = Set<String>()
        return variables.map(\.name).filter { seen.insert($0).inserted }
    }

    /// The largest lag the expression reads (0 when it reads only the current year).
    public var maximumLag: Int { variables.map(\.lag).max() ?? 0 }

    /// True when the expression calls `normal()`.
    public var usesNormalDraws: Bool {
        switch self {
        case .number, .variable: return false
        case .negate(let a): return a.usesNormalDraws
        case .binary(_, let a, let b): return a.usesNormalDraws || b.usesNormalDraws
        case .call(let f, let args): return f == .normal || args.contains { $0.usesNormalDraws }
        }
    }

    private func collect(lag: Int, into out: inout [VariableReference], seen: inout Set<VariableReference>) {
        switch self {
        case .number: break
        case .variable(let name):
            let r = VariableReference(name: name, lag: lag)
            if seen.insert(r).inserted { out.append(r) }
        case .negate(let a): a.collect(lag: lag, into: &out, seen: &seen)
        case .binary(_, let a, let b):
            a.collect(lag: lag, into: &out, seen: &seen)
            b.collect(lag: lag, into: &out, seen: &seen)
        case .call(let f, let args):
            switch f {
            case .lag: args[0].collect(lag: lag + args.lagCount, into: &out, seen: &seen)
            case .diff, .dlog:
                args[0].collect(lag: lag, into: &out, seen: &seen)
                args[0].collect(lag: lag + 1, into: &out, seen: &seen)
            default: for a in args { a.collect(lag: lag, into: &out, seen: &seen) }
            }
        }
    }

    /// Checks rules that the grammar cannot: `normal()` may not sit inside a
    /// panel operator (a past draw is not defined).
    func validateNesting(field: String, insidePanel: Bool = false) throws {
        switch self {
        case .number, .variable: return
        case .negate(let a): try a.validateNesting(field: field, insidePanel: insidePanel)
        case .binary(_, let a, let b):
            try a.validateNesting(field: field, insidePanel: insidePanel)
            try b.validateNesting(field: field, insidePanel: insidePanel)
        case .call(let f, let args):
            if f == .normal && insidePanel {
                throw InputError(field: field, expected: "normal() outside lag(), diff() and dlog()",
                                 found: "normal() inside a panel operator")
            }
            for a in args { try a.validateNesting(field: field, insidePanel: insidePanel || f.isPanelOperator) }
        }
    }

    /// The expression as text with the fewest parentheses that keep its
    /// meaning, e.g. `log(x) - 2 * lag(y, 2)`; powers print as `^`.
    ///
    /// Term names in design matrices do not use this: they keep the user's
    /// own text (patsy's rule), see `Formula`.
    public var description: String { render(parentPrecedence: 0) }

    private func render(parentPrecedence: Int, rightOperand: Bool = false) -> String {
        switch self {
        case .number(let v):
            var s: String
            if v == v.rounded(.towardZero) && Swift.abs(v) < 1e15 { s = String(Int64(v)) } else { s = "\(v)" }
            if v < 0 { s = "(" + s + ")" }
            return s
        case .variable(let n): return n
        case .negate(let a):
            let s = "-" + a.render(parentPrecedence: 3)
            return parentPrecedence > 3 || (parentPrecedence >= 1 && rightOperand) ? "(" + s + ")" : s
        case .binary(let op, let a, let b):
            let p = op.precedence
            let left: String, right: String
            if op == .power {
                left = a.render(parentPrecedence: p + 1)
                right = b.render(parentPrecedence: p)
            } else {
                left = a.render(parentPrecedence: p)
                right = b.render(parentPrecedence: p + 1, rightOperand: true)
            }
            let s = "\(left) \(op.rawValue) \(right)"
            return p < parentPrecedence ? "(" + s + ")" : s
        case .call(let f, let args):
            var shown = args.map { $0.render(parentPrecedence: 0) }
            if f == .lag, args.count == 2 { shown[1] = String(args.lagCount) }
            return "\(f.rawValue)(" + shown.joined(separator: ", ") + ")"
        }
    }
}

extension Array where Element == Expression {
    /// The k of `lag(x, k)` (1 when absent); validated as a non-negative integer at parse time.
    var lagCount: Int {
        if count < 2 { return 1 }
        if case .number(let k) = self[1] { return Int(k) }
        preconditionFailure("lag() takes a whole number of years as its second argument.")
    }
}
