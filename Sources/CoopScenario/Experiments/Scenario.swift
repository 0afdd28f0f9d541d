import CoopData
import CoopModel
import Foundation

/// A yearly path of a lever or assumption: given values at some years,
/// linear between them (or held until the next given year with `step`),
/// held flat before the first and after the last given year.
///
///     promotion = { 2024 = 30, 2026 = 40 }        # 2025 -> 35, 2027 -> 40
///     promotion = { 2024 = 30, 2026 = 40, step = true }   # 2025 -> 30
///     grdp_growth = 0.065                         # every year
public struct YearPath: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var year: Int
        public var value: Double
        public var line: Int
    }
    public var points: [Point]
    public var step: Bool
    public var line: Int

    public init(points: [Point], step: Bool, line: Int) {
        precondition(!points.isEmpty, "A year path needs at least one point.")
        self.points = points.sorted { $0.year < $1.year }
        self.step = step
        self.line = line
    }

    /// The path's value in `year`.
    public func value(at year: Int) -> Double {
        if year <= points[0].year { return points[0].value }
        if year >= points[points.count - 1].year { return points[points.count - 1].value }
        var k = 0
        while points[k + 1].year <= year { k += 1 }
        let a = points[k], b = points[k + 1]
        if a.year == year || step { return a.value }
        let t = Double(year - a.year) / Double(b.year - a.year)
        return a.value + t * (b.value - a.value)
    }
}

/// A plan target: `metric op value` in `year`, with its source.
///
/// A target the model cannot evaluate (a plan figure on something the model has no variable for)
/// is written with `evaluated = false` and a `reason`; it is kept in `Scenario.unevaluatedTargets`
/// and reported in targets.csv without a probability, with its reason, so that no plan figure is
/// silently dropped.
public struct Target: Sendable, Equatable {
    public enum Op: String, Sendable, CaseIterable {
        case ge = ">=", gt = ">", le = "<=", lt = "<"
        public func holds(_ x: Double, _ v: Double) -> Bool {
            switch self {
            case .ge: return x >= v
            case .gt: return x > v
            case .le: return x <= v
            case .lt: return x < v
            }
        }
    }
    public var metric: String
    public var year: Int
    public var op: Op
    public var value: Double
    public var source: String
    public var file: String
    public var line: Int
    /// Why the model cannot evaluate the target; empty for an evaluated target.
    public var reason: String = ""
    /// The source in Vietnamese (`source_vi`), shown by `--lang vi` reports; empty when not given.
    public var sourceVI: String = ""
    /// The reason in Vietnamese (`reason_vi`, with `evaluated = false` only); empty when not given.
    public var reasonVI: String = ""
    /// What the target measures, in English and Vietnamese (`label_en`, `label_vi`), shown in the
    /// reports' target tables in place of the metric key; empty when not given (an evaluated target
    /// then shows its variable's label from the model).
    public var labelEN: String = "", labelVI: String = ""
    /// False for a documented target the model cannot evaluate (`evaluated = false`).
    public var isEvaluated: Bool { reason.isEmpty }
}

/// A scenario after `extends` is resolved and every value is checked
/// against the model's declarations.
public struct Scenario: Sendable {
    public var name: String
    public var title: String
    /// The title in Vietnamese (`title_vi`), used by `report --lang vi`; empty when not given.
    public var titleVI: String
    /// The scenario's own file, and every file it extends (for provenance).
    public var file: String
    public var inputFiles: [String]
    /// SHA-256 of each of `inputFiles` (same order), of the bytes parsed when the scenario was loaded.
    public var inputHashes: [String] = []
    public var modelPath: String
    public var calibrationPath: String
    public var region: String
    public var lastObservedYear: Int
    public var horizon: Int
    public var draws: Int
    public var seed: UInt64
    /// The state in the last observed year.
    public var observed: [String: Double]
    /// Observed history for charts: metric -> (year, value), sorted by year.
    public var history: [String: [(year: Int, value: Double)]]
    /// Lever and assumption paths by name.
    public var paths: [String: YearPath]
    public var targets: [Target]
    /// Plan targets written with `evaluated = false`: documented, reported without a probability.
    public var unevaluatedTargets: [Target] = []
    public var notes: [String: String]
    /// Things the loader did that the user should know (e.g. a shipped model used because the
    /// written path is missing); printed as warnings by validate, run and compare.
    public var notices: [String] = []
    /// Where each observed value and path was written: "observed.coops", "levers.training",
    /// "assumptions.grdp_growth" -> (file, line) (a path's points carry their own lines).
    public var locations: [String: (file: String, line: Int)] = [:]

