import CoopData
import CoopModel
import Foundation

/// What varies in a decision analysis: for each lever or assumption of a scenario, a range of
/// changes to its path and, for optimisation, a cost. Read from a small TOML file (Guides/Decision.md):
///
///     # Scenarios/ranges/hcmc-2024.toml
///     [levers]
///     promotion = { add = [0, 30], cost = 0.8 }      # 0 to 30 more cooperatives mobilised per year; 0.8 billion VND each
///     training  = { set = [0.05, 0.35], cost = 60 }  # the share trained per year replaced by a flat level
///     support   = { scale = [0.75, 1.5], cost = 1 }  # the budget path times 0.75 to 1.5; cost per billion VND
///     [assumptions]
///     grdp_growth = { add = [-0.03, 0.02] }
///
/// A factor's value x moves the scenario's path in every simulated year (years up to the last
/// observed one keep their values): `add` gives path + x, `scale` path · x, `set` the flat path x.
/// `cost` is per unit of the lever (the model's unit) per simulated year, so a plan's cost is
/// Σ cost · Σ_years value (levers only). `levels` (default 5) is the number of grid points of a sweep.
public struct FactorRanges: Sendable {
    public struct Factor: Sendable, Equatable {
        public enum Change: String, Sendable, CaseIterable { case add, scale, set }
        public var name: String
        public var kind: ModelSpec.Kind
        public var change: Change
        public var low: Double
        public var high: Double
        public var cost: Double?
        public var levels: Int
        public var line: Int
        public var unit: String
        public var labelEN: String
        public var labelVI: String

        /// The value of the changed path in `year`, given the scenario's own value there.
        @inlinable
        public func apply(_ x: Double, to own: Double) -> Double {
            switch change {
            case .add: return own + x
            case .scale: return own * x
            case .set: return x
            }
        }

        /// The factor value that leaves the scenario's path unchanged (add 0, scale 1, set: the path's
        /// value when the path is flat over the simulated years), if any.
        public func neutral(for path: YearPath, years: ClosedRange<Int>) -> Double? {
            switch change {
            case .add: return 0
            case .scale: return 1
            case .set:
                let v = path.value(at: years.lowerBound)
                return years.allSatisfy { path.value(at: $0) == v } ? v : nil
            }
        }

        /// `n` evenly spaced values from low to high (the ends exact).
        public func grid(_ n: Int) -> [Double] {
            if n == 1 || low == high { return [low] }
            return (0..<n).map { $0 == n - 1 ? high : low + Double($0) * (high - low) / Double(n - 1) }
        }
    }

    public var file: String
    public var factors: [Factor]
    public var levers: [Factor] { factors.filter { $0.kind == .lever } }
    public var assumptions: [Factor] { factors.filter { $0.kind == .assumption } }
    public func factor(_ name: String) -> Factor? { factors.first { $0.name == name } }

