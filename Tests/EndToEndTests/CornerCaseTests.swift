import Foundation
import XCTest

/// Regression corner cases (issue 14), end to end through `coopsim fit`, against values from
/// outside coopsim: fixtures by scripts/fixtures/corners.py (statsmodels, scipy).
final class CornerCaseTests: XCTestCase {
    struct Table: Decodable {
        var names: [String]
        var estimate: [Double]
        var std_error: [Double]
        var p_value: [Double]
        var ci_low: [Double]
        var ci_high: [Double]
        var f_statistic: Double?
        var f_p_value: Double?
        var df_inference: Double?
        var log_likelihood: Double?
    }
    struct Case: Decodable {
        var args: [String]
        var diverging: [String]?
        var direction: [Double]?
        var unavailable: [String]?
        var line: Int?
        var boundary_rows: Int?
        var reduced: Table?
        var reduced_HC0: Table?
        var fit: Table?
        var nb: NB?
        var missing_tinh: Int?
        var missing_x: Int?
        var dropped: Int?
        var first_grouped: String?
        var statsmodels_hc2_hc3_are_hc0: Bool?
    }
    struct NB: Decodable {
        var names: [String]
        var estimate: [Double]
        var std_error: [Double]
        var alpha: Double
    }

    static let cases: [String: Case] = {
        let url = URL(fileURLWithPath: CLI.fixture("corners/expected.json"))
        return try! JSONDecoder().decode([String: Case].self, from: Data(contentsOf: url))
    }()