    /// Simulated years: lastObservedYear + 1 ... horizon.
    public var years: ClosedRange<Int> { (lastObservedYear + 1)...horizon }
}

/// Reads scenario files: TOML with `extends`, located errors, every problem listed.
public enum ScenarioLoader {
    static let topKeys = ["name", "title", "title_vi", "extends", "model", "calibration", "region", "last_observed_year",
                          "horizon", "draws", "seed", "observed", "history", "assumptions", "levers", "targets", "notes"]

    /// Loads a scenario and the model it names, checking the scenario against the model.
    /// Throws `InputErrors` listing every problem found.
    /// The most files an `extends` chain may hold (each is read and merged).
    public static let maximumExtendsChain = 100

    public static func load(path: String) throws -> (Scenario, ModelSpec) { try load(path: path, text: nil) }

    /// Loads a scenario whose own file is given as `text` (read as if it were the file at `path`, so that
    /// `extends`, `model` and `calibration` resolve relative to `path`'s folder); the files it extends are read
    /// from disk. Used by `coopsim serve` to check and run an edited scenario exactly as the file it would save.
    public static func load(path: String, text: String?) throws -> (Scenario, ModelSpec) {
        var problems: [InputError] = []
        var chain: [(path: String, doc: TOMLDocument)] = []
        var current = path
        var seen = Set<String>()
        while true {
            if chain.count >= maximumExtendsChain, let last = chain.last {
                throw InputErrors([InputError(file: last.path, line: last.doc.root.entry("extends")?.keyLine, field: "extends",
                                              expected: "a chain of at most \(maximumExtendsChain) scenario files",
                                              found: "a longer one from \(path)", hint: "extend a scenario nearer the root")])
            }
            if !seen.insert(canonical(current)).inserted,
               let k = chain.firstIndex(where: { canonical($0.path) == canonical(current) }) {
                let cycle = chain[k...].map(\.path) + [current]
                throw InputErrors([InputError(file: chain.last!.path, line: chain.last!.doc.root.entry("extends")?.keyLine, field: "extends",
                                              expected: "a chain of scenarios without a cycle", found: "a cycle: " + cycle.joined(separator: " -> "))])
            }
            let doc: TOMLDocument
            do {
                if chain.isEmpty, let text {
                    // Hashed as the bytes the file would hold, so run.json records what was parsed.
                    var d = try TOMLParser.parse(text, file: current)
                    d.sha256 = SHA256.hex(Array(text.utf8))
                    doc = d
                }
                else { doc = try TOMLParser.parse(contentsOf: current) }
            } catch {
                if let last = chain.last, let e = last.doc.root.entry("extends") {
                    throw InputErrors([InputError(file: last.path, line: e.keyLine, field: "extends",
                                                  expected: "a readable scenario file", found: "\(error)")])
                }
                throw InputErrors([error])
            }
            if let other = otherKind(doc) {
                throw InputErrors([InputError(file: current, line: 1, field: nil, expected: "a scenario file",
                                              found: other.found, hint: other.hint)])
            }
            chain.append((current, doc))
            guard let ext = doc.root["extends"] else { break }
            guard let s = ext.stringValue else {
                throw InputErrors([InputError(file: current, line: ext.line, column: ext.column, field: "extends",
                                              expected: "the path of another scenario file in double quotes", found: ext.sourceText)])
            }
            current = resolve(s, relativeTo: current)
        }
        // Check each file's own keys, then merge from the root ancestor down.
        var merged = MergedScenario()
        for (p, doc) in chain.reversed() {
            var checker = TOMLChecker(file: p)
            merged.absorb(doc, checker: &checker)
            problems += checker.problems
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        var notices: [String] = []
        if let m = merged.modelPath { merged.modelPath = shippedFallback(m, key: "model", scenario: path, notices: &notices) }
        if let c = merged.calibrationPath { merged.calibrationPath = shippedFallback(c, key: "calibration", scenario: path, notices: &notices) }
        guard let modelPath = merged.modelPath else {
            // Without a model nothing else can be checked: say what is missing.
            throw InputErrors([InputError(file: path, line: 1, field: "model", expected: "the path of a model file, e.g. model = \"model.toml\"",
                                          found: "nothing (the key is missing here and in every file it extends)",
                                          hint: "a model file has [variables] and [[equations]]; a scenario names its model")])
        }
        let model: ModelSpec
        do { model = try ModelSpec.load(path: modelPath) } catch let e as InputErrors {
            let missing = !FileManager.default.fileExists(atPath: modelPath)
            throw InputErrors([InputError(file: merged.modelFile ?? path, line: merged.modelLine, field: "model",
                                          expected: missing ? "an existing model file" : "a valid model file",
                                          found: missing ? "\(modelPath) does not exist" : "problems in \(modelPath)",
                                          hint: missing ? "paths are relative to the file that writes them; a scenario copied out of Scenarios/ must say model = \"PATH/TO/Scenarios/model.toml\" (see Guides/Scenarios.md)" : nil)]
                              + (missing ? [] : e.errors))
        } catch let e as InputError where !FileManager.default.fileExists(atPath: modelPath) {
            throw InputErrors([InputError(file: merged.modelFile ?? path, line: merged.modelLine, field: "model",
                                          expected: "an existing model file", found: "\(modelPath) does not exist",
                                          hint: "paths are relative to the file that writes them; a scenario copied out of Scenarios/ must say model = \"PATH/TO/Scenarios/model.toml\" (see Guides/Scenarios.md)")] + [e])
        }
        var scenario = try merged.finish(path: path, chain: chain.map(\.path), model: model)
        scenario.notices = notices
        scenario.inputHashes = chain.map(\.doc.sha256)
        return (scenario, model)
    }

    /// Recognises a model, calibration or truth file given where a scenario was expected.
    static func otherKind(_ doc: TOMLDocument) -> (found: String, hint: String)? {
        let root = doc.root
        if let eqs = root["equations"]?.arrayValue, eqs.contains(where: { $0.tableValue?["coefficients"] != nil }) {
            return ("a calibration file (its [[equations]] have coefficients)", "name it in a scenario as calibration = \"...\"")
        }
        if root["variables"] != nil && root["equations"] != nil {
            return ("a model file (it has [variables] and [[equations]])", "name it in a scenario as model = \"...\"")
        }
        if root["initial"] != nil && root["paths"] != nil {
            return ("a truth file for coopsim synth (it has [initial] and [paths])", "use it with coopsim synth --truth")
        }
        return nil
    }

    static func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }

