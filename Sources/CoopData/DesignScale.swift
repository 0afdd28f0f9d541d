import CoopNumerics
import Foundation

/// The scale check every fit runs on its design before factorising it (`coopsim fit` and
/// `coopsim calibrate`): values whose squares overflow or underflow (largest magnitude in a
/// column above 1e150, or a non-zero column whose largest magnitude is below 1e-150) make sums of
/// squares, IRLS weights and the coefficient covariance infinite or zero, so the fit would report
/// inf or NaN. Such a column is an input error that names it and asks to rescale it.
public enum DesignScale {
    /// The bounds on a column's largest magnitude.
    public static let largest = 1e150
    public static let smallest = 1e-150

    /// Throws `InputError` for the response (checked first) or the first design column out of
    /// scale: file `file`, field `field(name)`, line `line(k)` of the design row `k` holding the
    /// largest value when a line is known.
    ///
    /// - Parameters:
    ///   - X: the design, rows = `y.count` (or any row count when `y` is empty), column-major.
    ///   - names: X's column names.
    public static func check(X: Matrix, y: [Double], names: [String], response: String, file: String?,
                             field: (String) -> String = { $0 }, line: (Int) -> Int? = { _ in nil },
                             countResponse: Bool = false) throws {
        func check(_ values: (Int) -> Double, _ count: Int, _ name: String, _ example: String) throws {
            var largestValue = 0.0, at = 0
            for i in 0..<count where abs(values(i)) > largestValue { largestValue = abs(values(i)); at = i }
            guard largestValue > largest || (largestValue > 0 && largestValue < smallest) else { return }
            let factor = "1e\(Int(log10(largestValue).rounded()))"
            throw InputError(file: file, line: line(at), field: field(name),
                             expected: "values between 1e-150 and 1e150 in magnitude (their squares must be finite and non-zero)",
                             found: "values as large as \(CSVWriter.number(largestValue)) in absolute value",
                             hint: example.hasPrefix("check") ? example : "rescale it, e.g. \(example.replacingOccurrences(of: "NAME", with: name).replacingOccurrences(of: "K", with: factor))")
        }
        // A count (poisson, negbin, binomial) cannot be rescaled: such a count is a wrong cell.
        try check({ y[$0] }, y.count, response, countResponse ? "check the cell: no count is that large (or that small)" : "I(NAME / K) on the left of '~'")
        for j in 0..<X.columns {
            try check({ X.storage[$0 + j * X.rows] }, X.rows, names[j], "I(NAME / K)")
        }
    }
}
