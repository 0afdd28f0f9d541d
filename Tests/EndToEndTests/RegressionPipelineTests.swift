import Foundation
import XCTest

/// `coopsim fit` and `coopsim calibrate` are one regression pipeline (`Regression.fit`): on the same
/// equation they give the same estimates and standard errors, drop the same rows and read the same
/// cells as missing (`--na`). Outside truth: statsmodels' fits of the shipped model's equations on
/// the calibration test panel (scripts/fixtures/calibrate_statsmodels.py, the CoopModelTests fixture).
final class RegressionPipelineTests: XCTestCase {
    static let panel = CLI.root.appendingPathComponent("Tests/CoopModelTests/Fixtures/calibrate_panel.csv").path
    static let statsmodels = CLI.root.appendingPathComponent("Tests/CoopModelTests/Fixtures/calibrate_statsmodels.json").path
    static let model = CLI.root.appendingPathComponent("Scenarios/model.toml").path

    /// One `[[equations]]` table of a written calibration file (the keys this test reads).
    struct Equation {
        var name = "", family = "", formula = "", trials: String?
        var terms: [String] = [], coefficients: [Double] = [], covariance: [[Double]] = []
        var nobs = 0
    }

    /// The equations of a calibration file written by `coopsim calibrate` (one key per line,
    /// arrays of numbers on one line, the covariance one row per line).
    static func equations(_ text: String) -> [Equation] {
        var out: [Equation] = []
        var inCovariance = false
        func numbers(_ s: Substring) -> [Double] {
            s.split(whereSeparator: { "[], ".contains($0) }).compactMap { Double($0) }
        }
        func string(_ s: Substring) -> String { String(s.drop { $0 != "\"" }.dropFirst().prefix { $0 != "\"" }) }
        for line in text.split(separator: "\n") {
            if line == "[[equations]]" { out.append(Equation()); continue }
            guard !out.isEmpty else { continue }
            if inCovariance {
                if line == "]" { inCovariance = false } else { out[out.count - 1].covariance.append(numbers(line)) }
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces), value = parts[1]
            switch key {
            case "name": out[out.count - 1].name = string(value)
            case "family": out[out.count - 1].family = string(value)
            case "formula": out[out.count - 1].formula = string(value)
            case "trials": out[out.count - 1].trials = string(value)
            case "terms": out[out.count - 1].terms = value.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            case "coefficients": out[out.count - 1].coefficients = numbers(value)
            case "covariance": inCovariance = true
            case "nobs": out[out.count - 1].nobs = Int(value.trimmingCharacters(in: .whitespaces)) ?? -1
            default: break
            }
        }
        return out
    }