    /// The folder of the shipped scenarios, model and calibration, relative to the working directory.
    public static let shippedFolder = "Scenarios"

    /// `written` when it exists; else the shipped file of the same name (`Scenarios/NAME` from the
    /// working directory) when that exists, with a notice saying so; else `written` (whose absence
    /// the caller reports). A scenario copied out of `Scenarios/` keeps finding its model.
    /// The path of `target` from the folder `base`, both taken from the working directory, symbolic
    /// links left as they are (what a user would write in the scenario).
    static func relative(from base: String, to target: String) -> String {
        func parts(_ p: String) -> [String] {
            let abs = p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p.isEmpty ? "." : p)
            return URL(fileURLWithPath: abs).standardizedFileURL.pathComponents.filter { $0 != "/" }
        }
        let b = parts(base), t = parts(target)
        var k = 0
        while k < b.count && k < t.count && b[k] == t[k] { k += 1 }
        return (Array(repeating: "..", count: b.count - k) + t[k...]).joined(separator: "/")
    }

    static func shippedFallback(_ written: String, key: String, scenario: String, notices: inout [String]) -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: written) { return written }
        let shipped = shippedFolder + "/" + (written as NSString).lastPathComponent
        guard fm.fileExists(atPath: shipped) else { return written }
        notices.append("\(scenario): \(key): \(written) does not exist; using the shipped \(shipped) (paths are relative to the scenario file: write \(key) = \"\(relative(from: (scenario as NSString).deletingLastPathComponent, to: shipped))\" to say so)")
        return shipped
    }

    /// A path written in `file`, relative to that file's folder.
    public static func resolve(_ written: String, relativeTo file: String) -> String {
        if written.hasPrefix("/") { return written }
        let dir = (file as NSString).deletingLastPathComponent
        let joined = dir.isEmpty ? written : dir + "/" + written
        return (joined as NSString).standardizingPath
    }
}

