import CoopDistributions
import CoopData
import CoopModel
import Foundation

extension RunSummary {
    /// The files of the output folder (Guides/Outputs.md), by name. Every CSV depends only on the
    /// inputs, seed and draws (not on threads or timing); run.json records the rest.
    public func outputFiles(excel: Bool) -> [(name: String, contents: String)] {
        let schema = RunFolderSchema.self
        let levels = schema.quantiles.map(\.probability)
        let num = CSVWriter.number
        var summary = CSVWriter(columns: schema.summary.columns, excel: excel)
        var targets = CSVWriter(columns: schema.targets.columns, excel: excel)
        var compare = CSVWriter(columns: schema.compare.columns, excel: excel)
        var paths = CSVWriter(columns: schema.paths.columns, excel: excel)
        for group in groups {
            let r = group.result
            for (g, s) in group.scenarios.enumerated() {
                let scenario = scenarios[s]
                let plan = group.plans[g]
                let names = plan.model.variableNames
                let acc = r.scenarios[g]
                for (v, metric) in names.enumerated() {
                    for yi in 0..<plan.yearCount {
                        let c = yi * r.metrics + v
                        let m = acc.moments[c]
                        summary.addRow([scenario.name, scenario.region, String(plan.lastObservedYear + 1 + yi), metric,
                                        num(m.mean), num(m.standardDeviation)] + acc.sketches[c].quantiles(levels).map(num)
                                       + [num(m.standardError)])
                    }
                }
                let order = scenario.targets.indices.sorted {
                    let a = scenario.targets[$0], b = scenario.targets[$1]
                    let ma = names.firstIndex(of: a.metric)!, mb = names.firstIndex(of: b.metric)!
                    return (ma, a.year, $0) < (mb, b.year, $1)
                }
                // What each target measures: the scenario's label_en/label_vi, else the variable's label.
                func labels(_ target: Target) -> [String] {
                    let d = models[s].declaration(target.metric)
                    return [target.labelEN.isEmpty ? d?.labelEN ?? "" : target.labelEN,
                            target.labelVI.isEmpty ? d?.labelVI ?? "" : target.labelVI]
                }
                for t in order {
                    let target = scenario.targets[t]
                    let p = Double(acc.targetHits[t]) / Double(group.draws)
                    targets.addRow([scenario.name, scenario.region, target.metric, String(target.year), target.op.rawValue,
                                    num(target.value), num(p), num((p * (1 - p) / Double(group.draws)).squareRoot())]
                                   + interval(acc.targetHits[t], group.draws) + [target.source, "", target.sourceVI, ""] + labels(target))
                }
                // Plan targets the model cannot evaluate: no probability, with the reason (never dropped).
                for target in scenario.unevaluatedTargets {
                    targets.addRow([scenario.name, scenario.region, target.metric, String(target.year), target.op.rawValue,
                                    num(target.value), "", "", "", "", target.source, target.reason, target.sourceVI, target.reasonVI]
                                   + labels(target))
                }
                let keep = min(self.paths, group.draws)
                let cells = r.years * r.metrics
                for path in 0..<keep {
                    for (v, metric) in names.enumerated() {
                        for yi in 0..<plan.yearCount {
                            paths.addRow([scenario.name, scenario.region, String(path), String(plan.lastObservedYear + 1 + yi), metric,
                                          num(acc.kept[path * cells + yi * r.metrics + v])])
                        }
                    }
                }
            }
            if kind == "compare" {
                let base = scenarios[group.scenarios[0]]
                for (a, d) in r.differences.enumerated() {
                    let scenario = scenarios[group.scenarios[a + 1]]
                    let plan = group.plans[a + 1]
                    for (v, metric) in plan.model.variableNames.enumerated() {
                        for yi in 0..<plan.yearCount {
                            let c = yi * r.metrics + v
                            compare.addRow([scenario.name, base.name, scenario.region, String(plan.lastObservedYear + 1 + yi), metric,
                                            num(d.moments[c].mean), num(d.moments[c].standardDeviation)]
                                           + d.sketches[c].quantiles([0.05, 0.5, 0.95]).map(num)
                                           + [num(Double(d.increases[c]) / Double(group.draws))]
                                           + interval(d.increases[c], group.draws))
                        }
                    }
                }
            }
        }
        // History: [history] plus [observed] in the last observed year.
        var history = CSVWriter(columns: schema.history.columns, excel: excel)
        for (s, scenario) in scenarios.enumerated() {
            for d in models[s].variables {
                var points: [Int: Double] = [:]
                for p in scenario.history[d.name] ?? [] { points[p.year] = p.value }
                if let o = scenario.observed[d.name] { points[scenario.lastObservedYear] = o }
                for year in points.keys.sorted() {
                    history.addRow([scenario.name, scenario.region, String(year), d.name, num(points[year]!)])
                }
            }
        }
        // Levers and assumptions: each scenario's path in each simulated year.
        var levers = CSVWriter(columns: schema.levers.columns, excel: excel)
        for (s, scenario) in scenarios.enumerated() {
            for d in models[s].levers + models[s].assumptions {
                guard let path = scenario.paths[d.name] else { continue }
                for year in scenario.years {
                    levers.addRow([scenario.name, scenario.region, d.kind.rawValue, d.name, String(year), num(path.value(at: year)),
                                   d.unit, d.labelEN, d.labelVI])
                }
            }
        }
        var metrics = CSVWriter(columns: schema.metrics.columns, excel: excel)
        var seen = Set<String>()
        for model in models { for d in model.variables where seen.insert(d.name).inserted {
            metrics.addRow([d.name, d.unit, d.labelEN, d.labelVI])
        } }
        var scenarioTable = CSVWriter(columns: schema.scenarios.columns, excel: excel)
        for group in groups {
            for (g, s) in group.scenarios.enumerated() {
                let sc = scenarios[s]
                scenarioTable.addRow([sc.name, sc.title, sc.region, String(sc.lastObservedYear), String(sc.horizon),
                                      String(group.draws), String(group.plans[g].seed), sc.file, sc.titleVI])
            }
        }
        let contents: [String: String] = [
            schema.summary.name: summary.text, schema.targets.name: targets.text, schema.history.name: history.text,
            schema.metrics.name: metrics.text, schema.scenarios.name: scenarioTable.text, schema.run.name: "",
            schema.levers.name: levers.text,
        ].merging(kind == "compare" ? [schema.compare.name: compare.text] : [:]) { a, _ in a }
         .merging(self.paths > 0 ? [schema.paths.name: paths.text] : [:]) { a, _ in a }
         .merging(precision.map { [schema.convergence.name: convergenceCSV($0, excel: excel)] } ?? [:]) { a, _ in a }
        // run.json last, with the manifest of every file this run writes.
        let names = schema.files.map(\.name).filter { contents[$0] != nil }
        return schema.files.compactMap { f in
            contents[f.name].map { (name: f.name, contents: f.name == schema.run.name ? runJSON(files: names) : $0) }
        }
    }

