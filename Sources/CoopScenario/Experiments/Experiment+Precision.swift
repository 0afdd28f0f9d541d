import CoopData
import CoopModel
import Foundation

/// `--mc-se X`: draw until every target probability (and every compared difference of target
/// probabilities) has a Monte Carlo standard error of at most X, or a cap is hit.
extension Experiment {
    /// Runs each group block by block until `rule` holds for it (`MonteCarlo.runToPrecision`), then
    /// gives every group the largest number of draws any group needed (groups that stopped earlier
    /// are run again with that fixed number), so that the whole output is that of a run with
    /// `--draws` equal to the reported draws, byte for byte.
    ///
    /// Returns the experiment with its groups' draws set to that number, its results, and each
    /// group's convergence steps (the first pass, up to where the group stopped).
    public func executeToPrecision(rule: PrecisionRule, threads: Int = 1, batchWidth: Int = 256, keepPaths: Int = 0,
                                   switches: SimulationSwitches = SimulationSwitches(),
                                   progress: (@Sendable (Int, Int) -> Void)? = nil)
        -> (experiment: Experiment, results: Results, convergence: [[ConvergenceStep]], reached: Bool) {
        var runs: [PreciseRun] = []
        for g in groups.indices {
            var options = engineOptions(group: g, threads: threads, batchWidth: batchWidth, keepPaths: keepPaths, switches: switches)
            options.draws = rule.maxDraws
            options.keepPaths = keepPaths
            runs.append(MonteCarlo.runToPrecision(plans: plans(group: g), options: options, rule: rule, progress: progress))
        }
        let draws = runs.map(\.draws).max()!
        var experiment = self
        var merged: [MonteCarloResult] = []
        for g in groups.indices {
            experiment.groups[g].draws = draws
            if runs[g].draws == draws {
                merged.append(runs[g].result)
            } else {
                merged.append(MonteCarlo.run(plans: plans(group: g),
                                             options: experiment.engineOptions(group: g, threads: threads, batchWidth: batchWidth,
                                                                               keepPaths: keepPaths, switches: switches)))
            }
        }
        return (experiment, Results(groups: merged, location: caseLocations), runs.map(\.steps), runs.allSatisfy(\.reached))
    }
}

/// What `--mc-se` did: the rule, whether every group met it before the cap, and each group's
/// running estimates after every block (written to convergence.csv, drawn by `report`).
public struct PrecisionReport: Sendable {
    public var rule: PrecisionRule
    public var reached: Bool
    /// Per group (run.json order), the steps of its precision pass.
    public var steps: [[ConvergenceStep]]
}

extension RunSummary {
    /// convergence.csv: per group, for each target of each case, then each shared-target difference
    /// (alternative − baseline), one row per block: the estimate and its Monte Carlo standard error
    /// after that many draws. The rows depend only on the inputs, seed and rule (steps are per block).
    func convergenceCSV(_ report: PrecisionReport, excel: Bool) -> String {
        let num = CSVWriter.number
        var out = CSVWriter(columns: RunFolderSchema.convergence.columns, excel: excel)
        for (g, group) in groups.enumerated() where g < report.steps.count {
            let steps = report.steps[g]
            for (i, s) in group.scenarios.enumerated() {
                let scenario = scenarios[s]
                for (t, target) in scenario.targets.enumerated() {
                    for step in steps {
                        let hits = step.targetHits[i][t]
                        out.addRow([scenario.name, "", scenario.region, target.metric, String(target.year), target.op.rawValue,
                                    num(target.value), String(step.draws), num(Double(hits) / Double(step.draws)),
                                    num(MonteCarlo.proportionStandardError(hits: hits, draws: step.draws))])
                    }
                }
            }
            guard kind == "compare", group.plans.count > 1 else { continue }
            let base = scenarios[group.scenarios[0]]
            let shared = MonteCarlo.sharedTargets(group.plans)
            for (a, pairs) in shared.enumerated() {
                let alt = scenarios[group.scenarios[a + 1]]
                for (j, pair) in pairs.enumerated() {
                    let target = alt.targets[pair.alternative]
                    for step in steps {
                        let d = step.discordant[a][j]
                        out.addRow([alt.name, base.name, alt.region, target.metric, String(target.year), target.op.rawValue,
                                    num(target.value), String(step.draws), num(Double(d.up - d.down) / Double(step.draws)),
                                    num(MonteCarlo.differenceStandardError(up: d.up, down: d.down, draws: step.draws))])
                    }
                }
            }
        }
        return out.text
    }
}
