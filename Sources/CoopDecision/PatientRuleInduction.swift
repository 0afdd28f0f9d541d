/// PRIM, the patient rule induction method (Friedman & Fisher 1999), for scenario discovery:
/// a box (a range per input) where the outcome of interest is concentrated.
///
/// Data: n cases with real inputs `x[column][case]` and an outcome `y[case]` in [0, 1] (1: the case
/// of interest, such as a target missed; a share such as the fraction of paths missing the target
/// is allowed). For a box B:
///
///     coverage = Σ_{i∈B} y_i / Σ_i y_i      density = Σ_{i∈B} y_i / |B|      mass = |B| / n
///
/// (for a 0/1 outcome these are EMA Workbench's coi/t_coi and coi/|B|).
///
/// Peeling: from the box holding every case, each step considers, for each input in column order,
/// removing the cases above the (1 − α) quantile and below the α quantile of the cases still in the
/// box (upper candidate first), scores each candidate by the gain in mean per case removed,
/// `(mean_new − mean_old) / (n_old − n_new)` (EMA Workbench's default objective "lenient1"; ties go
/// to the candidate with more unrestricted inputs, then the earlier one), and takes the best while
/// its mass stays ≥ `massMin` and its score is > 0. Pasting then widens one restricted limit at a
/// time (to the α quantile of the cases between the limit and the edge of the data) while the mean
/// rises. Quantiles are sdtoolkit's (EMA Workbench's `get_quantile`): at rank (m − 1) q of the sorted
/// values, the midpoint of the two nearest distinct values around it.
///
/// This follows `ema_workbench.analysis.prim.Prim.find_box` (EMA Workbench 2.5, real inputs,
/// default objective); the tests match its whole peeling and pasting trajectory and box limits.
///
/// Reference: J. H. Friedman, N. I. Fisher (1999), Bump hunting in high-dimensional data,
/// Statistics and Computing 9, 123–143. J. H. Kwakkel (2017), The Exploratory Modeling Workbench,
/// Environmental Modelling & Software 96, 239–250.
public struct PatientRuleInduction: Sendable {
    /// One box of the peeling and pasting trajectory.
    public struct Box: Sendable, Equatable {
        /// Limits per input (the data's minimum and maximum where not restricted).
        public var lower: [Double]
        public var upper: [Double]
        public var coverage: Double
        public var density: Double
        public var mass: Double
        /// Inputs whose limits differ from the data's range.
        public var restricted: [Int]
        /// Cases in the box.
        public var count: Int
        /// "peel" or "paste" (the first box: "start").
        public var step: String
    }

    public var x: [[Double]]
    public var y: [Double]
    public var peelAlpha: Double
    public var pasteAlpha: Double
    public var massMin: Double

    public init(x: [[Double]], y: [Double], peelAlpha: Double = 0.05, pasteAlpha: Double = 0.05, massMin: Double = 0.05) {
        precondition(!x.isEmpty, "PRIM needs at least one input column.")
        precondition(x.allSatisfy { $0.count == y.count } && y.count >= 2,
                     "PRIM needs one outcome per case and every input column as long: \(y.count) outcomes, columns of \(x.map(\.count)).")
        precondition(peelAlpha > 0 && peelAlpha < 0.5 && pasteAlpha > 0 && pasteAlpha < 0.5,
                     "PRIM's peeling and pasting fractions must be in (0, 0.5), got \(peelAlpha) and \(pasteAlpha).")
        self.x = x; self.y = y; self.peelAlpha = peelAlpha; self.pasteAlpha = pasteAlpha; self.massMin = massMin
    }

