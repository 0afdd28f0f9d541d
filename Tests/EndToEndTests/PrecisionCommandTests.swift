import Foundation
import XCTest

/// `--mc-se` end to end on the shipped plans (issue 12): it stops with every target's mc_se within
/// the bound, and the folder equals, byte for byte, a run with `--draws` set to the draws it used.
final class PrecisionCommandTests: XCTestCase {
    func csvFiles(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) where f.hasSuffix(".csv") {
            out[f] = try Data(contentsOf: dir.appendingPathComponent(f))
        }
        return out
    }

    func testShippedPlansToMCSEAndSameBytesAsFixedDraws() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let a = tmp.appendingPathComponent("precise"), b = tmp.appendingPathComponent("fixed")
        let r = try CLI.run(["run", "--mc-se", "0.005", "--threads", "2", "--out", a.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: a.appendingPathComponent("run.json"))) as! [String: Any]
        let draws = try XCTUnwrap(run["draws"] as? Int)
        XCTAssertEqual(run["mc_se"] as? Double, 0.005)
        XCTAssertEqual(run["mc_se_reached"] as? Bool, true)
        XCTAssertTrue(r.stderr.contains("with \(draws) draws"), r.stderr)
        let targets = try String(contentsOf: a.appendingPathComponent("targets.csv"), encoding: .utf8)
        let rows = targets.split(separator: "\n").dropFirst()
        XCTAssertGreaterThan(rows.count, 10)
        // mc_se is column 8 (the source column after it may hold quoted commas).
        var evaluated = 0
        for row in rows {
            let field = row.split(separator: ",", omittingEmptySubsequences: false)[7]
            if field.isEmpty { continue }   // a target the model does not evaluate (no probability)
            let se = try XCTUnwrap(Double(field), String(row))
            XCTAssertLessThanOrEqual(se, 0.005, String(row))
            evaluated += 1
        }
        XCTAssertGreaterThan(evaluated, 10)
        let r2 = try CLI.run(["run", "--draws", String(draws), "--threads", "1", "--out", b.path])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let fa = try csvFiles(a), fb = try csvFiles(b)
        XCTAssertEqual(Set(fa.keys), Set(fb.keys).union(["convergence.csv"]))
        for (k, v) in fb { XCTAssertEqual(v, fa[k], "\(k) differs from --draws \(draws)") }
        // convergence.csv: one row per target and block, ending at the draws used.
        let conv = try String(contentsOf: a.appendingPathComponent("convergence.csv"), encoding: .utf8)
        XCTAssertTrue(conv.hasPrefix("scenario,baseline,region,metric,year,op,value,draws,estimate,mc_se\n"))
        XCTAssertTrue(conv.contains(",\(draws),"))
    }

    func testCompareDifferencesAndUsage() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let base = CLI.root.appendingPathComponent("Scenarios/hcmc-baseline.toml").path
        let plan = CLI.root.appendingPathComponent("Scenarios/hcmc-2024-plan.toml").path
        let out = tmp.appendingPathComponent("c")
        let r = try CLI.run(["compare", base, plan, "--mc-se", "0.01", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let conv = try String(contentsOf: out.appendingPathComponent("convergence.csv"), encoding: .utf8)
        let diffs = conv.split(separator: "\n").filter { $0.hasPrefix("hcmc-2024-plan,hcmc-baseline,") }
        XCTAssertFalse(diffs.isEmpty, "differences of shared targets are tracked")
        let run = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json"))) as! [String: Any]
        let draws = run["draws"] as! Int
        for d in diffs where d.split(separator: ",")[7] == Substring(String(draws)) {
            XCTAssertLessThanOrEqual(Double(d.split(separator: ",").last!)!, 0.01, String(d))
        }
        for bad in [["--mc-se", "0"], ["--mc-se", "0.6"], ["--mc-se", "0.01", "--draws", "100"]] {
            let u = try CLI.run(["run", base, "--out", tmp.appendingPathComponent("u").path] + bad)
            XCTAssertEqual(u.status, 64, "\(bad): \(u.stderr)")
        }
    }
}
