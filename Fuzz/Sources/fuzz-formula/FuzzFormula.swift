import CoopData

/// libFuzzer entry: the formula parser (Wilkinson-Rogers formulas as `fit` and model files
/// write them) and the expression parser (identities, trials, targets) on arbitrary text. Any outcome but a trap is a pass.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFormula(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let f = try? Formula.parse(text) {
        _ = f.variables
        _ = f.terms.map(\.name)
    }
    if let e = try? Expression.parse(text) { _ = e.variables }
    return 0
}
