import CoopData
import CoopDistributions
import Foundation

/// The report of a decision folder (sweep, sensitivity, optimize, discover): the method in a
/// paragraph, its charts (probability against lever level with the Monte Carlo band; tornado;
/// Morris mu*–sigma; Sobol bars with intervals; optimisation search; PRIM trade-off) and tables, and
/// the provenance, in English or Vietnamese. HTML (one self-contained file) or Markdown (SVG
/// files beside it), like `ReportBuilder` for run folders.
public struct DecisionReport: Sendable {
    enum Block {
        case heading(Int, String)
        case paragraph(String)
        case chart(svg: String, file: String, caption: String)
        case table(headers: [String], rows: [[String]])
    }

    public let folder: DecisionFolder
    public let language: ReportLanguage
    var vi: Bool { language == .vi }

    public init(folder: DecisionFolder, language: ReportLanguage) {
        self.folder = folder
        self.language = language
    }

    func t(_ en: String, _ vi: String) -> String { self.vi ? vi : en }

    var scenarioTitle: String {
        guard let s = folder.tables["scenarios.csv"], !s.rows.isEmpty else { return "" }
        let v = s.value(0, "title_vi")
        return vi && !v.isEmpty ? v : s.value(0, "title")
    }

    var title: String {
        let what: String
        switch (folder.kind, folder.method) {
        case ("sweep", _): what = t("lever sweep", "khảo sát theo mức đòn bẩy")
        case ("sensitivity", "tornado"): what = t("tornado sensitivity", "độ nhạy một nhân tố (biểu đồ lốc xoáy)")
        case ("sensitivity", "morris"): what = t("Morris screening", "sàng lọc Morris")
        case ("sensitivity", "sobol"): what = t("Sobol sensitivity indices", "chỉ số độ nhạy Sobol")
        case ("optimize", _): what = t("least-cost lever mix", "tổ hợp đòn bẩy chi phí thấp nhất")
        default: what = t("scenario discovery (PRIM)", "khám phá kịch bản (PRIM)")
        }
        return scenarioTitle.isEmpty ? what : scenarioTitle + ": " + what
    }

    /// An output's label from its cells (output, metric, year, op, value).
    func outputLabel(_ kind: String, _ metric: String, _ year: String, _ op: String, _ value: String) -> String {
        if metric == "all_targets" { return t("P(all targets, same path)", "Xác suất đạt mọi chỉ tiêu") }
        let name = folder.label(metric, vi: vi)
        let opText = op.replacingOccurrences(of: ">=", with: "≥").replacingOccurrences(of: "<=", with: "≤")
        let value = format.cell(value)
        if kind == "probability" { return t("P(\(name) \(opText) \(value), \(year))", "Xác suất \(name) \(opText) \(value) năm \(year)") }
        return t("Mean \(name), \(year)", "Trung bình \(name) năm \(year)")
    }

    /// Distinct outputs of a table, in order of first appearance, with the rows of each.
    func groups(_ table: DecisionFolder.Table) -> [(label: String, probability: Bool, rows: [Int])] {
        var order: [String] = [], rows: [String: [Int]] = [:], prob: [String: Bool] = [:]
        for r in table.rows.indices {
            let l = outputLabel(table.value(r, "output"), table.value(r, "metric"), table.value(r, "year"), table.value(r, "op"), table.value(r, "value"))
            if rows[l] == nil { order.append(l); prob[l] = table.value(r, "output") == "probability" }
            rows[l, default: []].append(r)
        }
        return order.map { ($0, prob[$0]!, rows[$0]!) }
    }

