import Foundation
@testable import CoopModel
import XCTest

/// QuantileSketch's exact count of whole numbers (Build item 1 of issue 13: integer histograms for
/// count metrics): quantiles of counts are exact order statistics, the fold into the buckets is
/// what adding the values there gives, merging is order-free, memory is bounded.
final class WholeNumberSketchTests: XCTestCase {
    struct Fixture: Decodable {
        struct Row: Decodable { let name: String; let values: [Double]; let lower: [Double]; let span: Double }
        let levels: [Double]
        let rows: [Row]
    }

    /// Outside truth: numpy.quantile(values, q, method="lower") on seeded rows
    /// (scripts/fixtures/whole_number_quantiles.py). Rows of whole numbers spanning up to 4,096
    /// integers give numpy's very values (they were within 1e-3 above 500 before); a row spanning
    /// 57,942 integers and shares (exact 0 and 1 among fractions) are folded into the buckets and
    /// stay within relative accuracy 1e-3.
    func testQuantilesOfCountsAreNumpysLowerQuantiles() throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/whole_number_quantiles.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.rows.count, 5)
        for row in fixture.rows {
            var sketch = QuantileSketch()
            row.values.withUnsafeBufferPointer { sketch.add($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(sketch.count, Int64(row.values.count))
            let got = sketch.quantiles(fixture.levels)
            let counts = row.span <= 4096 && row.values.allSatisfy { $0 == $0.rounded() }
            XCTAssertEqual(counts, ["counts", "differences", "small"].contains(row.name))
            for (k, q) in fixture.levels.enumerated() {
                let truth = row.lower[k]
                if counts {
                    XCTAssertEqual(got[k], truth, "\(row.name), q = \(q)")
                } else {
                    XCTAssertLessThanOrEqual(abs(got[k] - truth), 1e-3 * abs(truth) * (1 + 1e-12), "\(row.name), q = \(q)")
                }
            }
            XCTAssertEqual(sketch.whole.folded, !counts, row.name)
            if row.name == "counts" {
                XCTAssertGreaterThan(row.lower[fixture.levels.firstIndex(of: 0.05)!], 500, "the row must test counts above 500")
                XCTAssertTrue(sketch.positive.counts.isEmpty, "counts go to the whole numbers, not the buckets")
            }
        }
    }

    /// Closed form: 0, 1, ..., n − 1 in any order have lower quantile floor(q (n − 1)); at n = 4,096
    /// (the default span) still counted, at 4,097 folded, then within 1e-3.
    func testQuantilesOfAPermutationAreTheRank() {
        var rng = SplitMix64(seed: 7)
        for n in [1, 2, 3, 1000, 4096, 4097] {
            var xs = (0..<n).map { Double($0) + 2000 }
            xs.shuffle(using: &rng)
            var sketch = QuantileSketch()
            xs.withUnsafeBufferPointer { sketch.add($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(sketch.whole.folded, n > 4096, "n = \(n)")
            for q in stride(from: 0.0, through: 1.0, by: 0.01) {
                let truth = 2000 + (q * Double(n - 1)).rounded(.down)
                let got = sketch.quantile(q)
                if n <= 4096 { XCTAssertEqual(got, truth, "n = \(n), q = \(q)") }
                else { XCTAssertLessThanOrEqual(abs(got - truth), 1e-3 * truth, "n = \(n), q = \(q)") }
            }
        }
    }

    /// The fold gives exactly what adding the same values to the buckets one by one gives: a sketch
    /// folded from the start (every value to the buckets) is identical to one that counted whole
    /// numbers and folded when their span outgrew 16 or when a fraction came, whether fed one by
    /// one, in the batch form or merged from parts (each a histogram) in any order and grouping.
    func testFoldIsTheBucketsOfTheSameValues() {
        var rng = SplitMix64(seed: 11)
        var counts: [Double] = []
        for k in 0..<3000 {
            let u = Double(rng.next() >> 11) * 0x1p-53
            counts.append(k % 3 == 2 ? -(u * 4).rounded(.down) : (u * 12).rounded(.down))   // -3 ... 11, and -0
        }
        func reference(_ xs: [Double]) -> QuantileSketch {
            var r = QuantileSketch(wholeNumberSpan: 16)
            r.foldWholeNumbers()
            for x in xs { r.addToBuckets(x, count: 1) }
            return r
        }
        func sketch(_ xs: [Double]) -> QuantileSketch {
            var s = QuantileSketch(wholeNumberSpan: 16)
            xs.withUnsafeBufferPointer { s.add($0.baseAddress!, count: $0.count) }
            return s
        }
        let histogram = sketch(counts)
        XCTAssertFalse(histogram.whole.folded)
        XCTAssertEqual(histogram.whole.counts.count, 15)
        for (name, extra) in [("a wide whole number", [700.0]), ("a fraction", [2.5]), ("a small fraction", [1e-310]),
                              ("both", [-300, 0.25])] {
            let xs = counts + extra
            var single = QuantileSketch(wholeNumberSpan: 16)
            for x in xs { single.add(x) }
            XCTAssertTrue(single.whole.folded, name)
            XCTAssertEqual(single, reference(xs), name)
            XCTAssertEqual(sketch(xs), reference(xs), name)
            XCTAssertEqual(sketch(extra + counts), reference(xs), name)
            // Parts that are each a histogram, merged in any order and grouping.
            let parts = [sketch(Array(counts[0..<1000])), sketch(extra), sketch(Array(counts[1000...]))]
            for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1]] {
                var m = QuantileSketch(wholeNumberSpan: 16)
                for k in order { m.merge(parts[k]) }
                XCTAssertEqual(m, reference(xs), "\(name), order \(order)")
            }
            var ab = parts[0]; ab.merge(parts[1])
            var left = ab; left.merge(parts[2])
            var bc = parts[1]; bc.merge(parts[2])
            var right = parts[0]; right.merge(bc)
            XCTAssertEqual(left, right, name)
            let sorted = xs.sorted()
            for q in [0, 0.1, 0.5, 0.9, 1] {
                let truth = sorted[Int((q * Double(xs.count - 1)).rounded(.down))], got = single.quantile(q)
                XCTAssertLessThanOrEqual(abs(got - truth), 1e-3 * abs(truth), "\(name), q = \(q)")
            }
        }
    }

    /// Merging sketches whose whole numbers fit in the span, in any order and grouping, gives the
    /// sketch of all the values (counted, not folded), and its quantiles are exact.
    func testMergeOfCountsIsExactAndOrderFree() {
        var rng = SplitMix64(seed: 3)
        let xs = (0..<9000).map { _ in Double(Int(rng.next() % 3000)) - 1000 }
        func sketch(_ part: ArraySlice<Double>) -> QuantileSketch {
            var s = QuantileSketch()
            part.withUnsafeBufferPointer { s.add($0.baseAddress!, count: $0.count) }
            return s
        }
        let whole = sketch(xs[...])
        XCTAssertFalse(whole.whole.folded)
        XCTAssertEqual(whole.whole.counts.reduce(0, +), 9000)
        let parts = [sketch(xs[0..<10]), sketch(xs[10..<5000]), sketch(xs[5000..<9000]), QuantileSketch()]
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]] {
            var m = QuantileSketch()
            for k in order { m.merge(parts[k]) }
            XCTAssertEqual(m, whole, "order \(order)")
        }
        let sorted = xs.sorted()
        for q in [0, 0.05, 0.5, 0.95, 1] { XCTAssertEqual(whole.quantile(q), sorted[Int((q * 8999).rounded(.down))]) }
    }

    /// Memory: the counts cover the span of whole numbers seen (at most `wholeNumberSpan`), the same
    /// after 2,000 and 200,000 values; a row whose whole numbers span more keeps none of them apart.
    func testMemoryIsBoundedAndFlatInDraws() {
        var rng = SplitMix64(seed: 5)
        func row(_ n: Int, span: UInt64) -> QuantileSketch {
            let xs = (0..<n).map { k in k < 2 ? (k == 0 ? 100.0 : 100 + Double(span - 1)) : 100 + Double(rng.next() % span) }
            var s = QuantileSketch()
            xs.withUnsafeBufferPointer { s.add($0.baseAddress!, count: $0.count) }
            return s
        }
        let small = row(2_000, span: 4096), large = row(200_000, span: 4096)
        XCTAssertEqual(small.whole.counts.count, 4096)
        XCTAssertEqual(large.whole.counts.count, 4096)
        XCTAssertEqual(large.whole.total, 200_000)
        let wide = row(200_000, span: 4097)
        XCTAssertTrue(wide.whole.folded)
        XCTAssertEqual(wide.whole.counts.count, 0)
        XCTAssertEqual(wide.count, 200_000)
    }

    /// The batch form's whole-number loop against one by one on the values at its edges, each coming
    /// to a histogram of 0 ... 6 (a span of 7) in turn: −0, ±2^50
    /// (the largest counted magnitude), ±(2^50 + 1), ±2^51, ±2^52, ±1.5·2^52, ±2^53, the largest
    /// doubles, infinities, NaN, values a hair off whole numbers, within and beyond the span (a
    /// coarse sketch, 10% accuracy: the buckets span the whole double range).
    func testBatchMatchesOneByOneAtTheEdges() {
        let edges: [Double] = [-0.0, 0, 1, -1, 0x1p50, -0x1p50, 0x1p50 + 1, -0x1p50 - 1, 0x1p51, -0x1p51, 0x1p52, -0x1p52,
                               0x1.8p52, -0x1.8p52, 0x1.8p52 + 2, -0x1.8p52 - 2, 0x1p53, -0x1p53, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, .infinity, -.infinity, .nan, 1.0.nextUp, 2.0.nextDown, 0.5, -0.5,
                               4096, -4096, 1e-300, 5e-324]
        for span in [1, 16, 4096] {
            for (rotation, counts) in zip(0..<edges.count, [40, 41].cycled(edges.count)) {
                // Counts first (a histogram when the edge value comes, first or second of a pair), then every edge.
                let xs = (0..<counts).map { Double($0 % 7) } + Array(edges[rotation...] + edges[..<rotation])
                var one = QuantileSketch(relativeAccuracy: 0.1, wholeNumberSpan: span), row = one   // coarse: the stores span the double range
                for x in xs { one.add(x) }
                xs.withUnsafeBufferPointer { row.add($0.baseAddress!, count: $0.count) }
                XCTAssertEqual(row, one, "span \(span), rotation \(rotation)")
                XCTAssertEqual(one.count + one.nonFinite, Int64(xs.count))
            }
        }
        XCTAssertEqual(QuantileSketch.wholeNumber(-0.0), 0)
        XCTAssertEqual(QuantileSketch.wholeNumber(-0x1p50), -(1 << 50))
        XCTAssertNil(QuantileSketch.wholeNumber(0x1p50 + 1))
        XCTAssertNil(QuantileSketch.wholeNumber(.nan))
        XCTAssertNil(QuantileSketch.wholeNumber(2.5))
    }
}

private extension Array {
    /// The elements repeated to `count` elements.
    func cycled(_ count: Int) -> [Element] { (0..<count).map { self[$0 % self.count] } }
}
