/// The run folder, defined once: the files `coopsim run` / `compare` / `merge` write, their
/// columns and their order. The writer (`RunSummary.outputFiles`) builds every CSV header from
/// these lists and the reader (`RunFolder.read`) checks them, so a column renamed here is renamed
/// for both. Guides/Outputs.md describes each column.
public enum RunFolderSchema {
    /// One file of a run folder.
    public struct File: Sendable, Equatable {
        public var name: String
        /// Header, in order (empty for run.json).
        public var columns: [String]
        /// Columns a reader tolerates missing (written by newer versions than some folders).
        public var optionalColumns: [String] = []
        /// Columns a reader requires.
        public var requiredColumns: [String] { columns.filter { !optionalColumns.contains($0) } }
    }

    /// The quantile columns of `summary.csv`: name and probability.
    public static let quantiles: [(column: String, probability: Double)] =
        [("p05", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95)]

    /// Distribution of each metric per scenario, region and year (every run).
    public static let summary = File(name: "summary.csv",
        columns: ["scenario", "region", "year", "metric", "mean", "sd"] + quantiles.map(\.column) + ["mc_se"])
    /// Probability that each target holds (every run; no rows without targets), with its exact
    /// (Clopper-Pearson) 95% interval `probability_low`, `probability_high`. A plan target the
    /// model cannot evaluate (`evaluated = false` in the scenario) has empty probability, mc_se
    /// and interval, and its `reason` (empty for evaluated targets). `source_vi` and `reason_vi`:
    /// the source and reason in Vietnamese when the scenario gives them (`--lang vi` reports).
    /// `label_en`, `label_vi`: what the target measures (the scenario's `label_en`/`label_vi`, else
    /// the variable's label from the model; empty for an unevaluated target without them).
    public static let targets = File(name: "targets.csv",
        columns: ["scenario", "region", "metric", "year", "op", "value", "probability", "mc_se", "probability_low",
                  "probability_high", "source", "reason", "source_vi", "reason_vi", "label_en", "label_vi"],
        optionalColumns: ["probability_low", "probability_high", "reason", "source_vi", "reason_vi", "label_en", "label_vi"])
    /// Alternative minus baseline on the same paths (compare only); `prob_increase_low`,
    /// `prob_increase_high`: the exact (Clopper-Pearson) 95% interval of `prob_increase`.
    public static let compare = File(name: "compare.csv",
        columns: ["scenario", "baseline", "region", "year", "metric", "mean_diff", "sd_diff", "p05_diff",
                  "p50_diff", "p95_diff", "prob_increase", "prob_increase_low", "prob_increase_high"],
        optionalColumns: ["prob_increase_low", "prob_increase_high"])
    /// Values of the first K paths (with `--paths K` only).
    public static let paths = File(name: "paths.csv", columns: ["scenario", "region", "path", "year", "metric", "value"])
    /// Observed history and the last observed state.
    public static let history = File(name: "history.csv", columns: ["scenario", "region", "year", "metric", "value"])
    /// Units and labels of the model's variables.
    public static let metrics = File(name: "metrics.csv", columns: ["metric", "unit", "label_en", "label_vi"])
    /// One row per scenario run: its settings and file.
    public static let scenarios = File(name: "scenarios.csv",
        columns: ["scenario", "title", "region", "last_observed_year", "horizon", "draws", "seed", "file", "title_vi"],
        optionalColumns: ["title_vi"])
    /// The value of every lever and assumption of each scenario in each simulated year (what a
    /// projection assumed; reports show it beside the probabilities).
    public static let levers = File(name: "levers.csv",
        columns: ["scenario", "region", "kind", "name", "year", "value", "unit", "label_en", "label_vi"])
    /// With `--mc-se` only: each target probability (and compared difference) after each block of paths.
    public static let convergence = File(name: "convergence.csv",
        columns: ["scenario", "baseline", "region", "metric", "year", "op", "value", "draws", "estimate", "mc_se"])
    /// Provenance: tool, version, command, kind, seed, draws, threads, scenarios, input hashes,
    /// calibrations, times (`RunJSON` writes it; Guides/Outputs.md shows it).
    public static let run = File(name: "run.json", columns: [])
    /// The fields of each object of run.json's `"calibrations"`: the calibration file and the
    /// SHA-256 of the bytes the run parsed, what it was fitted on in English and Vietnamese,
    /// whether it is illustrative, and the panel it was fitted on (`CalibrationProvenance`).
    public static let calibrationFields = ["path", "sha256", "fitted_on", "fitted_on_vi", "illustrative", "data_file", "data_sha256"]

    /// Every file in the order a run writes them (compare.csv, paths.csv and convergence.csv only when they apply).
    public static let files: [File] = [summary, targets, compare, paths, history, levers, metrics, scenarios, convergence, run]
}
