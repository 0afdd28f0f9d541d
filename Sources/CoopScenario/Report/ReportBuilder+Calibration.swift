import CoopData
import Foundation

/// The calibration behind a run: run.json's `"calibrations"` (what the run recorded of each
/// calibration it used: file, SHA-256, `fitted_on`, `fitted_on_vi`, `illustrative`, panel). Folders
/// written before that key read each calibration file named in `inputs` that still has its recorded
/// SHA-256 (so it is the file the run used). When one is illustrative the report opens with a caveat.
extension ReportBuilder {
    func calibrations() -> [CalibrationProvenance] { Self.calibrations(of: folder.provenance) }

    /// The calibrations of a run folder's provenance (run.json), else of the files it names.
    static func calibrations(of provenance: RunFolder.Provenance?) -> [CalibrationProvenance] {
        guard let p = provenance else { return [] }
        return p.calibrations ?? CalibrationProvenance.find(in: p.inputs)
    }

    /// What a calibration was fitted on, in `language`, as " (fitted on ...)", or "" when unknown.
    /// Vietnamese uses `fitted_on_vi`, else names the panel file in a Vietnamese sentence (never the
    /// English `fitted_on`).
    static func fittedOn(_ c: CalibrationProvenance, language: ReportLanguage) -> String {
        if language == .vi {
            if !c.fittedOnVI.isEmpty { return " (ước lượng trên \(c.fittedOnVI))" }
            return c.dataFile.isEmpty ? "" : " (ước lượng trên tệp số liệu \(c.dataFile))"
        }
        return c.fittedOn.isEmpty ? (c.dataFile.isEmpty ? "" : " (fitted on the data file \(c.dataFile))") : " (fitted on \(c.fittedOn))"
    }

    /// The caveat text when a calibration is illustrative, else nil.
    func calibrationCaveat() -> String? { Self.calibrationCaveat(calibrations(), language: language) }

    /// The caveat for the first illustrative calibration of `infos` in `language`, else nil.
    static func calibrationCaveat(_ infos: [CalibrationProvenance], language: ReportLanguage) -> String? {
        guard let c = infos.first(where: \.illustrative) else { return nil }
        let fitted = fittedOn(c, language: language)
        return language == .vi
            ? "Lưu ý: các hệ số của mô hình (\(c.path)\(fitted)) chỉ mang tính minh hoạ. Các xác suất dưới đây cho thấy công cụ hoạt động thế nào, chưa phải dự báo để ra quyết định: hãy hiệu chỉnh trên số liệu thật (coopsim calibrate)."
            : "Caveat: the model's coefficients (\(c.path)\(fitted)) are illustrative. The probabilities below show how the tool works; they are not forecasts for a decision until the model is calibrated on a real panel (coopsim calibrate)."
    }

    func calibrationCaveatHTML() -> String {
        calibrationCaveat().map { "<p class=\"caveat\">\(esc($0))</p>\n" } ?? ""
    }
}
