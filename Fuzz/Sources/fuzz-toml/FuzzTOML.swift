import CoopData

/// libFuzzer entry: the TOML parser on arbitrary bytes (invalid UTF-8, control characters, deep
/// nesting, huge numbers), then every value of a document it accepted read back through the
/// checker's typed accessors. Any outcome but a trap is a pass.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let doc = try? TOMLParser.parse(bytes: bytes, file: "fuzz.toml") else { return 0 }
    var checker = TOMLChecker(file: "fuzz.toml")
    func walk(_ table: TOMLTable, _ path: String, depth: Int) {
        guard depth < 64 else { return }
        for e in table.entries {
            let field = checker.field(path, e.key)
            _ = checker.number(e.node, field: field, domain: .count)
            _ = checker.enteringNumber(e.node, field: field, domain: .count)
            if let t = e.node.tableValue { walk(t, field, depth: depth + 1) }
            for item in e.node.arrayValue ?? [] { if let t = item.tableValue { walk(t, field, depth: depth + 1) } }
        }
    }
    walk(doc.root, "", depth: 0)
    return 0
}
