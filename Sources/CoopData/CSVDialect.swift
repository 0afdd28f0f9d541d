/// How a CSV file separates its fields and writes the decimal point.
///
/// `CSVReader` splits records on `delimiter` and reads numbers with `decimalMark` as the decimal
/// point; everything else (quotes, line ends, UTF-8) is RFC 4180 whatever the dialect. The
/// default is the RFC's comma with a `.` decimal point. A spreadsheet saved with a
/// European/Vietnamese locale writes `;` between fields and `,` as decimal point:
/// `CSVDialect(delimiter: ";", decimalMark: ",")`.
///
/// Choosing the dialect of a file (detection) is not the reader's job: the reader takes one.
public struct CSVDialect: Sendable, Equatable, CustomStringConvertible {
    /// The byte between fields (ASCII, not a quote, CR or LF).
    public let delimiter: UInt8
    /// The byte that separates a number's integer and fractional digits (ASCII `.` or `,`).
    public let decimalMark: UInt8

    /// RFC 4180: `,` between fields, `.` as the decimal point.
    public static let standard = CSVDialect(delimiter: 0x2C, decimalMark: 0x2E)

    /// A dialect from its two bytes; traps on a delimiter that is a quote, CR, LF or non-ASCII, a
    /// decimal mark other than `.` or `,`, or both the same.
    public init(delimiter: UInt8, decimalMark: UInt8) {
        precondition(delimiter < 0x80 && delimiter != 0x22 && delimiter != 0x0A && delimiter != 0x0D,
                     "A CSV delimiter must be an ASCII byte other than a double quote, CR or LF, got \(delimiter).")
        precondition(decimalMark == 0x2E || decimalMark == 0x2C, "A CSV decimal mark is '.' or ',', got \(decimalMark).")
        precondition(delimiter != decimalMark, "A CSV delimiter and decimal mark must differ.")
        self.delimiter = delimiter
        self.decimalMark = decimalMark
    }

    /// A dialect from two ASCII characters, such as `CSVDialect(delimiter: ";", decimalMark: ",")`.
    public init(delimiter: Character, decimalMark: Character) {
        self.init(delimiter: delimiter.asciiValue ?? 0xFF, decimalMark: decimalMark.asciiValue ?? 0xFF)
    }

    public var description: String {
        "delimiter '\(Character(Unicode.Scalar(delimiter)))', decimal mark '\(Character(Unicode.Scalar(decimalMark)))'"
    }
}
