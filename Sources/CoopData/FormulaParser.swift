#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A token of formula or expression text, with its 1-based column.
struct _Token: Sendable {
    enum Kind: Sendable, Equatable { case number, name, string, op, end }
    var kind: Kind
    var text: String
    var column: Int
    var value: Double = 0  // for numbers; the unquoted text for strings is in `stringValue`
    var stringValue: String = ""

    var shown: String { kind == .end ? "end of input" : "'\(text)'" }
}

/// Splits formula text into tokens. Names are letters (any script), digits,
/// `_` and `.`, not starting with a digit or `.`; numbers are decimal with an
/// optional exponent; strings are in single or double quotes.
func _tokenize(_ text: String, field: String) throws -> [_Token] {
    let s = Array(text.unicodeScalars)
    var tokens: [_Token] = []
    var i = 0
    func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }
    func isNameChar(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || ("0"..."9").contains(c) || c == "." || c.properties.generalCategory == .nonspacingMark
            || c.properties.generalCategory == .spacingMark
    }
    while i < s.count {
        let c = s[i]
        if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
        let start = i
        if ("0"..."9").contains(c) || (c == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
            while i < s.count && (("0"..."9").contains(s[i]) || s[i] == ".") { i += 1 }
            if i < s.count && (s[i] == "e" || s[i] == "E") {
                var j = i + 1
                if j < s.count && (s[j] == "+" || s[j] == "-") { j += 1 }
                if j < s.count && ("0"..."9").contains(s[j]) {
                    i = j
                    while i < s.count && ("0"..."9").contains(s[i]) { i += 1 }
                }
            }
            let t = String(String.UnicodeScalarView(s[start..<i]))
            guard let v = Double(t) else {
                throw InputError(column: start + 1, field: field, expected: "a number",
                                 found: "'\(t)' at column \(start + 1)")
            }
            tokens.append(_Token(kind: .number, text: t, column: start + 1, value: v))
        } else if isNameStart(c) {
            while i < s.count && isNameChar(s[i]) { i += 1 }
            tokens.append(_Token(kind: .name, text: String(String.UnicodeScalarView(s[start..<i])), column: start + 1))
        } else if c == "'" || c == "\"" {
            i += 1
            while i < s.count && s[i] != c { i += 1 }
            if i >= s.count {
                throw InputError(column: start + 1, field: field, expected: "a closing \(c == "'" ? "quote" : "double quote")",
                                 found: "end of input (the string opens at column \(start + 1))")
            }
            i += 1
            var tok = _Token(kind: .string, text: String(String.UnicodeScalarView(s[start..<i])), column: start + 1)
            tok.stringValue = String(String.UnicodeScalarView(s[(start + 1)..<(i - 1)]))
            tokens.append(tok)
        } else if c == "*" && i + 1 < s.count && s[i + 1] == "*" {
            i += 2
            tokens.append(_Token(kind: .op, text: "**", column: start + 1))
        } else if "~+-*/:^(),=".unicodeScalars.contains(c) {
            i += 1
            tokens.append(_Token(kind: .op, text: String(c), column: start + 1))
        } else {
            throw InputError(column: start + 1, field: field, expected: "a name, a number or an operator",
                             found: "'\(Character(c))' at column \(start + 1)")
        }
    }
    tokens.append(_Token(kind: .end, text: "", column: s.count + 1))
    return tokens
}

