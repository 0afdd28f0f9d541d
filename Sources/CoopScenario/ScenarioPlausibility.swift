import CoopModel
import Foundation

/// Warnings (not errors) about a valid scenario whose values are legal but probably not meant:
///
/// - a growth rate (an assumption or lever whose unit mentions "growth") above
///   `growthBound` in absolute value: "grdp_growth = 6 ... did you mean 0.06?" (a percent written
///   where a fraction is meant runs GRDP to 1e23);
/// - a lever or assumption path whose given years all lie before the first simulated year: it holds
///   its last value through the simulation, which is rarely what a path was written for;
/// - an intensive quantity (`isIntensive`: a share, a growth rate, a per-unit value such as workers
///   per cooperative) given in `[observed]`, `[levers]` or `[assumptions]` far outside the range
///   the calibration panel had for it (`[data_range]` of the calibration): outside
///   [min − m, max + m] with m = `rangeMargin` × max(max − min, |min|, |max|). Extensive
///   quantities (counts, totals, budgets, flows per year) are not checked: they grow with the
///   region's size, and a national scenario is by design far larger than the provincial panel.
///   Columns constant in the panel (a setting of the data generator) are not checked either.
///
/// `validate`, `run` and `compare` print them on stderr as `warning: FILE: FIELD: ...` (the range
/// warning as `warning: FILE:LINE: FIELD: ...`).
public enum ScenarioPlausibility {
    /// Growth rates are fractions per year; above 30% a year in absolute value is almost surely a percent.
    public static let growthBound = 0.3
    /// Half the panel's spread (or magnitude, when larger) beyond its range before a value is called
    /// far outside it: 0.5 lets a plan go half as far again as the panel did (training 0.3 a year
    /// when the panel reached 0.2) but flags a value written ten times too large.
    public static let rangeMargin = 0.5

    /// Intensive quantities keep their scale whatever the region's size: shares (domain share or
    /// open_share), growth rates (a unit mentioning "growth") and per-unit values (a unit
    /// "A per B" with B not a period of time: "million VND per worker", "persons per cooperative").
    /// Counts, totals and flows per year ("billion VND per year") are extensive.
    public static func isIntensive(_ d: ModelSpec.Declaration) -> Bool {
        if d.domain == .share || d.domain == .openShare { return true }
        let unit = d.unit.lowercased()
        if unit.contains("growth") { return true }
        if let r = unit.range(of: " per ") {
            let per = unit[r.upperBound...]
            return !["year", "month", "quarter", "day"].contains { per.hasPrefix($0) }
        }
        return false
    }

    /// The warnings for `s`; with `calibration` (else the scenario's calibration file is read, and
    /// without a readable one the range check is left out) values are also compared with the range
    /// of its panel.
    public static func warnings(_ s: Scenario, model: ModelSpec, calibration: Calibration? = nil) -> [String] {
        var out: [String] = s.notices
        let first = s.lastObservedYear + 1
        let cal = calibration ?? (try? Calibration.load(path: s.calibrationPath))
        var warnedGrowth: Set<String> = []
        for d in model.declarations where d.kind != .variable {
            guard let path = s.paths[d.name] else { continue }
            let field = (d.kind == .lever ? "levers." : "assumptions.") + d.name
            if d.unit.lowercased().contains("growth") {
                for p in path.points where abs(p.value) > growthBound {
                    let shown = formatted(p.value), meant = formatted(p.value / 100)
                    out.append("\(s.file): \(field): \(shown) is a growth of \(formatted(p.value * 100))% a year (the unit is \(d.unit), a fraction); did you mean \(meant)?")
                    warnedGrowth.insert(d.name)
                    break
                }
            }
            let years = path.points.map(\.year)
            if path.points.count >= 1, let last = years.max(), last < first, years.count > 1 || years[0] != first {
                out.append("\(s.file): \(field): the path is given for \(years.min()!)–\(last) only, before the simulated years \(first)–\(s.horizon); its \(last) value \(formatted(path.value(at: last))) is held through them (give the simulated years, or a single number)")
            }
        }
        if let cal { out += rangeWarnings(s, model: model, calibration: cal, skipping: warnedGrowth) }
        return out
    }

    /// Intensive values of `s` far outside the range of `calibration`'s panel: one warning per
    /// key (its first such value), naming the file and line where it is written, the value and year,
    /// the panel's range and the bounds of the warning.
    static func rangeWarnings(_ s: Scenario, model: ModelSpec, calibration: Calibration, skipping: Set<String>) -> [String] {
        var out: [String] = []
        for d in model.declarations where isIntensive(d) && !skipping.contains(d.name) {
            guard let r = calibration.range(of: d.name), r.max > r.min else { continue }
            let m = rangeMargin * max(r.max - r.min, abs(r.min), abs(r.max))
            let low = r.min - m, high = r.max + m
            func outside(_ v: Double) -> Bool { v < low || v > high }
            var found: (field: String, value: Double, year: Int?, line: Int?)?
            if d.kind == .variable {
                if let v = s.observed[d.name], outside(v) { found = ("observed." + d.name, v, s.lastObservedYear, nil) }
            } else if let path = s.paths[d.name] {
                let field = (d.kind == .lever ? "levers." : "assumptions.") + d.name
                // A single number holds through every simulated year; a table gives its years.
                if let p = path.points.first(where: { outside($0.value) }) {
                    found = (field, p.value, path.points.count == 1 ? nil : p.year, p.line)
                }
            }
            guard let f = found else { continue }
            let at = s.locations[f.field]
            let place = at.map { "\($0.file):\(f.line ?? $0.line)" } ?? s.file
            let when = f.year.map { " in \($0)" } ?? ""
            let unit = d.unit.isEmpty ? "" : " (\(d.unit))"
            out.append("\(place): \(f.field) = \(formatted(f.value))\(when) is far outside the range of the calibration panel, "
                       + "\(short(r.min)) to \(short(r.max))\(unit) in \(calibration.dataFile.isEmpty ? calibration.file : calibration.dataFile) "
                       + "(warned outside \(short(low)) to \(short(high))): the fitted equations never saw such a value, so the "
                       + "projection extrapolates; check the number and its unit")
        }
        return out
    }

    /// A range bound to 3 significant digits.
    static func short(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.3g", x)
        if s.contains("e") { s = String(format: "%g", x) }
        return s
    }

    static func formatted(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.6g", x)
        if s.contains("e") { s = x.description }
        return s
    }
}
