import Foundation
import XCTest
@testable import CoopData
@testable import CoopModel
@testable import CoopScenario

/// Hostile input found by QA, at the level of CoopScenario: each case used to give a silently
/// wrong answer or pass `validate` and fail `run`; now a located `InputError` that says what to change.
final class HostileInputTests: XCTestCase {
    var root: URL { ScenarioLoaderTests.root }

    /// The 1-based line of the first line of `text` containing `needle` (files change; tests find their lines).
    func line(of needle: String, in text: String) -> Int {
        (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    func temporaryFolder() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    func fitMessage(_ csv: String, _ formula: String, weights: String? = nil, se: FitRunner.StandardErrors = .classical) -> String {
        do {
            let table = try CSVReader.parse(text: csv, source: "d.csv")
            _ = try FitRunner.fit(FitRunner.Request(dataPath: "d.csv", formula: formula, weights: weights, standardErrors: se), table: table)
            return "no error"
        } catch { return "\(error)" }
    }

    /// One cluster gave infinite standard errors with exit status 0.
    func testOneClusterIsAnError() {
        let m = fitMessage("y,x,g\n1,2,a\n2,3,a\n3,5,a\n4,4,a\n5,7,a\n", "y ~ x", se: .cluster(column: "g"))
        XCTAssertEqual(m, "d.csv: --se cluster:g: expected at least 2 clusters for cluster-robust standard errors, got 1 distinct value of 'g' on the rows used (cluster by a column with several groups, or use --se HC1)")
    }

    /// All weights zero gave a fit of 0 observations with every term aliased and exit status 0.
    func testAllZeroWeightsIsAnError() {
        let m = fitMessage("y,x,w\n1,2,0\n2,3,0\n3,5,0\n4,4,0\n", "y ~ x", weights: "w")
        XCTAssertTrue(m.hasPrefix("d.csv: --weights w: expected more rows with a positive weight than coefficients (2), got 0 rows"), m)
        // Two positive weights for two coefficients: still too few.
        XCTAssertTrue(fitMessage("y,x,w\n1,2,1\n2,3,0\n3,5,1\n4,4,0\n", "y ~ x", weights: "w").contains("got 2 rows with a positive weight"))
    }

    /// Values near 1e300 gave a standard error of Inf (or 0 near 1e-300) without a word.
    func testExtremeScalesAskToRescale() {
        let huge = fitMessage("y,x\n1,1e300\n2,3e300\n3,5e300\n4,4e300\n5,7e300\n", "y ~ x")
        XCTAssertEqual(huge, "d.csv:6: x: expected values between 1e-150 and 1e150 in magnitude (their squares must be finite and non-zero), got values as large as 7e+300 in absolute value (rescale it, e.g. I(x / 1e301))")
        XCTAssertTrue(fitMessage("y,x\n1,1e-300\n2,3e-300\n3,5e-300\n4,4e-300\n5,7e-300\n", "y ~ x").contains("I(x / 1e-299)"))
        XCTAssertTrue(fitMessage("y,x\n1e200,1\n2e200,3\n3e200,5\n4e200,4\n", "y ~ x").contains("d.csv:5: y: expected values between"))
        // Large but safe values fit: y = 2x exactly recovers the slope 2e100 / 1e100.
        XCTAssertEqual(fitMessage("y,x\n2e100,1e100\n4e100,2e100\n6.2e100,3e100\n8e100,4e100\n", "y ~ x"), "no error")
    }

    /// Long formulas: the message lists the first columns only.
    func testTooFewRowsListsAFewColumns() {
        let f = "y ~ " + (0..<50).map { "I(x + \($0))" }.joined(separator: " + ")
        let m = fitMessage("y,x\n1,2\n2,3\n3,5\n", f)
        XCTAssertTrue(m.contains("(51 columns: Intercept, I(x + 0)"), m)
        XCTAssertTrue(m.contains("... (41 more))"), m)
    }

    /// A model whose identity reads a variable computed later (or in a cycle) passed `validate`.
    func testValidateModelChecksTheOrderOfEquations() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOf: root.appendingPathComponent("Scenarios/model.toml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "identity = \"workers = coops * workers_per_coop\"", with: "identity = \"workers = coops * va\"")
        let path = dir.appendingPathComponent("m.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let problems = FileValidator.check(path: path).map(\.description)
        XCTAssertEqual(problems.count, 1, "\(problems)")
        let workersLine = line(of: "identity = \"workers = coops * va\"", in: text)
        // va = workers * productivity / 1000: a cycle, which no order of the equations solves (issue 16).
        XCTAssertTrue(problems[0].contains("m.toml:\(workersLine): equations[8].identity: expected variables read in the current year computed without a cycle, got a cycle in the current year: workers -> va -> workers"), problems[0])
        XCTAssertTrue(problems[0].contains("no order of the equations can compute these: read lag(va) in 'workers'"), problems[0])
        // A left side that is not a variable name says how to solve it.
        let lhs = text.replacingOccurrences(of: "identity = \"workers = coops * va\"", with: "identity = \"log(workers) = log(coops)\"")
        try lhs.write(toFile: path, atomically: true, encoding: .utf8)
        let m = FileValidator.check(path: path).map(\.description)
        XCTAssertEqual(m, ["\(path):\(workersLine): equations[8].identity: expected a single variable name on the left of '=' (an identity defines one variable), got 'log(workers)' (solve the identity for the variable, e.g. 'x = exp(...)' rather than 'log(x) = ...'; a behavioural equation (formula with ~) may transform its left side)"])
        // The shipped model is still valid.
        XCTAssertEqual(FileValidator.check(path: root.appendingPathComponent("Scenarios/model.toml").path).map(\.description), [])
    }

    /// A scenario lacking an observed value, or whose calibration does not match the model, passed
    /// `validate` and failed `run`.
    func testValidateScenarioChecksWhatRunChecks() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenarios = root.appendingPathComponent("Scenarios")
        for f in ["model.toml", "calibration.toml", "hcmc-baseline.toml"] {
            try FileManager.default.copyItem(at: scenarios.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let base = try String(contentsOf: dir.appendingPathComponent("hcmc-baseline.toml"), encoding: .utf8)
        let noObserved = dir.appendingPathComponent("no-observed.toml").path
        try base.replacingOccurrences(of: "\ncoops = ", with: "\n# coops = ").write(toFile: noObserved, atomically: true, encoding: .utf8)
        let p = FileValidator.check(path: noObserved).map(\.description)
        XCTAssertEqual(p.count, 1, "\(p)")
        XCTAssertTrue(p[0].contains("observed.coops: expected the value of coops in 2023"), p[0])

        var cal = try String(contentsOf: dir.appendingPathComponent("calibration.toml"), encoding: .utf8)
        let termsLine = line(of: "name = \"workers_per_coop\"", in: cal) - 1   // its [[equations]] table, the 3rd
        cal.replaceSubrange(cal.range(of: "terms = [\"Intercept\", \"log1p(support)\"]")!, with: "terms = [\"Intercept\", \"log(support)\"]")
        try cal.write(to: dir.appendingPathComponent("calibration.toml"), atomically: true, encoding: .utf8)
        let q = FileValidator.check(path: dir.appendingPathComponent("hcmc-baseline.toml").path).map(\.description)
        XCTAssertEqual(q.count, 1, "\(q)")
        XCTAssertTrue(q[0].contains("calibration.toml:\(termsLine): equations[3].terms: expected the design columns of the model's formula"), q[0])
        XCTAssertTrue(FileValidator.check(path: dir.path).map(\.description) == ["\(dir.path): expected a file, got a folder"])
    }

    /// A covariance that is symmetric with a positive diagonal but not positive semi-definite
    /// passed `validate` of the calibration file (only `run` noticed).
    func testCalibrationCovarianceMustBePositiveSemiDefinite() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var cal = try String(contentsOf: root.appendingPathComponent("Scenarios/calibration.toml"), encoding: .utf8)
        // [[2.36e-5, -7.02e-6], [-7.02e-6, 2.20e-9]]: determinant 5.2e-14 - 4.9e-11 < 0.
        cal = cal.replacingOccurrences(of: "  [-7.024837644139871e-06, 2.1951317022422865e-06],", with: "  [-7.024837644139871e-06, 2.1951317022422865e-09],")
        let path = dir.appendingPathComponent("c.toml").path
        try cal.write(toFile: path, atomically: true, encoding: .utf8)
        let p = FileValidator.check(path: path).map(\.description)
        XCTAssertEqual(p.count, 1, "\(p)")
        let row = line(of: "  [-7.024837644139871e-06, 2.1951317022422865e-09],", in: cal) - 2   // its "covariance = [" line
        XCTAssertTrue(p[0].contains("c.toml:\(row):14: equations[3].covariance: expected a positive semi-definite covariance of the coefficients"), p[0])
        XCTAssertTrue(p[0].contains("at term 'log1p(support)'"), p[0])
    }

    /// A truth whose lever range leaves the lever's domain (training up to 2) or whose initial
    /// counts may be negative wrote such values to the panel with exit status 0.
    func testSynthRulesMustStayInTheirDomains() throws {
        let model = try ModelSpec.load(path: root.appendingPathComponent("Scenarios/model.toml").path)
        let text = try String(contentsOf: root.appendingPathComponent("Scenarios/truth.toml"), encoding: .utf8)
        let bad = text.replacingOccurrences(of: "training = { uniform = [0, 0.2] }", with: "training = { uniform = [0, 2] }")
            .replacingOccurrences(of: "coops = { uniform = [50, 1500] }", with: "coops = { uniform = [-50, 1500] }")
        let truth = try SyntheticTruth.parse(bad, file: "t.toml")
        do {
            _ = try Synthesizer.panel(model: model, truth: truth, regions: 2, years: 2010...2012, seed: 1)
            XCTFail("accepted")
        } catch let e as InputErrors {
            XCTAssertEqual(e.errors.map(\.description), [
                "t.toml:\(line(of: "coops = { uniform = [-50, 1500] }", in: bad)): initial.coops: expected values in the domain of coops (a whole number of at least 0), got the range [-50.0, 1500.0]",
                "t.toml:\(line(of: "training = { uniform = [0, 2] }", in: bad)): paths.training: expected values in the domain of training (a share between 0 and 1), got the range [0.0, 2.0]",
            ])
        }
        XCTAssertNoThrow(try Synthesizer.panel(model: model, truth: SyntheticTruth.parse(text, file: "t.toml"), regions: 2, years: 2010...2012, seed: 1))
    }

    /// A division by zero in an identity was reported as "change levers ..." only: the message
    /// now also points at the equation, with its file and line.
    func testDomainErrorNamesTheEquation() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenarios = root.appendingPathComponent("Scenarios")
        for f in ["calibration.toml", "hcmc-baseline.toml"] {
            try FileManager.default.copyItem(at: scenarios.appendingPathComponent(f), to: dir.appendingPathComponent(f))
        }
        let model = try String(contentsOf: scenarios.appendingPathComponent("model.toml"), encoding: .utf8)
        try model.replacingOccurrences(of: "identity = \"gdp_share = va / grdp\"", with: "identity = \"gdp_share = va / (grdp - grdp)\"")
            .write(to: dir.appendingPathComponent("model.toml"), atomically: true, encoding: .utf8)
        let loaded = try ScenarioLoader.load(path: dir.appendingPathComponent("hcmc-baseline.toml").path)
        do {
            _ = try Runner.run(scenarios: [loaded], options: RunOptions(draws: 10))
            XCTFail("ran")
        } catch let e as InputErrors {
            let m = e.description
            XCTAssertTrue(m.contains("gdp_share left its domain (a number of at least 0) in 2024 on 10 of 10 paths"), m)
            let gdpLine = line(of: "identity = \"gdp_share = va / grdp\"", in: model)
            XCTAssertTrue(m.hasSuffix("or the equation 'gdp_share' on \(dir.appendingPathComponent("model.toml").path):\(gdpLine)"), m)
        }
    }

    /// validate stopped at the first ragged row of a CSV file and passed a numeric column with a
    /// stray text cell; it now lists every ragged row and names the stray cell.
    func testValidateDataListsEveryProblem() throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ragged = dir.appendingPathComponent("r.csv").path
        try "y,x\n1,2\n2,3,4\n3,5\n4\n5,7\n".write(toFile: ragged, atomically: true, encoding: .utf8)
        XCTAssertEqual(FileValidator.check(path: ragged).map(\.description),
                       ["\(ragged):3: expected 2 fields as in the header, got 3", "\(ragged):5: expected 2 fields as in the header, got 1"])
        let stray = dir.appendingPathComponent("s.csv").path
        try "y,x,g\n1,2,a\n2,abc,b\n3,5,a\n".write(toFile: stray, atomically: true, encoding: .utf8)
        let p = FileValidator.check(path: stray).map(\.description)
        XCTAssertEqual(p.count, 1, "\(p)")
        XCTAssertTrue(p[0].hasPrefix("\(stray):3: x: expected a number in every cell, got 'abc'"), p[0])
    }
}
