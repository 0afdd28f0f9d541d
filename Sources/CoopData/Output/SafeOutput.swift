#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// File-system steps that never destroy what coopsim did not write (Guides/Outputs.md, "How
/// outputs are written"). Written with POSIX calls rather than Foundation's file manager because
/// the rules need what it hides: `lstat` (a symbolic link is not its target), `O_NONBLOCK` opens
/// (a FIFO with no reader), `flock` and `renameat2(RENAME_EXCHANGE)` (an atomic swap of two
/// folders, Linux 3.15+).
///
/// - A symbolic link given as an output is followed: its final target is written (a loop or a
///   dangling chain is refused); the link itself is never replaced.
/// - An existing FIFO, character device or socket is written as a stream (`/dev/null`,
///   `/dev/stdout`); a FIFO with no reader is refused rather than waited on.
/// - An existing regular file is replaced only when coopsim wrote it (`isCoopsimOutput`: the mark
///   every single-file output carries, or the very bytes about to be written); any other file is
///   refused with `OutputError` (`isUsage`, exit 64) and left byte for byte as it was. Writers that
///   prove ownership otherwise (a folder's own list of the files it owns) say `.ownedByCaller`.
/// - A regular file is written atomically: into `.NAME.coopsim-tmp-PID` beside it, flushed, then
///   renamed onto NAME; a failure leaves NAME as it was and no temporary.
/// - Temporaries of coopsim processes that no longer run (`.NAME.coopsim-tmp-PID` with a dead PID)
///   are removed by name before writing beside them; nothing else is ever removed.
/// - Parent folders that do not exist are created, and removed again if the write fails.
public enum SafeOutput {
    /// The marker in every temporary's name: `.NAME` + marker + `PID` (+ optional suffix).
    public static let temporaryMarker = ".coopsim-tmp-"

    /// The kind of what a path names, without following a final symbolic link.
    public enum Kind: Equatable, Sendable {
        case missing, regular, folder, symlink, fifo, device, socket, other
    }

    public static func kind(_ path: String) -> Kind {
        var st = stat()
        if lstat(path, &st) != 0 { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .folder
        case S_IFLNK: return .symlink
        case S_IFIFO: return .fifo
        case S_IFCHR, S_IFBLK: return .device
        case S_IFSOCK: return .socket
        default: return .other
        }
    }