    /// Numbers by the run reports' rules and the report's language (`ReportNumberFormat`): "," and "." swap in Vietnamese.
    var format: ReportNumberFormat { ReportNumberFormat(language: language) }
    var charts: DecisionCharts { DecisionCharts(format: format) }
    /// A share as a percent with `d` decimals (coverage, density, a probability's swing in points).
    func pct(_ x: Double, _ d: Int = 1) -> String { x.isFinite ? format.percent(x, decimals: d) : "–" }
    /// A probability estimate on the run's paths by the run reports' rule: one decimal, "< 0.1%" /
    /// "> 99.9%" where a value strictly between 0 and 1 would print as 0.0% / 100.0% (`point`), and 0
    /// or 1 by the exact 95% bound they do not exceed ("< 0.1%" for no path of 4,000;
    /// `ReportNumberFormat.probability`, Clopper-Pearson), never a certain 0 or 100%.
    func probabilityText(_ x: Double) -> String {
        guard x.isFinite else { return "–" }
        if (x == 0 || x == 1), let n = drawsPerCase, n > 0 {
            let ci = BinomialInterval.clopperPearson(successes: x == 0 ? 0 : n, trials: n)
            return format.probability(x, low: ci.lower, high: ci.upper)
        }
        return format.point(x)
    }
    /// Draws per case (run.json `draws`), when one number.
    var drawsPerCase: Int? { (folder.runJSON["draws"] as? NSNumber)?.intValue }
    /// A probability's Monte Carlo standard error to two significant digits ("0.025%", not "0.0%").
    func seText(_ x: Double) -> String { format.standardErrorPercent(x) }
    /// Any other number to `d` significant digits, never in exponent form for report-sized values.
    func num(_ x: Double, _ d: Int = 3) -> String { x.isFinite ? format.significant(x, digits: d) : "–" }
    /// A number as written in the ranges or factors table, in the report's separators.
    func cell(_ text: String) -> String { format.cell(text) }
    /// An interval "[low, high]"; "[low; high]" in Vietnamese, where "," is the decimal mark.
    func range(_ low: String, _ high: String) -> String { "[" + low + (vi ? "; " : ", ") + high + "]" }
    func factorName(_ f: String) -> String { folder.label(f, vi: vi) }

    var draws: String { drawsPerCase.map { format.fixed(Double($0), decimals: 0) } ?? "?" }

    func blocks() -> [Block] {
        var b: [Block] = [.heading(1, title)]
        switch folder.kind {
        case "sweep": b += sweepBlocks()
        case "sensitivity":
            switch folder.method {
            case "tornado": b += tornadoBlocks()
            case "morris": b += morrisBlocks()
            default: b += sobolBlocks()
            }
        case "optimize": b += optimizeBlocks()
        default: b += discoverBlocks()
        }
        b += factorBlocks() + provenanceBlocks()
        return b
    }

    func factorBlocks() -> [Block] {
        guard let f = folder.tables["factors.csv"] else { return [] }
        let rows = f.rows.indices.map { r in
            [factorName(f.value(r, "factor")), f.value(r, "kind") == "lever" ? t("lever", "đòn bẩy") : t("assumption", "giả định"),
             f.value(r, "change"), cell(f.value(r, "low")), cell(f.value(r, "high")), cell(f.value(r, "cost")), f.value(r, "unit")]
        }
        return [.heading(2, t("Factors and ranges", "Các nhân tố và khoảng biến thiên")),
                .paragraph(t("add: added to the scenario's path in every simulated year; scale: the path times the value; set: the path replaced by the value. Cost per unit per year.",
                             "add: cộng vào lộ trình của kịch bản mỗi năm mô phỏng; scale: nhân lộ trình với giá trị; set: thay lộ trình bằng giá trị. Chi phí tính trên một đơn vị mỗi năm.")),
                .table(headers: [t("Factor", "Nhân tố"), t("Kind", "Loại"), t("Change", "Cách thay đổi"), t("Low", "Thấp"), t("High", "Cao"),
                                 t("Cost", "Chi phí"), t("Unit", "Đơn vị")], rows: rows)]
    }

    func provenanceBlocks() -> [Block] {
        let j = folder.runJSON
        var rows: [[String]] = []
        if let c = j["command"] as? [String] { rows.append([t("Command", "Lệnh"), c.joined(separator: " ")]) }
        for (k, en, vn) in [("seed", "Seed", "Hạt giống ngẫu nhiên"), ("draws", "Draws per case", "Số lượt mô phỏng mỗi trường hợp"),
                            ("cases", "Cases", "Số trường hợp"), ("threads", "Threads", "Số luồng"), ("started", "Started (UTC)", "Bắt đầu (UTC)"),
                            ("wall_seconds", "Wall time (s)", "Thời gian chạy (giây)")] {
            guard let v = j[k] else { continue }
            // Counts grouped, the wall time to a tenth of a second, in the report's separators.
            let text: String
            switch (k, v as? NSNumber) {
            case ("wall_seconds", let n?): text = format.fixed(n.doubleValue, decimals: n.doubleValue < 10 ? 2 : 1)
            case ("seed", _), ("started", _), (_, nil): text = "\(v)"
            case (_, let n?): text = format.fixed(n.doubleValue, decimals: 0)
            }
            rows.append([t(en, vn), text])
        }
        var b: [Block] = [.heading(2, t("Provenance", "Nguồn gốc kết quả")), .table(headers: ["", ""], rows: rows)]
        if let inputs = j["inputs"] as? [[String: Any]] {
            b.append(.table(headers: [t("Input file", "Tệp đầu vào"), "SHA-256"],
                            rows: inputs.map { [($0["path"] as? String) ?? "", ($0["sha256"] as? String) ?? ""] }))
        }
        return b
    }

