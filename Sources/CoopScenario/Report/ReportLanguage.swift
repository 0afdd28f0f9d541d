import Foundation

/// The language of a report's titles, labels, legends and table headers.
///
/// `vi` writes Vietnamese with its diacritics and Vietnamese number
/// conventions (`.` between thousands, `,` as the decimal mark:
/// 25.000 and 0,35%); `en` writes 25,000 and 0.35%.
public enum ReportLanguage: String, Sendable, CaseIterable {
    case en, vi

    /// The labels of a report in this language.
    public var labels: ReportLabels { self == .vi ? .vietnamese : .english }

    /// A metric's label from `metrics.csv` in this language (the metric's name when empty).
    public func label(_ m: RunFolder.Metric) -> String {
        let l = self == .vi ? m.labelVI : m.labelEN
        return l.isEmpty ? m.name : l
    }

    /// A unit from `metrics.csv` in this language: known units translated for
    /// `vi`, others as written. Shares show as "%".
    public func unit(_ m: RunFolder.Metric) -> String {
        if m.isShare { return "%" }
        guard self == .vi else { return m.unit }
        return Self.vietnameseUnits[m.unit] ?? m.unit
    }

    /// Units of the shipped model in Vietnamese (every unit of Scenarios/model.toml: a test checks).
    /// A share is a fraction (0.52 = 52%), "log growth" a difference of natural logarithms.
    public static let vietnameseUnits: [String: String] = [
        "cooperatives": "hợp tác xã", "persons": "người", "persons per cooperative": "người mỗi hợp tác xã", "per year": "mỗi năm",
        "billion VND": "tỷ đồng", "billion VND per year": "tỷ đồng mỗi năm",
        "million VND per worker": "triệu đồng mỗi lao động", "cooperatives per year": "hợp tác xã mỗi năm",
        "groups": "tổ hợp tác", "share": "tỷ lệ", "share per year": "tỷ lệ mỗi năm",
        "log growth per year": "tăng trưởng (log) mỗi năm",
    ]
}

/// Every fixed string a report writes, in one language.
public struct ReportLabels: Sendable {
    public var reportTitle: String
    public var year: String
    public var median: String
    public var band25to75: String
    public var band5to95: String
    public var observed: String
    public var target: String
    public var targetProbabilityTitle: String
    public var scenario: String
    public var region: String
    public var metric: String
    public var op: String
    public var value: String
    public var probability: String
    public var mcSE: String
    public var source: String
    public var fanCharts: String
    public var comparisons: String
    public var difference: String
    public var differenceVersus: String
    public var medianDifference: String
    public var zero: String
    public var probIncrease: String
    public var provenance: String
    public var tool: String
    public var kind: String
    public var command: String
    public var seed: String
    public var draws: String
    public var threads: String
    public var started: String
    public var wallSeconds: String
    public var inputs: String
    public var file: String
    public var scenarios: String
    public var title: String
    public var years: String
    public var noTargets: String
    public var notebookLoad: String
    public var notebookFans: String
    public var notebookCompare: String
    public var notebookHowTo: String
    public var targetLegend: String
    public var probabilityShort: String
    public var percentagePoints: String
    /// Shown instead of a probability for a plan target the model cannot evaluate.
    public var notEvaluated: String = "not evaluated"

    public static let english = ReportLabels(
        reportTitle: "Projection report", year: "Year", median: "Median", band25to75: "25–75% range",
        band5to95: "5–95% range", observed: "Observed", target: "Target",
        targetProbabilityTitle: "Probability of reaching the target", scenario: "Scenario", region: "Region",
        metric: "Metric", op: "Condition", value: "Value", probability: "Probability", mcSE: "MC s.e.",
        source: "Source", fanCharts: "Projections", comparisons: "Comparison with the baseline",
        difference: "Difference", differenceVersus: "minus", medianDifference: "Median difference", zero: "No difference",
        probIncrease: "Probability of an increase", provenance: "Provenance", tool: "Tool", kind: "Kind of run",
        command: "Command", seed: "Seed", draws: "Draws", threads: "Threads", started: "Started",
        wallSeconds: "Wall time (s)", inputs: "Input files (SHA-256)", file: "File", scenarios: "Scenarios",
        title: "Title", years: "Years", noTargets: "No targets in this run.",
        notebookLoad: "Load the run's CSV files", notebookFans: "Fan charts (median, 25–75% and 5–95% ranges, observed history, targets)",
        notebookCompare: "Difference from the baseline (median and 5–95% range)",
        notebookHowTo: "The outputs below were rendered by `coopsim report`; run all cells to redraw the charts with matplotlib from the CSV files.",
        targetLegend: "Target (probability of reaching it)", probabilityShort: "P =", percentagePoints: "percentage points")

