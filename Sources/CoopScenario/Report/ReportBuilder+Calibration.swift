import CoopData
import Foundation

/// The calibration behind a run, as far as a report can still see it: each calibration file named in
/// `run.json`'s inputs that is readable with the same SHA-256 (so it is the file the run used), with
/// its `fitted_on` and `illustrative` keys. When one is illustrative the report opens with a caveat.
extension ReportBuilder {
    struct CalibrationInfo { var path: String; var fittedOn: String; var illustrative: Bool }

    func calibrations() -> [CalibrationInfo] { Self.calibrations(of: folder.provenance) }

    /// The calibration files among `provenance`'s inputs that still have the recorded SHA-256.
    static func calibrations(of provenance: RunFolder.Provenance?) -> [CalibrationInfo] {
        guard let p = provenance else { return [] }
        var out: [CalibrationInfo] = []
        for input in p.inputs {
            guard let data = FileManager.default.contents(atPath: input.path), SHA256.hex(data) == input.sha256,
                  let doc = try? TOMLParser.parse(contentsOf: input.path),
                  let eqs = doc.root["equations"]?.arrayValue,
                  eqs.contains(where: { $0.tableValue?["coefficients"] != nil }) else { continue }
            out.append(CalibrationInfo(path: input.path, fittedOn: doc.root["fitted_on"]?.stringValue ?? "",
                                       illustrative: doc.root["illustrative"]?.boolValue ?? false))
        }
        return out
    }

    /// The caveat text when a calibration is illustrative, else nil.
    func calibrationCaveat() -> String? { Self.calibrationCaveat(calibrations(), language: language) }

    /// The caveat for the first illustrative calibration of `infos` in `language`, else nil.
    static func calibrationCaveat(_ infos: [CalibrationInfo], language: ReportLanguage) -> String? {
        guard let c = infos.first(where: \.illustrative) else { return nil }
        let vi = language == .vi
        let fitted = c.fittedOn.isEmpty ? "" : (vi ? " (ước lượng trên: \(c.fittedOn))" : " (fitted on \(c.fittedOn))")
        return vi
            ? "Lưu ý: các hệ số của mô hình (\(c.path)\(fitted)) chỉ mang tính minh hoạ. Các xác suất dưới đây cho thấy công cụ hoạt động thế nào, chưa phải dự báo để ra quyết định: hãy hiệu chỉnh trên số liệu thật (coopsim calibrate)."
            : "Caveat: the model's coefficients (\(c.path)\(fitted)) are illustrative. The probabilities below show how the tool works; they are not forecasts for a decision until the model is calibrated on a real panel (coopsim calibrate)."
    }

    func calibrationCaveatHTML() -> String {
        calibrationCaveat().map { "<p class=\"caveat\">\(esc($0))</p>\n" } ?? ""
    }
}
