import CoopRandom
import CPhilox
import XCTest

/// The engine's path-year streams: the key from (seed, region) only, the words pinned by
/// `scripts/fixtures/streams.py` (Fixtures/streams.txt, "pathyear" lines), and the batch kernels
/// (`PathYearWords.fill`, the C scalar and AVX2 kernels) equal to the one-stream form bit for bit.
final class PathYearWordsTests: XCTestCase {
    func testPathYearStreamsMatchPinnedVectors() throws {
        let rows = try fixtureLines("streams.txt").filter { $0[0] == "pathyear" }
        XCTAssertEqual(rows.count, 15)
        for row in rows {
            let seed = hex64(row[1]), region = hex64(row[2]), path = hex64(row[3]), year = Int(row[4])!
            let want = row[5...].map(hex64)
            let key = StreamKey.pathYearKey(seed: seed, region: region)
            var stream = RandomStream(philoxKey: key, year: year, path: path)
            XCTAssertEqual((0..<9).map { _ in stream.next() }, want, "seed \(seed), path \(path), year \(year)")
            // The batch form, for a batch that starts at this path.
            let out = UnsafeMutablePointer<UInt64>.allocate(capacity: 9 * 3)
            defer { out.deallocate() }
            PathYearWords.fill(out, stride: 3, words: 9, count: 1, key: key, year: year, firstPath: path)
            XCTAssertEqual((0..<9).map { out[$0 * 3] }, want)
        }
    }

    /// The path-year key is not any equation's key: it is one SplitMix64 round short of `philoxKey`.
    func testPathYearKeyDiffersFromEquationKeys() {
        let region = StreamKey.hash("hcmc")
        let pathYear = StreamKey.pathYearKey(seed: 42, region: region)
        for name in ["", "entries", "exits", "coefficients", "slots"] {
            let k = StreamKey(seed: 42, region: region, path: 0, year: 2024, equation: StreamKey.hash(name)).philoxKey
            XCTAssertNotEqual(k, pathYear, name)
        }
        XCTAssertNotEqual(StreamKey.pathYearKey(seed: 43, region: region), pathYear)
        XCTAssertNotEqual(StreamKey.pathYearKey(seed: 42, region: StreamKey.hash("haiphong")), pathYear)
    }

    /// Every kernel gives `RandomStream(philoxKey:year:path:)`'s words: batch sizes around the
    /// eight-path step (1, 7, 8, 9, 17, 64), odd and even word counts, a stride wider than the batch,
    /// first paths that cross the 32-bit boundary and the top of UInt64, negative years.
    func testKernelsEqualTheOneStreamForm() {
        let key = StreamKey.pathYearKey(seed: 2024, region: StreamKey.hash("Thành phố Hải Phòng"))
        for first: UInt64 in [0, 5, (1 << 32) - 5, UInt64.max - 9] {
            for (n, words, year) in [(1, 1, 2024), (7, 3, -3), (8, 29, 2025), (9, 2, 0), (17, 5, 2030), (64, 4, 2014)] {
                let stride = n + 3
                var want = [UInt64](repeating: 0, count: words * stride)
                for i in 0..<n {
                    var s = RandomStream(philoxKey: key, year: year, path: first &+ UInt64(i))
                    for w in 0..<words { want[w * stride + i] = s.next() }
                }
                let yearWord = UInt32(bitPattern: Int32(year))
                var viaSwift = [UInt64](repeating: 0, count: words * stride)
                viaSwift.withUnsafeMutableBufferPointer {
                    PathYearWords.fill($0.baseAddress!, stride: stride, words: words, count: n, key: key, year: year, firstPath: first)
                }
                XCTAssertEqual(viaSwift, want, "fill: first \(first), n \(n), words \(words)")
                var scalar = [UInt64](repeating: 0, count: words * stride)
                scalar.withUnsafeMutableBufferPointer {
                    coop_philox_words_scalar($0.baseAddress!, stride, Int64(words), Int64(n), key.x, key.y, yearWord, first)
                }
                XCTAssertEqual(scalar, want, "scalar kernel: first \(first), n \(n), words \(words)")
                var avx2 = [UInt64](repeating: 0, count: words * stride)
                let ran = avx2.withUnsafeMutableBufferPointer {
                    coop_philox_words_avx2($0.baseAddress!, stride, Int64(words), Int64(n), key.x, key.y, yearWord, first)
                }
                if ran == 1 {
                    XCTAssertEqual(avx2, want, "AVX2 kernel: first \(first), n \(n), words \(words)")
                } else {
                    XCTAssertEqual(coop_philox_has_avx2(), 0)
                }
            }
        }
    }

    /// A stream started at a later block (the engine's coefficient normals start at block 2^31 + j << 16):
    /// the buffered and the register-sized forms give the same words as skipping the earlier blocks.
    func testStreamsFromALaterBlock() {
        let key = StreamKey.pathYearKey(seed: 3, region: StreamKey.hash("hcmc"))
        for (path, first) in [(UInt64(0), UInt32(0)), (7, 1), ((1 << 32) + 1, 3 << 16)] {
            var skipped = RandomStream(philoxKey: key, year: 0, path: path)
            for _ in 0..<(2 * Int(first)) { _ = skipped.next() }
            let want = (0..<7).map { _ in skipped.next() }
            var buffered = RandomStream(philoxKey: key, year: 0, path: path, firstBlock: first)
            var compact = RandomStream.Compact(philoxKey: key, yearWord: 0, path: path, firstBlock: first)
            XCTAssertEqual((0..<7).map { _ in buffered.next() }, want, "path \(path), block \(first)")
            XCTAssertEqual((0..<7).map { _ in compact.next() }, want, "path \(path), block \(first)")
        }
    }

    /// The batch kernel from a later block (`coop_philox_words_from`, the engine's coefficient words
    /// from block 2^31 + j << 16): batches of 1, 7, 8, 9 and 17 paths (AVX2 eight at a time where the
    /// processor has it, the rest scalar), odd and even word counts, paths across 2^32, equal to
    /// `RandomStream(philoxKey:year:path:firstBlock:)` word for word.
    func testBatchKernelFromALaterBlock() {
        let key = StreamKey.pathYearKey(seed: 9, region: StreamKey.hash("hai phong"))
        let high: UInt32 = 0x8000_0000
        let cases: [(count: Int, words: Int, firstPath: UInt64, block: UInt32)] = [
            (1, 3, 0, high), (7, 4, 5, high | 1 << 16), (8, 5, (1 << 32) - 3, high | 3 << 16), (9, 2, 11, 7),
            (17, 9, 1 << 40, high | 12 << 16),
        ]
        for (count, words, firstPath, block) in cases {
            var out = [UInt64](repeating: 0, count: words * count)
            out.withUnsafeMutableBufferPointer {
                coop_philox_words_from($0.baseAddress, count, Int64(words), Int64(count), key.x, key.y, block, 0, firstPath)
            }
            for i in 0..<count {
                var s = RandomStream(philoxKey: key, year: 0, path: firstPath + UInt64(i), firstBlock: block)
                let want = (0..<words).map { _ in s.next() }
                XCTAssertEqual((0..<words).map { out[$0 * count + i] }, want, "batch \(count), path \(i), block \(block)")
            }
        }
    }
}
