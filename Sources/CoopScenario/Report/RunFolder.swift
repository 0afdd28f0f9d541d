import CoopData
import Foundation

/// The output folder of `coopsim run` / `coopsim compare`, read back for
/// reports (the files and columns of Guides/Outputs.md).
///
/// `summary.csv` is required; `targets.csv`, `compare.csv`, `history.csv`,
/// `metrics.csv`, `scenarios.csv` and `run.json` are optional (a report
/// leaves out what is missing: no target table, no comparison chart, metric
/// names instead of labels, no provenance). A file that is present must have
/// its columns; extra columns are ignored. Problems are thrown as
/// `InputError` naming the file, the line and the column.
public struct RunFolder: Sendable {
    /// One row of `summary.csv`: the distribution of `metric` in `year`.
    public struct Quantiles: Sendable, Equatable {
        public var scenario: String
        public var region: String
        public var year: Int
        public var metric: String
        public var mean: Double, sd: Double
        public var p05: Double, p25: Double, p50: Double, p75: Double, p95: Double
        public var mcSE: Double
    }
    /// One row of `targets.csv`.
    public struct TargetResult: Sendable, Equatable {
        public var scenario: String
        public var region: String
        public var metric: String
        public var year: Int
        public var op: String
        public var value: Double
        public var probability: Double
        public var mcSE: Double
        public var source: String
        /// The exact 95% interval of `probability` (NaN in folders written before it).
        public var probabilityLow: Double = .nan, probabilityHigh: Double = .nan
        /// Why the model cannot evaluate the target (`reason` column); empty for an evaluated one,
        /// whose probability is then a number. Unevaluated targets have no probability (NaN).
        public var reason: String = ""
        /// `source_vi`, `reason_vi`: the source and reason in Vietnamese (empty when not given).
        public var sourceVI: String = "", reasonVI: String = ""
        /// The source in `language` (Vietnamese when given, else the source as written).
        public func source(_ language: ReportLanguage) -> String { language == .vi && !sourceVI.isEmpty ? sourceVI : source }
        /// The reason in `language` (Vietnamese when given, else the reason as written).
        public func reason(_ language: ReportLanguage) -> String { language == .vi && !reasonVI.isEmpty ? reasonVI : reason }
        /// `label_en`, `label_vi`: what the target measures (empty in older folders, and for an
        /// unevaluated target whose scenario names it with neither).
        public var labelEN: String = "", labelVI: String = ""
    }
    /// One row of `compare.csv`: the distribution of alternative minus baseline.
    public struct Difference: Sendable, Equatable {
        public var scenario: String
        public var baseline: String
        public var region: String
        public var year: Int
        public var metric: String
        public var meanDiff: Double, sdDiff: Double
        public var p05Diff: Double, p50Diff: Double, p95Diff: Double
        public var probIncrease: Double
        /// The exact 95% interval of `probIncrease` (NaN in folders written before it).
        public var probIncreaseLow: Double = .nan, probIncreaseHigh: Double = .nan
    }
    /// One row of `history.csv`.
    public struct Observation: Sendable, Equatable {
        public var scenario: String
        public var region: String
        public var year: Int
        public var metric: String
        public var value: Double
    }
    /// One row of `metrics.csv`.
    public struct Metric: Sendable, Equatable {
        public var name: String
        public var unit: String
        public var labelEN: String
        public var labelVI: String
        /// Shares are drawn on a percent axis.
        public var isShare: Bool { unit == "share" || unit.hasPrefix("share ") }
    }
    /// One row of `scenarios.csv`.
    public struct ScenarioInfo: Sendable, Equatable {
        public var name: String
        public var title: String
        /// `title_vi` (optional column; empty when absent).
        public var titleVI: String = ""
        public var region: String
        public var lastObservedYear: Int
        public var horizon: Int
        public var draws: Int
        public var seed: String
        public var file: String
    }
    /// One row of `levers.csv`: a lever's or assumption's value in a simulated year.
    public struct LeverValue: Sendable, Equatable {
        public var scenario: String
        public var region: String
        /// "lever" or "assumption".
        public var kind: String
        public var name: String
        public var year: Int
        public var value: Double
        public var unit: String
        public var labelEN: String
        public var labelVI: String
    }
    /// `run.json`, as far as a report shows it.
    public struct Provenance: Sendable, Equatable {
        public var tool: String
        public var version: String
        public var kind: String
        public var command: [String]
        public var seed: String
        public var draws: String
        public var threads: String
        public var started: String
        public var wallSeconds: String
        public var inputs: [(path: String, sha256: String)]
        /// run.json's `"calibrations"`; nil in folders written before it (reports then read the files).
        public var calibrations: [CalibrationProvenance]? = nil
        public static func == (a: Provenance, b: Provenance) -> Bool {
            a.tool == b.tool && a.version == b.version && a.kind == b.kind && a.command == b.command && a.seed == b.seed
                && a.draws == b.draws && a.started == b.started && a.inputs.map(\.path) == b.inputs.map(\.path)
                && a.inputs.map(\.sha256) == b.inputs.map(\.sha256) && a.calibrations == b.calibrations
        }
    }

