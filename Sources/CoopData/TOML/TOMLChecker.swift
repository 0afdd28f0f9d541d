import Foundation

/// Reads typed fields out of a parsed TOML document and collects every
/// problem (wrong type, missing key, unknown key, value out of its domain)
/// as a located `InputError`, so that `validate` can list them all at once.
///
/// Field names in messages are dotted paths such as `levers.training` or
/// `targets[2].value`.
public struct TOMLChecker {
    public let file: String
    public private(set) var problems: [InputError] = []

    public init(file: String) { self.file = file }

    /// Records a problem at a node's location.
    public mutating func report(_ node: TOMLNode?, field: String, expected: String, found: String, hint: String? = nil) {
        problems.append(InputError(file: file, line: node?.line, column: node?.column, field: field,
                                   expected: expected, found: found, hint: hint))
    }

    /// Records a problem at a line.
    public mutating func report(line: Int?, field: String, expected: String, found: String, hint: String? = nil) {
        problems.append(InputError(file: file, line: line, field: field, expected: expected, found: found, hint: hint))
    }

    public mutating func append(_ error: InputError) { problems.append(error) }

    /// Reports each key of `table` that is not in `allowed`, with a "did you mean" where one is close.
    public mutating func rejectUnknownKeys(_ table: TOMLTable, allowed: [String], path: String) {
        for e in table.entries where !allowed.contains(e.key) {
            let field = path.isEmpty ? e.key : path + "." + e.key
            let hint = closestMatch(to: e.key, among: allowed).map { "did you mean '\($0)'?" }
            problems.append(InputError(file: file, line: e.keyLine, column: e.keyColumn, field: field,
                                       expected: "one of the known keys (\(allowed.joined(separator: ", ")))",
                                       found: "unknown key '\(e.key)'", hint: hint))
        }
    }

    public func field(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// A required or optional string.
    public mutating func string(_ table: TOMLTable, _ key: String, path: String, required: Bool, tableLine: Int? = nil) -> String? {
        guard let node = table[key] else {
            if required { report(line: tableLine, field: field(path, key), expected: "a string", found: "nothing (the key is missing)") }
            return nil
        }
        guard let s = node.stringValue else {
            report(node, field: field(path, key), expected: "a string in double quotes", found: "\(node.kindDescription) \(node.sourceText)")
            return nil
        }
        return s
    }

    /// A required or optional number (integer or float), checked against a domain.
    public mutating func number(_ table: TOMLTable, _ key: String, path: String, required: Bool,
                                tableLine: Int? = nil, domain: NumericDomain = .real) -> Double? {
        guard let node = table[key] else {
            if required { report(line: tableLine, field: field(path, key), expected: domain.expectation, found: "nothing (the key is missing)") }
            return nil
        }
        return number(node, field: field(path, key), domain: domain)
    }

    /// A number read from a node, checked against a domain.
    public mutating func number(_ node: TOMLNode, field: String, domain: NumericDomain = .real) -> Double? {
        guard let v = node.numberValue else {
            report(node, field: field, expected: domain.expectation, found: "\(node.kindDescription) \(node.sourceText)")
            return nil
        }
        guard domain.contains(v) else {
            report(node, field: field, expected: domain.expectation, found: node.sourceText)
            return nil
        }
        return v
    }

    /// The largest whole number a `count` value may have where it enters the simulation (an
    /// observed stock, a history value, a lever or assumption path): the largest mean the count
    /// samplers draw from (`PoissonSampler`'s 1e15). Simulated values are not bounded by it.
    public static let largestEnteringCount = 1e15

    /// A number read from a node that becomes a simulation's state or input: checked against
    /// `domain` and, for a count, against `largestEnteringCount`.
    public mutating func enteringNumber(_ node: TOMLNode, field: String, domain: NumericDomain) -> Double? {
        guard let v = number(node, field: field, domain: domain) else { return nil }
        if domain == .count, v > Self.largestEnteringCount {
            report(node, field: field, expected: "a whole number from 0 to 1e15 (the largest count the samplers draw from)",
                   found: node.sourceText)
            return nil
        }
        return v
    }

    /// A required or optional integer within bounds.
    public mutating func integer(_ table: TOMLTable, _ key: String, path: String, required: Bool,
                                 tableLine: Int? = nil, range: ClosedRange<Int64>? = nil) -> Int? {
        guard let node = table[key] else {
            if required { report(line: tableLine, field: field(path, key), expected: "an integer", found: "nothing (the key is missing)") }
            return nil
        }
        guard case .integer(let v) = node.value else {
            report(node, field: field(path, key), expected: "an integer", found: "\(node.kindDescription) \(node.sourceText)")
            return nil
        }
        if let range, !range.contains(v) {
            report(node, field: field(path, key), expected: "an integer from \(range.lowerBound) to \(range.upperBound)", found: String(v))
            return nil
        }
        return Int(v)
    }

    public mutating func bool(_ table: TOMLTable, _ key: String, path: String) -> Bool? {
        guard let node = table[key] else { return nil }
        guard let b = node.boolValue else {
            report(node, field: field(path, key), expected: "true or false", found: "\(node.kindDescription) \(node.sourceText)")
            return nil
        }
        return b
    }

    public mutating func table(_ table: TOMLTable, _ key: String, path: String, required: Bool, tableLine: Int? = nil) -> (TOMLTable, TOMLNode)? {
        guard let node = table[key] else {
            if required { report(line: tableLine, field: field(path, key), expected: "a table", found: "nothing (the key is missing)") }
            return nil
        }
        guard let t = node.tableValue else {
            report(node, field: field(path, key), expected: "a table", found: "\(node.kindDescription) \(node.sourceText)")
            return nil
        }
        return (t, node)
    }
}

/// The set of values a number may take, with the words used in messages.
public enum NumericDomain: Sendable, Equatable {
    case real
    case positive
    case nonNegative
    case share            // [0, 1]
    case openShare        // (0, 1)
    case count            // non-negative whole number
    case range(Double, Double)

