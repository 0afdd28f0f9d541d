import CoopData
@testable import CoopModel
import Foundation
import XCTest

/// The store's copy-and-screen (`_copyCountingOutside`) counts exactly what `NumericDomain.contains`
/// rejects, and the compiled model's facts let only what cannot leave a domain skip its tests.
final class DomainCheckTests: XCTestCase {
    static let domains: [NumericDomain] = [.real, .positive, .nonNegative, .share, .openShare, .count, .range(-1, 2.5)]

    /// Values on every boundary the screens test (zeros, 1, whole numbers, 2^52, the largest
    /// doubles, subnormals, infinities, NaN) and random ones.
    var edgeValues: [Double] {
        var v: [Double] = [0, -0.0, 1, 1.0.nextUp, 1.0.nextDown, -1, 2.5, 2.5.nextUp, .nan, -.nan, .infinity, -.infinity,
                           .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300,
                           .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0x1p52, 0x1p52 + 1, 0x1p52 - 0.5,
                           0x1p53, 0x1p53 + 2, 0x1p62, 0x1p63, 0x1p70, 0.5, 3, 7, 663.5, 1e15]
        var g = SystemRandomNumberGenerator()
        for _ in 0..<500 { v.append(Double.random(in: -3...3, using: &g)) }
        for _ in 0..<500 { v.append(Double(Int.random(in: -5...1000, using: &g))) }
        for _ in 0..<200 { v.append(Double(bitPattern: g.next())) }
        return v
    }

    /// Copy + count of `values` (every prefix length given) against the definition; the copy keeps every bit.
    func check(_ values: [Double], _ c: _DomainCheck, lengths: [Int], expected: (ArraySlice<Double>) -> Int,
               file: StaticString = #filePath, line: UInt = #line) {
        let source = UnsafeMutablePointer<Double>.allocate(capacity: max(1, values.count))
        let target = UnsafeMutablePointer<Double>.allocate(capacity: values.count + 1)
        defer { source.deallocate(); target.deallocate() }
        source.initialize(from: values, count: values.count)
        for n in lengths where n <= values.count {
            target.initialize(repeating: 42, count: values.count + 1)
            let got = _copyCountingOutside(c, from: source, to: target, n)
            XCTAssertEqual(got, expected(values[..<n]), "\(c), \(n) values", file: file, line: line)
            for i in 0..<n where target[i].bitPattern != values[i].bitPattern {
                XCTFail("\(c): value \(i) copied as \(target[i]), not \(values[i])", file: file, line: line)
            }
            XCTAssertEqual(target[n], 42, "wrote past the row", file: file, line: line)
        }
    }

