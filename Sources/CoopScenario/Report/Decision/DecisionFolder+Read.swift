import CoopData
import Foundation

/// The output folder of `sweep`, `sensitivity`, `optimize` or `discover`, read back for reports:
/// run.json's kind and method, factors.csv, metrics.csv, scenarios.csv and the method's tables as
/// rows of text cells by column name. Problems are `InputError`s naming the file.
public struct DecisionFolder: Sendable {
    public struct Table: Sendable {
        public var columns: [String]
        public var rows: [[String]]
        public func column(_ name: String) -> [String] {
            guard let i = columns.firstIndex(of: name) else { return Array(repeating: "", count: rows.count) }
            return rows.map { $0[i] }
        }
        public func numbers(_ name: String) -> [Double] { column(name).map { Double($0) ?? .nan } }
        public func value(_ row: Int, _ name: String) -> String {
            guard let i = columns.firstIndex(of: name) else { return "" }
            return rows[row][i]
        }
        public func number(_ row: Int, _ name: String) -> Double { Double(value(row, name)) ?? .nan }
    }

    public var directory: String
    public var kind: String
    public var method: String
    public var runJSON: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(runText.utf8))) as? [String: Any] ?? [:] }
    var runText: String
    public var tables: [String: Table]

    /// The decision kinds `report` recognises in run.json.
    public static let kinds: Set<String> = ["sweep", "sensitivity", "optimize", "discover"]

    /// The kind recorded in `directory/run.json`, if it is a decision folder.
    public static func kind(of directory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent("run.json")),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let k = o["kind"] as? String,
              kinds.contains(k) else { return nil }
        return k
    }

    public static func read(directory: String) throws -> DecisionFolder {
        let runPath = (directory as NSString).appendingPathComponent("run.json")
        guard let data = FileManager.default.contents(atPath: runPath),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let kind = o["kind"] as? String, kinds.contains(kind) else {
            throw InputError(file: runPath, expected: "the run.json of a sweep, sensitivity, optimize or discover folder", found: "something else")
        }
        let method = o["method"] as? String ?? ""
        var tables: [String: Table] = [:]
        let names = ["factors.csv", "metrics.csv", "scenarios.csv", "sweep.csv", "sweep_summary.csv", "cases.csv", "tornado.csv",
                     "morris.csv", "sobol.csv", "search.csv", "optimum.csv", "check.csv", "prim_trajectory.csv", "prim_box.csv"]
        for n in names {
            let p = (directory as NSString).appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: p) else { continue }
            let t = try CSVReader.read(path: p)
            var rows = [[String]](repeating: [], count: t.rowCount)
            for c in t.columns {
                switch c {
                case .numeric(let v): for r in 0..<t.rowCount { rows[r].append(CSVWriter.number(v[r])) }
                case .text(let v): for r in 0..<t.rowCount { rows[r].append(v[r] ?? "") }
                }
            }
            tables[n] = Table(columns: t.names, rows: rows)
        }
        let required: [String: [String]] = ["sweep": ["sweep.csv"], "optimize": ["optimum.csv", "check.csv", "search.csv"],
                                            "discover": ["prim_trajectory.csv", "prim_box.csv"], "sensitivity": [method + ".csv"]]
        for n in required[kind] ?? [] where tables[n] == nil {
            throw InputError(file: (directory as NSString).appendingPathComponent(n), expected: "the \(n) of a \(kind) folder", found: "no such file")
        }
        return DecisionFolder(directory: directory, kind: kind, method: method, runText: String(decoding: data, as: UTF8.self), tables: tables)
    }

    /// A factor's or metric's label in a language, from factors.csv / metrics.csv.
    func label(_ name: String, vi: Bool) -> String {
        for file in ["factors.csv", "metrics.csv"] {
            guard let t = tables[file] else { continue }
            let key = file == "factors.csv" ? "factor" : "metric"
            if let r = t.column(key).firstIndex(of: name) {
                let l = t.value(r, vi ? "label_vi" : "label_en")
                if !l.isEmpty { return l }
            }
        }
        return name
    }
}
