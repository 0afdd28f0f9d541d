import Foundation
import XCTest

/// The engine against an independent implementation of the same model: `coopsim run` and the
/// numpy peer of the benchmarks (`Benchmarks/peers/mc_numpy.py`: the shipped model written out
/// with numpy's Philox generator and samplers, coefficients from the same calibration) on the Hai
/// Phong plan, 200,000 draws each, fixed seeds (the scenario's). `Benchmarks/peers/check_mc_numpy.py` compares the
/// levers of every year (equal), the 231 metric-year means and the variances where the sample
/// variance is near normal (210 here), and the 4 target probabilities, each within 4.5 Monte
/// Carlo standard errors: about 0.003 false alarms expected over the 445 comparisons (nominal).
/// It fails on a sampler or equation that draws from another distribution than the model says:
/// at these 200,000 draws a peer with the coefficients fixed at their estimates (no parameter
/// uncertainty) was 12 standard errors off in the variances (its means all within 2.6), one with
/// 1.5 x the coefficient covariance 5.8; at 20,000 draws neither would be caught, hence the size.
/// numpy (and tomllib, Python 3.11) come with scripts/setup.sh (pandas). About 12 s.
final class NumpyPeerAgreementTests: XCTestCase {
    func testEngineAgreesWithTheNumpyPeerOnTheHaiPhongPlan() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", CLI.root.appendingPathComponent("Benchmarks/peers/check_mc_numpy.py").path,
                       CLI.root.appendingPathComponent("Scenarios/haiphong-2014-plan.toml").path,
                       "--draws", "200000", "--bin", CLI.binary.path]
        p.currentDirectoryURL = CLI.root
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_NUM_THREADS"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stdout + stderr)
        XCTAssertTrue(stdout.hasSuffix("agree\n"), stdout + stderr)
        XCTAssertTrue(stdout.contains("inputs: 49 lever/assumption-years equal"), stdout)
        XCTAssertTrue(stdout.contains("means: 231 metric-years"), stdout)
        XCTAssertTrue(stdout.contains("target probabilities: 4;"), stdout)
    }
}
