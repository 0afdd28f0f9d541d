/// A problem with a user's input file or value, located as precisely as the
/// input allows, phrased so the user knows what to change.
///
/// `description` reads `FILE:LINE:COLUMN: FIELD: expected EXPECTED, got FOUND`,
/// leaving out the parts that are unknown, for example
/// `Scenarios/hcmc.toml:14: levers.training: expected a share between 0 and 1, got 1.4`.
/// When `expected` is empty, `found` is the whole message after the field.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var field: String?
    public var expected: String
    public var found: String
    /// Extra advice, e.g. "did you mean `training`?".
    public var hint: String?

    public init(file: String? = nil, line: Int? = nil, column: Int? = nil, field: String? = nil,
                expected: String, found: String, hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.expected = expected
        self.found = found
        self.hint = hint
    }

    /// A message that is not of the expected/found shape.
    public static func message(_ text: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                               field: String? = nil, hint: String? = nil) -> InputError {
        InputError(file: file, line: line, column: column, field: field, expected: "", found: text, hint: hint)
    }

    public var description: String {
        var location = ""
        if let file { location = file }
        if let line { location += (location.isEmpty ? "line " : ":") + String(line) }
        if let column, line != nil { location += ":" + String(column) }
        var parts: [String] = []
        if !location.isEmpty { parts.append(location) }
        if let field, !field.isEmpty { parts.append(field) }
        let body = expected.isEmpty ? found : "expected \(expected), got \(found)"
        parts.append(body)
        var text = parts.joined(separator: ": ")
        if let hint, !hint.isEmpty { text += " (\(hint))" }
        return text
    }
}

/// Several input problems found in one pass (`validate` lists them all).
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [InputError]
    public init(_ errors: [InputError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
