#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CoopData
import Foundation

/// Writes a run's output folder so that nothing is lost (Guides/Outputs.md, "How outputs are
/// written"):
///
/// - **Ownership.** `run.json` lists the files the run wrote (`"files"`). A re-run replaces only
///   the files the previous run.json lists; every other entry (a report, notes, a sub-folder) is
///   kept as it is. A folder that is not a coopsim run folder (no run.json written by coopsim) is
///   used only when empty; an existing entry named like an output that coopsim did not write is
///   never replaced (the run is refused, exit 64).
/// - **Atomic as a whole.** The new folder is built beside the target as `.NAME.coopsim-tmp-PID`:
///   the new files, plus a mirror of every other entry of the target (its files as second hard
///   links, its sub-folders re-created with hard-linked contents), then swapped with the target in
///   one `renameat2(RENAME_EXCHANGE)`; the old side is then removed name by name (a file found
///   there with no other link, e.g. one the user added during the run, is moved into the new
///   folder, never deleted). A reader sees the old complete folder or the new complete one,
///   never a mix, never a missing file of the user's, never no folder.
/// - **One writer at a time.** An exclusive `flock` on the parent folder serialises writers; a
///   second run waits for the first (with a message) and then replaces its output.
/// - **Recovery.** A writer killed at any point leaves at most a `.NAME.coopsim-tmp-PID` folder and
///   the hidden marker `.coopsim-incoming` in the target; the next write into the folder finishes
///   or undoes that swap (whichever side of the exchange it stopped on), with a message, before
///   writing. Temporaries of earlier versions (`.NAME.tmp-PID-TIME`) are removed likewise.
/// - **No stray folders.** Parent folders created for the output are removed if the write fails.
///
/// For tests, `COOPSIM_TEST_KILL_AT=built|exchanged|cleaned` makes the process kill itself
/// with SIGKILL at that step (the fault-injection test forces every window this way).
public enum RunFolderWriter {
    /// The hidden file in a freshly built folder that tells recovery the exchange happened.
    static let incomingMarker = ".coopsim-incoming"
    /// The outputs of versions before the manifest, owned when run.json says coopsim wrote it.
    static let legacyOutputs: Set<String> = ["summary.csv", "targets.csv", "compare.csv", "paths.csv", "history.csv",
                                             "metrics.csv", "scenarios.csv", "run.json"]

    /// The state of an existing output folder.
    struct Existing {
        var entries: [String]
        var owned: Set<String>
    }

    /// The files `folder/run.json` says coopsim wrote: its `"files"` list, or the legacy output
    /// names for a run.json of an earlier version. Nil when run.json is missing or not coopsim's.
    static func manifest(of folder: String) -> Set<String>? {
        let path = SafeOutput.join(folder, "run.json")
        guard SafeOutput.kind(path) == .regular, let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["tool"] as? String == "coopsim" else { return nil }
        guard let files = object["files"] as? [String] else { return legacyOutputs }
        return Set(files.filter { !$0.contains("/") && !$0.hasPrefix(".") && !$0.isEmpty })
    }

    /// Checks before a run that `directory` may receive a run folder holding files named `names`
    /// (see the type's rules). Throws `OutputError` with `isUsage`.
    public static func check(_ directory: String, names: [String]) throws(OutputError) {
        let target = try SafeOutput.resolve(directory)
        _ = try existing(target, shown: directory, names: names)
    }