/// Scenario values accumulated over an `extends` chain, each with where it was written.
struct MergedScenario {
    struct Located<T> { var value: T; var file: String; var line: Int }
    var name: Located<String>?
    var title: String?
    var titleVI: String?
    var modelPath: String?
    var modelFile: String?
    var modelLine: Int?
    var calibrationPath: String?
    var region: Located<String>?
    var lastObserved: Located<Int>?
    var horizon: Located<Int>?
    var draws: Int?
    var seed: UInt64?
    var observed: [String: Located<TOMLNode>] = [:]
    var observedOrder: [String] = []
    var history: [String: Located<TOMLNode>] = [:]
    var paths: [String: (kind: String, node: Located<TOMLNode>)] = [:]
    var pathOrder: [String] = []
    var targets: [(file: String, node: TOMLNode)]?
    var notes: [String: String] = [:]

    mutating func absorb(_ doc: TOMLDocument, checker: inout TOMLChecker) {
        let root = doc.root
        let file = doc.file
        checker.rejectUnknownKeys(root, allowed: ScenarioLoader.topKeys, path: "")
        if let s = checker.string(root, "name", path: "", required: false) { name = Located(value: s, file: file, line: root.entry("name")!.keyLine) }
        if let s = checker.string(root, "title", path: "", required: false) { title = s }
        if let s = checker.string(root, "title_vi", path: "", required: false) { titleVI = s }
        if let s = checker.string(root, "model", path: "", required: false) {
            modelPath = ScenarioLoader.resolve(s, relativeTo: file); modelFile = file; modelLine = root.entry("model")!.keyLine
        }
        if let s = checker.string(root, "calibration", path: "", required: false) { calibrationPath = ScenarioLoader.resolve(s, relativeTo: file) }
        if let s = checker.string(root, "region", path: "", required: false) { region = Located(value: s, file: file, line: root.entry("region")!.keyLine) }
        if let y = checker.integer(root, "last_observed_year", path: "", required: false, range: 1900...2200) {
            lastObserved = Located(value: y, file: file, line: root.entry("last_observed_year")!.keyLine)
        }
        if let y = checker.integer(root, "horizon", path: "", required: false, range: 1900...2200) {
            horizon = Located(value: y, file: file, line: root.entry("horizon")!.keyLine)
        }
        if let d = checker.integer(root, "draws", path: "", required: false, range: 1...100_000_000) { draws = d }
        if let s = checker.integer(root, "seed", path: "", required: false, range: 0...Int64.max) { seed = UInt64(s) }
        if let (t, _) = checker.table(root, "observed", path: "", required: false) {
            for e in t.entries {
                if observed[e.key] == nil { observedOrder.append(e.key) }
                observed[e.key] = Located(value: e.node, file: file, line: e.keyLine)
            }
        }
        if let (t, _) = checker.table(root, "history", path: "", required: false) {
            for e in t.entries { history[e.key] = Located(value: e.node, file: file, line: e.keyLine) }
        }
        for kind in ["assumptions", "levers"] {
            if let (t, _) = checker.table(root, kind, path: "", required: false) {
                for e in t.entries {
                    if paths[e.key] == nil { pathOrder.append(e.key) }
                    paths[e.key] = (kind, Located(value: e.node, file: file, line: e.keyLine))
                }
            }
        }
        if let node = root["targets"] {
            if let arr = node.arrayValue { targets = arr.map { (file, $0) } } else {
                checker.report(node, field: "targets", expected: "an array of tables ([[targets]])", found: node.kindDescription)
            }
        }
        if let (t, _) = checker.table(root, "notes", path: "", required: false) {
            for e in t.entries {
                if let s = e.node.stringValue { notes[e.key] = s } else {
                    checker.report(e.node, field: "notes." + e.key, expected: "a string", found: e.node.sourceText)
                }
            }
        }
    }

