import CXLSXWriter
import CoopData
import Foundation

/// One cell of a workbook table: a number (stored as an Excel number, so no locale can misread it),
/// a text (UTF-8, Vietnamese intact) or nothing.
public enum WorkbookCell: Sendable, Equatable {
    case number(Double)
    case text(String)
    case empty
}

/// A worksheet holding one table: a bold, frozen header row with an autofilter, then the rows.
public struct WorkbookSheet: Sendable {
    public var name: String
    public var columns: [String]
    public var rows: [[WorkbookCell]]
    /// Column widths in characters (nil: from the longest cell, 6 to 60).
    public var widths: [Double]?
    /// Charts drawn on this sheet, stacked below or to the right of the table.
    public var charts: [WorkbookChart]
    /// Whether the header row is frozen and filtered (false for a free-form README sheet).
    public var isTable: Bool

    public init(name: String, columns: [String], rows: [[WorkbookCell]], widths: [Double]? = nil,
                charts: [WorkbookChart] = [], isTable: Bool = true) {
        self.name = name; self.columns = columns; self.rows = rows; self.widths = widths
        self.charts = charts; self.isTable = isTable
    }
}

/// A native Excel chart (an XY chart with straight lines, or a column chart) whose series point at
/// ranges of data rows of a sheet of the same workbook, so the chart follows the numbers in Excel.
public struct WorkbookChart: Sendable {
    public enum Kind: Sendable { case lines, columns }
    public struct Series: Sendable {
        public var name: String
        public var sheet: String
        /// Data rows (0 = the first row after the header), inclusive.
        public var rows: ClosedRange<Int>
        public var xColumn: Int
        public var yColumn: Int
        /// RGB, e.g. 0x1f77b4.
        public var color: UInt32
        public var width: Float
        public var dashed: Bool
        public init(name: String, sheet: String, rows: ClosedRange<Int>, xColumn: Int, yColumn: Int,
                    color: UInt32, width: Float = 1.5, dashed: Bool = false) {
            self.name = name; self.sheet = sheet; self.rows = rows; self.xColumn = xColumn; self.yColumn = yColumn
            self.color = color; self.width = width; self.dashed = dashed
        }
    }
    public var kind: Kind
    public var title: String
    public var xTitle: String
    public var yTitle: String
    /// Excel number format of the value axis ("0%" for shares), nil for General.
    public var yFormat: String?
    public var yMin: Double?
    public var yMax: Double?
    /// The x-axis range of a line chart (years), nil for automatic.
    public var xRange: ClosedRange<Double>?
    public var series: [Series]
    public init(kind: Kind, title: String, xTitle: String, yTitle: String, yFormat: String? = nil,
                yMin: Double? = nil, yMax: Double? = nil, xRange: ClosedRange<Double>? = nil, series: [Series]) {
        self.kind = kind; self.title = title; self.xTitle = xTitle; self.yTitle = yTitle; self.yFormat = yFormat
        self.yMin = yMin; self.yMax = yMax; self.xRange = xRange; self.series = series
    }
}

/// Writes `.xlsx` workbooks with Debian's libxlsxwriter (C; `libxlsxwriter-dev`, linked as the system
/// library `CXLSXWriter`). A well-kept library made for the format, rather than our own zip and XML.
///
/// Limits (Excel's): 1,048,576 rows and 16,384 columns per sheet, 32,767 characters per cell, sheet
/// names of at most 31 characters without `[ ] : * ? / \`. Tables beyond them are refused with an
/// `OutputError` (the CSV files hold everything); names are shortened and made unique.
public enum XLSXWorkbook {
    public static let maximumRows = 1_048_576
    public static let maximumColumns = 16_384
    public static let maximumCellCharacters = 32_767

