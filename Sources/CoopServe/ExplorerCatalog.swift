import CoopData
import CoopModel
import CoopScenario
import Foundation

/// The scenarios a `coopsim serve` was started with, and what the page may change in each.
///
/// Read once at start; the server never reads another scenario file. For every lever and
/// assumption of a scenario's model the catalog holds its path over the simulated years (the
/// values `run` would use) and the range the page's slider and the API allow:
///
/// | domain of the declaration | allowed range |
/// |---|---|
/// | share (0..1), open share | 0 ... 1 (open shares: 0.0001 ... 0.9999) |
/// | count, non-negative, positive | 0 ... max(4 × the path's largest value, 10) (positive: from 1e-9) |
/// | real (growth rates) | the path's smallest value − 0.1 ... largest value + 0.1 |
/// | range(a, b) | a ... b |
///
/// A value outside its range is refused by the API with a message naming the lever, the year,
/// the range and the value (HTTP 422), before anything runs.
public struct ExplorerCatalog: Sendable {
    /// A lever or assumption path as the page shows it.
    public struct PathControl: Sendable {
        public var name: String
        /// `lever` or `assumption`.
        public var kind: String
        public var unit: String
        public var labelEN: String
        public var labelVI: String
        public var domain: NumericDomain
        /// Simulated years (last observed + 1 ... horizon).
        public var years: [Int]
        /// The scenario's value in each simulated year.
        public var values: [Double]
        /// The value in the last observed year (kept when the path is edited, for lagged reads).
        public var lastObservedValue: Double
        public var minimum: Double
        public var maximum: Double
        /// A step for the page's slider (a round fraction of the range).
        public var step: Double
    }

    /// One scenario the page can explore.
    public struct Entry: Sendable {
        public var scenario: Scenario
        public var model: ModelSpec
        public var controls: [PathControl]
        /// The scenario proposed as its baseline: the one it extends when that was given too, else a
        /// given scenario of the same region whose name ends in "baseline", else itself.
        public var defaultBaseline: String
    }

    public let entries: [Entry]

    /// Loads every scenario file (all problems of all files thrown together as `InputErrors`).
    /// Two files of one scenario name are refused: the page selects scenarios by name.
    public init(files: [String]) throws {
        var loaded: [(Scenario, ModelSpec)] = []
        var problems: [InputError] = []
        for f in files {
            do { loaded.append(try ScenarioLoader.load(path: f)) }
            catch let e as InputErrors { problems += e.errors }
            catch let e as InputError { problems.append(e) }
        }
        var seen: [String: String] = [:]
        for (s, _) in loaded {
            if let other = seen[s.name] {
                problems.append(InputError(file: s.file, field: "name", expected: "a scenario name not used by another file given to serve",
                                           found: "'\(s.name)', the name of \(other) too"))
            }
            seen[s.name] = s.file
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        func canonical(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        entries = loaded.map { s, m in
            // The file a scenario extends directly is the second of its chain.
            let parent = s.inputFiles.count > 1 ? canonical(s.inputFiles[1]) : nil
            let byParent = loaded.first { parent != nil && canonical($0.0.file) == parent }?.0.name
            let byName = loaded.first { $0.0.region == s.region && $0.0.name != s.name && $0.0.name.hasSuffix("baseline") }?.0.name
            return Entry(scenario: s, model: m, controls: Self.controls(s, m), defaultBaseline: byParent ?? byName ?? s.name)
        }
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.scenario.name == name } }

    static func controls(_ s: Scenario, _ m: ModelSpec) -> [PathControl] {
        let years = Array(s.years)
        return (m.levers + m.assumptions).compactMap { d in
            guard let path = s.paths[d.name] else { return nil }
            let values = years.map { path.value(at: $0) }
            let lo = values.min() ?? 0, hi = values.max() ?? 0
            var minimum: Double, maximum: Double
            switch d.domain {
            case .share: minimum = 0; maximum = 1
            case .openShare: minimum = 0.0001; maximum = 0.9999
            case .count, .nonNegative: minimum = 0; maximum = max(4 * hi, 10)
            case .positive: minimum = 1e-9; maximum = max(4 * hi, 10)
            case .real: minimum = lo - 0.1; maximum = hi + 0.1
            case .range(let a, let b): minimum = a; maximum = b
            }
            let step: Double
            switch d.domain {
            case .count: step = 1
            case .share, .openShare: step = 0.005
            case .real: step = 0.001
            default: step = Self.roundStep((maximum - minimum) / 200)
            }
            return PathControl(name: d.name, kind: d.kind.rawValue, unit: d.unit, labelEN: d.labelEN, labelVI: d.labelVI,
                               domain: d.domain, years: years, values: values,
                               lastObservedValue: path.value(at: s.lastObservedYear), minimum: minimum, maximum: maximum, step: step)
        }
    }

    /// The largest of 1, 2 or 5 times a power of ten not above `x` (at least 1e-6).
    static func roundStep(_ x: Double) -> Double {
        guard x.isFinite, x > 1e-6 else { return 1e-6 }
        let p = pow(10, (log10(x)).rounded(.down))
        for m in [5.0, 2.0, 1.0] where m * p <= x { return m * p }
        return p
    }
}
