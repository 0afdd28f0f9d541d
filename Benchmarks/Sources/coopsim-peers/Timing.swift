import Foundation
import Glibc

/// Monotonic wall-clock seconds (`CLOCK_MONOTONIC`), for timing one call.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Runs `body` `repeats` times after `warmup` untimed runs and returns the wall seconds of each
/// timed run (the driver takes the median).
func time(repeats: Int, warmup: Int = 1, _ body: () -> Void) -> [Double] {
    for _ in 0..<warmup { body() }
    var out: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        body()
        out.append(now() - t0)
    }
    return out
}

/// User plus system CPU seconds of this process so far, over all its threads (`getrusage`).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Peak resident set size of this process so far, in bytes (`getrusage`, `ru_maxrss` in KiB on Linux).
func peakRSSBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// Reads `count` little-endian doubles from a raw binary file written by peers.py (`ndarray.tofile`).
func readDoubles(_ path: String, count: Int) -> [Double] {
    guard let f = fopen(path, "rb") else { fail("cannot open \(path)") }
    defer { fclose(f) }
    var out = [Double](repeating: 0, count: count)
    let got = out.withUnsafeMutableBytes { fread($0.baseAddress, 8, count, f) }
    if got != count { fail("\(path): expected \(count) doubles, read \(got)") }
    return out
}

/// Reads a JSON object file.
func readJSON(_ path: String) -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path),
          let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        fail("cannot read the JSON object in \(path)")
    }
    return obj
}

/// Writes a JSON object to stdout (the driver parses it).
func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write("\n".data(using: .utf8)!)
}

/// Prints a message to stderr and exits with status 64 (bad usage) or 65 (bad input).
func fail(_ message: String, status: Int32 = 65) -> Never {
    FileHandle.standardError.write("coopsim-peers: \(message)\n".data(using: .utf8)!)
    exit(status)
}

/// Command-line options as `--name value` pairs after the subcommand.
struct Options {
    var values: [String: String] = [:]

    init(_ args: ArraySlice<String>) {
        var it = args.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { fail("unexpected argument \(a)", status: 64) }
            guard let v = it.next() else { fail("\(a) needs a value", status: 64) }
            values[String(a.dropFirst(2))] = v
        }
    }

    func string(_ name: String) -> String {
        guard let v = values[name] else { fail("--\(name) is required", status: 64) }
        return v
    }

    func int(_ name: String, default d: Int? = nil) -> Int {
        if let v = values[name] {
            guard let i = Int(v) else { fail("--\(name): expected an integer, got \(v)", status: 64) }
            return i
        }
        guard let d else { fail("--\(name) is required", status: 64) }
        return d
    }
}
