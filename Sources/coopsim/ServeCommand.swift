import ArgumentParser
import CoopData
import CoopServe
import Foundation

/// `coopsim serve [SCENARIOS...]`: the live scenario explorer in the browser.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Explore scenarios live in the browser: move levers, see target probabilities against the baseline.",
        discussion: """
        Serves one page and a JSON API (Guides/Explorer.md) on 127.0.0.1 by default. Every change re-runs the
        scenario with common random numbers against its baseline. "Save as scenario" writes a TOML file that
        extends the explored one with only the changed levers; "Export" writes the run folder `coopsim run`
        writes for it. Nothing is read but the scenarios given (and their model, calibration and the files
        they extend) and nothing is written outside --out. With no scenario, serves those in Scenarios/.
        Stop with Ctrl-C.
        """
    )

    @Argument(help: "Scenario files (TOML). Default: every scenario in Scenarios/.")
    var scenarios: [String] = []

    @Option(help: "Address to listen on. Anything but loopback (127.0.0.1, ::1, localhost) exposes the explorer to the network.")
    var host: String = "127.0.0.1"

    @Option(help: "Port (0 picks a free one; the address is printed on standard error).")
    var port: Int = 8080

    @Option(help: "Folder that save and export write into (created if missing).")
    var out: String = "out/explorer"

    @Option(name: .customLong("max-draws"), help: "Most paths per request (a scenario asking for more runs with this many).")
    var maxDraws: Int = 20_000

    @Option(help: "Simulations at once (default: the cores).")
    var simulations: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535, got \(port).") }
        if maxDraws < 1 || maxDraws > 1_000_000 { throw ValidationError("--max-draws must be from 1 to 1000000, got \(maxDraws).") }
        let cap = 4 * ProcessInfo.processInfo.activeProcessorCount
        if simulations < 1 || simulations > cap { throw ValidationError("--simulations must be from 1 to \(cap) (4 x the cores), got \(simulations).") }
        if out.isEmpty { throw ValidationError("--out must name a folder.") }
        if host.isEmpty { throw ValidationError("--host must name an address such as 127.0.0.1.") }
    }

    func run() async throws {
        let files = scenarios.isEmpty ? try shippedScenarios() : scenarios
        let catalog = try reportingInputErrors { try ExplorerCatalog(files: files) }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir) {
            if !isDir.boolValue {
                printError("error: --out \(out): expected a folder, got a file")
                throw ExitCode(64)
            }
        } else {
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                printError("error: --out \(out): cannot create the folder: \(OutputFile.reason(out, error))")
                throw ExitCode(1)
            }
        }
        if !["127.0.0.1", "::1", "localhost"].contains(host) {
            printError("warning: --host \(host) is not a loopback address: anyone who can reach this machine can use the explorer and write into \(out)")
        }
        let server = ExplorerServer(explorer: Explorer(catalog: catalog, outFolder: out, maximumDraws: maxDraws),
                                    host: host, port: port, simulations: simulations)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let count = catalog.entries.count
        try await server.run { actual in
            printError("coopsim serve: \(count) scenario\(count == 1 ? "" : "s") at http://\(shownHost):\(actual)/ (Ctrl-C stops)")
        }
    }
}