    /// Writes `sheets` to `path` (replacing a file of ours there). `created` is stored as the
    /// document's creation time (a fixed time gives the same document properties on every run).
    /// Throws `OutputError` when a table exceeds Excel's limits or the file cannot be written.
    public static func write(sheets: [WorkbookSheet], title: String, created: Date, to path: String) throws(OutputError) {
        for s in sheets {
            if s.rows.count + 1 > maximumRows {
                throw OutputError(path: path, reason: "the sheet '\(s.name)' would need \(s.rows.count + 1) rows; Excel holds at most \(maximumRows)",
                                  hint: "the CSV files hold every row; write fewer rows (for example a smaller --paths) for the workbook", isUsage: true)
            }
            if s.columns.count > maximumColumns {
                throw OutputError(path: path, reason: "the sheet '\(s.name)' would need \(s.columns.count) columns; Excel holds at most \(maximumColumns)", isUsage: true)
            }
        }
        let names = sheetNames(sheets.map(\.name))
        var options = lxw_workbook_options(constant_memory: 0, tmpdir: nil, use_zip64: 1)
        guard let wb = workbook_new_opt(path, &options) else {
            throw OutputError(path: path, reason: OutputFile.reason(path))
        }
        var closed = false
        defer { if !closed { _ = workbook_close(wb) } }

        // Document properties: title, creator, fixed creation time.
        let cTitle = strdup(title), cAuthor = strdup("coopsim"), cComments = strdup("Written by coopsim; see the README sheet.")
        defer { free(cTitle); free(cAuthor); free(cComments) }
        var props = lxw_doc_properties()
        props.title = cTitle; props.author = cAuthor; props.comments = cComments
        props.created = time_t(created.timeIntervalSince1970)
        _ = workbook_set_properties(wb, &props)

        let bold = workbook_add_format(wb)
        format_set_bold(bold)
        format_set_bottom(bold, UInt8(LXW_BORDER_THIN.rawValue))
        let wrap = workbook_add_format(wb)
        format_set_text_wrap(wrap)
        format_set_align(wrap, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))

