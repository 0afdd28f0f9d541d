import Glibc

/// log(k!) for a whole number k >= 0, used by the rejection steps of PTRS and BTRS.
///
/// k < 16: a table of exact sums of logs (error below 1e-15 relative). k >= 16: Stirling's
/// series log Γ(k+1) = k log k - k + log(2πk)/2 + 1/(12k) - 1/(360k^3) + 1/(1260k^5) - 1/(1680k^7),
/// whose truncation error is below 1/(1188 k^9) < 2e-14 absolute (Abramowitz & Stegun 6.1.41).
/// Unlike Glibc's `lgamma`, it writes no global `signgam`, so it is safe across threads.
///
/// Cost: whole k below `_logFactorialTableSize` (4,096) is one table read; the entries from 16 up
/// hold the series evaluated by `_logFactorialSeries` on the same k at first use, so the table
/// returns exactly the bits the series would (the rejection steps call this four times a try,
/// each series two calls of `log`).
@inlinable @inline(__always)
func _logFactorial(_ k: Double) -> Double {
    _logFactorialTable.withUnsafeBufferPointer { _logFactorial(k, table: $0) }
}

/// `_logFactorial(k)` reading `table` (`_logFactorialTable`'s elements), for callers that need
/// several values at once (BTRS: four) and so fetch the lazily made table once.
@inlinable @inline(__always)
func _logFactorial(_ k: Double, table: UnsafeBufferPointer<Double>) -> Double {
    if k < 4096 {
        let i = Int(k)
        if k < 16 || Double(i) == k { return table[i] }
    }
    return _logFactorialSeries(k)
}

/// Stirling's series for log(k!) (see `_logFactorial`), for k >= 16.
@usableFromInline
func _logFactorialSeries(_ k: Double) -> Double {
    let r = 1 / k
    let r2 = r * r
    let series = r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680))))
    return k * log(k) - k + 0.5 * log(2 * Double.pi * k) + series
}

/// Entries of `_logFactorialTable`.
let _logFactorialTableSize = 4096

@usableFromInline
let _logFactorialTable: [Double] = {
    var t = [0.0]
    var s = 0.0
    for i in 1..<16 {
        s += log(Double(i))
        t.append(s)
    }
    for i in 16..<_logFactorialTableSize { t.append(_logFactorialSeries(Double(i))) }
    return t
}()
