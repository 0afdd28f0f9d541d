import CoopData
import CoopDecision
import CoopModel
import Foundation

/// Common settings of the decision commands.
public struct DecisionSettings: Sendable {
    public var draws: Int?
    public var seed: UInt64?
    public var threads: Int
    public var excel: Bool
    public var commandLine: [String]
    public var progress: (@Sendable (Int, Int) -> Void)?
    public init(draws: Int? = nil, seed: UInt64? = nil, threads: Int = 1, excel: Bool = false, commandLine: [String] = [],
                progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.draws = draws; self.seed = seed; self.threads = threads; self.excel = excel; self.commandLine = commandLine; self.progress = progress
    }
}

/// The output of a decision command: the files of its folder and a one-line message for stderr.
public struct DecisionRun: Sendable {
    public var files: [(name: String, contents: String)]
    public var message: String
    public var wallSeconds: Double
}

/// `sweep`, `sensitivity`, `optimize` and `discover` (Guides/Decision.md): each builds a
/// `DecisionExperiment` (every design point a case, all on the same random numbers), runs it and
/// writes tidy CSV. Errors are `InputErrors` (exit status 65) or usage problems as `InputError`
/// with `field` naming the option.
public enum DecisionAnalysis {
    static func clock() -> ContinuousClock.Instant { ContinuousClock.now }
    static func seconds(since t: ContinuousClock.Instant) -> Double {
        let e = ContinuousClock.now - t
        return Double(e.components.seconds) + Double(e.components.attoseconds) * 1e-18
    }

    static func pick(_ names: [String], from ranges: FactorRanges, option: String) throws -> [FactorRanges.Factor] {
        var out: [FactorRanges.Factor] = []
        for n in names {
            guard let f = ranges.factor(n) else {
                let known = ranges.factors.map(\.name)
                throw InputErrors([InputError(file: ranges.file, field: option, expected: "a factor of the ranges file (\(known.joined(separator: ", ")))",
                                              found: "'\(n)'", hint: closestMatch(to: n, among: known).map { "did you mean '\($0)'?" })])
            }
            out.append(f)
        }
        return out
    }

    // MARK: sweep

    /// A one- or two-factor grid: each factor's `levels` evenly spaced values from low to high, plus
    /// the value that leaves the scenario unchanged when it lies in the range (so one grid point is
    /// the scenario itself). Writes sweep.csv (per case and output: estimate, mc_se) and
    /// sweep_summary.csv (summary.csv's rows per case).
    public static func sweep(scenario: Scenario, model: ModelSpec, ranges: FactorRanges, factors names: [String], levels: Int?,
                             settings: DecisionSettings) throws -> DecisionRun {
        let started = Date(), t0 = clock()
        guard (1...2).contains(names.count) else {
            throw InputErrors([InputError(field: "--factor", expected: "one or two factors to sweep", found: "\(names.count)")])
        }
        let factors = try pick(names, from: ranges, option: "--factor")
        let axes: [[Double]] = factors.map { f in
            var g = f.grid(levels ?? f.levels)
            if let own = scenario.paths[f.name], let n = f.neutral(for: own, years: scenario.years), n >= f.low, n <= f.high {
                // A grid value that misses the scenario's own value by rounding only (0.05 + 2 · 0.05) becomes it.
                let tolerance = 1e-9 * max(abs(f.high - f.low), abs(n))
                if let k = g.firstIndex(where: { abs($0 - n) <= tolerance }) { g[k] = n } else { g.append(n); g.sort() }
            }
            return g
        }
        var points: [[Double]] = []
        if axes.count == 1 { points = axes[0].map { [$0] } } else {
            for a in axes[0] { for b in axes[1] { points.append([a, b]) } }
        }
        let draws = settings.draws ?? scenario.draws, seed = settings.seed ?? scenario.seed
        let e = DecisionExperiment(scenario: scenario, model: model, factors: factors, points: points, draws: draws, seed: seed)
        let r = try e.run(threads: settings.threads, progress: settings.progress)
        let wall = seconds(since: t0)
        let prov = DecisionProvenance(kind: "sweep", method: "grid", scenario: scenario, model: model, ranges: ranges, draws: draws, seed: seed,
                                      threads: settings.threads, commandLine: settings.commandLine, inputs: r.inputs + hashed(ranges.file),
                                      started: started, wallSeconds: wall,
                                      extra: [("factors", "[" + factors.map { JSONText.string($0.name) }.joined(separator: ", ") + "]"), ("cases", String(points.count))])
        let files = [("sweep.csv", r.caseTable(factors: factors, points: points, excel: settings.excel)),
                     ("sweep_summary.csv", r.summaryTable(scenario: scenario, factors: factors, points: points, excel: settings.excel))]
                    + prov.files(excel: settings.excel)
        return DecisionRun(files: files.map { (name: $0.0, contents: $0.1) }, message: "\(points.count) grid points, \(draws) draws", wallSeconds: wall)
    }

    static func hashed(_ path: String) -> [(path: String, sha256: String)] {
        guard let d = FileManager.default.contents(atPath: path) else { return [] }
        return [(path: path, sha256: SHA256.hex(d))]
    }

    // MARK: sensitivity

    public enum SensitivityMethod: String, Sendable, CaseIterable { case tornado, morris, sobol }

