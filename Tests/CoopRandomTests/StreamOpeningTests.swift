import CoopRandom
import XCTest

/// The engine's fast ways to open streams (`RandomStream.open`, `init(key:philoxKey:)`) must give the
/// pinned streams of `scripts/fixtures/streams.py` (Fixtures/streams.txt), bit for bit.
final class StreamOpeningTests: XCTestCase {
    func testHoistedKeyAndOpenedStreamsMatchPinnedVectors() throws {
        let rows = try fixtureLines("streams.txt").filter { $0[0] == "stream" }
        XCTAssertEqual(rows.count, 15)
        for row in rows {
            let key = StreamKey(seed: hex64(row[1]), region: hex64(row[2]), path: hex64(row[3]),
                                year: Int(row[4])!, equation: hex64(row[5]))
            let want = row[6...].map(hex64)
            var hoisted = RandomStream(key: key, philoxKey: key.philoxKey)
            XCTAssertEqual((0..<9).map { _ in hoisted.next() }, want, "init(key:philoxKey:), key \(key)")
            let streams = UnsafeMutablePointer<RandomStream>.allocate(capacity: 3)
            defer { streams.deallocate() }
            RandomStream.open(streams, count: 3, paths: key)
            XCTAssertEqual((0..<9).map { _ in streams[0].next() }, want, "open, key \(key)")
            var compact = RandomStream.Compact(key: key)
            XCTAssertEqual((0..<9).map { _ in compact.next() }, want, "Compact, key \(key)")
        }
    }

    func testOpenedStreamsEqualKeyedStreamsAcrossPathsAndWords() {
        // Paths that cross a 32-bit boundary and the top of UInt64 (the counter's high word changes).
        for first: UInt64 in [0, 5, (1 << 32) - 3, UInt64.max - 2] {
            let key = StreamKey(seed: 11, region: StreamKey.hash("hcmc"), path: first, year: -3, equation: StreamKey.hash("exits"))
            let n = 6
            let streams = UnsafeMutablePointer<RandomStream>.allocate(capacity: n)
            defer { streams.deallocate() }
            RandomStream.open(streams, count: n, paths: key)
            for i in 0..<n {
                var plain = RandomStream(key: key.withPath(first &+ UInt64(i)))
                // 11 draws: the opened first block, then two refills of two blocks.
                XCTAssertEqual((0..<11).map { _ in streams[i].next() }, (0..<11).map { _ in plain.next() },
                               "path \(first &+ UInt64(i))")
            }
        }
    }

    /// The register-sized stream the evaluator opens where it draws: the same words as `RandomStream`
    /// for any key, path (across the 32-bit boundary and the top of UInt64), year (negative too)
    /// and number of draws (odd and even, past several blocks).
    func testCompactStreamEqualsKeyedStream() {
        for first: UInt64 in [0, 5, (1 << 32) - 1, UInt64.max - 1] {
            for year in [-3, 0, 2024] {
                let key = StreamKey(seed: 7, region: StreamKey.hash("hcmc"), path: first, year: year, equation: StreamKey.hash("entries"))
                for draws in [1, 2, 3, 4, 5, 13] {
                    var plain = RandomStream(key: key)
                    var compact = RandomStream.Compact(philoxKey: key.philoxKey,
                                                       yearWord: UInt32(bitPattern: Int32(year)), path: first)
                    XCTAssertEqual((0..<draws).map { _ in compact.next() }, (0..<draws).map { _ in plain.next() },
                                   "path \(first), year \(year), \(draws) draws")
                }
            }
        }
    }
}
