import Foundation
import XCTest

/// Issue 16, "Must show": any scenario `validate` accepts runs without a signal.
///
/// The property, checked on generated scenarios: from the shipped HCMC baseline, one to three
/// numbers of `[observed]`, `[levers]` and `[assumptions]` (and sometimes the horizon) are
/// replaced by values drawn from a hostile distribution (zeros, signed zeros, subnormals, the
/// count bound 1e15 and its neighbours, 1e16, ±1e300, the largest double, Int64.max, and
/// log-uniform magnitudes over 1e-300..1e300 of either sign). For every case:
/// - `validate` exits 0, or 65 with a message naming the scenario file;
/// - when it exits 0, `run` exits 0 (a complete folder) or 65 with a located message (a value
///   that leaves its domain during the simulation), never a signal.
///
/// The generator is seeded (SplitMix64, seed 20261129), so a failure names a case that can be
/// replayed; 60 cases take about 20 s with the release build. (swift-property-based runs on Swift
/// Testing, which `make test` does not run; the cases here need no shrinking: each failure message
/// prints the exact edits.)
final class ValidateRunPropertyTests: XCTestCase {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A value from the hostile distribution, as TOML text.
    static func hostile(_ g: inout SplitMix64) -> String {
        let fixed = ["0", "-0.0", "1", "-1", "0.5", "1e-300", "5e-324", "1000000000000000", "999999999999999", "1000000000000001",
                     "1e16", "1e300", "-1e300", "1.7976931348623157e308", "-1.7976931348623157e308", "9223372036854775807",
                     "-9223372036854775808", "2.5", "1e15", "0.999999999999"]
        if Bool.random(using: &g) { return fixed.randomElement(using: &g)! }
        let magnitude = pow(10, Double.random(in: -300...300, using: &g))
        return String(Bool.random(using: &g) ? magnitude : -magnitude)
    }

    func testAnyScenarioValidateAcceptsRuns() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = CLI.root.appendingPathComponent("Scenarios")
        var base = try String(contentsOf: root.appendingPathComponent("hcmc-baseline.toml"), encoding: .utf8)
        base = base.replacingOccurrences(of: "model = \"model.toml\"", with: "model = \"\(root.path)/model.toml\"")
        base = base.replacingOccurrences(of: "calibration = \"calibration.toml\"", with: "calibration = \"\(root.path)/calibration.toml\"")
        let lines = base.components(separatedBy: "\n")
        // The editable numbers: `key = number` lines in the three sections.
        var section = "", editable: [Int] = []
        for (i, l) in lines.enumerated() {
            if l.hasPrefix("[") { section = l; continue }
            if ["[observed]", "[levers]", "[assumptions]"].contains(section), l.range(of: #"^[a-z_]+ = -?[0-9]"#, options: .regularExpression) != nil {
                editable.append(i)
            }
        }
        XCTAssertGreaterThanOrEqual(editable.count, 15)
        let horizonLine = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("horizon = ") })
        var g = SplitMix64(state: 20261129)
        var accepted = 0, ran = 0
        for k in 0..<60 {
            var edited = lines
            var edits: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let i = editable.randomElement(using: &g)!
                let key = String(edited[i].prefix { $0 != " " })
                let v = Self.hostile(&g)
                edited[i] = "\(key) = \(v)"
                edits.append(edited[i])
            }
            if Int.random(in: 0..<4, using: &g) == 0 {
                edited[horizonLine] = "horizon = \(Int.random(in: 2024...2060, using: &g))"
                edits.append(edited[horizonLine])
            }
            let path = dir.appendingPathComponent("case\(k).toml").path
            try edited.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let what = "case \(k) (\(edits.joined(separator: "; ")))"
            let v = try CLI.run(["validate", path])
            XCTAssertTrue([0, 65].contains(v.status), "\(what): validate exited \(v.status): \(v.stderr)")
            if v.status == 65 { XCTAssertTrue(v.stderr.contains("case\(k).toml"), "\(what): unlocated: \(v.stderr)") }
            guard v.status == 0 else { continue }
            accepted += 1
            let out = dir.appendingPathComponent("out\(k)").path
            let r = try CLI.run(["run", path, "--draws", "8", "--threads", "1", "--out", out])
            XCTAssertTrue([0, 65].contains(r.status), "\(what): run exited \(r.status) (a signal?): \(r.stderr)")
            for bad in ["Fatal error", "Program crashed", "Backtracing"] { XCTAssertFalse(r.stderr.contains(bad), "\(what): \(r.stderr)") }
            if r.status == 0 {
                ran += 1
                XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/summary.csv"), what)
            } else {
                XCTAssertTrue(r.stderr.contains("case\(k).toml"), "\(what): unlocated: \(r.stderr)")
                XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(what): output of a refused run")
            }
            try? FileManager.default.removeItem(atPath: out)
        }
        // The distribution must exercise both sides of the property.
        XCTAssertGreaterThanOrEqual(accepted, 10, "too few cases pass validate to test the property")
        XCTAssertGreaterThanOrEqual(ran, 5)
    }
}