    /// The exact (Clopper-Pearson) 95% interval of a share of `hits` in `draws` paths, as two CSV
    /// numbers: bounds that stay informative at 0 and 1 (0 hits in 10,000 draws: below 3.69e-4).
    func interval(_ hits: Int, _ draws: Int) -> [String] {
        let ci = BinomialInterval.clopperPearson(successes: hits, trials: draws)
        return [CSVWriter.number(ci.lower), CSVWriter.number(ci.upper)]
    }

    /// run.json: tool, version, command line, kind, seed, draws, threads, scenarios, input hashes,
    /// ISO 8601 start time (UTC), wall seconds, and `files`: the files of the folder this run
    /// wrote (the manifest: a later run replaces only these, see `RunFolderWriter`).
    public func runJSON(files: [String] = []) -> String {
        let seeds = Set(groups.map(\.seed)), draws = Set(groups.map(\.draws))
        var fields: [(key: String, json: String)] = [
            ("seed", seeds.count == 1 ? String(seeds.first!) : "[" + groups.map { String($0.seed) }.joined(separator: ", ") + "]"),
            ("draws", draws.count == 1 ? String(draws.first!) : "[" + groups.map { String($0.draws) }.joined(separator: ", ") + "]"),
            ("threads", String(threads)),
            ("scenarios", RunJSON.list(scenarios.map(\.name))),
        ]
        if let p = precision {
            fields += [("mc_se", CSVWriter.number(p.rule.maxStandardError)), ("max_draws", String(p.rule.maxDraws)),
                       ("mc_se_reached", String(p.reached))]
        }
        return RunJSON(kind: kind, commandLine: commandLine, fields: fields, inputs: inputs,
                       started: started, wallSeconds: wallSeconds, files: files).text()
    }
}

