import CoopData
import CoopModel
import CoopScenario
import Foundation

/// The computation behind `coopsim serve`: an explored scenario (a scenario with changed levers and
/// assumptions) run with common random numbers against its baseline, answered as JSON; and "save" and
/// "export", which write the explored scenario as a TOML file and its run folder.
///
/// Every answer comes from the files `run` writes (`targets.csv`, `summary.csv`, `compare.csv`,
/// `history.csv`, `metrics.csv`), so the page shows exactly what `coopsim run` on the saved file writes.
/// The explorer reads only the scenario files it was made with (and the models, calibrations and files
/// they extend), and writes only into `outFolder`.
public struct Explorer: Sendable {
    public let catalog: ExplorerCatalog
    /// Where save and export write (created at start if missing).
    public let outFolder: String
    /// The most paths a request runs (a scenario asking for more is run with this many, and a saved file says so).
    public let maximumDraws: Int

    public init(catalog: ExplorerCatalog, outFolder: String, maximumDraws: Int) {
        self.catalog = catalog
        self.outFolder = outFolder
        self.maximumDraws = maximumDraws
    }

    // MARK: the catalog

    /// `GET /api/scenarios`: every scenario with its title, years, default baseline, targets and
    /// the controls (levers and assumptions) with their paths, ranges, units and labels.
    public func catalogJSON() -> String {
        var out = "{\"scenarios\": ["
        for (k, e) in catalog.entries.enumerated() {
            let s = e.scenario
            if k > 0 { out += ", " }
            out += "{\"name\": \(q(s.name)), \"title\": \(q(s.title)), \"title_vi\": \(q(s.titleVI)), \"region\": \(q(s.region)), "
            out += "\"file\": \(q(s.file)), \"last_observed_year\": \(s.lastObservedYear), \"horizon\": \(s.horizon), "
            out += "\"draws\": \(min(s.draws, maximumDraws)), \"seed\": \(q(String(s.seed))), \"baseline\": \(q(e.defaultBaseline)), "
            out += "\"baselines\": [" + baselines(of: e).map(q).joined(separator: ", ") + "], "
            out += "\"controls\": [" + e.controls.map(controlJSON).joined(separator: ", ") + "]}"
        }
        return out + "]}\n"
    }

    /// Scenarios that can serve as the baseline of `e`: same region (common random numbers are keyed by
    /// region), same model variables and simulated years.
    func baselines(of e: ExplorerCatalog.Entry) -> [String] {
        catalog.entries.filter {
            $0.scenario.region == e.scenario.region && $0.scenario.years == e.scenario.years
                && $0.model.variables.map(\.name) == e.model.variables.map(\.name)
        }.map(\.scenario.name)
    }

    func controlJSON(_ c: ExplorerCatalog.PathControl) -> String {
        "{\"name\": \(q(c.name)), \"kind\": \(q(c.kind)), \"unit\": \(q(c.unit)), \"label_en\": \(q(c.labelEN)), "
            + "\"label_vi\": \(q(c.labelVI)), \"domain\": \(q(c.domain.expectation)), \"years\": [\(c.years.map(String.init).joined(separator: ", "))], "
            + "\"values\": \(nums(c.values)), \"min\": \(n(c.minimum)), \"max\": \(n(c.maximum)), \"step\": \(n(c.step))}"
    }

    // MARK: evaluate

    /// An explored scenario made ready to run: its file text and its loaded form.
    public struct Prepared: Sendable {
        public var entry: ExplorerCatalog.Entry
        public var baseline: ExplorerCatalog.Entry
        public var edit: ScenarioEdit
        public var name: String
        public var file: String
        public var text: String
        public var scenario: Scenario
        public var model: ModelSpec
    }

