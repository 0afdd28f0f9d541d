import CoopData
import CoopScenario

/// `coopsim-peers fit --csv FILE --formula F [--repeat N]`: what `coopsim fit FILE --formula F
/// --se HC3` does, in process: `CSVReader.read` alone, then `FitRunner.run` (read, design, OLS,
/// HC3, report), each timed. Prints the estimates and HC3 standard errors for the driver's check.
func runFit(_ o: Options) {
    let path = o.string("csv")
    let formula = o.string("formula")
    let repeats = o.int("repeat", default: 5)
    var rows = 0, columns = 0
    // CPU seconds of each call as well as wall seconds: on a loaded machine the wall time of a
    // call waits for a core, its CPU time does not.
    var cpuRead: [Double] = [], cpuFit: [Double] = []
    let tRead = time(repeats: repeats) {
        let c0 = cpuSeconds()
        defer { cpuRead.append(cpuSeconds() - c0) }
        do {
            let t = try CSVReader.read(path: path)
            rows = t.rowCount
            columns = t.names.count
        } catch { fail("\(error)") }
    }
    var report: RegressionReport?
    let request = FitRunner.Request(dataPath: path, formula: formula, standardErrors: .hc3)
    let tFit = time(repeats: repeats) {
        let c0 = cpuSeconds()
        defer { cpuFit.append(cpuSeconds() - c0) }
        do { report = try FitRunner.run(request) } catch { fail("\(error)") }
    }
    emit([
        "rows": rows, "columns": columns,
        "coopsim_csv_read": tRead, "coopsim_fit_hc3": tFit,
        // The first value of each is the warm-up call's.
        "coopsim_csv_read_cpu": Array(cpuRead.dropFirst()), "coopsim_fit_hc3_cpu": Array(cpuFit.dropFirst()),
        "names": report!.terms.map(\.name),
        "coefficients": report!.terms.map(\.estimate), "hc3_std_errors": report!.terms.map(\.stdError),
    ])
}