extension Runner {
    /// The names a run folder may hold: every output a run or compare can write.
    static var outputNames: [String] { RunFolderSchema.files.map(\.name) }

    /// Checks that `directory` may receive a run's output before the run starts: it does not exist,
    /// is an empty folder, or is a previous run's folder (its run.json written by coopsim), and no
    /// entry named like an output is a file the previous run did not write (`RunFolderWriter`).
    /// Otherwise an `OutputError` with `isUsage` (a wrong `--out`).
    /// With `xlsx`, the workbook's name is checked too.
    public static func checkOutputFolder(_ directory: String, xlsx: Bool = false) throws(OutputError) {
        try RunFolderWriter.check(directory, names: outputNames + (xlsx ? [RunWorkbook.fileName] : []))
    }

    /// Writes the output folder by `RunFolderWriter.write`: atomically as a whole, replacing only
    /// the files the previous run wrote, under a lock against concurrent writers. Throws
    /// `OutputError`: `isUsage` when `directory` is not a folder coopsim may write (see
    /// `checkOutputFolder`), else a reason such as a read-only file system. `notice` receives
    /// messages (waiting for another writer, an interrupted write recovered); default: stderr.
    /// With `xlsx`, the folder also gets `results.xlsx` (`RunWorkbook`, made from the run's own
    /// CSV files before the folder is written, and listed in run.json's manifest like every output).
    public static func writeOutput(_ summary: RunSummary, to directory: String, excel: Bool, xlsx: Bool = false,
                                   notice: (String) -> Void = { FileHandle.standardError.write(Data(("note: " + $0 + "\n").utf8)) })
        throws(OutputError)
    {
        guard xlsx else { return try writeFolder(summary.outputFiles(excel: excel), to: directory, notice: notice) }
        var files = summary.outputFiles(excel: excel).map { (name: $0.name, bytes: Array($0.contents.utf8)) }
        let names = files.map(\.name).filter { $0 != RunFolderSchema.run.name } + [RunWorkbook.fileName, RunFolderSchema.run.name]
        files = files.map { $0.name == RunFolderSchema.run.name ? ($0.name, Array(summary.runJSON(files: names).utf8)) : $0 }
        let workbook = try RunWorkbook.bytes(of: files, shown: directory)
        files.insert((RunWorkbook.fileName, workbook), at: files.firstIndex { $0.name == RunFolderSchema.run.name } ?? files.count)
        try RunFolderWriter.write(files, to: directory, notice: notice)
    }

    /// Writes `files` (name, contents) as a run folder by `RunFolderWriter.write` (used by `run`,
    /// `compare` and the decision commands: one place for the folder mechanics). A `run.json`
    /// among the files gets the manifest of `files` (its `"files"` list) when it lacks one.
    public static func writeFolder(_ files: [(name: String, contents: String)], to directory: String,
                                   notice: (String) -> Void = { FileHandle.standardError.write(Data(("note: " + $0 + "\n").utf8)) })
        throws(OutputError)
    {
        let list = "[" + files.map { JSONText.string($0.name) }.joined(separator: ", ") + "]"
        let withManifest = files.map { f -> (name: String, bytes: [UInt8]) in
            guard f.name == RunFolderSchema.run.name else { return (f.name, Array(f.contents.utf8)) }
            var text = f.contents
            if text.contains("\"files\": []") {
                text = text.replacingOccurrences(of: "\"files\": []", with: "\"files\": " + list)
            } else if !text.contains("\"files\":"), let close = text.range(of: "}", options: .backwards) {
                text.replaceSubrange(close, with: ",\n  \"files\": " + list + "\n}")
            }
            return (f.name, Array(text.utf8))
        }
        try RunFolderWriter.write(withManifest, to: directory, notice: notice)
    }
}
