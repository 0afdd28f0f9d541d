import CoopData
import CoopScenario
import Foundation

/// A refusal of the explorer's API: an HTTP status (4xx) and a message that names the field.
public struct ExplorerError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    public var description: String { message }
}

/// What the page asks for: a scenario, its baseline and changed lever and assumption values.
///
/// JSON body (every key but `scenario` optional):
///
///     {"scenario": "hcmc-2024-plan", "baseline": "hcmc-baseline",
///      "values": {"promotion": {"2024": 40}, "training": {"2024": 0.3}},
///      "session": "tab-1", "seq": 7, "name": "hcmc-more-training"}
///
/// `values` gives, per lever or assumption, values for some simulated years (the others keep the
/// scenario's). `session` and `seq` let a later request of the same page supersede an earlier one;
/// `name` is the file name (without `.toml`) for save and export.
public struct ExplorerRequest: Sendable {
    public var scenario: String
    public var baseline: String?
    public var values: [String: [Int: Double]]
    public var session: String?
    public var seq: Int
    public var name: String?

    /// The largest body the API reads.
    public static let maximumBodyBytes = 64 * 1024

    /// Parses and type-checks a JSON body. Throws `ExplorerError` 400 for malformed JSON or a wrong type,
    /// naming the key and what was expected.
    public init(json data: Data) throws(ExplorerError) {
        let object: JSONValue
        do { object = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ExplorerError(400, "the request body is not valid JSON")
        }
        guard case .object(let root) = object else {
            throw ExplorerError(400, "expected a JSON object such as {\"scenario\": \"hcmc-2024-plan\"}, got \(object.kind)")
        }
        let known: Set = ["scenario", "baseline", "values", "session", "seq", "name"]
        if let unknown = root.keys.sorted().first(where: { !known.contains($0) }) {
            throw ExplorerError(400, "\(unknown): expected one of \(known.sorted().joined(separator: ", ")), got an unknown key")
        }
        guard case .string(let s)? = root["scenario"] else {
            throw ExplorerError(400, "scenario: expected a scenario's name (a string), got \(root["scenario"]?.kind ?? "nothing")")
        }
        scenario = s
        if let b = root["baseline"] {
            guard case .string(let b) = b else { throw ExplorerError(400, "baseline: expected a scenario's name (a string), got \(b.kind)") }
            baseline = b
        }
        if let n = root["session"] {
            guard case .string(let n) = n, n.utf8.count <= 100 else {
                throw ExplorerError(400, "session: expected a string of at most 100 bytes, got \(n.kind)")
            }
            session = n
        }
        seq = 0
        if let q = root["seq"] {
            guard case .number(let x) = q, let v = Int(exactly: x), v >= 0 else {
                throw ExplorerError(400, "seq: expected a whole number of at least 0, got \(q.kind)")
            }
            seq = v
        }
        if let n = root["name"] {
            guard case .string(let n) = n else { throw ExplorerError(400, "name: expected a file name (a string), got \(n.kind)") }
            name = n
        }
        values = [:]
        if let v = root["values"] {
            guard case .object(let table) = v else {
                throw ExplorerError(400, "values: expected an object of levers, such as {\"promotion\": {\"2024\": 40}}, got \(v.kind)")
            }
            for (lever, years) in table {
                guard case .object(let byYear) = years else {
                    throw ExplorerError(400, "values.\(lever): expected an object of years, such as {\"2024\": 40}, got \(years.kind)")
                }
                var path: [Int: Double] = [:]
                for (y, x) in byYear {
                    guard let year = Int(y), String(year) == y else {
                        throw ExplorerError(400, "values.\(lever).\(y): expected a year such as \"2024\", got '\(y)'")
                    }
                    guard case .number(let n) = x else {
                        throw ExplorerError(400, "values.\(lever).\(y): expected a number, got \(x.kind)")
                    }
                    path[year] = n
                }
                values[lever] = path
            }
        }
    }
}

