import Foundation
@testable import CoopModel
import XCTest

final class AccumulatorTests: XCTestCase {
    /// Welford + Chan against the two-pass formula (closed form) on shifted data, merged in blocks.
    func testMomentsMatchTwoPassInBlocks() {
        var g = SystemRandomNumberGenerator()
        let xs = (0..<10_000).map { _ in 1e6 + Double.random(in: -3...3, using: &g) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let m2 = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        var merged = RunningMoments()
        for start in stride(from: 0, to: xs.count, by: 1024) {
            var block = RunningMoments()
            for x in xs[start..<min(xs.count, start + 1024)] { block.add(x) }
            merged.merge(block)
        }
        XCTAssertEqual(merged.count, xs.count)
        XCTAssertEqual(merged.mean, mean, accuracy: 1e-12 * mean)
        XCTAssertEqual(merged.m2 / m2, 1, accuracy: 1e-9)
        XCTAssertEqual(merged.standardError, (m2 / Double(xs.count - 1) / Double(xs.count)).squareRoot(), accuracy: 1e-12)
        var withNaN = RunningMoments()
        withNaN.add(.nan); withNaN.add(1)
        XCTAssertEqual(withNaN.count, 1)
        XCTAssertEqual(withNaN.nonFinite, 1)
    }

    /// DDSketch quantiles are within the stated relative accuracy of the exact order statistic
    /// of rank floor(q (n - 1)), for positive, negative, zero and mixed data.
    func testSketchQuantilesWithinRelativeAccuracy() {
        var g = SystemRandomNumberGenerator()
        let seedNote = "random data; failures print the data set's kind"
        for kind in ["lognormal", "negative", "mixed", "withZeros", "constant"] {
            var xs: [Double] = []
            for _ in 0..<5000 {
                let u = Double.random(in: 0.0001..<1, using: &g)
                switch kind {
                case "lognormal": xs.append(exp(3 * (u - 0.5)) * 700)
                case "negative": xs.append(-exp(8 * u))
                case "mixed": xs.append((u - 0.4) * 1000)
                case "withZeros": xs.append(u < 0.3 ? 0 : u)
                default: xs.append(663)
                }
            }
            var sketch = QuantileSketch()
            for x in xs { sketch.add(x) }
            var batched = QuantileSketch()
            xs.withUnsafeBufferPointer { batched.add($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(batched, sketch, "\(kind): the batch form must give the same sketch")
            let sorted = xs.sorted()
            for q in [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0] {
                let exact = sorted[Int((q * Double(xs.count - 1)).rounded(.down))]
                let got = sketch.quantile(q)
                if exact == 0 { XCTAssertEqual(got, 0, "\(kind) q=\(q) (\(seedNote))"); continue }
                XCTAssertLessThanOrEqual(abs(got - exact) / abs(exact), 1e-3 * (1 + 1e-12), "\(kind) q=\(q) (\(seedNote))")
            }
        }
    }

    /// Small counts: exact order statistics (the sketch is an integer histogram while its values are
    /// whole numbers; WholeNumberSketchTests checks it against numpy).
    func testSketchIsExactOnSmallCounts() {
        var g = SystemRandomNumberGenerator()
        let xs = (0..<4000).map { _ in Double(Int.random(in: 0...450, using: &g)) }
        var sketch = QuantileSketch()
        xs.withUnsafeBufferPointer { sketch.add($0.baseAddress!, count: $0.count) }
        let sorted = xs.sorted()
        for q in stride(from: 0.0, through: 1.0, by: 0.05) {
            XCTAssertEqual(sketch.quantile(q), sorted[Int((q * Double(xs.count - 1)).rounded(.down))], "q = \(q)")
        }
    }

    /// `quantiles(_:)` answers every level from one walk: levels in any order and repeated give,
    /// level by level, the one-level answer, itself within relative accuracy 1e-3 of the order
    /// statistic of rank floor(q (n - 1)) of the sorted values (outside truth), on data of both
    /// signs with zeros.
    func testQuantilesOfManyLevelsInOneWalk() {
        var rng = SplitMix64(seed: 20261130)
        let xs = (0..<6000).map { k -> Double in
            let u = Double(rng.next() >> 11) * 0x1p-53
            return k % 7 == 0 ? 0 : (u - 0.3) * exp(10 * u)
        }
        var sketch = QuantileSketch()
        xs.withUnsafeBufferPointer { sketch.add($0.baseAddress!, count: $0.count) }
        let levels = [0.95, 0, 0.5, 1, 0.05, 0.5, 0.25, 0.999, 0.3]
        let all = sketch.quantiles(levels)
        let sorted = xs.sorted()
        XCTAssertEqual(all.count, levels.count)
        for (q, got) in zip(levels, all) {
            XCTAssertEqual(got.bitPattern, sketch.quantile(q).bitPattern, "q = \(q)")
            let exact = sorted[Int((q * Double(xs.count - 1)).rounded(.down))]
            if exact == 0 { XCTAssertEqual(got, 0, "q = \(q)"); continue }
            XCTAssertLessThanOrEqual(abs(got - exact) / abs(exact), 1e-3 * (1 + 1e-12), "q = \(q)")
        }
        XCTAssertEqual(sketch.quantiles([]), [])
        XCTAssertTrue(QuantileSketch().quantiles([0.1, 0.9]).allSatisfy(\.isNaN))
    }

    /// Merging in any order gives the identical sketch (integer counts), including collapsed stores.
    func testSketchMergeIsOrderIndependent() {
        var g = SystemRandomNumberGenerator()
        let xs = (0..<3000).map { _ in exp(Double.random(in: -30...30, using: &g)) * (Bool.random(using: &g) ? 1 : -1) }
        func sketch(_ part: ArraySlice<Double>) -> QuantileSketch {
            var s = QuantileSketch(relativeAccuracy: 1e-3, maxBuckets: 64)
            for x in part { s.add(x) }
            return s
        }
        let parts = [xs[0..<1000], xs[1000..<2000], xs[2000..<3000]]
        var a = sketch(parts[0]); a.merge(sketch(parts[1])); a.merge(sketch(parts[2]))
        var b = sketch(parts[2]); b.merge(sketch(parts[0])); b.merge(sketch(parts[1]))
        let c = sketch(xs[0..<3000])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, c)
        XCTAssertEqual(a.count, 3000)
        XCTAssertLessThanOrEqual(a.positive.counts.count, 64)
    }

    /// The guarantee of Guides/Engine.md ("Accuracy of the outputs") over wide ranges: every
    /// quantile within relative accuracy 1e-3 of the exact order statistic of rank floor(q (n - 1))
    /// (outside truth: the sorted values), on data spanning 12 to 590 decades, of both signs and
    /// with point masses (60% exact zeros, 10% exactly 1), at 1,000 to 1,000,000 draws, one value
    /// at a time and in the engine's batch form; merged parts in any order give the same sketch.
    func testSketchKeepsRelativeAccuracyOverTheWholeRange() {
        var rng = SplitMix64(seed: 20261129)
        func normal() -> Double {
            let u = Double(rng.next() >> 11 + 1) * 0x1p-53, v = Double(rng.next() >> 11) * 0x1p-53
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        func uniform() -> Double { Double(rng.next() >> 11) * 0x1p-53 }
        let kinds: [(String, () -> Double)] = [
            ("exp(normal(0, 5))", { exp(5 * normal()) }),
            ("±10^U(-8, 8)", { (uniform() < 0.5 ? -1 : 1) * pow(10, 16 * uniform() - 8) }),
            ("zeros, ones and ±10^U(-10, 10)", {
                let u = uniform()
                return u < 0.6 ? 0 : u < 0.7 ? 1 : (u < 0.85 ? -1 : 1) * pow(10, 20 * uniform() - 10)
            }),
            ("±10^U(-290, 300)", { (uniform() < 0.3 ? -1 : 1) * pow(10, 590 * uniform() - 290) }),
        ]
        let levels = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.95, 0.99, 0.999, 1]
        for n in [1_000, 10_000, 100_000, 1_000_000] {
            for (k, (kind, draw)) in kinds.enumerated() where n < 1_000_000 || k < 2 {
                let xs = (0..<n).map { _ in draw() }
                var sketch = QuantileSketch()
                xs.withUnsafeBufferPointer { sketch.add($0.baseAddress!, count: $0.count) }
                if n <= 10_000 {
                    var single = QuantileSketch()
                    for x in xs { single.add(x) }
                    XCTAssertEqual(single, sketch, "\(kind), n = \(n): the batch form must give the same sketch")
                }
                let sorted = xs.sorted()
                XCTAssertGreaterThanOrEqual(log10(sorted.last!) - log10(sorted.first { $0 > 0 }!), 12, kind)
                for q in levels {
                    let exact = sorted[Int((q * Double(n - 1)).rounded(.down))]
                    let got = sketch.quantile(q)
                    if exact == 0 { XCTAssertEqual(got, 0, "\(kind), n = \(n), q = \(q)"); continue }
                    XCTAssertLessThanOrEqual(abs(got - exact) / abs(exact), 1e-3 * (1 + 1e-9),
                                             "\(kind), n = \(n), q = \(q): \(got) against the exact \(exact)")
                }
            }
        }
        // Mergeability: parts merged in two orders and the whole give the identical sketch.
        let xs = (0..<30_000).map { _ in kinds[2].1() }
        func sketch(_ part: ArraySlice<Double>) -> QuantileSketch {
            var s = QuantileSketch()
            part.withUnsafeBufferPointer { s.add($0.baseAddress!, count: $0.count) }
            return s
        }
        let parts = [xs[0..<7_000], xs[7_000..<8_000], xs[8_000..<30_000]]
        var a = sketch(parts[0]); a.merge(sketch(parts[1])); a.merge(sketch(parts[2]))
        var b = sketch(parts[2]); b.merge(sketch(parts[1])); b.merge(sketch(parts[0]))
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, sketch(xs[0..<30_000]))
        XCTAssertEqual(QuantileSketch.buckets(toSpan: 1e-3), QuantileSketch().maxBuckets)
    }

    /// Semidefinite Cholesky: L Lᵀ reproduces A, zero variances give zero columns, an indefinite
    /// matrix is refused with its column.
    func testSemidefiniteCholesky() throws {
        let a: [Double] = [4, 2, 0, 0.4,
                           2, 5, 0, 1,
                           0, 0, 0, 0,
                           0.4, 1, 0, 3]
        let l = try SemidefiniteCholesky.factor(a, dimension: 4).get()
        for i in 0..<4 { for j in 0..<4 {
            var s = 0.0
            for k in 0..<4 { s += l[i * 4 + k] * l[j * 4 + k] }
            XCTAssertEqual(s, a[i * 4 + j], accuracy: 1e-12)
        } }
        XCTAssertEqual(l[2 * 4 + 2], 0)
        switch SemidefiniteCholesky.factor([1, 2, 2, 1], dimension: 2) {
        case .success: XCTFail("an indefinite matrix was factored")
        case .failure(let f): XCTAssertEqual(f.column, 1)
        }
    }
}

final class BlockMomentTreeTests: XCTestCase {
    /// Any split of 13 blocks into consecutive partial trees merges to the identical total, which
    /// agrees with the two-pass moments of all the data (closed form); memory stays at one node per 1-bit.
    func testGroupingDoesNotChangeTheBytes() {
        var g = SystemRandomNumberGenerator()
        let blocks = (0..<13).map { _ in (0..<50).map { _ in Double.random(in: 100...200, using: &g) } }
        func moments(_ b: Int) -> [RunningMoments] {
            var m = RunningMoments()
            for x in blocks[b] { m.add(x) }
            return [m]
        }
        func tree(_ range: Range<Int>) -> BlockMomentTree {
            var t = BlockMomentTree(cells: 1)
            for b in range { t.push(block: b, moments: moments(b)) }
            return t
        }
        let single = tree(0..<13)
        XCTAssertEqual(single.nodes.map(\.level), [3, 2, 0])   // 13 = 8 + 4 + 1
        for cuts in [[5], [1, 2, 3], [7, 8], [4, 8, 12], [3, 6, 9, 11]] {
            let bounds = [0] + cuts + [13]
            var merged = BlockMomentTree(cells: 1)
            for k in 0..<(bounds.count - 1) { merged.absorb(tree(bounds[k]..<bounds[k + 1])) }
            XCTAssertEqual(merged, single, "cuts \(cuts)")
            XCTAssertEqual(merged.total, single.total, "cuts \(cuts)")
        }
        let all = blocks.joined()
        let mean = all.reduce(0, +) / Double(all.count)
        let m2 = all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        XCTAssertEqual(single.total[0].mean, mean, accuracy: 1e-12 * mean)
        XCTAssertEqual(single.total[0].m2, m2, accuracy: 1e-10 * m2)
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator for reproducible test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
