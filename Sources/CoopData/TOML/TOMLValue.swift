/// A TOML value with the place it was written, so that every later check
/// (a wrong type, a value out of its domain, an unknown key) can name the
/// file, line and column.
public struct TOMLNode: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLNode])
        case table(TOMLTable)
    }

    public var value: Value
    /// 1-based line of the value (for a table: of its header or opening brace).
    public var line: Int
    /// 1-based column of the value.
    public var column: Int

    public init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// A short name of the value's kind, for messages ("a string", "an array").
    public var kindDescription: String {
        switch value {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    /// The value as TOML source text, for "got ..." in messages.
    public var sourceText: String {
        switch value {
        case .string(let s): return "\"" + s + "\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .boolean(let b): return b ? "true" : "false"
        case .array(let a): return "[" + a.map(\.sourceText).joined(separator: ", ") + "]"
        case .table(let t): return "{" + t.entries.map { "\($0.key) = \($0.node.sourceText)" }.joined(separator: ", ") + "}"
        }
    }

    public var stringValue: String? { if case .string(let s) = value { return s }; return nil }
    public var tableValue: TOMLTable? { if case .table(let t) = value { return t }; return nil }
    public var arrayValue: [TOMLNode]? { if case .array(let a) = value { return a }; return nil }
    public var boolValue: Bool? { if case .boolean(let b) = value { return b }; return nil }
    /// Integers and floats as `Double`.
    public var numberValue: Double? {
        switch value {
        case .integer(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }
}

/// An ordered TOML table: entries keep the order in which they were written,
/// each with its key's line and column.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var keyLine: Int
        public var keyColumn: Int
        public var node: TOMLNode
    }

    public var entries: [Entry] = []
    /// Tables created implicitly by a dotted header such as `[a.b]` may be
    /// defined later once; tables defined explicitly may not be redefined.
    var explicitlyDefined = false
    /// Inline tables are closed once written.
    var isInline = false
    /// Created by a dotted key (`a.b = 1` creates `a`): such a table may not be opened later by
    /// a header `[a]`, and dotted keys may only extend tables made by dotted keys (TOML 1.0).
    var isDottedKeyTable = false
    /// An element of an array of tables (`[[a]]`); arrays whose elements all are such tables are
    /// the only arrays that headers may extend.
    var isArrayElement = false

    public init() {}

    public subscript(key: String) -> TOMLNode? {
        entries.first { $0.key == key }?.node
    }

    public func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }

    public var keys: [String] { entries.map(\.key) }

    mutating func set(_ key: String, _ node: TOMLNode, keyLine: Int, keyColumn: Int) {
        if let i = entries.firstIndex(where: { $0.key == key }) {
            entries[i].node = node
        } else {
            entries.append(Entry(key: key, keyLine: keyLine, keyColumn: keyColumn, node: node))
        }
    }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool { a.entries == b.entries }
}

/// A parsed TOML file: its root table and the file name used in messages.
public struct TOMLDocument: Sendable {
    public var file: String
    public var root: TOMLTable
    /// SHA-256 (lowercase hex) of the bytes parsed, when read from a file (`parse(contentsOf:)`);
    /// empty for parsed text. Provenance records what was parsed, not what is on disk later.
    public var sha256: String = ""

    public init(file: String, root: TOMLTable) {
        self.file = file
        self.root = root
    }
}