    public static let vietnamese = ReportLabels(
        reportTitle: "Báo cáo dự báo", year: "Năm", median: "Trung vị", band25to75: "Khoảng 25–75%",
        band5to95: "Khoảng 5–95%", observed: "Số liệu thực tế", target: "Mục tiêu",
        targetProbabilityTitle: "Xác suất đạt mục tiêu", scenario: "Kịch bản", region: "Địa bàn",
        metric: "Chỉ tiêu", op: "Điều kiện", value: "Giá trị", probability: "Xác suất", mcSE: "Sai số Monte Carlo",
        source: "Nguồn", fanCharts: "Dự báo", comparisons: "So sánh với kịch bản cơ sở",
        difference: "Chênh lệch", differenceVersus: "trừ", medianDifference: "Chênh lệch trung vị", zero: "Không chênh lệch",
        probIncrease: "Xác suất tăng", provenance: "Nguồn gốc kết quả", tool: "Công cụ", kind: "Loại lần chạy",
        command: "Lệnh", seed: "Hạt giống ngẫu nhiên", draws: "Số lần mô phỏng", threads: "Số luồng", started: "Bắt đầu",
        wallSeconds: "Thời gian chạy (giây)", inputs: "Tệp đầu vào (SHA-256)", file: "Tệp", scenarios: "Các kịch bản",
        title: "Tiêu đề", years: "Giai đoạn", noTargets: "Lần chạy này không có mục tiêu.",
        notebookLoad: "Đọc các tệp CSV của lần chạy", notebookFans: "Biểu đồ dự báo (trung vị, khoảng 25–75% và 5–95%, số liệu thực tế, mục tiêu)",
        notebookCompare: "Chênh lệch so với kịch bản cơ sở (trung vị và khoảng 5–95%)",
        notebookHowTo: "Các kết quả dưới đây do `coopsim report` tạo sẵn; chạy lại tất cả các ô để vẽ lại biểu đồ bằng matplotlib từ các tệp CSV.",
        targetLegend: "Mục tiêu (xác suất đạt)", probabilityShort: "xác suất", percentagePoints: "điểm phần trăm",
        notEvaluated: "chưa đánh giá được")
}

/// Number formatting for axes and tables: fixed decimals, grouped thousands,
/// the language's separators.
public struct ReportNumberFormat: Sendable {
    public var language: ReportLanguage

    public init(language: ReportLanguage) { self.language = language }

    var groupSeparator: String { language == .vi ? "." : "," }
    var decimalSeparator: String { language == .vi ? "," : "." }

    /// `x` with `decimals` digits after the mark and thousands grouped:
    /// 25000 -> "25,000" (en) / "25.000" (vi); a value that rounds to zero prints without sign.
    /// Rounding is C's `printf` (glibc: correctly rounded from the binary value, as Python's
    /// format), so the report and its notebook print the same digits. NaN prints as "–".
    public func fixed(_ x: Double, decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 12, "A number can be printed with 0 to 12 decimals, not \(decimals).")
        if x.isNaN { return "–" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        let digits = String(format: "%.\(decimals)f", abs(x))
        let parts = digits.split(separator: ".", maxSplits: 1)
        let intPart = String(parts[0])
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        let negative = x < 0 && digits.contains { $0 != "0" && $0 != "." }
        var grouped = ""
        for (k, ch) in intPart.enumerated() {
            if k > 0 && (intPart.count - k) % 3 == 0 { grouped += groupSeparator }
            grouped.append(ch)
        }
        return (negative ? "−" : "") + grouped + (decimals > 0 ? decimalSeparator + fracPart : "")
    }

    /// A share as a percent: 0.3456 -> "34.6%" with `decimals` = 1.
    public func percent(_ share: Double, decimals: Int) -> String {
        fixed(share * 100, decimals: decimals) + "%"
    }