    // MARK: sweep

    func sweepBlocks() -> [Block] {
        guard let s = folder.tables["sweep.csv"] else { return [] }
        let factors = Array(s.columns.dropFirst().prefix { $0 != "output" })
        var b: [Block] = [.paragraph(t(
            "Each grid point is a case of one experiment: all run on the same \(draws) random paths (common random numbers), so differences between points are due to the lever, not to chance. The band is the 95% Monte Carlo interval (estimate ± 1.96 mc_se). The dashed line marks the scenario's own level.",
            "Mỗi điểm lưới là một trường hợp của cùng một thí nghiệm: tất cả chạy trên cùng \(draws) đường ngẫu nhiên (số ngẫu nhiên chung), nên khác biệt giữa các điểm là do đòn bẩy, không do ngẫu nhiên. Dải màu là khoảng Monte Carlo 95% (ước lượng ± 1,96 mc_se). Đường nét đứt là mức của kịch bản."))]
        let x = s.numbers(factors[0])
        let neutral = folder.tables["factors.csv"].flatMap { f -> Double? in
            guard let r = f.column("factor").firstIndex(of: factors[0]) else { return nil }
            switch f.value(r, "change") { case "add": return 0; case "scale": return 1; default: return nil }
        }
        var fileIndex = 0
        let groupsList = groups(s)
        if factors.count == 1 {
            let probs = groupsList.filter(\.probability)
            let series = probs.map { g in (label: g.label, x: g.rows.map { x[$0] }, y: g.rows.map { s.number($0, "estimate") }, se: g.rows.map { s.number($0, "mc_se") }) }
            let title = t("Probability of each target against \(factorName(factors[0]))", "Xác suất đạt từng chỉ tiêu theo \(factorName(factors[0]))")
            b.append(.chart(svg: charts.sweep(title: title, subtitle: scenarioTitle, xLabel: factorName(factors[0]),
                                                      yLabel: t("Probability", "Xác suất"), series: series, scenarioLevel: neutral, probability: true),
                            file: "sweep-\(fileIndex).svg", caption: title))
            fileIndex += 1
        } else {
            let y2 = s.numbers(factors[1])
            for g in groupsList where g.probability {
                let levels = Array(Set(g.rows.map { y2[$0] })).sorted()
                let series = levels.map { l -> (label: String, x: [Double], y: [Double], se: [Double]) in
                    let rows = g.rows.filter { y2[$0] == l }
                    return ("\(factorName(factors[1])) = \(charts.plainTick(l))", rows.map { x[$0] }, rows.map { s.number($0, "estimate") }, rows.map { s.number($0, "mc_se") })
                }
                b.append(.chart(svg: charts.sweep(title: g.label, subtitle: scenarioTitle, xLabel: factorName(factors[0]),
                                                          yLabel: t("Probability", "Xác suất"), series: series, scenarioLevel: neutral, probability: true),
                                file: "sweep-\(fileIndex).svg", caption: g.label))
                fileIndex += 1
            }
        }
        // Table: one row per grid point, one column per output.
        let cases = Array(Set(s.column("case").compactMap(Int.init))).sorted()
        var rows: [[String]] = []
        for c in cases {
            let idx = s.rows.indices.filter { s.value($0, "case") == String(c) }
            var row = factors.map { num(s.number(idx[0], $0), 4) }
            for g in groupsList { if let r = idx.first(where: { g.rows.contains($0) }) {
                row.append(g.probability ? probabilityText(s.number(r, "estimate")) + " ± " + seText(s.number(r, "mc_se")) : num(s.number(r, "estimate"), 4))
            } }
            rows.append(row)
        }
        b.append(.heading(2, t("Estimates at each grid point", "Ước lượng tại từng điểm lưới")))
        b.append(.table(headers: factors.map(factorName) + groupsList.map(\.label), rows: rows))
        return b
    }

