import CoopData
import CoopModel
@testable import CoopScenario
import Foundation
import XCTest

/// The default model (Scenarios/model.toml) with a hand-made calibration of round coefficients,
/// written with scenario files into a temporary folder.
struct RunFixture {
    var folder = ""

    /// A fresh temporary folder holding calibration.toml.
    static func make() throws -> RunFixture {
        var f = RunFixture()
        f.folder = NSTemporaryDirectory() + "engine-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: f.folder, withIntermediateDirectories: true)
        try f.defaultCalibration().toml().write(toFile: f.folder + "/calibration.toml", atomically: true, encoding: .utf8)
        return f
    }

    func remove() { if !folder.isEmpty { try? FileManager.default.removeItem(atPath: folder) } }

    func defaultCalibration() -> Calibration {
        func eq(_ name: String, _ family: ModelSpec.Family, _ terms: [String], _ b: [Double], sigma: Double? = nil,
                alpha: Double? = nil) -> Calibration.Equation {
            let n = terms.count
            // Variance 1e-4 on the diagonal, correlation 0.3 between neighbours.
            let cov = (0..<n).map { i in (0..<n).map { j in i == j ? 1e-4 : (abs(i - j) == 1 ? 0.3e-4 : 0) } }
            return Calibration.Equation(name: name, family: family, formula: "", terms: terms, coefficients: b, covariance: cov,
                                        sigma: sigma, alpha: alpha, nobs: 200, groups: nil)
        }
        return Calibration(file: "calibration.toml", model: "cooperatives", dataFile: "", dataSHA256: "", covarianceType: "classical",
                           equations: [
            eq("entries", .negbin, ["Intercept", "log(lag(coops))", "log1p(support)", "log1p(promotion)"], [-3, 0.5, 0.3, 0.5], alpha: 0.05),
            eq("exits", .binomial, ["Intercept", "log1p(support)", "lag(trained_share)", "enforcement"], [-2, -0.2, -1, 5]),
            eq("workers_per_coop", .gaussian, ["Intercept", "log1p(support)"], [0, 0.005], sigma: 0.03),
            eq("trained_incumbent", .gaussian, ["Intercept", "training"], [0, 1], sigma: 0.05),
            eq("productivity", .gaussian, ["Intercept", "diff(trained_share)", "log1p(support)"], [0.02, 0.5, 0.002], sigma: 0.02),
            eq("weak_up", .binomial, ["Intercept", "enforcement", "training", "log1p(support)"], [-2, 3, 2, 0.1]),
            eq("average_up", .binomial, ["Intercept", "training", "log1p(support)"], [-2.5, 3, 0.1]),
            eq("average_down", .binomial, ["Intercept", "log1p(support)"], [-2.3, -0.15]),
            eq("fair_up", .binomial, ["Intercept", "training", "log1p(support)"], [-2.8, 3, 0.1]),
            eq("fair_down", .binomial, ["Intercept", "log1p(support)"], [-2.5, -0.15]),
            eq("good_down", .binomial, ["Intercept", "log1p(support)"], [-2.5, -0.15]),
            eq("members_per_coop", .gaussian, ["Intercept", "log1p(support)", "I(entries / (coops + 1))"], [-0.015, 0.004, -0.5], sigma: 0.02),
            eq("group_entries", .negbin, ["Intercept", "log(lag(groups))", "log1p(support)"], [-2.5, 1, 0.05], alpha: 0.1),
            eq("group_exits", .binomial, ["Intercept", "log1p(support)"], [-2.5, -0.05]),
        ])
    }

    /// Writes a scenario file and loads it.
    func scenario(_ name: String, promotion: Double = 20, seed: Int = 2024, draws: Int = 1500,
                  trainedShare: Double = 0.52, training: Double = 0.05, grdpGrowth: Double = 0.06) throws -> (Scenario, ModelSpec) {
        let text = """
        name = "\(name)"
        title = "Test \(name)"
        model = "\(EngineRunTests.root)/Scenarios/model.toml"
        calibration = "calibration.toml"
        region = "Thành phố Hồ Chí Minh"
        last_observed_year = 2023
        horizon = 2027
        draws = \(draws)
        seed = \(seed)
        [observed]
        coops = 650
        workers_per_coop = 42
        trained_share = \(trainedShare)
        productivity = 280
        grdp = 1580000
        good_count = 98
        fair_count = 260
        weak_count = 78
        members_per_coop = 202
        groups = 4368
        [history]
        coops = { 2021 = 600, 2022 = 630 }
        [assumptions]
        grdp_growth = \(grdpGrowth)
        grdp_sd = 0.01
        entrant_trained_share = 0.45
        [levers]
        support = 30
        promotion = \(promotion)
        training = \(training)
        enforcement = 0.02
        [[targets]]
        metric = "coops"
        year = 2025
        op = ">="
        value = 663
        source = "test target, \\"quoted\\""
        """
        let path = folder + "/\(name).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try ScenarioLoader.load(path: path)
    }

}

