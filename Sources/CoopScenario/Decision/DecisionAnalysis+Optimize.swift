import CoopData
import CoopDecision
import CoopModel
import Foundation

extension DecisionAnalysis {
    /// The least-cost mix of the levers that have a `cost` in the ranges file such that the
    /// probability of every target on the same path (`target == nil`), or of one target, is at
    /// least `probability`. Search: `LeastCostSearch` (grid of `levels` per lever, `rounds`
    /// refinements), every grid point a case on the scenario's seed (common random numbers between
    /// all points and rounds). The chosen mix is then re-run on fresh draws (seed + 1, same draws)
    /// so that the probability reported is not biased by the search. Writes search.csv (every
    /// point), optimum.csv (the mix, its cost), check.csv (fresh-draw probabilities of every output)
    /// and optimal.toml (a scenario extending the input with the mix, seeded as the fresh run, so
    /// `coopsim run optimal.toml` reproduces check.csv).
    public static func optimize(scenario: Scenario, model: ModelSpec, ranges: FactorRanges, probability p: Double, target: Int?,
                                levels: Int, rounds: Int, settings: DecisionSettings) throws -> DecisionRun {
        let started = Date(), t0 = clock()
        let levers = ranges.levers.filter { $0.cost != nil }
        guard !levers.isEmpty else {
            throw InputErrors([InputError(file: ranges.file, field: "levers", expected: "at least one lever with a cost (such as promotion = { add = [0, 30], cost = 0.8 })",
                                          found: "no lever with a cost")])
        }
        guard scenario.targets.count >= 1 else {
            throw InputErrors([InputError(file: scenario.file, field: "targets", expected: "at least one target to reach", found: "none")])
        }
        if let t = target, !(0..<scenario.targets.count).contains(t) {
            throw InputErrors([InputError(field: "--target", expected: "a target number from 1 to \(scenario.targets.count)", found: String(t + 1))])
        }
        let draws = settings.draws ?? scenario.draws, seed = settings.seed ?? scenario.seed
        let outputs = DecisionOutput.outputs(of: scenario, model: model)
        let outputIndex: Int = {
            if let t = target { return outputs.firstIndex { $0.target == t }! }
            return outputs.firstIndex { $0.metric == "all_targets" } ?? 0
        }()
        // Cost of a mix: Σ cost · Σ_years path = offset + coefficient · x (linear in x for add, scale and set).
        let years = Array(scenario.years)
        var coefficient: [Double] = [], offset = 0.0
        for f in levers {
            let own = years.map { scenario.paths[f.name]!.value(at: $0) }
            switch f.change {
            case .add: coefficient.append(f.cost! * Double(years.count)); offset += f.cost! * own.reduce(0, +)
            case .scale: coefficient.append(f.cost! * own.reduce(0, +))
            case .set: coefficient.append(f.cost! * Double(years.count))
            }
        }
        let search = LeastCostSearch(lower: levers.map(\.low), upper: levers.map(\.high), cost: coefficient, levels: levels, rounds: rounds)
        var standardErrors: [[Double]: Double] = [:]
        var inputs: [(path: String, sha256: String)] = []
        let found = try search.minimize(probabilityAtLeast: p) { points in
            let r = try DecisionExperiment(scenario: scenario, model: model, factors: levers, points: points, draws: draws, seed: seed)
                .run(threads: settings.threads, progress: settings.progress)
            inputs = r.inputs
            for (k, pt) in points.enumerated() { standardErrors[pt] = r.standardErrors[k][outputIndex] }
            return r.estimates.map { $0[outputIndex] }
        }
        let chosen = found.best ?? found.mostLikely
        let mix = found.evaluations[chosen].point
        // Fresh draws for the reported probabilities.
        let freshSeed = seed &+ 1
        let check = try DecisionExperiment(scenario: scenario, model: model, factors: levers, points: [mix], draws: draws, seed: freshSeed)
            .run(threads: settings.threads, progress: settings.progress)
        let num = CSVWriter.number
        var searchTable = CSVWriter(columns: ["case", "round"] + levers.map(\.name) + ["probability", "mc_se", "cost", "feasible", "chosen"], excel: settings.excel)
        for (k, ev) in found.evaluations.enumerated() {
            searchTable.addRow([String(k), String(ev.round)] + ev.point.map(num)
                               + [num(ev.probability), num(standardErrors[ev.point] ?? .nan), num(offset + ev.cost), ev.probability >= p ? "true" : "false", k == chosen ? "true" : "false"])
        }
        var optimum = CSVWriter(columns: ["lever", "change", "value", "low", "high", "precision", "unit", "cost_per_unit", "spend"], excel: settings.excel)
        for (i, f) in levers.enumerated() {
            let spend = years.reduce(0.0) { $0 + f.apply(mix[i], to: scenario.paths[f.name]!.value(at: $1)) } * f.cost!
            optimum.addRow([f.name, f.change.rawValue, num(mix[i]), num(f.low), num(f.high), num(found.precision[i]), f.unit, num(f.cost!), num(spend)])
        }
        var checkTable = CSVWriter(columns: DecisionOutput.columns + ["required", "in_search", "estimate", "mc_se", "seed", "reached"], excel: settings.excel)
        for (o, out) in outputs.enumerated() where out.kind == .probability {
            let required = o == outputIndex
            checkTable.addRow(out.cells + [required ? num(p) : "", required ? num(found.evaluations[chosen].probability) : "",
                                           num(check.estimates[0][o]), num(check.standardErrors[0][o]), String(freshSeed),
                                           required ? (check.estimates[0][o] >= p ? "true" : "false") : ""])
        }
        let toml = optimalScenario(scenario: scenario, levers: levers, mix: mix, seed: freshSeed, draws: draws, probability: p,
                                   output: outputs[outputIndex], feasible: found.best != nil)
        let wall = seconds(since: t0)
        let prov = DecisionProvenance(kind: "optimize", method: "grid-refinement", scenario: scenario, model: model, ranges: ranges,
                                      draws: draws, seed: seed, threads: settings.threads, commandLine: settings.commandLine,
                                      inputs: inputs + hashed(ranges.file), started: started, wallSeconds: wall,
                                      extra: [("probability", num(p)), ("objective", JSONText.string(outputs[outputIndex].label)),
                                              ("levels", String(levels)), ("rounds", String(rounds)), ("cases", String(found.evaluations.count)),
                                              ("feasible", found.best != nil ? "true" : "false"), ("fresh_seed", String(freshSeed)),
                                              ("cost", num(offset + found.evaluations[chosen].cost))])
        let files = [("search.csv", searchTable.text), ("optimum.csv", optimum.text), ("check.csv", checkTable.text), ("optimal.toml", toml)]
                    + prov.files(excel: settings.excel)
        let pFresh = check.estimates[0][outputIndex], se = check.standardErrors[0][outputIndex]
        func f3(_ x: Double) -> String { String(format: "%.3f", x) }
        let message = found.best == nil
            ? "no mix within the ranges reaches \(outputs[outputIndex].label) >= \(num(p)); the most likely mix gives \(f3(found.evaluations[chosen].probability)) (fresh draws: \(f3(pFresh)) ± \(f3(se)))"
            : "least-cost mix costs \(num(offset + found.evaluations[chosen].cost)); \(outputs[outputIndex].label) = \(f3(pFresh)) ± \(f3(se)) on fresh draws (\(found.evaluations.count) cases)"
        return DecisionRun(files: files.map { (name: $0.0, contents: $0.1) }, message: message, wallSeconds: wall)
    }