    /// Follows `path` through symbolic links (each link's target read relative to its folder) to
    /// the path that is not a link: that file, or a missing name. Throws `OutputError` naming the
    /// option's path for a loop (more than 40 links, as the kernel's own limit).
    public static func resolve(_ path: String) throws(OutputError) -> String {
        var current = path
        for _ in 0..<40 {
            guard kind(current) == .symlink else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw OutputError(path: path, reason: "cannot read the symbolic link \(current): \(errnoText())") }
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : SafeOutput.join(SafeOutput.folder(of: current), target)
            if SafeOutput.folder(of: current).isEmpty { current = "./" + current }
        }
        throw OutputError(path: path, reason: "it is a symbolic link in a loop (more than 40 links without reaching a file)",
                          hint: "point the link at a file, or give another path", isUsage: true)
    }

    /// Which existing regular file `write` may replace.
    public enum Replacing: Sendable {
        /// Only a file that `isCoopsimOutput` recognises (every single-file output: reports,
        /// notebooks, workbooks, calibrations, charts).
        case coopsimOutputOnly
        /// The caller has established that coopsim owns the path (a folder's list of its own
        /// files: `.coopsim-figures`, a batch folder that holds only a batch's entries).
        case ownedByCaller
    }

    /// Writes `bytes` to `path` by the rules above. Throws `OutputError` (`isUsage` for a path
    /// that names a folder, a FIFO with no reader or a file coopsim did not write, which the user
    /// must change).
    public static func write(_ bytes: [UInt8], to path: String, replacing: Replacing = .coopsimOutputOnly) throws(OutputError) {
        let target = try resolve(path)
        switch kind(target) {
        case .folder:
            throw OutputError(path: path, reason: "it is a folder", hint: "give a file name", isUsage: true)
        case .fifo, .device, .socket, .other:
            try stream(bytes, to: target, shown: path)
            return
        case .regular:
            if replacing == .coopsimOutputOnly { try refuseForeign(target, replacingWith: bytes, shown: path) }
        case .missing, .symlink:
            break
        }
        let parent = SafeOutput.folder(of: target)
        let created = try makeParents(parent.isEmpty ? "." : parent, shown: path)
        let name = SafeOutput.name(of: target)
        removeStaleTemporaries(in: parent.isEmpty ? "." : parent, for: name)
        let temp = temporaryPath(for: target)
        do throws(OutputError) {
            try writeNew(bytes, to: temp, shown: path)
            if rename(temp, target) != 0 {
                let e = errno
                unlink(temp)
                throw OutputError(path: path, reason: OutputFile.reason(target, errnoCode: e))
            }
        } catch {
            for folder in created.reversed() { rmdir(folder) }
            throw error
        }
    }

    // MARK: Recognising coopsim's own files

    /// The marks that make a file recognisably coopsim's output, each written by exactly one kind
    /// of output (Guides/Outputs.md, "Files coopsim replaces"):
    /// - HTML report: `<meta name="generator" content="coopsim ...">` in the head;
    /// - SVG chart: an `<svg ...>` root of class `coopsim-chart`;
    /// - Markdown report: the last line `<!-- generator: coopsim ... -->` (`markdownMark`);
    /// - notebook: `"coopsim": {"generator": "coopsim report", ...}` in its metadata;
    /// - workbook: the zip archive comment `coopsim workbook` (`workbookMark`);
    /// - calibration TOML: a second line `# Written by coopsim ...`.
    /// A file with none of them is still replaced when it holds exactly the bytes about to be
    /// written (nothing is lost: a re-run of `synth` with the same seed).
    public static let markdownMark = "<!-- generator: coopsim report -->"
    public static let workbookMark = "coopsim workbook"

    /// Whether the regular file at `path` carries one of coopsim's marks (see above). Reads at
    /// most its first and last 16 KiB.
    public static func isCoopsimOutput(_ path: String) -> Bool { outputKind(path) != nil }

    /// The kind of coopsim output whose mark the regular file at `path` carries ("html", "svg",
    /// "markdown", "notebook", "workbook", "calibration"), or nil.
    static func outputKind(_ path: String) -> String? {
        guard let (head, tail) = headAndTail(path, window: 16_384) else { return nil }
        return outputKind(head: head, tail: tail)
    }

    /// The kind of coopsim output whose mark `head` and `tail` (a file's first and last 16 KiB) carry.
    /// A notebook is JSON with an `nbformat` key and `"generator": "coopsim report"` exactly (a
    /// user's JSON that mentions "coopsim-like" is not one).
    static func outputKind(head: [UInt8], tail: [UInt8]) -> String? {
        let h = String(decoding: head, as: UTF8.self), t = String(decoding: tail, as: UTF8.self)
        if h.hasPrefix("<!DOCTYPE html"), h.contains("<meta name=\"generator\" content=\"coopsim") { return "html" }
        if h.hasPrefix("<svg"), let end = h.firstIndex(of: ">"), h[..<end].contains("class=\"coopsim-chart") { return "svg" }
        if t.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(markdownMark) { return "markdown" }
        if h.hasPrefix("{"), t.contains("\"generator\": \"coopsim report\""), (h + t).contains("\"nbformat\"") { return "notebook" }
        if let comment = zipComment(tail), comment == Array(workbookMark.utf8) { return "workbook" }
        let lines = h.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        if lines.count > 1, lines[0].hasPrefix("# "), lines[1].hasPrefix("# Written by coopsim") { return "calibration" }
        return nil
    }

    /// The comment of a zip archive whose end-of-central-directory record ends `tail`, or nil.
    static func zipComment(_ tail: [UInt8]) -> [UInt8]? {
        guard tail.count >= 22 else { return nil }
        // The record: signature 50 4b 05 06, 16 bytes, comment length (2 bytes, little-endian), comment.
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4b, tail[i + 2] == 0x05, tail[i + 3] == 0x06 {
                let n = Int(tail[i + 20]) | Int(tail[i + 21]) << 8
                if i + 22 + n == tail.count { return Array(tail[(i + 22)...]) }
            }
            i -= 1
        }
        return nil
    }

    /// `zip` with its archive comment set to `comment` (a zip whose record has no comment, as
    /// libxlsxwriter writes it); any other bytes are returned unchanged.
    public static func settingZipComment(_ zip: [UInt8], _ comment: String) -> [UInt8] {
        let c = Array(comment.utf8)
        guard zip.count >= 22, c.count < 65_536 else { return zip }
        let i = zip.count - 22
        guard zip[i] == 0x50, zip[i + 1] == 0x4b, zip[i + 2] == 0x05, zip[i + 3] == 0x06,
              zip[i + 20] == 0, zip[i + 21] == 0 else { return zip }
        var out = zip
        out[i + 20] = UInt8(c.count & 0xff); out[i + 21] = UInt8(c.count >> 8)
        return out + c
    }

    /// The first and last `window` bytes of a regular file (overlapping for a small one).
    static func headAndTail(_ path: String, window: Int) -> ([UInt8], [UInt8])? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        let size = Int(st.st_size)
        func read(at offset: Int, _ count: Int) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: count)
            let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, count, off_t(offset)) }
            return n > 0 ? Array(b[0..<n]) : []
        }
        let head = read(at: 0, min(window, size))
        let tail = size <= window ? head : read(at: size - window, window)
        return (head, tail)
    }

    /// Throws unless the regular file `target` is coopsim's output of the same kind as `bytes` (an
    /// HTML report over an HTML report, never a report over a calibration: `outputKind`) or holds
    /// `bytes` already.
    static func refuseForeign(_ target: String, replacingWith bytes: [UInt8], shown: String) throws(OutputError) {
        let window = 16_384
        let existing = outputKind(target)
        let writing = outputKind(head: Array(bytes.prefix(window)), tail: Array(bytes.suffix(window)))
        if let existing, existing == writing { return }
        var st = stat()
        if stat(target, &st) == 0, Int(st.st_size) == bytes.count,
           let data = FileManager.default.contents(atPath: target), data.elementsEqual(bytes) { return }
        let size = stat(target, &st) == 0 ? Int(st.st_size) : 0
        let link = target == shown ? "" : "; the link leads to \(target)"
        if let existing {
            throw OutputError(path: shown,
                              reason: "expected a new file or one coopsim wrote of the same kind (\(writing ?? "output")), found coopsim's \(existing) (another kind of file: it would be lost\(link))",
                              hint: "give another path; coopsim replaces its own output only with the same kind of output", isUsage: true)
        }
        throw OutputError(path: shown,
                          reason: "expected a new file or one coopsim wrote, found a file coopsim did not write (\(size) bytes, without coopsim's mark\(link))",
                          hint: "move or rename it, or give another path; coopsim never replaces files it did not write", isUsage: true)
    }

    /// `.NAME.coopsim-tmp-PID` beside `path`.
    public static func temporaryPath(for path: String, suffix: String = "") -> String {
        let parent = SafeOutput.folder(of: path)
        let name = "." + SafeOutput.name(of: path) + temporaryMarker + String(getpid()) + suffix
        return parent.isEmpty ? name : SafeOutput.join(parent, name)
    }

    /// Writes a new file exclusively (O_EXCL: never through an existing name), flushed to disk.
    public static func writeNew(_ bytes: [UInt8], to path: String, shown: String) throws(OutputError) {
        unlink(path)   // only ever a temporary name of this process
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: shown, reason: OutputFile.reason(path, errnoCode: errno)) }
        var failure: Int32 = 0
        if !writeAll(fd, bytes) { failure = errno }
        if failure == 0 && fsync(fd) != 0 && errno != EINVAL { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(path)
            throw OutputError(path: shown, reason: OutputFile.reason(path, errnoCode: failure))
        }
    }

    /// Writes to an existing FIFO, device or socket without replacing it; a FIFO with no reader
    /// is refused (opening it would wait for one forever).
    static func stream(_ bytes: [UInt8], to target: String, shown: String) throws(OutputError) {
        let fd = open(target, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENXIO {
                throw OutputError(path: shown, reason: "it is a FIFO (named pipe) that no process is reading",
                                  hint: "start the reader first, or give a file name", isUsage: true)
            }
            throw OutputError(path: shown, reason: OutputFile.reason(target, errnoCode: errno))
        }
        defer { close(fd) }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        if !writeAll(fd, bytes) { throw OutputError(path: shown, reason: OutputFile.reason(target, errnoCode: errno)) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; return false }
                off += n
            }
            return true
        }
    }

    /// Creates the missing folders of `folder`, returning those it created (outermost first), so
    /// that a failed write can remove them again. A non-folder in the way is an `OutputError`.
    public static func makeParents(_ folder: String, shown: String) throws(OutputError) -> [String] {
        var missing: [String] = []
        var p = folder
        while !p.isEmpty && p != "/" && p != "." {
            let k = kind(p)
            if k == .folder { break }
            if k == .symlink, (try? resolve(p)).map({ kind($0) == .folder }) == true { break }
            if k != .missing {
                throw OutputError(path: shown, reason: "\(p) is \(describe(k)), not a folder")
            }
            missing.append(p)
            p = SafeOutput.folder(of: p)
        }
        var created: [String] = []
        for f in missing.reversed() {
            if mkdir(f, 0o755) != 0 && errno != EEXIST {
                let e = errno
                for c in created.reversed() { rmdir(c) }
                throw OutputError(path: shown, reason: OutputFile.reason(SafeOutput.join(f, "x"), errnoCode: e))
            }
            created.append(f)
        }
        return created
    }

    /// Removes `.NAME.coopsim-tmp-PID*` entries in `folder` whose process no longer runs (files,
    /// and folders with their contents: only ever written by coopsim). With `name` nil, those of every NAME.
    /// Returns what it removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String, for name: String?) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var removed: [String] = []
        for e in entries {
            guard let pid = stalePID(e, name: name), !isRunning(pid) else { continue }
            let p = SafeOutput.join(folder, e)
            if (try? FileManager.default.removeItem(atPath: p)) != nil { removed.append(p) }
        }
        return removed
    }

    /// The PID in a temporary's name `.NAME.coopsim-tmp-PID[-suffix]`, or nil when `entry` is not one.
    public static func stalePID(_ entry: String, name: String?) -> Int32? {
        guard entry.hasPrefix("."), let r = entry.range(of: temporaryMarker) else { return nil }
        let owner = String(entry[entry.index(after: entry.startIndex)..<r.lowerBound])
        if let name, owner != name { return nil }
        let digits = entry[r.upperBound...].prefix { $0.isNumber }
        return Int32(digits)
    }

    /// Whether a process with this PID exists (kill with signal 0).
    public static func isRunning(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Swaps two folders (or a folder and a file) atomically: `renameat2(RENAME_EXCHANGE)`.
    /// Returns false when the system or file system cannot (the caller then renames in two steps).
    public static func exchange(_ a: String, _ b: String) -> Bool {
        guard let f = renameat2 else { errno = ENOSYS; return false }
        let renameExchange: UInt32 = 2
        return f(AT_FDCWD, a, AT_FDCWD, b, renameExchange) == 0
    }

    typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    /// glibc's `renameat2` (2.28+), looked up at run time: Swift's Glibc module does not declare it.
    static let renameat2: Renameat2? = {
        guard let sym = dlsym(dlopen(nil, RTLD_NOW), "renameat2") else { return nil }
        return unsafeBitCast(sym, to: Renameat2.self)
    }()

    /// An exclusive advisory lock (`flock`) on a folder, held until `unlock`: writers into one
    /// output folder take turns. Returns the descriptor, or nil when the folder cannot be opened.
    /// `waiting` is called once when another process holds the lock.
    public static func lock(folder: String, waiting: () -> Void) -> Int32? {
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        return fd
    }

    public static func unlock(_ fd: Int32) { flock(fd, LOCK_UN); close(fd) }

    // Path arithmetic on strings, as NSString's deletingLastPathComponent, lastPathComponent and
    // appendingPathComponent do (which crash in swift-corelibs-foundation on some one-character paths).

    /// The folder part of `path`: "" when it has no slash, "/" for a file in the root.
    public static func folder(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        var head = p[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head.removeLast() }
        return head.isEmpty ? "/" : String(head)
    }

    /// The last component of `path` (trailing slashes ignored).
    public static func name(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/"), p.count > 1 else { return String(p) }
        return String(p[p.index(after: slash)...])
    }

    /// `folder/entry`.
    public static func join(_ folder: String, _ entry: String) -> String {
        folder.isEmpty ? entry : folder.hasSuffix("/") ? folder + entry : folder + "/" + entry
    }

    public static func describe(_ k: Kind) -> String {
        switch k {
        case .missing: return "missing"
        case .regular: return "a file"
        case .folder: return "a folder"
        case .symlink: return "a symbolic link"
        case .fifo: return "a FIFO (named pipe)"
        case .device: return "a device"
        case .socket: return "a socket"
        case .other: return "a special file"
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)).lowercased() }
}