    func fit(_ file: String, _ c: Case) throws -> (json: [String: Any], terms: [String: [String: Any]], stderr: String) {
        let r = try CLI.run(["fit", CLI.fixture("corners/" + file), "--format", "json"] + c.args)
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
        let terms = try XCTUnwrap(j["terms"] as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for t in terms { byName[t["name"] as! String] = t }
        return (j, byName, r.stderr)
    }

    /// Compares the named terms' estimates, errors, p-values and intervals with a table.
    func compare(_ terms: [String: [String: Any]], _ e: Table, tol: Double, _ label: String) {
        for (k, name) in e.names.enumerated() {
            guard let t = terms[name] else { XCTFail("\(label): no term \(name) in \(terms.keys.sorted())"); continue }
            for (key, want) in [("estimate", e.estimate[k]), ("std_error", e.std_error[k]), ("p_value", e.p_value[k]),
                                ("ci_low", e.ci_low[k]), ("ci_high", e.ci_high[k])] {
                let got = t[key] as? Double ?? .nan
                XCTAssertLessThan(abs(got - want), tol * max(1, abs(want)), "\(label) \(name) \(key): \(got) vs \(want)")
            }
        }
    }

    /// Kind 1: a coefficient with no finite estimate (separation in a logit; a category of only
    /// zero counts in a Poisson or NB2 fit) is flagged, named, reported as +-Inf with no inference; the
    /// others equal the fit on the rows that are left (statsmodels).
    func testDivergingCoefficients() throws {
        for (file, key) in [("separation.csv", "separation"), ("zerocat.csv", "zerocat")] {
            let c = try XCTUnwrap(Self.cases[key])
            for se in ["classical", "HC0", "HC3"] {
                var cc = c
                cc.args += ["--se", se]
                let (j, terms, stderr) = try fit(file, cc)
                XCTAssertEqual(j["diverging_terms"] as? [String], c.diverging, "\(key) \(se)")
                for (name, dir) in zip(c.diverging!, c.direction!) {
                    let t = try XCTUnwrap(terms[name])
                    XCTAssertTrue(t["estimate"] is NSNull, "\(key): estimate of \(name) is infinite (null in JSON)")
                    XCTAssertTrue(t["std_error"] is NSNull && t["p_value"] is NSNull && t["ci_low"] is NSNull, "\(key) \(se): \(t)")
                    XCTAssertTrue(stderr.contains("'\(name)' (\(dir > 0 ? "+" : "-")Inf)"), stderr)
                }
                XCTAssertTrue(stderr.contains("no finite estimate"), stderr)
                XCTAssertTrue(stderr.contains("for \(c.boundary_rows!) rows"), stderr)
                if se == "classical" { compare(terms, c.reduced!, tol: 2e-6, "\(key) \(se)") }
                else if se == "HC0" { compare(terms, c.reduced_HC0!, tol: 2e-6, "\(key) \(se)") }
                else {
                    for name in c.reduced!.names { XCTAssertTrue((terms[name]?["std_error"] as? Double ?? .nan).isFinite, "\(key) \(se) \(name)") }
                }
            }
        }
        // NB2 with overdispersed counts (alpha > 0) and a category of only zeros: the same, and the
        // others and alpha equal statsmodels' NB2 on the other rows (expected-information errors).
        let nb = try XCTUnwrap(Self.cases["zerocat_negbin"])
        let (nj, nterms, nstderr) = try fit("zerocat_negbin.csv", nb)
        XCTAssertEqual(nj["diverging_terms"] as? [String], nb.diverging)
        XCTAssertTrue(nterms["C(g)[T.D]"]?["estimate"] is NSNull && nterms["C(g)[T.D]"]?["std_error"] is NSNull, "\(nterms)")
        XCTAssertTrue(nstderr.contains("'C(g)[T.D]' (-Inf)") && nstderr.contains("for \(nb.boundary_rows!) rows"), nstderr)
        for (k, name) in nb.nb!.names.enumerated() {
            XCTAssertEqual(nterms[name]?["estimate"] as? Double ?? .nan, nb.nb!.estimate[k], accuracy: 1e-6, "zerocat_negbin \(name)")
            XCTAssertEqual(nterms[name]?["std_error"] as? Double ?? .nan, nb.nb!.std_error[k], accuracy: 1e-6 * nb.nb!.std_error[k], "zerocat_negbin \(name)")
        }
        XCTAssertEqual(nj["alpha"] as? Double ?? .nan, nb.nb!.alpha, accuracy: 1e-6 * nb.nb!.alpha)

        // The table shows n/a for the diverging term.
        let r = try CLI.run(["fit", CLI.fixture("corners/separation.csv"), "--formula", "y ~ x + d", "--family", "binomial"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.split(separator: "\n").contains { $0.hasPrefix("d ") && $0.contains("Inf") && $0.contains("n/a") }, r.stdout)
    }

    /// Kind 2: HC2/HC3 with a row of leverage 1: that category's robust error is not available,
    /// every other term's error, test, interval and the F test equal statsmodels' on the data
    /// without that row.
    func testLeverageOneRows() throws {
        for cov in ["HC2", "HC3"] {
            let c = try XCTUnwrap(Self.cases["leverage_" + cov])
            let (j, terms, stderr) = try fit("leverage.csv", c)
            compare(terms, c.reduced!, tol: 1e-8, cov)
            for name in c.unavailable! {
                let t = try XCTUnwrap(terms[name])
                XCTAssertTrue((t["estimate"] as? Double ?? .nan).isFinite, "\(cov): the estimate of \(name) stays")
                XCTAssertTrue(t["std_error"] is NSNull && t["p_value"] is NSNull, "\(cov): \(t)")
                XCTAssertTrue(stderr.contains("'\(name)'"), stderr)
            }
            XCTAssertTrue(stderr.contains("leverage 1 (line \(c.line!)"), stderr)
            XCTAssertEqual(j["f_statistic"] as? Double ?? .nan, c.reduced!.f_statistic!, accuracy: 1e-8 * c.reduced!.f_statistic!)
            XCTAssertEqual(j["f_p_value"] as? Double ?? .nan, c.reduced!.f_p_value!, accuracy: 1e-8)
        }
    }

    /// Kind 3: one test distribution per covariance type, table, intervals and F test agreeing:
    /// clusters use t(G - 1) in every family by default, `--df normal` gives z tests and a chi2 F
    /// p-value, `--df t` with clusters is the default (statsmodels use_t, scipy).
    func testTestDistribution() throws {
        for key in ["cluster_ols", "cluster_poisson", "normal_ols", "cluster_ols_normal"] {
            let c = try XCTUnwrap(Self.cases[key])
            let (j, terms, _) = try fit("clusters.csv", c)
            let e = c.fit!
            compare(terms, e, tol: key == "cluster_poisson" ? 1e-7 : 1e-9, key)
            if let f = e.f_statistic { XCTAssertEqual(j["f_statistic"] as? Double ?? .nan, f, accuracy: 1e-9 * f, key) }
            if let p = e.f_p_value { XCTAssertEqual(j["f_p_value"] as? Double ?? .nan, p, accuracy: 1e-9 + 1e-7 * p, key) }
            if let df = e.df_inference { XCTAssertEqual(j["df_inference"] as? Double, df, key) }
            XCTAssertEqual(j["test_distribution"] as? String, key.hasSuffix("normal") || key == "normal_ols" ? "normal" : "t", key)
        }
        // The table says which distribution it used.
        let r = try CLI.run(["fit", CLI.fixture("corners/clusters.csv"), "--formula", "y ~ x", "--se", "cluster:tinh"])
        XCTAssertTrue(r.stdout.contains("Tests:        t with 5 df (clusters - 1), F test on the same df"), r.stdout)
        let h = try CLI.run(["fit", "--help"])
        let help = h.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(help.contains("cluster:COL uses t(G - 1) and F(q, G - 1) in every family"), help)
        XCTAssertTrue(help.contains("--df normal forces z tests"), help)
    }

    /// Kind 5: NB2 on underdispersed counts says that alpha is at its boundary 0 and that the
    /// Poisson fit is the answer, and gives Poisson's estimates (statsmodels).
    func testNegbinAlphaAtBoundary() throws {
        let c = try XCTUnwrap(Self.cases["underdispersed"])
        let (j, terms, stderr) = try fit("underdispersed.csv", c)
        compare(terms, c.fit!, tol: 1e-8, "underdispersed")
        XCTAssertEqual(j["alpha"] as? Double, 0)
        XCTAssertEqual(j["converged"] as? Bool, true)
        XCTAssertEqual(j["log_likelihood"] as? Double ?? .nan, c.fit!.log_likelihood!, accuracy: 1e-8 * abs(c.fit!.log_likelihood!))
        XCTAssertTrue(stderr.contains("alpha is at its boundary 0") && stderr.contains("--family poisson"), stderr)
        XCTAssertFalse(stderr.contains("did not converge"), stderr)
    }

    /// Kind 6: NB2 standard errors by the expected information at alpha (R, the default) and by
    /// the observed joint information in (beta, alpha) (Stata's nbreg = statsmodels'
    /// NegativeBinomial), classical, HC0 and cluster (statsmodels' cluster factor rescaled from
    /// k = 3 parameters to coopsim's k = 2 coefficients, see corners.py). HC2/HC3 with the observed
    /// information are refused (no package defines them); a GLM's HC1 is HC0 n/(n - k).
    func testNegbinInformation() throws {
        for key in ["negbin_expected_classical", "negbin_observed_classical", "negbin_observed_HC0", "negbin_observed_cluster"] {
            let c = try XCTUnwrap(Self.cases[key])
            let (j, terms, _) = try fit("negbin.csv", c)
            let e = c.nb!
            for (k, name) in e.names.enumerated() {
                let t = try XCTUnwrap(terms[name])
                XCTAssertEqual(t["estimate"] as? Double ?? .nan, e.estimate[k], accuracy: 1e-6, "\(key) \(name)")
                XCTAssertEqual(t["std_error"] as? Double ?? .nan, e.std_error[k], accuracy: 1e-6 * e.std_error[k], "\(key) \(name) std_error")
            }
            XCTAssertEqual(j["alpha"] as? Double ?? .nan, e.alpha, accuracy: 1e-6 * e.alpha, key)
            XCTAssertEqual(j["negbin_information"] as? String, key.contains("observed") ? "observed" : "expected", key)
        }
        let h = try CLI.run(["fit", "--help"])
        let help = h.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(help.contains("--nb-information expected (default; R's glm.nb"), help)

        // HC2/HC3 with the observed joint information: refused, because no package defines their
        // leverages (statsmodels' NegativeBinomial computes HC0 for them, as the fixture records;
        // Stata's nbreg has robust and cluster only); --help says so, and expected still gives them.
        let hc3 = try XCTUnwrap(Self.cases["negbin_observed_HC3"])
        XCTAssertEqual(hc3.statsmodels_hc2_hc3_are_hc0, true, "statsmodels now computes its own NB2 HC2/HC3: match it instead of refusing")
        for se in ["HC2", "HC3"] {
            let args = hc3.args.map { $0 == "HC3" ? se : $0 }
            let r = try CLI.run(["fit", CLI.fixture("corners/negbin.csv")] + args)
            XCTAssertEqual(r.status, 65, r.stderr)
            XCTAssertTrue(r.stdout.isEmpty, r.stdout)
            XCTAssertTrue(r.stderr.contains("expected --se classical, HC0, HC1 or cluster:COL with the observed information")
                          && r.stderr.contains("no package defines HC2/HC3 leverages for the joint (beta, alpha) information")
                          && r.stderr.contains("--nb-information expected"), r.stderr)
            let expected = try CLI.run(["fit", CLI.fixture("corners/negbin.csv"), "--formula", "y ~ x", "--family", "negbin", "--se", se])
            XCTAssertEqual(expected.status, 0, expected.stderr)
        }
        XCTAssertTrue(help.contains("HC2/HC3 are refused, since no package defines their leverages for the joint information"), help)

        // A GLM's HC1 is HC0 * n/(n - k) (R's sandwich), not Stata's n/(n - 1); --help says so.
        let hc1 = try XCTUnwrap(Self.cases["hc1_poisson"])
        let (_, hterms, _) = try fit("clusters.csv", hc1)
        compare(hterms, hc1.fit!, tol: 1e-8, "hc1_poisson")
        XCTAssertTrue(help.contains("HC1 multiplies HC0 by n/(n - k)") && help.contains("Stata's glm and poisson use n/(n - 1) for HC1"), help)
    }

    /// Kind 4: data that looks like numbers. Dropped rows are explained column by column (the
    /// fit equals statsmodels on pandas' dropna of the same file); a column whose cells carry
    /// thousands separators is refused with the cell shown; a text column used as a categorical
    /// although a few cells are numbers is named in a warning.
    func testDataThatLooksLikeNumbers() throws {
        let c = try XCTUnwrap(Self.cases["missing"])
        let (j, terms, stderr) = try fit("missing.csv", c)
        compare(terms, c.fit!, tol: 1e-9, "missing")
        XCTAssertEqual(j["dropped_rows"] as? Int, c.dropped)
        XCTAssertTrue(stderr.contains("\(c.dropped!) rows dropped"), stderr)
        XCTAssertTrue(stderr.contains("tinh: \(c.missing_tinh!) missing cells") && stderr.contains("x: \(c.missing_x!) missing cells"), stderr)
        XCTAssertTrue(stderr.contains("'NA'"), stderr)

        // --na '': the province code 'NA' is a level, only the empty x cells drop rows.
        let off = try XCTUnwrap(Self.cases["missing_na_off"])
        let (j2, terms2, stderr2) = try fit("missing.csv", off)
        compare(terms2, off.fit!, tol: 1e-9, "--na ''")
        XCTAssertEqual(j2["dropped_rows"] as? Int, off.dropped)
        XCTAssertTrue(terms2["C(tinh)[T.NA]"] != nil, "\(terms2.keys)")
        XCTAssertTrue(stderr2.contains("x: \(c.missing_x!) missing cells") && !stderr2.contains("tinh:"), stderr2)

        // Zero-padded codes stay text: '08123' and '8123' are different communes (pandas dtype=str).
        let codes = try XCTUnwrap(Self.cases["codes"])
        let (_, terms3, _) = try fit("codes.csv", codes)
        compare(terms3, codes.fit!, tol: 1e-9, "codes")

        let g = try CLI.run(["fit", CLI.fixture("corners/missing.csv"), "--formula", "y ~ doanhthu"])
        XCTAssertEqual(g.status, 65, g.stderr)
        XCTAssertTrue(g.stderr.contains("missing.csv:2: doanhthu: expected plain numbers") && g.stderr.contains("'\(c.first_grouped!)'"), g.stderr)

        let m = try CLI.run(["fit", CLI.fixture("corners/missing.csv"), "--formula", "y ~ ma"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stderr.contains("'ma' is read as text and used as a categorical with 5 levels, although 2 of its 48 cells are numbers"), m.stderr)

        let v = try CLI.run(["validate", CLI.fixture("corners/missing.csv")])
        XCTAssertEqual(v.status, 65)
        XCTAssertTrue(v.stderr.contains("doanhthu: expected plain numbers (no thousands separators)"), v.stderr)
    }

    /// Kind 7: offset(expr) in formulas and --exposure COL (counts per member), against
    /// statsmodels' GLM `offset=` and NegativeBinomial `exposure=`; refused for least squares.
    func testOffsetAndExposure() throws {
        for key in ["offset_poisson", "exposure_poisson"] {
            let c = try XCTUnwrap(Self.cases[key])
            let (_, terms, _) = try fit("exposure.csv", c)
            compare(terms, c.fit!, tol: 1e-8, key)
        }
        let c = try XCTUnwrap(Self.cases["exposure_negbin"])
        let (j, terms, _) = try fit("exposure.csv", c)
        for (k, name) in c.nb!.names.enumerated() {
            XCTAssertEqual(terms[name]?["estimate"] as? Double ?? .nan, c.nb!.estimate[k], accuracy: 1e-6, name)
            XCTAssertEqual(terms[name]?["std_error"] as? Double ?? .nan, c.nb!.std_error[k], accuracy: 1e-6 * c.nb!.std_error[k], name)
        }
        XCTAssertEqual(j["alpha"] as? Double ?? .nan, c.nb!.alpha, accuracy: 1e-6 * c.nb!.alpha)
        let g = try CLI.run(["fit", CLI.fixture("corners/exposure.csv"), "--formula", "y ~ x + offset(log(members))"])
        XCTAssertEqual(g.status, 65, g.stderr)
        XCTAssertTrue(g.stderr.contains("offset(...) with a GLM family"), g.stderr)
    }

    /// Kind 7: the report says which model was fitted. With --exposure COL the Formula line (table)
    /// and `formula` (JSON) show the offset it adds, `y ~ x + offset(log(members))`; a column name
    /// that is not a plain identifier is quoted as patsy's Q("..."). The formula shown, given back
    /// to fit without --exposure, is the same fit (statsmodels' exposure= values, 1e-8).
    func testFormulaLineShowsTheExposureOffset() throws {
        let c = try XCTUnwrap(Self.cases["exposure_poisson"])
        let (j, terms, _) = try fit("exposure.csv", c)
        XCTAssertEqual(j["formula"] as? String, "y ~ x + offset(log(members))")
        let table = try CLI.run(["fit", CLI.fixture("corners/exposure.csv")] + c.args)
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.split(separator: "\n").contains { $0.hasPrefix("Formula:") && $0.hasSuffix(" y ~ x + offset(log(members))") },
                      table.stdout)

        // The exposure column renamed 'số thành viên' (not a plain name): Q("...") in the formula shown.
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let renamed = dir.appendingPathComponent("exposure_vi.csv")
        let text = try String(contentsOfFile: CLI.fixture("corners/exposure.csv"), encoding: .utf8)
        try text.replacingOccurrences(of: "x,members,y", with: "x,số thành viên,y").write(to: renamed, atomically: true, encoding: .utf8)
        let q = try CLI.run(["fit", renamed.path, "--formula", "y ~ x", "--family", "poisson", "--exposure", "số thành viên", "--format", "json"])
        XCTAssertEqual(q.status, 0, q.stderr)
        let qj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [String: Any])
        let shown = try XCTUnwrap(qj["formula"] as? String)
        XCTAssertEqual(shown, "y ~ x + offset(log(Q(\"số thành viên\")))")
        let again = try CLI.run(["fit", renamed.path, "--formula", shown, "--family", "poisson", "--format", "json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let aj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(aj["formula"] as? String, shown)
        var byName: [String: [String: Any]] = [:]
        for t in try XCTUnwrap(aj["terms"] as? [[String: Any]]) { byName[t["name"] as! String] = t }
        compare(byName, c.fit!, tol: 1e-8, "formula shown, refitted")
        compare(terms, c.fit!, tol: 1e-8, "exposure_poisson")
    }

    /// Kind 5: a header 'y, x' names the column ' x'; fit shows the exact name and the leading
    /// space, and validate reports it.
    func testSpacedHeaderName() throws {
        let dir = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("spaced.csv")
        try "y, x\n1,2\n2,3\n3,5\n4,4\n".write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["fit", file.path, "--formula", "y ~ x"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("' x'") && r.stderr.contains("a leading space"), r.stderr)
        let v = try CLI.run(["validate", file.path])
        XCTAssertEqual(v.status, 65, v.stderr)
        XCTAssertTrue(v.stderr.contains("' x' (a leading space was found)"), v.stderr)
    }
}