    /// A scenario file that extends the input scenario with the mix as explicit yearly paths.
    static func optimalScenario(scenario: Scenario, levers: [FactorRanges.Factor], mix: [Double], seed: UInt64, draws: Int,
                                probability: Double, output: DecisionOutput, feasible: Bool) -> String {
        let num = CSVWriter.number
        let extends = URL(fileURLWithPath: scenario.file).standardizedFileURL.path
        var s = "# Written by coopsim optimize: the least-cost lever mix for \(output.label) >= \(num(probability))"
        s += feasible ? ".\n" : " (not reached: the most likely mix within the ranges).\n"
        s += "# Seeded as optimize's fresh-draw check, so `coopsim run` on this file reproduces check.csv.\n"
        s += "name = \(JSONText.string(scenario.name + "-optimal"))\n"
        s += "title = \(JSONText.string(scenario.title + " (least-cost mix)"))\n"
        s += "extends = \(JSONText.string(extends))\n"
        s += "seed = \(seed)\ndraws = \(draws)\n\n[levers]\n"
        for (f, x) in zip(levers, mix) {
            let own = scenario.paths[f.name]!
            // The observed year keeps the scenario's value (lags read it); simulated years get the mix.
            var points = ["\(scenario.lastObservedYear) = \(num(own.value(at: scenario.lastObservedYear)))"]
            for y in scenario.years { points.append("\(y) = \(num(f.apply(x, to: own.value(at: y))))") }
            s += "\(f.name) = { \(points.joined(separator: ", ")) }\n"
        }
        return s
    }

    // MARK: discover

