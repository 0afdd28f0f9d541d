import ArgumentParser
import CoopData
import CoopModel
import Foundation

/// `coopsim synth`: a synthetic panel drawn from a model with known coefficients.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Draw a synthetic region-year panel from a model with known coefficients.",
        discussion: """
        Writes a tidy CSV (region, year, every variable, lever and assumption) for regions R01..RNN and
        years A..B; the first year holds the initial states. Coefficients, scales and the ranges of
        initial states, levers and assumptions come from the truth file (see Guides/Models.md).
        The same seed gives the same panel, byte for byte.
        """
    )

    @Option(name: .long, help: "The model file (e.g. Scenarios/model.toml).")
    var model: String

    @Option(name: .long, help: "The truth file: true coefficients and the panel's design (e.g. Scenarios/truth.toml).")
    var truth: String

    @Option(name: .long, help: "Number of regions.")
    var regions: Int

    @Option(name: .long, help: "Years as FIRST:LAST, e.g. 2010:2023 (the first holds the initial states).")
    var years: String

    @Option(name: .long, help: "Root seed of the random streams.")
    var seed: UInt64

    @Option(name: .long, help: "Output CSV file (stdout when omitted).")
    var out: String?

    /// The largest panel synth draws (rows = regions x years), about 200 MB of CSV.
    static let maximumRows = 1_000_000

    /// FIRST:LAST as a range of at least two years.
    var yearRange: ClosedRange<Int>? {
        let parts = years.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a < b, a > -100_000, b < 100_000 else { return nil }
        return a...b
    }

    func validate() throws {
        if regions < 1 || regions > 9999 { throw ValidationError("--regions must be between 1 and 9999, got \(regions).") }
        guard let range = yearRange else { throw ValidationError("--years must be FIRST:LAST with FIRST < LAST, e.g. 2010:2023; got '\(years)'.") }
        // Every row is held in memory and written as text: bound the panel, not the machine.
        if regions * range.count > Self.maximumRows {
            throw ValidationError("--regions x --years must be at most \(Self.maximumRows) rows, got \(regions) x \(range.count) = \(regions * range.count).")
        }
    }

    func run() throws {
        if let out { try refuseOverwriting([model, truth], with: out, option: "--out") }
        try reportingInputErrors {
            let spec = try ModelSpec.load(path: model)
            let t = try SyntheticTruth.load(path: truth)
            let table = try Synthesizer.panel(model: spec, truth: t, regions: regions, years: yearRange!, seed: seed)
            let text = Synthesizer.csv(table)
            if let out {
                try OutputFile.write(text, to: out)
                printError("synth: \(table.rowCount) rows (\(regions) regions x \(yearRange!.count) years) written to \(out)")
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
