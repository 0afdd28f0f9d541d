import Foundation
import XCTest

/// What an analyst's own files meet: plausibility warnings, the decimal-comma hint, a scenario
/// copied out of Scenarios/, and a panel saved by Excel in a Vietnamese locale. Each reproduces a
/// problem reported in the analyst issue (a percent run as a fraction to a GRDP of 2.4e23; a lever
/// path before the simulation accepted silently; `0,52` with no hint; a copied scenario losing its
/// model; 100 identical "expected 1 fields" errors for a `;`-separated panel).
final class AnalystInputTests: XCTestCase {
    func workdir() throws -> URL {
        let work = try CLI.temporaryDirectory()
        let scen = work.appendingPathComponent("Scenarios")
        try FileManager.default.createDirectory(at: scen, withIntermediateDirectories: true)
        for f in ["model.toml", "calibration.toml", "hcmc-baseline.toml"] {
            try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("Scenarios/" + f), to: scen.appendingPathComponent(f))
        }
        return work
    }

    func testImplausibleGrowthAndLeverPathBeforeTheSimulationAreWarned() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        try """
        name = "b"
        extends = "hcmc-baseline.toml"
        [assumptions]
        grdp_growth = 6
        [levers]
        promotion = { 2019 = 10, 2021 = 12 }
        """.write(to: work.appendingPathComponent("Scenarios/b.toml"), atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", "Scenarios/b.toml"], cwd: work)
        XCTAssertEqual(v.status, 0, "warnings, not errors: " + v.stderr)
        XCTAssertTrue(v.stderr.contains("assumptions.grdp_growth: 6 is a growth of 600% a year") && v.stderr.contains("did you mean 0.06?"), v.stderr)
        XCTAssertTrue(v.stderr.contains("levers.promotion: the path is given for 2019–2021 only, before the simulated years 2024–2026"), v.stderr)
        let r = try CLI.run(["run", "Scenarios/b.toml", "--draws", "50", "--out", "o"], cwd: work)
        XCTAssertTrue(r.stderr.contains("did you mean 0.06?"), r.stderr)
        // The shipped scenarios draw no warning.
        let shipped = try FileManager.default.contentsOfDirectory(atPath: CLI.root.appendingPathComponent("Scenarios").path)
            .filter { $0.hasSuffix(".toml") && !["model.toml", "calibration.toml", "truth.toml"].contains($0) }.map { "Scenarios/" + $0 }
        let s = try CLI.run(["validate"] + shipped)
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertFalse(s.stderr.contains("warning:"), s.stderr)
    }

    func testDecimalCommaGetsAHint() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        try "name = \"c\"\nextends = \"hcmc-baseline.toml\"\n[levers]\ntraining = 0,52\n"
            .write(to: work.appendingPathComponent("Scenarios/c.toml"), atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", "Scenarios/c.toml"], cwd: work)
        XCTAssertEqual(v.status, 65)
        XCTAssertTrue(v.stderr.contains("Scenarios/c.toml:4:13:") && v.stderr.contains("write 0.52, not 0,52"), v.stderr)
    }

    func testCopiedScenarioFindsTheShippedModelAndSaysSo() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        let mine = work.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: work.appendingPathComponent("Scenarios/hcmc-baseline.toml"), to: mine.appendingPathComponent("hcmc.toml"))
        let v = try CLI.run(["validate", "mine/hcmc.toml"], cwd: work)
        XCTAssertEqual(v.status, 0, v.stderr)
        XCTAssertTrue(v.stderr.contains("model: mine/model.toml does not exist; using the shipped Scenarios/model.toml"), v.stderr)
        XCTAssertTrue(v.stderr.contains("write model = \"../Scenarios/model.toml\""), v.stderr)
        // Elsewhere, with no Scenarios/ folder, the error says how to fix the path.
        let other = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: other) }
        let e = try CLI.run(["validate", mine.appendingPathComponent("hcmc.toml").path], cwd: other)
        XCTAssertEqual(e.status, 65)
        XCTAssertTrue(e.stderr.contains("does not exist") && e.stderr.contains("a scenario copied out of Scenarios/ must say model ="), e.stderr)
    }

    /// The synthetic panel re-saved as Excel does in vi-VN: `;` between fields, `,` decimals.
    func excelVietnamese(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { f -> String in
                Double(f) != nil ? f.replacingOccurrences(of: ".", with: ",") : String(f)
            }.joined(separator: ";")
        }.joined(separator: "\n")
    }

    func testExcelVietnameseCSVIsDetectedAndReadTheSame() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let panel = CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv")
        let vi = work.appendingPathComponent("panel-vi.csv")
        try excelVietnamese(try String(contentsOf: panel, encoding: .utf8)).write(to: vi, atomically: true, encoding: .utf8)
        let args = ["--formula", "entries ~ log(lag(coops)) + log1p(support)", "--family", "negbin", "--panel", "region,year", "--format", "csv"]
        let a = try CLI.run(["fit", panel.path] + args), b = try CLI.run(["fit", vi.path] + args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(a.stdout, b.stdout, "the same numbers from either file")
        XCTAssertTrue(b.stderr.contains("read as ';'-separated with ',' decimals (detected"), b.stderr)
        XCTAssertFalse(a.stderr.contains("-separated with"), "no dialect note for a standard file: " + a.stderr)
        let given = try CLI.run(["fit", vi.path, "--delimiter", ";", "--decimal", ","] + args)
        XCTAssertEqual(given.stdout, a.stdout, given.stderr)
        XCTAssertEqual(try CLI.run(["validate", vi.path]).status, 0)
    }

    func testAFileFailingOnEveryLineGetsOneMessage() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        // A header written with ',' and rows with ';' (a file pasted together from two sources).
        var text = "region,year,coops\n"
        for k in 0..<100 { text += "R\(k);2020;\(400 + k)\n" }
        let f = work.appendingPathComponent("mixed.csv")
        try text.write(to: f, atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", f.path])
        XCTAssertEqual(v.status, 65)
        let errors = v.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, v.stderr)
        XCTAssertTrue(v.stderr.contains("all 100 data rows") && v.stderr.contains("rows look ';'-separated (3 fields each)"), v.stderr)
    }

    /// A report on the shipped (illustrative) calibration says so at the top, in both languages, quoting
    /// what it was fitted on; the levers behind the probabilities are listed.
    func testReportsSayTheCalibrationIsIllustrativeAndListTheLevers() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("c").path
        let c = try CLI.run(["compare", "Scenarios/hcmc-baseline.toml", "Scenarios/hcmc-2024-plan.toml", "--draws", "200", "--out", dir])
        XCTAssertEqual(c.status, 0, c.stderr)
        for (lang, words, fitted, foreign) in [("en", "are illustrative", "synthetic panel", "bảng số liệu mô phỏng"),
                                               ("vi", "chỉ mang tính minh hoạ", "bảng số liệu mô phỏng", "synthetic panel")] {
            let out = tmp.appendingPathComponent("r.\(lang).html").path
            let r = try CLI.run(["report", dir, "--lang", lang, "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let html = try String(contentsOfFile: out, encoding: .utf8)
            let caveat = try XCTUnwrap(html.range(of: "<p class=\"caveat\">"), "no caveat in \(lang)")
            XCTAssertLessThan(html.distance(from: html.startIndex, to: caveat.lowerBound), html.distance(from: html.startIndex, to: html.range(of: "<h2")!.lowerBound),
                              "the caveat comes before the first section")
            XCTAssertTrue(html.contains(words) && html.contains(fitted), lang)
            XCTAssertFalse(html.contains(foreign), "\(lang): what the calibration was fitted on, in the report's language only")
            XCTAssertTrue(html.contains("<h2 id=\"levers\">"), "levers and assumptions section")
        }
        let levers = try String(contentsOfFile: dir + "/levers.csv", encoding: .utf8)
        XCTAssertTrue(levers.hasPrefix("scenario,region,kind,name,year,value,unit,label_en,label_vi\n"))
        XCTAssertTrue(levers.contains("hcmc-2024-plan,Thành phố Hồ Chí Minh,lever,promotion,2024,30,"), levers)
    }

    /// `calibrate` on a panel whose region and year columns are named otherwise: one error naming the
    /// model's [calibration] keys (it repeated a garbled message once per equation).
    func testCalibrateNamesTheRegionAndYearKeysOnce() throws {
        let work = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let panel = try String(contentsOf: CLI.root.appendingPathComponent("Scenarios/data/synthetic_panel.csv"), encoding: .utf8)
        var lines = panel.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] = lines[0].split(separator: ",").map { $0 == "region" ? "province" : $0 == "year" ? "years" : String($0) }.joined(separator: ",")
        let f = work.appendingPathComponent("panel.csv")
        try lines.joined(separator: "\n").write(to: f, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("cal.toml")
        let r = try CLI.run(["calibrate", f.path, "--model", CLI.root.appendingPathComponent("Scenarios/model.toml").path, "--out", out.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("region = \"region\" and year = \"year\"") && r.stderr.contains("[calibration]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("year = \"years\""), "the close column name is suggested: " + r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no partial output")
    }

    /// `--lang vi` shows the scenarios' Vietnamese sources and reasons (`source_vi`, `reason_vi`), which
    /// targets.csv carries in its own columns; English reports keep the English ones.
    func testVietnameseSourcesAndReasons() throws {
        let tmp = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let dir = tmp.appendingPathComponent("h").path
        let r = try CLI.run(["run", "Scenarios/haiphong-baseline.toml", "--draws", "100", "--out", dir])
        XCTAssertEqual(r.status, 0, r.stderr)
        let targets = try String(contentsOfFile: dir + "/targets.csv", encoding: .utf8)
        XCTAssertTrue(targets.hasPrefix("scenario,region,metric,year,op,value,probability,mc_se,probability_low,probability_high,source,reason,source_vi,reason_vi,label_en,label_vi\n"), targets)
        XCTAssertTrue(targets.contains("đến năm 2020 không còn HTX yếu kém"), targets)
        XCTAssertTrue(targets.contains("mô hình chỉ theo dõi việc đào tạo cán bộ quản lý"), targets)
        let vi = tmp.appendingPathComponent("r.vi.html").path, en = tmp.appendingPathComponent("r.html").path
        XCTAssertEqual(try CLI.run(["report", dir, "--lang", "vi", "--out", vi]).status, 0)
        XCTAssertEqual(try CLI.run(["report", dir, "--out", en]).status, 0)
        let v = try String(contentsOfFile: vi, encoding: .utf8), e = try String(contentsOfFile: en, encoding: .utf8)
        XCTAssertTrue(v.contains("đến năm 2020 có 60% HTX đạt khá trở lên"), "Vietnamese source")
        XCTAssertTrue(v.contains("chưa đánh giá được: mô hình chỉ theo dõi việc đào tạo cán bộ quản lý"), "Vietnamese reason")
        XCTAssertFalse(v.contains("Committee plan, Nov 2014"), "no English source left in the Vietnamese report")
        XCTAssertFalse(v.contains("the model tracks the training"), "no English reason left in the Vietnamese report")
        XCTAssertTrue(e.contains("Hai Phong People&apos;s Committee plan, Nov 2014") && e.contains("the model tracks the training of managers only"))
        XCTAssertFalse(e.contains("Kế hoạch của UBND TP Hải Phòng") || e.contains("mô hình chỉ theo dõi"), "no Vietnamese source or reason in the English report")
    }

    /// `reason_vi` belongs to an unevaluated target, like `reason`; other keys are still refused.
    func testReasonVIOnlyOnUnevaluatedTargets() throws {
        let work = try workdir()
        defer { try? FileManager.default.removeItem(at: work) }
        try """
        name = "b"
        extends = "hcmc-baseline.toml"
        [[targets]]
        metric = "coops"
        year = 2025
        op = ">="
        value = 600
        source = "x"
        source_vi = "nguồn"
        reason_vi = "lý do"
        """.write(to: work.appendingPathComponent("Scenarios/b.toml"), atomically: true, encoding: .utf8)
        let v = try CLI.run(["validate", "Scenarios/b.toml"], cwd: work)
        XCTAssertEqual(v.status, 65, v.stderr)
        XCTAssertTrue(v.stderr.contains("targets[1].reason_vi") && v.stderr.contains("a reason_vi on an evaluated target"), v.stderr)
    }
}