    /// Sensitivity of every output (`DecisionOutput.outputs`) to the factors (all of the ranges file,
    /// or `factors`):
    /// - tornado: the scenario, then each factor at its low and high end with the others as the
    ///   scenario has them (2k + 1 cases); tornado.csv with the swing |high − low| per output;
    /// - morris: `samples` trajectories on a 4-level grid ((k + 1) · samples cases); morris.csv with
    ///   mu, mu*, sigma (per unit of each factor's range) and the bootstrap interval of mu*;
    /// - sobol: a Saltelli design of `samples` base rows ((k + 2) · samples cases); sobol.csv with
    ///   S1, ST and their bootstrap half-widths.
    public static func sensitivity(scenario: Scenario, model: ModelSpec, ranges: FactorRanges, method: SensitivityMethod,
                                   factors names: [String], samples: Int?, settings: DecisionSettings) throws -> DecisionRun {
        let started = Date(), t0 = clock()
        let factors = names.isEmpty ? ranges.factors : try pick(names, from: ranges, option: "--factor")
        let k = factors.count
        let draws = settings.draws ?? scenario.draws, seed = settings.seed ?? scenario.seed
        var points: [[Double]] = []
        var unit: [Double] = []
        func scaled(_ u: ArraySlice<Double>) -> [Double] {
            zip(factors, u).map { f, x in f.low + min(1, max(0, x)) * (f.high - f.low) }
        }
        var n = 0
        switch method {
        case .tornado:
            points.append([Double](repeating: .nan, count: k))
            for i in 0..<k {
                for x in [factors[i].low, factors[i].high] {
                    var p = [Double](repeating: .nan, count: k); p[i] = x; points.append(p)
                }
            }
        case .morris:
            n = samples ?? 20
            guard n >= 2 else { throw InputErrors([InputError(field: "--samples", expected: "at least 2 Morris trajectories", found: String(n))]) }
            unit = MorrisScreening.trajectories(factors: k, trajectories: n, levels: 4, seed: seed)
            points = (0..<(n * (k + 1))).map { scaled(unit[($0 * k)..<(($0 + 1) * k)]) }
        case .sobol:
            n = samples ?? 64
            guard n >= 2, k <= SobolSequence.maximumDimension / 2 else {
                throw InputErrors([InputError(field: "--samples", expected: "at least 2 base rows and at most \(SobolSequence.maximumDimension / 2) factors",
                                              found: "\(n) rows, \(k) factors")])
            }
            let d = SaltelliDesign(factors: k, baseRows: n)
            points = (0..<d.count).map { scaled(d.point($0)) }
        }
        let e = DecisionExperiment(scenario: scenario, model: model, factors: factors, points: points, draws: draws, seed: seed)
        let r = try e.run(threads: settings.threads, progress: settings.progress)
        let num = CSVWriter.number
        var table: CSVWriter
        switch method {
        case .tornado:
            table = CSVWriter(columns: DecisionOutput.columns + ["factor", "low", "high", "base", "estimate_low", "estimate_high",
                                                                  "mc_se_low", "mc_se_high", "swing"], excel: settings.excel)
            for (o, out) in r.outputs.enumerated() {
                let order = (0..<k).sorted {
                    let a = abs(r.estimates[2 + 2 * $0][o] - r.estimates[1 + 2 * $0][o]), b = abs(r.estimates[2 + 2 * $1][o] - r.estimates[1 + 2 * $1][o])
                    return a != b ? a > b : $0 < $1
                }
                for i in order {
                    let lo = 1 + 2 * i, hi = 2 + 2 * i
                    table.addRow(out.cells + [factors[i].name, num(factors[i].low), num(factors[i].high), num(r.estimates[0][o]),
                                              num(r.estimates[lo][o]), num(r.estimates[hi][o]), num(r.standardErrors[lo][o]),
                                              num(r.standardErrors[hi][o]), num(abs(r.estimates[hi][o] - r.estimates[lo][o]))])
                }
            }
        case .morris:
            table = CSVWriter(columns: DecisionOutput.columns + ["factor", "mu", "mu_star", "sigma", "mu_star_conf"], excel: settings.excel)
            for (o, out) in r.outputs.enumerated() {
                let m = MorrisScreening.analyze(points: unit, outputs: r.estimates.map { $0[o] }, factors: k, resamples: 1000, seed: seed)
                for i in 0..<k {
                    table.addRow(out.cells + [factors[i].name, num(m.mu[i]), num(m.muStar[i]), num(m.sigma[i]), num(m.muStarConfidence[i])])
                }
            }
        case .sobol:
            table = CSVWriter(columns: DecisionOutput.columns + ["factor", "S1", "S1_conf", "ST", "ST_conf"], excel: settings.excel)
            for (o, out) in r.outputs.enumerated() {
                let s = SobolIndices.estimate(outputs: r.estimates.map { $0[o] }, factors: k, resamples: 1000, seed: seed)
                for i in 0..<k {
                    table.addRow(out.cells + [factors[i].name, num(s.firstOrder[i]), num(s.firstOrderConfidence[i]),
                                              num(s.total[i]), num(s.totalConfidence[i])])
                }
            }
        }
        let wall = seconds(since: t0)
        let prov = DecisionProvenance(kind: "sensitivity", method: method.rawValue, scenario: scenario, model: model, ranges: ranges,
                                      draws: draws, seed: seed, threads: settings.threads, commandLine: settings.commandLine,
                                      inputs: r.inputs + hashed(ranges.file), started: started, wallSeconds: wall,
                                      extra: [("factors", "[" + factors.map { JSONText.string($0.name) }.joined(separator: ", ") + "]"),
                                              ("cases", String(points.count))] + (n > 0 ? [("samples", String(n))] : []))
        let files = [(method.rawValue + ".csv", table.text), ("cases.csv", r.caseTable(factors: factors, points: points, excel: settings.excel))]
                    + prov.files(excel: settings.excel)
        return DecisionRun(files: files.map { (name: $0.0, contents: $0.1) },
                           message: "\(method.rawValue), \(k) factors, \(points.count) cases, \(draws) draws", wallSeconds: wall)
    }
}
