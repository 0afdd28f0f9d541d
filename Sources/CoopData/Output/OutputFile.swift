import Foundation

/// An output that cannot be written: not bad input data (the command line exits 1), or, when
/// `isUsage`, an output option that names something coopsim must not replace (exit 64).
///
/// `description` reads `PATH: cannot write: REASON (HINT)`, e.g.
/// `out/summary.csv: cannot write: the folder out does not exist`.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var hint: String?
    public var isUsage: Bool

    public init(path: String, reason: String, hint: String? = nil, isUsage: Bool = false) {
        self.path = path; self.reason = reason; self.hint = hint; self.isUsage = isUsage
    }

    public var description: String { "\(path): cannot write: \(reason)" + (hint.map { " (\($0))" } ?? "") }
}

/// Writing output files with messages a user can act on (Foundation's own say
/// "The operation could not be completed").
public enum OutputFile {
    /// Writes `text` to `path` by `SafeOutput.write`: atomically for a regular file (a temporary
    /// renamed into place), through a symbolic link to its target, as a stream into an existing
    /// FIFO or device; missing parent folders are created (and removed if the write fails).
    /// Refuses to replace a folder, or a file coopsim did not write (`replacing`, see `SafeOutput.write`).
    public static func write(_ text: String, to path: String,
                             replacing: SafeOutput.Replacing = .coopsimOutputOnly) throws(OutputError) {
        try SafeOutput.write(Array(text.utf8), to: path, replacing: replacing)
    }

    /// Why `path` cannot be created or written, in words, from the system's error code: a
    /// read-only file system, a missing or non-folder parent, a missing permission, a full disk,
    /// or else the system's message.
    public static func reason(_ path: String, errnoCode code: Int32) -> String {
        switch code {
        case EROFS: return "the file system holding \(folder(of: path)) is read-only"
        case ENOSPC: return "no space left on the device holding \(folder(of: path))"
        case EDQUOT: return "the disk quota is exhausted on the device holding \(folder(of: path))"
        case ELOOP: return "a symbolic link on the way to \(path) loops"
        case EACCES, EPERM:
            return "no permission to write in the folder \(folder(of: path))"
        default:
            // The folder's state first (missing, a file, not writable), else the system's words (EFBIG: "file too large").
            let r = reason(path)
            return r == "unknown reason" ? String(cString: strerror(code)).lowercased() : r
        }
    }

    static func folder(of path: String) -> String {
        let d = SafeOutput.folder(of: path)
        return d.isEmpty ? "." : d
    }

    /// Why `path` cannot be created or written, in words: a missing or non-folder parent, a
    /// missing permission, or else the system's message.
    public static func reason(_ path: String, _ error: Error? = nil) -> String {
        let fm = FileManager.default
        var ancestor = SafeOutput.folder(of: path)
        if ancestor.isEmpty { ancestor = "." }
        // The nearest existing ancestor tells what is wrong.
        while !fm.fileExists(atPath: ancestor) {
            let up = SafeOutput.folder(of: ancestor)
            if up.isEmpty || up == ancestor { break }
            ancestor = up
        }
        var code: Int32? = nil
        if let e = error as NSError?, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain { code = Int32(u.code) }
        if let e = error as NSError?, e.domain == NSPOSIXErrorDomain { code = Int32(e.code) }
        if code == EROFS || code == ENOSPC || code == EDQUOT { return reason(path, errnoCode: code!) }
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: ancestor, isDirectory: &isFolder) {
            if !isFolder.boolValue { return "\(ancestor) is a file, not a folder" }
            if access(ancestor, W_OK) != 0 && errno == EROFS { return reason(path, errnoCode: EROFS) }
            if !fm.isWritableFile(atPath: ancestor) { return "no permission to write in the folder \(ancestor)" }
        }
        if let code { return String(cString: strerror(code)).lowercased() }
        return error.map { "\($0.localizedDescription)" } ?? "unknown reason"
    }
}