    public func contains(_ v: Double) -> Bool {
        guard v.isFinite else { return false }
        switch self {
        case .real: return true
        case .positive: return v > 0
        case .nonNegative: return v >= 0
        case .share: return v >= 0 && v <= 1
        case .openShare: return v > 0 && v < 1
        case .count: return v >= 0 && v == v.rounded(.towardZero)
        case .range(let a, let b): return v >= a && v <= b
        }
    }

    public var expectation: String {
        switch self {
        case .real: return "a finite number"
        case .positive: return "a positive number"
        case .nonNegative: return "a number of at least 0"
        case .share: return "a share between 0 and 1"
        case .openShare: return "a share strictly between 0 and 1"
        case .count: return "a whole number of at least 0"
        case .range(let a, let b): return "a number from \(shortNumber(a)) to \(shortNumber(b))"
        }
    }

    /// Parses a domain's name as written in model files.
    public init?(name: String) {
        switch name {
        case "real": self = .real
        case "positive": self = .positive
        case "nonnegative", "non-negative": self = .nonNegative
        case "share": self = .share
        case "open_share": self = .openShare
        case "count": self = .count
        default: return nil
        }
    }

    public static let names = ["real", "positive", "nonnegative", "share", "open_share", "count"]
}

func shortNumber(_ v: Double) -> String {
    v == v.rounded(.towardZero) && abs(v) < 1e15 ? String(Int64(v)) : String(v)
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
/// (distance at most 2, or at most a third of the word's length for long words).
public func closestMatch(to word: String, among candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(w, Array(c.lowercased()))
        if best == nil || d < best!.1 { best = (c, d) }
    }
    guard let (name, d) = best else { return nil }
    let limit = max(2, w.count / 3)
    return d <= limit ? name : nil
}

/// Levenshtein distance (insertions, deletions, substitutions each cost 1).
public func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}
