import CoopData
import CoopModel
import Foundation

/// What a run records about each calibration it used, in run.json's `"calibrations"` (fields:
/// `RunFolderSchema.calibrationFields`), so that reports can say what the coefficients were
/// fitted on, and whether they are illustrative, without the calibration file.
///
/// Written by `RunJSON` (every folder kind: run, compare, merge, the decision commands, backtest)
/// from its inputs; read back by `RunFolder` (`Provenance.calibrations`). Folders written before
/// the key existed have none: reports then read the calibration files named in `inputs` that still
/// have their recorded SHA-256 (`find(in:)`, as before).
public struct CalibrationProvenance: Sendable, Equatable {
    /// The calibration file as the run named it, and the SHA-256 of the bytes it parsed.
    public var path: String
    public var sha256: String
    /// `fitted_on` and `fitted_on_vi`: what the panel was, in words ("" when the file does not say).
    public var fittedOn: String
    public var fittedOnVI: String
    /// `illustrative = true`: the coefficients only show how the tool works (reports carry a caveat).
    public var illustrative: Bool
    /// The panel the equations were fitted on (`data_file`, `data_sha256`).
    public var dataFile: String
    public var dataSHA256: String

    public init(path: String, sha256: String, fittedOn: String = "", fittedOnVI: String = "", illustrative: Bool = false,
                dataFile: String = "", dataSHA256: String = "") {
        self.path = path; self.sha256 = sha256; self.fittedOn = fittedOn; self.fittedOnVI = fittedOnVI
        self.illustrative = illustrative; self.dataFile = dataFile; self.dataSHA256 = dataSHA256
    }

    /// The calibrations among `inputs`: each `.toml` input whose bytes still have the recorded
    /// SHA-256 and that reads as a calibration file (`Calibration.load`). Other inputs (scenarios,
    /// models, data) and changed or unreadable files are left out.
    public static func find(in inputs: [(path: String, sha256: String)]) -> [CalibrationProvenance] {
        var out: [CalibrationProvenance] = []
        for input in inputs where input.path.hasSuffix(".toml") && !out.contains(where: { $0.path == input.path }) {
            guard let data = FileManager.default.contents(atPath: input.path), SHA256.hex(data) == input.sha256,
                  let c = try? Calibration.load(path: input.path), c.sha256 == input.sha256 else { continue }
            out.append(CalibrationProvenance(path: input.path, sha256: input.sha256, fittedOn: c.fittedOn, fittedOnVI: c.fittedOnVI,
                                             illustrative: c.illustrative, dataFile: c.dataFile, dataSHA256: c.dataSHA256))
        }
        return out
    }

    /// One JSON object on one line, keys in `RunFolderSchema.calibrationFields` order.
    public var json: String {
        let values = [JSONText.string(path), JSONText.string(sha256), JSONText.string(fittedOn), JSONText.string(fittedOnVI),
                      illustrative ? "true" : "false", JSONText.string(dataFile), JSONText.string(dataSHA256)]
        return "{" + zip(RunFolderSchema.calibrationFields, values).map { "\(JSONText.string($0)): \($1)" }.joined(separator: ", ") + "}"
    }

    /// From one object of run.json's `"calibrations"` (missing keys read as empty / false).
    public init(object o: [String: Any]) {
        func text(_ k: String) -> String { (o[k] as? String) ?? "" }
        self.init(path: text("path"), sha256: text("sha256"), fittedOn: text("fitted_on"), fittedOnVI: text("fitted_on_vi"),
                  illustrative: (o["illustrative"] as? Bool) ?? false, dataFile: text("data_file"), dataSHA256: text("data_sha256"))
    }
}
