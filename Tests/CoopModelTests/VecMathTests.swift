import CoopDistributions
import CoopRandom
import CVecMath
import Foundation
import XCTest

/// The engine's own exp, log, log1p, invlogit, logit and normal-from-a-word (Sources/CVecMath):
/// accuracy against mpmath at 60 digits (Fixtures/vecmath.txt, made by scripts/fixtures/vecmath.py)
/// and the same bits from the AVX2 and the scalar kernel for every input, so a simulation's output
/// does not depend on the processor (Guides/Random.md, "Why the engine has its own exp and log").
final class VecMathTests: XCTestCase {
    enum Op: Int32, CaseIterable { case exp = 0, log, log1p, invlogit, logit, normal }

    static func fixture() throws -> [(op: Op, input: UInt64, hi: Double, lo: Double)] {
        let path = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/vecmath.txt").path
        let names: [String: Op] = ["exp": .exp, "log": .log, "log1p": .log1p, "invlogit": .invlogit,
                                   "logit": .logit, "normal": .normal]
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: " ")
            guard f.count == 4, let op = names[String(f[0])], let x = UInt64(f[1], radix: 16),
                  let h = UInt64(f[2], radix: 16), let l = UInt64(f[3], radix: 16) else {
                throw NSError(domain: "VecMathTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "bad line \(line)"])
            }
            return (op, x, Double(bitPattern: h), Double(bitPattern: l))
        }
    }

    /// The scalar function of one input.
    static func scalar(_ op: Op, _ x: UInt64) -> Double {
        let d = Double(bitPattern: x)
        switch op {
        case .exp: return coop_exp(d)
        case .log: return coop_log(d)
        case .log1p: return coop_log1p(d)
        case .invlogit: return coop_invlogit(d)
        case .logit: return coop_logit(d)
        case .normal: return coop_normal_bits(x)
        }
    }

    /// The array function over `inputs` with a chosen kernel (0 scalar, 1 AVX2); nil when unavailable.
    static func run(_ op: Op, kernel: Int32, _ inputs: [UInt64]) -> [Double]? {
        var out = [Double](repeating: 0, count: inputs.count)
        let ok = inputs.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                coop_vecmath_run(op.rawValue, kernel, x.baseAddress, y.baseAddress, Int64(inputs.count))
            }
        }
        return ok == 1 ? out : nil
    }

    /// Stated bounds: exp, log, log1p within 1 ulp of the exact value; invlogit within 2 ulp;
    /// logit within 1 ulp + 2^-52 (the rounding of x / (1 - x) moves its log by up to 2^-53
    /// absolutely); the normal within 1e-15 relative. Special values (zeros with their sign,
    /// infinities, NaN) exactly.
    func testAccuracyAgainstMpmath() throws {
        let cases = try Self.fixture()
        XCTAssertGreaterThan(cases.count, 8000)
        var worst = [Op: Double]()
        for c in cases {
            let y = Self.scalar(c.op, c.input)
            let what = "\(c.op) of \(String(c.input, radix: 16)) (\(Double(bitPattern: c.input)))"
            if c.hi.isNaN || c.hi.isInfinite || c.hi == 0 {
                XCTAssertEqual(y.bitPattern == c.hi.bitPattern || (y.isNaN && c.hi.isNaN), true, "\(what): \(y), want \(c.hi)")
                continue
            }
            let err = Swift.abs((y - c.hi) - c.lo)
            let ulp = c.hi.ulp
            let bound: Double
            switch c.op {
            case .exp, .log, .log1p: bound = ulp
            case .invlogit: bound = 2 * ulp
            case .logit: bound = ulp + 0x1p-52
            case .normal: bound = 1e-15 * Swift.abs(c.hi)
            }
            worst[c.op] = Swift.max(worst[c.op] ?? 0, err / ulp)
            XCTAssertLessThanOrEqual(err, bound, "\(what): \(y), exact \(c.hi) + \(c.lo)")
        }
        // Measured with this fixture: exp 0.73, log 0.68, log1p 0.69, invlogit 1.61 ulp, normal 4.8 ulp (5.4e-16 relative).
        XCTAssertLessThan(worst[.exp]!, 1); XCTAssertLessThan(worst[.log]!, 1); XCTAssertLessThan(worst[.log1p]!, 1)
    }

    /// Random inputs over every function's range and random bit patterns (NaNs with payloads,
    /// infinities, subnormals, negatives): the AVX2 kernel gives the scalar kernel's bits, lengths not
    /// a multiple of 4 included; the array function (either kernel, as dispatched) == the scalar function.
    func testAVX2AndScalarKernelsGiveTheSameBits() throws {
        var g = RandomStream(key: StreamKey(seed: 13, region: 1, path: 0, year: 0, equation: 0))
        var inputs = [UInt64]()
        for k in 0..<40_003 {
            let u = RandomStream.uniform(g.next())
            switch k % 5 {
            case 0: inputs.append(g.next())                                  // any bit pattern
            case 1: inputs.append((u * 1500 - 750).bitPattern)
            case 2: inputs.append(((u - 0.5) * 8).bitPattern)
            case 3: inputs.append(u.bitPattern)
            default: inputs.append((Foundation.exp((u - 0.5) * 1400) * (k % 2 == 0 ? 1 : -1)).bitPattern)
            }
        }
        let specials: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                                  .infinity, -.infinity, .nan, -1, 1, 709.782712893384, -745.1332191019411, 0x1p53]
        inputs += specials.map(\.bitPattern)
        inputs += [0, 1, 2047, 2048, .max, .max - 2048, 1 << 63]
        for op in Op.allCases {
            let s = try XCTUnwrap(Self.run(op, kernel: 0, inputs))
            for (i, x) in inputs.enumerated() where s[i].bitPattern != Self.scalar(op, x).bitPattern {
                XCTFail("\(op): array form != scalar form at \(String(x, radix: 16))"); break
            }
            guard let v = Self.run(op, kernel: 1, inputs) else {
                XCTAssertEqual(coop_vecmath_has_avx2(), 0)
                continue
            }
            var differing = 0
            for i in inputs.indices where s[i].bitPattern != v[i].bitPattern {
                if differing == 0 { XCTFail("\(op): AVX2 \(v[i]) != scalar \(s[i]) at \(String(inputs[i], radix: 16))") }
                differing += 1
            }
            XCTAssertEqual(differing, 0, "\(op)")
            // The dispatched array functions, every length 0 ... 9, in place.
            for n in 0...9 {
                var y = Array(inputs[100..<(100 + n)]).map { Double(bitPattern: $0) }
                let want = inputs[100..<(100 + n)].map { Self.scalar(op, $0).bitPattern }
                y.withUnsafeMutableBufferPointer { p in
                    let b = p.baseAddress, c = Int64(n)
                    switch op {
                    case .exp: coop_vexp(b, b, c)
                    case .log: coop_vlog(b, b, c)
                    case .log1p: coop_vlog1p(b, b, c)
                    case .invlogit: coop_vinvlogit(b, b, c)
                    case .logit: coop_vlogit(b, b, c)
                    case .normal:
                        let w = inputs[100..<(100 + n)].map { $0 }
                        w.withUnsafeBufferPointer { coop_vnormal_bits($0.baseAddress, b, c) }
                    }
                }
                XCTAssertEqual(y.map(\.bitPattern), want, "\(op), length \(n)")
            }
        }
    }

    /// NormalSampler.standard(bits:) (every normal the toolkit draws from a word) is this kernel's
    /// normal, and within 1e-15 relative of CoopDistributions' Normal.quantile of the same uniform
    /// (the same AS241 rational forms; only the tails' logarithm differs).
    func testNormalSamplerUsesTheKernelsNormal() {
        var g = RandomStream(key: StreamKey(seed: 2, region: 3, path: 4, year: 5, equation: 6))
        for k in 0..<20_000 {
            let w = k < 100 ? UInt64(k) << 11 : (k < 200 ? UInt64.max - UInt64(k - 100) << 11 : g.next())
            let z = NormalSampler.standard(bits: w)
            XCTAssertEqual(z.bitPattern, coop_normal_bits(w).bitPattern)
            let q = CoopDistributions.Normal.quantile(RandomStream.uniform(w))
            XCTAssertLessThanOrEqual(Swift.abs(z - q), 1e-15 * Swift.abs(q), "word \(w)")
        }
    }
}