    /// Every domain, screened and not: the count of the definition, for rows of every length
    /// around the loop's step of four, for rows wholly inside (the screen passes) with one value
    /// outside at every position, and for finite rows whose sums overflow (the screen fails, the
    /// count is still 0).
    func testCopyCountingMatchesTheDomainDefinition() {
        let values = edgeValues
        let lengths = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 37, values.count]
        for d in Self.domains {
            let definition = { (s: ArraySlice<Double>) in s.filter { !d.contains($0) }.count }
            check(values, _DomainCheck(domain: d, onlyNonFinite: false), lengths: lengths, expected: definition)
            // A row wholly inside, then the same with one value outside at each position.
            let inside: Double = d == .openShare ? 0.5 : 1
            let clean = [Double](repeating: inside, count: 11)
            check(clean, _DomainCheck(domain: d, onlyNonFinite: false), lengths: Array(0...11), expected: definition)
            for k in 0..<11 {
                for bad in [Double.nan, .infinity, -2, 2.25] where !d.contains(bad) {
                    var row = clean
                    row[k] = bad
                    check(row, _DomainCheck(domain: d, onlyNonFinite: false), lengths: [11, k + 1], expected: definition)
                }
            }
        }
        // Finite values whose sums overflow: counted one by one, none outside.
        for d: NumericDomain in [.real, .positive, .nonNegative, .count] {
            check([Double](repeating: 0x1p1020, count: 9), _DomainCheck(domain: d, onlyNonFinite: false), lengths: [2, 5, 9],
                  expected: { $0.filter { !d.contains($0) }.count })
        }
    }

    /// `onlyNonFinite` (a count draw: a whole number from 0 to 2^63, or NaN) counts the NaN values.
    func testNaNScreenCountsTheNaNsOfCountDraws() {
        var g = SystemRandomNumberGenerator()
        for trial in 0..<50 {
            let n = Int.random(in: 0...300, using: &g)
            let values = (0..<n).map { _ -> Double in
                switch Int.random(in: 0..<10, using: &g) {
                case 0: return .nan
                case 1: return 0x1p63
                case 2: return 0
                default: return Double(Int.random(in: 0...5000, using: &g))
                }
            }
            let nans = values.filter(\.isNaN).count
            for d: NumericDomain in [.count, .nonNegative] {
                check(values, _DomainCheck(domain: d, onlyNonFinite: true), lengths: [n, n / 2],
                      expected: { $0.filter { !d.contains($0) }.count })
            }
            if trial == 0 { XCTAssertEqual(values.filter { !NumericDomain.count.contains($0) }.count, nans) }
        }
    }

    /// On the shipped model exactly the ten count equations' draws need only the NaN screen, with
    /// and without process noise (without it, count variables are checked as non-negative).
    func testShippedModelScreensOnlyTheCountDrawsForNaN() throws {
        let spec = try ModelSpec.load(path: repositoryRoot + "/Scenarios/model.toml")
        let model = try CompiledModel(spec: spec, calibration: Calibration.load(path: repositoryRoot + "/Scenarios/calibration.toml"))
        let draws: Set<String> = ["entries", "exits", "weak_up", "average_up", "average_down", "fair_up", "fair_down",
                                  "good_down", "group_entries", "group_exits"]
        let counts = model.equations.filter { [.binomial, .negbin, .poisson].contains($0.family) }.map { model.variableNames[$0.target] }
        XCTAssertEqual(Set(counts), draws)
        for (v, name) in model.variableNames.enumerated() {
            let domain = model.variableDomains[v]
            XCTAssertEqual(model.domainChecks[v], _DomainCheck(domain: domain, onlyNonFinite: draws.contains(name)), name)
            XCTAssertEqual(model.domainChecksWithoutNoise[v],
                           _DomainCheck(domain: domain == .count ? .nonNegative : domain, onlyNonFinite: draws.contains(name)), name)
        }
    }

    /// The facts follow the program: a sum of two draws and their absolute difference stay whole and
    /// non-negative; a difference, a half and anything lagged are checked in full;
    /// a share of invlogit is inside [0, 1]; a constant is known.
    func testFactsFollowTheProgram() throws {
        let text = """
        name = "facts"
        [variables]
        a = { domain = "count" }
        b = { domain = "count" }
        total = { domain = "count" }
        gap = { domain = "count" }
        spread = { domain = "count" }
        half = { domain = "count" }
        stock = { domain = "count" }
        p = { domain = "share" }
        q = { domain = "open_share" }
        ten = { domain = "positive" }
        [levers]
        x = { domain = "real" }
        [[equations]]
        name = "a"
        family = "binomial"
        trials = "lag(stock)"
        formula = "a ~ x"
        [[equations]]
        name = "b"
        family = "negbin"
        formula = "b ~ x"
        [[equations]]
        name = "total"
        identity = "total = a + b * 2 + 1"
        [[equations]]
        name = "gap"
        identity = "gap = b - a"
        [[equations]]
        name = "spread"
        identity = "spread = abs(a - b)"
        [[equations]]
        name = "half"
        identity = "half = (a + b) / 2"
        [[equations]]
        name = "stock"
        identity = "stock = lag(stock) + a"
        [[equations]]
        name = "p"
        identity = "p = invlogit(x)"
        [[equations]]
        name = "q"
        identity = "q = invlogit(x)"
        [[equations]]
        name = "ten"
        identity = "ten = 10"
        """
        let model = try CompiledModel(spec: modelSpec(text), calibration: calibration([
            fixedEquation("a", .binomial, "a ~ x", terms: ["Intercept", "x"], coefficients: [0, 1]),
            fixedEquation("b", .negbin, "b ~ x", terms: ["Intercept", "x"], coefficients: [0, 1], alpha: 0.1),
        ]))
        let screened = Dictionary(uniqueKeysWithValues: model.variableNames.enumerated().map { ($1, model.domainChecks[$0].onlyNonFinite) })
        XCTAssertEqual(screened, ["a": true, "b": true, "total": true, "gap": false, "spread": true, "half": false,
                                  "stock": false, "p": true, "q": false, "ten": true])
        // Without noise the means are not whole: a sum of them is still non-negative, not a count.
        let noNoise = Dictionary(uniqueKeysWithValues: model.variableNames.enumerated().map {
            ($1, model.domainChecksWithoutNoise[$0].onlyNonFinite)
        })
        XCTAssertEqual(noNoise["total"], true)       // checked as non-negative without noise
        XCTAssertEqual(noNoise["a"], true)
        XCTAssertEqual(noNoise["spread"], true)
        // Through the engine: a path whose value leaves its domain is still counted (gap < 0 often).
        let plan = try constantPlan(model, observed: ["stock": 30], exogenous: ["x": 0.3])
        let result = MonteCarlo.run(plans: [plan], options: MonteCarloOptions(draws: 300, threads: 1, batchWidth: 7))
        let gap = model.variableNames.firstIndex(of: "gap")!, half = model.variableNames.firstIndex(of: "half")!
        XCTAssertGreaterThan(result.scenarios[0].violations[gap], 0)
        XCTAssertGreaterThan(result.scenarios[0].violations[half], 0)
        XCTAssertEqual(result.scenarios[0].violations[model.variableNames.firstIndex(of: "total")!], 0)
    }
}
