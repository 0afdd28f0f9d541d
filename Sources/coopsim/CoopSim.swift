import ArgumentParser

@main
struct CoopSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coopsim",
        abstract: "Regression and Monte Carlo projection for cooperative-economy planning.",
        version: "0.1.0",
        subcommands: [FitCommand.self, CalibrateCommand.self, RunCommand.self, CompareCommand.self, ValidateCommand.self, ReportCommand.self, SynthCommand.self,
                      BacktestCommand.self, SweepCommand.self, SensitivityCommand.self, OptimizeCommand.self, DiscoverCommand.self,
                      MergeCommand.self, BatchCommand.self, ServeCommand.self]
    )
}