    /// Checks a request and builds the explored scenario's file text, then loads it exactly as `run`
    /// would load the saved file. Throws `ExplorerError`: 404 for an unknown scenario, 422 for a baseline
    /// that cannot share random numbers, a value out of range or a scenario the loader refuses.
    public func prepare(_ r: ExplorerRequest, name: String? = nil) throws(ExplorerError) -> Prepared {
        let names = catalog.entries.map(\.scenario.name)
        guard let entry = catalog.entry(r.scenario) else {
            throw ExplorerError(404, "scenario: expected one of \(names.joined(separator: ", ")), got '\(r.scenario)'")
        }
        let baseName = r.baseline ?? entry.defaultBaseline
        guard let base = catalog.entry(baseName) else {
            throw ExplorerError(404, "baseline: expected one of \(names.joined(separator: ", ")), got '\(baseName)'")
        }
        guard baselines(of: entry).contains(baseName) else {
            throw ExplorerError(422, "baseline: expected a scenario with the region, years and variables of \(entry.scenario.name) "
                + "(\(entry.scenario.region), \(entry.scenario.years.lowerBound)-\(entry.scenario.years.upperBound)): paths share random "
                + "numbers only within a region; got '\(baseName)' (\(base.scenario.region), \(base.scenario.years.lowerBound)-\(base.scenario.years.upperBound))")
        }
        let capped = entry.scenario.draws > maximumDraws ? maximumDraws : nil
        let edit = try ScenarioEdit(entry: entry, values: r.values, draws: capped)
        let fileName = name ?? (entry.scenario.name + "-explored")
        let file = (outFolder as NSString).appendingPathComponent(fileName + ".toml")
        let extends = ReportBuilder.relativePath(from: outFolder, to: entry.scenario.file)
        let text = edit.toml(name: fileName, extendsPath: extends,
                             note: "Saved by coopsim serve from \(entry.scenario.file) (coopsim \(Runner.version)).")
        do {
            let (scenario, model) = try ScenarioLoader.load(path: file, text: text)
            return Prepared(entry: entry, baseline: base, edit: edit, name: fileName, file: file, text: text, scenario: scenario, model: model)
        } catch let e as InputErrors {
            throw ExplorerError(422, e.errors.map(\.description).joined(separator: "\n"))
        } catch {
            throw ExplorerError(422, "\(error)")
        }
    }

    /// `POST /api/run`: the explored scenario and its baseline on the same paths; JSON with the run's
    /// tables (`targets`, `summary`, `compare`, `history`, `metrics` as columns and rows of the CSV text),
    /// the controls' paths before and after, and the file `save` would write.
    public func evaluate(_ r: ExplorerRequest) throws(ExplorerError) -> String {
        let p = try prepare(r)
        let files: [(name: String, contents: String)]
        do {
            var loaded = [(p.baseline.scenario, p.baseline.model), (p.scenario, p.model)]
            if p.baseline.scenario.name == p.scenario.name { loaded.removeFirst() }
            let options = RunOptions(draws: p.scenario.draws, seed: p.scenario.seed, threads: 1, compare: loaded.count > 1,
                                     commandLine: ["coopsim", "serve"])
            files = try Runner.run(scenarios: loaded, options: options).outputFiles(excel: false)
        } catch let e as InputErrors {
            throw ExplorerError(422, e.errors.map(\.description).joined(separator: "\n"))
        } catch {
            throw ExplorerError(422, "\(error)")
        }
        var out = "{\"scenario\": \(q(p.name)), \"explored\": \(q(p.entry.scenario.name)), \"baseline\": \(q(p.baseline.scenario.name)), "
        out += "\"draws\": \(p.scenario.draws), \"seed\": \(q(String(p.scenario.seed))), \"seq\": \(r.seq), "
        for table in ["targets.csv", "summary.csv", "compare.csv", "history.csv", "metrics.csv"] {
            let key = String(table.dropLast(4))
            guard let f = files.first(where: { $0.name == table }) else { out += "\(q(key)): null, "; continue }
            out += "\(q(key)): " + Self.tableJSON(f.contents) + ", "
        }
        let changed = Dictionary(uniqueKeysWithValues: p.edit.changed.map { ($0.control.name, $0.values) })
        out += "\"controls\": [" + p.entry.controls.map { c in
            "{\"name\": \(q(c.name)), \"years\": [\(c.years.map(String.init).joined(separator: ", "))], "
                + "\"values\": \(nums(changed[c.name] ?? c.values)), \"original\": \(nums(c.values))}"
        }.joined(separator: ", ") + "], "
        out += "\"toml\": \(q(p.text))}\n"
        return out
    }

    // MARK: save and export

    /// `POST /api/save`: writes the explored scenario as `<outFolder>/<name>.toml`. Refuses (409) a name
    /// whose file exists: the explorer never replaces a file.
    public func save(_ r: ExplorerRequest) throws(ExplorerError) -> String {
        let name = try Self.checkedName(r.name)
        let p = try prepare(r, name: name)
        try writeNew(p.text, to: p.file)
        return "{\"file\": \(q(p.file)), \"toml\": \(q(p.text)), \"command\": \(q("coopsim run \(p.file)"))}\n"
    }