    /// Scenario discovery: `cases` points of a Sobol sequence over the factors (the assumptions of
    /// the ranges file, or `factors`), each run on the same random numbers; the outcome of a case is
    /// the share of its paths that miss target `target` (1 − P); PRIM (`PatientRuleInduction`, EMA
    /// Workbench's defaults) finds the box of factor values where misses concentrate. Writes
    /// cases.csv, prim_trajectory.csv (coverage, density, mass per box; `chosen` marks the box
    /// reported) and prim_box.csv (limits of every box by factor).
    public static func discover(scenario: Scenario, model: ModelSpec, ranges: FactorRanges, target: Int, factors names: [String],
                                cases: Int, minimumCoverage: Double, settings: DecisionSettings) throws -> DecisionRun {
        let started = Date(), t0 = clock()
        let factors = names.isEmpty ? ranges.assumptions : try pick(names, from: ranges, option: "--factor")
        guard !factors.isEmpty else {
            throw InputErrors([InputError(file: ranges.file, field: "assumptions", expected: "at least one assumption with a range (or name factors with --factor)", found: "none")])
        }
        guard (0..<scenario.targets.count).contains(target) else {
            throw InputErrors([InputError(file: scenario.file, field: "--target", expected: "a target number from 1 to \(scenario.targets.count)", found: String(target + 1))])
        }
        guard cases >= 10, factors.count <= SobolSequence.maximumDimension else {
            throw InputErrors([InputError(field: "--cases", expected: "at least 10 cases and at most \(SobolSequence.maximumDimension) factors", found: "\(cases) cases, \(factors.count) factors")])
        }
        let draws = settings.draws ?? scenario.draws, seed = settings.seed ?? scenario.seed
        let k = factors.count
        // Points 1 ... cases of the Sobol sequence (the origin skipped), scaled to the ranges.
        let u = SobolSequence(dimension: k).points(1..<(cases + 1))
        let points = (0..<cases).map { c in (0..<k).map { i in factors[i].low + u[c * k + i] * (factors[i].high - factors[i].low) } }
        let r = try DecisionExperiment(scenario: scenario, model: model, factors: factors, points: points, draws: draws, seed: seed)
            .run(threads: settings.threads, progress: settings.progress)
        let o = r.outputs.firstIndex { $0.target == target }!
        let miss = r.estimates.map { 1 - $0[o] }
        let prim = PatientRuleInduction(x: (0..<k).map { i in points.map { $0[i] } }, y: miss)
        let path = prim.trajectory()
        let chosen = PatientRuleInduction.choose(path, minimumCoverage: minimumCoverage)
        let num = CSVWriter.number
        var traj = CSVWriter(columns: ["box", "step", "coverage", "density", "mass", "cases", "restricted", "chosen"], excel: settings.excel)
        var limits = CSVWriter(columns: ["box", "factor", "lower", "upper", "data_min", "data_max", "restricted"], excel: settings.excel)
        for (b, box) in path.enumerated() {
            traj.addRow([String(b), box.step, num(box.coverage), num(box.density), num(box.mass), String(box.count),
                         box.restricted.map { factors[$0].name }.joined(separator: " "), b == chosen ? "true" : "false"])
            for i in 0..<k {
                limits.addRow([String(b), factors[i].name, num(box.lower[i]), num(box.upper[i]), num(path[0].lower[i]), num(path[0].upper[i]),
                               box.restricted.contains(i) ? "true" : "false"])
            }
        }
        let wall = seconds(since: t0)
        let t = scenario.targets[target]
        let prov = DecisionProvenance(kind: "discover", method: "prim", scenario: scenario, model: model, ranges: ranges, draws: draws, seed: seed,
                                      threads: settings.threads, commandLine: settings.commandLine, inputs: r.inputs + hashed(ranges.file),
                                      started: started, wallSeconds: wall,
                                      extra: [("target", JSONText.string(r.outputs[o].label)), ("cases", String(cases)),
                                              ("minimum_coverage", num(minimumCoverage)), ("chosen_box", String(chosen)),
                                              ("factors", "[" + factors.map { JSONText.string($0.name) }.joined(separator: ", ") + "]")])
        let files = [("cases.csv", r.caseTable(factors: factors, points: points, excel: settings.excel)),
                     ("prim_trajectory.csv", traj.text), ("prim_box.csv", limits.text)] + prov.files(excel: settings.excel)
        let box = path[chosen]
        let desc = box.restricted.map { "\(factors[$0].name) in [\(String(format: "%.4g", box.lower[$0])), \(String(format: "%.4g", box.upper[$0]))]" }.joined(separator: ", ")
        return DecisionRun(files: files.map { (name: $0.0, contents: $0.1) },
                           message: "\(t.metric) \(t.op.rawValue) \(num(t.value)) in \(t.year) is missed on \(String(format: "%.1f", box.density * 100))% of paths where "
                                    + (desc.isEmpty ? "(no restriction found)" : desc) + " (coverage \(String(format: "%.1f", box.coverage * 100))% of the misses, \(String(format: "%.1f", path[0].density * 100))% overall)",
                           wallSeconds: wall)
    }
}
