import Foundation
@testable import CoopData

/// Runs the toml-test suite (Fixtures/toml-test, its TOML 1.0.0 file list) against
/// `TOMLParser`: each valid document must parse to the value of its tagged JSON
/// (`{"type": "integer", "value": "1"}`, tables as objects, arrays as arrays), each invalid
/// one must be rejected with an `InputError` naming a line. Dates and times are not
/// supported by coopsim's reader (no coopsim file uses them): the tests whose documents hold
/// one (valid: a date or time in the expected JSON; invalid: the datetime, local-date,
/// local-datetime and local-time folders) are counted as skipped.
enum TOMLSuite {
    struct Outcome {
        var passed: [String] = []
        var skipped: [String] = []
        var failures: [(file: String, why: String)] = []
    }

    static let dateTimeTypes: Set<String> = ["datetime", "datetime-local", "date-local", "time-local"]
    static let dateTimeFolders = ["invalid/datetime/", "invalid/local-date/", "invalid/local-datetime/", "invalid/local-time/"]

    static func run(root: URL) throws -> Outcome {
        let list = try String(contentsOf: root.appendingPathComponent("files-toml-1.0.0"), encoding: .utf8)
        var out = Outcome()
        for name in list.split(separator: "\n").map(String.init) where name.hasSuffix(".toml") {
            let url = root.appendingPathComponent(name)
            let bytes = [UInt8](try Data(contentsOf: url))
            if name.hasPrefix("valid/") {
                let jsonURL = url.deletingPathExtension().appendingPathExtension("json")
                let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL), options: [.fragmentsAllowed])
                if containsDateTime(expected) { out.skipped.append(name); continue }
                do {
                    let doc = try TOMLParser.parse(bytes: bytes, file: name)
                    if let why = difference(table: doc.root, expected: expected, path: "") {
                        out.failures.append((name, why))
                    } else {
                        out.passed.append(name)
                    }
                } catch {
                    out.failures.append((name, "rejected: \(error.description)"))
                }
            } else {
                if dateTimeFolders.contains(where: { name.hasPrefix($0) }) { out.skipped.append(name); continue }
                do {
                    _ = try TOMLParser.parse(bytes: bytes, file: name)
                    out.failures.append((name, "accepted an invalid document"))
                } catch {
                    if error.line == nil { out.failures.append((name, "rejected without a line: \(error.description)")) }
                    else { out.passed.append(name) }
                }
            }
        }
        return out
    }

    static func containsDateTime(_ v: Any) -> Bool {
        if let d = v as? [String: Any] {
            if let t = d["type"] as? String, d["value"] is String, d.count == 2 { return dateTimeTypes.contains(t) }
            return d.values.contains(where: containsDateTime)
        }
        if let a = v as? [Any] { return a.contains(where: containsDateTime) }
        return false
    }

    static func difference(table: TOMLTable, expected: Any, path: String) -> String? {
        guard let d = expected as? [String: Any] else { return "\(path): a table where the JSON has \(expected)" }
        if Set(table.keys) != Set(d.keys) {
            return "\(path): keys \(table.keys.sorted()) vs \(d.keys.sorted())"
        }
        for e in table.entries {
            if let why = difference(node: e.node, expected: d[e.key]!, path: path + "." + e.key) { return why }
        }
        return nil
    }

    static func difference(node: TOMLNode, expected: Any, path: String) -> String? {
        switch node.value {
        case .table(let t):
            return difference(table: t, expected: expected, path: path)
        case .array(let a):
            guard let e = expected as? [Any] else { return "\(path): an array where the JSON has \(expected)" }
            guard e.count == a.count else { return "\(path): \(a.count) elements vs \(e.count)" }
            for (k, (x, y)) in zip(a, e).enumerated() {
                if let why = difference(node: x, expected: y, path: path + "[\(k)]") { return why }
            }
            return nil
        default:
            guard let e = expected as? [String: Any], let type = e["type"] as? String, let value = e["value"] as? String else {
                return "\(path): \(node.sourceText) where the JSON has \(expected)"
            }
            switch (node.value, type) {
            case (.string(let s), "string"):
                return s == value ? nil : "\(path): string \(s.debugDescription) vs \(value.debugDescription)"
            case (.integer(let i), "integer"):
                return Int64(value) == i ? nil : "\(path): integer \(i) vs \(value)"
            case (.boolean(let b), "bool"):
                return (b ? "true" : "false") == value ? nil : "\(path): \(b) vs \(value)"
            case (.float(let x), "float"):
                let want: Double
                switch value {
                case "inf", "+inf": want = .infinity
                case "-inf": want = -.infinity
                case "nan", "+nan", "-nan": return x.isNaN ? nil : "\(path): \(x) vs nan"
                default:
                    guard let w = Double(value) else { return "\(path): unreadable expected float \(value)" }
                    want = w
                }
                return x == want ? nil : "\(path): float \(x) vs \(value)"
            default:
                return "\(path): \(node.kindDescription) \(node.sourceText) vs \(type) \(value)"
            }
        }
    }
}