    // MARK: sensitivity

    func tornadoBlocks() -> [Block] {
        guard let s = folder.tables["tornado.csv"] else { return [] }
        var b: [Block] = [.paragraph(t(
            "One factor at a time: each factor at the low and the high end of its range, the others as the scenario has them; all cases on the same \(draws) random paths. Bars are ordered by swing (|high − low|); the vertical line is the scenario.",
            "Thay đổi từng nhân tố một: mỗi nhân tố ở mức thấp và mức cao của khoảng, các nhân tố khác giữ như kịch bản; mọi trường hợp chạy trên cùng \(draws) đường ngẫu nhiên. Các thanh xếp theo biên độ (|cao − thấp|); đường dọc là kịch bản."))]
        var rows: [[String]] = []
        for (k, g) in groups(s).enumerated() {
            let bars = g.rows.map { (factor: factorName(s.value($0, "factor")), low: s.number($0, "estimate_low"), high: s.number($0, "estimate_high")) }
            b.append(.chart(svg: charts.tornado(title: g.label, subtitle: scenarioTitle, xLabel: g.probability ? t("Probability", "Xác suất") : t("Mean", "Trung bình"),
                                                        base: s.number(g.rows[0], "base"), bars: bars, probability: g.probability,
                                                        lowLabel: t("low end", "mức thấp"), highLabel: t("high end", "mức cao")),
                            file: "tornado-\(k).svg", caption: g.label))
            for r in g.rows {
                let f: (Double) -> String = g.probability ? { self.probabilityText($0) } : { self.num($0, 4) }
                let swing: (Double) -> String = g.probability ? { self.pct($0) } : { self.num($0, 4) }
                rows.append([g.label, factorName(s.value(r, "factor")), cell(s.value(r, "low")), cell(s.value(r, "high")), f(s.number(r, "estimate_low")),
                             f(s.number(r, "estimate_high")), swing(s.number(r, "swing"))])
            }
        }
        b.append(.table(headers: [t("Output", "Kết quả"), t("Factor", "Nhân tố"), t("Low", "Thấp"), t("High", "Cao"), t("At low", "Tại mức thấp"),
                                  t("At high", "Tại mức cao"), t("Swing", "Biên độ")], rows: rows))
        return b
    }

    func morrisBlocks() -> [Block] {
        guard let s = folder.tables["morris.csv"] else { return [] }
        var b: [Block] = [.paragraph(t(
            "Morris elementary effects (Morris 1991; mu* from Campolongo et al. 2007): trajectories that move one factor at a time across a 4-level grid of its range. mu* is the mean absolute change of the output per full range of the factor (importance); sigma its spread (interactions or non-linearity). Points above the dashed line sigma = mu* act mostly through interactions.",
            "Hiệu ứng cơ bản Morris (Morris 1991; mu* theo Campolongo và cộng sự 2007): các quỹ đạo thay đổi từng nhân tố một trên lưới 4 mức trong khoảng của nó. mu* là mức thay đổi tuyệt đối trung bình của kết quả trên toàn khoảng của nhân tố (mức quan trọng); sigma là độ phân tán (tương tác hoặc phi tuyến). Các điểm trên đường nét đứt sigma = mu* tác động chủ yếu qua tương tác."))]
        var rows: [[String]] = []
        for (k, g) in groups(s).enumerated() {
            let pts = g.rows.map { (factor: factorName(s.value($0, "factor")), muStar: s.number($0, "mu_star"), sigma: s.number($0, "sigma"), conf: s.number($0, "mu_star_conf")) }
            b.append(.chart(svg: charts.morris(title: g.label, subtitle: scenarioTitle, xLabel: "mu*", yLabel: "sigma", points: pts),
                            file: "morris-\(k).svg", caption: g.label))
            for r in g.rows {
                rows.append([g.label, factorName(s.value(r, "factor")), num(s.number(r, "mu")), num(s.number(r, "mu_star")),
                             num(s.number(r, "mu_star_conf")), num(s.number(r, "sigma"))])
            }
        }
        b.append(.table(headers: [t("Output", "Kết quả"), t("Factor", "Nhân tố"), "mu", "mu*", t("± (95%)", "± (95%)"), "sigma"], rows: rows))
        return b
    }