    /// Reads a ranges file and checks it against the scenario and its model: every name a lever
    /// (under `[levers]`) or assumption (`[assumptions]`) of the model, exactly one of add, scale or
    /// set with `[low, high]`, low ≤ high, the changed path inside the variable's domain in every
    /// simulated year at both ends, `cost` ≥ 0 (levers only), `levels` from 2 to 101.
    /// Throws `InputErrors` listing every problem, located in the ranges file.
    public static func load(path: String, scenario: Scenario, model: ModelSpec) throws -> FactorRanges {
        let doc: TOMLDocument
        do { doc = try TOMLParser.parse(contentsOf: path) } catch { throw InputErrors([error]) }
        var checker = TOMLChecker(file: path)
        checker.rejectUnknownKeys(doc.root, allowed: ["title", "levers", "assumptions"], path: "")
        _ = checker.string(doc.root, "title", path: "", required: false)
        var factors: [Factor] = []
        for (section, kind) in [("levers", ModelSpec.Kind.lever), ("assumptions", .assumption)] {
            guard let (table, _) = checker.table(doc.root, section, path: "", required: false) else { continue }
            let names = model.declarations.filter { $0.kind == kind }.map(\.name)
            for e in table.entries {
                let field = section + "." + e.key
                guard let decl = model.declaration(e.key), decl.kind == kind else {
                    let other = model.declaration(e.key)
                    checker.report(line: e.keyLine, field: field,
                                   expected: "\(kind == .lever ? "a lever" : "an assumption") of the model (\(names.joined(separator: ", ")))",
                                   found: other.map { "'\(e.key)', which is a \($0.kind.rawValue)" } ?? "'\(e.key)'",
                                   hint: closestMatch(to: e.key, among: names).map { "did you mean '\($0)'?" })
                    continue
                }
                guard let t = e.node.tableValue else {
                    checker.report(e.node, field: field, expected: "a table such as { add = [0, 30], cost = 0.8 }", found: e.node.sourceText)
                    continue
                }
                let allowed = ["add", "scale", "set", "levels"] + (kind == .lever ? ["cost"] : [])
                checker.rejectUnknownKeys(t, allowed: allowed, path: field)
                let given = Factor.Change.allCases.filter { t[$0.rawValue] != nil }
                guard given.count == 1, let change = given.first else {
                    checker.report(e.node, field: field, expected: "exactly one of add, scale or set with [low, high]",
                                   found: given.isEmpty ? "none of them" : given.map(\.rawValue).joined(separator: " and "))
                    continue
                }
                let node = t[change.rawValue]!
                let f = field + "." + change.rawValue
                guard let pair = node.arrayValue, pair.count == 2, let low = pair[0].numberValue, let high = pair[1].numberValue,
                      low.isFinite, high.isFinite else {
                    checker.report(node, field: f, expected: "two finite numbers [low, high]", found: node.sourceText)
                    continue
                }
                guard low <= high else {
                    checker.report(node, field: f, expected: "low ≤ high", found: node.sourceText)
                    continue
                }
                var cost: Double?
                if kind == .lever, let c = checker.number(t, "cost", path: field, required: false, domain: .nonNegative) { cost = c }
                var levels = 5
                if let l = checker.integer(t, "levels", path: field, required: false, range: 2...101) { levels = l }
                // The changed path must stay in the domain at both ends, in every simulated year.
                var inDomain = true
                if let own = scenario.paths[e.key] {
                    for x in [low, high] where inDomain {
                        for year in scenario.years {
                            let v = Factor(name: e.key, kind: kind, change: change, low: low, high: high, cost: nil, levels: 2, line: 0,
                                           unit: "", labelEN: "", labelVI: "").apply(x, to: own.value(at: year))
                            if !decl.domain.contains(v) || (decl.domain == .count && v > TOMLChecker.largestEnteringCount) {
                                let bound = decl.domain == .count ? "a whole number from 0 to 1e15" : decl.domain.expectation
                                checker.report(node, field: f, expected: "a range that keeps \(e.key) \(bound) in every simulated year",
                                               found: "\(node.sourceText), which gives \(CSVWriter.number(v)) in \(year)")
                                inDomain = false
                                break
                            }
                        }
                    }
                }
                if !inDomain { continue }
                factors.append(Factor(name: e.key, kind: kind, change: change, low: low, high: high, cost: cost, levels: levels,
                                      line: e.keyLine, unit: decl.unit, labelEN: decl.labelEN, labelVI: decl.labelVI))
            }
        }
        if checker.problems.isEmpty && factors.isEmpty {
            checker.report(line: 1, field: "levers", expected: "at least one lever or assumption with a range",
                           found: "none", hint: "add a [levers] table such as promotion = { add = [0, 30] }")
        }
        if !checker.problems.isEmpty { throw InputErrors(checker.problems) }
        return FactorRanges(file: path, factors: factors)
    }
}
