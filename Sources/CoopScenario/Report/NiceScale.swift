import Foundation

/// A linear axis with "nice" ticks: steps of 1, 2 or 5 times a power of ten,
/// the domain widened to whole steps.
///
/// Algorithm: Heckbert, "Nice numbers for graph labels", Graphics Gems (1990),
/// with the step chosen as the smallest of {1, 2, 5}·10^k that gives at most
/// `maxTicks` ticks over [lo, hi] (so the chart never gets crowded).
///
/// Edge cases: lo == hi (or a range below 1e-12 of the magnitude) is widened
/// to ±10% of |lo| (±1 when lo is 0); NaN or infinite bounds trap, since a
/// chart of no finite values is a programmer error upstream.
public struct NiceScale: Sendable, Equatable {
    public var lo: Double
    public var hi: Double
    public var step: Double

    public init(lo dataLo: Double, hi dataHi: Double, maxTicks: Int = 7) {
        precondition(dataLo.isFinite && dataHi.isFinite, "An axis needs finite bounds, got \(dataLo) and \(dataHi).")
        precondition(maxTicks >= 2, "An axis needs at least 2 ticks, not \(maxTicks).")
        var a = min(dataLo, dataHi), b = max(dataLo, dataHi)
        if b - a <= 1e-12 * max(abs(a), abs(b)) {
            let w = a == 0 ? 1 : abs(a) * 0.1
            a -= w
            b += w
        }
        let raw = (b - a) / Double(maxTicks - 1)
        let p = pow(10, floor(log10(raw)))
        var chosen = 100 * p
        for m in [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] {
            let s = m * p
            let n = (ceil(b / s - 1e-9) - floor(a / s + 1e-9)) + 1
            if n <= Double(maxTicks) { chosen = s; break }
        }
        step = chosen
        lo = floor(a / chosen + 1e-9) * chosen
        hi = ceil(b / chosen - 1e-9) * chosen
    }

    /// The tick values lo, lo + step, ..., hi (computed as k·step to avoid drift; -0 cleaned to 0).
    public var ticks: [Double] {
        let k0 = Int((lo / step).rounded()), k1 = Int((hi / step).rounded())
        return (k0...k1).map { let v = Double($0) * step; return v == 0 ? 0 : v }
    }

    /// Maps a value to [0, 1] over the domain.
    public func fraction(_ x: Double) -> Double { (x - lo) / (hi - lo) }
}

/// Year ticks: every year when few, else every 2, 5, 10... years, at multiples of the step.
func yearTicks(from a: Int, to b: Int, maxTicks: Int = 10) -> [Int] {
    precondition(b >= a, "A year axis needs its first year \(a) not after its last \(b).")
    for s in [1, 2, 5, 10, 20, 50, 100] {
        let first = Int((Double(a) / Double(s)).rounded(.up)) * s
        let ticks = Array(stride(from: first, through: b, by: s))
        if ticks.count <= maxTicks { return ticks }
    }
    return [a, b]
}