    func sobolBlocks() -> [Block] {
        guard let s = folder.tables["sobol.csv"] else { return [] }
        var b: [Block] = [.paragraph(t(
            "Sobol variance-based indices from a Saltelli (2010) design: S1 is the share of the output's variance due to the factor alone (Saltelli 2010 estimator), ST the share including its interactions (Jansen 1999). Intervals: 95% bootstrap over the design's rows. The output of each case is its Monte Carlo estimate on the same \(draws) paths.",
            "Chỉ số Sobol dựa trên phương sai, thiết kế Saltelli (2010): S1 là phần phương sai của kết quả do riêng nhân tố (ước lượng Saltelli 2010), ST là phần kể cả tương tác (Jansen 1999). Khoảng tin cậy: bootstrap 95% trên các hàng của thiết kế. Kết quả của mỗi trường hợp là ước lượng Monte Carlo trên cùng \(draws) đường."))]
        var rows: [[String]] = []
        for (k, g) in groups(s).enumerated() {
            let bars = g.rows.map { (factor: factorName(s.value($0, "factor")), s1: s.number($0, "S1"), s1c: s.number($0, "S1_conf"),
                                     st: s.number($0, "ST"), stc: s.number($0, "ST_conf")) }
            b.append(.chart(svg: charts.sobol(title: g.label, subtitle: scenarioTitle, yLabel: t("Index", "Chỉ số"), bars: bars,
                                                      firstLabel: t("first order S1", "bậc một S1"), totalLabel: t("total ST", "toàn phần ST")),
                            file: "sobol-\(k).svg", caption: g.label))
            for r in g.rows {
                rows.append([g.label, factorName(s.value(r, "factor")), num(s.number(r, "S1")) + " ± " + num(s.number(r, "S1_conf"), 2),
                             num(s.number(r, "ST")) + " ± " + num(s.number(r, "ST_conf"), 2)])
            }
        }
        b.append(.table(headers: [t("Output", "Kết quả"), t("Factor", "Nhân tố"), "S1 (95%)", "ST (95%)"], rows: rows))
        return b
    }

    // MARK: optimize

    func optimizeBlocks() -> [Block] {
        guard let o = folder.tables["optimum.csv"], let c = folder.tables["check.csv"], let s = folder.tables["search.csv"] else { return [] }
        let j = folder.runJSON
        let p = (j["probability"] as? NSNumber)?.doubleValue ?? .nan
        let feasible = (j["feasible"] as? Bool) ?? true
        var b: [Block] = [.paragraph(t(
            "Grid search with refinement over the levers that have a cost: every grid point is a case on the same \(draws) random paths (common random numbers make the probability a smooth function of the levers). The cheapest point reaching the probability \(pct(p, 0)) is then run again on fresh draws (another seed); the table below reports those fresh estimates, free of the search's optimism.",
            "Tìm kiếm trên lưới có tinh chỉnh theo các đòn bẩy có chi phí: mỗi điểm lưới là một trường hợp trên cùng \(draws) đường ngẫu nhiên (số ngẫu nhiên chung làm xác suất biến đổi trơn theo đòn bẩy). Điểm rẻ nhất đạt xác suất \(pct(p, 0)) được chạy lại trên các lượt rút mới (hạt giống khác); bảng dưới báo cáo các ước lượng mới này, không bị thiên lệch do tìm kiếm."))]
        if !feasible {
            b.append(.paragraph(t("No mix within the ranges reaches the required probability: shown is the most likely mix.",
                                  "Không tổ hợp nào trong các khoảng đạt xác suất yêu cầu: hiển thị tổ hợp có xác suất cao nhất.")))
        }
        b.append(.heading(2, t("The least-cost mix", "Tổ hợp chi phí thấp nhất")))
        b.append(.table(headers: [t("Lever", "Đòn bẩy"), t("Change", "Cách thay đổi"), t("Value", "Giá trị"), t("Range", "Khoảng"), t("Precision", "Độ chính xác"),
                                  t("Cost per unit", "Chi phí mỗi đơn vị"), t("Spend over the horizon", "Chi tiêu cả giai đoạn")],
                        rows: o.rows.indices.map { r in
                            [factorName(o.value(r, "lever")), o.value(r, "change"), num(o.number(r, "value"), 4), range(cell(o.value(r, "low")), cell(o.value(r, "high"))),
                             "± " + num(o.number(r, "precision"), 2), cell(o.value(r, "cost_per_unit")), num(o.number(r, "spend"), 4)]
                        }))
        if let raw = j["cost"] {
            let cost = (raw as? NSNumber).map { num($0.doubleValue, 6) } ?? "\(raw)"
            b.append(.paragraph(t("Total cost of the levers over the simulated years: \(cost).", "Tổng chi phí các đòn bẩy trong các năm mô phỏng: \(cost).")))
        }
        b.append(.heading(2, t("Probabilities on fresh draws", "Xác suất trên các lượt rút mới")))
        b.append(.table(headers: [t("Output", "Kết quả"), t("Required", "Yêu cầu"), t("In the search", "Trong tìm kiếm"), t("Fresh estimate", "Ước lượng mới"), "mc_se"],
                        rows: c.rows.indices.map { r in
                            [outputLabel(c.value(r, "output"), c.value(r, "metric"), c.value(r, "year"), c.value(r, "op"), c.value(r, "value")),
                             c.value(r, "required").isEmpty ? "" : pct(c.number(r, "required"), 0),
                             c.value(r, "in_search").isEmpty ? "" : probabilityText(c.number(r, "in_search")), probabilityText(c.number(r, "estimate")), seText(c.number(r, "mc_se"))]
                        }))
        let cost = s.numbers("cost"), prob = s.numbers("probability")
        let best = s.column("chosen").firstIndex(of: "true")
        let title = t("Every mix evaluated: probability against cost", "Mọi tổ hợp đã đánh giá: xác suất theo chi phí")
        b.append(.chart(svg: charts.scatter(title: title, subtitle: scenarioTitle, xLabel: t("Cost", "Chi phí"), yLabel: t("Probability", "Xác suất"),
                                                    x: cost, y: prob, highlight: best, reference: p, xPercent: false, yPercent: true, kind: "optimize",
                                                    pointLabel: t("grid point", "điểm lưới"), highlightLabel: t("least-cost mix", "tổ hợp rẻ nhất")),
                        file: "optimize.svg", caption: title))
        return b
    }

