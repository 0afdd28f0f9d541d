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
    /// Writes `text` to `path` atomically (a temporary file renamed into place), creating
    /// missing parent folders. Refuses to replace a folder.
    public static func write(_ text: String, to path: String) throws(OutputError) {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw OutputError(path: path, reason: "it is a folder", hint: "give a file name", isUsage: true)
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw OutputError(path: path, reason: reason(path, error))
        }
    }

    /// Why `path` cannot be created or written, in words: a missing or non-folder parent, a
    /// missing permission, or else the system's message.
    public static func reason(_ path: String, _ error: Error? = nil) -> String {
        let fm = FileManager.default
        var ancestor = (path as NSString).deletingLastPathComponent
        if ancestor.isEmpty { ancestor = "." }
        // The nearest existing ancestor tells what is wrong.
        while !fm.fileExists(atPath: ancestor) {
            let up = (ancestor as NSString).deletingLastPathComponent
            if up.isEmpty || up == ancestor { break }
            ancestor = up
        }
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: ancestor, isDirectory: &isFolder) {
            if !isFolder.boolValue { return "\(ancestor) is a file, not a folder" }
            if !fm.isWritableFile(atPath: ancestor) { return "no permission to write in the folder \(ancestor)" }
        }
        if let e = error as NSError?, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError, u.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(u.code))).lowercased()
        }
        if let e = error as NSError?, e.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(e.code))).lowercased() }
        return error.map { "\($0.localizedDescription)" } ?? "unknown reason"
    }
}