    /// A Monte Carlo probability with its exact 95% interval (`low`, `high`; NaN when unknown):
    /// 0 and 1 are shown by the bound they do not exceed ("< 0.04%" for 0 hits in 10,000 draws,
    /// "< 0.1%" for 0 in 4,000, `carried`, "> 99.96%" for all), never as a certain "0.0%"; other values as "41.2% (38.1–44.3%)", where
    /// a probability that would print as "0.0%" or "100.0%" (one path in 4,000 is 0.025%) is said
    /// as "< 0.1%" or "> 99.9%", as charts say it (`probabilityShort`), and an interval bound
    /// strictly between 0 and 1 that would print as "0.0" or "100.0" gets the decimals of the first
    /// significant digit of its distance to 0 or 1 ("> 99.9% (99.9–99.9994%)" for 3,999 of 4,000), rounded away from the probability. The bound
    /// shown for 0 and 1 is rounded outwards at the first significant digit of its distance to 0 or 1.
    public func probability(_ p: Double, low: Double, high: Double) -> String {
        guard p.isFinite else { return "–" }
        if p == 0 && high.isFinite && high > 0 {
            let d = Self.digits(high), scale = pow(10, Double(d))
            return "< " + carried((high * 100 * scale).rounded(.up) / scale, decimals: d) + "%"
        }
        if p == 1 && low.isFinite && low < 1 {
            let d = Self.digits(1 - low), scale = pow(10, Double(d))
            return "> " + carried((low * 100 * scale).rounded(.down) / scale, decimals: d) + "%"
        }
        let text = point(p)
        guard low.isFinite && high.isFinite else { return text }
        return text + " (" + bound(low, outwards: .down) + "–" + bound(high, outwards: .up) + "%)"
    }

    /// A probability for a chart label, short: 0 and 1 by their bound (`probability(_:low:high:)`),
    /// others as `probability` says them without the interval (to one decimal, "< 0.1%" or "> 99.9%"
    /// where that would round to 0 or 100): a chart never says a certain 0 or 100% of something that
    /// happened on some paths.
    public func probabilityShort(_ p: Double, low: Double, high: Double) -> String {
        if p == 0 || p == 1 { return probability(p, low: low, high: high) }
        guard p.isFinite else { return "–" }
        return point(p)
    }

    /// Decimals of a percentage that show the first significant digit of `distance` (a share), at
    /// most 12 (`fixed`'s limit; a bound closer than 1e-14 to 0 or 1 comes only from edited input).
    static func digits(_ distance: Double) -> Int { min(12, max(1, Int(-(log10(distance * 100)).rounded(.down)))) }

    /// A probability other than 0 and 1 to one decimal, or "< 0.1%" / "> 99.9%" where that would
    /// print as 0.0% or 100.0%.
    func point(_ p: Double) -> String {
        let text = percent(p, decimals: 1)
        if p > 0 && p < 1 {
            if text == percent(0, decimals: 1) { return "< " + percent(0.001, decimals: 1) }
            if text == percent(1, decimals: 1) { return "> " + percent(0.999, decimals: 1) }
        }
        return text
    }

    /// An interval bound in percent without the sign: one decimal, unless a bound strictly between
    /// 0 and 1 would print as 0.0 or 100.0; then rounded `outwards` (away from the probability) at the
    /// first significant digit of its distance to 0 or 1, which never reaches 0 or 100.
    func bound(_ b: Double, outwards: FloatingPointRoundingRule) -> String {
        let text = fixed(b * 100, decimals: 1)
        guard b > 0 && b < 1 && (text == fixed(0, decimals: 1) || text == fixed(100, decimals: 1)) else { return text }
        if b < 0.5 {
            let d = Self.digits(b), scale = pow(10, Double(d))
            return carried((b * 100 * scale).rounded(outwards) / scale, decimals: d)
        }
        let d = Self.digits(1 - b), scale = pow(10, Double(d))
        let distance = ((1 - b) * 100 * scale).rounded(outwards == .up ? .down : .up) / scale
        return carried(100 - distance, decimals: d)
    }