/// Renders tokens with patsy's spacing rules (`patsy.tokens.pretty_untokenize`):
/// spaces around binary operators and after commas, none inside parentheses,
/// none after a unary sign, none around `=` inside a call. Term names are the
/// user's tokens rendered this way: `log( x )` is named `log(x)`, `I(x**2)` is
/// named `I(x ** 2)`.
func _prettyText(_ tokens: ArraySlice<_Token>) -> String {
    let spaceBoth: Set<String> = ["+", "-", "*", "/", "%", "&", "^", "|", "<", ">", "==", "<>", "!=", "<=", ">=", "<<", ">>", "**", "//"]
    let spaceBefore = spaceBoth.union(["!", "~"])
    let spaceAfter = spaceBoth.union([",", ":"])
    var text = ""
    var prevWasSpaceDelim = false
    var prevWantsSpace = false
    var prevWasOpenParenOrComma = false
    var prevWasObjectLike = false
    var brackets: [String] = []
    for t in tokens where t.kind != .end {
        if t.kind == .name || t.kind == .number || t.kind == .string {
            if prevWantsSpace || prevWasSpaceDelim { text += " " }
            text += t.text
            prevWantsSpace = false
            prevWasSpaceDelim = true
        } else {
            if t.text == "(" { brackets.append("(") } else if t.text == ")" && !brackets.isEmpty { brackets.removeLast() }
            var before = spaceBefore.contains(t.text)
            var after = spaceAfter.contains(t.text)
            if (t.text == "*" || t.text == "**") && prevWasOpenParenOrComma { before = false; after = false }
            if t.text == "=" && brackets.isEmpty { before = true; after = true }
            if (t.text == "+" || t.text == "-") && !prevWasObjectLike { before = false; after = false }
            if prevWantsSpace || before { text += " " }
            text += t.text
            prevWantsSpace = after
            prevWasSpaceDelim = false
        }
        prevWasObjectLike = t.kind == .name || t.kind == .number || t.kind == .string || t.text == ")"
        prevWasOpenParenOrComma = t.text == "(" || t.text == ","
    }
    return text
}

/// Recursive-descent parser for expressions and formulas.
struct _FormulaParser {
    let tokens: [_Token]
    let field: String
    var index = 0
    /// Current recursion depth (parentheses, calls, unary signs), bounded by `maximumNesting`.
    var nesting = 0
    /// Depth of the expression tree last returned by an arithmetic parse function.
    var expressionDepth = 0

    /// Deepest nesting of parentheses, calls and signs accepted: input beyond it is an error,
    /// not a stack overflow (recursive descent uses the call stack).
    static let maximumNesting = 200
    /// Deepest expression tree accepted (`a + b + c` is 3 deep): evaluation, printing and
    /// release of an expression recurse over the tree.
    static let maximumExpressionDepth = 1000

    /// Enters one level of nesting at `token`; throws beyond `maximumNesting`.
    mutating func enter(_ token: _Token) throws {
        nesting += 1
        if nesting > Self.maximumNesting {
            throw InputError(column: token.column, field: field,
                             expected: "at most \(Self.maximumNesting) nested parentheses, calls or signs",
                             found: "deeper nesting at column \(token.column)", hint: "simplify the expression")
        }
    }

    /// Records the depth of a new node over children of depth `childDepth`; throws beyond `maximumExpressionDepth`.
    mutating func grow(_ childDepth: Int, at token: _Token) throws {
        expressionDepth = childDepth + 1
        if expressionDepth > Self.maximumExpressionDepth {
            throw InputError(column: token.column, field: field,
                             expected: "an expression at most \(Self.maximumExpressionDepth) operations deep",
                             found: "a deeper one at column \(token.column)", hint: "split it into several terms or identities")
        }
    }

    init(_ text: String, field: String) throws {
        self.tokens = try _tokenize(text, field: field)
        self.field = field
    }

    var current: _Token { tokens[index] }

    func isOp(_ s: String) -> Bool { current.kind == .op && current.text == s }

    func error(expected: String, at token: _Token? = nil) -> InputError {
        let t = token ?? current
        return InputError(column: t.column, field: field, expected: expected, found: "\(t.shown) at column \(t.column)")
    }

    mutating func expectOp(_ s: String, _ what: String) throws {
        guard isOp(s) else { throw error(expected: what) }
        index += 1
    }

    func expectEnd() throws {
        guard current.kind == .end else { throw error(expected: "an operator or the end of input") }
    }

    // MARK: - Arithmetic

    mutating func parseArithmetic() throws -> Expression {
        var left = try parseProduct()
        var depth = expressionDepth
        while isOp("+") || isOp("-") {
            let token = current
            let op = token.text
            index += 1
            let right = try parseProduct(after: op)
            try grow(max(depth, expressionDepth), at: token)
            depth = expressionDepth
            left = .binary(op == "+" ? .add : .subtract, left, right)
        }
        expressionDepth = depth
        return left
    }

