import Foundation
import XCTest
@testable import CoopData

func fixtureURL(_ name: String) -> URL {
    Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(name)
}

func loadJSON(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixtureURL(name))) as! [String: Any]
}

final class FormulaTests: XCTestCase {
    /// Compares our designs with patsy's on the same data.
    /// Fixture: Tests/CoopDataTests/Fixtures/patsy_designs.json from scripts/fixtures/patsy_designs.py.
    func testDesignsMatchPatsy() throws {
        let data = try CSVReader.read(path: fixtureURL("designs_data.csv").path)
        let fixture = try loadJSON("patsy_designs.json")
        let cases = fixture["cases"] as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        var worst = 0.0
        for c in cases {
            let text = c["formula"] as! String
            let design = try DesignMatrix.build(formula: Formula.parse(text), data: data)
            XCTAssertEqual(design.columnNames, c["column_names"] as! [String], text)
            XCTAssertEqual(design.responseName, c["response_name"] as! String, text)
            XCTAssertEqual(design.rowsUsed, c["rows_used"] as! [Int], text)
            XCTAssertEqual(design.droppedRows, data.rowCount - design.rowsUsed.count)
            XCTAssertEqual(design.hasIntercept, design.columnNames.first == "Intercept", text)
            let y = c["y"] as! [Double]
            let rows = c["X"] as! [[Double]]
            guard design.X.rows == rows.count, design.X.columns == (rows.first?.count ?? 0) else {
                XCTFail("\(text): \(design.X.rows) x \(design.X.columns), patsy \(rows.count) x \(rows.first?.count ?? 0)")
                continue
            }
            for i in 0..<rows.count {
                worst = max(worst, relativeError(design.y[i], y[i]))
                for j in 0..<rows[i].count { worst = max(worst, relativeError(design.X[i, j], rows[i][j])) }
            }
            XCTAssertEqual(design.termColumns.last?.upperBound ?? 0, design.X.columns)
            // The layout rebuilds patsy's columns from a resolver over the whole table.
            let again = try design.layout.evaluate(TableResolver(table: data))
            XCTAssertEqual(design.layout.columnNames, design.columnNames)
            for (i, row) in design.rowsUsed.enumerated() {
                for j in 0..<rows[i].count { worst = max(worst, relativeError(again[row, j], rows[i][j])) }
            }
        }
        print("patsy designs: largest relative difference \(worst)")
        XCTAssertLessThanOrEqual(worst, 1e-12, "largest relative difference from patsy")
    }

    func relativeError(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / max(abs(b), 1e-300)
    }

    /// Intercept rules against patsy's ModelDesc (fixture patsy_designs.json, scripts/fixtures/patsy_designs.py).
    func testInterceptRulesMatchPatsy() throws {
        let pairs = try loadJSON("patsy_designs.json")["intercepts"] as! [[Any]]
        XCTAssertGreaterThanOrEqual(pairs.count, 10)
        for pair in pairs {
            let text = pair[0] as! String
            XCTAssertEqual(try Formula.parse(text).hasIntercept, pair[1] as! Bool, text)
        }
        // Documented difference: patsy keeps the intercept in `x + -1` (its unary minus only acts at the
        // start); we remove it, as R does.
        XCTAssertFalse(try Formula.parse("y ~ x + -1").hasIntercept)
    }

    func testTermsAndNames() throws {
        let f = try Formula.parse("dlog(workers_per_coop) ~ log1p(support) + a:b + b:a + a*c + log( x )")
        XCTAssertEqual(f.responseName, "dlog(workers_per_coop)")
        XCTAssertEqual(f.terms.map(\.name), ["log1p(support)", "a:b", "a", "c", "a:c", "log(x)"], "b:a is a:b; duplicates removed")
        let g = try Formula.parse("I(logit(trained_incumbent) - logit(lag(trained_share))) ~ training")
        XCTAssertEqual(g.responseName, "I(logit(trained_incumbent) - logit(lag(trained_share)))")
        XCTAssertEqual(g.response, try Expression.parse("logit(trained_incumbent) - logit(lag(trained_share))"))
        XCTAssertEqual(g.variables.map(\.description), ["trained_incumbent", "lag(trained_share, 1)", "training"])
        XCTAssertEqual(try Formula.parse("y ~ I(x^2)").terms.map(\.name), ["I(x ^ 2)"])
        XCTAssertEqual(try Formula.parse("y ~ (a + b):c").terms.map(\.name), ["a:c", "b:c"])
        XCTAssertEqual(try Formula.parse("y ~ a*b - a:b").terms.map(\.name), ["a", "b"])
        XCTAssertEqual(try Formula.parse("y ~ (a + b + c)^2").terms.map(\.name), ["a", "b", "c", "a:b", "a:c", "b:c"])
    }