    // MARK: discover

    func discoverBlocks() -> [Block] {
        guard let tr = folder.tables["prim_trajectory.csv"], let bx = folder.tables["prim_box.csv"] else { return [] }
        let target = (folder.runJSON["target"] as? String) ?? ""
        var b: [Block] = [.paragraph(t(
            "Scenario discovery by PRIM (Friedman & Fisher 1999, as in EMA Workbench): cases spread over the assumptions' ranges (a Sobol sequence), all on the same \(draws) random paths; a case's outcome is the share of its paths that miss \(target). Peeling narrows one limit at a time towards the cases that miss most; pasting widens again where that pays. Coverage: the share of all misses inside the box; density: the share of paths missing inside it.",
            "Khám phá kịch bản bằng PRIM (Friedman & Fisher 1999, như EMA Workbench): các trường hợp trải đều trên khoảng của các giả định (dãy Sobol), cùng \(draws) đường ngẫu nhiên; kết quả của một trường hợp là tỷ lệ đường không đạt \(target). Bước bóc tách thu hẹp từng giới hạn về phía các trường hợp không đạt nhiều nhất; bước dán nới rộng lại khi có lợi. Độ bao phủ: phần các lần không đạt nằm trong hộp; mật độ: tỷ lệ đường không đạt trong hộp."))]
        let chosen = tr.column("chosen").firstIndex(of: "true")
        let title = t("Coverage–density trade-off of the PRIM boxes", "Đánh đổi độ bao phủ – mật độ của các hộp PRIM")
        b.append(.chart(svg: charts.scatter(title: title, subtitle: scenarioTitle, xLabel: t("Coverage", "Độ bao phủ"), yLabel: t("Density", "Mật độ"),
                                                    x: tr.numbers("coverage"), y: tr.numbers("density"), highlight: chosen, reference: nil,
                                                    xPercent: true, yPercent: true, kind: "prim", pointLabel: t("box", "hộp"), highlightLabel: t("chosen box", "hộp được chọn")),
                        file: "prim.svg", caption: title))
        if let c = chosen {
            b.append(.heading(2, t("The chosen box", "Hộp được chọn")))
            b.append(.paragraph(t("Box \(c): coverage \(pct(tr.number(c, "coverage"))), density \(pct(tr.number(c, "density"))), \(tr.value(c, "cases")) cases (\(pct(tr.number(c, "mass"))) of all).",
                                  "Hộp \(c): độ bao phủ \(pct(tr.number(c, "coverage"))), mật độ \(pct(tr.number(c, "density"))), \(tr.value(c, "cases")) trường hợp (\(pct(tr.number(c, "mass"))) tổng số).")))
            let rows = bx.rows.indices.filter { bx.value($0, "box") == String(c) }.map { r in
                [factorName(bx.value(r, "factor")), num(bx.number(r, "lower"), 4), num(bx.number(r, "upper"), 4),
                 range(num(bx.number(r, "data_min"), 4), num(bx.number(r, "data_max"), 4)),
                 bx.value(r, "restricted") == "true" ? t("yes", "có") : t("no", "không")]
            }
            b.append(.table(headers: [t("Factor", "Nhân tố"), t("Lower", "Cận dưới"), t("Upper", "Cận trên"), t("Range explored", "Khoảng đã khảo sát"),
                                      t("Restricted", "Bị giới hạn")], rows: rows))
        }
        return b
    }

