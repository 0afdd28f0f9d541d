import XCTest
import Foundation
@testable import CoopNumerics

/// A NIST StRD linear regression problem read from its `.dat` file.
struct NISTProblem {
    var name: String
    var X: Matrix
    var y: [Double]
    var hasIntercept: Bool
    var estimates: [Double]
    var standardErrors: [Double]
    var residualSD: Double
    var rSquared: Double

    /// Parses NIST's format: certified `Bk estimate sd` lines, the residual SD,
    /// R-squared, and the data block whose line range the header states.
    static func load(path: String) throws -> NISTProblem {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: .newlines)
        func number(_ s: Substring) -> Double {
            var t = String(s).uppercased().replacingOccurrences(of: "D", with: "E")
            if t.hasSuffix(".") { t += "0" }
            return Double(t)!
        }
        var firstParam = -1
        var est: [Double] = [], se: [Double] = []
        var sd = Double.nan, r2 = Double.nan
        var dataStart = 0, dataEnd = 0
        for line in lines {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count == 3, f[0].hasPrefix("B"), let k = Int(f[0].dropFirst()), Double(String(f[1]).replacingOccurrences(of: "E", with: "e")) != nil || f[1].contains(".") {
                if firstParam < 0 { firstParam = k }
                est.append(number(f[1])); se.append(number(f[2]))
            }
            if line.contains("Standard Deviation"), let last = f.last, f.count >= 3, f[0] == "Standard" { sd = number(last) }
            if f.count == 2, f[0] == "R-Squared" { r2 = number(f[1]) }
            if line.contains("Data") && line.contains("(lines"), let r = line.range(of: "lines ") {
                let parts = line[r.upperBound...].split(separator: " ")
                dataStart = Int(parts[0])!
                dataEnd = Int(parts[2].trimmingCharacters(in: CharacterSet(charactersIn: ")")))!
            }
        }
        var rowsData: [[Double]] = []
        for i in (dataStart - 1)..<dataEnd {
            rowsData.append(lines[i].split(separator: " ").map(number))
        }
        let y = rowsData.map { $0[0] }
        let xs = rowsData.map { Array($0.dropFirst()) }
        let hasIntercept = firstParam == 0
        let p = est.count
        var cols: [[Double]] = []
        if hasIntercept { cols.append([Double](repeating: 1, count: y.count)) }
        if xs[0].count == 1 {
            let degreeStart = hasIntercept ? 1 : firstParam
            let degreeEnd = hasIntercept ? p - 1 : firstParam + p - 1
            for d in degreeStart...degreeEnd { cols.append(xs.map { pow($0[0], Double(d)) }) }
        } else {
            for j in 0..<xs[0].count { cols.append(xs.map { $0[j] }) }
        }
        precondition(cols.count == p, "NIST file \(path): \(p) parameters but \(cols.count) columns")
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return NISTProblem(name: name, X: Matrix(columns: cols), y: y, hasIntercept: hasIntercept,
                           estimates: est, standardErrors: se, residualSD: sd, rSquared: r2)
    }
}

/// Log relative error (number of correct significant digits), capped at 15;
/// for a certified value of 0, the log absolute error.
func lre(_ x: Double, _ certified: Double) -> Double {
    if x == certified { return 15 }
    let err = certified == 0 ? abs(x) : abs(x - certified) / abs(certified)
    return min(15, -log10(err))
}

final class NISTStRDTests: XCTestCase {
    /// The folder of the eleven `.dat` files: `COOPSIM_NIST_DIR` when set, else the copies shipped
    /// in this test target's fixtures (`Fixtures/nist`, public domain; see its README).
    static var directory: String? {
        if let d = ProcessInfo.processInfo.environment["COOPSIM_NIST_DIR"] { return d }
        if let url = Bundle.module.url(forResource: "Norris", withExtension: "dat", subdirectory: "Fixtures/nist") {
            return url.deletingLastPathComponent().path
        }
        return nil
    }

    /// Certified NIST StRD values: >= 9 significant digits on the well-conditioned
    /// problems, >= 6 on Wampler1-5 and Filip, with no column dropped.
    func testAllElevenNISTProblemsMeetTheAccuracyBars() throws {
        let dir = try XCTUnwrap(Self.directory, "the NIST StRD fixtures (Tests/CoopNumericsTests/Fixtures/nist) are missing from the test bundle")
        let names = ["Norris", "Pontius", "NoInt1", "NoInt2", "Longley",
                     "Wampler1", "Wampler2", "Wampler3", "Wampler4", "Wampler5", "Filip"]
        for factorization in [LeastSquares.Factorization.compactWY, .pivoted] {
        for name in names {
            let prob = try NISTProblem.load(path: "\(dir)/\(name).dat")
            let ls = LeastSquares(X: prob.X, y: prob.y, factorization: factorization)
            XCTAssertEqual(ls.rank, prob.X.columns, "\(name): a column was dropped")
            let n = Double(prob.y.count), r = Double(ls.rank)
            let sigma = (ls.residualSumOfSquares / (n - r)).squareRoot()
            var minEst = 15.0, minSE = 15.0
            for j in 0..<prob.X.columns {
                minEst = min(minEst, lre(ls.coefficients[j], prob.estimates[j]))
                let se = sigma * ls.unscaledCovariance[j, j].squareRoot()
                minSE = min(minSE, lre(se, prob.standardErrors[j]))
            }
            let sdDigits = lre(sigma, prob.residualSD)
            let bar = (name.hasPrefix("Wampler") || name == "Filip") ? 6.0 : 9.0
            print(String(format: "NIST %@ (\(factorization)): min digits estimates %.2f, std errors %.2f, residual SD %.2f, cond %.3g, equilibrated cond %.3g",
                         name, minEst, minSE, sdDigits, ls.conditionNumber, ls.equilibratedConditionNumber))
            XCTAssertGreaterThanOrEqual(minEst, bar, "\(name) estimates")
            XCTAssertGreaterThanOrEqual(minSE, bar, "\(name) standard errors")
            XCTAssertGreaterThanOrEqual(sdDigits, bar, "\(name) residual SD")
        }
        }
    }
}