    /// `POST /api/export`: saves the scenario file (as `save`) and writes the run folder
    /// `<outFolder>/<name>/` that `coopsim run <outFolder>/<name>.toml --out <outFolder>/<name>` writes.
    public func export(_ r: ExplorerRequest) throws(ExplorerError) -> String {
        let name = try Self.checkedName(r.name)
        let p = try prepare(r, name: name)
        let folder = (outFolder as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: folder) {
            throw ExplorerError(409, "name: \(folder) exists already; choose another name (the explorer never replaces a file)")
        }
        try writeNew(p.text, to: p.file)
        do {
            let summary = try Runner.run(scenarios: [(p.scenario, p.model)],
                                         options: RunOptions(threads: 1, commandLine: ["coopsim", "run", p.file, "--out", folder]))
            try Runner.writeOutput(summary, to: folder, excel: false)
        } catch let e as InputErrors {
            throw ExplorerError(422, e.errors.map(\.description).joined(separator: "\n"))
        } catch let e as OutputError {
            throw ExplorerError(500, e.description)
        } catch {
            throw ExplorerError(500, "\(error)")
        }
        return "{\"file\": \(q(p.file)), \"folder\": \(q(folder)), \"command\": \(q("coopsim run \(p.file) --out \(folder)"))}\n"
    }

    /// A file name for save and export: 1 to 64 letters, digits, `-`, `_` or `.`, not starting with `.`.
    static func checkedName(_ name: String?) throws(ExplorerError) -> String {
        guard let name, !name.isEmpty else { throw ExplorerError(400, "name: expected a file name such as \"hcmc-more-training\", got nothing") }
        let ok = name.utf8.count <= 64 && name.first != "." && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
        guard ok else {
            throw ExplorerError(422, "name: expected 1 to 64 letters, digits, '-', '_' or '.' (not starting with '.'), got '\(name)'")
        }
        return name.hasSuffix(".toml") ? String(name.dropLast(5)) : name
    }

    /// Writes a new file atomically (a temporary beside it, then linked into place so an existing file is
    /// never replaced). Throws 409 when the file exists, 500 when the file system refuses.
    func writeNew(_ text: String, to path: String) throws(ExplorerError) {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            throw ExplorerError(409, "name: \(path) exists already; choose another name (the explorer never replaces a file)")
        }
        let temp = (outFolder as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temp))
            defer { try? fm.removeItem(atPath: temp) }
            // link(2) fails when the target exists: no window in which another file could be replaced.
            if link(temp, path) != 0 {
                let code = errno
                if code == EEXIST { throw ExplorerError(409, "name: \(path) exists already; choose another name") }
                throw ExplorerError(500, "cannot write \(path): \(String(cString: strerror(code)))")
            }
        } catch let e as ExplorerError { throw e } catch {
            throw ExplorerError(500, "cannot write \(path): \(error.localizedDescription)")
        }
    }

    // MARK: JSON pieces

    /// A CSV file's text as `{"columns": [...], "rows": [[...], ...]}`: read back with CoopData's `CSVReader`,
    /// numbers in the writer's shortest round-trip form, so every cell is the CSV's own text.
    static func tableJSON(_ csv: String) -> String {
        guard let t = try? CSVReader.parse(text: csv, source: "run table") else { return "{\"columns\": [], \"rows\": []}" }
        let columns: [[String]] = t.names.map { name in
            switch t[name] {
            case .text(let v)?: return v.map { $0 ?? "" }
            case .numeric(let v)?: return v.map { $0.isNaN ? "" : CSVWriter.number($0) }
            case nil: return []
            }
        }
        let rows = (0..<t.rowCount).map { r in "[" + columns.map { JSONText.string($0[r]) }.joined(separator: ", ") + "]" }
        return "{\"columns\": [" + t.names.map(JSONText.string).joined(separator: ", ") + "], \"rows\": [" + rows.joined(separator: ", ") + "]}"
    }

    func q(_ s: String) -> String { JSONText.string(s) }
    func n(_ x: Double) -> String { JSONText.number(x) }
    func nums(_ v: [Double]) -> String { "[" + v.map(JSONText.number).joined(separator: ", ") + "]" }
}
