import Foundation
@testable import CoopModel
import CoopData
import XCTest

/// The engine's hot-loop shortcuts must agree exactly with the plain forms they replace.
final class FastPathTests: XCTestCase {
    /// Values around every rounding boundary: whole numbers, halves, their neighbours, negatives,
    /// zeros, huge values and non-finite ones.
    var edgeValues: [Double] {
        var v: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .ulpOfOne, .leastNonzeroMagnitude,
                           0x1p52, 0x1p52 - 0.5, 0x1p52 + 1, 0x1p53, 0x1p62, 0x1p70, 0.49999999999999994, 0.5]
        for k in [0.0, 1, 2, 3, 7, 100, 663, 1e6, 123_456_789] {
            for x in [k, k + 0.5, k - 0.5, k + 0.25, k + 0.75] {
                v += [x, x.nextUp, x.nextDown, -x, -x.nextUp]
            }
        }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 { v.append(Double.random(in: -1e6...1e6, using: &g)) }
        return v
    }

    func testIsCountMatchesTruncationTest() {
        for x in edgeValues {
            XCTAssertEqual(_isCount(x), x >= 0 && x.isFinite && x == x.rounded(.towardZero), "x = \(x)")
        }
    }

    func testRoundedHalfAwayMatchesRounded() {
        for x in edgeValues {
            let want = x.rounded(), got = _roundedHalfAway(x)
            XCTAssert(want.bitPattern == got.bitPattern || (want.isNaN && got.isNaN), "x = \(x): \(got) against \(want)")
        }
    }

    func testCountOutsideMatchesDomainContains() {
        let values = edgeValues
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: values.count)
        defer { buffer.deallocate() }
        buffer.initialize(from: values, count: values.count)
        for domain: NumericDomain in [.real, .positive, .nonNegative, .share, .openShare, .count] {
            XCTAssertEqual(_countOutside(domain, buffer, values.count), values.filter { !domain.contains($0) }.count,
                           "domain \(domain)")
            // Odd and even lengths (the loop takes two values at a time, then the last one alone).
            for n in [0, 1, 2, 3, 37, 38] {
                XCTAssertEqual(_countOutside(domain, buffer, n), values[..<n].filter { !domain.contains($0) }.count,
                               "domain \(domain), first \(n) values")
            }
        }
    }

    func testSketchBucketMatchesCeiling() {
        let multiplier = 1 / log((1 + 1e-3) / (1 - 1e-3))
        for x in edgeValues where x > QuantileSketch.minIndexable && x.isFinite {
            let bits = x.bitPattern
            let e = Int((bits >> 52) & 0x7FF) - 1023
            let m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
            XCTAssertEqual(QuantileSketch.index(x, multiplier: multiplier),
                           Int(((Double(e) + (m - 1)) * multiplier).rounded(.up)), "x = \(x)")
        }
        for v in [-3.0, -2.5, -2, -0.5, -0.0, 0, 0.5, 1, 1.5, 2, 1e5 + 0.5, -1e5 - 0.5, 3.0.nextUp, 3.0.nextDown] {
            XCTAssertEqual(QuantileSketch._ceilToInt(v), Int(v.rounded(.up)), "v = \(v)")
        }
    }

    /// The batch add's ceiling by the 1.5·2^52 rounding trick equals the truncating one (and ⌈v⌉)
    /// on every rounding boundary of the bucket range (|v| up to 2^50) and on random values.
    func testSmallCeilingMatchesCeiling() {
        var values: [Double] = [0, -0.0, 0.5, -0.5, 0x1p-1074, -0x1p-1074, 0x1p50, -0x1p50, 0x1p50 - 0.5, 0x1p49 + 0.5]
        for k in [0.0, 1, 2, 3, 4, 499, 500, 501, 4095, 4096, 511_999, 512_000, 1_000_000, 0x1p40, 0x1p50 - 1] {
            for x in [k, k + 0.5, k - 0.5, k + 0.25, k + 0.75] {
                values += [x, x.nextUp, x.nextDown, -x, -x.nextUp, -x.nextDown]
            }
        }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double.random(in: -6e5...6e5, using: &g)) }
        for _ in 0..<20_000 {
            values.append(Double(sign: Bool.random(using: &g) ? .plus : .minus, exponent: Int.random(in: -1074...49, using: &g),
                                 significand: Double.random(in: 1..<2, using: &g)))
        }
        for v in values {
            XCTAssertEqual(QuantileSketch._ceilToIntSmall(v), QuantileSketch._ceilToInt(v), "v = \(v)")
            XCTAssertEqual(QuantileSketch._ceilToIntSmall(v), Int(v.rounded(.up)), "v = \(v)")
        }
        // Every indexable magnitude's scaled s(x) stays in the trick's range at the default accuracy.
        XCTAssertTrue(QuantileSketch(relativeAccuracy: 1e-3)._smallIndices)
        XCTAssertFalse(QuantileSketch(relativeAccuracy: 1e-15)._smallIndices)
    }

    /// Whole numbers (count metrics) through the batch add, one bucket per value below 1/(2α):
    /// the same sketch as one by one (their span, 0 ... 2^62 + 1, folds the histogram into the
    /// buckets), and every whole number up to 5,000 and at powers of two gets the bucket of the
    /// documented formula.
    func testSketchBucketsOfWholeNumbers() {
        let multiplier = 1 / log((1 + 1e-3) / (1 - 1e-3))
        var whole = (0...5000).map(Double.init)
        for e in 13...62 { let p = Double(sign: .plus, exponent: e, significand: 1); whole += [p - 1, p, p + 1] }
        for x in whole where x > 0 {
            let e = Double(x.exponent), m = x.significand
            XCTAssertEqual(QuantileSketch.index(x, multiplier: multiplier), Int(((e + (m - 1)) * multiplier).rounded(.up)), "x = \(x)")
        }
        var one = QuantileSketch(relativeAccuracy: 1e-3), row = one
        for x in whole { one.add(x) }
        whole.withUnsafeBufferPointer { row.add($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(row, one)
        // A sketch whose accuracy is too fine for the trick takes values one by one: still the same
        // (values within 300·2^-40 of 1: about 140,000 buckets at this accuracy).
        var fineOne = QuantileSketch(relativeAccuracy: 1e-15), fineRow = fineOne
        let some = (0..<300).map { 1 + Double($0) * 0x1p-40 } + [0, 0, 1]
        for x in some { fineOne.add(x) }
        some.withUnsafeBufferPointer { fineRow.add($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(fineRow, fineOne)
    }

    /// Differences (compare's alternative − baseline) mix signs value by value: negative values
    /// whose bucket is in range take the fast loop too. Rows of mixed signs, runs of one sign,
    /// zeros of both signs and values at the indexable bounds: the same sketch as one by one.
    func testSketchRowAddOfMixedSignsMatchesOneByOne() {
        var g = SystemRandomNumberGenerator()
        var one = QuantileSketch(relativeAccuracy: 1e-3), row = one
        for block in 0..<12 {
            var values: [Double] = []
            for i in 0..<1024 {
                let scale = block % 3 == 0 ? 1.0 : block % 3 == 1 ? 1e-6 : 1e9
                switch (block + i / 97) % 4 {
                case 0: values.append(Double.random(in: -50...50, using: &g).rounded() * scale)       // whole differences
                case 1: values.append(Double.random(in: -1...1, using: &g) * scale)                   // mixed signs
                case 2: values.append(-Double.random(in: 0.5...2, using: &g) * scale)                 // a negative run
                default: values.append([0, -0.0, 1e-300, -1e-300, 5e-324, -5e-324, 1, -1][i % 8])
                }
            }
            if block == 7 { values[100] = .nan; values[101] = -.infinity; values[500] = 1e12; values[501] = -1e12 }
            for x in values { one.add(x) }
            values.withUnsafeBufferPointer { row.add($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(row, one, "after block \(block)")
        }
        XCTAssertGreaterThan(one.negative.total, 3000)
        // The indexable bounds of both signs and the largest magnitudes: stores over the whole range.
        let bounds: [Double] = [1e-300.nextUp, -(1e-300.nextUp), 1e-300, -1e-300, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 2e-300, -2e-300, 0, -0.0, .nan]
        var bOne = QuantileSketch(relativeAccuracy: 0.1), bRow = bOne     // about 10,000 buckets per sign
        for x in bounds + bounds { bOne.add(x) }
        (bounds + bounds).withUnsafeBufferPointer { bRow.add($0.baseAddress!, count: $0.count) }
        XCTAssertEqual(bRow, bOne)
    }

    func testSketchRowAddMatchesOneByOne() {
        var g = SystemRandomNumberGenerator()
        // Magnitudes from 1e-300 to 1e300, whole numbers, zeros, negatives and non-finite values.
        var values: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 1e-300, 1e300, .leastNormalMagnitude,
                                .greatestFiniteMagnitude, 1, 2, 3, 663, 1e6]
        for _ in 0..<3000 { values.append(Double(sign: .plus, exponent: Int.random(in: -990...990, using: &g),
                                                 significand: Double.random(in: 1..<2, using: &g))) }
        for _ in 0..<3000 { values.append(Double(Int.random(in: 0...5000, using: &g))) }
        for _ in 0..<500 { values.append(-Double.random(in: 0...100, using: &g)) }
        values.shuffle(using: &g)
        for accuracy in [1e-3, 1e-2] {
            var one = QuantileSketch(relativeAccuracy: accuracy), row = one
            for x in values { one.add(x) }
            values.withUnsafeBufferPointer { row.add($0.baseAddress!, count: $0.count) }
            XCTAssertEqual(row, one, "relative accuracy \(accuracy)")
            // And every bucket index agrees with the documented mapping ceil((e + m - 1) / delta).
            let delta = log((1 + accuracy) / (1 - accuracy))
            for x in values where x > QuantileSketch.minIndexable && x.isFinite {
                let e = Double(x.exponent), m = x.significand
                XCTAssertEqual(QuantileSketch.index(x, multiplier: 1 / delta), Int(((e + (m - 1)) * (1 / delta)).rounded(.up)))
            }
        }
    }

    /// Groups of four rows whose values are all finite take unmasked SIMD passes; a group with a
    /// non-finite value, or whose finite values overflow the sum, takes the masked ones. Either way
    /// each row's moments are the bits of the one-row two-pass form.
    func testMomentRowGroupsMatchTwoPassPerRow() {
        var g = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 3, 37, 1024] {
            let stride = n + 3, rows = 22
            var values = (0..<(rows * stride)).map { _ in Double.random(in: -5...1e3, using: &g) }
            // Rows 0-3: finite random (unmasked). Row 4: whole numbers. Rows 8-11: one NaN, one -inf.
            for i in 0..<n { values[4 * stride + i] = Double(Int.random(in: 0...40, using: &g)) }
            if n > 0 { values[8 * stride + n - 1] = .nan; values[10 * stride] = -.infinity }
            // Rows 12-15: finite values whose sum overflows to +inf in row 13 (masked: the same inf).
            for i in 0..<n { values[13 * stride + i] = .greatestFiniteMagnitude / 2 }
            // Rows 16-19: negative zeros and a constant row (m2 exactly 0).
            for i in 0..<n { values[16 * stride + i] = -0.0; values[17 * stride + i] = 0.1 }
            // Values past n in each row's stride are never read: make them NaN.
            for r in 0..<rows { for i in n..<stride { values[r * stride + i] = .nan } }
            let out = UnsafeMutablePointer<RunningMoments>.allocate(capacity: rows)
            defer { out.deallocate() }
            out.initialize(repeating: RunningMoments(), count: rows)
            values.withUnsafeBufferPointer { v in
                RunningMoments.twoPass(rows: rows, values: v.baseAddress!, stride: stride, count: n, into: out)
                for r in 0..<rows {
                    let want = RunningMoments(twoPass: v.baseAddress! + r * stride, count: n)
                    XCTAssertEqual(out[r].count, want.count, "row \(r), n = \(n)")
                    XCTAssertEqual(out[r].nonFinite, want.nonFinite, "row \(r), n = \(n)")
                    XCTAssertEqual(out[r].mean.bitPattern, want.mean.bitPattern, "row \(r), n = \(n)")
                    XCTAssertEqual(out[r].m2.bitPattern, want.m2.bitPattern, "row \(r), n = \(n)")
                }
            }
        }
    }

    func testMomentRowsMatchTwoPassPerRow() {
        var g = SystemRandomNumberGenerator()
        let n = 37, stride = 40
        for rows in [0, 1, 3, 4, 5, 9] {
            var values = (0..<(rows * stride)).map { _ in Double.random(in: -5...1e3, using: &g) }
            if rows > 2 { values[stride + 3] = .nan; values[2 * stride] = .infinity }
            if rows > 4 { for i in 0..<n { values[4 * stride + i] = .nan } }   // a row with no finite value
            if rows > 5 { for i in 0..<n { values[5 * stride + i] = -0.0 } }   // negative zeros
            let out = UnsafeMutablePointer<RunningMoments>.allocate(capacity: max(1, rows))
            defer { out.deallocate() }
            out.initialize(repeating: RunningMoments(), count: max(1, rows))
            values.withUnsafeBufferPointer { v in
                RunningMoments.twoPass(rows: rows, values: v.baseAddress!, stride: stride, count: n, into: out)
                for r in 0..<rows {
                    let want = RunningMoments(twoPass: v.baseAddress! + r * stride, count: n)
                    XCTAssertEqual(out[r], want, "row \(r) of \(rows)")
                    XCTAssertEqual(out[r].mean.bitPattern, want.mean.bitPattern, "row \(r) of \(rows)")
                    XCTAssertEqual(out[r].m2.bitPattern, want.m2.bitPattern, "row \(r) of \(rows)")
                }
            }
        }
    }
}