    func finish(path: String, chain: [String], model: ModelSpec) throws -> Scenario {
        var problems: [InputError] = []
        func missing(_ key: String, _ what: String) {
            problems.append(InputError(file: path, line: 1, field: key, expected: what, found: "nothing (the key is missing here and in every file it extends)"))
        }
        if name == nil { missing("name", "a scenario name") }
        if modelPath == nil { missing("model", "the path of a model file") }
        if calibrationPath == nil { missing("calibration", "the path of a calibration file") }
        if region == nil { missing("region", "the region's name") }
        // Names label every output row and select scenarios in reports: blank ones are errors.
        for (key, v) in [("name", name), ("region", region)] {
            if let v, v.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(InputError(file: v.file, line: v.line, field: key, expected: "a non-empty text", found: "\"\(v.value)\""))
            }
        }
        if lastObserved == nil { missing("last_observed_year", "the last observed year") }
        if horizon == nil { missing("horizon", "the last simulated year") }
        if let lo = lastObserved, let h = horizon, h.value <= lo.value {
            problems.append(InputError(file: h.file, line: h.line, field: "horizon",
                                       expected: "a year after last_observed_year (\(lo.value))", found: String(h.value)))
        }
        let lo = lastObserved?.value ?? 0
        let hz = horizon?.value ?? 0

        // Observed state.
        var observedValues: [String: Double] = [:]
        var locations: [String: (file: String, line: Int)] = [:]
        let varNames = model.variables.map(\.name)
        for key in observedOrder {
            let o = observed[key]!
            var checker = TOMLChecker(file: o.file)
            guard let decl = model.declaration(key), decl.kind == .variable else {
                checker.report(line: o.line, field: "observed." + key, expected: "a variable of the model (\(varNames.joined(separator: ", ")))",
                               found: "'\(key)'", hint: closestMatch(to: key, among: varNames).map { "did you mean '\($0)'?" })
                problems += checker.problems
                continue
            }
            if let v = checker.enteringNumber(o.value, field: "observed." + key, domain: decl.domain) {
                observedValues[key] = v
                locations["observed." + key] = (o.file, o.line)
            }
            problems += checker.problems
        }

        // History: metric = { year = value }.
        var hist: [String: [(year: Int, value: Double)]] = [:]
        for (key, h) in history.sorted(by: { $0.key < $1.key }) {
            var checker = TOMLChecker(file: h.file)
            guard let decl = model.declaration(key), decl.kind == .variable else {
                checker.report(line: h.line, field: "history." + key, expected: "a variable of the model", found: "'\(key)'",
                               hint: closestMatch(to: key, among: varNames).map { "did you mean '\($0)'?" })
                problems += checker.problems
                continue
            }
            guard let t = h.value.tableValue else {
                checker.report(h.value, field: "history." + key, expected: "a table of years, such as { 2021 = 600, 2022 = 640 }", found: h.value.sourceText)
                problems += checker.problems
                continue
            }
            var pts: [(Int, Double)] = []
            var seen: Set<Int> = []
            for e in t.entries {
                let f = "history.\(key).\(e.key)"
                // Years from 1 (a report's charts need them) and each written once: "02022" is 2022 again.
                guard let y = Int(e.key), y >= 1, y <= lo else {
                    checker.report(line: e.keyLine, field: f, expected: "a year from 1 to last_observed_year (\(lo))", found: "'\(e.key)'")
                    continue
                }
                guard String(y) == e.key, seen.insert(y).inserted else {
                    checker.report(line: e.keyLine, field: f, expected: "each year written once, without leading zeros",
                                   found: "'\(e.key)', the year \(y) again")
                    continue
                }
                if let v = checker.enteringNumber(e.node, field: f, domain: decl.domain) { pts.append((y, v)) }
            }
            problems += checker.problems
            hist[key] = pts.sorted { $0.0 < $1.0 }.map { (year: $0.0, value: $0.1) }
        }

