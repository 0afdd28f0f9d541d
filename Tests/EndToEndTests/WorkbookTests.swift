import Foundation
import XCTest

/// `--xlsx` on run/compare and `report --format xlsx`: the workbook read back by openpyxl (another
/// package) equals the folder's CSV files cell by cell, numbers as numbers, Vietnamese intact
/// (scripts/check_workbook.py). Issue: Excel in a vi-VN locale read the CSV's 0.885 as 885.
final class WorkbookTests: XCTestCase {
    func scenario(_ name: String) -> String { CLI.root.appendingPathComponent("Scenarios/\(name).toml").path }

    func requireOpenpyxl() throws {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import openpyxl"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        try XCTSkipIf(probe.terminationStatus != 0, "openpyxl not installed (scripts/setup.sh installs it)")
    }

    /// Runs scripts/check_workbook.py; returns its status and output.
    func check(_ book: URL, _ folder: URL) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.root.appendingPathComponent("scripts/check_workbook.py").path, book.path, folder.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    /// LibreOffice (headless Calc, another reader) converts a run's results.xlsx to CSV, every sheet,
    /// without error, and reads the same cells as the run's CSV files: numbers within 1e-14 relative
    /// (it writes 15 significant digits), Vietnamese text intact (scripts/check_workbook_soffice.py).
    /// scripts/setup.sh installs libreoffice-calc-nogui; without soffice the test is skipped, saying so.
    func testLibreOfficeConvertsTheWorkbook() throws {
        let which = Process()
        which.executableURL = URL(fileURLWithPath: "/bin/sh")
        which.arguments = ["-c", "command -v soffice"]
        which.standardOutput = FileHandle.nullDevice
        try which.run()
        which.waitUntilExit()
        try XCTSkipIf(which.terminationStatus != 0, "soffice (LibreOffice) not installed: scripts/setup.sh installs libreoffice-calc-nogui")
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("h")
        let r = try CLI.run(["run", scenario("haiphong-baseline"), "--draws", "60", "--xlsx", "--out", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.root.appendingPathComponent("scripts/check_workbook_soffice.py").path,
                       dir.appendingPathComponent("results.xlsx").path, dir.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.hasPrefix("ok: LibreOffice converted"), text)
        // The Vietnamese sources of the Hai Phong targets went through LibreOffice too.
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("targets.csv"), encoding: .utf8).contains("không còn HTX yếu kém"))
    }

    func testCompareWorkbookEqualsTheCSVFiles() throws {
        try requireOpenpyxl()
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("c")
        let r = try CLI.run(["compare", scenario("hcmc-baseline"), scenario("hcmc-2024-plan"), "--draws", "400", "--paths", "2",
                             "--xlsx", "--out", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let book = dir.appendingPathComponent("results.xlsx")
        XCTAssertTrue(FileManager.default.fileExists(atPath: book.path))
        let (status, text) = try check(book, dir)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("'compare'") && text.contains("'paths'") && text.contains("'README'"), text)
        XCTAssertTrue(text.contains("charts"), text)
        // The same folder through `report --format xlsx`, in Vietnamese.
        let vi = tmp.appendingPathComponent("report.vi.xlsx")
        let rep = try CLI.run(["report", dir.path, "--format", "xlsx", "--lang", "vi", "--out", vi.path])
        XCTAssertEqual(rep.status, 0, rep.stderr)
        let (s2, t2) = try check(vi, dir)
        XCTAssertEqual(s2, 0, t2)
        XCTAssertTrue(t2.contains("biểu đồ"), t2)
    }

    func testRunWorkbookWithByteOrderMarkAndVietnameseNames() throws {
        try requireOpenpyxl()
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("r")
        let r = try CLI.run(["run", scenario("haiphong-baseline"), scenario("hcmc-2024-plan"), "--draws", "300", "--excel", "--xlsx",
                             "--out", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (status, text) = try check(dir.appendingPathComponent("results.xlsx"), dir)
        XCTAssertEqual(status, 0, text)
    }

    func testWithoutTheFlagThereIsNoWorkbook() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("r")
        let r = try CLI.run(["run", scenario("hcmc-baseline"), "--draws", "100", "--out", dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results.xlsx").path))
    }

    /// The workbook is an output like the CSV files: listed in run.json's manifest, replaced by a
    /// re-run, gone when a re-run does not ask for it; the user's own files in the folder are kept,
    /// and a workbook of the user's named results.xlsx is never replaced (exit 64, nothing written).
    func testWorkbookIsWrittenWithTheRunFolder() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fm = FileManager.default
        let dir = tmp.appendingPathComponent("r")
        let book = dir.appendingPathComponent("results.xlsx")
        let args = ["run", scenario("hcmc-baseline"), "--draws", "100", "--out", dir.path]
        let r1 = try CLI.run(args + ["--xlsx"])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let run = try String(contentsOf: dir.appendingPathComponent("run.json"), encoding: .utf8)
        XCTAssertTrue(run.contains("\"results.xlsx\""), run)
        let notes = dir.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: notes)
        let r2 = try CLI.run(args + ["--xlsx"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(fm.fileExists(atPath: book.path))
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "mine")
        let leftovers = try fm.contentsOfDirectory(atPath: tmp.path).filter { $0 != "r" }
        XCTAssertEqual(leftovers, [], "no temporary folder left beside the output")
        let r3 = try CLI.run(args)
        XCTAssertEqual(r3.status, 0, r3.stderr)
        XCTAssertFalse(fm.fileExists(atPath: book.path), "a re-run without --xlsx leaves no stale workbook")
        XCTAssertEqual(try String(contentsOf: notes, encoding: .utf8), "mine")
        // A results.xlsx the user put there is theirs.
        try Data("user's workbook".utf8).write(to: book)
        let summaryBefore = try Data(contentsOf: dir.appendingPathComponent("summary.csv"))
        let r4 = try CLI.run(args + ["--xlsx", "--seed", "9"])
        XCTAssertEqual(r4.status, 64, r4.stderr)
        XCTAssertTrue(r4.stderr.contains("results.xlsx"), r4.stderr)
        XCTAssertEqual(try String(contentsOf: book, encoding: .utf8), "user's workbook")
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("summary.csv")), summaryBefore)
    }

    /// The README sheet states the illustrative caveat only when the run's calibration says
    /// `illustrative = true` (as the HTML report does), and otherwise what the calibration was fitted on.
    func testReadmeCaveatFollowsTheCalibration() throws {
        try requireOpenpyxl()
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let scen = work.appendingPathComponent("Scenarios")
        try FileManager.default.createDirectory(at: scen, withIntermediateDirectories: true)
        for f in ["model.toml", "calibration.toml", "hcmc-baseline.toml"] {
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Scenarios/" + f), to: scen.appendingPathComponent(f))
        }
        func readme(_ dir: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", "import openpyxl, sys\nws = openpyxl.load_workbook(sys.argv[1])['README']\n"
                           + "print('\\n'.join(' | '.join(str(c) for c in r if c is not None) for r in ws.iter_rows(values_only=True)))",
                           work.appendingPathComponent(dir + "/results.xlsx").path]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return text
        }
        let args = ["run", "Scenarios/hcmc-baseline.toml", "--draws", "50", "--xlsx"]
        XCTAssertEqual(try CLI.run(args + ["--out", "a"], cwd: work).status, 0)
        let shipped = try readme("a")
        XCTAssertTrue(shipped.contains("are illustrative") && shipped.contains("synthetic panel"), shipped)
        // The same calibration without `illustrative = true`: no caveat, what it was fitted on instead.
        let cal = scen.appendingPathComponent("calibration.toml")
        let text = try String(contentsOf: cal, encoding: .utf8)
        XCTAssertTrue(text.contains("illustrative = true"))
        try text.replacingOccurrences(of: "illustrative = true", with: "illustrative = false").write(to: cal, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(args + ["--out", "b"], cwd: work).status, 0)
        let real = try readme("b")
        XCTAssertFalse(real.contains("illustrative"), real)
        XCTAssertTrue(real.contains("fitted on synthetic panel"), real)
    }
}
