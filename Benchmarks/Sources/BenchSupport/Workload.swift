import CoopModel
import Foundation

/// The Monte Carlo workload of the benchmarks, shared with peers/mc_numpy.py through
/// `Benchmarks/peers/mc_workload.json`: the default model (Scenarios/model.toml) with the calibration
/// the file names (the shipped Scenarios/calibration.toml), one region, constant levers and assumptions.
public enum BenchmarkWorkload {
    /// The repository root, from this file's location (`<root>/Benchmarks/Sources/BenchSupport/`).
    public static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }()

    /// The default model compiled with the benchmark calibration.
    public static func compiledModel(root: String = repositoryRoot) throws -> (CompiledModel, [String: Any]) {
        let w = try json(root + "/Benchmarks/peers/mc_workload.json")
        guard let modelPath = w["model"] as? String, let calibrationPath = w["calibration"] as? String else {
            throw WorkloadError(message: "mc_workload.json lacks model or calibration")
        }
        let spec = try ModelSpec.load(path: root + "/" + modelPath)
        let calibration = try Calibration.load(path: root + "/" + calibrationPath)
        return (try CompiledModel(spec: spec, calibration: calibration), w)
    }

    /// The workload bound to `years` simulated years in region `region` (each region name keys its
    /// own random streams, so regions are independent work).
    public static func plan(years: Int, region: String? = nil, root: String = repositoryRoot) throws -> SimulationPlan {
        let (model, w) = try compiledModel(root: root)
        return try plan(model: model, workload: w, years: years, region: region)
    }

    /// As `plan(years:region:root:)` with a model compiled once.
    public static func plan(model: CompiledModel, workload w: [String: Any], years: Int, region: String? = nil) throws -> SimulationPlan {
        guard let defaultRegion = w["region"] as? String, let seed = w["seed"] as? Int,
              let last = w["last_observed_year"] as? Int, let observed = w["observed"] as? [String: Double],
              let exogenous = w["exogenous"] as? [String: Double] else {
            throw WorkloadError(message: "mc_workload.json lacks region, seed, last_observed_year, observed or exogenous")
        }
        return try SimulationPlan(model: model, scenario: "benchmark", file: "mc_workload.json",
                                  region: region ?? defaultRegion, seed: UInt64(seed), lastObservedYear: last,
                                  horizon: last + years, observed: observed, history: [:],
                                  exogenous: { name, _ in exogenous[name] }, targets: [])
    }

    static func json(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WorkloadError(message: "cannot read the JSON object in \(path)")
        }
        return obj
    }
}

/// A workload file that cannot be read.
public struct WorkloadError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
