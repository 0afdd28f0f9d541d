import CoopData
@testable import CoopModel
import Foundation
import XCTest

/// A shipped file (model, truth) by its path from the repository's root.
private func shipped(_ path: String) -> String { repositoryRoot + "/" + path }

private func fixture(_ name: String) -> String {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

/// The errors an input problem was thrown as, whatever its wrapper.
private func inputErrors(_ body: () throws -> Void) -> [InputError] {
    do { try body() } catch let e as InputErrors { return e.errors } catch let e as InputError { return [e] } catch {
        XCTFail("unexpected error \(error)")
    }
    return []
}

final class CalibrationTests: XCTestCase {
    // MARK: (a) agreement with statsmodels

    /// Calibrate on a small synthetic panel (15 regions, 2010-2020, made by our synth; see the script)
    /// against direct statsmodels fits of the same equations:
    /// fixture by scripts/fixtures/calibrate_statsmodels.py (OLS and binomial GLM with cluster and
    /// nonrobust covariance; NB2 coefficients and alpha by statsmodels' discrete NegativeBinomial,
    /// its covariance by GLM NegativeBinomial(alpha) with the expected-information bread).
    /// Tolerances: 1e-6 relative (covariances relative to sqrt(V_ii V_jj)); NB2 1e-4.
    func testMatchesStatsmodels() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("calibrate_statsmodels.json")))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected = try XCTUnwrap(json["equations"] as? [String: [String: Any]])
        let panel = try CSVReader.read(path: fixture("calibrate_panel.csv"))
        var model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        func num(_ any: Any?) -> Double { Double(any as? String ?? "") ?? .nan }
        var worst: [String: Double] = [:]
        for choice in [ModelSpec.CovarianceChoice.cluster, .classical] {
            model.covariance = choice
            let result = try Calibrator.calibrate(model: model, data: panel)
            XCTAssertEqual(result.calibration.equations.map(\.name),
                           ["entries", "exits", "workers_per_coop", "trained_incumbent", "productivity",
                            "weak_up", "average_up", "average_down", "fair_up", "fair_down", "good_down",
                            "members_per_coop", "group_entries", "group_exits"])
            for eq in result.calibration.equations {
                let e = try XCTUnwrap(expected[eq.name], "no statsmodels result for \(eq.name)")
                let tol = eq.family == .negbin ? 1e-4 : 1e-6
                XCTAssertEqual(eq.terms, e["terms"] as? [String], eq.name)
                XCTAssertEqual(eq.nobs, e["nobs"] as? Int, eq.name)
                XCTAssertEqual(eq.groups, choice == .cluster ? e["groups"] as? Int : nil, eq.name)
                let b = (e["coefficients"] as! [Any]).map(num)
                var maxErr = 0.0
                for (j, v) in eq.coefficients.enumerated() {
                    maxErr = max(maxErr, abs(v - b[j]) / max(abs(b[j]), 1e-3))
                }
                let V = (e["covariance_" + choice.rawValue] as! [[Any]]).map { $0.map(num) }
                let p = eq.terms.count
                for i in 0..<p { for j in 0..<p {
                    maxErr = max(maxErr, abs(eq.covariance[i][j] - V[i][j]) / (V[i][i] * V[j][j]).squareRoot())
                } }
                if let s = e["sigma"] { maxErr = max(maxErr, abs(eq.sigma! - num(s)) / num(s)) }
                if let a = e["alpha"] { maxErr = max(maxErr, abs(eq.alpha! - num(a)) / num(a)) }
                XCTAssertLessThan(maxErr, tol, "\(eq.name) (\(choice.rawValue)): largest relative difference \(maxErr)")
                worst[eq.name + "/" + choice.rawValue] = maxErr
            }
        }
        print("CalibrationTests: largest relative difference from statsmodels by equation: " +
              worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
    }

    // MARK: (b) recovery of the truth

    /// Over 30 fixed seeds, synthesise a 30-region panel (2010-2020) from the shipped truth (with
    /// trained_incumbent kept, so the model is exactly the data's law), calibrate it with
    /// cluster-robust covariance, and count how often the nominal 95% interval b ± 1.959964 se
    /// (the normal approximation that `run` samples from) covers the true coefficient.
    ///
    /// Tolerance from the binomial sd: with 30 replications sd = sqrt(0.95 * 0.05 / 30) = 0.040, so a
    /// coefficient's coverage must lie in [0.80, 1.0] (3.75 sd below nominal, allowing for the known
    /// small under-coverage of cluster-robust errors with 30 clusters); pooled over the 39
    /// coefficients (450 intervals, sd ~ 0.010 if independent) it must lie in [0.90, 0.99].
    /// Also the mean of sigma (gaussian) and alpha (NB2) over replications lies within 4 Monte Carlo
    /// standard errors of the truth.
    func testRecoversTruthAtNominalCoverage() throws {
        let model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        var truth = try SyntheticTruth.load(path: shipped("Scenarios/truth.toml"))
        truth.omit = []
        let replications = 30
        let z = 1.959963984540054
        var covered: [String: Int] = [:]
        var scales: [String: [Double]] = [:]
        for rep in 0..<replications {
            let seed = UInt64(20_261_125 + rep)
            let panel = try Synthesizer.panel(model: model, truth: truth, regions: 30, years: 2010...2020, seed: seed)
            let result = try Calibrator.calibrate(model: model, data: panel)
            XCTAssertTrue(result.warnings.allSatisfy { !$0.contains("in its place") }, "seed \(seed): unexpected substitution")
            for eq in result.calibration.equations {
                let t = try XCTUnwrap(truth.equation(eq.name))
                for (j, term) in eq.terms.enumerated() {
                    let beta = try XCTUnwrap(t.coefficients[term])
                    let se = eq.covariance[j][j].squareRoot()
                    let key = eq.name + ": " + term
                    covered[key, default: 0] += abs(eq.coefficients[j] - beta) <= z * se ? 1 : 0
                }
                if let s = eq.sigma { scales[eq.name + ": sigma", default: []].append(s) }
                if let a = eq.alpha { scales[eq.name + ": alpha", default: []].append(a) }
            }
        }
        XCTAssertEqual(covered.count, 39)
        var report: [String] = []
        for (key, count) in covered.sorted(by: { $0.key < $1.key }) {
            let rate = Double(count) / Double(replications)
            report.append("\(key) \(count)/\(replications)")
            XCTAssertGreaterThanOrEqual(rate, 0.80, "coverage of \(key): \(count) of \(replications)")
        }
        let pooled = Double(covered.values.reduce(0, +)) / Double(replications * covered.count)
        XCTAssertGreaterThanOrEqual(pooled, 0.90, "pooled coverage \(pooled)")
        XCTAssertLessThanOrEqual(pooled, 0.99, "pooled coverage \(pooled)")
        for (key, values) in scales.sorted(by: { $0.key < $1.key }) {
            let name = String(key.split(separator: ":")[0])
            let t = truth.equation(name)!
            let trueValue = key.hasSuffix("sigma") ? t.sigma! : t.alpha!
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
            report.append("\(key) mean \(String(format: "%.4g", mean)) (truth \(trueValue))")
            XCTAssertLessThanOrEqual(abs(mean - trueValue), 4 * sd / n.squareRoot(), "\(key): mean \(mean), sd \(sd), truth \(trueValue)")
        }
        print("CalibrationTests recovery: pooled coverage \(String(format: "%.3f", pooled)); " + report.joined(separator: "; "))
    }

    // MARK: (c) if_missing

    /// The fixture panel lacks trained_incumbent: calibrate uses trained_share in its place, says so in a
    /// warning that names the model line, records it in the calibration, and gives exactly the fit of a
    /// panel in which trained_incumbent is a copy of trained_share.
    func testIfMissingSubstitutionIsAppliedAndReported() throws {
        let model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        let panel = try CSVReader.read(path: fixture("calibrate_panel.csv"))
        XCTAssertNil(panel.index(of: "trained_incumbent"))
        let result = try Calibrator.calibrate(model: model, data: panel)
        let line = try XCTUnwrap(model.equations.first { $0.name == "trained_incumbent" }?.line)
        let warning = result.warnings.filter { $0.contains("in its place") }
        XCTAssertEqual(warning, ["equation 'trained_incumbent': the panel has no column 'trained_incumbent'; using 'trained_share' in its place (if_missing on \(shipped("Scenarios/model.toml")):\(line))"])
        let eq = try XCTUnwrap(result.calibration.equation("trained_incumbent"))
        XCTAssertEqual(eq.substituted, ["trained_incumbent": "trained_share"])
        XCTAssertTrue(result.calibration.toml().contains("substituted = { trained_incumbent = \"trained_share\" }"))
        XCTAssertTrue(result.summaryTable().contains("(trained_share used for trained_incumbent)"))
        // Other equations are untouched.
        XCTAssertEqual(result.calibration.equations.filter { !$0.substituted.isEmpty }.map(\.name), ["trained_incumbent"])

        var explicit = panel
        explicit.setColumn("trained_incumbent", panel["trained_share"]!)
        let direct = try Calibrator.calibrate(model: model, data: explicit)
        let d = try XCTUnwrap(direct.calibration.equation("trained_incumbent"))
        XCTAssertEqual(d.substituted, [:])
        XCTAssertFalse(direct.warnings.contains { $0.contains("in its place") })
        XCTAssertEqual(d.coefficients, eq.coefficients)
        XCTAssertEqual(d.covariance, eq.covariance)

        // Without the rule the missing column is an error naming the equation.
        var strict = model
        for k in strict.equations.indices { strict.equations[k].ifMissing = [] }
        let errors = inputErrors { _ = try Calibrator.calibrate(model: strict, data: panel) }
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(errors.first?.field, "equation 'trained_incumbent'")
        XCTAssertTrue(errors.first?.description.contains("expected a column 'trained_incumbent' in the panel") ?? false,
                      errors.first?.description ?? "")
    }

    // MARK: (d) bad input

    /// A small panel from the shipped truth with trained_incumbent kept, for the error cases.
    private func smallPanel(regions: Int = 12) throws -> (ModelSpec, DataTable) {
        let model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        var truth = try SyntheticTruth.load(path: shipped("Scenarios/truth.toml"))
        truth.omit = []
        return (model, try Synthesizer.panel(model: model, truth: truth, regions: regions, years: 2010...2018, seed: 99))
    }

    /// A model whose equation `name` has the formula `formula` (and optionally another family).
    private func replacing(_ model: ModelSpec, _ name: String, formula: String, family: ModelSpec.Family? = nil) -> ModelSpec {
        var m = model
        let k = m.equations.firstIndex { $0.name == name }!
        m.equations[k].text = formula
        if let family { m.equations[k].family = family }
        return m
    }

    /// offset(log(lag(coops))) in a model equation (entries per existing cooperative), Poisson and
    /// NB2, in place of the shipped entries equation: calibrate fits the offset with coefficient 1,
    /// as statsmodels' offset= (scripts/fixtures/calibrate_statsmodels.py, "offset_equations"),
    /// classical and cluster-robust; the engine then compiles the model (the offset is simulated).
    func testOffsetEquationsMatchStatsmodels() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("calibrate_statsmodels.json")))
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expected = try XCTUnwrap(json["offset_equations"] as? [String: [String: Any]])
        XCTAssertEqual(expected.keys.sorted(), ["entries_negbin", "entries_poisson"])
        let panel = try CSVReader.read(path: fixture("calibrate_panel.csv"))
        let shippedModel = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        func num(_ any: Any?) -> Double { Double(any as? String ?? "") ?? .nan }
        for (key, e) in expected.sorted(by: { $0.key < $1.key }) {
            let family = try XCTUnwrap(ModelSpec.Family(rawValue: e["family"] as? String ?? ""))
            var model = replacing(shippedModel, "entries", formula: e["formula"] as! String, family: family)
            for choice in [ModelSpec.CovarianceChoice.cluster, .classical] {
                model.covariance = choice
                let result = try Calibrator.calibrate(model: model, data: panel)
                let eq = try XCTUnwrap(result.calibration.equations.first { $0.name == "entries" })
                XCTAssertEqual(eq.terms, e["terms"] as? [String], key)
                XCTAssertEqual(eq.nobs, e["nobs"] as? Int, key)
                let tol = family == .negbin ? 1e-4 : 1e-6
                let b = (e["coefficients"] as! [Any]).map(num)
                let V = (e["covariance_" + choice.rawValue] as! [[Any]]).map { $0.map(num) }
                var maxErr = 0.0
                for (j, v) in eq.coefficients.enumerated() { maxErr = max(maxErr, abs(v - b[j]) / max(abs(b[j]), 1e-3)) }
                for i in eq.terms.indices { for j in eq.terms.indices {
                    maxErr = max(maxErr, abs(eq.covariance[i][j] - V[i][j]) / (V[i][i] * V[j][j]).squareRoot())
                } }
                if let a = e["alpha"] { maxErr = max(maxErr, abs(eq.alpha! - num(a)) / num(a)) }
                XCTAssertLessThan(maxErr, tol, "\(key) (\(choice.rawValue)): largest relative difference \(maxErr)")
                XCTAssertNoThrow(try CompiledModel(spec: model, calibration: result.calibration), key)
                // The summary table shows the offset with its fixed coefficient.
                XCTAssertTrue(result.summaryTable().contains("offset(log(lag(coops)))"), result.summaryTable())
            }
        }
    }

    func testMissingColumnIsLocated() throws {
        let (model, panel) = try smallPanel()
        let names = panel.names.filter { $0 != "enforcement" }
        let reduced = DataTable(names: names, columns: names.map { panel[$0]! }, source: "panel.csv")
        let errors = inputErrors { _ = try Calibrator.calibrate(model: model, data: reduced) }
        XCTAssertEqual(errors.map(\.field), ["equation 'exits'", "equation 'weak_up'"])   // every equation that reads it
        let e = try XCTUnwrap(errors.first)
        XCTAssertEqual(e.file, "panel.csv")
        XCTAssertEqual(e.field, "equation 'exits'")
        XCTAssertTrue(e.description.contains("expected a column 'enforcement' in the panel"), e.description)
        XCTAssertTrue(e.description.contains("got no such column"), e.description)
    }

    func testRankDeficiencyNamesTheAliasedTerm() throws {
        let (model, panel) = try smallPanel()
        let bad = replacing(model, "exits", formula: "exits ~ log1p(support) + enforcement + I(2 * enforcement)")
        let errors = inputErrors { _ = try Calibrator.calibrate(model: bad, data: panel) }
        XCTAssertEqual(errors.count, 1)
        let e = try XCTUnwrap(errors.first)
        let line = model.equations.first { $0.name == "exits" }!.line
        XCTAssertEqual(e.file, model.file)
        XCTAssertEqual(e.line, line)
        XCTAssertEqual(e.field, "equation 'exits'")
        XCTAssertTrue(e.description.contains("got aliased term 'I(2 * enforcement)'"), e.description)
    }

    /// A one-equation model on a hand-made panel (regions R0..R3, years 2010..2019).
    private func tinyPanel(_ columns: [String: [Double]]) -> DataTable {
        var region: [String?] = [], year: [Double] = []
        for r in 0..<4 { for t in 0..<10 { region.append("R\(r)"); year.append(Double(2010 + t)) } }
        let names = columns.keys.sorted()
        return DataTable(names: ["region", "year"] + names, columns: [.text(region), .numeric(year)] + names.map { .numeric(columns[$0]!) },
                         source: "tiny.csv")
    }

    private func oneEquation(_ name: String, _ family: ModelSpec.Family, _ formula: String, trials: String? = nil) throws -> ModelSpec {
        var model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        model.covariance = .classical
        model.equations = model.equations.filter { $0.name == name }
        model.equations[0].text = formula
        model.equations[0].family = family
        model.equations[0].trials = trials
        return model
    }

    func testSeparationIsReported() throws {
        // Complete separation: all trials exit exactly where enforcement is high, none elsewhere,
        // so the logit slope runs off to infinity.
        let enforcement = (0..<40).map { Double($0 % 7) / 10 }
        let table = tinyPanel(["enforcement": enforcement, "n": [Double](repeating: 20, count: 40),
                               "exits": enforcement.map { $0 > 0.3 ? 20 : 0 }])
        let model = try oneEquation("exits", .binomial, "exits ~ enforcement", trials: "n")
        let errors = inputErrors { _ = try Calibrator.calibrate(model: model, data: table) }
        XCTAssertEqual(errors.count, 1)
        let e = try XCTUnwrap(errors.first)
        XCTAssertEqual(e.field, "equation 'exits'")
        XCTAssertEqual(e.line, model.equations[0].line)
        XCTAssertTrue(e.description.contains("expected a binomial fit with finite estimates, got separation"), e.description)
    }

    func testNegbinAlphaAtBoundaryIsReported() throws {
        // Counts with less spread than Poisson (exactly their mean): NB2's alpha is at its
        // boundary 0 (theta at infinity), where NB2 is the Poisson model: the message says so.
        let x = (0..<40).map { Double($0 % 10) / 10 }
        let table = tinyPanel(["x": x, "entries": x.map { (exp(2 + 0.5 * $0)).rounded() }])
        let model = try oneEquation("entries", .negbin, "entries ~ x")
        let errors = inputErrors { _ = try Calibrator.calibrate(model: model, data: table) }
        XCTAssertEqual(errors.count, 1)
        let e = try XCTUnwrap(errors.first)
        XCTAssertEqual(e.field, "equation 'entries'")
        XCTAssertEqual(e.line, model.equations[0].line)
        XCTAssertTrue(e.description.contains("got alpha at its boundary 0"), e.description)
        XCTAssertTrue(e.description.contains("use family = \"poisson\""), e.description)
    }

    func testCovarianceNotPositiveDefiniteSaysWhatToChange() throws {
        // Three regions cannot give a cluster-robust covariance of four coefficients (rank <= 2).
        let (model, panel) = try smallPanel(regions: 3)
        let errors = inputErrors { _ = try Calibrator.calibrate(model: model, data: panel) }
        let byEquation = Dictionary(grouping: errors, by: { $0.field ?? "" })
        let e = try XCTUnwrap(byEquation["equation 'entries'"]?.first, errors.map(\.description).joined(separator: "\n"))
        XCTAssertTrue(e.description.contains("expected a positive definite covariance"), e.description)
        XCTAssertTrue(e.description.contains("3 regions for 4 coefficients"), e.description)
        // The classical covariance is fine on the same panel.
        var classical = model
        classical.covariance = .classical
        XCTAssertNoThrow(try Calibrator.calibrate(model: classical, data: panel))
    }

    func testCountsAboveTrialsAreLocated() throws {
        let (model, panel) = try smallPanel()
        var bad = panel
        var exits = try panel.numeric("exits")
        let row = 5   // region R01, year 2015: not a first year, so it is used
        exits[row] = 1e6
        bad.setColumn("exits", .numeric(exits))
        let errors = inputErrors { _ = try Calibrator.calibrate(model: model, data: bad) }
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors.first?.description.contains("expected a whole number of successes between 0 and the trials lag(coops)") ?? false,
                      errors.first?.description ?? "")
    }

    // MARK: output

    /// The written calibration reads back through `Calibration.load` with the same numbers.
    func testCalibrationRoundTrips() throws {
        let model = try ModelSpec.load(path: shipped("Scenarios/model.toml"))
        let panel = try CSVReader.read(path: fixture("calibrate_panel.csv"))
        let result = try Calibrator.calibrate(model: model, data: panel, dataFile: "p.csv", dataSHA256: "abc")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("calib-\(UUID().uuidString).toml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var written = result.calibration
        written.fittedOn = "synthetic panel, \"quoted\""
        written.illustrative = true
        try written.toml(header: "test").write(toFile: path, atomically: true, encoding: .utf8)
        let back = try Calibration.load(path: path)
        XCTAssertEqual(back.equations.count, 14)
        XCTAssertEqual(back.fittedOn, "synthetic panel, \"quoted\"")
        XCTAssertTrue(back.illustrative)
        let shippedCalibration = try Calibration.load(path: shipped("Scenarios/calibration.toml"))
        XCTAssertTrue(shippedCalibration.illustrative && shippedCalibration.fittedOn.hasPrefix("synthetic panel"))
        for (a, b) in zip(result.calibration.equations, back.equations) {
            XCTAssertEqual(a.coefficients, b.coefficients)
            XCTAssertEqual(a.covariance, b.covariance)
            XCTAssertEqual(a.sigma, b.sigma)
            XCTAssertEqual(a.alpha, b.alpha)
            XCTAssertEqual(a.nobs, b.nobs)
            XCTAssertEqual(a.substituted, b.substituted)
        }
    }

    /// Errors equal but for their equation become one naming the equations; others stay as they are.
    func testErrorsOfOneCellAreSaidOnce() {
        func e(_ field: String?, line: Int = 7, found: String = "'1,0'") -> InputError {
            InputError(file: "p.csv", line: line, field: field, expected: "a number", found: found)
        }
        let merged = Calibrator.mergingEquations([e("equation 'a': x"), e("equation 'b': x"), e("equation 'a': y"),
                                                  e("equation 'c': x"), e("equation 'd'"), e("equation 'b': x", line: 9)])
        XCTAssertEqual(merged.map(\.description), [
            "p.csv:7: equations 'a', 'b' and 'c': x: expected a number, got '1,0'",
            "p.csv:7: equation 'a': y: expected a number, got '1,0'",
            "p.csv:7: equation 'd': expected a number, got '1,0'",
            "p.csv:9: equation 'b': x: expected a number, got '1,0'"])
        let many = Calibrator.mergingEquations((1...5).map { e("equation 'q\($0)': x") })
        XCTAssertEqual(many.map(\.field), ["equations 'q1', 'q2' and 3 more: x"])
    }
}