    // MARK: rendering

    public func html() -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"\(language.rawValue)\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<meta name=\"generator\" content=\"coopsim report\"/>\n"
        h += "<title>\(SVGCanvas.escape(title))</title>\n<style>\n" + ReportBuilder.css + "</style>\n</head>\n<body>\n<main>\n"
        var inCharts = false
        for block in blocks() {
            if case .chart = block {
                if !inCharts { h += "<div class=\"charts\">\n"; inCharts = true }
            } else if inCharts { h += "</div>\n"; inCharts = false }
            switch block {
            case .heading(let l, let s): h += "<h\(l)>\(SVGCanvas.escape(s))</h\(l)>\n"
            case .paragraph(let s): h += "<p>\(SVGCanvas.escape(s))</p>\n"
            case .chart(let svg, _, _): h += "<figure>\n" + svg + "</figure>\n"
            case .table(let headers, let rows):
                h += "<table>\n"
                if headers.contains(where: { !$0.isEmpty }) { h += "<tr>" + headers.map { "<th>\(SVGCanvas.escape($0))</th>" }.joined() + "</tr>\n" }
                for r in rows { h += "<tr>" + r.map { "<td>\(SVGCanvas.escape($0))</td>" }.joined() + "</tr>\n" }
                h += "</table>\n"
            }
        }
        if inCharts { h += "</div>\n" }
        h += "</main>\n</body>\n</html>\n"
        return h
    }

    public func markdown(figuresFolder: String) -> (text: String, files: [(name: String, contents: String)]) {
        var md = "", files: [(String, String)] = []
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        for block in blocks() {
            switch block {
            case .heading(let l, let s): md += String(repeating: "#", count: l) + " " + s + "\n\n"
            case .paragraph(let s): md += s + "\n\n"
            case .chart(let svg, let file, let caption):
                md += "![\(cell(caption))](\(figuresFolder)/\(file))\n\n"
                files.append((file, svg))
            case .table(let headers, let rows):
                md += "| " + headers.map(cell).joined(separator: " | ") + " |\n|" + String(repeating: " --- |", count: headers.count) + "\n"
                for r in rows { md += "| " + r.map(cell).joined(separator: " | ") + " |\n" }
                md += "\n"
            }
        }
        return (md, files.map { (name: $0.0, contents: $0.1) })
    }

    /// Writes the report (html, md or xlsx; md writes its SVGs into `STEM-figures/` beside the file).
    /// Throws `OutputError` when a file cannot be written, `InputError` for ipynb (not available
    /// for decision folders: their tables open directly in pandas).
    public func write(format: ReportFormat, to path: String) throws {
        switch format {
        case .html: try OutputFile.write(html(), to: path)
        case .md:
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let figures = stem + "-figures"
            let (text, files) = markdown(figuresFolder: figures)
            try DocumentWithFigures.write(text, to: path, figuresFolder: figures,
                                          figures: files.map { (name: $0.name, bytes: Array($0.contents.utf8)) })
        case .xlsx:
            // The generic workbook: a sheet per CSV file of the folder, a README sheet (RunWorkbook).
            try SafeOutput.write(try RunWorkbook(directory: folder.directory, language: language).bytes(), to: path)
        case .ipynb:
            throw InputError(file: folder.directory, field: "--format",
                             expected: "html or md for a \(folder.kind) folder", found: "ipynb",
                             hint: "the folder's CSV files open directly with pandas.read_csv")
        }
    }
}
