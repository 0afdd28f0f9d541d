/// The Sobol' low-discrepancy sequence in [0, 1)^d (unscrambled), for d ≤ 32.
///
/// Direction numbers are Joe & Kuo's `new-joe-kuo-6.21201` (the first 32 dimensions, as shipped in
/// SciPy's `_sobol_direction_numbers.npz`); dimension 1 is the van der Corput sequence. Point n is
/// the XOR of the direction numbers v_j over the set bits j of the Gray code n ⊕ (n >> 1)
/// (Antonov & Saleev 1979), so the points are those of `scipy.stats.qmc.Sobol(d, scramble=False)`
/// in the same order (the tests compare the first 256 points in 20 dimensions, bit for bit).
///
/// References: I. M. Sobol' (1967); P. Bratley, B. L. Fox (1988), Algorithm 659, ACM TOMS 14;
/// S. Joe, F. Y. Kuo (2008), Constructing Sobol sequences with better two-dimensional projections,
/// SIAM J. Sci. Comput. 30, 2635–2654.
public struct SobolSequence: Sendable {
    public static let maximumDimension = 32
    static let bits = 52
    /// (primitive polynomial with its leading and trailing 1 bits, initial direction numbers m_1 … m_s).
    static let table: [(poly: Int, m: [UInt64])] = [
        (1, [1]),
        (3, [1]),
        (7, [1, 3]),
        (11, [1, 3, 1]),
        (13, [1, 1, 1]),
        (19, [1, 1, 3, 3]),
        (25, [1, 3, 5, 13]),
        (37, [1, 1, 5, 5, 17]),
        (41, [1, 1, 5, 5, 5]),
        (47, [1, 1, 7, 11, 19]),
        (55, [1, 1, 5, 1, 1]),
        (59, [1, 1, 1, 3, 11]),
        (61, [1, 3, 5, 5, 31]),
        (67, [1, 3, 3, 9, 7, 49]),
        (91, [1, 1, 1, 15, 21, 21]),
        (97, [1, 3, 1, 13, 27, 49]),
        (103, [1, 1, 1, 15, 7, 5]),
        (109, [1, 3, 1, 15, 13, 25]),
        (115, [1, 1, 5, 5, 19, 61]),
        (131, [1, 3, 7, 11, 23, 15, 103]),
        (137, [1, 3, 7, 13, 13, 15, 69]),
        (143, [1, 1, 3, 13, 7, 35, 63]),
        (145, [1, 3, 5, 9, 1, 25, 53]),
        (157, [1, 3, 1, 13, 9, 35, 107]),
        (167, [1, 3, 1, 5, 27, 61, 31]),
        (171, [1, 1, 5, 11, 19, 41, 61]),
        (185, [1, 3, 5, 3, 3, 13, 69]),
        (191, [1, 1, 7, 13, 1, 19, 1]),
        (193, [1, 3, 7, 5, 13, 19, 59]),
        (203, [1, 1, 3, 9, 25, 29, 41]),
        (211, [1, 3, 5, 13, 23, 1, 55]),
        (213, [1, 3, 7, 3, 13, 59, 17]),
    ]

    public let dimension: Int
    /// Direction numbers v[dim][bit], scaled to `bits` bits.
    let directions: [[UInt64]]

    public init(dimension d: Int) {
        precondition(d >= 1 && d <= Self.maximumDimension, "The Sobol sequence here supports 1 to \(Self.maximumDimension) dimensions, got \(d).")
        var dirs: [[UInt64]] = []
        for k in 0..<d {
            var m = [UInt64](repeating: 0, count: Self.bits)
            if k == 0 {
                for j in 0..<Self.bits { m[j] = 1 }
            } else {
                let poly = Self.table[k].poly
                let s = Int.bitWidth - poly.leadingZeroBitCount - 1
                let m0 = Self.table[k].m
                for j in 0..<s { m[j] = m0[j] }
                for j in s..<Self.bits {
                    var value = m[j - s] ^ (m[j - s] << UInt64(s))
                    for i in 1..<s where (poly >> (s - i)) & 1 == 1 { value ^= m[j - i] << UInt64(i) }
                    m[j] = value
                }
            }
            dirs.append((0..<Self.bits).map { j in m[j] << UInt64(Self.bits - 1 - j) })
        }
        dimension = d
        directions = dirs
    }

    /// Points `range` of the sequence (point 0 is the origin), row-major: `dimension` values per point.
    public func points(_ range: Range<Int>) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(range.count * dimension)
        let scale = 1.0 / Double(UInt64(1) << UInt64(Self.bits))
        for n in range {
            let gray = UInt64(n) ^ (UInt64(n) >> 1)
            for k in 0..<dimension {
                var x: UInt64 = 0
                var g = gray, j = 0
                while g != 0 {
                    if g & 1 == 1 { x ^= directions[k][j] }
                    g >>= 1; j += 1
                }
                out.append(Double(x) * scale)
            }
        }
        return out
    }
}
