import Foundation
import XCTest

/// `coopsim fit` end to end against statsmodels on the same data
/// (fixtures by scripts/fixtures/e2e_fit.py), and its error handling.
final class FitCommandTests: XCTestCase {
    struct Expected: Decodable {
        var args: [String]
        var kind: String
        var names: [String]
        var estimate: [Double]
        var std_error: [Double]
        var nobs: Int
        var log_likelihood: Double?
        var r_squared: Double?
        var adj_r_squared: Double?
        var f_statistic: Double?
        var sigma: Double?
        var deviance: Double?
        var null_deviance: Double?
        var alpha: Double?
        var p_value: [Double]?
        var ci_low: [Double]?
        var ci_high: [Double]?
    }

    func testAgreesWithStatsmodels() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("fit_expected.json")))
        let fits = try JSONDecoder().decode([Expected].self, from: data)
        XCTAssertEqual(fits.count, 13)
        for e in fits {
            let r = try CLI.run(["fit", CLI.fixture("fit_panel.csv"), "--format", "json"] + e.args)
            XCTAssertEqual(r.status, 0, "\(e.args): \(r.stderr)")
            guard r.status == 0 else { continue }
            let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            let terms = try XCTUnwrap(j["terms"] as? [[String: Any]])
            XCTAssertEqual(terms.map { $0["name"] as? String ?? "" }, e.names, "\(e.args)")
            XCTAssertEqual(j["nobs"] as? Int, e.nobs, "\(e.args)")
            let tol = e.kind == "negbin" ? 1e-4 : e.kind == "glm" ? 1e-6 : 1e-7
            for (k, t) in terms.enumerated() where k < e.estimate.count {
                let est = t["estimate"] as? Double ?? .nan, se = t["std_error"] as? Double ?? .nan
                XCTAssertLessThan(relativeDifference(est, e.estimate[k]), tol, "\(e.args) \(e.names[k]) estimate \(est) vs \(e.estimate[k])")
                XCTAssertLessThan(relativeDifference(se, e.std_error[k]), tol, "\(e.args) \(e.names[k]) std_error \(se) vs \(e.std_error[k])")
                if let p = e.p_value?[k], p > 1e-300 {
                    let ours = t["p_value"] as? Double ?? .nan
                    XCTAssertLessThan(relativeDifference(ours, p), tol * 10, "\(e.args) \(e.names[k]) p-value \(ours) vs \(p)")
                }
                if let lo = e.ci_low?[k], let hi = e.ci_high?[k] {
                    XCTAssertLessThan(abs((t["ci_low"] as? Double ?? .nan) - lo), tol * max(1, abs(lo)) * 10, "\(e.args) ci_low")
                    XCTAssertLessThan(abs((t["ci_high"] as? Double ?? .nan) - hi), tol * max(1, abs(hi)) * 10, "\(e.args) ci_high")
                }
            }
            func check(_ key: String, _ v: Double?, _ t: Double = tol) {
                guard let v else { return }
                let ours = j[key] as? Double ?? .nan
                XCTAssertLessThan(relativeDifference(ours, v), t, "\(e.args) \(key): \(ours) vs \(v)")
            }
            check("log_likelihood", e.log_likelihood)
            check("r_squared", e.r_squared)
            check("adj_r_squared", e.adj_r_squared)
            check("f_statistic", e.f_statistic)
            check("sigma", e.sigma)
            check("deviance", e.deviance)
            check("null_deviance", e.null_deviance)
            check("alpha", e.alpha)
        }
    }

    func testTableCSVAndDroppedRowsWarning() throws {
        let r = try CLI.run(["fit", CLI.fixture("fit_panel.csv"), "--formula", "y ~ x1 + C(sector)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("C(sector)[T.dịch vụ]"), r.stdout)
        XCTAssertTrue(r.stderr.contains("9 rows dropped"), r.stderr)
        XCTAssertFalse(r.stdout.contains("warning"), r.stdout)
        let c = try CLI.run(["fit", CLI.fixture("fit_panel.csv"), "--formula", "y ~ x1", "--format", "csv"])
        XCTAssertEqual(c.status, 0)
        XCTAssertTrue(c.stdout.hasPrefix("name,estimate,std_error,statistic,p_value,ci_low,ci_high,aliased\n"), c.stdout)
        XCTAssertEqual(c.stdout.split(separator: "\n").count, 3)
        XCTAssertTrue(c.stderr.contains("9 rows dropped"), c.stderr)
    }

    func testRankDeficiencyReportsTheLaterTerm() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = dir.appendingPathComponent("collinear.csv")
        var text = "y,a,b,c\n"
        for i in 0..<20 { let a = Double(i), b = Double(i * i % 7); text += "\(a * 0.5 + b + Double(i % 3)),\(a),\(b),\(a + b)\n" }
        try text.write(to: f, atomically: true, encoding: .utf8)
        let r = try CLI.run(["fit", f.path, "--formula", "y ~ a + b + c", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let terms = try XCTUnwrap(j["terms"] as? [[String: Any]])
        XCTAssertEqual(terms.map { $0["aliased"] as? Bool }, [false, false, false, true])
        XCTAssertTrue(r.stderr.contains("aliased"), r.stderr)
        XCTAssertTrue(r.stderr.contains("c"), r.stderr)
    }

    func testBadInputGivesLocatedMessagesAndExitCodes() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.csv")
        try Data().write(to: empty)
        let ragged = dir.appendingPathComponent("ragged.csv")
        try "y,x\n1,2\n3\n".write(to: ragged, atomically: true, encoding: .utf8)
        let constant = dir.appendingPathComponent("constant.csv")
        try "y,x\n1,2\n1,3\n1,4\n1,5\n".write(to: constant, atomically: true, encoding: .utf8)
        let small = dir.appendingPathComponent("small.csv")
        try "y,x,z\n1,2,3\n2,3,1\n".write(to: small, atomically: true, encoding: .utf8)
        let data = CLI.fixture("fit_panel.csv")
        let cases: [([String], Int32, [String])] = [
            (["fit", empty.path, "--formula", "y ~ x"], 65, ["empty.csv", "empty"]),
            (["fit", ragged.path, "--formula", "y ~ x"], 65, ["ragged.csv:3", "expected 2 fields"]),
            (["fit", constant.path, "--formula", "y ~ x"], 65, ["constant.csv", "varies"]),
            (["fit", small.path, "--formula", "y ~ x + z"], 65, ["small.csv", "more rows than coefficients"]),
            (["fit", data, "--formula", "y ~ x9"], 65, ["x9", "did you mean"]),
            (["fit", data, "--formula", "y ~ x1 +"], 65, ["--formula", "column"]),
            (["fit", data, "--formula", "y ~ lag(x1)"], 65, ["lag", "--panel"]),
            (["fit", data, "--formula", "count ~ x1", "--family", "poisson", "--se", "cluster:regoin"], 65, ["regoin", "did you mean 'region'"]),
            (["fit", data, "--formula", "y ~ x1", "--family", "poisson"], 65, ["fit_panel.csv:", "count"]),
            (["fit", dir.appendingPathComponent("missing.csv").path, "--formula", "y ~ x"], 65, ["missing.csv"]),
            (["fit", data, "--formula", "y ~ x1", "--se", "HC9"], 64, ["--se"]),
            (["fit", data], 64, ["formula"]),
            (["fit", data, "--formula", "y ~ x1", "--family", "logistic"], 64, ["family"]),
        ]
        for (args, status, fragments) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, status, "\(args): \(r.stderr)")
            for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(args): stderr lacks '\(f)': \(r.stderr)") }
            XCTAssertFalse(r.stderr.contains("Fatal error"), "\(args) crashed: \(r.stderr)")
            XCTAssertTrue(r.stdout.isEmpty, "\(args) printed to stdout: \(r.stdout)")
        }
    }
}