    /// The calibration test panel with region R01 renamed `NA` (as Nghệ An is coded), in `dir`.
    func panelWithRegionNA(in dir: URL) throws -> String {
        let text = try String(contentsOfFile: Self.panel, encoding: .utf8)
        let renamed = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("R01,") ? "NA," + $0.dropFirst(4) : String($0) }.joined(separator: "\n")
        XCTAssertNotEqual(renamed, text)
        let path = dir.appendingPathComponent("panel_na.csv").path
        try renamed.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Calibrate honours `--na`: a region coded NA is missing by default (one message naming the
    /// line and `--na ''`, exit 65, no file written); with `--na ''` it is a region, and every
    /// equation agrees with statsmodels on the original panel (cluster-robust by region).
    /// Then `coopsim fit` on each equation (same formula, family, trials, panel, --se cluster:region,
    /// --na '') gives the same estimates and standard errors as calibrate, to 1e-12 relative.
    func testFitAndCalibrateAreOnePipeline() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let panel = try panelWithRegionNA(in: dir)
        let refused = dir.appendingPathComponent("refused.toml").path
        let r = try CLI.run(["calibrate", panel, "--model", Self.model, "--out", refused])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: "expected a region, got a missing value").count - 1, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("panel_na.csv:2: region"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--na ''"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused))

        let out = dir.appendingPathComponent("calibration.toml").path
        let c = try CLI.run(["calibrate", panel, "--model", Self.model, "--out", out, "--na", ""])
        XCTAssertEqual(c.status, 0, c.stderr)
        // The dropped-rows warnings are fit's, naming the cells read as missing.
        XCTAssertTrue(c.stderr.contains("warning: equation 'entries': 15 rows dropped for a missing or non-finite value in a used column (as R's na.omit): entries: 15 missing cells (cells read as missing: empty)"), c.stderr)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(written.contains("--na ''"), "the header's command line records --na")
        var equations = Self.equations(written)
        XCTAssertEqual(equations.count, 14)
        // Trials are the model's (the calibration file records the formula, terms and numbers).
        let modelEquations = Self.equations(try String(contentsOfFile: Self.model, encoding: .utf8))
        for k in equations.indices { equations[k].trials = modelEquations.first { $0.name == equations[k].name }?.trials }
        XCTAssertEqual(equations.filter { $0.trials != nil }.count, 8, "the binomial equations' trials")

        // Outside truth: statsmodels on the original panel (R01 kept as a region).
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.statsmodels))) as? [String: Any])
        let expected = try XCTUnwrap(json["equations"] as? [String: [String: Any]])
        func num(_ any: Any?) -> Double { Double(any as? String ?? "") ?? .nan }
        for eq in equations {
            let e = try XCTUnwrap(expected[eq.name], eq.name)
            XCTAssertEqual(eq.terms, e["terms"] as? [String], eq.name)
            XCTAssertEqual(eq.nobs, e["nobs"] as? Int, eq.name)
            let tol = eq.family == "negbin" ? 1e-4 : 1e-6   // as CalibrationTests (NB2 alpha by another optimiser)
            let b = (e["coefficients"] as! [Any]).map(num)
            let V = (e["covariance_cluster"] as! [[Any]]).map { $0.map(num) }
            for j in eq.terms.indices {
                XCTAssertLessThan(abs(eq.coefficients[j] - b[j]) / max(abs(b[j]), 1e-3), tol, "\(eq.name) \(eq.terms[j])")
                XCTAssertLessThan(abs(eq.covariance[j][j] - V[j][j]) / V[j][j], tol, "\(eq.name) \(eq.terms[j]) variance")
            }
        }

        // The same equations through fit: identical numbers (one pipeline).
        var worst = 0.0, fits = 0
        for eq in equations {
            // An if_missing substitute is calibrate's (fit reads the panel's columns as they are).
            if eq.formula.contains("trained_incumbent") { continue }
            var args = ["fit", panel, "--formula", eq.formula, "--family", eq.family, "--panel", "region,year",
                        "--se", "cluster:region", "--na", "", "--format", "json"]
            if let t = eq.trials { args += ["--trials", t] }
            let f = try CLI.run(args)
            XCTAssertEqual(f.status, 0, eq.name + ": " + f.stderr)
            let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(f.stdout.utf8)) as? [String: Any], f.stdout)
            XCTAssertEqual(j["nobs"] as? Int, eq.nobs, eq.name)
            let terms = try XCTUnwrap(j["terms"] as? [[String: Any]])
            XCTAssertEqual(terms.map { $0["name"] as? String ?? "" }, eq.terms, eq.name)
            for (k, t) in terms.enumerated() {
                let estimate = t["estimate"] as? Double ?? .nan, se = t["std_error"] as? Double ?? .nan
                let calSE = eq.covariance[k][k].squareRoot()
                worst = max(worst, abs(estimate - eq.coefficients[k]) / max(abs(eq.coefficients[k]), 1e-300), abs(se - calSE) / calSE)
            }
            fits += 1
        }
        XCTAssertEqual(fits, 13, "every equation but the substituted one")
        XCTAssertLessThan(worst, 1e-12, "fit vs calibrate: largest relative difference \(worst)")
        print("RegressionPipelineTests: fit vs calibrate on \(fits) equations, largest relative difference \(worst)")
    }

    /// Calibrate applies fit's column-typing rules: a number written with a thousands separator in a
    /// used column is an error showing the cell (not a categorical with one dummy per value), said
    /// once for all the equations that read the column.
    func testCalibrateReadsColumnsAsFitDoes() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines = try String(contentsOfFile: Self.panel, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        let k = try XCTUnwrap(header.firstIndex(of: "support"))
        var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[k] = "\"1,045.50\""
        lines[3] = cells.joined(separator: ",")
        let path = dir.appendingPathComponent("panel.csv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("c.toml").path
        let c = try CLI.run(["calibrate", path, "--model", Self.model, "--out", out])
        XCTAssertEqual(c.status, 65, c.stderr)
        // One error for the cell, naming the equations that read it (13 in the shipped model), not one per equation.
        XCTAssertTrue(c.stderr.contains("panel.csv:4: equations 'entries', 'exits' and 11 more: support: expected plain numbers (digits, '.' for decimals, no thousands separators) (support is used as a number in the formula), got '1,045.50' (write 1045.5, not 1,045.50"), c.stderr)
        XCTAssertEqual(c.stderr.components(separatedBy: "panel.csv:4:").count - 1, 1, c.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let f = try CLI.run(["fit", path, "--formula", "entries ~ log(lag(coops)) + log1p(support)", "--family", "negbin", "--panel", "region,year"])
        XCTAssertEqual(f.status, 65, f.stderr)
        XCTAssertTrue(f.stderr.contains("panel.csv:4: support: expected plain numbers (digits, '.' for decimals, no thousands separators) (support is used as a number in the formula), got '1,045.50' (write 1045.5, not 1,045.50"), f.stderr)
    }

    /// An offset from the command line through synth, calibrate and run (issue 14, kind 7): the
    /// shipped model with its entries equation written as a rate per existing cooperative,
    /// `entries ~ log1p(support) + log1p(promotion) + offset(log(lag(coops)))` (negbin).
    /// 1. `synth` with the truth's coefficient of log(lag(coops)) (1.0) taken out draws the same
    ///    panel, byte for byte, as the shipped model and truth (the engine adds the offset to the
    ///    linear predictor exactly as a coefficient of 1 would).
    /// 2. `calibrate` on that panel fits the offset with coefficient 1 (three estimated terms; the
    ///    table shows the offset as fixed).
    /// 3. `run` of the HCMC baseline with that calibration: the first simulated year's mean entries
    ///    equal the closed form coops_0 exp(x'b + x'Vx/2) (NB2 mean coops_0 exp(x'beta), beta drawn
    ///    from N(b, V)) within 4 Monte Carlo standard errors.
    func testOffsetEquationFromSynthThroughRun() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenarios = CLI.root.appendingPathComponent("Scenarios")
        let shippedModel = try String(contentsOf: scenarios.appendingPathComponent("model.toml"), encoding: .utf8)
        let shippedTruth = try String(contentsOf: scenarios.appendingPathComponent("truth.toml"), encoding: .utf8)
        let rate = "entries ~ log1p(support) + log1p(promotion) + offset(log(lag(coops)))"
        let model = shippedModel.replacingOccurrences(of: "entries ~ log(lag(coops)) + log1p(support) + log1p(promotion)", with: rate)
        let truth = shippedTruth.replacingOccurrences(of: "\"log(lag(coops))\" = 1.0, ", with: "")
        XCTAssertNotEqual(model, shippedModel, "the shipped entries equation changed: update this test")
        XCTAssertNotEqual(truth, shippedTruth, "the shipped truth's entries coefficients changed: update this test")
        try model.write(to: dir.appendingPathComponent("model.toml"), atomically: true, encoding: .utf8)
        try truth.write(to: dir.appendingPathComponent("truth.toml"), atomically: true, encoding: .utf8)

        let synthArgs = ["--regions", "40", "--years", "2010:2023", "--seed", "20240101"]
        let offsetPanel = dir.appendingPathComponent("offset_panel.csv").path, shippedPanel = dir.appendingPathComponent("shipped_panel.csv").path
        let s1 = try CLI.run(["synth", "--model", dir.appendingPathComponent("model.toml").path,
                              "--truth", dir.appendingPathComponent("truth.toml").path, "--out", offsetPanel] + synthArgs)
        XCTAssertEqual(s1.status, 0, s1.stderr)
        let s2 = try CLI.run(["synth", "--model", scenarios.appendingPathComponent("model.toml").path,
                              "--truth", scenarios.appendingPathComponent("truth.toml").path, "--out", shippedPanel] + synthArgs)
        XCTAssertEqual(s2.status, 0, s2.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: offsetPanel)), try Data(contentsOf: URL(fileURLWithPath: shippedPanel)),
                       "synth with offset(log(lag(coops))) = synth with a coefficient of 1 on log(lag(coops))")

        let calibration = dir.appendingPathComponent("calibration.toml").path
        let c = try CLI.run(["calibrate", offsetPanel, "--model", dir.appendingPathComponent("model.toml").path, "--out", calibration])
        XCTAssertEqual(c.status, 0, c.stderr)
        XCTAssertTrue(c.stdout.split(separator: "\n").contains { $0.contains("offset(log(lag(coops)))") && $0.hasSuffix("1       (fixed)") }, c.stdout)
        let entries = try XCTUnwrap(Self.equations(try String(contentsOfFile: calibration, encoding: .utf8)).first { $0.name == "entries" })
        XCTAssertEqual(entries.formula, rate)
        XCTAssertEqual(entries.terms, ["Intercept", "log1p(support)", "log1p(promotion)"])

        // The HCMC baseline with this model and calibration.
        let scenarioText = try String(contentsOf: scenarios.appendingPathComponent("hcmc-baseline.toml"), encoding: .utf8)
        try scenarioText.write(to: dir.appendingPathComponent("hcmc-baseline.toml"), atomically: true, encoding: .utf8)
        func value(_ key: String) throws -> Double {
            let line = try XCTUnwrap(scenarioText.split(separator: "\n").first { $0.hasPrefix(key + " = ") }, key)
            return try XCTUnwrap(Double(line.dropFirst(key.count + 3).prefix { $0 != " " && $0 != "#" }), String(line))
        }
        let coops0 = try value("coops"), support = try value("support"), promotion = try value("promotion")
        let firstYear = Int(try value("last_observed_year")) + 1
        let out = dir.appendingPathComponent("out").path
        let r = try CLI.run(["run", dir.appendingPathComponent("hcmc-baseline.toml").path, "--draws", "4000", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try String(contentsOfFile: out + "/summary.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try XCTUnwrap(summary.first)
        let metric = try XCTUnwrap(header.firstIndex(of: "metric")), year = try XCTUnwrap(header.firstIndex(of: "year"))
        let meanColumn = try XCTUnwrap(header.firstIndex(of: "mean")), mcSEColumn = try XCTUnwrap(header.firstIndex(of: "mc_se"))
        let row = try XCTUnwrap(summary.first { $0.count == header.count && $0[metric] == "entries" && $0[year] == String(firstYear) })
        let mean = try XCTUnwrap(Double(row[meanColumn])), mcSE = try XCTUnwrap(Double(row[mcSEColumn]))
        let x = [1, log1p(support), log1p(promotion)], b = entries.coefficients, V = entries.covariance
        var xb = 0.0, xVx = 0.0
        for i in 0..<3 { xb += x[i] * b[i]; for j in 0..<3 { xVx += x[i] * V[i][j] * x[j] } }
        let expected = coops0 * exp(xb + xVx / 2)
        XCTAssertLessThan(abs(mean - expected) / mcSE, 4, "entries \(firstYear): mean \(mean), closed form \(expected), mc_se \(mcSE)")
        print("RegressionPipelineTests: offset entries \(firstYear) mean \(mean), closed form \(expected), \((mean - expected) / mcSE) mc_se")
    }
}
