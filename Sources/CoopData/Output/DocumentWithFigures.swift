#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a document and the folder of figures it links to (`report --format md`: `NAME.md` and
/// `NAME-figures/`) so that a reader always finds a complete report: the old document with all
/// of its figures, or the new one with all of its figures (Guides/Outputs.md, "How outputs are
/// written").
///
/// Each figure's file name carries the first 8 hex digits of the SHA-256 of its bytes
/// (`fan-coops.svg` is written as `fan-coops-1a2b3c4d.svg`, and the document's links
/// `](FOLDER/fan-coops.svg)` are rewritten to match), so new figures never replace old ones in
/// place. The steps, under a `flock` on the document's folder (writers take turns):
///
/// 1. The hidden list `FOLDER/.coopsim-figures` of the figures coopsim owns gains the new names.
/// 2. Each new figure is written atomically (`SafeOutput.write`: a temporary, flushed, renamed);
///    one with the same name is already there, with the same bytes.
/// 3. The document is written atomically: the one instant at which the report changes.
/// 4. The figures of the old report that the new one does not use are removed (only names in the
///    list: files the user put into the folder are never touched), and the list is rewritten.
///
/// A failure in 1-3 (a full disk, a read-only folder) removes what this write added and restores
/// the list: every file that was there is byte-identical, and a folder created for the write is
/// removed again. A writer killed at any step leaves the old or the new complete report, plus
/// at most some unused figures that the list names and the next write removes. A figures folder
/// from before the list: its `.svg` files named like the new figures without the digest are owned.
public enum DocumentWithFigures {
    /// The hidden list of the figures coopsim owns in the folder, one name per line.
    public static let listName = ".coopsim-figures"

    /// `name` with the digest of `bytes` before its extension: `fan.svg` -> `fan-1a2b3c4d.svg`.
    public static func versionedName(_ name: String, _ bytes: [UInt8]) -> String {
        let digest = String(SHA256.hex(bytes).prefix(8))
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name + "-" + digest }
        return name[..<dot] + "-" + digest + name[dot...]
    }

    /// Writes `document` to `path` and `figures` into the folder `figuresFolder` beside it, the
    /// document's links `](figuresFolder/NAME)` rewritten to the versioned names. Throws
    /// `OutputError` (`isUsage` when a path names something coopsim must not replace).
    public static func write(_ document: String, to path: String, figuresFolder: String,
                             figures: [(name: String, bytes: [UInt8])]) throws(OutputError) {
        var dir = SafeOutput.folder(of: path)
        if dir.isEmpty { dir = "." }
        let folder = SafeOutput.join(dir, figuresFolder)
        // The mark that makes the document recognisably coopsim's (SafeOutput.isCoopsimOutput): a
        // re-run may replace it, a user's file of the same name is refused.
        var text = document
        if !text.hasSuffix(SafeOutput.markdownMark + "\n") {
            text += (text.hasSuffix("\n") ? "\n" : "\n\n") + SafeOutput.markdownMark + "\n"
        }
        var named: [(name: String, bytes: [UInt8])] = []
        for f in figures {
            let v = versionedName(f.name, f.bytes)
            text = text.replacingOccurrences(of: "](\(figuresFolder)/\(f.name))", with: "](\(figuresFolder)/\(v))")
            named.append((v, f.bytes))
        }
        let newNames = named.map(\.name)

        let created = try SafeOutput.makeParents(dir, shown: path)
        guard let lock = SafeOutput.lock(folder: dir, waiting: {
            FileHandle.standardError.write(Data("note: waiting for another coopsim writing into \(dir)\n".utf8))
        }) else {
            let e = errno
            for f in created.reversed() { rmdir(f) }
            throw OutputError(path: path, reason: OutputFile.reason(SafeOutput.join(dir, figuresFolder), errnoCode: e))
        }
        defer { SafeOutput.unlock(lock) }

        let kind = SafeOutput.kind(try SafeOutput.resolve(folder))
        guard kind == .missing || kind == .folder else {
            for f in created.reversed() { rmdir(f) }
            throw OutputError(path: folder, reason: "it is \(SafeOutput.describe(kind)), not a folder",
                              hint: "move it: the report writes its figures into a folder of that name", isUsage: true)
        }
        let listPath = SafeOutput.join(folder, listName)
        let oldListBytes = kind == .folder ? FileManager.default.contents(atPath: listPath).map { [UInt8]($0) } : nil
        let entries = kind == .folder ? Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []) : []
        var owned = oldListBytes.map(parse) ?? []
        if oldListBytes == nil {
            // A folder from before the list: the figures the earlier writer gave these names.
            owned = Set(figures.map(\.name).filter { $0.hasSuffix(".svg") && entries.contains($0) })
        }
        for n in newNames where entries.contains(n) && !owned.contains(n) {
            throw OutputError(path: SafeOutput.join(folder, n), reason: "it exists and coopsim did not write it (\(listName) does not list it)",
                              hint: "move or rename it; coopsim never replaces files it did not write", isUsage: true)
        }

        var added: [String] = []
        var folderCreated: [String] = []
        func restore() {
            for n in added { unlink(SafeOutput.join(folder, n)) }
            if let oldListBytes { try? SafeOutput.write(oldListBytes, to: listPath, replacing: .ownedByCaller) } else { unlink(listPath) }
            for f in folderCreated.reversed() { rmdir(f) }
            for f in created.reversed() { rmdir(f) }
        }
        do throws(OutputError) {
            if kind == .missing { folderCreated = try SafeOutput.makeParents(folder, shown: folder) }
            try SafeOutput.write(listBytes(owned.union(newNames)), to: listPath, replacing: .ownedByCaller)   // 1
            testHook("report-listed")
            for f in named where !entries.contains(f.name) {                       // 2
                try SafeOutput.write(f.bytes, to: SafeOutput.join(folder, f.name))
                added.append(f.name)
            }
            testHook("report-figures")
            try SafeOutput.write(Array(text.utf8), to: path)                         // 3
        } catch {
            restore()
            throw error
        }
        testHook("report-written")
        for n in owned.subtracting(newNames) where n != listName {               // 4
            let p = SafeOutput.join(folder, n)
            if SafeOutput.kind(p) == .regular { unlink(p) }
        }
        try? SafeOutput.write(listBytes(Set(newNames)), to: listPath, replacing: .ownedByCaller)
    }

    static func parse(_ bytes: [UInt8]) -> Set<String> {
        Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.isEmpty && !$0.contains("/") && !$0.hasPrefix(".") })
    }

    static func listBytes(_ names: Set<String>) -> [UInt8] {
        Array(names.sorted().map { $0 + "\n" }.joined().utf8)
    }

    static func testHook(_ step: String) {
        if ProcessInfo.processInfo.environment["COOPSIM_TEST_KILL_AT"] == step { kill(getpid(), SIGKILL) }
    }
}
