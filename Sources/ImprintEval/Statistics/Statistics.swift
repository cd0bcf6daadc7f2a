import Foundation

/// The statistics an evaluation report rests on: intervals for proportions, tests and intervals for comparing
/// two runs, the spread across seeds, and agreement between judges.
///
/// Every closed-form function matches the Python reference it names on recorded fixtures
/// (`Tests/ImprintEvalTests/Fixtures/make_statistics_fixtures.py`); the bootstraps are seeded and give the
/// same interval for the same seed on every machine (`Statistics+Bootstrap.swift`).
public enum Statistics {
    /// The Wilson score interval of a proportion, without continuity correction.
    ///
    /// With `p̂ = successes / trials`, `n = trials` and `z` the normal quantile of `(1 + confidence) / 2`:
    /// `(p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)`, clipped to `[0, 1]`. Unlike the normal
    /// approximation it stays inside `[0, 1]` and is not zero-width at 0/n or n/n.
    ///
    /// ```swift
    /// Statistics.wilson(successes: 0, trials: 10)   // [0, 0.2775328]
    /// Statistics.wilson(successes: 0, trials: 0)    // [0, 1]: no trials, no information
    /// ```
    ///
    /// Matches statsmodels' `proportion_confint(successes, trials, alpha=1-confidence, method="wilson")`
    /// to 1e-12 (absolute). statsmodels divides by zero at 0 trials; here the interval is then `[0, 1]`.
    /// - Precondition: `0 <= successes <= trials`, `0 < confidence < 1`.
    public static func wilson(successes: Int, trials: Int, confidence: Double = 0.95) -> Interval {
        precondition(successes >= 0 && successes <= trials,
                     "Statistics.wilson: successes = \(successes) is outside 0...\(trials)")
        precondition(confidence > 0 && confidence < 1, "Statistics.wilson: confidence = \(confidence) is outside (0, 1)")
        guard trials > 0 else { return Interval(lower: 0, upper: 1) }
        // At 0/n and n/n one end is exactly 0 or 1 (the formula leaves rounding noise of 1e-17 there).
        let n = Double(trials)
        let proportion = Double(successes) / n
        let z = Distributions.normalUpperQuantile((1 - confidence) / 2)
        let zSquared = z * z
        let denominator = 1 + zSquared / n
        let center = (proportion + zSquared / (2 * n)) / denominator
        let halfWidth = z * (proportion * (1 - proportion) / n + zSquared / (4 * n * n)).squareRoot() / denominator
        let lower = successes == 0 ? 0 : min(max(center - halfWidth, 0), 1)
        let upper = successes == trials ? 1 : min(max(center + halfWidth, 0), 1)
        return Interval(lower: lower, upper: upper)
    }

    /// The two-sided exact McNemar p-value from the discordant counts of two paired runs.
    ///
    /// `b` counts items run A got right and B wrong, `c` the reverse (the items both got right or both got wrong
    /// carry no information about which is better). Under "A and B are equally good" each discordant item is a
    /// fair coin, so `p = min(1, 2 P(X <= min(b, c)))` for `X ~ Binomial(b + c, 1/2)`; `b = c = 0` gives 1.
    ///
    /// ```swift
    /// Statistics.mcnemarExactP(b: 2, c: 10)   // 0.0385742 (= 2 · 79 / 4096)
    /// ```
    ///
    /// Matches statsmodels' `mcnemar([[., b], [c, .]], exact=True).pvalue` to a relative 1e-12, down to
    /// p-values near the smallest double (beyond which both give 0).
    /// - Precondition: `b >= 0`, `c >= 0`.
    public static func mcnemarExactP(b: Int, c: Int) -> Double {
        precondition(b >= 0 && c >= 0, "Statistics.mcnemarExactP: discordant counts b = \(b), c = \(c) must be >= 0")
        return min(1, 2 * Distributions.binomialHalfCDF(min(b, c), b + c))
    }

    /// The mean of a metric across seeds of one configuration, with a Student t interval.
    ///
    /// `mean ± t_{(1+confidence)/2, n-1} · s / sqrt(n)`, with `s` the sample standard deviation (`n - 1` in the
    /// denominator). One value, or values all equal, give a zero-width interval at the mean (scipy answers nan).
    ///
    /// ```swift
    /// Statistics.acrossSeeds([0.61, 0.64, 0.58])   // (mean: 0.61, interval: [0.5354700, 0.6845300])
    /// ```
    ///
    /// Matches `scipy.stats.t.interval(confidence, n-1, loc=mean, scale=sem)` to 1e-12 (absolute).
    /// - Precondition: `values` is not empty, `0 < confidence < 1`.
    public static func acrossSeeds(_ values: [Double], confidence: Double = 0.95) -> (mean: Double, interval: Interval) {
        precondition(!values.isEmpty, "Statistics.acrossSeeds: no values")
        precondition(confidence > 0 && confidence < 1,
                     "Statistics.acrossSeeds: confidence = \(confidence) is outside (0, 1)")
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let sumOfSquares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        guard values.count > 1, sumOfSquares > 0 else { return (mean, Interval(lower: mean, upper: mean)) }
        let standardError = (sumOfSquares / (n - 1)).squareRoot() / n.squareRoot()
        let critical = Distributions.studentTwoSidedCritical(tail: 1 - confidence,
                                                             degreesOfFreedom: values.count - 1)
        return (mean, Interval(lower: mean - critical * standardError, upper: mean + critical * standardError))
    }

    /// Cohen's kappa: the agreement of two judges beyond what their label frequencies give by chance.
    ///
    /// `confusion[i][j]` counts the items judge A labelled `i` and judge B labelled `j`. With `N` items,
    /// observed agreement `pₒ = Σ confusion[i][i] / N` and chance agreement `pₑ = Σ rowᵢ colᵢ / N²`,
    /// `κ = (pₒ - pₑ) / (1 - pₑ)`, computed here as `(N Σ confusion[i][i] - Σ rowᵢ colᵢ) / (N² - Σ rowᵢ colᵢ)`
    /// in exact integer arithmetic and one division. 1 is perfect agreement, 0 chance level, below 0 worse.
    ///
    /// Two definitions where the formula is 0/0: when `pₑ = 1` (both judges gave every item the same single
    /// label, so they agreed on everything) κ is 1; an empty table (no items) gives 0.
    ///
    /// ```swift
    /// Statistics.cohensKappa([[20, 5], [10, 15]])   // 0.4
    /// ```
    ///
    /// Matches statsmodels' `cohens_kappa(table).kappa` (and sklearn's `cohen_kappa_score`) to 1e-12.
    /// - Precondition: `confusion` is square with non-negative counts.
    public static func cohensKappa(_ confusion: [[Int]]) -> Double {
        let size = confusion.count
        precondition(confusion.allSatisfy { $0.count == size },
                     "Statistics.cohensKappa: the table must be square, rows have \(confusion.map(\.count)) columns")
        precondition(confusion.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "Statistics.cohensKappa: negative count")
        let rowTotals = confusion.map { $0.reduce(0, +) }
        let columnTotals = (0..<size).map { j in confusion.reduce(0) { $0 + $1[j] } }
        let total = rowTotals.reduce(0, +)
        guard total > 0 else { return 0 }
        let agreements = (0..<size).reduce(0) { $0 + confusion[$1][$1] }
        let chance = (0..<size).reduce(0) { $0 + rowTotals[$1] * columnTotals[$1] }
        let denominator = total * total - chance
        guard denominator != 0 else { return 1 }
        return Double(total * agreements - chance) / Double(denominator)
    }
}