    /// A rounded bound without the trailing zeros a carry leaves, down to one decimal: the upper
    /// bound 0.0922% of no path in 4,000, rounded up at its first significant digit, is 0.10, said
    /// "0.1" (so "< 0.1%", not a second spelling "< 0.10%" beside the "< 0.1%" of one path in 4,000).
    /// Kept as printed where trimming would say 0.0 or 100.0 (a bound within 1e-14 of 0 or 1).
    func carried(_ x: Double, decimals d: Int) -> String {
        let text = fixed(x, decimals: d)
        guard d > 1 else { return text }
        var trimmed = text
        for _ in 1..<d where trimmed.hasSuffix("0") { trimmed.removeLast() }
        return trimmed == fixed(0, decimals: 1) || trimmed == fixed(100, decimals: 1) ? text : trimmed
    }

    /// A value in a metric's own terms for tables: shares as percent with two
    /// decimals as needed (at most 3), whole numbers without decimals, others to about three significant digits.
    public func value(_ x: Double, metric: RunFolder.Metric) -> String {
        if metric.isShare {
            // As few decimals as show the value exactly (50%, 0.4%, 12.5%), at most 3.
            let p = x * 100
            var d = 0
            while d < 3 {
                let scaled = p * pow(10, Double(d))
                if abs(scaled - scaled.rounded()) <= 1e-9 * max(1, abs(scaled)) { break }
                d += 1
            }
            return percent(x, decimals: d)
        }
        if x == x.rounded() { return fixed(x, decimals: 0) }
        let mag = x == 0 ? 0 : Int(floor(log10(abs(x))))
        return fixed(x, decimals: max(0, min(6, 2 - mag)))
    }

    /// `x` to `digits` significant digits (1...15) in fixed notation with the language's separators,
    /// trailing zeros after the mark dropped as printf's `%g` drops them: 0.51234 at 3 -> "0.512",
    /// 12345.6 at 4 -> "12,346" (en) / "12.346" (vi; all integer digits are kept, never an exponent),
    /// 0.5 at 4 -> "0.5" ("0.5000" with `trimZeros` false). Magnitudes below 1e-9 print in scientific notation ("1.2e-12", mark
    /// localised). NaN prints as "–".
    public func significant(_ x: Double, digits: Int, trimZeros: Bool = true) -> String {
        precondition(digits >= 1 && digits <= 15, "A number can be printed with 1 to 15 significant digits, not \(digits).")
        guard x.isFinite else { return fixed(x, decimals: 0) }
        if x == 0 { return "0" }
        let magnitude = Int(floor(log10(abs(x))))
        if magnitude < -9 {
            let text = String(format: "%.\(digits - 1)e", x)
            return language == .vi ? text.replacingOccurrences(of: ".", with: decimalSeparator) : text
        }
        var decimals = min(12, max(0, digits - 1 - magnitude))
        // Rounding up to the next power of ten adds a digit (0.0998 to 2 digits is 0.10, not 0.100), as %g drops it.
        if decimals > 0, (abs(x) * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals)) >= pow(10, Double(magnitude + 1)) {
            decimals -= 1
        }
        var text = fixed(x, decimals: decimals)
        if trimZeros && text.contains(decimalSeparator) {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(decimalSeparator) { text.removeLast(decimalSeparator.count) }
        }
        return text
    }

    /// A number written in an input table ("0.25", "1e3", "promotion") as this report writes numbers:
    /// a finite number to 15 significant digits with the language's separators, other text unchanged.
    public func cell(_ text: String) -> String {
        guard let x = Double(text), x.isFinite else { return text }
        return significant(x, digits: 15)
    }

    /// A Monte Carlo standard error of a probability (a share) as a percent to two significant
    /// digits: 0.0069 -> "0.69%", 0.01 -> "1.0%", 0.00025 -> "0.025%" (one path in 4,000 is not "0.0%"), 0 -> "0%".
    public func standardErrorPercent(_ se: Double) -> String {
        guard se.isFinite else { return "–" }
        return significant(se * 100, digits: 2, trimZeros: false) + "%"
    }

    /// Decimals needed to print ticks `step` apart without repeating a label.
    public static func decimals(forStep step: Double) -> Int {
        guard step > 0, step.isFinite else { return 0 }
        return max(0, min(12, Int(ceil(-log10(step) - 1e-9))))
    }
}
