import Foundation
import XCTest

/// `coopsim run`, `compare` and `validate` end to end on the shipped scenarios.
final class RunCommandTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    func files(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".csv") {
            out[f] = try Data(contentsOf: dir.appendingPathComponent(f))
        }
        return out
    }

    func testSameSeedAnyThreadsGivesIdenticalBytes() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let a = tmp.appendingPathComponent("t1"), b = tmp.appendingPathComponent("t2")
        let args = ["run", scenario("hcmc-baseline"), scenario("haiphong-2014-plan"), "--draws", "3000", "--seed", "7", "--paths", "3"]
        let r1 = try CLI.run(args + ["--threads", "1", "--out", a.path])
        let r2 = try CLI.run(args + ["--threads", "2", "--out", b.path])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let fa = try files(a), fb = try files(b)
        XCTAssertEqual(Set(fa.keys), ["summary.csv", "targets.csv", "paths.csv", "history.csv", "levers.csv", "metrics.csv", "scenarios.csv"])
        for (k, v) in fa { XCTAssertEqual(v, fb[k], "\(k) differs between 1 and 2 threads") }
        let summary = String(decoding: fa["summary.csv"]!, as: UTF8.self)
        XCTAssertTrue(summary.hasPrefix("scenario,region,year,metric,mean,sd,p05,p25,p50,p75,p95,mc_se\n"))
        let targets = String(decoding: fa["targets.csv"]!, as: UTF8.self)
        XCTAssertTrue(targets.hasPrefix("scenario,region,metric,year,op,value,probability,mc_se,probability_low,probability_high,source,reason,source_vi,reason_vi,label_en,label_vi\n"))
        XCTAssertTrue(targets.contains("Thành phố Hải Phòng"))
        // Hai Phong's plan figures the model cannot evaluate are kept, without a probability, with their reason.
        XCTAssertTrue(targets.contains("haiphong-2014-plan,Thành phố Hải Phòng,model_coops,2020,>=,15,,,,,"), targets)
        XCTAssertEqual(targets.split(separator: "\n").filter { $0.hasPrefix("haiphong-2014-plan,") }.count, 9)
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("run.json"))) as? [String: Any]
        XCTAssertEqual(run?["draws"] as? Int, 3000)
        XCTAssertEqual((run?["inputs"] as? [[String: Any]])?.count, 5)   // 3 scenario files, model, calibration
    }

    func testNullPolicyComparedWithItsBaselineIsExactlyZero() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("hcmc-baseline"), "--draws", "1000", "--out", tmp.appendingPathComponent("c").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: tmp.appendingPathComponent("c/compare.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").dropFirst()
        XCTAssertFalse(lines.isEmpty)
        for line in lines {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            for k in 5...9 { XCTAssertEqual(Double(f[k]), 0, String(line)) }
            XCTAssertEqual(Double(f[10]), 0, String(line))
        }
    }

    func testPlanRaisesCooperativesOnNearlyEveryPath() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "2000", "--out", tmp.appendingPathComponent("c").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: tmp.appendingPathComponent("c/compare.csv"), encoding: .utf8)
        let row = try XCTUnwrap(text.split(separator: "\n").first { $0.contains(",2026,coops,") })
        let f = row.split(separator: ",")
        XCTAssertGreaterThan(Double(f[5]) ?? 0, 0, String(row))    // mean difference
        XCTAssertGreaterThan(Double(f[10]) ?? 0, 0.9, String(row))  // share of paths with more cooperatives
    }

    func testBadScenarioLeavesNoOutputAndKeepsThePreviousOne() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("out")
        let bad = CLI.root.appendingPathComponent("Tests/CoopScenarioTests/Fixtures/bad")
        for name in try FileManager.default.contentsOfDirectory(atPath: bad.path).sorted() where name.hasSuffix(".toml") && name != "good.toml" {
            let r = try CLI.run(["run", bad.appendingPathComponent(name).path, "--draws", "10", "--out", out.path])
            XCTAssertEqual(r.status, 65, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(name), "\(name): the message does not name the file: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), "\(name) crashed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(name) left an output folder")
        }
        // A good run, then a failing one: the good output stays as it was.
        XCTAssertEqual(try CLI.run(["run", scenario("hcmc-baseline"), "--draws", "50", "--out", out.path]).status, 0)
        let before = try files(out)
        let r = try CLI.run(["run", bad.appendingPathComponent("share-out-of-range.toml").path, "--out", out.path])
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(try files(out), before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0 != "out" }
        XCTAssertEqual(leftovers, [], "temporary folders left behind")
    }

    func testValidateListsEveryProblem() throws {
        let bad = CLI.root.appendingPathComponent("Tests/CoopScenarioTests/Fixtures/bad/unknown-key.toml").path
        let r = try CLI.run(["validate", scenario("hcmc-2024-plan"), bad])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stdout.contains("hcmc-2024-plan.toml: ok"), r.stdout)
        XCTAssertTrue(r.stderr.contains("unknown-key.toml:20: levers.trainning"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did you mean 'training'?"), r.stderr)
        XCTAssertTrue(r.stderr.contains("levers.training: expected a path for every lever"), r.stderr)
        let ok = try CLI.run(["validate", CLI.root.appendingPathComponent("Scenarios/model.toml").path, CLI.root.appendingPathComponent("Scenarios/calibration.toml").path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
    }

    func testExcelFlagAddsByteOrderMark() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(["run", scenario("hcmc-baseline"), "--draws", "20", "--excel", "--out", tmp.appendingPathComponent("x").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let data = try Data(contentsOf: tmp.appendingPathComponent("x/targets.csv"))
        XCTAssertEqual(Array(data.prefix(3)), [0xEF, 0xBB, 0xBF])
    }

    func testUsageErrorsExit64() throws {
        XCTAssertEqual(try CLI.run(["run", "--draws", "0"]).status, 64)
        XCTAssertEqual(try CLI.run(["compare", scenario("hcmc-baseline")]).status, 64)
        XCTAssertEqual(try CLI.run(["frobnicate"]).status, 64)
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for sub in ["fit", "calibrate", "run", "compare", "validate", "report", "synth"] {
            XCTAssertTrue(help.stdout.contains(sub), "--help lacks \(sub)")
        }
    }

    func testVietnameseReportUsesVietnameseScenarioTitles() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("r")
        XCTAssertEqual(try CLI.run(["run", scenario("hcmc-baseline"), "--draws", "200", "--out", out.path]).status, 0)
        let csv = try String(contentsOf: out.appendingPathComponent("scenarios.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("scenario,title,region,last_observed_year,horizon,draws,seed,file,title_vi\n"), csv)
        let vi = try CLI.run(["report", out.path, "--lang", "vi", "--out", tmp.appendingPathComponent("vi.html").path])
        XCTAssertEqual(vi.status, 0, vi.stderr)
        let html = try String(contentsOf: tmp.appendingPathComponent("vi.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Thành phố Hồ Chí Minh: giữ nguyên chính sách"))
        let en = try CLI.run(["report", out.path, "--lang", "en", "--out", tmp.appendingPathComponent("en.html").path])
        XCTAssertEqual(en.status, 0, en.stderr)
        let enHTML = try String(contentsOf: tmp.appendingPathComponent("en.html"), encoding: .utf8)
        XCTAssertTrue(enHTML.contains("Ho Chi Minh City: unchanged policy"))
        XCTAssertFalse(enHTML.contains("giữ nguyên chính sách"))
    }
}
