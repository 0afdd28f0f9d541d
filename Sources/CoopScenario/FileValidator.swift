import CoopData
import CoopModel
import Foundation

/// Recognises a coopsim input file's kind and lists every problem in it.
public enum FileValidator {
    public enum Kind: String, Sendable { case model, scenario, calibration, data, unknown }

    /// The kind of a file, from its extension and (for TOML) its top-level keys.
    public static func kind(of path: String) -> Kind {
        if path.lowercased().hasSuffix(".csv") { return .data }
        guard let doc = try? TOMLParser.parse(contentsOf: path) else { return path.lowercased().hasSuffix(".toml") ? .scenario : .unknown }
        if let eqs = doc.root["equations"]?.arrayValue, eqs.contains(where: { $0.tableValue?["coefficients"] != nil }) { return .calibration }
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
            case .model: _ = try ModelSpec.load(path: path)
            case .calibration: _ = try Calibration.load(path: path)
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

    static func checkData(path: String) throws -> [InputError] {
        // CSV structure is checked by the reader, which names file, line and field.
        _ = try CSVReader.read(path: path)
        return []
    }
}
