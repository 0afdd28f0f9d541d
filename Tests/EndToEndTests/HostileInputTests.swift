import Foundation
import XCTest

/// The command line against hostile input (QA): each case here used to crash (a signal or an
/// allocation failure), hang, destroy files, pass `validate` and fail `run`, or answer silently
/// wrong with exit status 0. Now each gets a located message that says what to change, the exit
/// status the README documents (64 usage, 65 input, 1 anything else), and no partial output.
final class HostileInputTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    /// Runs `args`; checks the status, that stderr holds every fragment, and that nothing crashed.
    @discardableResult
    func expect(_ args: [String], _ status: Int32, _ fragments: String..., cwd: URL? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        let r = try CLI.run(args, cwd: cwd)
        let shown = args.map { $0.count > 80 ? String($0.prefix(80)) + "..." : $0 }
        XCTAssertEqual(r.status, status, "\(shown): \(r.stderr)", file: file, line: line)
        for f in fragments { XCTAssertTrue(r.stderr.contains(f), "\(shown): stderr lacks '\(f)': \(r.stderr)", file: file, line: line) }
        for bad in ["Fatal error", "Program crashed", "Backtracing", "Signal"] {
            XCTAssertFalse(r.stderr.contains(bad), "\(shown) crashed: \(r.stderr)", file: file, line: line)
        }
        return r
    }

    func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Formulas that crashed with signal 11 (deep nesting) or hung (2^30 terms, quadratic 10,000 terms).
    func testFormulasThatCrashedOrHung() throws {
        let data = CLI.fixture("fit_panel.csv")
        let parens = "y ~ " + String(repeating: "(", count: 5000) + "x1" + String(repeating: ")", count: 5000)
        try expect(["fit", data, "--formula", parens], 65, "--formula: expected at most 200 nested parentheses")
        let calls = "y ~ " + String(repeating: "I(", count: 5000) + "x1" + String(repeating: ")", count: 5000)
        try expect(["fit", data, "--formula", calls], 65, "expected at most 200 nested")
        let chain = "y ~ I(" + Array(repeating: "x1", count: 20_000).joined(separator: "+") + ")"
        try expect(["fit", data, "--formula", chain], 65, "expected an expression at most 1000 operations deep")
        let product = "y ~ " + (0..<30).map { "I(x1 + \($0))" }.joined(separator: " * ")
        try expect(["fit", data, "--formula", product], 65, "expected a formula of at most 10000 terms", "at '*'")
        let start = Date()
        // 10,000 distinct terms in under 128 KB (the most one argument may hold on Linux).
        let many = "y~" + (0..<10_000).map { "I(x1+\($0))" }.joined(separator: "+")
        try expect(["fit", data, "--formula", many], 65, "more rows than coefficients (10001 columns: Intercept, I(x1 + 0)", "(9991 more)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 15, "10,000 terms should not take long")
    }

    /// CSV data that gave wrong answers with exit 0 or messages without the place.
    func testDataThatMisled() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let stray = try write("y,x\n1,2\n2,abc\n3,5\n4,4\n5,7\n", "stray.csv", in: dir)
        try expect(["fit", stray, "--formula", "y ~ x"], 65, "stray.csv:3: x: expected a number in every cell", "got 'abc'", "C(x)")
        let oneCluster = try write("y,x,g\n1,2,a\n2,3,a\n3,5,a\n4,4,a\n5,7,a\n6,1,a\n", "one.csv", in: dir)
        try expect(["fit", oneCluster, "--formula", "y ~ x", "--se", "cluster:g"], 65, "one.csv: --se cluster:g: expected at least 2 clusters")
        let zero = try write("y,x,w\n1,2,0\n2,3,0\n3,5,0\n4,4,0\n", "zero.csv", in: dir)
        try expect(["fit", zero, "--formula", "y ~ x", "--weights", "w"], 65, "zero.csv: --weights w: expected more rows with a positive weight")
        let huge = try write("y,x\n1,1e300\n2,3e300\n3,5e-300\n4,4e300\n5,7e300\n", "huge.csv", in: dir)
        try expect(["fit", huge, "--formula", "y ~ x"], 65, "huge.csv:6: x: expected values between 1e-150 and 1e150", "I(x / 1e301)")
        try expect(["fit", oneCluster, "--formula", "y ~ x", "--trials", "x"], 64, "--trials goes with --family binomial only")
        // Devices and folders are refused before reading (/dev/zero aborted allocating 4 GB).
        try expect(["fit", "/dev/zero", "--formula", "y ~ x"], 65, "/dev/zero: expected a regular file, got a device or socket")
        try expect(["fit", dir.path, "--formula", "y ~ x"], 65, "expected a file, got a folder")
        try expect(["validate", dir.path], 65, "expected a file, got a folder")
        try expect(["run", "/dev/zero", "--out", dir.appendingPathComponent("o").path], 65, "/dev/zero: expected a regular file")
    }

    /// TOML nested 100,000 deep crashed with signal 11; 50,000 dotted key parts hung.
    func testDeepTOMLIsAnError() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let arrays = try write("a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n", "arrays.toml", in: dir)
        try expect(["validate", arrays], 65, "arrays.toml:1:105: a: expected arrays and inline tables nested at most 100 deep")
        let tables = try write("a = " + String(repeating: "{b=", count: 50_000) + "1" + String(repeating: "}", count: 50_000) + "\n", "tables.toml", in: dir)
        try expect(["validate", tables], 65, "tables.toml:1:", "nested at most 100 deep")
        let keys = try write(String(repeating: "a.", count: 50_000) + "b = 1\n", "keys.toml", in: dir)
        try expect(["validate", keys], 65, "keys.toml:1:201: expected a key of at most 100 dotted parts")
    }

    /// `--out` naming a file or a folder of other files replaced it (the user's files were deleted).
    func testOutputNeverReplacesOtherFiles() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try write("precious\n", "notes.txt", in: dir)
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", file], 64, "notes.txt: cannot write: it is a file, not a folder")
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "precious\n")
        let folder = dir.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let kept = try write("keep me\n", "work/keep.txt", in: dir)
        try expect(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "10", "--out", folder.path], 64,
                   "the folder exists and is not the output of an earlier run", "'keep.txt'")
        XCTAssertEqual(try String(contentsOfFile: kept, encoding: .utf8), "keep me\n")
        // A previous run's folder (with run.json) is replaced, an empty folder is filled.
        let out = dir.appendingPathComponent("out")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", out.path], 0)
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", out.path], 0)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", empty.path], 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: empty.appendingPathComponent("summary.csv").path))
        // Output that cannot be written is not bad input: exit 1, with the reason in words.
        try expect(["run", scenario("hcmc-baseline"), "--draws", "10", "--out", file + "/sub"], 1, "notes.txt is a file, not a folder")
        try expect(["calibrate", CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv").path, "--model", scenario("model"),
                    "--out", file + "/c.toml"], 1, "c.toml: cannot write: \(file) is a file, not a folder")
        try expect(["report", out.path, "--out", empty.path], 64, "cannot write: it is a folder")
        try expect(["synth", "--model", scenario("model"), "--truth", scenario("truth"), "--regions", "2", "--years", "2010:2012",
                    "--seed", "1", "--out", empty.path], 64, "cannot write: it is a folder")
        // An output that names an input would replace it.
        try expect(["report", out.path, "--out", out.appendingPathComponent("summary.csv").path], 64, "expected a new file, got the input")
        let truth = dir.appendingPathComponent("truth.toml").path
        try FileManager.default.copyItem(atPath: scenario("truth"), toPath: truth)
        try expect(["synth", "--model", scenario("model"), "--truth", truth, "--regions", "2", "--years", "2010:2012", "--seed", "1",
                    "--out", truth], 64, "--out \(truth): expected a new file, got the input")
        XCTAssertEqual(try String(contentsOfFile: truth, encoding: .utf8), try String(contentsOfFile: scenario("truth"), encoding: .utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "temporary folders left behind")
    }

    /// Draws beyond the scenario file's cap ran for hours; now a usage error like the file's.
    func testDrawsAreBounded() throws {
        try expect(["run", scenario("hcmc-baseline"), "--draws", "1000000000"], 64, "--draws must be from 1 to 100000000")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "0"], 64, "--draws must be from 1 to 100000000")
        try expect(["run", scenario("hcmc-baseline"), "--paths", "100000"], 64, "--paths must be from 0 to 10000")
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try expect(["run", scenario("hcmc-baseline"), "--draws", "1", "--seed", String(Int64.max), "--out", dir.appendingPathComponent("o").path], 0)
        // A seed a scenario file cannot hold is refused on the command line too.
        try expect(["run", scenario("hcmc-baseline"), "--draws", "1", "--seed", String(UInt64.max)], 64,
                   "--seed must be from 0 to 9223372036854775807 (the largest seed a scenario file can hold), got 18446744073709551615")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "1", "--threads", "-1"], 64, "--threads must be from 1 to")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "1", "--threads", "20000"], 64, "(4 per core on this machine), got 20000")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "-5"], 64, "--draws must be from 1 to 100000000, got -5")
    }

    /// Models, scenarios and calibrations that passed `validate` but failed `run`.
    func testValidateCatchesWhatRunWouldReject() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["model.toml", "calibration.toml", "hcmc-baseline.toml"] {
            try FileManager.default.copyItem(atPath: scenario(String(f.dropLast(5))), toPath: dir.appendingPathComponent(f).path)
        }
        let model = try String(contentsOfFile: scenario("model"), encoding: .utf8)
        /// The 1-based line of the first line containing `needle` (the files change; the test finds its lines).
        func line(_ needle: String, _ text: String) -> Int { (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1 }
        let workersLine = line("identity = \"workers = coops * workers_per_coop\"", model)
        let vaLine = line("identity = \"va = workers * productivity / 1000\"", model)
        let later = try write(model.replacingOccurrences(of: "identity = \"workers = coops * workers_per_coop\"",
                                                         with: "identity = \"workers = coops * va\""), "later.toml", in: dir)
        // va reads workers: a cycle, named as one (moving an equation cannot solve it; issue 16).
        try expect(["validate", later], 65, "later.toml:\(workersLine): equations[8].identity: expected variables read in the current year computed without a cycle",
                   "workers -> va -> workers", "read lag(va) in 'workers'")
        let cycle = try write(model.replacingOccurrences(of: "identity = \"va = workers * productivity / 1000\"",
                                                         with: "identity = \"va = workers * productivity / 1000 + gdp_share\""), "cycle.toml", in: dir)
        try expect(["validate", cycle], 65, "cycle.toml:\(vaLine): equations[9].identity", "a cycle in the current year: va -> gdp_share -> va")
        let lhs = try write(model.replacingOccurrences(of: "identity = \"workers = coops * workers_per_coop\"",
                                                       with: "identity = \"log(workers) = log(coops * workers_per_coop)\""), "lhs.toml", in: dir)
        try expect(["validate", lhs], 65, "lhs.toml:\(workersLine): equations[8].identity: expected a single variable name on the left of '='")
        let base = try String(contentsOfFile: scenario("hcmc-baseline"), encoding: .utf8)
        let noObserved = try write(base.replacingOccurrences(of: "\ncoops = ", with: "\n# coops = "), "no-observed.toml", in: dir)
        try expect(["validate", noObserved], 65, "no-observed.toml: observed.coops: expected the value of coops in 2023")
        let calibration = try String(contentsOfFile: scenario("calibration"), encoding: .utf8)
        _ = try write(calibration.replacingOccurrences(of: "  [-7.024837644139871e-06, 2.1951317022422865e-06],",
                                                       with: "  [-7.024837644139871e-06, 2.1951317022422865e-09],"), "calibration.toml", in: dir)
        try expect(["validate", dir.appendingPathComponent("calibration.toml").path], 65,
                   "calibration.toml:\(line("  [-7.024837644139871e-06, 2.1951317022422865e-06],", calibration) - 2):14: equations[3].covariance: expected a positive semi-definite covariance")
        try expect(["validate", dir.appendingPathComponent("hcmc-baseline.toml").path], 65, "positive semi-definite")
        try expect(["run", dir.appendingPathComponent("hcmc-baseline.toml").path, "--out", dir.appendingPathComponent("o").path], 65, "positive semi-definite")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }

    /// synth with 9,999 regions over 98,100 years aborted allocating memory.
    func testSynthPanelIsBounded() throws {
        try expect(["synth", "--model", scenario("model"), "--truth", scenario("truth"), "--regions", "9999", "--years", "1900:99999",
                    "--seed", "1"], 64, "--regions x --years must be at most 1000000 rows, got 9999 x 98100 = 980901900.")
    }

    /// An extends chain of 3,000 files took minutes (a quadratic cycle check); blank names were accepted.
    func testScenarioChainsAndNames() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["model", "calibration"] {
            try FileManager.default.copyItem(atPath: scenario(f), toPath: dir.appendingPathComponent(f + ".toml").path)
        }
        let base = try String(contentsOfFile: scenario("hcmc-baseline"), encoding: .utf8)
        _ = try write(base, "c0.toml", in: dir)
        for i in 1...150 { _ = try write("name = \"c\(i)\"\nextends = \"c\(i - 1).toml\"\n", "c\(i).toml", in: dir) }
        try expect(["validate", dir.appendingPathComponent("c99.toml").path], 0)
        try expect(["validate", dir.appendingPathComponent("c150.toml").path], 65,
                   "c51.toml:2: extends: expected a chain of at most 100 scenario files")
        let blank = try write(base.replacingOccurrences(of: "name = \"hcmc-baseline\"", with: "name = \" \"")
                                  .replacingOccurrences(of: "region = \"Thành phố Hồ Chí Minh\"", with: "region = \"\""), "blank.toml", in: dir)
        let regionLine = base.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("region = ") }! + 1
        try expect(["validate", blank], 65, "blank.toml:3: name: expected a non-empty text, got \" \"",
                   "blank.toml:\(regionLine): region: expected a non-empty text")
    }

    /// A run folder whose summary.csv holds a year of 99999999999 made report hang; values near
    /// 1e308 overflowed the chart axis and trapped (signal 4).
    func testReportOnCorruptRunFolders() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        try expect(["run", scenario("hcmc-baseline"), "--draws", "20", "--out", run.path], 0)
        let summary = try String(contentsOf: run.appendingPathComponent("summary.csv"), encoding: .utf8)
        let lines = summary.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        func corrupt(_ name: String, _ edit: (inout [String]) -> Void) throws -> String {
            let folder = dir.appendingPathComponent(name)
            try FileManager.default.copyItem(at: run, to: folder)
            var cells = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            edit(&cells)
            var copy = lines
            copy[1] = cells.joined(separator: ",")
            try copy.joined(separator: "\n").write(to: folder.appendingPathComponent("summary.csv"), atomically: true, encoding: .utf8)
            return folder.path
        }
        let year = try corrupt("year") { $0[2] = "99999999999" }
        try expect(["report", year], 65, "summary.csv:2: year: expected a year from 1 to 9999, got '99999999999'")
        let huge = try corrupt("huge") { $0[4] = "1e308"; $0[6] = "-1e308" }
        for format in ["html", "ipynb", "md"] {
            try expect(["report", huge, "--format", format], 65, "summary.csv:2: mean: expected a number between -1e300 and 1e300, got '1e+308'")
        }
        let text = try corrupt("text") { $0[4] = "abc" }
        try expect(["report", text], 65, "summary.csv:2: mean: expected a number, got 'abc'")
        let truncated = try corrupt("truncated") { $0.removeLast(3) }
        try expect(["report", truncated], 65, "summary.csv:2: expected 12 fields as in the header, got 9")
        try expect(["report", dir.path], 65, "summary.csv: expected summary.csv in a run folder")
    }

    /// GLM inputs that trapped in a precondition (signal 4): binomial rows with zero trials, and
    /// NB2 counts so spread that IRLS produced NaN working weights.
    func testGLMInputsThatTrapped() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let zeroTrials = try write("y,n,x\n0,0,1\n0,3,2\n1,1,3\n0,2,4\n2,3,5\n3,3,6\n1,4,7\n", "zt.csv", in: dir)
        let r = try expect(["fit", zeroTrials, "--formula", "y ~ x", "--family", "binomial", "--trials", "n", "--format", "json"], 0,
                           "1 row with zero trials left out of the fit")
        XCTAssertTrue(r.stdout.contains("\"nobs\": 6"), r.stdout)
        let allZero = try write("y,n,x\n0,0,1\n0,0,2\n1,1,3\n0,2,4\n", "az.csv", in: dir)
        try expect(["fit", allZero, "--formula", "y ~ x", "--family", "binomial", "--trials", "n"], 65,
                   "az.csv: --trials n: expected more rows with positive trials than coefficients (2), got 2 rows")
        let spread = try write("y,x\n0,1\n1000000,2\n0,3\n0,4\n5000000,5\n0,6\n3,7\n", "spread.csv", in: dir)
        let nb = try expect(["fit", spread, "--formula", "y ~ x", "--family", "negbin", "--format", "csv"], 0)
        XCTAssertTrue(nb.stdout.contains("\nIntercept,12.357"), nb.stdout)  // statsmodels: 12.357351 (scripts/fixtures/negbin_extreme_dispersion.py)
        let overflow = try write("y,x\n0,0\n1e140,1\n0,2\n1e140,3\n0,4\n1e140,5\n", "overflow.csv", in: dir)
        try expect(["fit", overflow, "--formula", "y ~ x", "--family", "negbin"], 65,
                   "overflow.csv: --family negbin: expected an IRLS fit that converges to finite estimates")
    }

    /// A TOML file with neither a model's sections nor a scenario's model key said "problems in "
    /// and "no such file or directory" about an empty path.
    func testScenarioWithoutModelSaysWhatIsMissing() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bare = try write("name = \"m\"\n", "bare.toml", in: dir)
        try expect(["validate", bare], 65, "bare.toml:1: model: expected the path of a model file")
        try expect(["run", bare, "--out", dir.appendingPathComponent("o").path], 65, "bare.toml:1: model: expected the path of a model file")
        // Two scenarios of one name made indistinguishable output rows (and a 'difference' of a scenario from itself).
        let plan = try String(contentsOfFile: scenario("hcmc-2024-plan"), encoding: .utf8)
        let same = try write(plan.replacingOccurrences(of: "name = \"hcmc-2024-plan\"", with: "name = \"hcmc-baseline\"")
                                 .replacingOccurrences(of: "extends = \"hcmc-baseline.toml\"", with: "extends = \"\(scenario("hcmc-baseline"))\""),
                             "same-name.toml", in: dir)
        try expect(["compare", scenario("hcmc-baseline"), same, "--draws", "10", "--out", dir.appendingPathComponent("o").path], 65,
                   "same-name.toml: name: expected a scenario name not used by another scenario of this run, got 'hcmc-baseline', the name of")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path))
    }
}