        // Lever and assumption paths.
        var yearPaths: [String: YearPath] = [:]
        for key in pathOrder {
            let (kind, loc) = paths[key]!
            var checker = TOMLChecker(file: loc.file)
            let field = kind + "." + key
            let wanted: ModelSpec.Kind = kind == "levers" ? .lever : .assumption
            let names = model.declarations.filter { $0.kind == wanted }.map(\.name)
            guard let decl = model.declaration(key), decl.kind == wanted else {
                let other = model.declaration(key)
                checker.report(line: loc.line, field: field,
                               expected: "\(kind == "levers" ? "a lever" : "an assumption") of the model (\(names.joined(separator: ", ")))",
                               found: other.map { "'\(key)', which is a \($0.kind.rawValue)" } ?? "'\(key)'",
                               hint: closestMatch(to: key, among: names).map { "did you mean '\($0)'?" })
                problems += checker.problems
                continue
            }
            if let p = readPath(loc, field: field, domain: decl.domain, lastObserved: lo, horizon: hz, checker: &checker) {
                yearPaths[key] = p
                locations[field] = (loc.file, loc.line)
            }
            problems += checker.problems
        }
        for d in model.declarations where d.kind != .variable && yearPaths[d.name] == nil && paths[d.name] == nil {
            problems.append(InputError(file: path, line: 1, field: (d.kind == .lever ? "levers." : "assumptions.") + d.name,
                                       expected: "a path for every \(d.kind.rawValue) of the model (\(d.labelEN), \(d.unit))",
                                       found: "nothing (add it here or in a file this one extends)"))
        }