        for (k, sheet) in sheets.enumerated() {
            guard let ws = workbook_add_worksheet(wb, names[k]) else {
                throw OutputError(path: path, reason: "libxlsxwriter refused the sheet name '\(names[k])'")
            }
            for (c, name) in sheet.columns.enumerated() {
                try check(worksheet_write_string(ws, 0, lxw_col_t(c), clip(name), sheet.isTable ? bold : nil), path)
            }
            for (r, row) in sheet.rows.enumerated() {
                let rr = lxw_row_t(r + 1)
                for (c, cell) in row.enumerated() {
                    switch cell {
                    case .number(let x) where x.isNaN:
                        break   // Excel has no NaN (libxlsxwriter would write the invalid "NAN"): an empty cell
                    case .number(let x) where x.isInfinite:
                        try check(worksheet_write_string(ws, rr, lxw_col_t(c), CSVWriter.number(x), nil), path)
                    case .number(let x):
                        try check(worksheet_write_number(ws, rr, lxw_col_t(c), x, nil), path)
                    case .text(let s):
                        try check(worksheet_write_string(ws, rr, lxw_col_t(c), clip(s), sheet.isTable ? nil : wrap), path)
                    case .empty:
                        break
                    }
                }
            }
            let widths = sheet.widths ?? autoWidths(sheet)
            for (c, w) in widths.enumerated() {
                _ = worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), w, nil)
            }
            if sheet.isTable {
                worksheet_freeze_panes(ws, 1, 0)
                if !sheet.columns.isEmpty {
                    _ = worksheet_autofilter(ws, 0, 0, lxw_row_t(max(sheet.rows.count, 1)), lxw_col_t(sheet.columns.count - 1))
                }
            }
            // Charts: two per row, each 15 x 20 cells, to the right of the table.
            let firstColumn = sheet.columns.count + 1
            for (n, chart) in sheet.charts.enumerated() {
                guard let ch = makeChart(wb, chart, names: Dictionary(uniqueKeysWithValues: zip(sheets.map(\.name), names))) else { continue }
                let row = lxw_row_t(1 + (n / 2) * 22), col = lxw_col_t(firstColumn + (n % 2) * 9)
                var opt = lxw_chart_options()
                opt.x_scale = 1.2; opt.y_scale = 1.4
                try check(worksheet_insert_chart_opt(ws, row, col, ch, &opt), path)
            }
        }
        closed = true
        let rc = workbook_close(wb)
        if rc != LXW_NO_ERROR {
            throw OutputError(path: path, reason: "libxlsxwriter: " + String(cString: lxw_strerror(rc)))
        }
    }

    static func check(_ rc: lxw_error, _ path: String) throws(OutputError) {
        // Cells beyond a limit are refused up front; a string longer than Excel's limit is clipped
        // by `clip`. Anything else is a library failure.
        if rc != LXW_NO_ERROR {
            throw OutputError(path: path, reason: "libxlsxwriter: " + String(cString: lxw_strerror(rc)))
        }
    }

    /// Excel holds at most 32,767 characters in a cell; longer texts are cut with an ellipsis.
    static func clip(_ s: String) -> String {
        s.utf16.count <= maximumCellCharacters ? s : String(s.prefix(maximumCellCharacters - 1)) + "…"
    }

    /// Sheet names Excel accepts: `[ ] : * ? / \` replaced by `_`, at most 31 characters, unique
    /// ignoring case (a repeat gets " (2)", " (3)", ...).
    public static func sheetNames(_ wanted: [String]) -> [String] {
        var used = Set<String>()
        return wanted.map { w in
            var base = String(w.map { "[]:*?/\\".contains($0) ? "_" : $0 })
            if base.isEmpty { base = "Sheet" }
            if base.hasPrefix("'") || base.hasSuffix("'") { base = base.trimmingCharacters(in: CharacterSet(charactersIn: "'")) }
            if base.isEmpty { base = "Sheet" }
            var name = String(base.prefix(31))
            var k = 2
            while used.contains(name.lowercased()) {
                let suffix = " (\(k))"
                name = String(base.prefix(31 - suffix.count)) + suffix
                k += 1
            }
            used.insert(name.lowercased())
            return name
        }
    }

    /// Column widths from the header and the longest cell (characters, 6 to 60).
    static func autoWidths(_ sheet: WorkbookSheet) -> [Double] {
        var w = sheet.columns.map { Double($0.count) + 2 }
        for row in sheet.rows.prefix(5000) {
            for (c, cell) in row.enumerated() where c < w.count {
                let n: Int
                switch cell {
                case .number(let x): n = CSVWriter.number(x).count
                case .text(let s): n = s.count
                case .empty: n = 0
                }
                w[c] = max(w[c], Double(n) + 1)
            }
        }
        return w.map { min(max($0, 6), sheet.isTable ? 60 : 100) }
    }

    /// An absolute reference to rows of one column: `='summary'!$C$2:$C$9`.
    static func range(_ sheet: String, _ rows: ClosedRange<Int>, _ column: Int) -> String {
        let quoted = "'" + sheet.replacingOccurrences(of: "'", with: "''") + "'"
        let col = columnLetters(column)
        return "=\(quoted)!$\(col)$\(rows.lowerBound + 2):$\(col)$\(rows.upperBound + 2)"
    }

    /// 0 -> A, 25 -> Z, 26 -> AA.
    static func columnLetters(_ c: Int) -> String {
        var n = c + 1, s = ""
        while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(UInt8(65 + r))) + s; n = (n - 1) / 26 }
        return s
    }

    private static func makeChart(_ wb: UnsafeMutablePointer<lxw_workbook>, _ chart: WorkbookChart,
                                  names: [String: String]) -> UnsafeMutablePointer<lxw_chart>? {
        let type: UInt8 = chart.kind == .lines ? UInt8(LXW_CHART_SCATTER_STRAIGHT.rawValue) : UInt8(LXW_CHART_COLUMN.rawValue)
        guard let ch = workbook_add_chart(wb, type) else { return nil }
        chart_title_set_name(ch, chart.title)
        var titleFont = lxw_chart_font()
        titleFont.size = 11; titleFont.bold = 1
        chart_title_set_name_font(ch, &titleFont)
        chart_axis_set_name(ch.pointee.x_axis, chart.xTitle)
        chart_axis_set_name(ch.pointee.y_axis, chart.yTitle)
        if let f = chart.yFormat { chart_axis_set_num_format(ch.pointee.y_axis, f) }
        if let lo = chart.yMin { chart_axis_set_min(ch.pointee.y_axis, lo) }
        if let hi = chart.yMax { chart_axis_set_max(ch.pointee.y_axis, hi) }
        if chart.kind == .lines {
            chart_axis_set_num_format(ch.pointee.x_axis, "0")
            if let r = chart.xRange {
                chart_axis_set_min(ch.pointee.x_axis, r.lowerBound)
                chart_axis_set_max(ch.pointee.x_axis, r.upperBound)
                chart_axis_set_major_unit(ch.pointee.x_axis, max(1, ((r.upperBound - r.lowerBound) / 8).rounded(.up)))
            }
        }
        chart_legend_set_position(ch, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
        for s in chart.series {
            let sheet = names[s.sheet] ?? s.sheet
            let x = range(sheet, s.rows, s.xColumn), y = range(sheet, s.rows, s.yColumn)
            guard let series = chart_add_series(ch, x, y) else { continue }
            chart_series_set_name(series, s.name)
            if chart.kind == .lines {
                var line = lxw_chart_line()
                line.color = s.color; line.width = s.width
                line.dash_type = UInt8(s.dashed ? LXW_CHART_LINE_DASH_DASH.rawValue : LXW_CHART_LINE_DASH_SOLID.rawValue)
                chart_series_set_line(series, &line)
                chart_series_set_marker_type(series, UInt8(LXW_CHART_MARKER_NONE.rawValue))
            } else {
                var fill = lxw_chart_fill()
                fill.color = s.color
                chart_series_set_fill(series, &fill)
            }
        }
        return ch
    }
}
