import ArgumentParser
import CoopData

/// `--delimiter` / `--decimal` for commands that read a data CSV. Without them the dialect is
/// detected (`CSVDialect.detect`, CSVDialectDetection.swift: a file saved by Excel in a Vietnamese locale is `;`-separated with `,`
/// decimals), and a note on stderr says what was detected when it is not the standard one.
struct CSVOptions: ParsableArguments {
    @Option(help: "Field separator of the data file: ',', ';' or tab (default: detected from the header).")
    var delimiter: String?

    @Option(help: "Decimal mark of the data file: '.' or ',' (default: detected; ',' only with a ';' or tab separator).")
    var decimal: String?

    func validate() throws {
        if let d = delimiter, CSVDialect.mark(d) == nil { throw ValidationError("--delimiter must be one character or 'tab', got '\(d)'.") }
        if let d = decimal, d != "." && d != "," { throw ValidationError("--decimal must be '.' or ',', got '\(d)'.") }
        if let s = delimiter.flatMap(CSVDialect.mark), let d = decimal.flatMap(CSVDialect.mark), s == d {
            throw ValidationError("--delimiter and --decimal must differ, got '\(delimiter!)' for both.")
        }
    }

    /// Reads `path` with `missingMarkers` (`--na`; nil: the default markers). With `--na` the file is
    /// read once in the standard dialect (`CSVReader.read(path:missingMarkers:)`, ColumnTypingRules);
    /// `--delimiter`/`--decimal` are then refused.
    func read(_ path: String, missingMarkers: [String]?) throws -> DataTable {
        guard let missingMarkers else { return try read(path) }
        if delimiter != nil || decimal != nil {
            throw InputError(file: path, expected: "a comma-separated file with --na", found: "--delimiter/--decimal",
                             hint: "save the file as CSV UTF-8 (comma delimited), or leave --na out")
        }
        return try CSVReader.read(path: path, missingMarkers: missingMarkers)
    }

    /// Reads `path`, printing a note when the dialect is not the standard `,` and `.`.
    func read(_ path: String) throws -> DataTable {
        let (table, dialect) = try CSVDialect.read(path: path, delimiter: delimiter.flatMap(CSVDialect.mark),
                                                   decimalMark: decimal.flatMap(CSVDialect.mark))
        if !dialect.isStandard {
            printError("note: \(path): read as \(dialect.plainDescription)" + (delimiter == nil && decimal == nil ? " (detected; as Excel saves CSV in a Vietnamese locale)" : ""))
        }
        return table
    }
}
