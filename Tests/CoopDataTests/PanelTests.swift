import Foundation
import XCTest
@testable import CoopData

final class PanelTests: XCTestCase {
    let spec = PanelSpec(regionColumn: "region", yearColumn: "year")

    /// Lags on a shuffled panel against pandas `groupby("region").shift()`.
    /// Fixture: panel_pandas.json from scripts/fixtures/patsy_designs.py.
    func testLagsMatchPandasOnShuffledPanel() throws {
        let data = try CSVReader.read(path: fixtureURL("panel_data.csv").path)
        let fixture = try loadJSON("panel_pandas.json")
        let resolver = TableResolver(table: data, panel: try PanelIndex(table: data, spec: spec))
        for (expr, key) in [("lag(coops)", "lag_coops"), ("lag(coops, 2)", "lag2_coops"),
                            ("diff(workers)", "diff_workers"), ("dlog(workers)", "dlog_workers")] {
            let ours = try Expression.parse(expr).evaluate(resolver)
            let theirs = fixture[key] as! [Any]
            XCTAssertEqual(ours.count, theirs.count)
            for (a, b) in zip(ours, theirs) {
                if let b = b as? Double {
                    XCTAssertEqual(a, b, accuracy: 1e-12 * max(1, abs(b)), expr)
                } else {
                    XCTAssertTrue(a.isNaN, "\(expr): pandas has no value, we have \(a)")
                }
            }
        }
        let d = fixture["design"] as! [String: Any]
        let design = try DesignMatrix.build(formula: Formula.parse(d["formula"] as! String), data: data, panel: spec)
        XCTAssertEqual(design.columnNames, d["column_names"] as! [String])
        XCTAssertEqual(design.rowsUsed, d["rows_used"] as! [Int])
        XCTAssertEqual(design.droppedRows, 3, "the first year of each of the three regions has no lag")
        let rows = d["X"] as! [[Double]]
        let y = d["y"] as! [Double]
        let again = try design.layout.evaluate(TableResolver(table: data, panel: try PanelIndex(table: data, spec: spec)))
        XCTAssertEqual(design.layout.variables.map(\.description), ["lag(coops, 1)", "workers", "lag(workers, 1)"])
        for i in rows.indices {
            XCTAssertEqual(design.y[i], y[i], accuracy: 1e-12 * abs(y[i]))
            for j in rows[i].indices {
                XCTAssertEqual(again[design.rowsUsed[i], j], rows[i][j], accuracy: 1e-12 * max(1, abs(rows[i][j])))
            }
            for j in rows[i].indices { XCTAssertEqual(design.X[i, j], rows[i][j], accuracy: 1e-12 * max(1, abs(rows[i][j]))) }
        }
    }

    func testYearGapGivesMissingLag() throws {
        let t = try CSVReader.parse(text: "region,year,x\nB,2021,5\nA,2019,1\nA,2021,3\nA,2022,4\nB,2019,7\n", source: "g.csv")
        let r = TableResolver(table: t, panel: try PanelIndex(table: t, spec: spec))
        let lag1 = try Expression.parse("lag(x)").evaluate(r)
        let lag2 = try Expression.parse("lag(x, 2)").evaluate(r)
        XCTAssertTrue(lag1[0].isNaN && lag1[1].isNaN && lag1[2].isNaN && lag1[4].isNaN, "\(lag1)")
        XCTAssertEqual(lag1[3], 3, "2022 follows 2021 in region A")
        XCTAssertEqual(lag2[0], 7, "lag 2 of 2021 in B is 2019")
        XCTAssertEqual(lag2[2], 1)
        XCTAssertTrue(lag2[3].isNaN, "2020 is absent in A")
    }

    func testDuplicateRegionYearNamesBothLines() throws {
        let t = try CSVReader.parse(text: "region,year,x\nHải Phòng,2020,1\nHà Nội,2020,2\nHải Phòng,2020,3\n", source: "p.csv")
        XCTAssertThrowsError(try PanelIndex(table: t, spec: spec)) { e in
            XCTAssertEqual("\(e)", "p.csv:4: panel: expected one row per (region, year), got a second row for (Hải Phòng, 2020); the first is on line 2")
        }
        let bad = try CSVReader.parse(text: "region,year,x\nA,2020.5,1\n", source: "q.csv")
        XCTAssertThrowsError(try PanelIndex(table: bad, spec: spec)) { e in
            XCTAssertEqual("\(e)", "q.csv:2: year: expected a whole-number year, got 2020.5")
        }
    }
}
