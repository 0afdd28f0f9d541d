import ArgumentParser
import CoopData
import Foundation

/// Writes a line to standard error (messages, warnings, progress never go to stdout).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning input problems into their located messages on stderr and exit status 65
/// (EX_DATAERR). Usage problems are ArgumentParser's `ValidationError` (exit 64); anything else exits 1.
func reportingInputErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as InputError {
        printError("error: " + e.description)
        throw ExitCode(65)
    } catch let e as InputErrors {
        for err in e.errors { printError("error: " + err.description) }
        throw ExitCode(65)
    } catch let e as OutputError {
        // Not bad input: a wrong output option (64) or a file system that refuses (1).
        printError("error: " + e.description)
        throw ExitCode(e.isUsage ? 64 : 1)
    }
}

/// `p` absolute, symbolic links resolved, "." and ".." removed: two paths name the same file when these agree.
func canonicalPath(_ p: String) -> String { URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }

/// Refuses an output path that names one of the command's inputs (the input would be replaced
/// by the output): a usage error, exit 64.
func refuseOverwriting(_ inputs: [String], with out: String, option: String) throws {
    if let same = inputs.first(where: { canonicalPath($0) == canonicalPath(out) }) {
        printError("error: \(option) \(out): expected a new file, got the input \(same) (it would be replaced); choose another output path")
        throw ExitCode(64)
    }
}

/// Refuses an output path that names one of the files a folder `report` reads holds or may hold
/// (`names`, e.g. a run folder's summary.csv or its workbook results.xlsx), whether or not it is
/// there now: the report would replace it, or take the name the run folder's writer gives its own
/// file. A usage error, exit 64, that says which and the default path to use instead.
func refuseFolderFileName(_ dir: String, names: [String], kind: String, with out: String, option: String,
                          defaultOut: String) throws {
    for name in names where canonicalPath((dir as NSString).appendingPathComponent(name)) == canonicalPath(out) {
        let path = (dir as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: path) {
            let what = name == "results.xlsx" ? "\(path), the workbook `run`/`compare --xlsx` wrote into the \(kind)" : "the input \(path)"
            printError("error: \(option) \(out): expected a new file, got \(what) (it would be replaced); choose another path (the default is \(defaultOut))")
        } else {
            let what = name == "results.xlsx" ? "results.xlsx, the name `run` and `compare` give the \(kind)'s workbook (--xlsx)"
                                              : "\(name), the name of one of the \(kind)'s own files"
            printError("error: \(option) \(out): expected a file that is not one of the \(kind)'s own files, got \(what); choose another path (the default is \(defaultOut))")
        }
        throw ExitCode(64)
    }
}

/// Whether standard error is a terminal (progress bars only then).
var stderrIsTerminal: Bool { isatty(2) != 0 }

/// The `--na` option of `fit` and `calibrate`: the cells read as missing, comma-separated; the
/// empty cell is always one (`--na ''`: only empty cells). nil (no option): `CSVReader.missingMarkers`.
func missingMarkers(_ na: String?) -> [String]? {
    na.map { Array(Set([""] + $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init))).sorted() }
}

/// The help of `--na`, the same for every command that reads a data file for a regression.
let missingMarkersHelp = ArgumentHelp("Cells read as missing, comma-separated (default: empty, NA, NaN, nan, .); --na '' for empty cells only.")