        // Targets.
        var targetList: [Target] = []
        var unevaluatedList: [Target] = []
        for (k, (file, node)) in (targets ?? []).enumerated() {
            var checker = TOMLChecker(file: file)
            let p = "targets[\(k + 1)]"
            guard let t = node.tableValue else {
                checker.report(node, field: p, expected: "a table", found: node.sourceText)
                problems += checker.problems
                continue
            }
            checker.rejectUnknownKeys(t, allowed: ["metric", "year", "op", "value", "source", "source_vi", "evaluated", "reason", "reason_vi",
                                                  "label_en", "label_vi"], path: p)
            let metric = checker.string(t, "metric", path: p, required: true, tableLine: node.line)
            let year = checker.integer(t, "year", path: p, required: true, tableLine: node.line)
            let opText = checker.string(t, "op", path: p, required: true, tableLine: node.line)
            let source = checker.string(t, "source", path: p, required: true, tableLine: node.line)
            let evaluated = checker.bool(t, "evaluated", path: p) ?? true
            let reason = checker.string(t, "reason", path: p, required: false)
            let sourceVI = checker.string(t, "source_vi", path: p, required: false) ?? ""
            let reasonVI = checker.string(t, "reason_vi", path: p, required: false)
            var labels = ["", ""]
            for (i, key) in ["label_en", "label_vi"].enumerated() {
                guard let l = checker.string(t, key, path: p, required: false) else { continue }
                if l.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || l.contains("\n") {
                    checker.report(t[key], field: p + "." + key, expected: "a one-line name of what the target measures (shown in the reports' target tables)",
                                   found: l.isEmpty ? "an empty string" : "\"\(l)\"")
                } else {
                    labels[i] = l
                }
            }
            if evaluated, reasonVI != nil {
                checker.report(t["reason_vi"], field: p + ".reason_vi", expected: "a reason only with evaluated = false (a target the model cannot evaluate)",
                               found: "a reason_vi on an evaluated target")
            }
            if evaluated, reason != nil {
                checker.report(t["reason"], field: p + ".reason", expected: "a reason only with evaluated = false (a target the model cannot evaluate)",
                               found: "a reason on an evaluated target")
            }
            if !evaluated, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                checker.report(t["reason"] ?? t["evaluated"], field: p + ".reason",
                               expected: "why the model cannot evaluate the target (evaluated = false needs a reason)",
                               found: reason == nil ? "nothing (the key is missing)" : "an empty reason")
            }
            var decl: ModelSpec.Declaration?
            if let m = metric, evaluated {
                decl = model.declaration(m)
                if decl?.kind != .variable {
                    checker.report(t["metric"], field: p + ".metric", expected: "a variable of the model (\(varNames.joined(separator: ", ")))",
                                   found: "\"\(m)\"", hint: (closestMatch(to: m, among: varNames).map { "did you mean '\($0)'? " } ?? "")
                                       + "for a plan figure the model has no variable for, write evaluated = false and a reason")
                    decl = nil
                }
            }
            let value = checker.number(t, "value", path: p, required: true, tableLine: node.line, domain: decl?.domain ?? .real)
            if evaluated, let y = year, !(lo + 1...max(lo + 1, hz)).contains(y) {
                checker.report(t["year"], field: p + ".year", expected: "a simulated year from \(lo + 1) to \(hz)", found: String(y))
            }
            var op: Target.Op?
            if let o = opText {
                op = Target.Op(rawValue: o)
                if op == nil {
                    checker.report(t["op"], field: p + ".op", expected: "one of \">=\", \">\", \"<=\", \"<\"", found: "\"\(o)\"")
                }
            }
            problems += checker.problems
            if let metric, let year, let op, let value, let source, checker.problems.isEmpty {
                if !evaluated, let reason {
                    unevaluatedList.append(Target(metric: metric, year: year, op: op, value: value, source: source, file: file,
                                                  line: node.line, reason: reason, sourceVI: sourceVI, reasonVI: reasonVI ?? "",
                                                  labelEN: labels[0], labelVI: labels[1]))
                } else if decl != nil {
                    targetList.append(Target(metric: metric, year: year, op: op, value: value, source: source, file: file, line: node.line,
                                             sourceVI: sourceVI, labelEN: labels[0], labelVI: labels[1]))
                }
            }
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        var scenario = Scenario(name: name!.value, title: title ?? name!.value, titleVI: titleVI ?? "", file: path, inputFiles: chain,
                        modelPath: modelPath!, calibrationPath: calibrationPath!, region: region!.value,
                        lastObservedYear: lo, horizon: hz, draws: draws ?? 2000, seed: seed ?? 20241,
                        observed: observedValues, history: hist, paths: yearPaths, targets: targetList,
                        unevaluatedTargets: unevaluatedList, notes: notes)
        scenario.locations = locations
        return scenario
    }

    func readPath(_ loc: Located<TOMLNode>, field: String, domain: NumericDomain, lastObserved: Int, horizon: Int,
                  checker: inout TOMLChecker) -> YearPath? {
        let node = loc.value
        if node.numberValue != nil {
            guard let v = checker.enteringNumber(node, field: field, domain: domain) else { return nil }
            return YearPath(points: [.init(year: lastObserved + 1, value: v, line: node.line)], step: false, line: node.line)
        }
        guard let t = node.tableValue else {
            checker.report(node, field: field, expected: "a number or a table of years such as { 2024 = 30, 2026 = 40 }", found: node.sourceText)
            return nil
        }
        var pts: [YearPath.Point] = []
        var step = false
        var ok = true
        for e in t.entries {
            if e.key == "step" {
                if let b = e.node.boolValue { step = b } else {
                    checker.report(e.node, field: field + ".step", expected: "true or false", found: e.node.sourceText); ok = false
                }
                continue
            }
            guard let y = Int(e.key), (1900...2200).contains(y) else {
                checker.report(line: e.keyLine, field: field + "." + e.key, expected: "a year (such as 2024) or 'step'", found: "'\(e.key)'",
                               hint: closestMatch(to: e.key, among: ["step"]).map { "did you mean '\($0)'?" })
                ok = false
                continue
            }
            if y > horizon {
                checker.report(line: e.keyLine, field: field + "." + e.key, expected: "a year up to the horizon (\(horizon))", found: String(y))
                ok = false
                continue
            }
            if String(y) != e.key || pts.contains(where: { $0.year == y }) {
                checker.report(line: e.keyLine, field: field + "." + e.key, expected: "each year written once, without leading zeros",
                               found: "'\(e.key)', the year \(y) again")
                ok = false
                continue
            }
            guard let v = checker.enteringNumber(e.node, field: field + "." + e.key, domain: domain) else { ok = false; continue }
            pts.append(.init(year: y, value: v, line: e.node.line))
        }
        if pts.isEmpty && ok {
            checker.report(node, field: field, expected: "at least one year with a value", found: "an empty table")
            return nil
        }
        return ok ? YearPath(points: pts, step: step, line: node.line) : nil
    }
}
