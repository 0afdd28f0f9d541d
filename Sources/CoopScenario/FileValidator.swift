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
        guard FileManager.default.fileExists(atPath: path) else {
            return [InputError.message("no such file", file: path)]
        }
        do {
            switch kind(of: path) {
            case .model: return checkModel(try ModelSpec.load(path: path))
            case .calibration: _ = try Calibration.load(path: path)
            case .truth: _ = try SyntheticTruth.load(path: path)
            case .scenario:
                let (scenario, _) = try ScenarioLoader.load(path: path)
                if FileManager.default.fileExists(atPath: scenario.calibrationPath) {
                    _ = try Calibration.load(path: scenario.calibrationPath)
                } else {
                    return [InputError(file: path, field: "calibration", expected: "an existing calibration file",
                                       found: "\(scenario.calibrationPath) does not exist", hint: "run `coopsim calibrate` to make one")]
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

    static func checkData(path: String) throws -> [InputError] {
        // CSV structure is checked by the reader, which names file, line and field.
        _ = try CSVReader.read(path: path)
        return []
    }
}
