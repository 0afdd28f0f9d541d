import CoopData
@testable import CoopModel
import XCTest

final class SynthesizerTests: XCTestCase {
    private func shippedModel() throws -> ModelSpec { try ModelSpec.load(path: repositoryRoot + "/Scenarios/model.toml") }
    private func shippedTruth() throws -> SyntheticTruth { try SyntheticTruth.load(path: repositoryRoot + "/Scenarios/truth.toml") }

    /// The same seed gives the same bytes; another seed another panel; adding regions leaves the
    /// existing regions' rows unchanged (every draw is keyed by region, not by position).
    func testDeterministicKeyedBySeedAndRegion() throws {
        let model = try shippedModel(), truth = try shippedTruth()
        let a = Synthesizer.csv(try Synthesizer.panel(model: model, truth: truth, regions: 4, years: 2010...2016, seed: 11))
        let b = Synthesizer.csv(try Synthesizer.panel(model: model, truth: truth, regions: 4, years: 2010...2016, seed: 11))
        let c = Synthesizer.csv(try Synthesizer.panel(model: model, truth: truth, regions: 4, years: 2010...2016, seed: 12))
        let wide = Synthesizer.csv(try Synthesizer.panel(model: model, truth: truth, regions: 6, years: 2010...2016, seed: 11))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertTrue(wide.hasPrefix(a), "the first 4 regions of a 6-region panel should be the 4-region panel")
    }

    /// Columns, region names, the first year's initial states and missing outcomes, the ranges of
    /// levers and assumptions, and the identities holding exactly in every simulated row.
    func testLayoutRangesAndIdentities() throws {
        let model = try shippedModel(), truth = try shippedTruth()
        let p = try Synthesizer.panel(model: model, truth: truth, regions: 12, years: 2010...2020, seed: 3)
        let expectedNames = ["region", "year"] + model.declarations.map(\.name).filter { $0 != "trained_incumbent" }
        XCTAssertEqual(p.names, expectedNames)
        XCTAssertEqual(p.rowCount, 12 * 11)
        guard case .text(let regions)? = p["region"] else { return XCTFail("region should be text") }
        XCTAssertEqual(regions.first!, "R01")
        XCTAssertEqual(regions.last!, "R12")
        let year = try p.numeric("year"), coops = try p.numeric("coops"), entries = try p.numeric("entries")
        let exits = try p.numeric("exits"), wpc = try p.numeric("workers_per_coop"), workers = try p.numeric("workers")
        let support = try p.numeric("support"), training = try p.numeric("training"), sd = try p.numeric("grdp_sd")
        let share = try p.numeric("trained_share")
        for i in 0..<p.rowCount {
            XCTAssertTrue((0...60).contains(support[i]), "support \(support[i])")
            XCTAssertTrue((0...0.2).contains(training[i]), "training \(training[i])")
            XCTAssertEqual(sd[i], 0.01)
            XCTAssertEqual(workers[i], coops[i] * wpc[i], "workers = coops * workers_per_coop, row \(i)")
            XCTAssertTrue(share[i] > 0 && share[i] < 1)
            if year[i] == 2010 {
                XCTAssertTrue(entries[i].isNaN && exits[i].isNaN, "no outcome in the initial year")
                XCTAssertTrue((50...1500).contains(coops[i]) && coops[i] == coops[i].rounded(), "initial coops \(coops[i])")
                XCTAssertTrue((15...60).contains(wpc[i]))
            } else {
                XCTAssertEqual(coops[i], coops[i - 1] + entries[i] - exits[i], "coops identity, row \(i)")
                XCTAssertTrue(exits[i] <= coops[i - 1] && entries[i] >= 0)
            }
        }
        var keep = truth
        keep.omit = []
        XCTAssertNotNil(try Synthesizer.panel(model: model, truth: keep, regions: 2, years: 2010...2012, seed: 3).index(of: "trained_incumbent"))
    }

