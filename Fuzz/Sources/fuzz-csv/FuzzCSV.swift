import CoopData

/// libFuzzer entry: the CSV reader on arbitrary bytes, in the standard dialect and in the
/// spreadsheet dialect (`;` between fields, `,` decimals), then the column typing rules on every
/// text column of a table it accepted. Any outcome but a trap is a pass: the reader must throw
/// `InputError` (a located message) or return a table.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for dialect in [CSVDialect.standard, CSVDialect(delimiter: ";", decimalMark: ",")] {
        guard let table = try? CSVReader.parse(bytes: bytes, source: "fuzz.csv", dialect: dialect) else { continue }
        for (j, column) in table.columns.enumerated() {
            if case .text(let cells) = column {
                _ = ColumnTypingRules.census(cells)
                _ = ColumnTypingRules.categoricalNote(column: table.names[j], cells: cells)
            }
        }
        for row in 0..<table.rowCount { _ = table.line(ofRow: row) }
    }
    return 0
}