    /// The peeling then pasting trajectory, first box (all cases) first.
    ///
    /// - Complexity: O(steps · k · n log n) for k inputs and n cases.
    public func trajectory() -> [Box] {
        let k = x.count, n = y.count
        let initLower = x.map { $0.min()! }, initUpper = x.map { $0.max()! }
        let total = y.reduce(0, +)
        var lower = initLower, upper = initUpper
        var inBox = Array(0..<n)
        func restricted(_ lo: [Double], _ hi: [Double]) -> [Int] {
            (0..<k).filter { lo[$0] != initLower[$0] || hi[$0] != initUpper[$0] }
        }
        func mean(_ idx: [Int]) -> Double { idx.isEmpty ? 0 : idx.reduce(0) { $0 + y[$1] } / Double(idx.count) }
        func box(_ idx: [Int], _ lo: [Double], _ hi: [Double], _ step: String) -> Box {
            let s = idx.reduce(0) { $0 + y[$1] }
            return Box(lower: lo, upper: hi, coverage: total > 0 ? s / total : .nan, density: idx.isEmpty ? .nan : s / Double(idx.count),
                       mass: Double(idx.count) / Double(n), restricted: restricted(lo, hi), count: idx.count, step: step)
        }
        // EMA Workbench's "lenient1": gain in mean per case removed (or added).
        func objective(_ old: [Int], _ new: [Int]) -> Double {
            let mo = mean(old), mn = mean(new)
            if mo == mn || old.count == new.count { return 0 }
            return (mn - mo) / Double(abs(old.count - new.count))
        }
        var path = [box(inBox, lower, upper, "start")]
        // Peeling.
        while true {
            var best: (score: Double, free: Int, lo: [Double], hi: [Double], idx: [Int])?
            for j in 0..<k {
                let xj = inBox.map { x[j][$0] }
                for upperSide in [true, false] {
                    var lo = lower, hi = upper
                    let idx: [Int]
                    if upperSide {
                        let v = Self.quantile(xj, 1 - peelAlpha)
                        hi[j] = v
                        idx = inBox.filter { x[j][$0] <= v }
                    } else {
                        let v = Self.quantile(xj, peelAlpha)
                        lo[j] = v
                        idx = inBox.filter { x[j][$0] >= v }
                    }
                    let score = objective(inBox, idx)
                    let free = k - restricted(lo, hi).count
                    if best == nil || score > best!.score || (score == best!.score && free > best!.free) {
                        best = (score, free, lo, hi, idx)
                    }
                }
            }
            guard let b = best else { break }
            let massNew = Double(b.idx.count) / Double(n), massOld = Double(inBox.count) / Double(n)
            guard massNew >= massMin && massNew < massOld && b.score > 0 else { break }
            lower = b.lo; upper = b.hi; inBox = b.idx
            path.append(box(inBox, lower, upper, "peel"))
        }
        // Pasting, over every case (all of them remain: one box is found).
        func inside(_ i: Int, _ lo: [Double], _ hi: [Double], _ dims: [Int]) -> Bool {
            dims.allSatisfy { lo[$0] <= x[$0][i] && x[$0][i] <= hi[$0] }
        }
        while true {
            let dims = restricted(lower, upper)
            if dims.isEmpty { break }
            var best: (score: Double, free: Int, lo: [Double], hi: [Double], idx: [Int])?
            for j in dims {
                for lowerSide in [true, false] {
                    var region = (lo: lower, hi: upper)
                    var lo = lower, hi = upper
                    if lowerSide {
                        region.lo[j] = initLower[j]; region.hi[j] = lower[j]
                        let data = (0..<n).filter { inside($0, region.lo, region.hi, dims) }.map { x[j][$0] }
                        lo[j] = data.isEmpty ? initLower[j] : Self.quantile(data, 1 - pasteAlpha)
                    } else {
                        region.lo[j] = upper[j]; region.hi[j] = initUpper[j]
                        let data = (0..<n).filter { inside($0, region.lo, region.hi, dims) }.map { x[j][$0] }
                        hi[j] = data.isEmpty ? initUpper[j] : Self.quantile(data, pasteAlpha)
                    }
                    let idx = (0..<n).filter { inside($0, lo, hi, dims) }
                    let score = objective(inBox, idx)
                    let free = k - restricted(lo, hi).count
                    if best == nil || score > best!.score || (score == best!.score && free > best!.free) {
                        best = (score, free, lo, hi, idx)
                    }
                }
            }
            guard let b = best else { break }
            let massNew = Double(b.idx.count) / Double(n), massOld = Double(inBox.count) / Double(n)
            guard massNew >= massMin && massNew > massOld && b.score > 0 && mean(b.idx) > mean(inBox) else { break }
            lower = b.lo; upper = b.hi; inBox = b.idx
            path.append(box(inBox, lower, upper, "paste"))
        }
        return path
    }

    /// The box of `trajectory` with the highest density among those covering at least
    /// `minimumCoverage` of the outcome (ties: the larger coverage, then the earlier box).
    public static func choose(_ trajectory: [Box], minimumCoverage: Double) -> Int {
        var chosen = 0
        for (i, b) in trajectory.enumerated() where b.coverage >= minimumCoverage {
            let c = trajectory[chosen]
            if c.coverage < minimumCoverage || b.density > c.density || (b.density == c.density && b.coverage > c.coverage) { chosen = i }
        }
        return chosen
    }

    /// sdtoolkit's quantile (EMA Workbench `prim_util.get_quantile`): at rank i = (m − 1) q of the
    /// sorted values, the midpoint of the nearest distinct values below and above (searching down
    /// for q > 0.5, up otherwise).
    public static func quantile(_ data: [Double], _ q: Double) -> Double {
        precondition(q > 0 && q < 1 && !data.isEmpty, "A PRIM quantile needs data and 0 < q < 1.")
        let s = data.sorted()
        let i = Double(s.count - 1) * q
        var lo = Int(i.rounded(.down)), hi = Int(i.rounded(.up))
        if q > 0.5 {
            while s[lo] == s[hi] && lo > 0 { lo -= 1 }
        } else {
            while s[lo] == s[hi] && hi < s.count - 1 { hi += 1 }
        }
        return (s[lo] + s[hi]) / 2
    }
}