/// A JSON value as parsed by Foundation's `JSONDecoder`, which keeps booleans, numbers and strings apart.
enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// What the value is, for messages ("a string", "the number 3").
    var kind: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .number(let x): return "the number \(CSVWriter.number(x))"
        case .string(let s): return "the string \"\(s.prefix(40))\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// An explored scenario as a file: it `extends` the scenario explored and gives only the changed
/// paths, so `coopsim run` on it reproduces the page's numbers byte for byte.
public struct ScenarioEdit: Sendable {
    public var entry: ExplorerCatalog.Entry
    /// Full paths (every simulated year) of the changed levers and assumptions, by name.
    public var changed: [(control: ExplorerCatalog.PathControl, values: [Double])]
    /// Draws, when the server caps the scenario's own.
    public var draws: Int?

    /// Checks every changed value: a lever or assumption of the scenario, a simulated year, a finite number
    /// in the control's range. Throws `ExplorerError` 422 naming the lever, year, range and value.
    public init(entry: ExplorerCatalog.Entry, values: [String: [Int: Double]], draws: Int?) throws(ExplorerError) {
        self.entry = entry
        self.draws = draws
        var changed: [(ExplorerCatalog.PathControl, [Double])] = []
        for lever in values.keys.sorted() {
            guard let c = entry.controls.first(where: { $0.name == lever }) else {
                let names = entry.controls.map(\.name)
                let hint = closestMatch(to: lever, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                throw ExplorerError(422, "values.\(lever): expected a lever or assumption of \(entry.scenario.name) (\(names.joined(separator: ", "))), got '\(lever)'\(hint)")
            }
            var path = c.values
            for (year, x) in values[lever]!.sorted(by: { $0.key < $1.key }) {
                guard let k = c.years.firstIndex(of: year) else {
                    throw ExplorerError(422, "values.\(lever).\(year): expected a simulated year from \(c.years.first!) to \(c.years.last!), got \(year)")
                }
                guard x.isFinite, x >= c.minimum, x <= c.maximum, c.domain.contains(x) else {
                    throw ExplorerError(422, "values.\(lever).\(year): expected a value from \(CSVWriter.number(c.minimum)) to \(CSVWriter.number(c.maximum)) (\(c.domain.expectation)), got \(x.isFinite ? CSVWriter.number(x) : String(x))")
                }
                path[k] = x
            }
            if path != c.values { changed.append((c, path)) }
        }
        self.changed = changed.map { (control: $0.0, values: $0.1) }
    }

    /// The scenario file's text. `extendsPath` is the explored file as written from the new file's folder.
    public func toml(name: String, extendsPath: String, note: String) -> String {
        let s = entry.scenario
        var t = "# \(note)\n"
        t += "# Only the levers and assumptions changed in the explorer are given here; everything else comes from\n"
        t += "# the scenario it extends. `coopsim run` on this file reproduces the explorer's numbers exactly.\n"
        t += "name = \(JSONText.string(name))\n"
        t += "title = \(JSONText.string(s.title + " (explored)"))\n"
        if !s.titleVI.isEmpty { t += "title_vi = \(JSONText.string(s.titleVI + " (khám phá)"))\n" }
        t += "extends = \(JSONText.string(extendsPath))\n"
        if let draws { t += "draws = \(draws)\n" }
        for kind in ["levers", "assumptions"] {
            let rows = changed.filter { ($0.control.kind == "lever" ? "levers" : "assumptions") == kind }
            guard !rows.isEmpty else { continue }
            t += "\n[\(kind)]\n"
            for (c, values) in rows {
                // Every year from the last observed one, so no interpolation or holding changes a value.
                var points = ["\(s.lastObservedYear) = \(CSVWriter.number(c.lastObservedValue))"]
                for (y, v) in zip(c.years, values) { points.append("\(y) = \(CSVWriter.number(v))") }
                t += "\(c.name) = { \(points.joined(separator: ", ")) }\n"
            }
        }
        return t
    }
}
