import CoopData
import Foundation

/// The `run.json` of every folder coopsim writes (`run`, `compare`, the decision commands,
/// `backtest`): one writer for the fields they all share, so that the report reader
/// (`RunFolder`) and the folder writer (`RunFolderWriter`, which reads `"files"`) meet one layout.
///
/// Layout, in this order: `tool`, `version`, `command` (the command line as given), `kind`, then the
/// command's own `fields` in the order given, `inputs` (path and SHA-256 of each file as it was
/// parsed), `calibrations` (the provenance of each calibration among the inputs, fields
/// `RunFolderSchema.calibrationFields`; left out when there is none), `started` (ISO 8601, UTC),
/// `wall_seconds`, and `files` (the manifest of the files the run wrote) when known; `Runner.writeFolder` adds the manifest to a `run.json` without one.
///
/// `SOURCE_DATE_EPOCH` (the reproducible-builds convention) pins `started` and zeroes
/// `wall_seconds`, so that exports such as Notebooks-export/ are byte-identical when regenerated.
public struct RunJSON {
    /// What wrote the folder: "run", "compare", "sweep", "sensitivity", "optimize", "discover", "backtest".
    public var kind: String
    /// The command line, program name first.
    public var commandLine: [String]
    /// The command's own fields after `kind`: (key, JSON value text), written in this order.
    public var fields: [(key: String, json: String)]
    /// Every input file as parsed: path and SHA-256 (hex).
    public var inputs: [(path: String, sha256: String)]
    /// The calibrations among `inputs` (`CalibrationProvenance.find(in:)` when not given).
    public var calibrations: [CalibrationProvenance]
    /// When the command started, and its wall-clock time in seconds.
    public var started: Date
    public var wallSeconds: Double
    /// The files of the folder this run wrote, or nil to leave the manifest to `Runner.writeFolder`.
    public var files: [String]?

    public init(kind: String, commandLine: [String], fields: [(key: String, json: String)],
                inputs: [(path: String, sha256: String)], calibrations: [CalibrationProvenance]? = nil,
                started: Date, wallSeconds: Double, files: [String]? = nil) {
        self.kind = kind; self.commandLine = commandLine; self.fields = fields
        self.inputs = inputs; self.started = started; self.wallSeconds = wallSeconds; self.files = files
        self.calibrations = calibrations ?? CalibrationProvenance.find(in: inputs)
    }

    /// A JSON string literal.
    public static func string(_ s: String) -> String { JSONText.string(s) }
    /// A JSON array of string literals, on one line.
    public static func list(_ xs: [String]) -> String { "[" + xs.map(string).joined(separator: ", ") + "]" }

    /// The file's text: two-space indented JSON, one field a line, ending in a newline.
    public func text() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        var startedAt = started, wall = wallSeconds
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init) {
            startedAt = Date(timeIntervalSince1970: epoch)
            wall = 0
        }
        var s = "{\n"
        s += "  \"tool\": \"coopsim\",\n"
        s += "  \"version\": \(Self.string(Runner.version)),\n"
        s += "  \"command\": \(Self.list(commandLine)),\n"
        s += "  \"kind\": \(Self.string(kind)),\n"
        for (k, v) in fields { s += "  \(Self.string(k)): \(v),\n" }
        s += "  \"inputs\": [\n" + inputs.map { "    {\"path\": \(Self.string($0.path)), \"sha256\": \(Self.string($0.sha256))}" }
            .joined(separator: ",\n") + "\n  ],\n"
        if !calibrations.isEmpty {
            s += "  \"calibrations\": [\n" + calibrations.map { "    " + $0.json }.joined(separator: ",\n") + "\n  ],\n"
        }
        s += "  \"started\": \(Self.string(formatter.string(from: startedAt))),\n"
        s += "  \"wall_seconds\": \(CSVWriter.number(wall))"
        if let files { s += ",\n  \"files\": \(Self.list(files))" }
        s += "\n}\n"
        return s
    }
}
