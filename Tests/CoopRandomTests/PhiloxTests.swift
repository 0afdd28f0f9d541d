import CoopRandom
import XCTest

/// Known-answer tests for Philox4x32-10 and the keyed-stream mapping.
/// Fixtures: scripts/fixtures/philox.py (Random123 kat_vectors + randomgen) and
/// scripts/fixtures/streams.py (the documented key-to-counter mapping).
final class PhiloxTests: XCTestCase {
    func testRandom123KnownAnswers() {
        // Random123 kat_vectors, philox4x32 10 rounds, quoted in the brief and the paper's kit.
        XCTAssertEqual(Philox4x32x10.block(counter: SIMD4(0, 0, 0, 0), key: SIMD2(0, 0)),
                       SIMD4(0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
        XCTAssertEqual(Philox4x32x10.block(counter: SIMD4(repeating: .max), key: SIMD2(repeating: .max)),
                       SIMD4(0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
        XCTAssertEqual(Philox4x32x10(key: SIMD2(0xA409_3822, 0x299F_31D0))
                        .block(SIMD4(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344)),
                       SIMD4(0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
    }

    func testFixtureVectors() throws {
        let rows = try fixtureLines("philox4x32_10.txt")
        XCTAssertGreaterThanOrEqual(rows.count, 45)
        for row in rows {
            XCTAssertEqual(row.count, 10)
            let w = row.map(hex32)
            let got = Philox4x32x10.block(counter: SIMD4(w[0], w[1], w[2], w[3]), key: SIMD2(w[4], w[5]))
            XCTAssertEqual(got, SIMD4(w[6], w[7], w[8], w[9]), "counter/key \(row[0..<6].joined(separator: " "))")
        }
    }

    func testNameHashes() throws {
        let rows = try fixtureLines("streams.txt").filter { $0[0] == "hash" }
        XCTAssertEqual(rows.count, 11)
        for row in rows {
            let bytes: [UInt8] = row[1] == "-" ? [] : stride(from: 0, to: row[1].count, by: 2).map {
                let s = row[1].index(row[1].startIndex, offsetBy: $0)
                return UInt8(row[1][s..<row[1].index(s, offsetBy: 2)], radix: 16)!
            }
            let name = String(decoding: bytes, as: UTF8.self)
            XCTAssertEqual(StreamKey.hash(name), hex64(row[3]), "name \(name)")
        }
        XCTAssertNotEqual(StreamKey.hash("hcmc"), StreamKey.hash("hcmc "))
    }

    func testStreamMappingIsPinned() throws {
        let rows = try fixtureLines("streams.txt").filter { $0[0] == "stream" }
        XCTAssertEqual(rows.count, 15)
        for row in rows {
            let key = StreamKey(seed: hex64(row[1]), region: hex64(row[2]), path: hex64(row[3]),
                                year: Int(row[4])!, equation: hex64(row[5]))
            var s = RandomStream(key: key)
            let got = (0..<9).map { _ in s.next() }
            XCTAssertEqual(got, row[6...].map(hex64), "key \(key)")
        }
    }

    func testSameKeySameStreamAndCopiesFork() {
        let key = StreamKey(seed: 9, region: StreamKey.hash("hcmc"), path: 3, year: 2030,
                            equation: StreamKey.hash("entries"))
        var a = RandomStream(key: key)
        var b = RandomStream(key: key)
        let first = (0..<1001).map { _ in a.next() }
        XCTAssertEqual(first, (0..<1001).map { _ in b.next() })
        var c = a // a copy continues identically
        XCTAssertEqual((0..<10).map { _ in a.next() }, (0..<10).map { _ in c.next() })
    }

    func testDifferentKeysGiveDifferentStreams() {
        let base = StreamKey(seed: 1, region: 2, path: 3, year: 2024, equation: 4)
        var variants = [base]
        for delta: UInt64 in [1, 1 << 32, 1 << 63] {
            var k = base; k.seed ^= delta; variants.append(k)
            k = base; k.region ^= delta; variants.append(k)
            k = base; k.path ^= delta; variants.append(k)
            k = base; k.equation ^= delta; variants.append(k)
        }
        for y in [2023, 2025, -2024] { var k = base; k.year = y; variants.append(k) }
        // Swapped parts must not collide either.
        variants.append(StreamKey(seed: 2, region: 1, path: 3, year: 2024, equation: 4))
        variants.append(StreamKey(seed: 1, region: 4, path: 3, year: 2024, equation: 2))
        var seen = [[UInt64]: StreamKey]()
        var firstWords = Set<UInt64>()
        for k in variants {
            var s = RandomStream(key: k)
            let draws = (0..<8).map { _ in s.next() }
            XCTAssertNil(seen[draws], "keys \(k) and \(String(describing: seen[draws])) share a stream")
            seen[draws] = k
            for d in draws { firstWords.insert(d) }
        }
        // 64-bit draws from independent streams: any repeat would be a 1-in-2^50 event.
        XCTAssertEqual(firstWords.count, variants.count * 8)
    }

    func testStreamsAreUncorrelatedAcrossNeighbouringPaths() {
        // Correlation of uniforms between path i and path i+1 (same seed, year, equation):
        // with 20,000 pairs the standard error is 1/sqrt(20000) = 0.0071; flag beyond 5 SE.
        let n = 20_000
        var sxy = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0
        for i in 0..<n {
            var a = RandomStream(key: StreamKey(seed: 5, region: 1, path: UInt64(i), year: 2024, equation: 1))
            var b = RandomStream(key: StreamKey(seed: 5, region: 1, path: UInt64(i + 1), year: 2024, equation: 1))
            let x = a.nextUniform(), y = b.nextUniform()
            sx += x; sy += y; sxy += x * y; sxx += x * x; syy += y * y
        }
        let nn = Double(n)
        let r = (sxy - sx * sy / nn) / ((sxx - sx * sx / nn) * (syy - sy * sy / nn)).squareRoot()
        XCTAssertLessThan(abs(r), 5 / nn.squareRoot(), "seed 5: correlation \(r)")
    }

    func testUniformIsOpenWith53Bits() {
        XCTAssertEqual(RandomStream.uniform(0), 0x1p-54)
        XCTAssertEqual(RandomStream.uniform((1 << 11) - 1), 0x1p-54)
        XCTAssertEqual(RandomStream.uniform(1 << 11), 0x1p-53)
        XCTAssertEqual(RandomStream.uniform(.max), 1 - 0x1p-53)
        XCTAssertLessThan(RandomStream.uniform(.max), 1)
        XCTAssertEqual(RandomStream.uniform(1 << 63), 0.5)
        XCTAssertEqual(RandomStream.uniform(0x8000_0000_0000_0800), 0.5 + 0x1p-53) // last bit counts
        var s = RandomStream(key: StreamKey(seed: 11, region: 0, path: 0, year: 0, equation: 0))
        var mean = 0.0
        for _ in 0..<100_000 {
            let u = s.nextUniform()
            XCTAssert(u > 0 && u < 1)
            mean += u
        }
        mean /= 100_000
        // SE of the mean of U(0,1) with 1e5 draws: 0.000913; 5 SE.
        XCTAssertEqual(mean, 0.5, accuracy: 5 * 0.000913, "seed 11")
    }

    func testPathBatchMatchesSingleStreams() {
        let key = StreamKey(seed: 3, region: 8, path: 100, year: 2026, equation: 2)
        var batch = [Double](repeating: 0, count: 37)
        RandomStream.fill(&batch, paths: key) { i, s in s.nextUniform() + Double(i) }
        for i in 0..<37 {
            var s = RandomStream(key: key.withPath(100 + UInt64(i)))
            XCTAssertEqual(batch[i], s.nextUniform() + Double(i))
        }
        var raw = [Double](repeating: 0, count: 37)
        raw.withUnsafeMutableBufferPointer { RandomStream.fill($0, paths: key) { i, s in s.nextUniform() + Double(i) } }
        XCTAssertEqual(raw, batch)
    }
}