    /// With sigma = 0 a gaussian equation is deterministic: dlog(x) ~ log1p(u) gives
    /// x_t = x_{t-1} exp(b0 + b1 log1p(u_t)) exactly (closed form), through the engine's LHS inversion.
    func testNoiselessGaussianFollowsClosedForm() throws {
        let model = try modelSpec("""
        name = "growth"
        [variables]
        x = { domain = "positive" }
        [levers]
        u = { domain = "nonnegative" }
        [[equations]]
        name = "x"
        family = "gaussian"
        formula = "dlog(x) ~ log1p(u)"
        """)
        let truth = try SyntheticTruth.parse("""
        model = "growth"
        [equations.x]
        coefficients = { Intercept = 0.01, "log1p(u)" = 0.02 }
        sigma = 0
        [initial]
        x = { uniform = [10, 20] }
        [paths]
        u = { walk = [0, 5], step = 1 }
        """)
        let p = try Synthesizer.panel(model: model, truth: truth, regions: 3, years: 2000...2009, seed: 5)
        let x = try p.numeric("x"), u = try p.numeric("u"), year = try p.numeric("year")
        for i in 0..<p.rowCount where year[i] > 2000 {
            let expected = x[i - 1] * exp(0.01 + 0.02 * log1p(u[i]))
            XCTAssertEqual(x[i], expected, accuracy: 1e-13 * expected)
        }
        XCTAssertTrue(u.allSatisfy { (0...5).contains($0) })
    }

    /// A truth that does not fit the model: every problem listed, located in the truth file, with
    /// "did you mean" where a name is close.
    func testTruthProblemsAreListedAndLocated() throws {
        let model = try shippedModel()
        let text = try String(contentsOfFile: repositoryRoot + "/Scenarios/truth.toml", encoding: .utf8)
            .replacingOccurrences(of: "\"log1p(promotion)\" = 0.15", with: "\"log1p(promotoin)\" = 0.15")
            .replacingOccurrences(of: "sigma = 0.05\n", with: "\n")
            .replacingOccurrences(of: "coops = { uniform = [50, 1500] }", with: "")
            .replacingOccurrences(of: "grdp_sd = { value = 0.01 }", with: "grdp_sdd = { value = 0.01 }")
        let truth = try SyntheticTruth.parse(text, file: "t.toml")
        var errors: [InputError] = []
        do { _ = try Synthesizer.panel(model: model, truth: truth, regions: 2, years: 2010...2012, seed: 1) } catch let e as InputErrors {
            errors = e.errors
        }
        let text2 = errors.map(\.description).joined(separator: "\n")
        XCTAssertTrue(text2.contains("t.toml:14: equations.entries.coefficients: expected a coefficient for every term"), text2)
        XCTAssertTrue(text2.contains("equations.entries.coefficients.log1p(promotoin): expected a term of the formula"), text2)
        XCTAssertTrue(text2.contains("did you mean 'log1p(promotion)'?"), text2)
        XCTAssertTrue(text2.contains("equations.trained_incumbent.sigma: expected the residual standard deviation"), text2)
        XCTAssertTrue(text2.contains("paths.grdp_sdd: expected a lever or assumption of the model"), text2)
        XCTAssertTrue(text2.contains("paths.grdp_sd: expected a rule for the assumption 'grdp_sd'"), text2)

        // The missing initial state is reported once the coefficients fit.
        let noInitial = try String(contentsOfFile: repositoryRoot + "/Scenarios/truth.toml", encoding: .utf8)
            .replacingOccurrences(of: "coops = { uniform = [50, 1500] }", with: "")
        errors = []
        do {
            _ = try Synthesizer.panel(model: model, truth: try SyntheticTruth.parse(noInitial, file: "t.toml"), regions: 2,
                                      years: 2010...2012, seed: 1)
        } catch let e as InputErrors { errors = e.errors }
        // ... and so are the rating classes drawn as shares of it.
        XCTAssertEqual(errors.map(\.field), ["initial.coops", "initial.good_count.of", "initial.fair_count.of", "initial.weak_count.of"])
        XCTAssertTrue(errors.first?.description.contains("reads its lag") ?? false)
    }

    /// Bad rules in a truth file are errors at their line.
    func testBadRulesAreLocated() {
        XCTAssertThrowsError(try SyntheticTruth.parse("""
        [equations.x]
        coefficients = { Intercept = 1 }
        [initial]
        x = { walk = [0, 1], step = 0.1 }
        [paths]
        u = { uniform = [2, 1] }
        """, file: "t.toml")) { error in
            let text = (error as? InputErrors)?.description ?? "\(error)"
            XCTAssertTrue(text.contains("t.toml:4:"), text)
            XCTAssertTrue(text.contains("initial.x.walk"), text)
            XCTAssertTrue(text.contains("t.toml:6:"), text)
            XCTAssertTrue(text.contains("paths.u.uniform: expected [LOW, HIGH] with finite LOW <= HIGH"), text)
        }
    }
}
