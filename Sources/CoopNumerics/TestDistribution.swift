/// The reference distribution of coefficient tests, intervals and the F test.
///
/// coopsim's convention, one per family and covariance type (`standard`), as Stata and fixest:
///
/// | family | covariance | tests and intervals | F test of all slopes |
/// |---|---|---|---|
/// | gaussian | classical, HC0-HC3 | t(n - k) | F(q, n - k) |
/// | gaussian | cluster | t(G - 1) | F(q, G - 1) |
/// | poisson, binomial, negbin | classical, HC0-HC3 | normal (z) | (none reported) |
/// | poisson, binomial, negbin | cluster | t(G - 1) | (none reported) |
///
/// `normal` everywhere gives z tests and, for the gaussian F test, the chi2(q) p-value of the
/// Wald statistic q F (statsmodels' `use_t=False`); `t` everywhere gives t(n - k), or t(G - 1)
/// under clustering (statsmodels' `use_t=True`, R's `coeftest`). Why t(G - 1) for clusters:
/// with few clusters (analysts cluster by a handful of provinces) the normal approximation
/// overstates significance (Cameron & Miller 2015, section VI); Stata's `regress, vce(cluster)`
/// and fixest use G - 1.
public enum TestDistribution: String, Sendable, CaseIterable, Equatable {
    case t
    case normal

    /// coopsim's default for a family and covariance type (the table above).
    public static func standard(family: Family, covariance: CovarianceType) -> TestDistribution {
        if case .cluster = covariance { return .t }
        return family == .gaussian ? .t : .normal
    }
}
