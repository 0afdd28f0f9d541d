import CoopData
import Foundation

/// A run folder as one Excel workbook: a README sheet (what each sheet holds, the run's provenance
/// from `run.json`, the calibration caveat), then one sheet per CSV file of the folder, in the
/// folder's schema order, then charts.
///
/// Generic over the folder's tables: every `*.csv` file becomes a sheet of the same name with the
/// same header and rows, so a command that writes a new table gets it in the workbook for free.
/// Cells are typed: a column whose every present cell is a number (CoopData's `CSVReader` rule)
/// is written as Excel numbers, except the identifier columns in `textColumns` (a scenario named
/// "2024" stays text) and whole numbers of more than 15 digits (Excel keeps 15 significant digits;
/// such a seed is written as text so it is not rounded). Missing cells stay empty.
///
/// Native charts (their series point at the sheets' cells): for each region and metric, the median
/// and the 5-95% band of every scenario on one axis (`summary`), and per scenario the probability of
/// each target (`targets`).
public struct RunWorkbook {
    /// The workbook's name in a run folder (`--xlsx`).
    public static let fileName = "results.xlsx"
    /// Sheets first in this order (what an analyst reads first), then the other CSV files of the run
    /// folder's schema (`RunFolderSchema.files`) in schema order, then any other CSV file in name order.
    public static var sheetOrder: [String] {
        let first = ["scenarios", "targets", "levers", "summary", "compare"]
        let schema = RunFolderSchema.files.map(\.name).filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }
        return first + schema.filter { !first.contains($0) }
    }
    /// Columns that are identifiers or labels: always text.
    public static let textColumns: Set<String> = ["scenario", "baseline", "alternative", "region", "metric", "op", "source",
                                                  "source_vi", "reason", "reason_vi", "file", "title", "title_vi", "unit", "label_en", "label_vi",
                                                  "lever", "kind", "name", "case", "experiment", "equation", "term", "path_id"]
    /// What each known sheet holds (README sheet).
    static let descriptions: [String: (en: String, vi: String)] = [
        "scenarios": ("one row per scenario: title, region, simulated years, draws, seed, file",
                      "mỗi kịch bản một dòng: tên, địa phương, các năm mô phỏng, số lượt, hạt giống, tệp"),
        "targets": ("the probability of reaching each plan target and its Monte Carlo standard error",
                    "xác suất đạt từng mục tiêu kế hoạch và sai số chuẩn Monte Carlo"),
        "summary": ("the distribution of every metric per scenario, region and simulated year (mean, sd, p05..p95, mc_se)",
                    "phân phối của từng chỉ tiêu theo kịch bản, địa phương và năm mô phỏng (trung bình, độ lệch chuẩn, p05..p95, mc_se)"),
        "compare": ("alternative minus baseline on the same random paths, per year and metric",
                    "chênh lệch phương án so với kịch bản cơ sở trên cùng các đường ngẫu nhiên, theo năm và chỉ tiêu"),
        "history": ("observed values given in the scenarios", "số liệu thực tế ghi trong kịch bản"),
        "metrics": ("every metric of the model: unit and labels", "các chỉ tiêu của mô hình: đơn vị và nhãn"),
        "paths": ("sample paths (--paths K)", "các đường mẫu (--paths K)"),
        "levers": ("every lever and assumption of each scenario in each simulated year: what the projection assumed",
                   "giá trị từng đòn bẩy chính sách và giả định của mỗi kịch bản trong từng năm mô phỏng"),
    ]

    public var directory: String
    public var language: ReportLanguage

    public init(directory: String, language: ReportLanguage = .en) {
        self.directory = directory
        self.language = language
    }

    /// The CSV files of the folder in sheet order.
    public func tableFiles() -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".csv") }
        let stems = names.map { String($0.dropLast(4)) }
        let order = Self.sheetOrder
        let known = order.filter { stems.contains($0) }
        let others = stems.filter { !order.contains($0) }.sorted()
        return (known + others).map { $0 + ".csv" }
    }

    /// One table sheet from a CSV file of the folder (header-only files give a sheet with its header).
    public static func sheet(csvPath: String, name: String) throws -> WorkbookSheet {
        let t = try _RunTable.read(path: csvPath)
        var columns: [[WorkbookCell]] = []
        for name in t.header {
            guard let table = t.table, let col = table[name] else { columns.append([]); continue }
            switch col {
            case .numeric(let v) where !textColumns.contains(name):
                columns.append(v.map { x in
                    if x.isNaN { return .empty }
                    if !x.isFinite { return .text(CSVWriter.number(x)) }
                    if x == x.rounded(), abs(x) >= 1e15 { return .text(CSVWriter.number(x)) }
                    return .number(x)
                })
            case .numeric(let v):
                columns.append(v.map { $0.isNaN ? .empty : .text(CSVWriter.number($0)) })
            case .text(let v):
                columns.append(v.map { $0.map { WorkbookCell.text($0) } ?? .empty })
            }
        }
        var rows: [[WorkbookCell]] = []
        rows.reserveCapacity(t.rowCount)
        for r in 0..<t.rowCount { rows.append(columns.map { r < $0.count ? $0[r] : .empty }) }
        return WorkbookSheet(name: name, columns: t.header, rows: rows)
    }

    /// Every sheet: README, the tables, the charts. Throws `InputError` for a table that does not read.
    public func sheets() throws -> [WorkbookSheet] {
        var tables: [WorkbookSheet] = []
        for f in tableFiles() {
            tables.append(try Self.sheet(csvPath: (directory as NSString).appendingPathComponent(f), name: String(f.dropLast(4))))
        }
        let folder = try? RunFolder.read(directory: directory)
        var out = [readme(tables: tables, folder: folder)] + tables
        if let folder {
            let fan = fanCharts(tables: tables, folder: folder)
            if !fan.isEmpty {
                out.append(WorkbookSheet(name: language == .vi ? "biểu đồ dự báo" : "projection charts", columns: [], rows: [],
                                         charts: fan, isTable: false))
            }
            if let t = targetChartSheet(folder: folder) { out.append(t) }
        }
        return out
    }

    /// Writes the workbook to `path`. Throws `InputError` (a table that does not read) or `OutputError`.
    public func write(to path: String) throws {
        let sheets = try sheets()
        var created = Date(timeIntervalSince1970: 0)
        if let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init) {
            created = Date(timeIntervalSince1970: epoch)
        } else if let p = try? RunFolder.readProvenance(path: (directory as NSString).appendingPathComponent("run.json")),
                  let d = ISO8601DateFormatter().date(from: p.started) {
            created = d
        }
        let title = language == .vi ? "Kết quả coopsim" : "coopsim results"
        try XLSXWorkbook.write(sheets: sheets, title: title, created: created, to: path)
    }

    /// The workbook's bytes, made in a private scratch folder (removed afterwards), for a writer
    /// that puts them in place by its own rules (`SafeOutput.write`, `RunFolderWriter.write`).
    /// Throws `InputError` (a table that does not read) or `OutputError`.
    public func bytes() throws -> [UInt8] {
        try Self.inScratchFolder { scratch in
            let path = (scratch as NSString).appendingPathComponent(Self.fileName)
            try write(to: path)
            guard let data = FileManager.default.contents(atPath: path) else {
                throw OutputError(path: path, reason: "the workbook was not written")
            }
            // The archive comment marks the workbook as coopsim's (SafeOutput.isCoopsimOutput).
            return SafeOutput.settingZipComment(Array(data), SafeOutput.workbookMark)
        }
    }

    /// The workbook of a run folder that is about to be written (`files`: name and bytes, as
    /// `RunFolderWriter.write` takes them): its CSV files and run.json are put in a private scratch
    /// folder and the workbook is made from them, so that it is written with the folder,
    /// atomically and under its manifest. `shown` names the output in errors. Throws `OutputError`.
    public static func bytes(of files: [(name: String, bytes: [UInt8])], language: ReportLanguage = .en,
                             shown: String) throws(OutputError) -> [UInt8] {
        do {
            return try inScratchFolder { scratch in
                for f in files where f.name.hasSuffix(".csv") || f.name == RunFolderSchema.run.name {
                    try Data(f.bytes).write(to: URL(fileURLWithPath: (scratch as NSString).appendingPathComponent(f.name)))
                }
                return try RunWorkbook(directory: scratch, language: language).bytes()
            }
        } catch let e as OutputError {
            throw OutputError(path: shown, reason: e.reason, hint: e.hint, isUsage: e.isUsage)
        } catch {
            throw OutputError(path: shown, reason: "cannot make the workbook: \(error)")
        }
    }

    /// Runs `body` with a new private folder under the temporary folder, removed afterwards.
    static func inScratchFolder<T>(_ body: (String) throws -> T) throws -> T {
        let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("coopsim-workbook-XXXXXX")
        var template = Array(base.utf8CString)
        guard let made = mkdtemp(&template) else {
            throw OutputError(path: base, reason: "cannot make a scratch folder for the workbook: \(String(cString: strerror(errno)))")
        }
        let scratch = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        return try body(scratch)
    }

    // MARK: README sheet

    /// run.json's provenance (also for folders `RunFolder` does not read, such as a decision folder).
    func provenance() -> RunFolder.Provenance? {
        try? RunFolder.readProvenance(path: (directory as NSString).appendingPathComponent("run.json"))
    }

    func readme(tables: [WorkbookSheet], folder: RunFolder?) -> WorkbookSheet {
        let vi = language == .vi
        var rows: [[WorkbookCell]] = []
        func add(_ a: String, _ b: String) { rows.append([.text(a), b.isEmpty ? .empty : .text(b)]) }
        add(vi ? "Sổ kết quả coopsim" : "coopsim results workbook", "")
        add(vi ? "Số liệu" : "Numbers",
            vi ? "Các ô số là số Excel (không phụ thuộc dấu thập phân của máy); giống hệt các tệp CSV cùng thư mục."
               : "Numeric cells are Excel numbers (no locale can misread them); they equal the CSV files of the same folder.")
        // As the HTML report: the calibration files named in run.json that still have their recorded
        // SHA-256, the caveat when one says `illustrative = true`, else what it was fitted on.
        let calibrations = ReportBuilder.calibrations(of: folder?.provenance ?? provenance())
        if let caveat = ReportBuilder.calibrationCaveat(calibrations, language: language) {
            add(vi ? "Hệ số hiệu chỉnh" : "Calibration", caveat)
        } else {
            for c in calibrations {
                add(vi ? "Hệ số hiệu chỉnh" : "Calibration",
                    c.path + ReportBuilder.fittedOn(c, language: language))
            }
        }
        add("", "")
        add(vi ? "Trang tính" : "Sheet", vi ? "Nội dung" : "Holds")
        for t in tables {
            let d = Self.descriptions[t.name].map { vi ? $0.vi : $0.en } ?? (vi ? "bảng \(t.name).csv" : "the table \(t.name).csv")
            add(t.name, d + (vi ? " (\(t.rows.count) dòng)" : " (\(t.rows.count) rows)"))
        }
        if let p = folder?.provenance ?? provenance() {
            add("", "")
            add(vi ? "Nguồn gốc kết quả (run.json)" : "Provenance (run.json)", "")
            add(vi ? "Công cụ" : "Tool", [p.tool, p.version].filter { !$0.isEmpty }.joined(separator: " "))
            add(vi ? "Loại" : "Kind", p.kind)
            add(vi ? "Lệnh" : "Command", p.command.map(shellQuote).joined(separator: " "))
            add(vi ? "Hạt giống" : "Seed", p.seed)
            add(vi ? "Số lượt mô phỏng" : "Draws", p.draws)
            add(vi ? "Bắt đầu (UTC)" : "Started (UTC)", p.started)
            for i in p.inputs { add(vi ? "Tệp đầu vào" : "Input file", "\(i.path)  SHA-256 \(i.sha256)") }
        }
        return WorkbookSheet(name: "README", columns: [vi ? "Mục" : "Item", vi ? "Giá trị" : "Value"], rows: rows,
                             widths: [30, 110], isTable: false)
    }

    // MARK: Charts

    static let palette: [UInt32] = [0x1F4E79, 0xC55A11, 0x548235, 0x7030A0, 0xBF9000, 0x2E75B6, 0xA50021, 0x00827F]

    /// Per region and metric, every scenario's median (solid) and 5% and 95% quantiles (dashed) on one axis.
    func fanCharts(tables: [WorkbookSheet], folder: RunFolder) -> [WorkbookChart] {
        guard let summary = tables.first(where: { $0.name == "summary" }),
              let cS = summary.columns.firstIndex(of: "scenario"), let cR = summary.columns.firstIndex(of: "region"),
              let cM = summary.columns.firstIndex(of: "metric"), let cY = summary.columns.firstIndex(of: "year"),
              let c05 = summary.columns.firstIndex(of: "p05"), let c50 = summary.columns.firstIndex(of: "p50"),
              let c95 = summary.columns.firstIndex(of: "p95") else { return [] }
        func text(_ c: WorkbookCell) -> String {
            switch c { case .text(let s): return s; case .number(let x): return CSVWriter.number(x); case .empty: return "" }
        }
        // Contiguous row runs per (scenario, region, metric).
        struct Run { var scenario: String; var region: String; var metric: String; var rows: ClosedRange<Int> }
        var runs: [Run] = []
        for (i, row) in summary.rows.enumerated() {
            let s = text(row[cS]), r = text(row[cR]), m = text(row[cM])
            if let last = runs.last, last.scenario == s, last.region == r, last.metric == m, last.rows.upperBound == i - 1 {
                runs[runs.count - 1].rows = last.rows.lowerBound...i
            } else {
                runs.append(Run(scenario: s, region: r, metric: m, rows: i...i))
            }
        }
        let L = language.labels
        var charts: [WorkbookChart] = []
        for region in folder.regions {
            for metric in folder.summarizedMetrics {
                let mine = runs.filter { $0.region == region && $0.metric == metric.name }
                guard !mine.isEmpty else { continue }
                var series: [WorkbookChart.Series] = []
                for (k, run) in mine.enumerated() {
                    let color = Self.palette[k % Self.palette.count]
                    let shown = run.scenario   // titles are in the README and scenarios sheets; ids keep legends short
                    series.append(.init(name: "\(shown): \(L.median.lowercased())", sheet: "summary", rows: run.rows,
                                        xColumn: cY, yColumn: c50, color: color, width: 2.25))
                    series.append(.init(name: "\(shown): 5%", sheet: "summary", rows: run.rows, xColumn: cY, yColumn: c05,
                                        color: color, width: 1, dashed: true))
                    series.append(.init(name: "\(shown): 95%", sheet: "summary", rows: run.rows, xColumn: cY, yColumn: c95,
                                        color: color, width: 1, dashed: true))
                }
                let years = folder.summary.filter { $0.region == region && $0.metric == metric.name }.map(\.year)
                charts.append(WorkbookChart(kind: .lines, title: "\(language.label(metric)) — \(region)", xTitle: L.year,
                                            yTitle: language.unit(metric), yFormat: metric.isShare ? "0%" : nil,
                                            xRange: years.isEmpty ? nil : Double(years.min()!)...Double(max(years.max()!, years.min()! + 1)),
                                            series: series))
            }
        }
        return charts
    }

    /// A sheet with one row per target (scenario, target in words, probability) and a column chart
    /// per scenario drawn from it.
    func targetChartSheet(folder: RunFolder) -> WorkbookSheet? {
        guard !folder.targets.isEmpty else { return nil }
        let L = language.labels
        let fmt = ReportNumberFormat(language: language)
        let name = language == .vi ? "biểu đồ mục tiêu" : "target charts"
        var rows: [[WorkbookCell]] = []
        var charts: [WorkbookChart] = []
        for s in folder.scenarioNames {
            // Evaluated targets only: a plan target the model cannot evaluate has no probability to chart
            // (the targets sheet lists it with its reason).
            let mine = folder.targets.filter { $0.scenario == s && $0.probability.isFinite }
            guard !mine.isEmpty else { continue }
            let first = rows.count
            for t in mine {
                let m = folder.metric(t.metric)
                let op = ["<=": "≤", ">=": "≥"][t.op] ?? t.op
                rows.append([.text(s), .text("\(folder.targetLabel(t, language: language)) \(t.year) \(op) \(fmt.value(t.value, metric: m))"),
                             .number(t.probability)])
            }
            let title = folder.scenarioTitle(s, language: language)
            charts.append(WorkbookChart(kind: .columns, title: "\(L.targetProbabilityTitle) — \(title.isEmpty ? s : title)",
                                        xTitle: L.target, yTitle: L.probability, yFormat: "0%", yMin: 0, yMax: 1,
                                        series: [.init(name: L.probability, sheet: name, rows: first...(rows.count - 1),
                                                       xColumn: 1, yColumn: 2, color: 0x1F4E79)]))
        }
        return WorkbookSheet(name: name, columns: [L.scenario, L.target, L.probability], rows: rows, charts: charts)
    }
}