    public let directory: String
    public let summary: [Quantiles]
    public let targets: [TargetResult]
    public let differences: [Difference]
    public let history: [Observation]
    /// Metrics in model order: `metrics.csv` order, then any others in order of first appearance in `summary.csv`.
    public let metrics: [Metric]
    public let scenarios: [ScenarioInfo]
    public let provenance: Provenance?
    /// `levers.csv` (optional: folders written before it existed have none).
    public var levers: [LeverValue] = []

    /// Row indexes by (scenario, region, metric), so a report of many regions stays linear in the folder's size.
    struct Key: Hashable { var scenario: String, region: String, metric: String }
    struct CompareKey: Hashable { var scenario: String, baseline: String, region: String, metric: String }
    private let summaryIndex: [Key: [Int]]
    private let historyIndex: [Key: [Int]]
    private let targetIndex: [Key: [Int]]
    private let compareIndex: [CompareKey: [Int]]
    /// Scenarios in the order of `scenarios.csv`, then of first appearance in `summary.csv`.
    public let scenarioNames: [String]
    /// Regions in order of first appearance in `summary.csv`.
    public let regions: [String]
    /// (alternative, baseline) pairs in `compare.csv`, in order of appearance.
    public let comparisons: [(scenario: String, baseline: String)]

    public init(directory: String, summary: [Quantiles], targets: [TargetResult] = [], differences: [Difference] = [],
                history: [Observation] = [], metrics: [Metric] = [], scenarios: [ScenarioInfo] = [], provenance: Provenance? = nil) {
        self.directory = directory
        self.summary = summary
        self.targets = targets
        self.differences = differences
        self.history = history
        self.metrics = metrics
        self.scenarios = scenarios
        self.provenance = provenance
        func index<K: Hashable>(_ n: Int, _ key: (Int) -> K) -> [K: [Int]] {
            var d: [K: [Int]] = [:]
            for i in 0..<n { d[key(i), default: []].append(i) }
            return d
        }
        summaryIndex = index(summary.count) { Key(scenario: summary[$0].scenario, region: summary[$0].region, metric: summary[$0].metric) }
        historyIndex = index(history.count) { Key(scenario: history[$0].scenario, region: history[$0].region, metric: history[$0].metric) }
        targetIndex = index(targets.count) { Key(scenario: targets[$0].scenario, region: targets[$0].region, metric: targets[$0].metric) }
        compareIndex = index(differences.count) {
            CompareKey(scenario: differences[$0].scenario, baseline: differences[$0].baseline, region: differences[$0].region,
                       metric: differences[$0].metric)
        }
        func ordered(_ first: [String], _ rest: [String]) -> [String] {
            var seen = Set<String>(), out: [String] = []
            for x in first + rest where seen.insert(x).inserted { out.append(x) }
            return out
        }
        scenarioNames = ordered(scenarios.map(\.name), summary.map(\.scenario))
        regions = ordered([], summary.map(\.region))
        var pairs: [(String, String)] = [], seenPairs = Set<String>()
        for d in differences where seenPairs.insert(d.scenario + "\u{1}" + d.baseline).inserted { pairs.append((d.scenario, d.baseline)) }
        comparisons = pairs
    }