    func testFormulaErrors() {
        func message(_ s: String) -> String {
            do { _ = try Formula.parse(s); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("y ~ x + z +"), "formula: expected a term after '+', got end of input at column 12")
        XCTAssertEqual(message("y ~ x + 2"), "formula: expected 0 or 1 (the intercept) or a term, got '2' at column 9 (write I(2) for a constant)")
        XCTAssertEqual(message("y x"), "formula: expected '~' between the response and the terms, got 'y x'")
        XCTAssertEqual(message("y ~"), "formula: expected terms after '~', got end of input at column 4")
        XCTAssertEqual(message("y ~ C(g, Sum)"), "formula: expected Treatment(reference=...) as the coding of C(), got 'Sum' at column 10")
        XCTAssertEqual(message("y ~ 1:x"),
                       "formula: expected terms on both sides of ':', got the intercept (0 or 1) at column 6 (the intercept cannot interact with anything else)")
        XCTAssertEqual(message("y ~ - x"), "formula: expected 0 or 1 after a leading '-', got a term at column 6")
        XCTAssertEqual(message("y ~ x + normal(0, 1)"),
                       "formula: expected a term without normal(), got normal() at column 9 (normal() belongs in model identities)")
    }

    func testDroppedRowsAfterTransformation() throws {
        let t = try CSVReader.parse(text: "y,x,w,g\n1,0,1,a\n2,1,2,b\n3,2,,a\n4,NA,1,b\n5,3,1,\n6,4,0.5,a\n", source: "d.csv")
        let d = try DesignMatrix.build(formula: Formula.parse("y ~ log(x)"), data: t, weights: "w", cluster: "g")
        XCTAssertEqual(d.rowsUsed, [1, 5], "log(0) = -inf, a missing weight, a missing x and a missing cluster drop rows")
        XCTAssertEqual(d.droppedRows, 4)
        XCTAssertEqual(d.weights, [2, 0.5])
        XCTAssertEqual(d.groups, [1, 0])
        XCTAssertEqual(d.groupLabels, ["a", "b"])
        XCTAssertEqual(d.X.column(1), [0, log(4.0)])
        let trials = try DesignMatrix.build(formula: Formula.parse("y ~ x"), data: t, trials: Expression.parse("x + 1"))
        XCTAssertEqual(trials.trials, [1, 2, 3, 4, 5])
    }

    func testQuotedNamesAndTextInteractions() throws {
        let t = try CSVReader.parse(text: "số hợp tác xã,tỉnh,x\n3,Hải Phòng,1\n5,Hà Nội,2\n4,Hải Phòng,3\n8,Hà Nội,5\n")
        let d = try DesignMatrix.build(formula: Formula.parse("Q('số hợp tác xã') ~ tỉnh:x + log(Q(\"số hợp tác xã\"))"), data: t)
        XCTAssertEqual(d.responseName, "Q('số hợp tác xã')")
        // patsy 1.0.3 on the same data (with np.log for log) gives these names, this order and these columns:
        // the term with numeric factor {x} comes before the one with {log(...)}, in order of appearance.
        XCTAssertEqual(d.columnNames, ["Intercept", "tỉnh[Hà Nội]:x", "tỉnh[Hải Phòng]:x", "log(Q(\"số hợp tác xã\"))"])
        XCTAssertEqual(d.y, [3, 5, 4, 8])
        XCTAssertEqual(d.X.column(1), [0, 2, 0, 5])
        XCTAssertEqual(d.X.column(2), [1, 0, 3, 0])
        XCTAssertEqual(d.X.column(3), [3, 5, 4, 8].map { log($0) })
        XCTAssertEqual(d.termNames, ["Intercept", "tỉnh:x", "log(Q(\"số hợp tác xã\"))"])
    }

    func testLayoutOnNewData() throws {
        let fit = try CSVReader.parse(text: "y,x,g\n1,1,a\n2,2,b\n3,4,c\n4,3,a\n")
        let d = try DesignMatrix.build(formula: Formula.parse("y ~ C(g) + x"), data: fit)
        XCTAssertEqual(d.columnNames, ["Intercept", "C(g)[T.b]", "C(g)[T.c]", "x"])
        let new = try CSVReader.parse(text: "x,g\n5,b\n6,\n7,d\n")
        let X = try d.layout.evaluate(TableResolver(table: new))
        XCTAssertEqual(X.rows, 3)
        XCTAssertEqual(X.column(0), [1, 1, 1])
        XCTAssertEqual(X[0, 1], 1)
        XCTAssertTrue(X[1, 1].isNaN && X[1, 2].isNaN, "a missing level is missing, not the baseline")
        XCTAssertEqual([X[2, 1], X[2, 2]], [0, 0], "an unseen level codes like the baseline")
        XCTAssertEqual(X.column(3), [5, 6, 7])
    }

    func testInputErrorsOfDesigns() throws {
        let t = try CSVReader.parse(text: "y,x,w,g\n1,1,1,a\n2,2,-1,b\n3,3,1,a\n", source: "d.csv")
        func message(_ f: String, weights: String? = nil) -> String {
            do { _ = try DesignMatrix.build(formula: Formula.parse(f), data: t, weights: weights); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("y ~ x", weights: "w"), "d.csv:3: w: expected a finite, non-negative weight, got -1.0")
        XCTAssertEqual(message("y ~ xx"), "d.csv: formula: expected a column of d.csv, got 'xx' (did you mean 'x'?)")
        XCTAssertEqual(message("y ~ log(g)"), "d.csv:2: g: expected a numeric column (g is used as a number in the formula), got text such as 'a'")
        XCTAssertEqual(message("g ~ x"), "d.csv:2: g: expected a numeric column (g is used as a number in the response), got text such as 'a'")
        XCTAssertEqual(message("y ~ lag(x)"),
                       "d.csv: formula: expected a panel (region and year columns) for lag(), diff() and dlog(), got a lagged use of 'x' without one (give --panel REGION,YEAR)")
        XCTAssertEqual(message("y ~ C(g, Treatment('z'))"), "formula: expected a reference level of C(g, Treatment('z')) among 'a', 'b', got 'z'")
        XCTAssertEqual(message("y ~ log(x - 3)"),
                       "d.csv: formula: expected at least one row where every value used is present and finite, got none of the 3 rows (check for missing values, log of zero and lags)")
    }
}

final class DataTableHelperTests: XCTestCase {
    func testGroupsAndWeights() throws {
        let t = try CSVReader.parse(text: "g,w,k\nHải Phòng,1,3\nĐà Nẵng,2,\nHà Nội,-1,2\nHải Phòng,0.5,1\n", source: "h.csv")
        let (idx, labels) = try t.groupIndices(of: "g", rows: [0, 1, 2, 3])
        XCTAssertEqual(labels, ["Hà Nội", "Hải Phòng", "Đà Nẵng"], "Unicode scalar order, as Python sorts")
        XCTAssertEqual(idx, [1, 2, 0, 1])
        XCTAssertEqual(try t.groupIndices(of: "k", rows: [0, 2, 3]).labels, ["1", "2", "3"])
        XCTAssertThrowsError(try t.groupIndices(of: "k", rows: [1])) { e in
            XCTAssertEqual("\(e)", "h.csv:3: k: expected a group label, got a missing value")
        }
        XCTAssertEqual(try t.nonNegativeValues(of: "w", rows: [0, 1, 3]), [1, 2, 0.5])
        XCTAssertThrowsError(try t.nonNegativeValues(of: "w", rows: [2])) { e in
            XCTAssertEqual("\(e)", "h.csv:4: w: expected a finite, non-negative weight, got -1.0")
        }
        XCTAssertThrowsError(try t.nonNegativeValues(of: "k", rows: [1], what: "number of trials")) { e in
            XCTAssertEqual("\(e)", "h.csv:3: k: expected a finite, non-negative number of trials, got a missing value")
        }
    }
}
