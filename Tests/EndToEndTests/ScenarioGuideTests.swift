import Foundation
import XCTest

/// Guides/Scenarios.md's worked example runs as written: its TOML blocks marked `# file: NAME` are
/// saved beside the shipped model and calibration, validated, compared and reported.
final class ScenarioGuideTests: XCTestCase {
    func guideFiles() throws -> [(name: String, text: String)] {
        let guide = try String(contentsOf: CLI.root.appendingPathComponent("Guides/Scenarios.md"), encoding: .utf8)
        var out: [(String, String)] = []
        let blocks = guide.components(separatedBy: "```toml\n").dropFirst()
        for b in blocks {
            let body = b.components(separatedBy: "```")[0]
            guard body.hasPrefix("# file: ") else { continue }
            let name = String(body.split(separator: "\n")[0].dropFirst("# file: ".count))
            out.append((name, body))
        }
        return out
    }

    func testWorkedExampleValidatesAndRuns() throws {
        let files = try guideFiles()
        XCTAssertEqual(files.map(\.name), ["bacninh-baseline.toml", "bacninh-plan.toml"])
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let scen = work.appendingPathComponent("Scenarios")
        try FileManager.default.createDirectory(at: scen, withIntermediateDirectories: true)
        for f in ["model.toml", "calibration.toml"] {
            try FileManager.default.createSymbolicLink(at: scen.appendingPathComponent(f),
                                                       withDestinationURL: CLI.root.appendingPathComponent("Scenarios/" + f))
        }
        for (name, text) in files { try text.write(to: scen.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let v = try CLI.run(["validate", "Scenarios/bacninh-baseline.toml", "Scenarios/bacninh-plan.toml"], cwd: work)
        XCTAssertEqual(v.status, 0, v.stderr)
        let c = try CLI.run(["compare", "Scenarios/bacninh-baseline.toml", "Scenarios/bacninh-plan.toml", "--draws", "500",
                             "--out", "out/bacninh"], cwd: work)
        XCTAssertEqual(c.status, 0, c.stderr)
        let targets = try String(contentsOf: work.appendingPathComponent("out/bacninh/targets.csv"), encoding: .utf8)
        XCTAssertTrue(targets.contains("bacninh-plan,Tỉnh Bắc Ninh,coops,2027,>=,400,"), targets)
        let r = try CLI.run(["report", "out/bacninh", "--lang", "vi", "--out", "out/bacninh/report.vi.html"], cwd: work)
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOf: work.appendingPathComponent("out/bacninh/report.vi.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Bắc Ninh: kế hoạch phát triển hợp tác xã đến năm 2027"))
    }
}
