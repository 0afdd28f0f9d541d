import CoopModel
import Foundation

/// Warnings (not errors) about a valid scenario whose values are legal but probably not meant:
///
/// - a growth rate (an assumption or lever whose unit mentions "growth") above
///   `growthBound` in absolute value: "grdp_growth = 6 ... did you mean 0.06?" (a percent written
///   where a fraction is meant runs GRDP to 1e23);
/// - a lever or assumption path whose given years all lie before the first simulated year: it holds
///   its last value through the simulation, which is rarely what a path was written for.
///
/// `validate`, `run` and `compare` print them on stderr as `warning: FILE: FIELD: ...`.
public enum ScenarioPlausibility {
    /// Growth rates are fractions per year; above 30% a year in absolute value is almost surely a percent.
    public static let growthBound = 0.3

    public static func warnings(_ s: Scenario, model: ModelSpec) -> [String] {
        var out: [String] = s.notices
        let first = s.lastObservedYear + 1
        for d in model.declarations where d.kind != .variable {
            guard let path = s.paths[d.name] else { continue }
            let field = (d.kind == .lever ? "levers." : "assumptions.") + d.name
            if d.unit.lowercased().contains("growth") {
                for p in path.points where abs(p.value) > growthBound {
                    let shown = formatted(p.value), meant = formatted(p.value / 100)
                    out.append("\(s.file): \(field): \(shown) is a growth of \(formatted(p.value * 100))% a year (the unit is \(d.unit), a fraction); did you mean \(meant)?")
                    break
                }
            }
            let years = path.points.map(\.year)
            if path.points.count >= 1, let last = years.max(), last < first, years.count > 1 || years[0] != first {
                out.append("\(s.file): \(field): the path is given for \(years.min()!)–\(last) only, before the simulated years \(first)–\(s.horizon); its \(last) value \(formatted(path.value(at: last))) is held through them (give the simulated years, or a single number)")
            }
        }
        return out
    }

    static func formatted(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        var s = String(format: "%.6g", x)
        if s.contains("e") { s = x.description }
        return s
    }
}