    static func existing(_ target: String, shown: String, names: [String]) throws(OutputError) -> Existing? {
        let k = SafeOutput.kind(target)
        if k == .missing { return nil }
        guard k == .folder else {
            throw OutputError(path: shown, reason: "it is \(SafeOutput.describe(k)), not a folder",
                              hint: "give --out a new folder; coopsim does not replace other files", isUsage: true)
        }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).resolvingSymlinksInPath().path
        let resolved = URL(fileURLWithPath: target).resolvingSymlinksInPath().path
        if here == resolved || here.hasPrefix(resolved == "/" ? "/" : resolved + "/") {
            throw OutputError(path: shown, reason: "it is the current folder or holds it",
                              hint: "give --out a folder below the current one (e.g. --out out)", isUsage: true)
        }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).filter { $0 != incomingMarker }
        if entries.isEmpty { return Existing(entries: [], owned: []) }
        guard let owned = manifest(of: target) else {
            let runJSON = entries.contains("run.json") ? "its run.json was not written by coopsim" : "it has no run.json"
            throw OutputError(path: shown,
                              reason: "the folder exists and is not the output of an earlier run (\(runJSON); it holds \(entries.sorted().prefix(3).map { "'\($0)'" }.joined(separator: ", "))\(entries.count > 3 ? ", ..." : ""))",
                              hint: "give --out a new or empty folder; coopsim never replaces files it did not write", isUsage: true)
        }
        for name in names where entries.contains(name) && !owned.contains(name) {
            throw OutputError(path: shown, reason: "\(name) exists in the folder and the earlier run did not write it (run.json does not list it)",
                              hint: "move or rename \(name); coopsim never replaces files it did not write", isUsage: true)
        }
        return Existing(entries: entries, owned: owned)
    }

    /// Writes `files` (name, bytes; one of them run.json with the manifest) as the folder
    /// `directory`, by the rules of the type. `notice` receives messages about waiting for another
    /// writer and about recovered interrupted writes. Throws `OutputError`.
    public static func write(_ files: [(name: String, bytes: [UInt8])], to directory: String,
                             notice: (String) -> Void) throws(OutputError) {
        let names = files.map(\.name)
        var target = try SafeOutput.resolve(directory)
        if target.hasSuffix("/") && target.count > 1 { target.removeLast() }
        var parent = SafeOutput.folder(of: target)
        if parent.isEmpty { parent = "." }
        let name = SafeOutput.name(of: target)
        guard !name.isEmpty, name != ".", name != ".." else {
            throw OutputError(path: directory, reason: "it does not name a folder", hint: "give --out a folder name such as out", isUsage: true)
        }
        let createdParents = try SafeOutput.makeParents(parent, shown: directory)
        func undoParents() { for f in createdParents.reversed() { rmdir(f) } }
        guard let lock = SafeOutput.lock(folder: parent, waiting: { notice("waiting for another coopsim writing into \(parent)") }) else {
            let e = errno
            undoParents()
            throw OutputError(path: directory, reason: OutputFile.reason(SafeOutput.join(parent, name), errnoCode: e))
        }
        defer { SafeOutput.unlock(lock) }
        recover(target: target, parent: parent, name: name, notice: notice)
        let old: Existing?
        do throws(OutputError) { old = try existing(target, shown: directory, names: names) } catch { undoParents(); throw error }

        let temp = SafeOutput.join(parent, "." + name + SafeOutput.temporaryMarker + String(getpid()))
        func undo() {
            removeOld(temp, into: target, notice: notice)
            undoParents()
        }
        func failure(_ what: String, _ code: Int32, at p: String) -> OutputError {
            OutputError(path: directory, reason: "\(what): \(OutputFile.reason(p, errnoCode: code))")
        }
        removeOld(temp, into: target, notice: notice)
        if mkdir(temp, 0o755) != 0 {
            let e = errno
            undoParents()
            throw failure("cannot create \(temp)", e, at: path(temp, "x"))
        }
        do throws(OutputError) {
            for f in files { try SafeOutput.writeNew(f.bytes, to: path(temp, f.name), shown: directory) }
            try SafeOutput.writeNew([], to: path(temp, incomingMarker), shown: directory)
        } catch { undo(); throw error }
        if let old {
            // The user's entries, mirrored: files (of any kind) by a second hard link, folders re-created.
            for e in old.entries where !old.owned.contains(e) {
                do throws(OutputError) { try mirror(path(target, e), path(temp, e), shown: directory) } catch { undo(); throw error }
            }
        }
        testHook("built")
        if old != nil {
            if !SafeOutput.exchange(temp, target) {
                let c = errno
                undo()
                throw failure("cannot swap the new output into place (renameat2 with RENAME_EXCHANGE)", c, at: target)
            }
        } else if rename(temp, target) != 0 {
            let c = errno
            undo()
            throw failure("cannot rename \(temp) into place", c, at: target)
        }
        testHook("exchanged")
        // The exchange happened: temp holds the previous run's files and the user's entries,
        // which live on in the new folder through their other links.
        removeOld(temp, into: target, notice: notice)
        testHook("cleaned")
        unlink(path(target, incomingMarker))
        let dirfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }

    /// Finishes or undoes the swap of a writer that was killed (see the type's documentation).
    static func recover(target: String, parent: String, name: String, notice: (String) -> Void) {
        let fm = FileManager.default
        let entries = (try? fm.contentsOfDirectory(atPath: parent)) ?? []
        let markerInTarget = SafeOutput.kind(path(target, incomingMarker)) == .regular
        for e in entries {
            let p = path(parent, e)
            // Under the lock every temporary folder of this name is stale: its writer held the lock.
            if let pid = SafeOutput.stalePID(e, name: name), pid != getpid() {
                guard SafeOutput.kind(p) == .folder else { if !SafeOutput.isRunning(pid) { unlink(p) }; continue }
                removeOld(p, into: target, notice: notice)
                notice(markerInTarget
                       ? "finished an interrupted write of \(target) (coopsim process \(pid) was stopped after swapping in its output)"
                       : "removed the unfinished output of an interrupted coopsim run (process \(pid)); \(target) is as that run found it")
            } else if e.hasPrefix("." + name + ".tmp-"), let pid = Int32(e.dropFirst(name.count + 6).prefix { $0.isNumber }),
                      !SafeOutput.isRunning(pid), SafeOutput.kind(p) == .folder,
                      ((try? fm.contentsOfDirectory(atPath: p)) ?? []).allSatisfy({ legacyOutputs.contains($0) }) {
                // An earlier version's temporary folder: only its own outputs.
                removeOld(p, into: target, notice: notice)
                notice("removed the temporary folder \(p) of an interrupted earlier coopsim run")
            }
        }
        if markerInTarget { unlink(path(target, incomingMarker)) }
    }

    /// Re-creates `from` at `to`: a folder as a new folder (same permissions) holding mirrors of
    /// its entries, anything else as a second hard link (`linkat` without following links).
    static func mirror(_ from: String, _ to: String, shown: String) throws(OutputError) {
        var st = stat()
        guard lstat(from, &st) == 0 else { return }   // gone meanwhile
        if st.st_mode & S_IFMT == S_IFDIR {
            if mkdir(to, st.st_mode & 0o7777) != 0 {
                throw OutputError(path: shown, reason: "cannot keep the folder \(from) in the new output: \(OutputFile.reason(to, errnoCode: errno))")
            }
            for e in (try? FileManager.default.contentsOfDirectory(atPath: from)) ?? [] {
                try mirror(path(from, e), path(to, e), shown: shown)
            }
        } else if linkat(AT_FDCWD, from, AT_FDCWD, to, 0) != 0 {
            let c = errno
            throw OutputError(path: shown, reason: "cannot keep \(from) in the new output (a hard link to it failed: \(String(cString: strerror(c)).lowercased()))",
                              hint: "move it out of the output folder, or give another --out")
        }
    }

    /// Removes the other side of a swap (or an unfinished new folder), name by name: its own
    /// outputs (run.json's manifest, the output names, the marker) at the top; elsewhere only
    /// names with another link (the same file lives on in `target`). A file with no other link
    /// is moved to the same place in `target` (never deleted); what cannot be moved is left,
    /// with a notice.
    static func removeOld(_ folder: String, into target: String, notice: (String) -> Void) {
        guard SafeOutput.kind(folder) == .folder else { return }
        let owned = (manifest(of: folder) ?? []).union(legacyOutputs).union(RunFolderSchema.files.map(\.name)).union([incomingMarker])
        var kept: [String] = []
        func sweep(_ dir: String, _ rel: String) {
            for e in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let p = path(dir, e), r = rel.isEmpty ? e : path(rel, e)
                var st = stat()
                guard lstat(p, &st) == 0 else { continue }
                if st.st_mode & S_IFMT == S_IFDIR {
                    sweep(p, r)
                    if rmdir(p) != 0 { kept.append(p) }
                } else if rel.isEmpty && owned.contains(e) && st.st_mode & S_IFMT == S_IFREG {
                    unlink(p)
                } else if st.st_nlink > 1 {
                    unlink(p)
                } else {
                    let dest = path(target, r)
                    _ = try? SafeOutput.makeParents(SafeOutput.folder(of: dest), shown: dest)
                    if SafeOutput.kind(dest) != .missing || rename(p, dest) != 0 { kept.append(p) }
                }
            }
        }
        sweep(folder, "")
        if rmdir(folder) != 0 && !kept.isEmpty {
            notice("kept \(folder): it holds \(kept.prefix(3).joined(separator: ", ")) which could not be moved into \(target)")
        }
    }

    static func path(_ folder: String, _ entry: String) -> String { SafeOutput.join(folder, entry) }

    static func testHook(_ step: String) {
        if ProcessInfo.processInfo.environment["COOPSIM_TEST_KILL_AT"] == step { kill(getpid(), SIGKILL) }
    }
}
