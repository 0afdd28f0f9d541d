import Foundation

/// One progress bar for a whole `run` or `compare` on standard error, drawn only when it is a
/// terminal: `[#########.....] 45%  scenario 3 of 10  0:12 elapsed, 0:15 left`. The engine reports
/// (blocks done, blocks in total) per engine run (one per scenario for `run`, one for `compare`),
/// runs one after another; the bar weights each by its draws. The line is cleared when the run
/// ends, and on Ctrl-C (SIGINT) before the program exits with status 130.
enum ProgressBar {
    /// `groupDraws`: the draws of each engine run in order (the default: one run, as the decision
    /// commands' experiments report, each from zero); `what` names a run in "scenario 3 of 10".
    static func callback(groupDraws: [Int] = [1], what: String = "run") -> (@Sendable (Int, Int) -> Void)? {
        guard stderrIsTerminal, !groupDraws.isEmpty else { return nil }
        installInterruptHandler()
        let state = ProgressState(groupDraws: groupDraws, what: what)
        return { done, total in state.update(done: done, total: total) }
    }

    /// Clears the bar's line and exits with 130 on SIGINT (the shell's convention for Ctrl-C).
    static func installInterruptHandler() {
        signal(SIGINT) { _ in
            let clear: [UInt8] = [0x0D, 0x1B, 0x5B, 0x4B, 0x0A]   // "\r\u{1B}[K\n"
            _ = clear.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
            _exit(130)
        }
    }
}

/// The bar's state across engine runs (updates arrive serialised from the engine's workers).
final class ProgressState: @unchecked Sendable {
    let groupDraws: [Int]
    let totalDraws: Double
    let what: String
    let start = Date()
    var group = 0
    var lastDone = 0
    var lastDrawn = Date.distantPast
    let lock = NSLock()

    init(groupDraws: [Int], what: String) {
        self.groupDraws = groupDraws
        self.totalDraws = Double(max(groupDraws.reduce(0, +), 1))
        self.what = what
    }

    func update(done: Int, total: Int) {
        lock.lock(); defer { lock.unlock() }
        // A new engine run starts from zero.
        if done < lastDone && group + 1 < groupDraws.count { group += 1 }
        lastDone = done
        let finishedGroup = done >= total
        let before = Double(groupDraws.prefix(group).reduce(0, +))
        let fraction = min(1, (before + Double(groupDraws[group]) * (total > 0 ? Double(done) / Double(total) : 1)) / totalDraws)
        let now = Date()
        let isLast = finishedGroup && group == groupDraws.count - 1
        if finishedGroup && group + 1 < groupDraws.count { group += 1; lastDone = 0 }
        if isLast {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            return
        }
        // At most ten redraws a second.
        guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
        lastDrawn = now
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + Self.line(fraction: fraction, k: group + 1, n: groupDraws.count, what: what,
                                                                     elapsed: now.timeIntervalSince(start))).utf8))
    }

    /// The bar's text: `[###...] 45%  scenario 3 of 10  0:12 elapsed, 0:15 left`.
    static func line(fraction: Double, k: Int, n: Int, what: String, elapsed: Double) -> String {
        let width = 30
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var s = "[\(bar)] \(Int((fraction * 100).rounded(.down)))%"
        if n > 1 { s += "  \(what) \(k) of \(n)" }
        s += "  \(clock(elapsed)) elapsed"
        if fraction > 0.02 && elapsed > 0.5 { s += ", \(clock(elapsed * (1 - fraction) / fraction)) left" }
        return s
    }

    /// Seconds as m:ss (h:mm:ss from an hour).
    static func clock(_ seconds: Double) -> String {
        let t = Int(seconds.rounded())
        let h = t / 3600, m = (t % 3600) / 60, s = t % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
