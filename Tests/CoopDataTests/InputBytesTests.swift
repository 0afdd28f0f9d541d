import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import CoopData

/// `InputFile.readBytes` (a file read straight into a buffer of its own, large ones in 2 MiB
/// pages) and the CSV reader's blocks of rows appended to the final columns.
final class InputBytesTests: XCTestCase {
    func temporaryPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coopsim-inputbytes-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func randomBytes(_ n: Int, seed: UInt64) -> [UInt8] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    }

    /// A 5 MiB + 3 bytes file (a mapped buffer) and a 10 kB one (malloc): every byte, then zeros.
    func testFilesAreReadWholeWithZeroPadding() throws {
        for n in [5 * 1024 * 1024 + 3, 10_000, 0] {
            let bytes = randomBytes(n, seed: UInt64(n))
            let path = temporaryPath("f\(n).bin")
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let read = try InputFile.readBytes(path)
            XCTAssertEqual(read.count, n)
            XCTAssertTrue(Array(read.buffer) == bytes, "\(n) bytes")
            for k in 0..<InputBytes.padding { XCTAssertEqual(read.pointer[n + k], 0) }
            XCTAssertEqual(try InputFile.read(path), bytes)
        }
    }

    /// A pipe longer than the first 1 MiB block: the buffer grows and keeps every byte.
    func testPipeGrowsPastTheFirstBlock() throws {
        let path = temporaryPath("pipe")
        unlink(path)
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let bytes = randomBytes(3 * 1024 * 1024 + 17, seed: 7)
        let writer = Thread {
            let fd = open(path, O_WRONLY)
            var off = 0
            bytes.withUnsafeBufferPointer { b in
                while off < b.count {
                    let w = write(fd, b.baseAddress! + off, Swift.min(65536, b.count - off))
                    if w <= 0 { break }
                    off += w
                }
            }
            close(fd)
        }
        writer.start()
        let read = try InputFile.readBytes(path)
        XCTAssertEqual(read.count, bytes.count)
        XCTAssertTrue(Array(read.buffer) == bytes)
        for k in 0..<InputBytes.padding { XCTAssertEqual(read.pointer[read.count + k], 0) }
    }

    /// 10,000 rows: several full blocks of rows appended to the columns, a column that becomes
    /// text after two blocks, and a first row much longer than the others (the arrays' reserved
    /// room is too small and they grow). Same table as the general path's (every cell quoted).
    func testBlocksOfRowsAgreeWithTheGeneralPath() throws {
        var g = SplitMix64(seed: 2026)
        // The first row four times as long as the others (60-digit cells): a low guess of rows.
        let long = "1." + String(repeating: "0", count: 57) + "1"
        var plain = "a,b,c,d\n\(long),1,\(long),\(long)\n"
        var quoted = "a,b,c,d\n\"\(long)\",\"1\",\"\(long)\",\"\(long)\"\n"
        for r in 1..<10_000 {
            let a = String(Double(Int64(bitPattern: g.next() >> 11)) * 0x1p-40)
            let b = String(r + 1)
            let c = r == 9_000 ? "n/a" : String(format: "%.17g", Double(g.next() >> 11) * 0x1p-53)
            let d = String(Double(g.next() >> 11) * 0x1p-53 * 1e300)
            plain += "\(a),\(b),\(c),\(d)\n"
            quoted += "\"\(a)\",\"\(b)\",\"\(c)\",\"\(d)\"\n"
        }
        let fast = try CSVReader.parse(text: plain, source: "plain.csv")
        let general = try CSVReader.parse(text: quoted, source: "quoted.csv")
        XCTAssertEqual(fast, DataTable(names: general.names, columns: general.columns, source: "plain.csv", rowLines: general.rowLines))
        XCTAssertEqual(fast.rowCount, 10_000)
        guard case .text(let c)? = fast["c"], case .numeric(let b)? = fast["b"] else { return XCTFail("c is text, b numeric") }
        XCTAssertEqual(c[9_000], "n/a")
        XCTAssertEqual(b, (1...10_000).map(Double.init))
        // Read from a file too (the buffer of readBytes).
        let path = temporaryPath("blocks.csv")
        FileManager.default.createFile(atPath: path, contents: Data(plain.utf8))
        XCTAssertEqual(try CSVReader.read(path: path).columns, fast.columns)
        XCTAssertEqual(try CSVDialect.read(path: path).table.columns, fast.columns)
    }
}