/// Runs of the default model (Scenarios/model.toml) with a hand-made calibration of round
/// coefficients, written with the scenarios into a temporary folder.
final class EngineRunTests: XCTestCase {
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    var fixture = RunFixture()
    var folder: String { fixture.folder }

    override func setUpWithError() throws { fixture = try RunFixture.make() }
    override func tearDownWithError() throws { fixture.remove() }

    func scenario(_ name: String, promotion: Double = 20, seed: Int = 2024, draws: Int = 1500,
                  trainedShare: Double = 0.52, training: Double = 0.05, grdpGrowth: Double = 0.06) throws -> (Scenario, ModelSpec) {
        try fixture.scenario(name, promotion: promotion, seed: seed, draws: draws, trainedShare: trainedShare, training: training,
                             grdpGrowth: grdpGrowth)
    }

    func csvFiles(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) where f.hasSuffix(".csv") {
            out[f] = FileManager.default.contents(atPath: dir + "/" + f)
        }
        return out
    }

    func rows(_ dir: String, _ file: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        return lines.map { line in
            // Test data has no quoted commas except in the target source (last column).
            let f = line.split(separator: ",", maxSplits: header.count - 1, omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, f))
        }
    }

    /// (b) The same inputs and seed give byte-identical CSV files for 1 and 2 threads and batch widths 256 and 13.
    func testOutputIsByteIdenticalAcrossThreadsAndBatchWidths() throws {
        let s = [try scenario("base"), try scenario("plan", promotion: 30)]
        var outputs: [[String: Data]] = []
        for (threads, width) in [(1, 256), (2, 13), (2, 256)] {
            let summary = try Runner.run(scenarios: s, options: RunOptions(draws: 2100, threads: threads, paths: 3, compare: true,
                                                                           batchWidth: width))
            let dir = folder + "/out-\(threads)-\(width)"
            try Runner.writeOutput(summary, to: dir, excel: false)
            outputs.append(try csvFiles(dir))
        }
        XCTAssertEqual(Set(outputs[0].keys), ["summary.csv", "targets.csv", "compare.csv", "paths.csv", "history.csv", "levers.csv", "metrics.csv", "scenarios.csv"])
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(outputs[0], outputs[2])
        let summaryRows = try rows(folder + "/out-1-256", "summary.csv")
        XCTAssertEqual(summaryRows.count, 2 * 33 * 4)
        XCTAssertEqual(summaryRows[0]["metric"], "coops")
        XCTAssertEqual(summaryRows[0]["year"], "2024")
        let json = try String(contentsOfFile: folder + "/out-1-256/run.json", encoding: .utf8)
        XCTAssertTrue(json.contains("\"version\": \"0.1.0\""), json)
        XCTAssertTrue(json.contains("model.toml"), json)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        XCTAssertEqual((parsed?["inputs"] as? [Any])?.count, 4)
    }

    /// (c) Common random numbers: a scenario compared with itself differs by exactly zero; a small
    /// lever change gives a variance of the difference far below that of two independent runs.
    func testCommonRandomNumbers() throws {
        let base = try scenario("base")
        let same = try Runner.run(scenarios: [base, base], options: RunOptions(draws: 1000, compare: true))
        let d = same.groups[0].result.differences[0]
        for m in d.moments { XCTAssertEqual(m.mean, 0); XCTAssertEqual(m.m2, 0) }
        XCTAssertEqual(d.increases.reduce(0, +), 0)

        let alt = try scenario("alt", promotion: 22)
        let crn = try Runner.run(scenarios: [base, alt], options: RunOptions(draws: 2000, compare: true))
        let other = try Runner.run(scenarios: [alt], options: RunOptions(draws: 2000, seed: 99))
        let r = crn.groups[0].result
        let coops = 0, last = r.years - 1
        let c = last * r.metrics + coops
        let varCRN = r.differences[0].moments[c].variance
        let varIndependent = r.scenarios[0].moments[c].variance + other.groups[0].result.scenarios[0].moments[c].variance
        let ratio = varIndependent / varCRN
        print("common random numbers: Var(diff) independent / CRN for coops in 2027 = \(ratio)")
        XCTAssertGreaterThan(ratio, 20)
        XCTAssertGreaterThan(r.differences[0].moments[c].mean, 0)
    }

    /// Closed-form check on the Gaussian equations through the runner: with parameter uncertainty
    /// and noise off, workers_per_coop follows lag * exp(b0 + b1 log1p(support)) exactly.
    func testNoiseFreeGaussianPathIsExact() throws {
        let s = try scenario("base")
        let summary = try Runner.run(scenarios: [s], options: RunOptions(draws: 3, paths: 1,
            switches: SimulationSwitches(parameterUncertainty: false, processNoise: false)))
        let r = summary.groups[0].result
        let v = summary.groups[0].plans[0].model.variableNames.firstIndex(of: "workers_per_coop")!
        var expected = 42.0
        for yi in 0..<r.years {
            expected *= exp(0.005 * log1p(30))
            XCTAssertEqual(r.scenarios[0].kept[yi * r.metrics + v], expected, accuracy: 1e-12 * expected)
        }
    }

    /// (e) An assumption that drives a variable out of its domain stops the run with a message that
    /// names the variable, the year, the number of paths and the paths that feed the equation.
    func testDomainViolationThroughRunner() throws {
        // An absurd growth assumption overflows GRDP to infinity in the first simulated year.
        let s = try scenario("bad", grdpGrowth: 800)
        XCTAssertThrowsError(try Runner.run(scenarios: [s], options: RunOptions(draws: 200))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("grdp left its domain (a positive number) in 2024 on 200 of 200 paths"), message)
            XCTAssertTrue(message.contains("assumptions.grdp_growth"), message)
            XCTAssertTrue(message.contains("bad.toml"), message)
        }
    }

    /// A missing observed value is named with the scenario file and the equation that reads it.
    func testMissingObservedValue() throws {
        var (s, m) = try scenario("base")
        s.observed["grdp"] = nil
        XCTAssertThrowsError(try Runner.run(scenarios: [(s, m)], options: RunOptions(draws: 10))) { error in
            XCTAssertTrue("\(error)".contains("observed.grdp"), "\(error)")
        }
    }

    /// A re-run replaces only the files the previous run wrote (run.json's manifest); the user's
    /// files and folders stay byte-identical; no temporary folder is left behind; a folder whose
    /// run.json coopsim did not write is refused.
    func testRerunReplacesOnlyItsOwnFiles() throws {
        let s = try scenario("base")
        let dir = folder + "/out"
        let first = try Runner.run(scenarios: [s], options: RunOptions(draws: 50, paths: 2))
        try Runner.writeOutput(first, to: dir, excel: false)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/paths.csv"))
        try "notes".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/report-figures", withIntermediateDirectories: true)
        try "<svg/>".write(toFile: dir + "/report-figures/a.svg", atomically: true, encoding: .utf8)
        let summary = try Runner.run(scenarios: [s], options: RunOptions(draws: 50, excel: true))
        var notices: [String] = []
        try Runner.writeOutput(summary, to: dir, excel: true) { notices.append($0) }
        XCTAssertEqual(notices, [])
        XCTAssertEqual(try String(contentsOfFile: dir + "/notes.txt", encoding: .utf8), "notes")
        XCTAssertEqual(try String(contentsOfFile: dir + "/report-figures/a.svg", encoding: .utf8), "<svg/>")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/paths.csv"), "the first run's paths.csv is the run's own")
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/summary.csv"))
        XCTAssertEqual(Array(bytes.prefix(3)), [0xEF, 0xBB, 0xBF])
        let run = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/run.json"))) as? [String: Any])
        XCTAssertEqual(run["files"] as? [String], ["summary.csv", "targets.csv", "history.csv", "levers.csv", "metrics.csv", "scenarios.csv", "run.json"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".out.") }
        XCTAssertEqual(leftovers, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/.coopsim-incoming"))
        // A run.json that coopsim did not write makes the folder someone else's.
        let other = folder + "/project"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try "{}".write(toFile: other + "/run.json", atomically: true, encoding: .utf8)
        try "data".write(toFile: other + "/data.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Runner.writeOutput(summary, to: other, excel: false)) { error in
            XCTAssertTrue("\(error)".contains("its run.json was not written by coopsim"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: other + "/run.json", encoding: .utf8), "{}")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other).sorted(), ["data.csv", "run.json"])
    }
}

/// Throughput of the default model (not a timed test: runs only with COOPSIM_PERF=1, prints path-years per second).
final class EngineThroughputTests: XCTestCase {
    func testThroughput() throws {
        guard ProcessInfo.processInfo.environment["COOPSIM_PERF"] == "1" else { throw XCTSkip("set COOPSIM_PERF=1 to measure") }
        let t = try RunFixture.make()
        defer { t.remove() }
        let s = try t.scenario("perf")
        let only = ProcessInfo.processInfo.environment["COOPSIM_PERF_THREADS"].flatMap { Int($0) }
        for threads in only.map({ [$0] }) ?? [1, 2] {
            let draws = 200_000
            let start = ContinuousClock.now
            let summary = try Runner.run(scenarios: [s], options: RunOptions(draws: draws, threads: threads))
            let e = ContinuousClock.now - start
            let seconds = Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18
            let pathYears = Double(draws * summary.groups[0].result.years)
            print("throughput threads=\(threads): \(pathYears / seconds) path-years/s (\(seconds) s)")
        }
    }
}
