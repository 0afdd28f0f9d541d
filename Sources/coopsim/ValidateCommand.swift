import ArgumentParser
import CoopData
import CoopModel
import CoopScenario
import Foundation

/// `coopsim validate FILE ...`: checks models, scenarios, calibrations and data files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check model, scenario, calibration and data files without running them.",
        discussion: """
        Lists every problem found in every file (file:line: field: expected ..., got ...), not just the first.
        The kind of each file is recognised from its content: a model has [variables] and [[equations]] with
        formulas, a calibration has [[equations]] with coefficients, other TOML files are scenarios, and .csv
        files are data. Exit status 0 when all files are valid, 65 otherwise.
        """
    )

    @Argument(help: "Files to check (.toml models, scenarios or calibrations; .csv data).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one file to validate.") }
    }

    func run() throws {
        var problems: [InputError] = []
        for file in files {
            let found = FileValidator.check(path: file)
            if found.isEmpty {
                print("\(file): ok (\(FileValidator.kind(of: file).rawValue))")
                if FileValidator.kind(of: file) == .scenario, let (s, m) = try? ScenarioLoader.load(path: file) {
                    for w in ScenarioPlausibility.warnings(s, model: m) { printError("warning: " + w) }
                }
            } else {
                print("\(file): \(found.count) problem\(found.count == 1 ? "" : "s")")
            }
            problems += found
        }
        if !problems.isEmpty {
            for p in problems { printError("error: " + p.description) }
            throw ExitCode(65)
        }
    }
}