    mutating func parseProduct(after previous: String? = nil) throws -> Expression {
        var left = try parseUnary(after: previous)
        var depth = expressionDepth
        while isOp("*") || isOp("/") {
            let token = current
            let op = token.text
            index += 1
            let right = try parseUnary(after: op)
            try grow(max(depth, expressionDepth), at: token)
            depth = expressionDepth
            left = .binary(op == "*" ? .multiply : .divide, left, right)
        }
        expressionDepth = depth
        return left
    }

    mutating func parseUnary(after previous: String?) throws -> Expression {
        if isOp("-") || isOp("+") {
            let token = current
            try enter(token)
            defer { nesting -= 1 }
            index += 1
            let operand = try parseUnary(after: token.text)
            if token.text == "+" { return operand }
            try grow(expressionDepth, at: token)
            return .negate(operand)
        }
        return try parsePower(after: previous)
    }

    mutating func parsePower(after previous: String?) throws -> Expression {
        let base = try parsePrimary(after: previous)
        if isOp("^") || isOp("**") {
            let token = current
            let baseDepth = expressionDepth
            index += 1
            let exponent = try parseUnary(after: token.text)
            try grow(max(baseDepth, expressionDepth), at: token)
            return .binary(.power, base, exponent)
        }
        return base
    }

    mutating func parsePrimary(after previous: String?) throws -> Expression {
        let t = current
        let what = previous.map { "a value after '\($0)'" } ?? "a value"
        switch t.kind {
        case .number:
            index += 1
            expressionDepth = 1
            return .number(t.value)
        case .name:
            index += 1
            expressionDepth = 1
            guard isOp("(") else { return .variable(t.text) }
            try enter(t)
            defer { nesting -= 1 }
            index += 1
            if t.text == "Q" {
                // patsy's quoting of a column name that is not a valid name: Q("Thành phố").
                guard current.kind == .string else { throw error(expected: "a quoted column name in Q()") }
                let name = current.stringValue
                index += 1
                try expectOp(")", "')' to close Q( opened at column \(t.column)")
                expressionDepth = 1
                return .variable(name)
            }
            if t.text == "I" {
                let inner = try parseArithmetic()
                try expectOp(")", "')' to close I( opened at column \(t.column)")
                return inner
            }
            guard let f = Expression.Function(name: t.text) else {
                let known = Expression.Function.allCases.map(\.rawValue) + ["expit", "I"]
                throw InputError(column: t.column, field: field,
                                 expected: "a known function (\(known.joined(separator: ", ")))",
                                 found: "'\(t.text)' at column \(t.column)",
                                 hint: closestName(to: t.text, among: known).map { "did you mean '\($0)'?" })
            }
            var args: [Expression] = []
            var deepest = 0
            if !isOp(")") {
                args.append(try parseArithmetic())
                deepest = expressionDepth
                while isOp(",") {
                    index += 1
                    args.append(try parseArithmetic())
                    deepest = max(deepest, expressionDepth)
                }
            }
            try grow(deepest, at: t)
            try expectOp(")", "',' or ')' to close \(t.text)( opened at column \(t.column)")
            guard f.arity.contains(args.count) else {
                let n = f.arity.lowerBound == f.arity.upperBound ? "\(f.arity.lowerBound)" : "\(f.arity.lowerBound) or \(f.arity.upperBound)"
                throw InputError(column: t.column, field: field,
                                 expected: "\(n) argument\(f.arity.upperBound == 1 ? "" : "s") for \(t.text)()",
                                 found: "\(args.count) at column \(t.column)")
            }
            if f == .lag && args.count == 2 {
                guard case .number(let k) = args[1], k >= 0, k == k.rounded(.towardZero), k <= 1000 else {
                    throw InputError(column: t.column, field: field,
                                     expected: "a whole number of years as the second argument of lag()",
                                     found: "'\(args[1])' at column \(t.column)")
                }
            }
            return .call(f, args)
        case .op where t.text == "(":
            try enter(t)
            defer { nesting -= 1 }
            index += 1
            let inner = try parseArithmetic()
            try expectOp(")", "')' to close the '(' at column \(t.column)")
            return inner
        default:
            throw error(expected: what)
        }
    }
}