    /// Reads a run folder. Throws `InputError` when `directory` is not a
    /// folder, `summary.csv` is missing or empty, or a file present lacks a
    /// column or holds a field that does not parse (file, line, column named).
    public static func read(directory: String) throws -> RunFolder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw InputError(file: directory, expected: "a run folder (the output of coopsim run or compare)", found: "no such folder")
        }
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
        /// Reads `name` if present (or when `required`), checking its columns.
        func open(_ file: RunFolderSchema.File, required: Bool = false) throws -> _RunTable? {
            let name = file.name
            guard required || exists(name) else { return nil }
            guard exists(name) else {
                throw InputError(file: path(name), expected: "\(name) in a run folder (the output of coopsim run or compare)",
                                 found: "no such file")
            }
            let t = try _RunTable.read(path: path(name))
            try t.require(file.requiredColumns)
            return t
        }

        let s = try open(RunFolderSchema.summary, required: true)!
        if s.rowCount == 0 {
            throw InputError(file: s.file, line: 2, expected: "at least one row after the header", found: "no rows")
        }
        var summary: [Quantiles] = []
        do {
            let sc = s.text("scenario"), rg = s.text("region"), mt = s.text("metric"), yr = try s.years("year")
            let n = try RunFolderSchema.summary.columns.dropFirst(4).map { try s.numbers($0) }
            summary.reserveCapacity(s.rowCount)
            for i in 0..<s.rowCount {
                summary.append(Quantiles(scenario: sc[i], region: rg[i], year: yr[i], metric: mt[i], mean: n[0][i], sd: n[1][i],
                                         p05: n[2][i], p25: n[3][i], p50: n[4][i], p75: n[5][i], p95: n[6][i], mcSE: n[7][i]))
            }
        }

        var targets: [TargetResult] = []
        if let t = try open(RunFolderSchema.targets), t.rowCount > 0 {
            let sc = t.text("scenario"), rg = t.text("region"), mt = t.text("metric"), op = t.text("op"), src = t.text("source")
            let yr = try t.years("year"), v = try t.numbers("value"), p = try t.probabilities("probability"), se = try t.numbers("mc_se")
            let lo = try t.probabilities("probability_low"), hi = try t.probabilities("probability_high")
            // `reason` (absent in older run folders; an all-empty column may come back typed as numbers).
            func optionalText(_ name: String) -> [String] {
                t.header.contains(name) ? t.text(name).map { ["NaN", "nan", "NA"].contains($0) ? "" : $0 }
                                        : [String](repeating: "", count: t.rowCount)
            }
            let why = optionalText("reason"), srcVI = optionalText("source_vi"), whyVI = optionalText("reason_vi")
            let labEN = optionalText("label_en"), labVI = optionalText("label_vi")
            for i in 0..<t.rowCount {
                guard [">=", ">", "<=", "<"].contains(op[i]) else {
                    throw InputError(file: t.file, line: t.line(i), field: "op", expected: "one of >=, >, <=, <", found: "'\(op[i])'")
                }
                targets.append(TargetResult(scenario: sc[i], region: rg[i], metric: mt[i], year: yr[i], op: op[i], value: v[i],
                                            probability: p[i], mcSE: se[i], source: src[i],
                                            probabilityLow: lo.isEmpty ? .nan : lo[i], probabilityHigh: hi.isEmpty ? .nan : hi[i],
                                            reason: why[i], sourceVI: srcVI[i], reasonVI: whyVI[i], labelEN: labEN[i], labelVI: labVI[i]))
            }
        }

        var differences: [Difference] = []
        if let t = try open(RunFolderSchema.compare), t.rowCount > 0 {
            let sc = t.text("scenario"), bl = t.text("baseline"), rg = t.text("region"), mt = t.text("metric")
            let yr = try t.years("year")
            let n = try ["mean_diff", "sd_diff", "p05_diff", "p50_diff", "p95_diff"].map { try t.numbers($0) }
            let pi = try t.probabilities("prob_increase")
            let lo = try t.probabilities("prob_increase_low"), hi = try t.probabilities("prob_increase_high")
            for i in 0..<t.rowCount {
                differences.append(Difference(scenario: sc[i], baseline: bl[i], region: rg[i], year: yr[i], metric: mt[i],
                                              meanDiff: n[0][i], sdDiff: n[1][i], p05Diff: n[2][i], p50Diff: n[3][i],
                                              p95Diff: n[4][i], probIncrease: pi[i],
                                              probIncreaseLow: lo.isEmpty ? .nan : lo[i], probIncreaseHigh: hi.isEmpty ? .nan : hi[i]))
            }
        }

        var history: [Observation] = []
        if let t = try open(RunFolderSchema.history), t.rowCount > 0 {
            let sc = t.text("scenario"), rg = t.text("region"), mt = t.text("metric")
            let yr = try t.years("year"), v = try t.numbers("value")
            for i in 0..<t.rowCount {
                history.append(Observation(scenario: sc[i], region: rg[i], year: yr[i], metric: mt[i], value: v[i]))
            }
        }

        var metrics: [Metric] = []
        if let t = try open(RunFolderSchema.metrics), t.rowCount > 0 {
            let m = t.text("metric"), u = t.text("unit"), en = t.text("label_en"), vi = t.text("label_vi")
            for i in 0..<t.rowCount { metrics.append(Metric(name: m[i], unit: u[i], labelEN: en[i], labelVI: vi[i])) }
        }
        for q in summary where !metrics.contains(where: { $0.name == q.metric }) {
            metrics.append(Metric(name: q.metric, unit: "", labelEN: q.metric, labelVI: q.metric))
        }

        var scenarios: [ScenarioInfo] = []
        if let t = try open(RunFolderSchema.scenarios), t.rowCount > 0 {
            let sc = t.text("scenario"), ti = t.text("title"), rg = t.text("region"), seed = t.text("seed"), file = t.text("file")
            let lo = try t.years("last_observed_year"), hz = try t.years("horizon"), dr = try t.integers("draws")
            let tv = t.text("title_vi")   // optional: folders written before it existed lack it
            for i in 0..<t.rowCount {
                var info = ScenarioInfo(name: sc[i], title: ti[i], region: rg[i], lastObservedYear: lo[i], horizon: hz[i],
                                        draws: dr[i], seed: seed[i], file: file[i])
                info.titleVI = i < tv.count ? tv[i] : ""
                scenarios.append(info)
            }
        }

        var provenance: Provenance?
        if exists(RunFolderSchema.run.name) { provenance = try readProvenance(path: path(RunFolderSchema.run.name)) }

        var folder = RunFolder(directory: directory, summary: summary, targets: targets, differences: differences, history: history,
                               metrics: metrics, scenarios: scenarios, provenance: provenance)
        if let t = try open(RunFolderSchema.levers), t.rowCount > 0 {
            let sc = t.text("scenario"), rg = t.text("region"), kd = t.text("kind"), nm = t.text("name")
            let un = t.text("unit"), en = t.text("label_en"), vi = t.text("label_vi")
            let yr = try t.years("year"), v = try t.numbers("value")
            for i in 0..<t.rowCount {
                folder.levers.append(LeverValue(scenario: sc[i], region: rg[i], kind: kd[i], name: nm[i], year: yr[i], value: v[i],
                                                unit: un[i], labelEN: en[i], labelVI: vi[i]))
            }
        }
        return folder
    }

    static func readProvenance(path: String) throws -> Provenance {
        guard let data = FileManager.default.contents(atPath: path),
              let any = try? JSONSerialization.jsonObject(with: data), let o = any as? [String: Any] else {
            throw InputError(file: path, expected: "a JSON object (run.json)", found: "text that is not a JSON object")
        }
        func text(_ k: String) -> String {
            switch o[k] {
            case let s as String: return s
            case let n as NSNumber: return n.stringValue
            case let a as [Any]: return a.map { ($0 as? NSNumber)?.stringValue ?? "\($0)" }.joined(separator: ", ")
            default: return ""
            }
        }
        var inputs: [(String, String)] = []
        if let arr = o["inputs"] as? [[String: Any]] {
            for e in arr { inputs.append(((e["path"] as? String) ?? "", (e["sha256"] as? String) ?? "")) }
        } else if o["inputs"] != nil {
            throw InputError(file: path, field: "inputs", expected: "an array of {path, sha256} objects", found: "another JSON value")
        }
        var calibrations: [CalibrationProvenance]?
        if let arr = o["calibrations"] as? [[String: Any]] {
            calibrations = arr.map(CalibrationProvenance.init(object:))
        } else if o["calibrations"] != nil {
            throw InputError(file: path, field: "calibrations", expected: "an array of objects (\(RunFolderSchema.calibrationFields.joined(separator: ", ")))",
                             found: "another JSON value")
        }
        return Provenance(tool: text("tool"), version: text("version"), kind: text("kind"),
                          command: (o["command"] as? [String]) ?? [], seed: text("seed"), draws: text("draws"),
                          threads: text("threads"), started: text("started"), wallSeconds: text("wall_seconds"), inputs: inputs,
                          calibrations: calibrations)
    }

    // MARK: Views used by the report

    /// Metrics that have rows in `summary.csv`, in model order.
    /// Metrics missing from `metrics.csv` come last, labelled by their name.
    public var summarizedMetrics: [Metric] {
        let present = Set(summary.map(\.metric))
        var out = metrics.filter { present.contains($0.name) }
        for q in summary where !out.contains(where: { $0.name == q.metric }) { out.append(metric(q.metric)) }
        return out
    }
    public func metric(_ name: String) -> Metric {
        metrics.first { $0.name == name } ?? Metric(name: name, unit: "", labelEN: name, labelVI: name)
    }
    public func scenarioInfo(_ name: String) -> ScenarioInfo? { scenarios.first { $0.name == name } }

    /// How a report names what a target measures: its `label_vi`/`label_en` in the language (the
    /// English one when the Vietnamese is missing), else the label of its metric in metrics.csv,
    /// else the metric key.
    public func targetLabel(_ t: TargetResult, language: ReportLanguage) -> String {
        if language == .vi, !t.labelVI.isEmpty { return t.labelVI }
        if language == .en, !t.labelEN.isEmpty { return t.labelEN }
        let m = metric(t.metric)
        if metrics.contains(where: { $0.name == t.metric }) { return language.label(m) }
        return t.labelEN.isEmpty ? t.metric : t.labelEN
    }

    /// How a report names a scenario: its title in the language (title_vi for Vietnamese), else its name.
    public func scenarioLabel(_ name: String, language: ReportLanguage) -> String {
        let t = scenarioTitle(name, language: language)
        return t.isEmpty ? name : t
    }

    /// A scenario's title in the report's language: `title_vi` for Vietnamese when given, else `title`.
    public func scenarioTitle(_ name: String, language: ReportLanguage) -> String {
        guard let info = scenarioInfo(name) else { return name }
        return language == .vi && !info.titleVI.isEmpty ? info.titleVI : info.title
    }

    /// The fan of one scenario, region and metric, sorted by year.
    public func fan(scenario: String, region: String, metric: String) -> [Quantiles] {
        (summaryIndex[Key(scenario: scenario, region: region, metric: metric)] ?? []).map { summary[$0] }.sorted { $0.year < $1.year }
    }
    /// Observed history of one scenario, region and metric, sorted by year (missing values left out).
    public func observed(scenario: String, region: String, metric: String) -> [Observation] {
        (historyIndex[Key(scenario: scenario, region: region, metric: metric)] ?? []).map { history[$0] }
            .filter { $0.value.isFinite }.sorted { $0.year < $1.year }
    }
    public func targets(scenario: String, region: String, metric: String) -> [TargetResult] {
        (targetIndex[Key(scenario: scenario, region: region, metric: metric)] ?? []).map { targets[$0] }
    }
    public func differences(scenario: String, baseline: String, region: String, metric: String) -> [Difference] {
        (compareIndex[CompareKey(scenario: scenario, baseline: baseline, region: region, metric: metric)] ?? []).map { differences[$0] }
            .sorted { $0.year < $1.year }
    }
}
