import CoopData
@testable import CoopModel
import XCTest

/// A model read from TOML text (file name "test-model.toml" in messages).
func modelSpec(_ text: String, file: String = "test-model.toml") throws -> ModelSpec {
    let doc = try TOMLParser.parse(text, file: file)
    var checker = TOMLChecker(file: file)
    let spec = ModelSpec.read(doc, checker: &checker)
    if !checker.problems.isEmpty { throw InputErrors(checker.problems) }
    return spec!
}

/// A calibration equation with fixed coefficients and a covariance of `variance` times the identity.
func fixedEquation(_ name: String, _ family: ModelSpec.Family, _ formula: String, terms: [String], coefficients: [Double],
                   variance: Double = 0, sigma: Double? = nil, alpha: Double? = nil) -> Calibration.Equation {
    let n = terms.count
    let cov = (0..<n).map { i in (0..<n).map { j in i == j ? variance : 0 } }
    return Calibration.Equation(name: name, family: family, formula: formula, terms: terms, coefficients: coefficients,
                                covariance: cov, sigma: sigma, alpha: alpha, nobs: 100, groups: nil)
}

func calibration(_ equations: [Calibration.Equation]) -> Calibration {
    Calibration(file: "test-calibration.toml", model: "test", dataFile: "", dataSHA256: "", covarianceType: "classical",
                equations: equations)
}

/// A plan with constant lever and assumption paths.
func constantPlan(_ model: CompiledModel, observed: [String: Double], exogenous: [String: Double], seed: UInt64 = 7,
                  region: String = "test", lastObservedYear: Int = 2020, horizon: Int = 2025,
                  history: [String: [(year: Int, value: Double)]] = [:],
                  targets: [SimulationPlan.TargetCheck] = []) throws -> SimulationPlan {
    try SimulationPlan(model: model, scenario: "test", file: "test-scenario.toml", region: region, seed: seed,
                       lastObservedYear: lastObservedYear, horizon: horizon, observed: observed, history: history,
                       exogenous: { name, _ in exogenous[name] }, targets: targets)
}

/// The repository's root (two folders above this file's folder).
let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()
