import CoopData
import CoopModel
import Foundation

/// Recognises a coopsim input file's kind and lists every problem in it.
public enum FileValidator {
    public enum Kind: String, Sendable { case model, scenario, calibration, truth, data, unknown }

    /// The kind of a file, from its extension and (for TOML) its top-level keys.
    public static func kind(of path: String) -> Kind {
        if path.lowercased().hasSuffix(".csv") { return .data }
        guard let doc = try? TOMLParser.parse(contentsOf: path) else { return path.lowercased().hasSuffix(".toml") ? .scenario : .unknown }
        if let eqs = doc.root["equations"]?.arrayValue, eqs.contains(where: { $0.tableValue?["coefficients"] != nil }) { return .calibration }
        if doc.root["initial"] != nil || doc.root["paths"] != nil { return .truth }
        if doc.root["variables"] != nil || doc.root["equations"] != nil { return .model }
        return .scenario
    }

    /// Every problem found in the file; empty when it is valid.
    public static func check(path: String) -> [InputError] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            return [InputError.message("no such file", file: path)]
        }
        if isFolder.boolValue { return [InputError(file: path, expected: "a file", found: "a folder")] }
        do {
            switch kind(of: path) {
            case .model:
                let model = try ModelSpec.load(path: path)
                let problems = checkModel(model)
                return problems.isEmpty ? checkStructure(model) : problems
            case .calibration: _ = try Calibration.load(path: path)
            case .truth: _ = try SyntheticTruth.load(path: path)
            case .scenario:
                let (scenario, _) = try ScenarioLoader.load(path: path)
                if FileManager.default.fileExists(atPath: scenario.calibrationPath) {
                    // Everything `run` checks before simulating: the model compiled with the
                    // calibration, and the scenario's observed values and history against it.
                    let (scenario, model) = (scenario, try ModelSpec.load(path: scenario.modelPath))
                    let compiled = try CompiledModel(spec: model, calibration: try Calibration.load(path: scenario.calibrationPath))
                    _ = try Runner.plan(scenario, compiled, seed: scenario.seed)
                } else {
                    return [InputError(file: path, field: "calibration", expected: "an existing calibration file",
                                       found: "\(scenario.calibrationPath) does not exist", hint: "paths are relative to the scenario file (a copy of a shipped scenario: calibration = \"PATH/TO/Scenarios/calibration.toml\"); or run `coopsim calibrate` to make one")]
                }
            case .data: return try checkData(path: path)
            case .unknown: return [InputError(file: path, expected: "a .toml model, scenario or calibration, or a .csv data file", found: "another kind of file")]
            }
            return []
        } catch let e as InputErrors {
            return e.errors
        } catch let e as InputError {
            return [e]
        } catch {
            return [InputError.message("\(error)", file: path)]
        }
    }

    /// Parses every equation of a model and checks that each name it reads is declared.
    static func checkModel(_ model: ModelSpec) -> [InputError] {
        var problems: [InputError] = []
        let declared = Set(model.declarations.map(\.name))
        for (k, eq) in model.equations.enumerated() {
            let field = "equations[\(k + 1)]"
            var names: [String] = []
            do {
                if eq.isIdentity {
                    guard let eqSign = eq.text.firstIndex(of: "=") else {
                        problems.append(InputError(file: model.file, line: eq.line, field: field + ".identity",
                                                   expected: "an identity 'name = expression'", found: "\"\(eq.text)\""))
                        continue
                    }
                    let lhs = eq.text[..<eqSign].trimmingCharacters(in: .whitespaces)
                    guard case .variable(let target)? = try? CoopData.Expression.parse(lhs), target == lhs else {
                        problems.append(InputError(file: model.file, line: eq.line, field: field + ".identity",
                                                   expected: "a single variable name on the left of '=' (an identity defines one variable)",
                                                   found: "'\(lhs)'",
                                                   hint: "solve the identity for the variable, e.g. 'x = exp(...)' rather than 'log(x) = ...'; a behavioural equation (formula with ~) may transform its left side"))
                        continue
                    }
                    names.append(lhs)
                    names += try CoopData.Expression.parse(String(eq.text[eq.text.index(after: eqSign)...]), field: field + ".identity").variableNames
                } else {
                    names += try Formula.parse(eq.text, field: field + ".formula").variables.map(\.name)
                    if let t = eq.trials { names += try CoopData.Expression.parse(t, field: field + ".trials").variableNames }
                }
            } catch let e as InputError {
                var located = e
                located.file = model.file
                located.line = eq.line
                located.column = nil
                problems.append(located)
                continue
            } catch {
                problems.append(InputError.message("\(error)", file: model.file, line: eq.line, field: field))
                continue
            }
            for n in Set(names).sorted() where !declared.contains(n) {
                problems.append(InputError(file: model.file, line: eq.line, field: field,
                                           expected: "names declared under [variables], [levers] or [assumptions]",
                                           found: "'\(n)'", hint: closestMatch(to: n, among: Array(declared)).map { "did you mean '\($0)'?" }))
            }
        }
        return problems
    }

    /// What only compiling the model shows (the order of equations, a cycle, a variable that no
    /// equation computes, a left-hand side that cannot be solved for its variable), checked with a
    /// placeholder calibration that matches every behavioural equation.
    static func checkStructure(_ model: ModelSpec) -> [InputError] {
        var equations: [Calibration.Equation] = []
        for eq in model.equations {
            guard let family = eq.family, let f = try? Formula.parse(eq.text) else { continue }
            let terms = (f.hasIntercept ? ["Intercept"] : []) + f.terms.map(\.name)
            let p = terms.count
            equations.append(Calibration.Equation(name: eq.name, family: family, formula: eq.text, terms: terms,
                                                  coefficients: [Double](repeating: 0, count: p),
                                                  covariance: [[Double]](repeating: [Double](repeating: 0, count: p), count: p),
                                                  sigma: 1, alpha: 1, nobs: 0, groups: nil))
        }
        let placeholder = Calibration(file: "<placeholder>", model: model.name, dataFile: "", dataSHA256: "",
                                      covarianceType: "classical", equations: equations)
        do {
            _ = try CompiledModel(spec: model, calibration: placeholder)
            return []
        } catch let e as InputErrors {
            return e.errors.filter { $0.file != placeholder.file }
        } catch let e as InputError {
            return e.file == placeholder.file ? [] : [e]
        } catch {
            return [InputError.message("\(error)", file: model.file)]
        }
    }

    /// CSV structure as the reader checks it (file, line, field), with every ragged row listed,
    /// then each column that is mostly numbers but holds cells that are not (the cells that would
    /// make it text, one problem per column).
    static func checkData(path: String) throws -> [InputError] {
        let table: DataTable
        // The dialect is detected (CSVDialect.detect: ';' and ',' decimals as Excel writes in a Vietnamese
        // locale); a file whose every row disagrees with its header gets one message with the likely cause.
        do { table = try CSVDialect.read(path: path).table } catch let e as InputError {
            if e.found.hasPrefix("a different number on all") { return [e] }
            var dialect = CSVDialect.standard
            if let bytes = try? CSVReader.readFile(path), let d = try? CSVDialect.detect(bytes, path: path) { dialect = d }
            let ragged = CSVReader.raggedRows(path: path, dialect: dialect)
            return ragged.isEmpty ? [e] : ragged
        }
        var problems: [InputError] = []
        // Header names with spaces around them ('y, x' names its second column ' x'): formulas and
        // options that say x then miss the column.
        for (j, name) in table.names.enumerated() {
            if let spaces = DataTable.spaceDescription(name) {
                problems.append(InputError(file: path, line: 1, field: "column \(j + 1)",
                                           expected: "a column name without spaces around it",
                                           found: "'\(name)' (\(spaces) was found)",
                                           hint: "remove the space from the header: write 'a,b', not 'a, b'"))
            }
        }
        for (j, column) in table.columns.enumerated() {
            guard case .text(let cells) = column else { continue }
            let present = cells.compactMap { $0 }
            let census = ColumnTypingRules.census(cells)
            if let g = census.firstGrouped, (census.plain + census.grouped) * 2 > census.present {
                if census.decimalComma > 0, let say = ColumnTypingRules.unreadableNumbers(census, column: table.names[j], categoricalHint: false),
                   census.decimalComma * 2 >= census.grouped {
                    problems.append(InputError(file: path, line: cells.firstIndex { $0 == say.cell }.flatMap { table.line(ofRow: $0) }, field: table.names[j],
                                               expected: say.expected, found: say.found, hint: say.hint))
                    continue
                }
                problems.append(InputError(file: path, line: cells.firstIndex { $0 == g }.flatMap { table.line(ofRow: $0) }, field: table.names[j],
                                           expected: "plain numbers (no thousands separators)",
                                           found: "'\(g)'" + (census.grouped > 1 ? " and \(census.grouped - 1) other cells with separators" : ""),
                                           hint: "write 1045.5, not 1,045.50: with separators the column is read as text"))
                continue
            }
            if present.lazy.filter({ CSVReader.isNumber($0) }).count * 2 > present.count {
                problems.append(table.textInNumericColumn(table.names[j], usedAs: nil,
                                                          hint: "fix the cell, or leave it empty or NA for a missing value; a column of labels should hold no numbers"))
            }
        }
        return problems
    }
}
